"""``mtorsim export-sbml``: a model, with its parameters and an optional regimen, as SBML."""

from __future__ import annotations

import click

from ..compiled import compile_model
from ..loading import BUNDLED_MODEL
from ..sbml.writer import export_sbml
from .app import main, number_or_text, parse_assignments, reports_errors
from .simulate import build_regimen, dosing_options, model_options, variants_for


@main.command("export-sbml")
@click.argument("model", required=False, default=BUNDLED_MODEL)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="SBML file to write ('-' for stdout).")
@dosing_options
@model_options
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def export_sbml_command(model: str, output: str, drug: str | None, dose: str | None, every: str | None,
                        count: int, first: str, route: str, infusion: str | None, concentration: str | None,
                        washout: str | None, organism: str, body_weight: str | None,
                        body_surface_area: str | None, variants: tuple[str, ...], sets: tuple[str, ...],
                        cache_dir: str | None) -> None:
    """Write MODEL (default: the bundled model) as SBML Level 3 Version 2.

    The parameters are those of the chosen variants and --set overrides; a model that
    starts at the drug-free steady state is written with that state as its initial
    values; the dosing flags (as for `mtorsim simulate`) become SBML events.

    \b
    Examples:
      mtorsim export-sbml -o pi3k_akt_mtor.xml
      mtorsim export-sbml -o eve.xml --drug everolimus --dose "10 mg" --every "24 h" --count 28
      mtorsim export-sbml rapalog_minimal -o minimal.xml --variant frb_mutant --set kcat_S6K1=0.3
    """
    compiled = compile_model(model, cache_dir=cache_dir or "auto")
    variant_list = variants_for(compiled.model, organism, variants)
    regimen = build_regimen(compiled.model, drug, dose, every, count, route, infusion, concentration, washout, first)
    overrides = {k: number_or_text(v) for k, v in parse_assignments(sets, "--set").items()}
    text = export_sbml(compiled, None if output == "-" else output, variant=variant_list or None,
                       parameters=overrides, regimen=regimen, body_weight=body_weight,
                       body_surface_area=body_surface_area)
    if output == "-":
        click.echo(text, nl=False)
        return
    m = compiled.model
    events = f", {len(regimen)} dose(s) as events" if len(regimen) else ""
    click.echo(f"wrote {output} (SBML L3V2: {len(m.species)} species, {len(m.reactions)} reactions{events})",
               err=True)
