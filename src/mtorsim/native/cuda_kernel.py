"""The native kernel compiled for the GPU with ``numba.cuda``: one run per thread.

The algorithm is not re-implemented here.  :func:`build_cuda_kernel` execs the
text of :func:`.kernel.kernel_source` (the stepper :mod:`.rodas`, the LU of
:mod:`.lu` and the model's generated sparse LU, the reductions of :mod:`.reduce`, the per-run phases of
:mod:`.solve` and :func:`mtorsim.dosing.apply_events`) into a fresh namespace,
binds ``rhs``, ``jac_sparse_work``, ``observe``, ``derive`` and ``initial`` there to
``cuda.jit(device=True)`` compilations of :attr:`CompiledModel.source`, and
compiles every kernel function as a device function, the per-run body
:func:`.solve.run_into` included: the CPU driver :func:`.solve.run_one` allocates
the work arrays and calls it, the kernel passes its thread's slot of arrays
preallocated on the device (device code cannot allocate).  The one function of
its own here is :func:`batch_kernel`, which maps one thread to one run.

Memory layout
-------------
Every per-run work array lives in device global memory, preallocated by the host
for a whole chunk with the *run index last* (e.g. the stepper rows ``W`` have
shape ``(N_WORK_ROWS, n, chunk)``).  Thread ``r`` works on the strided view
``W[:, :, r]``, so when the threads of a warp touch the same element of their own
arrays the loads fall on consecutive addresses and coalesce.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel
from ..errors import CompileError
from .kernel import is_nonautonomous, kernel_source, sparse_lu
from .lu import lu_int_work_size
from .rodas import N_SF, N_SI, N_WORK_ROWS
from .solve import run_into  # batch_kernel's callee; rebound to its device compilation

__all__ = ["CudaKernel", "build_cuda_kernel", "kernel_namespace", "sparse_program", "work_shapes"]

#: The generated model functions the kernel calls, and those they call in turn.
_MODEL_FUNCTIONS = ("rates", "rate_derivatives", "rhs", "jac_sparse_work", "observe", "derive", "initial")
_BOUND = ("rhs", "jac_sparse_work", "observe", "derive", "initial")
_ATTR = "_cuda_kernel"
#: The CPU drivers in the kernel text (allocating / prange): never compiled for the device.
_CPU_ENTRY_POINTS = ("run_one", "run_batch", "run_batch_serial")
_LOCK = threading.Lock()


def work_shapes(n: int, n_parameters: int, n_dv: int, n_out: int, n_events: int, n_times: int,
                n_cols: int, chunk: int, n_sp: int = 0, nnz: int = 0,
                njac: int = 0) -> dict[str, tuple[tuple[int, ...], str]]:
    """Shapes and dtypes of the per-thread work arrays of one chunk (run index last).

    ``p`` parameters, ``w`` stepper rows, ``jd`` the Jacobian's ``njac`` non-zeros
    (``sp[1]``), ``m`` iteration matrix (dense fallback), ``mv`` the sparse factors'
    values (``nnz`` of them, ``sp[0]``) and a solve's scratch (``n``),
    ``piv`` the LU's integer work (pivots and the factors' pattern,
    :func:`.lu.lu_int_work_size`) followed by the model's sparse-LU program of
    length ``n_sp`` (:func:`sparse_program`; :func:`.solve.run_into` copies it
    there), ``dv`` Jacobian work, ``obs`` one output sample, ``buf`` the
    sampled columns (kept outputs and metric inputs), ``sf``/``si`` stepper scalars,
    ``pv`` the run's scaled event values, ``states`` a placeholder (states are not kept).
    """
    return {
        "p": ((n_parameters, chunk), "f8"),
        "w": ((N_WORK_ROWS, n, chunk), "f8"),
        "jd": ((max(njac, 1), chunk), "f8"),
        "m": ((n, n, chunk), "f8"),
        "mv": ((nnz + n, chunk), "f8"),
        "piv": ((lu_int_work_size(n) + n_sp, chunk), "i8"),
        "dv": ((max(n_dv, 1), chunk), "f8"),
        "obs": ((max(n_out, 1), chunk), "f8"),
        "buf": ((n_times, max(n_cols, 1), chunk), "f8"),
        "sf": ((N_SF, chunk), "f8"),
        "si": ((N_SI, chunk), "i8"),
        "pv": ((max(n_events, 1), chunk), "f8"),
    }


def sparse_program(compiled: CompiledModel) -> NDArray[np.int64]:
    """The static sparse-LU program of the model's iteration matrix (as :attr:`.kernel.Kernel.sparse`)."""
    return sparse_lu(compiled)[0]


def bytes_per_run(shapes: dict[str, tuple[tuple[int, ...], str]]) -> int:
    """Device bytes one run needs for its work arrays (``shapes`` for a chunk of 1)."""
    return sum(8 * math.prod(shape[:-1]) for shape, _ in shapes.values())


def max2(a, b):
    """``max(a, b)`` as Python defines it (``a`` unless ``b > a``).

    Bound as ``max`` in the kernel namespace: the vararg ``max``/``min`` overloads of
    numba's core do not compile as CUDA device code in numba's built-in CUDA target,
    and every use in the kernel has two arguments.
    """
    return b if b > a else a


def min2(a, b):
    """``min(a, b)`` as Python defines it (``a`` unless ``b < a``); bound as ``min``."""
    return b if b < a else a


def batch_kernel(n_runs, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0,
                 base_state, ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land,
                 n_keep, col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel,
                 obs_out, metric_out, status, t_fail, stats, ss_time, sp,
                 WP, WW, WJD, WM, WMV, WPIV, WDV, WOBS, WBUF, WSF, WSI, WPV, states):
    """One thread per run of the chunk: thread ``r`` integrates run ``r`` in its work-array slot ``r``.

    ``sp`` is the model's sparse-LU program (:func:`sparse_program`); states are never
    kept (``states`` is a placeholder).  The body is :func:`.solve.run_into`, the CPU's.
    """
    r = cuda.grid(1)  # noqa: F821 - bound in the kernel namespace
    if r < n_runs:
        run_into(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
                 ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps[r], nonauto, land, col_kind,
                 col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep, obs_out,
                 metric_out, status, t_fail, stats, ss_time, sp,
                 WP[:, r], WW[:, :, r], WJD[:, r], WM[:, :, r], WMV[:, r], WPIV[:, r], WDV[:, r], WOBS[:, r],
                 WBUF[:, :, r], WSF[:, r], WSI[:, r], WPV[:, r], states, False)


@dataclass(frozen=True)
class CudaKernel:
    """A model's kernel compiled for ``numba.cuda`` (compiled to machine code on first launch).

    Attributes
    ----------
    kernel : numba.cuda dispatcher
        :func:`batch_kernel` bound to the model.
    nonautonomous : bool
    sparse : ndarray of int64
        The model's sparse-LU program (:func:`sparse_program`), passed to the kernel as ``sp``.
    simulator : bool
        Built under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``).
    build_seconds : float
    """

    kernel: Any
    nonautonomous: bool
    sparse: Any
    simulator: bool
    namespace: dict
    build_seconds: float


def _rebind(fn: FunctionType, namespace: dict) -> FunctionType:
    """``fn`` with ``namespace`` as its globals (so its callees resolve to device functions)."""
    return FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)


def kernel_namespace(compiled: CompiledModel, device: Any) -> dict[str, Any]:
    """The kernel's functions for ``compiled``, each wrapped with ``device`` (e.g.
    ``cuda.jit(device=True)``), in one namespace; ``ns["batch_kernel"]`` is the
    unwrapped kernel function bound to it.

    Raises
    ------
    CompileError
        If the generated source cannot be executed.
    """
    from numba import cuda

    name = f"mtorsim_cuda_{compiled.key[:16]}"
    model_ns: dict[str, Any] = {"__name__": name + "_model"}
    ns: dict[str, Any] = {"__name__": name, "cuda": cuda}
    try:
        exec(compile(compiled.source, f"<{name}_model>", "exec"), model_ns)  # noqa: S102
        exec(compile(kernel_source(compiled), f"<{name}>", "exec"), ns)  # noqa: S102
    except Exception as exc:  # noqa: BLE001 - any failure here is a compile failure
        raise CompileError(compiled.name, f"cannot execute the generated source for CUDA: {exc}",
                           "regenerate the model (clear its cache entry) and retry") from exc
    ns["max"] = device(max2)
    ns["min"] = device(min2)
    for fname in (*model_ns.get("HELPERS", ()), *_MODEL_FUNCTIONS):  # a large model's parts too
        model_ns[fname] = device(model_ns[fname])
    for fname in _BOUND:
        ns[fname] = model_ns[fname]
    for fname, obj in list(ns.items()):
        if isinstance(obj, FunctionType) and obj.__module__ == name and fname not in _CPU_ENTRY_POINTS:
            ns[fname] = device(obj)
    ns["batch_kernel"] = _rebind(batch_kernel, ns)
    return ns


def build_cuda_kernel(compiled: CompiledModel) -> CudaKernel:
    """The model's CUDA kernel, built once per :class:`CompiledModel` (memoised on it).

    Raises
    ------
    ValueError
        If the model has triggered (SBML) events, which the kernel does not handle.
    CompileError
        If the generated source cannot be executed.
    """
    if getattr(compiled, "events", None) is not None:
        raise ValueError(f"model {compiled.name!r} has triggered events, which the CUDA backend does not handle "
                         "(only dosing breakpoints): use backend='scipy' through mtorsim.simulate or sweep")
    cached = compiled.__dict__.get(_ATTR)
    if cached is not None:
        return cached
    with _LOCK:
        cached = compiled.__dict__.get(_ATTR)
        if cached is not None:
            return cached
        from numba import config, cuda

        t0 = time.perf_counter()
        ns = kernel_namespace(compiled, cuda.jit(device=True))
        kernel = cuda.jit(ns["batch_kernel"])
        built = CudaKernel(kernel, is_nonautonomous(compiled), sparse_program(compiled),
                           bool(config.ENABLE_CUDASIM), ns, time.perf_counter() - t0)
        compiled.__dict__[_ATTR] = built
        return built
