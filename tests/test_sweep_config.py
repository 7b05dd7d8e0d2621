"""Sweep files: a good file builds the design; bad ones raise ConfigError naming key and file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

import mtorsim as mt
from mtorsim.sweeps import load_sweep_config, parse_metric

GOOD = """\
model: rapalog_minimal
t_end: 24 h
n_points: 25
regimens:
  in_vitro:
    - {drug: everolimus, concentration: 1 nM}
  daily:
    - {drug: everolimus, dose: 10 mg, every: 8 h, count: 3}
variants: [base, frb_mutant]
doses: [0.5, 1]
parameters:
  sampling: latin_hypercube
  n: 4
  seed: 3
  space:
    kcat_S6K1: {distribution: normal, mean: 0.5, sd: 0.05}
    k_uptake: {low: 5, high: 20, scale: log}
metrics:
  - min(pS6K1, relative)
  - time_below(pS6K1, 0.5, relative, end=12 h)
  - {kind: auc, output: everolimus_blood_ng_mL}
output: {store: out/store, table: out/table.csv}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


def test_a_good_file_builds_the_design(tmp_path, cache_dir):
    cfg = load_sweep_config(write(tmp_path, GOOD), cache_dir=cache_dir)
    d = cfg.design
    assert d.shape == (2, 2, 2, 4)
    assert d.metric_names == ("min_pS6K1_rel", "time_below_pS6K1_0.5_rel_0-12h", "auc_everolimus_blood_ng_mL")
    assert [name for name, _ in d.regimens] == ["in_vitro", "daily"]
    assert len(d.regimens[1][1].doses) == 3
    assert cfg.store == tmp_path / "out/store" and cfg.table == tmp_path / "out/table.csv"
    assert d.samples.method == "latin_hypercube" and d.samples.seed == 3


@pytest.mark.parametrize(
    "old, new, key, line",
    [
        ("kcat_S6K1:", "kcat_S6K2:", "parameters.space.kcat_S6K2", 16),  # unknown parameter
        ("low: 5, high: 20", "low: 20, high: 5", "parameters.space.k_uptake.high", 17),  # empty range
        ("low: 5, high: 20", "low: 5, high: 5", "parameters.space.k_uptake.high", 17),  # empty range
        ("dose: 10 mg", "dose: -10 mg", "regimens.daily[0].dose", 8),  # negative dose
        ("doses: [0.5, 1]", "doses: [-0.5, 1]", "doses", 10),  # negative dose factor
        ("concentration: 1 nM", "concentration: -1 nM", "regimens.in_vitro[0].concentration", 6),
        ("n_points: 25", "n_pointz: 25", "n_pointz", 3),  # unknown key
        ("frb_mutant", "frb_mutnt", "variants[1]", 9),  # unknown variant
        ("min(pS6K1, relative)", "min(pS6K2, relative)", "metrics[0]", 19),  # unknown output
        ("end=12 h", "end=48 h", "metrics[1]", 20),  # window beyond t_end
        ("drug: everolimus, dose", "drug: sirolimus, dose", "regimens.daily[0].drug", 8),  # unknown drug
        ("every: 8 h, count: 3", "count: 3", "regimens.daily[0].count", 8),
        ("distribution: normal", "distribution: gamma", "parameters.space.kcat_S6K1.distribution", 16),
        ("n: 4", "n: 0", "parameters.n", 13),
    ],
)
def test_bad_files_name_the_key_and_line(tmp_path, cache_dir, old, new, key, line):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(mt.ConfigError) as info:
        load_sweep_config(path, cache_dir=cache_dir)
    err = info.value
    assert err.key == key
    assert err.loc.file == str(path) and err.loc.line == line
    assert f"{path}:{line}" in str(err)


def test_invalid_yaml_and_missing_keys(tmp_path, cache_dir):
    with pytest.raises(mt.ConfigError) as info:
        load_sweep_config(write(tmp_path, GOOD.replace("t_end: 24 h", "t_end: [24 h")), cache_dir=cache_dir)
    assert info.value.key == "yaml" and info.value.loc.line is not None
    with pytest.raises(mt.ConfigError, match="missing required key 'metrics'"):
        load_sweep_config(write(tmp_path, "model: rapalog_minimal\nt_end: 1 h\n"), cache_dir=cache_dir)


def test_metric_text():
    assert parse_metric("value_at(pS6K1, 24 h, relative)")[0] == mt.Metric.value_at("pS6K1", "24 h", relative=True)
    assert parse_metric("time_below(pS6K1, 0.2, start=1 d)")[0].threshold == 0.2
    assert [m.name for m in parse_metric("exposure(c, start=6 d, end=7 d)")] == ["auc_c", "cmax_c", "ctrough_c"]
    for bad in ("pS6K1", "median(pS6K1)", "time_below(pS6K1)", "min(pS6K1, foo=1)"):
        with pytest.raises(mt.SweepError):
            parse_metric(bad)


DOCS = Path(__file__).resolve().parents[1] / "docs" / "examples"


def test_documented_sweep_files_are_valid(cache_dir):
    cfg = load_sweep_config(DOCS / "kd_sweep.yaml", cache_dir=cache_dir)
    assert cfg.design.shape == (2, 1, 1, 32)
    if "pi3k_akt_mtor" not in mt.bundled_models():
        pytest.skip("rebound_feedback.yaml needs the full model (models/pi3k_akt_mtor.yaml)")
    cfg = load_sweep_config(DOCS / "rebound_feedback.yaml", cache_dir=cache_dir)
    assert [mt_.name for mt_ in cfg.design.metrics][:2] == ["rebound_pAKT_S473", "rebound_time_pAKT_S473"]
