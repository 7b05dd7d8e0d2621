"""Compiled native backend: a Rodas4 Rosenbrock integrator in numba and a parallel batch engine.

* :func:`simulate_batch` — ``N`` parameter sets (and per-run dose scalings) of one
  model under one regimen, in parallel threads, chunked, with metrics reduced in
  compiled code;
* :func:`integrate_native` — one run, the engine behind ``simulate(method="native")``.

The stepper (:mod:`.rodas`), linear algebra (:mod:`.lu`), reductions
(:mod:`.reduce`) and per-run driver (:mod:`.solve`) are plain functions over
fixed-size arrays so that a CUDA backend can compile the same source as device
functions (:mod:`.kernel` explains how).
"""

from .batch import STAT_NAMES, BatchResult, NativeRun, integrate_native, simulate_batch
from .kernel import build_kernel

__all__ = ["STAT_NAMES", "BatchResult", "NativeRun", "build_kernel", "integrate_native", "simulate_batch"]
