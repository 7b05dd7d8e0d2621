"""Tumour growth in vivo: RK4 volumes against analytic and reference solutions, calipers, TGI/T-C, cohorts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import mtorsim as mt
from mtorsim.growth import (
    GrowthCoupling,
    TumourModel,
    caliper_measurements,
    run_tumour_study,
    t_over_c,
    tgi,
    tumour_volume,
    virtual_cohort,
)

DAYS = 28


@pytest.fixture(scope="module")
def model(compile_ok):
    return compile_ok("pi3k_akt_mtor")


def _daily(dose="5 mg/kg"):
    return mt.Regimen.repeat(mt.Dose("everolimus", dose, route="oral"), every="24 h", count=DAYS)


@pytest.fixture(scope="module")
def everolimus_daily(model):
    return mt.simulate(model, _daily(), t_end=f"{DAYS} d", n_points=DAYS * 24 + 1, variant="mouse",
                       body_weight="25 g")


@pytest.fixture(scope="module")
def study(model):
    tem = mt.Regimen.repeat(mt.Dose("temsirolimus", "20 mg/kg", route="ip"), every="24 h", count=DAYS)
    weekly = mt.Regimen.repeat(mt.Dose("everolimus", "35 mg/kg", route="oral"), every="7 d", count=4)
    arms = {"temsirolimus 20 mg/kg i.p. daily": tem, "everolimus 5 mg/kg daily": _daily(),
            "everolimus 35 mg/kg weekly": weekly}
    return run_tumour_study(arms, virtual_cohort(60, seed=3), days=DAYS, signalling=model)


def test_untreated_exponential_phase_is_exact(model):
    traj = mt.simulate(model, None, t_end="20 d", n_points=481)
    tm = TumourModel(lambda0=0.01, lambda1=1e9, v0=100.0)
    assert np.allclose(tumour_volume(traj, tm), 100.0 * np.exp(0.01 * traj.t), rtol=1e-6)


def test_untreated_linear_phase_is_linear(model):
    traj = mt.simulate(model, None, t_end="20 d", n_points=481)
    tm = TumourModel(lambda0=0.05, lambda1=2.0, v0=5000.0)  # far above lambda1/lambda0 = 40 mm3
    assert np.allclose(tumour_volume(traj, tm), 5000.0 + 2.0 * traj.t, rtol=1e-6)


def test_rk4_matches_a_reference_solver(everolimus_daily):
    tm = TumourModel(coupling=GrowthCoupling(0.8))
    v = tumour_volume(everolimus_daily, tm)
    t = everolimus_daily.t
    phi = tm.coupling.rate_factor(everolimus_daily)
    ref = solve_ivp(lambda s, y: tm.rate(y, np.interp(s, t, phi)), (t[0], t[-1]), [tm.v0], t_eval=t,
                    rtol=1e-10, atol=1e-10, max_step=0.5)
    assert np.allclose(v, ref.y[0], rtol=1e-5)


def test_vectorised_cohort_equals_one_animal_at_a_time(everolimus_daily):
    tm = TumourModel()
    d, l0, v0 = np.array([0.1, 0.5, 0.9]), np.array([0.004, 0.005, 0.006]), np.array([100.0, 150.0, 200.0])
    many = tumour_volume(everolimus_daily, tm, mtorc1_dependence=d, lambda0=l0, v0=v0)
    for k in range(3):
        one = tumour_volume(everolimus_daily, tm, mtorc1_dependence=d[k], lambda0=l0[k], v0=v0[k])
        assert np.allclose(many[k], one, rtol=1e-12)


def test_calipers_recompute_the_volume():
    t = np.linspace(0, 672, 673)
    v = np.vstack([150 * np.exp(0.004 * t), 200 * np.exp(0.002 * t)])
    exact = caliper_measurements(t, v, cv=0.0)
    assert np.allclose(exact["volume_mm3"], exact["true_volume_mm3"], rtol=1e-12)
    assert np.allclose(exact["length_mm"], 1.5 * exact["width_mm"])
    assert set(exact["day"].round(6)) == {0, 3.5, 7, 10.5, 14, 17.5, 21, 24.5, 28}
    noisy = caliper_measurements(t, np.full((2000, len(t)), 500.0), cv=0.1, seed=1)
    ratio = (noisy["volume_mm3"] / noisy["true_volume_mm3"]).to_numpy()
    # L and W each mean-one: E[L W^2] / V = E[W^2] = 1 + cv^2
    assert ratio.mean() == pytest.approx(1.01, abs=0.004)


def test_tgi_and_t_over_c_by_hand():
    control = np.array([[100.0, 300.0], [100.0, 500.0]])   # mean change 300
    treated = np.array([[100.0, 160.0], [100.0, 200.0]])   # mean change 80
    assert tgi(treated, control) == pytest.approx(100 * (1 - 80 / 300))
    assert t_over_c(treated, control) == pytest.approx(100 * 180 / 400)
    with pytest.raises(mt.SweepError, match="control"):
        tgi(treated, np.array([[100.0, 100.0]]))


def test_cytostatic_treatment_slows_but_never_shrinks(study):
    for arm, vol in study.volumes.items():
        assert (np.diff(vol, axis=1) >= -1e-9).all(), arm
        if arm != study.control:
            assert (vol[:, -1] < study.volumes[study.control][:, -1]).all()
    s = study.summary()
    tem = s.loc["temsirolimus 20 mg/kg i.p. daily"]
    assert 0 < tem["TGI_percent"] < 100 and 0 < tem["T_over_C_percent"] < 100


def test_daily_everolimus_inhibits_at_least_as_much_as_weekly(study):
    s = study.summary()
    assert s.loc["everolimus 5 mg/kg daily", "TGI_percent"] >= s.loc["everolimus 35 mg/kg weekly", "TGI_percent"]


def test_responders_are_the_mtorc1_dependent_tumours(study):
    arm = "temsirolimus 20 mg/kg i.p. daily"
    responders = study.responders(arm)
    assert 0 < responders.mean() < 1
    d = study.cohort.mtorc1_dependence
    assert d[responders].min() > d[~responders].mean()


def test_responder_fraction_rises_with_mtorc1_dependence(model):
    tem = mt.Regimen.repeat(mt.Dose("temsirolimus", "20 mg/kg", route="ip"), every="24 h", count=DAYS)
    fractions = []
    for dep in ((1.0, 5.0), (1.0, 1.0), (5.0, 1.0)):
        st = run_tumour_study({"tem": tem}, virtual_cohort(200, dependence=dep, seed=5), days=DAYS,
                              signalling=model)
        fractions.append(st.responders("tem").mean())
    assert fractions[0] <= fractions[1] <= fractions[2] and fractions[2] > fractions[0]
