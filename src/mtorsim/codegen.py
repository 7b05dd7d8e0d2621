"""ReactionNetwork → Python source text of the model's numerical functions.  No I/O.

The emitted module holds plain Python functions over arrays that read states
from ``y[i]`` and parameters from ``p[j]`` and write into caller-provided arrays:

=======================================  ===================================================
``rates(t, y, p, out)``                  reaction rates, then rate-rule derivatives ``(N_FLUXES,)``
``rate_derivatives(t, y, p, dv)``        the non-zero ``∂rates/∂y`` ``(N_DV,)`` (``DV_FLUX``, ``DV_STATE``)
``rhs(t, y, p, out)``                    ``dy/dt = S·v`` (+ rate rules), ``(n_states,)``
``jac_work(t, y, p, out, dv)``           dense ``∂(dy/dt)/∂y`` ``(n_states, n_states)``; ``dv`` a work array
``jac(t, y, p, out)``                    the same, allocating its work array
``jac_sparse_work(t, y, p, data, dv)``   the Jacobian in the CSR order of ``JAC_ROWS``/``JAC_COLS``
``jac_sparse(t, y, p, data)``            the same, allocating its work array
``observe(t, y, p, out)``                assignment rules then observables, ``(n_outputs,)``
``derive(p)``                            derived parameters, in place, dependency order
``initial(p, y)``                        expression-valued initial states, in place
=======================================  ===================================================

``rates``, ``rate_derivatives``, ``rhs``, ``observe``, ``derive`` and ``initial`` are
straight-line code after ``sympy.cse`` with no allocation, so they compile
unchanged as CUDA device functions.  numba's compile time grows faster than
linearly with a function's length, so ``rates``, ``rate_derivatives`` and
``observe`` of a large model (over :data:`SPLIT_ABOVE` assignments) are split
into parts of at most :data:`CHUNK` assignments, and ``rhs`` (over
:data:`RHS_SPLIT_ABOVE` fluxes) into parts of at most :data:`CHUNK` fluxes
(``rhs_part0``, ...; each CSE'd on its own, listed in ``HELPERS``), called in
order by the function of the public name; ``rhs`` then zeroes ``out`` and each
part adds its fluxes' terms.  Functions under the limits keep exactly the
one-function form.  The Jacobian is assembled as ``S·(∂v/∂y)``
by a short loop over constant term tables (``JT_*``): numba compiles a loop in
constant time, whereas unrolled sums over every structural non-zero cost
seconds of compile time for a 50-species model; a GPU backend writes the same
loop with a local work array.  The ``*_work`` variants take their work array
from the caller so that compiled integrators never allocate in their step loop.

No numeric literal of the model is baked in (parameters are inputs), so one
compile serves every parameter set; any constant that is printed uses
``repr(float)`` so it round-trips exactly.  Functions call each other through
module globals (``rhs`` does not, ``jac`` calls ``jac_work`` calls
``rate_derivatives``): :mod:`mtorsim.compiled` binds the jitted versions into
the module before jitting their callers.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy
from sympy.printing.pycode import PythonCodePrinter

from . import spec
from .network import ReactionNetwork

__all__ = ["CHUNK", "EVENT_FUNCTIONS", "GENERATOR_VERSION", "RHS_SPLIT_ABOVE", "SPLIT_ABOVE", "emit_module"]

#: Bump whenever the emitted code or its calling convention changes; cached
#: modules carry it and are rebuilt on mismatch.
GENERATOR_VERSION = 4

#: Assignments (or, in ``rhs``, fluxes) per part of a generated function that is split.
#: numba's compile time per statement grows with a function's length: BIOMD0000000474's
#: 866-line ``rate_derivatives`` compiles in 20 s whole and in 6 s as parts of 50;
#: BIOMD0000000255's ``rhs`` (827 fluxes) in 137 s whole, 33 s in parts of 100, 21 s in parts of 50.
CHUNK = 50
#: ``rates``, ``rate_derivatives`` and ``observe`` with more assignments than this are split.
SPLIT_ABOVE = 200
#: ``rhs`` with more fluxes than this is split.  Its fluxes share subexpressions, CSE'd within a
#: part only, so mid-sized ones compile faster whole (BIOMD0000000474's 367 fluxes: 6.3 s whole,
#: 8.8 s in parts of 100).
RHS_SPLIT_ABOVE = 400


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

    def _print_factorial(self, expr: sympy.Expr) -> str:
        return f"math.gamma({self._print(expr.args[0])} + 1.0)"

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


def _spans(count: int, chunk: int) -> list[range]:
    """``range(count)`` cut into the fewest parts of at most ``chunk``, of (nearly) equal size."""
    parts = -(-count // chunk)
    edges = [round(k * count / parts) for k in range(parts + 1)]
    return [range(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _parts(name: str, args: str, bodies: list[tuple[list[str], str]], doc: str, helpers: list[str],
           prelude: tuple[str, ...] = ()) -> str:
    """Functions ``{name}_part{k}`` with the given (body, docstring) pairs, appended to
    ``helpers``, and ``name`` running ``prelude`` and then calling them in order."""
    parts, calls = [], list(prelude)
    for k, (body, part_doc) in enumerate(bodies):
        part = f"{name}_part{k}"
        helpers.append(part)
        parts.append(_function(part, args, body, part_doc))
        calls.append(f"    {part}({args})")
    return "\n\n".join(parts + [_function(name, args, calls, doc)])


def _split(name: str, args: str, assignments: list[tuple[str, sympy.Expr]], doc: str, printer: _Printer,
           chunk: int, split_above: int, helpers: list[str]) -> str:
    """``name`` over ``assignments`` as one function or, above ``split_above`` assignments, as
    parts of at most ``chunk`` (each CSE'd on its own, appended to ``helpers``) that ``name``
    calls in order.  (Short functions stay whole: CSE works across the whole body, and a
    50-species model's compile time is already seconds.)"""
    if len(assignments) <= split_above:
        return _function(name, args, _body(printer, assignments, "c"), doc)
    bodies = [(_body(printer, assignments[span.start:span.stop], "c"),
               f"Assignments {span.start}..{span.stop - 1} of {name}.")
              for span in _spans(len(assignments), chunk)]
    return _parts(name, args, bodies, doc, helpers)


def _rhs_parts(printer: _Printer, flux_exprs: list[sympy.Expr], contributions: list[list[tuple[int, sympy.Expr]]],
               n: int, chunk: int, helpers: list[str], doc: str) -> str:
    """A large model's ``rhs``: zero ``out``, then each part computes ``chunk`` fluxes and adds
    their terms (``contributions[j]``: (state, factor) pairs of flux ``j``)."""
    bodies = []
    for js in _spans(len(flux_exprs), chunk):
        lines = _body(printer, [(f"v{j}", flux_exprs[j]) for j in js], "c")
        sums: dict[int, sympy.Expr] = {}
        for j in js:
            for i, factor in contributions[j]:
                sums[i] = sums.get(i, sympy.Integer(0)) + factor * sympy.Symbol(f"v{j}", real=True)
        lines += [f"    out[{i}] = out[{i}] + ({printer.doprint(sums[i])})" for i in sorted(sums)]
        bodies.append((lines, f"Fluxes {js.start}..{js.stop - 1}: their terms added to out."))
    return _parts("rhs", "t, y, p, out", bodies, doc, helpers, (f"    for i in range({n}):", "        out[i] = 0.0"))


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


def _split_factor(factor: sympy.Expr, idx: dict[sympy.Symbol, sympy.Symbol], names: tuple[str, ...]) -> tuple[float, int]:
    """A flux factor ``c`` or ``c / V`` as (c, index of V in p or -1)."""
    coeff, rest = factor.as_coeff_Mul()
    if rest == 1:
        return float(coeff), -1
    if isinstance(rest, sympy.Pow) and rest.exp == -1 and rest.base.is_Symbol:
        return float(coeff), names.index(rest.base.name)
    raise ValueError(f"unexpected flux factor {factor}")  # pragma: no cover - network builds only these


def _int_array(values: list[int]) -> str:
    return f"np.array([{', '.join(str(v) for v in values)}], dtype=np.int64)"


def _float_array(values: list[float]) -> str:
    return f"np.array([{', '.join(repr(float(v)) for v in values)}], dtype=np.float64)"


#: Functions emitted only for models with events (plain Python; the event loop calls them).
EVENT_FUNCTIONS = ("event_roots", "event_triggers", "event_delays", "event_priorities", "event_values",
                   "event_scales")


def _bool_array(values: list[bool]) -> str:
    return f"np.array([{', '.join(str(bool(v)) for v in values)}], dtype=np.bool_)"


def _event_section(network: ReactionNetwork, printer: _Printer, x: Callable[[sympy.Expr], sympy.Expr]) -> str:
    """Constants and functions for events: one root function per relation in any trigger.

    ``event_roots`` gives ``g[k] = lhs - rhs`` of relation ``k``; ``event_triggers`` evaluates
    every trigger from ``g`` (so the event loop can impose the sign a root crossing gives);
    ``event_values`` gives every assignment's value, events one after another
    (``EVENT_OFFSET[e]:EVENT_OFFSET[e+1]``, into states ``EVENT_TARGET``).
    """
    events = network.events
    relations: list[sympy.Basic] = []
    for ev in events:
        for rel in sorted(ev.trigger.atoms(sympy.core.relational.Relational), key=sympy.default_sort_key):
            if rel not in relations:
                relations.append(rel)
    g = [sympy.Symbol(f"g[{k}]", real=True) for k in range(len(relations))]
    to_g = {rel: rel.func(g[k], sympy.Integer(0)) for k, rel in enumerate(relations)}
    root_lines = _body(printer, [(f"out[{k}]", x(rel.lhs - rel.rhs)) for k, rel in enumerate(relations)], "c")
    trigger_lines = [f"    out[{e}] = 1.0 if ({printer.doprint(x(ev.trigger.xreplace(to_g)))}) else 0.0"
                     for e, ev in enumerate(events)]
    delay_lines = _body(printer, [(f"out[{e}]", x(ev.delay)) for e, ev in enumerate(events) if ev.delay is not None], "c")
    priority_lines = _body(printer, [(f"out[{e}]", x(ev.priority)) for e, ev in enumerate(events)
                                     if ev.priority is not None], "c")
    values = [v for ev in events for v in ev.values]
    value_lines = _body(printer, [(f"out[{i}]", x(v)) for i, v in enumerate(values)], "c")
    scales = [v for ev in events for v in ev.scales]
    scale_lines = _body(printer, [(f"out[{i}]", x(v)) for i, v in enumerate(scales)], "c")
    offsets = [0]
    for ev in events:
        offsets.append(offsets[-1] + len(ev.values))
    header = f"""
N_EVENTS = {len(events)}
N_ROOTS = {len(relations)}
N_EVENT_VALUES = {len(values)}
EVENT_PERSISTENT = {_bool_array([ev.persistent for ev in events])}
EVENT_INITIAL_VALUE = {_bool_array([ev.initial_value for ev in events])}
EVENT_USE_TRIGGER_VALUES = {_bool_array([ev.use_values_from_trigger_time for ev in events])}
EVENT_HAS_DELAY = {_bool_array([ev.delay is not None for ev in events])}
EVENT_HAS_PRIORITY = {_bool_array([ev.priority is not None for ev in events])}
EVENT_OFFSET = {_int_array(offsets)}
EVENT_TARGET = {_int_array([i for ev in events for i in ev.targets])}
"""
    parts = [
        header,
        _function("event_roots", "t, y, p, out", root_lines, "Root functions (lhs - rhs of each trigger relation), shape (N_ROOTS,)."),
        _function("event_triggers", "t, y, p, g, out", trigger_lines, "Trigger values (1.0 true, 0.0 false) from root values g, shape (N_EVENTS,)."),
        _function("event_delays", "t, y, p, out", delay_lines, "Delays of the events that have one, shape (N_EVENTS,)."),
        _function("event_priorities", "t, y, p, out", priority_lines, "Priorities of the events that have one, shape (N_EVENTS,)."),
        _function("event_values", "t, y, p, out", value_lines, "Every event assignment's value, shape (N_EVENT_VALUES,)."),
        _function("event_scales", "t, y, p, out", scale_lines,
                  "Factor applied to each assigned value at execution time, shape (N_EVENT_VALUES,)."),
    ]
    return "\n\n".join(parts)


def emit_module(network: ReactionNetwork, key: str = "", chunk: int = CHUNK, split_above: int = SPLIT_ABOVE,
                rhs_split_above: int = RHS_SPLIT_ABOVE) -> str:
    """Python source of the model's numerical functions (see module docstring).

    Parameters
    ----------
    network : ReactionNetwork
    key : str
        Cache key recorded in the module as ``MODEL_KEY``.
    chunk, split_above, rhs_split_above : int
        Assignments (fluxes in ``rhs``) per part of a split function, and the lengths above which
        functions are split (:data:`CHUNK`, :data:`SPLIT_ABOVE`, :data:`RHS_SPLIT_ABOVE`).

    Returns
    -------
    str
        Source text; deterministic for a given network and generator version.
    """
    printer = _Printer()
    idx = _index_map(network)
    n, n_r = network.n_states, network.n_reactions
    n_fluxes = n_r + len(network.rate_rules)
    pnames = network.parameter_names

    def x(e: sympy.Expr) -> sympy.Expr:
        return e.xreplace(idx)

    helpers: list[str] = []
    # rates: reaction rates then rate-rule derivatives, CSE'd together
    flux_exprs = [x(e) for e in list(network.rates) + [e for _, e in network.rate_rules]]
    rates_src = _split("rates", "t, y, p, out", [(f"out[{j}]", v) for j, v in enumerate(flux_exprs)],
                       "Reaction rates then rate-rule derivatives, shape (N_FLUXES,).", printer, chunk, split_above, helpers)

    # rhs: the same values into locals, then S·v straight-line (no allocation: it is the hot path)
    contributions: list[list[tuple[int, sympy.Expr]]] = [
        [(i, x(factor)) for i, factor in terms] for terms in network.flux_factors]
    contributions += [[(i, sympy.Integer(1))] for i, _ in network.rate_rules]
    rhs_doc = "dy/dt, shape (n_states,)."
    if n_fluxes > rhs_split_above:
        rhs_src = _rhs_parts(printer, flux_exprs, contributions, n, chunk, helpers, rhs_doc)
    else:
        vsym = [sympy.Symbol(f"v{j}", real=True) for j in range(n_fluxes)]
        rhs_lines = _body(printer, [(f"v{j}", v) for j, v in enumerate(flux_exprs)], "c")
        sums: list[sympy.Expr] = [sympy.Integer(0)] * n
        for j, terms in enumerate(contributions[:n_r]):
            for i, factor in terms:
                sums[i] = sums[i] + factor * vsym[j]
        for r, (i, _) in enumerate(network.rate_rules):
            sums[i] = vsym[n_r + r]
        rhs_lines += [f"    out[{i}] = {printer.doprint(sums[i])}" for i in range(n)]
        rhs_src = _function("rhs", "t, y, p, out", rhs_lines, rhs_doc)

    # jacobian = S·(dv/dy): the non-zero rate derivatives straight-line, the product as a loop
    # over a constant term table (compiles in a fraction of the time of unrolled sums)
    pattern, entries = jacobian_pattern(network)
    dv = network.rate_jacobian_expr()
    dv_order = sorted(dv)
    dv_pos = {jk: q for q, jk in enumerate(dv_order)}
    nz_pos = {ik: e for e, ik in enumerate(pattern)}
    dv_src = _split("rate_derivatives", "t, y, p, dv", [(f"dv[{q}]", x(dv[jk])) for q, jk in enumerate(dv_order)],
                    "Non-zero d(rates)/dy in the order of DV_FLUX/DV_STATE, shape (N_DV,).", printer, chunk, split_above, helpers)
    jt_row, jt_col, jt_dv, jt_coef, jt_div, jt_nz = [], [], [], [], [], []
    for ik in pattern:
        for factor, jk in entries[ik]:
            coef, div = _split_factor(factor, idx, pnames)
            jt_row.append(ik[0])
            jt_col.append(ik[1])
            jt_dv.append(dv_pos[jk])
            jt_coef.append(coef)
            jt_div.append(div)
            jt_nz.append(nz_pos[ik])
    loop = [
        "    for a in range(JT_ROW.shape[0]):",
        "        term = JT_COEF[a] * dv[JT_DV[a]]",
        "        if JT_DIV[a] >= 0:",
        "            term = term / p[JT_DIV[a]]",
    ]
    jac_work_lines = ["    rate_derivatives(t, y, p, dv)", f"    for i in range({n}):", f"        for k in range({n}):",
                      "            out[i, k] = 0.0", *loop, "        out[JT_ROW[a], JT_COL[a]] += term"]
    jac_lines = ["    dv = np.empty(N_DV)", "    jac_work(t, y, p, out, dv)"]
    sparse_work_lines = ["    rate_derivatives(t, y, p, dv)", "    for e in range(JAC_NNZ):", "        data[e] = 0.0",
                         *loop, "        data[JT_NZ[a]] += term"]
    sparse_lines = ["    dv = np.empty(N_DV)", "    jac_sparse_work(t, y, p, data, dv)"]

    # outputs, derived parameters, initial values
    obs_src = _split("observe", "t, y, p, out", [(f"out[{k}]", x(e)) for k, e in enumerate(network.outputs)],
                     "Assignment rules then observables, shape (n_outputs,).", printer, chunk, split_above, helpers)
    derive_lines = [f"    p[{j}] = {printer.doprint(x(e))}" for j, e in network.derived]
    init_lines = [f"    y[{i}] = {printer.doprint(x(e))}" for i, e in network.initial_exprs]

    header = f'''"""Generated by mtorsim for model {network.model.name!r}.  Do not edit: regenerated from the model."""
import math

import numpy as np

GENERATOR_VERSION = {GENERATOR_VERSION}
MODEL_KEY = {key!r}
N_STATES = {n}
N_PARAMETERS = {network.n_parameters}
N_REACTIONS = {n_r}
N_FLUXES = {n_fluxes}
N_OUTPUTS = {network.n_outputs}
N_DV = {len(dv_order)}
JAC_NNZ = {len(pattern)}
# CSR pattern of the Jacobian (row-major)
JAC_ROWS = {_int_array([i for i, _ in pattern])}
JAC_COLS = {_int_array([k for _, k in pattern])}
# dv[q] = d rates[DV_FLUX[q]] / d y[DV_STATE[q]]
DV_FLUX = {_int_array([j for j, _ in dv_order])}
DV_STATE = {_int_array([k for _, k in dv_order])}
# J[JT_ROW[a], JT_COL[a]] += JT_COEF[a] * dv[JT_DV[a]] (/ p[JT_DIV[a]] if JT_DIV[a] >= 0);
# JT_NZ[a] is the entry's position in the CSR pattern
JT_ROW = {_int_array(jt_row)}
JT_COL = {_int_array(jt_col)}
JT_DV = {_int_array(jt_dv)}
JT_COEF = {_float_array(jt_coef)}
JT_DIV = {_int_array(jt_div)}
JT_NZ = {_int_array(jt_nz)}
FUNCTIONS = ("rates", "rate_derivatives", "rhs", "jac_work", "jac", "jac_sparse_work", "jac_sparse", "observe", "derive", "initial")
# parts of the functions above that a large model's are split into (callees of those functions)
HELPERS = ({"".join(f"{h!r}, " for h in helpers)})

'''
    parts = [
        header,
        rates_src,
        dv_src,
        rhs_src,
        _function("jac_work", "t, y, p, out, dv", jac_work_lines,
                  "Dense Jacobian d(dy/dt)/dy into out (n_states, n_states); dv is a work array of shape (N_DV,)."),
        _function("jac", "t, y, p, out", jac_lines, "Dense Jacobian d(dy/dt)/dy, shape (n_states, n_states)."),
        _function("jac_sparse_work", "t, y, p, data, dv", sparse_work_lines,
                  "Jacobian values in the CSR order of JAC_ROWS/JAC_COLS; dv is a work array of shape (N_DV,)."),
        _function("jac_sparse", "t, y, p, data", sparse_lines, "Jacobian values in the CSR order of JAC_ROWS/JAC_COLS."),
        obs_src,
        _function("derive", "p", derive_lines, "Derived parameters, in place."),
        _function("initial", "p, y", init_lines, "Expression-valued initial states, in place."),
    ]
    if network.events:
        parts.append(_event_section(network, printer, x))
    return "\n\n".join(parts)
