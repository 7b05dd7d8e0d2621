"""Batches run on both the native CPU backend and the CUDA kernel (under numba's simulator).

Imported by ``tests/test_cuda_sim.py`` for the native side and run as a script, in a
subprocess with ``NUMBA_ENABLE_CUDASIM=1``, for the CUDA side::

    NUMBA_ENABLE_CUDASIM=1 python tests/cuda_sim_cases.py inputs.npz outputs.npz

The simulator must be switched on before numba is first imported, and only in
that process, so it never leaks into other tests.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import mtorsim as mt
from mtorsim.metrics import Metric
from mtorsim.native import simulate_batch

HERE = Path(__file__).parent
ROBER = HERE / "data" / "models" / "cuda" / "rober_cuda.yaml"

#: Steps allowed to the run of the stiff batch that must fail.
FAILING_MAX_STEPS = 25


def bundled_case(y_ss: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """The bundled model from its drug-free steady state: one 10 mg everolimus dose at 0 h,
    outputs to 0.1 h (the simulator runs Python per thread), three dose scalings and perturbed kinetic parameters."""
    c = mt.compile_model("pi3k_akt_mtor")
    rng = np.random.default_rng(7)
    P = np.repeat(c.default_parameters[None], 3, axis=0)
    P[1:] *= rng.uniform(0.9, 1.1, size=P[1:].shape)
    kwargs = dict(
        regimen=mt.Dose("everolimus", "10 mg"), t_eval=np.linspace(0.0, 0.1, 11),
        dose_scale=np.array([1.0, 0.5, 2.0]), initial=y_ss,
        outputs=["pS6K1", "everolimus_blood_ng_mL", "pAKT_S473"],
        metrics=[Metric.auc("everolimus_blood_ng_mL"), Metric.max("everolimus_blood_ng_mL"),
                 Metric.min("pS6K1"), Metric.value_at("pS6K1", 0.033),
                 Metric.time_below("eve_blood_nM", 1.0), Metric.tmax("pAKT_S473")],
    )
    return c, dict(kwargs, parameters=P)


def rober_case() -> tuple[Any, dict[str, Any]]:
    """ROBER (stiff) over 0..1e4 h with three rate-constant sets, in chunks of two runs;
    run 1 gets too few steps and fails."""
    c = mt.compile_model(mt.load_model(ROBER))
    P = np.repeat(c.default_parameters[None], 3, axis=0)
    P[2] *= np.array([1.5, 0.7, 1.3])
    kwargs = dict(
        regimen=None, t_eval=np.concatenate([[0.0], np.logspace(-4, 4, 17)]), initial="initial_values",
        outputs=["A", "B", "C"], metrics=[Metric.max("B"), Metric.value_at("A", 40.0)],
        max_steps=np.array([100_000, FAILING_MAX_STEPS, 100_000]),
        chunk_size=2,  # two chunks: the third run reuses the first run's work-array slot
    )
    return c, dict(kwargs, parameters=P)


def steady_state(compiled: Any) -> np.ndarray:
    """The bundled model's drug-free steady state (native pre-equilibration)."""
    from mtorsim.dosing import DosingPlan
    from mtorsim.native import integrate_native

    run = integrate_native(compiled, compiled.default_parameters, DosingPlan.empty(), np.array([0.0]),
                           steady_state=mt.SteadyState())
    return run.states[0]


def run_cases(y_ss: np.ndarray, backend: str) -> dict[str, np.ndarray]:
    """Every case on ``backend``: flat dict of arrays keyed ``<case>/<field>``."""
    out: dict[str, np.ndarray] = {}
    for name, (compiled, kw) in (("bundled", bundled_case(y_ss)), ("rober", rober_case())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in an unused output, as on the CPU
            res = simulate_batch(compiled, progress=False, backend=backend, **kw)
        out[f"{name}/observables"] = res.observables
        out[f"{name}/metrics"] = res.metrics
        out[f"{name}/status"] = res.status
        out[f"{name}/t_fail"] = res.t_fail
        out[f"{name}/stats"] = res.stats
        out[f"{name}/simulator"] = np.array(bool(res.info.get("simulator", False)))
        out[f"{name}/launches"] = np.array(int(res.info.get("launches", 0)))
    return out


def main(argv: list[str]) -> int:
    inputs, outputs = argv
    y_ss = np.load(inputs)["y_ss"]
    np.savez(outputs, **run_cases(y_ss, "cuda"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
