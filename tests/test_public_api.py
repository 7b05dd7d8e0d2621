"""The public API changes only deliberately: this snapshot must be edited with it."""

import mtorsim

EXPECTED = {
    "CompileError", "CompiledModel", "ConfigError", "ConservationLaw", "Diagnostic", "Dose", "DosingPlan",
    "IntegrationError", "Method", "Model", "ModelError", "ModelValidationError", "MtorsimError",
    "MtorsimWarning", "Q", "ReactionNetwork", "Regimen", "Route", "ScheduleError", "SourceLocation",
    "Status", "SteadyState", "Trajectory", "UnitError", "UnknownNameError", "__version__", "build_network",
    "bundled_model_path", "bundled_models", "check_model", "compile_model", "load_model", "load_sbml", "plot_timecourse",
    "simulate",
    # sweeps and analyses
    "DoseLevels", "FitError", "LogNormal", "Metric", "Normal", "ParameterSpace", "SweepError", "SweepResult",
    "Uniform", "Values", "combination_index", "combination_index_from_table", "compare", "compare_schedules",
    "compare_variants", "dose_response", "fit_hill", "in_vitro_dose_response", "local_sensitivity",
    "simulate_combination", "sobol_sensitivity", "sweep",
    # native batch engine
    "BatchResult", "simulate_batch",
    # SBML exchange
    "SBMLExportError", "export_sbml",
}


def test_public_names_snapshot():
    assert set(mtorsim.__all__) == EXPECTED
    for name in mtorsim.__all__:
        assert hasattr(mtorsim, name), name


def test_errors_are_also_builtins():
    assert issubclass(mtorsim.ModelValidationError, ValueError)
    assert issubclass(mtorsim.UnitError, ValueError)
    assert issubclass(mtorsim.ScheduleError, ValueError)
    assert issubclass(mtorsim.UnknownNameError, KeyError)
    assert issubclass(mtorsim.IntegrationError, RuntimeError)
    assert issubclass(mtorsim.CompileError, RuntimeError)
