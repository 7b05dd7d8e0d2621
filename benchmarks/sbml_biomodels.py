"""BioModels through mtorsim and libRoadRunner side by side: agreement and time.

Usage::

    python benchmarks/sbml_biomodels.py [--models 581,823,448,474,255] [--no-write]

For each model: mtorsim import + compile time (cold cache), one simulation's time, and the
largest deviation of every floating species' concentration from libRoadRunner's (both at
tight tolerances), relative to that species' largest value.  libRoadRunner's load (its own
LLVM compile) and simulation times are measured the same way.  Writes a section of
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "tests" / "data" / "sbml" / "biomodels"
#: BioModels id -> simulated span in the model's own time unit
SPANS = {"581": 60.0, "823": 100.0, "448": 30.0, "474": 100.0, "255": 60.0}


def run(model_id: str) -> dict:
    import roadrunner

    import mtorsim as mt

    path = MODELS / f"BIOMD0000000{model_id}.xml"
    t_end = SPANS[model_id]
    t_eval = np.linspace(0, t_end, 101)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        model = mt.load_sbml(path)
        compiled = mt.compile_model(model, cache_dir=cache)
        t_compile = time.perf_counter() - t0
        t0 = time.perf_counter()
        traj = mt.simulate(compiled, t_eval=t_eval, rtol=1e-8, atol=1e-12)
        t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    rr = roadrunner.RoadRunner(str(path))
    t_rr_load = time.perf_counter() - t0
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    ids = list(rr.model.getFloatingSpeciesIds())
    t0 = time.perf_counter()
    res = rr.simulate(0, t_end, 101, ["time"] + [f"[{s}]" for s in ids])
    t_rr_sim = time.perf_counter() - t0
    worst, where = 0.0, ""
    floor = 1e-9 * float(np.max(np.abs(res[:, 1:])))  # species that stay near 0: relative to the model's scale
    for k, name in enumerate(ids):
        want = res[:, k + 1]
        s = model.get_species(name)
        got = traj[name] if traj.unit(name) == "nM" else traj[name] / traj[s.compartment]
        err = float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), floor))
        if err > worst:
            worst, where = err, name
    return {"model": f"BIOMD0000000{model_id}", "states": compiled.n_states, "reactions": len(model.reactions),
            "t_end": t_end, "compile": t_compile, "sim": t_sim, "rr_load": t_rr_load, "rr_sim": t_rr_sim,
            "worst": worst, "where": where}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="581,823,448,474,255")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for mid in args.models.split(","):
        r = run(mid.strip())
        rows.append(r)
        print(r, flush=True)
    lines = [
        "## BioModels: mtorsim vs libRoadRunner (`benchmarks/sbml_biomodels.py`)",
        "",
        "Largest deviation of any floating species' concentration from libRoadRunner, relative to that "
        "species' largest value (at least 1e-9 of the model's largest concentration), over 101 output times (mtorsim BDF rtol 1e-8, atol 1e-12; "
        "libRoadRunner CVODE rtol 1e-10, atol 1e-14).  mtorsim compile is import + code generation + "
        "numba jit on a cold cache; libRoadRunner load is its parse + LLVM compile.",
        "",
        "| model | states | reactions | span | max rel. deviation | mtorsim compile (s) | mtorsim simulate (s) "
        "| libRoadRunner load (s) | libRoadRunner simulate (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['states']} | {r['reactions']} | {r['t_end']:g} | {r['worst']:.1e} "
                     f"({r['where']}) | {r['compile']:.1f} | {r['sim']:.2f} | {r['rr_load']:.2f} | {r['rr_sim']:.3f} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        import sys

        sys.path.insert(0, str(Path(__file__).parent))
        from results_file import git_revision, machine, update_section

        update_section("sbml_biomodels", text + f"\n\nMachine: {machine()}; revision {git_revision()} "
                       "(a shared machine: timings are indicative).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
