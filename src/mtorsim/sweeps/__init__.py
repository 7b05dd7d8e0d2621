"""Sweeps: many simulations over parameters × regimens × variants × doses, reduced to metrics.

Layers, each a module::

    space.py      ParameterSpace (Uniform / Normal / LogNormal / Values) → ParameterSamples
                  (grid, Latin hypercube, Sobol, random; deterministic per seed)
    design.py     SweepDesign: the ordered points, chunks, result columns, fingerprint
    engine.py     evaluate_chunk(ChunkTask) -> ChunkResult: the seam to the integrator
    executors.py  SerialExecutor, ProcessExecutor, DaskExecutor: where chunks run
    store.py      SweepStore: one Parquet file per chunk, atomic writes, resume
    result.py     SweepResult: tidy table with units and status, xarray view
    runner.py     sweep(...) / run_sweep(design): the front door, with a progress bar
    config.py     sweep files (YAML) and metric text, with file:line errors
"""

from .config import SweepConfig, load_sweep_config, metric_from_mapping, parse_metric
from .design import BASE_VARIANT, DoseLevels, SweepDesign, metric_unit, variant_label
from .engine import Backend, ChunkResult, ChunkTask, RunOptions, evaluate_chunk, scale_regimen
from .executors import ChunkOutcome, DaskExecutor, Executor, ProcessExecutor, SerialExecutor
from .result import SweepResult
from .runner import DEFAULT_CHUNK_SIZE, run_sweep, sweep
from .space import LogNormal, Normal, ParameterSamples, ParameterSpace, Scale, Uniform, Values
from .store import SweepStore, read_store

__all__ = [
    "BASE_VARIANT",
    "DEFAULT_CHUNK_SIZE",
    "Backend",
    "ChunkOutcome",
    "ChunkResult",
    "ChunkTask",
    "DaskExecutor",
    "DoseLevels",
    "Executor",
    "LogNormal",
    "Normal",
    "ParameterSamples",
    "ParameterSpace",
    "ProcessExecutor",
    "RunOptions",
    "Scale",
    "SerialExecutor",
    "SweepConfig",
    "SweepDesign",
    "SweepResult",
    "SweepStore",
    "Uniform",
    "Values",
    "evaluate_chunk",
    "load_sweep_config",
    "metric_from_mapping",
    "metric_unit",
    "parse_metric",
    "read_store",
    "run_sweep",
    "scale_regimen",
    "sweep",
    "variant_label",
]
