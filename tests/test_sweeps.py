"""Sweeps: point order, agreement with single simulations, analytic exposure, failures, tables and arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.metrics import Metric, evaluate
from mtorsim.sweeps import (
    DoseLevels,
    ParameterSamples,
    ParameterSpace,
    SweepDesign,
    Uniform,
    Values,
    evaluate_chunk,
    scale_regimen,
    sweep,
)

KA, CL, F, V, MW = 1.2, 10.0, 0.8, 50.0, 500.0  # tests/data/models/ok/pk_oral_1cpt.yaml


def bateman_auc(dose_mg: float, t_end: float, cl: float = CL, ka: float = KA, v: float = V) -> float:
    """AUC (nM h) of the one-compartment oral model from 0 to t_end, from the Bateman equation."""
    ke = cl / v
    amount = F * dose_mg / MW * 1e6  # nmol absorbed
    return amount * ka / (v * (ka - ke)) * ((1 - math.exp(-ke * t_end)) / ke - (1 - math.exp(-ka * t_end)) / ka)


def test_sweep_matches_single_simulations(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    metrics = [Metric.value_at("pS6K1", "12 h", relative=True), Metric.min("pS6K1"), Metric.auc("everolimus_cell_nM")]
    samples = ParameterSpace([Uniform("kcat_S6K1", 0.2, 0.8)]).grid(2)
    regimen = mt.Regimen.in_vitro("everolimus", "1 nM")
    result = sweep(compiled, metrics=metrics, regimens=regimen, variants=[None, "frb_mutant"], doses=[0.5, 2],
                   parameters=samples, t_end="12 h", n_points=49, progress=False, chunk_size=3, backend="scipy")
    table = result.table
    assert table["point_id"].tolist() == list(range(8))
    assert (table["status"] == "SUCCESS").all()
    # variant outer, dose level, then sample fastest
    assert table["variant"].tolist() == ["base"] * 4 + ["frb_mutant"] * 4
    assert table["dose_scale"].tolist() == [0.5, 0.5, 2, 2] * 2
    for _, row in table.iloc[[0, 3, 5]].iterrows():
        reg = mt.Regimen.in_vitro("everolimus", f"{row['dose_scale']} nM")
        variant = None if row["variant"] == "base" else row["variant"]
        p = compiled.parameters({"kcat_S6K1": row["kcat_S6K1"]}, variant=variant)
        traj = mt.simulate(compiled, reg, t_eval=result.design.options.t_eval, parameters=p)
        for m in metrics:
            assert row[m.name] == pytest.approx(evaluate(m, traj), rel=1e-9)


def test_exposure_matches_the_bateman_equation_and_scales_with_dose(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    regimen = mt.Regimen.single(mt.Dose("testdrug", "100 mg"))
    samples = ParameterSamples(("CL",), [[5.0], [20.0]], (None,))
    result = sweep(compiled, metrics=[Metric.auc("drug_central")], regimens=regimen, doses=[0, 1, 3],
                   parameters=samples, t_end="24 h", n_points=1201, rtol=1e-10, atol=1e-10, progress=False)
    for _, row in result.table.iterrows():
        expected = bateman_auc(100 * row["dose_scale"], 24.0, cl=row["CL"])
        # trapezoidal rule on a 0.02 h grid: relative error ~1e-5
        assert row["auc_drug_central"] == pytest.approx(expected, rel=5e-5, abs=1e-9)
    assert result.units["auc_drug_central"] == "nM·h"
    assert result.units["CL"] == "L/h" or result.units["CL"].lower() in ("l/h", "liter / hour")


def test_failed_points_record_status_and_message_and_the_sweep_goes_on(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    samples = ParameterSamples(("plasma",), [[50.0], [0.0], [25.0]], (None,))
    result = sweep(compiled, metrics=[Metric.auc("drug_central")],
                   regimens=mt.Regimen.single(mt.Dose("testdrug", "100 mg")), parameters=samples, t_end="24 h",
                   progress=False)
    assert result.table["status"].tolist() == ["SUCCESS", "NON_FINITE", "SUCCESS"]
    failed = result.failed
    assert len(failed) == 1 and "non-finite" in failed["message"].iloc[0]
    assert math.isnan(failed["auc_drug_central"].iloc[0])
    assert result.status_counts() == {"SUCCESS": 2, "NON_FINITE": 1}


def test_same_seed_same_sweep(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    space = ParameterSpace([Uniform("CL", 5, 20), Uniform("ka", 0.5, 2)])
    reg = mt.Regimen.single(mt.Dose("testdrug", "10 mg"))

    def run(seed: int):
        return sweep(compiled, metrics=[Metric.max("drug_central")], regimens=reg,
                     parameters=space.latin_hypercube(4, seed=seed), t_end="12 h", progress=False).table

    a, b, c = run(3), run(3), run(4)
    assert a.equals(b)
    assert not np.allclose(a["max_drug_central"], c["max_drug_central"])


def test_grid_sweep_becomes_a_labelled_array(compile_ok, tmp_path):
    compiled = compile_ok("pk_oral_1cpt")
    space = ParameterSpace([Values("CL", [5, 10, 20]), Values("ka", [0.5, 2])])
    reg = {"10 mg": mt.Regimen.single(mt.Dose("testdrug", "10 mg")),
           "20 mg": mt.Regimen.single(mt.Dose("testdrug", "20 mg"))}
    result = sweep(compiled, metrics=[Metric.max("drug_central", name="cmax")], regimens=reg,
                   parameters=space.grid(), t_end="12 h", progress=False)
    ds = result.to_xarray()
    assert dict(ds["cmax"].sizes) == {"regimen": 2, "variant": 1, "CL": 3, "ka": 2}
    row = result.table[(result.table["regimen"] == "20 mg") & (result.table["CL"] == 10) & (result.table["ka"] == 2)]
    assert float(ds["cmax"].sel(regimen="20 mg", variant="base", CL=10, ka=2)) == row["cmax"].iloc[0]
    long = result.long()
    assert set(long.columns) >= {"metric", "value", "unit"} and len(long) == len(result.table)
    import json

    import pyarrow.parquet as pq

    result.to_parquet(tmp_path / "grid.parquet")
    written = pq.read_table(tmp_path / "grid.parquet")
    assert json.loads(written.schema.metadata[b"mtorsim.units"])["cmax"] == "nM"
    assert written.num_rows == 12


def test_a_sweep_without_doses_or_samples(compile_ok):
    result = sweep(compile_ok("rapalog_minimal"), metrics=[Metric.value_at("pS6K1", "1 h")],
                   variants=[None, "frb_mutant"], t_end="1 h", n_points=3, progress=False)
    assert result.table["regimen"].tolist() == ["none", "none"]
    # without drug the variants do not differ (the FRB mutation only matters to the drug)
    assert result.table["value_at_pS6K1_at_1h"].iloc[0] == pytest.approx(result.table["value_at_pS6K1_at_1h"].iloc[1])


def test_per_drug_dose_levels_and_zero_leaves_a_drug_out():
    regimen = mt.Regimen.in_vitro("a", "1 nM") + mt.Regimen.in_vitro("b", "2 nM")
    levels = DoseLevels.grid({"a": [0, 1], "b": [3]})
    assert levels.columns == ("dose_scale_a", "dose_scale_b")
    scaled = scale_regimen(regimen, {"a": 0.0, "b": 3.0})
    assert [(d.drug, d.amount.magnitude) for d in scaled.doses] == [("b", 6.0)]
    assert scale_regimen(regimen, {"a": 1.0}) is regimen
    with pytest.raises(mt.SweepError, match="negative"):
        DoseLevels.uniform([1, -1])


def test_designs_are_checked_before_anything_runs(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    with pytest.raises(mt.UnknownNameError):
        SweepDesign.build(compiled, metrics=[Metric.min("pS6K2")], t_end="1 h")
    with pytest.raises(mt.SweepError, match="outside"):
        SweepDesign.build(compiled, metrics=[Metric.value_at("pS6K1", "2 h")], t_end="1 h")
    with pytest.raises(mt.UnknownNameError):
        SweepDesign.build(compiled, metrics=[Metric.min("pS6K1")], variants=["frb_mutnt"], t_end="1 h")
    with pytest.raises(mt.ScheduleError):
        SweepDesign.build(compiled, metrics=[Metric.min("pS6K1")], t_end="1 h",
                          regimens=mt.Regimen.in_vitro("sirolimus", "1 nM"))
    with pytest.raises(mt.SweepError, match="share the name"):
        SweepDesign.build(compiled, metrics=[Metric.min("pS6K1"), Metric.min("pS6K1")], t_end="1 h")
    with pytest.warns(mt.MtorsimWarning, match="also set by a variant"):
        SweepDesign.build(compiled, metrics=[Metric.min("pS6K1")], t_end="1 h", variants=["frb_mutant"],
                          parameters=ParameterSamples(("Kd_FRB",), [[5.0]], (None,)))


def test_metric_times_join_the_output_grid(compile_ok):
    design = SweepDesign.build(compile_ok("rapalog_minimal"), t_end="10 h", n_points=3,
                               metrics=[Metric.value_at("pS6K1", "3.3 h"), Metric.mean("pS6K1", start="1.1 h")])
    assert design.options.t_eval.tolist() == [0.0, 1.1, 3.3, 5.0, 10.0]


def test_chunks_never_span_two_regimens_and_cover_every_point(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    reg = {k: mt.Regimen.single(mt.Dose("testdrug", f"{k} mg")) for k in ("1", "2")}
    design = SweepDesign.build(compiled, metrics=[Metric.max("drug_central")], regimens=reg,
                               parameters=ParameterSamples(("CL",), np.arange(1.0, 6.0)[:, None], (None,)),
                               t_end="1 h")
    chunks = design.chunks(2)
    assert [(c.regimen, c.start, c.stop) for c in chunks] == [(0, 0, 2), (0, 2, 4), (0, 4, 5), (1, 5, 7),
                                                              (1, 7, 9), (1, 9, 10)]
    task = design.task(chunks[3])
    assert task.parameters.shape == (2, compiled.n_parameters)
    assert task.parameters[:, compiled.parameter_index("CL")].tolist() == [1.0, 2.0]
    result = evaluate_chunk(task)
    assert result.point_ids.tolist() == [5, 6] and (result.status == 0).all()
