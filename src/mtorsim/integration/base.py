"""What every integration backend returns, and how backends are looked up."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..errors import Status

__all__ = ["RawSolution"]


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
