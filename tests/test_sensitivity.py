"""Sensitivity: Sobol indices against the Ishigami function, local sensitivities against Bateman."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.analysis import local_sensitivity, sobol_indices, sobol_sensitivity
from mtorsim.metrics import Metric
from mtorsim.plotting import plot_sensitivity, plot_sobol
from mtorsim.sweeps import ParameterSpace, Uniform


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Analytic first- and total-order indices of f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x ~ U(-pi, pi)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_sobol_indices_match_the_ishigami_function():
    space = ParameterSpace([Uniform(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)])

    def ishigami(samples):
        x = samples.values
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    result, design, y = sobol_indices(space, ishigami, n=4096, seed=3, outputs=["f"])
    s1, st = ishigami_indices()
    table = result.for_output("f")
    assert len(design) == 4096 * 5 and y.shape == (4096 * 5, 1)
    assert table["S1"].to_numpy() == pytest.approx(s1, abs=0.03)
    assert table["ST"].to_numpy() == pytest.approx(st, abs=0.03)
    # the analytic values lie within the bootstrap intervals (which are ~0.02-0.04 wide)
    assert (np.abs(table["ST"] - st) <= table["ST_conf"] + 0.01).all()
    plot_sobol(result, "f")


def test_sobol_analysis_rejects_bad_sizes_and_failed_runs():
    space = ParameterSpace([Uniform("a", 0, 1)])
    with pytest.raises(mt.SweepError, match="power of two"):
        sobol_indices(space, lambda s: s.values[:, 0], n=100, seed=1)
    with pytest.raises(mt.FitError, match="not finite"):
        sobol_indices(space, lambda s: np.where(s.values[:, 0] > 0.5, np.nan, 1.0), n=8, seed=1)


def test_local_sensitivities_match_the_bateman_auc(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    ka, cl, v, t_end = 1.2, 10.0, 50.0, 12.0

    def auc(ka: float, cl: float, v: float) -> float:  # Bateman AUC(0, T); F and dose are constant factors
        ke = cl / v
        return ka / (v * (ka - ke)) * ((1 - math.exp(-ke * t_end)) / ke - (1 - math.exp(-ka * t_end)) / ka)

    def log_derivative(which: int) -> float:
        x = [ka, cl, v]
        h = 1e-6
        up, down = list(x), list(x)
        up[which] *= math.exp(h)
        down[which] *= math.exp(-h)
        return (math.log(auc(*up)) - math.log(auc(*down))) / (2 * h)

    result = local_sensitivity(compiled, metrics=[Metric.auc("drug_central")], parameters=["ka", "CL", "plasma", "F"],
                               regimen=mt.Regimen.single(mt.Dose("testdrug", "100 mg")), t_end=t_end,
                               n_points=601, relative_step=1e-3, rtol=1e-9, atol=1e-10)
    s = result.table.set_index("parameter")["sensitivity"]
    assert s["F"] == pytest.approx(1.0, abs=1e-5)  # AUC is proportional to bioavailability
    assert s["ka"] == pytest.approx(log_derivative(0), abs=2e-4)
    assert s["CL"] == pytest.approx(log_derivative(1), abs=2e-4)
    assert s["plasma"] == pytest.approx(log_derivative(2), abs=2e-4)
    assert list(result.top("auc_drug_central", 2)["parameter"]) == ["F", "CL"]
    ax = plot_sensitivity(result, "auc_drug_central")
    assert len(ax.patches) == 4


def test_sobol_sensitivity_of_a_model_metric(compile_ok, tmp_path):
    compiled = compile_ok("pk_oral_1cpt")
    space = ParameterSpace([Uniform("CL", 5, 20, scale="log"), Uniform("ka", 0.5, 2, scale="log")])
    result = sobol_sensitivity(compiled, space, metrics=[Metric.auc("drug_central", name="auc")], n=8, seed=2,
                               regimen=mt.Regimen.single(mt.Dose("testdrug", "10 mg")), t_end="24 h", n_points=25,
                               store=tmp_path / "sobol", num_resamples=50)
    table = result.for_output("auc")
    assert result.n_runs == 8 * 4 == len(result.sweep.table)
    assert set(table["parameter"]) == {"CL", "ka"}
    assert table.set_index("parameter").loc["CL", "ST"] > table.set_index("parameter").loc["ka", "ST"]
