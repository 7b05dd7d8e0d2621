"""mtorsim units as SBML unit definitions.

mtorsim keeps every value in canonical units (h, nmol, dm so L, mg; see
:mod:`mtorsim.units`).  Each dimension therefore has exactly one canonical unit,
and :class:`UnitTable` turns a dimension (or any pint unit, e.g. an observable's
``ng/mL``) into the id of an SBML ``<unitDefinition>``, creating it on first use:

==============  ====================================================
canonical unit  SBML units ``(multiplier * 10^scale * kind)^exponent``
==============  ====================================================
h               second, multiplier 3600
nmol            mole, scale -9
L               litre (volumes; ``dm`` = metre, scale -1, otherwise)
mg              gram, scale -3
==============  ====================================================

A unit that is not canonical (``ng/mL``) is the canonical unit of its dimension
times a factor, folded into the multiplier of its first base unit.
"""

from __future__ import annotations

import re
from typing import Any

import libsbml

from ..errors import SBMLExportError
from ..units import canonical_unit, parse_unit

__all__ = ["UnitTable"]

#: pint base dimension -> (SBML kind, scale, multiplier, display name)
_BASE = {
    "[time]": (libsbml.UNIT_KIND_SECOND, 0, 3600.0, "h"),
    "[substance]": (libsbml.UNIT_KIND_MOLE, -9, 1.0, "nmol"),
    "[mass]": (libsbml.UNIT_KIND_GRAM, -3, 1.0, "mg"),
    "[length]": (libsbml.UNIT_KIND_METRE, -1, 1.0, "dm"),
}
# display order of the pieces of a unit id
_ORDER = ("[substance]", "[mass]", "[length]", "[time]")


class UnitTable:
    """Unit definitions of one SBML model, created on demand and named for what they are.

    Parameters
    ----------
    model : libsbml.Model
        Where definitions are added.
    """

    def __init__(self, model: libsbml.Model) -> None:
        self._model = model
        self._ids: dict[tuple[Any, ...], str] = {}

    def canonical(self, unit_text: str) -> str:
        """Id of the canonical unit of the dimension of ``unit_text`` (``"1/min"`` -> ``per_h``)."""
        dims = _dims(unit_text)
        return self._define(dims, 1.0)

    def exact(self, unit_text: str) -> str:
        """Id of ``unit_text`` itself (``"ng/mL"``: mg/L times 1e-3)."""
        u = parse_unit(unit_text or "dimensionless")
        dims = _dims(unit_text)
        factor = float((1.0 * u).to(canonical_unit(u.dimensionality)).magnitude)
        return self._define(dims, factor, _slug(unit_text))

    def dimensionless_factor(self, factor: float) -> str:
        """Id of a dimensionless unit with a multiplier (the scale of an observable)."""
        return self._define({}, factor)

    # ------------------------------------------------------------------ internals
    def _define(self, dims: dict[str, int], factor: float, name: str | None = None) -> str:
        key = (tuple(sorted(dims.items())), factor)
        if key in self._ids:
            return self._ids[key]
        if not dims and factor == 1.0:
            self._ids[key] = "dimensionless"
            return "dimensionless"
        uid = name if name and factor != 1.0 else _canonical_name(dims)
        if not dims:
            uid = f"dimensionless_x{_slug(f'{factor:g}')}"
        uid = self._unique(uid)
        ud = self._model.createUnitDefinition()
        _check(ud.setId(uid), uid)
        pieces = _pieces(dims)
        if not pieces:
            pieces = [(libsbml.UNIT_KIND_DIMENSIONLESS, 1, 0, 1.0)]
        # fold the factor into the first piece: (m * f^(1/e))^e = m^e * f
        kind, exponent, scale, multiplier = pieces[0]
        pieces[0] = (kind, exponent, scale, multiplier * factor ** (1.0 / exponent))
        for kind, exponent, scale, multiplier in pieces:
            unit = ud.createUnit()
            unit.setKind(kind)
            unit.setExponent(exponent)
            unit.setScale(scale)
            unit.setMultiplier(multiplier)
        self._ids[key] = uid
        return uid

    def _unique(self, uid: str) -> str:
        taken = {self._model.getUnitDefinition(i).getId() for i in range(self._model.getNumUnitDefinitions())}
        base, n = uid, 2
        while uid in taken:
            uid = f"{base}_{n}"
            n += 1
        return uid


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:  # pragma: no cover - ids are generated valid
        raise SBMLExportError(f"unit definition {what!r}", f"libSBML refused it: {libsbml.OperationReturnValue_toString(code)}")


def _dims(unit_text: str) -> dict[str, int]:
    u = parse_unit(unit_text or "dimensionless")
    dims: dict[str, int] = {}
    for dim, exponent in dict(u.dimensionality).items():
        if dim not in _BASE or exponent != int(exponent):
            raise SBMLExportError(f"unit {unit_text!r}", f"dimension {dim}^{exponent} has no SBML export",
                                  "use time, amount, mass and length with integer powers")
        dims[dim] = int(exponent)
    return dims


def _pieces(dims: dict[str, int]) -> list[tuple[int, int, int, float]]:
    """(kind, exponent, scale, multiplier) per base dimension; volumes as litre when possible."""
    out = []
    for dim in _ORDER:
        e = dims.get(dim, 0)
        if e == 0:
            continue
        if dim == "[length]" and e % 3 == 0:
            out.append((libsbml.UNIT_KIND_LITRE, e // 3, 0, 1.0))
            continue
        kind, scale, multiplier, _ = _BASE[dim]
        out.append((kind, e, scale, multiplier))
    return out


def _canonical_name(dims: dict[str, int]) -> str:
    """``nM_per_h``, ``per_nM_per_h``, ``L_per_h``, ``nmol``: concentrations read as nM."""
    d = dict(dims)
    up: list[str] = []
    down: list[str] = []
    sub, vol = d.get("[substance]", 0), d.get("[length]", 0)
    if vol % 3 == 0:
        vol //= 3
        if sub > 0 and vol < 0:
            k = min(sub, -vol)
            up.append(_power("nM", k))
            sub, vol = sub - k, vol + k
        elif sub < 0 and vol > 0:
            k = min(-sub, vol)
            down.append(_power("nM", k))
            sub, vol = sub + k, vol - k
        d["[length]"] = 0
        for name, e in (("nmol", sub), ("L", vol)):
            if e:
                (up if e > 0 else down).append(_power(name, abs(e)))
        d["[substance]"] = 0
    for dim in _ORDER:
        e = d.get(dim, 0)
        if e:
            (up if e > 0 else down).append(_power(_BASE[dim][3], abs(e)))
    text = "_".join(up) if up else ""
    if down:
        text += ("_" if text else "") + "per_" + "_per_".join(down)
    return text or "dimensionless"


def _power(name: str, e: int) -> str:
    return name if e == 1 else f"{name}{e}"


def _slug(text: str) -> str:
    s = re.sub(r"[^0-9A-Za-z]+", "_", text.replace("/", "_per_").replace("^", "")).strip("_")
    s = s.replace("__", "_")
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "u_" + s
    return s

