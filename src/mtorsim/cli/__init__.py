"""The ``mtorsim`` command line: one module per subcommand, thin over the public API."""

from . import (  # noqa: F401  (registers the subcommands)
    cache,
    compare_schedules,
    dose_response,
    export_sbml,
    sensitivity,
    simulate,
    sweep,
    validate,
)
from .app import main

__all__ = ["main"]
