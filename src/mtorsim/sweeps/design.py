"""What a sweep computes: regimens × variants × dose levels × parameter samples.

:class:`SweepDesign` enumerates points in a fixed order — regimen outermost,
then variant, then dose level, then parameter sample (fastest) — so a point's
position (``point_id``) alone identifies it, chunks are contiguous ranges of
ids within one regimen, and a resumed sweep recomputes exactly the missing
ids.  Its :meth:`~SweepDesign.fingerprint` hashes everything that changes a
result (model code, regimens, parameter values to the last bit, metrics,
solver options), so a store can tell whether it holds the same sweep.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel
from ..dosing import Regimen, regimen_from
from ..errors import MtorsimWarning, Status, SweepError, UnknownNameError
from ..integration import Method, SteadyState
from ..metrics import Metric, MetricKind
from ..native.cuda_batch import resolve_backend
from ..units import TIME, convert
from .engine import Backend, ChunkResult, ChunkTask, RunOptions, native_supports
from .space import ParameterSamples

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["BASE_VARIANT", "ChunkSpec", "DoseLevels", "SweepDesign", "metric_unit", "output_grid", "variant_label"]

#: Label of the model without variants in result tables.
BASE_VARIANT = "base"
_ALL_DRUGS = "*"


def variant_label(variant: str | Sequence[str] | None) -> str:
    """``None`` → ``"base"``; ``["mouse", "feedback_off"]`` → ``"mouse+feedback_off"``."""
    if variant is None:
        return BASE_VARIANT
    if isinstance(variant, str):
        return variant
    return "+".join(variant) if len(variant) else BASE_VARIANT


def _variant_tuple(variant: str | Sequence[str] | None) -> tuple[str, ...]:
    if variant is None:
        return ()
    if isinstance(variant, str):
        return () if variant == BASE_VARIANT else (variant,)
    return tuple(variant)


@dataclass(frozen=True, eq=False)
class DoseLevels:
    """Dose scalings: each level multiplies the doses of one or more drugs.

    Attributes
    ----------
    drugs : tuple of str
        The drugs the columns of ``factors`` scale; ``("*",)`` scales every drug.
    factors : ndarray, shape (n_levels, len(drugs))
        Non-negative; 0 leaves the drug out.

    Examples
    --------
    >>> DoseLevels.uniform([0.5, 1, 2]).factors.ravel().tolist()
    [0.5, 1.0, 2.0]
    >>> DoseLevels.grid({"a": [0, 1], "b": [0, 2]}).factors.tolist()
    [[0.0, 0.0], [0.0, 2.0], [1.0, 0.0], [1.0, 2.0]]
    """

    drugs: tuple[str, ...]
    factors: NDArray[np.float64]

    def __post_init__(self) -> None:
        f = np.array(self.factors, dtype=float)
        if f.ndim == 1:
            f = f[:, None]
        if f.ndim != 2 or f.shape[1] != len(self.drugs) or f.shape[0] == 0:
            raise SweepError("doses", f"expected a non-empty (n_levels, {len(self.drugs)}) table of factors, "
                             f"got shape {f.shape}")
        if not np.isfinite(f).all():
            raise SweepError("doses", "dose factors must be finite")
        if (f < 0).any():
            raise SweepError("doses", f"negative dose factor {f[f < 0][0]:g}", "doses scale by factors >= 0")
        f.setflags(write=False)
        object.__setattr__(self, "factors", f)
        object.__setattr__(self, "drugs", tuple(self.drugs))

    @classmethod
    def uniform(cls, factors: Sequence[float]) -> DoseLevels:
        """Every drug of the regimen scaled together by each factor."""
        return cls((_ALL_DRUGS,), np.asarray(factors, dtype=float)[:, None])

    @classmethod
    def grid(cls, factors: Mapping[str, Sequence[float]]) -> DoseLevels:
        """Full factorial over per-drug factors (the last drug varying fastest)."""
        if not factors:
            raise SweepError("doses", "no drugs given")
        drugs = tuple(factors)
        mesh = np.meshgrid(*[np.asarray(factors[d], dtype=float) for d in drugs], indexing="ij")
        return cls(drugs, np.column_stack([m.ravel() for m in mesh]))

    @classmethod
    def table(cls, drugs: Sequence[str], rows: Sequence[Sequence[float]]) -> DoseLevels:
        """Explicit rows of per-drug factors (e.g. a fixed-ratio combination series)."""
        return cls(tuple(drugs), np.asarray(rows, dtype=float))

    def __len__(self) -> int:
        return self.factors.shape[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """Result-table column names: ``dose_scale`` or ``dose_scale_<drug>``."""
        if self.drugs == (_ALL_DRUGS,):
            return ("dose_scale",)
        return tuple(f"dose_scale_{d}" for d in self.drugs)

    def for_drugs(self, level: int, drugs: Sequence[str]) -> NDArray[np.float64]:
        """Factor per drug of a regimen (``drugs``) at one level."""
        row = self.factors[level]
        if self.drugs == (_ALL_DRUGS,):
            return np.full(len(drugs), row[0])
        lookup = dict(zip(self.drugs, row, strict=True))
        return np.array([lookup.get(d, 1.0) for d in drugs])


@dataclass(frozen=True)
class ChunkSpec:
    """Points ``start <= point_id < stop`` of one regimen, evaluated together."""

    index: int
    regimen: int
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


def metric_unit(metric: Metric, compiled: CompiledModel) -> str:
    """The unit of a metric's values (``"ng/mL·h"`` for an AUC of ng/mL, ``"h"`` for times)."""
    if metric.kind in (MetricKind.TMAX, MetricKind.TMIN, MetricKind.TIME_ABOVE, MetricKind.TIME_BELOW):
        return "h"
    names = compiled.state_names + compiled.output_names
    units = compiled.network.state_units + compiled.network.output_units
    unit = "1" if metric.relative else (units[names.index(metric.output)] if metric.output in names else "")
    unit = unit or "1"
    if metric.kind is MetricKind.AUC:
        return "h" if unit == "1" else f"{unit}·h"
    return unit


def output_grid(t_end: Any, t_eval: Any, n_points: int | None, metrics: Sequence[Metric]) -> NDArray[np.float64]:
    """Output times (h) of a sweep: ``t_eval``, or ``n_points`` (default 241) over ``[0, t_end]``,
    plus every finite window boundary and ``VALUE_AT`` time of ``metrics``.

    Raises
    ------
    SweepError
        If a metric's time or window lies outside the simulated span.
    """
    if t_eval is not None:
        grid = np.asarray(t_eval, dtype=float)
        if grid.ndim != 1 or grid.size < 2 or not np.isfinite(grid).all() or np.any(np.diff(grid) <= 0):
            raise SweepError("t_eval", "must be a strictly increasing 1-d array of at least two times (h)")
    else:
        if t_end is None:
            raise SweepError("t_end", "a sweep needs `t_end` (e.g. '7 d') or `t_eval`")
        end = convert(t_end, TIME, argument="t_end")
        if not end > 0:
            raise SweepError("t_end", f"must be positive, got {t_end!r}")
        n = 241 if n_points is None else int(n_points)
        if n < 2:
            raise SweepError("n_points", f"must be at least 2, got {n_points!r}")
        grid = np.linspace(0.0, end, n)
    t0, t1 = float(grid[0]), float(grid[-1])
    extra = []
    for m in metrics:
        where = f"metric {m.name!r}"
        if m.kind is MetricKind.VALUE_AT:
            if not t0 <= m.time <= t1:
                raise SweepError(where, f"time {m.time:g} h is outside the simulated span [{t0:g}, {t1:g}] h")
            extra.append(m.time)
        else:
            if not m.start < t1 or (math.isfinite(m.end) and not t0 < m.end <= t1 * (1 + 1e-12)):
                raise SweepError(where, f"window [{m.start:g}, {m.end:g}] h is not inside the simulated span "
                                 f"[{t0:g}, {t1:g}] h", "end the simulation later or the window earlier")
            extra.extend(v for v in (m.start, m.end) if math.isfinite(v) and t0 <= v <= t1)
    # metric boundaries become output times, so windows and VALUE_AT need no interpolation
    return np.unique(np.concatenate([grid, np.asarray(extra, dtype=float)]))


@dataclass(frozen=True, eq=False)
class SweepDesign:
    """Every point of a sweep, with the options to simulate it.  Build with :meth:`build`."""

    compiled: CompiledModel
    metrics: tuple[Metric, ...]
    options: RunOptions
    regimens: tuple[tuple[str, Regimen], ...]
    variants: tuple[tuple[str, ...], ...]
    dose_levels: DoseLevels | None
    samples: ParameterSamples | None
    fixed: tuple[tuple[str, Any], ...]
    _base: NDArray[np.float64]
    _sample_index: NDArray[np.int64]
    _sample_canonical: NDArray[np.float64]
    _sample_units: tuple[str, ...]

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        compiled: CompiledModel,
        *,
        metrics: Sequence[Metric],
        regimens: Regimen | Mapping[str, Regimen] | None = None,
        variants: Sequence[str | Sequence[str] | None] | None = None,
        doses: DoseLevels | Sequence[float] | None = None,
        parameters: ParameterSamples | pandas.DataFrame | None = None,
        fixed: Mapping[str, Any] | None = None,
        t_end: Any = None,
        t_eval: Any = None,
        n_points: int | None = None,
        initial: SteadyState | str | None = None,
        method: Method | str = Method.BDF,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        max_step: Any = None,
        body_weight: Any = None,
        body_surface_area: Any = None,
        backend: Backend | str = Backend.AUTO,
    ) -> SweepDesign:
        """Check every factor against the model and fix the order of points.

        Raises
        ------
        SweepError, UnknownNameError, ScheduleError, UnitError
            Naming the factor at fault (empty metric list, unknown output,
            variant, drug or parameter, metric window outside the simulation, ...).
        """
        metrics = tuple(metrics)
        if not metrics or not all(isinstance(m, Metric) for m in metrics):
            raise SweepError("metrics", "a sweep needs at least one Metric")
        names = [m.name for m in metrics]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SweepError("metrics", f"two metrics share the name(s) {', '.join(dupes)}",
                             "give one of them `name=`")
        known = set(compiled.state_names) | set(compiled.output_names) | set(compiled.parameter_names)
        for m in metrics:
            if m.output not in known:
                raise UnknownNameError(m.output, "species or observable", compiled.state_names + compiled.output_names)
        grid = output_grid(t_end, t_eval, n_points, metrics)
        step = math.inf if max_step is None else convert(max_step, TIME, argument="max_step")
        method = Method.parse(method)
        chosen = Backend.parse(backend)
        if chosen in (Backend.NATIVE, Backend.CUDA) and not native_supports(compiled, metrics):
            raise SweepError("backend", f"the {chosen.value} backend reduces metrics of species and outputs "
                             "only, on models without triggered events",
                             "use backend='scipy' (or 'auto') for metrics of parameters or models with events")
        if method is Method.NATIVE and chosen is Backend.AUTO:
            chosen = Backend.NATIVE
        chosen = chosen.resolve(compiled, metrics, method)
        if chosen is Backend.CUDA:
            resolve_backend("cuda", where="sweep")  # no GPU: one clear error now, not a failed point each
        if method is Method.NATIVE and chosen is Backend.SCIPY:
            raise SweepError("method", "method 'native' needs the native backend", "use backend='native' or 'auto'")
        options = RunOptions(grid, initial, method, float(rtol), float(atol), step,
                             body_weight, body_surface_area, chosen)

        if regimens is None:
            reg_items: tuple[tuple[str, Regimen], ...] = (("none", Regimen()),)
        elif isinstance(regimens, Mapping):
            if not regimens:
                raise SweepError("regimens", "no regimens given")
            reg_items = tuple((str(k), regimen_from(v)) for k, v in regimens.items())
        else:
            reg_items = (("regimen", regimen_from(regimens)),)
        for _, reg in reg_items:  # unknown drugs, routes, missing body weight: fail now, not per point
            reg.lower(compiled, body_weight=body_weight, body_surface_area=body_surface_area)

        variant_items = tuple(_variant_tuple(v) for v in (variants if variants is not None else [None]))
        if not variant_items:
            raise SweepError("variants", "an empty list of variants; use [None] for the model as written")
        labels = [variant_label(v) for v in variant_items]
        if len(set(labels)) != len(labels):
            raise SweepError("variants", f"a variant is listed twice: {labels}")

        if doses is not None and not isinstance(doses, DoseLevels):
            doses = DoseLevels.uniform(doses)
        if doses is not None and doses.drugs != (_ALL_DRUGS,):
            in_regimens = {d for _, reg in reg_items for d in reg.drugs}
            missing = [d for d in doses.drugs if d not in in_regimens]
            if missing:
                raise SweepError("doses", f"dose levels for drug(s) no regimen gives: {', '.join(missing)}")

        fixed_items = tuple((fixed or {}).items())
        base = np.vstack([compiled.parameters(dict(fixed_items), variant=list(v) or None) for v in variant_items])

        if parameters is not None and not isinstance(parameters, ParameterSamples):
            parameters = ParameterSamples.from_dataframe(parameters)
        if parameters is not None:
            if len(parameters) == 0:
                raise SweepError("parameters", "no parameter samples")
            clash = sorted(set(parameters.names) & {k for k, _ in fixed_items})
            if clash:
                raise SweepError("fixed", f"parameter(s) both fixed and swept: {', '.join(clash)}")
            index, canonical, units = parameters.bind(compiled)
            overridden = sorted({p for v in variant_items for name in v
                                 for p in compiled.model.get_variant(name).overrides} & set(parameters.names))
            if overridden:
                warnings.warn(f"swept parameter(s) {', '.join(overridden)} are also set by a variant; the swept "
                              "values win, so those variants differ from the model as written only elsewhere",
                              MtorsimWarning, stacklevel=3)
        else:
            index, canonical, units = np.zeros(0, dtype=np.int64), np.zeros((1, 0)), ()
        return cls(compiled, metrics, options, reg_items, variant_items, doses, parameters, fixed_items,
                   base, index, canonical, units)

    # ------------------------------------------------------------------ shape
    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Points per factor: (regimens, variants, dose levels, parameter samples)."""
        return (len(self.regimens), len(self.variants),
                len(self.dose_levels) if self.dose_levels is not None else 1,
                len(self.samples) if self.samples is not None else 1)

    @property
    def n_points(self) -> int:
        return int(np.prod(self.shape))

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def chunks(self, chunk_size: int) -> list[ChunkSpec]:
        """Contiguous chunks of at most ``chunk_size`` points, never spanning two regimens."""
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise SweepError("chunk_size", f"must be a positive integer, got {chunk_size!r}")
        per_regimen = self.n_points // len(self.regimens)
        specs: list[ChunkSpec] = []
        for r in range(len(self.regimens)):
            for start in range(r * per_regimen, (r + 1) * per_regimen, int(chunk_size)):
                stop = min(start + int(chunk_size), (r + 1) * per_regimen)
                specs.append(ChunkSpec(len(specs), r, start, stop))
        return specs

    def _unravel(self, ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
        return np.unravel_index(ids, self.shape)  # type: ignore[return-value]

    # ------------------------------------------------------------------ tasks
    def parameter_matrix(self, ids: NDArray[np.int64]) -> NDArray[np.float64]:
        """Canonical parameter vectors of points ``ids``, shape (len(ids), n_parameters)."""
        _, v, _, s = self._unravel(np.asarray(ids))
        p = self._base[v].copy()
        if len(self._sample_index):
            p[:, self._sample_index] = self._sample_canonical[s]
        for row in p:
            self.compiled.derive(row)
        return p

    def task(self, spec: ChunkSpec) -> ChunkTask:
        """The :class:`ChunkTask` of one chunk."""
        ids = np.arange(spec.start, spec.stop, dtype=np.int64)
        _, _, lev, _ = self._unravel(ids)
        regimen = self.regimens[spec.regimen][1]
        drugs = regimen.drugs
        if self.dose_levels is None:
            scale = np.ones((len(ids), len(drugs)))
        else:
            scale = np.vstack([self.dose_levels.for_drugs(int(i), drugs) for i in lev]).reshape(len(ids), len(drugs))
        return ChunkTask(spec.index, self.compiled, regimen, drugs, self.parameter_matrix(ids), scale,
                         self.metrics, self.options, ids)

    # ------------------------------------------------------------------ tables
    def units(self) -> dict[str, str]:
        """Unit of every numeric column of the result table."""
        out: dict[str, str] = {}
        if self.dose_levels is not None:
            out.update({c: "1" for c in self.dose_levels.columns})
        if self.samples is not None:
            out.update(dict(zip(self.samples.names, self._sample_units, strict=True)))
        out.update({m.name: metric_unit(m, self.compiled) for m in self.metrics})
        return out

    def design_table(self, ids: NDArray[np.int64]) -> pandas.DataFrame:
        """Design columns of points ``ids``: point_id, regimen, variant, dose scales, sample, parameters."""
        import pandas as pd

        ids = np.asarray(ids, dtype=np.int64)
        r, v, lev, s = self._unravel(ids)
        data: dict[str, Any] = {
            "point_id": ids,
            "regimen": np.array([self.regimens[i][0] for i in r], dtype=object),
            "variant": np.array([variant_label(self.variants[i]) for i in v], dtype=object),
        }
        if self.dose_levels is not None:
            for j, col in enumerate(self.dose_levels.columns):
                data[col] = self.dose_levels.factors[lev, j]
        if self.samples is not None:
            data["sample"] = s.astype(np.int64)
            for j, name in enumerate(self.samples.names):
                data[name] = self.samples.values[s, j]
        return pd.DataFrame(data)

    def result_table(self, result: ChunkResult) -> pandas.DataFrame:
        """Design columns, metric values, status and message of one chunk's points."""
        df = self.design_table(result.point_ids)
        for k, name in enumerate(self.metric_names):
            df[name] = result.values[:, k]
        df["status"] = np.array([Status(int(c)).name for c in result.status], dtype=object)
        df["message"] = np.array(result.messages, dtype=object)
        return df

    def not_run_table(self, spec: ChunkSpec, message: str) -> pandas.DataFrame:
        """Rows for a chunk that could not be evaluated (status NOT_RUN)."""
        ids = np.arange(spec.start, spec.stop, dtype=np.int64)
        n = len(ids)
        return self.result_table(ChunkResult(spec.index, ids, np.full((n, len(self.metrics)), np.nan),
                                             np.full(n, int(Status.NOT_RUN), dtype=np.int16), (message,) * n))

    # ------------------------------------------------------------------ identity
    def fingerprint(self) -> str:
        """sha256 of everything that determines the results (order of points included)."""
        h = hashlib.sha256()
        items = {
            "model": self.compiled.key,
            "metrics": [repr(m) for m in self.metrics],
            "options": self.options.fingerprint_items(),
            "regimens": [(name, [repr((d.drug, str(d.amount), d.route.value, d.time, d.duration))
                                 for d in reg.doses]) for name, reg in self.regimens],
            "variants": [list(v) for v in self.variants],
            "fixed": [(k, repr(v)) for k, v in self.fixed],
            "dose_drugs": list(self.dose_levels.drugs) if self.dose_levels is not None else None,
            "sample_names": list(self.samples.names) if self.samples is not None else None,
            "sample_units": list(self._sample_units),
        }
        h.update(json.dumps(items, sort_keys=True).encode())
        if self.dose_levels is not None:
            h.update(self.dose_levels.factors.tobytes())
        h.update(np.ascontiguousarray(self._base).tobytes())
        h.update(np.ascontiguousarray(self._sample_canonical).tobytes())
        return h.hexdigest()
