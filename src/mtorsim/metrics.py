"""Summary metrics of a time course: exposure (AUC, Cmax, Ctrough) and response (minimum,
time below a threshold, rebound).

A :class:`Metric` is a small frozen spec — *what* to compute — shared by every
place that computes it: :func:`evaluate` here works on a stored
:class:`~mtorsim.results.Trajectory` (the reference), and batch backends reduce
the same specs on the fly so a million-point sweep need not keep trajectories.
Both follow the definitions below, on the window ``[start, end]`` (hours):

=============  ===============================================================
``AUC``        ∫ x dt over the window (units of x times h)
``MEAN``       AUC / window length (time-averaged value)
``MAX``/``MIN``  largest / smallest value in the window
``TMAX``/``TMIN``  time (h) at which the max / min is first reached
``VALUE_AT``   x at ``time`` (right-continuous: after a dose given at that time)
``TIME_ABOVE`` total time in the window with x > ``threshold`` (h)
``TIME_BELOW`` total time in the window with x < ``threshold`` (h)
=============  ===============================================================

With ``relative=True`` every value is first divided by the output's value at
the start of the simulation (the pre-dose baseline), so ``Metric.max("pAKT_S473",
relative=True)`` is the rebound as a fold of baseline and
``Metric.time_below("pS6K1", 0.2, relative=True)`` the time with S6K1 activity
under 20 % of baseline.  On a stored trajectory, values between output times
are linear interpolations; use a fine ``t_eval`` where that matters.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .results import Trajectory
from .units import TIME, convert

__all__ = ["Metric", "MetricKind", "evaluate", "evaluate_all", "exposure", "rebound"]


class MetricKind(enum.IntEnum):
    """What a metric computes (integer-valued so compiled reducers can switch on it)."""

    AUC = 0
    MEAN = 1
    MAX = 2
    MIN = 3
    TMAX = 4
    TMIN = 5
    VALUE_AT = 6
    TIME_ABOVE = 7
    TIME_BELOW = 8


def _hours(value: Any, argument: str) -> float:
    if value is None:
        return math.inf
    if isinstance(value, float) and math.isinf(value):
        return value
    return convert(value, TIME, argument=argument)


@dataclass(frozen=True)
class Metric:
    """A named summary of one output over a time window (see the module docstring).

    Build with the class methods (``Metric.auc("everolimus_blood_ng_mL")``,
    ``Metric.time_below("pS6K1", 0.2, relative=True)``); times accept quantities
    (``"7 d"``) or hours.
    """

    kind: MetricKind
    output: str
    start: float = 0.0
    end: float = math.inf
    time: float = math.nan
    threshold: float = math.nan
    relative: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        kind = MetricKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if not isinstance(self.output, str) or not self.output:
            raise ValueError("`output` must name an observable, assignment or species")
        if not self.end > self.start:
            raise ValueError(f"`end` ({self.end:g} h) must be after `start` ({self.start:g} h)")
        if kind is MetricKind.VALUE_AT and not math.isfinite(self.time):
            raise ValueError("a VALUE_AT metric needs `time`")
        if kind in (MetricKind.TIME_ABOVE, MetricKind.TIME_BELOW) and not math.isfinite(self.threshold):
            raise ValueError(f"a {kind.name} metric needs a finite `threshold`")
        if not self.name:
            object.__setattr__(self, "name", self.default_name())

    def default_name(self) -> str:
        base = f"{self.kind.name.lower()}_{self.output}"
        if self.kind is MetricKind.VALUE_AT:
            base += f"_at_{self.time:g}h"
        if self.kind in (MetricKind.TIME_ABOVE, MetricKind.TIME_BELOW):
            base += f"_{self.threshold:g}"
        if self.relative:
            base += "_rel"
        if self.start != 0.0 or math.isfinite(self.end):
            base += f"_{self.start:g}-{self.end:g}h"
        return base

    # ---------------------------------------------------------------- builders
    @classmethod
    def _make(cls, kind: MetricKind, output: str, start: Any, end: Any, relative: bool, name: str,
              time: float = math.nan, threshold: float = math.nan) -> Metric:
        return cls(kind, output, _hours(start, "start") if start is not None else 0.0,
                   _hours(end, "end"), time, threshold, relative, name)

    @classmethod
    def auc(cls, output: str, *, start: Any = None, end: Any = None, relative: bool = False, name: str = "") -> Metric:
        """Area under the curve of ``output`` over ``[start, end]``."""
        return cls._make(MetricKind.AUC, output, start, end, relative, name)

    @classmethod
    def mean(cls, output: str, *, start: Any = None, end: Any = None, relative: bool = False, name: str = "") -> Metric:
        """Time-averaged value over ``[start, end]``."""
        return cls._make(MetricKind.MEAN, output, start, end, relative, name)

    @classmethod
    def max(cls, output: str, *, start: Any = None, end: Any = None, relative: bool = False, name: str = "") -> Metric:
        """Maximum (e.g. Cmax; with ``relative=True`` a rebound as fold of baseline)."""
        return cls._make(MetricKind.MAX, output, start, end, relative, name)

    @classmethod
    def min(cls, output: str, *, start: Any = None, end: Any = None, relative: bool = False, name: str = "") -> Metric:
        """Minimum (e.g. deepest inhibition; Ctrough over a dosing interval)."""
        return cls._make(MetricKind.MIN, output, start, end, relative, name)

    @classmethod
    def tmax(cls, output: str, *, start: Any = None, end: Any = None, name: str = "") -> Metric:
        """Time (h) of the maximum (e.g. tmax, time of the AKT rebound peak)."""
        return cls._make(MetricKind.TMAX, output, start, end, False, name)

    @classmethod
    def tmin(cls, output: str, *, start: Any = None, end: Any = None, name: str = "") -> Metric:
        """Time (h) of the minimum."""
        return cls._make(MetricKind.TMIN, output, start, end, False, name)

    @classmethod
    def value_at(cls, output: str, time: Any, *, relative: bool = False, name: str = "") -> Metric:
        """Value at one time (e.g. a biopsy 24 h after the last dose)."""
        t = _hours(time, "time")
        return cls(MetricKind.VALUE_AT, output, 0.0, math.inf, t, math.nan, relative, name)

    @classmethod
    def time_above(cls, output: str, threshold: float, *, start: Any = None, end: Any = None,
                   relative: bool = False, name: str = "") -> Metric:
        """Hours with ``output > threshold`` in the window."""
        return cls._make(MetricKind.TIME_ABOVE, output, start, end, relative, name, threshold=float(threshold))

    @classmethod
    def time_below(cls, output: str, threshold: float, *, start: Any = None, end: Any = None,
                   relative: bool = False, name: str = "") -> Metric:
        """Hours with ``output < threshold`` in the window (e.g. inhibition below 20 % of baseline)."""
        return cls._make(MetricKind.TIME_BELOW, output, start, end, relative, name, threshold=float(threshold))


def _window(t: NDArray[np.float64], x: NDArray[np.float64], start: float, end: float):
    """Samples restricted to [start, end], with linearly interpolated end points."""
    a = max(start, float(t[0]))
    b = min(end, float(t[-1]))
    if not b > a:
        raise ValueError(f"the window [{start:g}, {end:g}] h does not overlap the simulated times")
    inside = (t > a) & (t < b)
    tw = np.concatenate(([a], t[inside], [b]))
    # right-continuous at the left edge: take the last sample at or before `a`
    xa = np.interp(a, t, x) if a not in t else x[np.searchsorted(t, a, side="right") - 1]
    xb = np.interp(b, t, x) if b not in t else x[np.searchsorted(t, b, side="left")]
    xw = np.concatenate(([xa], x[inside], [xb]))
    return tw, xw


def _time_where(tw: NDArray[np.float64], xw: NDArray[np.float64], threshold: float, above: bool) -> float:
    """Length of time with x above (or below) threshold, linear between samples."""
    total = 0.0
    for i in range(len(tw) - 1):
        t0, t1, x0, x1 = tw[i], tw[i + 1], xw[i] - threshold, xw[i + 1] - threshold
        if not above:
            x0, x1 = -x0, -x1
        if x0 > 0 and x1 > 0:
            total += t1 - t0
        elif x0 > 0 >= x1 or x1 > 0 >= x0:
            frac = x0 / (x0 - x1)  # crossing point
            total += (t1 - t0) * (frac if x0 > 0 else 1.0 - frac)
    return float(total)


def evaluate(metric: Metric, traj: Trajectory) -> float:
    """Compute one metric from a stored trajectory (NaN if the run failed)."""
    if not traj.success:
        return math.nan
    t = traj.t
    x = np.asarray(traj[metric.output], dtype=float)
    if metric.relative:
        base = x[0]
        x = x / base if base != 0 else np.full_like(x, np.nan)
    kind = metric.kind
    if kind is MetricKind.VALUE_AT:
        if not t[0] <= metric.time <= t[-1]:
            raise ValueError(f"time {metric.time:g} h is outside the simulated times")
        idx = np.searchsorted(t, metric.time, side="right") - 1
        if t[idx] == metric.time:
            return float(x[idx])
        return float(np.interp(metric.time, t, x))
    tw, xw = _window(t, x, metric.start, metric.end)
    if kind is MetricKind.AUC:
        return float(np.trapezoid(xw, tw))
    if kind is MetricKind.MEAN:
        return float(np.trapezoid(xw, tw) / (tw[-1] - tw[0]))
    if kind is MetricKind.MAX:
        return float(np.max(xw))
    if kind is MetricKind.MIN:
        return float(np.min(xw))
    if kind is MetricKind.TMAX:
        return float(tw[int(np.argmax(xw))])
    if kind is MetricKind.TMIN:
        return float(tw[int(np.argmin(xw))])
    if kind is MetricKind.TIME_ABOVE:
        return _time_where(tw, xw, metric.threshold, above=True)
    if kind is MetricKind.TIME_BELOW:
        return _time_where(tw, xw, metric.threshold, above=False)
    raise ValueError(f"unknown metric kind {kind!r}")  # pragma: no cover


def evaluate_all(metrics: Sequence[Metric], traj: Trajectory) -> dict[str, float]:
    """``{metric.name: value}`` for several metrics of one trajectory."""
    return {m.name: evaluate(m, traj) for m in metrics}


def rebound(output: str, *, start: Any = None, end: Any = None) -> tuple[Metric, Metric]:
    """The two metrics of a rebound of ``output`` above its pre-dose baseline.

    Returns ``(peak, time)``: the largest value of ``output`` divided by its
    value at the start of the simulation (a fold of baseline; the rebound
    magnitude is ``peak - 1``), named ``rebound_<output>``, and the time (h) of
    that peak, named ``rebound_time_<output>``.  Both are plain :class:`Metric`
    specs, so batch backends reduce them like any other.

    Examples
    --------
    >>> peak, when = rebound("pAKT_S473", start="1 d")
    >>> peak.name, when.name
    ('rebound_pAKT_S473', 'rebound_time_pAKT_S473')
    """
    return (Metric.max(output, start=start, end=end, relative=True, name=f"rebound_{output}"),
            Metric.tmax(output, start=start, end=end, name=f"rebound_time_{output}"))


def exposure(output: str, *, start: Any = None, end: Any = None) -> tuple[Metric, Metric, Metric]:
    """AUC, Cmax and Ctrough of a concentration ``output`` over ``[start, end]``.

    Named ``auc_<output>``, ``cmax_<output>`` and ``ctrough_<output>``.  Ctrough
    is the minimum over the window: choose the window as one dosing interval
    (e.g. the last one, at steady state) so that it is the pre-dose trough.
    """
    return (Metric.auc(output, start=start, end=end, name=f"auc_{output}"),
            Metric.max(output, start=start, end=end, name=f"cmax_{output}"),
            Metric.min(output, start=start, end=end, name=f"ctrough_{output}"))
