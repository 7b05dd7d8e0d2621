"""sympy expressions (as :mod:`mtorsim.spec` holds them) → libSBML abstract syntax trees.

The tree is built node by node, never through infix text, so every function and
relation has an explicit SBML counterpart and anything without one is refused
with the element it came from.  Number literals are dimensionless in mtorsim
(see ``docs/decisions.md``), so they carry ``sbml:units="dimensionless"``, which
lets libSBML check the units of every formula; a literal 0 fits any dimension
and stays unitless.  Simulation time is the ``time`` csymbol.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import libsbml
import sympy

from ..errors import SBMLExportError
from ..spec import TIME

__all__ = ["to_ast", "number"]

_FUNCTIONS: dict[type, int] = {
    sympy.exp: libsbml.AST_FUNCTION_EXP,
    sympy.log: libsbml.AST_FUNCTION_LN,
    sympy.Abs: libsbml.AST_FUNCTION_ABS,
    sympy.floor: libsbml.AST_FUNCTION_FLOOR,
    sympy.ceiling: libsbml.AST_FUNCTION_CEILING,
    sympy.sin: libsbml.AST_FUNCTION_SIN,
    sympy.cos: libsbml.AST_FUNCTION_COS,
    sympy.tan: libsbml.AST_FUNCTION_TAN,
    sympy.Min: libsbml.AST_FUNCTION_MIN,
    sympy.Max: libsbml.AST_FUNCTION_MAX,
    sympy.And: libsbml.AST_LOGICAL_AND,
    sympy.Or: libsbml.AST_LOGICAL_OR,
    sympy.Not: libsbml.AST_LOGICAL_NOT,
    sympy.StrictLessThan: libsbml.AST_RELATIONAL_LT,
    sympy.LessThan: libsbml.AST_RELATIONAL_LEQ,
    sympy.StrictGreaterThan: libsbml.AST_RELATIONAL_GT,
    sympy.GreaterThan: libsbml.AST_RELATIONAL_GEQ,
    sympy.Equality: libsbml.AST_RELATIONAL_EQ,
    sympy.Unequality: libsbml.AST_RELATIONAL_NEQ,
}


def number(value: float, units: str | None = "dimensionless", *, zero_units: bool = False) -> libsbml.ASTNode:
    """A ``<cn>`` node; integers stay integers, ``units`` is its ``sbml:units`` (None: none).

    A literal 0 fits any dimension in mtorsim and gets no units unless ``zero_units``.
    """
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**31:
        node = libsbml.ASTNode(libsbml.AST_INTEGER)
        node.setValue(int(value))
    else:
        node = libsbml.ASTNode(libsbml.AST_REAL)
        node.setValue(float(value))
    if units is not None and (value != 0 or zero_units) and math.isfinite(value):
        node.setUnits(units)
    return node


def _node(kind: int, *children: libsbml.ASTNode) -> libsbml.ASTNode:
    node = libsbml.ASTNode(kind)
    for child in children:
        node.addChild(child)
    return node


def to_ast(expr: sympy.Basic, where: str) -> libsbml.ASTNode:
    """The libSBML tree of ``expr``.

    Parameters
    ----------
    expr : sympy expression
        Over ``spec.symbol(name)`` symbols and :data:`mtorsim.spec.TIME`.
    where : str
        The element it belongs to, for the error message.

    Raises
    ------
    SBMLExportError
        For a function with no SBML counterpart.
    """
    return _Converter(where).convert(expr)


class _Converter:
    def __init__(self, where: str) -> None:
        self.where = where

    def convert(self, e: sympy.Basic) -> libsbml.ASTNode:
        if e is sympy.true:
            return libsbml.ASTNode(libsbml.AST_CONSTANT_TRUE)
        if e is sympy.false:
            return libsbml.ASTNode(libsbml.AST_CONSTANT_FALSE)
        if e.is_Symbol:
            return self.symbol(e)
        if e.is_Number:
            return self.numeric(e)
        if e is sympy.pi:
            return libsbml.ASTNode(libsbml.AST_CONSTANT_PI)
        if e is sympy.E:
            return libsbml.ASTNode(libsbml.AST_CONSTANT_E)
        handler: Callable[[sympy.Basic], libsbml.ASTNode] | None = {
            sympy.Add: self.add,
            sympy.Mul: self.mul,
            sympy.Pow: self.pow,
            sympy.Piecewise: self.piecewise,
        }.get(type(e))
        if handler is not None:
            return handler(e)
        kind = _FUNCTIONS.get(type(e))
        if kind is None:
            raise SBMLExportError(self.where, f"'{e.func.__name__}' in {e} has no SBML counterpart",
                                  "write the expression with arithmetic, exp/log, min/max and piecewise")
        return _node(kind, *(self.convert(a) for a in e.args))

    def symbol(self, s: sympy.Symbol) -> libsbml.ASTNode:
        if s == TIME:
            node = libsbml.ASTNode(libsbml.AST_NAME_TIME)
            node.setName("time")
            return node
        node = libsbml.ASTNode(libsbml.AST_NAME)
        node.setName(s.name)
        return node

    def numeric(self, n: sympy.Number) -> libsbml.ASTNode:
        if n is sympy.oo:
            return number(math.inf)
        if n is sympy.S.NegativeInfinity:
            return _node(libsbml.AST_MINUS, number(math.inf))
        if n is sympy.nan:
            return number(math.nan)
        value = float(n)
        if value < 0:
            return _node(libsbml.AST_MINUS, number(-value))
        return number(value)

    def add(self, e: sympy.Add) -> libsbml.ASTNode:
        # positive terms first, then subtract the negative ones: a - b reads as a - b
        pos, neg = [], []
        for term in e.as_ordered_terms():
            coeff, rest = term.as_coeff_Mul()
            if coeff < 0:
                neg.append(-term)
            else:
                pos.append(term)
        if not pos:
            node = _node(libsbml.AST_MINUS, self.convert(neg[0]))
            neg = neg[1:]
        elif len(pos) == 1:
            node = self.convert(pos[0])
        else:
            node = _node(libsbml.AST_PLUS, *(self.convert(t) for t in pos))
        for t in neg:
            node = _node(libsbml.AST_MINUS, node, self.convert(t))
        return node

    def mul(self, e: sympy.Mul) -> libsbml.ASTNode:
        coeff, rest = e.as_coeff_Mul()
        if coeff < 0:
            return _node(libsbml.AST_MINUS, self.convert(-e))
        num, den = [], []
        for factor in e.as_ordered_factors():
            if factor.is_Pow and factor.exp.is_Number and factor.exp < 0:
                den.append(factor.base if factor.exp == -1 else sympy.Pow(factor.base, -factor.exp))
            elif factor.is_Rational and not factor.is_Integer and factor.p == 1:
                den.append(sympy.Integer(factor.q))
            else:
                num.append(factor)
        top = self.product(num) if num else number(1)
        if not den:
            return top
        return _node(libsbml.AST_DIVIDE, top, self.product(den))

    def product(self, factors: list[sympy.Basic]) -> libsbml.ASTNode:
        if len(factors) == 1:
            return self.convert(factors[0])
        return _node(libsbml.AST_TIMES, *(self.convert(f) for f in factors))

    def pow(self, e: sympy.Pow) -> libsbml.ASTNode:
        base, exp = e.args
        if exp == -1:
            return _node(libsbml.AST_DIVIDE, number(1), self.convert(base))
        if exp == sympy.S.Half:
            return _node(libsbml.AST_FUNCTION_ROOT, number(2, None), self.convert(base))
        if exp.is_Number and exp < 0:
            return _node(libsbml.AST_DIVIDE, number(1), self.pow(sympy.Pow(base, -exp, evaluate=False)))
        return _node(libsbml.AST_POWER, self.convert(base), self.convert(exp))

    def piecewise(self, e: sympy.Piecewise) -> libsbml.ASTNode:
        node = libsbml.ASTNode(libsbml.AST_FUNCTION_PIECEWISE)
        for value, cond in e.args:
            node.addChild(self.convert(value))
            if cond is not sympy.true:
                node.addChild(self.convert(cond))
        return node
