"""Every row of ``docs/reference/reference_cases.csv``, simulated with the bundled model.

Shared by ``tests/test_validation_cases.py`` (one test per row) and
``scripts/validation_report.py`` (which writes ``docs/validation.md``), so the
report shows exactly what the tests check.

Each covered row has a function ``(cases) -> CaseResult`` in :data:`CASES`; it
simulates what the row describes and applies the row's tolerance
(``tolerance_suggested``).  Rows the model is compared against but does not
meet are in :data:`KNOWN_FAILURES` with the reason (their tests are strict
xfails, so meeting them later is noticed).  Rows outside the model's scope are
in :data:`NOT_COVERED` with the reason.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import mtorsim as mt

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CSV = REPO / "docs" / "reference" / "reference_cases.csv"
MODEL = "pi3k_akt_mtor"
MW_EVE, MW_TEM, MW_SIR = 958.24, 1030.29, 914.17  # g/mol (EVE-MW, TEM-MW)


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one reference row.

    ``simulated`` is the model's value(s) as text, ``check`` the comparison that
    decides ``passed`` (the row's tolerance, written out).
    """

    row: str
    simulated: str
    check: str
    passed: bool
    note: str = ""


def read_reference_rows(path: Path = REFERENCE_CSV) -> list[dict[str, str]]:
    """The reference table as a list of dicts (one per row, CSV header keys)."""
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------- numerics
def auc(t: np.ndarray, c: np.ndarray, t0: float = -np.inf, t1: float = np.inf) -> float:
    """Trapezoidal AUC of ``c`` over ``t0 <= t <= t1`` (units of c times h)."""
    m = (t >= t0) & (t <= t1)
    return float(np.trapezoid(c[m], t[m]))


def terminal_half_life(t: np.ndarray, c: np.ndarray, t0: float, t1: float = np.inf) -> float:
    """Half-life (h) from a log-linear fit of ``c`` over ``t0 <= t <= t1``."""
    m = (t >= t0) & (t <= t1) & (c > 0)
    slope = np.polyfit(t[m], np.log(c[m]), 1)[0]
    return float(-math.log(2) / slope)


def auc_inf(t: np.ndarray, c: np.ndarray, half_life: float) -> float:
    """AUC from 0 to infinity: trapezoids plus the log-linear tail after ``t[-1]``."""
    return auc(t, c) + float(c[-1]) * half_life / math.log(2)


def aumc_inf(t: np.ndarray, c: np.ndarray, half_life: float) -> float:
    """First-moment AUC (AUMC) from 0 to infinity with the log-linear tail."""
    k = math.log(2) / half_life
    return float(np.trapezoid(t * c, t)) + float(c[-1]) * (t[-1] / k + 1.0 / k**2)


def fine_grid(*pieces: tuple[float, float, float]) -> np.ndarray:
    """Concatenate ``arange``-like pieces ``(start, stop, step)`` (stop included) into a sorted grid."""
    parts = [np.linspace(a, b, int(round((b - a) / s)) + 1) for a, b, s in pieces]
    return np.unique(np.concatenate(parts))


# ----------------------------------------------------------------------------- simulations
class Cases:
    """Runs the simulations the rows need, once each, on one compiled model."""

    def __init__(self, compiled: mt.CompiledModel) -> None:
        self.compiled = compiled
        self._cache: dict[str, Any] = {}

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def simulate(self, regimen: Any, t_eval: np.ndarray, **kwargs: Any) -> mt.Trajectory:
        return mt.simulate(self.compiled, regimen, t_eval=t_eval, rtol=1e-6, atol=1e-9, **kwargs)

    def parameter(self, name: str, variant: str | None = None) -> float:
        """Canonical value of a parameter (derived ones evaluated)."""
        p = self.compiled.parameters(variant=variant)
        return float(p[self.compiled.parameter_index(name)])

    # --- everolimus
    SINGLE_GRID = staticmethod(lambda: fine_grid((0, 24, 0.01), (24, 504, 1.0)))

    def eve_single(self, dose_mg: float, variant: str | None = None) -> mt.Trajectory:
        return self.memo(f"eve_single_{dose_mg}_{variant}", lambda: self.simulate(
            mt.Dose("everolimus", f"{dose_mg} mg"), self.SINGLE_GRID(), variant=variant))

    def eve_daily(self, dose_mg: float, variant: str | None = None) -> mt.Trajectory:
        grid = fine_grid((0, 672, 1.0), (336, 360, 0.01), (648, 672, 0.01))
        regimen = mt.Regimen.repeat(mt.Dose("everolimus", f"{dose_mg} mg"), every="24 h", count=28)
        return self.memo(f"eve_daily_{dose_mg}_{variant}", lambda: self.simulate(regimen, grid, variant=variant))

    def eve_weekly(self, dose_mg: float) -> mt.Trajectory:
        grid = fine_grid((0, 672, 1.0))
        regimen = mt.Regimen.repeat(mt.Dose("everolimus", f"{dose_mg} mg"), every="7 d", count=4)
        return self.memo(f"eve_weekly_{dose_mg}", lambda: self.simulate(regimen, grid))

    # --- temsirolimus
    def tem_infusion(self, minutes: float) -> mt.Trajectory:
        grid = fine_grid((0, 4, 0.005), (4, 48, 0.25), (48, 1008, 2.0))
        dose = mt.Dose("temsirolimus", "25 mg", "iv", duration=f"{minutes} min")
        return self.memo(f"tem_{minutes}", lambda: self.simulate(dose, grid))

    # --- in vitro
    def in_vitro(self, drug: str, concentration: str, t_eval: tuple[float, ...], variant: str | None = None,
                 parameters: dict[str, Any] | None = None) -> mt.Trajectory:
        key = f"vitro_{drug}_{concentration}_{t_eval}_{variant}_{sorted((parameters or {}).items())}"
        return self.memo(key, lambda: self.simulate(mt.Regimen.in_vitro(drug, concentration), np.array(t_eval),
                                                    variant=variant, parameters=parameters))

    def untreated(self) -> mt.Trajectory:
        return self.memo("untreated", lambda: self.simulate(None, np.array([0.0, 24.0])))


def _within(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def _fmt(x: float) -> str:
    return f"{x:.4g}"


# ----------------------------------------------------------------------------- everolimus PK
def eve_pk_01(cs: Cases) -> CaseResult:
    tr = cs.eve_single(10)
    th = terminal_half_life(tr.t, tr["everolimus_blood_ng_mL"], 120.0)
    return CaseResult("EVE-PK-01", f"{_fmt(th)} h", "terminal t1/2 (log-linear fit 120-504 h after 10 mg) in 26-38 h",
                      _within(th, 26, 38))


def eve_pk_02(cs: Cases) -> CaseResult:
    a20 = auc(cs.eve_single(20).t, cs.eve_single(20)["everolimus_blood_ng_mL"], 0, 504)
    a70 = auc(cs.eve_single(70).t, cs.eve_single(70)["everolimus_blood_ng_mL"], 0, 504)
    ratio = a70 / a20
    return CaseResult("EVE-PK-02", f"AUC(70)/AUC(20) = {ratio:.4f}", "ratio within 3.5 +/- 25 % (2.625-4.375)",
                      _within(ratio, 3.5 * 0.75, 3.5 * 1.25), "linear PK: whole-blood disposition has no saturable step")


def eve_pk_04(cs: Cases) -> CaseResult:
    tr = cs.eve_single(10)
    c = tr["everolimus_blood_ng_mL"]
    tmax = float(tr.t[np.argmax(c)])
    return CaseResult("EVE-PK-04", f"tmax {tmax:.2f} h (Cmax {_fmt(c.max())} ng/mL)", "tmax after 10 mg in 0.5-2 h",
                      _within(tmax, 0.5, 2.0))


def _tmax_day15(tr: mt.Trajectory) -> float:
    m = (tr.t >= 336) & (tr.t <= 360)
    return float(tr.t[m][np.argmax(tr["everolimus_blood_ng_mL"][m])] - 336)


def eve_pk_05(cs: Cases) -> CaseResult:
    t5, t10 = _tmax_day15(cs.eve_daily(5)), _tmax_day15(cs.eve_daily(10))
    return CaseResult("EVE-PK-05", f"tmax day 15: {t5:.2f} h (5 mg), {t10:.2f} h (10 mg)",
                      "5 mg in 1-4 h and 10 mg in 0.9-6 h", _within(t5, 1, 4) and _within(t10, 0.9, 6))


def _ss_auc_cmax(tr: mt.Trajectory) -> tuple[float, float]:
    m = (tr.t >= 648) & (tr.t <= 672)
    c = tr["everolimus_blood_ng_mL"]
    return auc(tr.t, c, 648, 672), float(c[m].max())


def eve_pk_07(cs: Cases) -> CaseResult:
    a5, c5 = _ss_auc_cmax(cs.eve_daily(5))
    a10, c10 = _ss_auc_cmax(cs.eve_daily(10))
    ra, rc = a10 / a5, c10 / c5
    return CaseResult("EVE-PK-07", f"AUC ratio {ra:.4f}, Cmax ratio {rc:.4f}", "both ratios (10 vs 5 mg/d, day 28) in 1.7-2.3",
                      _within(ra, 1.7, 2.3) and _within(rc, 1.7, 2.3))


def eve_pk_08(cs: Cases) -> CaseResult:
    a, _ = _ss_auc_cmax(cs.eve_daily(10))
    return CaseResult("EVE-PK-08", f"AUC0-24,ss {_fmt(a)} ug*h/L", "AUC0-24 at day 28 of 10 mg/d in 266-524 ug*h/L",
                      _within(a, 266, 524), "CL/F fitted between the published estimates (scripts/fit_pk.py)")


def eve_pk_09(cs: Cases) -> CaseResult:
    a, _ = _ss_auc_cmax(cs.eve_daily(10))
    cl = 10_000.0 / a  # ug / (ug*h/L)
    return CaseResult("EVE-PK-09", f"CL/F {_fmt(cl)} L/h", "dose/AUC0-24,ss in 19-38 L/h", _within(cl, 19, 38))


def eve_pk_13(cs: Cases) -> CaseResult:
    tr = cs.eve_single(2)
    c = tr["everolimus_blood_ng_mL"]
    th = terminal_half_life(tr.t, c, 120.0)
    a = auc_inf(tr.t, c, th)
    cl = 2000.0 / a
    ok = _within(cl, 13.6, 25.2) and _within(a, 69, 159) and _within(th, 25, 61)
    return CaseResult("EVE-PK-13", f"CL/F {_fmt(cl)} L/h, AUC {_fmt(a)} ng*h/mL, t1/2 {_fmt(th)} h",
                      "single 2 mg: CL/F 13.6-25.2, AUCinf 69-159, t1/2 25-61", ok)


def plasma_from_blood(cs: Cases, blood_ng_mL: np.ndarray) -> np.ndarray:
    """Everolimus plasma concentration (ng/mL) the model derives from whole-blood values."""
    c = cs.compiled
    p = c.parameters()
    v1 = p[c.parameter_index("V1_eve_i")]
    out = np.empty(c.n_outputs)
    plasma = []
    for cb in np.atleast_1d(blood_ng_mL):
        y = c.initial_state(p)
        y[c.state_index("eve_central")] = cb / MW_EVE * 1000.0 * v1  # ng/mL -> nM -> nmol
        c.observe(0.0, y, p, out)
        plasma.append(out[c.output_index("everolimus_plasma_ng_mL")])
    return np.array(plasma)


def eve_pk_15(cs: Cases) -> CaseResult:
    blood = np.array([5.0, 50.0, 500.0, 5000.0])
    hct = cs.parameter("hematocrit")
    fraction = (1 - hct) * plasma_from_blood(cs, blood) / blood
    rising = bool(np.all(np.diff(fraction) > 0))
    text = ", ".join(f"{100 * f:.0f} % at {b:g}" for f, b in zip(fraction, blood, strict=True))
    return CaseResult("EVE-PK-15", text + " ng/mL", "fraction of blood everolimus in plasma rises with concentration",
                      rising, "ter Heine 2018 binding at hematocrit 0.38 spans 13-85 % over 5-5000 ng/mL "
                      "(the label's 17-73 % is over the same range)")


def eve_pk_16(cs: Cases) -> CaseResult:
    bmax = cs.parameter("Bmax_rbc_eve")  # canonical mg/L
    kd = cs.parameter("Kd_rbc_eve")
    kns = cs.parameter("Kns_rbc_eve")
    hct = cs.parameter("hematocrit")
    exact = math.isclose(bmax, 0.964) and math.isclose(kd, 0.0920) and math.isclose(kns, 0.153)
    blood = np.geomspace(0.1, 5000.0, 9)
    cp = plasma_from_blood(cs, blood)
    back = hct * (bmax * 1000 * cp / (kd * 1000 + cp) + kns * cp) + (1 - hct) * cp  # ter Heine eq. 1, ng/mL
    err = float(np.max(np.abs(back / blood - 1)))
    return CaseResult("EVE-PK-16", f"Bmax {bmax:g} mg/L, Kd {kd:g} mg/L, Kns {kns:g}; blood->plasma->blood error {err:.1e}",
                      "parameters exactly as published; the model's plasma value satisfies the binding equation",
                      exact and err < 1e-9)


def eve_pk_17(cs: Cases) -> CaseResult:
    bound = 100 * (1 - cs.parameter("fu_eve"))
    return CaseResult("EVE-PK-17", f"{bound:.1f} % bound", "plasma protein binding in 70-78 %", _within(bound, 70, 78))


def eve_pk_19(cs: Cases) -> CaseResult:
    tr = cs.eve_daily(10, variant="pk_dewit2016")
    a, _ = _ss_auc_cmax(tr)
    target = 10_000.0 / 17.4
    return CaseResult("EVE-PK-19", f"AUC0-24,ss {_fmt(a)} ug*h/L (variant pk_dewit2016)",
                      f"within 1 % of dose/CL = {target:.1f} ug*h/L", abs(a / target - 1) <= 0.01)


def eve_mw(cs: Cases) -> CaseResult:
    mw = cs.compiled.model.get_drug("everolimus").molar_mass
    return CaseResult("EVE-MW", f"{mw:g} g/mol", "958.24 +/- 0.1 g/mol", abs(mw - 958.24) <= 0.1)


# ----------------------------------------------------------------------------- temsirolimus / sirolimus
def tem_pk_01(cs: Cases) -> CaseResult:
    c30 = float(cs.tem_infusion(30)["temsirolimus_blood_ng_mL"].max())
    c60 = float(cs.tem_infusion(60)["temsirolimus_blood_ng_mL"].max())
    return CaseResult("TEM-PK-01", f"Cmax {_fmt(c30)} ng/mL (30-min infusion), {_fmt(c60)} ng/mL (60 min)",
                      "30-min infusion Cmax in 503-667 ng/mL", _within(c30, 503, 667),
                      "V1 and Q fitted to this row and TEM-PK-03 (scripts/fit_pk.py); a 60-min infusion peaks just "
                      "below the band")


def _tem_nca(cs: Cases) -> tuple[float, float, float]:
    tr = cs.tem_infusion(30)
    c = tr["temsirolimus_blood_ng_mL"]
    th = terminal_half_life(tr.t, c, 96.0, 240.0)
    return th, auc_inf(tr.t, c, th), aumc_inf(tr.t, c, th)


def tem_pk_02(cs: Cases) -> CaseResult:
    _, a, _ = _tem_nca(cs)
    return CaseResult("TEM-PK-02", f"AUCinf {_fmt(a)} ng*h/mL", "in 1204-2050 ng*h/mL", _within(a, 1204, 2050))


def tem_pk_03(cs: Cases) -> CaseResult:
    th, _, _ = _tem_nca(cs)
    return CaseResult("TEM-PK-03", f"t1/2 {_fmt(th)} h", "terminal t1/2 (fit 96-240 h) in 13-25 h", _within(th, 13, 25))


def tem_pk_04(cs: Cases) -> CaseResult:
    tr = cs.tem_infusion(30)
    th = terminal_half_life(tr.t, tr["sirolimus_blood_ng_mL"], 336.0)
    return CaseResult("TEM-PK-04", f"sirolimus t1/2 {_fmt(th)} h", "terminal t1/2 (fit 336-1008 h) in 45-65 h",
                      _within(th, 45, 65))


def tem_pk_06(cs: Cases) -> CaseResult:
    th, a, am = _tem_nca(cs)
    cl = 25_000.0 / a  # ug / (ug*h/L)
    vss = cl * (am / a - 0.25)  # MRT corrected for a 30-min infusion
    ok = _within(cl, 16.2 * 0.75, 16.2 * 1.25) and _within(vss, 172 * 0.75, 172 * 1.25)
    return CaseResult("TEM-PK-06", f"CL {_fmt(cl)} L/h, Vss {_fmt(vss)} L (non-compartmental)",
                      "CL 16.2 and Vss 172 within +/- 25 %", ok)


def tem_pk_08(cs: Cases) -> CaseResult:
    bt, bs = 100 * (1 - cs.parameter("fu_tem")), 100 * (1 - cs.parameter("fu_sir"))
    return CaseResult("TEM-PK-08", f"{bt:.0f} % / {bs:.0f} % bound", "87 +/- 5 % and 92 +/- 5 %",
                      abs(bt - 87) <= 5 and abs(bs - 92) <= 5)


def tem_mw(cs: Cases) -> CaseResult:
    mt_ = cs.compiled.model.get_drug("temsirolimus").molar_mass
    ms = cs.compiled.model.get_drug("sirolimus").molar_mass
    return CaseResult("TEM-MW", f"{mt_:g} / {ms:g} g/mol", "1030.29 and 914.17 +/- 0.1 g/mol",
                      abs(mt_ - 1030.29) <= 0.1 and abs(ms - 914.17) <= 0.1)


def sir_pk_01(cs: Cases) -> CaseResult:
    bp = cs.parameter("BP_sir")
    tr = cs.memo("sir_single_oral", lambda: cs.simulate(mt.Dose("sirolimus", "5 mg"), fine_grid((0, 1008, 1.0))))
    th = terminal_half_life(tr.t, tr["sirolimus_blood_ng_mL"], 336.0)
    return CaseResult("SIR-PK-01", f"B/P {bp:g}; t1/2 {_fmt(th)} h after oral sirolimus", "t1/2 in 70-94 h",
                      _within(th, 70, 94))


def cpd_07(cs: Cases) -> CaseResult:
    tr = cs.tem_infusion(30)
    c = tr["sirolimus_blood_ng_mL"]
    a = auc_inf(tr.t, c, terminal_half_life(tr.t, c, 336.0))
    return CaseResult("CPD-07", f"sirolimus AUCinf {_fmt(a)} ng*h/mL after 25 mg temsirolimus",
                      "3810 +/- 25 % (2858-4763)", _within(a, 3810 * 0.75, 3810 * 1.25),
                      "CL_sir was fitted to this row (with all temsirolimus clearance forming sirolimus), so it is a consistency check")


# ----------------------------------------------------------------------------- binding
def _equilibrium(cs: Cases) -> mt.Trajectory:
    return cs.in_vitro("everolimus", "1 nM", (0.0, 504.0))


def bind_01(cs: Cases) -> CaseResult:
    tr = _equilibrium(cs)
    kd = float(tr["eve_cell"][-1] * tr["FKBP12"][-1] / tr["eve_FKBP12"][-1])
    return CaseResult("BIND-01", f"[D][FKBP12]/[D.FKBP12] = {kd:.4g} nM at equilibrium (1 nM everolimus, 21 d)",
                      "0.1-0.4 nM", _within(kd, 0.1, 0.4))


def bind_02(cs: Cases) -> CaseResult:
    knock_out = {"FKBP12_total": 0.0}
    tr = cs.in_vitro("temsirolimus", "26 uM", (0.0, 2.0), parameters=knock_out)
    free = float(tr["FRB_free_drug_block"][-1])
    kd = float(tr["tem_cell"][-1]) * free / (1 - free)
    return CaseResult("BIND-02", f"apparent Kd of FKBP12-free drug on FRB {kd / 1000:.4g} uM",
                      "25.2-26.8 uM", _within(kd, 25_200, 26_800), "simulated without FKBP12 so that only free drug binds")


def bind_03(cs: Cases) -> CaseResult:
    tr = _equilibrium(cs)
    kd = float(tr["eve_FKBP12"][-1] * tr["mTORC1"][-1] / tr["mTORC1_eve"][-1])
    return CaseResult("BIND-03", f"[D.FKBP12][mTORC1]/[ternary] = {kd:.4g} nM at equilibrium", "11.2-12.8 nM",
                      _within(kd, 11.2, 12.8))


def bind_04(cs: Cases) -> CaseResult:
    model = cs.compiled.model
    mtor_side = {"mTORC1", "mTOR_free"}
    fkbp_side = {"FKBP12"}
    # no reaction joins drug-free FKBP12 with mTOR or mTORC1
    joins = [r.name for r in model.reactions
             if {n for n, _ in r.reactants} & fkbp_side and {n for n, _ in r.reactants} & mtor_side]
    tr = cs.untreated()
    complexes = [n for n in tr.state_names if n.startswith(("mTORC1_", "mTOR_")) and n != "mTOR_free"]
    total = float(sum(np.abs(tr[n]).max() for n in complexes))
    size = "below 1e-12 nM" if total < 1e-12 else f"{total:.2g} nM"
    return CaseResult("BIND-04", f"{len(joins)} reactions join free FKBP12 to mTOR; FKBP12:mTOR complexes without drug {size}",
                      "no drug-free FKBP12:mTORC1 complex (below 1e-12 nM, i.e. round-off)", not joins and total < 1e-12)


def bind_05(cs: Cases) -> CaseResult:
    knock_out = {"FKBP12_total": 0.0}
    base = float(cs.untreated()["mTORC1_activity"][0])
    inhibition = {}
    for conc in ("1 uM", "10 uM", "20 uM"):
        tr = cs.in_vitro("temsirolimus", conc, (0.0, 2.0), parameters=knock_out)
        inhibition[conc] = 1 - float(tr["mTORC1_activity"][-1]) / base
    ok = inhibition["1 uM"] < 0.05 and inhibition["10 uM"] >= 0.2 and inhibition["20 uM"] >= 0.3
    text = ", ".join(f"{100 * v:.0f} % at {k}" for k, v in inhibition.items())
    return CaseResult("BIND-05", f"FKBP12-independent mTORC1 inhibition: {text}",
                      "onset only at >= 10 uM (< 5 % at 1 uM; >= 20 % at 10 uM, >= 30 % at 20 uM)", ok,
                      "FKBP12 knocked out; thresholds are this report's operationalisation of 'onset >= 10 uM'")


def bind_06(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("everolimus", "100 nM", (0.0, 1.0, 4.0, 24.0), variant="frb_mutant")
    inhibition = 1 - float(np.min(tr["pS6K1"][1:])) / float(tr["pS6K1"][0])
    wt = cs.in_vitro("everolimus", "100 nM", (0.0, 1.0, 4.0, 24.0))
    wt_inh = 1 - float(np.min(wt["pS6K1"][1:])) / float(wt["pS6K1"][0])
    torki = cs.in_vitro("sapanisertib", "100 nM", (0.0, 1.0, 4.0, 24.0), variant="frb_mutant")
    torki_inh = 1 - float(torki["pS6K1"][-1]) / float(torki["pS6K1"][0])
    return CaseResult("BIND-06", f"pS6K1 inhibition by 100 nM everolimus: mutant {100 * inhibition:.1f} % (wild type {100 * wt_inh:.1f} %)",
                      "mutant < 20 %", inhibition < 0.2,
                      f"the catalytic inhibitor sapanisertib (100 nM) still inhibits mutant pS6K1 by {100 * torki_inh:.0f} % at 24 h")


# ----------------------------------------------------------------------------- cellular pharmacodynamics
PD_TIMES = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0)


def pd_02(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("sirolimus", "20 nM", PD_TIMES)
    rel = tr["pS6K1"] / tr["pS6K1"][0]
    window = rel[tr.t >= 1.0]
    return CaseResult("PD-02", f"pS6K1 {100 * window.min():.1f}-{100 * window.max():.1f} % of control over 1-24 h (sirolimus 20 nM)",
                      "< 20 % of control from 1 h to 24 h", bool(np.all(window < 0.2)),
                      "concentration of the Choo 2008 experiments not retrievable; 20 nM as in PD-03")


def pd_03(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("everolimus", "20 nM", PD_TIMES)
    inh = 1 - tr["pS6K1"] / tr["pS6K1"][0]
    window = inh[tr.t >= 1.0]
    return CaseResult("PD-03", f"S6K1 inhibition {100 * window.min():.1f} % at 1 h, {100 * window[-1]:.1f} % at 24 h",
                      ">= 95 % from 1 h of exposure on", bool(np.all(window >= 0.95)))


LONG = (0.0, 1.0, 24.0, 504.0)


def pd_04(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("everolimus", "20 nM", LONG)
    ratio = float(tr["pAKT_S473"][-1] / tr["pAKT_S473"][0])
    return CaseResult("PD-04", f"pAKT S473 treated/control {ratio:.3f} at steady state (21 d, 20 nM everolimus); "
                      f"{tr['pAKT_S473'][2] / tr['pAKT_S473'][0]:.3f} at 24 h", "ratio > 1", ratio > 1.0,
                      f"with mTORC2 reduced to {100 * tr['mTORC2_assembled'][-1] / tr['mTORC2_assembled'][0]:.0f} % by sequestration")


def pd_05(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("everolimus", "20 nM", LONG, variant="feedback_off")
    ratios = tr["pAKT_S473"][1:] / tr["pAKT_S473"][0]
    return CaseResult("PD-05", f"pAKT S473 treated/control {', '.join(f'{r:.3f}' for r in ratios)} at 1 h, 24 h, 21 d (feedback_off)",
                      "ratio <= 1.05", bool(np.all(ratios <= 1.05)))


def pd_08(cs: Cases) -> CaseResult:
    tr = cs.in_vitro("everolimus", "20 nM", PD_TIMES)
    m = tr.t <= 1.0
    ratios = tr["pAKT_S473"][m] / tr["pAKT_S473"][0]
    cat = cs.in_vitro("sapanisertib", "100 nM", PD_TIMES)
    s473 = cat["pAKT_S473"] / cat["pAKT_S473"][0]
    t308 = cat["pAKT_T308"] / cat["pAKT_T308"][0]
    low = int(np.argmin(t308))
    return CaseResult("PD-08", f"pAKT S473 {ratios.min():.3f}-{ratios.max():.3f} x control over 0-1 h (everolimus 20 nM)",
                      ">= 0.9 x control up to 1 h", bool(np.all(ratios >= 0.9)),
                      f"contrast, sapanisertib 100 nM: S473 {s473[-1]:.2f} x control at 24 h; T308 down to "
                      f"{t308[low]:.2f} x at {cat.t[low]:g} h, back to {t308[-1]:.2f} x at 24 h")


# ----------------------------------------------------------------------------- clinical pharmacodynamics
def cpd_02(cs: Cases) -> CaseResult:
    daily = cs.eve_daily(10)
    rel_daily = float(daily["pS6"][-1] / daily["pS6"][0])  # 24 h after dose 28
    rel = {"10 mg/d (24 h post-dose, day 28)": rel_daily}
    for mg in (50, 70):
        tr = cs.eve_weekly(mg)
        i = int(np.argmin(np.abs(tr.t - (3 * 168 + 120))))
        rel[f"{mg} mg/wk (day 5 after dose 4)"] = float(tr["pS6"][i] / tr["pS6"][0])
    text = "; ".join(f"{100 * v:.1f} % ({k})" for k, v in rel.items())
    return CaseResult("CPD-02", f"tumour pS6 relative to baseline: {text}", "<= 20 % of baseline at biopsy time",
                      all(v <= 0.2 for v in rel.values()))


def cpd_06(cs: Cases) -> CaseResult:
    tr = cs.eve_daily(10)
    m = (tr.t >= 648) & (tr.t <= 672)
    inh = 1 - float(tr["mTORC1_activity"][m].max() / tr["mTORC1_activity"][0])
    return CaseResult("CPD-06", f"maximal inhibition {100 * (1 - tr['mTORC1_activity'][m].min() / tr['mTORC1_activity'][0]):.0f} %, "
                      f"trough {100 * inh:.0f} % (tumour-cell mTORC1 activity, 10 mg/d)", "45-65 %", _within(inh, 0.45, 0.65))


# ----------------------------------------------------------------------------- proliferation (mtorsim.growth)
_POT_CONC = np.geomspace(0.01, 3e4, 16)


def _viability(cs: Cases, line: str) -> Any:
    from mtorsim.growth import cell_lines, viability_assay

    return cs.memo(f"viability-{line}", lambda: viability_assay(cell_lines(line), "everolimus", _POT_CONC,
                                                                  model=cs.compiled))


def _pot_single(cs: Cases, row: str, line: str, target: float) -> CaseResult:
    ic50 = _viability(cs, line).ic50(72.0)
    return CaseResult(row, f"{line}: everolimus IC50 {_fmt(ic50)} nM at 72 h (in-silico viability assay)",
                      f"within 3-fold of {target:g} nM", _within(ic50, target / 3, target * 3),
                      "calibration: the line's medium exposure factor was fitted to this row (scripts/fit_growth.py); "
                      "exposure time assumed 72 h")


def pot_01(cs: Cases) -> CaseResult:
    return _pot_single(cs, "POT-01", "BT474", 71.0)


def pot_03(cs: Cases) -> CaseResult:
    return _pot_single(cs, "POT-03", "NCI-H460", 65.94)


def pot_04(cs: Cases) -> CaseResult:
    return _pot_single(cs, "POT-04", "NCI-H661", 23.18)


def pot_05(cs: Cases) -> CaseResult:
    parts, ok = [], True
    for line, target in (("Caki-2", 1006.0), ("786-O", 1151.0)):
        assay = _viability(cs, line)
        i72, i168 = assay.ic50(72.0), assay.ic50(168.0)
        ok &= (math.isnan(i72) or i72 > 1e4) and _within(i168, target / 3, target * 3)
        parts.append(f"{line}: 72 h {'> 30 uM (not reached)' if math.isnan(i72) else _fmt(i72) + ' nM'}, "
                     f"168 h {_fmt(i168)} nM")
    return CaseResult("POT-05", "; ".join(parts), "72 h IC50 > 10 uM; 168 h within 3-fold of 1006 / 1151 nM", ok,
                      "the 168 h values calibrate each line's mTORC1 dependence (scripts/fit_growth.py); "
                      "the 72 h values are predictions")


CASES: dict[str, Callable[[Cases], CaseResult]] = {
    "EVE-PK-01": eve_pk_01, "EVE-PK-02": eve_pk_02, "EVE-PK-04": eve_pk_04, "EVE-PK-05": eve_pk_05,
    "EVE-PK-07": eve_pk_07, "EVE-PK-08": eve_pk_08, "EVE-PK-09": eve_pk_09, "EVE-PK-13": eve_pk_13,
    "EVE-PK-15": eve_pk_15, "EVE-PK-16": eve_pk_16, "EVE-PK-17": eve_pk_17, "EVE-PK-19": eve_pk_19,
    "EVE-MW": eve_mw,
    "TEM-PK-01": tem_pk_01, "TEM-PK-02": tem_pk_02, "TEM-PK-03": tem_pk_03, "TEM-PK-04": tem_pk_04,
    "TEM-PK-06": tem_pk_06, "TEM-PK-08": tem_pk_08, "TEM-MW": tem_mw, "SIR-PK-01": sir_pk_01,
    "BIND-01": bind_01, "BIND-02": bind_02, "BIND-03": bind_03, "BIND-04": bind_04, "BIND-05": bind_05,
    "BIND-06": bind_06,
    "PD-02": pd_02, "PD-03": pd_03, "PD-04": pd_04, "PD-05": pd_05, "PD-08": pd_08,
    "CPD-02": cpd_02, "CPD-06": cpd_06, "CPD-07": cpd_07,
    "POT-01": pot_01, "POT-03": pot_03, "POT-04": pot_04, "POT-05": pot_05,
}


#: Rows the model is compared with but does not meet, and why.
KNOWN_FAILURES: dict[str, str] = {
    "EVE-PK-05": "de Wit 2016's first-order absorption without lag (ka 0.647/h) into a 25 L central volume "
                 "peaks at 0.7 h; the later steady-state tmax of this Chinese cohort (2-3 h) would need a "
                 "lag or transit absorption (as in ter Heine 2018), which no fitted parameter set at hand provides",
    "SIR-PK-01": "one sirolimus disposition serves both routes and is calibrated to cancer patients after "
                 "temsirolimus (t1/2 54.6 h, TEM-PK-04); the healthy-volunteer t1/2 of 82 h cannot be met "
                 "at the same time (the blood/plasma ratio 36 is used as published)",
    "CPD-06": "the model's tumour cell has everolimus-FKBP12 at sub-nM affinity saturating mTORC1 at "
              "therapeutic unbound levels; the ~56 % ceiling measured in PBMCs with a different assay "
              "(kinase activity ex vivo) is not represented",
}

#: Rows outside the model's scope, and why.
NOT_COVERED: dict[str, str] = {
    "EVE-PK-14": "no food effect on absorption is modelled",
    "TEM-PK-09": "no CYP3A induction parameter (rifampin) is modelled",
    "POT-06": "the nine TNBC lines have no per-line growth parameters (mtorsim.growth calibrates one line per "
              "published IC50; a distribution over unnamed lines has nothing to fit)",
}


def run_case(cs: Cases, row: str) -> CaseResult:
    """Evaluate one covered row."""
    return CASES[row](cs)
