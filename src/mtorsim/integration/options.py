"""Options for :func:`mtorsim.simulate`: the integration ``Method`` and ``SteadyState`` start."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ..units import TIME, convert

__all__ = ["Method", "SteadyState"]


class Method(enum.Enum):
    """Integrator.  ``BDF``, ``RADAU`` and ``LSODA`` are scipy's ``solve_ivp`` methods
    with the generated analytic Jacobian (the reference backend); ``NATIVE`` is the
    compiled Rodas4 integrator of :mod:`mtorsim.native` (no Python per step)."""

    BDF = "BDF"
    RADAU = "Radau"
    LSODA = "LSODA"
    NATIVE = "native"

    @property
    def is_scipy(self) -> bool:
        return self is not Method.NATIVE

    @classmethod
    def parse(cls, value: Method | str) -> Method:
        """Accept a member or its name/value, case-insensitively (``"bdf"``, ``"Radau"``)."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        for m in cls:
            if text in (m.value.lower(), m.name.lower()):
                return m
        raise ValueError(f"`method` = {value!r}: expected one of {', '.join(m.value for m in cls)}")


@dataclass(frozen=True)
class SteadyState:
    """Start from the drug-free steady state, found by integrating until nothing moves.

    Parameters
    ----------
    t_max : time
        Give up after this much simulated time (default 100 000 h).
    rel : float
        Converged when every ``|dy_i/dt| <= abs_tol + rel * |y_i|`` (``rel`` per hour).
    abs_tol : float
        Absolute floor of the test, canonical units per hour.

    The search integrates with no doses (infusion and medium parameters at their
    model values, normally zero) and keeps conservation laws exactly, unlike a
    Newton solve on a singular Jacobian.
    """

    t_max: Any = "1e5 h"
    rel: float = 1e-8
    abs_tol: float = 1e-10

    @property
    def t_max_h(self) -> float:
        return convert(self.t_max, TIME, argument="SteadyState.t_max")
