"""``load_sbml`` / ``check_sbml``: an SBML file → a validated :class:`~mtorsim.spec.Model`."""

from __future__ import annotations

from pathlib import Path

from ..errors import Diagnostic, Severity, accept_model
from ..spec import Model
from .reader import read_sbml

__all__ = ["check_sbml", "load_sbml"]


def check_sbml(path: str | Path) -> tuple[Model | None, list[Diagnostic]]:
    """Read an SBML file without raising for model problems.

    Returns the model (``None`` if the document has errors or uses a construct
    mtorsim does not simulate) and every diagnostic.
    """
    model, diagnostics = read_sbml(path)
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, diagnostics
    return model, diagnostics


def load_sbml(path: str | Path) -> Model:
    """Load an SBML Level 2/3 file as a model that compiles and simulates like a YAML one.

    Parameters
    ----------
    path : str or path
        The ``.xml``/``.sbml`` file.

    Returns
    -------
    Model
        States, parameters and times in the document's own units (see
        ``docs/decisions.md``); events, rules and function definitions included.

    Raises
    ------
    ModelValidationError
        If libSBML reports errors (``E120``, with file, line and column) or the
        document uses a construct mtorsim refuses (``E121``: algebraic rules,
        ``delay()``, fast reactions, required packages), naming the element.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import mtorsim as mt
    >>> model = mt.load_sbml("BIOMD0000000581.xml")      # doctest: +SKIP
    >>> traj = mt.simulate(model, t_end=60)              # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"SBML file not found: {path}")
    return accept_model(*check_sbml(path), str(path))
