"""Work-precision diagrams: error against wall time at several tolerances.

    python benchmarks/work_precision.py            # writes work_precision.png and RESULTS.md

Problems: ROBER and HIRES (``tests/data/models/stiff``) and the bundled model under
everolimus 10 mg daily for 7 days from its steady state.  Methods: the native Rodas4
backend, scipy BDF, Radau and LSODA (``mtorsim.simulate``), and libRoadRunner (CVODE)
on ROBER and HIRES through their SBML export (``mtorsim.export_sbml``, written with
python-libsbml).  Error: the largest ``|x - ref| / (|ref| + 1e-6 max|ref| + 1e-9)`` over the
states at the output times, against scipy Radau at rtol 1e-12 (ROBER, HIRES) or 1e-10
(bundled model).  Time: median of ``--repeats`` runs, compilation excluded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from results_file import git_revision, machine, update_section  # noqa: E402

import mtorsim as mt  # noqa: E402
from mtorsim.units import CONCENTRATION, parse_unit  # noqa: E402

STIFF = Path(__file__).resolve().parents[1] / "tests" / "data" / "models" / "stiff"
OUT = Path(__file__).with_name("work_precision.png")


def problems():
    rober = mt.compile_model(STIFF / "rober.yaml")
    hires = mt.compile_model(STIFF / "hires.yaml")
    bundled = mt.compile_model("pi3k_akt_mtor")
    y_ss = np.maximum(mt.simulate(bundled, None, t_eval=[0.0], method="BDF").states[0], 0.0)
    daily = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=7)
    return [
        # name, compiled, regimen, grid, start, atol factor, tolerances, reference rtol/atol, roadrunner
        ("ROBER", rober, None, np.array([0.0, 0.4, 4.0, 40.0, 400.0, 4e3, 4e4, 4e5, 4e6, 4e8, 4e10]),
         rober.default_state.copy(), 1e-6, [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8], (1e-12, 1e-18), True),
        ("HIRES", hires, None, np.linspace(0.0, 321.8122, 21), hires.default_state.copy(), 1e-2,
         [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8], (1e-12, 1e-16), True),
        ("pi3k_akt_mtor, 10 mg daily x 7", bundled, daily, np.linspace(0.0, 168.0, 169), y_ss, 1e-3,
         [1e-4, 1e-5, 1e-6, 1e-7, 1e-8], (1e-10, 1e-14), False),
    ]


def error(states: np.ndarray, ref: np.ndarray) -> float:
    """Largest error relative to |ref| with a floor of 1e-6 of each state's range (and 1e-9 absolute,
    for states that stay at zero)."""
    floor = 1e-6 * np.max(np.abs(ref), axis=0) + 1e-9
    return float(np.max(np.abs(states - ref) / (np.abs(ref) + floor)))


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def roadrunner_runner(compiled, grid, rtol, atol):
    import roadrunner

    rr = roadrunner.RoadRunner(mt.export_sbml(compiled))
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = atol
    rr.integrator.maximum_num_steps = 10_000_000
    names = [f"[{s.name}]" if parse_unit(s.unit).dimensionality == CONCENTRATION else s.name
             for s in compiled.model.species]
    rr.timeCourseSelections = ["time", *names]

    def run():
        rr.reset()
        # output times are not evenly spaced: simulate piecewise between them
        rows = [np.asarray(rr.getSelectedValues())[1:]]
        for a, b in zip(grid[:-1], grid[1:], strict=True):
            rr.simulate(float(a), float(b), 2)
            rows.append(np.asarray(rr.getSelectedValues())[1:])
        return np.array(rows)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = problems()
    fig, axes = plt.subplots(1, len(cases), figsize=(5.2 * len(cases), 4.4))
    lines = ["| problem | method | rtol | error | time (ms) |", "|---|---|---|---|---|"]
    for ax, (name, c, reg, grid, y0, afac, tols, (ref_rtol, ref_atol), with_rr) in zip(axes, cases, strict=True):
        ref = mt.simulate(c, reg, t_eval=grid, method="Radau", rtol=ref_rtol, atol=ref_atol, initial=y0).states
        methods = ["native", "BDF", "Radau", "LSODA"] + (["libRoadRunner"] if with_rr else [])
        for method in methods:
            xs, ys = [], []
            for rtol in tols:
                atol = rtol * afac
                if method == "libRoadRunner":
                    fn = roadrunner_runner(c, grid, rtol, atol)
                else:
                    def fn(method=method, rtol=rtol, atol=atol, c=c, reg=reg, grid=grid, y0=y0):
                        return mt.simulate(c, reg, t_eval=grid, method=method, rtol=rtol, atol=atol,
                                           initial=y0).states
                try:
                    states = fn()
                    seconds = median_time(fn, args.repeats)
                except Exception as exc:  # a method that fails at a tolerance is left out of the plot
                    print(f"{name} {method} rtol={rtol:g}: {type(exc).__name__}: {exc}")
                    continue
                e = error(states, ref)
                xs.append(seconds * 1e3)
                ys.append(e)
                lines.append(f"| {name} | {method} | {rtol:g} | {e:.2g} | {seconds * 1e3:.2f} |")
                print(lines[-1])
            keep = [i for i in range(len(xs)) if np.isfinite(ys[i]) and ys[i] > 0]
            ax.loglog([xs[i] for i in keep], [ys[i] for i in keep], "o-", label=method,
                      lw=2 if method == "native" else 1.2)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("wall time per run (ms)")
        ax.set_ylabel("max relative error")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Work-precision: native Rodas4 vs scipy and libRoadRunner", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")
    body = "\n".join([
        "## Work-precision (`benchmarks/work_precision.py`)",
        "",
        f"Machine: {machine()}. Revision {git_revision()}. Command: `python benchmarks/work_precision.py "
        f"--repeats {args.repeats}`. Figure: `benchmarks/work_precision.png`.",
        "Error: largest |x - ref| / (|ref| + 1e-6 max|ref| + 1e-9) over states and output times against scipy Radau "
        "at rtol 1e-12 (ROBER, HIRES) or 1e-10 (bundled model); atol = rtol x (1e-6 ROBER, 1e-2 HIRES, "
        "1e-3 bundled). libRoadRunner runs the SBML export of the same YAML model.",
        "",
        *lines,
    ])
    if not args.no_write:
        update_section("work-precision", body)


if __name__ == "__main__":
    main()
