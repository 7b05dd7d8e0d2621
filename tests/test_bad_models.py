"""Every file in data/models/bad/ has one defect; its first line says which code and where."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

import mtorsim as mt
from conftest import BAD_MODELS

BAD_FILES = sorted(BAD_MODELS.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (?P<code>[EW]\d{3}) (?P<line>\d+):(?P<col>\d+)")


def test_bad_model_corpus_is_large_enough():
    assert len(BAD_FILES) >= 15
    assert len({p.name.split("_")[0] for p in BAD_FILES}) >= 15  # distinct codes


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_model_reports_code_and_location(path: Path):
    m = _EXPECT.match(path.read_text().splitlines()[0])
    assert m, f"{path.name} lacks an '# expect: CODE line:col' header"
    with pytest.raises(mt.ModelValidationError) as info:
        mt.load_model(path)
    err = info.value
    assert isinstance(err, ValueError)  # errors are also builtins
    hits = [d for d in err.diagnostics if d.code == m["code"]]
    assert hits, f"expected {m['code']}, got {err.codes()}"
    first = hits[0]
    assert (first.loc.file, first.loc.line, first.loc.col) == (str(path), int(m["line"]), int(m["col"]))
    assert first.source_line is not None and first.hint  # the offending line and a fix are shown
    text = first.format()
    assert f"{path}:{m['line']}:{m['col']}" in text and m["code"] in text and "^" in text


def test_validation_collects_every_problem(tmp_path: Path):
    text = """model: {name: many_problems}
species:
  A: {initial: -1 nM}
  B: {initial: 2 nanofoo}
parameters:
  k: {value: 1 1/h}
reactions:
  r1: {equation: "A ->", rate: kk * A}
  r2: {equation: A => , rate: k * A * exp(A)}
"""
    path = tmp_path / "many.yaml"
    path.write_text(text)
    _, diagnostics = mt.check_model(path)
    codes = [d.code for d in diagnostics]
    for code in ("E206", "E204", "E207", "E201", "E210"):
        assert code in codes
    lines = [d.loc.line for d in diagnostics]
    assert lines == sorted(lines)  # reported in file order


def test_validation_error_pickles_with_diagnostics():
    with pytest.raises(mt.ModelValidationError) as info:
        mt.load_model(BAD_MODELS / "e203_unit_mismatch.yaml")
    clone = pickle.loads(pickle.dumps(info.value))
    assert clone.codes() == info.value.codes()
    assert str(clone) == str(info.value)
