"""The ``mtorsim`` command group and what its subcommands share.

Exit codes: 0 success; 1 invalid model or input; 2 command-line usage error
(click's convention); 3 a simulation failed.  Errors go to stderr as
``mtorsim: error: ...`` with the diagnostic text.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._version import __version__
from ..errors import IntegrationError, ModelValidationError, MtorsimError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    from matplotlib.figure import Figure

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_SIMULATION_FAILED = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="mtorsim")
def main() -> None:
    """Mechanistic simulation of PI3K/AKT/mTOR signalling and rapalog pharmacology.

    MODEL is a model file (.yaml, or SBML .xml) or the name of a bundled model;
    commands that take an optional MODEL use the bundled PI3K/AKT/mTOR model.
    """


def reports_errors(fn: F) -> F:
    """Turn mtorsim errors into a message on stderr and a non-zero exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ModelValidationError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INVALID)
        except IntegrationError as exc:
            click.echo(f"mtorsim: error: {exc}", err=True)
            sys.exit(EXIT_SIMULATION_FAILED)
        except (MtorsimError, FileNotFoundError, ValueError) as exc:
            click.echo(f"mtorsim: error: {exc}", err=True)
            sys.exit(EXIT_INVALID)

    return wrapper  # type: ignore[return-value]


def parse_assignments(values: tuple[str, ...], option: str) -> dict[str, str]:
    """``("k=0.5", "Kd=2 nM")`` → ``{"k": "0.5", "Kd": "2 nM"}``; plain numbers stay text."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=option)
        out[name.strip()] = value.strip()
    return out


def number_or_text(value: str) -> float | str:
    """A plain number as float (read in the declared unit), else the quantity text."""
    try:
        return float(value)
    except ValueError:
        return value


def write_table(table: pandas.DataFrame, path: str) -> None:
    """Write ``table`` as CSV (``.csv``, or ``-`` for stdout) or Parquet (``.parquet``)."""
    if path == "-":
        table.to_csv(sys.stdout, index=False)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() in (".parquet", ".pq"):
        table.to_parquet(target, index=False)
    else:
        table.to_csv(target, index=False)
    click.echo(f"wrote {target} ({len(table)} rows x {len(table.columns)} columns)", err=True)


def save_figure(figure: Figure, path: str) -> None:
    """Save a figure (format from the suffix: .png, .svg, .pdf)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=150)
    click.echo(f"wrote {target}", err=True)


@contextlib.contextmanager
def open_executor(workers: int, scheduler: str | None) -> Iterator[Any]:
    """The executor that ``--workers``/``--scheduler`` ask for (None: this process).

    ``--scheduler ADDRESS`` connects to a running Dask scheduler (``tcp://host:8786``)
    and closes the connection afterwards.
    """
    from ..sweeps import DaskExecutor, ProcessExecutor

    if scheduler:
        if workers > 1:
            raise click.UsageError("give either --workers (local processes) or --scheduler (Dask), not both")
        from distributed import Client

        client = Client(scheduler)
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
    elif workers > 1:
        yield ProcessExecutor(workers)
    else:
        yield None


def executor_options(fn: F) -> F:
    """``--workers`` and ``--scheduler`` (where the simulations run)."""
    fn = click.option("--scheduler", metavar="ADDRESS",
                      help="Run on a Dask cluster, e.g. tcp://10.0.0.5:8786.")(fn)
    fn = click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                      help="Local worker processes.")(fn)
    return fn
