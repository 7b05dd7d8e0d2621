"""Stoichiometry, symbolic rhs/Jacobian, conservation laws, fingerprints."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy

import mtorsim as mt
from conftest import OK_MODELS
from mtorsim.spec import symbol


def test_stoichiometry_and_rhs_expressions():
    net = mt.build_network(mt.load_model(OK_MODELS / "enzyme.yaml"))
    assert net.state_names == ("E", "S", "ES", "P")
    np.testing.assert_array_equal(net.stoichiometry, [[-1, 1], [-1, 0], [1, -1], [0, 1]])
    rhs = net.rhs_expr()
    E, S, ES, kon, Kd, kcat = (symbol(n) for n in ("E", "S", "ES", "kon", "Kd", "kcat"))
    v1 = kon * E * S - symbol("koff") * ES
    assert sympy.simplify(rhs[1] - (-v1)) == 0
    J = net.jacobian_expr()
    assert sympy.simplify(J[1, 1] - (-kon * E)) == 0


def test_conservation_laws_are_the_left_null_space():
    net = mt.build_network(mt.load_model(OK_MODELS / "enzyme.yaml"))
    laws = [dict(law.coefficients) for law in net.conservation_laws]
    assert {"E": 1.0, "ES": 1.0} in laws
    assert {"S": 1.0, "ES": 1.0, "P": 1.0} in laws  # recombined into a non-negative form
    for law in net.conservation_laws:
        w = np.array([law.coefficients.get(n, 0.0) for n in net.state_names])
        np.testing.assert_allclose(w @ net.stoichiometry, 0.0, atol=1e-12)


def test_conservation_laws_weight_by_compartment_volume():
    text = """model: {name: transfer}
compartments:
  a: {size: 1 L}
  b: {size: 4 L}
species:
  X: {initial: 1 nM, compartment: a}
  Y: {initial: 0 nM, compartment: b}
parameters:
  k: {value: 1 L/h, source: "assumed: test"}
reactions:
  move: {equation: X -> Y, rate: k * X}
"""
    from mtorsim.loading import load_model_text

    net = mt.build_network(load_model_text(text))
    (law,) = net.conservation_laws
    assert law.coefficients == {"X": 1.0, "Y": 4.0}  # amounts: 1 L * X + 4 L * Y


def test_fingerprint_ignores_values_but_not_rate_laws():
    model = mt.load_model(OK_MODELS / "enzyme.yaml")
    base = mt.build_network(model).fingerprint()
    changed_value = dataclasses.replace(
        model, parameters=tuple(dataclasses.replace(p, value=p.value * 2) for p in model.parameters)
    )
    assert mt.build_network(changed_value).fingerprint() == base
    r0 = model.reactions[1]
    changed_rate = dataclasses.replace(model, reactions=(model.reactions[0], dataclasses.replace(r0, rate=r0.rate * 2)))
    assert mt.build_network(changed_rate).fingerprint() != base
