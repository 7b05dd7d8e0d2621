"""The seam between a sweep and the engine that simulates it: :func:`evaluate_chunk`.

A sweep is cut into *chunks*.  A chunk is a :class:`ChunkTask`: one compiled
model, one base regimen, and for each of its ``n`` points a canonical parameter
vector and a dose scaling per drug; plus the metrics to reduce and the run
options.  :func:`evaluate_chunk` turns it into a :class:`ChunkResult`: a
``(n, n_metrics)`` array of metric values, a status code per point and a
message per point.  Nothing else crosses the seam, so executors (serial,
process pool, Dask) ship chunks without knowing how they are computed, and the
engine computes them without knowing where they run.

Contract (what any engine must do)
----------------------------------
For point ``i``:

* parameters: ``task.parameters[i]``, shape ``(n_parameters,)``, canonical units,
  variants and overrides already applied and derived entries already evaluated;
* doses: every dose of ``task.regimen`` of drug ``task.drugs[j]`` multiplied by
  ``task.dose_scale[i, j]`` (bolus amounts, infusion rates and in-vitro medium
  concentrations alike); a factor of 0 leaves that drug out;
* start: ``task.options.initial`` as :func:`mtorsim.simulate` reads it (the
  model's ``start``, ``SteadyState(...)`` or ``"initial_values"``), found
  *without* doses for each point's own parameters;
* output: ``values[i, k]`` is ``metrics[k]`` as :func:`mtorsim.metrics.evaluate`
  defines it on the output grid ``task.options.t_eval`` (metrics may be reduced
  on the fly, on the engine's own steps, as long as they agree within the
  solver tolerance); NaN where the point failed;
* ``status[i]`` is a :class:`~mtorsim.errors.Status` code and ``messages[i]`` says
  why a point failed (empty on success).  A failing point never raises.

:attr:`Backend.SCIPY` runs :func:`mtorsim.simulate` (scipy, the reference)
point by point.  :attr:`Backend.NATIVE` hands the whole chunk to
:func:`mtorsim.native.simulate_batch`, which lowers ``task.regimen`` once,
scales the plan's values per point and drug, pre-equilibrates and integrates
every point in parallel compiled code and reduces the metrics there.
:attr:`Backend.CUDA` does the same on a GPU (``simulate_batch(backend="cuda")``, one
trajectory per GPU thread).  :attr:`Backend.AUTO` (the default of :func:`mtorsim.sweep`)
is resolved when a sweep is designed: when every metric reads a species or an output and
the model has no triggered events, the GPU if one is present, else native; otherwise scipy.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel
from ..dosing import Dose, Regimen
from ..errors import Status
from ..integration import Method, SteadyState, simulate
from ..metrics import Metric, evaluate
from ..native import STAT_NAMES, simulate_batch
from ..native.cuda_batch import gpu_present

__all__ = ["Backend", "ChunkResult", "ChunkTask", "RunOptions", "evaluate_chunk", "scale_regimen"]


class Backend(enum.Enum):
    """Which engine evaluates chunks.

    ``SCIPY``: :func:`mtorsim.simulate` per point (scipy ``solve_ivp``, the reference).
    ``NATIVE``: :func:`mtorsim.native.simulate_batch` on the whole chunk (compiled Rodas4,
    parallel threads).  ``CUDA``: the same stepper on a GPU, one run per thread.
    ``AUTO``: where the batch engines support the metrics, the GPU when one is present,
    else native; otherwise scipy (resolved by :meth:`resolve` before a sweep runs).
    """

    SCIPY = "scipy"
    NATIVE = "native"
    CUDA = "cuda"
    AUTO = "auto"

    def resolve(self, compiled: CompiledModel, metrics: tuple[Metric, ...], method: Method) -> Backend:
        """The concrete backend for a sweep (``AUTO`` or a ``native`` method decided here)."""
        if self is not Backend.AUTO:
            return self
        if not native_supports(compiled, metrics):
            return Backend.SCIPY
        if method is not Method.NATIVE and gpu_present():
            return Backend.CUDA
        return Backend.NATIVE

    @classmethod
    def parse(cls, value: Backend | str) -> Backend:
        if isinstance(value, cls):
            return value
        for member in cls:
            if str(value).strip().lower() == member.value:
                return member
        raise ValueError(f"`backend` = {value!r}: expected one of {', '.join(m.value for m in cls)}")


@dataclass(frozen=True, eq=False)
class RunOptions:
    """How every point of a sweep is simulated (shared by all chunks).

    Attributes
    ----------
    t_eval : ndarray, shape (n_times,)
        Output grid in hours; metrics are evaluated on it.
    initial : None, SteadyState or str
        As :func:`mtorsim.simulate`'s ``initial`` (``None``: the model file's ``start``).
    method : Method
    rtol, atol : float
    max_step : float
        Largest solver step in hours (``inf``: unlimited).
    body_weight, body_surface_area : quantity or None
        For per-weight or per-area doses.
    backend : Backend
    """

    t_eval: NDArray[np.float64]
    initial: SteadyState | str | None = None
    method: Method = Method.BDF
    rtol: float = 1e-6
    atol: float = 1e-9
    max_step: float = math.inf
    body_weight: Any = None
    body_surface_area: Any = None
    backend: Backend = Backend.SCIPY

    def __post_init__(self) -> None:
        grid = np.array(self.t_eval, dtype=float)
        grid.setflags(write=False)
        object.__setattr__(self, "t_eval", grid)

    def fingerprint_items(self) -> dict[str, str]:
        """Everything that changes results, as text (for a sweep's fingerprint)."""
        return {
            "t_eval": self.t_eval.tobytes().hex(),
            "initial": repr(self.initial),
            "method": self.method.value,
            "rtol": repr(self.rtol),
            "atol": repr(self.atol),
            "max_step": repr(self.max_step),
            "body_weight": repr(self.body_weight),
            "body_surface_area": repr(self.body_surface_area),
            "backend": self.backend.value,
        }


@dataclass(frozen=True, eq=False)
class ChunkTask:
    """A chunk of sweep points sharing one model, regimen, metric list and options.

    Attributes
    ----------
    index : int
        Position of the chunk in its sweep (names its result file).
    compiled : CompiledModel or None
        ``None`` only while in transit when an executor ships the model separately.
    regimen : Regimen
        The base regimen (doses before scaling).
    drugs : tuple of str
        Column order of ``dose_scale``.
    parameters : ndarray, shape (n, n_parameters)
        Canonical parameter vectors.
    dose_scale : ndarray, shape (n, len(drugs))
        Factor applied to every dose of each drug.
    metrics : tuple of Metric
    options : RunOptions
    point_ids : ndarray of int64, shape (n,)
        Global positions of the points in the sweep.
    """

    index: int
    compiled: CompiledModel | None
    regimen: Regimen
    drugs: tuple[str, ...]
    parameters: NDArray[np.float64]
    dose_scale: NDArray[np.float64]
    metrics: tuple[Metric, ...]
    options: RunOptions
    point_ids: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.point_ids)

    def without_model(self) -> ChunkTask:
        """The same task with the model left out (shipped separately, e.g. scattered once)."""
        return replace(self, compiled=None)

    def with_model(self, compiled: CompiledModel) -> ChunkTask:
        return replace(self, compiled=compiled)


@dataclass(frozen=True, eq=False)
class ChunkResult:
    """Metric values and statuses of one chunk.

    Attributes
    ----------
    index : int
    point_ids : ndarray of int64, shape (n,)
    values : ndarray, shape (n, n_metrics)
        NaN where a point failed.
    status : ndarray of int16, shape (n,)
        :class:`~mtorsim.errors.Status` codes.
    messages : tuple of str
        Why each point failed (empty strings on success).
    seconds : float
        Wall time spent evaluating the chunk.
    """

    index: int
    point_ids: NDArray[np.int64]
    values: NDArray[np.float64]
    status: NDArray[np.int16]
    messages: tuple[str, ...]
    seconds: float = 0.0
    stats: Mapping[str, int] = field(default_factory=dict)


def native_supports(compiled: CompiledModel, metrics: tuple[Metric, ...]) -> bool:
    """Whether the native batch engine can run this sweep: every metric reads a species or an
    output, and the model has no triggered (SBML) events."""
    if getattr(compiled, "events", None) is not None:
        return False
    names = set(compiled.state_names) | set(compiled.output_names)
    return all(m.output in names for m in metrics)


def scale_regimen(regimen: Regimen, factors: Mapping[str, float]) -> Regimen:
    """``regimen`` with every dose of a drug multiplied by ``factors[drug]`` (absent: 1).

    A factor of 0 leaves that drug's doses out (a zero dose is no dose).
    """
    doses = []
    changed = False
    for d in regimen.doses:
        f = float(factors.get(d.drug, 1.0))
        if f == 1.0:
            doses.append(d)
            continue
        changed = True
        if f == 0.0:
            continue
        doses.append(Dose(d.drug, d.amount * f, d.route, time=d.time, duration=d.duration))
    return Regimen(tuple(doses)) if changed else regimen


def evaluate_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate every point of ``task`` and reduce its metrics (see the module docstring).

    Never raises for a failing point: its status and message record why.
    """
    if task.compiled is None:
        raise ValueError("the chunk has no model attached (use ChunkTask.with_model)")
    if task.options.backend is Backend.SCIPY:
        return _evaluate_scipy(task)
    if task.options.backend in (Backend.NATIVE, Backend.CUDA):
        return _evaluate_native(task)
    raise ValueError(f"backend {task.options.backend!r} is not available")  # pragma: no cover


def _evaluate_scipy(task: ChunkTask) -> ChunkResult:
    t0 = time.perf_counter()
    n, n_metrics = len(task), len(task.metrics)
    values = np.full((n, n_metrics), np.nan)
    status = np.full(n, int(Status.NOT_RUN), dtype=np.int16)
    messages = [""] * n
    o = task.options
    max_step = None if math.isinf(o.max_step) else o.max_step
    stats = {"nfev": 0, "njev": 0, "nlu": 0}
    for i in range(n):
        try:
            regimen = scale_regimen(task.regimen, dict(zip(task.drugs, task.dose_scale[i], strict=True)))
            traj = simulate(task.compiled, regimen, t_eval=o.t_eval, parameters=task.parameters[i],
                            initial=o.initial, method=o.method, rtol=o.rtol, atol=o.atol, max_step=max_step,
                            body_weight=o.body_weight, body_surface_area=o.body_surface_area,
                            raise_on_failure=False)
            for key in stats:
                stats[key] += int(traj.stats.get(key, 0))
            status[i] = int(traj.status)
            messages[i] = traj.message
            if traj.success:
                values[i] = [evaluate(m, traj) for m in task.metrics]
        except Exception as exc:  # a failing point is recorded, never fatal to the sweep
            status[i] = int(Status.EXCEPTION)
            messages[i] = f"{type(exc).__name__}: {exc}"
            values[i] = np.nan
    return ChunkResult(task.index, np.asarray(task.point_ids, dtype=np.int64), values, status,
                       tuple(messages), time.perf_counter() - t0, stats)


_WHAT = {
    Status.MAX_STEPS: "maximum number of steps reached",
    Status.STEP_TOO_SMALL: "step size too small",
    Status.NON_FINITE: "non-finite state or derivative",
    Status.NO_STEADY_STATE: "no steady state found in pre-equilibration",
    Status.SOLVER_FAILED: "solver failed",
    Status.NOT_RUN: "not run",
    Status.EXCEPTION: "exception",
}


def _evaluate_native(task: ChunkTask) -> ChunkResult:
    t0 = time.perf_counter()
    n = len(task)
    o = task.options
    try:
        res = simulate_batch(task.compiled, task.parameters, task.regimen, o.t_eval,
                             dose_scale=task.dose_scale if task.drugs else None, drugs=task.drugs,
                             metrics=task.metrics, initial=o.initial, rtol=o.rtol, atol=o.atol,
                             max_step=None if math.isinf(o.max_step) else o.max_step, keep_outputs=False,
                             progress=False, body_weight=o.body_weight, body_surface_area=o.body_surface_area,
                             backend=o.backend.value)
    except Exception as exc:  # an invalid chunk is recorded point by point, never fatal to the sweep
        message = f"{type(exc).__name__}: {exc}"
        return ChunkResult(task.index, np.asarray(task.point_ids, dtype=np.int64), np.full((n, len(task.metrics)), np.nan),
                           np.full(n, int(Status.EXCEPTION), dtype=np.int16), (message,) * n,
                           time.perf_counter() - t0, {})
    messages = tuple("" if s == int(Status.SUCCESS) else
                     f"native integrator: {_WHAT[Status(int(s))]} at t = {tf:.6g} h; {Status(int(s)).remedy}"
                     for s, tf in zip(res.status, res.t_fail, strict=True))
    columns = dict(zip(STAT_NAMES, res.stats.T, strict=True))
    stats = {"nfev": int(columns["nfev"].sum()), "njev": int(columns["njev"].sum()),
             "nlu": int(columns["nlu"].sum()), "steps": int(columns["steps"].sum())}
    return ChunkResult(task.index, np.asarray(task.point_ids, dtype=np.int64), res.metrics,
                       res.status.astype(np.int16), messages, time.perf_counter() - t0, stats)
