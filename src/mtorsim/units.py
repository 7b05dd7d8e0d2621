"""Units at the edges: one private pint registry and the canonical unit system.

Files and the public API take quantities (``"10 mg"``, ``"25 mg/m^2"``,
``"2 nM"``, ``"24 h"``).  Loading converts every value to **canonical units** so
numerical code sees plain float64:

=============  =========================  ======================
dimension      canonical unit             consequence
=============  =========================  ======================
time           hour (h)                   rate constants in 1/h
substance      nanomole (nmol)            amounts in nmol
length         decimetre (dm)             volumes in L (dm³)
mass           milligram (mg)             mass concentrations in mg/L
=============  =========================  ======================

Concentrations are therefore nmol/L = nM.  The system is coherent: the product
of canonical values is the canonical value of the product, so no conversion
factor ever appears inside generated code.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pint
import platformdirs

from .errors import UnitError

__all__ = [
    "AMOUNT",
    "CONCENTRATION",
    "DIMENSIONLESS",
    "MASS",
    "TIME",
    "VOLUME",
    "Q",
    "canonical_unit",
    "convert",
    "dimension_name",
    "format_unit",
    "is_dimension",
    "parse_quantity",
    "parse_unit",
    "to_canonical",
]

# The one registry.  Private: callers get quantities from `Q`/`parse_quantity`,
# never a registry, and nothing here calls pint's set_application_registry.
# pint's own definition cache (in mtorsim's per-user cache folder) makes start-up ~0.4 s faster.
_UREG = pint.UnitRegistry(
    autoconvert_offset_to_baseunit=True, cache_folder=platformdirs.user_cache_path("mtorsim") / "pint"
)
_UREG.define("cell = [] = cells")
Quantity = _UREG.Quantity
Unit = _UREG.Unit

_CANONICAL_BASE = {
    "[time]": "hour",
    "[substance]": "nanomole",
    "[length]": "decimeter",
    "[mass]": "milligram",
    "[temperature]": "kelvin",
    "[current]": "ampere",
    "[luminosity]": "candela",
}

TIME = _UREG.get_dimensionality("h")
AMOUNT = _UREG.get_dimensionality("mol")
VOLUME = _UREG.get_dimensionality("L")
CONCENTRATION = _UREG.get_dimensionality("mol/L")
MASS = _UREG.get_dimensionality("g")
DIMENSIONLESS = _UREG.get_dimensionality("")

_DIMENSION_NAMES = {
    TIME: "a time (e.g. '24 h')",
    AMOUNT: "an amount (e.g. '10 nmol')",
    VOLUME: "a volume (e.g. '1 L')",
    CONCENTRATION: "a concentration (e.g. '10 nM')",
    MASS: "a mass (e.g. '10 mg')",
    DIMENSIONLESS: "a dimensionless number",
}

# Friendly display names for canonical units of common dimensions.
_DISPLAY = {
    CONCENTRATION: "nM",
    AMOUNT: "nmol",
    VOLUME: "L",
    TIME: "h",
    MASS: "mg",
    DIMENSIONLESS: "1",
}


def Q(value: Any, unit: str | None = None) -> pint.Quantity:
    """Make a quantity: ``Q(10, "mg")`` or ``Q("10 mg")``.

    Raises
    ------
    UnitError
        If the text cannot be read as a quantity.
    """
    if unit is None:
        return parse_quantity(value, argument="value")
    try:
        return Quantity(value, unit)
    except (pint.PintError, ValueError, TypeError) as exc:
        raise UnitError("unit", unit, "a unit pint understands (e.g. 'nM', '1/h')", str(exc)) from None


def parse_unit(text: str, *, argument: str = "unit") -> pint.Unit:
    """Read a unit string (``"nM"``, ``"1/min"``, ``"dimensionless"``)."""
    text = str(text).strip()
    if text in ("", "1", "dimensionless"):
        return Unit("dimensionless")
    try:
        return _unit(text)
    except (pint.PintError, ValueError, TypeError, AttributeError, AssertionError) as exc:
        raise UnitError(argument, text, "a unit pint understands (e.g. 'nM', '1/min')", str(exc)) from None


@functools.lru_cache(maxsize=4096)
def _unit(text: str) -> pint.Unit:
    # pint's parser is slow and units are immutable, so parsed units are memoised
    return Unit(text)


def parse_quantity(value: Any, *, argument: str = "value", default_unit: str | None = None) -> pint.Quantity:
    """Read ``value`` as a pint quantity.

    Accepts a quantity, a string such as ``"10 mg"``, or a plain number, which
    is taken in ``default_unit`` (dimensionless if none is given).

    Raises
    ------
    UnitError
        Naming ``argument`` if the value cannot be read.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, pint.Quantity):  # from another registry: go through text
        value = f"{value.magnitude} {value.units:D}"
    if isinstance(value, bool):
        raise UnitError(argument, value, "a number or a quantity such as '10 nM'")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise UnitError(argument, value, "a finite number")
        return Quantity(float(value), default_unit or "dimensionless")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise UnitError(argument, value, "a quantity such as '10 nM'", "empty text")
        try:
            q = Quantity(text)
        except (pint.PintError, ValueError, TypeError, AttributeError, AssertionError, SyntaxError) as exc:
            raise UnitError(argument, value, "a quantity such as '10 nM' or '0.5 1/h'", str(exc)) from None
        if not isinstance(q, Quantity):  # pint returns a plain number for "3"
            q = Quantity(float(q), "dimensionless")
        if q.dimensionless and default_unit and _is_plain_number(text):
            q = Quantity(float(q.magnitude), default_unit)
        if not math.isfinite(float(q.magnitude)):
            raise UnitError(argument, value, "a finite quantity")
        return q
    raise UnitError(argument, value, "a number or a quantity such as '10 nM'", f"got {type(value).__name__}")


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def canonical_unit(dimensionality: Any) -> pint.Unit:
    """The canonical unit (h, nmol, dm, mg, ...) of a pint dimensionality."""
    unit = Unit("dimensionless")
    for dim, exponent in dict(dimensionality).items():
        base = _CANONICAL_BASE.get(dim)
        if base is None:  # pragma: no cover - exotic dimensions
            raise UnitError("unit", dim, "a physical dimension mtorsim supports")
        unit = unit * Unit(base) ** exponent
    return unit


def to_canonical(q: pint.Quantity) -> float:
    """Magnitude of ``q`` in canonical units."""
    return float(q.to(canonical_unit(q.dimensionality)).magnitude)


def convert(value: Any, expected: Any, *, argument: str, default_unit: str | None = None) -> float:
    """Read ``value`` as a quantity of dimension ``expected`` and return it canonically.

    Parameters
    ----------
    value : str, number or Quantity
        Plain numbers are read in ``default_unit``; if that is ``None`` they are
        taken to be canonical already.
    expected : pint dimensionality
        e.g. :data:`TIME`.
    argument : str
        Name used in the error message.

    Raises
    ------
    UnitError
        If the dimension is wrong, naming ``argument`` and both dimensions.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and default_unit is None:
        value = float(value)
        if not math.isfinite(value):
            raise UnitError(argument, value, "a finite number")
        return value
    q = parse_quantity(value, argument=argument, default_unit=default_unit)
    if q.dimensionality != expected:
        raise UnitError(
            argument,
            value,
            dimension_name(expected),
            f"it has units of {format_unit(q.units)} ({dimension_name(q.dimensionality)})",
        )
    return to_canonical(q)


def is_dimension(q: pint.Quantity | pint.Unit, expected: Any) -> bool:
    return q.dimensionality == expected


def dimension_name(dimensionality: Any) -> str:
    """Human text for a dimension, e.g. ``"a time (e.g. '24 h')"``."""
    known = _DIMENSION_NAMES.get(dimensionality)
    if known:
        return known
    return f"a quantity of dimension {dimensionality}"


def format_unit(unit: pint.Unit | pint.Quantity | Any) -> str:
    """Compact text for a unit: ``nM/min²`` rather than ``nanomolar / minute ** 2``."""
    if isinstance(unit, pint.Quantity):
        unit = unit.units
    text = f"{unit:~P}"
    return text or "1"


def canonical_unit_text(dimensionality: Any) -> str:
    """Display text of the canonical unit of a dimension (``"nM"`` for concentrations)."""
    if dimensionality in _DISPLAY:
        return _DISPLAY[dimensionality]
    text = format_unit(canonical_unit(dimensionality))
    return text.replace("dm³", "L")


def quantity_in(value: float, unit_text: str) -> pint.Quantity:
    """A quantity from a float in the given unit (used for output)."""
    return Quantity(value, parse_unit(unit_text))


def factor(from_unit: pint.Unit, to_unit: pint.Unit) -> float:
    """Multiplicative factor converting values in ``from_unit`` to ``to_unit``."""
    return float(Quantity(1.0, from_unit).to(to_unit).magnitude)
