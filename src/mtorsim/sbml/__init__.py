"""SBML exchange with python-libsbml: import (:func:`load_sbml`) and export (:func:`export_sbml`).

Reading sits below :mod:`mtorsim.loading`, which calls it for ``.xml`` files.  The
writer builds on compilation and the steady-state solver, so it is loaded on first
use: importing this package stays cheap and keeps the layers of ``pyproject.toml``
intact (``mtorsim.sbml.writer`` is its own, higher layer).
"""

from __future__ import annotations

import importlib
from typing import Any

from .loading import check_sbml, load_sbml

_LAZY = {"export_sbml": "writer", "sbml_problems": "writer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'mtorsim.sbml' has no attribute {name!r}")


__all__ = ["check_sbml", "export_sbml", "load_sbml", "sbml_problems"]
