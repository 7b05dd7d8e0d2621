"""Reference backend: scipy ``solve_ivp`` (BDF, Radau, LSODA) with the analytic Jacobian,
restarted at every dose breakpoint.  Models with triggered events (SBML) go through
:mod:`mtorsim.integration.events`, which adds root finding to the same loop.

Each segment between breakpoints is a fresh ``solve_ivp`` call from the
post-dose state (the advice of CVODE's authors for discontinuities; scipy
issue #18039 shows pulses missed otherwise).  Networks above
:data:`SPARSE_THRESHOLD` states get a sparse CSC Jacobian so BDF/Radau factorise
with SuperLU.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ..compiled import CompiledModel
from ..dosing import DosingPlan, apply_events
from ..errors import Status
from .base import NonFiniteDerivative, RawSolution, finite_jacobian, solve_segment
from .options import Method

__all__ = ["SPARSE_THRESHOLD", "integrate_scipy"]

#: State count above which the Jacobian handed to BDF/Radau is sparse.
SPARSE_THRESHOLD = 100


def _classify(message: str) -> Status:
    text = message.lower()
    if "step size" in text or "spacing" in text:
        return Status.STEP_TOO_SMALL
    return Status.SOLVER_FAILED


def integrate_scipy(
    compiled: CompiledModel,
    y0: NDArray[np.float64],
    p: NDArray[np.float64],
    plan: DosingPlan,
    t_eval: NDArray[np.float64],
    *,
    method: Method = Method.BDF,
    rtol: float = 1e-6,
    atol: float | NDArray[np.float64] = 1e-9,
    max_step: float = np.inf,
    sparse_jacobian: bool | None = None,
) -> RawSolution:
    """Integrate from ``t_eval[0]`` to ``t_eval[-1]`` applying ``plan`` at its breakpoints.

    Parameters
    ----------
    compiled : CompiledModel
    y0 : ndarray, shape (n_states,)
        State at ``t_eval[0]`` before any dose given at that time.
    p : ndarray, shape (n_parameters,)
        Parameters; copied, since infusions change entries during the run.
    plan : DosingPlan
    t_eval : ndarray, shape (n_times,)
        Sorted output times (h).

    Returns
    -------
    RawSolution
    """
    n, n_out = compiled.n_states, compiled.n_outputs
    n_t = len(t_eval)
    states = np.full((n_t, n), np.nan)
    outputs = np.full((n_t, n_out), np.nan)
    p = np.array(p, dtype=float)
    y = np.array(y0, dtype=float)
    # jac_work with our own work array; observe un-jitted (it runs only at output times)
    rhs_fn, jac_work, observe = compiled.rhs, compiled.jac_work, compiled.python_functions["observe"]
    dv = np.empty(max(compiled.n_dv, 1))
    use_sparse = (n > SPARSE_THRESHOLD) if sparse_jacobian is None else sparse_jacobian
    use_sparse = use_sparse and method is not Method.LSODA
    stats = {"nfev": 0, "njev": 0, "nlu": 0, "segments": 0}

    def fun(t: float, yy: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty(n)
        rhs_fn(t, yy, p, out)
        if not np.isfinite(out).all():
            raise NonFiniteDerivative(t, yy.copy())
        return out

    if use_sparse:
        rows, cols = compiled.jac_rows, compiled.jac_cols
        data = np.empty(len(rows))
        jac_sparse_work = compiled.jac_sparse_work

        def jac(t: float, yy: NDArray[np.float64]):
            jac_sparse_work(t, yy, p, data, dv)
            return sparse.csc_matrix((finite_jacobian(data.copy()), (rows, cols)), shape=(n, n))
    else:

        def jac(t: float, yy: NDArray[np.float64]) -> NDArray[np.float64]:
            J = np.empty((n, n))
            jac_work(t, yy, p, J, dv)
            return finite_jacobian(J)

    if compiled.events is not None:  # triggered events: root finding and restarts (SBML)
        from .events import integrate_events

        return integrate_events(compiled, y, p, plan, t_eval, fun=fun, jac=jac, method=method, rtol=rtol,
                                atol=atol, max_step=max_step, stats=stats, classify=_classify)

    def record(i: int, t: float, yy: NDArray[np.float64]) -> None:
        states[i] = yy
        # the compiled code (error_model="numpy") gives inf/NaN silently; so does this
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            observe(t, yy, p, outputs[i])

    pt, pk, pi, pv, pm, pd = plan.times, plan.kind, plan.index, plan.value, plan.mul_index, plan.div_index
    t0, t_end = float(t_eval[0]), float(t_eval[-1])
    k = 0
    # events before the start are not allowed by the caller; apply those at t0
    k = apply_events(pt, pk, pi, pv, pm, pd, k, t0, y, p)
    i = 0
    while i < n_t and t_eval[i] <= t0:
        record(i, t0, y)
        i += 1
    bounds = [b for b in plan.breakpoints() if t0 < b < t_end] + [t_end]
    a = t0
    for b in bounds:
        if b <= a:
            continue
        j = i
        while j < n_t and t_eval[j] < b:
            j += 1
        seg_eval = np.append(t_eval[i:j], b)
        try:
            sol = solve_segment(fun, (a, b), y, method=method.value, t_eval=seg_eval, jac=jac,
                                rtol=rtol, atol=atol, max_step=max_step)
        except NonFiniteDerivative as exc:
            return RawSolution(states, outputs, Status.NON_FINITE, exc.t,
                               f"non-finite derivative at t = {exc.t:.6g} h", exc.y, stats)
        stats["nfev"] += int(sol.nfev)
        stats["njev"] += int(sol.njev)
        stats["nlu"] += int(sol.nlu)
        stats["segments"] += 1
        # solve_ivp leaves `y` a list when a failure comes before the first output time
        sol_y = np.asarray(sol.y, dtype=float)
        if sol_y.ndim != 2:
            sol_y = np.empty((len(y), 0))
        if sol.status < 0 or sol_y.shape[1] < len(seg_eval):
            got = sol_y.shape[1]
            for c in range(min(got, j - i)):
                record(i + c, float(seg_eval[c]), sol_y[:, c])
            t_fail = float(sol.t[-1]) if len(sol.t) else a
            y_fail = sol_y[:, -1] if got else y
            return RawSolution(states, outputs, _classify(sol.message), t_fail, sol.message, y_fail, stats)
        for c in range(j - i):
            record(i + c, float(seg_eval[c]), sol_y[:, c])
        y = np.array(sol_y[:, -1])
        if not np.isfinite(y).all():
            return RawSolution(states, outputs, Status.NON_FINITE, b, "non-finite state", y, stats)
        k = apply_events(pt, pk, pi, pv, pm, pd, k, b, y, p)
        i = j
        while i < n_t and t_eval[i] <= b:
            record(i, b, y)
            i += 1
        a = b
    return RawSolution(states, outputs, Status.SUCCESS, None, "", None, stats)
