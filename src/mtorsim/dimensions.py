"""Dimensional analysis of sympy expressions with pint units.

:func:`unit_of` walks an expression and returns its unit given the unit of every
symbol.  Sums, ``min``/``max`` and both branches of a ``piecewise`` must agree in
dimension; ``exp``/``log``/trigonometric arguments must be dimensionless; a
power with a symbolic exponent (a Hill coefficient) uses the exponent's current
value, which keeps ``S^n/(K^n + S^n)`` consistent for any ``n``.  A literal ``0``
fits any dimension (``max(A - K, 0)``); other literal numbers are dimensionless.
"""

from __future__ import annotations

from collections.abc import Mapping

import pint
import sympy

from .units import Unit, format_unit

__all__ = ["DimensionIssue", "unit_of"]

_DIMENSIONLESS = Unit("dimensionless")
_ANY = object()  # unit of a literal zero: compatible with everything
_BOOL = object()  # unit of a condition


class DimensionIssue(Exception):
    """Raised by :func:`unit_of`: ``kind`` is ``"mismatch"``, ``"argument"``, or ``"unknown"``
    (a name whose own definition failed, already reported elsewhere)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


_DIMENSIONLESS_FUNCTIONS = (
    sympy.exp,
    sympy.log,
    sympy.sin,
    sympy.cos,
    sympy.tan,
)
_SAME_UNIT_FUNCTIONS = (sympy.Abs, sympy.floor, sympy.ceiling, sympy.sign)


def unit_of(
    expr: sympy.Basic,
    units: Mapping[sympy.Symbol, pint.Unit],
    values: Mapping[sympy.Symbol, float] | None = None,
) -> pint.Unit:
    """Return the unit of ``expr``.

    Parameters
    ----------
    expr : sympy expression
    units : mapping of symbol to pint unit
        The declared unit of every symbol in ``expr``.
    values : mapping of symbol to float, optional
        Numeric values used to evaluate symbolic exponents.

    Raises
    ------
    DimensionIssue
        On the first inconsistency, with a message naming both sides.
    """
    result = _walk(expr, units, values or {})
    if result is _ANY or result is _BOOL:
        return _DIMENSIONLESS
    return result  # type: ignore[return-value]


def _same(a: object, b: object) -> bool:
    if a is _ANY or b is _ANY:
        return True
    return a.dimensionality == b.dimensionality  # type: ignore[attr-defined]


def _show(u: object) -> str:
    if u is _ANY:
        return "0"
    return format_unit(u)


def _walk(e: sympy.Basic, units: Mapping, values: Mapping) -> object:
    if e.is_Symbol:
        try:
            return units[e]
        except KeyError:
            raise DimensionIssue("unknown", f"no unit known for '{e}'") from None
    if e.is_Number or e in (sympy.pi, sympy.E, sympy.oo, -sympy.oo):
        return _ANY if e == 0 else _DIMENSIONLESS
    if isinstance(e, sympy.Add):
        terms = [(t, _walk(t, units, values)) for t in e.args]
        ref = next(((t, u) for t, u in terms if u is not _ANY), None)
        if ref is None:
            return _ANY
        for t, u in terms:
            if not _same(ref[1], u):
                raise DimensionIssue(
                    "mismatch",
                    f"cannot add '{ref[0]}' [{_show(ref[1])}] and '{t}' [{_show(u)}]",
                )
        return ref[1]
    if isinstance(e, sympy.Mul):
        out: object = _DIMENSIONLESS
        for arg in e.args:
            u = _walk(arg, units, values)
            if u is _ANY:
                return _ANY
            out = out * u  # type: ignore[operator]
        return out
    if isinstance(e, sympy.Pow):
        base, exponent = e.args
        ub = _walk(base, units, values)
        ue = _walk(exponent, units, values)
        if ue is not _ANY and not ue.dimensionless:  # type: ignore[attr-defined]
            raise DimensionIssue("argument", f"exponent '{exponent}' has units [{_show(ue)}]; it must be dimensionless")
        if ub is _ANY:
            return _ANY
        if ub.dimensionless:  # type: ignore[attr-defined]
            return _DIMENSIONLESS
        if exponent.is_Number:
            return ub ** float(exponent)  # type: ignore[operator]
        try:
            power = float(exponent.subs(values))
        except TypeError:
            raise DimensionIssue(
                "argument",
                f"'{base}' [{_show(ub)}] is raised to the symbolic power '{exponent}' whose value is unknown",
            ) from None
        return ub**power  # type: ignore[operator]
    if isinstance(e, sympy.Piecewise):
        ref: tuple[object, object] | None = None
        for value, cond in e.args:
            _walk(cond, units, values)
            u = _walk(value, units, values)
            if u is _ANY:
                continue
            if ref is None:
                ref = (value, u)
            elif not _same(ref[1], u):
                raise DimensionIssue(
                    "mismatch", f"piecewise branches '{ref[0]}' [{_show(ref[1])}] and '{value}' [{_show(u)}] differ"
                )
        return _ANY if ref is None else ref[1]
    if isinstance(e, (sympy.Min, sympy.Max)):
        us = [(a, _walk(a, units, values)) for a in e.args]
        ref = next(((a, u) for a, u in us if u is not _ANY), None)
        if ref is None:
            return _ANY
        for a, u in us:
            if not _same(ref[1], u):
                raise DimensionIssue("mismatch", f"cannot compare '{ref[0]}' [{_show(ref[1])}] and '{a}' [{_show(u)}]")
        return ref[1]
    if isinstance(e, sympy.core.relational.Relational):
        lhs, rhs = e.args
        ul, ur = _walk(lhs, units, values), _walk(rhs, units, values)
        if not _same(ul, ur):
            raise DimensionIssue("mismatch", f"cannot compare '{lhs}' [{_show(ul)}] with '{rhs}' [{_show(ur)}]")
        return _BOOL
    if isinstance(e, (sympy.And, sympy.Or, sympy.Not)) or e in (sympy.true, sympy.false):
        for a in e.args:
            _walk(a, units, values)
        return _BOOL
    if isinstance(e, _DIMENSIONLESS_FUNCTIONS):
        for a in e.args:
            u = _walk(a, units, values)
            if u is not _ANY and not u.dimensionless:  # type: ignore[attr-defined]
                raise DimensionIssue(
                    "argument",
                    f"the argument of {type(e).__name__}() must be dimensionless, but '{a}' has units [{_show(u)}]",
                )
        return _DIMENSIONLESS
    if isinstance(e, _SAME_UNIT_FUNCTIONS):
        u = _walk(e.args[0], units, values)
        return _DIMENSIONLESS if isinstance(e, sympy.sign) else u
    # Unknown function objects (e.g. SBML function definitions left un-inlined)
    raise DimensionIssue("mismatch", f"cannot determine the units of '{e}'")
