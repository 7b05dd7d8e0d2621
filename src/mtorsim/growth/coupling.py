"""How mTORC1 output sets the proliferation rate: the cytostatic coupling.

A cell population (or a tumour) grows at its drug-free rate scaled by

.. math::

    \\phi(t) = \\bigl[1 - d\\,(1 - u(t))\\bigr]\\,\\bigl[1 - I_{direct}(t)\\bigr]

* ``u(t)`` is the *relative mTORC1 output*: a weighted mean of signalling
  observables (by default ``cap_translation``, the free-eIF4E fraction that
  sets cap-dependent translation), each divided by its drug-free baseline.
  ``u = 1`` untreated; under a saturating rapalog the bundled model keeps
  about half of cap-dependent translation, because rapalog-bound mTORC1 still
  phosphorylates part of 4E-BP1.
* ``d`` (0..1) is the *mTORC1 dependence* of the line's proliferation: the
  part of the cycle rate that follows translation (cyclin D1 synthesis and the
  G1/S transition).  ``d = 1`` with the model's half-maximal translation
  plateau gives the ~50 % growth decrease of the FKBP12-dependent phase
  (EU SmPC temsirolimus, BIND-05); ``d < 1`` leaves a rapalog-insensitive rate.
* ``I_direct`` is the optional FKBP12-independent effect: free intracellular
  drug binding mTOR directly at µM, competitive across rapalogs,
  ``S/(1+S)`` with ``S = Σ c_k / IC50_k`` (Hill 1).  The SmPC puts the onset
  for temsirolimus at 10–20 µM with complete growth inhibition at µM
  (biphasic); rapamycin binds FRB without FKBP12 with Kd 26 µM
  (Banaszynski 2005, BIND-02).

The effect is cytostatic: ``φ`` slows proliferation (a G1 delay) and never
kills — cells are only lost through an explicit cytotoxic partner
(:class:`~mtorsim.growth.CytotoxicAgent`).

Growth is computed *after* the signalling simulation, from its trajectory
(see ``docs/decisions.md``): cell number does not act back on signalling, so
the two are one-way coupled and the growth integral is exact up to the
quadrature on the output grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SweepError
from ..results import Trajectory

__all__ = ["DIRECT_IC50_NM", "FREE_DRUG_SPECIES", "GrowthCoupling", "relative_mtorc1_output"]

#: FKBP12-independent growth-inhibitory potency (nM of free intracellular drug).
#: temsirolimus: midpoint of the 10-20 uM onset in the EU SmPC (BIND-05);
#: everolimus and sirolimus: the rapamycin-FRB Kd of 26 uM (Banaszynski 2005, BIND-02),
#: which the bundled model also uses for all three rapalogs (Kd_FRB_direct).
DIRECT_IC50_NM: Mapping[str, float] = MappingProxyType(
    {"temsirolimus": 15_000.0, "everolimus": 26_000.0, "sirolimus": 26_000.0})

#: Free intracellular drug species of the bundled model, per drug.
FREE_DRUG_SPECIES: Mapping[str, str] = MappingProxyType(
    {"everolimus": "eve_cell", "temsirolimus": "tem_cell", "sirolimus": "sir_cell"})


def _frozen(mapping: Mapping[str, float] | None, default: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(default if mapping is None else mapping))


@dataclass(frozen=True)
class GrowthCoupling:
    """Parameters of the cytostatic coupling ``φ(t)`` (see the module docstring).

    Parameters
    ----------
    mtorc1_dependence : float
        ``d`` in [0, 1].
    drive : mapping of observable name to weight
        Signalling observables whose relative values (to the drug-free
        baseline) make up ``u(t)``; weights are normalised to sum 1.
    direct_effect : bool
        Include the FKBP12-independent µM effect.
    direct_ic50_nM : mapping of drug to nM
        Its potency per drug (free intracellular concentration).
    free_drug_species : mapping of drug to species name
        Where the free intracellular drug is read.
    """

    mtorc1_dependence: float = 1.0
    drive: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({"cap_translation": 1.0}))
    direct_effect: bool = True
    direct_ic50_nM: Mapping[str, float] = field(default_factory=lambda: DIRECT_IC50_NM)
    free_drug_species: Mapping[str, str] = field(default_factory=lambda: FREE_DRUG_SPECIES)

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.mtorc1_dependence) <= 1.0:
            raise SweepError("mtorc1_dependence", f"must be in [0, 1], got {self.mtorc1_dependence!r}")
        drive = dict(self.drive)
        if not drive or any(w < 0 for w in drive.values()) or sum(drive.values()) <= 0:
            raise SweepError("drive", f"need positive weights for at least one observable, got {drive!r}",
                              "e.g. drive={'cap_translation': 1.0}")
        total = sum(drive.values())
        object.__setattr__(self, "drive", MappingProxyType({k: v / total for k, v in drive.items()}))
        object.__setattr__(self, "direct_ic50_nM", _frozen(self.direct_ic50_nM, DIRECT_IC50_NM))
        object.__setattr__(self, "free_drug_species", _frozen(self.free_drug_species, FREE_DRUG_SPECIES))
        for drug, ic50 in self.direct_ic50_nM.items():
            if not ic50 > 0:
                raise SweepError(f"direct_ic50_nM[{drug!r}]", f"must be positive, got {ic50!r}")

    def with_dependence(self, d: float) -> GrowthCoupling:
        """The same coupling with another mTORC1 dependence."""
        return GrowthCoupling(d, self.drive, self.direct_effect, self.direct_ic50_nM, self.free_drug_species)

    # ------------------------------------------------------------------ evaluation
    def output(self, traj: Trajectory, baseline: Mapping[str, float] | None = None) -> NDArray[np.float64]:
        """Relative mTORC1 output ``u(t)`` on the trajectory's grid."""
        return relative_mtorc1_output(traj, self.drive, baseline)

    def direct_inhibition(self, traj: Trajectory) -> NDArray[np.float64]:
        """FKBP12-independent inhibition ``I_direct(t)`` (zeros when switched off)."""
        s = np.zeros(len(traj.t))
        if not self.direct_effect:
            return s
        for drug, species in self.free_drug_species.items():
            if drug in self.direct_ic50_nM and species in traj:
                s = s + np.clip(np.asarray(traj[species], dtype=float), 0.0, None) / self.direct_ic50_nM[drug]
        return s / (1.0 + s)

    def rate_factor(self, traj: Trajectory, baseline: Mapping[str, float] | None = None,
                    mtorc1_dependence: Any = None) -> NDArray[np.float64]:
        """``φ(t)``; with an array ``mtorc1_dependence`` of shape (k,), shape (k, n_times)."""
        u = self.output(traj, baseline)
        d = self.mtorc1_dependence if mtorc1_dependence is None else np.asarray(mtorc1_dependence, dtype=float)
        d = np.asarray(d, dtype=float)
        phi = 1.0 - d[..., None] * (1.0 - u) if d.ndim else 1.0 - float(d) * (1.0 - u)
        return np.clip(phi, 0.0, None) * (1.0 - self.direct_inhibition(traj))


def relative_mtorc1_output(traj: Trajectory, drive: Mapping[str, float],
                           baseline: Mapping[str, float] | None = None) -> NDArray[np.float64]:
    """Weighted mean of ``traj[name] / baseline[name]`` over ``drive``.

    Without ``baseline`` each observable's value at the first time point is
    used (the bundled model starts at its drug-free steady state and drugs
    come later).
    """
    total = sum(drive.values())
    u = np.zeros(len(traj.t))
    for name, weight in drive.items():
        if name not in traj:
            raise SweepError("drive", f"{name!r} is not an output of model {traj.model_name!r}",
                              "use an observable such as cap_translation or pS6K1")
        y = np.asarray(traj[name], dtype=float)
        base = float(y[0]) if baseline is None or name not in baseline else float(baseline[name])
        if not base > 0:
            raise SweepError("baseline", f"the drug-free value of {name!r} is {base:g}; it cannot normalise")
        u = u + weight / total * y / base
    return u
