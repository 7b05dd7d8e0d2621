"""What every integration backend returns, how backends are looked up, and the scipy segment
solve the scipy-based loops share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ..errors import Status

__all__ = ["NonFiniteDerivative", "RawSolution", "finite_jacobian", "solve_segment"]


@dataclass
class RawSolution:
    """A backend's answer for one run, before names and units are attached.

    ``states`` has shape ``(n_times, n_states)`` and ``outputs`` ``(n_times, n_outputs)``;
    rows after a failure are NaN.
    """

    states: NDArray[np.float64]
    outputs: NDArray[np.float64]
    status: Status = Status.SUCCESS
    t_fail: float | None = None
    message: str = ""
    y_fail: NDArray[np.float64] | None = None
    stats: dict[str, int] = field(default_factory=dict)


class NonFiniteDerivative(Exception):
    """Raised by a scipy backend's right-hand side on an inf/NaN derivative at ``t``, ``y``."""

    def __init__(self, t: float, y: NDArray[np.float64]) -> None:
        super().__init__(t)
        self.t = t
        self.y = y


def finite_jacobian(J: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Jacobian only steers Newton iterations: a 0/0 such as d(x^h)/dx at x = 0 becomes 0."""
    if not np.isfinite(J).all():
        J = np.nan_to_num(J, nan=0.0, posinf=1e300, neginf=-1e300)
    return J


def solve_segment(*args: Any, **kwargs: Any) -> Any:
    """``scipy.integrate.solve_ivp`` with numpy's floating-point warnings silenced inside it.

    On a diverging step scipy's own arithmetic can overflow (BDF then accepts a NaN error
    norm and warns from deep inside its step).  The backends' right-hand sides raise a typed
    non-finite failure on the next evaluation instead, so the run ends with a status rather
    than a warning from scipy's internals.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return solve_ivp(*args, **kwargs)
