"""``simulate_batch``: many runs of one model in parallel threads, in compiled code.

Runs are cut into chunks (bounded memory for any number of runs); each chunk
is one call of the compiled batch driver, which spreads its runs over numba's
threads without the GIL; a progress bar counts runs.  Each run pre-equilibrates
(when asked) to its own drug-free steady state, integrates its regimen with
Rodas4 (:mod:`.rodas`), samples outputs on the grid and reduces its metrics in
compiled code.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from .. import spec
from ..compiled import CompiledModel
from ..dosing import Dose, DosingPlan, Regimen, regimen_from
from ..errors import Status
from ..metrics import Metric, MetricKind
from .cuda_batch import resolve_backend, run_cuda
from .kernel import build_kernel
from .plan import plan_by_drug
from .solve import N_STATS

__all__ = ["STAT_NAMES", "BatchResult", "NativeRun", "integrate_native", "simulate_batch"]

#: Names of the columns of :attr:`BatchResult.stats`.
STAT_NAMES = ("steps", "accepted", "rejected", "nfev", "njev", "nlu")

#: Pre-equilibration defaults, as ``mtorsim.SteadyState()``: t_max (h), rel, abs_tol.
_SS_DEFAULTS = (1e5, 1e-8, 1e-10)

#: Default cap on attempted steps per run (and per pre-equilibration).
DEFAULT_MAX_STEPS = 100_000

#: numba's default threading layer aborts on parallel launches from two threads at once.
_PARALLEL_LOCK = threading.Lock()

#: Chunks are sized to keep their sampled outputs under this many bytes ...
_CHUNK_BYTES = 256 * 2**20
#: ... and to at most this many runs (a progress update per chunk).
_DEFAULT_CHUNK = 256


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`simulate_batch` returns.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times (h).
    observables : ndarray, shape (N, T, K), or None
        Outputs named by ``output_names`` at ``t``; None when not kept.  NaN after a failure.
    output_names : tuple of str
    metrics : ndarray, shape (N, M)
        Metric values (NaN where a run failed).
    metric_names : tuple of str
    status : ndarray of int16, shape (N,)
        :class:`~mtorsim.errors.Status` codes.
    t_fail : ndarray, shape (N,)
        Time (h) of the failure (pre-equilibration time for NO_STEADY_STATE); NaN on success.
    stats : ndarray of int64, shape (N, 6)
        Per run: attempted steps, accepted, rejected, rhs calls, Jacobians, LU factorisations
        (columns :data:`STAT_NAMES`), pre-equilibration included.
    steady_state_h : ndarray, shape (N,)
        Simulated time the pre-equilibration took (0 when not asked; -1 if it failed).
    seconds : float
        Wall time of the call, compilation included.
    """

    t: NDArray[np.float64]
    observables: NDArray[np.float64] | None
    output_names: tuple[str, ...]
    metrics: NDArray[np.float64]
    metric_names: tuple[str, ...]
    status: NDArray[np.int16]
    t_fail: NDArray[np.float64]
    stats: NDArray[np.int64]
    steady_state_h: NDArray[np.float64]
    seconds: float = 0.0
    info: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.status)

    @property
    def success(self) -> NDArray[np.bool_]:
        return self.status == int(Status.SUCCESS)

    def statuses(self) -> list[Status]:
        return [Status(int(s)) for s in self.status]

    def metric(self, name: str) -> NDArray[np.float64]:
        """Values of one metric across runs."""
        return self.metrics[:, self.metric_names.index(name)]

    def output(self, name: str) -> NDArray[np.float64]:
        """One output across runs, shape (N, T)."""
        if self.observables is None:
            raise ValueError("outputs were not kept (keep_outputs=False)")
        return self.observables[:, :, self.output_names.index(name)]


# ------------------------------------------------------------------ argument handling
def _initial_mode(compiled: CompiledModel, initial: Any, n_runs: int):
    """(mode, Y0, (t_max, rel, abs_tol)) for the kernel."""
    n = compiled.n_states
    dummy = np.zeros((1, n))
    if initial is None:
        initial = "steady_state" if compiled.model.start is spec.Start.STEADY_STATE else "initial_values"
    if isinstance(initial, str):
        if initial == "steady_state":
            return 1, dummy, _SS_DEFAULTS
        if initial == "initial_values":
            return 0, dummy, _SS_DEFAULTS
        raise ValueError(f"`initial` = {initial!r}: expected 'initial_values', 'steady_state', "
                         "a SteadyState, or state vectors")
    if all(hasattr(initial, a) for a in ("t_max_h", "rel", "abs_tol")):  # a SteadyState
        return 1, dummy, (float(initial.t_max_h), float(initial.rel), float(initial.abs_tol))
    y0 = np.array(initial, dtype=float)  # a writable copy (read-only arrays type differently in numba)
    if y0.ndim == 1:
        y0 = y0[None, :]
    if y0.ndim != 2 or y0.shape[1] != n or y0.shape[0] not in (1, n_runs):
        raise ValueError(f"`initial` state vectors must have shape ({n},) or ({n_runs}, {n}), got {y0.shape}")
    if not np.isfinite(y0).all():
        raise ValueError("`initial` state vectors must be finite")
    return 2, y0, _SS_DEFAULTS


def _columns(compiled: CompiledModel, names: Sequence[str]):
    """Kernel column codes: (kind 0 output / 1 state, index)."""
    kinds, idx = [], []
    outs, states = compiled.output_names, compiled.state_names
    for name in names:
        if name in outs:
            kinds.append(0)
            idx.append(outs.index(name))
        elif name in states:
            kinds.append(1)
            idx.append(states.index(name))
        else:
            compiled.output_index(name)  # raises UnknownNameError with suggestions
    return np.array(kinds, dtype=np.int64), np.array(idx, dtype=np.int64)


def _metric_arrays(metrics: Sequence[Metric], cols: list[str], t_eval: NDArray[np.float64]):
    m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel = [], [], [], [], [], [], []
    for m in metrics:
        if not isinstance(m, Metric):
            raise TypeError(f"`metrics` must hold Metric objects, got {type(m).__name__}")
        if m.kind is MetricKind.VALUE_AT:
            if not t_eval[0] <= m.time <= t_eval[-1]:
                raise ValueError(f"metric {m.name!r}: time {m.time:g} h is outside the simulated times")
        else:
            a, b = max(m.start, t_eval[0]), min(m.end, t_eval[-1])
            if not b > a:
                raise ValueError(f"metric {m.name!r}: the window [{m.start:g}, {m.end:g}] h does not "
                                 "overlap the simulated times")
        if m.output not in cols:
            cols.append(m.output)
        m_kind.append(int(m.kind))
        m_col.append(cols.index(m.output))
        m_start.append(m.start)
        m_end.append(m.end)
        m_time.append(m.time)
        m_thr.append(m.threshold)
        m_rel.append(bool(m.relative))
    return (np.array(m_kind, dtype=np.int64), np.array(m_col, dtype=np.int64),
            np.array(m_start, dtype=float), np.array(m_end, dtype=float), np.array(m_time, dtype=float),
            np.array(m_thr, dtype=float), np.array(m_rel, dtype=np.bool_))


def _grid(t_eval: ArrayLike) -> NDArray[np.float64]:
    grid = np.array(t_eval, dtype=float)  # writable: read-only arrays are another numba type
    if grid.ndim != 1 or grid.size == 0 or not np.isfinite(grid).all() or np.any(np.diff(grid) < 0):
        raise ValueError("`t_eval` must be a non-empty sorted 1-d array of finite times in hours")
    return grid


def _check_tolerances(rtol: float, atol: float) -> None:
    if not (0 < rtol < 1):
        raise ValueError(f"`rtol` must be in (0, 1), got {rtol!r}")
    if not atol > 0:
        raise ValueError(f"`atol` must be positive, got {atol!r}")


# ------------------------------------------------------------------ one run
@dataclass
class NativeRun:
    """One run's raw answer (the integration layer turns it into a Trajectory)."""

    states: NDArray[np.float64]
    outputs: NDArray[np.float64]
    status: Status
    t_fail: float | None
    stats: dict[str, int]
    steady_state_h: float | None


def integrate_native(
    compiled: CompiledModel,
    p: NDArray[np.float64],
    plan: DosingPlan,
    t_eval: NDArray[np.float64],
    *,
    y0: NDArray[np.float64] | None = None,
    steady_state: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_step: float = math.inf,
    max_steps: int = DEFAULT_MAX_STEPS,
    land_on_outputs: bool = False,
) -> NativeRun:
    """One run with every state and output on ``t_eval`` (the ``method="native"`` backend).

    Parameters
    ----------
    p : ndarray, shape (n_parameters,)
        Canonical parameters (derived entries are recomputed).
    plan : DosingPlan
    y0 : ndarray, optional
        Start state; if None, the model's initial values, pre-equilibrated when
        ``steady_state`` (a :class:`~mtorsim.SteadyState`) is given.
    land_on_outputs : bool
        End a step at every output time instead of using the dense output.
    """
    _check_tolerances(rtol, atol)
    kern = build_kernel(compiled)
    grid = _grid(t_eval)
    n, n_out, nt = compiled.n_states, compiled.n_outputs, len(grid)
    P = np.array(p, dtype=float)[None, :]
    if y0 is not None:
        mode, Y0, ss = 2, np.array(y0, dtype=float)[None, :], _SS_DEFAULTS
    elif steady_state is not None:
        mode, Y0, ss = _initial_mode(compiled, steady_state, 1)
    else:
        mode, Y0, ss = 0, np.zeros((1, n)), _SS_DEFAULTS
    col_kind = np.zeros(n_out, dtype=np.int64)
    col_index = np.arange(n_out, dtype=np.int64)
    empty_f, empty_i = np.zeros(0), np.zeros(0, dtype=np.int64)
    obs = np.empty((1, nt, n_out))
    states = np.empty((1, nt, n))
    metric_out = np.empty((1, 0))
    status = np.zeros(1, dtype=np.int64)
    t_fail = np.zeros(1)
    stats = np.zeros((1, N_STATS), dtype=np.int64)
    ss_time = np.zeros(1)
    kern.run_one(0, P, np.ones((1, 1)), np.full(len(plan), -1, dtype=np.int64), plan.times, plan.kind,
                 plan.index, plan.value, plan.mul_index, plan.div_index, grid, mode, Y0,
                 np.array(compiled._base_state, dtype=float), ss[0], ss[1], ss[2],
                 float(rtol), float(atol), float(max_step), int(max_steps), kern.nonautonomous,
                 bool(land_on_outputs), compiled.n_dv, n_out, col_kind, col_index, empty_i, empty_i,
                 empty_f, empty_f, empty_f, empty_f, np.zeros(0, dtype=np.bool_), n_out, obs, True,
                 states, metric_out, status, t_fail, stats, ss_time, kern.sparse)
    st = Status(int(status[0]))
    return NativeRun(states[0], obs[0], st, None if st is Status.SUCCESS else float(t_fail[0]),
                     dict(zip(STAT_NAMES, (int(v) for v in stats[0, :6]), strict=True)),
                     float(ss_time[0]) if mode == 1 else None)


# ------------------------------------------------------------------ batches
def simulate_batch(
    compiled: CompiledModel,
    parameters: ArrayLike,
    regimen: Regimen | Dose | Sequence[Dose] | None = None,
    t_eval: ArrayLike | None = None,
    *,
    dose_scale: ArrayLike | None = None,
    drugs: Sequence[str] | None = None,
    metrics: Sequence[Metric] = (),
    outputs: Sequence[str] | None = None,
    initial: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_step: float | None = None,
    max_steps: int | ArrayLike = DEFAULT_MAX_STEPS,
    n_threads: int | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    keep_outputs: bool = True,
    land_on_outputs: bool = False,
    body_weight: Any = None,
    body_surface_area: Any = None,
    backend: str = "native",
) -> BatchResult:
    """Simulate ``N`` parameter sets of one model under one regimen, in parallel compiled code.

    Parameters
    ----------
    compiled : CompiledModel
    parameters : array, shape (N, n_parameters)
        Canonical parameter vectors (as :meth:`CompiledModel.parameters` returns);
        derived entries are recomputed per run.
    regimen : Regimen, Dose or list of Dose, optional
    t_eval : array, shape (T,)
        Sorted output times (h); metrics are defined on this grid.
    dose_scale : array, shape (N,) or (N, len(drugs)), optional
        Factor on every dose (bolus amounts, infusion rates, medium concentrations)
        per run, or per run and drug (dose sweeps).  0 leaves the drug out.
    drugs : sequence of str, optional
        Column order of a 2-d ``dose_scale`` (default: the regimen's drugs in order).
    metrics : sequence of Metric
        Reduced per run in compiled code, equal to :func:`mtorsim.metrics.evaluate` on ``t_eval``.
    outputs : sequence of str, optional
        Outputs (observables, assignments or species) to keep; default all outputs.
    initial : None, "steady_state", "initial_values", SteadyState, or state vector(s)
        As :func:`mtorsim.simulate` (None: the model's ``start``); each run finds its
        own steady state.  Vectors: shape (n_states,) or (N, n_states).
    rtol, atol : float
    max_step : float, optional
        Largest step (h).
    max_steps : int or array of int, shape (N,)
        Cap on attempted steps per run (and per pre-equilibration).
    n_threads : int, optional
        numba threads (default: numba's current setting).  In a worker process
        (process pools, Dask workers) runs are serial: the pool is the parallelism,
        and a forked child must not use its parent's thread pool.
    chunk_size : int, optional
        Runs per compiled call (default: at most 256, and few enough to keep the kept outputs
        under 256 MiB per chunk).
    progress : bool
        Show a progress bar over runs.
    keep_outputs : bool
        If False, only metrics are returned (``observables`` is None).
    land_on_outputs : bool
        End a step at every output time instead of interpolating with the dense output.
    body_weight, body_surface_area : quantity, optional
        For per-weight or per-area doses.
    backend : {"native", "cuda", "auto"}
        ``"native"``: CPU threads.  ``"cuda"``: the same stepper on an NVIDIA GPU, one
        run per thread (:mod:`.cuda_batch`; ``chunk_size`` then defaults to what fits
        in half the free device memory and ``n_threads`` is ignored).  ``"auto"``:
        ``"cuda"`` when a GPU is present, else ``"native"``.

    Returns
    -------
    BatchResult

    Raises
    ------
    ValueError, ScheduleError, UnknownNameError
        For invalid arguments (a failing *run* never raises: its status says why).

    Examples
    --------
    >>> import mtorsim as mt                                                   # doctest: +SKIP
    >>> c = mt.compile_model("pi3k_akt_mtor")                                  # doctest: +SKIP
    >>> P = np.repeat(c.default_parameters[None], 100, axis=0)                 # doctest: +SKIP
    >>> reg = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=28)
    >>> res = mt.simulate_batch(c, P, reg, np.linspace(0, 672, 673),          # doctest: +SKIP
    ...                         metrics=[mt.Metric.min("pS6K1")], keep_outputs=False)
    """
    t_start = time.perf_counter()
    chosen = resolve_backend(backend)
    _check_tolerances(rtol, atol)
    if t_eval is None:
        raise ValueError("`t_eval` is required: the output grid in hours")
    grid = _grid(t_eval)
    P = np.array(parameters, dtype=float)
    if P.ndim == 1:
        P = P[None, :]
    if P.ndim != 2 or P.shape[1] != compiled.n_parameters:
        raise ValueError(f"`parameters` must have shape (N, {compiled.n_parameters}), got {P.shape}")
    if not np.isfinite(P).all():
        raise ValueError("`parameters` must be finite")
    N = P.shape[0]
    reg = regimen_from(regimen)
    drug_names = tuple(drugs) if drugs is not None else reg.drugs
    plan, ev_drug = plan_by_drug(reg, compiled, drug_names, body_weight=body_weight,
                                 body_surface_area=body_surface_area)
    if len(plan) and plan.times[0] < grid[0]:
        raise ValueError(f"a dose at {plan.times[0]:g} h comes before the first output time {grid[0]:g} h")
    if dose_scale is None:
        scale = np.ones((N, max(len(drug_names), 1)))
    else:
        scale = np.asarray(dose_scale, dtype=float)
        if scale.ndim == 1:
            scale = np.repeat(scale[:, None], max(len(drug_names), 1), axis=1)
        if scale.shape != (N, max(len(drug_names), 1)) or not np.isfinite(scale).all() or np.any(scale < 0):
            raise ValueError(f"`dose_scale` must be finite, non-negative, of shape ({N},) or "
                             f"({N}, {len(drug_names)}) (drugs {drug_names}), got {scale.shape}")
    scale = np.array(scale, dtype=float)
    steps = np.broadcast_to(np.asarray(max_steps, dtype=np.int64), (N,)).copy()
    if np.any(steps < 1):
        raise ValueError("`max_steps` must be positive")
    mode, Y0, ss = _initial_mode(compiled, initial, N)
    keep_names = list(compiled.output_names if outputs is None else outputs) if keep_outputs else []
    cols = list(keep_names)
    marrays = _metric_arrays(tuple(metrics), cols, grid)
    col_kind, col_index = _columns(compiled, cols)
    n_keep, nt = len(keep_names), len(grid)
    hmax = math.inf if max_step is None else float(max_step)
    if not hmax > 0:
        raise ValueError(f"`max_step` must be positive, got {max_step!r}")
    observables = np.full((N, nt, n_keep), np.nan) if keep_outputs else None
    metric_out = np.full((N, len(marrays[0])), np.nan)
    status = np.zeros(N, dtype=np.int64)
    t_fail = np.full(N, np.nan)
    stats = np.zeros((N, N_STATS), dtype=np.int64)
    ss_time = np.zeros(N)
    if chosen == "cuda":
        info = run_cuda(compiled, P, scale, ev_drug, plan, grid, mode, Y0,
                        np.ascontiguousarray(compiled._base_state, dtype=float), ss, rtol, atol, hmax,
                        steps, bool(land_on_outputs), n_keep, col_kind, col_index, marrays, observables,
                        metric_out, status, t_fail, stats, ss_time, chunk_size=chunk_size,
                        progress=progress)
    else:
        info = _run_cpu(compiled, P, scale, ev_drug, plan, grid, mode, Y0, ss, rtol, atol, hmax, steps,
                        land_on_outputs, col_kind, col_index, marrays, n_keep, len(cols), observables,
                        metric_out, status, t_fail, stats, ss_time, chunk_size, n_threads, progress)
    return BatchResult(
        t=grid, observables=observables, output_names=tuple(keep_names), metrics=metric_out,
        metric_names=tuple(m.name for m in metrics), status=status.astype(np.int16), t_fail=t_fail,
        stats=stats[:, :6], steady_state_h=ss_time if mode == 1 else np.zeros(N),
        seconds=time.perf_counter() - t_start, info=dict(info, method="Rodas4"),
    )


def _run_cpu(compiled, P, scale, ev_drug, plan, grid, mode, Y0, ss, rtol, atol, hmax, steps, land_on_outputs,
             col_kind, col_index, marrays, n_keep, n_cols, observables, metric_out, status, t_fail, stats,
             ss_time, chunk_size, n_threads, progress) -> dict[str, Any]:
    """The CPU drivers over bounded chunks, writing into the result arrays; returns run info."""
    N, nt, n = len(P), len(grid), compiled.n_states
    if chunk_size is None:  # bounded memory, and a progress update every few hundred runs
        per_run = max(1, nt * max(n_cols, 1) * 8)
        chunk_size = int(min(max(N, 1), _DEFAULT_CHUNK, max(1, _CHUNK_BYTES // per_run)))
    chunk_size = max(1, int(chunk_size))
    kern = build_kernel(compiled)
    base = np.array(compiled._base_state, dtype=float)
    dummy_states = np.zeros((1, 1, n))
    dummy_obs = np.zeros((1, 1, 1))
    previous = numba.get_num_threads()
    serial = (n_threads == 1 or (n_threads is None and previous == 1)
              or multiprocessing.parent_process() is not None)
    driver = kern.run_batch_serial if serial else kern.run_batch
    if n_threads is not None and not serial:
        numba.set_num_threads(int(n_threads))
    lock = threading.Lock() if serial else _PARALLEL_LOCK
    try:
        with tqdm(total=N, disable=not progress, desc=f"native {compiled.name}", unit="run") as bar:
            for a in range(0, N, chunk_size):
                b = min(N, a + chunk_size)
                obs = observables[a:b] if observables is not None and n_keep else dummy_obs
                with lock:
                    driver(P[a:b], scale[a:b], ev_drug, plan.times, plan.kind, plan.index, plan.value,
                                   plan.mul_index, plan.div_index, grid, mode, Y0[a:b] if len(Y0) > 1 else Y0,
                                   base, ss[0], ss[1], ss[2], float(rtol), float(atol), hmax, steps[a:b],
                                   kern.nonautonomous, bool(land_on_outputs), compiled.n_dv,
                                   compiled.n_outputs, col_kind, col_index, *marrays, n_keep, obs, False,
                                   dummy_states, metric_out[a:b], status[a:b], t_fail[a:b], stats[a:b],
                                   ss_time[a:b], kern.sparse)
                bar.update(b - a)
    finally:
        if n_threads is not None:
            numba.set_num_threads(previous)
    return {"chunk_size": chunk_size, "n_threads": n_threads or previous}
