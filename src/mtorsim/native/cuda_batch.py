"""Host side of the CUDA backend: backend choice, chunking to fit GPU memory, transfers.

:func:`.batch.simulate_batch` prepares the same arrays for every backend; with
``backend="cuda"`` it hands them to :func:`run_cuda`, which copies the shared
inputs (regimen, grid, metric definitions) to the device once, then for each
chunk of runs copies the chunk's parameters, launches :func:`.cuda_kernel.batch_kernel`
with one thread per run, and copies back only what the caller keeps: metrics,
status, failure times, counters and, when asked, the sampled outputs.

Chunks are sized so that the per-thread work arrays and the chunk's outputs take
at most ``memory_fraction`` of the device memory free at the call (queried from
the driver); under numba's CUDA simulator, which reports unlimited memory, a
chunk holds every run unless ``chunk_size`` says otherwise.
"""

from __future__ import annotations

import math
import time
import types
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from ..compiled import CompiledModel
from ..dosing import DosingPlan
from ..errors import BackendUnavailableError
from .cuda_kernel import build_cuda_kernel, bytes_per_run, work_shapes

__all__ = ["BACKENDS", "chunk_runs", "cuda_available", "gpu_present", "kernel_ptx", "resolve_backend", "run_cuda"]

#: Values of ``simulate_batch(backend=...)``.
BACKENDS = ("native", "cuda", "auto")

#: Default threads per block: the kernel is register-heavy, so small blocks keep occupancy up.
THREADS_PER_BLOCK = 64


def cuda_available() -> bool:
    """Whether ``numba.cuda`` can run kernels here: a usable GPU, or the simulator
    (``NUMBA_ENABLE_CUDASIM=1`` set before numba was imported)."""
    try:
        from numba import cuda
    except Exception:  # noqa: BLE001 - numba.cuda cannot even import: no CUDA here
        return False
    try:
        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver counts as no GPU
        return False


def gpu_present() -> bool:
    """Whether a real GPU is usable (the simulator does not count)."""
    from numba import config

    return not config.ENABLE_CUDASIM and cuda_available()


def resolve_backend(backend: str, where: str = "simulate_batch") -> str:
    """``"native"`` or ``"cuda"`` for ``backend`` in :data:`BACKENDS`.

    ``"auto"`` is ``"cuda"`` on a real GPU and ``"native"`` otherwise (the simulator
    is for testing, never chosen automatically); ``"cuda"`` runs on a GPU or, when
    ``NUMBA_ENABLE_CUDASIM=1``, on numba's CUDA simulator.

    Raises
    ------
    ValueError
        For an unknown name.
    BackendUnavailableError
        For ``"cuda"`` without a GPU or the simulator.
    """
    if backend not in BACKENDS:
        raise ValueError(f"{where}: `backend` = {backend!r}: expected one of {', '.join(map(repr, BACKENDS))}")
    if backend == "native":
        return "native"
    if backend == "auto":
        return "cuda" if gpu_present() else "native"
    if not cuda_available():
        raise BackendUnavailableError(
            "cuda", where, "numba.cuda finds no usable NVIDIA GPU and driver on this machine",
            "run on a machine with an NVIDIA GPU, its driver and the CUDA toolkit numba needs "
            "(check with `python -c \"from numba import cuda; cuda.detect()\"`), use "
            "backend='native' (CPU threads) or backend='auto' (the GPU when there is one), "
            "or set NUMBA_ENABLE_CUDASIM=1 before importing numba to run the kernel in numba's "
            "CUDA simulator (slow; for testing)")
    return "cuda"


def chunk_runs(n_runs: int, per_run_bytes: int, free_bytes: float, threads_per_block: int,
               memory_fraction: float, chunk_size: int | None) -> int:
    """Runs per launch: ``chunk_size`` if given, else as many as fit in ``memory_fraction``
    of ``free_bytes`` (whole blocks when at least one fits; all runs when the free
    memory is unknown or unlimited, as under the simulator), at least 1, at most ``n_runs``."""
    if chunk_size is None:
        if math.isfinite(free_bytes) and free_bytes > 0:
            chunk_size = int(memory_fraction * free_bytes // per_run_bytes)
            if chunk_size >= threads_per_block:
                chunk_size -= chunk_size % threads_per_block
        else:
            chunk_size = n_runs
    return int(max(1, min(n_runs, chunk_size)))


def _free_bytes(cuda: Any) -> float:
    try:
        return float(cuda.current_context().get_memory_info()[0])
    except Exception:  # noqa: BLE001 - unknown: let the caller fall back to a fixed size
        return math.nan


#: Per-run scalars copied back: status, failure time, steady-state time and counters.
N_OUT_SCALARS = 10


def _shared_args(to_device: Any, plan: DosingPlan, ev_drug: NDArray[np.int64], grid: NDArray[np.float64],
                 base: NDArray[np.float64], col_kind: NDArray[np.int64], col_index: NDArray[np.int64],
                 marrays: tuple[NDArray[Any], ...], sp: NDArray[np.int64]) -> dict[str, list[Any]]:
    """Inputs every run reads (copied to the device once per call); ``sp`` the model's sparse-LU program."""
    dev = [to_device(np.ascontiguousarray(a)) for a in (
        ev_drug, plan.times, plan.kind, plan.index, plan.value, plan.mul_index, plan.div_index, grid, base)]
    return {"plan": dev[:7], "grid": [dev[7]], "base": [dev[8]],
            "cols": [to_device(np.ascontiguousarray(a)) for a in (col_kind, col_index)],
            "metrics": [to_device(np.ascontiguousarray(a)) for a in marrays],
            "sparse": [to_device(np.ascontiguousarray(sp, dtype=np.int64))]}


def _chunk_buffers(empty: Any, compiled: CompiledModel, n_par: int, n_events: int, nt: int, ncol: int,
                   n_keep: int, n_metrics: int, n_stats: int, chunk: int,
                   sp: NDArray[np.int64]) -> dict[str, list[Any]]:
    """Per-chunk device arrays: outputs (run index first) and work slots (run index last),
    sized for the model's sparse-LU program ``sp``."""
    work = [empty(shape, dtype=dtype) for shape, dtype in work_shapes(
        compiled.n_states, n_par, compiled.n_dv, compiled.n_outputs, n_events, nt, ncol, chunk, len(sp),
        int(sp[0]), int(sp[1])).values()]
    outputs = [empty((chunk, nt, n_keep) if n_keep else (1, 1, 1), dtype=np.float64),
               empty((chunk, n_metrics), dtype=np.float64), empty(chunk, dtype=np.int64),
               empty(chunk, dtype=np.float64), empty((chunk, n_stats), dtype=np.int64),
               empty(chunk, dtype=np.float64)]
    return {"outputs": outputs, "work": work, "states": [empty((1, 1), dtype=np.float64)]}


def kernel_args(k: int, P: Any, scale: Any, steps: Any, Y0: Any, mode: int, ss: tuple[float, float, float],
                rtol: float, atol: float, hmax: float, nonauto: bool, land: bool, n_keep: int,
                shared: dict[str, list[Any]], slots: dict[str, list[Any]]) -> tuple[Any, ...]:
    """The argument tuple of :func:`.cuda_kernel.batch_kernel` for a chunk of ``k`` runs."""
    return (int(k), P, scale, *shared["plan"], *shared["grid"], int(mode), Y0, *shared["base"],
            float(ss[0]), float(ss[1]), float(ss[2]), float(rtol), float(atol), float(hmax), steps,
            bool(nonauto), bool(land), int(n_keep), *shared["cols"], *shared["metrics"],
            *slots["outputs"], *shared["sparse"], *slots["work"], *slots["states"])


def kernel_ptx(compiled: CompiledModel, *, cc: tuple[int, int] = (9, 0), n_events: int = 2,
               n_times: int = 3, n_keep: int = 1, n_metrics: int = 1) -> str:
    """PTX of the model's kernel for compute capability ``cc``, compiled without a GPU.

    Types every argument as :func:`run_cuda` passes it, so numba.cuda's typing and
    lowering of the whole kernel (stepper, LU, events, reductions, the generated
    model functions) are checked on machines with libNVVM but no device.  numba
    compiles device functions for the compute capability of the current device,
    which it asks the driver for; for the duration of this call that question is
    answered with ``cc`` (and the namespace is a fresh one, never launched).
    """
    import numba
    from numba import cuda
    from numba.cuda import dispatcher

    from .cuda_kernel import kernel_namespace, sparse_program
    from .kernel import is_nonautonomous

    ns = kernel_namespace(compiled, cuda.jit(device=True))
    n_par = compiled.n_parameters
    plan = DosingPlan(np.zeros(n_events), np.zeros(n_events, dtype=np.int64), np.zeros(n_events, dtype=np.int64),
                      np.zeros(n_events), np.full(n_events, -1, dtype=np.int64),
                      np.full(n_events, -1, dtype=np.int64), ("",) * n_events)
    i8, f8 = np.zeros(n_metrics, dtype=np.int64), np.zeros(n_metrics)
    marrays = (i8, i8, f8, f8, f8, f8, np.zeros(n_metrics, dtype=np.bool_))
    cols = np.zeros(n_keep, dtype=np.int64)
    sp = sparse_program(compiled)
    shared = _shared_args(np.ascontiguousarray, plan, np.zeros(n_events, dtype=np.int64), np.zeros(n_times),
                          np.zeros(compiled.n_states), cols, cols, marrays, sp)
    slots = _chunk_buffers(np.empty, compiled, n_par, n_events, n_times, n_keep, n_keep, n_metrics, 7, 2, sp)
    args = kernel_args(2, np.zeros((2, n_par)), np.zeros((2, 1)), np.zeros(2, dtype=np.int64),
                       np.zeros((1, compiled.n_states)), 0, (1.0, 1.0, 1.0), 1e-6, 1e-9, 1.0,
                       is_nonautonomous(compiled), False, n_keep, shared, slots)
    signature = tuple(numba.typeof(a) for a in args)
    asked = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=cc)
    try:
        ptx, _ = cuda.compile_ptx(ns["batch_kernel"], signature, cc=cc)
    finally:
        dispatcher.get_current_device = asked
    return ptx


def run_cuda(
    compiled: CompiledModel, P: NDArray[np.float64], scale: NDArray[np.float64],
    ev_drug: NDArray[np.int64], plan: DosingPlan, grid: NDArray[np.float64], mode: int,
    Y0: NDArray[np.float64], base: NDArray[np.float64], ss: tuple[float, float, float],
    rtol: float, atol: float, hmax: float, steps: NDArray[np.int64], land: bool, n_keep: int,
    col_kind: NDArray[np.int64], col_index: NDArray[np.int64], marrays: tuple[NDArray[Any], ...],
    observables: NDArray[np.float64] | None, metric_out: NDArray[np.float64],
    status: NDArray[np.int64], t_fail: NDArray[np.float64], stats: NDArray[np.int64],
    ss_time: NDArray[np.float64], *, chunk_size: int | None = None, progress: bool = True,
    threads_per_block: int = THREADS_PER_BLOCK, memory_fraction: float = 0.5,
) -> dict[str, Any]:
    """Run every row of ``P`` on the GPU, filling the output arrays in place.

    The arguments are those :func:`.batch.simulate_batch` prepares for the CPU
    batch driver.  Returns facts for ``BatchResult.info`` (chunk size, device,
    kernel build and launch times).
    """
    from numba import cuda

    kern = build_cuda_kernel(compiled)
    N, n_par = P.shape
    n, nt, ncol, n_metrics = compiled.n_states, len(grid), len(col_kind), len(marrays[0])
    sp = kern.sparse
    shapes1 = work_shapes(n, n_par, compiled.n_dv, compiled.n_outputs, len(plan), nt, ncol, 1, len(sp),
                          int(sp[0]), int(sp[1]))
    per_run = bytes_per_run(shapes1) + 8 * (n_par + scale.shape[1] + nt * n_keep + n_metrics + N_OUT_SCALARS)
    if mode == 2 and len(Y0) > 1:
        per_run += 8 * n
    chunk = chunk_runs(N, per_run, _free_bytes(cuda) if chunk_size is None else math.nan, threads_per_block,
                       memory_fraction, chunk_size)
    tpb = int(max(1, min(threads_per_block, chunk)))

    t0 = time.perf_counter()
    shared = _shared_args(cuda.to_device, plan, ev_drug, grid, base, col_kind, col_index, marrays, kern.sparse)
    slots = _chunk_buffers(cuda.device_array, compiled, n_par, len(plan), nt, ncol, n_keep, n_metrics,
                           stats.shape[1], chunk, sp)
    shared_y0 = cuda.to_device(np.ascontiguousarray(Y0)) if len(Y0) == 1 else None
    launches = 0
    with tqdm(total=N, disable=not progress, desc=f"cuda {compiled.name}", unit="run") as bar:
        for a in range(0, N, chunk):
            b = min(N, a + chunk)
            k = b - a
            d_P = cuda.to_device(np.ascontiguousarray(P[a:b]))
            d_scale = cuda.to_device(np.ascontiguousarray(scale[a:b]))
            d_steps = cuda.to_device(np.ascontiguousarray(steps[a:b]))
            d_y0 = shared_y0 if shared_y0 is not None else cuda.to_device(np.ascontiguousarray(Y0[a:b]))
            blocks = (k + tpb - 1) // tpb
            kern.kernel[blocks, tpb](*kernel_args(k, d_P, d_scale, d_steps, d_y0, mode, ss, rtol, atol, hmax,
                                                  kern.nonautonomous, land, n_keep, shared, slots))
            cuda.synchronize()
            launches += 1
            d_obs, d_metric, d_status, d_tfail, d_stats, d_sstime = slots["outputs"]
            metric_out[a:b] = d_metric.copy_to_host()[:k]
            status[a:b] = d_status.copy_to_host()[:k]
            t_fail[a:b] = d_tfail.copy_to_host()[:k]
            stats[a:b] = d_stats.copy_to_host()[:k]
            ss_time[a:b] = d_sstime.copy_to_host()[:k]
            if observables is not None and n_keep:
                observables[a:b] = d_obs.copy_to_host()[:k]
            bar.update(k)
    return {"backend": "cuda", "simulator": kern.simulator, "chunk_size": chunk,
            "threads_per_block": tpb, "launches": launches, "bytes_per_run": per_run,
            "kernel_build_seconds": kern.build_seconds, "device_seconds": time.perf_counter() - t0,
            "device": _device_name(cuda, kern.simulator)}


def _device_name(cuda: Any, simulator: bool) -> str:
    if simulator:
        return "numba CUDA simulator"
    try:
        return str(cuda.get_current_device().name.decode() if isinstance(
            cuda.get_current_device().name, bytes) else cuda.get_current_device().name)
    except Exception:  # noqa: BLE001 - the name is informative only
        return "CUDA device"
