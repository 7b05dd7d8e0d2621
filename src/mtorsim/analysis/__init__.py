"""Analyses on top of sweeps: dose–response, comparisons, combinations, sensitivity.

Modules::

    hill.py           fit_hill: four-parameter Hill model, asymptotic or bootstrap CIs
    dose_response.py  dose_response (any regimen, any metric), in_vitro_dose_response
    compare.py        compare (treatments × variants), compare_schedules, compare_variants
    combination.py    Chou–Talalay median-effect fits, combination index, from data or simulation
    sensitivity.py    local normalised sensitivities; Sobol indices via SALib

Every function that simulates runs one sweep (:func:`mtorsim.sweeps.sweep`),
so it takes the same ``executor``/``client`` to run in parallel or on a cluster.
"""

from .combination import (
    CombinationIndex,
    MedianEffect,
    combination_index,
    combination_index_from_table,
    describe_ci,
    fit_median_effect,
    simulate_combination,
)
from .compare import Comparison, compare, compare_schedules, compare_variants
from .dose_response import DoseResponse, dose_response, in_vitro_dose_response
from .hill import HillFit, fit_hill, hill
from .sensitivity import (
    LocalSensitivity,
    SobolIndices,
    local_sensitivity,
    sobol_indices,
    sobol_sensitivity,
)

__all__ = [
    "CombinationIndex",
    "Comparison",
    "DoseResponse",
    "HillFit",
    "LocalSensitivity",
    "MedianEffect",
    "SobolIndices",
    "combination_index",
    "combination_index_from_table",
    "compare",
    "compare_schedules",
    "compare_variants",
    "describe_ci",
    "dose_response",
    "fit_hill",
    "fit_median_effect",
    "hill",
    "in_vitro_dose_response",
    "local_sensitivity",
    "simulate_combination",
    "sobol_indices",
    "sobol_sensitivity",
]
