"""SBML import: a sample of the SBML Test Suite, five BioModels against libRoadRunner,
event semantics against an analytic solution, refusals and malformed documents."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import mtorsim as mt
from conftest import DATA, run_cli
from mtorsim.network import build_network

SBML = DATA / "sbml"
CASES = SBML / "cases"
BIOMODELS = SBML / "biomodels"
ROOT = Path(__file__).resolve().parents[1]


def _suite_runner():
    spec = importlib.util.spec_from_file_location("sbml_test_suite", ROOT / "benchmarks" / "sbml_test_suite.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("sbml_test_suite", module)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the SBML Test Suite (sample)
#: One case per feature group (copied from the suite with its settings and expected results).
SAMPLE = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def test_sample_covers_the_feature_groups() -> None:
    runner = _suite_runner()
    tags = set()
    for case in SAMPLE:
        component, test = runner.read_tags(CASES / case / f"{case}-model.m")
        tags |= set(component) | set(test)
    for group in ("RateRule", "AssignmentRule", "InitialAssignment", "FunctionDefinition", "StoichiometryMath",
                  "ConversionFactors", "CSymbolRateOf", "CSymbolAvogadro", "NonConstantCompartment",
                  "HasOnlySubstanceUnits", "LocalParameters", "EventNoDelay", "EventWithDelay", "EventPriority",
                  "EventIsNotPersistent", "EventT0Firing"):
        assert group in tags, group


@pytest.mark.parametrize("case", SAMPLE)
def test_suite_case(case: str, cache_dir: Path) -> None:
    record = _suite_runner().run_case(CASES / case, cache_dir)
    assert record["passed"], record["reason"] + "\n" + record.get("traceback", "")


# ------------------------------------------------------------------ BioModels vs libRoadRunner
def _roadrunner(path: Path):
    roadrunner = pytest.importorskip("roadrunner")
    rr = roadrunner.RoadRunner(str(path))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    return rr


def _concentration(traj: mt.Trajectory, model: mt.Model, name: str) -> np.ndarray:
    s = model.get_species(name)
    return traj[name] if traj.unit(name) == "nM" else traj[name] / traj[s.compartment]


#: file, end time in the model's own time unit (its natural span: the experiments it reproduces)
TRAJECTORY_MODELS = [("BIOMD0000000581.xml", 60.0), ("BIOMD0000000823.xml", 100.0), ("BIOMD0000000448.xml", 30.0)]


@pytest.mark.parametrize(("file", "t_end"), TRAJECTORY_MODELS)
def test_biomodel_trajectories_agree_with_roadrunner(file: str, t_end: float, cache_dir: Path) -> None:
    path = BIOMODELS / file
    model = mt.load_sbml(path)
    traj = mt.simulate(mt.compile_model(model, cache_dir=cache_dir), t_eval=np.linspace(0, t_end, 61),
                       rtol=1e-9, atol=1e-12)
    rr = _roadrunner(path)
    ids = list(rr.model.getFloatingSpeciesIds())
    expected = rr.simulate(0, t_end, 61, ["time"] + [f"[{s}]" for s in ids])
    assert len(ids) > 10
    for k, name in enumerate(ids):
        want = expected[:, k + 1]
        got = _concentration(traj, model, name)
        scale = max(np.max(np.abs(want)), 1e-12)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * scale, err_msg=f"{file}: {name}")


def _python_rhs(model: mt.Model):
    """The generated rhs, un-jitted (the large models take minutes to jit; the code is the same)."""
    from mtorsim.codegen import emit_module

    net = build_network(model)
    namespace: dict = {}
    exec(compile(emit_module(net), f"<{model.name}>", "exec"), namespace)  # noqa: S102 - our own generated code
    return net, namespace


@pytest.mark.slow
@pytest.mark.parametrize("file", ["BIOMD0000000474.xml", "BIOMD0000000255.xml"])
def test_large_biomodel_derivatives_agree_with_roadrunner(file: str) -> None:
    """dy/dt at three points of libRoadRunner's own trajectory matches its concentration rates."""
    path = BIOMODELS / file
    model = mt.load_sbml(path)
    net, code = _python_rhs(model)
    rr = _roadrunner(path)
    p = np.array([0.0 if math.isnan(x.value) else x.value for x in model.parameters]
                 + [c.size for c in model.compartments])
    code["derive"](p)
    base = np.array([s.initial for s in model.species])
    code["initial"](p, base)
    index = {n: i for i, n in enumerate(net.state_names)}
    ids = list(rr.model.getFloatingSpeciesIds())
    assert set(ids) <= set(index)
    volume_of = dict(zip(rr.model.getCompartmentIds(), rr.model.getCompartmentVolumes(), strict=True))
    # concentration states compare as they are; amount states (hasOnlySubstanceUnits) times the volume
    factor = {n: 1.0 if model.get_species(n).unit == "nM" else volume_of[model.get_species(n).compartment]
              for n in ids}
    checked = 0
    for t in (0.0, 1.0, 10.0):
        if t > 0:
            rr.simulate(rr.model.getTime(), t, 3)
        y = base.copy()
        for name, conc in zip(ids, rr.model.getFloatingSpeciesConcentrations(), strict=True):
            y[index[name]] = conc * factor[name]
        dy = np.empty(net.n_states)
        code["rhs"](t, y, p, dy)
        rates = rr.model.getFloatingSpeciesConcentrationRates()
        tol = 1e-9 * (1 + np.max(np.abs(rates)))
        for name, want in zip(ids, rates, strict=True):
            assert dy[index[name]] == pytest.approx(want * factor[name], rel=1e-7, abs=tol), (file, t, name)
            checked += 1
    assert checked == 3 * len(ids)


def test_done_when_command_line(tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "x.csv"
    res = run_cli("simulate", str(BIOMODELS / "BIOMD0000000581.xml"), "--t-end", "60", "--output", str(out),
                  cache=cache_dir)
    assert res.returncode == 0, res.stderr
    import pandas as pd

    table = pd.read_csv(out)
    assert table["time_h"].iloc[-1] == 60
    assert len(table.columns) == 1 + 28  # every species (25 states, 3 constant) as a column
    res = run_cli("validate", str(BIOMODELS / "BIOMD0000000581.xml"))
    assert res.returncode == 0 and "OK (28 species, 32 reactions" in res.stdout, res.stderr


# ------------------------------------------------------------------ event semantics, analytic oracle
def test_event_reset_matches_the_analytic_sawtooth(cache_dir: Path) -> None:
    """A decays at rate 1 from 1 and is reset to 1 whenever it falls below 0.5 (every ln 2)."""
    compiled = mt.compile_model(mt.load_sbml(SBML / "event_reset.xml"), cache_dir=cache_dir)
    t = np.linspace(0, 5, 501)
    traj = mt.simulate(compiled, t_eval=t, rtol=1e-10, atol=1e-12)
    period = math.log(2)
    a = np.exp(-(t % period))
    b = 1 + 0.5 * np.floor(t / period) + (1 - a)  # each cycle turns 0.5 of A into B
    keep = np.abs((t / period) - np.round(t / period)) > 1e-6  # away from the reset instants
    np.testing.assert_allclose(traj["A"][keep], a[keep], rtol=1e-7)
    np.testing.assert_allclose(traj["B"][keep], b[keep], rtol=1e-7)
    assert traj.stats["events"] == int(5 / period)


# ------------------------------------------------------------------ refusals and malformed files
@pytest.mark.parametrize(("file", "element"), [
    ("algebraic_rule.xml", "algebraic rule"),
    ("delay.xml", "delay()"),
    ("fast_reaction.xml", "fast reaction <reaction id='r1'>"),
    ("comp_package.xml", "package 'comp'"),
])
def test_unsupported_constructs_are_refused_naming_the_element(file: str, element: str) -> None:
    path = SBML / "refused" / file
    with pytest.raises(mt.ModelValidationError) as info:
        mt.load_sbml(path)
    (diag,) = info.value.errors
    assert diag.code == "E121"
    assert element in diag.message
    assert diag.loc.file == str(path) and diag.loc.line is not None
    assert diag.hint


def test_malformed_document_names_file_and_line(tmp_path: Path) -> None:
    good = (SBML / "event_reset.xml").read_text().splitlines()
    line = next(i for i, text in enumerate(good) if "<listOfSpecies>" in text)
    good[line] = good[line].replace("<listOfSpecies>", "<listOfSpecies")  # broken tag
    path = tmp_path / "broken.xml"
    path.write_text("\n".join(good) + "\n")
    model, diagnostics = mt.check_model(path)
    assert model is None
    assert diagnostics and all(d.code == "E120" for d in diagnostics)
    assert diagnostics[0].loc.file == str(path)
    assert diagnostics[0].loc.line is not None and abs(diagnostics[0].loc.line - (line + 1)) <= 1
    res = run_cli("validate", str(path))
    assert res.returncode == 1 and f"{path}:" in res.stderr


def test_undeclared_id_is_reported_at_its_line(tmp_path: Path) -> None:
    lines = (SBML / "event_reset.xml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if "<ci> k </ci>" in text)
    lines[line] = lines[line].replace("<ci> k </ci>", "<ci> k_undeclared </ci>")
    path = tmp_path / "undeclared.xml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(mt.ModelValidationError) as info:
        mt.load_sbml(path)
    diag = info.value.errors[0]
    assert diag.code == "E120" and "k_undeclared" in diag.message
    assert diag.loc.file == str(path) and diag.loc.line is not None


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        mt.load_sbml(tmp_path / "absent.xml")
