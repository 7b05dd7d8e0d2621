"""The command line, end to end in a subprocess."""

from __future__ import annotations

import pandas as pd

from conftest import BAD_MODELS, OK_MODELS, run_cli


def test_validate_ok_and_bad(cache_dir):
    ok = run_cli("validate", str(OK_MODELS / "enzyme.yaml"))
    assert ok.returncode == 0 and "OK" in ok.stdout and "2 conservation law(s)" in ok.stdout
    bad = run_cli("validate", str(BAD_MODELS / "e203_unit_mismatch.yaml"))
    assert bad.returncode == 1
    assert "e203_unit_mismatch.yaml:13:11: error[E203 unit-mismatch]" in bad.stderr
    assert "hint:" in bad.stderr and "^" in bad.stderr


def test_validate_prints_all_diagnostics_of_a_file(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("model: {name: two}\nspecies:\n  A: {initial: -1 nM}\n  B: {initial: 1 foo}\n")
    res = run_cli("validate", str(path))
    assert res.returncode == 1
    assert "E206" in res.stderr and "E204" in res.stderr and "2 error(s)" in res.stderr


def test_simulate_writes_csv_and_plot(tmp_path, cache_dir):
    csv, png = tmp_path / "out.csv", tmp_path / "fig.png"
    res = run_cli("simulate", str(OK_MODELS / "pk_oral_1cpt.yaml"), "--t-end", "48 h", "--n-points", "97",
                  "--drug", "testdrug", "--dose", "100 mg", "--every", "12 h", "--count", "4",
                  "--output", str(csv), "--plot", "conc_ng_mL", "-o", str(png), "--set", "ka=0.9",
                  cache=cache_dir)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(csv)
    assert list(table.columns) == ["time_h", "conc_ng_mL"]
    assert len(table) == 97 and table["time_h"].iloc[-1] == 48.0
    assert table["conc_ng_mL"].max() > 0
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_simulate_bundled_model_by_default_with_variant(tmp_path, cache_dir):
    csv = tmp_path / "invitro.csv"
    res = run_cli("simulate", "rapalog_minimal", "--drug", "everolimus", "--concentration", "20 nM",
                  "--t-end", "24", "--variant", "frb_mutant", "--output", str(csv), cache=cache_dir)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(csv)
    assert table["pS6K1"].iloc[-1] > 0.8 * table["pS6K1"].iloc[0]  # the mutant escapes


def test_simulate_reports_bad_input_with_exit_code(tmp_path, cache_dir):
    res = run_cli("simulate", str(OK_MODELS / "decay.yaml"), "--t-end", "10 mg", cache=cache_dir)
    assert res.returncode == 1 and "`t_end`" in res.stderr
    res = run_cli("simulate", str(OK_MODELS / "decay.yaml"), "--t-end", "10", "--set", "kk=1", cache=cache_dir)
    assert res.returncode == 1 and "did you mean 'k'" in res.stderr
    res = run_cli("simulate", str(OK_MODELS / "decay.yaml"), "--t-end", "10", "--plot", "A", cache=cache_dir)
    assert res.returncode == 2  # usage error: --plot without -o
    res = run_cli("simulate", str(OK_MODELS / "decay.yaml"), "--t-end", "100", "--set", "k=-1e6",
                  "--start", "initial-values", cache=cache_dir)
    assert res.returncode == 3 and "remedy:" in res.stderr


def test_version_and_help():
    res = run_cli("--version")
    assert res.returncode == 0 and "mtorsim" in res.stdout
    res = run_cli("simulate", "--help")
    assert "--drug" in res.stdout and "--t-end" in res.stdout
