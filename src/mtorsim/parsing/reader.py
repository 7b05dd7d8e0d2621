"""The parser's shared machinery: declaring names, reading expressions and quantities."""

from __future__ import annotations

from typing import Any

import pint
import sympy
from ruamel.yaml.comments import CommentedMap

from .. import spec
from ..errors import SourceLocation, did_you_mean
from ..expressions import ALLOWED_FUNCTIONS, ExpressionIssue, parse_expression
from ..units import Quantity, parse_quantity, parse_unit, to_canonical
from .nodes import (
    KEYS,
    RESERVED_NAMES,
    Context,
    check_keys,
    is_valid_name,
    node_loc,
    text_field,
    value_loc,
)


class Reader:
    """Shared machinery of the model-file parser: names, expressions, quantities."""

    def __init__(self, ctx: Context, doc: CommentedMap) -> None:
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
            # report at whichever declaration comes later in the file
            first, second = (
                (other_loc, loc) if (other_loc.line or 0) <= (loc.line or 0) else (loc, other_loc)
            )
            first_kind, second_kind = (
                (other_kind, kind) if first is other_loc else (kind, other_kind)
            )
            self.ctx.add(
                "E202",
                f"{second_kind} '{name}' is already declared as a {first_kind} at line {first.line}",
                second,
                "names must be unique across species, parameters, compartments, reactions, ...",
            )
            return False
        self.kinds[name] = (kind, loc)
        self.symbols[name] = spec.symbol(name)
        return True

    # -- expressions -----------------------------------------------------------

    def expression(
        self,
        text: Any,
        loc: SourceLocation,
        where: str,
        allowed: dict[str, sympy.Symbol] | None = None,
    ) -> sympy.Expr:
        table = dict(self.symbols if allowed is None else allowed)
        table["time"] = spec.TIME
        expr, issues = parse_expression(text, table)
        for issue in issues:
            self._report_expression_issue(issue, loc, where, table)
        if expr is None or issues:
            return sympy.nan
        return expr

    def _report_expression_issue(
        self, issue: ExpressionIssue, loc: SourceLocation, where: str, table: dict
    ) -> None:
        at = loc.shifted(issue.col)
        if issue.kind == "undeclared":
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
            hint = "check brackets and operators, e.g. 'k * A / (K + A)'"
            if "never closed" in issue.message:
                hint = (
                    "inside a {...} mapping a comma ends the value: quote expressions that "
                    'contain commas, e.g. rate: "Vmax * mm(S, Km)"'
                )
            self.ctx.add("E106", f"{where}: {issue.message}", at, hint)

    # -- quantities --------------------------------------------------------------

    def quantity(
        self, value: Any, loc: SourceLocation, where: str, unit_text: str | None = None
    ) -> pint.Quantity | None:
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.ctx.add(
                "E104",
                f"{where} must be a number or a quantity such as '10 nM'",
                loc,
                "e.g. '10 nM', '0.5 1/h', or a plain number with a 'unit' key",
            )
            return None
        try:
            if unit_text is not None:
                unit = parse_unit(unit_text)
                if isinstance(value, str):
                    q = parse_quantity(value)
                    if not q.dimensionless:
                        self.ctx.add(
                            "E204",
                            f"{where} gives a unit both in the value and in 'unit'",
                            loc,
                            "write either value: '0.1 1/min' or value: 0.1 with unit: 1/min",
                        )
                        return None
                    return Quantity(float(q.magnitude), unit)
                return Quantity(float(value), unit)
            return parse_quantity(value)
        except Exception as exc:  # UnitError
            detail = getattr(exc, "detail", "") or str(exc)
            self.ctx.add(
                "E204",
                f"{where}: cannot read {value!r} as a quantity ({detail})",
                loc,
                "use a unit pint understands, e.g. '10 nM', '0.5 1/h', '2 uM', '958.24 g/mol'",
            )
            return None

    # -- sections ----------------------------------------------------------------

    def parameter_symbols(self) -> dict[str, sympy.Symbol]:
        return {
            n: s
            for n, s in self.symbols.items()
            if self.kinds[n][0] in ("parameter", "compartment")
        }

    def unit_ok(self, unit_text: str, loc: SourceLocation, where: str) -> bool:
        try:
            parse_unit(unit_text)
        except Exception as exc:
            self.ctx.add(
                "E204",
                f"{where}: unknown unit {unit_text!r} ({getattr(exc, 'detail', exc)})",
                loc,
                "use a unit pint understands, e.g. 'nM', '1/h', 'ng/mL'",
            )
            return False
        return True

    def expression_entry(self, section: Any, name: str, entry: Any, where: str, kind: str):
        if isinstance(entry, CommentedMap):
            check_keys(self.ctx, entry, KEYS[kind], where)
            if "expression" not in entry:
                self.ctx.add(
                    "E103",
                    f"{where} is missing 'expression'",
                    node_loc(self.ctx, entry),
                    "add expression: '...'",
                )
                return None, None, None, None
            unit = text_field(self.ctx, entry, "unit", where)
            if unit is not None and not self.unit_ok(
                unit, value_loc(self.ctx, entry, "unit"), where
            ):
                unit = None
            return (
                entry["expression"],
                value_loc(self.ctx, entry, "expression"),
                unit,
                text_field(self.ctx, entry, "description", where) or "",
            )
        if isinstance(entry, (dict, list)) or entry is None:
            self.ctx.add(
                "E104",
                f"{where} must be an expression or a mapping with 'expression'",
                value_loc(self.ctx, section, name),
                "write NAME: 'expression' or NAME: {expression: '...', unit: ...}",
            )
            return None, None, None, None
        return entry, value_loc(self.ctx, section, name), None, ""

    def override(
        self, value: Any, target: spec.Parameter, loc: SourceLocation, where: str
    ) -> float | None:
        """A variant value: a quantity, or a plain number in the parameter's declared unit."""
        unit_text = None if isinstance(value, str) else (target.unit or "dimensionless")
        q = self.quantity(value, loc, where, unit_text)
        if q is None:
            return None
        declared = Quantity(1.0, parse_unit(target.unit or "dimensionless"))
        if q.dimensionality != declared.dimensionality:
            self.ctx.add(
                "E203",
                f"{where} has units {q.units:~P} but the parameter is in {target.unit or '1'}",
                loc,
                f"give the value in units compatible with {target.unit or '1'}",
            )
            return None
        return to_canonical(q)
