"""Parameter spaces and their samples: grids, Latin hypercubes, Sobol sequences.

A :class:`ParameterSpace` is a tuple of *dimensions*, one per swept parameter,
each a named distribution over values in one unit:

=================================  =============================================
``Uniform(name, low, high)``       uniform; ``scale="log"`` for log-uniform
``Normal(name, mean, sd)``         normal (optionally truncated to ``[low, high]``)
``LogNormal(name, median, sigma)`` log-normal: ``ln x ~ N(ln median, sigma²)``
``Values(name, values)``           an explicit list (grids only)
=================================  =============================================

Bounds and values are plain numbers in ``unit`` (default: the unit the model
file declares for that parameter) or quantities (``Uniform("Kd_FRB", "1 nM",
"100 nM", scale="log")``), converted to canonical units only when the space is
bound to a compiled model.  Every sampler maps points of the unit hypercube
through each dimension's inverse CDF (``ppf``), so grids, Latin hypercube
(:class:`scipy.stats.qmc.LatinHypercube`), Sobol (:class:`scipy.stats.qmc.Sobol`)
and the Saltelli design of a Sobol sensitivity analysis all share one
definition of every distribution.  Samplers are deterministic for a given
``seed``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SweepError, UnitError
from ..units import canonical_unit, factor, parse_quantity, parse_unit

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from ..compiled import CompiledModel

__all__ = [
    "Dimension",
    "LogNormal",
    "Normal",
    "ParameterSamples",
    "ParameterSpace",
    "Scale",
    "Uniform",
    "Values",
]

#: Hypercube coordinates are clipped to [_EPS, 1 - _EPS] so unbounded
#: distributions never map a sampler's 0 or 1 to an infinite value.
_EPS = 1e-12


class Scale(enum.Enum):
    """How a uniform range or grid is spaced."""

    LINEAR = "linear"
    LOG = "log"

    @classmethod
    def parse(cls, value: Scale | str, argument: str) -> Scale:
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        for member in cls:
            if text == member.value:
                return member
        raise SweepError(argument, f"unknown scale {value!r}", "use 'linear' or 'log'")


def _magnitudes(name: str, given: Mapping[str, Any], unit: str | None) -> tuple[dict[str, float], str | None]:
    """Read bounds that may be numbers or quantities into floats in one unit.

    Returns the floats and the unit they are in (``None``: the model's declared unit).
    """
    quantities = {k: v for k, v in given.items() if v is not None and not isinstance(v, (int, float, np.number))}
    if quantities and unit is None:
        first = next(iter(quantities.values()))
        try:
            unit = f"{parse_quantity(first, argument=name).units:~C}"
        except UnitError as exc:
            raise SweepError(name, str(exc)) from None
    out: dict[str, float] = {}
    for key, value in given.items():
        if value is None:
            continue
        argument = f"{name}.{key}"
        try:
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                number = float(value)
            else:
                q = parse_quantity(value, argument=argument, default_unit=unit)
                target = parse_unit(unit or "dimensionless")
                if q.dimensionality != target.dimensionality:
                    raise SweepError(argument, f"{value!r} is not in units compatible with {unit!r}")
                number = float(q.to(target).magnitude)
        except UnitError as exc:
            raise SweepError(argument, str(exc)) from None
        if not math.isfinite(number):
            raise SweepError(argument, f"must be finite, got {value!r}")
        out[key] = number
    return out, unit


def _check_name(name: Any, kind: str) -> str:
    if not isinstance(name, str) or not name:
        raise SweepError(kind, f"expected a parameter name, got {name!r}")
    return name


@dataclass(frozen=True, init=False)
class Uniform:
    """Uniform between ``low`` and ``high`` (log-uniform with ``scale="log"``).

    Raises
    ------
    SweepError
        If the range is empty (``high <= low``) or, on a log scale, not positive.
    """

    name: str
    low: float
    high: float
    scale: Scale = Scale.LINEAR
    unit: str | None = None

    def __init__(self, name: str, low: Any, high: Any, *, scale: Scale | str = Scale.LINEAR,
                 unit: str | None = None) -> None:
        name = _check_name(name, "Uniform.name")
        values, unit = _magnitudes(name, {"low": low, "high": high}, unit)
        scale = Scale.parse(scale, f"{name}.scale")
        if not values["high"] > values["low"]:
            raise SweepError(f"{name}.high", f"empty range: high ({high!r}) must be above low ({low!r})")
        if scale is Scale.LOG and not values["low"] > 0:
            raise SweepError(f"{name}.low", f"a log-scale range must be positive, got low = {low!r}",
                             "use scale='linear' or a positive lower bound")
        for key, value in (("name", name), ("low", values["low"]), ("high", values["high"]),
                           ("scale", scale), ("unit", unit)):
            object.__setattr__(self, key, value)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """Values at cumulative probabilities ``u`` (any shape)."""
        if self.scale is Scale.LOG:
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def grid(self, n: int) -> NDArray[np.float64]:
        """``n`` evenly spaced values from ``low`` to ``high`` (geometrically on a log scale)."""
        if self.scale is Scale.LOG:
            return np.geomspace(self.low, self.high, n)
        return np.linspace(self.low, self.high, n)

    def describe(self) -> str:
        kind = "log-uniform" if self.scale is Scale.LOG else "uniform"
        return f"{kind}[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True, init=False)
class Normal:
    """Normal with ``mean`` and standard deviation ``sd``, optionally truncated to ``[low, high]``.

    A grid of ``n`` points takes the quantiles at ``(i + 0.5) / n``.
    """

    name: str
    mean: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    unit: str | None = None

    def __init__(self, name: str, mean: Any, sd: Any, *, low: Any = None, high: Any = None,
                 unit: str | None = None) -> None:
        name = _check_name(name, "Normal.name")
        values, unit = _magnitudes(name, {"mean": mean, "sd": sd, "low": low, "high": high}, unit)
        if not values["sd"] > 0:
            raise SweepError(f"{name}.sd", f"must be positive, got {sd!r}")
        lo, hi = values.get("low", -math.inf), values.get("high", math.inf)
        if not hi > lo:
            raise SweepError(f"{name}.high", f"empty range: high ({high!r}) must be above low ({low!r})")
        for key, value in (("name", name), ("mean", values["mean"]), ("sd", values["sd"]),
                           ("low", lo), ("high", hi), ("unit", unit)):
            object.__setattr__(self, key, value)

    def _dist(self) -> Any:
        from scipy import stats  # deferred: scipy.stats takes a second to import

        a = (self.low - self.mean) / self.sd
        b = (self.high - self.mean) / self.sd
        if math.isinf(a) and math.isinf(b):
            return stats.norm(self.mean, self.sd)
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return self._dist().ppf(np.clip(u, _EPS, 1 - _EPS))

    def grid(self, n: int) -> NDArray[np.float64]:
        return self.ppf((np.arange(n) + 0.5) / n)

    def describe(self) -> str:
        text = f"normal(mean={self.mean:g}, sd={self.sd:g})"
        if math.isfinite(self.low) or math.isfinite(self.high):
            text += f" truncated to [{self.low:g}, {self.high:g}]"
        return text


@dataclass(frozen=True, init=False)
class LogNormal:
    """Log-normal: ``ln x`` is normal with mean ``ln(median)`` and standard deviation ``sigma``.

    ``sigma`` is dimensionless (e.g. 0.3 for a ~30 % coefficient of variation).
    """

    name: str
    median: float
    sigma: float
    unit: str | None = None

    def __init__(self, name: str, median: Any, sigma: float, *, unit: str | None = None) -> None:
        name = _check_name(name, "LogNormal.name")
        values, unit = _magnitudes(name, {"median": median}, unit)
        if not values["median"] > 0:
            raise SweepError(f"{name}.median", f"must be positive, got {median!r}")
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma > 0 or not math.isfinite(sigma):
            raise SweepError(f"{name}.sigma", f"must be a positive number, got {sigma!r}")
        for key, value in (("name", name), ("median", values["median"]), ("sigma", float(sigma)), ("unit", unit)):
            object.__setattr__(self, key, value)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy import stats

        return self.median * np.exp(self.sigma * stats.norm.ppf(np.clip(u, _EPS, 1 - _EPS)))

    def grid(self, n: int) -> NDArray[np.float64]:
        return self.ppf((np.arange(n) + 0.5) / n)

    def describe(self) -> str:
        return f"log-normal(median={self.median:g}, sigma={self.sigma:g})"


@dataclass(frozen=True, init=False)
class Values:
    """An explicit list of values: a grid axis (random samplers draw among them uniformly)."""

    name: str
    values: tuple[float, ...]
    unit: str | None = None

    def __init__(self, name: str, values: Sequence[Any], *, unit: str | None = None) -> None:
        name = _check_name(name, "Values.name")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
            raise SweepError(f"{name}.values", f"expected a non-empty list of values, got {values!r}")
        given = {str(i): v for i, v in enumerate(values)}
        numbers, unit = _magnitudes(name, given, unit)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "values", tuple(numbers[str(i)] for i in range(len(values))))
        object.__setattr__(self, "unit", unit)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        idx = np.minimum((np.asarray(u) * len(self.values)).astype(int), len(self.values) - 1)
        return np.asarray(self.values)[idx]

    def grid(self, n: int | None = None) -> NDArray[np.float64]:
        return np.asarray(self.values, dtype=float)

    def describe(self) -> str:
        return "values[" + ", ".join(f"{v:g}" for v in self.values) + "]"


Dimension = Uniform | Normal | LogNormal | Values


@dataclass(frozen=True)
class ParameterSamples:
    """Parameter values of a sweep: one row per sample, one column per parameter.

    Attributes
    ----------
    names : tuple of str
    values : ndarray, shape (n_samples, n_parameters)
        In ``units`` (``None``: the unit the model file declares for that parameter).
    units : tuple of (str or None)
    method : str
        How they were drawn (``"grid"``, ``"latin_hypercube"``, ``"sobol"``, ``"random"``, ``"table"``).
    seed : int or None
    grid_shape : tuple of int or None
        For a full-factorial grid, the number of levels per parameter (lets
        results become one array axis per parameter).
    """

    names: tuple[str, ...]
    values: NDArray[np.float64]
    units: tuple[str | None, ...]
    method: str = "table"
    seed: int | None = None
    grid_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=float)
        if values.ndim == 1 and len(self.names) == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[1] != len(self.names):
            raise SweepError("values", f"expected shape (n_samples, {len(self.names)}), got {values.shape}")
        if len(set(self.names)) != len(self.names):
            raise SweepError("names", f"a parameter appears twice: {list(self.names)}")
        if len(self.units) != len(self.names):
            raise SweepError("units", "one unit (or None) per parameter is needed")
        if not np.isfinite(values).all():
            raise SweepError("values", "parameter samples must be finite")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def __len__(self) -> int:
        return self.values.shape[0]

    @classmethod
    def from_dataframe(cls, table: pandas.DataFrame, units: Mapping[str, str] | None = None) -> ParameterSamples:
        """Samples from a table whose columns are parameter names (e.g. a user's design).

        ``units`` maps a column to the unit its numbers are in; other columns use
        the model's declared unit (or ``table.attrs["units"]`` when present).
        """
        known = dict(table.attrs.get("units", {}))
        known.update(units or {})
        names = tuple(str(c) for c in table.columns)
        return cls(names, table.to_numpy(dtype=float), tuple(known.get(n) for n in names), "table")

    def to_dataframe(self) -> pandas.DataFrame:
        """The samples as a table (units in ``attrs["units"]``; ``None`` means the declared unit)."""
        import pandas as pd

        df = pd.DataFrame(self.values, columns=list(self.names))
        df.attrs["units"] = dict(zip(self.names, self.units, strict=True))
        return df

    def bind(self, compiled: CompiledModel) -> tuple[NDArray[np.int64], NDArray[np.float64], tuple[str, ...]]:
        """Indices into the parameter vector, canonical values and display units for ``compiled``.

        Returns
        -------
        index : ndarray of int, shape (n_parameters,)
        canonical : ndarray, shape (n_samples, n_parameters)
        units : tuple of str
            The unit of each column as shown in result tables.

        Raises
        ------
        UnknownNameError
            A name the model does not declare as a parameter.
        SweepError
            A derived parameter (set the parameters it is computed from), or a unit
            of the wrong dimension.
        """
        derived = {compiled.parameter_names[j] for j, _ in compiled.network.derived}
        index = np.empty(len(self.names), dtype=np.int64)
        canonical = np.empty_like(self.values)
        shown: list[str] = []
        for j, (name, unit) in enumerate(zip(self.names, self.units, strict=True)):
            index[j] = compiled.parameter_index(name)
            if name in derived:
                raise SweepError(name, "is derived from other parameters and cannot be swept",
                                 "sweep the parameters its expression uses instead")
            declared = compiled.parameter_unit(name) or "dimensionless"
            source = parse_unit(unit or declared, argument=f"unit of {name}")
            expected = parse_unit(declared)
            if source.dimensionality != expected.dimensionality:
                raise SweepError(name, f"unit {unit!r} does not match the declared unit {declared!r}")
            canonical[:, j] = self.values[:, j] * factor(source, canonical_unit(source.dimensionality))
            shown.append(unit or compiled.parameter_unit(name) or "1")
        return index, canonical, tuple(shown)


@dataclass(frozen=True)
class ParameterSpace:
    """The parameters a sweep varies, each with its distribution.

    Examples
    --------
    >>> space = ParameterSpace([Uniform("Kd_FRB", "1 nM", "100 nM", scale="log"),
    ...                         Normal("kcat_S6K1", 0.5, 0.05)])
    >>> len(space.latin_hypercube(8, seed=1))
    8
    >>> space.grid(3).values.shape
    (9, 2)
    """

    dimensions: tuple[Dimension, ...] = field(default=())

    def __init__(self, dimensions: Sequence[Dimension]) -> None:
        dims = tuple(dimensions)
        for i, d in enumerate(dims):
            if not isinstance(d, Uniform | Normal | LogNormal | Values):
                raise SweepError(f"dimensions[{i}]", f"expected Uniform, Normal, LogNormal or Values, got {d!r}")
        names = [d.name for d in dims]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SweepError("dimensions", f"parameter(s) listed twice: {', '.join(dupes)}")
        if not dims:
            raise SweepError("dimensions", "a parameter space needs at least one parameter")
        object.__setattr__(self, "dimensions", dims)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def units(self) -> tuple[str | None, ...]:
        return tuple(d.unit for d in self.dimensions)

    def __len__(self) -> int:
        return len(self.dimensions)

    # ------------------------------------------------------------------ samplers
    def from_unit(self, u: NDArray[np.float64], *, method: str = "table", seed: int | None = None) -> ParameterSamples:
        """Map points of the unit hypercube, shape ``(n, n_parameters)``, through each ``ppf``."""
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != len(self):
            raise SweepError("u", f"expected shape (n, {len(self)}), got {u.shape}")
        values = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(self.dimensions)])
        return ParameterSamples(self.names, values, self.units, method, seed)

    def grid(self, levels: int | Mapping[str, int] = 5) -> ParameterSamples:
        """Full-factorial grid, the last parameter varying fastest.

        ``levels`` is the number of points per parameter (an int for all, or a
        mapping per name); :class:`Values` dimensions use their own values.
        """
        axes = []
        for d in self.dimensions:
            n = levels.get(d.name, 5) if isinstance(levels, Mapping) else levels
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise SweepError(f"levels[{d.name!r}]", f"must be a positive integer, got {n!r}")
            if isinstance(levels, Mapping):
                unknown = sorted(set(levels) - set(self.names))
                if unknown:
                    raise SweepError("levels", f"not in the space: {', '.join(unknown)}")
            axes.append(d.grid(int(n)))
        mesh = np.meshgrid(*axes, indexing="ij")
        values = np.column_stack([m.ravel() for m in mesh])
        return ParameterSamples(self.names, values, self.units, "grid", None, tuple(len(a) for a in axes))

    def latin_hypercube(self, n: int, *, seed: int) -> ParameterSamples:
        """``n`` Latin-hypercube samples (:class:`scipy.stats.qmc.LatinHypercube`)."""
        from scipy.stats import qmc

        _check_count(n)
        u = qmc.LatinHypercube(d=len(self), rng=np.random.default_rng(seed)).random(n)
        return self.from_unit(u, method="latin_hypercube", seed=seed)

    def sobol(self, n: int, *, seed: int, scramble: bool = True) -> ParameterSamples:
        """``n`` points of a (scrambled) Sobol sequence; ``n`` must be a power of two.

        Raises
        ------
        SweepError
            If ``n`` is not a power of two (the sequence's balance properties need it).
        """
        _check_count(n)
        m = int(round(math.log2(n)))
        if 2**m != n:
            raise SweepError("n", f"a Sobol sample needs a power of two points, got {n}",
                             f"use {2 ** max(m, 0)} or {2 ** (m + 1)}")
        from scipy.stats import qmc

        u = qmc.Sobol(d=len(self), scramble=scramble, rng=np.random.default_rng(seed)).random_base2(m)
        return self.from_unit(u, method="sobol", seed=seed)

    def random(self, n: int, *, seed: int) -> ParameterSamples:
        """``n`` independent random samples (plain Monte Carlo)."""
        _check_count(n)
        u = np.random.default_rng(seed).random((n, len(self)))
        return self.from_unit(u, method="random", seed=seed)

    def sample(self, method: str, n: int | Mapping[str, int], *, seed: int | None = None) -> ParameterSamples:
        """Dispatch by name: ``"grid"`` (``n`` levels), ``"latin_hypercube"``, ``"sobol"``, ``"random"``."""
        if method == "grid":
            return self.grid(n)
        if isinstance(n, Mapping):
            raise SweepError("n", f"method {method!r} takes one number of samples")
        if seed is None:
            raise SweepError("seed", f"method {method!r} needs a seed so the sweep is reproducible")
        samplers = {"latin_hypercube": self.latin_hypercube, "sobol": self.sobol, "random": self.random}
        if method not in samplers:
            raise SweepError("method", f"unknown sampling method {method!r}",
                             "use grid, latin_hypercube, sobol or random")
        return samplers[method](n, seed=seed)

    def describe(self) -> dict[str, str]:
        """``{name: "log-uniform[1, 100] nM", ...}`` for reports."""
        return {d.name: d.describe() + (f" {d.unit}" if d.unit else "") for d in self.dimensions}


def _check_count(n: Any) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SweepError("n", f"must be a positive integer, got {n!r}")


