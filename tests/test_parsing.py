"""Model files → Model: values in canonical units, names, expressions, variants, drugs."""

from __future__ import annotations

import math

import pytest
import sympy

import mtorsim as mt
from conftest import OK_MODELS
from mtorsim.expressions import parse_expression
from mtorsim.loading import load_model_text
from mtorsim.spec import RateBasis, Route, symbol


def test_values_are_converted_to_canonical_units():
    m = mt.load_model(OK_MODELS / "enzyme.yaml")
    assert m.get_parameter("kon").value == pytest.approx(1e-3 * 3600)  # 1/nM/s -> 1/nM/h
    assert m.get_parameter("kcat").value == pytest.approx(600.0)  # 10/min -> 600/h
    assert m.get_species("S").initial == pytest.approx(1000.0)  # 1 uM -> nM
    assert m.get_compartment("cell").size == pytest.approx(1e-12)  # pL -> L


def test_derived_parameter_is_evaluated_from_its_expression():
    m = mt.load_model(OK_MODELS / "enzyme.yaml")
    koff = m.get_parameter("koff")
    assert koff.derived and koff.value == pytest.approx(3.6 * 50.0)
    assert koff.expr == symbol("kon") * symbol("Kd")


def test_rate_basis_is_inferred_from_units():
    pk = mt.load_model(OK_MODELS / "pk_oral_1cpt.yaml")
    assert {r.name: r.basis for r in pk.reactions} == {
        "absorption": RateBasis.AMOUNT,  # ka * gut amount: nmol/h
        "elimination": RateBasis.AMOUNT,  # CL * concentration: L/h * nM = nmol/h
    }
    enzyme = mt.load_model(OK_MODELS / "enzyme.yaml")
    assert all(r.basis is RateBasis.SPECIES for r in enzyme.reactions)


def test_observable_scale_converts_into_declared_unit():
    m = mt.load_model(OK_MODELS / "pk_oral_1cpt.yaml")
    obs = m.get_observable("conc_ng_mL")
    # nM * g/mol is a mass concentration; canonical mg/L, and 1 mg/L = 1000 ng/mL
    assert obs.unit == "ng/mL" and obs.scale == pytest.approx(1000.0)


def test_drug_routes_and_variants_are_read():
    m = mt.load_model("rapalog_minimal")
    eve = m.get_drug("everolimus")
    assert eve.molar_mass == pytest.approx(958.24)
    assert set(eve.routes) == {Route.ORAL, Route.MEDIUM}
    v = m.get_variant("frb_mutant")
    assert v.overrides["Kd_FRB"] == pytest.approx(12000.0)


def test_unknown_lookup_suggests_close_names():
    m = mt.load_model("rapalog_minimal")
    with pytest.raises(mt.UnknownNameError, match="did you mean 'frb_mutant'"):
        m.get_variant("frb_mutnt")


def test_reaction_equations_with_stoichiometry_and_empty_sides():
    text = """
model: {name: stoich}
species:
  A: {initial: 1 nM}
  B: {initial: 0 nM}
parameters:
  k: {value: 1 1/nM/h, source: "assumed: test"}
  ks: {value: 1 nM/h, source: "assumed: test"}
reactions:
  dimerise: {equation: 2 A -> B, rate: k * A^2}
  make: {equation: "-> A", rate: ks}
  lose: {equation: "B ->", rate: k * B * A}
  cat: {equation: A + B -> 2 B, rate: k * A * B}
"""
    m = load_model_text(text)
    stoich = {r.name: r.stoichiometry() for r in m.reactions}
    assert stoich["dimerise"] == {"A": -2.0, "B": 1.0}
    assert stoich["make"] == {"A": 1.0}
    assert stoich["lose"] == {"B": -1.0}
    assert stoich["cat"] == {"A": -1.0, "B": 1.0}


def test_expression_parser_reports_undeclared_names_at_their_column():
    symbols = {"k": symbol("k"), "A": symbol("A")}
    expr, issues = parse_expression("k * A + kk * B", symbols)
    assert [(i.kind, i.col, i.name) for i in issues] == [("undeclared", 8, "kk"), ("undeclared", 13, "B")]
    expr, issues = parse_expression("k * A^2", symbols)
    assert not issues and expr == symbol("k") * symbol("A") ** 2


def test_expression_functions_expand_to_sympy():
    x, K, n = symbol("x"), symbol("K"), symbol("n")
    table = {"x": x, "K": K, "n": n}
    assert parse_expression("hill(x, K, n)", table)[0] == x**n / (K**n + x**n)
    assert parse_expression("mm(x, K)", table)[0] == x / (K + x)
    pw = parse_expression("piecewise(x, x > K, K)", table)[0]
    assert isinstance(pw, sympy.Piecewise)
    _, issues = parse_expression("hill(x, K)", table)
    assert issues[0].kind == "arity"


def test_floats_in_expressions_keep_their_exact_value():
    expr, _ = parse_expression("0.1 * x + 1e-300", {"x": symbol("x")})
    numbers = [float(a) for a in expr.atoms(sympy.Float)]
    assert 0.1 in numbers and 1e-300 in numbers


def test_plain_number_initial_without_unit_is_rejected():
    text = "model: {name: m}\nspecies:\n  A: {initial: 5}\n"
    with pytest.raises(mt.ModelValidationError) as info:
        load_model_text(text)
    assert info.value.codes() == ["E204"]


def test_unused_parameter_is_a_warning_not_an_error():
    text = """model: {name: m}
species:
  A: {initial: 5 nM}
parameters:
  unused: {value: 1 1/h, source: "assumed: test"}
"""
    with pytest.warns(mt.MtorsimWarning, match="W402"):
        m = load_model_text(text)
    assert m.get_parameter("unused").value == 1.0
    assert not math.isnan(m.get_species("A").initial)
