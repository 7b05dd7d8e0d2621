"""Chou–Talalay combination index: a published worked example, the additivity oracle, data and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mtorsim as mt
from mtorsim.analysis import (
    MedianEffect,
    combination_index,
    combination_index_from_table,
    describe_ci,
    fit_median_effect,
    simulate_combination,
)
from mtorsim.plotting import plot_combination_index, plot_isobologram


def test_published_worked_example_p388_dx():
    """PNAS 95(14):8369-8374 (1998), doi:10.1073/pnas.95.14.8369, Table 3 (PMC20982).

    P388/DX cells, doxorubicin (DX) with NAA at NAA:DX = 5:1.  Published median-effect
    parameters: DX IC50 2.1 uM, m 1.0; NAA IC50 66 uM, m 0.88; the mixture's IC50
    0.42 (DX) + 2.1 (NAA) uM, m 1.4.  Published CI at IC50/75/90/95: 0.23, 0.17, 0.12,
    0.099, and dose-reduction indices at IC50: 5.14 (DX) and 31.7 (NAA).  The inputs
    are printed to two digits, so agreement is to the printed precision.
    """
    result = combination_index(MedianEffect(2.1, 1.0), MedianEffect(66.0, 0.88), MedianEffect(0.42 + 2.1, 1.4),
                               ratio=(0.42, 2.1), fa=(0.5, 0.75, 0.9, 0.95), drugs=("DX", "NAA"))
    assert result.table["ci"].to_numpy() == pytest.approx([0.23, 0.17, 0.12, 0.099], abs=0.005)
    assert result.table["dri1"].iloc[0] == pytest.approx(5.14, rel=0.05)
    assert result.table["dri2"].iloc[0] == pytest.approx(31.7, rel=0.05)
    assert (result.table["ci"] < 1).all()
    assert list(result.table["interpretation"][:2]) == ["strong synergism", "strong synergism"]


def test_dose_reduction_indices_of_the_sensitive_line_p388_0():
    """Same table, P388/0: DX IC50 0.23 uM (m 1.5), NAA 44 uM (m 0.87), mixture 0.084 + 0.42 uM
    (m 1.9); published DRI at IC50 2.71 (DX) and 104 (NAA).  (Its CI, 0.41 +/- 0.025, is the
    mean over experiments and is not reproducible from the rounded mean parameters.)"""
    result = combination_index(MedianEffect(0.23, 1.5), MedianEffect(44.0, 0.87), MedianEffect(0.504, 1.9),
                               ratio=(0.084, 0.42), fa=(0.5,))
    assert result.table["dri1"].iloc[0] == pytest.approx(2.71, rel=0.02)
    assert result.table["dri2"].iloc[0] == pytest.approx(104, rel=0.02)


@pytest.mark.parametrize("ratio", [(1, 1), (1, 9), (3, 1)])
def test_loewe_additive_mixture_has_ci_one_at_every_level(ratio):
    a, b = MedianEffect(2.0, 1.5), MedianEffect(10.0, 1.5)
    p = ratio[0] / sum(ratio)
    mixture = MedianEffect(1.0 / (p / 2.0 + (1 - p) / 10.0), 1.5)  # dose addition for equal slopes
    result = combination_index(a, b, mixture, ratio=ratio, fa=np.linspace(0.05, 0.95, 10))
    assert result.table["ci"].to_numpy() == pytest.approx(np.ones(10), rel=1e-12)


def test_median_effect_fit_recovers_dm_and_m():
    d = np.geomspace(0.1, 10, 7)
    fit = fit_median_effect(d, MedianEffect(1.7, 2.2).fa_at(d))
    assert (fit.dm, fit.m, fit.r) == pytest.approx((1.7, 2.2, 1.0), rel=1e-10)
    with pytest.raises(mt.FitError):
        fit_median_effect([1, 2], [0.0, 1.0])


def test_ci_from_a_users_table(tmp_path):
    a, b = MedianEffect(2.0, 1.2), MedianEffect(20.0, 0.9)
    mix = MedianEffect(4.0, 1.1)  # total dose of a 1:4 mixture
    d = np.array([0.5, 1, 2, 4, 8])
    rows = ([(x, 0.0, a.fa_at(x)) for x in d] + [(0.0, 10 * x, b.fa_at(10 * x)) for x in d]
            + [(x, 4 * x, mix.fa_at(5 * x)) for x in d])
    path = tmp_path / "combo.csv"
    pd.DataFrame(rows, columns=["d1", "d2", "fa"]).to_csv(path, index=False)
    result = combination_index_from_table(path, drugs=("A", "B"))
    direct = combination_index(a, b, mix, ratio=(1, 4))
    assert result.table["ci"].to_numpy() == pytest.approx(direct.table["ci"].to_numpy(), rel=1e-9)
    assert result.points["ci"].notna().all()
    viability = pd.DataFrame(rows, columns=["d1", "d2", "fa"]).assign(v=lambda t: 100 * (1 - t["fa"]))
    same = combination_index_from_table(viability, effect="v", effect_kind="percent_fu")
    assert same.table["ci"].to_numpy() == pytest.approx(direct.table["ci"].to_numpy(), rel=1e-9)
    mixed = pd.DataFrame(rows + [(1.0, 1.0, 0.5)], columns=["d1", "d2", "fa"])
    with pytest.raises(mt.SweepError, match="several ratios"):
        combination_index_from_table(mixed)


def test_describe_ci_uses_chous_ranges():
    assert [describe_ci(v) for v in (0.05, 0.5, 0.95, 1.15, 2.0, 20)] == [
        "very strong synergism", "synergism", "nearly additive", "slight antagonism", "antagonism",
        "very strong antagonism"]


def test_simulated_combination_of_two_model_drugs(compile_ok):
    compiled = compile_ok("feedback_rebound")
    result, sweep_result = simulate_combination(compiled, ("rapalog", "pi3ki"), [0.1, 0.5, 2.5, 12.5],
                                                [1, 5, 25, 125], "pS6K_frac", at="12 h", n_points=25)
    assert len(sweep_result.table) == 12
    assert np.isfinite(result.table["ci"]).all() and (result.table["ci"] > 0).all()
    assert result.singles[0].r > 0.99 and result.singles[1].r > 0.99
    ax = plot_isobologram(result)
    assert len(ax.lines) == 2 * len(result.table)
    ax = plot_isobologram(result, normalized=True)
    x, y = ax.lines[1].get_data()  # first level: coordinates sum to its CI
    assert x[0] + y[0] == pytest.approx(result.table["ci"].iloc[0])
    plot_combination_index(result)
