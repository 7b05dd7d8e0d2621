"""Native backend against libRoadRunner (CVODE) on the bundled model exported to SBML.

    python benchmarks/vs_roadrunner.py                      # full run, writes RESULTS.md
    python benchmarks/vs_roadrunner.py --points 200 --no-write

The model and the regimen (everolimus 10 mg daily for 28 days) go to libRoadRunner
through ``mtorsim.export_sbml`` (doses as SBML events, the drug-free steady state as
initial values).  Both engines start from that state, use rtol 1e-6 and the same
output grid; libRoadRunner's absolute tolerance applies to amounts (nmol), so it is
given as ``--rr-atol`` and both engines' errors against a tight reference are reported
next to the timings.

1. One 28-day run: median wall time of ``mtorsim.simulate(method="native")`` and of
   ``RoadRunner.simulate`` (after ``reset``), model loading excluded.
2. A sweep with every kinetic parameter perturbed log-uniformly by a factor in
   [0.5, 1.5] (the points of ``native_vs_scipy.py``): native ``simulate_batch`` with
   ``--threads`` threads against libRoadRunner in ``--processes`` worker processes
   (each loads the SBML once, then per point ``resetAll``, sets the parameters and
   their derived values, simulates); both start every point from the nominal steady
   state (no per-point pre-equilibration, which SBML cannot express).  Reported:
   runs per second and the largest deviation of four metrics.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from native_vs_scipy import GRID, METRICS, REGIMEN, perturbed_parameters  # noqa: E402
from results_file import git_revision, machine, update_section  # noqa: E402

import mtorsim as mt  # noqa: E402
from mtorsim.metrics import evaluate  # noqa: E402
from mtorsim.native import simulate_batch  # noqa: E402

RTOL = 1e-6


def _rr_names(compiled: mt.CompiledModel, outputs: list[str]) -> list[str]:
    return list(outputs)  # observables are SBML parameters with assignment rules, same ids


class _Worker:
    """One libRoadRunner instance per process."""

    rr = None
    changed: list[str] = []


def _init_worker(text: str, atol: float, selections: list[str]) -> None:
    import roadrunner

    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = RTOL
    rr.integrator.absolute_tolerance = atol
    rr.timeCourseSelections = ["time", *selections]
    _Worker.rr = rr


def _run_point(job: tuple[list[str], np.ndarray]) -> np.ndarray:
    names, values = job
    rr = _Worker.rr
    rr.resetAll()
    for name, value in zip(names, values, strict=True):
        rr.setValue(name, float(value))
    res = rr.simulate(0.0, float(GRID[-1]), len(GRID))
    return np.asarray(res)[:, 1:]


class _Samples(SimpleNamespace):
    """The part of a Trajectory that ``metrics.evaluate`` reads."""

    def __getitem__(self, name: str) -> np.ndarray:
        return self.table[name]


def _metrics_of(columns: np.ndarray, outputs: list[str]) -> list[float]:
    traj = _Samples(success=bool(np.isfinite(columns).all()), t=GRID,
                    table={name: columns[:, k] for k, name in enumerate(outputs)})
    return [evaluate(m, traj) for m in METRICS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--atol", type=float, default=1e-9, help="native absolute tolerance (nM / nmol)")
    parser.add_argument("--rr-atol", type=float, default=1e-12, help="libRoadRunner absolute tolerance (nmol)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import roadrunner

    compiled = mt.compile_model("pi3k_akt_mtor")
    outputs = sorted({m.output for m in METRICS})
    text = mt.export_sbml(compiled, regimen=REGIMEN)
    y0 = mt.simulate(compiled, None, t_eval=[0.0], method="BDF").states[0]
    y0 = np.maximum(y0, 0.0)

    # 1. one run -------------------------------------------------------------------------
    def native_run():
        return mt.simulate(compiled, REGIMEN, t_eval=GRID, method="native", rtol=RTOL, atol=args.atol, initial=y0)

    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = RTOL
    rr.integrator.absolute_tolerance = args.rr_atol
    rr.timeCourseSelections = ["time", *outputs]

    def rr_run():
        rr.reset()
        return np.asarray(rr.simulate(0.0, float(GRID[-1]), len(GRID)))[:, 1:]

    nat = native_run()
    rr_cols = rr_run()
    ref = mt.simulate(compiled, REGIMEN, t_eval=GRID, method="Radau", rtol=1e-10, atol=1e-14, initial=y0)
    timings = {}
    for label, fn in (("native", native_run), ("roadrunner", rr_run)):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        timings[label] = statistics.median(times)

    def err(cols: np.ndarray) -> float:
        r = np.column_stack([ref[o] for o in outputs])
        return float(np.max(np.abs(cols - r) / (1e-6 * np.abs(r) + 1e-9)))

    nat_cols = np.column_stack([nat[o] for o in outputs])
    single_ratio = timings["roadrunner"] / timings["native"]
    single = (f"| one 28-day run | {timings['native'] * 1e3:.1f} ms | {timings['roadrunner'] * 1e3:.1f} ms | "
              f"{single_ratio:.1f}x | error vs Radau 1e-10 (x 1e-6 rel): native "
              f"{err(nat_cols):.2g}, libRoadRunner {err(rr_cols):.2g} |")
    print(single)

    # 2. sweep -----------------------------------------------------------------------------
    P = perturbed_parameters(compiled, args.points)
    for i in range(len(P)):
        compiled.derive(P[i])
    base = np.array(compiled.default_parameters)
    changed = [j for j in range(P.shape[1]) if np.any(P[:, j] != base[j])]
    names = [compiled.parameter_names[j] for j in changed]
    kw = dict(metrics=METRICS, rtol=RTOL, atol=args.atol, keep_outputs=False, n_threads=args.threads, initial=y0)
    simulate_batch(compiled, P[:4], REGIMEN, GRID, progress=False, **kw)  # warm-up
    t0 = time.perf_counter()
    res = simulate_batch(compiled, P, REGIMEN, GRID, progress=True, **kw)
    t_native = time.perf_counter() - t0

    jobs = [(names, P[i, changed]) for i in range(len(P))]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(args.processes, initializer=_init_worker, initargs=(text, args.rr_atol, outputs)) as pool:
        pool.map(_run_point, jobs[: args.processes * 2])  # warm-up: workers loaded
        t0 = time.perf_counter()
        columns = pool.map(_run_point, jobs, chunksize=max(1, len(jobs) // (args.processes * 20)))
        t_rr = time.perf_counter() - t0
    rr_values = np.array([_metrics_of(c, outputs) for c in columns])
    ok = res.success & np.isfinite(rr_values).all(axis=1)
    dev = np.abs(res.metrics[ok] - rr_values[ok]) / np.maximum(np.abs(rr_values[ok]), 1e-12)
    worst = {m.name: float(np.max(dev[:, k])) for k, m in enumerate(METRICS)}
    sweep_ratio = t_rr / t_native
    sweep_row = (f"| {args.points}-point sweep | {t_native:.1f} s, {args.points / t_native:.1f} runs/s "
                 f"({args.threads} threads) | {t_rr:.1f} s, {args.points / t_rr:.1f} runs/s ({args.processes} "
                 f"processes) | {sweep_ratio:.1f}x | largest relative metric deviation "
                 f"{max(worst.values()):.2g} on {int(ok.sum())} points |")
    print(sweep_row)
    print("per metric:", worst)
    body = "\n".join([
        "## Native backend vs libRoadRunner (`benchmarks/vs_roadrunner.py`)",
        "",
        f"Machine: {machine()}; libRoadRunner {roadrunner.__version__}. Revision {git_revision()}. Command: "
        f"`python benchmarks/vs_roadrunner.py --points {args.points} --threads {args.threads} --processes "
        f"{args.processes} --atol {args.atol:g} --rr-atol {args.rr_atol:g}`.",
        f"Bundled model exported with `mtorsim.export_sbml` (regimen as events), everolimus 10 mg daily for 28 days, "
        f"{len(GRID)} output times, rtol {RTOL:g} for both; native atol {args.atol:g} (nM/nmol), libRoadRunner atol "
        f"{args.rr_atol:g} (on amounts, nmol). Both start from the exported steady state.",
        "",
        "| case | native | libRoadRunner | speed-up | agreement |",
        "|---|---|---|---|---|",
        single,
        sweep_row,
        "",
        f"Targets: one run >= 2x ({'met' if single_ratio >= 2 else 'not met'}: {single_ratio:.1f}x), "
        f"sweep >= 5x ({'met' if sweep_ratio >= 5 else 'not met'}: {sweep_ratio:.1f}x). Per-metric largest "
        "deviation: " + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()) + ".",
    ])
    if not args.no_write:
        update_section("native-vs-roadrunner", body)


if __name__ == "__main__":
    main()
