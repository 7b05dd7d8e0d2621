"""Dense LU factorisation with partial pivoting, in place, for the Rosenbrock stages.

Plain loops over preallocated arrays (no allocation, no Python objects), so the
functions compile with ``numba.njit`` and as CUDA device functions.  The
elimination skips zero multipliers, which makes the factorisation of the sparse
Jacobians of reaction networks (a few non-zeros per row) cost close to the
fill-in rather than ``n³/3``; below ~100 states that is the sparse path that
pays, without a symbolic analysis.
"""

from __future__ import annotations

import math

__all__ = ["lu_factor", "lu_solve"]


def lu_factor(a, piv, n):
    """Factor ``a[:n, :n]`` in place as ``P·A = L·U`` (unit-diagonal ``L`` below the diagonal).

    Parameters
    ----------
    a : ndarray, shape (n, n)
        Overwritten with the factors.
    piv : ndarray of int64, shape (n,)
        Row swapped with row ``k`` at step ``k``.
    n : int

    Returns
    -------
    int
        0 on success, 1 if a pivot is exactly zero or not finite (singular matrix).
    """
    for k in range(n):
        p = k
        amax = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > amax:
                amax = v
                p = i
        piv[k] = p
        if not (amax > 0.0) or not math.isfinite(amax):  # zero, NaN or inf
            return 1
        if p != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[p, j]
                a[p, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            f = a[i, k]
            if f != 0.0:
                f = f * inv
                a[i, k] = f
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return 0


def lu_solve(a, piv, b, n):
    """Solve ``A x = b`` in place in ``b`` with the factors from :func:`lu_factor`."""
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]
