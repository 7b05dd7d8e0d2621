"""Figures a person would rather look at than read.

Every function takes an optional matplotlib ``Axes`` (``ax=``) and returns the
``Axes`` it drew on; without one it makes a new ``Figure`` (not through pyplot,
so nothing global changes and no display is needed).  Save with
``ax.figure.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .results import Trajectory

__all__ = ["new_axes", "plot_timecourse"]

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
