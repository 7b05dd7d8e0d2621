"""The static sparse LU of the iteration matrix: ordering, symbolic analysis and code generation.

Host side, once per model.  The iteration matrix ``I/(hγ) - J`` of a model always
has the Jacobian's pattern plus the diagonal, so a pivot order, the fill-in and the
sequence of elimination operations can be fixed before integrating:

- :func:`markowitz_order` picks diagonal pivots that keep fill-in small (greedy
  Markowitz on the symbolic pattern).  On the bundled model it cuts the elimination
  updates from 1017 in the natural order to 259.
- :func:`symbolic_lu` records the elimination as an integer program, replayed by
  :func:`.lu.sp_factor` / :func:`.lu.sp_solve`.
- :func:`lu_source` writes that program out as straight-line Python (one statement per
  operation, values in local variables, the reciprocals of the pivots stored so that a
  solve only multiplies): :func:`factor_static` / :func:`solve_static` of the model's
  kernel.  numba compiles it to code with no index arithmetic and no indirect loads,
  several times faster than the replay.  Above :data:`STRAIGHT_LINE_LIMIT` operations
  (large models, where such code would take long to compile) the generated pair calls
  the replay instead.

Diagonal pivots only: the stepper falls back to a dense, partially pivoted
factorisation for a step whose pivot is not safely non-zero (see :mod:`.rodas`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["STRAIGHT_LINE_LIMIT", "lu_program", "lu_source", "markowitz_order", "symbolic_lu"]

#: Most elimination operations (non-zeros + multipliers + updates) written out as straight-line
#: code; larger programs are replayed from the integer program (compile time grows with length).
STRAIGHT_LINE_LIMIT = 12_000

# program layout: offsets past the 4-entry header, all derived from the header and n
_HEADER = 4


def markowitz_order(n: int, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
    """A pivot order of the diagonal that keeps the LU's fill-in small.

    At each elimination step the remaining diagonal entry with the smallest Markowitz
    count ``(r - 1)(c - 1)`` (``r``, ``c``: non-zeros in its active row and column) is
    chosen, ties broken by the lower index, and the pattern is updated with its fill-in.

    Returns
    -------
    ndarray of int64, shape (n,)
        ``order[k]`` is the state eliminated ``k``-th.
    """
    row_sets = [{i} for i in range(n)]
    col_sets = [{i} for i in range(n)]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        row_sets[r].add(c)
        col_sets[c].add(r)
    alive = set(range(n))
    order = []
    while alive:
        k = min(alive, key=lambda i: ((len(row_sets[i]) - 1) * (len(col_sets[i]) - 1), i))
        order.append(k)
        alive.remove(k)
        upper = row_sets[k] - {k}
        lower = col_sets[k] - {k}
        for i in lower:
            row_sets[i].discard(k)
            row_sets[i] |= upper
            for j in upper:
                col_sets[j].add(i)
        for j in upper:
            col_sets[j].discard(k)
    return np.array(order, dtype=np.int64)


def symbolic_lu(n: int, rows: NDArray[np.int64], cols: NDArray[np.int64],
                order: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
    """The integer program :func:`.lu.sp_factor` / :func:`.lu.sp_solve` replay.

    Pattern: the Jacobian's non-zeros (``rows``, ``cols``) plus the diagonal, symmetrically
    permuted by ``order`` (default: the natural order), with the fill-in of Gaussian
    elimination with diagonal pivots.  Factor row/column ``k`` is state ``order[k]``.

    Layout: ``[nnz, njac, n_scale, n_update]``, row starts (n+1), column of each factor entry
    (nnz, sorted within rows), position of each diagonal (n), the order (n), Jacobian row,
    column (both in state indices) and factor position of each Jacobian entry (3 x njac),
    then per multiplier its position, the pivot's position and the range of its updates
    (n_scale each, plus one), then per update the destination and the source position
    (n_update each).
    """
    order = np.arange(n, dtype=np.int64) if order is None else np.asarray(order, dtype=np.int64)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    prow, pcol = inv[rows].tolist(), inv[cols].tolist()
    pattern = [{i} for i in range(n)]
    for r, c in zip(prow, pcol, strict=True):
        pattern[r].add(c)
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
    jpos = [pos[(r, c)] for r, c in zip(prow, pcol, strict=True)]
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
    parts = [header, row_ptr, col, diag, order.tolist(), rows.tolist(), cols.tolist(), jpos, sc_pos, sc_diag,
             sc_start, up_dst, up_src]
    return np.array([v for part in parts for v in part], dtype=np.int64)


def lu_program(n: int, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
    """The program a model's kernel uses: :func:`symbolic_lu` in the :func:`markowitz_order`."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    return symbolic_lu(n, rows, cols, markowitz_order(n, rows, cols))


def _unpack(program: NDArray[np.int64], n: int) -> dict[str, list[int]]:
    nnz, njac, n_sc, n_up = (int(v) for v in program[:_HEADER])
    sizes = [("row_ptr", n + 1), ("col", nnz), ("diag", n), ("order", n), ("jr", njac), ("jc", njac),
             ("jpos", njac), ("sc_pos", n_sc), ("sc_diag", n_sc), ("sc_start", n_sc + 1), ("up_dst", n_up),
             ("up_src", n_up)]
    out, at = {}, _HEADER
    for name, size in sizes:
        out[name] = program[at:at + size].tolist()
        at += size
    return out


def _replay_source() -> str:
    return '''
def factor_static(jd, inv_hg, iw, n, v):
    """Factor the iteration matrix (replay of the model's sparse-LU program, see mtorsim.native.sparse)."""
    return sp_factor(jd, inv_hg, iw, n, v)


def solve_static(iw, v, b, n):
    """Solve with the factors of factor_static, in place in b."""
    sp_solve(iw, v, b, n)
'''


def lu_source(program: NDArray[np.int64], n: int, limit: int = STRAIGHT_LINE_LIMIT) -> str:
    """Python source of ``factor_static(jd, inv_hg, iw, n, v)`` and ``solve_static(iw, v, b, n)``.

    ``factor_static`` factors ``I·inv_hg - J`` (``J``'s non-zeros ``jd`` in the order of the
    program's Jacobian entries) into ``v`` (the factors' non-zeros, pivots stored as their
    reciprocals) and returns 0, or 1 if a pivot is not safely non-zero (``|d| <= 1e-10
    inv_hg``) or not finite; ``solve_static`` overwrites ``b`` with the solution.  The
    integer work ``iw`` is unused by the straight-line pair and kept so that the replay
    (chosen when the program has more than ``limit`` operations) has the same signature.
    """
    nnz, _, n_sc, n_up = (int(v) for v in program[:_HEADER])
    if nnz + n_sc + n_up > limit:
        return _replay_source()
    g = _unpack(program, n)
    jac_at = {q: e for e, q in enumerate(g["jpos"])}
    diag_set = set(g["diag"])
    f = ["", "", "def factor_static(jd, inv_hg, iw, n, v):",
         '    """Factor the iteration matrix (straight-line code generated by mtorsim.native.sparse)."""',
         "    tiny = 1e-10 * inv_hg"]
    zero = set()
    for q in range(nnz):
        e = jac_at.get(q)
        if q in diag_set:
            f.append(f"    a{q} = inv_hg - jd[{e}]" if e is not None else f"    a{q} = inv_hg")
        elif e is not None:
            f.append(f"    a{q} = -jd[{e}]")
        else:
            zero.add(q)  # fill-in: first written by an update
    checked = set()

    def check(d: int) -> None:
        f.append(f"    if not (abs(a{d}) > tiny and abs(a{d}) < math.inf):")
        f.append("        return 1")
        f.append(f"    r{d} = 1.0 / a{d}")
        checked.add(d)

    for s in range(n_sc):
        lpos, d = g["sc_pos"][s], g["sc_diag"][s]
        if d not in checked:
            check(d)
        f.append(f"    a{lpos} = a{lpos} * r{d}")
        for u in range(g["sc_start"][s], g["sc_start"][s + 1]):
            dst, src = g["up_dst"][u], g["up_src"][u]
            if dst in zero:
                f.append(f"    a{dst} = -(a{lpos} * a{src})")
                zero.discard(dst)
            else:
                f.append(f"    a{dst} = a{dst} - a{lpos} * a{src}")
    for d in g["diag"]:
        if d not in checked:
            check(d)
    for q in range(nnz):
        f.append(f"    v[{q}] = r{q}" if q in diag_set else f"    v[{q}] = a{q}")
    f.append("    return 0")

    s_ = ["", "", "def solve_static(iw, v, b, n):",
          '    """Solve with the factors of factor_static, in place in b (straight-line code)."""']
    rp, col, order = g["row_ptr"], g["col"], g["order"]
    for i in range(n):
        terms = "".join(f" - v[{q}] * x{col[q]}" for q in range(rp[i], rp[i + 1]) if col[q] < i)
        s_.append(f"    x{i} = b[{order[i]}]{terms}")
    for i in range(n - 1, -1, -1):
        terms = "".join(f" - v[{q}] * x{col[q]}" for q in range(rp[i], rp[i + 1]) if col[q] > i)
        s_.append(f"    x{i} = (x{i}{terms}) * v[{g['diag'][i]}]" if terms else f"    x{i} = x{i} * v[{g['diag'][i]}]")
        s_.append(f"    b[{order[i]}] = x{i}")
    return "\n".join(f + s_) + "\n"
