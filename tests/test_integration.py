"""simulate(): analytic oracles, backends against each other, conservation, failures."""

from __future__ import annotations

import numpy as np
import pytest

import mtorsim as mt

METHODS = ["BDF", "Radau", "LSODA"]


@pytest.mark.parametrize("method", METHODS)
def test_first_order_decay_matches_exponential(compile_ok, method):
    compiled = compile_ok("decay")
    t = np.linspace(0, 20, 41)
    traj = mt.simulate(compiled, t_eval=t, method=method, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(traj["A"], 100.0 * np.exp(-0.3 * t), rtol=1e-7)
    np.testing.assert_allclose(traj["A_fraction"], np.exp(-0.3 * t), rtol=1e-7)


def test_reversible_reaction_reaches_kf_over_kr(compile_ok):
    compiled = compile_ok("reversible")
    traj = mt.simulate(compiled, t_end="5 h", rtol=1e-10, atol=1e-12)
    kf, kr = 0.02 * 3600, 3 * 60
    assert traj["ratio"][-1] == pytest.approx(kf / kr, rel=1e-8)
    # relaxation is exponential with rate kf + kr towards the equilibrium split
    A_eq = 1000.0 * kr / (kf + kr)
    expected = A_eq + (1000.0 - A_eq) * np.exp(-(kf + kr) * traj.t)
    np.testing.assert_allclose(traj["A"], expected, rtol=1e-7, atol=1e-9)


def _bateman(t, dose_nmol, F, ka, CL, V, times):
    ke = CL / V
    c = np.zeros_like(t)
    for td in times:
        dt = t - td
        on = dt >= 0
        c[on] += F * dose_nmol / V * ka / (ka - ke) * (np.exp(-ke * dt[on]) - np.exp(-ka * dt[on]))
    return c


def test_single_oral_dose_matches_bateman(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    t = np.linspace(0, 72, 289)
    traj = mt.simulate(compiled, mt.Dose("testdrug", "100 mg"), t_eval=t, rtol=1e-10, atol=1e-12)
    expected = _bateman(t, 100e6 / 500, 0.8, 1.2, 10.0, 50.0, [0.0])
    np.testing.assert_allclose(traj["drug_central"], expected, rtol=1e-7, atol=1e-9 * expected.max())
    # nM x 500 g/mol = 500 ng/L = 0.5 ng/mL per nM
    np.testing.assert_allclose(traj["conc_ng_mL"], expected * 0.5, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_repeated_doses_equal_superposition(compile_ok, method):
    compiled = compile_ok("pk_oral_1cpt")
    regimen = mt.Regimen.repeat(mt.Dose("testdrug", "100 mg"), every="12 h", count=6)
    t = np.linspace(0, 96, 385)  # includes dose times: right-continuous output
    traj = mt.simulate(compiled, regimen, t_eval=t, method=method, rtol=1e-10, atol=1e-12)
    expected = _bateman(t, 100e6 / 500, 0.8, 1.2, 10.0, 50.0, regimen.times)
    np.testing.assert_allclose(traj["drug_central"], expected, rtol=2e-6, atol=1e-8 * expected.max())
    assert traj.stats["segments"] == 6  # one solve_ivp call per inter-dose interval


def test_iv_bolus_is_visible_at_the_dose_time(compile_ok):
    compiled = compile_ok("two_compartment_iv")
    traj = mt.simulate(compiled, mt.Dose("testdrug", "4 mg", "iv", time="2 h"), t_eval=[0, 1, 2, 3])
    dose_nmol = 4e6 / 400
    assert traj["C1"][1] == 0.0
    assert traj["C1"][2] == pytest.approx(dose_nmol / 20.0)  # after the dose at t = 2 h


def test_infusion_delivers_the_dose_and_stops(compile_ok):
    compiled = compile_ok("two_compartment_iv")
    dose = mt.Dose("testdrug", "4 mg", "iv", duration="1 h")
    traj = mt.simulate(compiled, dose, t_end="400 h", n_points=801, rtol=1e-10, atol=1e-12)
    dose_nmol = 4e6 / 400
    amounts = 20.0 * traj["C1"] + 150.0 * traj["C2"] + traj["eliminated"]
    after = traj.t >= 1.0
    np.testing.assert_allclose(amounts[after], dose_nmol, rtol=1e-8)
    during = traj.t <= 1.0
    np.testing.assert_allclose(amounts[during], dose_nmol * traj.t[during], rtol=1e-6, atol=1e-6)


def test_conservation_laws_hold_along_trajectories(compile_ok):
    for name, regimen in (("enzyme", None),
                          ("rapalog_minimal", mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=3))):
        compiled = compile_ok(name)
        traj = mt.simulate(compiled, regimen, t_end="72 h", n_points=300, rtol=1e-10, atol=1e-12,
                           initial="initial_values")
        laws = compiled.network.conservation_laws
        assert laws
        for law in laws:
            total = law.total(traj.states, compiled.state_names)
            np.testing.assert_allclose(total, total[0], rtol=1e-9, atol=1e-9 * np.abs(total).max())


def test_backends_agree_on_the_bundled_example(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    regimen = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=7)
    ref = mt.simulate(compiled, regimen, t_end="7 d", n_points=169, method="Radau", rtol=1e-11, atol=1e-13)
    for method in ("BDF", "LSODA"):
        traj = mt.simulate(compiled, regimen, t_end="7 d", n_points=169, method=method, rtol=1e-8, atol=1e-11)
        for name in ("everolimus_blood_ng_mL", "pS6K1", "mTORC1_activity"):
            np.testing.assert_allclose(traj[name], ref[name], rtol=1e-5, atol=1e-7, err_msg=f"{method} {name}")


def test_stiffness_guard_on_the_bundled_example(compile_ok):
    """A lost or wrong Jacobian shows up as many more evaluations (scipy's Robertson guard)."""
    compiled = compile_ok("rapalog_minimal")
    regimen = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=28)
    traj = mt.simulate(compiled, regimen, t_end="28 d", n_points=673, method="BDF")
    # measured: nfev 14 338, njev 315 over 28 segments (scipy 1.17, rtol 1e-6, atol 1e-9)
    assert traj.stats["nfev"] < 19_000
    assert traj.stats["njev"] < 420


def test_steady_state_start(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    traj = mt.simulate(compiled, t_end="24 h", n_points=5)  # model file says start: steady_state
    out = np.empty(compiled.n_states)
    compiled.rhs(0.0, traj.states[0], traj.parameters, out)
    assert np.all(np.abs(out) <= 1e-6 * (1 + np.abs(traj.states[0])))
    np.testing.assert_allclose(traj.states[-1], traj.states[0], rtol=1e-6, atol=1e-9)
    # analytic steady state of S6K1 phosphorylation with all mTORC1 free
    kcat, kd, M = 0.5 * 60, 2 * 60, 10.0
    assert traj["pS6K1"][0] == pytest.approx(kcat * M / (kcat * M + kd), rel=1e-6)


def test_steady_state_search_falls_back_when_a_method_loses_its_path(compile_ok, monkeypatch):
    """A BDF path that meets a non-finite derivative (scipy accepts a NaN error norm after a
    Newton overflow) is retried with Radau, which finds the same steady state."""
    from mtorsim.integration import steady_state

    compiled = compile_ok("rapalog_minimal")
    p = compiled.parameters()
    y0 = compiled.initial_state(p)
    reference, info = steady_state.find_steady_state(compiled, y0, p, mt.SteadyState())
    assert info["method"] == "BDF"
    real = steady_state.solve_segment

    def bdf_overflows(fun, *args, method, **kwargs):
        if method == "BDF":  # every state overflowed, as after the accepted NaN step
            return real(lambda t, y: fun(t, y * np.inf), *args, method=method, **kwargs)
        return real(fun, *args, method=method, **kwargs)

    monkeypatch.setattr(steady_state, "solve_segment", bdf_overflows)
    y_ss, info = steady_state.find_steady_state(compiled, y0, p, mt.SteadyState())
    assert info["method"] == "Radau"
    np.testing.assert_allclose(y_ss, reference, rtol=1e-5, atol=1e-9)


def test_no_steady_state_names_each_method_and_stays_typed(compile_ok):
    compiled = compile_ok("decay")  # 100 nM decaying at 0.3/h is still moving after 1 h
    with pytest.raises(mt.IntegrationError) as info:
        mt.simulate(compiled, t_end="2 h", initial=mt.SteadyState(t_max="1 h"))
    assert info.value.status is mt.Status.NO_STEADY_STATE
    for method in ("BDF", "Radau", "LSODA"):
        assert f"{method}: no steady state within 1 h" in str(info.value)


def test_variants_and_parameter_overrides(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    regimen = mt.Regimen.in_vitro("everolimus", "20 nM")
    wild = mt.simulate(compiled, regimen, t_end="24 h", n_points=25)
    mutant = mt.simulate(compiled, regimen, t_end="24 h", n_points=25, variant="frb_mutant")
    assert wild["pS6K1"][-1] < 0.2 * wild["pS6K1"][0]
    assert mutant["pS6K1"][-1] > 0.8 * mutant["pS6K1"][0]
    same = mt.simulate(compiled, regimen, t_end="24 h", n_points=25, parameters={"Kd_FRB": "12 uM"})
    np.testing.assert_allclose(same["pS6K1"], mutant["pS6K1"], rtol=1e-6)
    with pytest.raises(ValueError, match="derived"):
        compiled.parameters({"koff_FRB": 1.0})
    with pytest.raises(mt.UnitError, match="Kd_FRB"):
        compiled.parameters({"Kd_FRB": "3 h"})


def test_failed_integration_raises_or_records(compile_ok):
    compiled = compile_ok("decay")
    # a huge negative rate constant makes the state explode
    with pytest.raises(mt.IntegrationError) as info:
        mt.simulate(compiled, t_end="100 h", parameters={"k": -1e6}, initial="initial_values")
    err = info.value
    assert err.status in (mt.Status.NON_FINITE, mt.Status.STEP_TOO_SMALL)
    assert 0.0 <= err.t_fail < 100.0 and err.remedy
    traj = mt.simulate(compiled, t_end="100 h", parameters={"k": -1e6}, raise_on_failure=False)
    assert not traj.success and traj.status is err.status
    assert np.isnan(traj["A"][-1]) and np.isfinite(traj["A"][0])


def test_bad_arguments_name_the_argument(compile_ok):
    compiled = compile_ok("decay")
    with pytest.raises(mt.UnitError, match="t_end"):
        mt.simulate(compiled, t_end="10 mg")
    with pytest.raises(ValueError, match="t_eval"):
        mt.simulate(compiled, t_eval=[3, 2, 1])
    with pytest.raises(ValueError, match="method"):
        mt.simulate(compiled, t_end=1, method="Euler")
    with pytest.raises(mt.UnknownNameError, match="did you mean 'k'"):
        mt.simulate(compiled, t_end=1, parameters={"kk": 1.0})


def test_failure_before_the_first_output_time_is_recorded(compile_ok):
    # no output time lies between the start and the failure: solve_ivp returns no samples at all
    compiled = compile_ok("decay")
    traj = mt.simulate(compiled, t_eval=[0.0, 100.0], parameters={"k": -1e6},
                       initial="initial_values", raise_on_failure=False)
    assert not traj.success and traj.status in (mt.Status.NON_FINITE, mt.Status.STEP_TOO_SMALL)
    assert np.isfinite(traj["A"][0]) and np.isnan(traj["A"][1])


def test_hill_jacobian_is_finite_at_zero(compile_ok):
    # d/dP of P^n/(K^n + P^n) is n P^(n-1)/(...) - ...: finite (0) at P = 0 for n > 1, not 0/0
    compiled = compile_ok("michaelis_menten")
    y = compiled.initial_state(compiled.default_parameters)
    assert y[compiled.state_index("P")] == 0.0
    J = np.zeros((compiled.n_states, compiled.n_states))
    compiled.jac(0.0, y, compiled.default_parameters.copy(), J)
    assert np.isfinite(J).all()
    traj = mt.simulate(compiled, t_end="20 h", initial="initial_values")
    assert traj.success
