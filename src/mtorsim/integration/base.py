"""What every integration backend returns, how backends are looked up, and the scipy segment
solve the scipy-based loops share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ..errors import Status

__all__ = ["RawSolution", "solve_segment"]


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


def solve_segment(*args: Any, **kwargs: Any) -> Any:
    """``scipy.integrate.solve_ivp`` with numpy's floating-point warnings silenced inside it.

    On a diverging step scipy's own arithmetic can overflow (BDF then accepts a NaN error
    norm and warns from deep inside its step).  The backends' right-hand sides raise a typed
    non-finite failure on the next evaluation instead, so the run ends with a status rather
    than a warning from scipy's internals.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return solve_ivp(*args, **kwargs)
