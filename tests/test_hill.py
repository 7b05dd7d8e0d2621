"""Four-parameter Hill fits: exact recovery, intervals that cover, fixed plateaus, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.analysis import fit_hill, hill

X = np.geomspace(0.01, 100, 11)


@pytest.mark.parametrize("e0, e_inf, ec50, slope", [(1.0, 0.1, 2.0, 1.3), (0.2, 3.0, 0.05, 0.7), (50, 0, 30, 2.5)])
def test_exact_data_recovers_the_parameters(e0, e_inf, ec50, slope):
    fit = fit_hill(X, hill(X, e0, e_inf, ec50, slope))
    assert (fit.e0, fit.e_inf, fit.ec50, fit.hill) == pytest.approx((e0, e_inf, ec50, slope), rel=1e-6, abs=1e-9)
    assert fit.emax == pytest.approx(e0 - e_inf)
    assert fit.r_squared == pytest.approx(1.0)


def test_noisy_data_recovers_the_parameters_within_their_intervals(rng):
    truth = dict(e0=1.0, e_inf=0.15, ec50=0.8, slope=1.1)
    y = hill(X, **truth) + rng.normal(0, 0.02, X.size)
    fit = fit_hill(X, y)
    for name, value in (("e0", 1.0), ("e_inf", 0.15), ("ec50", 0.8), ("hill", 1.1)):
        lo, hi = fit.ci[name]
        assert lo < value < hi, name
    lo, hi = fit.ci["ec50"]
    assert lo > 0 and math.log(hi / fit.ec50) == pytest.approx(math.log(fit.ec50 / lo), rel=1e-9)  # symmetric in log


def test_asymptotic_intervals_have_their_nominal_coverage():
    rng = np.random.default_rng(123)
    truth = hill(X, 1.0, 0.1, 2.0, 1.3)
    n, covered = 200, 0
    for _ in range(n):
        lo, hi = fit_hill(X, truth + rng.normal(0, 0.03, X.size)).ci["ec50"]
        covered += lo <= 2.0 <= hi
    # 95 % intervals: a binomial(200, 0.95) count lies in [180, 199] with probability > 0.999
    assert 180 <= covered <= 199


def test_bootstrap_intervals_are_reproducible_for_a_seed(rng):
    y = hill(X, 1.0, 0.2, 1.0, 1.0) + rng.normal(0, 0.02, X.size)
    a = fit_hill(X, y, ci_method="bootstrap", seed=4, n_boot=100)
    b = fit_hill(X, y, ci_method="bootstrap", seed=4, n_boot=100)
    assert a.ci == b.ci
    assert a.ci["ec50"][0] < a.ec50 < a.ci["ec50"][1]
    with pytest.raises(mt.FitError, match="seed"):
        fit_hill(X, y, ci_method="bootstrap")


def test_fixed_baseline_and_inverse():
    x = np.r_[0.0, X]
    fit = fit_hill(x, hill(x, 1.0, 0.3, 5.0, 2.0), e0=1.0)
    assert fit.fixed == ("e0",) and fit.e0 == 1.0
    assert fit.ec50 == pytest.approx(5.0, rel=1e-6)
    # absolute IC50: 0.3 + 0.7 / (1 + (x/5)^2) = 0.5 where (x/5)^2 = 2.5
    assert fit.concentration_at(0.5) == pytest.approx(5.0 * math.sqrt(2.5), rel=1e-6)
    assert math.isnan(fit.concentration_at(0.2))  # below E_inf: never reached


def test_too_little_data_is_a_fit_error():
    with pytest.raises(mt.FitError, match="free parameters"):
        fit_hill([1, 2, 3], [1, 0.5, 0.2])
    with pytest.raises(mt.FitError, match="negative"):
        fit_hill([-1, 1, 2, 3, 4], [1, 1, 0.5, 0.2, 0.1])
