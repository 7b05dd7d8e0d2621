"""The analysis commands: sweep (with resume), dose-response, compare-schedules, sensitivity.

One run goes through a real ``python -m mtorsim`` subprocess; the others call the
same click command in-process (each subprocess pays the package import again).
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import OK_MODELS, run_cli
from mtorsim.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)

PK = str(OK_MODELS / "pk_oral_1cpt.yaml")

SWEEP = f"""\
model: {PK}
t_end: 24 h
n_points: 25
solver: {{rtol: 1e-5, atol: 1e-7}}
regimens:
  single:
    - {{drug: testdrug, dose: 10 mg}}
doses: [1, 2]
parameters:
  sampling: grid
  n: 3
  space:
    CL: {{low: 5, high: 20, scale: log}}
metrics:
  - auc(drug_central)
  - max(drug_central)
output: {{store: out/store, table: out/table.csv, figure: out/figure.png}}
chunk_size: 2
"""


def test_sweep_command_writes_table_and_figure_and_resumes(tmp_path, cache_dir):
    config = tmp_path / "sweep.yaml"
    config.write_text(SWEEP)
    first = run_cli("sweep", str(config), "--cache-dir", str(cache_dir), "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "6 points (6 computed now); SUCCESS: 6" in first.stderr
    table = pd.read_csv(tmp_path / "out/table.csv")
    assert list(table.columns[:6]) == ["point_id", "regimen", "variant", "dose_scale", "sample", "CL"]
    assert (tmp_path / "out/figure.png").stat().st_size > 0
    again = invoke("sweep", str(config), "--cache-dir", str(cache_dir), "--no-progress")
    assert again.exit_code == 0 and "(0 computed now)" in again.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(SWEEP.replace("CL: {low: 5, high: 20", "CLX: {low: 5, high: 20"))
    failed = invoke("sweep", str(bad), "--cache-dir", str(cache_dir))
    assert failed.exit_code == 1
    assert f"{bad}:13:5: `parameters.space.CLX`: unknown parameter 'CLX'" in failed.stderr


def test_dose_response_command(tmp_path, cache_dir):
    out = invoke("dose-response", "rapalog_minimal", "--drug", "everolimus", "--readout", "pS6K1", "--at", "24 h",
                  "--range", "0.001 nM", "100 nM", "--n", "6", "--output", str(tmp_path / "dr.csv"),
                  "-o", str(tmp_path / "dr.png"), "--cache-dir", str(cache_dir))
    assert out.exit_code == 0, out.stderr
    assert "EC50 =" in out.stdout and "absolute IC50" in out.stdout
    table = pd.read_csv(tmp_path / "dr.csv")
    assert len(table) == 7 and table["level"].iloc[0] == 0 and {"response", "fitted"} <= set(table.columns)
    assert (tmp_path / "dr.png").exists()


def test_compare_schedules_command(tmp_path, cache_dir):
    out = invoke("compare-schedules", PK, "--drug", "testdrug", "--schedule", "10 mg daily=10 mg/24 h/3",
                  "--schedule", "30 mg once=30 mg", "--exposure", "drug_central", "--window", "0", "4 d",
                  "--output", str(tmp_path / "s.csv"), "-o", str(tmp_path / "s.png"), "--cache-dir", str(cache_dir))
    assert out.exit_code == 0, out.stderr
    table = pd.read_csv(tmp_path / "s.csv")
    assert table["regimen"].tolist() == ["10 mg daily", "30 mg once"]
    assert table["ratio_auc_drug_central"].iloc[1] == pytest.approx(1.0, rel=0.01)
    assert (tmp_path / "s.png").exists()


def test_sensitivity_command_sobol(tmp_path, cache_dir):
    out = invoke("sensitivity", PK, "--method", "sobol", "--metric", "auc(drug_central)", "--parameter", "CL",
                  "--parameter", "ka", "--n", "4", "--drug", "testdrug", "--dose", "10 mg", "--t-end", "24 h",
                  "--output", str(tmp_path / "sobol.csv"), "-o", str(tmp_path / "sobol.png"),
                  "--cache-dir", str(cache_dir))
    assert out.exit_code == 0, out.stderr
    table = pd.read_csv(tmp_path / "sobol.csv")
    assert set(table["parameter"]) == {"CL", "ka"} and {"S1", "ST", "S1_conf", "ST_conf"} <= set(table.columns)
    assert (tmp_path / "sobol.png").exists()
