"""Sweeps on the native backend: same answers as the scipy backend, resumable, chosen by default."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import mtorsim as mt
from mtorsim.errors import SweepError
from mtorsim.metrics import Metric
from mtorsim.sweeps import Backend, ParameterSpace, Uniform, load_sweep_config, sweep
from test_sweep_resume import CrashAfter

METRICS = [Metric.auc("everolimus_blood_ng_mL"), Metric.min("pS6K1", relative=True),
           Metric.time_below("pS6K1", 0.6, relative=True), Metric.max("pAKT_S473", relative=True)]


def arguments(model) -> dict:
    space = ParameterSpace([Uniform("CL_eve", 10, 30), Uniform("ka_eve", 0.3, 1.2)])
    return dict(model=model, metrics=METRICS,
                regimens={"daily": mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=3)},
                doses=[0.5, 2.0], parameters=space.latin_hypercube(3, seed=5), t_end="72 h", n_points=73,
                rtol=1e-7, atol=1e-10, progress=False)


@pytest.fixture(scope="module")
def model(compile_ok):
    return compile_ok("pi3k_akt_mtor")


def test_native_sweep_matches_scipy_sweep(model):
    args = arguments(model)
    native = sweep(**args, backend="native", chunk_size=4)
    scipy = sweep(**args, backend="scipy", method="BDF")
    assert native.design.options.backend is Backend.NATIVE
    assert (native.table["status"] == "SUCCESS").all() and (scipy.table["status"] == "SUCCESS").all()
    for m in METRICS:
        np.testing.assert_allclose(native.table[m.name], scipy.table[m.name], rtol=1e-4, atol=1e-4, err_msg=m.name)


def test_auto_backend_is_native_unless_a_metric_reads_a_parameter(model):
    args = arguments(model)
    design = mt.sweeps.SweepDesign.build(model, **{k: v for k, v in args.items() if k not in ("model", "progress")})
    assert design.options.backend is Backend.NATIVE
    args["metrics"] = [*METRICS, Metric.max("CL_eve")]
    design = mt.sweeps.SweepDesign.build(model, **{k: v for k, v in args.items() if k not in ("model", "progress")})
    assert design.options.backend is Backend.SCIPY
    with pytest.raises(SweepError, match="native backend"):
        mt.sweeps.SweepDesign.build(model, backend="native",
                                    **{k: v for k, v in args.items() if k not in ("model", "progress")})


def test_native_sweep_resumes_after_a_crash(model, tmp_path):
    args = arguments(model)
    reference = sweep(**args, backend="native", chunk_size=2).table
    store = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        sweep(**args, backend="native", chunk_size=2, store=store, executor=CrashAfter(1))
    resumed = sweep(**args, backend="native", chunk_size=2, store=store)
    assert resumed.n_computed == len(reference) - 2
    pd.testing.assert_frame_equal(resumed.table, reference)


def test_sweep_file_chooses_the_backend(tmp_path, cache_dir):
    text = textwrap.dedent("""
        model: rapalog_minimal
        t_end: 24 h
        n_points: 25
        solver: {backend: scipy, rtol: 1e-6}
        regimens:
          one: [{drug: everolimus, dose: 10 mg}]
        metrics:
          - min(pS6K1, relative)
    """)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert load_sweep_config(path, cache_dir=cache_dir).design.options.backend is Backend.SCIPY
    assert load_sweep_config(path, cache_dir=cache_dir, backend="native").design.options.backend is Backend.NATIVE
    path.write_text(text.replace("backend: scipy", "backend: fortran"))
    with pytest.raises(mt.ConfigError, match="backend"):
        load_sweep_config(path, cache_dir=cache_dir)


def test_cuda_backend_is_chosen_on_a_gpu_and_refused_clearly_without_one(model, monkeypatch):
    from mtorsim.errors import BackendUnavailableError
    from mtorsim.sweeps import design as design_module
    from mtorsim.sweeps import engine

    kwargs = {k: v for k, v in arguments(model).items() if k not in ("model", "progress")}
    with pytest.raises(BackendUnavailableError, match="backend='native'"):
        mt.sweeps.SweepDesign.build(model, backend="cuda", **kwargs)
    # with a GPU present, auto takes it (and a native method keeps the CPU stepper)
    monkeypatch.setattr(engine, "gpu_present", lambda: True)
    monkeypatch.setattr(design_module, "resolve_backend", lambda backend, where: backend)
    assert mt.sweeps.SweepDesign.build(model, **kwargs).options.backend is Backend.CUDA
    assert mt.sweeps.SweepDesign.build(model, method="native", **kwargs).options.backend is Backend.NATIVE
