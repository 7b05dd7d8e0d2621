"""Rodas4: a 6-stage, order-4(3), L-stable, stiffly accurate Rosenbrock method with
dense output of order 3 (Hairer & Wanner, *Solving ODEs II*, section IV.7; the
coefficients of their RODAS code).

Plain functions over preallocated float64 arrays: no allocation, no Python
objects, no exceptions, so they compile with ``numba.njit`` and as CUDA device
functions.  The model is reached through the module-global names ``rhs``,
``jac_sparse_work`` and its generated sparse LU ``factor_static``/``solve_static``
(see :mod:`._slots` and :mod:`.sparse`).

Each step solves, for stages ``i = 1..6``::

    (I/(h·γ) - J) k_i = f(t + c_i h, y + Σ_j a_ij k_j) + Σ_j (C_ij / h) k_j + h d_i ∂f/∂t

with ``J = ∂f/∂y(t, y)``; the new state is ``y + Σ a_6j k_j + k_6`` (stages 5 and 6
are evaluated at ``t + h``), ``k_6`` is the local error estimate of the embedded
order-3 solution, and ``y(t + θh) = (1-θ) y0 + θ (y1 + (1-θ)(q1 + θ q2))`` with
``q1 = Σ h_2j k_j`` and ``q2 = Σ h_3j k_j``.

Work array ``w`` (shape ``(N_WORK_ROWS, n)``) rows are named by the ``R_*``
constants; scalar state of the stepper lives in two small arrays, ``sf`` (float)
and ``si`` (int), indexed by ``SF_*`` / ``SI_*``.
"""

from __future__ import annotations

import math

from ._slots import factor_static, jac_sparse_work, rhs, solve_static
from .lu import dense_iteration_matrix, lu_factor, lu_solve

# ---------------------------------------------------------------- tableau (RODAS, METH=1)
GAMMA = 0.25
A21 = 1.544
A31 = 0.9466785280815826
A32 = 0.2557011698983284
A41 = 3.314825187068521
A42 = 2.896124015972201
A43 = 0.9986419139977817
A51 = 1.221224509226641
A52 = 6.019134481288629
A53 = 12.53708332932087
A54 = -0.6878860361058950
C21 = -5.6688
C31 = -2.430093356833875
C32 = -0.2063599157091915
C41 = -0.1073529058151375
C42 = -9.594562251023355
C43 = -20.47028614809616
C51 = 7.496443313967647
C52 = -10.24680431464352
C53 = -33.99990352819905
C54 = 11.70890893206160
C61 = 8.083246795921522
C62 = -7.981132988064893
C63 = -31.52159432874371
C64 = 16.31930543123136
C65 = -6.058818238834054
CC2 = 0.386
CC3 = 0.21
CC4 = 0.63
D1 = 0.25
D2 = -0.1043
D3 = 0.1035
D4 = -0.03620000000000023
H21 = 10.12623508344586
H22 = -7.487995877610167
H23 = -34.80091861555747
H24 = -7.992771707568823
H25 = 1.025137723295662
H31 = -0.6762803392801253
H32 = 6.087714651680015
H33 = 16.43084320892478
H34 = 24.76722511418386
H35 = -6.594389125716872

#: Order of the embedded (error-estimating) solution + 1: the step-size exponent.
ERROR_ORDER = 4.0

# ---------------------------------------------------------------- work-array layout
R_Y = 0       # current state
R_YNEW = 1    # proposed state
R_F0 = 2      # f(t, y)
R_U = 3       # stage argument
R_DU = 4      # stage derivative
R_DT = 5      # ∂f/∂t (non-autonomous models only)
R_K1 = 6      # k1..k6 in rows 6..11 (k6 is the error estimate)
R_Q1 = 12     # dense-output coefficients
R_Q2 = 13
R_TMP = 14    # scratch (dense output, finite differences)
N_WORK_ROWS = 15

SF_T = 0        # current time
SF_H = 1        # next step size (0: guess one; negative: at most -h and the guess)
SF_ERR_PREV = 2  # previous accepted error norm (PI controller)
SF_T_OLD = 3    # start of the last accepted step
SF_H_USED = 4   # size of the last accepted step
SF_T_FAIL = 5
N_SF = 6

SI_STEPS = 0     # attempted steps (all phases)
SI_ACCEPTED = 1
SI_REJECTED = 2
SI_NFEV = 3
SI_NJEV = 4
SI_NLU = 5
SI_FRESH = 6     # f0 and J must be (re)computed at (t, y)
SI_STATUS = 7
SI_LAST_REJECTED = 8
SI_NON_FINITE = 9  # the last rejection was a non-finite stage
SI_PHASE_STEPS = 10  # attempted steps in the current phase (against max_steps)
N_SI = 11

# status codes: the values of mtorsim.errors.Status
ST_SUCCESS = 0
ST_MAX_STEPS = 1
ST_STEP_TOO_SMALL = 2
ST_NON_FINITE = 3
ST_NO_STEADY_STATE = 4

# step-size control: a PI controller h_new = h * PI_SAFETY * err^-PI_ALPHA * err_prev^PI_BETA
# (Gustafsson's gains).  At a constant error e it settles where PI_SAFETY * e^-(PI_ALPHA-PI_BETA) = 1;
# PI_SAFETY = 0.97 puts that at e ~ 0.67, where an I controller with the classic safety 0.9 settles
# (0.9 would aim at e ~ 0.25 and take ~25 % more steps than needed).  Rejections use 0.9 err^-1/4.
SAFETY = 0.9
PI_SAFETY = 0.97
FAC_MIN = 0.2
FAC_MAX = 6.0
PI_ALPHA = 0.7 / ERROR_ORDER
PI_BETA = 0.4 / ERROR_ORDER


def all_finite(x, n):
    s = 0.0
    for i in range(n):
        s += x[i] * 0.0
    return s == 0.0


def rms_norm(x, y, rtol, atol, n):
    """Root-mean-square of ``x / (atol + rtol |y|)``."""
    s = 0.0
    for i in range(n):
        e = x[i] / (atol + rtol * abs(y[i]))
        s += e * e
    return math.sqrt(s / n)


def error_norm(err, y, ynew, rtol, atol, n):
    """Root-mean-square of ``err / (atol + rtol max(|y|, |ynew|))`` (Hairer's norm)."""
    s = 0.0
    for i in range(n):
        e = err[i] / (atol + rtol * max(abs(y[i]), abs(ynew[i])))
        s += e * e
    return math.sqrt(s / n)


def prepare(t, p, w, jd, dv, n, nonauto):
    """``f(t, y)``, ``J(t, y)`` (its non-zeros, into ``jd``) and, for non-autonomous
    models, ``∂f/∂t``; False if not finite."""
    y = w[R_Y]
    f0 = w[R_F0]
    rhs(t, y, p, f0)
    if not all_finite(f0, n):
        return False
    jac_sparse_work(t, y, p, jd, dv)
    if nonauto:
        delta = math.sqrt(2.220446049250313e-16) * max(abs(t), 1.0)
        tmp = w[R_TMP]
        rhs(t + delta, y, p, tmp)
        dT = w[R_DT]
        for i in range(n):
            dT[i] = (tmp[i] - f0[i]) / delta
    return True


def initial_step(t, p, w, rtol, atol, n):
    """Hairer's starting step (``hinit``): ``0.01 ||y|| / ||f||`` refined by an estimate of
    the second derivative from one explicit Euler step (one extra ``rhs`` call)."""
    d0 = rms_norm(w[R_Y], w[R_Y], rtol, atol, n)
    d1 = rms_norm(w[R_F0], w[R_Y], rtol, atol, n)
    h0 = 1e-6
    if d0 >= 1e-5 and d1 >= 1e-5:
        h0 = 0.01 * d0 / d1
    y = w[R_Y]
    f0 = w[R_F0]
    u = w[R_U]
    du = w[R_DU]
    for i in range(n):
        u[i] = y[i] + h0 * f0[i]
    rhs(t + h0, u, p, du)
    for i in range(n):
        u[i] = (du[i] - f0[i]) / h0
    d2 = rms_norm(u, y, rtol, atol, n)
    if not (d2 == d2):
        return h0
    dmax = max(d1, d2)
    if dmax <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / dmax) ** (1.0 / ERROR_ORDER)
    return min(100.0 * h0, h1)


def _stage_rhs(t, p, w, n):
    rhs(t, w[R_U], p, w[R_DU])


def rodas4_step(t, h, p, w, jd, m, mv, piv, n, nonauto):
    """One Rodas4 step of size ``h`` from ``(t, w[R_Y])``.

    Needs ``w[R_F0]``, ``jd`` (and ``w[R_DT]``) from :func:`prepare` at ``(t, y)``.
    Writes the new state to ``w[R_YNEW]``, the error estimate to ``k6`` and the
    dense-output coefficients to ``w[R_Q1]``, ``w[R_Q2]``.
    The iteration matrix is factored into ``mv`` (the sparse factors' values, a
    flat array of at least ``nnz + n`` entries, separate from ``m`` so that a strided
    per-thread view works on the GPU) or, on the dense fallback, into ``m``.

    Returns
    -------
    int
        0 success, 1 singular iteration matrix, 2 non-finite stage.
    """
    inv_hg = 1.0 / (h * GAMMA)
    mode = 0
    if factor_static(jd, inv_hg, piv, n, mv) != 0:  # a small diagonal pivot: dense, partial pivoting
        mode = 1
        dense_iteration_matrix(jd, inv_hg, piv, n, m)
        if lu_factor(m, piv, n) != 0:
            return 1
    y = w[R_Y]
    f0 = w[R_F0]
    dT = w[R_DT]
    u = w[R_U]
    du = w[R_DU]
    k1 = w[R_K1]
    k2 = w[R_K1 + 1]
    k3 = w[R_K1 + 2]
    k4 = w[R_K1 + 3]
    k5 = w[R_K1 + 4]
    k6 = w[R_K1 + 5]
    ih = 1.0 / h
    # stage 1
    for i in range(n):
        k1[i] = f0[i]
        if nonauto:
            k1[i] += h * D1 * dT[i]
    linear_solve(mode, m, mv, piv, k1, n)
    # stage 2
    for i in range(n):
        u[i] = y[i] + A21 * k1[i]
    _stage_rhs(t + CC2 * h, p, w, n)
    for i in range(n):
        k2[i] = du[i] + (C21 * ih) * k1[i]
        if nonauto:
            k2[i] += h * D2 * dT[i]
    linear_solve(mode, m, mv, piv, k2, n)
    # stage 3
    for i in range(n):
        u[i] = y[i] + A31 * k1[i] + A32 * k2[i]
    _stage_rhs(t + CC3 * h, p, w, n)
    for i in range(n):
        k3[i] = du[i] + ih * (C31 * k1[i] + C32 * k2[i])
        if nonauto:
            k3[i] += h * D3 * dT[i]
    linear_solve(mode, m, mv, piv, k3, n)
    # stage 4
    for i in range(n):
        u[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
    _stage_rhs(t + CC4 * h, p, w, n)
    for i in range(n):
        k4[i] = du[i] + ih * (C41 * k1[i] + C42 * k2[i] + C43 * k3[i])
        if nonauto:
            k4[i] += h * D4 * dT[i]
    linear_solve(mode, m, mv, piv, k4, n)
    # stage 5 (at t + h)
    for i in range(n):
        u[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
    _stage_rhs(t + h, p, w, n)
    for i in range(n):
        k5[i] = du[i] + ih * (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i])
    linear_solve(mode, m, mv, piv, k5, n)
    # stage 6 (embedded solution u + k5 at t + h)
    for i in range(n):
        u[i] = u[i] + k5[i]
    _stage_rhs(t + h, p, w, n)
    for i in range(n):
        k6[i] = du[i] + ih * (C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i])
    linear_solve(mode, m, mv, piv, k6, n)
    ynew = w[R_YNEW]
    q1 = w[R_Q1]
    q2 = w[R_Q2]
    for i in range(n):
        ynew[i] = u[i] + k6[i]
        q1[i] = H21 * k1[i] + H22 * k2[i] + H23 * k3[i] + H24 * k4[i] + H25 * k5[i]
        q2[i] = H31 * k1[i] + H32 * k2[i] + H33 * k3[i] + H34 * k4[i] + H35 * k5[i]
    if not all_finite(ynew, n):
        return 2
    return 0


def linear_solve(mode, m, mv, piv, b, n):
    """Solve with the factors of this step: sparse (``mode`` 0) or dense (1)."""
    if mode == 0:
        solve_static(piv, mv, b, n)
    else:
        lu_solve(m, piv, b, n)


def dense_output(theta, w, out, n):
    """State at ``t_old + θ h`` of the last step (``θ`` in [0, 1]) into ``out``."""
    y0 = w[R_Y]
    y1 = w[R_YNEW]
    q1 = w[R_Q1]
    q2 = w[R_Q2]
    th1 = 1.0 - theta
    for i in range(n):
        out[i] = th1 * y0[i] + theta * (y1[i] + th1 * (q1[i] + theta * q2[i]))


def attempt_step(t1, p, w, jd, m, mv, piv, dv, n, nonauto, rtol, atol, hmax, max_steps, sf, si):
    """Try one step towards ``t1`` (landing on it exactly when it is within reach).

    Returns
    -------
    int
        1 accepted (``w[R_YNEW]`` holds the state at ``sf[SF_T]``; the caller copies it
        into ``w[R_Y]`` after using the dense output), 0 rejected (try again),
        -1 failed (``si[SI_STATUS]`` and ``sf[SF_T_FAIL]`` say why and when).
    """
    t = sf[SF_T]
    if si[SI_PHASE_STEPS] >= max_steps:
        si[SI_STATUS] = ST_MAX_STEPS
        sf[SF_T_FAIL] = t
        return -1
    if si[SI_FRESH] != 0:
        si[SI_NFEV] += 2 if nonauto else 1
        si[SI_NJEV] += 1
        if not prepare(t, p, w, jd, dv, n, nonauto):
            si[SI_STATUS] = ST_NON_FINITE
            sf[SF_T_FAIL] = t
            return -1
        si[SI_FRESH] = 0
        if sf[SF_H] <= 0.0:
            si[SI_NFEV] += 1
            guess = initial_step(t, p, w, rtol, atol, n)
            if sf[SF_H] < 0.0:
                guess = min(guess, -sf[SF_H])
            sf[SF_H] = guess
    h = sf[SF_H]
    if h > hmax:
        h = hmax
    span = t1 - t
    last = False
    if h * 1.01 >= span:
        h = span
        last = True
    if h <= 16.0 * 2.220446049250313e-16 * abs(t) or h <= 0.0:
        si[SI_STATUS] = ST_NON_FINITE if si[SI_NON_FINITE] != 0 else ST_STEP_TOO_SMALL
        sf[SF_T_FAIL] = t
        return -1
    code = rodas4_step(t, h, p, w, jd, m, mv, piv, n, nonauto)
    si[SI_STEPS] += 1
    si[SI_PHASE_STEPS] += 1
    si[SI_NLU] += 1
    si[SI_NFEV] += 5
    err = 0.0
    if code == 0:
        err = error_norm(w[R_K1 + 5], w[R_Y], w[R_YNEW], rtol, atol, n)
        if not (err == err) or err > 1e300:
            code = 2
    if code != 0:  # singular matrix or non-finite stage: a much smaller step
        si[SI_REJECTED] += 1
        si[SI_LAST_REJECTED] = 1
        si[SI_NON_FINITE] = 1 if code == 2 else 0
        sf[SF_H] = 0.25 * h
        return 0
    if err <= 1.0:
        e = max(err, 1e-10)
        fac = PI_SAFETY * e ** (-PI_ALPHA) * sf[SF_ERR_PREV] ** PI_BETA
        fac = min(FAC_MAX, max(FAC_MIN, fac))
        if si[SI_LAST_REJECTED] != 0:
            fac = min(fac, 1.0)
        sf[SF_ERR_PREV] = max(err, 1e-4)
        sf[SF_T_OLD] = t
        sf[SF_H_USED] = h
        sf[SF_T] = t1 if last else t + h
        sf[SF_H] = h * fac
        si[SI_ACCEPTED] += 1
        si[SI_LAST_REJECTED] = 0
        si[SI_NON_FINITE] = 0
        si[SI_FRESH] = 1
        return 1
    fac = max(FAC_MIN, SAFETY * err ** (-1.0 / ERROR_ORDER))
    si[SI_REJECTED] += 1
    si[SI_LAST_REJECTED] = 1
    si[SI_NON_FINITE] = 0
    sf[SF_H] = h * fac
    return 0


def accept_state(w, n):
    """Make the accepted ``w[R_YNEW]`` the current state."""
    y = w[R_Y]
    ynew = w[R_YNEW]
    for i in range(n):
        y[i] = ynew[i]
