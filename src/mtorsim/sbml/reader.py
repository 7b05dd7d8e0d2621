"""SBML document (python-libsbml) → :class:`~mtorsim.spec.Model`.

How SBML maps onto mtorsim's model (see ``docs/decisions.md``):

* Numbers are taken as the document gives them, in the document's own units, and
  not converted: an SBML time unit of seconds stays seconds (``t_end=60`` is 60 of
  them).  Unit consistency is libSBML's business; mtorsim's dimension checks are
  not applied.
* Every species that is not defined by an assignment rule is a state.  It holds
  the species' concentration (unit label ``nM``) when SBML reads its symbol as a
  concentration *and* its compartment is constant; otherwise it holds the amount
  (``nmol``) and the symbol is rewritten as ``amount / compartment`` where SBML
  means a concentration.  Reactions are amount rates (``RateBasis.AMOUNT``).
* Parameters, compartments and stoichiometries that change in time (rate rules,
  event assignments) are states too (unit ``dimensionless``/``L``, a rate rule of 0
  if only events change them), so events assign states only and ``p`` never
  changes during a run.  Assignment rules become :class:`~mtorsim.spec.AssignmentRule`.
* Constant values defined by initial assignments are derived parameters;
  initial values are expressions of the constant parameters, so a sweep over a
  parameter moves every initial value computed from it.
* Local parameters become global parameters named ``<reaction>_<id>``.
* A species with a conversion factor or a non-constant stoichiometry gets its
  whole balance as a rate rule; every other species takes part in ordinary
  reactions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libsbml
import sympy

from .. import spec
from ..errors import Diagnostic, SourceLocation
from .mathml import RATE_OF, UnsupportedMath, as_boolean, as_number, ast_to_sympy, function_definitions

__all__ = ["UNSUPPORTED_CODE", "read_sbml"]

#: Diagnostic codes (see :data:`mtorsim.errors.CODES`).
SBML_ERROR_CODE = "E120"
UNSUPPORTED_CODE = "E121"

_STATE_UNIT_CONC = "nM"
_STATE_UNIT_AMOUNT = "nmol"


class _Refuse(Exception):
    def __init__(self, what: str, element: libsbml.SBase | None, hint: str) -> None:
        super().__init__(what)
        self.what = what
        self.element = element
        self.hint = hint


def _loc(file: str, element: libsbml.SBase | None) -> SourceLocation:
    if element is None:
        return SourceLocation(file)
    line = element.getLine() or None
    col = element.getColumn() or None
    return SourceLocation(file, line, col)


def _source_line(lines: list[str], loc: SourceLocation) -> str | None:
    if loc.line and 0 < loc.line <= len(lines):
        return lines[loc.line - 1]
    return None


def _describe(element: libsbml.SBase) -> str:
    kind = element.getElementName()
    ident = element.getId() if element.isSetId() else ""
    return f"<{kind}{' id=' + repr(ident) if ident else ''}>"


@dataclass
class _SpeciesInfo:
    sid: str
    compartment: str
    hosu: bool  # symbol means amount (hasOnlySubstanceUnits or 0-D compartment)
    state: bool
    stored_as_conc: bool
    boundary: bool


class _Reader:
    def __init__(self, doc: libsbml.SBMLDocument, file: str) -> None:
        self.doc = doc
        self.m: libsbml.Model = doc.getModel()
        self.file = file
        self.functions = function_definitions(self.m)

    # ------------------------------------------------------------------ helpers
    def sym(self, name: str) -> sympy.Symbol:
        return spec.symbol(name)

    def math(self, node: libsbml.ASTNode | None, element: libsbml.SBase,
             resolve: Callable[[str], sympy.Basic] | None = None) -> sympy.Basic | None:
        """SBML math in SBML semantics (symbols are SBML ids, rateOf still a placeholder)."""
        if node is None:
            return None
        try:
            return ast_to_sympy(node, resolve or self.sym, self.functions)
        except UnsupportedMath as exc:
            raise _Refuse(f"{_describe(element)} uses {exc}", element,
                          "mtorsim simulates ordinary differential equations; rewrite the model "
                          "without this construct or use a simulator that supports it") from None
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise _Refuse(f"{_describe(element)}: its math cannot be read ({exc})", element,
                          "check the MathML of this element") from None

    def loc(self, element: libsbml.SBase | None) -> SourceLocation:
        return _loc(self.file, element)

    # ------------------------------------------------------------------ refusals
    def check_supported(self) -> None:
        doc, m = self.doc, self.m
        for i in range(doc.getNumPlugins() if doc.getLevel() >= 3 else 0):
            name = doc.getPlugin(i).getPackageName()
            if name != "l3v2extendedmath" and doc.isPackageEnabled(name) and doc.getPackageRequired(name):
                raise _Refuse(f"the document requires the SBML package '{name}'", doc,
                              "mtorsim reads SBML core only; flatten or remove the package "
                              "(e.g. comp models with libSBML's CompFlatteningConverter)")
        for rule in m.getListOfRules():
            if rule.isAlgebraic():
                raise _Refuse(f"algebraic rule {_describe(rule)} ({libsbml.formulaToL3String(rule.getMath())} = 0)"
                              if rule.getMath() else "an algebraic rule", rule,
                              "mtorsim integrates ODEs only; solve the constraint for one variable "
                              "and write it as an assignment rule")
        for r in m.getListOfReactions():
            if r.isSetFast() and r.getFast():
                raise _Refuse(f"fast reaction {_describe(r)}", r,
                              "fast reactions mean an algebraic equilibrium; make the reaction an "
                              "ordinary (fast-rate) reaction or replace it by its equilibrium relation")

    # ------------------------------------------------------------------ build
    def build(self) -> spec.Model:  # noqa: C901 - one pass over the document
        m = self.m
        self.check_supported()
        comps = {c.getId(): c for c in m.getListOfCompartments()}
        species = {s.getId(): s for s in m.getListOfSpecies()}
        params = {p.getId(): p for p in m.getListOfParameters()}
        reactions = list(m.getListOfReactions())
        srefs: dict[str, libsbml.SpeciesReference] = {}
        for r in reactions:
            for lst in (r.getListOfReactants(), r.getListOfProducts()):
                for sr in lst:
                    if sr.isSetId() and sr.getId():
                        srefs[sr.getId()] = sr

        assign_rules = {}
        rate_rules = {}
        for rule in m.getListOfRules():
            if rule.getMath() is None:
                continue
            if rule.isAssignment():
                assign_rules[rule.getVariable()] = rule
            elif rule.isRate():
                rate_rules[rule.getVariable()] = rule
        initial_assignments = {ia.getSymbol(): ia for ia in m.getListOfInitialAssignments() if ia.getMath() is not None}
        event_targets = {ea.getVariable() for ev in m.getListOfEvents() for ea in ev.getListOfEventAssignments()}

        # ---- which ids are states, which constants, which assignments
        def varies(sid: str) -> bool:
            return sid in rate_rules or sid in event_targets

        state_ids: list[str] = []  # in order: species, then the rest
        sinfo: dict[str, _SpeciesInfo] = {}
        compartment_is_constant = {
            cid: not (cid in assign_rules or varies(cid)) for cid in comps
        }
        for sid, s in species.items():
            c = comps.get(s.getCompartment())
            zero_d = c is not None and c.getSpatialDimensionsAsDouble() == 0
            hosu = s.getHasOnlySubstanceUnits() or zero_d
            is_state = sid not in assign_rules
            conc = (not hosu) and compartment_is_constant.get(s.getCompartment(), True)
            sinfo[sid] = _SpeciesInfo(sid, s.getCompartment(), hosu, is_state, conc,
                                      s.getBoundaryCondition() or s.getConstant())
            if is_state:
                state_ids.append(sid)
        other_states = [i for i in list(params) + list(comps) + list(srefs)
                        if i not in assign_rules and varies(i)]
        state_ids += other_states
        states = set(state_ids)

        # ---- local parameters: renamed globally
        taken = set(species) | set(params) | set(comps) | set(srefs) | {r.getId() for r in reactions}
        local_names: dict[tuple[str, str], str] = {}
        local_params: list[spec.Parameter] = []
        for r in reactions:
            kl = r.getKineticLaw()
            if kl is None:
                continue
            lst = kl.getListOfLocalParameters() if self.doc.getLevel() >= 3 else kl.getListOfParameters()
            for lp in lst:
                name = f"{r.getId()}_{lp.getId()}"
                while name in taken:
                    name += "_"
                taken.add(name)
                local_names[(r.getId(), lp.getId())] = name
                value = lp.getValue() if lp.isSetValue() else float("nan")
                local_params.append(spec.Parameter(name, value, "dimensionless", "SBML local parameter",
                                                   loc=self.loc(lp)))

        # ---- SBML-semantic math of every element (symbols are ids)
        def kinetic_math(r: libsbml.Reaction) -> sympy.Basic:
            kl = r.getKineticLaw()
            if kl is None or kl.getMath() is None:
                return sympy.Integer(0)
            rid = r.getId()

            def resolve(name: str) -> sympy.Basic:
                if (rid, name) in local_names:
                    return self.sym(local_names[(rid, name)])
                return self.sym(name)

            return as_number(self.math(kl.getMath(), kl, resolve))

        rate_math = {r.getId(): kinetic_math(r) for r in reactions}
        ar_math = {k: as_number(self.math(r.getMath(), r)) for k, r in assign_rules.items()}
        rr_math = {k: as_number(self.math(r.getMath(), r)) for k, r in rate_rules.items()}
        ia_math = {k: as_number(self.math(ia.getMath(), ia)) for k, ia in initial_assignments.items()}

        def stoich_math(sr: libsbml.SpeciesReference) -> sympy.Expr:
            if self.doc.getLevel() < 3 and sr.isSetStoichiometryMath():
                sm = sr.getStoichiometryMath()
                if sm.getMath() is not None:
                    return as_number(self.math(sm.getMath(), sm))
            sid = sr.getId() if sr.isSetId() else ""
            if sid and (sid in states or sid in assign_rules or sid in initial_assignments):
                return self.sym(sid)
            value = sr.getStoichiometry() if sr.isSetStoichiometry() else (1.0 if self.doc.getLevel() < 3 else float("nan"))
            return sympy.Float(value) if not float(value).is_integer() else sympy.Integer(int(value))

        # ---- SBML value of a symbol → storage symbols
        def compartment_symbol(sid: str) -> sympy.Expr:
            return self.sym(sinfo[sid].compartment)

        storage_sub: dict[sympy.Symbol, sympy.Expr] = {}
        for sid, info in sinfo.items():
            if info.state and not info.hosu and not info.stored_as_conc:
                storage_sub[self.sym(sid)] = self.sym(sid) / compartment_symbol(sid)
        rate_symbols = {self.sym(rid): rid for rid in rate_math}

        rate_storage: dict[str, sympy.Expr] = {}

        def reaction_rate(rid: str) -> sympy.Expr:
            if rid not in rate_storage:
                rate_storage[rid] = to_storage(rate_math[rid])
            return rate_storage[rid]

        def to_storage(e: sympy.Basic) -> sympy.Basic:
            """SBML-semantic math → storage symbols (reaction ids and rateOf resolved)."""
            pending: dict[sympy.Dummy, str] = {}
            if e.has(RATE_OF):
                def hold(x: sympy.Basic) -> sympy.Basic:
                    d = sympy.Dummy(real=True)
                    pending[d] = x.args[0].name
                    return d

                e = e.replace(lambda x: x.func == RATE_OF, hold)
            if storage_sub:
                e = e.xreplace(storage_sub)
            rs = {s: reaction_rate(rid) for s, rid in rate_symbols.items() if s in e.free_symbols}
            if rs:
                e = e.xreplace(rs)
            if pending:
                e = e.xreplace({d: rate_of(name) for d, name in pending.items()})
            return e

        # ---- per-species amount balance
        contributions: dict[str, list[sympy.Expr]] = {sid: [] for sid in sinfo}
        plain: dict[str, dict[str, list[tuple[str, float]]]] = {}
        model_cf = m.getConversionFactor() if m.isSetConversionFactor() else ""
        cf_of = {sid: (s.getConversionFactor() if s.isSetConversionFactor() else model_cf) for sid, s in species.items()}
        rule_path: set[str] = set()
        stoich_exprs: dict[str, list[tuple[str, sympy.Expr]]] = {}  # species -> [(reaction, signed stoich)]
        for r in reactions:
            rid = r.getId()
            for sign, lst in ((-1, r.getListOfReactants()), (1, r.getListOfProducts())):
                for sr in lst:
                    sp = sr.getSpecies()
                    if sp not in sinfo or sinfo[sp].boundary or not sinfo[sp].state:
                        continue
                    st = stoich_math(sr)
                    stoich_exprs.setdefault(sp, []).append((rid, sign * st))
                    if not st.is_Number or cf_of.get(sp):
                        rule_path.add(sp)
        for sp, terms in stoich_exprs.items():
            cf = cf_of.get(sp)
            for rid, st in terms:
                contributions[sp].append(st * (self.sym(cf) if cf else 1) * self.sym(f"__rate__{rid}"))
            if sp not in rule_path:
                for rid, st in terms:
                    plain.setdefault(rid, {}).setdefault(sp, []).append(("p" if st > 0 else "r", float(abs(st))))

        # storage derivative of each state (storage symbols, reaction rates as placeholders)
        deriv_cache: dict[str, sympy.Expr] = {}
        in_progress: set[str] = set()

        def rate_placeholders(e: sympy.Expr) -> sympy.Expr:
            subs = {self.sym(f"__rate__{rid}"): reaction_rate(rid) for rid in rate_math
                    if self.sym(f"__rate__{rid}") in e.free_symbols}
            return e.xreplace(subs) if subs else e

        def storage_derivative(name: str) -> sympy.Expr:
            """d(stored value)/dt of a state, in storage symbols."""
            if name in deriv_cache:
                return deriv_cache[name]
            if name in in_progress:
                raise _Refuse(f"rateOf({name}) depends on itself", None, "break the cycle of rateOf references")
            in_progress.add(name)
            try:
                if name in sinfo:
                    info = sinfo[name]
                    if name in rate_rules:
                        f = to_storage(rr_math[name])
                        if info.hosu or info.stored_as_conc:
                            d = f
                        else:  # amount state whose rate rule gives d[S]/dt in a varying compartment
                            V = compartment_symbol(name)
                            d = f * V + (self.sym(name) / V) * total_derivative(V)
                    elif info.boundary:
                        d = sympy.Integer(0)
                    else:
                        d = rate_placeholders(to_storage(sympy.Add(*contributions[name])))
                        if info.stored_as_conc:
                            d = d / compartment_symbol(name)
                elif name in rate_rules:
                    d = to_storage(rr_math[name])
                else:
                    d = sympy.Integer(0)
            finally:
                in_progress.discard(name)
            deriv_cache[name] = d
            return d

        ar_storage: dict[str, sympy.Expr] = {}

        def assigned_value(name: str) -> sympy.Expr:
            if name not in ar_storage:
                ar_storage[name] = to_storage(ar_math[name])
            return ar_storage[name]

        def total_derivative(e: sympy.Expr) -> sympy.Expr:
            out = sympy.diff(e, spec.TIME) if e.has(spec.TIME) else sympy.Integer(0)
            for s in e.free_symbols:
                if s == spec.TIME:
                    continue
                if s.name in states:
                    ds = storage_derivative(s.name)
                elif s.name in ar_math:
                    ds = total_derivative(assigned_value(s.name))
                else:
                    continue
                out = out + sympy.diff(e, s) * ds
            return out

        def rate_of(name: str) -> sympy.Expr:
            value = self.sym(name).xreplace(storage_sub) if storage_sub else self.sym(name)
            return total_derivative(value)

        for k in ar_math:
            assigned_value(k)

        # ---- initial values (SBML semantics), resolved to constant parameters
        plain_values: dict[sympy.Symbol, float] = {}
        for pid, p in params.items():
            if pid not in states and pid not in assign_rules and pid not in initial_assignments:
                plain_values[self.sym(pid)] = p.getValue() if p.isSetValue() else float("nan")
        for sid, sr in srefs.items():
            if sid not in states and sid not in assign_rules and sid not in initial_assignments:
                plain_values[self.sym(sid)] = sr.getStoichiometry() if sr.isSetStoichiometry() else 1.0
        for cid, c in comps.items():
            if cid not in states and cid not in assign_rules and cid not in initial_assignments:
                plain_values[self.sym(cid)] = c.getSize() if c.isSetSize() else (1.0 if self.doc.getLevel() < 3 else float("nan"))
        for lp in local_params:
            plain_values[self.sym(lp.name)] = lp.value
        plain_symbols = set(plain_values)

        def declared_t0(name: str) -> sympy.Expr:
            if name in initial_assignments:
                return ia_math[name]
            if name in assign_rules:
                return ar_math[name]
            if name in species:
                s = species[name]
                info = sinfo[name]
                V = self.sym(info.compartment)
                if s.isSetInitialConcentration():
                    value = _number(s.getInitialConcentration())
                    return value * V if info.hosu and not _zero_d(comps.get(info.compartment)) else value
                if s.isSetInitialAmount():
                    value = _number(s.getInitialAmount())
                    return value if info.hosu else value / V
                return sympy.nan
            if name in params:
                p = params[name]
                return _number(p.getValue()) if p.isSetValue() else sympy.nan
            if name in comps:
                c = comps[name]
                return _number(c.getSize()) if c.isSetSize() else (sympy.Integer(1) if self.doc.getLevel() < 3 else sympy.nan)
            if name in srefs:
                sr = srefs[name]
                return _number(sr.getStoichiometry()) if sr.isSetStoichiometry() else sympy.Integer(1)
            if name in rate_math:
                return rate_math[name]
            raise _Refuse(f"the id {name!r} is used in math but not declared", None,
                          "declare it as a parameter, species, compartment or species reference")

        resolved: dict[str, sympy.Expr] = {}
        resolving: set[str] = set()

        def t0(name: str) -> sympy.Expr:
            if self.sym(name) in plain_symbols:
                return self.sym(name)
            if name in resolved:
                return resolved[name]
            if name in resolving:
                raise _Refuse(f"the initial value of {name!r} depends on itself", None,
                              "break the cycle among initial assignments and assignment rules")
            resolving.add(name)
            e = resolve_t0(declared_t0(name))
            resolving.discard(name)
            resolved[name] = e
            return e

        def resolve_t0(e: sympy.Basic) -> sympy.Basic:
            if e.has(RATE_OF):
                e = e.replace(lambda x: x.func == RATE_OF, lambda x: t0_rate_of(x.args[0].name))
            subs = {}
            for s in e.free_symbols:
                if s == spec.TIME:
                    subs[s] = sympy.Integer(0)
                elif s not in plain_symbols:
                    subs[s] = t0(s.name)
            return e.xreplace(subs) if subs else e

        def t0_rate_of(name: str) -> sympy.Expr:
            # the storage-symbol derivative, with every storage symbol at its initial value
            d = rate_of(name)
            subs = {}
            for s in d.free_symbols:
                if s == spec.TIME:
                    subs[s] = sympy.Integer(0)
                elif s.name in states:
                    subs[s] = storage_t0(s.name)
                elif s not in plain_symbols:
                    subs[s] = t0(s.name)
            return d.xreplace(subs)

        def storage_t0(name: str) -> sympy.Expr:
            value = t0(name)
            if name in sinfo and not sinfo[name].hosu and not sinfo[name].stored_as_conc:
                value = value * t0(sinfo[name].compartment)
            return value

        # ---- assemble the spec model
        out_params: list[spec.Parameter] = []
        for pid, p in params.items():
            if pid in states or pid in assign_rules:
                continue
            out_params.append(self.constant(pid, p, t0, plain_values, initial_assignments))
        out_params += local_params
        for sid in srefs:
            if sid in states or sid in assign_rules:
                continue
            out_params.append(self.constant(sid, srefs[sid], t0, plain_values, initial_assignments))
        out_comps: list[spec.Compartment] = []
        for cid, c in comps.items():
            if cid in states or cid in assign_rules:
                continue
            if cid in initial_assignments:
                out_params.append(self.constant(cid, c, t0, plain_values, initial_assignments))
            else:
                out_comps.append(spec.Compartment(cid, float(plain_values[self.sym(cid)]), "L",
                                                  description=c.getName(), loc=self.loc(c)))

        out_species: list[spec.Species] = []
        out_rate_rules: list[spec.RateRule] = []
        for name in state_ids:
            element = species.get(name) or params.get(name) or comps.get(name) or srefs.get(name)
            init = storage_t0(name)
            value, expr = _split_initial(init, plain_values)
            if name in sinfo:
                info = sinfo[name]
                unit = _STATE_UNIT_CONC if info.stored_as_conc else _STATE_UNIT_AMOUNT
                out_species.append(spec.Species(name, info.compartment, value, unit, description=element.getName(),
                                                initial_expr=expr, boundary=info.boundary, loc=self.loc(element)))
                if name in rate_rules or name in rule_path:
                    d = storage_derivative(name)
                    out_rate_rules.append(spec.RateRule(name, d, text=_text(rate_rules.get(name)),
                                                        loc=self.loc(rate_rules.get(name) or element)))
            else:
                unit = "L" if name in comps else "dimensionless"
                out_species.append(spec.Species(name, None, value, unit, description=element.getName() if element.isSetName() else "",
                                                initial_expr=expr, loc=self.loc(element)))
                out_rate_rules.append(spec.RateRule(name, storage_derivative(name), text=_text(rate_rules.get(name)),
                                                    loc=self.loc(rate_rules.get(name) or element)))

        out_reactions = []
        for r in reactions:
            rid = r.getId()
            parts = plain.get(rid, {})
            reactants, products = [], []
            for sp, entries in parts.items():
                for side, coeff in entries:
                    (products if side == "p" else reactants).append((sp, coeff))
            out_reactions.append(spec.Reaction(rid, tuple(reactants), tuple(products), to_storage(rate_math[rid]),
                                               rate_text=_text(r.getKineticLaw()), reversible=r.getReversible(),
                                               basis=spec.RateBasis.AMOUNT, description=r.getName(), loc=self.loc(r)))

        out_assign = [spec.AssignmentRule(k, ar_storage[k], text=_text(assign_rules[k]), loc=self.loc(assign_rules[k]))
                      for k in assign_rules]

        events = [self.event(i, ev, to_storage, sinfo, states) for i, ev in enumerate(m.getListOfEvents())]

        return spec.Model(
            name=m.getId() or Path(self.file).stem,
            compartments=tuple(out_comps),
            species=tuple(out_species),
            parameters=tuple(out_params),
            reactions=tuple(out_reactions),
            assignments=tuple(out_assign),
            rate_rules=tuple(out_rate_rules),
            events=tuple(e for e in events if e is not None),
            description=m.getName(),
            file=self.file,
        )

    def constant(self, name: str, element: libsbml.SBase, t0: Callable[[str], sympy.Expr],
                 plain_values: dict[sympy.Symbol, float], ias: dict) -> spec.Parameter:
        if name in ias:
            expr = t0(name)
            value, derived = _split_initial(expr, plain_values)
            return spec.Parameter(name, value, "dimensionless", "SBML initial assignment", expr=derived,
                                  loc=self.loc(element))
        return spec.Parameter(name, float(plain_values[self.sym(name)]), "dimensionless", "SBML",
                              description=element.getName() if element.isSetName() else "", loc=self.loc(element))

    def event(self, i: int, ev: libsbml.Event, to_storage: Callable[[sympy.Basic], sympy.Basic],
              sinfo: dict[str, _SpeciesInfo], states: set[str]) -> spec.Event | None:
        trig = ev.getTrigger()
        if trig is None or trig.getMath() is None:
            return None
        trigger = to_storage(as_boolean(self.math(trig.getMath(), trig)))
        delay = None
        if ev.isSetDelay() and ev.getDelay().getMath() is not None:
            delay = to_storage(as_number(self.math(ev.getDelay().getMath(), ev.getDelay())))
        priority = None
        if ev.isSetPriority() and ev.getPriority().getMath() is not None:
            priority = to_storage(as_number(self.math(ev.getPriority().getMath(), ev.getPriority())))
        level3 = self.doc.getLevel() >= 3
        assignments = []
        for ea in ev.getListOfEventAssignments():
            if ea.getMath() is None:
                continue
            target = ea.getVariable()
            if target not in states:
                raise _Refuse(f"event assignment to {target!r}, which is not a variable", ea,
                              "an event may assign only non-constant species, parameters and compartments")
            value = to_storage(as_number(self.math(ea.getMath(), ea)))
            info = sinfo.get(target)
            if info is not None and not info.hosu and not info.stored_as_conc:
                value = value * self.sym(info.compartment)
            assignments.append(spec.EventAssignment(target, value))
        return spec.Event(
            name=ev.getId() if ev.isSetId() and ev.getId() else f"event{i}",
            trigger=trigger,
            assignments=tuple(assignments),
            delay=delay,
            priority=priority,
            persistent=trig.getPersistent() if level3 else True,
            initial_value=trig.getInitialValue() if level3 else True,
            use_values_from_trigger_time=ev.getUseValuesFromTriggerTime() if (level3 or ev.isSetUseValuesFromTriggerTime()) else True,
            loc=self.loc(ev),
        )


def _zero_d(c: libsbml.Compartment | None) -> bool:
    return c is not None and c.getSpatialDimensionsAsDouble() == 0


def _number(value: float) -> sympy.Expr:
    if value != value:
        return sympy.nan
    return sympy.Integer(int(value)) if float(value).is_integer() and abs(value) < 2**53 else sympy.Float(value)


def _text(element: libsbml.SBase | None) -> str:
    if element is None or not hasattr(element, "getMath") or element.getMath() is None:
        return ""
    return libsbml.formulaToL3String(element.getMath())


def _split_initial(expr: sympy.Basic, plain_values: dict[sympy.Symbol, float]) -> tuple[float, sympy.Expr | None]:
    """(value, expression or None): a number stays a number; otherwise keep the expression."""
    expr = as_number(expr)
    if not expr.free_symbols:
        try:
            return float(expr), None
        except TypeError:
            return float("nan"), None
    try:
        value = float(expr.xreplace(plain_values))
    except TypeError:
        value = float("nan")
    return value, expr


def read_sbml(path: str | Path) -> tuple[spec.Model | None, list[Diagnostic]]:
    """Read an SBML file into a model, or return the diagnostics that stop it.

    Returns
    -------
    model : Model or None
        ``None`` when the document has errors or uses unsupported constructs.
    diagnostics : list of Diagnostic
        libSBML's errors (``E120``, with the file's line and column) and refusals
        (``E121``, naming the element and what to do instead).
    """
    file = str(path)
    text = Path(path).read_text(errors="replace")
    lines = text.splitlines()
    doc = libsbml.SBMLReader().readSBMLFromString(text)
    diagnostics: list[Diagnostic] = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() < libsbml.LIBSBML_SEV_ERROR:
            continue
        loc = SourceLocation(file, err.getLine() or None, err.getColumn() or None)
        diagnostics.append(Diagnostic(SBML_ERROR_CODE, err.getShortMessage() + ": " + " ".join(err.getMessage().split()),
                                      loc, _source_line(lines, loc),
                                      f"fix the document at this place (libSBML error {err.getErrorId()})"))
    if diagnostics or doc.getModel() is None:
        if not diagnostics:
            diagnostics.append(Diagnostic(SBML_ERROR_CODE, "the document has no <model>", SourceLocation(file),
                                          None, "an SBML file needs one <model> element"))
        return None, diagnostics
    try:
        model = _Reader(doc, file).build()
    except _Refuse as exc:
        loc = _loc(file, exc.element)
        diagnostics.append(Diagnostic(UNSUPPORTED_CODE, exc.what, loc, _source_line(lines, loc), exc.hint))
        return None, diagnostics
    return model, diagnostics
