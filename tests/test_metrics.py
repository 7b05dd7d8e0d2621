"""Metric specs evaluated on trajectories against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.metrics import Metric, MetricKind, evaluate, evaluate_all


@pytest.fixture(scope="module")
def single_dose(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    return mt.simulate(compiled, mt.Dose("testdrug", "100 mg"), t_end="200 h", n_points=40001,
                       rtol=1e-10, atol=1e-12)


KA, CL, V, F = 1.2, 10.0, 50.0, 0.8
KE = CL / V
DOSE = 100e6 / 500 * F


def conc(t):
    return DOSE / V * KA / (KA - KE) * (np.exp(-KE * t) - np.exp(-KA * t))


def test_exposure_metrics_match_closed_forms(single_dose):
    tmax = math.log(KA / KE) / (KA - KE)
    values = evaluate_all([Metric.auc("drug_central"), Metric.max("drug_central"), Metric.tmax("drug_central"),
                           Metric.auc("drug_central", start="24 h", end="48 h")], single_dose)
    assert values["auc_drug_central"] == pytest.approx(DOSE / CL, rel=1e-6)
    assert values["max_drug_central"] == pytest.approx(conc(tmax), rel=1e-6)
    assert values["tmax_drug_central"] == pytest.approx(tmax, abs=0.01)
    window = DOSE / V * KA / (KA - KE) * (
        (math.exp(-KE * 24) - math.exp(-KE * 48)) / KE - (math.exp(-KA * 24) - math.exp(-KA * 48)) / KA)
    assert values["auc_drug_central_24-48h"] == pytest.approx(window, rel=1e-6)


def test_threshold_and_point_metrics(single_dose):
    threshold = 0.5 * conc(math.log(KA / KE) / (KA - KE))
    above = evaluate(Metric.time_above("drug_central", threshold), single_dose)
    below = evaluate(Metric.time_below("drug_central", threshold), single_dose)
    assert above + below == pytest.approx(200.0)
    t = np.linspace(0, 200, 2_000_001)
    assert above == pytest.approx(np.mean(conc(t) > threshold) * 200, abs=1e-3)
    assert evaluate(Metric.value_at("drug_central", "10 h"), single_dose) == pytest.approx(conc(10.0), rel=1e-7)
    assert evaluate(Metric.mean("drug_central", end="200 h"), single_dose) == pytest.approx(
        evaluate(Metric.auc("drug_central"), single_dose) / 200)


def test_relative_metrics_use_the_first_value_as_baseline(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    traj = mt.simulate(compiled, mt.Regimen.in_vitro("everolimus", "20 nM"), t_end="24 h", n_points=241)
    rel_min = evaluate(Metric.min("pS6K1", relative=True), traj)
    assert rel_min == pytest.approx(traj["pS6K1"].min() / traj["pS6K1"][0])
    below = evaluate(Metric.time_below("pS6K1", 0.2, relative=True), traj)
    assert 20.0 < below < 24.0


def test_metric_specs_validate_themselves():
    assert Metric.time_below("pS6K1", 0.2, relative=True, end="7 d").end == 168.0
    with pytest.raises(ValueError, match="threshold"):
        Metric(MetricKind.TIME_BELOW, "pS6K1")
    with pytest.raises(ValueError, match="end"):
        Metric.auc("x", start="10 h", end="5 h")
    with pytest.raises(mt.UnitError):
        Metric.auc("x", end="5 mg")
