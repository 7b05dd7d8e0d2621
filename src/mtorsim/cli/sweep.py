"""``mtorsim sweep CONFIG.yaml``: run the sweep a file describes, resumably, to a table and a figure."""

from __future__ import annotations

from pathlib import Path

import click
from matplotlib.figure import Figure

from ..plotting import plot_sweep
from ..sweeps import SweepResult, load_sweep_config, run_sweep
from .app import executor_options, main, open_executor, reports_errors, save_figure, write_table


def sweep_figure(result: SweepResult) -> Figure:
    """First metric against the first swept parameter (or dose scale), one panel per metric (at most 4)."""
    design = result.design
    metrics = list(design.metric_names)[:4]
    fig = Figure(figsize=(6.5, 3.2 * len(metrics)), layout="constrained")
    axes = fig.subplots(len(metrics), 1, squeeze=False)[:, 0]
    if design.samples is not None:
        x, logx = design.samples.names[0], False
        values = result.table[x]
        logx = bool((values > 0).all() and values.max() / values.min() > 50)
    elif design.dose_levels is not None:
        x, logx = design.dose_levels.columns[0], False
    else:
        x, logx = "point_id", False
    hue = "regimen" if len(design.regimens) > 1 else "variant"
    for ax, metric in zip(axes, metrics, strict=True):
        plot_sweep(result, x, metric, hue=hue, logx=logx, ax=ax)
    axes[0].set_title(f"{design.compiled.name}: {design.n_points} points", fontsize=10)
    return fig


@main.command("sweep")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--store", type=click.Path(file_okay=False),
              help="Folder for incremental results (overrides output.store); rerun to resume.")
@click.option("--output", "table", help="Result table, .csv or .parquet (overrides output.table).")
@click.option("-o", "--figure", help="Figure file, .png/.svg/.pdf (overrides output.figure).")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Points per chunk (overrides chunk_size).")
@click.option("--overwrite", is_flag=True, help="Discard a different sweep found in the store folder.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@click.option("--backend", type=click.Choice(["auto", "native", "cuda", "scipy"]), default=None,
              help="Integration engine (overrides solver.backend; default auto: the GPU or native CPU "
                   "threads where they support the metrics, else scipy).")
@executor_options
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Compiled-model cache folder.")
@reports_errors
def sweep_command(config: str, store: str | None, table: str | None, figure: str | None, chunk_size: int | None,
                  overwrite: bool, progress: bool, backend: str | None, workers: int, scheduler: str | None,
                  cache_dir: str | None) -> None:
    """Run the sweep described in CONFIG (a YAML file) and write its table and figure.

    A stored sweep that was interrupted resumes where it stopped when run again.

    \b
    Example:
      mtorsim sweep kd_sweep.yaml --workers 2
      mtorsim sweep kd_sweep.yaml --backend scipy
    """
    cfg = load_sweep_config(config, cache_dir=cache_dir or "auto", backend=backend)
    store_path = Path(store) if store else cfg.store
    table_path = table or (str(cfg.table) if cfg.table else None)
    figure_path = figure or (str(cfg.figure) if cfg.figure else None)
    n_workers = workers if workers > 1 else cfg.workers
    with open_executor(n_workers, scheduler) as executor:
        result = run_sweep(cfg.design, store=store_path, chunk_size=chunk_size or cfg.chunk_size,
                           overwrite=overwrite, executor=executor, progress=progress)
    counts = ", ".join(f"{k}: {v}" for k, v in result.status_counts().items())
    click.echo(f"{cfg.design.n_points} points ({result.n_computed} computed now); {counts}", err=True)
    if table_path:
        write_table(result.table, table_path)
    if figure_path:
        save_figure(sweep_figure(result), figure_path)
    if not table_path and not figure_path and store_path is None:
        click.echo(result.table.to_string(max_rows=40))
