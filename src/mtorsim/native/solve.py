"""One run, compiled: initial state, optional pre-equilibration, the dosed integration
with outputs on a grid, and the run's metric reductions.

Everything below works on arrays and scalars only and reaches the model through
the module-global names of :mod:`._slots`, like the stepper.  :func:`run_one`
allocates its work arrays once per run (never per step); a CUDA port replaces
those ``np.empty`` calls with ``cuda.local.array`` of the model's fixed sizes and
keeps the rest.
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


def steady_state(p, w, jm, m, piv, dv, n, nonauto, t_max, rel, abs_tol, max_steps, sf, si):
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
        r = attempt_step(t_max, p, w, jm, m, piv, dv, n, nonauto, SS_RTOL, SS_ATOL, math.inf,
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


def integrate(p, w, jm, m, piv, dv, n, nonauto, t_eval, pt, pk, pidx, pval, pmul, pdiv, rtol, atol,
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
            r = attempt_step(stop, p, w, jm, m, piv, dv, n, nonauto, rtol, atol, hmax, max_steps, sf, si)
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


def run_one(r, P, scale, ev_drug, pt, pk, pidx, pval, pmul, pdiv, t_eval, y0_mode, Y0, base_state,
            ss_tmax, ss_rel, ss_abs, rtol, atol, hmax, max_steps, nonauto, land, n_dv, n_out,
            col_kind, col_index, m_kind, m_col, m_start, m_end, m_time, m_thr, m_rel, n_keep,
            obs_out, keep_states, states_out, metric_out, status, t_fail, stats, ss_time):
    """Run ``r`` of a batch, writing its row of every output array.

    ``y0_mode``: 0 the model's initial values, 1 the drug-free steady state reached
    from them, 2 the state ``Y0[r]`` (or ``Y0[0]`` when ``Y0`` has one row).
    ``scale[r, ev_drug[k]]`` multiplies event ``k``'s value (``ev_drug[k] < 0``: not scaled).
    """
    n = base_state.shape[0]
    nt = t_eval.shape[0]
    ncol = col_kind.shape[0]
    nev = pt.shape[0]
    p = P[r].copy()
    derive(p)
    w = np.zeros((N_WORK_ROWS, n))
    jm = np.zeros((n, n))
    m = np.zeros((n, n))
    piv = np.zeros(lu_int_work_size(n), dtype=np.int64)
    dv = np.zeros(max(n_dv, 1))
    obs_tmp = np.zeros(max(n_out, 1))
    buf = np.empty((nt, max(ncol, 1)))
    sf = np.zeros(N_SF)
    si = np.zeros(N_SI, dtype=np.int64)
    pv = np.empty(nev)
    for k in range(nev):
        if ev_drug[k] >= 0:
            pv[k] = pval[k] * scale[r, ev_drug[k]]
        else:
            pv[k] = pval[k]
    y = w[R_Y]
    if y0_mode == 2:
        row = r - r  # zero of r's integer type
        if Y0.shape[0] > 1:
            row = r
        for i in range(n):
            y[i] = Y0[row, i]
    else:
        for i in range(n):
            y[i] = base_state[i]
        initial(p, y)
    sf[SF_T_FAIL] = math.nan
    states = states_out[r] if keep_states else states_out[0]
    ok = True
    ss_time[r] = 0.0
    if y0_mode == 1:
        ts = steady_state(p, w, jm, m, piv, dv, n, nonauto, ss_tmax, ss_rel, ss_abs, max_steps, sf, si)
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
        ok = integrate(p, w, jm, m, piv, dv, n, nonauto, t_eval, pt, pk, pidx, pv, pmul, pdiv, rtol,
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
