"""SBML export: libSBML finds no error, libRoadRunner reproduces mtorsim's trajectories.

The oracle for the numbers is libRoadRunner (an independent SBML simulator, CVODE)
running the exported file, compared with :func:`mtorsim.simulate` on the same model.
"""

from __future__ import annotations

import dataclasses

import libsbml
import numpy as np
import pytest
import roadrunner
import sympy

import mtorsim as mt
from conftest import run_cli
from mtorsim.loading import load_model_text
from mtorsim.sbml import load_sbml
from mtorsim.sbml.export_notes import ANNOTATION_NS
from mtorsim.sbml.writer import sbml_problems
from mtorsim.units import CONCENTRATION, parse_unit

BUNDLED = "pi3k_akt_mtor"
MINIMAL = "rapalog_minimal"
# both solvers run tight, so their difference is the export's (ATOL: libRoadRunner, amounts in nmol)
RTOL, ATOL, MT_ATOL = 1e-10, 1e-14, 1e-12
EVEROLIMUS_DAILY = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=3)
READOUTS = ["pS6K1", "pAKT_S473", "everolimus_blood_ng_mL", "p4EBP1", "IRS1", "mTORC2_assembled"]


def libsbml_issues(text: str) -> list[tuple[int, int, str]]:
    """(severity, category, message) of every issue libSBML's consistency checks (units on) raise."""
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.checkConsistency()
    errors = (doc.getError(i) for i in range(doc.getNumErrors()))
    return [(e.getSeverity(), e.getCategory(), e.getMessage()) for e in errors]


def run_roadrunner(text: str, selections: list[str], t: np.ndarray) -> dict[str, np.ndarray]:
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = RTOL
    rr.integrator.absolute_tolerance = ATOL
    rr.timeCourseSelections = ["time", *selections]
    res = rr.simulate(float(t[0]), float(t[-1]), len(t))
    assert np.allclose(res["time"], t)
    return {name: np.asarray(res[name]) for name in selections}


def assert_agree(reference: np.ndarray, other: np.ndarray, name: str, rtol: float = 1e-6) -> None:
    scale = max(float(np.max(np.abs(reference))), 1e-12)
    np.testing.assert_allclose(other, reference, rtol=rtol, atol=1e-8 * scale, err_msg=name)


def species_selection(compiled: mt.CompiledModel) -> list[str]:
    """RoadRunner names of the species in the units mtorsim reports (``[X]`` is a concentration)."""
    return [f"[{s.name}]" if parse_unit(s.unit).dimensionality == CONCENTRATION else s.name
            for s in compiled.model.species]


@pytest.fixture(scope="module")
def bundled(compile_ok) -> mt.CompiledModel:
    return compile_ok(BUNDLED)


@pytest.fixture(scope="module")
def minimal(compile_ok) -> mt.CompiledModel:
    return compile_ok(MINIMAL)


# ----------------------------------------------------------------------------- validity
@pytest.mark.parametrize("name", [BUNDLED, MINIMAL])
def test_export_is_valid_l3v2_with_consistent_units(name, compile_ok):
    compiled = compile_ok(name)
    for regimen in (None, EVEROLIMUS_DAILY):
        text = mt.export_sbml(compiled, regimen=regimen)
        issues = libsbml_issues(text)
        assert not [msg for severity, _, msg in issues if severity >= libsbml.LIBSBML_SEV_ERROR]
        assert not [msg for _, category, msg in issues if category == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY]
        doc = libsbml.readSBMLFromString(text)
        m = doc.getModel()
        assert (doc.getLevel(), doc.getVersion()) == (3, 2)
        assert m.getNumReactions() == len(compiled.model.reactions)
        assert {m.getSpecies(i).getId() for i in range(m.getNumSpecies())} == set(compiled.state_names)
        assert m.getNumEvents() == (0 if regimen is None else 3)


def test_consistency_check_reports_errors():
    """The check the export relies on does find an error (a rate using an undeclared name)."""
    text = mt.export_sbml(MINIMAL)
    doc = libsbml.readSBMLFromString(text)
    law = doc.getModel().getReaction("absorption").getKineticLaw()
    law.setMath(libsbml.parseL3Formula("ka * eve_gut * undeclared_thing"))
    problems = sbml_problems(doc)
    assert any(severity >= libsbml.LIBSBML_SEV_ERROR and "undeclared_thing" in message
               for severity, message in problems)


def test_expression_without_sbml_counterpart_is_refused():
    model = mt.load_model(MINIMAL)
    r0 = model.reactions[0]
    broken = dataclasses.replace(model, reactions=(dataclasses.replace(r0, rate=sympy.erf(r0.rate)),)
                                 + model.reactions[1:])
    with pytest.raises(mt.SBMLExportError, match="absorption"):
        mt.export_sbml(broken)


# ----------------------------------------------------------------------------- agreement with libRoadRunner
def test_untreated_bundled_model_starts_and_stays_at_mtorsim_steady_state(bundled):
    t = np.linspace(0.0, 72.0, 73)
    traj = mt.simulate(bundled, t_eval=t, rtol=RTOL, atol=MT_ATOL)
    text = mt.export_sbml(bundled)
    species = species_selection(bundled)
    rr = run_roadrunner(text, READOUTS + species, t)
    for name in READOUTS:
        assert_agree(traj[name], rr[name], name)
    for name, sel in zip(bundled.state_names, species, strict=True):
        assert_agree(traj[name], rr[sel], name)
        # the exported initial values are the steady state mtorsim starts from
        np.testing.assert_allclose(rr[sel][0], traj[name][0], rtol=1e-12, atol=1e-15, err_msg=name)


def test_everolimus_daily_as_events_matches_mtorsim(bundled):
    t = np.linspace(0.0, 96.0, 193)
    traj = mt.simulate(bundled, EVEROLIMUS_DAILY, t_eval=t, rtol=RTOL, atol=MT_ATOL)
    rr = run_roadrunner(mt.export_sbml(bundled, regimen=EVEROLIMUS_DAILY), READOUTS, t)
    for name in READOUTS:
        assert_agree(traj[name], rr[name], name)
    # the events did act: three doses in the blood, S6K1 phosphorylation well below baseline
    assert rr["everolimus_blood_ng_mL"].max() > 20.0
    assert rr["pS6K1"].min() < 0.3 * rr["pS6K1"][0]


@pytest.mark.parametrize("regimen, readouts, settings", [
    (mt.Regimen((mt.Dose("temsirolimus", "25 mg", "iv", time="1 h", duration="30 min"),)),
     ["temsirolimus_blood_ng_mL", "sirolimus_blood_ng_mL", "pS6K1", "pAKT_S473"], {}),
    (mt.Regimen.in_vitro("everolimus", "20 nM", start="2 h", washout="26 h")
     + mt.Regimen.in_vitro("capivasertib", "1 uM"),
     ["everolimus_tumour_nM", "pS6K1", "pAKT_S473", "pAKT_T308", "IRS1"], {}),
    (mt.Regimen.repeat(mt.Dose("sirolimus", "4 mg/kg", "ip", time="3 h"), every="24 h", count=2),
     ["sirolimus_blood_ng_mL", "sirolimus_tumour_nM", "pS6K1"], {"variant": "mouse", "body_weight": "25 g"}),
], ids=["infusion", "medium", "mouse-ip-per-kg"])
def test_other_routes_as_events_match_mtorsim(bundled, regimen, readouts, settings):
    """Parameter switches (infusion on/off, medium exposure and washout) and a bioavailable i.p. bolus."""
    t = np.linspace(0.0, 48.0, 97)
    traj = mt.simulate(bundled, regimen, t_eval=t, rtol=RTOL, atol=MT_ATOL, **settings)
    text = mt.export_sbml(bundled, regimen=regimen, **settings)
    rr = run_roadrunner(text, readouts, t)
    for name in readouts:
        assert_agree(traj[name], rr[name], name)
        assert np.ptp(traj[name]) > 1e-3 * max(np.abs(traj[name]).max(), 1e-12), f"{name} does not respond"


def test_rate_bases_and_compartment_volumes_match_mtorsim(minimal):
    """rapalog_minimal mixes per-species rates (x volume in SBML) and amount rates across volumes."""
    t = np.linspace(0.0, 60.0, 121)
    regimen = mt.Regimen.repeat(mt.Dose("everolimus", "5 mg"), every="12 h", count=4)
    params = {"CL": "20 L/h", "kcat_S6K1": 0.4}
    traj = mt.simulate(minimal, regimen, t_eval=t, rtol=RTOL, atol=MT_ATOL, parameters=params, variant="frb_mutant")
    text = mt.export_sbml(minimal, regimen=regimen, parameters=params, variant="frb_mutant")
    species = species_selection(minimal)
    observables = [o.name for o in minimal.model.observables]
    rr = run_roadrunner(text, observables + species, t)
    for name in observables:
        assert_agree(traj[name], rr[name], name)
    for name, sel in zip(minimal.state_names, species, strict=True):
        if name == "eve_gut":  # jumps at dose times, where the two report opposite sides of the jump
            continue
        assert_agree(traj[name], rr[sel], name)


CONSTRUCTS = """
model: {name: constructs, start: initial_values}
compartments:
  cyto: {size: 3 pL, source: "assumed"}
  nucleus: {size: 0.5 pL, source: "assumed"}
species:
  X: {initial: 100 nM, compartment: cyto}
  Xn: {initial: 0 nM, compartment: nucleus}
  Y: {initial: 2 nmol}
  B: {initial: 5 nM, compartment: cyto, boundary: true}
  Z: {initial: 1 nM, compartment: cyto}
  W: {initial: 0 nM, compartment: cyto}
parameters:
  k_in: {value: 2e-12 L/h, source: "assumed"}
  k_out: {value: 0.3 1/h, source: "assumed"}
  k_y: {value: 0.05 1/h, source: "assumed"}
  K: {value: 30 nM, source: "assumed"}
  n: {value: 2.5, source: "assumed"}
  cap: {value: 40 nM, source: "assumed"}
  t_on: {value: 5 h, source: "assumed"}
  k_z: {value: 0.2 1/h, source: "assumed"}
  k_w: {value: 5 nM/h, source: "assumed"}
reactions:
  import: {equation: X <-> Xn, rate: k_in * (X - Xn)}
  export_slow: {equation: Xn -> X, rate: "k_out * min(Xn, cap) * cyto"}
  make_y: {equation: "-> Y", rate: "k_y * Y * hill(B + X, K, n)"}
  w_turnover: {equation: "<-> W", rate: "piecewise(k_w, time > t_on, 0) - k_y * max(W - K, 0)"}
rate_rules:
  Z: "k_z * (B - Z) * exp(-time / t_on)"
observables:
  nuclear_fraction: Xn * nucleus / (Xn * nucleus + X * cyto)
"""


def test_rules_boundaries_and_piecewise_time_match_mtorsim(cache_dir):
    """Rate rules, boundary species, amounts without a compartment, min/max/hill/piecewise on time."""
    model = load_model_text(CONSTRUCTS, "constructs")
    compiled = mt.compile_model(model, cache_dir=cache_dir)
    t = np.linspace(0.0, 20.0, 81)
    traj = mt.simulate(compiled, t_eval=t, rtol=RTOL, atol=MT_ATOL)
    text = mt.export_sbml(compiled)
    assert not [msg for severity, _, msg in libsbml_issues(text) if severity >= libsbml.LIBSBML_SEV_ERROR]
    species = species_selection(compiled)
    rr = run_roadrunner(text, species + ["nuclear_fraction"], t)
    for name, sel in zip([*compiled.state_names, "nuclear_fraction"], [*species, "nuclear_fraction"], strict=True):
        assert_agree(traj[name], rr[sel], name)
    assert np.ptp(traj["W"]) > 1.0 and np.ptp(traj["Z"]) > 1.0 and traj["B"][-1] == 5.0


def test_initial_expressions_and_derived_parameters_stay_live():
    """A model that starts from its initial values keeps initial assignments; derived values follow."""
    model = load_model_text("""
model: {name: binding, start: initial_values}
compartments:
  cell: {size: 1 pL, source: "assumed"}
species:
  R: {initial: R_total, unit: nM, compartment: cell}
  L: {initial: 20 nM, compartment: cell}
  RL: {initial: 0 nM, compartment: cell}
parameters:
  R_total: {value: 50 nM, source: "assumed"}
  kon: {value: 0.01 1/nM/min, source: "assumed"}
  Kd: {value: 5 nM, source: "assumed"}
  koff: {expression: kon * Kd, unit: 1/min}
reactions:
  binding: {equation: R + L <-> RL, rate: kon * R * L - koff * RL}
observables:
  bound: RL / R_total
""", "binding")
    text = mt.export_sbml(model, parameters={"R_total": "80 nM"})
    m = libsbml.readSBMLFromString(text).getModel()
    assert libsbml.formulaToL3String(m.getInitialAssignmentBySymbol("R").getMath()) == "R_total"
    assert libsbml.formulaToL3String(m.getInitialAssignmentBySymbol("koff").getMath()) == "Kd * kon"
    assert m.getParameter("koff").getValue() == pytest.approx(0.01 * 60 * 5)  # 1/h
    assert m.getSpecies("R").getInitialConcentration() == pytest.approx(80.0)
    rr = roadrunner.RoadRunner(text)
    rr.setValue("init(R_total)", 30.0)  # the initial assignment follows the new total
    rr.setValue("init(Kd)", 50.0)  # and the derived off rate follows Kd
    rr.resetAll()
    assert rr["[R]"] == pytest.approx(30.0)
    assert rr["koff"] == pytest.approx(0.6 * 50.0)


# ----------------------------------------------------------------------------- notes, annotations, units
def _annotation(sbase: libsbml.SBase, tag: str) -> libsbml.XMLNode:
    ann = sbase.getAnnotation()
    for i in range(ann.getNumChildren()):
        child = ann.getChild(i)
        if child.getName() == tag and child.getURI() == ANNOTATION_NS:
            return child
    raise AssertionError(f"no mtorsim:{tag} annotation on {sbase.getId()}")


def test_sources_and_units_travel_with_the_file(bundled):
    text = mt.export_sbml(bundled)
    m = libsbml.readSBMLFromString(text).getModel()
    for prm in bundled.model.parameters:
        par = m.getParameter(prm.name)
        if prm.source:
            assert _annotation(par, "parameter").getAttrValue("source") == prm.source
            assert libsbml.XMLNode.convertXMLNodeToString(par.getNotes()).count("source:") == 1
    notes = libsbml.XMLNode.convertXMLNodeToString(m.getParameter("Kd_FKBP12").getNotes())
    assert "Banaszynski" in notes
    assert _annotation(m.getParameter("k_uptake"), "parameter").getAttrValue("unit") == "1/h"

    def si_factor(unit_id: str) -> dict[str, tuple[int, float]]:
        ud = m.getUnitDefinition(unit_id)
        return {libsbml.UnitKind_toString(u.getKind()): (u.getExponent(), (u.getMultiplier() * 10.0 ** u.getScale())
                                                          ** u.getExponent())
                for u in (ud.getUnit(i) for i in range(ud.getNumUnits()))}

    assert m.getTimeUnits() == "h" and si_factor("h") == {"second": (1, 3600.0)}
    assert si_factor("nM") == {"mole": (1, pytest.approx(1e-9)), "litre": (-1, 1.0)}
    assert si_factor(m.getParameter("kon_FRB").getUnits()) == {
        "mole": (-1, pytest.approx(1e9)), "litre": (1, 1.0), "second": (-1, pytest.approx(1 / 3600))}
    # an observable is reported in its own unit: ng/mL is 1e-6 g/L
    ng_ml = si_factor(m.getParameter("everolimus_blood_ng_mL").getUnits())
    assert ng_ml["gram"][0] == 1 and ng_ml["gram"][1] * ng_ml["litre"][1] == pytest.approx(1e-6)
    assert m.getParameter("Kd_FKBP12").getValue() == pytest.approx(0.2)  # nM
    drug = _annotation(m, "model").getChild(0)
    assert (drug.getName(), drug.getAttrValue("name")) == ("drug", "everolimus")
    assert float(drug.getAttrValue("molar_mass_g_per_mol")) == pytest.approx(958.24)


# ----------------------------------------------------------------------------- command line
def test_cli_writes_the_regimen_variant_and_overrides(tmp_path, cache_dir):
    out = tmp_path / "minimal.xml"
    res = run_cli("export-sbml", MINIMAL, "-o", str(out), "--drug", "everolimus", "--dose", "10 mg",
                  "--every", "24 h", "--count", "2", "--variant", "frb_mutant", "--set", "kcat_S6K1=0.3",
                  "--cache-dir", str(cache_dir))
    assert res.returncode == 0, res.stderr
    assert "2 dose(s) as events" in res.stderr
    text = out.read_text()
    assert not [msg for severity, _, msg in libsbml_issues(text) if severity >= libsbml.LIBSBML_SEV_ERROR]
    m = libsbml.readSBMLFromString(text).getModel()
    assert m.getNumEvents() == 2
    assert m.getParameter("kcat_S6K1").getValue() == pytest.approx(0.3 * 60)  # 1/min/nM -> 1/h/nM
    assert m.getParameter("Kd_FRB").getValue() == pytest.approx(12000.0)  # frb_mutant: 12 uM
    bad = run_cli("export-sbml", MINIMAL, "-o", str(tmp_path / "x.xml"), "--drug", "everolimuss",
                  "--dose", "10 mg", "--cache-dir", str(cache_dir))
    assert bad.returncode == 1 and "everolimus" in bad.stderr
    assert not (tmp_path / "x.xml").exists()


# ----------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("name, regimen, t_end", [
    (BUNDLED, None, 48.0),
    (BUNDLED, EVEROLIMUS_DAILY, 72.0),
    (MINIMAL, mt.Regimen.repeat(mt.Dose("everolimus", "5 mg"), every="12 h", count=3), 48.0),
], ids=["bundled-untreated", "bundled-everolimus", "minimal-everolimus"])
def test_round_trip_reproduces_trajectories(name, regimen, t_end, compile_ok, tmp_path):
    """export -> load_sbml -> simulate gives mtorsim's own trajectories (doses as the file's events)."""
    compiled = compile_ok(name)
    path = tmp_path / f"{name}.xml"
    mt.export_sbml(compiled, path, regimen=regimen)
    imported = load_sbml(path)
    t = np.linspace(0.0, t_end, int(t_end) + 1)
    original = mt.simulate(compiled, regimen, t_eval=t, rtol=RTOL, atol=MT_ATOL)
    again = mt.simulate(imported, t_eval=t, rtol=RTOL, atol=MT_ATOL)
    observables = [o.name for o in compiled.model.observables]
    for obs in observables:
        assert_agree(original[obs], again[obs], obs)
    for state in compiled.state_names:
        assert_agree(original[state], again[state], state)
