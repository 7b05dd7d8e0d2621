"""``mtorsim validate MODEL``: every diagnostic, non-zero exit on error."""

from __future__ import annotations

import sys

import click

from ..errors import Severity
from ..loading import check_model
from .app import EXIT_INVALID, main, reports_errors


@main.command()
@click.argument("model")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@reports_errors
def validate(model: str, quiet: bool, strict: bool) -> None:
    """Check MODEL and print every problem found (file:line:col, code, hint)."""
    checked, diagnostics = check_model(model)
    for d in diagnostics:
        click.echo(d.format(), err=True)
        click.echo("", err=True)
    n_err = sum(d.severity is Severity.ERROR for d in diagnostics)
    n_warn = len(diagnostics) - n_err
    if checked is None or (strict and n_warn):
        click.echo(f"{model}: {n_err} error(s), {n_warn} warning(s)", err=True)
        sys.exit(EXIT_INVALID)
    if not quiet:
        laws = ""
        try:
            from ..network import build_network

            net = build_network(checked)
            laws = f", {len(net.conservation_laws)} conservation law(s)"
        except Exception:  # pragma: no cover - reporting only
            pass
        click.echo(
            f"{model}: OK ({len(checked.species)} species, {len(checked.reactions)} reactions, "
            f"{len(checked.parameters)} parameters, {len(checked.observables)} observables{laws}; "
            f"{n_warn} warning(s))"
        )
