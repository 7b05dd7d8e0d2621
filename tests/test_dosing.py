"""Dosing plans: amounts through molar masses, bioavailability, volumes, infusions, in vitro."""

from __future__ import annotations

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.dosing import ADD_STATE, SET_PARAMETER, apply_events


def test_oral_dose_lowers_to_a_jump_in_nmol_times_bioavailability(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    plan = mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="24 h", count=3).lower(compiled)
    np.testing.assert_array_equal(plan.times, [0, 24, 48])
    assert set(plan.kind) == {ADD_STATE}
    assert plan.value[0] == pytest.approx(10e6 / 500)  # 10 mg / 500 g/mol = 20 000 nmol
    assert plan.mul_index[0] == compiled.parameter_index("F")
    y, p = np.zeros(2), compiled.parameters()
    apply_events(plan.times, plan.kind, plan.index, plan.value, plan.mul_index, plan.div_index, 0, 0.0, y, p)
    assert y[compiled.state_index("drug_gut")] == pytest.approx(20000 * 0.8)


def test_iv_bolus_into_a_concentration_divides_by_volume(compile_ok):
    compiled = compile_ok("two_compartment_iv")
    plan = mt.Regimen.single(mt.Dose("testdrug", "4 mg", "iv")).lower(compiled)
    assert plan.div_index[0] == compiled.parameter_index("central")
    assert plan.index[0] == compiled.state_index("C1") and plan.mul_index[0] == -1


def test_infusion_switches_a_rate_parameter_on_and_off(compile_ok):
    compiled = compile_ok("two_compartment_iv")
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "4 mg", "iv", duration="30 min"), every="24 h", count=2)
    plan = reg.lower(compiled)
    assert list(plan.kind) == [SET_PARAMETER] * 4
    np.testing.assert_allclose(plan.times, [0, 0.5, 24, 24.5])
    np.testing.assert_allclose(plan.value, [20000, 0, 20000, 0])  # 10 000 nmol over 0.5 h


def test_overlapping_infusions_are_rejected(compile_ok):
    compiled = compile_ok("two_compartment_iv")
    reg = mt.Regimen.repeat(mt.Dose("testdrug", "4 mg", "iv", duration="2 h"), every="1 h", count=2)
    with pytest.raises(mt.ScheduleError, match="overlapping"):
        reg.lower(compiled)


def test_unknown_drug_and_route_name_the_argument(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    with pytest.raises(mt.ScheduleError, match=r"(?s)doses\[0\]\.drug.*did you mean 'testdrug'"):
        mt.Regimen.single(mt.Dose("testdrg", "1 mg")).lower(compiled)
    with pytest.raises(mt.ScheduleError, match=r"doses\[0\]\.route"):
        mt.Regimen.single(mt.Dose("testdrug", "1 mg", "ip")).lower(compiled)


def test_per_weight_doses_need_a_body_weight(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    reg = mt.Regimen.single(mt.Dose("testdrug", "20 mg/kg"))
    with pytest.raises(mt.ScheduleError, match="body_weight"):
        reg.lower(compiled)
    plan = reg.lower(compiled, body_weight="25 g")
    assert plan.value[0] == pytest.approx(0.5e6 / 500)  # 0.5 mg


def test_in_vitro_exposure_sets_and_washes_out_the_medium(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    plan = mt.Regimen.in_vitro("everolimus", "5 ng/mL", washout="6 h").lower(compiled)
    idx = compiled.parameter_index("eve_medium")
    np.testing.assert_array_equal(plan.index, [idx, idx])
    np.testing.assert_allclose(plan.value, [5.0 / 958.24 * 1000, 0.0])  # ng/mL -> nM
    np.testing.assert_allclose(plan.times, [0.0, 6.0])


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"amount": "0 mg"}, "amount"), ({"amount": "-5 mg"}, "amount"), ({"amount": "5 h"}, "amount"),
     ({"amount": "5 mg", "route": "inhaled"}, "route"), ({"amount": "5 mg", "route": "infusion"}, "duration"),
     ({"amount": "5 mg", "time": "-1 h"}, "time"), ({"amount": "5 mg", "duration": "1 h"}, "duration")],
)
def test_bad_doses_raise_schedule_errors_naming_the_argument(kwargs, argument):
    with pytest.raises(mt.ScheduleError) as info:
        mt.Dose("testdrug", **kwargs)
    assert info.value.argument == argument
