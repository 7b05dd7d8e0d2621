"""How the cost of one simulation grows with model size: native, scipy BDF and libRoadRunner.

Usage::

    python benchmarks/model_size.py [--models 581,474,255] [--models-dir DIR] [--repeats 3]
                                    [--timeout 600] [--no-write]

For each BioModels file (BIOMD0000000581, ...474 with 133 species, ...255 with 504 species),
over the span ``benchmarks/sbml_biomodels.py`` uses and 101 output times, at rtol 1e-6 and
atol 1e-9 for every engine:

* the native backend (``mtorsim.simulate(..., method="native", initial="initial_values")``):
  its first call (kernel build + numba compilation) is reported as compile time, then the
  median of ``--repeats`` runs;
* scipy BDF (``method="BDF"``), median after one warm-up run;
* libRoadRunner (CVODE) on the same SBML file, median after one warm-up run (``reset`` before
  each), its load (parse + LLVM compile) reported separately.  Its absolute tolerance applies
  to its own state variables (amounts), mtorsim's to concentrations.

Also reported: the Jacobian's structural non-zeros and the factor non-zeros of the native
kernel's static sparse LU (:func:`mtorsim.native.sparse.symbolic_lu`: Jacobian pattern plus
diagonal plus the fill of elimination in the Markowitz pivot order the kernel uses), against the
dense ``n**2``.
Agreement: the largest deviation of any floating species' concentration from libRoadRunner's,
relative to that species' largest value (at least 1e-9 of the model's largest concentration).

Every (model, engine) measurement runs in its own child process under ``--timeout`` seconds;
one that runs out of time or fails is reported as not measured, with the reason.
Writes the ``model-size`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from results_file import command_line, git_revision, machine, update_section  # noqa: E402
from sbml_biomodels import MODELS, SPANS  # noqa: E402

MODELS_DIR = MODELS  # the copies of the BioModels files the tests use
RTOL, ATOL, N_OUT = 1e-6, 1e-9, 101
ENGINES = ("native", "BDF", "roadrunner")


def _path(models_dir: Path, model_id: str) -> Path:
    return models_dir / f"BIOMD0000000{model_id}.xml"


def _grid(model_id: str) -> np.ndarray:
    return np.linspace(0.0, SPANS[model_id], N_OUT)


def _species_concentrations(model, traj, ids: list[str]) -> np.ndarray:
    cols = []
    for name in ids:
        s = model.get_species(name)
        cols.append(traj[name] if traj.unit(name) == "nM" else traj[name] / traj[s.compartment])
    return np.column_stack(cols)


def _measure(engine: str, path: Path, model_id: str, repeats: int, out: Path) -> dict:
    """One engine on one model (run in a child process); concentrations saved to ``out``."""
    grid = _grid(model_id)
    import roadrunner

    probe = roadrunner.RoadRunner(str(path))  # kept alive while its model is read
    rr_ids = list(probe.model.getFloatingSpeciesIds())
    del probe
    info: dict = {}
    if engine == "roadrunner":
        t0 = time.perf_counter()
        rr = roadrunner.RoadRunner(str(path))
        info["load"] = time.perf_counter() - t0
        rr.integrator.relative_tolerance = RTOL
        rr.integrator.absolute_tolerance = ATOL
        rr.timeCourseSelections = ["time"] + [f"[{s}]" for s in rr_ids]

        def once():
            rr.reset()
            return np.asarray(rr.simulate(0.0, float(grid[-1]), N_OUT))[:, 1:]
    else:
        import mtorsim as mt
        from mtorsim.native.sparse import lu_program, symbolic_lu

        t0 = time.perf_counter()
        model = mt.load_sbml(path)
        compiled = mt.compile_model(model, cache_dir=tempfile.mkdtemp(prefix="mtorsim-size-"))
        info["load"] = time.perf_counter() - t0
        n = compiled.n_states
        rows, cols = np.asarray(compiled.jac_rows), np.asarray(compiled.jac_cols)
        program, natural = lu_program(n, rows, cols), symbolic_lu(n, rows, cols)
        info.update(states=n, reactions=len(model.reactions), jac_nnz=int(len(rows)),
                    lu_nnz=int(program[0]), lu_updates=int(program[3]),
                    lu_nnz_natural=int(natural[0]), lu_updates_natural=int(natural[3]))

        def once():
            traj = mt.simulate(compiled, t_eval=grid, method=engine.lower() if engine == "native" else engine,
                               initial="initial_values", rtol=RTOL, atol=ATOL)
            if not traj.success:
                raise RuntimeError(f"{engine} run failed: {traj.message}")
            return _species_concentrations(model, traj, rr_ids)

    t0 = time.perf_counter()
    values = once()  # warm-up; for the native backend also its kernel build and numba compile
    info["first"] = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        values = once()
        times.append(time.perf_counter() - t0)
    info["run"] = statistics.median(times)
    np.save(out, values)
    return info


def _child(engine: str, path: Path, model_id: str, timeout: float, repeats: int, work: Path) -> dict:
    out = work / f"{model_id}-{engine}.npy"
    cmd = [sys.executable, __file__, "--worker", engine, "--models", model_id, "--models-dir", str(path.parent),
           "--repeats", str(repeats), "--out", str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"not measured: did not finish in {timeout:g} s (build + {repeats + 1} runs)"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return {"error": f"failed: {last[:160]}"}
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    info["values"] = np.load(out)
    return info


def _deviation(got: np.ndarray, want: np.ndarray) -> float:
    floor = 1e-9 * float(np.max(np.abs(want)))
    scale = np.maximum(np.max(np.abs(want), axis=0), floor)
    return float(np.max(np.max(np.abs(got - want), axis=0) / scale))


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else (f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="581,474,255")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per (model, engine) child process")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        mid = args.models.strip()
        info = _measure(args.worker, _path(args.models_dir, mid), mid, args.repeats, args.out)
        print(json.dumps(info))
        return 0

    import roadrunner

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for mid in (m.strip() for m in args.models.split(",")):
            path = _path(args.models_dir, mid)
            res = {e: _child(e, path, mid, args.timeout, args.repeats, Path(work)) for e in ENGINES}
            for e, r in res.items():
                print(mid, e, {k: v for k, v in r.items() if k != "values"}, flush=True)
            rows.append((mid, res))

    lines = [
        "## Cost against model size (`benchmarks/model_size.py`)",
        "",
        f"Machine: {machine()}; libRoadRunner {roadrunner.__version__}. Revision {git_revision()}. "
        f"Command: `{command_line()}`.",
        "",
        f"One simulation from the SBML initial values over the span of `sbml_biomodels.py`, {N_OUT} output "
        f"times, rtol {RTOL:g}, atol {ATOL:g} for every engine (libRoadRunner's atol on amounts, mtorsim's on "
        f"concentrations). Run times are medians of {args.repeats} runs after a warm-up run; the native "
        "compile column is its first call (kernel build + numba compilation of the integrator with the "
        "model's functions inlined), mtorsim load is SBML import + code generation + jit of the model "
        "functions on a cold cache, libRoadRunner load is its parse + LLVM compile. Jacobian nnz: "
        "structural non-zeros; LU nnz: factor entries of the native kernel's static sparse LU (pattern "
        "+ diagonal + fill in the Markowitz pivot order), which replaces the dense n² factorisation on "
        "every step (dense partial pivoting only as a fallback on a small pivot). Deviation: largest deviation "
        "of any floating species' concentration from libRoadRunner, relative to that species' largest "
        "value.",
        "",
        "| model | states | reactions | Jacobian nnz (of n²) | LU nnz (fill) Markowitz / natural "
        "| LU updates Markowitz / natural | mtorsim load | native compile "
        "| native run | BDF run | libRoadRunner load | libRoadRunner run | BDF / native | libRoadRunner / "
        "native | native dev. | BDF dev. |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    notes = []
    for mid, res in rows:
        nat, bdf, rr = res["native"], res["BDF"], res["roadrunner"]
        meta = next((r for r in (nat, bdf) if "states" in r), {})
        n = meta.get("states")
        for e, r in res.items():
            if "error" in r:
                notes.append(f"BIOMD0000000{mid}, {e}: {r['error']}.")

        def cell(r, key):
            return _ms(r.get(key)) if "error" not in r else "n/m"

        def ratio(a, b):
            return f"{a['run'] / b['run']:.1f}x" if "run" in a and "run" in b else "n/m"

        def dev(r, rr=rr):
            return f"{_deviation(r['values'], rr['values']):.1e}" if "values" in r and "values" in rr else "n/m"

        jac = (f"{meta['jac_nnz']} ({meta['jac_nnz'] / n ** 2:.1%})" if n else "n/m")
        lu = (f"{meta['lu_nnz']} ({meta['lu_nnz'] / (meta['jac_nnz'] + n):.2f}x) / {meta['lu_nnz_natural']}"
              if n else "n/m")
        updates = f"{meta['lu_updates']} / {meta['lu_updates_natural']}" if n else "n/m"
        native_compile = _ms(nat["first"] - nat["run"]) if "run" in nat else "n/m"
        lines.append(
            f"| BIOMD0000000{mid} | {n if n else 'n/m'} | {meta.get('reactions', 'n/m')} | {jac} | {lu} | {updates} "
            f"| {_ms(meta.get('load'))} | {native_compile} | {cell(nat, 'run')} | {cell(bdf, 'run')} "
            f"| {cell(rr, 'load')} | {cell(rr, 'run')} | {ratio(bdf, nat)} | {ratio(rr, nat)} | {dev(nat)} "
            f"| {dev(bdf)} |")
    lines += ["", "LU fill: factor entries over (Jacobian nnz + n), in the Markowitz order the kernel uses and, "
              "for contrast, in the natural order. LU updates: multiply-subtract operations per factorisation, "
              "each one line of the generated straight-line code. n/m: not measured."]
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        update_section("model-size", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
