"""Drug combinations: the Chou–Talalay median-effect method, combination index and isobologram.

The median-effect equation (Chou 1976; Chou & Talalay 1984) relates the
fraction affected ``fa`` (``fu = 1 - fa``) to the dose ``D``:

.. math:: f_a / f_u = (D / D_m)^m

fitted by linear regression of ``log(fa/fu)`` on ``log D`` (slope ``m``,
``D_m`` the median-effect dose, ``r`` the correlation of that line).  For two
drugs given at a constant ratio, the combination index at effect level ``x``
is (mutually exclusive, the classic isobologram equation)

.. math:: CI_x = \\frac{(D)_1}{(D_x)_1} + \\frac{(D)_2}{(D_x)_2}

where ``(D_x)_i = D_{m,i} [f_a/(1-f_a)]^{1/m_i}`` is the dose of drug ``i``
alone giving ``x``, and ``(D)_1, (D)_2`` are the parts of the combination dose
giving ``x`` (from the combination's own median-effect line).  CI < 1 is
synergism, CI = 1 additivity and CI > 1 antagonism; the ``dri`` columns are
the dose-reduction indices ``(D_x)_i / (D)_i``.  On an isobologram the
additive doses for ``x`` form the line from ``((D_x)_1, 0)`` to ``(0, (D_x)_2)``;
a combination point below it is synergistic.

References
----------
T.-C. Chou and P. Talalay, Adv. Enzyme Regul. 22:27–55 (1984).
T.-C. Chou, Pharmacol. Rev. 58:621–681 (2006) (ranges of :func:`describe_ci`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import spec
from ..compiled import AUTO, CompiledModel
from ..dosing import Regimen
from ..errors import FitError, SweepError
from ..metrics import Metric
from ..sweeps import DoseLevels, SweepResult, sweep

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "CombinationIndex",
    "MedianEffect",
    "combination_index",
    "combination_index_from_table",
    "describe_ci",
    "fit_median_effect",
    "simulate_combination",
]

#: Chou (2006) descriptions of CI ranges: (upper bound, words).
_CI_RANGES = ((0.1, "very strong synergism"), (0.3, "strong synergism"), (0.7, "synergism"),
              (0.85, "moderate synergism"), (0.9, "slight synergism"), (1.1, "nearly additive"),
              (1.2, "slight antagonism"), (1.45, "moderate antagonism"), (3.3, "antagonism"),
              (10.0, "strong antagonism"), (math.inf, "very strong antagonism"))


def describe_ci(ci: float) -> str:
    """Chou's words for a combination index (``0.5`` → ``"synergism"``)."""
    if not math.isfinite(ci) or ci < 0:
        return "undefined"
    return next(words for bound, words in _CI_RANGES if ci < bound)


@dataclass(frozen=True)
class MedianEffect:
    """A fitted median-effect line ``fa/fu = (D/Dm)^m``.

    Attributes
    ----------
    dm : float
        Median-effect dose (``fa = 0.5``), in the unit of the doses given.
    m : float
        Slope (shape: 1 hyperbolic, > 1 sigmoidal).
    r : float
        Linear correlation coefficient of ``log(fa/fu)`` on ``log D``.
    n : int
        Points used (doses > 0 with 0 < fa < 1).
    """

    dm: float
    m: float
    r: float = math.nan
    n: int = 0

    def dose_for(self, fa: ArrayLike) -> NDArray[np.float64]:
        """Dose giving fraction affected ``fa`` (0 < fa < 1)."""
        fa = np.asarray(fa, dtype=float)
        return self.dm * (fa / (1.0 - fa)) ** (1.0 / self.m)

    def fa_at(self, dose: ArrayLike) -> NDArray[np.float64]:
        """Fraction affected at ``dose``."""
        ratio = (np.asarray(dose, dtype=float) / self.dm) ** self.m
        return ratio / (1.0 + ratio)


def fit_median_effect(doses: ArrayLike, fa: ArrayLike) -> MedianEffect:
    """Fit ``log(fa/fu) = m log D - m log Dm`` by least squares.

    Points with ``D <= 0`` or ``fa`` outside (0, 1) carry no information on the
    line and are left out.

    Raises
    ------
    FitError
        Fewer than two usable points, or a flat line (no dose dependence).
    """
    d = np.asarray(doses, dtype=float).ravel()
    f = np.asarray(fa, dtype=float).ravel()
    if d.shape != f.shape:
        raise FitError("median-effect line", f"{len(d)} doses but {len(f)} effects")
    keep = np.isfinite(d) & np.isfinite(f) & (d > 0) & (f > 0) & (f < 1)
    d, f = d[keep], f[keep]
    if len(np.unique(d)) < 2:
        raise FitError("median-effect line", f"{len(d)} usable points (dose > 0, 0 < fa < 1)",
                       "use doses whose effects lie strictly between 0 and 1")
    x, y = np.log10(d), np.log10(f / (1.0 - f))
    m, b = np.polyfit(x, y, 1)
    if not m > 0:
        raise FitError("median-effect line", f"slope m = {m:.3g}: the effect does not rise with the dose")
    r = float(np.corrcoef(x, y)[0, 1]) if len(x) > 2 else 1.0
    return MedianEffect(float(10.0 ** (-b / m)), float(m), r, len(x))


@dataclass(frozen=True, eq=False)
class CombinationIndex:
    """Combination indices of two drugs at a constant ratio.

    Attributes
    ----------
    drugs : (str, str)
    singles : (MedianEffect, MedianEffect)
    combination : MedianEffect
        Of the *total* dose of the mixture.
    ratio : (float, float)
        Amounts of drug 1 and drug 2 in the mixture (only the proportion matters).
    table : pandas.DataFrame
        Per effect level ``fa``: ``ci``, ``interpretation``, the combination's
        doses ``d1``/``d2``, the single-agent doses ``dx1``/``dx2`` and the
        dose-reduction indices ``dri1``/``dri2``.
    points : pandas.DataFrame or None
        Per measured combination point (when given): ``d1``, ``d2``, ``fa`` and its ``ci``.
    """

    drugs: tuple[str, str]
    singles: tuple[MedianEffect, MedianEffect]
    combination: MedianEffect
    ratio: tuple[float, float]
    table: pandas.DataFrame
    points: pandas.DataFrame | None = None

    def at(self, fa: float) -> float:
        """CI at one effect level."""
        return float(self.curve([fa])["ci"].iloc[0])

    def curve(self, fa: Sequence[float]) -> pandas.DataFrame:
        """The table of :attr:`table` at other effect levels (e.g. a fine grid for an Fa–CI plot)."""
        return _ci_table(self.singles, self.combination, self.ratio, fa)


def _ci_table(singles: tuple[MedianEffect, MedianEffect], combo: MedianEffect, ratio: tuple[float, float],
              fa_levels: Sequence[float]) -> pandas.DataFrame:
    import pandas as pd

    fa = np.asarray(fa_levels, dtype=float)
    if ((fa <= 0) | (fa >= 1)).any():
        raise SweepError("fa", f"effect levels must lie in (0, 1), got {fa.tolist()}")
    p = ratio[0] / (ratio[0] + ratio[1])
    total = combo.dose_for(fa)
    d1, d2 = total * p, total * (1.0 - p)
    dx1, dx2 = singles[0].dose_for(fa), singles[1].dose_for(fa)
    ci = d1 / dx1 + d2 / dx2
    with np.errstate(divide="ignore"):
        table = pd.DataFrame({"fa": fa, "ci": ci, "interpretation": [describe_ci(c) for c in ci],
                              "d_combination": total, "d1": d1, "d2": d2, "dx1": dx1, "dx2": dx2,
                              "dri1": dx1 / d1, "dri2": dx2 / d2})
    return table


def combination_index(
    single1: MedianEffect | tuple[ArrayLike, ArrayLike],
    single2: MedianEffect | tuple[ArrayLike, ArrayLike],
    combination: MedianEffect | tuple[ArrayLike, ArrayLike],
    *,
    ratio: tuple[float, float],
    fa: Sequence[float] = (0.5, 0.75, 0.9, 0.95),
    drugs: tuple[str, str] = ("drug 1", "drug 2"),
) -> CombinationIndex:
    """Combination index at chosen effect levels (constant-ratio design).

    Parameters
    ----------
    single1, single2 : MedianEffect or (doses, fa)
        Each drug alone: a fitted line, or data to fit.
    combination : MedianEffect or (total doses, fa)
        The mixture, dosed as the *sum* of both drugs' doses.
    ratio : (float, float)
        Amount of drug 1 : amount of drug 2 in the mixture, e.g. ``(1, 5)``.
    fa : list of float
        Effect levels (default ED50, ED75, ED90, ED95).

    Examples
    --------
    Two drugs that add (same slope, the mixture's Dm from Loewe additivity):

    >>> a, b = MedianEffect(2.0, 1.5), MedianEffect(10.0, 1.5)
    >>> p = 0.5
    >>> mix = MedianEffect(1.0 / (p / 2.0 + (1 - p) / 10.0), 1.5)
    >>> round(combination_index(a, b, mix, ratio=(1, 1)).at(0.9), 12)
    1.0
    """
    if len(ratio) != 2 or not all(r > 0 for r in ratio):
        raise SweepError("ratio", f"expected two positive amounts, got {ratio!r}")
    fits = []
    for item, name in ((single1, drugs[0]), (single2, drugs[1]), (combination, "the combination")):
        if isinstance(item, MedianEffect):
            fits.append(item)
        else:
            try:
                fits.append(fit_median_effect(*item))
            except FitError as exc:
                raise FitError(f"median-effect line of {name}", exc.message, exc.hint) from None
    table = _ci_table((fits[0], fits[1]), fits[2], (float(ratio[0]), float(ratio[1])), fa)
    return CombinationIndex((drugs[0], drugs[1]), (fits[0], fits[1]), fits[2],
                            (float(ratio[0]), float(ratio[1])), table)


def combination_index_from_table(
    data: pandas.DataFrame | str | Path,
    *,
    dose1: str = "d1",
    dose2: str = "d2",
    effect: str = "fa",
    effect_kind: str = "fa",
    fa: Sequence[float] = (0.5, 0.75, 0.9, 0.95),
    drugs: tuple[str, str] | None = None,
    rtol: float = 1e-6,
) -> CombinationIndex:
    """Combination index from a table (or CSV file) of single-agent and combination measurements.

    Rows with ``dose2 == 0`` are drug 1 alone, rows with ``dose1 == 0`` drug 2
    alone, rows with both positive the combination, which must keep one ratio
    ``dose1 : dose2`` (within ``rtol``).  ``effect_kind`` says what the effect
    column holds: ``"fa"`` (fraction affected), ``"fu"`` (fraction unaffected,
    e.g. viability as a fraction of control) or ``"percent_fu"`` (viability in %).

    The result's ``points`` table also has the CI of each measured combination point.
    """
    import pandas as pd

    table = pd.read_csv(data) if isinstance(data, (str, Path)) else data
    missing = [c for c in (dose1, dose2, effect) if c not in table.columns]
    if missing:
        raise SweepError("data", f"missing column(s) {', '.join(missing)}; columns: {', '.join(map(str, table.columns))}")
    d1 = table[dose1].to_numpy(dtype=float)
    d2 = table[dose2].to_numpy(dtype=float)
    e = table[effect].to_numpy(dtype=float)
    conversions = {"fa": lambda v: v, "fu": lambda v: 1.0 - v, "percent_fu": lambda v: 1.0 - v / 100.0}
    if effect_kind not in conversions:
        raise SweepError("effect_kind", f"unknown {effect_kind!r}", "use fa, fu or percent_fu")
    f = conversions[effect_kind](e)
    if (d1 < 0).any() or (d2 < 0).any():
        raise SweepError("data", "doses must not be negative")
    only1, only2, both = (d1 > 0) & (d2 == 0), (d1 == 0) & (d2 > 0), (d1 > 0) & (d2 > 0)
    if not both.any():
        raise SweepError("data", "no combination rows (both doses positive)")
    ratios = d1[both] / d2[both]
    if not np.allclose(ratios, ratios[0], rtol=rtol):
        raise SweepError("data", f"combination rows use several ratios ({sorted(set(np.round(ratios, 6)))})",
                         "split the table by ratio: the median-effect line of a mixture needs one ratio")
    names = drugs or (dose1, dose2)
    result = combination_index((d1[only1], f[only1]), (d2[only2], f[only2]), (d1[both] + d2[both], f[both]),
                               ratio=(float(ratios[0]), 1.0), fa=fa, drugs=(names[0], names[1]))
    inside = (f[both] > 0) & (f[both] < 1)
    fa_obs = np.where(inside, f[both], np.nan)
    with np.errstate(invalid="ignore"):
        ci_obs = d1[both] / result.singles[0].dose_for(fa_obs) + d2[both] / result.singles[1].dose_for(fa_obs)
    points = pd.DataFrame({"d1": d1[both], "d2": d2[both], "fa": f[both], "ci": ci_obs})
    return CombinationIndex(result.drugs, result.singles, result.combination, result.ratio, result.table, points)


def simulate_combination(
    model: CompiledModel | spec.Model | str | Path,
    drugs: tuple[str, str],
    concentrations1: Sequence[float],
    concentrations2: Sequence[float],
    readout: str,
    *,
    at: Any = "24 h",
    fa: Sequence[float] = (0.5, 0.75, 0.9, 0.95),
    variant: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    n_points: int = 97,
    executor: Any = None,
    client: Any = None,
    progress: bool = False,
    cache_dir: str | Path | None = AUTO,
) -> tuple[CombinationIndex, SweepResult]:
    """Simulate an in-vitro constant-ratio combination experiment and compute its CI.

    Each drug alone at its concentrations (nM), then the mixtures
    ``(concentrations1[k], concentrations2[k])`` — the two lists must keep one
    ratio — all read at ``at``.  The effect is the inhibition
    ``fa = 1 - readout / baseline``.

    Returns
    -------
    CombinationIndex, SweepResult
        The indices (``points`` holds every mixture's own CI) and the raw sweep.
    """
    c1 = np.asarray(concentrations1, dtype=float)
    c2 = np.asarray(concentrations2, dtype=float)
    if c1.shape != c2.shape or c1.ndim != 1 or len(c1) < 2:
        raise SweepError("concentrations", "give two equally long lists of at least two concentrations (nM)")
    if (c1 <= 0).any() or (c2 <= 0).any():
        raise SweepError("concentrations", "concentrations must be positive (the controls are added)")
    rows = ([(c, 0.0) for c in c1] + [(0.0, c) for c in c2] + list(zip(c1, c2, strict=True)))
    regimen = Regimen.in_vitro(drugs[0], "1 nM") + Regimen.in_vitro(drugs[1], "1 nM")
    metric = Metric.value_at(readout, at, relative=True, name="response")
    result = sweep(model, metrics=[metric], regimens={"combination": regimen},
                   variants=[variant] if variant is not None else None, doses=DoseLevels.table(drugs, rows),
                   fixed=fixed, t_end=at, n_points=n_points, executor=executor, client=client,
                   progress=progress, cache_dir=cache_dir)
    import pandas as pd

    t = result.table
    data = pd.DataFrame({"d1": t[f"dose_scale_{drugs[0]}"], "d2": t[f"dose_scale_{drugs[1]}"],
                         "fa": 1.0 - t["response"]})
    failed = t["status"] != "SUCCESS"
    if failed.any():
        raise FitError("combination index", f"{int(failed.sum())} simulation(s) failed: "
                       f"{'; '.join(t.loc[failed, 'message'].astype(str).head(3))}")
    return combination_index_from_table(data, fa=fa, drugs=drugs), result
