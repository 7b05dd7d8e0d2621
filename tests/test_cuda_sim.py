"""The CUDA backend: its kernel under numba's CUDA simulator against the native CPU backend.

No GPU is needed.  The simulator (``NUMBA_ENABLE_CUDASIM=1``) has to be switched on
before numba is imported, so the CUDA side runs in a subprocess
(``tests/cuda_sim_cases.py``) and never leaks into this process.  It executes the
kernel's Python with one Python thread per run: slow, so the batches are small.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mtorsim as mt
from mtorsim.errors import BackendUnavailableError, MtorsimError, Status
from mtorsim.native import simulate_batch
from mtorsim.native.cuda_batch import cuda_available, gpu_present, resolve_backend

HERE = Path(__file__).parent
SRC = HERE.parent / "src"


def _load_cases():
    spec = importlib.util.spec_from_file_location("cuda_sim_cases", HERE / "cuda_sim_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _load_cases()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(native, cuda) outputs of every case; the CUDA side from a simulator subprocess."""
    folder = tmp_path_factory.mktemp("cuda_sim")
    y_ss = cases.steady_state(mt.compile_model("pi3k_akt_mtor"))
    np.savez(folder / "in.npz", y_ss=y_ss)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1",
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(HERE / "cuda_sim_cases.py"), str(folder / "in.npz"),
                           str(folder / "out.npz")], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    gpu = dict(np.load(folder / "out.npz"))
    native = cases.run_cases(y_ss, "native")
    return native, gpu


def test_simulator_ran_the_cuda_kernel(both):
    _, gpu = both
    assert bool(gpu["bundled/simulator"]) and bool(gpu["rober/simulator"])
    assert int(gpu["bundled/launches"]) == 1 and int(gpu["rober/launches"]) == 2  # rober: chunks of 2


@pytest.mark.parametrize("case", ["bundled", "rober"])
def test_cuda_matches_native(both, case):
    native, gpu = both
    np.testing.assert_array_equal(gpu[f"{case}/status"], native[f"{case}/status"])
    ok = native[f"{case}/status"] == 0
    assert ok.sum() >= 2
    # same algorithm, same arithmetic order: agreement far inside the tolerances (rtol 1e-6)
    np.testing.assert_allclose(gpu[f"{case}/observables"][ok], native[f"{case}/observables"][ok],
                               rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(gpu[f"{case}/metrics"][ok], native[f"{case}/metrics"][ok], rtol=1e-9, atol=1e-15)
    # the same steps: counters within 1 % (identical unless a libm call differs in the last bit)
    s_gpu, s_cpu = gpu[f"{case}/stats"].astype(float), native[f"{case}/stats"].astype(float)
    np.testing.assert_allclose(s_gpu, s_cpu, rtol=0.01)
    assert np.all(native[f"{case}/stats"][:, 0] > 10)


def test_dosed_bundled_runs_respond_to_their_dose(both):
    native, gpu = both
    auc = gpu["bundled/metrics"][:, 0]  # everolimus blood AUC, runs scaled 1, 0.5, 2
    assert auc[1] < auc[0] < auc[2]
    assert np.all(auc > 0)


def test_failing_run_reports_its_status_and_leaves_the_others(both):
    native, gpu = both
    status = gpu["rober/status"]
    assert status[1] == int(Status.MAX_STEPS)
    assert status[0] == status[2] == int(Status.SUCCESS)
    assert gpu["rober/stats"][1, 0] == cases.FAILING_MAX_STEPS
    np.testing.assert_allclose(gpu["rober/t_fail"][1], native["rober/t_fail"][1], rtol=1e-12)
    assert 0 < gpu["rober/t_fail"][1] < 1e4
    assert np.isnan(gpu["rober/metrics"][1]).all()
    assert np.isnan(gpu["rober/observables"][1, -1]).all()
    assert np.isnan(gpu["rober/t_fail"][[0, 2]]).all()


def test_rober_conserves_mass_on_the_device(both):
    _, gpu = both
    total = gpu["rober/observables"][[0, 2]].sum(axis=2)
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)


# ------------------------------------------------------------------ backend choice (this process)
def test_cuda_without_a_gpu_is_a_clear_error():
    if cuda_available():
        pytest.skip("a GPU (or the CUDA simulator) is available in this process")
    c = mt.compile_model(mt.load_model(cases.ROBER))
    with pytest.raises(BackendUnavailableError) as info:
        simulate_batch(c, c.default_parameters[None], None, np.array([0.0, 1.0]), backend="cuda",
                       progress=False)
    err = info.value
    assert isinstance(err, MtorsimError) and isinstance(err, RuntimeError)
    assert err.backend == "cuda" and err.where == "simulate_batch"
    text = str(err)
    assert "no usable NVIDIA GPU" in text and "backend='native'" in text and "NUMBA_ENABLE_CUDASIM" in text


def test_backend_names():
    assert resolve_backend("native") == "native"
    assert resolve_backend("auto") == ("cuda" if gpu_present() else "native")
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("opencl")


def test_auto_without_a_gpu_runs_native():
    if cuda_available():
        pytest.skip("a GPU (or the CUDA simulator) is available in this process")
    c = mt.compile_model(mt.load_model(cases.ROBER))
    t = np.array([0.0, 1.0, 10.0])
    a = simulate_batch(c, c.default_parameters[None], None, t, backend="auto", progress=False)
    b = simulate_batch(c, c.default_parameters[None], None, t, backend="native", progress=False)
    np.testing.assert_array_equal(a.observables, b.observables)
    assert a.info.get("backend", "native") == "native"


def _nvvm_available() -> bool:
    try:
        from numba.cuda.cudadrv.nvvm import NVVM

        NVVM()
        return True
    except Exception:  # noqa: BLE001 - no libNVVM: nothing to compile with
        return False


@pytest.mark.skipif(not _nvvm_available(), reason="libNVVM (CUDA toolkit) not installed")
def test_kernel_compiles_for_a_real_gpu_without_one():
    """numba.cuda types and lowers the whole kernel to PTX for sm_90 (the simulator never compiles)."""
    from mtorsim.native.cuda_batch import kernel_ptx

    c = mt.compile_model(mt.load_model(cases.ROBER))
    ptx = kernel_ptx(c, cc=(9, 0))
    assert ".target sm_90" in ptx
    assert ".entry" in ptx and "batch_kernel" in ptx


def test_chunks_fit_half_the_free_device_memory():
    from mtorsim.native.cuda_batch import chunk_runs

    per_run = 60_000  # bytes: about the bundled model's work arrays and metric columns
    free = 80 * 2**30
    chunk = chunk_runs(10**6, per_run, free, 64, 0.5, None)
    assert chunk % 64 == 0 and chunk * per_run <= 0.5 * free < (chunk + 64) * per_run
    assert chunk_runs(1000, per_run, free, 64, 0.5, None) == 1000  # everything fits: one launch
    assert chunk_runs(10**6, per_run, 10 * per_run, 64, 0.5, None) == 5  # less than a block fits
    assert chunk_runs(10**6, per_run, 1.0, 64, 0.5, None) == 1  # never zero
    assert chunk_runs(500, per_run, float("inf"), 64, 0.5, None) == 500  # the simulator: unlimited
    assert chunk_runs(500, per_run, free, 64, 0.5, 128) == 128  # chunk_size wins
    assert chunk_runs(100, per_run, free, 64, 0.5, 10**9) == 100


def test_work_arrays_put_the_run_index_last():
    from mtorsim.native.cuda_kernel import bytes_per_run, work_shapes

    shapes = work_shapes(50, 120, 120, 45, 28, 673, 2, 256, nnz=270, njac=224)
    assert all(shape[-1] == 256 for shape, _ in shapes.values())
    assert shapes["jd"][0] == (224, 256) and shapes["m"][0] == (50, 50, 256) and shapes["w"][0][1] == 50
    assert shapes["mv"][0] == (270 + 50, 256)  # the factors' values and a solve's scratch
    assert shapes["piv"][0] == (3 * 50 + 1 + 50 * 50, 256)  # pivots and the LU factors' pattern
    one = bytes_per_run(work_shapes(50, 120, 120, 45, 28, 673, 2, 1, nnz=270, njac=224))
    assert one == 8 * sum(np.prod(s[:-1]) for s, _ in shapes.values())
