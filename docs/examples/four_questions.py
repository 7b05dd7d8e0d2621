"""Four everyday questions, each answered in a few lines of mtorsim.

    python docs/examples/four_questions.py                 # bundled rapalog_minimal + the IRS-1 toy model
    python docs/examples/four_questions.py --preset full   # the full PI3K/AKT/mTOR model (models/pi3k_akt_mtor.yaml)

Every model, drug, observable and variant name is an argument of the function
that answers the question; the presets only choose them.  ``rapalog_minimal``
has no AKT and no IRS-1 feedback, so the ``minimal`` preset answers questions 3
and 4 on the small feedback model used by the tests
(``tests/data/models/ok/feedback_rebound.yaml``, in vitro); the ``full`` preset
asks them of the full model in vivo.  Figures go to ``--out`` (default
``docs/figures``, or ``docs/figures/full`` for the full model).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import mtorsim as mt
from mtorsim.metrics import rebound
from mtorsim.plotting import new_axes, plot_comparison, plot_dose_response, plot_sensitivity
from mtorsim.sweeps import ProcessExecutor

ROOT = Path(__file__).resolve().parents[2]


def ic50(model, drug: str, readout: str, at: str, out: Path, executor=None):
    """Q1: what is the IC50 of everolimus for p-S6K1 at 24 h?"""
    dr = mt.in_vitro_dose_response(model, drug, np.r_[0, np.geomspace(1e-3, 1e2, 11)], readout, at=at,
                                   executor=executor)
    print(dr.summary())
    ax = plot_dose_response(dr, ax=new_axes((6, 4)))
    ax.set_title(f"{drug} on {readout} at {at}: IC50 = {dr.fit.ic50:.3g} nM", fontsize=10)
    ax.figure.savefig(out / "q1_ic50.png", dpi=120)
    return dr


def weekly_vs_daily(model, drug: str, readout: str, exposure: str | None, weeks: int, out: Path, executor=None):
    """Q2: does weekly 50 mg match daily 10 mg on tumour p-S6?"""
    dose = lambda mg: mt.Dose(drug, f"{mg} mg")  # noqa: E731
    schedules = {"10 mg daily": mt.Regimen.repeat(dose(10), every="24 h", count=7 * weeks),
                 "50 mg weekly": mt.Regimen.repeat(dose(50), every="7 d", count=weeks)}
    last_week = (f"{7 * (weeks - 1)} d", f"{7 * weeks} d")
    comp = mt.compare_schedules(model, schedules, readouts=[readout], exposure_output=exposure, window=last_week,
                                n_points=24 * 7 * weeks + 1, executor=executor)
    print(comp.table.drop(columns="message").to_string(index=False))
    print(comp.differences()[["regimen", f"delta_mean_inhibition_{readout}", f"delta_trough_inhibition_{readout}"]])
    ax = plot_comparison(comp, [c for c in comp.columns if "inhibition" in c], ax=new_axes((7, 4)))
    ax.set_title(f"{readout}, week {weeks}", fontsize=10)
    ax.figure.savefig(out / "q2_schedules.png", dpi=120)
    return comp


def rebound_without_feedback(model, regimen, readout: str, feedback_variant: str, t_end: str, out: Path,
                             executor=None):
    """Q3: how much of the AKT rebound disappears without the IRS-1 feedback?"""
    comp = mt.compare_variants(model, regimen, [None, feedback_variant], rebound_output=readout, t_end=t_end,
                               executor=executor)
    removed = 1 - comp.value(f"rebound_remaining_{readout}", variant=feedback_variant)
    print(comp.table[["variant", f"rebound_{readout}", f"rebound_time_{readout}"]].to_string(index=False))
    print(f"without {feedback_variant}, {100 * removed:.1f} % of the {readout} rebound disappears")
    ax = plot_comparison(comp, [f"rebound_excess_{readout}"], ax=new_axes((5, 4)))
    ax.set_title(f"{readout} rebound above baseline", fontsize=10)
    ax.figure.savefig(out / "q3_rebound.png", dpi=120)
    return comp


def rebound_drivers(model, regimen, readout: str, t_end: str, out: Path, executor=None):
    """Q4: which parameters drive the rebound?"""
    peak = rebound(readout)[0]
    sens = mt.local_sensitivity(model, metrics=[peak], regimen=regimen, t_end=t_end, executor=executor,
                                progress=True)
    print(sens.top(peak.name, 8).to_string(index=False))
    ax = plot_sensitivity(sens, peak.name, top=12)
    ax.set_title(f"what drives the {readout} rebound (d ln peak / d ln p)", fontsize=10)
    ax.figure.savefig(out / "q4_drivers.png", dpi=120)
    return sens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=["minimal", "full"], default="minimal")
    parser.add_argument("--out", type=Path, default=None, help="figure folder (default docs/figures[/full])")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes")
    args = parser.parse_args()
    out = args.out or (ROOT / "docs" / "figures" / ("full" if args.preset == "full" else ""))
    out.mkdir(parents=True, exist_ok=True)
    ex = ProcessExecutor(args.workers) if args.workers > 1 else None
    if args.preset == "full":
        model = mt.compile_model("pi3k_akt_mtor")
        ic50(model, "everolimus", "pS6K1", "24 h", out, ex)
        weekly_vs_daily(model, "everolimus", "pS6", "everolimus_blood_ng_mL", 4, out, ex)
        daily = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=7)
        rebound_without_feedback(model, daily, "pAKT_S473", "feedback_off", "7 d", out, ex)
        rebound_drivers(model, daily, "pAKT_S473", "7 d", out, ex)
    else:
        model = mt.compile_model("rapalog_minimal")
        ic50(model, "everolimus", "pS6K1", "24 h", out, ex)
        weekly_vs_daily(model, "everolimus", "pS6K1", "everolimus_blood_ng_mL", 2, out, ex)
        toy = mt.compile_model(ROOT / "tests" / "data" / "models" / "ok" / "feedback_rebound.yaml")
        exposure = mt.Regimen.in_vitro("rapalog", "10 nM")
        rebound_without_feedback(toy, exposure, "pAKT_frac", "feedback_off", "48 h", out, ex)
        rebound_drivers(toy, exposure, "pAKT_frac", "48 h", out, ex)


if __name__ == "__main__":
    main()
