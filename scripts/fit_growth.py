"""Fit the per-line growth parameters of ``src/mtorsim/growth/cell_lines.yaml`` to their reference rows.

Usage (from the repository root)::

    python scripts/fit_growth.py           # print the fitted values
    python scripts/fit_growth.py --check   # exit 1 if the file's values miss their targets by > 2 %

One parameter per line, one row per parameter (so every fit is a root, not a compromise):

* renal lines (POT-05): ``mtorc1_dependence`` so that the everolimus IC50 at 168 h is the
  published value; the 72 h IC50 (> 10 uM) is then a prediction, checked by the tests;
* sensitive lines (POT-01/03/04): ``medium_exposure`` so that the everolimus IC50 at an assumed
  72 h exposure is the published value.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from scipy.optimize import brentq

import mtorsim as mt
from mtorsim.growth import cell_lines, viability_assay

#: line -> (row, parameter, exposure h, target IC50 nM)
TARGETS = {
    "Caki-2": ("POT-05", "mtorc1_dependence", 168.0, 1006.0),
    "786-O": ("POT-05", "mtorc1_dependence", 168.0, 1151.0),
    "BT474": ("POT-01", "medium_exposure", 72.0, 71.0),
    "NCI-H460": ("POT-03", "medium_exposure", 72.0, 65.94),
    "NCI-H661": ("POT-04", "medium_exposure", 72.0, 23.18),
}
CONCENTRATIONS = np.geomspace(0.01, 3e4, 22)


def ic50(compiled, line, exposure: float) -> float:
    assay = viability_assay(line, "everolimus", CONCENTRATIONS, (exposure,), model=compiled)
    return assay.ic50(exposure)


def fit(compiled, name: str) -> float:
    row, parameter, exposure, target = TARGETS[name]
    base = cell_lines(name)

    def miss(x: float) -> float:
        value = 10.0**x
        line = base.replace(**{parameter: value})
        got = ic50(compiled, line, exposure)
        return (math.log10(got) if math.isfinite(got) else 6.0) - math.log10(target)

    # the IC50 jumps where the FKBP12-dependent plateau crosses 50 %: bracket by a scan
    xs = np.linspace(-2.0, 0.0, 11) if parameter == "mtorc1_dependence" else np.linspace(-5.0, 0.0, 11)
    values = [miss(x) for x in xs]
    for k in range(len(xs) - 1):
        if values[k] * values[k + 1] < 0 and abs(values[k] - values[k + 1]) < 2.0:
            return 10.0 ** brentq(miss, xs[k], xs[k + 1], xtol=1e-4)
        if values[k] > 0 and values[k + 1] - values[k] >= 2.0:  # jump: search inside for a negative miss
            lo, hi = xs[k], xs[k + 1]
            for _ in range(14):
                mid = 0.5 * (lo + hi)
                m = miss(mid)
                if m < 0:
                    return 10.0 ** brentq(miss, lo, mid, xtol=1e-4)
                lo, hi = (mid, hi) if m < 2.0 else (lo, mid)
    raise RuntimeError(f"{name}: no continuous bracket for {parameter} (misses {np.round(values, 2)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("lines", nargs="*", help="only these lines (default: all)")
    args = parser.parse_args()
    compiled = mt.compile_model(mt.load_model("pi3k_akt_mtor"))
    bad = 0
    for name, (row, parameter, exposure, target) in TARGETS.items():
        if args.lines and name not in args.lines:
            continue
        line = cell_lines(name)
        if args.check:
            got = ic50(compiled, line, exposure)
            ok = math.isfinite(got) and abs(math.log(got / target)) < math.log(1.02)
            bad += not ok
            print(f"{name:9s} {row} IC50 at {exposure:g} h: {got:.4g} nM (target {target:g}) {'ok' if ok else 'MISS'}")
        else:
            print(f"{name:9s} {parameter} = {fit(compiled, name):.4g}   ({row}, IC50 {target:g} nM at {exposure:g} h)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
