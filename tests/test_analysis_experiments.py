"""Dose-response, schedule comparison and resistance experiments on the bundled and test models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

import mtorsim as mt
from mtorsim.analysis import (
    compare,
    compare_schedules,
    compare_variants,
    dose_response,
    in_vitro_dose_response,
)
from mtorsim.metrics import Metric
from mtorsim.plotting import plot_comparison, plot_dose_response

# rapalog_minimal: FKBP12_total 1000 nM, Kd_FKBP12 0.2 nM, mTORC1_total 10 nM, Kd_FRB 12 nM
FT, KD1, MT, KD2 = 1000.0, 0.2, 10.0, 12.0


def equilibrium_activity(c: float) -> float:
    """Free fraction of mTORC1 at equilibrium with medium drug c (nM): E = cF/Kd1, I = EM/Kd2, totals conserved."""
    def excess(e: float) -> float:
        m = MT / (1 + e / KD2)
        return c * (FT - e - (MT - m)) / KD1 - e

    e = brentq(excess, 0.0, FT)
    return 1.0 / (1.0 + e / KD2)


def test_in_vitro_ic50_of_mtorc1_matches_the_binding_equilibrium(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    ic50 = KD2 * KD1 / (FT - KD2 - MT / 2)  # activity = 1/2 exactly where E = Kd2 and I = MT/2
    conc = np.r_[0.0, ic50 * np.geomspace(0.03, 30, 9)]
    # at picomolar drug the cell fills slowly through uptake (~10^3 h): read at equilibrium
    dr = in_vitro_dose_response(compiled, "everolimus", conc, "mTORC1_activity", at="30000 h", n_points=11)
    simulated = dr.table["response"].to_numpy()
    assert simulated == pytest.approx([equilibrium_activity(c) for c in conc], rel=1e-4, abs=1e-6)
    assert dr.fit is not None and dr.fit.fixed == ("e0",)
    # absolute IC50 (activity halved) and relative EC50 (halfway to the fitted plateau) against the exact curve
    assert dr.fit.concentration_at(0.5) == pytest.approx(ic50, rel=0.005)
    midpoint = (dr.fit.e0 + dr.fit.e_inf) / 2
    exact_ec50 = brentq(lambda c: equilibrium_activity(c) - midpoint, ic50 / 10, ic50 * 10)
    assert dr.fit.ec50 == pytest.approx(exact_ec50, rel=0.005)
    assert dr.fit.hill == pytest.approx(1.0, abs=0.02)
    assert dr.fit.ci["ec50"][0] < dr.fit.ic50 < dr.fit.ci["ec50"][1]


def test_ic50_of_everolimus_for_ps6k1_at_24h(compile_ok):
    """The documented question: one call, a fitted IC50 that the model reproduces."""
    compiled = compile_ok("rapalog_minimal")
    dr = in_vitro_dose_response(compiled, "everolimus", np.r_[0, np.geomspace(1e-3, 1e2, 11)], "pS6K1", at="24 h")
    fit = dr.fit
    assert fit.r_squared > 0.999 and 0 < fit.e_inf < 0.2
    check = mt.simulate(compiled, mt.Regimen.in_vitro("everolimus", f"{fit.ic50} nM"), t_end="24 h", n_points=2)
    midpoint = check["pS6K1"][-1] / check["pS6K1"][0]
    assert midpoint == pytest.approx((fit.e0 + fit.e_inf) / 2, abs=0.02)
    ax = plot_dose_response(dr)
    assert ax.get_xscale() == "log"


def test_in_vivo_dose_response_scales_the_regimen(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    regimen = mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="12 h", count=2)
    dr = dose_response(compiled, regimen, ["0 mg", "5 mg", "20 mg", "0.04 g"], Metric.auc("drug_central"),
                       t_end="24 h", n_points=49, fit=False)
    assert dr.unit == "mg" and dr.levels.tolist() == [0, 5, 20, 40]
    auc = dr.responses
    assert auc[0] == 0 and auc[2] / auc[1] == pytest.approx(4.0, rel=1e-6)  # linear PK
    with pytest.raises(mt.SweepError, match="differ"):
        dose_response(compiled, regimen + mt.Regimen.single(mt.Dose("testdrug", "1 mg", time=30)), [1, 2],
                      Metric.auc("drug_central"), t_end="24 h")


def test_same_weekly_dose_gives_the_same_exposure_daily_or_weekly(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    dose = lambda mg: mt.Dose("testdrug", f"{mg} mg")  # noqa: E731
    result = compare_schedules(compiled, {"10 mg daily": mt.Regimen.repeat(dose(10), every="24 h", count=7),
                                          "70 mg weekly": mt.Regimen.single(dose(70))},
                               readouts=[], exposure_output="drug_central", window=(0, "12 d"), n_points=577)
    auc = result.table["auc_drug_central"].to_numpy()
    assert auc[1] == pytest.approx(auc[0], rel=1e-3)  # linear PK: AUC depends on the total dose only
    diff = result.differences()
    assert diff["ratio_cmax_drug_central"].iloc[1] > 3  # but the weekly peak is much higher
    assert result.units["auc_drug_central"] == "nM·h"


def test_schedule_comparison_reports_inhibition(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    eve = lambda mg: mt.Dose("everolimus", f"{mg} mg")  # noqa: E731
    result = compare_schedules(compiled, {"10 mg daily": mt.Regimen.repeat(eve(10), every="24 h", count=3),
                                          "30 mg once": mt.Regimen.single(eve(30))},
                               readouts=["pS6K1"], exposure_output="everolimus_blood_ng_mL", window=("2 d", "3 d"),
                               n_points=73, reference="10 mg daily")
    t = result.table.set_index("regimen")
    for name in ("10 mg daily", "30 mg once"):
        row = t.loc[name]
        assert 0 <= row["trough_inhibition_pS6K1"] <= row["mean_inhibition_pS6K1"] <= row["peak_inhibition_pS6K1"] <= 1
        assert 0 <= row["time_inhibited_pS6K1"] <= 24
    assert t.loc["10 mg daily", "mean_inhibition_pS6K1"] > t.loc["30 mg once", "mean_inhibition_pS6K1"]
    plot_comparison(result, ["mean_inhibition_pS6K1", "trough_inhibition_pS6K1"])


def test_rebound_disappears_without_the_feedback(compile_ok):
    compiled = compile_ok("feedback_rebound")
    result = compare_variants(compiled, mt.Regimen.in_vitro("rapalog", "10 nM"), [None, "feedback_off"],
                              rebound_output="pAKT_frac", metrics=[Metric.mean("pS6K_frac", relative=True)],
                              t_end="48 h", n_points=97)
    assert result.value("rebound_pAKT_frac") > 1.3
    assert result.value("rebound_excess_pAKT_frac", variant="feedback_off") == pytest.approx(0.0, abs=1e-6)
    assert 1 - result.value("rebound_remaining_pAKT_frac", variant="feedback_off") == pytest.approx(1.0, abs=1e-5)
    assert result.reference == ("regimen", "base")


def test_rapalog_pi3k_inhibitor_and_combination(compile_ok):
    compiled = compile_ok("feedback_rebound")
    rapalog = mt.Regimen.in_vitro("rapalog", "10 nM")
    pi3ki = mt.Regimen.in_vitro("pi3ki", "30 nM")
    result = compare(compiled, regimens={"rapalog": rapalog, "pi3ki": pi3ki, "rapalog + pi3ki": rapalog + pi3ki},
                     metrics=[Metric.value_at("pS6K_frac", "24 h", relative=True, name="pS6K"),
                              Metric.value_at("pAKT_frac", "24 h", relative=True, name="pAKT")],
                     variants=[None, "feedback_off"], t_end="24 h", n_points=25)
    t = result.table.set_index(["regimen", "variant"])
    assert t.loc[("rapalog", "base"), "pAKT"] > 1 > t.loc[("pi3ki", "base"), "pAKT"]  # rebound vs suppression
    assert t.loc[("rapalog + pi3ki", "base"), "pS6K"] < t.loc[("rapalog", "base"), "pS6K"]
    assert math.isclose(t.loc[("rapalog", "feedback_off"), "pAKT"], 1.0, abs_tol=1e-6)
    assert len(result.differences()) == 6
