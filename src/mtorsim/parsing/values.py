"""Sections that declare values: model header, compartments, parameters, species."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from .. import spec
from ..errors import SourceLocation, did_you_mean
from ..units import CONCENTRATION, VOLUME, Quantity, parse_unit, to_canonical
from .nodes import KEYS, check_keys, items, key_loc, text_field, value_loc
from .reader import Reader


def model_section(r: Reader) -> dict[str, Any]:
    doc, ctx = r.doc, r.ctx
    out: dict[str, Any] = {}
    if "model" not in doc:
        ctx.add(
            "E103",
            "the file has no 'model' section",
            ctx.loc(0, 0),
            "start the file with 'model: {name: my_model}'",
        )
        return out
    entry = doc["model"]
    if not isinstance(entry, CommentedMap):
        ctx.add(
            "E104",
            "'model' must be a mapping with at least 'name'",
            value_loc(ctx, doc, "model"),
            "write model: {name: my_model, description: ...}",
        )
        return out
    check_keys(ctx, entry, KEYS["model"], "'model'")
    name = text_field(ctx, entry, "name", "'model'", required=True)
    if name is not None:
        out["name"] = name
    for key in ("description", "version"):
        value = text_field(ctx, entry, key, "'model'")
        if value is not None:
            out[key] = value
    start = text_field(ctx, entry, "start", "'model'")
    if start is not None:
        try:
            out["start"] = spec.Start(start)
        except ValueError:
            ctx.add(
                "E211",
                f"unknown start '{start}'",
                value_loc(ctx, entry, "start"),
                "use 'initial_values' or 'steady_state'",
            )
    return out


def compartments(r: Reader) -> list[spec.Compartment]:
    out = []
    doc = r.doc
    for name, entry, loc in items(r.ctx, doc.get("compartments"), "compartments", doc):
        if not r.declare(name, "compartment", loc):
            continue
        where = f"compartment '{name}'"
        if isinstance(entry, CommentedMap):
            check_keys(r.ctx, entry, KEYS["compartments"], where)
            if "size" not in entry:
                r.ctx.add("E103", f"{where} is missing 'size'", loc, "e.g. size: '1 pL'")
                continue
            raw, vloc = entry["size"], value_loc(r.ctx, entry, "size")
            description = text_field(r.ctx, entry, "description", where) or ""
            source = text_field(r.ctx, entry, "source", where) or ""
        else:
            raw, vloc, description, source = (
                entry,
                value_loc(r.ctx, doc["compartments"], name),
                "",
                "",
            )
        q = r.quantity(raw, vloc, f"size of {where}")
        if q is None:
            continue
        if q.dimensionality != VOLUME:
            r.ctx.add(
                "E203",
                f"size of {where} has units {q.units:~P}, expected a volume",
                vloc,
                "e.g. '1 pL' or '5 L'",
            )
            continue
        if q.magnitude <= 0:
            r.ctx.add(
                "E211",
                f"size of {where} must be positive",
                vloc,
                "a compartment volume must be > 0, e.g. '1 pL'",
            )
            continue
        r.units[name] = f"{q.units:~P}" or "L"
        out.append(
            spec.Compartment(name, to_canonical(q), f"{q.units:~P}", description, source, loc)
        )
    return out


def declare_parameters(r: Reader) -> list[tuple[str, Any, SourceLocation]]:
    raw = []
    for name, entry, loc in items(r.ctx, r.doc.get("parameters"), "parameters", r.doc):
        if r.declare(name, "parameter", loc):
            raw.append((name, entry, loc))
    return raw


def parameters(r: Reader, raw: list[tuple[str, Any, SourceLocation]]) -> list[spec.Parameter]:
    out = []
    params_section = r.doc.get("parameters")
    for name, entry, loc in raw:
        where = f"parameter '{name}'"
        if not isinstance(entry, CommentedMap):
            r.ctx.add(
                "E207" if not isinstance(entry, (dict, list)) else "E104",
                f"{where} needs a mapping with 'value' and 'source'",
                value_loc(r.ctx, params_section, name),
                f"write {name}: {{value: '{entry}', source: 'citation, fit: <where>, or assumed: <why>'}}",
            )
            continue
        check_keys(r.ctx, entry, KEYS["parameters"], where)
        description = text_field(r.ctx, entry, "description", where) or ""
        source = text_field(r.ctx, entry, "source", where) or ""
        unit_text = text_field(r.ctx, entry, "unit", where)
        if "expression" in entry:
            if "value" in entry:
                r.ctx.add(
                    "E102",
                    f"{where} has both 'value' and 'expression'",
                    key_loc(r.ctx, entry, "value"),
                    "a derived parameter is computed from its expression; remove 'value'",
                )
            expr = r.expression(
                entry["expression"],
                value_loc(r.ctx, entry, "expression"),
                where,
                r.parameter_symbols(),
            )
            unit = unit_text or ""
            r.units[name] = unit
            out.append(
                spec.Parameter(
                    name, float("nan"), unit, source or "derived", description, expr, loc
                )
            )
            continue
        if "value" not in entry:
            r.ctx.add("E103", f"{where} is missing 'value'", loc, "e.g. value: '0.1 1/min'")
            continue
        if not source.strip():
            r.ctx.add(
                "E207",
                f"{where} has no source",
                loc,
                "add source: a citation, 'fit: <where>', or 'assumed: <why>'",
            )
        q = r.quantity(
            entry["value"], value_loc(r.ctx, entry, "value"), f"value of {where}", unit_text
        )
        if q is None:
            continue
        unit = f"{q.units:~P}"
        r.units[name] = unit
        out.append(spec.Parameter(name, to_canonical(q), unit, source, description, None, loc))
    return out


def declare_species(r: Reader) -> list[tuple[str, Any, SourceLocation]]:
    raw = []
    for name, entry, loc in items(r.ctx, r.doc.get("species"), "species", r.doc):
        if r.declare(name, "species", loc):
            raw.append((name, entry, loc))
    return raw


def species(
    r: Reader, raw: list[tuple[str, Any, SourceLocation]], compartments: list[spec.Compartment]
) -> list[spec.Species]:
    out = []
    section = r.doc.get("species")
    only = compartments[0].name if len(compartments) == 1 else None
    comp_names = {c.name for c in compartments}
    for name, entry, loc in raw:
        where = f"species '{name}'"
        boundary = False
        description = ""
        unit_text = None
        compartment = only
        if isinstance(entry, CommentedMap):
            check_keys(r.ctx, entry, KEYS["species"], where)
            if "initial" not in entry:
                r.ctx.add("E103", f"{where} is missing 'initial'", loc, "e.g. initial: '10 nM'")
                continue
            value, vloc = entry["initial"], value_loc(r.ctx, entry, "initial")
            description = text_field(r.ctx, entry, "description", where) or ""
            unit_text = text_field(r.ctx, entry, "unit", where)
            comp = text_field(r.ctx, entry, "compartment", where)
            if comp is not None:
                if comp not in comp_names:
                    guess = did_you_mean(comp, comp_names)
                    r.ctx.add(
                        "E201",
                        f"{where}: compartment '{comp}' is not declared",
                        value_loc(r.ctx, entry, "compartment"),
                        f"did you mean {guess}?" if guess else "declare it under 'compartments'",
                    )
                compartment = comp
            if "boundary" in entry:
                if not isinstance(entry["boundary"], bool):
                    r.ctx.add(
                        "E104",
                        f"'boundary' of {where} must be true or false",
                        value_loc(r.ctx, entry, "boundary"),
                        "write boundary: true (the species is held constant by reactions) or false",
                    )
                else:
                    boundary = entry["boundary"]
        else:
            value, vloc = entry, value_loc(r.ctx, section, name)
        initial_expr = None
        if isinstance(value, str) and not looks_like_quantity(value):
            initial_expr = r.expression(
                value, vloc, f"initial value of {where}", r.parameter_symbols()
            )
            if unit_text is None:
                r.ctx.add(
                    "E103",
                    f"{where} has an expression as initial value but no 'unit'",
                    vloc,
                    "add unit: nM (the unit of the expression)",
                )
                continue
            q = Quantity(0.0, parse_unit(unit_text)) if r.unit_ok(unit_text, vloc, where) else None
        else:
            if unit_text is None and not isinstance(value, str):
                r.ctx.add(
                    "E204",
                    f"initial value of {where} has no unit",
                    vloc,
                    f"write initial: '{value} nM' (or add unit: dimensionless)",
                )
                continue
            q = r.quantity(value, vloc, f"initial value of {where}", unit_text)
        if q is None:
            continue
        if q.magnitude < 0:
            r.ctx.add(
                "E206",
                f"initial value of {where} is negative ({q.magnitude:g})",
                vloc,
                "species amounts and concentrations cannot be negative",
            )
            # keep the species (the load fails anyway) so that its uses are still checked
        unit = f"{q.units:~P}"
        if q.dimensionality == CONCENTRATION and compartment is None and compartments:
            r.ctx.add(
                "E103",
                f"{where} is a concentration but names no compartment",
                loc,
                f"add compartment: one of {', '.join(sorted(comp_names))}",
            )
        r.units[name] = unit
        out.append(
            spec.Species(
                name, compartment, to_canonical(q), unit, description, initial_expr, boundary, loc
            )
        )
    return out


def looks_like_quantity(text: str) -> bool:
    """``"10 nM"`` or ``"1e-3"`` rather than an expression such as ``"FKBP12_total"``."""
    return bool(re.match(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\s|$|[a-zA-Zµ/%])", text))
