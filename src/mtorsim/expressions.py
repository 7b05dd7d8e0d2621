"""Rate-law text → sympy, over declared names only.

Expressions are parsed with Python's :mod:`ast` (which keeps column offsets)
and translated node by node against an explicit symbol table.  An unknown name
is reported at its column and never silently becomes a new ``Symbol`` (the
trap of ``sympy.sympify``).  ``^`` is accepted as power, as in SBML and Antimony.

Allowed functions: ``exp``, ``log`` (natural; ``log(x, base)``), ``log10``,
``sqrt``, ``abs``, ``min``, ``max``, ``pow``, ``floor``, ``ceil``, ``sin``,
``cos``, ``tan``, ``hill(x, K, n) = x^n/(K^n + x^n)``, ``mm(x, K) = x/(K + x)``,
``piecewise(value1, condition1, ..., otherwise)`` and ``if_else(cond, a, b)``.
Conditions use ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, ``and``, ``or``, ``not``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy

__all__ = ["ALLOWED_FUNCTIONS", "ExpressionIssue", "parse_expression"]


@dataclass(frozen=True)
class ExpressionIssue:
    """A problem inside an expression; ``col`` is 0-based within the text."""

    kind: str  # "syntax" | "undeclared" | "unknown-function" | "arity"
    col: int
    message: str
    name: str = ""


def _hill(x: sympy.Expr, k: sympy.Expr, n: sympy.Expr) -> sympy.Expr:
    return x**n / (k**n + x**n)


def _mm(x: sympy.Expr, k: sympy.Expr) -> sympy.Expr:
    return x / (k + x)


def _log(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x) / sympy.log(base)


def _piecewise(*args: sympy.Expr) -> sympy.Expr:
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]
    if len(args) % 2:
        pairs.append((args[-1], True))
    return sympy.Piecewise(*pairs)


def _if_else(cond: sympy.Expr, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((a, cond), (b, True))


# name -> (callable, min args, max args or None)
ALLOWED_FUNCTIONS: Mapping[str, tuple[Callable[..., sympy.Expr], int, int | None]] = {
    "exp": (sympy.exp, 1, 1),
    "log": (_log, 1, 2),
    "ln": (sympy.log, 1, 1),
    "log10": (lambda x: sympy.log(x, 10), 1, 1),
    "sqrt": (sympy.sqrt, 1, 1),
    "abs": (sympy.Abs, 1, 1),
    "min": (sympy.Min, 2, None),
    "max": (sympy.Max, 2, None),
    "pow": (lambda a, b: a**b, 2, 2),
    "floor": (sympy.floor, 1, 1),
    "ceil": (sympy.ceiling, 1, 1),
    "sin": (sympy.sin, 1, 1),
    "cos": (sympy.cos, 1, 1),
    "tan": (sympy.tan, 1, 1),
    "hill": (_hill, 3, 3),
    "mm": (_mm, 2, 2),
    "piecewise": (_piecewise, 2, None),
    "if_else": (_if_else, 3, 3),
}

_CONSTANTS = {"pi": sympy.pi, "inf": sympy.oo}

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE = {
    ast.Lt: sympy.Lt,
    ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt,
    ast.GtE: sympy.Ge,
    ast.Eq: sympy.Eq,
    ast.NotEq: sympy.Ne,
}


class _Abort(Exception):
    pass


class _Translator:
    def __init__(self, symbols: Mapping[str, sympy.Basic], col_map: list[int]) -> None:
        self.symbols = symbols
        self.col_map = col_map
        self.issues: list[ExpressionIssue] = []

    def col(self, node: ast.AST) -> int:
        c = getattr(node, "col_offset", 0)
        return self.col_map[c] if c < len(self.col_map) else c

    def visit(self, node: ast.AST) -> sympy.Basic:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            self.issues.append(
                ExpressionIssue("syntax", self.col(node), f"'{ast.unparse(node)}' is not allowed in an expression")
            )
            raise _Abort
        return method(node)

    def visit_Expression(self, node: ast.Expression) -> sympy.Basic:
        return self.visit(node.body)

    def visit_Constant(self, node: ast.Constant) -> sympy.Basic:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.issues.append(ExpressionIssue("syntax", self.col(node), f"{value!r} is not a number"))
            raise _Abort
        if isinstance(value, int):
            return sympy.Integer(value)
        # keep the exact binary value; codegen prints floats with repr() so nothing is lost
        return sympy.Integer(int(value)) if value.is_integer() and abs(value) < 2**53 else sympy.Float(value)

    def visit_Name(self, node: ast.Name) -> sympy.Basic:
        if node.id in self.symbols:
            return self.symbols[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in ALLOWED_FUNCTIONS:
            self.issues.append(
                ExpressionIssue("syntax", self.col(node), f"function '{node.id}' used without arguments", node.id)
            )
        else:
            self.issues.append(ExpressionIssue("undeclared", self.col(node), f"'{node.id}' is not declared", node.id))
        return sympy.Symbol(node.id, real=True)  # placeholder so other problems are still found

    def visit_BinOp(self, node: ast.BinOp) -> sympy.Basic:
        op = _BINOPS.get(type(node.op))
        left = self.visit(node.left)
        right = self.visit(node.right)
        if op is None:
            self.issues.append(ExpressionIssue("syntax", self.col(node), f"operator '{ast.unparse(node)}' is not allowed"))
            raise _Abort
        return op(left, right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> sympy.Basic:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return sympy.Not(operand)
        self.issues.append(ExpressionIssue("syntax", self.col(node), "unary operator not allowed"))
        raise _Abort

    def visit_Compare(self, node: ast.Compare) -> sympy.Basic:
        terms = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
        parts = []
        for op, a, b in zip(node.ops, terms, terms[1:], strict=False):
            rel = _COMPARE.get(type(op))
            if rel is None:
                self.issues.append(ExpressionIssue("syntax", self.col(node), "comparison operator not allowed"))
                raise _Abort
            parts.append(rel(a, b, evaluate=False))
        return parts[0] if len(parts) == 1 else sympy.And(*parts)

    def visit_BoolOp(self, node: ast.BoolOp) -> sympy.Basic:
        values = [self.visit(v) for v in node.values]
        return sympy.And(*values) if isinstance(node.op, ast.And) else sympy.Or(*values)

    def visit_Call(self, node: ast.Call) -> sympy.Basic:
        if not isinstance(node.func, ast.Name) or node.keywords:
            self.issues.append(ExpressionIssue("syntax", self.col(node), "only calls like f(x, y) are allowed"))
            raise _Abort
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        entry = ALLOWED_FUNCTIONS.get(name)
        if entry is None:
            self.issues.append(
                ExpressionIssue("unknown-function", self.col(node), f"unknown function '{name}'", name)
            )
            return sympy.Symbol(name, real=True)
        fn, lo, hi = entry
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            self.issues.append(
                ExpressionIssue("arity", self.col(node), f"'{name}' takes {want} arguments, got {len(args)}", name)
            )
            return sympy.Symbol(name, real=True)
        return fn(*args)


def _caret_to_pow(text: str) -> tuple[str, list[int]]:
    """Replace ``^`` by ``**``; return the new text and a map new-col -> old-col."""
    out: list[str] = []
    col_map: list[int] = []
    for i, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            col_map.extend([i, i])
        else:
            out.append(ch)
            col_map.append(i)
    col_map.append(len(text))
    return "".join(out), col_map


def parse_expression(
    text: str | float | int, symbols: Mapping[str, sympy.Basic]
) -> tuple[sympy.Expr | None, list[ExpressionIssue]]:
    """Parse ``text`` into a sympy expression over ``symbols``.

    Parameters
    ----------
    text : str or number
        e.g. ``"kcat * S6K * S6 / (Km + S6)"``.
    symbols : mapping of name to sympy object
        Every name the expression may use (declared species, parameters, ...).

    Returns
    -------
    expr : sympy.Expr or None
        ``None`` if the text could not be parsed at all.
    issues : list of ExpressionIssue
        Every problem found (columns are 0-based within ``text``).
    """
    if isinstance(text, bool):
        return None, [ExpressionIssue("syntax", 0, "a boolean is not an expression")]
    if isinstance(text, (int, float)):
        return sympy.Float(text) if isinstance(text, float) else sympy.Integer(text), []
    raw = str(text)
    if not raw.strip():
        return None, [ExpressionIssue("syntax", 0, "empty expression")]
    src, col_map = _caret_to_pow(raw)
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as exc:
        lead = len(src) - len(src.lstrip())
        offset = (exc.offset or 1) - 1 + lead
        col = col_map[min(offset, len(col_map) - 1)]
        return None, [ExpressionIssue("syntax", col, f"cannot parse expression: {exc.msg}")]
    lead = len(src) - len(src.lstrip())
    translator = _Translator(symbols, [col_map[min(i + lead, len(col_map) - 1)] for i in range(len(src) + 1)])
    try:
        expr = translator.visit(tree)
    except _Abort:
        return None, translator.issues
    except (TypeError, ValueError) as exc:  # sympy refusing e.g. a relational in arithmetic
        return None, translator.issues + [ExpressionIssue("syntax", 0, f"invalid expression: {exc}")]
    return expr, translator.issues  # type: ignore[return-value]
