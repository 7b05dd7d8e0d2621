"""Dense-storage LU factorisation with partial pivoting, in place, exploiting sparsity.

Plain loops over preallocated arrays (no allocation, no Python objects), so the
functions compile with ``numba.njit`` and as CUDA device functions.

Reaction-network Jacobians have a few non-zeros per row, and the iteration
matrix ``I/(hγ) - J`` keeps that pattern.  The factors stay in the dense ``n×n``
array, but the elimination only visits the non-zero columns of each pivot row
and the non-zero multipliers, and after factorising the non-zero pattern of the
factors is indexed (CSR-like, in the integer work array) so that each of the
several solves per step costs the number of non-zeros, not ``n²``.  Below ~100
states this is the sparse path that pays, without a symbolic analysis; the
pattern is rebuilt at every factorisation, so pivoting may change it freely.

Integer work array ``iw`` (length :func:`lu_int_work_size`): ``iw[0:n]`` the
pivots, ``iw[n:2n]`` scratch column indices, ``iw[2n:3n+1]`` row starts and
``iw[3n+1:]`` column indices of the off-diagonal non-zeros of the factors.
"""

from __future__ import annotations

import math

__all__ = ["lu_factor", "lu_int_work_size", "lu_solve"]


def lu_int_work_size(n):
    """Length of the integer work array of :func:`lu_factor` / :func:`lu_solve`."""
    return 3 * n + 1 + n * n


def lu_factor(a, iw, n):
    """Factor ``a[:n, :n]`` in place as ``P·A = L·U`` (unit-diagonal ``L`` below the diagonal).

    Parameters
    ----------
    a : ndarray, shape (n, n)
        Overwritten with the factors.
    iw : ndarray of int64, shape (lu_int_work_size(n),)
        Pivots and the index of the factors' non-zeros (see the module docstring).
    n : int

    Returns
    -------
    int
        0 on success, 1 if a pivot is exactly zero or not finite (singular matrix).
    """
    cols_at = n
    for k in range(n):
        p = k
        amax = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > amax:
                amax = v
                p = i
        iw[k] = p
        if not (amax > 0.0) or not math.isfinite(amax):  # zero, NaN or inf
            return 1
        if p != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[p, j]
                a[p, j] = tmp
        nc = 0
        for j in range(k + 1, n):
            if a[k, j] != 0.0:
                iw[cols_at + nc] = j
                nc += 1
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            f = a[i, k]
            if f != 0.0:
                f = f * inv
                a[i, k] = f
                for c in range(nc):
                    j = iw[cols_at + c]
                    a[i, j] -= f * a[k, j]
    ptr_at = 2 * n
    idx_at = 3 * n + 1
    q = 0
    for i in range(n):
        iw[ptr_at + i] = q
        for j in range(n):
            if j != i and a[i, j] != 0.0:
                iw[idx_at + q] = j
                q += 1
    iw[ptr_at + n] = q
    return 0


def lu_solve(a, iw, b, n):
    """Solve ``A x = b`` in place in ``b`` with the factors from :func:`lu_factor`."""
    ptr_at = 2 * n
    idx_at = 3 * n + 1
    for k in range(n):
        p = iw[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for q in range(iw[ptr_at + i], iw[ptr_at + i + 1]):
            j = iw[idx_at + q]
            if j >= i:
                break
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for q in range(iw[ptr_at + i + 1] - 1, iw[ptr_at + i] - 1, -1):
            j = iw[idx_at + q]
            if j <= i:
                break
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]
