"""Parameter spaces: distributions, samplers (grid, Latin hypercube, Sobol), binding to a model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import mtorsim as mt
from mtorsim.sweeps import LogNormal, Normal, ParameterSamples, ParameterSpace, Uniform, Values


def test_grid_is_full_factorial_with_last_parameter_fastest():
    space = ParameterSpace([Uniform("a", 0, 1), Values("b", [10, 20, 30])])
    samples = space.grid(2)
    assert samples.grid_shape == (2, 3)
    assert samples.values.tolist() == [[0, 10], [0, 20], [0, 30], [1, 10], [1, 20], [1, 30]]


def test_log_grid_is_geometric_and_levels_per_parameter():
    space = ParameterSpace([Uniform("a", 1, 100, scale="log"), Uniform("b", 0, 1)])
    samples = space.grid({"a": 3, "b": 2})
    assert np.allclose(np.unique(samples.values[:, 0]), [1, 10, 100])
    assert samples.values.shape == (6, 2)


def test_latin_hypercube_puts_one_point_in_each_stratum_and_is_deterministic():
    space = ParameterSpace([Uniform("a", 0, 1), Uniform("b", -2, 2)])
    s1 = space.latin_hypercube(16, seed=7)
    s2 = space.latin_hypercube(16, seed=7)
    s3 = space.latin_hypercube(16, seed=8)
    assert np.array_equal(s1.values, s2.values)
    assert not np.array_equal(s1.values, s3.values)
    for j, (lo, hi) in enumerate([(0, 1), (-2, 2)]):
        strata = np.floor((s1.values[:, j] - lo) / (hi - lo) * 16).astype(int)
        assert sorted(strata) == list(range(16))


def test_sobol_needs_a_power_of_two_and_is_deterministic():
    space = ParameterSpace([Uniform("a", 0, 1)])
    assert np.array_equal(space.sobol(8, seed=1).values, space.sobol(8, seed=1).values)
    with pytest.raises(mt.SweepError, match="power of two"):
        space.sobol(10, seed=1)


def test_distributions_map_quantiles_through_their_inverse_cdf():
    u = np.array([0.1, 0.5, 0.9])
    assert np.allclose(Uniform("a", 1, 100, scale="log").ppf(u), 10 ** (2 * u))
    assert np.allclose(Normal("b", 5, 2).ppf(u), stats.norm(5, 2).ppf(u))
    assert np.allclose(LogNormal("c", 3, 0.4).ppf(u), 3 * np.exp(0.4 * stats.norm.ppf(u)))
    truncated = Normal("d", 0, 1, low=0).ppf(np.linspace(0.001, 0.999, 50))
    assert (truncated >= 0).all()
    assert Values("e", [1, 2, 3]).ppf(np.array([0.0, 0.5, 0.999])).tolist() == [1, 2, 3]


def test_quantity_bounds_share_one_unit():
    dim = Uniform("Kd_FRB", "1 nM", "0.1 uM", scale="log")
    assert dim.unit == "nM"
    assert (dim.low, dim.high) == pytest.approx((1.0, 100.0))


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: Uniform("a", 5, 5), "a.high"),
        (lambda: Uniform("a", 0, 1, scale="log"), "a.low"),
        (lambda: Normal("a", 1, 0), "a.sd"),
        (lambda: LogNormal("a", -1, 0.3), "a.median"),
        (lambda: Values("a", []), "a.values"),
        (lambda: Uniform("a", "1 nM", "1 h"), "a.high"),
        (lambda: ParameterSpace([Uniform("a", 0, 1), Uniform("a", 1, 2)]), "dimensions"),
    ],
)
def test_invalid_spaces_raise_sweep_errors_naming_the_field(make, argument):
    with pytest.raises(mt.SweepError) as info:
        make()
    assert info.value.argument == argument


def test_binding_converts_to_canonical_units_and_checks_names(compile_ok):
    compiled = compile_ok("rapalog_minimal")
    samples = ParameterSamples(("Kd_FRB", "kcat_S6K1"), [[0.5, 0.3]], ("uM", None))
    index, canonical, units = samples.bind(compiled)
    assert index.tolist() == [compiled.parameter_index("Kd_FRB"), compiled.parameter_index("kcat_S6K1")]
    assert canonical[0, 0] == pytest.approx(500.0)  # nM
    # 0.3 1/min/nM in canonical 1/h/nM
    assert canonical[0, 1] == pytest.approx(18.0)
    assert units[0] == "uM"
    with pytest.raises(mt.UnknownNameError):
        ParameterSamples(("Kd_FRBX",), [[1.0]], (None,)).bind(compiled)
    with pytest.raises(mt.SweepError, match="derived"):
        ParameterSamples(("koff_FRB",), [[1.0]], (None,)).bind(compiled)
    with pytest.raises(mt.SweepError, match="does not match"):
        ParameterSamples(("Kd_FRB",), [[1.0]], ("h",)).bind(compiled)


def test_samples_reject_non_finite_values():
    with pytest.raises(mt.SweepError, match="finite"):
        ParameterSamples(("a",), [[math.nan]], (None,))
