"""SBML exchange: export (:func:`export_sbml`).

The writer builds on compilation and the steady-state solver, so it is loaded on
first use: importing this package (as model loading does for ``.xml`` files) stays
cheap and keeps the layers of ``pyproject.toml`` intact.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"export_sbml": "writer", "sbml_problems": "writer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'mtorsim.sbml' has no attribute {name!r}")


__all__ = ["export_sbml", "sbml_problems"]
