"""Names the kernel modules call but do not define: one model's generated functions.

The stepper (:mod:`.rodas`), the per-run driver (:mod:`.solve`) and the batch driver
call ``rhs``, ``jac_sparse_work``, ``observe``, ``derive`` and ``initial``, and the
model's sparse LU ``factor_static``/``solve_static``, as module globals, never as
arguments, because CUDA device functions cannot be passed as arguments.
:mod:`.kernel` concatenates the kernel modules' source (dropping their relative
imports) and the LU that :func:`.sparse.lu_source` writes for the model into one
module file per model, and binds the other names there to the model's jitted
functions before numba compiles anything; a CUDA backend execs the same text with
the names bound to ``cuda.jit(device=True)`` versions of :attr:`CompiledModel.source`.

The definitions below exist so that the kernel modules import and lint as plain
Python; calling one means the kernel was used without being bound to a model.
"""

from __future__ import annotations

__all__ = ["derive", "factor_static", "initial", "jac_sparse_work", "observe", "rhs", "solve_static"]

_UNBOUND = ("mtorsim.native kernel functions must be bound to a model first: "
            "use mtorsim.native.kernel.build_kernel(compiled)")


def rhs(t, y, p, out):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def jac_sparse_work(t, y, p, data, dv):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def factor_static(jd, inv_hg, iw, n, v):  # pragma: no cover - generated per model
    raise RuntimeError(_UNBOUND)


def solve_static(iw, v, b, n):  # pragma: no cover - generated per model
    raise RuntimeError(_UNBOUND)


def observe(t, y, p, out):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def derive(p):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def initial(p, y):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)
