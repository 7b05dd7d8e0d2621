"""Figures a person would rather look at than read.

Every function takes an optional matplotlib ``Axes`` (``ax=``) and returns the
``Axes`` it drew on; without one it makes a new ``Figure`` (not through pyplot,
so nothing global changes and no display is needed).  Save with
``ax.figure.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .results import Trajectory

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .analysis import CombinationIndex, Comparison, DoseResponse, LocalSensitivity, SobolIndices
    from .growth import TumourStudy, ViabilityAssay
    from .sweeps import SweepResult

__all__ = [
    "new_axes",
    "plot_combination_index",
    "plot_comparison",
    "plot_dose_response",
    "plot_heatmap",
    "plot_isobologram",
    "plot_schedules",
    "plot_sensitivity",
    "plot_sobol",
    "plot_sweep",
    "plot_timecourse",
    "plot_tumour_growth",
    "plot_viability",
]

_TIME_SCALES = {"h": 1.0, "d": 24.0, "min": 1.0 / 60.0, "wk": 168.0}


def new_axes(figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """A fresh ``Axes`` on its own ``Figure`` (no pyplot state)."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def _time_unit(t_hours: np.ndarray, time_unit: str | None) -> str:
    if time_unit is not None:
        if time_unit not in _TIME_SCALES:
            raise ValueError(f"`time_unit` must be one of {', '.join(_TIME_SCALES)}, got {time_unit!r}")
        return time_unit
    span = float(t_hours[-1] - t_hours[0]) if len(t_hours) else 0.0
    return "d" if span > 72 else "h"


def plot_timecourse(
    traj: Trajectory,
    names: str | Sequence[str],
    *,
    ax: Axes | None = None,
    relative_to_t0: bool = False,
    dose_markers: bool = True,
    time_unit: str | None = None,
    label_prefix: str = "",
    color: str | None = None,
    linestyle: str = "-",
) -> Axes:
    """Plot one or more named columns of a trajectory against time.

    Parameters
    ----------
    traj : Trajectory
    names : str or list of str
        Species, assignments or observables.
    ax : Axes, optional
    relative_to_t0 : bool
        Divide each curve by its value at the first time point (e.g. "% of baseline").
    dose_markers : bool
        Mark administrations with triangles along the top edge.
    time_unit : {"h", "d", "min", "wk"}, optional
        Default: days for spans over 72 h, else hours.
    label_prefix : str
        Prepended to each legend label (for overlaying several runs).
    color, linestyle : optional
        Line style (default: matplotlib's colour cycle, solid lines).

    Returns
    -------
    Axes
    """
    ax = ax if ax is not None else new_axes()
    names = [names] if isinstance(names, str) else list(names)
    unit = _time_unit(traj.t, time_unit)
    scale = _TIME_SCALES[unit]
    units = set()
    for name in names:
        y = np.asarray(traj[name], dtype=float)
        if relative_to_t0:
            base = y[0]
            y = y / base if base != 0 else np.full_like(y, np.nan)
        u = traj.unit(name)
        units.add("relative to t=0" if relative_to_t0 else (u if u not in ("", "1") else "fraction"))
        ax.plot(traj.t / scale, y, label=f"{label_prefix}{name}", color=color, linestyle=linestyle)
    if dose_markers and len(traj.dose_times):
        transform = ax.get_xaxis_transform()
        ax.scatter(traj.dose_times / scale, np.full(len(traj.dose_times), 1.0), marker="v", s=18,
                   color="0.35", transform=transform, clip_on=False, zorder=3, label=None)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel(", ".join(sorted(units)))
    title = traj.model_name + (f" [{', '.join(traj.variant)}]" if traj.variant else "")
    if title and not ax.get_title():
        ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(True, alpha=0.3)
    return ax


# ----------------------------------------------------------------------------- analyses
def plot_dose_response(dr: DoseResponse, *, ax: Axes | None = None, label: str | None = None,
                       color: str | None = None, show_ci: bool = True) -> Axes:
    """Simulated responses (points), the Hill fit (line) and its EC50 with interval (bar).

    Concentrations are on a log axis; a zero-concentration control is drawn at
    the left edge with an open marker.
    """
    ax = ax if ax is not None else new_axes()
    t = dr.table[dr.table["status"] == "SUCCESS"]
    x, y = t["level"].to_numpy(dtype=float), t["response"].to_numpy(dtype=float)
    positive = x > 0
    name = label or dr.metric.output
    points = ax.plot(x[positive], y[positive], "o", color=color, label=f"{name} (simulated)")[0]
    color = points.get_color()
    if (~positive).any() and positive.any():
        ax.plot(np.full((~positive).sum(), x[positive].min() / 3), y[~positive], "o", mfc="none", color=color,
                label="no drug")
    if dr.fit is not None and positive.any():
        grid = np.geomspace(x[positive].min() / 3, x[positive].max() * 3, 200)
        ax.plot(grid, dr.fit.predict(grid), "-", color=color, label=f"Hill fit, EC50 = {dr.fit.ec50:.3g} {dr.unit}")
        if show_ci:
            lo, hi = dr.fit.ci["ec50"]
            mid = dr.fit.predict([dr.fit.ec50])[0]
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar([dr.fit.ec50], [mid], xerr=[[dr.fit.ec50 - lo], [hi - dr.fit.ec50]], fmt="s",
                            color=color, capsize=3)
    ax.set_xscale("log")
    ax.set_xlabel(f"{dr.drug} {'concentration' if dr.in_vitro else 'dose'} ({dr.unit})")
    unit = dr.response_unit
    detail = "fraction of drug-free baseline" if dr.metric.relative else (unit if unit and unit != "1" else "")
    ax.set_ylabel(dr.metric.name + (f" ({detail})" if detail else ""))
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_comparison(comparison: Comparison, columns: Sequence[str] | None = None, *,
                    ax: Axes | None = None) -> Axes:
    """Grouped bars: one group per column, one bar per compared row (regimen or variant)."""
    ax = ax if ax is not None else new_axes((max(6.0, 1.6 * len(columns or comparison.columns)), 4.0))
    cols = list(columns) if columns is not None else list(comparison.columns)
    t = comparison.table
    one_regimen, one_variant = t["regimen"].nunique() == 1, t["variant"].nunique() == 1
    labels = [r if one_variant else (v if one_regimen else f"{r} [{v}]")
              for r, v in zip(t["regimen"], t["variant"], strict=True)]
    width = 0.8 / max(len(t), 1)
    pos = np.arange(len(cols))
    for i, label in enumerate(labels):
        ax.bar(pos + (i - (len(t) - 1) / 2) * width, [float(t[c].iloc[i]) for c in cols], width, label=label)
    units = comparison.units
    ax.set_xticks(pos, [c + (f"\n({units[c]})" if units.get(c) not in (None, "", "1") else "") for c in cols],
                  rotation=20, ha="right", fontsize=8)
    ax.axhline(0, color="0.4", lw=0.8)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(True, axis="y", alpha=0.3)
    return ax


def plot_isobologram(ci: CombinationIndex, *, fa: Sequence[float] | None = None, normalized: bool = False,
                     ax: Axes | None = None) -> Axes:
    """Isobologram: additivity lines ``(Dx1, 0)–(0, Dx2)`` and the combination's doses at each ``fa``.

    A combination point below its line is synergistic (CI < 1), above antagonistic.
    ``normalized=True`` divides each dose by the single-agent dose for the same
    effect (``d1/Dx1``, ``d2/Dx2``), so every level shares the line from (1, 0)
    to (0, 1) and a point's coordinates sum to its CI — useful when the two
    drugs' potencies differ by orders of magnitude.
    """
    ax = ax if ax is not None else new_axes((5.0, 5.0))
    table = ci.table if fa is None else ci.table[ci.table["fa"].isin(list(fa))]
    if normalized:
        ax.plot([1.0, 0.0], [0.0, 1.0], "-", color="0.3", lw=1.2, label="additivity")
    for _, row in table.iterrows():
        label = f"ED{100 * row['fa']:.0f}: CI = {row['ci']:.2f}"
        if normalized:
            ax.plot([row["d1"] / row["dx1"]], [row["d2"] / row["dx2"]], "o", label=label)
        else:
            line = ax.plot([row["dx1"], 0.0], [0.0, row["dx2"]], "-", lw=1.2)[0]
            ax.plot([row["d1"]], [row["d2"]], "o", color=line.get_color(), label=label)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    scale = " / single-agent dose for the same effect" if normalized else " dose"
    ax.set_xlabel(f"{ci.drugs[0]}{scale}")
    ax.set_ylabel(f"{ci.drugs[1]}{scale}")
    ax.set_title("isobologram (points below the line: synergism)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_combination_index(ci: CombinationIndex, *, ax: Axes | None = None) -> Axes:
    """Fa–CI plot (Chou–Talalay): CI against fraction affected, with the additivity line."""
    ax = ax if ax is not None else new_axes((6.0, 4.0))
    grid = np.linspace(0.05, 0.95, 91)
    curve = ci.curve(grid)
    ax.plot(curve["fa"], curve["ci"], "-", label="median-effect fit")
    ax.plot(ci.table["fa"], ci.table["ci"], "o", label="chosen levels")
    if ci.points is not None:
        ax.plot(ci.points["fa"], ci.points["ci"], "x", label="measured mixtures")
    ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel("fraction affected (fa)")
    ax.set_ylabel("combination index")
    ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_sensitivity(sens: LocalSensitivity, metric: str, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Tornado plot of normalised local sensitivities ``∂ln M/∂ln p`` for one metric."""
    rows = sens.top(metric, top).iloc[::-1]
    ax = ax if ax is not None else new_axes((6.0, 0.35 * len(rows) + 1.2))
    colors = ["tab:red" if v > 0 else "tab:blue" for v in rows["sensitivity"]]
    ax.barh(rows["parameter"], rows["sensitivity"], color=colors)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"∂ln({metric}) / ∂ln(parameter)")
    ax.grid(True, axis="x", alpha=0.3)
    return ax


def plot_sobol(indices: SobolIndices, output: str, *, ax: Axes | None = None) -> Axes:
    """First- and total-order Sobol indices of one output, with confidence intervals."""
    t = indices.for_output(output)
    ax = ax if ax is not None else new_axes((max(5.0, 0.8 * len(t) + 2), 4.0))
    pos = np.arange(len(t))
    ax.bar(pos - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="first order S1")
    ax.bar(pos + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="total order ST")
    ax.set_xticks(pos, t["parameter"], rotation=30, ha="right")
    ax.set_ylabel("Sobol index")
    ax.set_title(output, fontsize=10)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_sweep(result: SweepResult, x: str, y: str, *, hue: str | None = "regimen", logx: bool = False,
               ax: Axes | None = None) -> Axes:
    """Scatter of one sweep column against another, coloured by a design column; failed points as crosses."""
    ax = ax if ax is not None else new_axes()
    t = result.table
    groups = [(None, t)] if hue is None or t[hue].nunique() <= 1 else list(t.groupby(hue, sort=False))
    for key, g in groups:
        ok = g["status"] == "SUCCESS"
        ax.plot(g.loc[ok, x], g.loc[ok, y], "o", ms=4, alpha=0.8, label=None if key is None else str(key))
    failed = t["status"] != "SUCCESS"
    if failed.any():
        ax.plot(t.loc[failed, x], np.full(failed.sum(), np.nanmin(t[y]) if t[y].notna().any() else 0.0), "x",
                color="0.3", label="failed")
    units = result.units
    ax.set_xlabel(x + (f" ({units[x]})" if units.get(x) not in (None, "", "1") else ""))
    ax.set_ylabel(y + (f" ({units[y]})" if units.get(y) not in (None, "", "1") else ""))
    if logx:
        ax.set_xscale("log")
    if len(groups) > 1 or failed.any():
        ax.legend(frameon=False, fontsize=8)
    ax.grid(True, alpha=0.3)
    return ax


# ----------------------------------------------------------------------------- schedules, growth, sweeps
def plot_schedules(
    trajectories: Mapping[str, Trajectory],
    name: str,
    *,
    ax: Axes | None = None,
    relative_to_t0: bool = False,
    time_unit: str | None = None,
    dose_markers: bool = True,
) -> Axes:
    """One output of several runs (e.g. daily vs weekly) on one Axes, each run's doses marked in its colour.

    Call it once per Axes of a grid to build schedule-comparison panels (PK, p-S6K1, p-S6, ...).
    """
    ax = ax if ax is not None else new_axes()
    runs = list(trajectories.items())
    if not runs:
        raise ValueError("`trajectories` is empty")
    unit = _time_unit(runs[0][1].t, time_unit)
    scale = _TIME_SCALES[unit]
    transform = ax.get_xaxis_transform()
    for k, (label, traj) in enumerate(runs):
        y = np.asarray(traj[name], dtype=float)
        if relative_to_t0:
            y = y / y[0] if y[0] != 0 else np.full_like(y, np.nan)
        line = ax.plot(traj.t / scale, y, label=label)[0]
        if dose_markers and len(traj.dose_times):
            ax.scatter(traj.dose_times / scale, np.full(len(traj.dose_times), 1.0 + 0.035 * k), marker="v", s=14,
                       color=line.get_color(), transform=transform, clip_on=False, zorder=3)
    u = runs[0][1].unit(name)
    ax.set_ylabel(f"{name} ({'relative to t=0' if relative_to_t0 else (u if u not in ('', '1') else 'fraction')})")
    ax.set_xlabel(f"time ({unit})")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_viability(assay: ViabilityAssay, *, exposures: Sequence[float] | None = None, ax: Axes | None = None,
                   show_ic50: bool = True) -> Axes:
    """Viability (fraction of vehicle) against concentration per exposure: points, Hill fits, IC50 marked.

    The IC50 is the absolute one (fitted curve at 50 %), drawn as a dotted drop line;
    an exposure whose curve stays above 50 % says so in the legend.
    """
    ax = ax if ax is not None else new_axes((6.5, 4.2))
    for e in exposures if exposures is not None else assay.exposures:
        c, v = assay.viability(e)
        keep = c > 0
        pts = ax.plot(c[keep], v[keep], "o", ms=4)[0]
        color = pts.get_color()
        fit = assay.fits.get(e)
        ic50 = assay.ic50(e)
        text = f"IC50 {ic50:.3g} nM" if np.isfinite(ic50) else f"IC50 > {c.max():.3g} nM"
        if fit is not None:
            grid = np.geomspace(c[keep].min(), c[keep].max(), 200)
            ax.plot(grid, fit.predict(grid), "-", color=color, label=f"{e:g} h: {text}")
        else:
            pts.set_label(f"{e:g} h: {text}")
        if show_ic50 and np.isfinite(ic50):
            ax.plot([ic50, ic50], [0.0, 0.5], ":", color=color)
            ax.plot([ic50], [0.5], "D", color=color, ms=6)
    ax.axhline(0.5, color="0.5", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"{assay.drug} (nM, nominal medium)")
    ax.set_ylabel("viability (fraction of vehicle)")
    ax.set_title(f"{assay.line.name}: drug from 24 h after seeding", fontsize=10)
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_tumour_growth(study: TumourStudy, *, arms: Sequence[str] | None = None, band: str = "sd",
                       calipers: bool = False, seed: int | None = 0, ax: Axes | None = None) -> Axes:
    """Mean tumour volume per arm against days with an error band (``"sd"``, ``"sem"`` or ``"range"``).

    ``calipers=True`` overlays synthetic caliper means (twice weekly) with their SEM.
    """
    if band not in ("sd", "sem", "range"):
        raise ValueError(f"`band` must be 'sd', 'sem' or 'range', got {band!r}")
    ax = ax if ax is not None else new_axes((6.5, 4.2))
    days = study.t / 24.0
    for arm in arms if arms is not None else list(study.volumes):
        vol = study.volumes[arm]
        mean = vol.mean(axis=0)
        if band == "range":
            lo, hi = vol.min(axis=0), vol.max(axis=0)
        else:
            spread = vol.std(axis=0, ddof=1) if len(vol) > 1 else np.zeros_like(mean)
            if band == "sem":
                spread = spread / np.sqrt(len(vol))
            lo, hi = mean - spread, mean + spread
        line = ax.plot(days, mean, label=f"{arm} (n = {len(vol)})")[0]
        ax.fill_between(days, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        if calipers:
            cal = study.calipers(arm, seed=seed).groupby("day")["volume_mm3"]
            ax.errorbar(cal.mean().index, cal.mean(), yerr=cal.sem(), fmt="o", ms=3, color=line.get_color(),
                        capsize=2)
    ax.set_xlabel("days from the first dose")
    ax.set_ylabel("tumour volume (mm³)")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_heatmap(table: pandas.DataFrame, x: str, y: str, value: str, *, ax: Axes | None = None,
                 logx: bool = False, logy: bool = False, cmap: str = "viridis", label: str | None = None) -> Axes:
    """Heatmap of ``value`` over a grid of ``x`` × ``y`` (e.g. a two-factor sweep table), with a colour bar.

    Rows sharing an ``(x, y)`` pair are averaged.
    """
    ax = ax if ax is not None else new_axes((6.0, 4.5))
    grid = table.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index().sort_index(axis=1)
    xs, ys = grid.columns.to_numpy(dtype=float), grid.index.to_numpy(dtype=float)

    def edges(v: np.ndarray, log: bool) -> np.ndarray:
        w = np.log10(v) if log else v
        if len(w) == 1:
            e = np.array([w[0] - 0.5, w[0] + 0.5])
        else:
            mid = 0.5 * (w[1:] + w[:-1])
            e = np.concatenate([[w[0] - (mid[0] - w[0])], mid, [w[-1] + (w[-1] - mid[-1])]])
        return 10.0**e if log else e

    mesh = ax.pcolormesh(edges(xs, logx), edges(ys, logy), grid.to_numpy(dtype=float), cmap=cmap, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label=label or value)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax
