"""Pre-equilibration: integrate without doses until no state moves."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ..compiled import CompiledModel
from ..errors import IntegrationError, Status
from .options import SteadyState

__all__ = ["find_steady_state"]


def _residual(f: NDArray[np.float64], y: NDArray[np.float64], settings: SteadyState) -> float:
    """Largest ``|f_i| / (abs_tol + rel*|y_i|)``; below 1 means converged."""
    return float(np.max(np.abs(f) / (settings.abs_tol + settings.rel * np.abs(y)), initial=0.0))


def find_steady_state(
    compiled: CompiledModel,
    y0: NDArray[np.float64],
    p: NDArray[np.float64],
    settings: SteadyState,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-12,
) -> tuple[NDArray[np.float64], dict[str, float]]:
    """Return the steady state reached from ``y0`` under parameters ``p``.

    Integrates with BDF and a terminal event that fires when the residual test
    of ``settings`` passes, so the solver's growing steps do the work.

    Raises
    ------
    IntegrationError
        ``Status.NO_STEADY_STATE`` with the final residual if ``t_max`` passes first.
    """
    n = compiled.n_states
    rhs, jac_work = compiled.rhs, compiled.jac_work
    dv = np.empty(max(compiled.n_dv, 1))

    def fun(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty(n)
        rhs(0.0, y, p, out)
        return out

    def jac(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        J = np.empty((n, n))
        jac_work(0.0, y, p, J, dv)
        return J

    def converged(t: float, y: NDArray[np.float64]) -> float:
        return _residual(fun(t, y), y, settings) - 1.0

    converged.terminal = True  # type: ignore[attr-defined]
    converged.direction = -1  # type: ignore[attr-defined]

    y = np.array(y0, dtype=float)
    if converged(0.0, y) <= 0:
        return y, {"t_h": 0.0, "residual": _residual(fun(0.0, y), y, settings)}
    t_max = settings.t_max_h
    sol = solve_ivp(fun, (0.0, t_max), y, method="BDF", jac=jac, rtol=rtol, atol=atol, events=converged)
    y_end = sol.y[:, -1]
    residual = _residual(fun(0.0, y_end), y_end, settings)
    if sol.status < 0:
        raise IntegrationError(Status.NO_STEADY_STATE, float(sol.t[-1]),
                               f"pre-equilibration failed: {sol.message}", y_end)
    if sol.status != 1 and residual > 1.0:
        raise IntegrationError(Status.NO_STEADY_STATE, t_max,
                               f"no steady state within {t_max:g} h (residual {residual:.3g} > 1)", y_end)
    y_ss = sol.y_events[0][0] if sol.status == 1 else y_end
    return np.array(y_ss), {"t_h": float(sol.t[-1]), "residual": _residual(fun(0.0, y_ss), y_ss, settings)}
