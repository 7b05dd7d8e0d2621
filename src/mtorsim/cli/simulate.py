"""``mtorsim simulate``: one run to a CSV table and/or a figure."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..compiled import compile_model
from ..dosing import Dose, Regimen
from ..integration import Method, SteadyState, simulate
from ..loading import BUNDLED_MODEL
from ..spec import Route
from .app import F, main, number_or_text, parse_assignments, reports_errors

_ROUTES = ["oral", "iv", "ip", "sc"]


def build_regimen(
    model, drug: str | None, dose: str | None, every: str | None, count: int, route: str,
    infusion: str | None, concentration: str | None, washout: str | None, first: str,
) -> Regimen:
    """The regimen the dosing flags describe (empty if none are given)."""
    if drug is None and (dose or concentration):
        drugs = [d.name for d in model.drugs]
        if len(drugs) != 1:
            raise click.UsageError(f"--drug is required (the model has drugs: {', '.join(drugs) or 'none'})")
        drug = drugs[0]
    if drug is None:
        if every or infusion or washout:
            raise click.UsageError("--every/--infusion/--washout need --drug and --dose")
        return Regimen()
    if concentration is not None:
        if dose is not None:
            raise click.UsageError("give either --dose (in vivo) or --concentration (in vitro), not both")
        return Regimen.in_vitro(drug, concentration, start=first, washout=washout)
    if dose is None:
        raise click.UsageError("--drug needs --dose (e.g. --dose '10 mg') or --concentration (e.g. '10 nM')")
    single = Dose(drug, dose, Route.IV if infusion else route, time=first, duration=infusion)
    if count > 1 and every is None:
        raise click.UsageError("--count > 1 needs --every (e.g. --every '24 h')")
    return Regimen.repeat(single, every=every or "1 h", count=count)


def dosing_options(fn: F) -> F:
    """The dosing flags (``--drug`` ... ``--bsa``) shared by the commands that take one regimen.

    The command receives ``drug, dose, every, count, first, route, infusion, concentration,
    washout, organism, body_weight, body_surface_area``; see :func:`build_regimen` and
    :func:`variants_for`.
    """
    options = [
        click.option("--drug", help="Drug to give (as named in the model), e.g. everolimus."),
        click.option("--dose", help="Amount per administration: '10 mg', '20 mg/kg', '25 mg/m^2'."),
        click.option("--every", help="Dosing interval, e.g. '24 h' or '7 d'."),
        click.option("--count", type=click.IntRange(min=1), default=1, show_default=True, help="Number of doses."),
        click.option("--first-dose", "first", default="0 h", show_default=True, help="Time of the first dose."),
        click.option("--route", type=click.Choice(_ROUTES), default="oral", show_default=True),
        click.option("--infusion", help="Give IV doses as infusions of this length, e.g. '30 min'."),
        click.option("--concentration", help="In vitro: constant medium concentration, e.g. '10 nM'."),
        click.option("--washout", help="In vitro: time the drug is washed out, e.g. '24 h'."),
        click.option("--organism", default="human", show_default=True,
                     help="Species whose PK to use; anything but 'human' selects the model variant of that name."),
        click.option("--body-weight", help="Body weight for mg/kg doses, e.g. '25 g' or '70 kg'."),
        click.option("--bsa", "body_surface_area", help="Body-surface area for mg/m^2 doses, e.g. '1.8 m^2'."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def model_options(fn: F) -> F:
    """``--variant`` (repeatable) and ``--set NAME=VALUE`` (repeatable): ``variants``, ``sets``."""
    fn = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                      help="Override a parameter: 'k=0.5' (declared unit) or 'k=0.5 1/min' (repeatable).")(fn)
    fn = click.option("--variant", "variants", multiple=True,
                      help="Model variant, e.g. feedback_off (repeatable).")(fn)
    return fn


def variants_for(model, organism: str, variants: tuple[str, ...]) -> list[str]:
    """The ``--variant`` list with the ``--organism`` variant first (checked to exist)."""
    variant_list = list(variants)
    if organism.lower() != "human":
        variant_list.insert(0, organism.lower())
        model.get_variant(organism.lower())  # clear error naming the variants if absent
    return variant_list


@main.command("simulate")
@click.argument("model", required=False, default=BUNDLED_MODEL)
@click.option("--t-end", required=True, help="End time, e.g. '28 d' or '72 h' (plain numbers are hours).")
@click.option("--n-points", type=click.IntRange(min=2), default=None, help="Number of output times (default 1001).")
@dosing_options
@model_options
@click.option("--start", type=click.Choice(["model", "steady-state", "initial-values"]), default="model",
              show_default=True, help="Initial state: the model file's choice, the drug-free steady state, or initial values.")
@click.option("--method", type=click.Choice([m.value for m in Method], case_sensitive=False), default="BDF",
              show_default=True)
@click.option("--rtol", type=float, default=1e-6, show_default=True)
@click.option("--atol", type=float, default=1e-9, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="CSV file (first column time_h, then observables); '-' for stdout.")
@click.option("--columns", type=click.Choice(["observables", "outputs", "all"]), default="observables",
              show_default=True, help="Which columns the CSV holds (a model without observables, "
              "such as an SBML file, gives all states and outputs).")
@click.option("--plot", "plots", multiple=True, metavar="NAME", help="Plot this observable or species (repeatable).")
@click.option("-o", "--figure", type=click.Path(dir_okay=False), help="Figure file for --plot (.png, .svg, .pdf).")
@click.option("--relative", is_flag=True, help="Plot relative to the value at t = 0.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def simulate_command(model: str, t_end: str, n_points: int | None, drug: str | None, dose: str | None,
                     every: str | None, count: int, first: str, route: str, infusion: str | None,
                     concentration: str | None, washout: str | None, organism: str, body_weight: str | None,
                     body_surface_area: str | None, variants: tuple[str, ...], sets: tuple[str, ...],
                     start: str, method: str, rtol: float, atol: float, output: str | None, columns: str,
                     plots: tuple[str, ...], figure: str | None, relative: bool, cache_dir: str | None) -> None:
    """Simulate MODEL (default: the bundled model) and write a CSV and/or a figure.

    \b
    Examples:
      mtorsim simulate --drug everolimus --dose "10 mg" --every "24 h" --count 28 \\
          --t-end "28 d" --output e.csv --plot pS6K1 -o e.png
      mtorsim simulate --drug everolimus --concentration "20 nM" --t-end 24h --output invitro.csv
      mtorsim simulate models/my_model.yaml --t-end 10 --set k1=0.5 --output out.csv
    """
    if plots and not figure:
        raise click.UsageError("--plot needs -o/--figure FILE")
    if figure and not plots:
        raise click.UsageError("-o/--figure needs at least one --plot NAME")
    compiled = compile_model(model, cache_dir=cache_dir or "auto")
    variant_list = variants_for(compiled.model, organism, variants)
    regimen = build_regimen(compiled.model, drug, dose, every, count, route, infusion, concentration, washout, first)
    overrides = {k: number_or_text(v) for k, v in parse_assignments(sets, "--set").items()}
    initial = {"model": None, "steady-state": SteadyState(), "initial-values": "initial_values"}[start]
    traj = simulate(compiled, regimen, t_end=number_or_text(t_end), n_points=n_points, parameters=overrides,
                    variant=variant_list or None, initial=initial, method=method, rtol=rtol, atol=atol,
                    body_weight=body_weight, body_surface_area=body_surface_area)
    if columns == "observables" and not traj.observable_names:  # e.g. SBML: states and assignments
        columns = "all"
    table = traj.to_dataframe(columns)
    if output:
        if output == "-":
            table.to_csv(sys.stdout, index=False)
        else:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(output, index=False)
            click.echo(f"wrote {output} ({len(table)} rows x {len(table.columns)} columns)", err=True)
    if plots:
        from ..plotting import plot_timecourse  # matplotlib loads only when a figure is asked for

        ax = plot_timecourse(traj, list(plots), relative_to_t0=relative)
        if len(regimen):
            ax.set_title(f"{traj.model_name}: {_describe(regimen)}", fontsize=10)
        Path(figure).parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(figure, dpi=150)
        click.echo(f"wrote {figure}", err=True)
    if not output and not plots:
        final = table.iloc[-1]
        click.echo(f"# state at t = {traj.t[-1]:g} h (use --output to write the whole time course)")
        for name, value in final.items():
            if name != "time_h":
                click.echo(f"{name:>28} = {value:.6g} {traj.unit(name)}")


def _describe(regimen: Regimen) -> str:
    doses = regimen.doses
    first = doses[0]
    text = f"{first.drug} {first.amount:~P} {first.route.value}"
    if len(doses) > 1:
        gap = doses[1].time - doses[0].time
        text += f" every {gap:g} h x {len(doses)}"
    return text
