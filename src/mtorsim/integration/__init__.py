"""Integration: the ``simulate`` front door and its backends."""

from .base import RawSolution
from .options import Method, SteadyState
from .simulate import simulate

__all__ = ["Method", "RawSolution", "SteadyState", "simulate"]
