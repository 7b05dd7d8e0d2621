"""``mtorsim dose-response``: a concentration (in vitro) or dose (in vivo) series with a Hill fit."""

from __future__ import annotations

import click
import numpy as np

from ..analysis import dose_response, in_vitro_dose_response
from ..compiled import compile_model
from ..dosing import Dose, Regimen
from ..loading import BUNDLED_MODEL
from ..plotting import new_axes, plot_dose_response
from ..spec import Route
from ..sweeps import parse_metric
from ..units import parse_quantity
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


def _levels(text: str | None, span: tuple[str, str] | None, n: int, default_unit: str) -> list[str]:
    """``"0, 0.1, 1 nM"`` (the last unit applies to bare numbers) or a log-spaced range."""
    if text and span:
        raise click.UsageError("give either a list of levels or --range, not both")
    if span:
        lo = parse_quantity(span[0], argument="--range", default_unit=default_unit)
        hi = parse_quantity(span[1], argument="--range", default_unit=default_unit).to(lo.units)
        if not 0 < lo.magnitude < hi.magnitude:
            raise click.BadParameter("expected 0 < LOW < HIGH", param_hint="--range")
        return [f"{float(v)!r} {lo.units:~C}" for v in np.geomspace(lo.magnitude, hi.magnitude, n)]
    if not text:
        return []
    parts = [p.strip() for p in text.split(",") if p.strip()]
    unit = default_unit
    last = parts[-1].split()
    if len(last) > 1:
        unit = " ".join(last[1:])
    return [p if len(p.split()) > 1 else f"{p} {unit}" for p in parts]


@main.command("dose-response")
@click.argument("model", required=False, default=BUNDLED_MODEL)
@click.option("--drug", required=True, help="Drug to vary (as named in the model).")
@click.option("--readout", help="In vitro: observable read at --at, relative to the drug-free baseline.")
@click.option("--at", "at", default="24 h", show_default=True, help="In vitro: time of the readout.")
@click.option("--concentrations", help="In vitro: '0, 0.01, 0.1, 1, 10 nM' (bare numbers take the last unit).")
@click.option("--doses", help="In vivo: '2.5, 5, 10, 20 mg' per administration.")
@click.option("--range", "span", nargs=2, metavar="LOW HIGH", help="Log-spaced levels from LOW to HIGH.")
@click.option("--n", "n_levels", type=click.IntRange(min=2), default=11, show_default=True,
              help="Number of levels for --range.")
@click.option("--zero/--no-zero", default=True, show_default=True, help="Add the untreated control (level 0).")
@click.option("--metric", help="In vivo: what to read, e.g. 'mean(pS6K1, relative, start=6 d, end=7 d)'.")
@click.option("--every", help="In vivo: dosing interval, e.g. '24 h'.")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True, help="In vivo: number of doses.")
@click.option("--route", type=click.Choice(["oral", "iv", "ip", "sc"]), default="oral", show_default=True)
@click.option("--infusion", help="In vivo: give IV doses as infusions of this length.")
@click.option("--t-end", help="In vivo: end of the simulation (default: the metric's window end).")
@click.option("--body-weight", help="Body weight for mg/kg doses.")
@click.option("--variant", "variants", multiple=True, help="Model variant (repeatable: combined).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a parameter (repeatable).")
@click.option("--ci-method", type=click.Choice(["asymptotic", "bootstrap"]), default="asymptotic", show_default=True)
@click.option("--seed", type=int, default=None, help="Seed for --ci-method bootstrap.")
@click.option("--output", help="Table of levels and responses (.csv or .parquet; '-' for stdout).")
@click.option("-o", "--figure", help="Figure file (.png, .svg, .pdf).")
@executor_options
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def dose_response_command(model: str, drug: str, readout: str | None, at: str, concentrations: str | None,
                          doses: str | None, span: tuple[str, str] | None, n_levels: int, zero: bool,
                          metric: str | None, every: str | None, count: int, route: str, infusion: str | None,
                          t_end: str | None, body_weight: str | None, variants: tuple[str, ...],
                          sets: tuple[str, ...], ci_method: str, seed: int | None, output: str | None,
                          figure: str | None, workers: int, scheduler: str | None, cache_dir: str | None) -> None:
    """Simulate a concentration or dose series of DRUG and fit a Hill curve (IC50, Emax, slope, CIs).

    \b
    In vitro (constant medium concentration, readout at one time):
      mtorsim dose-response --drug everolimus --readout pS6K1 --at "24 h" \\
          --range "0.001 nM" "100 nM" --n 11 --output ic50.csv -o ic50.png
    In vivo (a regimen with each dose level, any metric):
      mtorsim dose-response --drug everolimus --doses "2.5, 5, 10, 20 mg" --every "24 h" --count 7 \\
          --metric "mean(pS6K1, relative, start=6 d, end=7 d)" -o doses.png
    """
    compiled = compile_model(model, cache_dir=cache_dir or "auto")
    fixed = {k: number_or_text(v) for k, v in parse_assignments(sets, "--set").items()}
    variant = list(variants) or None
    in_vivo = doses is not None or metric is not None
    with open_executor(workers, scheduler) as executor:
        if not in_vivo:
            if readout is None:
                raise click.UsageError("in vitro needs --readout (or give --doses and --metric for in vivo)")
            levels = _levels(concentrations, span, n_levels, "nM")
            if not levels:
                raise click.UsageError("give --concentrations or --range")
            levels = (["0 nM"] if zero else []) + levels
            result = in_vitro_dose_response(compiled, drug, levels, readout, at=at, variant=variant, fixed=fixed,
                                            ci_method=ci_method, seed=seed, executor=executor, progress=True)
        else:
            if metric is None:
                raise click.UsageError("in vivo needs --metric, e.g. 'mean(pS6K1, relative, start=6 d, end=7 d)'")
            metrics = parse_metric(metric)
            if len(metrics) != 1:
                raise click.UsageError("--metric must name one metric (not rebound/exposure)")
            levels = _levels(doses, span, n_levels, "mg")
            if not levels:
                raise click.UsageError("give --doses or --range")
            levels = (["0 mg"] if zero else []) + levels
            unit = f"{parse_quantity(levels[-1], argument='--doses').units:~C}"
            template = Dose(drug, f"1 {unit}", Route.IV if infusion else route, duration=infusion)
            if count > 1 and every is None:
                raise click.UsageError("--count > 1 needs --every")
            regimen = Regimen.repeat(template, every=every or "1 h", count=count)
            end = number_or_text(t_end) if t_end else (metrics[0].end if np.isfinite(metrics[0].end) else None)
            if end is None:
                raise click.UsageError("give --t-end, or a metric with an end time")
            result = dose_response(compiled, regimen, levels, metrics[0], drug=drug, variant=variant, fixed=fixed,
                                   t_end=end, body_weight=body_weight, ci_method=ci_method, seed=seed,
                                   executor=executor, progress=True)
    click.echo(result.summary())
    if result.fit is not None:
        absolute = result.fit.concentration_at(0.5 * result.fit.e0)
        click.echo(f"absolute IC50 (response = half of the drug-free response): {absolute:.4g} {result.unit}")
    if output:
        table = result.table.copy()
        if result.fit is not None:
            table["fitted"] = result.fit.predict(table["level"].to_numpy())
        write_table(table, output)
    if figure:
        ax = plot_dose_response(result, ax=new_axes((6.0, 4.2)))
        ax.set_title(f"{compiled.name}: {result.metric.name}", fontsize=10)
        save_figure(ax.figure, figure)
