"""Integration with triggered events (SBML semantics) on top of scipy ``solve_ivp``.

Every relation in any trigger is a root function; ``solve_ivp`` stops at the first
crossing, the triggers are re-evaluated there with the crossing relation on its new
side (a root is only located to within rounding, so its computed sign is not
trusted), and the run restarts from the post-event state.  An event *fires* when
its trigger goes from false to true; it executes at once or after its delay, with
assignment values from the trigger time or the execution time.  Simultaneous
executions go by decreasing priority (equal priorities: a random choice from a
generator seeded per run, as SBML asks; no priorities: the order they fired), and after each
one the triggers are evaluated again, so events can cascade at one instant.  A
non-persistent event whose trigger turns false before it executes is dropped.
Dose breakpoints of a :class:`~mtorsim.dosing.DosingPlan` are honoured as in the
plain scipy backend.  Output at an event time is the state after the event.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel, EventFunctions
from ..dosing import DosingPlan, apply_events
from ..errors import Status
from .base import NonFiniteDerivative, RawSolution, solve_segment
from .options import Method

__all__ = ["MAX_EVENT_STOPS", "integrate_events"]

#: Give up (``Status.MAX_STEPS``) after this many event stops in one run (e.g. a trigger that
#: re-arms itself at every instant).
MAX_EVENT_STOPS = 100_000

_TINY = 1e-300  # the magnitude given to a root function on its imposed side


class _Events:
    """Trigger state, pending executions and the roots' imposed signs for one run."""

    def __init__(self, ev: EventFunctions, p: NDArray[np.float64]) -> None:
        self.ev = ev
        self.p = p
        self.prev = ev.initial_value.astype(bool).copy()
        self.pending: list[list] = []  # [execution time, sequence, event, values or None]
        self.seq = itertools.count()
        self.g = np.empty(ev.n_roots)
        self.imposed: dict[int, tuple[float, float]] = {}  # root -> (sign, the raw value it was imposed on)
        self.buf_e = np.zeros(ev.n_events)
        self.buf_v = np.zeros(max(ev.n_values, 1))
        self.rng = np.random.default_rng(0)

    def roots(self, t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        g = np.empty(self.ev.n_roots)
        with np.errstate(all="ignore"):
            self.ev.roots(t, y, self.p, g)
        return g

    def effective_roots(self, t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Roots with the sign of a just-located crossing imposed while the state sits on it."""
        g = self.roots(t, y)
        for k, (sign, raw) in list(self.imposed.items()):
            if g[k] == raw:
                g[k] = sign * _TINY
            else:
                del self.imposed[k]
        return g

    def triggers(self, t: float, y: NDArray[np.float64]) -> NDArray[np.bool_]:
        g = self.effective_roots(t, y)
        out = np.zeros(self.ev.n_events)
        with np.errstate(all="ignore"):
            self.ev.triggers(t, y, self.p, g, out)
        return out != 0.0

    def values(self, e: int, t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(all="ignore"):
            self.ev.values(t, y, self.p, self.buf_v)
        return self.buf_v[self.ev.offset[e]:self.ev.offset[e + 1]].copy()

    def update(self, t: float, y: NDArray[np.float64]) -> None:
        """Fire events whose trigger went false→true; drop non-persistent ones that went false."""
        cur = self.triggers(t, y)
        ev = self.ev
        delays = None
        for e in range(ev.n_events):
            if cur[e] and not self.prev[e]:
                delay = 0.0
                if ev.has_delay[e]:
                    if delays is None:
                        delays = np.zeros(ev.n_events)
                        with np.errstate(all="ignore"):
                            ev.delays(t, y, self.p, delays)
                    delay = float(delays[e])
                vals = self.values(e, t, y) if ev.use_trigger_values[e] else None
                self.pending.append([t + delay, next(self.seq), e, vals])
            elif not cur[e] and self.prev[e] and not ev.persistent[e]:
                self.pending = [q for q in self.pending if q[2] != e]
        self.prev = cur

    def execute_due(self, t: float, y: NDArray[np.float64]) -> int:
        """Execute every pending event due at ``t`` (by priority), cascading; returns how many ran."""
        ran = 0
        while True:
            due = [q for q in self.pending if q[0] <= t]
            if not due:
                return ran
            if len(due) > 1 and self.ev.has_priority.any():
                prio = np.zeros(self.ev.n_events)
                with np.errstate(all="ignore"):
                    self.ev.priorities(t, y, self.p, prio)
                rank = [prio[q[2]] if self.ev.has_priority[q[2]] else -math.inf for q in due]
                top = [q for q, r in zip(due, rank, strict=True) if r == max(rank)]
                # equal priorities: SBML asks for a random choice (seeded per run: reproducible)
                chosen = top[int(self.rng.integers(len(top)))] if len(top) > 1 else top[0]
            else:
                chosen = min(due, key=lambda q: q[1])
            self.pending.remove(chosen)
            e = chosen[2]
            vals = chosen[3] if chosen[3] is not None else self.values(e, t, y)
            before = self.roots(t, y)
            lo, hi = self.ev.offset[e], self.ev.offset[e + 1]
            scales = np.ones(max(self.ev.n_values, 1))
            with np.errstate(all="ignore"):
                self.ev.scales(t, y, self.p, scales)
            for target, value, scale in zip(self.ev.target[lo:hi], vals, scales[lo:hi], strict=True):
                y[target] = value * scale
            after = self.roots(t, y)
            for k in list(self.imposed):  # a root the assignment moved is no longer on its crossing
                if after[k] != before[k]:
                    del self.imposed[k]
            ran += 1
            if ran > 10_000:
                raise RuntimeError(f"more than 10000 event executions at t = {t:g}: events keep re-triggering")
            self.update(t, y)

    def next_due(self) -> float:
        return min((q[0] for q in self.pending), default=math.inf)


def _directions(state: _Events, fun, t: float, y: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sign each root function at exactly zero is moving to (a short Euler probe); 0 if not moving."""
    out = np.zeros(len(g))
    zero = g == 0
    if not zero.any():
        return out
    h = 1e-7 * max(1.0, abs(t))
    with np.errstate(all="ignore"):
        ahead = state.roots(t + h, y + h * fun(t, y))
    out[zero] = np.sign(np.nan_to_num(ahead[zero]))
    return out


def integrate_events(
    compiled: CompiledModel,
    y0: NDArray[np.float64],
    p: NDArray[np.float64],
    plan: DosingPlan,
    t_eval: NDArray[np.float64],
    *,
    fun,
    jac,
    method: Method = Method.BDF,
    rtol: float = 1e-6,
    atol: float | NDArray[np.float64] = 1e-9,
    max_step: float = np.inf,
    stats: dict[str, int],
    classify,
) -> RawSolution:
    """Integrate a model with events from ``t_eval[0]`` to ``t_eval[-1]`` (see module docstring).

    ``fun``/``jac`` are the scipy backend's right-hand side and Jacobian closures over ``p``;
    ``fun`` raises :class:`NonFiniteDerivative` on an inf/NaN derivative.
    """
    ev = compiled.events
    assert ev is not None
    n, n_out, n_t = compiled.n_states, compiled.n_outputs, len(t_eval)
    states = np.full((n_t, n), np.nan)
    outputs = np.full((n_t, n_out), np.nan)
    observe = compiled.python_functions["observe"]
    y = np.array(y0, dtype=float)
    state = _Events(ev, p)
    stats.setdefault("events", 0)

    def record(i: int, t: float, yy: NDArray[np.float64]) -> None:
        states[i] = yy
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            observe(t, yy, p, outputs[i])

    pt, pk, pi, pv, pm, pd = plan.times, plan.kind, plan.index, plan.value, plan.mul_index, plan.div_index
    t0, t_end = float(t_eval[0]), float(t_eval[-1])
    k_dose = apply_events(pt, pk, pi, pv, pm, pd, 0, t0, y, p)
    breakpoints = sorted(b for b in plan.breakpoints() if t0 < b < t_end)

    def failed(status: Status, t: float, message: str, yy: NDArray[np.float64]) -> RawSolution:
        return RawSolution(states, outputs, status, t, message, yy, stats)

    try:
        state.update(t0, y)
        stats["events"] += state.execute_due(t0, y)
    except RuntimeError as exc:
        return failed(Status.SOLVER_FAILED, t0, str(exc), y)
    i = 0
    while i < n_t and t_eval[i] <= t0:
        record(i, t0, y)
        i += 1
    t = t0
    muted: set[int] = set()
    stops = 0
    while t < t_end:
        stops += 1
        if stops > MAX_EVENT_STOPS:
            return failed(Status.MAX_STEPS, t, f"more than {MAX_EVENT_STOPS} event stops", y)
        stop = min(t_end, state.next_due(), next((b for b in breakpoints if b > t), math.inf))
        j = i
        while j < n_t and t_eval[j] < stop:
            j += 1
        seg_eval = np.append(t_eval[i:j], stop)
        g_start = state.effective_roots(t, y)
        t_start = t
        muted = {k for k in muted if g_start[k] == 0}

        def make_root(k: int, t_start: float, g_start: NDArray[np.float64]):
            def root(tt: float, yy: NDArray[np.float64]) -> float:
                if tt == t_start:  # the start of a segment: the sign a crossing just imposed
                    return float(g_start[k])
                return float(state.roots(tt, yy)[k])

            root.terminal = True  # type: ignore[attr-defined]
            return root

        root_ids = [k for k in range(ev.n_roots) if k not in muted]
        try:
            sol = solve_segment(fun, (t, stop), y, method=method.value, t_eval=seg_eval, jac=jac, rtol=rtol,
                                atol=atol, max_step=max_step, events=[make_root(k, t_start, g_start) for k in root_ids] or None)
        except NonFiniteDerivative as exc:
            return failed(Status.NON_FINITE, exc.t, f"non-finite derivative at t = {exc.t:.6g}", exc.y)
        stats["nfev"] += int(sol.nfev)
        stats["njev"] += int(sol.njev)
        stats["nlu"] += int(sol.nlu)
        stats["segments"] += 1
        if sol.status < 0:
            got = sol.y.shape[1]
            for c in range(min(got, j - i)):
                record(i + c, float(seg_eval[c]), sol.y[:, c])
            return failed(classify(sol.message), float(sol.t[-1]) if len(sol.t) else t, sol.message,
                          sol.y[:, -1] if got else y)
        if sol.status == 1:  # a root: the earliest located crossing
            hits = [(float(sol.t_events[a][0]), root_ids[a], a) for a in range(len(root_ids)) if len(sol.t_events[a])]
            te = min(h[0] for h in hits)
            first = next(h for h in hits if h[0] == te)
            y_new = np.array(sol.y_events[first[2]][0])
            g_raw = state.roots(te, y_new)
            direction = _directions(state, fun, te, y_new, g_raw)
            for t_hit, k, _ in hits:
                if t_hit != te:
                    continue
                if g_start[k] != 0:  # a crossing: the relation is now on the other side
                    state.imposed[k] = (-math.copysign(1.0, g_start[k]), float(g_raw[k]))
                elif direction[k] != 0:  # leaving zero: the side it is moving to
                    state.imposed[k] = (direction[k], float(g_raw[k]))
                else:  # a relation sitting at zero: do not stop on it while it stays there
                    muted.add(k)
            for k in np.flatnonzero(g_raw == 0):  # other relations reaching zero at this instant
                if k not in state.imposed and direction[k] != 0:
                    state.imposed[int(k)] = (direction[k], 0.0)
            new_t = te
        else:
            y_new = np.array(sol.y[:, -1])
            new_t = stop
        near = 1e-10 * max(1.0, abs(new_t))
        c = 0
        while i + c < j and seg_eval[c] < new_t - near and c < sol.y.shape[1]:
            record(i + c, float(seg_eval[c]), sol.y[:, c])
            c += 1
        i += c
        y = y_new
        if not np.isfinite(y).all():
            return failed(Status.NON_FINITE, new_t, "non-finite state", y)
        t = new_t
        if t in breakpoints:
            k_dose = apply_events(pt, pk, pi, pv, pm, pd, k_dose, t, y, p)
        try:
            state.update(t, y)
            ran = state.execute_due(t, y)
        except RuntimeError as exc:
            return failed(Status.SOLVER_FAILED, t, str(exc), y)
        stats["events"] += ran
        while i < n_t and t_eval[i] <= t + near:
            record(i, t, y)
            i += 1
    while i < n_t:  # output times at t_end after rounding
        record(i, t, y)
        i += 1
    return RawSolution(states, outputs, Status.SUCCESS, None, "", None, stats)
