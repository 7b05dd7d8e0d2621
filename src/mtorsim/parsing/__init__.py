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

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from .. import spec
from ..errors import Diagnostic, did_you_mean
from .dynamics import assignments, observables, rate_rules, reactions
from .nodes import RESERVED_NAMES, SECTIONS, Context, is_valid_name, items, key_loc
from .options import drugs, variants
from .reader import Reader
from .values import (
    compartments,
    declare_parameters,
    declare_species,
    model_section,
    parameters,
    species,
)

__all__ = ["ParsedModel", "RESERVED_NAMES", "is_valid_name", "parse_model_file", "parse_model_text"]


@dataclass
class ParsedModel:
    """What the parser hands to validation: a draft model, diagnostics and unit texts."""

    model: spec.Model
    diagnostics: list[Diagnostic]
    lines: list[str]
    #: declared unit text of every symbol (species, parameters, compartments, assignments)
    units: dict[str, str] = field(default_factory=dict)


def _parse_document(r: Reader) -> spec.Model:
    doc = r.doc
    for key in doc:
        if key not in SECTIONS:
            guess = did_you_mean(str(key), SECTIONS)
            hint = f"did you mean {guess}?" if guess else f"sections: {', '.join(SECTIONS)}"
            r.ctx.add("E102", f"unknown section '{key}'", key_loc(r.ctx, doc, key), hint)
    header = model_section(r)
    comps = compartments(r)
    parameters_raw = declare_parameters(r)
    species_raw = declare_species(r)
    # Assignments, reactions and observables are declared before any expression is read,
    # so that references in any order resolve.
    for section, kind in (
        ("assignments", "assignment"),
        ("reactions", "reaction"),
        ("observables", "observable"),
    ):
        for name, _value, loc in items(r.ctx, doc.get(section), section, doc):
            r.declare(name, kind, loc)
    params = parameters(r, parameters_raw)
    return spec.Model(
        name=header.get("name", "model"),
        description=header.get("description", ""),
        version=header.get("version", ""),
        start=header.get("start", spec.Start.INITIAL_VALUES),
        compartments=tuple(comps),
        species=tuple(species(r, species_raw, comps)),
        parameters=tuple(params),
        assignments=tuple(assignments(r)),
        rate_rules=tuple(rate_rules(r)),
        reactions=tuple(reactions(r)),
        observables=tuple(observables(r)),
        variants=tuple(variants(r, params)),
        drugs=tuple(drugs(r)),
        file=r.ctx.file,
    )


def parse_model_text(text: str, file: str | None = None) -> ParsedModel:
    """Parse model-file text; never raises for problems in the text (they are diagnostics)."""
    ctx = Context(file, text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        doc = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        ctx.add(
            "E107",
            f"duplicate key: {exc.problem.strip()}",
            ctx.loc(mark.line, mark.column) if mark else ctx.loc(None, None),
            "each name may appear once per section",
        )
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.context and exc.context_mark is not None and exc.problem:
            cm = exc.context_mark
            problem += f" ({exc.context.strip()} that starts at line {cm.line + 1}, column {cm.column + 1})"
        ctx.add(
            "E101",
            f"YAML syntax error: {problem}",
            ctx.loc(mark.line, mark.column) if mark else ctx.loc(None, None),
            "check indentation, colons and quotes around expressions containing ':' or '#'",
        )
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    if not isinstance(doc, CommentedMap):
        ctx.add(
            "E104",
            "a model file must be a mapping with a 'model' section",
            ctx.loc(0, 0),
            "start the file with 'model: {name: my_model}' followed by the other sections",
        )
        return ParsedModel(spec.Model(name="invalid", file=file), ctx.diagnostics, ctx.lines)
    reader = Reader(ctx, doc)
    model = _parse_document(reader)
    return ParsedModel(model, ctx.diagnostics, ctx.lines, reader.units)


def parse_model_file(path: str | Path) -> ParsedModel:
    """Read and parse a model file (see :func:`parse_model_text`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_model_text(text, str(path))
