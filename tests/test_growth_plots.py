"""The growth plots draw what they are given and return the Axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mtorsim as mt
from mtorsim import plotting
from mtorsim.growth import (
    CellLine,
    GrowthCoupling,
    run_tumour_study,
    viability_assay,
    virtual_cohort,
)


@pytest.fixture(scope="module")
def model(compile_ok):
    return compile_ok("pi3k_akt_mtor")


def test_viability_plot_marks_each_ic50(model):
    line = CellLine("fast", 20.0, GrowthCoupling(1.0), medium_exposure=1e-3)
    assay = viability_assay(line, "everolimus", np.geomspace(1, 1e4, 8), (72.0, 168.0), model=model)
    ax = plotting.plot_viability(assay)
    diamonds = [ln for ln in ax.get_lines() if ln.get_marker() == "D"]
    assert len(diamonds) == 2
    assert diamonds[0].get_xdata()[0] == pytest.approx(assay.ic50(72.0))
    assert "IC50" in ax.get_legend().get_texts()[0].get_text()


def test_tumour_plot_has_one_band_per_arm(model):
    tem = mt.Regimen.repeat(mt.Dose("temsirolimus", "20 mg/kg", route="ip"), every="24 h", count=7)
    study = run_tumour_study({"tem": tem}, virtual_cohort(5), days=7, signalling=model)
    ax = plotting.plot_tumour_growth(study, calipers=True)
    assert len(ax.collections) >= 2
    mean = study.volumes["tem"].mean(axis=0)
    drawn = [ln for ln in ax.get_lines() if ln.get_label().startswith("tem")][0]
    assert np.allclose(drawn.get_ydata(), mean)
    with pytest.raises(ValueError, match="band"):
        plotting.plot_tumour_growth(study, band="iqr")


def test_schedule_overlay_and_heatmap(model):
    runs = {name: mt.simulate(model, mt.Regimen.repeat(mt.Dose("everolimus", dose), every=every, count=n),
                              t_end="7 d", n_points=169)
            for name, dose, every, n in (("daily", "10 mg", "24 h", 7), ("weekly", "70 mg", "7 d", 1))}
    ax = plotting.plot_schedules(runs, "pS6K1")
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2
    table = pd.DataFrame({"a": [1, 1, 10, 10], "b": [0.1, 1, 0.1, 1], "v": [1.0, 2.0, 3.0, 4.0]})
    ax = plotting.plot_heatmap(table, "a", "b", "v", logx=True)
    assert np.allclose(np.asarray(ax.collections[0].get_array()).ravel(), [1.0, 3.0, 2.0, 4.0])
