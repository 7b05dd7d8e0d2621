"""``mtorsim sensitivity``: which parameters drive a metric (local or Sobol), as a table and bar plots."""

from __future__ import annotations

import click
from matplotlib.figure import Figure

from ..analysis import local_sensitivity, sobol_sensitivity
from ..compiled import compile_model
from ..loading import BUNDLED_MODEL
from ..plotting import plot_sensitivity, plot_sobol
from ..sweeps import ParameterSpace, Uniform, parse_metric
from ..units import canonical_unit, parse_unit
from ..units import factor as unit_factor
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
from .simulate import build_regimen


@main.command("sensitivity")
@click.argument("model", required=False, default=BUNDLED_MODEL)
@click.option("--metric", "metric_texts", multiple=True, required=True,
              help="Metric, e.g. 'rebound(pAKT_S473)' or 'mean(pS6K1, relative)' (repeatable).")
@click.option("--method", type=click.Choice(["local", "sobol"]), default="local", show_default=True)
@click.option("--parameter", "parameters", multiple=True,
              help="Parameter to include (repeatable; local default: all non-zero, non-derived).")
@click.option("--step", type=float, default=0.01, show_default=True, help="Local: relative finite-difference step.")
@click.option("--factor", type=float, default=2.0, show_default=True,
              help="Sobol: each parameter log-uniform in [nominal/FACTOR, nominal*FACTOR].")
@click.option("--n", "n_base", type=int, default=64, show_default=True,
              help="Sobol: base sample (power of two); N*(P+2) simulations.")
@click.option("--seed", type=int, default=1, show_default=True, help="Sobol: seed of the design and bootstrap.")
@click.option("--t-end", required=True, help="End of the simulation, e.g. '7 d'.")
@click.option("--drug", help="Drug to give.")
@click.option("--dose", help="Amount per administration, e.g. '10 mg'.")
@click.option("--every", help="Dosing interval, e.g. '24 h'.")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--route", type=click.Choice(["oral", "iv", "ip", "sc"]), default="oral", show_default=True)
@click.option("--infusion", help="Give IV doses as infusions of this length.")
@click.option("--concentration", help="In vitro: constant medium concentration, e.g. '10 nM'.")
@click.option("--washout", help="In vitro: washout time.")
@click.option("--variant", "variants", multiple=True, help="Model variant (repeatable: combined).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a parameter (repeatable).")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True, help="Bars per panel (local).")
@click.option("--output", help="Table (.csv or .parquet; '-' for stdout).")
@click.option("-o", "--figure", help="Figure file (.png, .svg, .pdf).")
@executor_options
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def sensitivity_command(model: str, metric_texts: tuple[str, ...], method: str, parameters: tuple[str, ...],
                        step: float, factor: float, n_base: int, seed: int, t_end: str, drug: str | None,
                        dose: str | None, every: str | None, count: int, route: str, infusion: str | None,
                        concentration: str | None, washout: str | None, variants: tuple[str, ...],
                        sets: tuple[str, ...], top: int, output: str | None, figure: str | None, workers: int,
                        scheduler: str | None, cache_dir: str | None) -> None:
    """Sensitivity of metrics to the parameters of MODEL under one regimen.

    \b
    Example ("which parameters drive the p-S6K1 inhibition?"):
      mtorsim sensitivity --metric "mean(pS6K1, relative)" --drug everolimus --dose "10 mg" \\
          --every "24 h" --count 7 --t-end "7 d" --output sens.csv -o sens.png
    Global (Sobol) over chosen parameters, each within a factor 2 of its value:
      mtorsim sensitivity --method sobol --parameter Kd_FRB --parameter CL --n 64 ...
    """
    compiled = compile_model(model, cache_dir=cache_dir or "auto")
    metrics = [m for text in metric_texts for m in parse_metric(text)]
    regimen = build_regimen(compiled.model, drug, dose, every, count, route, infusion, concentration, washout, "0 h")
    fixed = {k: number_or_text(v) for k, v in parse_assignments(sets, "--set").items()}
    variant = list(variants) or None
    end = number_or_text(t_end)
    with open_executor(workers, scheduler) as executor:
        if method == "local":
            result = local_sensitivity(compiled, metrics=metrics, regimen=regimen or None,
                                       parameters=list(parameters) or None, variant=variant, fixed=fixed,
                                       relative_step=step, t_end=end, executor=executor, progress=True)
            table = result.table
        else:
            if not parameters:
                raise click.UsageError("--method sobol needs at least one --parameter")
            if not factor > 1:
                raise click.BadParameter("must be above 1", param_hint="--factor")
            nominal = compiled.parameters(fixed, variant=variant)
            dims = []
            for name in parameters:
                value = nominal[compiled.parameter_index(name)]
                unit = compiled.parameter_unit(name) or "dimensionless"
                u = parse_unit(unit)
                shown = value / unit_factor(u, canonical_unit(u.dimensionality))
                dims.append(Uniform(name, shown / factor, shown * factor, scale="log", unit=unit))
            result = sobol_sensitivity(compiled, ParameterSpace(dims), metrics=metrics, n=n_base, seed=seed,
                                       regimen=regimen or None, variant=variant, fixed=fixed, t_end=end,
                                       executor=executor, progress=True)
            table = result.table
    click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.4g}", max_rows=60))
    if output:
        write_table(table, output)
    if figure:
        names = [m.name for m in metrics][:4]
        fig = Figure(figsize=(6.5, 3.6 * len(names)), layout="constrained")
        axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
        for ax, name in zip(axes, names, strict=True):
            if method == "local":
                plot_sensitivity(result, name, top=top, ax=ax)
            else:
                plot_sobol(result, name, ax=ax)
            ax.set_title(name, fontsize=10)
        save_figure(fig, figure)
