"""Structure and behaviour of the bundled model (models/pi3k_akt_mtor.yaml).

The reference rows live in test_validation_cases.py; here: conservation along
trajectories, the CLI contract, sources of every number, variants, body-size
scaling, the combination partners, the analytic Jacobian and a stiffness guard.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mtorsim as mt
from conftest import run_cli
from mtorsim.loading import BUNDLED_MODEL
from mtorsim.spec import Start

MODEL = "pi3k_akt_mtor"
CONTRACT_FRACTIONS = ("pS6K1", "pS6", "p4EBP1", "pAKT_S473", "pAKT_T308", "mTORC1_activity", "mTORC2_activity")
CONTRACT_PK = ("everolimus_blood_ng_mL", "temsirolimus_blood_ng_mL", "sirolimus_blood_ng_mL")


@pytest.fixture(scope="module")
def compiled(compile_ok):
    return compile_ok(MODEL)


@pytest.fixture(scope="module")
def mixed_run(compiled):
    """All three rapalogs, an infusion, a washout and the mTOR kinase inhibitor in one run."""
    regimen = (
        mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=3)
        + mt.Regimen.single(mt.Dose("temsirolimus", "25 mg", "iv", time="30 h", duration="30 min"))
        + mt.Regimen.in_vitro("sirolimus", "5 nM", start="10 h", washout="40 h")
        + mt.Regimen.in_vitro("sapanisertib", "30 nM", start="50 h", washout="60 h")
    )
    return mt.simulate(compiled, regimen, t_end="4 d", n_points=401)


# ----------------------------------------------------------------------------- conservation
def _totals(tr: mt.Trajectory) -> dict[str, np.ndarray]:
    drugs = ("eve", "tem", "sir")
    return {
        "FKBP12": tr["FKBP12"] + sum(tr[f"{d}_FKBP12"] + tr[f"mTORC1_{d}"] + tr[f"mTOR_{d}"] for d in drugs),
        "mTOR": tr["mTOR_free"] + tr["mTORC1"] + tr["mTORC2"] + sum(tr[f"mTORC1_{d}"] + tr[f"mTOR_{d}"] for d in drugs),
        "S6K1": tr["S6K1"] + tr["S6K1_pT389"],
        "4E-BP1": tr["EBP1"] + tr["EBP1_p"] + tr["EBP1_eIF4E"],
        "AKT": tr["AKT"] + tr["AKT_pT308"] + tr["AKT_pT308_pS473"],
    }


def test_protein_totals_are_conserved_along_a_dosed_trajectory(mixed_run):
    expected = {"FKBP12": 2000.0, "mTOR": 30.0, "S6K1": 50.0, "4E-BP1": 50.0, "AKT": 144.13}
    assert mixed_run["FKBP12_occupancy"].max() > 0.5  # the drugs did bind
    for name, total in _totals(mixed_run).items():
        assert np.all(np.abs(total / expected[name] - 1.0) < 1e-9), name


def test_protein_totals_are_conservation_laws_of_the_network(compiled):
    """Each total is a left null vector of S, and lies in the span of network.conservation_laws."""
    net = compiled.network
    names = net.state_names
    laws = np.array([[law.coefficients.get(n, 0.0) for n in names] for law in net.conservation_laws])
    drugs = ("eve", "tem", "sir")
    members = {
        "FKBP12": ["FKBP12"] + [f"{p}{d}{s}" for d in drugs for p, s in (("", "_FKBP12"), ("mTORC1_", ""), ("mTOR_", ""))],
        "mTOR": ["mTOR_free", "mTORC1", "mTORC2"] + [f"{p}{d}" for d in drugs for p in ("mTORC1_", "mTOR_")],
        "S6K1": ["S6K1", "S6K1_pT389"],
        "4E-BP1": ["EBP1", "EBP1_p", "EBP1_eIF4E"],
        "AKT": ["AKT", "AKT_pT308", "AKT_pT308_pS473"],
    }
    for name, species in members.items():
        w = np.array([1.0 if n in species else 0.0 for n in names])
        assert np.allclose(w @ net.stoichiometry, 0.0), name
        coef, *_ = np.linalg.lstsq(laws.T, w, rcond=None)
        assert np.allclose(laws.T @ coef, w, atol=1e-10), name


# ----------------------------------------------------------------------------- contract
def test_bundled_model_is_the_default():
    assert BUNDLED_MODEL == MODEL
    assert {"pi3k_akt_mtor", "rapalog_minimal"} <= set(mt.bundled_models())
    mt.load_model("rapalog_minimal")  # the small example still loads


def test_cli_contract_columns_exist_with_units(compiled):
    outputs = dict(zip(compiled.output_names, compiled.network.output_units, strict=True))
    for name in CONTRACT_PK:
        assert outputs[name] == "ng/mL"
    for name in CONTRACT_FRACTIONS:
        assert outputs[name] in ("", "1", "dimensionless")
    assert outputs["IRS1"] == "nM"
    assert compiled.model.start is Start.STEADY_STATE


def test_fractions_stay_between_0_and_1(mixed_run):
    for name in CONTRACT_FRACTIONS + ("cap_translation", "FKBP12_occupancy"):
        v = mixed_run[name]
        assert np.all(v >= -1e-9) and np.all(v <= 1 + 1e-9), name
    assert np.all(mixed_run["IRS1"] > 0)


def test_every_parameter_has_a_source(compiled):
    """A citation, 'fit: <script>' naming a file in the repository, or 'assumed: <why>'."""
    repo = Path(__file__).resolve().parents[1]
    for p in compiled.model.parameters:
        if p.derived:
            continue
        source = p.source.strip()
        assert source, p.name
        if source.startswith("fit"):
            assert source.startswith("fit: "), p.name
            assert (repo / source[5:].split(",")[0].strip()).is_file(), (p.name, source)
        if source.startswith("assumed"):
            assert source.startswith("assumed: ") and len(source.split()) >= 4, (p.name, source)


def test_drugs_and_routes(compiled):
    drugs = {d.name: d for d in compiled.model.drugs}
    assert set(drugs) == {"everolimus", "temsirolimus", "sirolimus", "sapanisertib", "alpelisib", "capivasertib"}
    routes = {name: {r.value for r in d.routes} for name, d in drugs.items()}
    assert routes["everolimus"] >= {"oral", "ip", "medium"}
    assert routes["temsirolimus"] >= {"iv", "infusion", "ip", "medium"}
    assert routes["sirolimus"] >= {"oral", "ip", "medium"}
    for partner in ("sapanisertib", "alpelisib", "capivasertib"):
        assert routes[partner] == {"medium"}


def test_variants_and_the_feedback_switch(compiled):
    variants = {v.name: v for v in compiled.model.variants}
    assert {"feedback_off", "frb_mutant", "tsc2_loss", "pten_loss", "pik3ca_active", "mouse"} <= set(variants)
    assert dict(variants["feedback_off"].overrides) == {"feedback_strength": 0.0}


def test_untreated_start_is_a_steady_state(compiled):
    tr = mt.simulate(compiled, None, t_end="48 h", n_points=3)
    for name in CONTRACT_FRACTIONS + ("IRS1",):
        assert tr[name][-1] == pytest.approx(tr[name][0], rel=1e-6), name


# ----------------------------------------------------------------------------- numerics
def test_jacobian_matches_finite_differences(compiled, mixed_run):
    y = mixed_run.states[60].copy()
    p = mixed_run.parameters.copy()
    n = compiled.n_states
    J = np.empty((n, n))
    compiled.jac(0.0, y, p, J)
    f0, f1 = np.empty(n), np.empty(n)
    for k in range(n):
        h = 1e-5 * max(abs(y[k]), 0.1)  # central differences: truncation O(h^2), round-off O(eps/h)
        yp, ym = y.copy(), y.copy()
        yp[k] += h
        ym[k] -= h
        compiled.rhs(0.0, yp, p, f0)
        compiled.rhs(0.0, ym, p, f1)
        fd = (f0 - f1) / (2 * h)
        assert np.allclose(J[:, k], fd, rtol=1e-4, atol=1e-6 * (1 + np.abs(fd).max())), compiled.state_names[k]


def test_28_day_daily_everolimus_run_stays_cheap(compiled):
    """Stiffness guard: a lost or wrong Jacobian shows up as many more RHS/Jacobian calls."""
    regimen = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=28)
    tr = mt.simulate(compiled, regimen, t_end="28 d")
    assert tr.stats["segments"] == 28
    assert tr.stats["njev"] < 1000
    assert tr.stats["nfev"] < 40_000


# ----------------------------------------------------------------------------- body size and mouse PK
def test_mouse_variant_scales_half_life_allometrically(compiled):
    """All clearances scale as BW^0.75 and volumes as BW, so every half-life scales as BW^0.25."""
    grid = np.concatenate([np.linspace(0, 24, 241), np.linspace(25, 200, 176)])

    def half_life(variant, body_weight, t0, t1):
        tr = mt.simulate(compiled, mt.Dose("temsirolimus", "1 mg", "iv"), t_eval=grid, variant=variant,
                         body_weight=body_weight, rtol=1e-8, atol=1e-12)
        m = (tr.t >= t0) & (tr.t <= t1)
        return -math.log(2) / np.polyfit(tr.t[m], np.log(tr["temsirolimus_blood_ng_mL"][m]), 1)[0]

    human = half_life(None, None, 96, 200)
    mouse = half_life("mouse", None, 96 * (0.025 / 70) ** 0.25, 200 * (0.025 / 70) ** 0.25)
    assert mouse / human == pytest.approx((0.025 / 70) ** 0.25, rel=0.01)
    assert half_life("mouse", "25 g", 13, 27) == pytest.approx(mouse, rel=1e-6)


def test_body_weight_argument_sets_the_model_parameter(compiled):
    tr = mt.simulate(compiled, mt.Dose("everolimus", "0.1 mg/kg"), t_end="2 h", n_points=5, body_weight="35 kg")
    assert tr.parameters[compiled.parameter_index("body_weight")] == pytest.approx(35e6)  # mg
    with pytest.raises(mt.ScheduleError, match="body_weight"):
        mt.simulate(compiled, mt.Dose("everolimus", "0.1 mg/kg"), t_end="2 h")


def test_mouse_ip_temsirolimus_regimen_inhibits_tumour_ps6(compiled):
    regimen = mt.Regimen.repeat(mt.Dose("temsirolimus", "20 mg/kg", "ip"), every="24 h", count=3)
    tr = mt.simulate(compiled, regimen, t_end="3 d", n_points=73, variant="mouse", body_weight="25 g")
    assert tr["temsirolimus_blood_ng_mL"].max() > 0 and tr["sirolimus_blood_ng_mL"][-1] > 0
    assert tr["pS6"][-1] < 0.2 * tr["pS6"][0]


# ----------------------------------------------------------------------------- biology of the partners
def _in_vitro(compiled, drug, conc, t=(0.0, 1.0, 24.0), variant=None):
    return mt.simulate(compiled, mt.Regimen.in_vitro(drug, conc), t_eval=np.array(t), variant=variant)


def test_catalytic_mtor_inhibitor_hits_both_complexes(compiled):
    tr = _in_vitro(compiled, "sapanisertib", "100 nM", t=(0.0, 0.25, 1.0, 24.0))
    base = mt.simulate(compiled, None, t_end=1, n_points=2)
    assert tr["pAKT_S473"][-1] < 0.5 * base["pAKT_S473"][0]
    assert tr["p4EBP1"][-1] < 0.5 * base["p4EBP1"][0]  # unlike rapalogs
    t308 = tr["pAKT_T308"] / base["pAKT_T308"][0]
    assert t308[2] < 0.9 and t308[-1] > t308[2]  # transiently down, then restored by feedback relief


def test_rapalog_spares_4ebp1_more_than_s6k1(compiled):
    tr = _in_vitro(compiled, "everolimus", "20 nM")
    assert tr["pS6K1"][-1] / tr["pS6K1"][0] < 0.05
    assert tr["p4EBP1"][-1] / tr["p4EBP1"][0] > 0.5


def test_pi3k_and_akt_inhibitors_reduce_mtorc1_signalling(compiled):
    base = mt.simulate(compiled, None, t_end=1, n_points=2)
    pi3k = _in_vitro(compiled, "alpelisib", "1 uM")
    akt = _in_vitro(compiled, "capivasertib", "5 uM")
    assert pi3k["PIP3_fraction"][-1] < 0.3 * base["PIP3_fraction"][0]
    assert pi3k["pAKT_T308"][-1] < base["pAKT_T308"][0]
    assert akt["pTSC2"][-1] < base["pTSC2"][0]
    for tr in (pi3k, akt):
        assert tr["pS6K1"][-1] < base["pS6K1"][0]


@pytest.mark.parametrize("variant, observable", [("tsc2_loss", "mTORC1_activity"), ("pten_loss", "pAKT_T308"),
                                                 ("pik3ca_active", "pAKT_T308")])
def test_oncogenic_variants_raise_pathway_activity(compiled, variant, observable):
    wt = mt.simulate(compiled, None, t_end=1, n_points=2)
    mut = mt.simulate(compiled, None, t_end=1, n_points=2, variant=variant)
    assert mut[observable][0] > 1.05 * wt[observable][0]


def test_washout_reverses_inhibition(compiled):
    tr = mt.simulate(compiled, mt.Regimen.in_vitro("everolimus", "1 nM", washout="24 h"),
                     t_eval=np.array([0.0, 24.0, 24.0 * 14]))
    assert tr["pS6K1"][1] < 0.5 * tr["pS6K1"][0]
    assert tr["pS6K1"][2] > 0.9 * tr["pS6K1"][0]


# ----------------------------------------------------------------------------- the "done when" command
def test_done_when_command_writes_csv_and_figure(tmp_path, cache_dir, compiled):
    out, fig = tmp_path / "e.csv", tmp_path / "e.png"
    res = run_cli("simulate", "--drug", "everolimus", "--dose", "10 mg", "--every", "24 h", "--count", "28",
                  "--t-end", "28 d", "--output", str(out), "--plot", "pS6K1", "-o", str(fig), cache=cache_dir)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    required = ["time_h", *CONTRACT_PK, "pS6K1", "pS6", "p4EBP1", "pAKT_S473", "pAKT_T308", "IRS1",
                "mTORC1_activity", "mTORC2_activity"]
    assert list(table.columns[: 1]) == ["time_h"]
    assert set(required) <= set(table.columns)
    assert table["time_h"].iloc[-1] == pytest.approx(672.0)
    assert fig.stat().st_size > 10_000
    # the biology: S6K1 phosphorylation falls within the first day and stays down for 4 weeks
    p = table["pS6K1"].to_numpy()
    t = table["time_h"].to_numpy()
    assert np.all(p[t >= 24] < 0.1 * p[0])
    first_day = table["everolimus_blood_ng_mL"].to_numpy()[t <= 24]
    assert first_day.max() == pytest.approx(59.3, rel=0.05)  # Cmax of the first 10 mg dose
