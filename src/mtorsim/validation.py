"""Semantic checks on a parsed model → a completed model and every diagnostic.

Checks: dimensional consistency of every rate law (pint), derived parameter,
initial expression, assignment, rate rule and observable; circular
definitions; drug dose targets; negative and unused parameters.  Also fills in
what can only be known after these checks: each reaction's rate basis
(per-species-unit or amount/time), derived parameter values, expression-based
initial values, and each observable's unit scale.  Every hop returns a new
frozen :class:`~mtorsim.spec.Model`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import pint
import sympy

from . import spec
from .dimensions import DimensionIssue, unit_of
from .errors import Diagnostic, SourceLocation
from .parsing import ParsedModel
from .units import (
    AMOUNT,
    CONCENTRATION,
    DIMENSIONLESS,
    TIME,
    Quantity,
    Unit,
    canonical_unit,
    canonical_unit_text,
    format_unit,
    parse_unit,
)

__all__ = ["topological_order", "validate_model"]

_HOUR = Unit("hour")


def topological_order(deps: Mapping[str, Iterable[str]]) -> tuple[list[str], list[list[str]]]:
    """Order names so each comes after its dependencies (restricted to ``deps``' keys).

    Returns the order and the list of cycles found (each a list of names).
    """
    order: list[str] = []
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        mark = state.get(node, 0)
        if mark == 2:
            return
        if mark == 1:
            cycles.append(stack[stack.index(node):] + [node])
            return
        state[node] = 1
        stack.append(node)
        for dep in deps.get(node, ()):
            if dep in deps:
                visit(dep, stack)
        stack.pop()
        state[node] = 2
        order.append(node)

    for node in deps:
        visit(node, [])
    return order, cycles


def _names(expr: sympy.Basic) -> set[str]:
    return {s.name for s in expr.free_symbols}


def _broken(expr: sympy.Basic | None) -> bool:
    return expr is None or expr is sympy.nan or expr.has(sympy.nan)


class _Validator:
    def __init__(self, parsed: ParsedModel) -> None:
        self.parsed = parsed
        self.model = parsed.model
        self.lines = parsed.lines
        self.diagnostics: list[Diagnostic] = []
        self.units: dict[sympy.Symbol, pint.Unit] = {spec.TIME: _HOUR}
        self.values: dict[sympy.Symbol, float] = {}

    def add(self, code: str, message: str, loc: SourceLocation, hint: str) -> None:
        line = self.lines[loc.line - 1] if loc.line and 0 < loc.line <= len(self.lines) else None
        self.diagnostics.append(Diagnostic(code, message, loc, line, hint))

    def unit(self, text: str) -> pint.Unit:
        try:
            return parse_unit(text or "dimensionless")
        except Exception:  # reported by the parser already
            return Unit("dimensionless")

    def factors(self, expr: sympy.Basic) -> str:
        """Hint text listing the unit of each name in ``expr``."""
        parts = []
        for sym in sorted(expr.free_symbols, key=lambda s: s.name):
            u = self.units.get(sym)
            if u is None:
                continue
            kind = self.model.kind_of(sym.name) or "time"
            line = ""
            element = self.model._index.get(kind, {}).get(sym.name) if kind != "time" else None
            if element is not None and getattr(element, "loc", None) and element.loc.line:
                line = f", line {element.loc.line}"
            parts.append(f"{sym.name} [{format_unit(u)}{line}]")
        return "units of the names used: " + ", ".join(parts) if parts else ""

    def unit_of(self, expr: sympy.Basic, where: str, loc: SourceLocation) -> pint.Unit | None:
        try:
            return unit_of(expr, self.units, self.values)
        except DimensionIssue as issue:
            if issue.kind == "unknown":  # the name's own definition failed and was reported
                return None
            code = "E210" if issue.kind == "argument" else "E203"
            self.add(code, f"{where}: {issue.message}", loc, self.factors(expr))
            return None

    # ------------------------------------------------------------------ steps
    def run(self) -> spec.Model:
        m = self.model
        for c in m.compartments:
            self.units[spec.symbol(c.name)] = self.unit(c.unit)
            self.values[spec.symbol(c.name)] = c.size
        for s in m.species:
            self.units[spec.symbol(s.name)] = self.unit(s.unit)
        params = self.parameters()
        species = self.species(params)
        assignments = self.assignments()
        reactions = self.reactions()
        self.rate_rules(reactions)
        observables = self.observables()
        self.drugs(species, params)
        if not any(d.severity.value == "error" for d in self.parsed.diagnostics + self.diagnostics):
            self.usage(params)  # unused-name warnings only make sense once everything parsed
        return dataclasses.replace(
            m,
            parameters=tuple(params),
            species=tuple(species),
            assignments=tuple(assignments),
            reactions=tuple(reactions),
            observables=tuple(observables),
        )

    def parameters(self) -> list[spec.Parameter]:
        m = self.model
        plain = [p for p in m.parameters if not p.derived]
        for p in plain:
            sym = spec.symbol(p.name)
            self.units[sym] = self.unit(p.unit)
            self.values[sym] = p.value
            if p.value < 0:
                self.add("W401", f"parameter '{p.name}' is negative ({p.value:g})", p.loc,
                         "rate constants and concentrations are normally non-negative")
        derived = {p.name: p for p in m.parameters if p.derived}
        deps = {name: _names(p.expr) for name, p in derived.items() if not _broken(p.expr)}
        order, cycles = topological_order(deps)
        for cycle in cycles:
            self.add("E209", f"derived parameters form a cycle: {' -> '.join(cycle)}", derived[cycle[0]].loc,
                     "a derived parameter cannot depend on itself")
        done: dict[str, spec.Parameter] = {}
        cyclic = {n for c in cycles for n in c}
        for name in order:
            p = derived[name]
            if name in cyclic:
                continue
            u = self.unit_of(p.expr, f"parameter '{name}'", p.loc)
            if u is None:
                continue
            if p.unit:
                declared = self.unit(p.unit)
                if declared.dimensionality != u.dimensionality:
                    self.add("E203", f"parameter '{name}': expression has units {format_unit(u)} but 'unit' says {p.unit}",
                             p.loc, self.factors(p.expr))
                    continue
            else:
                declared = canonical_unit(u.dimensionality)
            try:
                value = float(p.expr.subs(self.values))
            except TypeError:
                self.add("E211", f"parameter '{name}' cannot be evaluated", p.loc, "its expression may use only numbers and other parameters")
                continue
            sym = spec.symbol(name)
            self.units[sym] = declared
            self.values[sym] = value
            unit_text = p.unit or canonical_unit_text(u.dimensionality)
            done[name] = dataclasses.replace(p, value=value, unit=unit_text)
        # a derived parameter that failed its checks is dropped; its diagnostic stops the load
        return [done.get(p.name, p) for p in m.parameters if not (p.derived and p.name not in done)]

    def species(self, params: list[spec.Parameter]) -> list[spec.Species]:
        out = []
        for s in self.model.species:
            if s.initial_expr is None or _broken(s.initial_expr):
                out.append(s)
                continue
            where = f"initial value of species '{s.name}'"
            u = self.unit_of(s.initial_expr, where, s.loc)
            if u is None:
                out.append(s)
                continue
            declared = self.unit(s.unit)
            if u.dimensionality != declared.dimensionality:
                self.add("E203", f"{where} has units {format_unit(u)} but the species is in {s.unit}", s.loc,
                         self.factors(s.initial_expr))
                out.append(s)
                continue
            try:
                value = float(s.initial_expr.subs(self.values))
            except TypeError:
                self.add("E211", f"{where} cannot be evaluated from parameters", s.loc, "an initial value may use only parameters and compartments")
                out.append(s)
                continue
            value = float(Quantity(value, canonical_unit(u.dimensionality)).to(canonical_unit(declared.dimensionality)).magnitude)
            if value < 0:
                self.add("E206", f"{where} evaluates to a negative number ({value:g})", s.loc, "check the parameters in the expression; initial values cannot be negative")
            out.append(dataclasses.replace(s, initial=value))
        return out

    def assignments(self) -> list[spec.AssignmentRule]:
        m = self.model
        by_name = {a.name: a for a in m.assignments}
        deps = {a.name: _names(a.expr) for a in m.assignments if not _broken(a.expr)}
        order, cycles = topological_order(deps)
        cyclic = {n for c in cycles for n in c}
        for cycle in cycles:
            self.add("E209", f"assignments form a cycle: {' -> '.join(cycle)}", by_name[cycle[0]].loc,
                     "an assignment cannot depend on itself, directly or through others")
        out: dict[str, spec.AssignmentRule] = {}
        for name in order:
            a = by_name[name]
            if name in cyclic:
                continue
            u = self.unit_of(a.expr, f"assignment '{name}'", a.expr_loc or a.loc)
            if u is None:
                continue
            if a.unit:
                declared = self.unit(a.unit)
                if declared.dimensionality != u.dimensionality:
                    self.add("E203", f"assignment '{name}' has units {format_unit(u)} but 'unit' says {a.unit}",
                             a.loc, self.factors(a.expr))
                    continue
                u = declared
            self.units[spec.symbol(name)] = u
            out[name] = a if a.unit else dataclasses.replace(a, unit=canonical_unit_text(u.dimensionality))
        return [out.get(a.name, a) for a in m.assignments]

    def reactions(self) -> list[spec.Reaction]:
        out = []
        species = {s.name: s for s in self.model.species}
        for r in self.model.reactions:
            if _broken(r.rate):
                out.append(r)
                continue
            where = f"rate of reaction '{r.name}'"
            u = self.unit_of(r.rate, where, r.rate_loc or r.loc)
            if u is None:
                out.append(r)
                continue
            net = {n: c for n, c in r.stoichiometry().items() if c != 0}
            if not net:
                out.append(r)
                continue
            participants = [species[n] for n in net if n in species]
            basis = self.basis(r, u, participants, where)
            out.append(r if basis is None else dataclasses.replace(r, basis=basis))
        return out

    def basis(self, r: spec.Reaction, u: pint.Unit, participants: list[spec.Species], where: str) -> spec.RateBasis | None:
        rate_dim = u.dimensionality
        dims = [(s, self.unit(s.unit).dimensionality) for s in participants]
        if all(rate_dim == d / TIME for _, d in dims):
            concs = [s for s, d in dims if d == CONCENTRATION]
            compartments = {s.compartment for s in concs}
            if len(compartments) > 1:
                self.add("E203", f"{where} is a concentration rate, but the species live in different compartments "
                         f"({', '.join(sorted(str(c) for c in compartments))})", r.rate_loc or r.loc,
                         "write the rate as an amount per time (multiply by the compartment volume), "
                         "so each species receives it divided by its own volume")
                return None
            return spec.RateBasis.SPECIES
        if rate_dim == AMOUNT / TIME and all(d in (CONCENTRATION, AMOUNT) for _, d in dims):
            for s, d in dims:
                if d == CONCENTRATION and s.compartment is None:
                    self.add("E203", f"{where} is an amount per time, but species '{s.name}' is a concentration "
                             "with no compartment to divide by", r.loc, "give the species a compartment")
                    return None
            return spec.RateBasis.AMOUNT
        first = participants[0]
        expected = format_unit(self.unit(first.unit) / _HOUR)
        self.add(
            "E203",
            f"{where} has units {format_unit(u)}, expected {expected} (species unit / time)"
            + (" or an amount per time" if all(d in (CONCENTRATION, AMOUNT) for _, d in dims) else ""),
            r.rate_loc or r.loc,
            self.factors(r.rate),
        )
        return None

    def rate_rules(self, reactions: list[spec.Reaction]) -> None:
        changed = {n for r in reactions for n, c in r.stoichiometry().items() if c != 0}
        species = {s.name: s for s in self.model.species}
        seen: set[str] = set()
        for rr in self.model.rate_rules:
            where = f"rate rule for '{rr.target}'"
            if rr.target in seen:
                self.add("E202", f"{where} is given twice", rr.loc, "keep one rate rule per species")
            seen.add(rr.target)
            if rr.target in changed:
                self.add("E211", f"{where}: the species is also changed by reactions", rr.loc,
                         "a species follows either reactions or one rate rule, not both")
            if _broken(rr.expr):
                continue
            u = self.unit_of(rr.expr, where, rr.expr_loc or rr.loc)
            s = species.get(rr.target)
            if u is None or s is None:
                continue
            expected = self.unit(s.unit) / _HOUR
            if u.dimensionality != expected.dimensionality:
                self.add("E203", f"{where} has units {format_unit(u)}, expected {format_unit(expected)}", rr.loc,
                         self.factors(rr.expr))

    def observables(self) -> list[spec.Observable]:
        out = []
        for o in self.model.observables:
            if _broken(o.expr):
                out.append(o)
                continue
            u = self.unit_of(o.expr, f"observable '{o.name}'", o.expr_loc or o.loc)
            if u is None:
                out.append(o)
                continue
            canonical = canonical_unit(u.dimensionality)
            if o.unit:
                declared = self.unit(o.unit)
                if declared.dimensionality != u.dimensionality:
                    self.add("E203", f"observable '{o.name}' has units {format_unit(u)} but 'unit' says {o.unit}",
                             o.loc, self.factors(o.expr))
                    out.append(o)
                    continue
                scale = float(Quantity(1.0, canonical).to(declared).magnitude)
                out.append(dataclasses.replace(o, scale=scale))
            else:
                out.append(dataclasses.replace(o, unit=canonical_unit_text(u.dimensionality), scale=1.0))
        return out

    def drugs(self, species: list[spec.Species], params: list[spec.Parameter]) -> None:
        sp = {s.name: s for s in species}
        pp = {p.name: p for p in params}
        for drug in self.model.drugs:
            for route, target in drug.routes.items():
                where = f"drug '{drug.name}', route '{route.value}'"
                needs_parameter = route in (spec.Route.INFUSION, spec.Route.MEDIUM)
                if needs_parameter:
                    if target.parameter is None or target.species is not None:
                        self.add("E301", f"{where} must name a 'parameter' (and no 'species')", target.loc,
                                 "an infusion sets a rate parameter; in vitro sets a medium-concentration parameter")
                        continue
                    p = pp.get(target.parameter)
                    if p is None:
                        self.add("E201", f"{where}: parameter '{target.parameter}' is not declared", target.loc, "declare it under parameters, e.g. {value: 0 nmol/h, source: ...}")
                        continue
                    dim = self.unit(p.unit).dimensionality
                    want = AMOUNT / TIME if route is spec.Route.INFUSION else CONCENTRATION
                    if dim != want and not (route is spec.Route.INFUSION and dim == CONCENTRATION / TIME):
                        self.add("E203", f"{where}: parameter '{p.name}' is in {p.unit}, expected "
                                 + ("an amount per time (e.g. nmol/h)" if route is spec.Route.INFUSION else "a concentration (e.g. nM)"),
                                 target.loc, "change the unit of that parameter")
                else:
                    if target.species is None or target.parameter is not None:
                        self.add("E301", f"{where} must name a 'species' that receives the dose", target.loc, "oral, iv, ip and sc doses enter a species: {species: drug_gut}")
                        continue
                    s = sp.get(target.species)
                    if s is None:
                        self.add("E201", f"{where}: species '{target.species}' is not declared", target.loc, "declare it under species (an amount, e.g. initial: 0 nmol)")
                        continue
                    dim = self.unit(s.unit).dimensionality
                    if dim not in (AMOUNT, CONCENTRATION):
                        self.add("E203", f"{where}: species '{s.name}' is in {s.unit}; a dose needs an amount or concentration species", target.loc, "dose into a species in nmol or nM")
                    elif dim == CONCENTRATION and s.compartment is None:
                        self.add("E301", f"{where}: species '{s.name}' is a concentration without a compartment volume", target.loc, "give the species a compartment so the dose can be divided by its volume")
                if target.bioavailability is not None:
                    p = pp.get(target.bioavailability)
                    if p is None:
                        self.add("E201", f"{where}: bioavailability parameter '{target.bioavailability}' is not declared", target.loc, "declare it under parameters, dimensionless, e.g. {value: 0.8, source: ...}")
                    elif self.unit(p.unit).dimensionality != DIMENSIONLESS:
                        self.add("E203", f"{where}: bioavailability '{p.name}' must be dimensionless, got {p.unit}", target.loc, "bioavailability is a fraction (dimensionless)")

    def usage(self, params: list[spec.Parameter]) -> None:
        m = self.model
        used: set[str] = set()
        exprs: list[sympy.Basic] = [r.rate for r in m.reactions]
        exprs += [a.expr for a in m.assignments] + [o.expr for o in m.observables] + [rr.expr for rr in m.rate_rules]
        exprs += [p.expr for p in m.parameters if p.expr is not None]
        exprs += [s.initial_expr for s in m.species if s.initial_expr is not None]
        for e in exprs:
            if not _broken(e):
                used |= _names(e)
        for d in m.drugs:
            for t in d.routes.values():
                used |= {n for n in (t.parameter, t.bioavailability) if n}
        for p in params:
            if p.name not in used:
                self.add("W402", f"parameter '{p.name}' is not used by any rate, rule or observable", p.loc,
                         "remove it, or use it")


def validate_model(parsed: ParsedModel) -> tuple[spec.Model, list[Diagnostic]]:
    """Check a parsed model; return the completed model and all diagnostics (parser's first)."""
    validator = _Validator(parsed)
    model = validator.run()
    diagnostics = list(parsed.diagnostics) + validator.diagnostics
    diagnostics.sort(key=lambda d: (d.loc.line or 0, d.loc.col or 0))
    return model, diagnostics
