"""A model as a reaction network: ordered symbols, ``S``, ``v``, ``rhs = S·v``, ``jac = S·∂v/∂y``.

:func:`build_network` turns a :class:`~mtorsim.spec.Model` into a
:class:`ReactionNetwork`: states and parameters get fixed indices, assignment
rules are substituted into the rates, and every quantity the code generator
needs is available symbolically (``*_expr`` methods, after ModelingToolkit's
``calculate_*``).  Conservation laws are the left null space of ``S``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy
from numpy.typing import NDArray

from . import spec
from .units import CONCENTRATION, canonical_unit_text, parse_unit
from .validation import topological_order

__all__ = ["ConservationLaw", "EventCode", "Layout", "ReactionNetwork", "build_network", "fingerprint", "layout"]


@dataclass(frozen=True)
class ConservationLaw:
    """``sum(coefficients[name] * y[name]) = constant`` along every trajectory.

    Coefficients weight concentrations by their compartment volume so that the
    conserved quantity is an amount (identical to unit weights when all species
    share one compartment).
    """

    coefficients: Mapping[str, float]

    def total(self, values: Mapping[str, NDArray[np.float64]] | NDArray[np.float64], names: Sequence[str] | None = None):
        """Evaluate the conserved total for states given by name (or an array with ``names``)."""
        if names is not None:
            index = {n: i for i, n in enumerate(names)}
            arr = np.asarray(values)
            return sum(c * arr[..., index[n]] for n, c in self.coefficients.items())
        return sum(c * np.asarray(values[n]) for n, c in self.coefficients.items())

    def __str__(self) -> str:
        terms = []
        for name, c in self.coefficients.items():
            terms.append(name if c == 1 else f"{c:g}*{name}")
        return " + ".join(terms).replace("+ -", "- ") + " = const"


@dataclass(frozen=True)
class EventCode:
    """An event with assignment rules substituted and targets as state indices (for codegen)."""

    trigger: sympy.Basic
    delay: sympy.Expr | None
    priority: sympy.Expr | None
    targets: tuple[int, ...]
    values: tuple[sympy.Expr, ...]
    persistent: bool
    initial_value: bool
    use_values_from_trigger_time: bool


@dataclass(frozen=True, eq=False)
class ReactionNetwork:
    """The mathematical content of a model, with a fixed ordering.

    Attributes
    ----------
    model : Model
    state_names : tuple of str
        ``y`` ordering, length ``n_states``.
    parameter_names : tuple of str
        ``p`` ordering: model parameters (derived ones included) then compartment sizes.
    output_names : tuple of str
        Assignment rules then observables, as computed by ``observe``.
    stoichiometry : ndarray, shape (n_states, n_reactions)
        Net coefficients; boundary species and rate-rule targets have zero rows.
    rates : tuple of sympy.Expr
        Reaction rates ``v`` over state/parameter symbols and ``time``, assignments substituted.
    """

    model: spec.Model
    state_names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    output_names: tuple[str, ...]
    stoichiometry: NDArray[np.float64]
    rates: tuple[sympy.Expr, ...]
    flux_factors: tuple[tuple[tuple[int, sympy.Expr], ...], ...]
    rate_rules: tuple[tuple[int, sympy.Expr], ...]
    outputs: tuple[sympy.Expr, ...]
    derived: tuple[tuple[int, sympy.Expr], ...]
    initial_exprs: tuple[tuple[int, sympy.Expr], ...]
    state_units: tuple[str, ...] = field(default=())
    output_units: tuple[str, ...] = field(default=())
    parameter_units: tuple[str, ...] = field(default=())
    state_weights: tuple[float, ...] = field(default=())
    events: tuple[EventCode, ...] = field(default=())

    # ---------------------------------------------------------------- sizes
    @property
    def n_states(self) -> int:
        return len(self.state_names)

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    @property
    def n_reactions(self) -> int:
        return len(self.rates)

    @property
    def n_outputs(self) -> int:
        return len(self.output_names)

    @cached_property
    def state_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(spec.symbol(n) for n in self.state_names)

    @cached_property
    def parameter_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(spec.symbol(n) for n in self.parameter_names)

    # ---------------------------------------------------------------- symbolic
    def rhs_expr(self) -> list[sympy.Expr]:
        """``dy/dt`` per state: ``sum_j S[i, j] * f[i, j] * v[j]`` plus rate rules."""
        out: list[sympy.Expr] = [sympy.Integer(0)] * self.n_states
        for j, terms in enumerate(self.flux_factors):
            for i, factor in terms:
                out[i] = out[i] + factor * self.rates[j]
        for i, expr in self.rate_rules:
            out[i] = expr
        return out

    def rate_jacobian_expr(self) -> dict[tuple[int, int], sympy.Expr]:
        """Non-zero ``∂v[j]/∂y[k]`` (rate-rule rows are appended as reactions ``n_reactions + r``)."""
        out: dict[tuple[int, int], sympy.Expr] = {}
        exprs = list(self.rates) + [e for _, e in self.rate_rules]
        for j, v in enumerate(exprs):
            v = _differentiable(v)
            for k, y in enumerate(self.state_symbols):
                if y in v.free_symbols:
                    d = sympy.diff(v, y)
                    if d.has(sympy.Derivative, sympy.DiracDelta):
                        d = _step_derivatives_zero(d)
                    if d != 0:
                        out[(j, k)] = d
        return out

    def jacobian_expr(self) -> sympy.Matrix:
        """Dense symbolic Jacobian ``∂(dy/dt)/∂y`` (for small networks and tests)."""
        rhs = sympy.Matrix([_differentiable(e) for e in self.rhs_expr()])
        return rhs.jacobian(sympy.Matrix(self.state_symbols))

    # ---------------------------------------------------------------- analysis
    @cached_property
    def conservation_laws(self) -> tuple[ConservationLaw, ...]:
        """Linear combinations of states that never change (left null space of ``S``)."""
        free = [i for i in range(self.n_states) if np.any(self.stoichiometry[i] != 0)]
        rr_targets = {i for i, _ in self.rate_rules}
        free = [i for i in free if i not in rr_targets]
        if not free or self.n_reactions == 0:
            return ()
        S = self.stoichiometry[free]
        if len(free) <= 200:
            M = sympy.Matrix(S.shape[0], S.shape[1], lambda a, b: sympy.nsimplify(S[a, b]))
            basis = M.T.nullspace()
            vectors = []
            for vec in basis:
                denominators = [sympy.fraction(x)[1] for x in vec]
                scale = sympy.ilcm(*denominators) if denominators else 1
                ints = [int(x * scale) for x in vec]
                # prefer mostly-positive presentation
                if sum(ints) < 0:
                    ints = [-x for x in ints]
                vectors.append(np.array(ints, dtype=float))
        else:  # large networks: numerical null space
            from scipy.linalg import null_space

            ns = null_space(S.T)
            vectors = [ns[:, c] / np.max(np.abs(ns[:, c])) for c in range(ns.shape[1])]
        vectors = _prefer_nonnegative(vectors)
        laws = []
        for vec in vectors:
            weighted = {
                self.state_names[free[a]]: float(vec[a] * self.state_weights[free[a]])
                for a in range(len(free))
                if abs(vec[a]) > 1e-12
            }
            # scale so the smallest weight is 1: within one compartment, plain stoichiometric sums
            smallest = min(abs(c) for c in weighted.values())
            laws.append(ConservationLaw({n: c / smallest for n, c in weighted.items()}))
        return tuple(laws)

    def fingerprint(self) -> str:
        """Content hash of everything that shapes generated code (see :func:`fingerprint`)."""
        return fingerprint(self.model)


#: Fields of model elements that never shape generated code: values (inputs at run time),
#: documentation, positions, and sections only used before or after integration.  Every
#: other field is hashed, so a new kind of model element is part of the key by default.
_NOT_CODE = frozenset({
    "loc", "rate_loc", "expr_loc", "description", "source", "file", "version", "text", "rate_text",
    "value", "initial", "size", "variants", "drugs", "start",
})


def fingerprint(model: spec.Model) -> str:
    """sha256 of the canonical text of everything in ``model`` that shapes generated code.

    Parameter values, initial values and compartment sizes are not part of it: they are
    inputs to the generated functions, so changing one never triggers a recompile.  It is
    computed from the model directly (no network assembly), so a warm cache lookup is cheap.
    """
    h = hashlib.sha256()

    def put(obj: object) -> None:
        if isinstance(obj, sympy.Basic):
            h.update(b"S" + sympy.srepr(obj).encode())
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            h.update(b"D" + type(obj).__name__.encode())
            for f in dataclasses.fields(obj):
                if f.name == "events" and not obj.events:  # type: ignore[attr-defined]
                    continue  # models without events keep the keys they had before events existed
                if f.name not in _NOT_CODE:
                    h.update(f.name.encode())
                    put(getattr(obj, f.name))
        elif isinstance(obj, (tuple, list)):
            h.update(b"L%d" % len(obj))
            for item in obj:
                put(item)
        elif isinstance(obj, Mapping):
            h.update(b"M%d" % len(obj))
            for key in sorted(obj, key=repr):
                put(key)
                put(obj[key])
        elif isinstance(obj, float):
            h.update(b"F" + repr(obj).encode())
        else:
            h.update(b"V" + repr(obj).encode())
        h.update(b"\x00")

    put(model)
    return h.hexdigest()


def _prefer_nonnegative(vectors: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
    """Recombine a null-space basis so that as many vectors as possible have no negative entry.

    Greedy: add or subtract another basis vector while that lowers the count of
    negative entries (e.g. ``E + ES`` and ``-E + S + P`` become ``E + ES`` and
    ``S + ES + P``).  The span is unchanged.
    """
    vecs = [v.copy() for v in vectors]

    def negatives(v: NDArray[np.float64]) -> int:
        return int(np.sum(v < -1e-12))

    improved = True
    while improved:
        improved = False
        for a in range(len(vecs)):
            for b in range(len(vecs)):
                if a == b or negatives(vecs[a]) == 0:
                    continue
                for sign in (1.0, -1.0):
                    cand = vecs[a] + sign * vecs[b]
                    if negatives(cand) < negatives(vecs[a]) and np.any(np.abs(cand) > 1e-12):
                        vecs[a] = cand
                        improved = True
                        break
    return vecs


def _differentiable(expr: sympy.Expr) -> sympy.Expr:
    """Rewrite ``Min``/``Max`` as ``Piecewise`` so derivatives stay printable."""
    if expr.has(sympy.Min, sympy.Max):
        expr = expr.rewrite(sympy.Piecewise)
    return expr


def _step_derivatives_zero(expr: sympy.Expr) -> sympy.Expr:
    """Derivatives of step functions (``floor``, ``ceiling``, ``Heaviside``) are 0 almost everywhere."""
    expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.Integer(0))
    return expr.replace(
        lambda e: isinstance(e, sympy.Derivative) and isinstance(e.expr, (sympy.floor, sympy.ceiling)),
        lambda e: sympy.Integer(0),
    )


def _canonical_text(unit: str) -> str:
    return canonical_unit_text(parse_unit(unit or "dimensionless").dimensionality)


@dataclass(frozen=True)
class Layout:
    """The ordering of ``y``, ``p`` and outputs, with canonical units: cheap, no sympy work."""

    state_names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    output_names: tuple[str, ...]
    state_units: tuple[str, ...]
    parameter_units: tuple[str, ...]
    output_units: tuple[str, ...]
    state_weights: tuple[float, ...]
    derived_parameters: tuple[str, ...]
    n_assignments: int


def layout(model: spec.Model) -> Layout:
    """Names, units and conservation weights in the order the generated code uses."""
    compartments = {c.name: c for c in model.compartments}
    weights = []
    for s in model.species:
        if parse_unit(s.unit).dimensionality == CONCENTRATION and s.compartment in compartments:
            weights.append(compartments[s.compartment].size)
        else:
            weights.append(1.0)
    return Layout(
        state_names=tuple(s.name for s in model.species),
        parameter_names=tuple(p.name for p in model.parameters) + tuple(c.name for c in model.compartments),
        output_names=tuple(a.name for a in model.assignments) + tuple(o.name for o in model.observables),
        state_units=tuple(_canonical_text(s.unit) for s in model.species),
        parameter_units=tuple(_canonical_text(p.unit) for p in model.parameters) + ("L",) * len(model.compartments),
        # values are canonical everywhere except observables, scaled into their declared unit
        output_units=tuple(_canonical_text(a.unit) for a in model.assignments) + tuple(o.unit for o in model.observables),
        state_weights=tuple(weights),
        derived_parameters=tuple(p.name for p in model.parameters if p.derived),
        n_assignments=len(model.assignments),
    )


def build_network(model: spec.Model) -> ReactionNetwork:
    """Order the model's symbols and assemble ``S``, ``v`` and outputs.

    Pure: returns a new object and leaves ``model`` untouched.
    """
    lay = layout(model)
    state_names, parameter_names = lay.state_names, lay.parameter_names
    state_index = {n: i for i, n in enumerate(state_names)}
    param_index = {n: i for i, n in enumerate(parameter_names)}
    species = {s.name: s for s in model.species}

    # Substitute assignment rules (in dependency order) into everything else.
    by_name = {a.name: a for a in model.assignments}
    order, _ = topological_order({a.name: {s.name for s in a.expr.free_symbols} for a in model.assignments})
    resolved: dict[sympy.Symbol, sympy.Expr] = {}
    for name in order:
        resolved[spec.symbol(name)] = by_name[name].expr.xreplace(resolved)

    def sub(e: sympy.Expr) -> sympy.Expr:
        return e.xreplace(resolved) if resolved else e

    # Stoichiometry and how each flux reaches each state.
    n, m = len(state_names), len(model.reactions)
    S = np.zeros((n, m))
    flux_factors = []
    rates = []
    for j, r in enumerate(model.reactions):
        terms = []
        for name, coeff in r.stoichiometry().items():
            if coeff == 0 or species[name].boundary:
                continue
            i = state_index[name]
            S[i, j] = coeff
            factor: sympy.Expr = sympy.nsimplify(coeff)
            s = species[name]
            if r.basis is spec.RateBasis.AMOUNT and parse_unit(s.unit).dimensionality == CONCENTRATION:
                factor = factor / spec.symbol(s.compartment)  # type: ignore[arg-type]
            terms.append((i, factor))
        flux_factors.append(tuple(terms))
        rates.append(sub(r.rate))
    S.setflags(write=False)

    rate_rules = tuple((state_index[rr.target], sub(rr.expr)) for rr in model.rate_rules)
    outputs = [sub(spec.symbol(a.name)) for a in model.assignments]
    outputs += [sub(o.expr) * sympy.Float(o.scale) if o.scale != 1.0 else sub(o.expr) for o in model.observables]

    derived_params = {p.name: p for p in model.parameters if p.derived}
    dorder, _ = topological_order({n: {s.name for s in p.expr.free_symbols} for n, p in derived_params.items()})
    derived = tuple((param_index[name], derived_params[name].expr) for name in dorder)
    initial_exprs = tuple((state_index[s.name], s.initial_expr) for s in model.species if s.initial_expr is not None)
    events = tuple(
        EventCode(
            trigger=sub(e.trigger),
            delay=None if e.delay is None else sub(e.delay),
            priority=None if e.priority is None else sub(e.priority),
            targets=tuple(state_index[a.target] for a in e.assignments),
            values=tuple(sub(a.expr) for a in e.assignments),
            persistent=e.persistent,
            initial_value=e.initial_value,
            use_values_from_trigger_time=e.use_values_from_trigger_time,
        )
        for e in model.events
    )

    return ReactionNetwork(
        model=model,
        state_names=state_names,
        parameter_names=parameter_names,
        output_names=lay.output_names,
        stoichiometry=S,
        rates=tuple(rates),
        flux_factors=tuple(flux_factors),
        rate_rules=rate_rules,
        outputs=tuple(outputs),
        derived=derived,
        initial_exprs=initial_exprs,
        state_units=lay.state_units,
        output_units=lay.output_units,
        parameter_units=lay.parameter_units,
        state_weights=lay.state_weights,
        events=events,
    )
