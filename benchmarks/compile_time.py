"""Cold compile time and warm cached load, each measured in a fresh Python process.

cold: empty cache folder → code generation (sympy, CSE) + numba jit of rhs/jac/observe.
warm: the same cache folder in a new process → module found by key, machine code loaded from
      numba's disk cache.

Models: a generated 48-species three-tier kinase cascade with feedback (a stand-in of the
target size, 30–60 species), plus every bundled model.  Times exclude the interpreter start and
``import mtorsim`` (reported separately), and include ``load_model`` (YAML + unit checks).

Usage:  python benchmarks/compile_time.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results_file import command_line, git_revision, machine, update_section  # noqa: E402

SRC = HERE.parent / "src"

_CHILD = r"""
import sys, time, json
t0 = time.perf_counter()
sys.path.insert(0, {src!r})
import mtorsim as mt
t1 = time.perf_counter()
model = mt.load_model({model!r})
t2 = time.perf_counter()
compiled = mt.compile_model(model, cache_dir={cache!r})
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "compile": t3 - t2, "from_cache": compiled.from_cache,
                   "n_states": compiled.n_states, "n_reactions": compiled.network.n_reactions}}))
"""


def cascade_yaml(n_tiers: int = 16) -> str:
    """A kinase cascade: each tier K_i -> pK_i -> ppK_i driven by the previous tier, with feedback."""
    lines = [
        "model: {name: cascade48, description: 'generated 3-form kinase cascade with negative feedback'}",
        "compartments:",
        "  cell: {size: 1 pL, source: 'assumed: benchmark'}",
        "species:",
    ]
    for i in range(n_tiers):
        lines += [f"  K{i}: {{initial: 100 nM, compartment: cell}}",
                  f"  pK{i}: {{initial: 0 nM, compartment: cell}}",
                  f"  ppK{i}: {{initial: 0 nM, compartment: cell}}"]
    lines += ["parameters:",
              "  stimulus: {value: 1 nM, source: 'assumed: benchmark'}",
              "  kcat: {value: 0.2 1/min, source: 'assumed: benchmark'}",
              "  Km: {value: 50 nM, source: 'assumed: benchmark'}",
              "  Vp: {value: 3 nM/min, source: 'assumed: benchmark'}",
              "  Kp: {value: 30 nM, source: 'assumed: benchmark'}",
              "  Kfb: {value: 20 nM, source: 'assumed: benchmark'}",
              "  nfb: {value: 2, source: 'assumed: benchmark'}",
              "reactions:"]
    for i in range(n_tiers):
        if i == 0:
            driver = f"stimulus * (1 - hill(ppK{n_tiers - 1}, Kfb, nfb))"
        else:
            driver = f"ppK{i - 1}"
        lines += [
            f"  act1_{i}: {{equation: K{i} -> pK{i}, rate: 'kcat * {driver} * K{i} / (Km + K{i})'}}",
            f"  act2_{i}: {{equation: pK{i} -> ppK{i}, rate: 'kcat * {driver} * pK{i} / (Km + pK{i})'}}",
            f"  deact1_{i}: {{equation: ppK{i} -> pK{i}, rate: 'Vp * ppK{i} / (Kp + ppK{i})'}}",
            f"  deact2_{i}: {{equation: pK{i} -> K{i}, rate: 'Vp * pK{i} / (Kp + pK{i})'}}",
        ]
    lines += ["observables:"] + [f"  active_{i}: ppK{i} / (K{i} + pK{i} + ppK{i})" for i in range(n_tiers)]
    # units: kcat [1/min] * driver [nM] * S/(Km + S) [1] = nM/min
    return "\n".join(lines) + "\n"


def run_child(model: str, cache: str) -> dict:
    code = _CHILD.format(src=str(SRC), model=model, cache=cache)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(model: str, repeats: int) -> dict:
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            c = run_child(model, cache)
            w = run_child(model, cache)
            assert not c["from_cache"] and w["from_cache"]
            cold.append(c)
            warm.append(w)
    med = statistics.median
    return {
        "states": cold[0]["n_states"], "reactions": cold[0]["n_reactions"],
        "import": med(x["import"] for x in warm), "load": med(x["load"] for x in warm),
        "cold": med(x["compile"] for x in cold), "warm": med(x["compile"] for x in warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    import mtorsim as mt

    with tempfile.TemporaryDirectory() as tmp:
        cascade = Path(tmp) / "cascade48.yaml"
        cascade.write_text(cascade_yaml())
        models = {"cascade48 (generated)": str(cascade)}
        models.update({name: str(mt.bundled_model_path(name)) for name in mt.bundled_models()})
        rows = []
        for label, path in models.items():
            r = measure(path, args.repeats)
            rows.append((label, r))
            print(f"{label:28s} {r['states']:3d} states {r['reactions']:3d} reactions  "
                  f"cold {r['cold']:.2f} s  warm {r['warm']:.3f} s  load {r['load']:.3f} s  import {r['import']:.2f} s")
    table = ["| model | states | reactions | cold compile (s) | warm cached load (s) | load_model (s) | import mtorsim (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, r in rows:
        table.append(f"| {label} | {r['states']} | {r['reactions']} | {r['cold']:.2f} | {r['warm']:.3f} | "
                     f"{r['load']:.3f} | {r['import']:.2f} |")
    body = "\n".join([
        "## Compile time: cold vs warm cache",
        "",
        "Targets for a 30–60-species network on this 2-core machine: cold ≤ 5 s, warm ≤ 0.3 s.",
        "*cold*: empty cache, code generation + numba jit of rhs/jac/observe/derive/initial. "
        "*warm*: new process, same cache (module found by content key, machine code from numba's "
        "disk cache). Both exclude `import mtorsim` and `load_model`, shown separately. "
        f"Median of {args.repeats} fresh processes each.",
        "",
        *table,
        "",
        f"Machine: {machine()}. Revision {git_revision()}. Command: `{command_line()}`.",
    ])
    update_section("compile-time", body)


if __name__ == "__main__":
    main()
