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

__all__ = ["dense_iteration_matrix", "lu_factor", "lu_int_work_size", "lu_solve", "sp_factor", "sp_solve"]


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


# ------------------------------------------------------------------ static-pattern sparse LU
# The iteration matrix I/(hγ) - J of a given model always has the Jacobian's pattern plus the
# diagonal, so its pivot order, fill-in and the sequence of elimination operations can be
# worked out once (mtorsim.native.sparse.symbolic_lu, diagonal pivots) and replayed each step
# over only the non-zeros.  The symbolic arrays live in the integer work array after the dense
# LU's part (offset lu_int_work_size(n)); the values in the first nnz entries of a float array
# of nnz + n (the last n: the permuted right-hand side of a solve).  The Jacobian arrives as
# its non-zeros (``jd``, in the order of the program's Jacobian entries).  A pivot that is not
# safely non-zero makes sp_factor fail, and the caller falls back to the dense partially
# pivoted factorisation (dense_iteration_matrix + lu_factor) for that step.  A model's kernel
# normally runs this program as generated straight-line code (sparse.lu_source); the replay
# serves models too large for that.


def sp_factor(jd, inv_hg, iw, n, v):
    """Factor ``I·inv_hg - J`` with the static pattern at ``iw[lu_int_work_size(n):]`` into ``v``.

    Returns 0 on success, 1 if a pivot is (nearly) zero or not finite.
    """
    base = 3 * n + 1 + n * n
    nnz = iw[base]
    njac = iw[base + 1]
    n_sc = iw[base + 2]
    n_up = iw[base + 3]
    rp = base + 4
    co = rp + n + 1
    dg = co + nnz
    jp = dg + 2 * n + 2 * njac
    sp = jp + njac
    sd = sp + n_sc
    ss = sd + n_sc
    ud = ss + n_sc + 1
    us = ud + n_up
    for q in range(nnz):
        v[q] = 0.0
    for e in range(njac):
        v[iw[jp + e]] = -jd[e]
    for i in range(n):
        v[iw[dg + i]] += inv_hg
    tiny = 1e-10 * inv_hg
    for s in range(n_sc):
        d = v[iw[sd + s]]
        if not (abs(d) > tiny) or not math.isfinite(d):
            return 1
        lpos = iw[sp + s]
        f = v[lpos] / d
        v[lpos] = f
        for u in range(iw[ss + s], iw[ss + s + 1]):
            v[iw[ud + u]] -= f * v[iw[us + u]]
    for i in range(n):
        d = v[iw[dg + i]]
        if not (abs(d) > tiny) or not math.isfinite(d):
            return 1
    return 0


def sp_solve(iw, v, b, n):
    """Solve with the factors of :func:`sp_factor`, in place in ``b`` (``v[nnz:nnz + n]`` scratch)."""
    base = 3 * n + 1 + n * n
    nnz = iw[base]
    rp = base + 4
    co = rp + n + 1
    dg = co + nnz
    od = dg + n
    for i in range(n):
        s = b[iw[od + i]]
        for q in range(iw[rp + i], iw[rp + i + 1]):
            c = iw[co + q]
            if c >= i:
                break
            s -= v[q] * v[nnz + c]
        v[nnz + i] = s
    for i in range(n - 1, -1, -1):
        s = v[nnz + i]
        for q in range(iw[rp + i + 1] - 1, iw[rp + i] - 1, -1):
            c = iw[co + q]
            if c <= i:
                break
            s -= v[q] * v[nnz + c]
        s = s / v[iw[dg + i]]
        v[nnz + i] = s
        b[iw[od + i]] = s


def dense_iteration_matrix(jd, inv_hg, iw, n, m):
    """``m = I·inv_hg - J`` as a dense matrix, from the Jacobian's non-zeros ``jd``."""
    base = 3 * n + 1 + n * n
    nnz = iw[base]
    njac = iw[base + 1]
    jr = base + 4 + n + 1 + nnz + 2 * n
    jc = jr + njac
    for i in range(n):
        for j in range(n):
            m[i, j] = 0.0
        m[i, i] = inv_hg
    for e in range(njac):
        m[iw[jr + e], iw[jc + e]] -= jd[e]
