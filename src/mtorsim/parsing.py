"""Model file (YAML) → :class:`~mtorsim.spec.Model` draft plus diagnostics.

The file is read with ruamel.yaml's round-trip loader, which keeps the line and
column of every key and value.  This module checks structure (known keys,
types, required fields), reads quantities with pint and expressions against the
declared names, and converts values to canonical units.  It never stops at the
first problem: every one becomes a :class:`~mtorsim.errors.Diagnostic`.
Dimensional consistency and cross-references are checked afterwards by
:mod:`mtorsim.validation`.

File layout (sections in any order; all but ``model`` optional)::

    model:        {name, description, version, start: initial_values|steady_state}
    compartments: {NAME: {size: "1 pL", description, source}}
    species:      {NAME: {initial: "10 nM" | expression, compartment, unit, boundary, description}}
    parameters:   {NAME: {value: "0.1 1/min", source: "...", description} |
                         {expression: "kon * Kd", unit: "1/h", description}}
    assignments:  {NAME: {expression: "...", unit, description} | "expression"}
    rate_rules:   {SPECIES: "expression"}
    reactions:    {NAME: {equation: "A + B <-> C", rate: "kf*A*B - kr*C", description}}
    observables:  {NAME: {expression: "...", unit: "ng/mL", description} | "expression"}
    variants:     {NAME: {description, parameters: {PARAM: value}}}
    drugs:        {NAME: {molar_mass: "958.24 g/mol", source, description,
                          routes: {oral: {species, bioavailability}, iv: {species},
                                   infusion: {parameter}, medium: {parameter}}}}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pint
import sympy
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from . import spec
from .errors import Diagnostic, SourceLocation
from .expressions import ALLOWED_FUNCTIONS, ExpressionIssue, parse_expression
from .units import (
    CONCENTRATION,
    VOLUME,
    Quantity,
    parse_quantity,
    parse_unit,
    to_canonical,
)

__all__ = ["ParsedModel", "RESERVED_NAMES", "is_valid_name", "parse_model_file", "parse_model_text"]

RESERVED_NAMES = frozenset({"t", "time", "pi", "e", "inf", "nan"}) | frozenset(ALLOWED_FUNCTIONS)
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

SECTIONS = (
    "model",
    "compartments",
    "species",
    "parameters",
    "assignments",
    "rate_rules",
    "reactions",
    "observables",
    "variants",
    "drugs",
)
_KEYS = {
    "model": {"name", "description", "version", "start"},
    "compartments": {"size", "description", "source"},
    "species": {"initial", "compartment", "unit", "boundary", "description"},
    "parameters": {"value", "unit", "source", "description", "expression"},
    "assignments": {"expression", "unit", "description"},
    "reactions": {"equation", "rate", "description"},
    "observables": {"expression", "unit", "description"},
    "variants": {"description", "parameters"},
    "drugs": {"molar_mass", "source", "description", "routes"},
    "routes": {"species", "parameter", "bioavailability"},
}


def is_valid_name(name: str) -> bool:
    """Identifiers: ``[A-Za-z][A-Za-z0-9_]*`` and not reserved."""
    return bool(_NAME_RE.match(name)) and name not in RESERVED_NAMES


@dataclass
class ParsedModel:
    """What the parser hands to validation: a draft model, diagnostics and unit texts."""

    model: spec.Model
    diagnostics: list[Diagnostic]
    lines: list[str]
    #: declared unit text of every symbol (species, parameters, compartments, assignments)
    units: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- positions
class _Ctx:
    """Diagnostics collector that knows the file and its lines."""

    def __init__(self, file: str | None, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []

    def loc(self, line0: int | None, col0: int | None) -> SourceLocation:
        if line0 is None:
            return SourceLocation(self.file)
        return SourceLocation(self.file, line0 + 1, None if col0 is None else col0 + 1)

    def add(self, code: str, message: str, loc: SourceLocation, hint: str | None = None) -> None:
        line = None
        if loc.line is not None and 0 < loc.line <= len(self.lines):
            line = self.lines[loc.line - 1]
        self.diagnostics.append(Diagnostic(code, message, loc, line, hint))


def _key_loc(ctx: _Ctx, mapping: Any, key: str) -> SourceLocation:
    try:
        line, col = mapping.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return _node_loc(ctx, mapping)
    return ctx.loc(line, col)


def _value_loc(ctx: _Ctx, mapping: Any, key: str) -> SourceLocation:
    try:
        line, col = mapping.lc.value(key)
    except (AttributeError, KeyError, TypeError):
        return _key_loc(ctx, mapping, key)
    value = mapping[key]
    if isinstance(value, (DoubleQuotedScalarString, SingleQuotedScalarString)):
        col += 1  # point inside the quotes
    return ctx.loc(line, col)


def _node_loc(ctx: _Ctx, node: Any) -> SourceLocation:
    lc = getattr(node, "lc", None)
    if lc is None:
        return SourceLocation(ctx.file)
    return ctx.loc(lc.line, lc.col)


def _items(ctx: _Ctx, section: Any, section_name: str, parent: Any) -> Iterator[tuple[str, Any, SourceLocation]]:
    """Yield (name, value, loc) for each entry of a mapping section."""
    if section is None:
        return
    if not isinstance(section, CommentedMap):
        ctx.add("E104", f"section '{section_name}' must be a mapping of name: entry", _value_loc(ctx, parent, section_name))
        return
    for key in section:
        loc = _key_loc(ctx, section, key)
        if not isinstance(key, str):
            ctx.add("E205", f"name {key!r} in '{section_name}' must be text", loc)
            continue
        yield key, section[key], loc


def _check_keys(ctx: _Ctx, entry: CommentedMap, allowed: set[str], where: str) -> None:
    for key in entry:
        if key not in allowed:
            from .errors import did_you_mean

            guess = did_you_mean(str(key), allowed)
            hint = f"did you mean {guess}?" if guess else f"allowed keys: {', '.join(sorted(allowed))}"
            ctx.add("E102", f"unknown key '{key}' in {where}", _key_loc(ctx, entry, key), hint)


def _text(ctx: _Ctx, entry: CommentedMap, key: str, where: str, required: bool = False) -> str | None:
    if key not in entry or entry[key] is None:
        if required:
            ctx.add("E103", f"{where} is missing '{key}'", _node_loc(ctx, entry))
        return None
    value = entry[key]
    if isinstance(value, (dict, list)):
        ctx.add("E104", f"'{key}' of {where} must be text", _value_loc(ctx, entry, key))
        return None
    return str(value)


# ----------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, ctx: _Ctx, doc: CommentedMap) -> None:
        self.ctx = ctx
        self.doc = doc
        self.symbols: dict[str, sympy.Symbol] = {}
        self.kinds: dict[str, tuple[str, SourceLocation]] = {}
        self.units: dict[str, str] = {}

    # -- names ---------------------------------------------------------------
    def declare(self, name: str, kind: str, loc: SourceLocation) -> bool:
        if not is_valid_name(name):
            why = "is reserved" if name in RESERVED_NAMES else "is not a valid identifier"
            self.ctx.add(
                "E205",
                f"{kind} name '{name}' {why}",
                loc,
                "names start with a letter and contain only letters, digits and '_'; "
                f"reserved: {', '.join(sorted(RESERVED_NAMES))}",
            )
            return False
        if name in self.kinds:
            other_kind, other_loc = self.kinds[name]
            self.ctx.add(
                "E202",
                f"{kind} '{name}' is already declared as a {other_kind} at line {other_loc.line}",
                loc,
                "names must be unique across species, parameters, compartments, reactions, ...",
            )
            return False
        self.kinds[name] = (kind, loc)
        self.symbols[name] = spec.symbol(name)
        return True

    # -- expressions -----------------------------------------------------------
    def expression(
        self, text: Any, loc: SourceLocation, where: str, allowed: dict[str, sympy.Symbol] | None = None
    ) -> sympy.Expr:
        table = dict(self.symbols if allowed is None else allowed)
        table["time"] = spec.TIME
        expr, issues = parse_expression(text, table)
        for issue in issues:
            self._report_expression_issue(issue, loc, where, table)
        if expr is None or issues:
            return sympy.nan
        return expr

    def _report_expression_issue(self, issue: ExpressionIssue, loc: SourceLocation, where: str, table: dict) -> None:
        at = loc.shifted(issue.col)
        if issue.kind == "undeclared":
            from .errors import did_you_mean

            guess = did_you_mean(issue.name, [n for n in table if n != "time"])
            declared_elsewhere = issue.name in self.kinds
            if declared_elsewhere:
                kind = self.kinds[issue.name][0]
                hint = f"'{issue.name}' is a {kind}, which cannot be used here"
            elif guess:
                hint = f"did you mean {guess}?"
            else:
                hint = "declare it under species, parameters, compartments or assignments"
            self.ctx.add("E201", f"{where}: {issue.message}", at, hint)
        elif issue.kind in ("unknown-function", "arity"):
            self.ctx.add(
                "E208",
                f"{where}: {issue.message}",
                at,
                f"allowed functions: {', '.join(sorted(ALLOWED_FUNCTIONS))}",
            )
        else:
            self.ctx.add("E106", f"{where}: {issue.message}", at, "check brackets and operators, e.g. 'k * A / (K + A)'")

    # -- quantities --------------------------------------------------------------
    def quantity(self, value: Any, loc: SourceLocation, where: str, unit_text: str | None = None) -> pint.Quantity | None:
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.ctx.add("E104", f"{where} must be a number or a quantity such as '10 nM'", loc)
            return None
        try:
            if unit_text is not None:
                unit = parse_unit(unit_text)
                if isinstance(value, str):
                    q = parse_quantity(value)
                    if not q.dimensionless:
                        self.ctx.add("E204", f"{where} gives a unit both in the value and in 'unit'", loc,
                                     "write either value: '0.1 1/min' or value: 0.1 with unit: 1/min")
                        return None
                    return Quantity(float(q.magnitude), unit)
                return Quantity(float(value), unit)
            return parse_quantity(value)
        except Exception as exc:  # UnitError
            detail = getattr(exc, "detail", "") or str(exc)
            self.ctx.add("E204", f"{where}: cannot read {value!r} as a quantity ({detail})", loc,
                         "use a unit pint understands, e.g. '10 nM', '0.5 1/h', '2 uM', '958.24 g/mol'")
            return None

    # -- sections ----------------------------------------------------------------
    def run(self) -> spec.Model:
        doc = self.doc
        for key in doc:
            if key not in SECTIONS:
                from .errors import did_you_mean

                guess = did_you_mean(str(key), SECTIONS)
                hint = f"did you mean {guess}?" if guess else f"sections: {', '.join(SECTIONS)}"
                self.ctx.add("E102", f"unknown section '{key}'", _key_loc(self.ctx, doc, key), hint)
        header = self.model_section()
        compartments = self.compartments()
        parameters_raw = self.declare_parameters()
        species_raw = self.declare_species()
        # Assignments, reactions and observables are declared before any expression is read,
        # so that references in any order resolve.
        for section, kind in (("assignments", "assignment"), ("reactions", "reaction"), ("observables", "observable")):
            for name, _value, loc in _items(self.ctx, doc.get(section), section, doc):
                self.declare(name, kind, loc)
        parameters = self.parameters(parameters_raw)
        species = self.species(species_raw, compartments)
        assignments = self.assignments()
        rate_rules = self.rate_rules()
        reactions = self.reactions()
        observables = self.observables()
        variants = self.variants(parameters)
        drugs = self.drugs()
        return spec.Model(
            name=header.get("name", "model"),
            description=header.get("description", ""),
            version=header.get("version", ""),
            start=header.get("start", spec.Start.INITIAL_VALUES),
            compartments=tuple(compartments),
            species=tuple(species),
            parameters=tuple(parameters),
            reactions=tuple(reactions),
            assignments=tuple(assignments),
            rate_rules=tuple(rate_rules),
            observables=tuple(observables),
            variants=tuple(variants),
            drugs=tuple(drugs),
            file=self.ctx.file,
        )

    def model_section(self) -> dict[str, Any]:
        doc, ctx = self.doc, self.ctx
        out: dict[str, Any] = {}
        if "model" not in doc:
            ctx.add("E103", "the file has no 'model' section", ctx.loc(0, 0), "start the file with 'model: {name: my_model}'")
            return out
        entry = doc["model"]
        if not isinstance(entry, CommentedMap):
            ctx.add("E104", "'model' must be a mapping with at least 'name'", _value_loc(ctx, doc, "model"))
            return out
        _check_keys(ctx, entry, _KEYS["model"], "'model'")
        name = _text(ctx, entry, "name", "'model'", required=True)
        if name is not None:
            out["name"] = name
        for key in ("description", "version"):
            value = _text(ctx, entry, key, "'model'")
            if value is not None:
                out[key] = value
        start = _text(ctx, entry, "start", "'model'")
        if start is not None:
            try:
                out["start"] = spec.Start(start)
            except ValueError:
                ctx.add("E211", f"unknown start '{start}'", _value_loc(ctx, entry, "start"),
                        "use 'initial_values' or 'steady_state'")
        return out

    def compartments(self) -> list[spec.Compartment]:
        out = []
        doc = self.doc
        for name, entry, loc in _items(self.ctx, doc.get("compartments"), "compartments", doc):
            if not self.declare(name, "compartment", loc):
                continue
            where = f"compartment '{name}'"
            if isinstance(entry, CommentedMap):
                _check_keys(self.ctx, entry, _KEYS["compartments"], where)
                if "size" not in entry:
                    self.ctx.add("E103", f"{where} is missing 'size'", loc, "e.g. size: '1 pL'")
                    continue
                raw, vloc = entry["size"], _value_loc(self.ctx, entry, "size")
                description = _text(self.ctx, entry, "description", where) or ""
                source = _text(self.ctx, entry, "source", where) or ""
            else:
                raw, vloc, description, source = entry, _value_loc(self.ctx, doc["compartments"], name), "", ""
            q = self.quantity(raw, vloc, f"size of {where}")
            if q is None:
                continue
            if q.dimensionality != VOLUME:
                self.ctx.add("E203", f"size of {where} has units {q.units:~P}, expected a volume", vloc, "e.g. '1 pL' or '5 L'")
                continue
            if q.magnitude <= 0:
                self.ctx.add("E211", f"size of {where} must be positive", vloc)
                continue
            self.units[name] = f"{q.units:~P}" or "L"
            out.append(spec.Compartment(name, to_canonical(q), f"{q.units:~P}", description, source, loc))
        return out

    def declare_parameters(self) -> list[tuple[str, Any, SourceLocation]]:
        raw = []
        for name, entry, loc in _items(self.ctx, self.doc.get("parameters"), "parameters", self.doc):
            if self.declare(name, "parameter", loc):
                raw.append((name, entry, loc))
        return raw

    def parameters(self, raw: list[tuple[str, Any, SourceLocation]]) -> list[spec.Parameter]:
        out = []
        params_section = self.doc.get("parameters")
        for name, entry, loc in raw:
            where = f"parameter '{name}'"
            if not isinstance(entry, CommentedMap):
                self.ctx.add(
                    "E207" if not isinstance(entry, (dict, list)) else "E104",
                    f"{where} needs a mapping with 'value' and 'source'",
                    _value_loc(self.ctx, params_section, name),
                    f"write {name}: {{value: '{entry}', source: 'citation, fit: <where>, or assumed: <why>'}}",
                )
                continue
            _check_keys(self.ctx, entry, _KEYS["parameters"], where)
            description = _text(self.ctx, entry, "description", where) or ""
            source = _text(self.ctx, entry, "source", where) or ""
            unit_text = _text(self.ctx, entry, "unit", where)
            if "expression" in entry:
                if "value" in entry:
                    self.ctx.add("E102", f"{where} has both 'value' and 'expression'", _key_loc(self.ctx, entry, "value"),
                                 "a derived parameter is computed from its expression; remove 'value'")
                expr = self.expression(entry["expression"], _value_loc(self.ctx, entry, "expression"), where,
                                       self._parameter_symbols())
                unit = unit_text or ""
                self.units[name] = unit
                out.append(spec.Parameter(name, float("nan"), unit, source or "derived", description, expr, loc))
                continue
            if "value" not in entry:
                self.ctx.add("E103", f"{where} is missing 'value'", loc, "e.g. value: '0.1 1/min'")
                continue
            if not source.strip():
                self.ctx.add("E207", f"{where} has no source", loc,
                             "add source: a citation, 'fit: <where>', or 'assumed: <why>'")
            q = self.quantity(entry["value"], _value_loc(self.ctx, entry, "value"), f"value of {where}", unit_text)
            if q is None:
                continue
            unit = f"{q.units:~P}"
            self.units[name] = unit
            out.append(spec.Parameter(name, to_canonical(q), unit, source, description, None, loc))
        return out

    def _parameter_symbols(self) -> dict[str, sympy.Symbol]:
        return {n: s for n, s in self.symbols.items() if self.kinds[n][0] in ("parameter", "compartment")}

    def declare_species(self) -> list[tuple[str, Any, SourceLocation]]:
        raw = []
        for name, entry, loc in _items(self.ctx, self.doc.get("species"), "species", self.doc):
            if self.declare(name, "species", loc):
                raw.append((name, entry, loc))
        return raw

    def species(self, raw: list[tuple[str, Any, SourceLocation]], compartments: list[spec.Compartment]) -> list[spec.Species]:
        out = []
        section = self.doc.get("species")
        only = compartments[0].name if len(compartments) == 1 else None
        comp_names = {c.name for c in compartments}
        for name, entry, loc in raw:
            where = f"species '{name}'"
            boundary = False
            description = ""
            unit_text = None
            compartment = only
            if isinstance(entry, CommentedMap):
                _check_keys(self.ctx, entry, _KEYS["species"], where)
                if "initial" not in entry:
                    self.ctx.add("E103", f"{where} is missing 'initial'", loc, "e.g. initial: '10 nM'")
                    continue
                value, vloc = entry["initial"], _value_loc(self.ctx, entry, "initial")
                description = _text(self.ctx, entry, "description", where) or ""
                unit_text = _text(self.ctx, entry, "unit", where)
                comp = _text(self.ctx, entry, "compartment", where)
                if comp is not None:
                    if comp not in comp_names:
                        from .errors import did_you_mean

                        guess = did_you_mean(comp, comp_names)
                        self.ctx.add("E201", f"{where}: compartment '{comp}' is not declared",
                                     _value_loc(self.ctx, entry, "compartment"),
                                     f"did you mean {guess}?" if guess else "declare it under 'compartments'")
                    compartment = comp
                if "boundary" in entry:
                    if not isinstance(entry["boundary"], bool):
                        self.ctx.add("E104", f"'boundary' of {where} must be true or false", _value_loc(self.ctx, entry, "boundary"))
                    else:
                        boundary = entry["boundary"]
            else:
                value, vloc = entry, _value_loc(self.ctx, section, name)
            initial_expr = None
            if isinstance(value, str) and not _looks_like_quantity(value):
                initial_expr = self.expression(value, vloc, f"initial value of {where}", self._parameter_symbols())
                if unit_text is None:
                    self.ctx.add("E103", f"{where} has an expression as initial value but no 'unit'", vloc,
                                 "add unit: nM (the unit of the expression)")
                    continue
                q = Quantity(0.0, parse_unit(unit_text)) if self._unit_ok(unit_text, vloc, where) else None
            else:
                if unit_text is None and not isinstance(value, str):
                    self.ctx.add("E204", f"initial value of {where} has no unit", vloc,
                                 f"write initial: '{value} nM' (or add unit: dimensionless)")
                    continue
                q = self.quantity(value, vloc, f"initial value of {where}", unit_text)
            if q is None:
                continue
            if q.magnitude < 0:
                self.ctx.add("E206", f"initial value of {where} is negative ({q.magnitude:g})", vloc,
                             "species amounts and concentrations cannot be negative")
                continue
            unit = f"{q.units:~P}"
            if q.dimensionality == CONCENTRATION and compartment is None and compartments:
                self.ctx.add("E103", f"{where} is a concentration but names no compartment", loc,
                             f"add compartment: one of {', '.join(sorted(comp_names))}")
            self.units[name] = unit
            out.append(spec.Species(name, compartment, to_canonical(q), unit, description, initial_expr, boundary, loc))
        return out

    def _unit_ok(self, unit_text: str, loc: SourceLocation, where: str) -> bool:
        try:
            parse_unit(unit_text)
        except Exception as exc:
            self.ctx.add("E204", f"{where}: unknown unit {unit_text!r} ({getattr(exc, 'detail', exc)})", loc)
            return False
        return True

    def assignments(self) -> list[spec.AssignmentRule]:
        out = []
        section = self.doc.get("assignments")
        for name, entry, loc in _items(self.ctx, section, "assignments", self.doc):
            if self.kinds.get(name, ("",))[0] != "assignment":
                continue
            where = f"assignment '{name}'"
            text, eloc, unit, description = self._expression_entry(section, name, entry, where, "assignments")
            if text is None:
                continue
            expr = self.expression(text, eloc, where)
            if unit:
                self.units[name] = unit
            out.append(spec.AssignmentRule(name, expr, str(text), unit or "", description, loc))
        return out

    def _expression_entry(self, section: Any, name: str, entry: Any, where: str, kind: str):
        if isinstance(entry, CommentedMap):
            _check_keys(self.ctx, entry, _KEYS[kind], where)
            if "expression" not in entry:
                self.ctx.add("E103", f"{where} is missing 'expression'", _node_loc(self.ctx, entry))
                return None, None, None, None
            unit = _text(self.ctx, entry, "unit", where)
            if unit is not None and not self._unit_ok(unit, _value_loc(self.ctx, entry, "unit"), where):
                unit = None
            return entry["expression"], _value_loc(self.ctx, entry, "expression"), unit, _text(self.ctx, entry, "description", where) or ""
        if isinstance(entry, (dict, list)) or entry is None:
            self.ctx.add("E104", f"{where} must be an expression or a mapping with 'expression'", _value_loc(self.ctx, section, name))
            return None, None, None, None
        return entry, _value_loc(self.ctx, section, name), None, ""

    def rate_rules(self) -> list[spec.RateRule]:
        out = []
        section = self.doc.get("rate_rules")
        for name, entry, loc in _items(self.ctx, section, "rate_rules", self.doc):
            where = f"rate rule for '{name}'"
            if self.kinds.get(name, ("",))[0] != "species":
                self.ctx.add("E201", f"{where}: '{name}' is not a declared species", loc,
                             "a rate rule sets d(species)/dt; declare the species first")
                continue
            if isinstance(entry, (dict, list)) or entry is None:
                self.ctx.add("E104", f"{where} must be an expression", _value_loc(self.ctx, section, name))
                continue
            eloc = _value_loc(self.ctx, section, name)
            out.append(spec.RateRule(name, self.expression(entry, eloc, where), str(entry), loc))
        return out

    def reactions(self) -> list[spec.Reaction]:
        out = []
        section = self.doc.get("reactions")
        species_names = {n for n, (k, _) in self.kinds.items() if k == "species"}
        for name, entry, loc in _items(self.ctx, section, "reactions", self.doc):
            if self.kinds.get(name, ("",))[0] != "reaction":
                continue
            where = f"reaction '{name}'"
            if not isinstance(entry, CommentedMap):
                self.ctx.add("E104", f"{where} must be a mapping with 'equation' and 'rate'", _value_loc(self.ctx, section, name))
                continue
            _check_keys(self.ctx, entry, _KEYS["reactions"], where)
            equation = _text(self.ctx, entry, "equation", where, required=True)
            if "rate" not in entry:
                self.ctx.add("E103", f"{where} is missing 'rate'", loc, "e.g. rate: 'k * A'")
                continue
            if equation is None:
                continue
            eq_loc = _value_loc(self.ctx, entry, "equation")
            parsed = _parse_equation(equation)
            if isinstance(parsed, str):
                self.ctx.add("E105", f"{where}: {parsed}", eq_loc,
                             "write e.g. 'A + B -> C', '2 A <-> B', '-> A' (synthesis) or 'A ->' (degradation)")
                continue
            reactants, products, reversible = parsed
            bad = False
            for sname, _coeff, offset in reactants + products:
                if sname not in species_names:
                    from .errors import did_you_mean

                    guess = did_you_mean(sname, species_names)
                    self.ctx.add("E201", f"{where}: species '{sname}' is not declared", eq_loc.shifted(offset),
                                 f"did you mean {guess}?" if guess else "declare it under 'species'")
                    bad = True
            rate_text = entry["rate"]
            rate = self.expression(rate_text, _value_loc(self.ctx, entry, "rate"), f"rate of {where}")
            if bad:
                continue
            out.append(
                spec.Reaction(
                    name,
                    tuple((n, c) for n, c, _ in reactants),
                    tuple((n, c) for n, c, _ in products),
                    rate,
                    str(rate_text),
                    reversible,
                    spec.RateBasis.SPECIES,
                    _text(self.ctx, entry, "description", where) or "",
                    loc,
                )
            )
        return out

    def observables(self) -> list[spec.Observable]:
        out = []
        section = self.doc.get("observables")
        for name, entry, loc in _items(self.ctx, section, "observables", self.doc):
            if self.kinds.get(name, ("",))[0] != "observable":
                continue
            where = f"observable '{name}'"
            text, eloc, unit, description = self._expression_entry(section, name, entry, where, "observables")
            if text is None:
                continue
            expr = self.expression(text, eloc, where)
            out.append(spec.Observable(name, expr, str(text), unit or "", 1.0, description, loc))
        return out

    def variants(self, parameters: list[spec.Parameter]) -> list[spec.Variant]:
        out = []
        by_name = {p.name: p for p in parameters}
        seen: set[str] = set()
        for name, entry, loc in _items(self.ctx, self.doc.get("variants"), "variants", self.doc):
            where = f"variant '{name}'"
            if name in seen:
                continue
            seen.add(name)
            if not _NAME_RE.match(name):
                self.ctx.add("E205", f"variant name '{name}' is not a valid identifier", loc)
                continue
            if not isinstance(entry, CommentedMap):
                self.ctx.add("E104", f"{where} must be a mapping with 'parameters'", loc)
                continue
            _check_keys(self.ctx, entry, _KEYS["variants"], where)
            overrides: dict[str, float] = {}
            params = entry.get("parameters")
            if not isinstance(params, CommentedMap) or not params:
                self.ctx.add("E108", f"{where} overrides no parameters", loc, "add parameters: {name: value}")
                continue
            for pname, value, ploc in _items(self.ctx, params, f"parameters of {where}", entry):
                target = by_name.get(pname)
                if target is None:
                    from .errors import did_you_mean

                    guess = did_you_mean(pname, by_name)
                    self.ctx.add("E201", f"{where}: parameter '{pname}' is not declared", ploc,
                                 f"did you mean {guess}?" if guess else None)
                    continue
                if target.derived:
                    self.ctx.add("E211", f"{where}: parameter '{pname}' is derived and cannot be overridden", ploc,
                                 "override the parameters its expression uses")
                    continue
                vloc = _value_loc(self.ctx, params, pname)
                q = self._override(value, target, vloc, f"{where}: value of '{pname}'")
                if q is not None:
                    overrides[pname] = q
            out.append(spec.Variant(name, overrides, _text(self.ctx, entry, "description", where) or "", loc))
        return out

    def _override(self, value: Any, target: spec.Parameter, loc: SourceLocation, where: str) -> float | None:
        """A variant value: a quantity, or a plain number in the parameter's declared unit."""
        unit_text = None if isinstance(value, str) else (target.unit or "dimensionless")
        q = self.quantity(value, loc, where, unit_text)
        if q is None:
            return None
        declared = Quantity(1.0, parse_unit(target.unit or "dimensionless"))
        if q.dimensionality != declared.dimensionality:
            self.ctx.add("E203", f"{where} has units {q.units:~P} but the parameter is in {target.unit or '1'}", loc)
            return None
        return to_canonical(q)

    def drugs(self) -> list[spec.Drug]:
        out = []
        doc = self.doc
        for name, entry, loc in _items(self.ctx, doc.get("drugs"), "drugs", doc):
            where = f"drug '{name}'"
            if not self.declare(name, "drug", loc):
                continue
            if not isinstance(entry, CommentedMap):
                self.ctx.add("E104", f"{where} must be a mapping with 'molar_mass' and 'routes'", loc)
                continue
            _check_keys(self.ctx, entry, _KEYS["drugs"], where)
            if "molar_mass" not in entry:
                self.ctx.add("E103", f"{where} is missing 'molar_mass'", loc, "e.g. molar_mass: '958.24 g/mol'")
                continue
            mloc = _value_loc(self.ctx, entry, "molar_mass")
            q = self.quantity(entry["molar_mass"], mloc, f"molar mass of {where}")
            if q is None:
                continue
            if q.dimensionality != Quantity(1, "g/mol").dimensionality or q.magnitude <= 0:
                self.ctx.add("E301", f"molar mass of {where} must be a positive mass per amount, got {q:~P}", mloc,
                             "e.g. '958.24 g/mol'")
                continue
            source = _text(self.ctx, entry, "source", where) or ""
            if not source.strip():
                self.ctx.add("E207", f"{where} has no source", loc, "cite the molar mass and PK source")
            routes: dict[spec.Route, spec.DoseTarget] = {}
            rsec = entry.get("routes")
            if not isinstance(rsec, CommentedMap) or not rsec:
                self.ctx.add("E103", f"{where} declares no routes", loc, "e.g. routes: {oral: {species: drug_gut}}")
                continue
            for rname, rentry, rloc in _items(self.ctx, rsec, f"routes of {where}", entry):
                try:
                    route = spec.Route(rname)
                except ValueError:
                    self.ctx.add("E302", f"{where}: unknown route '{rname}'", rloc,
                                 f"routes: {', '.join(r.value for r in spec.Route)}")
                    continue
                if not isinstance(rentry, CommentedMap):
                    self.ctx.add("E104", f"{where}: route '{rname}' must be a mapping", rloc)
                    continue
                _check_keys(self.ctx, rentry, _KEYS["routes"], f"route '{rname}' of {where}")
                target = spec.DoseTarget(
                    route,
                    _text(self.ctx, rentry, "species", where),
                    _text(self.ctx, rentry, "parameter", where),
                    _text(self.ctx, rentry, "bioavailability", where),
                    rloc,
                )
                routes[route] = target
            out.append(spec.Drug(name, float(q.to("g/mol").magnitude), routes, source,
                                 _text(self.ctx, entry, "description", where) or "", loc))
        return out


def _looks_like_quantity(text: str) -> bool:
    """``"10 nM"`` or ``"1e-3"`` rather than an expression such as ``"FKBP12_total"``."""
    return bool(re.match(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\s|$|[a-zA-Zµ/%])", text))


_ARROWS = ("<->", "<=>", "->", "=>")
_TERM_RE = re.compile(r"^\s*(?:(\d+(?:\.\d*)?|\.\d+)\s*\*?\s*)?([A-Za-z][A-Za-z0-9_]*)\s*$")


def _parse_equation(text: str):
    """``"2 A + B <-> C"`` → (reactants, products, reversible) with column offsets, or an error text."""
    arrow = None
    for a in _ARROWS:
        if a in text:
            arrow = a
            break
    if arrow is None:
        return "equation has no arrow ('->' or '<->')"
    if text.count(arrow) > 1 or sum(text.count(a) for a in ("->", "=>")) > 1:
        return "equation has more than one arrow"
    left, right = text.split(arrow)
    sides = []
    offset = 0
    for part in (left, right):
        terms = []
        stripped = part.strip()
        if stripped in ("", "∅"):
            sides.append(terms)
            offset += len(part) + len(arrow)
            continue
        pos = 0
        for term in part.split("+"):
            m = _TERM_RE.match(term)
            if m is None:
                return f"cannot read term '{term.strip()}'"
            coeff = float(m.group(1)) if m.group(1) else 1.0
            if coeff <= 0:
                return f"stoichiometry of '{m.group(2)}' must be positive"
            col = offset + pos + m.start(2)
            terms.append((m.group(2), coeff, col))
            pos += len(term) + 1
        sides.append(terms)
        offset += len(part) + len(arrow)
    if not sides[0] and not sides[1]:
        return "equation has no species"
    return _merge(sides[0]), _merge(sides[1]), arrow in ("<->", "<=>")


def _merge(terms: list[tuple[str, float, int]]) -> list[tuple[str, float, int]]:
    merged: dict[str, list] = {}
    for name, coeff, col in terms:
        if name in merged:
            merged[name][1] += coeff
        else:
            merged[name] = [name, coeff, col]
    return [tuple(v) for v in merged.values()]  # type: ignore[misc]


# ----------------------------------------------------------------------------- entry points
def parse_model_text(text: str, file: str | None = None) -> ParsedModel:
    """Parse model-file text; never raises for problems in the text (they are diagnostics)."""
    ctx = _Ctx(file, text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        doc = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        ctx.add("E107", f"duplicate key: {exc.problem.strip()}", ctx.loc(mark.line, mark.column) if mark else ctx.loc(None, None),
                "each name may appear once per section")
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        ctx.add("E101", f"YAML syntax error: {problem}", ctx.loc(mark.line, mark.column) if mark else ctx.loc(None, None),
                "check indentation, colons and quotes around expressions containing ':' or '#'")
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    if not isinstance(doc, CommentedMap):
        ctx.add("E104", "a model file must be a mapping with a 'model' section", ctx.loc(0, 0))
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    parser = _Parser(ctx, doc)
    model = parser.run()
    return ParsedModel(model, ctx.diagnostics, ctx.lines, parser.units)


def parse_model_file(path: str | Path) -> ParsedModel:
    """Read and parse a model file (see :func:`parse_model_text`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_model_text(text, str(path))
