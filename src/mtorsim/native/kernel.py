"""Bind the kernel modules to one model and compile them with numba (cached on disk).

The kernel modules (:mod:`.lu`, :mod:`.rodas`, :mod:`.reduce`, :mod:`.solve`,
:mod:`.batch_kernel`) call the model's generated functions through module
globals (see :mod:`._slots`).  :func:`kernel_source` concatenates their source,
plus :func:`mtorsim.dosing.apply_events` and the model's sparse LU written out by
:func:`.sparse.lu_source`, into the text of one module with the relative imports
removed; :func:`build_kernel` writes that text once per model next to the model's
cache entry (``<cache>/native/<model key>-<kernel hash>/kernel.py``), imports it,
binds ``rhs``, ``jac_sparse_work``, ``observe``, ``derive`` and ``initial`` to the
model's jitted functions, and wraps every function with
``numba.njit(cache=True)`` (the batch driver with ``parallel=True``).  numba's disk
cache sits beside the file, so a second process loads machine code instead of
compiling.

The CUDA backend (:mod:`.cuda_kernel`) reuses the same text: it execs it in a namespace
whose ``rhs`` ... ``initial`` are ``cuda.jit(device=True)`` compilations of
:attr:`CompiledModel.source`, compiles everything but the CPU entry points as device
functions, and launches a ``cuda.jit`` kernel that calls ``run_into`` (the
allocation-free body of ``run_one``) with one thread per run.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np

from ..cache import import_module_from_path
from ..compiled import CompiledModel
from ..dosing import apply_events
from ..errors import CompileError
from . import batch_kernel, lu, reduce, rodas, solve
from .sparse import lu_program, lu_source

__all__ = ["Kernel", "build_kernel", "is_nonautonomous", "kernel_source", "sparse_lu"]

_MODULES = (lu, rodas, reduce, solve, batch_kernel)
_MODEL_FUNCTIONS = ("rhs", "jac_sparse_work", "observe", "derive", "initial")
_LU_ATTR = "_native_sparse_lu"
_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
_ATTR = "_native_kernel"
#: Kernel functions called from Python (the others get no CPython wrapper, which saves compile time).
_ENTRY_POINTS = ("run_one", "run_batch", "run_batch_serial")


def sparse_lu(compiled: CompiledModel) -> tuple[np.ndarray, str]:
    """The model's static sparse-LU program (:func:`.sparse.lu_program`) and its generated source
    (:func:`.sparse.lu_source`), worked out once per :class:`CompiledModel` (memoised on it)."""
    cached = compiled.__dict__.get(_LU_ATTR)
    if cached is None:
        program = lu_program(compiled.n_states, compiled.jac_rows, compiled.jac_cols)
        cached = (program, lu_source(program, compiled.n_states))
        compiled.__dict__[_LU_ATTR] = cached
    return cached


def kernel_source(compiled: CompiledModel) -> str:
    """Text of ``compiled``'s kernel module: the model-independent kernel modules followed by
    the model's sparse LU (see the module docstring)."""
    parts = ['"""mtorsim native kernel (generated from mtorsim.native; do not edit)."""',
             "from __future__ import annotations", "", "import math", "", "import numpy as np", "from numba import prange", "",
             inspect.getsource(apply_events)]
    for module in _MODULES:
        text = inspect.getsource(module)
        kept = []
        skipping = False
        for line in text.splitlines():
            if skipping:
                skipping = not line.rstrip().endswith(")")
                continue
            if re.match(r"^(from \.|from __future__|from numba import|import math|import numpy)", line):
                skipping = line.rstrip().endswith("(")
                continue
            kept.append(line)
        parts.append(f"# ---- {module.__name__}\n" + "\n".join(kept))
    parts.append("# ---- the model's sparse LU (mtorsim.native.sparse.lu_source)" + sparse_lu(compiled)[1])
    return "\n\n".join(parts) + "\n"


def is_nonautonomous(compiled: CompiledModel) -> bool:
    """Whether the generated ``rhs`` reads the time ``t`` (then ∂f/∂t enters the stages).

    A large model's ``rhs`` only passes ``t`` on to its parts (``rhs_part*``): those are read.
    """
    rhs = compiled.python_functions["rhs"]
    module = rhs.__globals__
    parts = [module[h] for h in module.get("HELPERS", ()) if h.startswith("rhs_part")]
    functions = [getattr(f, "py_func", f) for f in parts] or [rhs]
    for function in functions:
        source = inspect.getsource(function)
        body = source.split(":", 1)[1] if "def " in source else source
        body = re.sub(r'"""[\s\S]*?"""', "", body)
        if re.search(r"\bt\b", body) is not None:
            return True
    return False


@dataclass(frozen=True)
class Kernel:
    """A model's compiled native kernel.

    Attributes
    ----------
    run_one, run_batch, run_batch_serial : numba dispatchers
        See :mod:`.solve` and :mod:`.batch_kernel`.
    nonautonomous : bool
    sparse : ndarray of int64
        The static sparse-LU program of the model's iteration matrix (:func:`sparse_lu`).
    path : Path
        The kernel module file (numba's cache is beside it).
    build_seconds : float
        Time to write, import and bind the module (compilation happens on first call).
    """

    run_one: Any
    run_batch: Any
    run_batch_serial: Any
    nonautonomous: bool
    sparse: Any
    path: Path
    module: ModuleType
    build_seconds: float


def _kernel_dir(compiled: CompiledModel, digest: str) -> Path:
    root = compiled.cache_root
    if root is None or not os.access(root, os.W_OK):
        root = Path(tempfile.gettempdir()) / "mtorsim-native"
    return Path(root) / "native" / f"{compiled.key[:16]}-{digest}"


def build_kernel(compiled: CompiledModel) -> Kernel:
    """The model's native kernel, built once per :class:`CompiledModel` (memoised on it).

    Raises
    ------
    ValueError
        If the model has triggered (SBML) events, which the native integrator does not handle.
    CompileError
        If the kernel module cannot be written or imported.
    """
    if getattr(compiled, "events", None) is not None:
        raise ValueError(f"model {compiled.name!r} has triggered events, which the native integrator does not "
                         "handle (only dosing breakpoints): use method='BDF' or 'Radau' (backend='scipy')")
    cached = compiled.__dict__.get(_ATTR)
    if cached is not None:
        return cached
    t0 = time.perf_counter()
    text = kernel_source(compiled)
    digest = hashlib.sha256((text + numba.__version__ + sys.version).encode()).hexdigest()[:16]
    folder = _kernel_dir(compiled, digest)
    path = folder / "kernel.py"
    try:
        if not path.exists():  # written once: numba's cache is keyed on the file's timestamp
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".kernel-{uuid.uuid4().hex}.py"
            tmp.write_text(text)
            os.replace(tmp, path)
        module = import_module_from_path(path, f"mtorsim_native_{compiled.key[:16]}_{digest}")
    except OSError as exc:
        raise CompileError(compiled.name, f"cannot write the native kernel module: {exc}",
                           f"kernel folder: {folder}") from exc
    for name in _MODEL_FUNCTIONS:
        setattr(module, name, getattr(compiled, name))
    functions = [name for name, obj in vars(module).items()
                 if inspect.isfunction(obj) and obj.__module__ == module.__name__]
    for name in functions:
        py = getattr(module, name)
        py = getattr(py, "py_func", py)
        if name == "run_batch":
            options = dict(_JIT, parallel=True)
        elif name in _ENTRY_POINTS:
            options = _JIT
        else:  # called only from compiled code: no Python wrapper to generate
            options = dict(_JIT, no_cpython_wrapper=True, no_cfunc_wrapper=True)
        setattr(module, name, numba.njit(**options)(py))
    kernel = Kernel(module.run_one, module.run_batch, module.run_batch_serial, is_nonautonomous(compiled),
                    sparse_lu(compiled)[0],
                    path, module,
                    time.perf_counter() - t0)
    compiled.__dict__[_ATTR] = kernel
    return kernel
