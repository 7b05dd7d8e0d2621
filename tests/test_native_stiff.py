"""Native Rodas4 integrator on classic stiff problems, against scipy Radau at tight
tolerance and published reference values; its LU against numpy."""

from __future__ import annotations

import math
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import mtorsim as mt
from mtorsim.dosing import DosingPlan
from mtorsim.native import integrate_native
from mtorsim.native.lu import (
    dense_iteration_matrix,
    lu_factor,
    lu_int_work_size,
    lu_solve,
    sp_factor,
    sp_solve,
)
from mtorsim.native.sparse import lu_program, lu_source, markowitz_order, symbolic_lu

STIFF = Path(__file__).parent / "data" / "models" / "stiff"


@pytest.fixture(scope="module")
def stiff(cache_dir):
    models = {}

    def get(name: str) -> mt.CompiledModel:
        if name not in models:
            models[name] = mt.compile_model(STIFF / f"{name}.yaml", cache_dir=cache_dir)
        return models[name]

    return get


def radau(compiled: mt.CompiledModel, y0: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """scipy Radau at rtol 1e-12 with the analytic Jacobian: the reference solution."""
    p, n = compiled.default_parameters, compiled.n_states

    def f(t, y):
        out = np.empty(n)
        compiled.rhs(t, y, p, out)
        return out

    def jac(t, y):
        J = np.empty((n, n))
        compiled.jac(t, y, p, J)
        return J

    sol = solve_ivp(f, (grid[0], grid[-1]), y0, method="Radau", t_eval=grid, jac=jac, rtol=1e-12, atol=1e-16)
    assert sol.success
    return sol.y.T


# problem, output grid, start state (None: the file's), atol per rtol
CASES = {
    "rober": (np.array([0.0, 0.4, 4.0, 40.0, 400.0, 4e4, 4e6, 4e8, 4e10]), None, 1e-6),
    "hires": (np.linspace(0.0, 321.8122, 9), None, 1.0),
    "vdpol": (np.linspace(0.0, 2.0, 9), np.array([2.0, -0.66]), 1.0),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rtol", [1e-6, 1e-9])
def test_stiff_problem_matches_radau_within_tolerance(stiff, name, rtol):
    grid, y0, atol_factor = CASES[name]
    c = stiff(name)
    start = c.default_state.copy() if y0 is None else y0
    atol = rtol * atol_factor
    ref = radau(c, start, grid)
    run = integrate_native(c, c.default_parameters, DosingPlan.empty(), grid, y0=start, rtol=rtol, atol=atol)
    assert run.status is mt.Status.SUCCESS
    ratio = np.max(np.abs(run.states - ref) / (atol + rtol * np.abs(ref)))
    print(f"{name} rtol={rtol:g}: error / requested tolerance = {ratio:.3g}, steps {run.stats['steps']}")
    assert ratio < 20.0  # a global error of a few local tolerances (ROBER accumulates over 4e10 h)
    assert run.stats["steps"] == run.stats["accepted"] + run.stats["rejected"]
    assert run.stats["nlu"] == run.stats["steps"]


def test_hires_published_reference(stiff):
    """Mazzia & Magherini, Test Set for IVP Solvers: HIRES at t = 321.8122."""
    reference = np.array([0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4,
                          0.1175651343283149e-2, 0.2386356198831331e-2, 0.6238968252742796e-2,
                          0.2849998395185769e-2, 0.2850001604814231e-2])
    c = stiff("hires")
    run = integrate_native(c, c.default_parameters, DosingPlan.empty(), np.array([0.0, 321.8122]),
                           y0=c.default_state.copy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.states[-1], reference, rtol=1e-7)


def test_rober_conserves_mass_and_reaches_published_state(stiff):
    """ROBER keeps y1 + y2 + y3 = 1; at t = 40 (Hairer & Wanner) y1 = 0.7158271, y3 = 0.2841637."""
    c = stiff("rober")
    grid = np.array([0.0, 40.0, 4e10])
    run = integrate_native(c, c.default_parameters, DosingPlan.empty(), grid, y0=c.default_state.copy(),
                           rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(run.states.sum(axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(run.states[1, [0, 2]], [0.7158271, 0.2841637], rtol=2e-7)
    np.testing.assert_allclose(run.states[1, 1], 9.185535e-6, rtol=1e-5)


def test_fewer_steps_at_looser_tolerance_and_dense_output_matches_landing(stiff):
    c = stiff("vdpol")
    grid = np.linspace(0.0, 2.0, 41)
    y0 = np.array([2.0, -0.66])
    p, plan = c.default_parameters, DosingPlan.empty()
    loose = integrate_native(c, p, plan, grid, y0=y0, rtol=1e-4, atol=1e-4)
    tight = integrate_native(c, p, plan, grid, y0=y0, rtol=1e-8, atol=1e-8)
    landed = integrate_native(c, p, plan, grid, y0=y0, rtol=1e-8, atol=1e-8, land_on_outputs=True)
    assert loose.stats["steps"] < tight.stats["steps"] <= landed.stats["steps"]
    ref = radau(c, y0, grid)
    for run in (tight, landed):
        assert np.max(np.abs(run.states - ref) / (1e-8 + 1e-8 * np.abs(ref))) < 10.0


def test_failure_is_typed_with_its_time(stiff):
    c = stiff("rober")
    run = integrate_native(c, c.default_parameters, DosingPlan.empty(), np.array([0.0, 4e10]),
                           y0=c.default_state.copy(), max_steps=20)
    assert run.status is mt.Status.MAX_STEPS
    assert 0.0 < run.t_fail < 4e10
    assert np.isnan(run.states[-1]).all() and np.isfinite(run.states[0]).all()


def test_lu_matches_numpy(rng):
    factor, solve = numba.njit(lu_factor), numba.njit(lu_solve)
    for n in (1, 5, 30):
        a = rng.normal(size=(n, n))
        a[rng.random((n, n)) < 0.5] = 0.0  # sparse, as reaction-network Jacobians
        a += np.diag(rng.uniform(0.1, 1.0, n)) * rng.choice([-1, 1], n)
        b = rng.normal(size=n)
        lu, piv, x = a.copy(), np.zeros(lu_int_work_size(n), dtype=np.int64), b.copy()
        assert factor(lu, piv, n) == 0
        solve(lu, piv, x, n)
        np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-9, atol=1e-12)
    singular = np.zeros((3, 3))
    assert factor(singular, np.zeros(lu_int_work_size(3), dtype=np.int64), 3) == 1


def _static_lu_pairs(program, n):
    """The replay and the generated straight-line pair for one program, both jitted."""
    namespace = {"math": math, "sp_factor": numba.njit(sp_factor), "sp_solve": numba.njit(sp_solve)}
    exec(lu_source(program, n), namespace)  # noqa: S102 - the generated source under test
    return ((numba.njit(sp_factor), numba.njit(sp_solve)),
            (numba.njit(namespace["factor_static"]), numba.njit(namespace["solve_static"])))


@pytest.mark.parametrize("ordered", [False, True])
def test_static_pattern_sparse_lu_matches_numpy(rng, ordered):
    n = 20
    J = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.15)
    rows, cols = (a.astype(np.int64) for a in np.nonzero(J))
    order = markowitz_order(n, rows, cols) if ordered else None
    program = symbolic_lu(n, rows, cols, order)
    assert sorted(program[4 + n + 1 + program[0] + n:][:n]) == list(range(n))  # the order is a permutation
    iw = np.concatenate([np.zeros(lu_int_work_size(n), dtype=np.int64), program])
    inv_hg = 5.0
    b = rng.normal(size=n)
    expected = np.linalg.solve(inv_hg * np.eye(n) - J, b)
    for factor, solve in _static_lu_pairs(program, n):
        values = np.zeros(program[0] + n)
        assert factor(J[rows, cols], inv_hg, iw, n, values) == 0
        x = b.copy()
        solve(iw, values, x, n)
        np.testing.assert_allclose(x, expected, rtol=1e-9, atol=1e-12)
        # a zero pivot is refused (the stepper then factorises densely with partial pivoting)
        assert factor(inv_hg * (rows == cols), inv_hg, iw, n, values) == (
            1 if (rows == cols).any() else 0)
        assert factor(np.full(len(rows), np.nan), inv_hg, iw, n, values) == 1
    m = np.zeros((n, n))
    numba.njit(dense_iteration_matrix)(J[rows, cols], inv_hg, iw, n, m)
    np.testing.assert_array_equal(m, inv_hg * np.eye(n) - J)


def test_markowitz_order_cuts_fill_in_of_the_bundled_model():
    compiled = mt.compile_model("pi3k_akt_mtor")
    n, rows, cols = compiled.n_states, np.asarray(compiled.jac_rows), np.asarray(compiled.jac_cols)
    natural, ordered = symbolic_lu(n, rows, cols), lu_program(n, rows, cols)
    assert ordered[3] < natural[3] / 2  # elimination updates: 259 against 1017
    assert ordered[0] < natural[0]  # non-zeros of the factors
    assert "def factor_static" in lu_source(ordered, n) and "sp_factor(" not in lu_source(ordered, n)
    assert "sp_factor(" in lu_source(ordered, n, limit=10)  # large programs are replayed
