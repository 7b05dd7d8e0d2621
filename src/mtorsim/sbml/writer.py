"""``export_sbml``: a model (and optionally a regimen) as SBML Level 3 Version 2.

The document is assembled with python-libsbml, element by element, and checked
with libSBML's consistency checks (units included) before it is returned; a
document with errors is never written.  How mtorsim's concepts map (see also
``docs/decisions.md``, "SBML export"):

=========================  ===========================================================
mtorsim                    SBML
=========================  ===========================================================
canonical units            unit definitions ``h``, ``nmol``, ``L``, ``nM``, ``mg`` ... ;
                           model time/substance/extent/volume units h, nmol, nmol, L
compartment                constant compartment (size from the parameter vector)
species in nM              species with ``hasOnlySubstanceUnits=false``
species in nmol            ``hasOnlySubstanceUnits=true``; one without a compartment is
                           placed in ``default_compartment`` (1 L), whose size never
                           enters the math
parameter                  constant parameter with its canonical unit; source, declared
                           unit and description in notes and annotation
derived parameter          parameter with an initial assignment (its value too)
assignment, observable     non-constant parameter with an assignment rule (observables
                           times their scale, with the unit they are reported in)
reaction, rate basis       reaction; a rate in species unit/time on concentration
                           species is multiplied by the compartment size to make the
                           SBML extent rate, an amount/time rate is the extent rate
rate rule                  rate rule
drug-free steady start     the steady-state values mtorsim computes become the initial
                           values (a start from initial values keeps initial
                           assignments instead)
regimen                    one event per dose time, ``time >= t``: bolus doses add to
                           their species, infusions and medium exposures set their
                           parameter (which is then non-constant)
drugs, variants            ``<mtorsim:model>`` annotation
=========================  ===========================================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import libsbml
import numpy as np
import sympy
from numpy.typing import NDArray

from .. import spec
from .._version import __version__
from ..compiled import CompiledModel, compile_model
from ..dosing import ADD_STATE, Dose, DosingPlan, Regimen
from ..errors import SBMLExportError
from ..integration.options import SteadyState
from ..integration.simulate import resolve_inputs
from ..integration.steady_state import find_steady_state
from ..units import AMOUNT, DIMENSIONLESS, MASS, VOLUME, parse_unit
from .export_math import number, to_ast
from .export_notes import annotate, element, set_notes
from .export_units import UnitTable

__all__ = ["export_sbml", "sbml_problems"]

#: Id of the compartment that holds species mtorsim keeps without one (amounts).
DEFAULT_COMPARTMENT = "default_compartment"


def export_sbml(
    model: CompiledModel | spec.Model | str | Path,
    path: str | Path | None = None,
    *,
    variant: str | Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    regimen: Regimen | Dose | Sequence[Dose] | None = None,
    body_weight: Any = None,
    body_surface_area: Any = None,
) -> str:
    """Write a model as an SBML Level 3 Version 2 document.

    Parameters
    ----------
    model : CompiledModel, Model, path or bundled-model name
        What to export (compiled on the fly, and cached, if needed).
    path : path, optional
        File to write; the text is returned either way.
    variant : str or list of str, optional
        Named variants whose parameter values are exported.
    parameters : mapping, optional
        Parameter overrides, as for :func:`mtorsim.simulate` (plain numbers in the
        unit the model file declares).
    regimen : Regimen, Dose or list of Dose, optional
        Exported as SBML events (time 0 is the start of the simulation).
    body_weight, body_surface_area : quantity, optional
        For per-weight and per-area doses (and the model's ``body_weight`` /
        ``body_surface_area`` parameters, as in :func:`mtorsim.simulate`).

    Returns
    -------
    str
        The SBML document.

    Raises
    ------
    SBMLExportError
        If an element has no SBML counterpart, or libSBML finds an error in the result.
    ScheduleError, UnitError, UnknownNameError, IntegrationError
        For invalid arguments, or if the drug-free steady state cannot be found.

    Notes
    -----
    A model whose ``start`` is the drug-free steady state (the bundled model) is
    exported with that steady state as its initial values, computed by mtorsim for
    the exported parameters; a tool that simulates the file from its initial values
    therefore starts where :func:`mtorsim.simulate` starts.

    Examples
    --------
    >>> import mtorsim as mt
    >>> daily = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=7)
    >>> text = mt.export_sbml("pi3k_akt_mtor", "model.xml", regimen=daily)   # doctest: +SKIP
    """
    compiled = model if isinstance(model, CompiledModel) else compile_model(model)
    p, plan, reg = resolve_inputs(compiled, regimen, parameters=parameters, variant=variant,
                                  body_weight=body_weight, body_surface_area=body_surface_area)
    steady = compiled.model.start is spec.Start.STEADY_STATE
    y0 = compiled.initial_state(p)
    if steady:
        y0, _ = find_steady_state(compiled, y0, p, SteadyState())
    document = _Builder(compiled, p, np.asarray(y0, dtype=float), plan, reg, steady, variant, parameters).build()
    errors = [m for severity, m in sbml_problems(document) if severity >= libsbml.LIBSBML_SEV_ERROR]
    if errors:
        raise SBMLExportError(f"model {compiled.name!r}", "libSBML finds errors in the exported document:\n  "
                              + "\n  ".join(errors), "please report this: the export should always be valid")
    text = libsbml.writeSBMLToString(document)
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return text


def sbml_problems(document: libsbml.SBMLDocument | str) -> list[tuple[int, str]]:
    """libSBML's consistency checks (units included) as ``(severity, message)`` pairs.

    ``severity`` is a ``libsbml.LIBSBML_SEV_*`` value; errors are ``>= LIBSBML_SEV_ERROR``.
    A string is read as SBML text first (read errors are included).
    """
    if isinstance(document, str):
        document = libsbml.readSBMLFromString(document)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.checkConsistency()
    out = []
    for i in range(document.getNumErrors()):
        e = document.getError(i)
        out.append((e.getSeverity(), f"[{e.getSeverityAsString()} {e.getErrorId()}] line {e.getLine()}: "
                    f"{e.getShortMessage()}: {e.getMessage().strip()}"))
    return out


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(what, f"libSBML refused it: {libsbml.OperationReturnValue_toString(code)}")


def _set_math(sbase: Any, expr: sympy.Basic | libsbml.ASTNode, where: str) -> None:
    node = expr if isinstance(expr, libsbml.ASTNode) else to_ast(expr, where)
    _check(sbase.setMath(node), where)


def _per_volume(unit: str) -> bool:
    """A species measured per volume (nM, mg/L): SBML's ``hasOnlySubstanceUnits=false``."""
    dims = parse_unit(unit or "dimensionless").dimensionality
    return (dims * VOLUME) in (AMOUNT, MASS, DIMENSIONLESS)


def _substance(unit: str) -> str:
    """The substance part of a species unit (``nM`` -> ``nmol``)."""
    u = parse_unit(unit or "dimensionless")
    if _per_volume(unit):
        u = u * parse_unit("L")
    if u.dimensionality not in (AMOUNT, MASS, DIMENSIONLESS):
        raise SBMLExportError(f"species unit {unit!r}", "SBML species are amounts, masses or counts, "
                              "or those per volume", "give the species a unit such as nmol or nM")
    return str(u)


class _Builder:
    """Assembles one document; all state lives on the instance."""

    def __init__(self, compiled: CompiledModel, p: NDArray[np.float64], y0: NDArray[np.float64],
                 plan: DosingPlan, regimen: Regimen, steady: bool, variant: Any, overrides: Any) -> None:
        self.compiled = compiled
        self.spec = compiled.model
        self.p = p
        self.y0 = y0
        self.plan = plan
        self.regimen = regimen
        self.steady = steady
        self.variant = variant
        self.overrides = overrides
        self.document = libsbml.SBMLDocument(3, 2)
        self.model = self.document.createModel()
        self.units = UnitTable(self.model)
        names = [n for kind in ("compartment", "species", "parameter", "assignment", "observable", "reaction")
                 for n in self.spec.names(kind)]
        self.taken = set(names)
        for name in names:
            if not libsbml.SyntaxChecker.isValidSBMLSId(name):
                raise SBMLExportError(f"name {name!r}", "is not a valid SBML identifier",
                                      "use ASCII letters, digits and underscores, not starting with a digit")
        self.set_targets = {int(i) for i, k in zip(plan.index, plan.kind, strict=True) if k != ADD_STATE}

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name = f"{base}_{n}"
            n += 1
        self.taken.add(name)
        return name

    # ------------------------------------------------------------------ document
    def build(self) -> libsbml.SBMLDocument:
        m = self.model
        # the model id shares the namespace of species, reactions, ...: never reuse one of theirs
        model_id = self.spec.name if libsbml.SyntaxChecker.isValidSBMLSId(self.spec.name) else "model"
        model_id = self.fresh(model_id if model_id not in self.taken else f"{model_id}_model")
        _check(m.setId(model_id), "model id")
        m.setName(self.spec.name)
        for canonical in ("h", "nmol", "L", "nM", "mg"):
            self.units.canonical(canonical)
        m.setTimeUnits(self.units.canonical("h"))
        m.setSubstanceUnits(self.units.canonical("nmol"))
        m.setExtentUnits(self.units.canonical("nmol"))
        m.setVolumeUnits(self.units.canonical("L"))
        self.model_notes()
        self.compartments()
        self.species()
        self.parameters()
        self.assignments()
        self.observables()
        self.reactions()
        self.rate_rules()
        self.events()
        return self.document

    def model_notes(self) -> None:
        s = self.spec
        start = ("Initial values are the drug-free steady state that mtorsim computed for the exported "
                 "parameters (the model starts there); species initial expressions are therefore not "
                 "exported." if self.steady else "Initial values are the model's own (with initial "
                 "assignments where the model file gives an expression).")
        variants = [self.variant] if isinstance(self.variant, str) else list(self.variant or [])
        settings = []
        if variants:
            settings.append(f"variant(s): {', '.join(variants)}")
        if self.overrides:
            settings.append("parameter overrides: " + ", ".join(f"{k} = {v}" for k, v in self.overrides.items()))
        set_notes(self.model, [
            s.description,
            f"Model {s.name} version {s.version or 'unversioned'}, exported by mtorsim {__version__}"
            + (f" from {Path(s.file).name}" if s.file else "") + ".",
            "Units: time h, amounts nmol, volumes L, concentrations nM, masses mg.",
            start,
            "Exported with " + "; ".join(settings) + "." if settings else "",
            f"Regimen (as SBML events): {self.regimen}." if len(self.regimen) else "",
        ])
        drugs = [element("drug", {"name": d.name, "molar_mass_g_per_mol": d.molar_mass, "source": d.source,
                                  "description": d.description},
                         [element("route", {"route": r.value, "species": t.species, "parameter": t.parameter,
                                            "bioavailability": t.bioavailability})
                          for r, t in d.routes.items()])
                 for d in s.drugs]
        variant_nodes = [element("variant", {"name": v.name, "description": v.description},
                                 [element("set", {"parameter": k, "value": float(x)}) for k, x in v.overrides.items()])
                         for v in s.variants]
        annotate(self.model, "model", {"name": s.name, "version": s.version, "mtorsim_version": __version__,
                                       "start": spec.Start.INITIAL_VALUES.value,
                                       "initial_values": "steady_state" if self.steady else "model"},
                 drugs + variant_nodes)

    # ------------------------------------------------------------------ structure
    def compartments(self) -> None:
        n_par = len(self.spec.parameters)
        for k, c in enumerate(self.spec.compartments):
            comp = self.model.createCompartment()
            _check(comp.setId(c.name), f"compartment {c.name!r}")
            comp.setSize(float(self.p[n_par + k]))
            comp.setConstant(True)
            comp.setSpatialDimensions(3.0)
            comp.setUnits(self.units.canonical("L"))
            set_notes(comp, [c.description, f"source: {c.source}" if c.source else "",
                             f"unit in the model file: {c.unit}"])
            annotate(comp, "compartment", {"source": c.source, "unit": c.unit})
        self.default_compartment: str | None = None
        if any(s.compartment is None for s in self.spec.species):
            cid = self.fresh(DEFAULT_COMPARTMENT)
            comp = self.model.createCompartment()
            comp.setId(cid)
            comp.setSize(1.0)
            comp.setConstant(True)
            comp.setSpatialDimensions(3.0)
            comp.setUnits(self.units.canonical("L"))
            set_notes(comp, ["Holds the species mtorsim keeps without a compartment (amounts): they have "
                             "hasOnlySubstanceUnits=true, so this size never enters the math."])
            self.default_compartment = cid

    def species(self) -> None:
        for i, s in enumerate(self.spec.species):
            sp = self.model.createSpecies()
            _check(sp.setId(s.name), f"species {s.name!r}")
            sp.setCompartment(s.compartment or self.default_compartment)
            per_volume = _per_volume(s.unit)
            sp.setHasOnlySubstanceUnits(not per_volume)
            sp.setBoundaryCondition(bool(s.boundary))
            sp.setConstant(False)
            sp.setSubstanceUnits(self.units.canonical(_substance(s.unit)))
            value = float(self.y0[i])
            if per_volume:
                sp.setInitialConcentration(value)
            else:
                sp.setInitialAmount(value)
            if s.initial_expr is not None and not self.steady:
                ia = self.model.createInitialAssignment()
                ia.setSymbol(s.name)
                _set_math(ia, s.initial_expr, f"initial value of species {s.name!r}")
            set_notes(sp, [s.description, f"unit: {s.unit}"])
            annotate(sp, "species", {"unit": s.unit})

    def parameters(self) -> None:
        for i, prm in enumerate(self.spec.parameters):
            par = self.model.createParameter()
            _check(par.setId(prm.name), f"parameter {prm.name!r}")
            par.setValue(float(self.p[i]))
            par.setUnits(self.units.canonical(prm.unit))
            par.setConstant(i not in self.set_targets)
            if prm.expr is not None:
                ia = self.model.createInitialAssignment()
                ia.setSymbol(prm.name)
                _set_math(ia, prm.expr, f"parameter {prm.name!r}")
            set_notes(par, [prm.description, f"source: {prm.source}" if prm.source else "",
                            f"unit in the model file: {prm.unit}" if prm.unit else "",
                            f"derived: {prm.name} = {prm.expr}" if prm.expr is not None else ""])
            annotate(par, "parameter", {"source": prm.source, "unit": prm.unit, "description": prm.description,
                                        "expression": str(prm.expr) if prm.expr is not None else None})

    def assignments(self) -> None:
        for a in self.spec.assignments:
            par = self.model.createParameter()
            _check(par.setId(a.name), f"assignment {a.name!r}")
            par.setConstant(False)
            par.setUnits(self.units.canonical(a.unit))
            rule = self.model.createAssignmentRule()
            rule.setVariable(a.name)
            _set_math(rule, a.expr, f"assignment {a.name!r}")
            set_notes(par, [a.description, f"{a.name} = {a.text or a.expr}", f"unit: {a.unit}" if a.unit else ""])
            annotate(par, "assignment", {"unit": a.unit, "description": a.description})

    def observables(self) -> None:
        for o in self.spec.observables:
            par = self.model.createParameter()
            _check(par.setId(o.name), f"observable {o.name!r}")
            par.setConstant(False)
            par.setUnits(self.units.exact(o.unit) if o.unit else "dimensionless")
            rule = self.model.createAssignmentRule()
            rule.setVariable(o.name)
            ast = to_ast(o.expr, f"observable {o.name!r}")
            if o.scale != 1.0:
                # the scale converts canonical units into the reported unit: a dimensionless
                # literal whose unit has multiplier 1/scale keeps the units consistent
                scale = number(o.scale, self.units.dimensionless_factor(1.0 / o.scale))
                node = libsbml.ASTNode(libsbml.AST_TIMES)
                node.addChild(ast)
                node.addChild(scale)
                ast = node
            _set_math(rule, ast, f"observable {o.name!r}")
            set_notes(par, [o.description, f"observable: {o.text or o.expr}", f"unit: {o.unit or 'dimensionless'}"])
            annotate(par, "observable", {"unit": o.unit, "scale": o.scale if o.scale != 1.0 else None,
                                         "description": o.description})

    def reactions(self) -> None:
        species = {s.name: s for s in self.spec.species}
        # species each assignment reads, directly or through other assignments (for modifiers)
        assignment_exprs = {a.name: a.expr for a in self.spec.assignments}
        reads: dict[str, set[str]] = {}

        def species_in(expr: sympy.Basic) -> set[str]:
            out: set[str] = set()
            for sym in expr.free_symbols:
                name = getattr(sym, "name", "")
                if name in species:
                    out.add(name)
                elif name in assignment_exprs:
                    if name not in reads:
                        reads[name] = set()  # guard; assignments are acyclic (validated)
                        reads[name] = species_in(assignment_exprs[name])
                    out |= reads[name]
            return out

        for r in self.spec.reactions:
            rx = self.model.createReaction()
            _check(rx.setId(r.name), f"reaction {r.name!r}")
            rx.setReversible(bool(r.reversible))
            for name, coeff in r.reactants:
                ref = rx.createReactant()
                ref.setSpecies(name)
                ref.setStoichiometry(float(coeff))
                ref.setConstant(True)
            for name, coeff in r.products:
                ref = rx.createProduct()
                ref.setSpecies(name)
                ref.setStoichiometry(float(coeff))
                ref.setConstant(True)
            listed = {n for n, _ in r.reactants} | {n for n, _ in r.products}
            for name in sorted(species_in(r.rate) - listed):
                mod = rx.createModifier()
                mod.setSpecies(name)
            law = rx.createKineticLaw()
            ast = to_ast(r.rate, f"rate of reaction {r.name!r}")
            volume = self.extent_volume(r, species)
            if volume is not None:
                node = libsbml.ASTNode(libsbml.AST_TIMES)
                node.addChild(ast)
                name = libsbml.ASTNode(libsbml.AST_NAME)
                name.setName(volume)
                node.addChild(name)
                ast = node
            _set_math(law, ast, f"rate of reaction {r.name!r}")
            set_notes(rx, [r.description, f"rate: {r.rate_text or r.rate}",
                           f"rate basis: {r.basis.value}" + (f" (times the size of {volume} for the SBML extent rate)"
                                                             if volume else "")])
            annotate(rx, "reaction", {"basis": r.basis.value, "rate": r.rate_text or str(r.rate)})

    def extent_volume(self, r: spec.Reaction, species: Mapping[str, spec.Species]) -> str | None:
        """Compartment whose size turns a per-species rate into an extent rate (None: none needed)."""
        if r.basis is not spec.RateBasis.SPECIES:
            return None
        for name, coeff in r.stoichiometry().items():
            s = species[name]
            if coeff != 0 and _per_volume(s.unit):
                return s.compartment or self.default_compartment
        return None

    def rate_rules(self) -> None:
        for rr in self.spec.rate_rules:
            rule = self.model.createRateRule()
            rule.setVariable(rr.target)
            _set_math(rule, rr.expr, f"rate rule of {rr.target!r}")

    # ------------------------------------------------------------------ regimen
    def events(self) -> None:
        plan = self.plan
        if not len(plan):
            return
        names = self.compiled.parameter_names
        groups: dict[float, list[int]] = defaultdict(list)
        for k, t in enumerate(plan.times):
            groups[float(t)].append(k)
        for n, (t, ks) in enumerate(sorted(groups.items())):
            ev = self.model.createEvent()
            ev.setId(self.fresh(f"dose_{n + 1}"))
            ev.setName("; ".join(dict.fromkeys(plan.labels[k] for k in ks)))
            ev.setUseValuesFromTriggerTime(True)
            trig = ev.createTrigger()
            trig.setInitialValue(False)  # so a dose at time 0 fires at the start
            trig.setPersistent(True)
            cond = libsbml.ASTNode(libsbml.AST_RELATIONAL_GEQ)
            now = libsbml.ASTNode(libsbml.AST_NAME_TIME)
            now.setName("time")
            cond.addChild(now)
            cond.addChild(number(t, self.units.canonical("h"), zero_units=True))
            _set_math(trig, cond, f"event {ev.getId()}")
            additions: dict[int, list[libsbml.ASTNode]] = defaultdict(list)
            settings: dict[int, float] = {}
            for k in ks:  # in plan order: a later setting of the same parameter wins, as in apply_events
                if plan.kind[k] == ADD_STATE:
                    additions[int(plan.index[k])].append(self.bolus(k, names))
                else:
                    settings[int(plan.index[k])] = float(plan.value[k])
            for i, terms in additions.items():
                name = self.spec.species[i].name
                total = libsbml.ASTNode(libsbml.AST_PLUS)
                current = libsbml.ASTNode(libsbml.AST_NAME)
                current.setName(name)
                total.addChild(current)
                for term in terms:
                    total.addChild(term)
                ea = ev.createEventAssignment()
                ea.setVariable(name)
                _set_math(ea, total, f"event {ev.getId()}")
            for j, value in settings.items():
                ea = ev.createEventAssignment()
                ea.setVariable(names[j])
                unit = self.units.canonical(self.compiled.parameter_unit(names[j]))
                _set_math(ea, number(value, unit, zero_units=True), f"event {ev.getId()}")

    def bolus(self, k: int, names: Sequence[str]) -> libsbml.ASTNode:
        """``amount [* bioavailability] [/ volume]`` of plan event ``k``."""
        plan = self.plan
        node = number(float(plan.value[k]), self.units.canonical("nmol"))
        if plan.mul_index[k] >= 0:
            times = libsbml.ASTNode(libsbml.AST_TIMES)
            times.addChild(node)
            f = libsbml.ASTNode(libsbml.AST_NAME)
            f.setName(names[int(plan.mul_index[k])])
            times.addChild(f)
            node = times
        if plan.div_index[k] >= 0:
            div = libsbml.ASTNode(libsbml.AST_DIVIDE)
            div.addChild(node)
            v = libsbml.ASTNode(libsbml.AST_NAME)
            v.setName(names[int(plan.div_index[k])])
            div.addChild(v)
            node = div
        return node
