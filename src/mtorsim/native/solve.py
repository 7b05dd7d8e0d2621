"""One run, compiled: initial state, optional pre-equilibration, the dosed integration
with outputs on a grid, and the run's metric reductions.

Everything below works on arrays and scalars only and reaches the model through
the module-global names of :mod:`._slots`, like the stepper.  :func:`run_into` is
the whole run with its work arrays passed in (it allocates nothing and clears
them itself); it is the one body both backends compile: the CPU driver
:func:`run_one` allocates the work arrays once per run (never per step) and calls
it, and the CUDA kernel (:mod:`.cuda_kernel`) calls it with its thread's slot of
arrays preallocated in device memory for a whole chunk.
"""

from __future__ import annotations

import math

import numpy as np

from ..dosing import apply_events
from ._slots import derive, initial, observe, rhs
from .lu import lu_int_work_size
from .reduce import metric_value
from .rodas import (
    N_SF,
    N_SI,
    N_WORK_ROWS,
    R_TMP,
    R_Y,
    SF_ERR_PREV,
    SF_H,
    SF_H_USED,
    SF_T,
    SF_T_FAIL,
    SF_T_OLD,
    SI_FRESH,
    SI_LAST_REJECTED,
    SI_NFEV,
    SI_NON_FINITE,
    SI_PHASE_STEPS,
    SI_STATUS,
    ST_NO_STEADY_STATE,
    accept_state,
    attempt_step,
    dense_output,
)

#: Columns of the per-run statistics: attempted steps, accepted, rejected, rhs calls,
#: Jacobian evaluations, LU factorisations, then the status code.
N_STATS = 7

#: Tolerances of the pre-equilibration integration (as the scipy backend's).
SS_RTOL = 1e-8
SS_ATOL = 1e-12


def _reset(t, sf, si):
    sf[SF_T] = t
    sf[SF_H] = 0.0
    sf[SF_ERR_PREV] = 1.0
    si[SI_FRESH] = 1
    si[SI_PHASE_STEPS] = 0
    si[SI_LAST_REJECTED] = 0
    si[SI_NON_FINITE] = 0


def steady_residual(f, y, rel, abs_tol, n):
    """Largest ``|f_i| / (abs_tol + rel |y_i|)``; at most 1 means converged."""
    r = 0.0
    for i in range(n):
        v = abs(f[i]) / (abs_tol + rel * abs(y[i]))
        if not (v <= r):
            r = v
    return r


def steady_state(p, w, jd, m, mv, piv, dv, n, nonauto, t_max, rel, abs_tol, max_steps, sf, si):
    """Integrate ``w[R_Y]`` without doses until the residual test passes.

    Returns the time it took (h), or -1 with ``si[SI_STATUS] = NO_STEADY_STATE``.
    """
    y = w[R_Y]
    f = w[R_TMP]
    rhs(0.0, y, p, f)
    si[SI_NFEV] += 1
    if steady_residual(f, y, rel, abs_tol, n) <= 1.0:
        return 0.0
    _reset(0.0, sf, si)
    while True:
        r = attempt_step(t_max, p, w, jd, m, mv, piv, dv, n, nonauto, SS_RTOL, SS_ATOL, math.inf,
                         max_steps, sf, si)
        if r < 0:
            si[SI_STATUS] = ST_NO_STEADY_STATE
            return -1.0
        if r == 1:
            accept_state(w, n)
            rhs(0.0, y, p, f)
            si[SI_NFEV] += 1
            if steady_residual(f, y, rel, abs_tol, n) <= 1.0:
                return sf[SF_T]
            if sf[SF_T] >= t_max:
                si[SI_STATUS] = ST_NO_STEADY_STATE
                sf[SF_T_FAIL] = t_max
                return -1.0


def record(t, y, p, obs_tmp, col_kind, col_index, ncol, buf, row, states, keep_states, n):
    """Outputs (and optionally the state) at one output time."""
    observe(t, y, p, obs_tmp)
    for c in range(ncol):
        if col_kind[c] == 0:
            buf[row, c] = obs_tmp[col_index[c]]
        else:
            buf[row, c] = y[col_index[c]]
    if keep_states:
        for i in range(n):
            states[row, i] = y[i]


def integrate(p, w, jd, m, mv, piv, dv, n, nonauto, t_eval, pt, pk, pidx, pval, pmul, pdiv, rtol, atol,
              hmax, max_steps, land, sf, si, obs_tmp, col_kind, col_index, ncol, buf, states,
              keep_states):
    """Integrate from ``t_eval[0]`` to ``t_eval[-1]`` applying the plan's events at their times.

    Output at an event time is the state after the event.  Between steps the
    outputs come from the dense output (or, with ``land``, every output time is
    a step end).  On failure the remaining rows are NaN and -1 is returned.
    """
    nt = t_eval.shape[0]
    nb = pt.shape[0]
    y = w[R_Y]
    tmp = w[R_TMP]
    t = t_eval[0]
    _reset(t, sf, si)
    kev = apply_events(pt, pk, pidx, pval, pmul, pdiv, 0, t, y, p)
    i = 0
    while i < nt and t_eval[i] <= t:
        record(t, y, p, obs_tmp, col_kind, col_index, ncol, buf, i, states, keep_states, n)
        i += 1
    t_end = t_eval[nt - 1]
    while sf[SF_T] < t_end:
        stop = t_end
        if kev < nb and pt[kev] < stop:
            stop = pt[kev]
        if land and i < nt and t_eval[i] < stop:
            stop = t_eval[i]
        while sf[SF_T] < stop:
            r = attempt_step(stop, p, w, jd, m, mv, piv, dv, n, nonauto, rtol, atol, hmax, max_steps, sf, si)
            if r < 0:
                for rr in range(i, nt):
                    for c in range(ncol):
                        buf[rr, c] = math.nan
                    if keep_states:
                        for q in range(n):
                            states[rr, q] = math.nan
                return -1
            if r == 1:
                tnew = sf[SF_T]
                told = sf[SF_T_OLD]
                hu = sf[SF_H_USED]
                while i < nt and (t_eval[i] < tnew or (t_eval[i] == tnew and tnew < stop)):
                    dense_output((t_eval[i] - told) / hu, w, tmp, n)
                    record(t_eval[i], tmp, p, obs_tmp, col_kind, col_index, ncol, buf, i, states,
                           keep_states, n)
                    i += 1
                accept_state(w, n)
        if kev < nb and pt[kev] <= stop:
            kev = apply_events(pt, pk, pidx, pval, pmul, pdiv, kev, stop, y, p)
            si[SI_FRESH] = 1
            if sf[SF_H] > 0.0:
                sf[SF_H] = -sf[SF_H]  # next step: at most this, and at most a fresh guess
        while i < nt and t_eval[i] <= stop:
            record(stop, y, p, obs_tmp, col_kind, col_index, ncol, buf, i, states, keep_states, n)
            i += 1
    return 0


def run_into(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
             ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, col_kind, col_index,
             m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep, obs_out, metric_out, status,
             t_fail, stats, ss_time, sp, p, w, jd, m, mv, piv, dv, obs_tmp, buf, sf, si, pv, states,
             keep_states):
    """Run ``r`` of a batch in the given work arrays, writing its row of every output array.

    The body shared by the CPU driver :func:`run_one` (which allocates the work
    arrays) and the CUDA kernel (which passes its thread's slot of arrays
    preallocated for a chunk): it allocates nothing.  Every work array is cleared
    here, so results never depend on what ran before in the same slot.

    Work arrays: ``p`` parameters (``P.shape[1]``), ``w`` stepper rows
    ``(N_WORK_ROWS, n)``, ``jd`` the Jacobian's non-zeros (``sp[1]``), ``m`` the
    dense iteration matrix ``(n, n)`` (fallback), ``mv`` the sparse LU factors'
    values and a solve's scratch (at least ``sp[0] + n``),
    ``piv`` the LU's integer work followed by the sparse program
    (``lu_int_work_size(n) + sp.shape[0]``; ``sp``, the model's static sparse-LU
    program from :func:`mtorsim.native.sparse.lu_program`, is copied into its
    tail), ``dv`` Jacobian work, ``obs_tmp`` one output sample, ``buf`` the sampled
    columns ``(len(t_eval), >= len(col_kind))``, ``sf``/``si`` stepper scalars,
    ``pv`` the run's scaled event values (``>= len(pt)``), ``states`` the run's
    state rows (written only when ``keep_states``).

    ``y0_mode``: 0 the model's initial values, 1 the drug-free steady state reached
    from them, 2 the state ``Y0[r]`` (or ``Y0[0]`` when ``Y0`` has one row).
    ``scale[r, ev_drug[k]]`` multiplies event ``k``'s value (``ev_drug[k] < 0``: not scaled).
    """
    n = base_state.shape[0]
    nt = t_eval.shape[0]
    ncol = col_kind.shape[0]
    nev = pt.shape[0]
    for i in range(P.shape[1]):
        p[i] = P[r, i]
    derive(p)
    for a in range(w.shape[0]):
        for i in range(w.shape[1]):
            w[a, i] = 0.0
    for e in range(jd.shape[0]):
        jd[e] = 0.0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            m[i, j] = 0.0
    for i in range(mv.shape[0]):
        mv[i] = 0.0
    for i in range(piv.shape[0]):
        piv[i] = 0
    base = lu_int_work_size(n)
    for q in range(sp.shape[0]):
        piv[base + q] = sp[q]
    for i in range(dv.shape[0]):
        dv[i] = 0.0
    for i in range(obs_tmp.shape[0]):
        obs_tmp[i] = 0.0
    for rr in range(buf.shape[0]):
        for c in range(buf.shape[1]):
            buf[rr, c] = 0.0
    for i in range(sf.shape[0]):
        sf[i] = 0.0
    for i in range(si.shape[0]):
        si[i] = 0
    for k in range(pv.shape[0]):
        pv[k] = 0.0
    for k in range(nev):
        if ev_drug[k] >= 0:
            pv[k] = pval[k] * scale[r, ev_drug[k]]
        else:
            pv[k] = pval[k]
    y = w[R_Y]
    if y0_mode == 2:
        if Y0.shape[0] > 1:  # (no `r if ... else 0`: a prange index is unsigned and would unify to float)
            for i in range(n):
                y[i] = Y0[r, i]
        else:
            for i in range(n):
                y[i] = Y0[0, i]
    else:
        for i in range(n):
            y[i] = base_state[i]
        initial(p, y)
    sf[SF_T_FAIL] = math.nan
    ok = True
    ss_time[r] = 0.0
    if y0_mode == 1:
        ts = steady_state(p, w, jd, m, mv, piv, dv, n, nonauto, ss_tmax, ss_rel, ss_abs, max_steps, sf, si)
        ss_time[r] = ts
        if ts < 0.0:
            ok = False
            for rr in range(nt):
                for c in range(ncol):
                    buf[rr, c] = math.nan
                if keep_states:
                    for q in range(n):
                        states[rr, q] = math.nan
    if ok:
        ok = integrate(p, w, jd, m, mv, piv, dv, n, nonauto, t_eval, pt, pk, pidx, pv, pmul, pdiv, rtol,
                       atol, hmax, max_steps, land, sf, si, obs_tmp, col_kind, col_index, ncol, buf,
                       states, keep_states) == 0
    for q in range(m_kind.shape[0]):
        if ok:
            metric_out[r, q] = metric_value(m_kind[q], t_eval, buf, m_col[q], nt, m_start[q], m_end[q],
                                            m_time[q], m_thr[q], m_rel[q])
        else:
            metric_out[r, q] = math.nan
    if n_keep > 0:
        for rr in range(nt):
            for c in range(n_keep):
                obs_out[r, rr, c] = buf[rr, c]
    for c in range(N_STATS - 1):
        stats[r, c] = si[c]
    stats[r, N_STATS - 1] = si[SI_STATUS]
    status[r] = si[SI_STATUS]
    t_fail[r] = sf[SF_T_FAIL]


def run_one(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
            ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, n_dv, n_out,
            col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep,
            obs_out, keep_states, states_out, metric_out, status, t_fail, stats, ss_time, sp):
    """Run ``r`` of a batch on the CPU: allocate its work arrays once and call :func:`run_into`.

    ``sp`` is the model's static sparse-LU program (:func:`mtorsim.native.sparse.lu_program`);
    ``n_dv``/``n_out`` size the Jacobian work and the output sample; ``states_out[r]``
    receives the states when ``keep_states``.  See :func:`run_into` for the rest.
    """
    n = base_state.shape[0]
    nt = t_eval.shape[0]
    ncol = col_kind.shape[0]
    nev = pt.shape[0]
    p = np.empty(P.shape[1])
    w = np.empty((N_WORK_ROWS, n))
    jd = np.empty(max(sp[1], 1))
    m = np.empty((n, n))
    mv = np.empty(sp[0] + n)
    piv = np.empty(lu_int_work_size(n) + sp.shape[0], dtype=np.int64)
    dv = np.empty(max(n_dv, 1))
    obs_tmp = np.empty(max(n_out, 1))
    buf = np.empty((nt, max(ncol, 1)))
    sf = np.empty(N_SF)
    si = np.empty(N_SI, dtype=np.int64)
    pv = np.empty(max(nev, 1))
    states = states_out[r] if keep_states else states_out[0]
    run_into(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
             ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, col_kind, col_index,
             m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep, obs_out, metric_out, status,
             t_fail, stats, ss_time, sp, p, w, jd, m, mv, piv, dv, obs_tmp, buf, sf, si, pv, states,
             keep_states)
