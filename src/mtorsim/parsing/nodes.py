"""YAML nodes with positions: the diagnostics context, location helpers, key checks, name rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from ..errors import Diagnostic, SourceLocation, did_you_mean
from ..expressions import ALLOWED_FUNCTIONS

RESERVED_NAMES = frozenset({"t", "time", "pi", "e", "inf", "nan"}) | frozenset(ALLOWED_FUNCTIONS)
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

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
KEYS = {
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
    return bool(NAME_RE.match(name)) and name not in RESERVED_NAMES


class Context:
    """Diagnostics collector that knows the file and its lines."""

    def __init__(self, file: str | None, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []

    def loc(self, line0: int | None, col0: int | None) -> SourceLocation:
        if line0 is None:
            return SourceLocation(self.file)
        return SourceLocation(self.file, line0 + 1, None if col0 is None else col0 + 1)

    def add(self, code: str, message: str, loc: SourceLocation, hint: str) -> None:
        line = None
        if loc.line is not None and 0 < loc.line <= len(self.lines):
            line = self.lines[loc.line - 1]
        self.diagnostics.append(Diagnostic(code, message, loc, line, hint))


def key_loc(ctx: Context, mapping: Any, key: str) -> SourceLocation:
    try:
        line, col = mapping.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return node_loc(ctx, mapping)
    return ctx.loc(line, col)


def value_loc(ctx: Context, mapping: Any, key: str) -> SourceLocation:
    try:
        line, col = mapping.lc.value(key)
    except (AttributeError, KeyError, TypeError):
        return key_loc(ctx, mapping, key)
    value = mapping[key]
    if isinstance(value, (DoubleQuotedScalarString, SingleQuotedScalarString)):
        col += 1  # point inside the quotes
    return ctx.loc(line, col)


def node_loc(ctx: Context, node: Any) -> SourceLocation:
    lc = getattr(node, "lc", None)
    if lc is None:
        return SourceLocation(ctx.file)
    return ctx.loc(lc.line, lc.col)


def items(
    ctx: Context, section: Any, section_name: str, parent: Any
) -> Iterator[tuple[str, Any, SourceLocation]]:
    """Yield (name, value, loc) for each entry of a mapping section."""
    if section is None:
        return
    if not isinstance(section, CommentedMap):
        ctx.add(
            "E104",
            f"section '{section_name}' must be a mapping of name: entry",
            value_loc(ctx, parent, section_name),
            f"write each entry as 'NAME: {{...}}' under '{section_name}:', not as a list of '- items'",
        )
        return
    for key in section:
        loc = key_loc(ctx, section, key)
        if not isinstance(key, str):
            ctx.add(
                "E205",
                f"name {key!r} in '{section_name}' must be text",
                loc,
                "quote names that YAML reads as numbers or booleans, e.g. '1' or 'on'",
            )
            continue
        yield key, section[key], loc


def check_keys(ctx: Context, entry: CommentedMap, allowed: set[str], where: str) -> None:
    for key in entry:
        if key not in allowed:
            guess = did_you_mean(str(key), allowed)
            hint = (
                f"did you mean {guess}?" if guess else f"allowed keys: {', '.join(sorted(allowed))}"
            )
            ctx.add("E102", f"unknown key '{key}' in {where}", key_loc(ctx, entry, key), hint)


def text_field(
    ctx: Context, entry: CommentedMap, key: str, where: str, required: bool = False
) -> str | None:
    if key not in entry or entry[key] is None:
        if required:
            ctx.add(
                "E103",
                f"{where} is missing '{key}'",
                node_loc(ctx, entry),
                f"add '{key}: ...' to it",
            )
        return None
    value = entry[key]
    if isinstance(value, (dict, list)):
        ctx.add(
            "E104",
            f"'{key}' of {where} must be text",
            value_loc(ctx, entry, key),
            "quote the value: 'text in quotes'",
        )
        return None
    return str(value)
