"""Sections that define dynamics and read-outs: assignments, rate rules, reactions, observables."""

from __future__ import annotations

import re

from ruamel.yaml.comments import CommentedMap

from .. import spec
from ..errors import did_you_mean
from .nodes import KEYS, check_keys, items, text_field, value_loc
from .reader import Reader

ARROWS = ("<->", "<=>", "->", "=>")
TERM_RE = re.compile(r"^\s*(?:(\d+(?:\.\d*)?|\.\d+)\s*\*?\s*)?([A-Za-z][A-Za-z0-9_]*)\s*$")


def parse_equation(text: str):
    """``"2 A + B <-> C"`` → (reactants, products, reversible) with column offsets, or an error text."""
    arrow = None
    for a in ARROWS:
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
            m = TERM_RE.match(term)
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
    return merge_terms(sides[0]), merge_terms(sides[1]), arrow in ("<->", "<=>")


def merge_terms(terms: list[tuple[str, float, int]]) -> list[tuple[str, float, int]]:
    merged: dict[str, list] = {}
    for name, coeff, col in terms:
        if name in merged:
            merged[name][1] += coeff
        else:
            merged[name] = [name, coeff, col]
    return [tuple(v) for v in merged.values()]  # type: ignore[misc]


def assignments(r: Reader) -> list[spec.AssignmentRule]:
    out = []
    section = r.doc.get("assignments")
    for name, entry, loc in items(r.ctx, section, "assignments", r.doc):
        if r.kinds.get(name, ("",))[0] != "assignment":
            continue
        where = f"assignment '{name}'"
        text, eloc, unit, description = r.expression_entry(
            section, name, entry, where, "assignments"
        )
        if text is None:
            continue
        expr = r.expression(text, eloc, where)
        if unit:
            r.units[name] = unit
        out.append(spec.AssignmentRule(name, expr, str(text), unit or "", description, loc, eloc))
    return out


def rate_rules(r: Reader) -> list[spec.RateRule]:
    out = []
    section = r.doc.get("rate_rules")
    for name, entry, loc in items(r.ctx, section, "rate_rules", r.doc):
        where = f"rate rule for '{name}'"
        if r.kinds.get(name, ("",))[0] != "species":
            r.ctx.add(
                "E201",
                f"{where}: '{name}' is not a declared species",
                loc,
                "a rate rule sets d(species)/dt; declare the species first",
            )
            continue
        if isinstance(entry, (dict, list)) or entry is None:
            r.ctx.add(
                "E104",
                f"{where} must be an expression",
                value_loc(r.ctx, section, name),
                "write SPECIES: 'expression for its time derivative'",
            )
            continue
        eloc = value_loc(r.ctx, section, name)
        out.append(spec.RateRule(name, r.expression(entry, eloc, where), str(entry), loc, eloc))
    return out


def reactions(r: Reader) -> list[spec.Reaction]:
    out = []
    section = r.doc.get("reactions")
    species_names = {n for n, (k, _) in r.kinds.items() if k == "species"}
    for name, entry, loc in items(r.ctx, section, "reactions", r.doc):
        if r.kinds.get(name, ("",))[0] != "reaction":
            continue
        where = f"reaction '{name}'"
        if not isinstance(entry, CommentedMap):
            r.ctx.add(
                "E104",
                f"{where} must be a mapping with 'equation' and 'rate'",
                value_loc(r.ctx, section, name),
                "e.g. NAME: {equation: 'A -> B', rate: 'k * A'}",
            )
            continue
        check_keys(r.ctx, entry, KEYS["reactions"], where)
        equation = text_field(r.ctx, entry, "equation", where, required=True)
        if "rate" not in entry:
            r.ctx.add("E103", f"{where} is missing 'rate'", loc, "e.g. rate: 'k * A'")
            continue
        if equation is None:
            continue
        eq_loc = value_loc(r.ctx, entry, "equation")
        parsed = parse_equation(equation)
        if isinstance(parsed, str):
            r.ctx.add(
                "E105",
                f"{where}: {parsed}",
                eq_loc,
                "write e.g. 'A + B -> C', '2 A <-> B', '-> A' (synthesis) or 'A ->' (degradation)",
            )
            continue
        reactants, products, reversible = parsed
        bad = False
        for sname, _coeff, offset in reactants + products:
            if sname not in species_names:
                guess = did_you_mean(sname, species_names)
                r.ctx.add(
                    "E201",
                    f"{where}: species '{sname}' is not declared",
                    eq_loc.shifted(offset),
                    f"did you mean {guess}?" if guess else "declare it under 'species'",
                )
                bad = True
        rate_text = entry["rate"]
        rate = r.expression(rate_text, value_loc(r.ctx, entry, "rate"), f"rate of {where}")
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
                text_field(r.ctx, entry, "description", where) or "",
                loc,
                value_loc(r.ctx, entry, "rate"),
            )
        )
    return out


def observables(r: Reader) -> list[spec.Observable]:
    out = []
    section = r.doc.get("observables")
    for name, entry, loc in items(r.ctx, section, "observables", r.doc):
        if r.kinds.get(name, ("",))[0] != "observable":
            continue
        where = f"observable '{name}'"
        text, eloc, unit, description = r.expression_entry(
            section, name, entry, where, "observables"
        )
        if text is None:
            continue
        expr = r.expression(text, eloc, where)
        out.append(spec.Observable(name, expr, str(text), unit or "", 1.0, description, loc, eloc))
    return out
