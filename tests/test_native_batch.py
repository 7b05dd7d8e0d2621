"""Native backend on the bundled model: accuracy against scipy Radau at tight tolerance,
``simulate(method="native")``, and the batch engine (threads, failures, metrics, dose scaling,
pre-equilibration)."""

from __future__ import annotations

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.integration.steady_state import find_steady_state
from mtorsim.metrics import evaluate
from mtorsim.native import simulate_batch

DAILY = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=7)
WEEKLY = mt.Regimen.repeat(mt.Dose("everolimus", "70 mg"), every="7 d", count=4)
METRICS = (
    mt.Metric.auc("everolimus_blood_ng_mL"),
    mt.Metric.max("everolimus_blood_ng_mL", start="24 h", end="48 h"),
    mt.Metric.min("pS6K1", relative=True),
    mt.Metric.tmin("pS6K1"),
    mt.Metric.tmax("pAKT_S473", start="2 h"),
    mt.Metric.mean("pAKT_S473", relative=True),
    mt.Metric.value_at("pS6K1", "30.5 h"),
    mt.Metric.time_below("pS6K1", 0.5, relative=True),
    mt.Metric.time_above("everolimus_blood_ng_mL", 5.0, start="12 h", end="60.25 h"),
)


@pytest.fixture(scope="module")
def model(compile_ok):
    return compile_ok("pi3k_akt_mtor")


@pytest.fixture(scope="module")
def start(model):
    """The drug-free steady state, found by scipy (shared start for backend comparisons)."""
    return mt.simulate(model, None, t_eval=[0.0, 1.0], method="Radau", rtol=1e-10, atol=1e-14).states[0]


@pytest.fixture(scope="module")
def perturbed(model):
    rng = np.random.default_rng(7)
    P = np.repeat(model.default_parameters[None, :], 6, axis=0)
    names = ("k_IRS1_pY", "feedback_strength", "ka_eve", "CL_eve", "k_IR_activation")
    for name in names:
        j = model.parameter_index(name)
        P[:, j] *= np.exp(rng.uniform(np.log(0.5), np.log(1.5), size=len(P)))
    return P


@pytest.mark.parametrize(("label", "regimen", "t_end"), [("daily 10 mg", DAILY, 168.0), ("weekly 70 mg", WEEKLY, 672.0)])
def test_bundled_model_matches_radau_at_tight_tolerance(model, start, label, regimen, t_end):
    grid = np.linspace(0.0, t_end, int(t_end) + 1)
    y0 = np.maximum(start, 0.0)
    ref = mt.simulate(model, regimen, t_eval=grid, method="Radau", rtol=1e-10, atol=1e-13, initial=y0)
    rtol, atol = 1e-6, 1e-9
    nat = mt.simulate(model, regimen, t_eval=grid, method="native", rtol=rtol, atol=atol, initial=y0)
    assert nat.method == "native" and nat.success
    assert nat.stats["steps"] == nat.stats["accepted"] + nat.stats["rejected"] > 0
    ratio = np.max(np.abs(nat.states - ref.states) / (atol + rtol * np.abs(ref.states)))
    out_ratio = np.max(np.abs(nat.outputs - ref.outputs) / (atol + rtol * np.abs(ref.outputs)))
    print(f"{label}: native rtol {rtol:g} vs Radau rtol 1e-10: error / tolerance = {ratio:.3g} (states), "
          f"{out_ratio:.3g} (outputs); {nat.stats['steps']} steps, {nat.stats['nfev']} rhs calls")
    assert ratio < 20.0
    assert out_ratio < 20.0


def test_native_steady_state_passes_the_residual_test_and_matches_scipy(model):
    p = model.default_parameters
    res = simulate_batch(model, p[None, :], None, np.array([0.0]), initial="steady_state", progress=False)
    assert res.success.all() and res.steady_state_h[0] > 0
    y_native = res.observables  # outputs at t = 0
    y_scipy, _ = find_steady_state(model, model.initial_state(p), p, mt.SteadyState())
    out_scipy = np.empty(model.n_outputs)
    model.observe(0.0, y_scipy, p, out_scipy)
    np.testing.assert_allclose(y_native[0, 0], out_scipy, rtol=1e-4, atol=1e-9)
    traj = mt.simulate(model, None, t_eval=[0.0, 1.0], method="native")
    f = np.empty(model.n_states)
    model.rhs(0.0, traj.states[0], p, f)
    assert np.all(np.abs(f) <= 1e-10 + 1e-8 * np.abs(traj.states[0]))


def test_threads_give_bit_identical_results(model, perturbed):
    grid = np.linspace(0.0, 72.0, 145)
    kw = dict(metrics=METRICS[:3], progress=False, chunk_size=4)
    one = simulate_batch(model, perturbed, DAILY, grid, n_threads=1, **kw)
    two = simulate_batch(model, perturbed, DAILY, grid, n_threads=2, **kw)
    assert one.success.all()
    assert np.array_equal(one.observables, two.observables)
    assert np.array_equal(one.metrics, two.metrics)
    assert np.array_equal(one.stats, two.stats)
    # runs differ from each other (the parameters matter) but each equals its own single run
    assert not np.allclose(one.metrics[0], one.metrics[1])
    single = mt.simulate(model, DAILY, t_eval=grid, parameters=perturbed[2], method="native")
    np.testing.assert_array_equal(single.outputs, one.observables[2])


def test_a_failing_run_does_not_affect_the_others(model, perturbed):
    grid = np.linspace(0.0, 72.0, 73)
    steps = np.full(len(perturbed), 100_000)
    steps[3] = 5
    ok = simulate_batch(model, perturbed, DAILY, grid, metrics=METRICS[:2], progress=False)
    bad = simulate_batch(model, perturbed, DAILY, grid, metrics=METRICS[:2], progress=False, max_steps=steps)
    assert bad.statuses()[3] is mt.Status.NO_STEADY_STATE  # 5 steps cannot pre-equilibrate
    assert np.isnan(bad.metrics[3]).all() and np.isnan(bad.observables[3]).all()
    others = np.arange(len(perturbed)) != 3
    assert bad.success[others].all()
    np.testing.assert_array_equal(bad.observables[others], ok.observables[others])
    np.testing.assert_array_equal(bad.metrics[others], ok.metrics[others])
    y0 = model.default_state  # from the initial values: no pre-equilibration, so steps run out later
    late = simulate_batch(model, perturbed[:2], DAILY, grid, initial=y0, max_steps=np.array([100_000, 40]),
                          progress=False)
    assert late.statuses() == [mt.Status.SUCCESS, mt.Status.MAX_STEPS]
    assert 0.0 < late.t_fail[1] < 72.0 and np.isnan(late.t_fail[0])
    failed_rows = late.observables[1, :, 0]
    assert np.isfinite(failed_rows[0]) and np.isnan(failed_rows[-1])


def test_metrics_equal_metrics_evaluate_on_the_same_grid(model, perturbed):
    grid = np.concatenate([np.linspace(0.0, 72.0, 97), [72.0, 80.0]])  # a repeated time too
    res = simulate_batch(model, perturbed[:3], DAILY, grid, metrics=METRICS, progress=False,
                         keep_outputs=False)
    assert res.observables is None
    for i in range(3):
        traj = mt.simulate(model, DAILY, t_eval=grid, parameters=perturbed[i], method="native")
        expected = [evaluate(m, traj) for m in METRICS]
        np.testing.assert_allclose(res.metrics[i], expected, rtol=1e-12, atol=1e-12)


def test_dose_scale_equals_a_scaled_regimen(model, perturbed):
    grid = np.linspace(0.0, 48.0, 49)
    P = perturbed[:2]
    scaled = simulate_batch(model, P, DAILY, grid, dose_scale=np.array([2.0, 0.0]), progress=False)
    double = mt.Regimen.repeat(mt.Dose("everolimus", "20 mg"), every="24 h", count=7)
    for i, regimen in enumerate((double, None)):
        traj = mt.simulate(model, regimen, t_eval=grid, parameters=P[i], method="native")
        np.testing.assert_allclose(scaled.observables[i], traj.outputs, rtol=1e-8, atol=1e-12)


def test_native_batch_matches_scipy_metrics(model, perturbed):
    grid = np.linspace(0.0, 72.0, 145)
    res = simulate_batch(model, perturbed[:2], DAILY, grid, metrics=METRICS, progress=False,
                         rtol=1e-8, atol=1e-11, keep_outputs=False)
    for i in range(2):
        traj = mt.simulate(model, DAILY, t_eval=grid, parameters=perturbed[i], method="BDF", rtol=1e-8, atol=1e-11)
        expected = np.array([evaluate(m, traj) for m in METRICS])
        np.testing.assert_allclose(res.metrics[i], expected, rtol=2e-4, atol=1e-3)
