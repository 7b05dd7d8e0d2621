"""Generated code against hand-written right-hand sides and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from hand_written import HAND_WRITTEN
from mtorsim.codegen import emit_module

MODELS = sorted(HAND_WRITTEN)


def _random_state(compiled, rng, scale=1.0):
    # positive states spanning orders of magnitude around the model's own scale
    base = np.maximum(compiled.default_state, 1.0)
    return base * scale * 10 ** rng.uniform(-1.5, 1.0, compiled.n_states)


def _params(compiled, rng):
    p = compiled.parameters()
    if "infusion_rate" in compiled.parameter_names:
        p[compiled.parameter_index("infusion_rate")] = 50.0
    if "eve_medium" in compiled.parameter_names:
        p[compiled.parameter_index("eve_medium")] = 3.0
    return p


@pytest.mark.parametrize("name", MODELS)
def test_generated_rhs_equals_hand_written(name, compile_ok, rng):
    compiled = compile_ok(name)
    hand = HAND_WRITTEN[name]
    p = _params(compiled, rng)
    named = dict(zip(compiled.parameter_names, p, strict=True))
    out = np.empty(compiled.n_states)
    for trial in range(20):
        y = _random_state(compiled, rng)
        t = float(rng.uniform(0, 30))
        compiled.rhs(t, y, p, out)
        np.testing.assert_allclose(out, hand(t, y, named), rtol=1e-12, atol=1e-12 * np.abs(out).max(),
                                   err_msg=f"{name}, trial {trial}")


@pytest.mark.parametrize("name", MODELS)
def test_jacobian_equals_central_difference(name, compile_ok, rng):
    compiled = compile_ok(name)
    p = _params(compiled, rng)
    n = compiled.n_states
    J = np.empty((n, n))
    f_plus, f_minus = np.empty(n), np.empty(n)
    for _ in range(5):
        y = _random_state(compiled, rng)
        t = float(rng.uniform(0, 30))
        compiled.jac(t, y, p, J)
        fd = np.empty((n, n))
        for k in range(n):
            h = 1e-6 * max(abs(y[k]), 1e-3)
            yp, ym = y.copy(), y.copy()
            yp[k] += h
            ym[k] -= h
            compiled.rhs(t, yp, p, f_plus)
            compiled.rhs(t, ym, p, f_minus)
            fd[:, k] = (f_plus - f_minus) / (2 * h)
        scale = np.abs(fd).max(axis=1, keepdims=True) + 1e-300
        np.testing.assert_allclose(J / scale, fd / scale, atol=2e-6)


@pytest.mark.parametrize("name", MODELS)
def test_sparse_jacobian_matches_dense(name, compile_ok, rng):
    compiled = compile_ok(name)
    p = _params(compiled, rng)
    n = compiled.n_states
    y = _random_state(compiled, rng)
    dense = np.empty((n, n))
    compiled.jac(1.0, y, p, dense)
    data = np.empty(len(compiled.jac_rows))
    compiled.jac_sparse(1.0, y, p, data)
    rebuilt = np.zeros((n, n))
    rebuilt[compiled.jac_rows, compiled.jac_cols] = data
    np.testing.assert_array_equal(rebuilt, dense)
    # every entry outside the pattern is structurally zero
    mask = np.ones((n, n), bool)
    mask[compiled.jac_rows, compiled.jac_cols] = False
    assert not dense[mask].any()


def test_observables_and_derived_parameters(compile_ok):
    compiled = compile_ok("enzyme")
    p = compiled.parameters({"kon": "2e-3 1/nM/s"})
    assert p[compiled.parameter_index("koff")] == pytest.approx(2e-3 * 3600 * 50)  # derive() ran
    y = np.array([4.0, 100.0, 6.0, 300.0])
    out = np.empty(compiled.n_outputs)
    compiled.observe(0.0, y, p, out)
    assert out[compiled.output_index("product_fraction")] == pytest.approx(100 * 300 / 406)  # percent
    assert out[compiled.output_index("free_enzyme")] == pytest.approx(0.4)


def test_emitted_source_is_deterministic_and_has_no_parameter_literals(compile_ok):
    compiled = compile_ok("enzyme")
    src1 = emit_module(compiled.network, "k")
    src2 = emit_module(compiled.network, "k")
    assert src1 == src2
    body = src1.split("def rates", 1)[1]
    for value in (3.6, 50.0, 600.0):  # parameter values never appear in code
        assert repr(value) not in body


@pytest.mark.parametrize("name", [*MODELS, "pi3k_akt_mtor"])
def test_functions_split_into_parts_compute_the_same_values(name, compile_ok, rng):
    # large models get their long functions split (numba compiles short functions much faster);
    # small chunks force the split on small models, which must not change any value
    compiled = compile_ok(name)
    whole, split = {}, {}
    exec(compile(emit_module(compiled.network), "<whole>", "exec"), whole)  # noqa: S102 - our generated code
    exec(compile(emit_module(compiled.network, chunk=2, split_above=2, rhs_split_above=2), "<split>", "exec"), split)  # noqa: S102
    assert whole["HELPERS"] == ()
    if whole["N_FLUXES"] > 2:
        assert "rhs_part1" in split["HELPERS"] and "rhs_part0" in split["rhs"].__code__.co_names
    p = _params(compiled, rng)
    sizes = {"rates": whole["N_FLUXES"], "rhs": compiled.n_states, "observe": compiled.n_outputs}
    for _ in range(3):
        y = _random_state(compiled, rng)
        for fn, size in sizes.items():
            a, b = np.empty(size), np.empty(size)
            whole[fn](2.5, y, p, a)
            split[fn](2.5, y, p, b)
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300, err_msg=f"{name}: {fn}")
        a, b = np.empty(whole["JAC_NNZ"]), np.empty(whole["JAC_NNZ"])
        whole["jac_sparse"](2.5, y, p, a)
        split["jac_sparse"](2.5, y, p, b)
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300, err_msg=f"{name}: jac_sparse")
