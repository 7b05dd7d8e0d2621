"""Side-by-side experiments: treatments, schedules and model variants under the same conditions.

* :func:`compare` — any regimens × variants, any metrics, with differences
  from a reference row (the engine behind the two below).
* :func:`compare_schedules` — e.g. everolimus 10 mg daily vs 70 mg weekly:
  time-averaged, trough and peak inhibition of each readout, time spent
  inhibited, AKT rebound, and exposure (AUC, Cmax, Ctrough), over one window.
* :func:`compare_variants` — resistance experiments: the same regimen on the
  model as written and on variants (``feedback_off``, ``frb_mutant``, ...),
  reporting how each metric changes.

Inhibition of a readout ``x`` is ``1 - x(t) / x(0)``, with ``x(0)`` the
drug-free baseline at the start: *mean* inhibition uses the time-averaged
``x``, *trough* inhibition the least-inhibited moment (``max x``) and *peak*
inhibition the most-inhibited (``min x``).
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
from ..errors import SweepError
from ..integration import SteadyState
from ..metrics import Metric, exposure, rebound
from ..sweeps import SweepResult, sweep, variant_label
from ..units import TIME, convert

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["Comparison", "compare", "compare_schedules", "compare_variants"]


@dataclass(frozen=True, eq=False)
class Comparison:
    """Metrics of several treatments or variants, and their differences from a reference.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (regimen, variant): the metrics, derived columns and
        ``status``; units in ``table.attrs["units"]``.
    reference : (str, str)
        The (regimen, variant) row differences are taken from.
    columns : tuple of str
        The numeric result columns, in order.
    sweep : SweepResult
    """

    table: pandas.DataFrame
    reference: tuple[str, str]
    columns: tuple[str, ...]
    sweep: SweepResult

    @property
    def units(self) -> dict[str, str]:
        return dict(self.table.attrs.get("units", {}))

    def reference_row(self) -> pandas.Series:
        t = self.table
        row = t[(t["regimen"] == self.reference[0]) & (t["variant"] == self.reference[1])]
        return row.iloc[0]

    def differences(self) -> pandas.DataFrame:
        """Each row minus the reference row (``delta_<col>``) and their ratio (``ratio_<col>``)."""
        ref = self.reference_row()
        out = self.table[["regimen", "variant"]].copy()
        for col in self.columns:
            out[f"delta_{col}"] = self.table[col] - ref[col]
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"ratio_{col}"] = self.table[col] / ref[col]
        return out

    def value(self, column: str, *, regimen: str | None = None, variant: str | None = None) -> float:
        """One number of the table (regimen and variant default to the reference's)."""
        t = self.table
        r = regimen if regimen is not None else self.reference[0]
        v = variant if variant is not None else self.reference[1]
        rows = t[(t["regimen"] == r) & (t["variant"] == v)]
        if rows.empty:
            raise SweepError("regimen/variant", f"no row ({r!r}, {v!r}) in the comparison")
        return float(rows.iloc[0][column])


def _as_mapping(regimens: Regimen | Mapping[str, Regimen]) -> dict[str, Regimen]:
    if isinstance(regimens, Regimen):
        return {"regimen": regimens}
    if not regimens:
        raise SweepError("regimens", "nothing to compare")
    return dict(regimens)


def compare(
    model: CompiledModel | spec.Model | str | Path,
    *,
    regimens: Regimen | Mapping[str, Regimen],
    metrics: Sequence[Metric],
    variants: Sequence[str | Sequence[str] | None] | None = None,
    reference: tuple[str, str | None] | None = None,
    fixed: Mapping[str, Any] | None = None,
    t_end: Any = None,
    n_points: int | None = None,
    initial: SteadyState | str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    body_weight: Any = None,
    body_surface_area: Any = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> Comparison:
    """Run every regimen on every variant and tabulate ``metrics`` (one row each).

    Treatments are regimens: a rapalog, a kinase-domain inhibitor and a
    combination are ``{"everolimus": r1, "kinase inhibitor": r2, "combination": r1 + r3}``.

    Parameters
    ----------
    reference : (regimen, variant), optional
        Row that :meth:`Comparison.differences` subtracts (default: the first).
    Other parameters as in :func:`mtorsim.sweeps.sweep`.
    """
    regs = _as_mapping(regimens)
    result = sweep(model, metrics=metrics, regimens=regs, variants=variants, fixed=fixed, t_end=t_end,
                   n_points=n_points, initial=initial, rtol=rtol, atol=atol, body_weight=body_weight,
                   body_surface_area=body_surface_area, executor=executor, client=client, progress=progress,
                   cache_dir=cache_dir)
    names = list(result.design.metric_names)
    table = result.table[["regimen", "variant", *names, "status", "message"]].reset_index(drop=True)
    table.attrs["units"] = {k: v for k, v in result.units.items() if k in names}
    if reference is None:
        ref = (str(table["regimen"].iloc[0]), str(table["variant"].iloc[0]))
    else:
        ref = (reference[0], variant_label(reference[1]))
        if not ((table["regimen"] == ref[0]) & (table["variant"] == ref[1])).any():
            raise SweepError("reference", f"({ref[0]!r}, {ref[1]!r}) is not among the compared rows")
    return Comparison(table, ref, tuple(names), result)


def _window(window: tuple[Any, Any] | None) -> tuple[float | None, float | None]:
    if window is None:
        return None, None
    start, end = window
    return (None if start is None else convert(start, TIME, argument="window[0]"),
            None if end is None else convert(end, TIME, argument="window[1]"))


def compare_schedules(
    model: CompiledModel | spec.Model | str | Path,
    schedules: Mapping[str, Regimen],
    *,
    readouts: Sequence[str],
    exposure_output: str | None = None,
    rebound_output: str | None = None,
    window: tuple[Any, Any] | None = None,
    inhibition_threshold: float = 0.5,
    variant: str | Sequence[str] | None = None,
    reference: str | None = None,
    t_end: Any = None,
    n_points: int | None = None,
    fixed: Mapping[str, Any] | None = None,
    body_weight: Any = None,
    body_surface_area: Any = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> Comparison:
    """Compare dosing schedules by inhibition of each readout, rebound and exposure.

    Parameters
    ----------
    schedules : mapping of name to Regimen
        e.g. ``{"10 mg daily": ..., "70 mg weekly": ..., "5 mg daily": ...}``.
    readouts : list of str
        Observables whose inhibition is reported (``["pS6K1", "pS6", "p4EBP1"]``).
    exposure_output : str, optional
        A drug concentration observable for AUC, Cmax and Ctrough.
    rebound_output : str, optional
        A readout that may rise above baseline (``"pAKT_S473"``): its peak fold
        of baseline and the time of the peak.
    window : (start, end), optional
        Times over which everything is computed (default: the whole
        simulation; use the last dosing interval of a cycle for steady state,
        e.g. ``("21 d", "28 d")``).
    inhibition_threshold : float
        ``time_inhibited_<readout>`` counts hours with inhibition above this fraction.
    reference : str, optional
        Schedule the differences are taken from (default: the first).

    Returns
    -------
    Comparison
        Columns per readout ``r``: ``mean_inhibition_r``, ``trough_inhibition_r``,
        ``peak_inhibition_r``, ``time_inhibited_r`` (h); ``rebound_<out>`` (fold)
        and ``rebound_time_<out>`` (h); ``auc_<c>``, ``cmax_<c>``, ``ctrough_<c>``.

    Examples
    --------
    "Does weekly 50 mg match daily 10 mg on tumour p-S6?"

    >>> import mtorsim as mt
    >>> eve = lambda mg: mt.Dose("everolimus", f"{mg} mg")
    >>> c = mt.compare_schedules("pi3k_akt_mtor", {
    ...         "10 mg daily": mt.Regimen.repeat(eve(10), every="24 h", count=28),
    ...         "50 mg weekly": mt.Regimen.repeat(eve(50), every="7 d", count=4)},
    ...     readouts=["pS6"], window=("21 d", "28 d"))                       # doctest: +SKIP
    >>> c.differences()[["regimen", "delta_mean_inhibition_pS6"]]          # doctest: +SKIP
    """
    if not readouts and exposure_output is None and rebound_output is None:
        raise SweepError("readouts", "nothing to compare: give readouts, exposure_output or rebound_output")
    start, end = _window(window)
    metrics: list[Metric] = []
    for r in readouts:
        metrics += [Metric.mean(r, start=start, end=end, relative=True, name=f"_mean_{r}"),
                    Metric.max(r, start=start, end=end, relative=True, name=f"_max_{r}"),
                    Metric.min(r, start=start, end=end, relative=True, name=f"_min_{r}"),
                    Metric.time_below(r, 1.0 - inhibition_threshold, start=start, end=end, relative=True,
                                      name=f"time_inhibited_{r}")]
    if rebound_output is not None:
        metrics += list(rebound(rebound_output, start=start, end=end))
    if exposure_output is not None:
        metrics += list(exposure(exposure_output, start=start, end=end))
    if t_end is None:
        if end is None:
            raise SweepError("t_end", "give `t_end` or a window end")
        t_end = end
    comp = compare(model, regimens=schedules, metrics=metrics, variants=[variant] if variant is not None else None,
                   reference=(reference, variant) if reference is not None else None, fixed=fixed, t_end=t_end,
                   n_points=n_points, body_weight=body_weight, body_surface_area=body_surface_area,
                   executor=executor, client=client, progress=progress, cache_dir=cache_dir)
    t = comp.table
    units = comp.units
    out = t[["regimen", "variant"]].copy()
    columns: list[str] = []
    for r in readouts:
        for col, values in ((f"mean_inhibition_{r}", 1.0 - t[f"_mean_{r}"]),
                            (f"trough_inhibition_{r}", 1.0 - t[f"_max_{r}"]),
                            (f"peak_inhibition_{r}", 1.0 - t[f"_min_{r}"]),
                            (f"time_inhibited_{r}", t[f"time_inhibited_{r}"])):
            out[col] = values
            units[col] = "h" if col.startswith("time_") else "1"
            columns.append(col)
    rest = [c for c in comp.columns if not c.startswith("_") and c not in columns]
    for col in rest:
        out[col] = t[col]
        columns.append(col)
    out["status"] = t["status"]
    out["message"] = t["message"]
    out.attrs["units"] = {c: units.get(c, "") for c in columns}
    return Comparison(out, comp.reference, tuple(columns), comp.sweep)


def compare_variants(
    model: CompiledModel | spec.Model | str | Path,
    regimen: Regimen,
    variants: Sequence[str | Sequence[str] | None],
    *,
    metrics: Sequence[Metric] = (),
    rebound_output: str | None = None,
    window: tuple[Any, Any] | None = None,
    t_end: Any = None,
    n_points: int | None = None,
    fixed: Mapping[str, Any] | None = None,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> Comparison:
    """The same regimen on several model variants; the first variant is the reference.

    With ``rebound_output`` the table also has ``rebound_<out>`` (peak fold of
    baseline), ``rebound_time_<out>`` (NaN where the readout never leaves its
    baseline by more than 1e-6) and ``rebound_excess_<out>`` (fold − 1),
    and ``rebound_remaining_<out>``: each variant's excess as a fraction of the
    reference's, so ``1 - rebound_remaining`` is the part of the rebound a
    variant removes.

    Examples
    --------
    "How much of the AKT rebound disappears without the IRS-1 feedback?"

    >>> c = compare_variants("pi3k_akt_mtor", regimen, [None, "feedback_off"],
    ...                      rebound_output="pAKT_S473", t_end="7 d")           # doctest: +SKIP
    >>> 1 - c.value("rebound_remaining_pAKT_S473", variant="feedback_off")      # doctest: +SKIP
    """
    start, end = _window(window)
    all_metrics = list(metrics)
    if rebound_output is not None:
        all_metrics += list(rebound(rebound_output, start=start, end=end))
    if not all_metrics:
        raise SweepError("metrics", "give metrics or a rebound_output")
    if t_end is None:
        if end is None:
            raise SweepError("t_end", "give `t_end` or a window end")
        t_end = end
    comp = compare(model, regimens={"regimen": regimen}, metrics=all_metrics, variants=list(variants), fixed=fixed,
                   t_end=t_end, n_points=n_points, executor=executor, client=client, progress=progress,
                   cache_dir=cache_dir)
    if rebound_output is None:
        return comp
    t = comp.table.copy()
    units = comp.units
    peak = f"rebound_{rebound_output}"
    excess = t[peak] - 1.0
    ref_excess = float(excess.iloc[0])
    t[f"rebound_excess_{rebound_output}"] = excess
    # a flat curve has no peak: its argmax is solver noise, not a rebound time
    flat = excess.abs() <= 1e-6
    t.loc[flat, f"rebound_time_{rebound_output}"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        t[f"rebound_remaining_{rebound_output}"] = excess / ref_excess if ref_excess != 0 else np.nan
    units[f"rebound_excess_{rebound_output}"] = "1"
    units[f"rebound_remaining_{rebound_output}"] = "1"
    t.attrs["units"] = units
    columns = (*comp.columns, f"rebound_excess_{rebound_output}", f"rebound_remaining_{rebound_output}")
    return Comparison(t, comp.reference, columns, comp.sweep)
