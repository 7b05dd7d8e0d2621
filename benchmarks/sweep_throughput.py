"""Sweep throughput (points per second) by executor — a baseline for the batch engine.

    python benchmarks/sweep_throughput.py --points 256 --workers 1 2
    python benchmarks/sweep_throughput.py --model pi3k_akt_mtor --t-end "28 d"

Runs one Latin-hypercube sweep of a daily oral regimen per executor and prints
points/s.  Re-run with ``--backend`` set to the compiled batch engine once it
exists to compare it with the scipy reference on the same points.
"""

from __future__ import annotations

import argparse
import time

import mtorsim as mt
from mtorsim.metrics import Metric
from mtorsim.sweeps import ParameterSpace, ProcessExecutor, Uniform, sweep
from mtorsim.units import canonical_unit, factor, parse_unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="rapalog_minimal")
    parser.add_argument("--drug", default="everolimus")
    parser.add_argument("--readout", default="pS6K1")
    parser.add_argument("--parameter", default="Kd_FRB", help="swept over a factor 10 either side of its value")
    parser.add_argument("--points", type=int, default=128)
    parser.add_argument("--t-end", default="7 d")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--backend", default="scipy")
    parser.add_argument("--chunk-size", type=int, default=16)
    args = parser.parse_args()

    compiled = mt.compile_model(args.model)
    nominal = compiled.default_parameters[compiled.parameter_index(args.parameter)]
    unit = compiled.parameter_unit(args.parameter)
    u = parse_unit(unit or "dimensionless")
    shown = nominal / factor(u, canonical_unit(u.dimensionality))
    space = ParameterSpace([Uniform(args.parameter, shown / 10, shown * 10, scale="log", unit=unit)])
    regimen = mt.Regimen.repeat(mt.Dose(args.drug, "10 mg"), every="24 h", count=7)
    metrics = [Metric.mean(args.readout, relative=True), Metric.min(args.readout, relative=True)]
    for workers in args.workers:
        executor = ProcessExecutor(workers) if workers > 1 else None
        t0 = time.perf_counter()
        result = sweep(compiled, metrics=metrics, regimens=regimen, parameters=space.latin_hypercube(args.points, seed=1),
                       t_end=args.t_end, backend=args.backend, executor=executor, chunk_size=args.chunk_size,
                       progress=False)
        seconds = time.perf_counter() - t0
        print(f"{args.model}: {args.points} points, {workers} worker(s), backend {args.backend}: "
              f"{seconds:.1f} s, {args.points / seconds:.1f} points/s, statuses {result.status_counts()}")


if __name__ == "__main__":
    main()
