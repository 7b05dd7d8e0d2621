"""Pre-equilibration: integrate without doses until no state moves."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel
from ..errors import IntegrationError, Status
from .base import NonFiniteDerivative, finite_jacobian, solve_segment
from .options import SteadyState

__all__ = ["find_steady_state"]


def _residual(f: NDArray[np.float64], y: NDArray[np.float64], settings: SteadyState) -> float:
    """Largest ``|f_i| / (abs_tol + rel*|y_i|)``; below 1 means converged."""
    return float(np.max(np.abs(f) / (settings.abs_tol + settings.rel * np.abs(y)), initial=0.0))


# scipy's BDF accepts a step whose error norm is NaN (a Newton iterate that overflowed gives
# inf/inf); the run then continues from a non-finite state.  Such a path depends on rounding
# (BLAS kernels, CPU), so the search is tried again with other implicit methods before it
# gives up.  BDF comes first: its growing steps reach a steady state in the fewest evaluations.
METHODS = ("BDF", "Radau", "LSODA")


def find_steady_state(
    compiled: CompiledModel,
    y0: NDArray[np.float64],
    p: NDArray[np.float64],
    settings: SteadyState,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-12,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Return the steady state reached from ``y0`` under parameters ``p``.

    Integrates with a terminal event that fires when the residual test of ``settings``
    passes, so the solver's growing steps do the work.  Each method of :data:`METHODS` is
    tried in turn until one reaches a finite steady state; the returned info names it.

    Raises
    ------
    IntegrationError
        ``Status.NO_STEADY_STATE`` with the final residual (or each method's failure) if
        ``t_max`` passes first.
    """
    n = compiled.n_states
    rhs, jac_work = compiled.rhs, compiled.jac_work
    dv = np.empty(max(compiled.n_dv, 1))

    def fun(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty(n)
        rhs(0.0, y, p, out)
        if not np.isfinite(out).all():
            raise NonFiniteDerivative(t, y.copy())
        return out

    def jac(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        J = np.empty((n, n))
        jac_work(0.0, y, p, J, dv)
        return finite_jacobian(J)

    def converged(t: float, y: NDArray[np.float64]) -> float:
        return _residual(fun(t, y), y, settings) - 1.0

    converged.terminal = True  # type: ignore[attr-defined]
    converged.direction = -1  # type: ignore[attr-defined]

    y = np.array(y0, dtype=float)
    if converged(0.0, y) <= 0:
        return y, {"t_h": 0.0, "residual": _residual(fun(0.0, y), y, settings)}
    t_max = settings.t_max_h
    failures: list[str] = []
    y_end, t_end = y, 0.0
    for method in METHODS:
        try:
            sol = solve_segment(fun, (0.0, t_max), y, method=method, jac=jac, rtol=rtol, atol=atol,
                                events=converged)
        except NonFiniteDerivative:  # this method's path is lost
            failures.append(f"{method}: non-finite derivative")
            continue
        y_end, t_end = sol.y[:, -1], float(sol.t[-1])
        if sol.status < 0:
            failures.append(f"{method}: {sol.message}")
            continue
        y_ss = sol.y_events[0][0] if sol.status == 1 else y_end
        residual = _residual(fun(0.0, y_ss), y_ss, settings)
        # the event's root lies where the residual crosses 1, so it may read 1 + rounding there
        if sol.status != 1 and residual > 1.0:
            failures.append(f"{method}: no steady state within {t_max:g} h (residual {residual:.3g} > 1)")
            continue
        return np.array(y_ss), {"t_h": float(sol.t[-1]), "residual": residual, "method": method}
    raise IntegrationError(Status.NO_STEADY_STATE, t_end, "pre-equilibration failed: " + "; ".join(failures),
                           y_end)
