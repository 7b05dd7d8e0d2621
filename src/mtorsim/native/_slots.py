"""Names the kernel modules call but do not define: one model's generated functions.

The stepper (:mod:`.rodas`), the per-run driver (:mod:`.solve`) and the batch driver
call ``rhs``, ``jac_work``, ``observe``, ``derive`` and ``initial`` as module
globals, never as arguments, because CUDA device functions cannot be passed as
arguments.  :mod:`.kernel` concatenates the kernel modules' source (dropping
their relative imports) into one module file per model and binds these names
there to the model's jitted functions before numba compiles anything; a CUDA
backend execs the same text with the names bound to ``cuda.jit(device=True)``
versions of :attr:`CompiledModel.source`.

The definitions below exist so that the kernel modules import and lint as plain
Python; calling one means the kernel was used without being bound to a model.
"""

from __future__ import annotations

__all__ = ["derive", "initial", "jac_work", "observe", "rhs"]

_UNBOUND = ("mtorsim.native kernel functions must be bound to a model first: "
            "use mtorsim.native.kernel.build_kernel(compiled)")


def rhs(t, y, p, out):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def jac_work(t, y, p, out, dv):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def observe(t, y, p, out):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def derive(p):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)


def initial(p, y):  # pragma: no cover - replaced per model
    raise RuntimeError(_UNBOUND)
