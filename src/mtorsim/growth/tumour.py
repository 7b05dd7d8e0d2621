"""Tumour growth in vivo driven by mTORC1 output: volumes, calipers, TGI, T/C and virtual cohorts.

Volume follows the unperturbed Simeoni et al. (2004, Cancer Res 64:1094)
exponential-then-linear growth, slowed by the cytostatic factor ``φ(t)`` of
:class:`~mtorsim.growth.GrowthCoupling` from the tumour-cell signalling of the
same simulation:

.. math::

    \\frac{dV}{dt} = \\phi(t)\\,\\frac{\\lambda_0 V}{\\bigl[1 + (\\lambda_0 V / \\lambda_1)^{\\psi}\\bigr]^{1/\\psi}}

(``ψ = 20`` switches sharply from exponential rate ``λ0`` to linear rate
``λ1``).  The drug never shrinks a tumour (cytostatic).  Volumes are
integrated with classical RK4 on the signalling trajectory's output grid
(``φ`` linear between output times), vectorised over the animals of a cohort.

Synthetic caliper data: length and width from the volume with an aspect
ratio, each read with a multiplicative error, and the volume recomputed as
``L × W² / 2`` (the formula of the fibrolamellar-HCC PDX study, Smolecule
temsirolimus note).  Efficacy: TGI % = ``100 (1 − ΔT/ΔC)`` (mean volume change
from the first dose) and T/C % = ``100 · mean V_T / mean V_C`` at the end.

A *virtual cohort* varies the tumour's growth parameters and mTORC1
dependence per animal (one signalling simulation per arm: typical PK/PD);
each animal's untreated twin gives an individual T/C, and an animal responds
when its growth is at least halved (individual T/C <= 50 %; assumed threshold —
a purely cytostatic drug that halves the growth rate cannot reach the NCI
T/C <= 42 % criterion in slowly growing tumours).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import spec
from ..compiled import AUTO, CompiledModel
from ..dosing import Regimen
from ..errors import SweepError
from ..integration import simulate
from ..results import Trajectory
from .coupling import GrowthCoupling

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["Cohort", "TumourModel", "TumourStudy", "caliper_measurements", "run_tumour_study", "t_over_c",
           "tgi", "tumour_volume", "virtual_cohort"]

RESPONDER_T_OVER_C = 0.5


@dataclass(frozen=True)
class TumourModel:
    """Typical tumour: Simeoni growth parameters and the cytostatic coupling.

    Defaults describe a slowly growing subcutaneous PDX; all are *assumed*
    (no PDX growth curve of the cited studies was retrieved): volume doubling
    about 5 days in the exponential phase, 120 mm³/day in the linear phase,
    treatment started at 150 mm³ ("measurable size").
    """

    lambda0: float = 0.006   # 1/h
    lambda1: float = 5.0     # mm3/h
    v0: float = 150.0        # mm3
    psi: float = 20.0
    coupling: GrowthCoupling = field(default_factory=GrowthCoupling)

    def __post_init__(self) -> None:
        for name in ("lambda0", "lambda1", "v0", "psi"):
            if not getattr(self, name) > 0:
                raise SweepError(f"TumourModel.{name}", f"must be positive, got {getattr(self, name)!r}")

    def rate(self, v: NDArray[np.float64], phi: Any, lambda0: Any = None, lambda1: Any = None) -> NDArray[np.float64]:
        """``dV/dt`` (mm³/h) at volumes ``v`` and growth factor ``phi``."""
        l0 = self.lambda0 if lambda0 is None else lambda0
        l1 = self.lambda1 if lambda1 is None else lambda1
        return phi * l0 * v / (1.0 + (l0 * v / l1) ** self.psi) ** (1.0 / self.psi)


def tumour_volume(
    traj: Trajectory,
    model: TumourModel = TumourModel(),
    *,
    mtorc1_dependence: ArrayLike | None = None,
    lambda0: ArrayLike | None = None,
    lambda1: ArrayLike | None = None,
    v0: ArrayLike | None = None,
    baseline: Mapping[str, float] | None = None,
) -> NDArray[np.float64]:
    """Volumes (mm³) on ``traj.t``; shape ``(n_times,)``, or ``(k, n_times)`` for per-animal arrays.

    Per-animal arrays (``mtorc1_dependence``, ``lambda0``, ``lambda1``, ``v0``)
    broadcast against each other.
    """
    arrays = [np.asarray(a, dtype=float) for a in (mtorc1_dependence, lambda0, lambda1, v0) if a is not None]
    scalar = all(a.ndim == 0 for a in arrays)
    k = max((a.size for a in arrays), default=1)
    d = np.broadcast_to(np.asarray(model.coupling.mtorc1_dependence if mtorc1_dependence is None
                                   else mtorc1_dependence, dtype=float), (k,))
    l0 = np.broadcast_to(np.asarray(model.lambda0 if lambda0 is None else lambda0, dtype=float), (k,))
    l1 = np.broadcast_to(np.asarray(model.lambda1 if lambda1 is None else lambda1, dtype=float), (k,))
    v = np.broadcast_to(np.asarray(model.v0 if v0 is None else v0, dtype=float), (k,)).copy()
    phi = model.coupling.rate_factor(traj, baseline, mtorc1_dependence=d)  # (k, n)
    t = traj.t
    out = np.empty((k, len(t)))
    out[:, 0] = v
    for i in range(len(t) - 1):
        h = t[i + 1] - t[i]
        p0, p1 = phi[:, i], phi[:, i + 1]
        pm = 0.5 * (p0 + p1)
        k1 = model.rate(v, p0, l0, l1)
        k2 = model.rate(v + 0.5 * h * k1, pm, l0, l1)
        k3 = model.rate(v + 0.5 * h * k2, pm, l0, l1)
        k4 = model.rate(v + h * k3, p1, l0, l1)
        v = v + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[:, i + 1] = v
    return out[0] if scalar else out


def caliper_measurements(
    times_h: ArrayLike,
    volumes: ArrayLike,
    *,
    every: float = 84.0,
    aspect: float = 1.5,
    cv: float = 0.08,
    seed: int | None = 0,
) -> pandas.DataFrame:
    """Synthetic caliper readings (twice weekly by default) of volumes ``(k, n_times)``.

    True length ``L = aspect × W`` with ``V = L W² / 2``; each of ``L`` and ``W``
    is read with a log-normal multiplicative error of coefficient of
    variation ``cv``; the recorded volume is ``L × W² / 2`` of the readings.
    """
    import pandas as pd

    t = np.asarray(times_h, dtype=float)
    vol = np.atleast_2d(np.asarray(volumes, dtype=float))
    if vol.shape[1] != len(t):
        raise SweepError("volumes", f"expected {len(t)} columns (one per time), got shape {vol.shape}")
    if not (aspect >= 1 and cv >= 0 and every > 0):
        raise SweepError("caliper_measurements", "need aspect >= 1, cv >= 0 and every > 0")
    days = np.arange(t[0], t[-1] + 1e-9, every)
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(np.log1p(cv**2))
    rows = []
    for j in range(vol.shape[0]):
        true = np.interp(days, t, vol[j])
        width = (2.0 * true / aspect) ** (1.0 / 3.0)
        length = aspect * width
        if cv > 0:
            length = length * rng.lognormal(-0.5 * sigma**2, sigma, len(days))
            width = width * rng.lognormal(-0.5 * sigma**2, sigma, len(days))
        rows.append(pd.DataFrame({"animal": j, "time_h": days, "day": days / 24.0, "length_mm": length,
                                  "width_mm": width, "volume_mm3": length * width**2 / 2.0,
                                  "true_volume_mm3": true}))
    return pd.concat(rows, ignore_index=True)


def tgi(treated: ArrayLike, control: ArrayLike) -> float:
    """Tumour growth inhibition (%) from volumes ``(animals, times)``: ``100 (1 − ΔT/ΔC)``, first to last time."""
    vt, vc = np.atleast_2d(np.asarray(treated, dtype=float)), np.atleast_2d(np.asarray(control, dtype=float))
    dt, dc = vt[:, -1].mean() - vt[:, 0].mean(), vc[:, -1].mean() - vc[:, 0].mean()
    if not dc > 0:
        raise SweepError("control", "the control tumours did not grow; TGI is undefined")
    return float(100.0 * (1.0 - dt / dc))


def t_over_c(treated: ArrayLike, control: ArrayLike) -> float:
    """T/C (%) at the last time: ``100 · mean V_T / mean V_C``."""
    vt, vc = np.atleast_2d(np.asarray(treated, dtype=float)), np.atleast_2d(np.asarray(control, dtype=float))
    return float(100.0 * vt[:, -1].mean() / vc[:, -1].mean())


@dataclass(frozen=True)
class Cohort:
    """Per-animal tumour parameters (arrays of equal length)."""

    mtorc1_dependence: NDArray[np.float64]
    lambda0: NDArray[np.float64]
    lambda1: NDArray[np.float64]
    v0: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.v0)


def virtual_cohort(
    n: int,
    model: TumourModel = TumourModel(),
    *,
    dependence: tuple[float, float] = (1.0, 1.0),
    cv_growth: float = 0.3,
    cv_v0: float = 0.2,
    seed: int | None = 0,
) -> Cohort:
    """``n`` animals: mTORC1 dependence ~ Beta(a, b); ``λ0``, ``λ1``, ``V0`` log-normal around the model's values.

    The defaults (all *assumed*): mTORC1 dependence uniform on [0, 1] (no
    prior on how far a PDX's growth follows mTORC1 output), 30 % CV on the
    growth rates and 20 % on the starting volume.
    """
    if n < 1:
        raise SweepError("n", f"must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)

    def lognormal(mean: float, cv: float) -> NDArray[np.float64]:
        s = np.sqrt(np.log1p(cv**2))
        return mean * rng.lognormal(-0.5 * s**2, s, n)

    a, b = dependence
    return Cohort(rng.beta(a, b, n), lognormal(model.lambda0, cv_growth), lognormal(model.lambda1, cv_growth),
                  lognormal(model.v0, cv_v0))


@dataclass(frozen=True, eq=False)
class TumourStudy:
    """Arms of a simulated tumour study.

    Attributes
    ----------
    t : ndarray
        Times (h) from the first dose.
    volumes : mapping of arm to ndarray ``(animals, times)``
    trajectories : mapping of arm to Trajectory
    cohort : Cohort
    control : str
        Name of the untreated arm.
    """

    t: NDArray[np.float64]
    volumes: Mapping[str, NDArray[np.float64]]
    trajectories: Mapping[str, Trajectory]
    cohort: Cohort
    control: str = "vehicle"

    def individual_t_over_c(self, arm: str) -> NDArray[np.float64]:
        """Each animal's final volume relative to its own untreated twin."""
        return self.volumes[arm][:, -1] / self.volumes[self.control][:, -1]

    def responders(self, arm: str, threshold: float = RESPONDER_T_OVER_C) -> NDArray[np.bool_]:
        return self.individual_t_over_c(arm) <= threshold

    def summary(self) -> pandas.DataFrame:
        """Per arm: TGI %, T/C %, responder fraction, mean and SD of the final volume."""
        import pandas as pd

        control = self.volumes[self.control]
        rows = []
        for arm, vol in self.volumes.items():
            treated = arm != self.control
            rows.append({"arm": arm, "TGI_percent": tgi(vol, control) if treated else 0.0,
                         "T_over_C_percent": t_over_c(vol, control),
                         "responder_fraction": float(self.responders(arm).mean()) if treated else 0.0,
                         "final_volume_mean_mm3": float(vol[:, -1].mean()),
                         "final_volume_sd_mm3": float(vol[:, -1].std(ddof=1)) if len(vol) > 1 else 0.0})
        return pd.DataFrame(rows).set_index("arm")

    def calipers(self, arm: str, **kwargs: Any) -> pandas.DataFrame:
        """Synthetic caliper data of one arm (see :func:`caliper_measurements`)."""
        return caliper_measurements(self.t, self.volumes[arm], **kwargs)


def run_tumour_study(
    arms: Mapping[str, Regimen | None],
    cohort: Cohort,
    *,
    days: float = 28.0,
    model: TumourModel = TumourModel(),
    signalling: CompiledModel | spec.Model | str | Path = "pi3k_akt_mtor",
    variant: str | list[str] | None = "mouse",
    body_weight: Any = "25 g",
    per_hour: float = 1.0,
    control: str = "vehicle",
    cache_dir: Any = AUTO,
) -> TumourStudy:
    """Simulate each arm's signalling once (typical animal) and grow every animal's tumour.

    ``arms`` maps names to regimens (``None`` for the vehicle arm, which is
    added as ``control`` if missing).  Mouse doses in mg/kg need ``body_weight``.

    Examples
    --------
    >>> import mtorsim as mt
    >>> from mtorsim.growth import run_tumour_study, virtual_cohort
    >>> tem = mt.Regimen.repeat(mt.Dose("temsirolimus", "20 mg/kg", route="ip"), every="24 h", count=28)
    >>> study = run_tumour_study({"temsirolimus": tem}, virtual_cohort(20))   # doctest: +SKIP
    >>> study.summary()                                                       # doctest: +SKIP
    """
    from ..compiled import compile_model
    from ..loading import load_model

    compiled = signalling if isinstance(signalling, CompiledModel) else compile_model(
        signalling if isinstance(signalling, spec.Model) else load_model(signalling), cache_dir=cache_dir)
    arms = dict(arms)
    arms.setdefault(control, None)
    grid = np.linspace(0.0, days * 24.0, int(round(days * 24.0 * per_hour)) + 1)
    volumes, trajectories = {}, {}
    baseline = None
    for name in [control] + [a for a in arms if a != control]:
        traj = simulate(compiled, arms[name], t_eval=grid, variant=variant, body_weight=body_weight)
        if baseline is None:
            baseline = {k: float(traj[k][0]) for k in model.coupling.drive}
        trajectories[name] = traj
        volumes[name] = tumour_volume(traj, model, mtorc1_dependence=cohort.mtorc1_dependence,
                                      lambda0=cohort.lambda0, lambda1=cohort.lambda1, v0=cohort.v0,
                                      baseline=baseline)
    return TumourStudy(grid, volumes, trajectories, cohort, control)
