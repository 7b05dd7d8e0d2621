"""libSBML ``ASTNode`` → sympy, with function definitions inlined.

Names are resolved through a callback, so the reader decides what each SBML id
means (a state, a parameter, a renamed local parameter, ...).  ``rateOf(x)`` is
returned as the placeholder :data:`RATE_OF` applied to ``x``'s symbol; the reader
replaces it by a derivative.  ``delay()`` and other constructs outside ODE
semantics raise :class:`UnsupportedMath`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import libsbml
import sympy

__all__ = ["AVOGADRO", "RATE_OF", "UnsupportedMath", "ast_to_sympy", "as_boolean", "as_number"]

#: Avogadro's constant as SBML Level 3 defines it (the 2019 SI value).
AVOGADRO = sympy.Float(6.02214076e23)

#: Placeholder for SBML's ``rateOf`` csymbol; replaced by the reader.
RATE_OF = sympy.Function("rateOf")


class UnsupportedMath(Exception):
    """A MathML construct mtorsim does not simulate (``delay``, unknown csymbols, ...)."""


_BOOLEAN = (sympy.logic.boolalg.BooleanAtom, sympy.logic.boolalg.BooleanFunction,
            sympy.core.relational.Relational)


def is_boolean(e: sympy.Basic) -> bool:
    """Whether ``e`` is a truth value (a relation, a logical operation, true or false)."""
    return isinstance(e, _BOOLEAN)


def as_number(e: sympy.Basic) -> sympy.Expr:
    """A boolean used as a number is 1 or 0 (SBML allows the swap in Level 3 Version 2)."""
    if isinstance(e, sympy.logic.boolalg.BooleanAtom):
        return sympy.Integer(1) if bool(e) else sympy.Integer(0)
    if is_boolean(e):
        return sympy.Piecewise((sympy.Integer(1), e), (sympy.Integer(0), True))
    return e  # type: ignore[return-value]


def as_boolean(e: sympy.Basic) -> sympy.Basic:
    """A number used as a condition is true when non-zero."""
    if is_boolean(e):
        return e
    if e.is_Number:
        return sympy.true if e != 0 else sympy.false
    return sympy.Ne(e, 0)


def _xor(args: list[sympy.Basic]) -> sympy.Basic:
    out = args[0]
    for b in args[1:]:
        out = sympy.Or(sympy.And(out, sympy.Not(b)), sympy.And(sympy.Not(out), b))
    return out


def _quotient(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    q = a / b
    return sympy.sign(q) * sympy.floor(sympy.Abs(q))


_UNARY: Mapping[int, Callable[[sympy.Expr], sympy.Expr]] = {
    libsbml.AST_FUNCTION_ABS: sympy.Abs,
    libsbml.AST_FUNCTION_CEILING: sympy.ceiling,
    libsbml.AST_FUNCTION_FLOOR: sympy.floor,
    libsbml.AST_FUNCTION_EXP: sympy.exp,
    libsbml.AST_FUNCTION_LN: sympy.log,
    libsbml.AST_FUNCTION_FACTORIAL: lambda x: sympy.gamma(x + 1),
    libsbml.AST_FUNCTION_SIN: sympy.sin,
    libsbml.AST_FUNCTION_COS: sympy.cos,
    libsbml.AST_FUNCTION_TAN: sympy.tan,
    libsbml.AST_FUNCTION_SEC: lambda x: 1 / sympy.cos(x),
    libsbml.AST_FUNCTION_CSC: lambda x: 1 / sympy.sin(x),
    libsbml.AST_FUNCTION_COT: lambda x: 1 / sympy.tan(x),
    libsbml.AST_FUNCTION_SINH: sympy.sinh,
    libsbml.AST_FUNCTION_COSH: sympy.cosh,
    libsbml.AST_FUNCTION_TANH: sympy.tanh,
    libsbml.AST_FUNCTION_SECH: lambda x: 1 / sympy.cosh(x),
    libsbml.AST_FUNCTION_CSCH: lambda x: 1 / sympy.sinh(x),
    libsbml.AST_FUNCTION_COTH: lambda x: 1 / sympy.tanh(x),
    libsbml.AST_FUNCTION_ARCSIN: sympy.asin,
    libsbml.AST_FUNCTION_ARCCOS: sympy.acos,
    libsbml.AST_FUNCTION_ARCTAN: sympy.atan,
    libsbml.AST_FUNCTION_ARCSEC: lambda x: sympy.acos(1 / x),
    libsbml.AST_FUNCTION_ARCCSC: lambda x: sympy.asin(1 / x),
    libsbml.AST_FUNCTION_ARCCOT: lambda x: sympy.atan(1 / x),
    libsbml.AST_FUNCTION_ARCSINH: sympy.asinh,
    libsbml.AST_FUNCTION_ARCCOSH: sympy.acosh,
    libsbml.AST_FUNCTION_ARCTANH: sympy.atanh,
    libsbml.AST_FUNCTION_ARCSECH: lambda x: sympy.acosh(1 / x),
    libsbml.AST_FUNCTION_ARCCSCH: lambda x: sympy.asinh(1 / x),
    libsbml.AST_FUNCTION_ARCCOTH: lambda x: sympy.atanh(1 / x),
}

_RELATIONS = {
    libsbml.AST_RELATIONAL_EQ: sympy.Eq,
    libsbml.AST_RELATIONAL_NEQ: sympy.Ne,
    libsbml.AST_RELATIONAL_GT: sympy.Gt,
    libsbml.AST_RELATIONAL_GEQ: sympy.Ge,
    libsbml.AST_RELATIONAL_LT: sympy.Lt,
    libsbml.AST_RELATIONAL_LEQ: sympy.Le,
}


def _number(value: float) -> sympy.Expr:
    if value != value:
        return sympy.nan
    if value in (float("inf"), float("-inf")):
        return sympy.oo if value > 0 else -sympy.oo
    if float(value).is_integer() and abs(value) < 2**53:
        return sympy.Integer(int(value))
    return sympy.Float(value)


class _Converter:
    def __init__(self, resolve: Callable[[str], sympy.Basic],
                 functions: Mapping[str, tuple[list[str], libsbml.ASTNode]]) -> None:
        self.resolve = resolve
        self.functions = functions
        self.bound: list[dict[str, sympy.Basic]] = []

    def name(self, text: str) -> sympy.Basic:
        for frame in reversed(self.bound[-1:]):  # lambda arguments shadow model ids
            if text in frame:
                return frame[text]
        return self.resolve(text)

    def children(self, node: libsbml.ASTNode) -> list[sympy.Basic]:
        return [self.convert(node.getChild(i)) for i in range(node.getNumChildren())]

    def convert(self, node: libsbml.ASTNode) -> sympy.Basic:  # noqa: C901 - one dispatch table
        t = node.getType()
        if t == libsbml.AST_INTEGER:
            return sympy.Integer(node.getInteger())
        if t in (libsbml.AST_REAL, libsbml.AST_REAL_E):
            return _number(node.getReal())
        if t == libsbml.AST_RATIONAL:
            return sympy.Rational(node.getNumerator(), node.getDenominator())
        if t == libsbml.AST_NAME:
            return self.name(node.getName())
        if t == libsbml.AST_NAME_TIME:
            from ..spec import TIME

            return TIME
        if t == libsbml.AST_NAME_AVOGADRO:
            return AVOGADRO
        if t == libsbml.AST_CONSTANT_E:
            return sympy.E
        if t == libsbml.AST_CONSTANT_PI:
            return sympy.pi
        if t == libsbml.AST_CONSTANT_TRUE:
            return sympy.true
        if t == libsbml.AST_CONSTANT_FALSE:
            return sympy.false
        if t == libsbml.AST_FUNCTION_DELAY:
            raise UnsupportedMath("delay() (a delay differential equation)")
        if t == libsbml.AST_FUNCTION_RATE_OF:
            arg = node.getChild(0)
            if arg is None or arg.getType() != libsbml.AST_NAME:
                raise UnsupportedMath("rateOf() of something other than a single id")
            return RATE_OF(sympy.Symbol(arg.getName(), real=True))
        if t == libsbml.AST_FUNCTION_PIECEWISE:
            args = self.children(node)
            pairs = [(as_number(args[i]), as_boolean(args[i + 1])) for i in range(0, len(args) - 1, 2)]
            otherwise = as_number(args[-1]) if len(args) % 2 else sympy.Integer(0)
            return sympy.Piecewise(*pairs, (otherwise, True))
        if t in _RELATIONS:
            args = [as_number(a) for a in self.children(node)]
            rel = _RELATIONS[t]
            if len(args) == 2:
                return rel(args[0], args[1])
            if t == libsbml.AST_RELATIONAL_NEQ:
                return sympy.Not(sympy.Eq(args[0], args[1])) if len(args) == 2 else sympy.true
            return sympy.And(*[rel(a, b) for a, b in zip(args, args[1:], strict=False)])
        if t == libsbml.AST_LOGICAL_AND:
            return sympy.And(*[as_boolean(a) for a in self.children(node)])
        if t == libsbml.AST_LOGICAL_OR:
            return sympy.Or(*[as_boolean(a) for a in self.children(node)])
        if t == libsbml.AST_LOGICAL_XOR:
            args = [as_boolean(a) for a in self.children(node)]
            return _xor(args) if args else sympy.false
        if t == libsbml.AST_LOGICAL_NOT:
            return sympy.Not(as_boolean(self.children(node)[0]))
        if t == libsbml.AST_LOGICAL_IMPLIES:
            a, b = (as_boolean(x) for x in self.children(node))
            return sympy.Or(sympy.Not(a), b)
        args = [as_number(a) for a in self.children(node)]
        if t == libsbml.AST_PLUS:
            return sympy.Add(*args) if args else sympy.Integer(0)
        if t == libsbml.AST_TIMES:
            return sympy.Mul(*args) if args else sympy.Integer(1)
        if t == libsbml.AST_MINUS:
            return -args[0] if len(args) == 1 else args[0] - args[1]
        if t == libsbml.AST_DIVIDE:
            return args[0] / args[1]
        if t in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
            return args[0] ** args[1]
        if t == libsbml.AST_FUNCTION_ROOT:
            return sympy.sqrt(args[0]) if len(args) == 1 else args[1] ** (1 / args[0])
        if t == libsbml.AST_FUNCTION_LOG:
            return sympy.log(args[0], 10) if len(args) == 1 else sympy.log(args[1]) / sympy.log(args[0])
        if t == libsbml.AST_FUNCTION_MIN:
            return sympy.Min(*args)
        if t == libsbml.AST_FUNCTION_MAX:
            return sympy.Max(*args)
        if t == libsbml.AST_FUNCTION_QUOTIENT:
            return _quotient(args[0], args[1])
        if t == libsbml.AST_FUNCTION_REM:
            return args[0] - args[1] * _quotient(args[0], args[1])
        if t in _UNARY:
            return _UNARY[t](args[0])
        if t == libsbml.AST_FUNCTION:
            return self.call(node.getName(), args)
        raise UnsupportedMath(f"MathML element {node.getName() or libsbml.formulaToL3String(node)!r} "
                              f"(type {t})")

    def call(self, name: str, args: list[sympy.Basic]) -> sympy.Basic:
        if name not in self.functions:
            raise UnsupportedMath(f"call of undefined function {name!r}")
        params, body = self.functions[name]
        if len(params) != len(args):
            raise UnsupportedMath(f"function {name!r} takes {len(params)} arguments, got {len(args)}")
        self.bound.append(dict(zip(params, args, strict=True)))
        try:
            return self.convert(body)
        finally:
            self.bound.pop()


def function_definitions(model: libsbml.Model) -> dict[str, tuple[list[str], libsbml.ASTNode]]:
    """``{id: (argument names, body)}`` of every function definition with math."""
    out = {}
    for fd in model.getListOfFunctionDefinitions():
        lam = fd.getMath()
        if lam is None or lam.getNumChildren() == 0:
            continue
        n = lam.getNumChildren()
        params = [lam.getChild(i).getName() for i in range(n - 1)]
        out[fd.getId()] = (params, lam.getChild(n - 1))
    return out


def ast_to_sympy(node: libsbml.ASTNode, resolve: Callable[[str], sympy.Basic],
                 functions: Mapping[str, tuple[list[str], libsbml.ASTNode]]) -> sympy.Basic:
    """Translate ``node``; ``resolve(id)`` gives the sympy object for each model id.

    Raises
    ------
    UnsupportedMath
        For ``delay``, unknown functions and MathML outside SBML's ODE subset.
    """
    return _Converter(resolve, functions).convert(node)
