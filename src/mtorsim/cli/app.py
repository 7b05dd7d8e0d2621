"""The ``mtorsim`` command group and what its subcommands share.

Exit codes: 0 success; 1 invalid model or input; 2 command-line usage error
(click's convention); 3 a simulation failed.  Errors go to stderr as
``mtorsim: error: ...`` with the diagnostic text.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .._version import __version__
from ..errors import IntegrationError, ModelValidationError, MtorsimError

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
