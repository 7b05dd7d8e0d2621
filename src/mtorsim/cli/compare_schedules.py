"""``mtorsim compare-schedules``: dosing schedules side by side (inhibition, rebound, exposure)."""

from __future__ import annotations

import click
from matplotlib.figure import Figure

from ..analysis import Comparison, compare_schedules
from ..compiled import compile_model
from ..dosing import Dose, Regimen
from ..loading import BUNDLED_MODEL
from ..plotting import plot_comparison
from ..spec import Route
from .app import (
    executor_options,
    main,
    number_or_text,
    open_executor,
    parse_assignments,
    reports_errors,
    save_figure,
    write_table,
)


def parse_schedule(text: str, drug: str, route: str, infusion: str | None) -> tuple[str, Regimen]:
    """``"10 mg daily=10 mg/24 h/28"`` → ("10 mg daily", 28 doses of 10 mg every 24 h).

    The part after ``=`` is ``AMOUNT/INTERVAL/COUNT`` (``AMOUNT`` alone is one dose).
    """
    label, sep, body = text.partition("=")
    if not sep or not label.strip() or not body.strip():
        raise click.BadParameter(f"expected LABEL=AMOUNT/INTERVAL/COUNT, got {text!r}", param_hint="--schedule")
    parts = [p.strip() for p in body.split("/")]
    if len(parts) not in (1, 3):
        raise click.BadParameter(f"expected AMOUNT or AMOUNT/INTERVAL/COUNT, got {body!r}", param_hint="--schedule")
    dose = Dose(drug, parts[0], Route.IV if infusion else route, duration=infusion)
    if len(parts) == 1:
        return label.strip(), Regimen.single(dose)
    try:
        count = int(parts[2])
    except ValueError:
        raise click.BadParameter(f"COUNT must be an integer, got {parts[2]!r}", param_hint="--schedule") from None
    return label.strip(), Regimen.repeat(dose, every=parts[1], count=count)


def comparison_figure(comparison: Comparison, readouts: list[str]) -> Figure:
    """One panel of inhibition measures per readout, then rebound and exposure panels."""
    groups = [[c for c in comparison.columns if c.endswith(f"_{r}") and "inhibition" in c] for r in readouts]
    rebound = [c for c in comparison.columns if c.startswith("rebound_") and not c.startswith("rebound_time")]
    exposure = [c for c in comparison.columns if c.startswith(("auc_", "cmax_", "ctrough_"))]
    panels = [g for g in groups if g] + [g for g in (rebound, exposure) if g]
    fig = Figure(figsize=(7.5, 3.3 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, cols in zip(axes, panels, strict=True):
        plot_comparison(comparison, cols, ax=ax)
    return fig


@main.command("compare-schedules")
@click.argument("model", required=False, default=BUNDLED_MODEL)
@click.option("--drug", required=True, help="Drug the schedules give.")
@click.option("--schedule", "schedules", multiple=True, required=True, metavar="LABEL=AMOUNT/EVERY/COUNT",
              help="A schedule, e.g. '10 mg daily=10 mg/24 h/28' (repeatable; the first is the reference).")
@click.option("--readout", "readouts", multiple=True, help="Observable whose inhibition to report (repeatable).")
@click.option("--exposure", "exposure_output", help="Drug concentration observable for AUC, Cmax, Ctrough.")
@click.option("--rebound", "rebound_output", help="Observable whose rise above baseline to report (e.g. pAKT_S473).")
@click.option("--window", nargs=2, metavar="START END", help="Time window of every measure, e.g. '21 d' '28 d'.")
@click.option("--t-end", help="End of the simulation (default: the window end).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Inhibition level for time_inhibited (fraction).")
@click.option("--route", type=click.Choice(["oral", "iv", "ip", "sc"]), default="oral", show_default=True)
@click.option("--infusion", help="Give IV doses as infusions of this length, e.g. '30 min'.")
@click.option("--body-weight", help="Body weight for mg/kg doses.")
@click.option("--bsa", "body_surface_area", help="Body-surface area for mg/m^2 doses.")
@click.option("--variant", "variants", multiple=True, help="Model variant (repeatable: combined).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a parameter (repeatable).")
@click.option("--n-points", type=click.IntRange(min=2), default=None, help="Output times (default 241 + window).")
@click.option("--output", help="Table (.csv or .parquet; '-' for stdout).")
@click.option("-o", "--figure", help="Figure file (.png, .svg, .pdf).")
@executor_options
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def compare_schedules_command(model: str, drug: str, schedules: tuple[str, ...], readouts: tuple[str, ...],
                              exposure_output: str | None, rebound_output: str | None,
                              window: tuple[str, str] | None, t_end: str | None, threshold: float, route: str,
                              infusion: str | None, body_weight: str | None, body_surface_area: str | None,
                              variants: tuple[str, ...], sets: tuple[str, ...], n_points: int | None,
                              output: str | None, figure: str | None, workers: int, scheduler: str | None,
                              cache_dir: str | None) -> None:
    """Compare dosing schedules of DRUG: mean, trough and peak inhibition, rebound, exposure.

    \b
    Example ("does weekly 50 mg match daily 10 mg on p-S6K1?"):
      mtorsim compare-schedules --drug everolimus \\
          --schedule "10 mg daily=10 mg/24 h/28" --schedule "50 mg weekly=50 mg/7 d/4" \\
          --readout pS6K1 --exposure everolimus_blood_ng_mL --window "21 d" "28 d" \\
          --output schedules.csv -o schedules.png
    """
    compiled = compile_model(model, cache_dir=cache_dir or "auto")
    regimens = dict(parse_schedule(s, drug, route, infusion) for s in schedules)
    if len(regimens) != len(schedules):
        raise click.UsageError("two --schedule options share a label")
    fixed = {k: number_or_text(v) for k, v in parse_assignments(sets, "--set").items()}
    win = (number_or_text(window[0]), number_or_text(window[1])) if window else None
    with open_executor(workers, scheduler) as executor:
        result = compare_schedules(compiled, regimens, readouts=list(readouts), exposure_output=exposure_output,
                                   rebound_output=rebound_output, window=win, inhibition_threshold=threshold,
                                   variant=list(variants) or None, t_end=number_or_text(t_end) if t_end else None,
                                   n_points=n_points, fixed=fixed, body_weight=body_weight,
                                   body_surface_area=body_surface_area, executor=executor, progress=True)
    shown = result.table.drop(columns=["message"])
    click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if output:
        table = result.table.merge(result.differences(), on=["regimen", "variant"])
        write_table(table, output)
    if figure:
        save_figure(comparison_figure(result, list(readouts)), figure)
