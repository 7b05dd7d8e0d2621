"""Resistance experiments and drug combinations on the full model (in vitro).

    python docs/examples/resistance_and_combinations.py [--out docs/figures/full]

1. A rapalog against a kinase-domain mTOR inhibitor and against rapalog + PI3K
   or AKT inhibitor, each on the model as written and without the IRS-1
   feedback: one ``compare`` call.
2. The Chou–Talalay combination index of everolimus with alpelisib on p-S6K1
   at 24 h, with its isobologram: one ``simulate_combination`` call.

Drug, readout and variant names are the arguments of each function.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import mtorsim as mt
from mtorsim.plotting import new_axes, plot_comparison, plot_isobologram

ROOT = Path(__file__).resolve().parents[2]


def treatments(model, rapalog: str, kinase_inhibitor: str, partners: list[str], readouts: list[str],
               feedback_variant: str, at: str, out: Path):
    """Rapalog vs kinase-domain inhibitor vs combinations, with and without the feedback."""
    dose = {rapalog: "10 nM", kinase_inhibitor: "100 nM", **{p: "1 uM" for p in partners}}
    alone = {d: mt.Regimen.in_vitro(d, c) for d, c in dose.items()}
    regimens = {rapalog: alone[rapalog], kinase_inhibitor: alone[kinase_inhibitor],
                **{f"{rapalog} + {p}": alone[rapalog] + alone[p] for p in partners}}
    metrics = [mt.Metric.value_at(r, at, relative=True, name=r) for r in readouts]
    comp = mt.compare(model, regimens=regimens, metrics=metrics, variants=[None, feedback_variant], t_end=at)
    print(comp.table.drop(columns="message").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    base = comp.table[comp.table["variant"] == "base"]
    view = mt.analysis.Comparison(base.reset_index(drop=True), comp.reference, comp.columns, comp.sweep)
    ax = plot_comparison(view, list(readouts), ax=new_axes((8, 4)))
    ax.set_ylabel(f"fraction of drug-free level at {at}")
    ax.set_title("in vitro, model as written", fontsize=10)
    ax.figure.savefig(out / "treatments.png", dpi=120)
    return comp


def combination(model, drug1: str, drug2: str, c1: list[float], c2: list[float], readout: str, at: str, out: Path):
    """Combination index of two drugs at a constant ratio."""
    ci, _ = mt.simulate_combination(model, (drug1, drug2), c1, c2, readout, at=at)
    print(ci.table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    ax = plot_isobologram(ci, normalized=True, ax=new_axes((5, 5)))
    ax.figure.savefig(out / "isobologram.png", dpi=120)
    return ci


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "full")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = mt.compile_model("pi3k_akt_mtor")
    treatments(model, "everolimus", "sapanisertib", ["alpelisib", "capivasertib"],
               ["pS6K1", "p4EBP1", "pAKT_S473"], "feedback_off", "24 h", args.out)
    ratio_conc = np.geomspace(0.003, 0.3, 5)
    combination(model, "everolimus", "alpelisib", list(ratio_conc), list(1000 * ratio_conc), "pS6K1", "24 h",
                args.out)


if __name__ == "__main__":
    main()
