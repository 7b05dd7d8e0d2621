"""ReactionNetwork → Python source text of the model's numerical functions.  No I/O.

The emitted module holds plain, allocation-free, straight-line Python functions
(after ``sympy.cse``) that read states from ``y[i]`` and parameters from
``p[j]`` and write into a caller-provided ``out`` array:

=====================================  ==============================================
``rates(t, y, p, out)``                reaction rates ``v``, shape ``(n_reactions,)``
``rhs(t, y, p, out)``                  ``dy/dt = S·v`` (+ rate rules), ``(n_states,)``
``jac(t, y, p, out)``                  dense ``∂(dy/dt)/∂y``, ``(n_states, n_states)``
``jac_sparse(t, y, p, data)``          the same in CSR order of ``JAC_ROWS``/``JAC_COLS``
``observe(t, y, p, out)``              assignment rules then observables, ``(n_outputs,)``
``derive(p)``                          derived parameters, in place, dependency order
``initial(p, y)``                      expression-valued initial states, in place
=====================================  ==============================================

No numeric literal of the model is baked in (parameters are inputs), so one
compile serves every parameter set; any constant that is printed uses
``repr(float)`` so it round-trips exactly.  Because the functions are plain
Python over arrays, :mod:`mtorsim.compiled` wraps them with ``numba.njit`` and a
GPU backend can wrap the very same source with ``numba.cuda.jit(device=True)``.
"""

from __future__ import annotations

import sympy
from sympy.printing.pycode import PythonCodePrinter

from . import spec
from .network import ReactionNetwork

__all__ = ["GENERATOR_VERSION", "emit_module"]

#: Bump whenever the emitted code or its calling convention changes; cached
#: modules carry it and are rebuilt on mismatch.
GENERATOR_VERSION = 1


class _Printer(PythonCodePrinter):
    """Python printer whose output numba (CPU and CUDA) compiles and that never loses digits."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})

    def _print_Float(self, expr: sympy.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sympy.Rational) -> str:
        return repr(float(expr))

    def _print_Half(self, expr: sympy.Rational) -> str:
        return "0.5"

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return repr(float(expr))

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        # Small integer powers as products (always parenthesised, because sympy's Mul
        # printer assumes a Pow binds tighter than '*' and '/').
        base, exp = expr.args
        if exp.is_Integer:
            k = int(exp)
            b = self.parenthesize(base, 60)
            if k == 1:
                return f"({self._print(base)})"
            if 2 <= k <= 4:
                return "(" + "*".join([b] * k) + ")"
            if -4 <= k <= -1:
                return "(1.0/(" + "*".join([b] * (-k)) + "))"
            return f"({b}**{k})"
        return super()._print_Pow(expr, rational=rational)

    def _print_sign(self, expr: sympy.Expr) -> str:
        a = self._print(expr.args[0])
        return f"(0.0 if ({a}) == 0.0 else math.copysign(1.0, {a}))"

    def _print_Heaviside(self, expr: sympy.Expr) -> str:
        a = self._print(expr.args[0])
        return f"(1.0 if ({a}) > 0.0 else 0.0)"

    def _print_BooleanTrue(self, expr: sympy.Expr) -> str:
        return "True"

    def _print_BooleanFalse(self, expr: sympy.Expr) -> str:
        return "False"

    def _print_Infinity(self, expr: sympy.Expr) -> str:
        return "math.inf"

    def _print_NegativeInfinity(self, expr: sympy.Expr) -> str:
        return "(-math.inf)"


def _index_map(network: ReactionNetwork) -> dict[sympy.Symbol, sympy.Symbol]:
    mapping: dict[sympy.Symbol, sympy.Symbol] = {spec.TIME: sympy.Symbol("t", real=True)}
    for i, s in enumerate(network.state_symbols):
        mapping[s] = sympy.Symbol(f"y[{i}]", real=True)
    for j, s in enumerate(network.parameter_symbols):
        mapping[s] = sympy.Symbol(f"p[{j}]", real=True)
    return mapping


def _body(printer: _Printer, assignments: list[tuple[str, sympy.Expr]], temp_prefix: str) -> list[str]:
    """CSE a list of (target, expr) and print straight-line assignments."""
    if not assignments:
        return []
    targets = [t for t, _ in assignments]
    exprs = [e for _, e in assignments]
    symbols = sympy.numbered_symbols(temp_prefix, real=True)
    replacements, reduced = sympy.cse(exprs, symbols=symbols, order="none")
    lines = [f"    {sym} = {printer.doprint(val)}" for sym, val in replacements]
    lines += [f"    {tgt} = {printer.doprint(expr)}" for tgt, expr in zip(targets, reduced, strict=True)]
    return lines


def _function(name: str, args: str, body: list[str], doc: str) -> str:
    lines = [f"def {name}({args}):", f'    """{doc}"""']
    lines += body if body else ["    pass"]
    return "\n".join(lines) + "\n"


def jacobian_pattern(network: ReactionNetwork) -> tuple[list[tuple[int, int]], dict[tuple[int, int], list[tuple[sympy.Expr, tuple[int, int]]]]]:
    """Structural non-zeros of the Jacobian and, for each, the (factor, dv-entry) terms summing to it."""
    dv = network.rate_jacobian_expr()
    n_r = network.n_reactions
    entries: dict[tuple[int, int], list[tuple[sympy.Expr, tuple[int, int]]]] = {}
    by_reaction: dict[int, list[int]] = {}
    for j, k in dv:
        by_reaction.setdefault(j, []).append(k)
    for j, terms in enumerate(network.flux_factors):
        for i, factor in terms:
            for k in by_reaction.get(j, ()):
                entries.setdefault((i, k), []).append((factor, (j, k)))
    for r, (i, _) in enumerate(network.rate_rules):
        for k in by_reaction.get(n_r + r, ()):
            entries.setdefault((i, k), []).append((sympy.Integer(1), (n_r + r, k)))
    pattern = sorted(entries)
    return pattern, entries


def emit_module(network: ReactionNetwork, key: str = "") -> str:
    """Python source of the model's numerical functions (see module docstring).

    Parameters
    ----------
    network : ReactionNetwork
    key : str
        Cache key recorded in the module as ``MODEL_KEY``.

    Returns
    -------
    str
        Source text; deterministic for a given network and generator version.
    """
    printer = _Printer()
    idx = _index_map(network)
    n, n_r = network.n_states, network.n_reactions

    def x(e: sympy.Expr) -> sympy.Expr:
        return e.xreplace(idx)

    # rates
    rate_lines = _body(printer, [(f"out[{j}]", x(v)) for j, v in enumerate(network.rates)], "r")

    # rhs: rates into locals v_j, then sums with flux factors
    vsym = [sympy.Symbol(f"v{j}", real=True) for j in range(n_r)]
    rr_targets = dict(network.rate_rules)
    rhs_assign = [(f"v{j}", x(v)) for j, v in enumerate(network.rates)]
    rr_syms = {}
    for r, (i, e) in enumerate(network.rate_rules):
        rr_syms[i] = sympy.Symbol(f"w{r}", real=True)
        rhs_assign.append((f"w{r}", x(e)))
    rhs_lines = _body(printer, rhs_assign, "c")
    sums: list[sympy.Expr] = [sympy.Integer(0)] * n
    for j, terms in enumerate(network.flux_factors):
        for i, factor in terms:
            sums[i] = sums[i] + x(factor) * vsym[j]
    for i in range(n):
        value = rr_syms[i] if i in rr_targets else sums[i]
        rhs_lines.append(f"    out[{i}] = {printer.doprint(value)}")

    # jacobian: dv entries (CSE'd) then S·dv per structural non-zero
    pattern, entries = jacobian_pattern(network)
    dv = network.rate_jacobian_expr()
    dv_order = sorted(dv)
    dsym = {jk: sympy.Symbol(f"d{a}", real=True) for a, jk in enumerate(dv_order)}
    dv_lines = _body(printer, [(str(dsym[jk]), x(dv[jk])) for jk in dv_order], "c")
    entry_exprs = []
    for ik in pattern:
        entry_exprs.append(sum((x(f) * dsym[jk] for f, jk in entries[ik]), sympy.Integer(0)))
    jac_lines = [f"    for i in range({n}):", f"        for k in range({n}):", "            out[i, k] = 0.0"]
    jac_lines += dv_lines
    jac_lines += [f"    out[{i}, {k}] = {printer.doprint(e)}" for (i, k), e in zip(pattern, entry_exprs, strict=True)]
    sparse_lines = list(dv_lines)
    sparse_lines += [f"    data[{a}] = {printer.doprint(e)}" for a, e in enumerate(entry_exprs)]

    # outputs, derived parameters, initial values
    obs_lines = _body(printer, [(f"out[{k}]", x(e)) for k, e in enumerate(network.outputs)], "c")
    derive_lines = [f"    p[{j}] = {printer.doprint(x(e))}" for j, e in network.derived]
    init_lines = [f"    y[{i}] = {printer.doprint(x(e))}" for i, e in network.initial_exprs]

    rows = ", ".join(str(i) for i, _ in pattern)
    cols = ", ".join(str(k) for _, k in pattern)
    header = f'''"""Generated by mtorsim for model {network.model.name!r}.  Do not edit: regenerated from the model."""
import math

import numpy as np

GENERATOR_VERSION = {GENERATOR_VERSION}
MODEL_KEY = {key!r}
N_STATES = {n}
N_PARAMETERS = {network.n_parameters}
N_REACTIONS = {n_r}
N_OUTPUTS = {network.n_outputs}
JAC_NNZ = {len(pattern)}
JAC_ROWS = np.array([{rows}], dtype=np.int64)
JAC_COLS = np.array([{cols}], dtype=np.int64)
FUNCTIONS = ("rates", "rhs", "jac", "jac_sparse", "observe", "derive", "initial")

'''
    parts = [
        header,
        _function("rates", "t, y, p, out", rate_lines, "Reaction rates v, shape (n_reactions,)."),
        _function("rhs", "t, y, p, out", rhs_lines, "dy/dt, shape (n_states,)."),
        _function("jac", "t, y, p, out", jac_lines, "Dense Jacobian d(dy/dt)/dy, shape (n_states, n_states)."),
        _function("jac_sparse", "t, y, p, data", sparse_lines, "Jacobian values in the CSR order of JAC_ROWS/JAC_COLS."),
        _function("observe", "t, y, p, out", obs_lines, "Assignment rules then observables, shape (n_outputs,)."),
        _function("derive", "p", derive_lines, "Derived parameters, in place."),
        _function("initial", "p, y", init_lines, "Expression-valued initial states, in place."),
    ]
    return "\n\n".join(parts)
