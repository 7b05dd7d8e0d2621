"""Quantities at the edges: parsing, canonical conversion, errors naming the argument."""

from __future__ import annotations

import pytest

import mtorsim as mt
from mtorsim.units import CONCENTRATION, TIME, convert, parse_quantity, to_canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("24 h", 24.0), ("7 d", 168.0), ("30 min", 0.5), ("10 nM", 10.0), ("2 uM", 2000.0), ("2 µM", 2000.0),
     ("1 pL", 1e-12), ("0.1 1/min", 6.0), ("1e-3 1/nM/s", 3.6), ("10 mg", 10.0), ("5 ng/mL", 5e-3),
     ("10 percent", 0.1)],
)
def test_quantities_convert_to_canonical_units(text, canonical):
    assert to_canonical(parse_quantity(text)) == pytest.approx(canonical)


def test_convert_checks_dimension_and_names_the_argument():
    assert convert("28 d", TIME, argument="t_end") == 672.0
    assert convert(12.5, TIME, argument="t_end") == 12.5  # plain numbers: already canonical (hours)
    with pytest.raises(mt.UnitError, match="`t_end`") as info:
        convert("10 mg", TIME, argument="t_end")
    assert "a time" in str(info.value) and "mg" in str(info.value)
    with pytest.raises(mt.UnitError, match="`c`"):
        convert("10 parsecs per fortnight", CONCENTRATION, argument="c")


def test_q_builds_quantities():
    assert mt.Q(10, "mg").to("g").magnitude == pytest.approx(0.01)
    assert mt.Q("10 mg") == mt.Q(10, "mg")
    with pytest.raises(mt.UnitError):
        mt.Q(1, "not_a_unit")
