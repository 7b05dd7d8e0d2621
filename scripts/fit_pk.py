"""Fit the free PK parameters of models/pi3k_akt_mtor.yaml to the reference rows they serve.

Run ``python scripts/fit_pk.py`` to print the fitted values; the model file quotes them
(rounded) with ``source: "fit: scripts/fit_pk.py, ..."``, and
``tests/test_validation_cases.py`` checks that the quoted values still match.

The fits use the closed-form two-compartment solution (no simulator involved), so they
are independent of the model code they calibrate:

* everolimus CL/F: geometric mean of the published CL/F estimates 17.4 L/h (de Wit 2016,
  EVE-PK-19), 25.3 L/h (EVE-PK-09, from the de Wit 2016 AUC) and 19.4 L/h (EVE-PK-13);
  V2/F so that the terminal half-life is 30 h (O'Donnell 2008, EVE-PK-01), with de Wit's
  V1/F and Q/F.
* temsirolimus V1 and Q: Cmax 585 ng/mL at the end of a 30-min 25 mg infusion (TEM-PK-01)
  and terminal half-life 17.3 h (TEM-PK-03), with the label's CL 16.2 L/h and Vss 172 L.
* sirolimus CL and V: AUC 3810 ng*h/mL after 25 mg temsirolimus (CPD-07) assuming all
  temsirolimus clearance forms sirolimus, and half-life 54.6 h (TEM-PK-04); oral
  bioavailability from CL/F 278 mL/h/kg (Brattstrom 2000, 70 kg) and ka from tmax 1.4 h.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, least_squares

MW_TEMSIROLIMUS = 1030.29  # g/mol
MW_SIROLIMUS = 914.17  # g/mol


def two_compartment_rates(cl: float, v1: float, q: float, v2: float) -> tuple[float, float]:
    """Disposition eigenvalues (beta, alpha) in 1/h of a two-compartment model."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    d = math.sqrt(s * s - 4.0 * k10 * k21)
    return (s - d) / 2.0, (s + d) / 2.0


def infusion_end_concentration(dose: float, t_inf: float, cl: float, v1: float, q: float, v2: float) -> float:
    """Central concentration at the end of a zero-order infusion (dose/volume units)."""
    beta, alpha = two_compartment_rates(cl, v1, q, v2)
    k21 = q / v2
    rate = dose / t_inf
    a = (alpha - k21) / (v1 * (alpha - beta))
    b = (k21 - beta) / (v1 * (alpha - beta))
    return rate * (a / alpha * (1 - math.exp(-alpha * t_inf)) + b / beta * (1 - math.exp(-beta * t_inf)))


def fit_everolimus() -> dict[str, float]:
    cl = (17.4 * 25.3 * 19.4) ** (1.0 / 3.0)
    v1, q = 25.2, 51.1
    v2 = brentq(lambda v: math.log(2) / two_compartment_rates(cl, v1, q, v)[0] - 30.0, 50.0, 5000.0)
    return {"CL_eve [L/h]": cl, "V2_eve [L]": v2}


def fit_temsirolimus() -> dict[str, float]:
    cl, vss, dose_ug = 16.2, 172.0, 25000.0

    def residuals(x: np.ndarray) -> list[float]:
        v1, q = x
        cmax = infusion_end_concentration(dose_ug, 0.5, cl, v1, q, vss - v1)  # ug/L = ng/mL
        half_life = math.log(2) / two_compartment_rates(cl, v1, q, vss - v1)[0]
        return [math.log(cmax / 585.0), math.log(half_life / 17.3)]

    fit = least_squares(residuals, [40.0, 30.0], bounds=([5.0, 0.5], [160.0, 500.0]), xtol=1e-12, ftol=1e-12)
    v1, q = fit.x
    return {"V1_tem [L]": float(v1), "Q_tem [L/h]": float(q)}


def fit_sirolimus() -> dict[str, float]:
    dose_sir_mg = 25.0 / MW_TEMSIROLIMUS * MW_SIROLIMUS  # all of 25 mg temsirolimus, as sirolimus
    cl = dose_sir_mg / 3.810  # mg / (mg*h/L)
    v = cl * 54.6 / math.log(2)
    k = cl / v
    ka = brentq(lambda ka: math.log(ka / k) / (ka - k) - 1.4, 0.1, 100.0)
    f_oral = cl / (0.278 * 70.0)
    return {"CL_sir [L/h]": cl, "V_sir [L]": v, "ka_sir [1/h]": ka, "F_sir": f_oral}


def fitted_values() -> dict[str, float]:
    """Every fitted PK value, keyed ``"name [unit]"``."""
    return {**fit_everolimus(), **fit_temsirolimus(), **fit_sirolimus()}


if __name__ == "__main__":
    for name, value in fitted_values().items():
        print(f"{name:>16} = {value:.4g}")
