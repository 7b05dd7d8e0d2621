"""Which parameters drive a metric: local normalised sensitivities and global Sobol indices.

Local
    ``S = ∂ ln M / ∂ ln p`` at the nominal parameters, by central differences
    in ``ln p``: ``(M(p·(1+h)) - M(p·(1-h))) / (2 h M(p))``.  ``S = 0.8`` means a
    1 % rise of ``p`` raises ``M`` by about 0.8 %.  One sweep of ``2 P + 1``
    points; parameters whose nominal value is 0 have no relative sensitivity.

Global
    First-order (``S1``) and total-order (``ST``) Sobol indices with bootstrap
    confidence intervals, from SALib's Saltelli/Jansen estimators
    (:func:`SALib.analyze.sobol.analyze`) on a Saltelli design drawn by
    :func:`SALib.sample.sobol.sample` in the unit hypercube and mapped through
    each :class:`~mtorsim.sweeps.ParameterSpace` distribution.  ``N (P + 2)``
    model runs for ``P`` parameters and base sample ``N`` (a power of two).

References
----------
A. Saltelli et al., Comput. Phys. Commun. 181:259–270 (2010).
J. Herman and W. Usher, SALib, J. Open Source Softw. 2(9):97 (2017).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import spec
from ..compiled import AUTO, CompiledModel, compile_model
from ..dosing import Regimen
from ..errors import FitError, SweepError
from ..integration import SteadyState
from ..metrics import Metric
from ..sweeps import ParameterSamples, ParameterSpace, SweepResult, sweep
from ..units import canonical_unit, factor, parse_unit

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["LocalSensitivity", "SobolIndices", "local_sensitivity", "sobol_indices", "sobol_sensitivity"]


@dataclass(frozen=True, eq=False)
class LocalSensitivity:
    """Normalised local sensitivities.

    Attributes
    ----------
    table : pandas.DataFrame
        Long form: ``metric``, ``parameter``, ``nominal`` (declared unit),
        ``unit``, ``sensitivity``, ``metric_value``; sorted by metric, then by
        ``|sensitivity|`` descending.
    relative_step : float
    sweep : SweepResult
    """

    table: pandas.DataFrame
    relative_step: float
    sweep: SweepResult

    def matrix(self) -> pandas.DataFrame:
        """Parameters × metrics."""
        return self.table.pivot(index="parameter", columns="metric", values="sensitivity")

    def top(self, metric: str, n: int = 10) -> pandas.DataFrame:
        """The ``n`` parameters with the largest ``|S|`` for one metric."""
        t = self.table[self.table["metric"] == metric]
        if t.empty:
            raise SweepError("metric", f"no metric {metric!r}; have {sorted(set(self.table['metric']))}")
        return t.head(n)


def _default_parameters(compiled: CompiledModel, regimen: Regimen | None) -> list[str]:
    derived = {compiled.parameter_names[j] for j, _ in compiled.network.derived}
    targets = set()
    for drug in compiled.model.drugs:  # infusion/medium parameters are set by doses, not sensitivities
        for target in drug.routes.values():
            if target.parameter:
                targets.add(target.parameter)
    p = compiled.default_parameters
    return [n for i, n in enumerate(compiled.parameter_names)
            if n not in derived and n not in targets and p[i] != 0 and math.isfinite(p[i])]


def local_sensitivity(
    model: CompiledModel | spec.Model | str | Path,
    *,
    metrics: Sequence[Metric],
    regimen: Regimen | None = None,
    parameters: Sequence[str] | None = None,
    variant: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    relative_step: float = 0.01,
    t_end: Any = None,
    n_points: int | None = None,
    initial: SteadyState | str | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    body_weight: Any = None,
    body_surface_area: Any = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> LocalSensitivity:
    """Normalised sensitivity ``∂ ln M / ∂ ln p`` of every metric to every parameter.

    Parameters
    ----------
    metrics : list of Metric
    regimen : Regimen, optional
    parameters : list of str, optional
        Default: every parameter that is not derived, not set by a dose route,
        and not zero.
    relative_step : float
        ``h`` of the central difference (default 1 %).  Tolerances default
        tighter than for sweeps so solver noise stays well below ``h``.

    Examples
    --------
    "Which parameters drive the rebound?"

    >>> from mtorsim.metrics import rebound
    >>> s = local_sensitivity("pi3k_akt_mtor", metrics=[rebound("pAKT_S473")[0]],
    ...                       regimen=regimen, t_end="7 d")          # doctest: +SKIP
    >>> s.top("rebound_pAKT_S473", 5)                                 # doctest: +SKIP
    """
    if not 0 < relative_step < 0.5:
        raise SweepError("relative_step", f"must be in (0, 0.5), got {relative_step!r}")
    compiled = model if isinstance(model, CompiledModel) else compile_model(model, cache_dir=cache_dir)
    names = list(parameters) if parameters is not None else _default_parameters(compiled, regimen)
    if not names:
        raise SweepError("parameters", "no parameters to perturb")
    base = compiled.parameters(fixed, variant=variant)
    nominal = np.empty(len(names))
    units = []
    for j, name in enumerate(names):
        i = compiled.parameter_index(name)
        unit = compiled.parameter_unit(name) or "dimensionless"
        u = parse_unit(unit)
        nominal[j] = base[i] / factor(u, canonical_unit(u.dimensionality))
        if nominal[j] == 0:
            raise SweepError(name, "is 0: a relative sensitivity is undefined", "leave it out of `parameters`")
        units.append(unit)
    n = len(names)
    rows = np.tile(nominal, (2 * n + 1, 1))
    for j in range(n):
        rows[1 + 2 * j, j] *= 1 + relative_step
        rows[2 + 2 * j, j] *= 1 - relative_step
    samples = ParameterSamples(tuple(names), rows, tuple(units), "local")
    fixed_rest = {k: v for k, v in (fixed or {}).items() if k not in names}
    result = sweep(compiled, metrics=metrics, regimens=regimen, variants=[variant] if variant is not None else None,
                   parameters=samples, fixed=fixed_rest, t_end=t_end, n_points=n_points, initial=initial,
                   rtol=rtol, atol=atol, body_weight=body_weight, body_surface_area=body_surface_area,
                   executor=executor, client=client, progress=progress, cache_dir=cache_dir)
    import pandas as pd

    records = []
    for m in result.design.metric_names:
        y = result.table[m].to_numpy()
        y0 = y[0]
        for j, name in enumerate(names):
            plus, minus = y[1 + 2 * j], y[2 + 2 * j]
            s = (plus - minus) / (2 * relative_step * y0) if y0 != 0 else math.nan
            records.append({"metric": m, "parameter": name, "nominal": nominal[j], "unit": units[j],
                            "sensitivity": s, "metric_value": y0})
    table = pd.DataFrame(records)
    table["_abs"] = table["sensitivity"].abs()
    table = (table.sort_values(["metric", "_abs"], ascending=[True, False], kind="stable")
             .drop(columns="_abs").reset_index(drop=True))
    return LocalSensitivity(table, relative_step, result)


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """First- and total-order Sobol indices with confidence intervals.

    Attributes
    ----------
    table : pandas.DataFrame
        ``output``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
        (``*_conf`` is the half-width of the ``conf_level`` interval).
    n_base : int
        Base sample size ``N``.
    n_runs : int
        Model evaluations, ``N (P + 2)``.
    conf_level : float
    """

    table: pandas.DataFrame
    n_base: int
    n_runs: int
    conf_level: float
    sweep: SweepResult | None = None

    def for_output(self, output: str) -> pandas.DataFrame:
        t = self.table[self.table["output"] == output]
        if t.empty:
            raise SweepError("output", f"no output {output!r}; have {sorted(set(self.table['output']))}")
        return t.reset_index(drop=True)


def sobol_indices(
    space: ParameterSpace,
    evaluate: Callable[[ParameterSamples], NDArray[np.float64]],
    *,
    n: int,
    seed: int,
    outputs: Sequence[str] | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
) -> tuple[SobolIndices, ParameterSamples, NDArray[np.float64]]:
    """Sobol indices of any function of the parameters in ``space``.

    Parameters
    ----------
    space : ParameterSpace
    evaluate : callable
        Takes the :class:`ParameterSamples` of the Saltelli design and returns
        an array of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``.
    n : int
        Base sample size (a power of two); ``n * (len(space) + 2)`` evaluations.
    seed : int
        Seeds the scrambled Sobol design and the bootstrap.
    outputs : list of str, optional
        Names of the output columns.

    Returns
    -------
    SobolIndices, ParameterSamples, ndarray
        The indices, the design and the outputs evaluated on it.

    Raises
    ------
    FitError
        If some evaluations are not finite (the estimators need every run).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    m = int(round(math.log2(n))) if n > 0 else -1
    if isinstance(n, bool) or m < 1 or 2**m != n:
        raise SweepError("n", f"the base sample of a Sobol analysis must be a power of two >= 2, got {n!r}")
    d = len(space)
    problem = {"num_vars": d, "names": list(space.names), "bounds": [[0.0, 1.0]] * d}
    u = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    samples = space.from_unit(u, method="saltelli", seed=seed)
    y = np.asarray(evaluate(samples), dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape[0] != len(samples):
        raise SweepError("evaluate", f"returned {y.shape[0]} rows for {len(samples)} samples")
    names = list(outputs) if outputs is not None else [f"y{k}" for k in range(y.shape[1])]
    if len(names) != y.shape[1]:
        raise SweepError("outputs", f"{len(names)} names for {y.shape[1]} output columns")
    bad = ~np.isfinite(y)
    if bad.any():
        raise FitError("Sobol indices", f"{int(bad.any(axis=1).sum())} of {len(y)} evaluations are not finite",
                       "check the failed points' statuses, or narrow the parameter ranges")
    import pandas as pd

    records = []
    for k, name in enumerate(names):
        res = sobol_analyze.analyze(problem, y[:, k], calc_second_order=False, num_resamples=num_resamples,
                                    conf_level=conf_level, seed=seed)
        for j, pname in enumerate(space.names):
            records.append({"output": name, "parameter": pname, "S1": float(res["S1"][j]),
                            "S1_conf": float(res["S1_conf"][j]), "ST": float(res["ST"][j]),
                            "ST_conf": float(res["ST_conf"][j])})
    return SobolIndices(pd.DataFrame(records), n, len(samples), conf_level), samples, y


def sobol_sensitivity(
    model: CompiledModel | spec.Model | str | Path,
    space: ParameterSpace,
    *,
    metrics: Sequence[Metric],
    n: int,
    seed: int,
    regimen: Regimen | None = None,
    variant: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    t_end: Any = None,
    n_points: int | None = None,
    initial: SteadyState | str | None = None,
    body_weight: Any = None,
    body_surface_area: Any = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    store: str | Path | None = None,
    chunk_size: int = 16,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> SobolIndices:
    """Global Sobol indices of model metrics over ``space`` (one sweep of the Saltelli design).

    The sweep may be stored and resumed (``store``) and run on a cluster
    (``client``) like any sweep.
    """
    compiled = model if isinstance(model, CompiledModel) else compile_model(model, cache_dir=cache_dir)
    holder: dict[str, SweepResult] = {}

    def run(samples: ParameterSamples) -> NDArray[np.float64]:
        result = sweep(compiled, metrics=metrics, regimens=regimen, variants=[variant] if variant is not None else None,
                       parameters=samples, fixed=fixed, t_end=t_end, n_points=n_points, initial=initial,
                       body_weight=body_weight, body_surface_area=body_surface_area, store=store,
                       chunk_size=chunk_size, executor=executor, client=client, progress=progress)
        holder["result"] = result
        return result.table[list(result.design.metric_names)].to_numpy()

    names = [m.name for m in metrics]
    indices, _, _ = sobol_indices(space, run, n=n, seed=seed, outputs=names, conf_level=conf_level,
                                  num_resamples=num_resamples)
    return SobolIndices(indices.table, indices.n_base, indices.n_runs, conf_level, holder.get("result"))
