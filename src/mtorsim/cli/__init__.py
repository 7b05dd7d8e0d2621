"""The ``mtorsim`` command line: one module per subcommand, thin over the public API."""

from . import cache, simulate, validate  # noqa: F401  (registers the subcommands)
from .app import main

__all__ = ["main"]
