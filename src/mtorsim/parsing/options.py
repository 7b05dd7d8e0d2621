"""Sections that configure use: variants (parameter overrides) and drugs (dose targets)."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from .. import spec
from ..errors import did_you_mean
from ..units import Quantity
from .nodes import KEYS, NAME_RE, check_keys, items, text_field, value_loc
from .reader import Reader


def variants(r: Reader, parameters: list[spec.Parameter]) -> list[spec.Variant]:
    out = []
    by_name = {p.name: p for p in parameters}
    seen: set[str] = set()
    for name, entry, loc in items(r.ctx, r.doc.get("variants"), "variants", r.doc):
        where = f"variant '{name}'"
        if name in seen:
            continue
        seen.add(name)
        if not NAME_RE.match(name):
            r.ctx.add(
                "E205",
                f"variant name '{name}' is not a valid identifier",
                loc,
                "variant names start with a letter and contain only letters, digits and '_'",
            )
            continue
        if not isinstance(entry, CommentedMap):
            r.ctx.add(
                "E104",
                f"{where} must be a mapping with 'parameters'",
                loc,
                "e.g. NAME: {description: ..., parameters: {k_fb: 0}}",
            )
            continue
        check_keys(r.ctx, entry, KEYS["variants"], where)
        overrides: dict[str, float] = {}
        params = entry.get("parameters")
        if not isinstance(params, CommentedMap) or not params:
            r.ctx.add(
                "E108", f"{where} overrides no parameters", loc, "add parameters: {name: value}"
            )
            continue
        for pname, value, ploc in items(r.ctx, params, f"parameters of {where}", entry):
            target = by_name.get(pname)
            if target is None:
                guess = did_you_mean(pname, by_name)
                r.ctx.add(
                    "E201",
                    f"{where}: parameter '{pname}' is not declared",
                    ploc,
                    f"did you mean {guess}?" if guess else None,
                )
                continue
            if target.derived:
                r.ctx.add(
                    "E211",
                    f"{where}: parameter '{pname}' is derived and cannot be overridden",
                    ploc,
                    "override the parameters its expression uses",
                )
                continue
            vloc = value_loc(r.ctx, params, pname)
            q = r.override(value, target, vloc, f"{where}: value of '{pname}'")
            if q is not None:
                overrides[pname] = q
        out.append(
            spec.Variant(name, overrides, text_field(r.ctx, entry, "description", where) or "", loc)
        )
    return out


def drugs(r: Reader) -> list[spec.Drug]:
    out = []
    doc = r.doc
    for name, entry, loc in items(r.ctx, doc.get("drugs"), "drugs", doc):
        where = f"drug '{name}'"
        if not r.declare(name, "drug", loc):
            continue
        if not isinstance(entry, CommentedMap):
            r.ctx.add(
                "E104",
                f"{where} must be a mapping with 'molar_mass' and 'routes'",
                loc,
                "e.g. NAME: {molar_mass: '958.24 g/mol', source: ..., routes: {oral: {species: drug_gut}}}",
            )
            continue
        check_keys(r.ctx, entry, KEYS["drugs"], where)
        if "molar_mass" not in entry:
            r.ctx.add(
                "E103", f"{where} is missing 'molar_mass'", loc, "e.g. molar_mass: '958.24 g/mol'"
            )
            continue
        mloc = value_loc(r.ctx, entry, "molar_mass")
        q = r.quantity(entry["molar_mass"], mloc, f"molar mass of {where}")
        if q is None:
            continue
        if q.dimensionality != Quantity(1, "g/mol").dimensionality or q.magnitude <= 0:
            r.ctx.add(
                "E301",
                f"molar mass of {where} must be a positive mass per amount, got {q:~P}",
                mloc,
                "e.g. '958.24 g/mol'",
            )
            continue
        source = text_field(r.ctx, entry, "source", where) or ""
        if not source.strip():
            r.ctx.add("E207", f"{where} has no source", loc, "cite the molar mass and PK source")
        routes: dict[spec.Route, spec.DoseTarget] = {}
        rsec = entry.get("routes")
        if not isinstance(rsec, CommentedMap) or not rsec:
            r.ctx.add(
                "E103",
                f"{where} declares no routes",
                loc,
                "e.g. routes: {oral: {species: drug_gut}}",
            )
            continue
        for rname, rentry, rloc in items(r.ctx, rsec, f"routes of {where}", entry):
            try:
                route = spec.Route(rname)
            except ValueError:
                r.ctx.add(
                    "E302",
                    f"{where}: unknown route '{rname}'",
                    rloc,
                    f"routes: {', '.join(r.value for r in spec.Route)}",
                )
                continue
            if not isinstance(rentry, CommentedMap):
                r.ctx.add(
                    "E104",
                    f"{where}: route '{rname}' must be a mapping",
                    rloc,
                    "e.g. oral: {species: drug_gut, bioavailability: F}",
                )
                continue
            check_keys(r.ctx, rentry, KEYS["routes"], f"route '{rname}' of {where}")
            target = spec.DoseTarget(
                route,
                text_field(r.ctx, rentry, "species", where),
                text_field(r.ctx, rentry, "parameter", where),
                text_field(r.ctx, rentry, "bioavailability", where),
                rloc,
            )
            routes[route] = target
        out.append(
            spec.Drug(
                name,
                float(q.to("g/mol").magnitude),
                routes,
                source,
                text_field(r.ctx, entry, "description", where) or "",
                loc,
            )
        )
    return out
