"""``load_model``: the one way user code gets a :class:`~mtorsim.spec.Model`.

Parse → validate → raise one :class:`~mtorsim.errors.ModelValidationError`
holding every error.  Warnings (``W4xx``) do not stop loading; they are issued
as :class:`~mtorsim.errors.MtorsimWarning` and reported by ``mtorsim validate``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import Diagnostic, Severity, accept_model
from .parsing import parse_model_file, parse_model_text
from .spec import Model
from .validation import validate_model

__all__ = ["BUNDLED_MODEL", "bundled_model_path", "bundled_models", "check_model", "load_model"]

#: The model that ships with mtorsim and that the CLI uses when no model is given.
BUNDLED_MODEL = "pi3k_akt_mtor"

_SBML_SUFFIXES = (".xml", ".sbml")


def bundled_models() -> list[str]:
    """Names of the models shipped in the package (``models/*.yaml``)."""
    folder = resources.files("mtorsim") / "models"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def bundled_model_path(name: str = BUNDLED_MODEL) -> Path:
    """Path of a bundled model file by name (default: the PI3K/AKT/mTOR model)."""
    path = Path(str(resources.files("mtorsim") / "models" / f"{name}.yaml"))
    if not path.is_file():
        from .errors import UnknownNameError

        raise UnknownNameError(name, "bundled model", bundled_models())
    return path


def _resolve(source: str | Path) -> Path:
    path = Path(source)
    if path.is_file():
        return path
    if isinstance(source, str) and "/" not in source and not path.suffix:
        return bundled_model_path(source)
    raise FileNotFoundError(
        f"model file not found: {path} (bundled models, usable by name: {', '.join(bundled_models())})"
    )


def check_model(source: str | Path) -> tuple[Model | None, list[Diagnostic]]:
    """Parse and validate without raising for model problems.

    Returns the model (``None`` if it has errors) and every diagnostic.
    """
    path = _resolve(source)
    if path.suffix.lower() in _SBML_SUFFIXES:
        from .sbml import check_sbml  # optional layer: imported only for SBML files

        return check_sbml(path)
    parsed = parse_model_file(path)
    model, diagnostics = validate_model(parsed)
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, diagnostics
    return model, diagnostics


def load_model(source: str | Path) -> Model:
    """Load and validate a model.

    Parameters
    ----------
    source : str or path
        A model file (``.yaml``; ``.xml``/``.sbml`` for SBML), or the name of a
        bundled model such as ``"pi3k_akt_mtor"``.

    Returns
    -------
    Model
        Frozen, validated, in canonical units.

    Raises
    ------
    ModelValidationError
        Holding every problem found, each with code, ``file:line:col`` and hint.
    FileNotFoundError
        If ``source`` is neither a file nor a bundled model name.

    Examples
    --------
    >>> import mtorsim as mt
    >>> model = mt.load_model("pi3k_akt_mtor")            # doctest: +SKIP
    >>> model = mt.load_model("models/pi3k_akt_mtor.yaml")  # doctest: +SKIP
    """
    path = _resolve(source)
    return accept_model(*check_model(path), str(path))


def load_model_text(text: str, name: str = "<text>") -> Model:
    """Load a model from YAML text (used by tests and notebooks)."""
    return accept_model(*validate_model(parse_model_text(text, name)), name)
