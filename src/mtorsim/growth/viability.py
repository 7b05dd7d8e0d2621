"""In-silico viability assay: seeded cells, drug from 24 h, counts at 48/72/168 h of exposure.

The protocol of the proliferation IC50s in the reference notes (cells plated,
drug added after 24 h, counted or read by a metabolic assay after the
exposure, normalised to the vehicle wells; Hill fit of viability against
log concentration — BenchChem everolimus note, Smolecule temsirolimus note):

1. simulate the bundled signalling model with a constant medium
   concentration from ``drug_start`` (and once without drug: the vehicle);
2. integrate the cell number ``d ln N / dt = r0 φ(t) - k_kill(t)`` over the
   trajectory (:class:`~mtorsim.growth.GrowthCoupling` gives ``φ``; a
   :class:`CytotoxicAgent` gives ``k_kill``);
3. viability at exposure ``T`` = ``N_drug(t0 + T) / N_vehicle(t0 + T)``;
4. fit the four-parameter Hill curve (:func:`mtorsim.analysis.fit_hill`,
   top and bottom free, as for plate data) per exposure to the treated wells;
   the reported IC50 is *absolute*: the
   concentration at which the fitted curve crosses 50 % of vehicle (the
   quantity "IC50 > 10 µM at 72 h" refers to), NaN when the curve stays above.

Cell counts are log-linear (no confluence): the assays compared with stay in
exponential growth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import spec
from ..analysis import CombinationIndex, HillFit, combination_index_from_table, fit_hill
from ..compiled import AUTO, CompiledModel
from ..dosing import Regimen
from ..errors import FitError, SweepError
from ..integration import simulate
from ..results import Trajectory
from .lines import CellLine

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["CytotoxicAgent", "ViabilityAssay", "bliss_excess", "log_growth", "viability_assay", "viability_combination",
           "well_viability"]

MODEL = "pi3k_akt_mtor"


@dataclass(frozen=True)
class CytotoxicAgent:
    """A partner that kills cells independently of mTOR signalling.

    ``k_kill(c) = kill_rate_max * c^h / (c^h + ec50_nM^h)`` (1/h), subtracted
    from the specific growth rate; it does not enter the signalling model,
    so its effect combines with a rapalog's by Bliss independence on cell
    number.
    """

    name: str
    kill_rate_max: float
    ec50_nM: float
    hill: float = 1.0

    def __post_init__(self) -> None:
        if not (self.kill_rate_max > 0 and self.ec50_nM > 0 and self.hill > 0):
            raise SweepError(f"CytotoxicAgent({self.name!r})", "kill_rate_max, ec50_nM and hill must be positive")

    def kill_rate(self, concentration_nM: float) -> float:
        c = max(float(concentration_nM), 0.0)
        return self.kill_rate_max * c**self.hill / (c**self.hill + self.ec50_nM**self.hill)


def log_growth(traj: Trajectory, line: CellLine, *, baseline: Mapping[str, float] | None = None,
               kill_rate: Any = 0.0) -> NDArray[np.float64]:
    """``ln N(t) / N(t_0)`` on the trajectory's grid (cumulative trapezoid of the rate).

    ``kill_rate`` is a constant (1/h) or an array on the grid.
    """
    rate = line.growth_rate * line.coupling.rate_factor(traj, baseline) - np.broadcast_to(kill_rate, traj.t.shape)
    out = np.zeros(len(traj.t))
    out[1:] = np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(traj.t))
    return out


def _grid(drug_start: float, exposures: Sequence[float], per_hour: float) -> NDArray[np.float64]:
    end = drug_start + max(exposures)
    base = np.linspace(0.0, end, int(round(end * per_hour)) + 1)
    # the signalling transient after the drug is added lasts minutes to an hour: resolve it
    early = drug_start + np.geomspace(1e-3, 2.0, 40)
    marks = [drug_start + e for e in exposures] + [drug_start]
    return np.unique(np.concatenate([base, early, marks]))


def _compiled(model: Any, cache_dir: Any) -> CompiledModel:
    if isinstance(model, CompiledModel):
        return model
    from ..compiled import compile_model
    from ..loading import load_model

    return compile_model(model if isinstance(model, spec.Model) else load_model(model), cache_dir=cache_dir)


def _regimen(line: CellLine, drugs: Mapping[str, float], drug_start: float) -> Regimen | None:
    doses = Regimen()
    for drug, conc in drugs.items():
        if conc > 0:
            factor = line.medium_exposure if drug in line.coupling.free_drug_species else 1.0
            doses = doses + Regimen.in_vitro(drug, f"{float(conc) * float(factor):.12g} nM", start=drug_start)
    return doses if len(doses) else None


def well_viability(
    line: CellLine,
    drugs: Mapping[str, float],
    exposures: Sequence[float] = (48.0, 72.0, 168.0),
    *,
    cytotoxic: Mapping[CytotoxicAgent, float] | None = None,
    model: CompiledModel | spec.Model | str | Path = MODEL,
    drug_start: float = 24.0,
    per_hour: float = 2.0,
    vehicle: Trajectory | None = None,
    cache_dir: Any = AUTO,
) -> NDArray[np.float64]:
    """Viability (fraction of vehicle) of one well at each exposure (h after ``drug_start``).

    ``drugs`` maps model drugs to nominal medium concentrations (nM); the
    line's medium exposure factor scales the rapalogs (FKBP12 ligands).
    """
    compiled = _compiled(model, cache_dir)
    grid = _grid(drug_start, exposures, per_hour)
    if vehicle is None:
        vehicle = simulate(compiled, None, t_eval=grid, variant=list(line.variant) or None)
    regimen = _regimen(line, drugs, drug_start)
    treated = vehicle if regimen is None else simulate(compiled, regimen, t_eval=grid,
                                                       variant=list(line.variant) or None)
    baseline = {k: float(vehicle[k][0]) for k in line.coupling.drive}
    kill = np.zeros(len(grid))
    for agent, conc in (cytotoxic or {}).items():
        kill = kill + np.where(grid >= drug_start, agent.kill_rate(conc), 0.0)
    diff = log_growth(treated, line, baseline=baseline, kill_rate=kill) - log_growth(vehicle, line, baseline=baseline)
    idx = np.searchsorted(grid, [drug_start + e for e in exposures])
    return np.exp(diff[idx] - diff[np.searchsorted(grid, drug_start)])


@dataclass(frozen=True, eq=False)
class ViabilityAssay:
    """Viability against concentration for several exposure times, with Hill fits.

    Attributes
    ----------
    line : CellLine
    drug : str
    table : pandas.DataFrame
        ``concentration_nM``, ``exposure_h``, ``viability``.
    fits : mapping of exposure (h) to HillFit or None
    errors : mapping of exposure (h) to the fit error message ("" if fitted)
    """

    line: CellLine
    drug: str
    table: pandas.DataFrame
    fits: Mapping[float, HillFit | None]
    errors: Mapping[float, str] = field(default_factory=dict)

    @property
    def exposures(self) -> tuple[float, ...]:
        return tuple(self.fits)

    def viability(self, exposure: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Concentrations (nM) and viabilities at one exposure."""
        t = self.table[self.table["exposure_h"] == exposure]
        return t["concentration_nM"].to_numpy(), t["viability"].to_numpy()

    def ic50(self, exposure: float) -> float:
        """Absolute IC50 (nM) of the fitted curve at ``exposure``.

        NaN if the curve stays above 50 % over the tested range (no extrapolation
        beyond the highest concentration: the assay says "IC50 > c_max").
        """
        fit = self.fits.get(exposure)
        if fit is None:
            return math.nan
        ic50 = fit.concentration_at(0.5)
        return ic50 if ic50 <= float(self.table["concentration_nM"].max()) else math.nan

    def interpolated_ic50(self, exposure: float) -> float:
        """First 50 % crossing of the simulated points, log-linear interpolation (NaN if none)."""
        c, v = self.viability(exposure)
        keep = c > 0
        c, v = c[keep], v[keep]
        below = np.nonzero(v <= 0.5)[0]
        if not len(below):
            return math.nan
        i = int(below[0])
        if i == 0:
            return float(c[0])
        lc = np.log(c[i - 1:i + 1])
        return float(np.exp(np.interp(0.5, v[i - 1:i + 1][::-1], lc[::-1])))

    def ic50_table(self) -> pandas.DataFrame:
        """One row per exposure: fitted and interpolated absolute IC50, and the lowest viability."""
        import pandas as pd

        rows = []
        for e in self.exposures:
            _, v = self.viability(e)
            rows.append({"exposure_h": e, "ic50_nM": self.ic50(e), "ic50_interpolated_nM": self.interpolated_ic50(e),
                         "min_viability": float(np.min(v)), "max_concentration_nM": float(self.table["concentration_nM"].max())})
        return pd.DataFrame(rows)


def viability_assay(
    line: CellLine,
    drug: str,
    concentrations: Sequence[float],
    exposures: Sequence[float] = (48.0, 72.0, 168.0),
    *,
    model: CompiledModel | spec.Model | str | Path = MODEL,
    drug_start: float = 24.0,
    per_hour: float = 2.0,
    fit: bool = True,
    cache_dir: Any = AUTO,
) -> ViabilityAssay:
    """Dose–response of viability for one line and drug at several exposures.

    Examples
    --------
    >>> from mtorsim.growth import cell_lines, viability_assay
    >>> assay = viability_assay(cell_lines("786-O"), "everolimus", [1, 10, 100, 1e3, 1e4, 3e4])  # doctest: +SKIP
    >>> assay.ic50_table()                                                                     # doctest: +SKIP
    """
    import pandas as pd

    conc = np.asarray([float(c) for c in concentrations])
    if conc.ndim != 1 or len(conc) < 3 or (conc < 0).any():
        raise SweepError("concentrations", "give at least three non-negative concentrations (nM)")
    exposures = tuple(float(e) for e in exposures)
    compiled = _compiled(model, cache_dir)
    grid = _grid(drug_start, exposures, per_hour)
    vehicle = simulate(compiled, None, t_eval=grid, variant=list(line.variant) or None)
    rows = []
    for c in conc:
        v = well_viability(line, {drug: c}, exposures, model=compiled, drug_start=drug_start, per_hour=per_hour,
                           vehicle=vehicle)
        rows.extend({"concentration_nM": c, "exposure_h": e, "viability": float(x)} for e, x in zip(exposures, v, strict=True))
    table = pd.DataFrame(rows)
    fits: dict[float, HillFit | None] = {}
    errors: dict[float, str] = {}
    for e in exposures:
        t = table[(table["exposure_h"] == e) & (table["concentration_nM"] > 0)]
        fits[e], errors[e] = None, ""
        if fit:
            try:
                with np.errstate(over="ignore"):  # wide intervals of flat curves overflow 10**log10(EC50)
                    fits[e] = fit_hill(t["concentration_nM"], t["viability"], unit="nM")
            except FitError as exc:
                errors[e] = str(exc)
    return ViabilityAssay(line, drug, table, fits, errors)


def viability_combination(
    line: CellLine,
    drug1: str,
    partner: str | CytotoxicAgent,
    concentrations1: Sequence[float],
    concentrations2: Sequence[float],
    *,
    exposure: float = 72.0,
    model: CompiledModel | spec.Model | str | Path = MODEL,
    drug_start: float = 24.0,
    per_hour: float = 2.0,
    fa: Sequence[float] = (0.25, 0.5, 0.75),
    cache_dir: Any = AUTO,
) -> tuple[CombinationIndex, pandas.DataFrame]:
    """Constant-ratio combination of a model drug with a model drug or a cytotoxic agent.

    Each agent alone at its concentrations (nM) and the mixtures
    ``(concentrations1[k], concentrations2[k])`` (one ratio), all read as
    viability after ``exposure``; ``fa = 1 - viability`` enters the
    Chou–Talalay analysis (:func:`mtorsim.analysis.combination_index_from_table`).

    Returns
    -------
    CombinationIndex, pandas.DataFrame
        The indices and the table of wells (``d1``, ``d2``, ``viability``, ``fa``).
    """
    import pandas as pd

    c1 = np.asarray(concentrations1, dtype=float)
    c2 = np.asarray(concentrations2, dtype=float)
    if c1.shape != c2.shape or c1.ndim != 1 or len(c1) < 2 or (c1 <= 0).any() or (c2 <= 0).any():
        raise SweepError("concentrations", "give two equally long lists of at least two positive concentrations (nM)")
    compiled = _compiled(model, cache_dir)
    grid = _grid(drug_start, (exposure,), per_hour)
    vehicle = simulate(compiled, None, t_eval=grid, variant=list(line.variant) or None)
    name2 = partner.name if isinstance(partner, CytotoxicAgent) else partner
    rows = []
    for a, b in [(c, 0.0) for c in c1] + [(0.0, c) for c in c2] + list(zip(c1, c2, strict=True)):
        drugs = {drug1: a}
        cyto = None
        if isinstance(partner, CytotoxicAgent):
            cyto = {partner: b} if b > 0 else None
        else:
            drugs[partner] = b
        v = well_viability(line, drugs, (exposure,), cytotoxic=cyto, model=compiled, drug_start=drug_start,
                           per_hour=per_hour, vehicle=vehicle)[0]
        rows.append({"d1": a, "d2": b, "viability": float(v), "fa": 1.0 - float(v)})
    table = pd.DataFrame(rows)
    ci = combination_index_from_table(table, fa=fa, drugs=(drug1, name2))
    return ci, table


def bliss_excess(table: pandas.DataFrame) -> pandas.DataFrame:
    """Bliss independence for each mixture of a :func:`viability_combination` table.

    Adds ``bliss_expected`` (``V1 · V2`` from the single-agent wells at the same
    concentrations) and ``bliss_excess`` (``bliss_expected − V_mix``: positive =
    more effect than independent action, i.e. Bliss synergy) to the mixture rows.
    """
    single1 = table[(table["d2"] == 0) & (table["d1"] > 0)].set_index("d1")["viability"]
    single2 = table[(table["d1"] == 0) & (table["d2"] > 0)].set_index("d2")["viability"]
    mix = table[(table["d1"] > 0) & (table["d2"] > 0)].copy()
    missing = [(a, b) for a, b in zip(mix["d1"], mix["d2"], strict=True) if a not in single1 or b not in single2]
    if missing:
        raise SweepError("table", f"no single-agent wells for mixtures {missing[:3]}",
                         "each mixture's concentrations must also be given alone")
    mix["bliss_expected"] = single1.loc[mix["d1"]].to_numpy() * single2.loc[mix["d2"]].to_numpy()
    mix["bliss_excess"] = mix["bliss_expected"] - mix["viability"]
    return mix.reset_index(drop=True)
