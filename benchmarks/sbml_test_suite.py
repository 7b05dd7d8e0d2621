"""Run the SBML Test Suite's semantic cases through mtorsim and report conformance.

Usage::

    python benchmarks/sbml_test_suite.py [--suite ../shared/sbml-test-suite/cases]
                                         [--workers 2] [--cases 00001,00002] [--no-write]

Each case is imported with :func:`mtorsim.load_sbml`, compiled (cached) and simulated
with the scipy BDF backend on the case's output grid; it passes when every reported
value satisfies the suite's rule ``|expected - simulated| <= absolute + relative*|expected|``.
Prints a summary by tag and writes ``docs/sbml_conformance.md`` (pass rates and every
failure with its reason) and a section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: The suite sits in ``shared/`` beside the project root.
DEFAULT_SUITE = ROOT.parent / "shared" / "sbml-test-suite" / "cases"
CACHE = Path(os.environ.get("MTORSIM_SUITE_CACHE", Path.home() / ".cache" / "mtorsim-sbml-suite"))
REPORT = ROOT / "docs" / "sbml_conformance.md"

#: Solver tolerances for the suite: far tighter than the suite's own pass rule.
RTOL = 1e-9


@dataclass
class Settings:
    start: float
    duration: float
    steps: int
    variables: list[str]
    absolute: float
    relative: float
    amount: set[str] = field(default_factory=set)
    concentration: set[str] = field(default_factory=set)


def read_settings(path: Path) -> Settings:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()

    def names(key: str) -> list[str]:
        return [v.strip() for v in values.get(key, "").split(",") if v.strip()]

    return Settings(float(values["start"]), float(values["duration"]), int(values["steps"]), names("variables"),
                    float(values["absolute"]), float(values["relative"]), set(names("amount")),
                    set(names("concentration")))


def read_tags(path: Path) -> tuple[list[str], list[str]]:
    component: list[str] = []
    test: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("componentTags:"):
            component = [t.strip() for t in line.split(":", 1)[1].split(",") if t.strip()]
        elif line.startswith("testTags:"):
            test = [t.strip() for t in line.split(":", 1)[1].split(",") if t.strip()]
    return component, test


def is_event_case(tags: list[str]) -> bool:
    return any(t.startswith("Event") for t in tags)


def read_results(path: Path) -> dict[str, np.ndarray]:
    """Expected values by variable (the first column is time, whatever its header says)."""
    lines = path.read_text().strip().splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    data = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    out: dict[str, np.ndarray] = {}
    for k, name in enumerate(header[1:], start=1):
        out.setdefault(name, data[:, k])
    return out


def sbml_file(case: Path) -> Path:
    files = sorted(case.glob(f"{case.name}-sbml-l*v*.xml"))
    return files[-1]


def case_values(traj, doc_species: dict[str, tuple[str, bool]], name: str, settings: Settings) -> np.ndarray:
    """The simulated series of one reported variable, as amount or concentration as the case asks."""
    if name not in doc_species:
        return np.asarray(traj[name], dtype=float)
    compartment, hosu = doc_species[name]
    volume = np.asarray(traj[compartment], dtype=float) if compartment in traj else 1.0
    value = np.asarray(traj[name], dtype=float)
    if name in traj.state_names:
        stored_conc = traj.unit(name) == "nM"
    else:  # an assignment rule gives the species' SBML value
        stored_conc = not hosu
    if name in settings.amount:
        return value * volume if stored_conc else value
    if name in settings.concentration:
        return value if stored_conc else value / volume
    return value


def run_case(case: Path, cache_dir: Path = CACHE) -> dict:
    """Run one case; returns a record with ``passed`` and, if not, ``reason``."""
    import libsbml

    import mtorsim as mt

    t0 = time.perf_counter()
    settings = read_settings(case / f"{case.name}-settings.txt")
    component, test = read_tags(case / f"{case.name}-model.m")
    record = {"case": case.name, "tags": component + test, "event": is_event_case(component + test),
              "passed": False, "reason": ""}
    try:
        path = sbml_file(case)
        model = mt.load_sbml(path)
        doc = libsbml.readSBMLFromFile(str(path))
        comps = {c.getId(): c for c in doc.getModel().getListOfCompartments()}
        doc_species = {}
        for s in doc.getModel().getListOfSpecies():
            c = comps.get(s.getCompartment())
            hosu = s.getHasOnlySubstanceUnits() or (c is not None and c.getSpatialDimensionsAsDouble() == 0)
            doc_species[s.getId()] = (s.getCompartment(), hosu)
        compiled = mt.compile_model(model, cache_dir=cache_dir)
        expected = read_results(case / f"{case.name}-results.csv")
        t_eval = np.linspace(settings.start, settings.start + settings.duration, settings.steps + 1)
        scale = max(settings.absolute, 1e-300)
        traj = mt.simulate(compiled, t_eval=t_eval, rtol=RTOL, atol=scale * 1e-4, raise_on_failure=False)
        if not traj.success:
            record["reason"] = f"simulation failed: {traj.status.name} at t = {traj.t_fail}: {traj.message}"
            return record
        worst = (0.0, "", 0.0)
        for name in settings.variables:
            # the reader renames an element with id "time" (it would mean simulation time)
            got = case_values(traj, doc_species, name if name != "time" else "time_", settings)
            want = np.asarray(expected[name], dtype=float)
            excess = np.abs(want - got) - (settings.absolute + settings.relative * np.abs(want))
            both_nan = np.isnan(want) & np.isnan(got)
            excess = np.where(both_nan | (want == got), -1.0, excess)
            excess = np.where(np.isnan(excess), np.inf, excess)
            k = int(np.argmax(excess))
            if excess[k] > worst[0]:
                worst = (float(excess[k]), name, float(t_eval[k]))
                record["detail"] = f"{name} at t = {t_eval[k]:g}: expected {want[k]:.6g}, got {got[k]:.6g}"
        if worst[0] > 0:
            record["reason"] = "wrong values: " + record["detail"]
        else:
            record["passed"] = True
    except mt.ModelValidationError as exc:
        first = exc.errors[0] if exc.errors else None
        record["reason"] = f"refused: {first.message}" if first and first.code == "E121" else f"load error: {exc}"
    except Exception as exc:  # a crash is a failure with its reason, never an abort of the run
        record["reason"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        record["traceback"] = traceback.format_exc()
    finally:
        record["seconds"] = time.perf_counter() - t0
    return record


#: Why a known failure fails (added to its reason in the report).
EXPLANATIONS: dict[str, str] = {}

#: Wall-clock limit per case (s); a case over it fails with its reason.
CASE_TIMEOUT = 300


def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise TimeoutError(f"case took more than {CASE_TIMEOUT} s")


def _run(args: tuple[str, str]) -> dict:
    import signal

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        return run_case(Path(args[0]), Path(args[1]))
    finally:
        signal.alarm(0)


def summarise(records: list[dict]) -> tuple[str, dict[str, tuple[int, int]]]:
    by_tag: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        for t in r["tags"]:
            by_tag[t].append(r["passed"])
    groups = {"non-event": [r["passed"] for r in records if not r["event"]],
              "event": [r["passed"] for r in records if r["event"]],
              "all": [r["passed"] for r in records]}
    rates = {k: (sum(v), len(v)) for k, v in groups.items()}
    lines = ["| group | passed | cases | rate |", "| --- | ---: | ---: | ---: |"]
    for k, (p, n) in rates.items():
        lines.append(f"| **{k}** | {p} | {n} | {100 * p / max(n, 1):.1f} % |")
    for tag in sorted(by_tag):
        v = by_tag[tag]
        lines.append(f"| {tag} | {sum(v)} | {len(v)} | {100 * sum(v) / len(v):.1f} % |")
    return "\n".join(lines), rates


def write_report(records: list[dict], table: str, rates: dict, seconds: float, workers: int, suite: Path) -> None:
    failures = sorted((r for r in records if not r["passed"]), key=lambda r: r["case"])
    reasons = Counter(r["reason"].split(":")[0] for r in failures)
    text = [
        "# SBML Test Suite conformance",
        "",
        f"Measured by `python benchmarks/sbml_test_suite.py` over the {len(records)} semantic cases in "
        f"`{os.path.relpath(suite, ROOT)}` (a subset of the SBML Test Suite; see its README), with the scipy BDF backend "
        f"(rtol {RTOL:g}, atol 1e-4 × the case's absolute tolerance). A case passes when every reported "
        "value satisfies the suite's rule |expected − simulated| ≤ absolute + relative·|expected| at every "
        f"output time. Wall time {seconds / 60:.1f} min on {workers} worker processes with compiled models "
        "already in the cache; a cold cache adds code generation and numba compilation of every model "
        "(15 min for the whole suite on a shared 2-core machine).",
        "",
        f"- **Non-event cases: {rates['non-event'][0]} / {rates['non-event'][1]} pass "
        f"({100 * rates['non-event'][0] / max(rates['non-event'][1], 1):.1f} %)** (target ≥ 98 %)",
        f"- **Event cases: {rates['event'][0]} / {rates['event'][1]} pass "
        f"({100 * rates['event'][0] / max(rates['event'][1], 1):.1f} %)** (target ≥ 90 %)",
        "",
        "## Pass rate by tag",
        "",
        "Each case counts once under each of its component and test tags.",
        "",
        table,
        "",
        "## Failures",
        "",
    ]
    if not failures:
        text.append("None.")
    else:
        text.append("Kinds: " + ", ".join(f"{k} ({v})" for k, v in reasons.most_common()) + ".")
        text.append("")
        text.append("| case | tags | reason |")
        text.append("| --- | --- | --- |")
        for r in failures:
            reason = r["reason"] + (f" ({EXPLANATIONS[r['case']]})" if r["case"] in EXPLANATIONS else "")
            reason = reason.replace("|", "\\|").replace("\n", " ")
            text.append(f"| {r['case']} | {', '.join(r['tags'])} | {reason} |")
    REPORT.write_text("\n".join(text) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", default="", help="comma-separated case numbers (default: all)")
    parser.add_argument("--cache-dir", type=Path, default=CACHE)
    parser.add_argument("--no-write", action="store_true", help="print only; do not write the report")
    parser.add_argument("--failures", action="store_true", help="print every failure with its reason")
    args = parser.parse_args(argv)
    cases = sorted(p for p in args.suite.iterdir() if p.is_dir())
    if args.cases:
        wanted = {c.strip().zfill(5) for c in args.cases.split(",")}
        cases = [c for c in cases if c.name in wanted]
    t0 = time.perf_counter()
    jobs = [(str(c), str(args.cache_dir)) for c in cases]
    records: list[dict] = []
    if args.workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(args.workers, maxtasksperchild=50) as pool:
            for i, rec in enumerate(pool.imap_unordered(_run, jobs, chunksize=1)):
                records.append(rec)
                if (i + 1) % 50 == 0:
                    print(f"  {i + 1}/{len(jobs)} cases", file=sys.stderr, flush=True)
    else:
        records = [_run(j) for j in jobs]
    seconds = time.perf_counter() - t0
    table, rates = summarise(records)
    print(table)
    if args.failures or args.cases:
        for r in sorted(records, key=lambda r: r["case"]):
            if not r["passed"]:
                print(f"{r['case']} [{', '.join(r['tags'])}]: {r['reason']}")
                if args.cases and "traceback" in r:
                    print(r["traceback"])
    print(f"total {seconds:.0f} s", file=sys.stderr)
    if not args.no_write and not args.cases:
        write_report(records, table, rates, seconds, args.workers, args.suite)
        sys.path.insert(0, str(Path(__file__).parent))
        from results_file import git_revision, machine, update_section

        update_section("sbml_test_suite", "\n".join([
            "## SBML Test Suite conformance (`benchmarks/sbml_test_suite.py`)",
            "",
            f"Machine: {machine()}; revision {git_revision()}; {args.workers} workers, {seconds / 60:.1f} min.",
            "",
            f"- non-event cases: {rates['non-event'][0]}/{rates['non-event'][1]}",
            f"- event cases: {rates['event'][0]}/{rates['event'][1]}",
            "",
            "Details and every failure: `docs/sbml_conformance.md`.",
        ]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
