"""mtorsim: mechanistic ODE simulation of PI3K/AKT/mTOR signalling and rapalog pharmacology.

The flow of a model::

    load_model(path) -> Model -> compile_model(model) -> CompiledModel
    Regimen / Dose  ------------------------------------> simulate(...) -> Trajectory
    parameters[N, P], Regimen, Metric ------------------> simulate_batch(...) -> BatchResult (compiled, parallel)
    ParameterSpace, regimens, variants, doses, Metric --> sweep(...)    -> SweepResult
    dose_response, compare_schedules, compare_variants, combination_index,
    local_sensitivity, sobol_sensitivity: analyses built on sweep
    export_sbml(model, path, regimen=...) -> SBML Level 3 Version 2 text (libSBML, libRoadRunner, COPASI)

See the README for a tour and ``mtorsim --help`` for the command line.
"""

from ._version import __version__
from .analysis import (
    combination_index,
    combination_index_from_table,
    compare,
    compare_schedules,
    compare_variants,
    dose_response,
    fit_hill,
    in_vitro_dose_response,
    local_sensitivity,
    simulate_combination,
    sobol_sensitivity,
)
from .compiled import CompiledModel, compile_model
from .dosing import Dose, DosingPlan, Regimen
from .errors import (
    CompileError,
    ConfigError,
    Diagnostic,
    FitError,
    IntegrationError,
    ModelError,
    ModelValidationError,
    MtorsimError,
    MtorsimWarning,
    SBMLExportError,
    ScheduleError,
    SourceLocation,
    Status,
    SweepError,
    UnitError,
    UnknownNameError,
)
from .integration import Method, SteadyState, simulate
from .loading import bundled_model_path, bundled_models, check_model, load_model
from .metrics import Metric
from .native import BatchResult, simulate_batch
from .network import ConservationLaw, ReactionNetwork, build_network
from .results import Trajectory
from .spec import Model, Route
from .sweeps import (
    DoseLevels,
    LogNormal,
    Normal,
    ParameterSpace,
    SweepResult,
    Uniform,
    Values,
    sweep,
)
from .units import Q

# matplotlib is imported only when a plot is made, libSBML only when SBML is read or written
_LAZY = {"plot_timecourse": "plotting", "export_sbml": "sbml", "load_sbml": "sbml"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'mtorsim' has no attribute {name!r}")


__all__ = [
    "BatchResult",
    "CompileError",
    "CompiledModel",
    "ConfigError",
    "ConservationLaw",
    "Diagnostic",
    "Dose",
    "DoseLevels",
    "DosingPlan",
    "FitError",
    "IntegrationError",
    "LogNormal",
    "Method",
    "Metric",
    "Model",
    "ModelError",
    "ModelValidationError",
    "MtorsimError",
    "MtorsimWarning",
    "Normal",
    "ParameterSpace",
    "Q",
    "ReactionNetwork",
    "Regimen",
    "Route",
    "SBMLExportError",
    "ScheduleError",
    "SourceLocation",
    "Status",
    "SteadyState",
    "SweepError",
    "SweepResult",
    "Trajectory",
    "Uniform",
    "UnitError",
    "UnknownNameError",
    "Values",
    "__version__",
    "build_network",
    "bundled_model_path",
    "bundled_models",
    "check_model",
    "combination_index",
    "combination_index_from_table",
    "compare",
    "compare_schedules",
    "compare_variants",
    "compile_model",
    "dose_response",
    "export_sbml",
    "fit_hill",
    "in_vitro_dose_response",
    "load_model",
    "load_sbml",
    "local_sensitivity",
    "plot_timecourse",
    "simulate",
    "simulate_batch",
    "simulate_combination",
    "sobol_sensitivity",
    "sweep",
]
