"""The batch drivers (CPU): one :func:`~.solve.run_one` per run.

:func:`run_batch` is compiled with ``parallel=True, nogil=True``; runs share
nothing but read-only inputs and write disjoint rows, so results do not depend
on the thread count.  :func:`run_batch_serial` is the same loop without threads,
for worker processes (a forked child must not use its parent's thread pool) and
``n_threads=1``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .solve import run_one


def run_batch(P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
              ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, n_dv, n_out,
              col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep,
              obs_out, keep_states, states_out, metric_out, status, t_fail, stats, ss_time):
    """Every run of ``P`` (one row each); ``max_steps`` is per run."""
    for q in prange(P.shape[0]):
        r = np.int64(q)  # one integer type for run_one, whatever type prange gives its index
        run_one(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0,
                base_state, ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps[r], nonauto, land,
                n_dv, n_out, col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr,
                m_rel, n_keep, obs_out, keep_states, states_out, metric_out, status, t_fail, stats,
                ss_time)


def run_batch_serial(P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
                     ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, n_dv, n_out,
                     col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep,
                     obs_out, keep_states, states_out, metric_out, status, t_fail, stats, ss_time):
    """:func:`run_batch` in one thread."""
    for q in range(P.shape[0]):
        r = np.int64(q)
        run_one(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0,
                base_state, ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps[r], nonauto, land,
                n_dv, n_out, col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr,
                m_rel, n_keep, obs_out, keep_states, states_out, metric_out, status, t_fail, stats,
                ss_time)
