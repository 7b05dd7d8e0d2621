"""Dose–response: simulate a concentration or dose series and fit a Hill curve.

* In vitro (:func:`in_vitro_dose_response`): a constant medium concentration
  from time 0 (:meth:`Regimen.in_vitro`), a readout at one time, by default
  relative to the drug-free baseline — "the IC50 of everolimus for p-S6K1 at
  24 h".
* In vivo (:func:`dose_response`): any regimen whose doses of one drug are
  scaled to each level (``"2.5 mg"`` … ``"20 mg"``), and any metric (mean
  inhibition over a week, trough, time below a threshold, AUC).

Both run one sweep through the same executors as :func:`mtorsim.sweeps.sweep`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import spec
from ..compiled import AUTO, CompiledModel
from ..dosing import Regimen
from ..errors import FitError, SweepError
from ..integration import SteadyState
from ..metrics import Metric
from ..sweeps import DoseLevels, SweepResult, sweep
from ..units import format_unit, parse_quantity
from .hill import HillFit, fit_hill

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["DoseResponse", "dose_response", "in_vitro_dose_response"]


@dataclass(frozen=True, eq=False)
class DoseResponse:
    """A simulated dose– or concentration–response series and its Hill fit.

    Attributes
    ----------
    table : pandas.DataFrame
        ``level`` (dose or concentration in :attr:`unit`), ``response``, ``status``, ``message``.
    drug : str
    unit : str
        Unit of ``level`` (``"nM"``, ``"mg"``).
    metric : Metric
        The response read from each simulation.
    response_unit : str
    fit : HillFit or None
        ``None`` if fitting was not asked for or failed (see :attr:`fit_error`).
    fit_error : str
    sweep : SweepResult
    in_vitro : bool
    """

    table: pandas.DataFrame
    drug: str
    unit: str
    metric: Metric
    response_unit: str
    fit: HillFit | None
    fit_error: str
    sweep: SweepResult
    in_vitro: bool

    @property
    def levels(self) -> np.ndarray:
        return self.table["level"].to_numpy()

    @property
    def responses(self) -> np.ndarray:
        return self.table["response"].to_numpy()

    def summary(self) -> str:
        head = (f"{'concentration' if self.in_vitro else 'dose'}-response of {self.metric.name} "
                f"to {self.drug} ({len(self.table)} levels)")
        if self.fit is None:
            return head + (f"\nno Hill fit: {self.fit_error}" if self.fit_error else "")
        return head + "\n" + self.fit.summary()


def _base_amount(regimen: Regimen, drug: str) -> Any:
    amounts = {str(d.amount) for d in regimen.doses if d.drug == drug}
    if not amounts:
        raise SweepError("drug", f"the regimen gives no {drug!r}", f"drugs in the regimen: {', '.join(regimen.drugs)}")
    if len(amounts) > 1:
        raise SweepError("regimen", f"the doses of {drug} differ ({', '.join(sorted(amounts))})",
                         "give a regimen of equal doses, or sweep dose factors with sweep(doses=DoseLevels...)")
    return next(d.amount for d in regimen.doses if d.drug == drug)


def _factors(levels: Sequence[Any], base: Any) -> tuple[np.ndarray, np.ndarray]:
    """Scale factors and level magnitudes in the base dose's unit."""
    mags = []
    for i, level in enumerate(levels):
        q = parse_quantity(level, argument=f"levels[{i}]", default_unit=str(base.units))
        if q.dimensionality != base.dimensionality:
            raise SweepError(f"levels[{i}]", f"{level!r} is not comparable with the regimen's dose {base:~P}")
        mags.append(float(q.to(base.units).magnitude))
    values = np.asarray(mags)
    if (values < 0).any():
        raise SweepError("levels", f"negative dose or concentration {values[values < 0][0]:g}")
    if len(values) < 2:
        raise SweepError("levels", "a dose-response needs at least two levels")
    return values / float(base.magnitude), values


def dose_response(
    model: CompiledModel | spec.Model | str | Path,
    regimen: Regimen,
    levels: Sequence[Any],
    metric: Metric,
    *,
    drug: str | None = None,
    variant: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    t_end: Any = None,
    t_eval: Any = None,
    n_points: int | None = None,
    initial: SteadyState | str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    body_weight: Any = None,
    body_surface_area: Any = None,
    fit: bool = True,
    e0: float | None = None,
    ci: float = 0.95,
    ci_method: str = "asymptotic",
    seed: int | None = None,
    store: str | Path | None = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> DoseResponse:
    """Simulate ``regimen`` with the doses of ``drug`` set to each of ``levels``; fit a Hill curve.

    Parameters
    ----------
    model : CompiledModel, Model, path or bundled-model name
    regimen : Regimen
        The template: every dose of ``drug`` must have the same amount; it is
        scaled to each level (other drugs are left as they are).
    levels : list of quantities or numbers
        Doses (``"10 mg"``) or, for in-vitro regimens, concentrations
        (``"1 nM"``); plain numbers are in the unit of the template's dose.
        A level of 0 is the untreated control.
    metric : Metric
        What to read from each simulation (e.g. ``Metric.mean("pS6", start="21 d", relative=True)``).
    drug : str, optional
        Required when the regimen gives more than one drug.
    variant, fixed, t_end, t_eval, n_points, initial, rtol, atol, body_weight, body_surface_area
        As in :func:`mtorsim.sweeps.sweep`.
    fit : bool
        Fit the Hill model (points that failed to simulate are left out).
    e0 : float, optional
        Hold the drug-free response (e.g. 1 for a relative readout) in the fit.
    ci, ci_method, seed
        Confidence intervals of the fit (see :func:`fit_hill`).
    store, executor, client, progress
        As in :func:`mtorsim.sweeps.sweep`.

    Returns
    -------
    DoseResponse
    """
    if drug is None:
        if len(regimen.drugs) != 1:
            raise SweepError("drug", f"the regimen gives {len(regimen.drugs)} drugs; name the one to vary")
        drug = regimen.drugs[0]
    base = _base_amount(regimen, drug)
    factors, values = _factors(levels, base)
    in_vitro = all(d.route is spec.Route.MEDIUM for d in regimen.doses if d.drug == drug)
    result = sweep(model, metrics=[metric], regimens={"regimen": regimen},
                   variants=[variant] if variant is not None else None, doses=DoseLevels((drug,), factors[:, None]),
                   fixed=fixed, t_end=t_end, t_eval=t_eval, n_points=n_points, initial=initial, rtol=rtol,
                   atol=atol, body_weight=body_weight, body_surface_area=body_surface_area, store=store,
                   executor=executor, client=client, progress=progress, cache_dir=cache_dir)
    import pandas as pd

    unit = format_unit(base)
    table = pd.DataFrame({"level": values, "response": result.table[metric.name].to_numpy(),
                          "status": result.table["status"].to_numpy(), "message": result.table["message"].to_numpy()})
    response_unit = result.units.get(metric.name, "")
    table.attrs["units"] = {"level": unit, "response": response_unit}
    hill_fit, error = None, ""
    if fit:
        ok = table["status"] == "SUCCESS"
        try:
            hill_fit = fit_hill(table.loc[ok, "level"], table.loc[ok, "response"], e0=e0, ci=ci,
                                ci_method=ci_method, seed=seed, unit=unit)
        except FitError as exc:
            error = str(exc)
    return DoseResponse(table, drug, unit, metric, response_unit, hill_fit, error, result, in_vitro)


def in_vitro_dose_response(
    model: CompiledModel | spec.Model | str | Path,
    drug: str,
    concentrations: Sequence[Any],
    readout: str,
    *,
    at: Any = "24 h",
    relative: bool = True,
    variant: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    n_points: int = 97,
    fit: bool = True,
    ci: float = 0.95,
    ci_method: str = "asymptotic",
    seed: int | None = None,
    store: str | Path | None = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> DoseResponse:
    """Constant medium concentrations of ``drug`` from time 0; ``readout`` at time ``at``.

    Parameters
    ----------
    drug : str
        A drug of the model with a ``medium`` route.
    concentrations : list
        ``["0.01 nM", ...]``, or numbers in nM (0 is the control).
    readout : str
        Observable or species, e.g. ``"pS6K1"``.
    at : time
        When the readout is taken (``"24 h"``); the simulation ends there.
    relative : bool
        Read the response as a fraction of the drug-free baseline (then the
        fit holds ``E0 = 1``).

    Examples
    --------
    "What is the IC50 of everolimus for p-S6K1 at 24 h?"

    >>> import numpy as np, mtorsim as mt
    >>> dr = mt.in_vitro_dose_response("rapalog_minimal", "everolimus",
    ...                                np.geomspace(1e-3, 1e2, 11), "pS6K1", at="24 h")  # doctest: +SKIP
    >>> dr.fit.ic50, dr.fit.ci["ec50"]                                                    # doctest: +SKIP
    """
    concentrations = [c if not isinstance(c, (int, float, np.number)) else f"{float(c)!r} nM" for c in concentrations]
    metric = Metric.value_at(readout, at, relative=relative, name=f"{readout}_at_{_label(at)}")
    regimen = Regimen.in_vitro(drug, "1 nM")
    return dose_response(model, regimen, concentrations, metric, drug=drug, variant=variant, fixed=fixed,
                         t_end=at, n_points=n_points, fit=fit, e0=1.0 if relative else None, ci=ci,
                         ci_method=ci_method, seed=seed, store=store, executor=executor, client=client,
                         progress=progress, cache_dir=cache_dir)


def _label(value: Any) -> str:
    return str(value).replace(" ", "")
