"""Doses and regimens (issue 3): units, routes, schedules, edits, lowering and typed errors.

Numerical checks use a one-compartment model with an oral depot, an i.p. depot, an
IV bolus target, an infusion rate and a medium concentration, whose solutions are
known in closed form (bolus exponential, Bateman, infusion plateau, AUC = dose/CL).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.loading import load_model_text

V, CL, KA, KA_IP, F, MW = 10.0, 2.0, 1.5, 4.0, 0.6, 500.0  # L, L/h, 1/h, 1/h, -, g/mol
K = CL / V

PK_TEXT = f"""
model: {{name: pk_regimen_oracle}}
compartments:
  central: {{size: {V} L, source: "assumed: test value"}}
species:
  gut: {{initial: 0 nmol}}
  peritoneum: {{initial: 0 nmol}}
  drug: {{initial: 0 nM, compartment: central}}
parameters:
  ka: {{value: {KA} 1/h, source: "assumed: test value"}}
  ka_ip: {{value: {KA_IP} 1/h, source: "assumed: test value"}}
  CL: {{value: {CL} L/h, source: "assumed: test value"}}
  MW: {{value: {MW} g/mol, source: "assumed: test value"}}
  F: {{value: {F}, source: "assumed: test value"}}
  rate_in: {{value: 0 nmol/h, source: "infusion rate: zero unless an infusion dose sets it"}}
  medium: {{value: 0 nM, source: "in-vitro exposure: zero unless a medium dose sets it"}}
reactions:
  absorption: {{equation: gut -> drug, rate: ka * gut}}
  ip_absorption: {{equation: peritoneum -> drug, rate: ka_ip * peritoneum}}
  infusion: {{equation: -> drug, rate: rate_in}}
  elimination: {{equation: drug ->, rate: CL * drug}}
observables:
  conc_nM: {{expression: drug, unit: nM}}
  mass_ng_mL: {{expression: drug * MW, unit: ng/mL}}
  medium_nM: {{expression: medium, unit: nM}}
drugs:
  testdrug:
    molar_mass: {MW} g/mol
    source: "assumed: test value"
    routes:
      oral: {{species: gut, bioavailability: F}}
      ip: {{species: peritoneum}}
      iv: {{species: drug}}
      infusion: {{parameter: rate_in}}
      medium: {{parameter: medium}}
"""


@pytest.fixture(scope="module")
def pk(cache_dir):
    return mt.compile_model(load_model_text(PK_TEXT, "pk_regimen_oracle"), cache_dir=cache_dir)


def nmol(mg: float) -> float:
    return mg / MW * 1e6


def bolus(t, dose_nmol, t0=0.0):
    """IV bolus into the central compartment (nM)."""
    dt = np.asarray(t) - t0
    return np.where(dt >= 0, dose_nmol / V * np.exp(-K * np.clip(dt, 0, None)), 0.0)


def bateman(t, dose_nmol, ka, f=1.0, t0=0.0):
    dt = np.clip(np.asarray(t) - t0, 0, None)
    return f * dose_nmol * ka / (V * (ka - K)) * (np.exp(-K * dt) - np.exp(-ka * dt))


def simulate(pk, regimen, t, **kwargs):
    return mt.simulate(pk, regimen, t_eval=np.asarray(t, dtype=float), rtol=1e-10, atol=1e-12, **kwargs)


# ----------------------------------------------------------------------------- amounts and units
def test_mass_dose_converts_through_the_molar_mass(pk):
    plan = mt.Regimen.single(mt.Dose("testdrug", "1 mg", "iv")).lower(pk)
    assert plan.value[0] == pytest.approx(nmol(1.0))  # 1 mg / 500 g/mol = 2000 nmol
    assert mt.Regimen.single(mt.Dose("testdrug", "2000 nmol", "iv")).lower(pk).value[0] == pytest.approx(2000)


def test_mg_per_kg_uses_the_body_weight(pk):
    reg = mt.Regimen.single(mt.Dose("testdrug", "0.1 mg/kg", "iv"))
    assert reg.lower(pk, body_weight="70 kg").value[0] == pytest.approx(nmol(7.0))
    assert reg.lower(pk, body_weight="25 g").value[0] == pytest.approx(nmol(0.0025))
    # plain numbers are kilograms (not the canonical mg)
    assert reg.lower(pk, body_weight=70).value[0] == pytest.approx(nmol(7.0))


def test_mg_per_kg_without_body_weight_is_an_error_naming_it(pk):
    reg = mt.Regimen.single(mt.Dose("testdrug", "20 mg/kg", "ip"))
    with pytest.raises(mt.ScheduleError) as err:
        reg.lower(pk)
    assert err.value.argument == "body_weight"
    with pytest.raises(mt.ScheduleError, match="body_weight"):
        mt.simulate(pk, reg, t_end="1 h")


def test_mg_per_m2_uses_the_body_surface_area(pk):
    reg = mt.Regimen.single(mt.Dose("testdrug", "25 mg/m^2", "iv"))
    assert reg.lower(pk, body_surface_area="1.8 m^2").value[0] == pytest.approx(nmol(45.0))
    assert reg.lower(pk, body_surface_area=1.8).value[0] == pytest.approx(nmol(45.0))
    with pytest.raises(mt.ScheduleError) as err:
        reg.lower(pk)
    assert err.value.argument == "body_surface_area"


@pytest.mark.parametrize("amount", ["0 mg", "-5 mg", "0 mg/kg"])
def test_non_positive_amounts_are_rejected(amount):
    with pytest.raises(mt.ScheduleError) as err:
        mt.Dose("testdrug", amount)
    assert err.value.argument == "amount"


@pytest.mark.parametrize("amount", ["10 h", "5 L", "10 nM"])
def test_amounts_of_the_wrong_kind_are_rejected(amount):
    with pytest.raises(mt.ScheduleError) as err:
        mt.Dose("testdrug", amount, "oral")
    assert err.value.argument == "amount"


def test_medium_exposure_is_a_concentration():
    with pytest.raises(mt.ScheduleError) as err:
        mt.Dose("testdrug", "10 mg", "medium")
    assert err.value.argument == "amount"
    mt.Dose("testdrug", "5 ng/mL", "medium")


# ----------------------------------------------------------------------------- routes against closed forms
def test_iv_bolus_matches_the_exponential(pk):
    t = np.linspace(0, 12, 25)
    tr = simulate(pk, mt.Dose("testdrug", "1 mg", "iv"), t)
    assert np.allclose(tr["conc_nM"], bolus(t, nmol(1.0)), rtol=1e-7)


def test_oral_dose_matches_bateman_with_bioavailability(pk):
    t = np.linspace(0, 24, 49)
    tr = simulate(pk, mt.Dose("testdrug", "1 mg", "oral"), t)
    assert np.allclose(tr["conc_nM"], bateman(t, nmol(1.0), KA, F), rtol=1e-6, atol=1e-9)


def test_ip_dose_goes_to_its_own_depot(pk):
    t = np.linspace(0, 24, 49)
    tr = simulate(pk, mt.Dose("testdrug", "0.2 mg/kg", "ip"), t, body_weight="25 g")
    assert np.allclose(tr["conc_nM"], bateman(t, nmol(0.005), KA_IP), rtol=1e-6, atol=1e-12)


def test_infusion_delivers_exactly_the_dose(pk):
    """AUC x CL equals the infused amount, and the profile matches the closed form."""
    t = np.concatenate([np.linspace(0, 1, 101), np.linspace(1.05, 60, 1180)])
    dose = mt.Dose("testdrug", "3 mg", "iv", duration="30 min")
    assert dose.route is mt.Route.INFUSION
    tr = simulate(pk, dose, t)
    c = tr["conc_nM"]
    rate = nmol(3.0) / 0.5
    during = t <= 0.5
    assert np.allclose(c[during], rate / CL * (1 - np.exp(-K * t[during])), rtol=1e-7, atol=1e-9)
    auc = np.trapezoid(c, t) + c[-1] / K  # nM*h, tail analytic
    assert auc * CL == pytest.approx(nmol(3.0), rel=1e-4)


def test_infusion_between_output_times_is_not_missed(pk):
    """A 6-minute infusion that starts and ends between two output times still delivers its dose."""
    t = np.array([0.0, 1.0, 2.0, 3.0])
    tr = simulate(pk, mt.Dose("testdrug", "1 mg", "iv", time="1.3 h", duration="6 min"), t)
    # after the infusion the amount decays as a bolus given at its midpoint would, to O(duration^2)
    exact_at_2 = nmol(1.0) / 0.1 / CL * (1 - math.exp(-K * 0.1)) * math.exp(-K * (2.0 - 1.4))
    assert tr["conc_nM"][2] == pytest.approx(exact_at_2, rel=1e-7)
    assert tr["conc_nM"][1] == 0.0


def test_bolus_between_output_times_is_not_missed(pk):
    t = np.array([0.0, 1.0, 2.0])
    tr = simulate(pk, mt.Dose("testdrug", "1 mg", "iv", time="0.3 h"), t)
    assert tr["conc_nM"][1] == pytest.approx(float(bolus(1.0, nmol(1.0), 0.3)), rel=1e-8)


def test_output_at_a_dose_time_is_after_the_dose(pk):
    tr = simulate(pk, mt.Dose("testdrug", "1 mg", "iv", time="2 h"), [0.0, 2.0, 3.0])
    assert tr["conc_nM"][1] == pytest.approx(nmol(1.0) / V)


def test_in_vitro_exposure_and_washout(pk):
    reg = mt.Regimen.in_vitro("testdrug", "10 nM", start="1 h", washout="5 h")
    tr = simulate(pk, reg, [0.0, 0.5, 1.0, 3.0, 5.0, 6.0])
    assert list(tr["medium_nM"]) == [0.0, 0.0, 10.0, 10.0, 0.0, 0.0]
    assert mt.Regimen.in_vitro("testdrug", "5 ng/mL").lower(pk).value[0] == pytest.approx(10.0)  # 5 ng/mL / 500 g/mol
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.in_vitro("testdrug", "10 nM", start="5 h", washout="2 h")
    assert err.value.argument == "washout"


# ----------------------------------------------------------------------------- schedules
def test_repeat_gives_interval_and_count():
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="24 h", count=28)
    assert len(reg) == 28
    assert np.array_equal(reg.times, 24.0 * np.arange(28))
    weekly = mt.Regimen.repeat(mt.Dose("testdrug", "50 mg"), every="7 d", count=4, start="2 d")
    assert np.array_equal(weekly.times, [48.0, 216.0, 384.0, 552.0])


def test_cycles_three_weeks_on_one_week_off():
    reg = mt.Regimen.cycles(mt.Dose("testdrug", "10 mg"), every="24 h", on="21 d", off="7 d", n_cycles=3)
    assert len(reg) == 63
    expected = np.concatenate([24.0 * np.arange(21) + 672.0 * c for c in range(3)])
    assert np.array_equal(reg.times, expected)
    weekly = mt.Regimen.cycles(mt.Dose("testdrug", "25 mg", "iv", duration="30 min"), every="7 d", on="21 d",
                               off="7 d", n_cycles=2)
    assert np.array_equal(weekly.times, [0.0, 168.0, 336.0, 672.0, 840.0, 1008.0])


def test_missed_and_delayed_doses():
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="24 h", count=5)
    assert np.array_equal(reg.skip(1, -1).times, [0.0, 48.0, 72.0])
    delayed = reg.delay(2, "6 h")
    assert np.array_equal(delayed.times, [0.0, 24.0, 54.0, 72.0, 96.0])
    assert np.array_equal(reg.delay(4, "-12 h").times, [0.0, 24.0, 48.0, 72.0, 84.0])
    with pytest.raises(mt.ScheduleError) as err:
        reg.skip(5)
    assert err.value.argument == "indices"
    with pytest.raises(mt.ScheduleError) as err:
        reg.delay(0, "-1 h")
    assert err.value.argument == "by"


def test_sum_of_regimens_is_sorted_and_keeps_every_dose():
    a = mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="24 h", count=3)
    b = mt.Regimen.single(mt.Dose("testdrug", "1 mg", "iv", time="30 h"))
    total = a + b
    assert len(total) == 4
    assert np.array_equal(total.times, [0.0, 24.0, 30.0, 48.0])
    assert total.drugs == ("testdrug",)


def test_repeated_oral_doses_superpose(pk):
    """Linear PK: the response to a regimen is the sum of single-dose responses (with a missed and a delayed dose)."""
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "1 mg"), every="12 h", count=6).skip(2).delay(3, "3 h")
    t = np.linspace(0, 96, 193)
    tr = simulate(pk, reg, t)
    expected = sum(bateman(t, nmol(1.0), KA, F, t0=d.time) for d in reg.doses)
    assert np.allclose(tr["conc_nM"], expected, rtol=1e-6, atol=1e-9)
    assert tr.stats["segments"] == len(reg)  # one solver segment per breakpoint, nothing recompiled


def test_changing_doses_never_recompiles(pk):
    key = pk.key
    for mg in ("1 mg", "2 mg", "5 mg"):
        mt.simulate(pk, mt.Dose("testdrug", mg, "iv"), t_end="1 h", n_points=3)
    assert pk.key == key


# ----------------------------------------------------------------------------- typed errors
def test_unknown_route_names_the_argument():
    with pytest.raises(mt.ScheduleError) as err:
        mt.Dose("testdrug", "10 mg", "intrathecal")
    assert err.value.argument == "route"


def test_unknown_drug_names_the_dose(pk):
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.single(mt.Dose("testdrugg", "10 mg")).lower(pk)
    assert err.value.argument == "regimen.doses[0].drug"
    assert "testdrug" in str(err.value)  # did-you-mean hint


def test_route_not_declared_for_the_drug(pk, compile_ok):
    model = compile_ok("pi3k_akt_mtor")
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.single(mt.Dose("everolimus", "25 mg", "iv", duration="30 min")).lower(model)
    assert err.value.argument == "regimen.doses[0].route"
    with pytest.raises(mt.ScheduleError):
        mt.Regimen.single(mt.Dose("sapanisertib", "1 mg", "oral")).lower(model)


def test_overlapping_infusions_are_rejected(pk):
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "1 mg", "iv", duration="2 h"), every="1 h", count=2)
    with pytest.raises(mt.ScheduleError) as err:
        reg.lower(pk)
    assert err.value.argument == "regimen"
    # back-to-back infusions are fine: the first ends when the second starts
    back_to_back = mt.Regimen.repeat(mt.Dose("testdrug", "1 mg", "iv", duration="1 h"), every="1 h", count=2)
    t = np.linspace(0, 2, 41)
    tr = simulate(pk, back_to_back, t)
    rate = nmol(1.0) / 1.0
    assert np.allclose(tr["conc_nM"], rate / CL * (1 - np.exp(-K * t)), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kwargs, argument", [
    ({"route": "infusion"}, "duration"),
    ({"route": "oral", "duration": "1 h"}, "duration"),
    ({"route": "iv", "duration": "-5 min"}, "duration"),
    ({"time": "-1 h"}, "time"),
    ({"time": "1 kg"}, "time"),
])
def test_bad_dose_arguments(kwargs, argument):
    with pytest.raises(mt.ScheduleError) as err:
        mt.Dose("testdrug", "10 mg", **kwargs)
    assert err.value.argument == argument


@pytest.mark.parametrize("kwargs, argument", [
    ({"every": "24 h", "count": 0}, "count"),
    ({"every": "-24 h", "count": 3}, "every"),
    ({"every": "24 h", "count": 2.5}, "count"),
])
def test_bad_repeat_arguments(kwargs, argument):
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), **kwargs)
    assert err.value.argument == argument


def test_bad_cycle_arguments():
    dose = mt.Dose("testdrug", "10 mg")
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.cycles(dose, every="24 h", on="0 d", off="7 d", n_cycles=2)
    assert err.value.argument == "on"
    with pytest.raises(mt.ScheduleError) as err:
        mt.Regimen.cycles(dose, every="24 h", on="21 d", off="7 d", n_cycles=0)
    assert err.value.argument == "n_cycles"


def test_schedule_errors_are_value_errors_and_pickle():
    import pickle

    err = mt.ScheduleError("body_weight", "missing", "pass body_weight='70 kg'")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert again.argument == "body_weight" and str(again) == str(err)
