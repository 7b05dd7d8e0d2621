"""Symbolic analysis for the static-pattern sparse LU of :mod:`.lu` (host side, once per model)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["symbolic_lu"]


def symbolic_lu(n: int, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
    """The integer program :func:`.lu.sp_factor` / :func:`.lu.sp_solve` replay.

    Pattern: the Jacobian's non-zeros (``rows``, ``cols``) plus the diagonal, with the fill-in
    of Gaussian elimination in the natural order with diagonal pivots.

    Layout: ``[nnz, njac, n_scale, n_update]``, row starts (n+1), column of each factor entry
    (nnz, sorted within rows), position of each diagonal (n), Jacobian row, column and factor
    position of each Jacobian entry (3 x njac), then per multiplier its position, the pivot's
    position and the range of its updates (n_scale each, plus one), then per update the
    destination and the source position (n_update each).
    """
    pattern = [set() for _ in range(n)]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        pattern[r].add(c)
    for i in range(n):
        pattern[i].add(i)
    for k in range(n):
        upper = [j for j in pattern[k] if j > k]
        for i in range(k + 1, n):
            if k in pattern[i]:
                pattern[i].update(upper)
    row_ptr, col, pos = [0], [], {}
    for i in range(n):
        for j in sorted(pattern[i]):
            pos[(i, j)] = len(col)
            col.append(j)
        row_ptr.append(len(col))
    diag = [pos[(i, i)] for i in range(n)]
    jpos = [pos[(r, c)] for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
    sc_pos, sc_diag, sc_start, up_dst, up_src = [], [], [0], [], []
    for k in range(n):
        upper = sorted(j for j in pattern[k] if j > k)
        for i in range(k + 1, n):
            if k in pattern[i]:
                sc_pos.append(pos[(i, k)])
                sc_diag.append(pos[(k, k)])
                for j in upper:
                    up_dst.append(pos[(i, j)])
                    up_src.append(pos[(k, j)])
                sc_start.append(len(up_dst))
    header = [len(col), len(rows), len(sc_pos), len(up_dst)]
    parts = [header, row_ptr, col, diag, rows.tolist(), cols.tolist(), jpos, sc_pos, sc_diag, sc_start,
             up_dst, up_src]
    return np.array([v for part in parts for v in part], dtype=np.int64)
