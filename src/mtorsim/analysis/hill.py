"""The four-parameter Hill (log-logistic) model and its least-squares fit with confidence intervals.

.. math:: y(x) = E_\\infty + \\frac{E_0 - E_\\infty}{1 + (x / EC_{50})^{n_H}}

``E0`` is the response without drug, ``E_inf`` the response at saturating
concentration, ``EC50`` the concentration of the half-maximal effect (the
*relative* IC50 of an inhibition curve) and ``n_H > 0`` the Hill slope.  The
maximal effect is ``Emax = E0 - E_inf`` (positive for inhibition).

The fit minimises the sum of squared residuals over ``(E0, E_inf, log10 EC50,
n_H)`` with :func:`scipy.optimize.least_squares` (trust-region reflective,
bounded slope).  Confidence intervals are either

* ``"asymptotic"`` (default): Wald intervals from the covariance
  ``s² (JᵀJ)⁻¹`` at the optimum with Student-t quantiles on ``n - p`` degrees
  of freedom; the EC50 interval is computed on ``log10 EC50`` and transformed
  back, so it is asymmetric and positive; or
* ``"bootstrap"``: residual bootstrap (refit to fitted values plus resampled
  residuals), percentile intervals, deterministic for a ``seed``.

Both describe the scatter of the data around the curve.  For noise-free
simulated responses they measure only how far the simulated curve is from a
Hill curve (zero width if it is one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import FitError

__all__ = ["CI_METHODS", "HillFit", "fit_hill", "hill"]

CI_METHODS = ("asymptotic", "bootstrap")
_SLOPE_BOUNDS = (0.05, 20.0)
_NAMES = ("e0", "e_inf", "ec50", "hill")


def hill(x: ArrayLike, e0: float, e_inf: float, ec50: float, slope: float) -> NDArray[np.float64]:
    """The four-parameter Hill curve at concentrations ``x`` (same unit as ``ec50``; ``x >= 0``)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return e_inf + (e0 - e_inf) / (1.0 + (x / ec50) ** slope)


@dataclass(frozen=True, eq=False)
class HillFit:
    """A fitted Hill curve.

    Attributes
    ----------
    e0, e_inf, ec50, hill : float
        Estimates (``ec50`` in the unit of the concentrations given).
    ci : mapping of str to (float, float)
        Confidence interval of ``e0``, ``e_inf``, ``ec50``, ``hill`` and ``emax``
        (NaN when there are no residual degrees of freedom).
    ci_level : float
    ci_method : str
        ``"asymptotic"`` or ``"bootstrap"``.
    n, dof : int
        Number of points and residual degrees of freedom.
    rss, r_squared : float
        Residual sum of squares and coefficient of determination.
    fixed : tuple of str
        Parameters held at given values (``"e0"``, ``"e_inf"``).
    unit : str
        Unit of concentrations (and of ``ec50``).
    """

    e0: float
    e_inf: float
    ec50: float
    hill: float
    ci: Mapping[str, tuple[float, float]]
    ci_level: float
    ci_method: str
    n: int
    dof: int
    rss: float
    r_squared: float
    fixed: tuple[str, ...] = ()
    unit: str = ""
    x: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0), repr=False)
    y: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def ic50(self) -> float:
        """Same as :attr:`ec50` (the name used for inhibition curves)."""
        return self.ec50

    @property
    def emax(self) -> float:
        """Maximal effect ``E0 - E_inf`` (positive for an inhibitor)."""
        return self.e0 - self.e_inf

    def predict(self, x: ArrayLike) -> NDArray[np.float64]:
        """Fitted response at concentrations ``x``."""
        return hill(x, self.e0, self.e_inf, self.ec50, self.hill)

    def concentration_at(self, response: float) -> float:
        """Concentration giving ``response`` (NaN if the curve never reaches it).

        ``fit.concentration_at(0.5 * fit.e0)`` is the *absolute* IC50 (half of
        the drug-free response), which differs from :attr:`ec50` when the drug
        does not inhibit completely.
        """
        lo, hi = sorted((self.e0, self.e_inf))
        if not lo < response < hi:
            return math.nan
        return float(self.ec50 * ((self.e0 - response) / (response - self.e_inf)) ** (1.0 / self.hill))

    def as_dict(self) -> dict[str, float]:
        """Estimates and interval bounds as a flat mapping (one table row)."""
        out: dict[str, float] = {"e0": self.e0, "e_inf": self.e_inf, "emax": self.emax,
                                 "ec50": self.ec50, "hill": self.hill}
        for name, (lo, hi) in self.ci.items():
            out[f"{name}_lo"] = lo
            out[f"{name}_hi"] = hi
        out.update({"n": self.n, "r_squared": self.r_squared, "ci_level": self.ci_level})
        return out

    def summary(self) -> str:
        """A few lines of text for reports."""
        pct = f"{100 * self.ci_level:g}%"
        unit = f" {self.unit}" if self.unit else ""
        lo, hi = self.ci["ec50"]
        lines = [f"EC50 = {self.ec50:.4g}{unit}  ({pct} CI {lo:.4g}-{hi:.4g}, {self.ci_method})",
                 f"Emax = {self.emax:.4g}  (E0 = {self.e0:.4g}, E_inf = {self.e_inf:.4g})",
                 f"Hill slope = {self.hill:.3g}  (CI {self.ci['hill'][0]:.3g}-{self.ci['hill'][1]:.3g})",
                 f"n = {self.n}, R^2 = {self.r_squared:.5f}"]
        return "\n".join(lines)


def _initial(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float, float]:
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    e0, e_inf = float(ys[0]), float(ys[-1])
    mid = 0.5 * (e0 + e_inf)
    positive = xs > 0
    xp, yp = xs[positive], ys[positive]
    guess = float(np.exp(np.mean(np.log(xp)))) if len(xp) else 1.0
    for i in range(len(yp) - 1):  # first crossing of the midpoint, interpolated in log x
        if (yp[i] - mid) * (yp[i + 1] - mid) <= 0 and yp[i] != yp[i + 1]:
            f = (mid - yp[i]) / (yp[i + 1] - yp[i])
            guess = float(np.exp(np.log(xp[i]) + f * (np.log(xp[i + 1]) - np.log(xp[i]))))
            break
    return e0, e_inf, math.log10(guess), 1.0


def _fit_once(x: NDArray[np.float64], y: NDArray[np.float64], start: NDArray[np.float64], free: NDArray[np.bool_],
              fixed_values: NDArray[np.float64], log_bounds: tuple[float, float]) -> Any:
    from scipy import optimize

    def full(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        out = fixed_values.copy()
        out[free] = theta
        return out

    def residuals(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        e0, e_inf, log_ec50, n_h = full(theta)
        return hill(x, e0, e_inf, 10.0**log_ec50, n_h) - y

    lower = np.array([-np.inf, -np.inf, log_bounds[0], _SLOPE_BOUNDS[0]])[free]
    upper = np.array([np.inf, np.inf, log_bounds[1], _SLOPE_BOUNDS[1]])[free]
    x0 = np.clip(start[free], lower + 1e-12, upper - 1e-12)
    result = optimize.least_squares(residuals, x0, bounds=(lower, upper), method="trf",
                                    x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)
    result.full = full(result.x)
    return result


def fit_hill(
    concentrations: ArrayLike,
    responses: ArrayLike,
    *,
    e0: float | None = None,
    e_inf: float | None = None,
    ci: float = 0.95,
    ci_method: str = "asymptotic",
    n_boot: int = 1000,
    seed: int | None = None,
    unit: str = "",
) -> HillFit:
    """Fit the four-parameter Hill model to a concentration–response series.

    Parameters
    ----------
    concentrations : array, shape (n,)
        Non-negative concentrations or doses (0 is the drug-free control).
    responses : array, shape (n,)
        Responses (any unit; e.g. fraction of baseline).
    e0, e_inf : float, optional
        Hold the drug-free or saturating response at this value (e.g. ``e0=1``
        for responses normalised to the control) instead of fitting it.
    ci : float
        Confidence level of the intervals, in (0, 1).
    ci_method : {"asymptotic", "bootstrap"}
        See the module docstring.
    n_boot : int
        Bootstrap refits (``ci_method="bootstrap"``).
    seed : int, optional
        Seed of the bootstrap resampling (required for it).
    unit : str
        Unit of ``concentrations``, carried into the result.

    Returns
    -------
    HillFit

    Raises
    ------
    FitError
        Fewer points than free parameters, no positive concentration, or no
        convergence.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(0.01, 100, 9)
    >>> fit = fit_hill(x, hill(x, 1.0, 0.1, 2.0, 1.3))
    >>> round(fit.ec50, 6), round(fit.hill, 6)
    (2.0, 1.3)
    """
    x = np.asarray(concentrations, dtype=float).ravel()
    y = np.asarray(responses, dtype=float).ravel()
    if x.shape != y.shape:
        raise FitError("Hill model", f"{len(x)} concentrations but {len(y)} responses")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if (x < 0).any():
        raise FitError("Hill model", "concentrations must not be negative")
    if ci_method not in CI_METHODS:
        raise FitError("Hill model", f"unknown ci_method {ci_method!r}", f"use one of {', '.join(CI_METHODS)}")
    if not 0 < ci < 1:
        raise FitError("Hill model", f"`ci` must be in (0, 1), got {ci!r}")
    free = np.array([e0 is None, e_inf is None, True, True])
    k = int(free.sum())
    positive = x[x > 0]
    if len(np.unique(positive)) < 2 or len(x) < k:
        raise FitError("Hill model", f"{len(x)} usable points ({len(np.unique(positive))} distinct positive "
                       f"concentrations) for {k} free parameters", "add concentrations spanning the response")
    guess = np.array(_initial(x, y), dtype=float)
    fixed_values = guess.copy()
    if e0 is not None:
        fixed_values[0] = guess[0] = float(e0)
    if e_inf is not None:
        fixed_values[1] = guess[1] = float(e_inf)
    span = (math.log10(positive.min()) - 4.0, math.log10(positive.max()) + 4.0)
    result = _fit_once(x, y, guess, free, fixed_values, span)
    if not result.success:
        raise FitError("Hill model", result.message, "check the data span both plateaus of the curve")
    theta = result.full
    resid = result.fun
    rss = float(resid @ resid)
    dof = len(x) - k
    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - rss / tss if tss > 0 else (1.0 if rss == 0 else math.nan)
    alpha = 1.0 - ci
    if ci_method == "asymptotic":
        bounds = _asymptotic(result.jac, rss, dof, alpha, theta, free)
    else:
        if seed is None:
            raise FitError("Hill model", "a bootstrap needs a `seed` so the intervals are reproducible")
        bounds = _bootstrap(x, y, theta, resid, free, fixed_values, span, alpha, n_boot, seed)
    return HillFit(float(theta[0]), float(theta[1]), float(10.0 ** theta[2]), float(theta[3]), bounds, ci,
                   ci_method, len(x), dof, rss, r2, tuple(n for n, f in zip(("e0", "e_inf"), free[:2], strict=True)
                                                          if not f), unit, x, y)


def _asymptotic(jac: NDArray[np.float64], rss: float, dof: int, alpha: float, theta: NDArray[np.float64],
                free: NDArray[np.bool_]) -> dict[str, tuple[float, float]]:
    se = np.full(4, np.nan)
    cov_emax = math.nan
    if dof > 0:
        s2 = rss / dof
        jtj_inv = np.linalg.pinv(jac.T @ jac)
        cov = np.zeros((4, 4))
        cov[np.ix_(free, free)] = s2 * jtj_inv
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        se[~free] = 0.0
        # Emax = E0 - E_inf: var = var(E0) + var(E_inf) - 2 cov
        cov_emax = math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))
    from scipy import stats

    q = stats.t.ppf(1 - alpha / 2, dof) if dof > 0 else math.nan
    out = {}
    for i, name in enumerate(_NAMES):
        lo, hi = theta[i] - q * se[i], theta[i] + q * se[i]
        out[name] = (10.0**lo, 10.0**hi) if name == "ec50" else (lo, hi)
    emax = theta[0] - theta[1]
    out["emax"] = (emax - q * cov_emax, emax + q * cov_emax)
    return {k: (float(a), float(b)) for k, (a, b) in out.items()}


def _bootstrap(x: NDArray[np.float64], y: NDArray[np.float64], theta: NDArray[np.float64], resid: NDArray[np.float64],
               free: NDArray[np.bool_], fixed_values: NDArray[np.float64], span: tuple[float, float], alpha: float,
               n_boot: int, seed: int) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(seed)
    fitted = hill(x, theta[0], theta[1], 10.0 ** theta[2], theta[3])
    observed = y - fitted  # `resid` is fitted - y
    draws = []
    for _ in range(int(n_boot)):
        y_star = fitted + rng.choice(observed, size=len(observed), replace=True)
        res = _fit_once(x, y_star, theta, free, fixed_values, span)
        if res.success:
            draws.append(res.full)
    if len(draws) < max(10, n_boot // 2):
        raise FitError("Hill model", f"only {len(draws)} of {n_boot} bootstrap refits converged")
    d = np.array(draws)
    table = {"e0": d[:, 0], "e_inf": d[:, 1], "ec50": 10.0 ** d[:, 2], "hill": d[:, 3], "emax": d[:, 0] - d[:, 1]}
    return {k: (float(np.quantile(v, alpha / 2)), float(np.quantile(v, 1 - alpha / 2))) for k, v in table.items()}
