"""mtorsim: mechanistic ODE simulation of PI3K/AKT/mTOR signalling and rapalog pharmacology.

The flow of a model::

    load_model(path) -> Model -> compile_model(model) -> CompiledModel
    Regimen / Dose  ------------------------------------> simulate(...) -> Trajectory

See the README for a tour and ``mtorsim --help`` for the command line.
"""

from ._version import __version__
from .compiled import CompiledModel, compile_model
from .dosing import Dose, DosingPlan, Regimen
from .errors import (
    CompileError,
    ConfigError,
    Diagnostic,
    IntegrationError,
    ModelError,
    ModelValidationError,
    MtorsimError,
    MtorsimWarning,
    ScheduleError,
    SourceLocation,
    Status,
    UnitError,
    UnknownNameError,
)
from .integration import Method, SteadyState, simulate
from .loading import bundled_model_path, bundled_models, check_model, load_model
from .network import ConservationLaw, ReactionNetwork, build_network
from .results import Trajectory
from .spec import Model, Route
from .units import Q

_LAZY = {"plot_timecourse": "plotting"}  # matplotlib is imported only when a plot is made


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'mtorsim' has no attribute {name!r}")


__all__ = [
    "CompileError",
    "CompiledModel",
    "ConfigError",
    "ConservationLaw",
    "Diagnostic",
    "Dose",
    "DosingPlan",
    "IntegrationError",
    "Method",
    "Model",
    "ModelError",
    "ModelValidationError",
    "MtorsimError",
    "MtorsimWarning",
    "Q",
    "ReactionNetwork",
    "Regimen",
    "Route",
    "ScheduleError",
    "SourceLocation",
    "Status",
    "SteadyState",
    "Trajectory",
    "UnitError",
    "UnknownNameError",
    "__version__",
    "build_network",
    "bundled_model_path",
    "bundled_models",
    "check_model",
    "compile_model",
    "load_model",
    "plot_timecourse",
    "simulate",
]
