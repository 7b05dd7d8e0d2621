"""From signalling to cells and tumours: cytostatic growth driven by mTORC1 output.

Modules::

    coupling.py     GrowthCoupling: relative mTORC1 output -> proliferation-rate factor,
                    FKBP12-independent uM effect
    lines.py        CellLine and the bundled per-line parameters (cell_lines.yaml, with sources)
    viability.py    in-silico viability assay (drug from 24 h, readouts at 48/72/168 h), Hill IC50s,
                    combinations with model drugs or a cytotoxic partner (Chou-Talalay)
    tumour.py       tumour volume (Simeoni exponential-linear growth), caliper measurements,
                    mouse regimens, TGI and T/C, virtual cohorts and responder fractions

Growth is a post-processing integral of a signalling trajectory (cell number does
not act back on signalling); see docs/decisions.md.
"""

from .coupling import DIRECT_IC50_NM, FREE_DRUG_SPECIES, GrowthCoupling, relative_mtorc1_output
from .lines import CellLine, cell_lines, load_cell_lines
from .tumour import (
    Cohort,
    TumourModel,
    TumourStudy,
    caliper_measurements,
    run_tumour_study,
    t_over_c,
    tgi,
    tumour_volume,
    virtual_cohort,
)
from .viability import (
    CytotoxicAgent,
    ViabilityAssay,
    bliss_excess,
    log_growth,
    viability_assay,
    viability_combination,
    well_viability,
)

__all__ = [
    "Cohort",
    "DIRECT_IC50_NM",
    "FREE_DRUG_SPECIES",
    "CellLine",
    "CytotoxicAgent",
    "GrowthCoupling",
    "TumourModel",
    "TumourStudy",
    "ViabilityAssay",
    "bliss_excess",
    "caliper_measurements",
    "cell_lines",
    "load_cell_lines",
    "log_growth",
    "relative_mtorc1_output",
    "run_tumour_study",
    "t_over_c",
    "tgi",
    "tumour_volume",
    "viability_assay",
    "viability_combination",
    "virtual_cohort",
    "well_viability",
]
