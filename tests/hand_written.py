"""Hand-written right-hand sides of the test models, in canonical units (the codegen oracle).

Each function takes the state and a dict of canonical parameter values and returns dy/dt,
written from the model files by hand, independently of the generated code.
"""

from __future__ import annotations

import numpy as np


def enzyme(t, y, p):
    E, S, ES, P = y
    v_bind = p["kon"] * E * S - p["kon"] * p["Kd"] * ES
    v_cat = p["kcat"] * ES
    return np.array([-v_bind + v_cat, -v_bind, v_bind - v_cat, v_cat])


def pk_oral_1cpt(t, y, p):
    gut, central = y
    absorbed = p["ka"] * gut  # nmol/h
    cleared = p["CL"] * central  # nmol/h
    return np.array([-absorbed, (absorbed - cleared) / p["plasma"]])


def reversible(t, y, p):
    A, B = y
    v = p["kf"] * A - p["kr"] * B
    return np.array([-v, v])


def michaelis_menten(t, y, p):
    S, P, R = y
    conv = p["Vmax"] * S / (p["Km"] + S)
    n = p["n_hill"]
    syn = p["ksyn"] * P**n / (p["K_act"] ** n + P**n)
    deg = p["kdeg"] * min(R, p["cap"]) + p["kdeg"] * max(R - p["cap"], 0.0)
    leak = p["kdeg"] * P if t > p["t_switch"] else 0.0
    return np.array([-conv + leak, conv - leak, syn - deg])


def two_compartment_iv(t, y, p):
    C1, C2, elim = y
    cl = p["CL"] * C1
    dist = p["Q"] * (C1 - C2)
    return np.array([(p["infusion_rate"] - cl - dist) / p["central"], dist / p["peripheral"], cl])


def decay(t, y, p):
    return np.array([-p["k"] * y[0]])


def rapalog_minimal(t, y, p):
    gut, central, periph, cell, F, EF, M, MI, S, pS = y
    absorption = p["ka"] * gut
    elimination = p["CL"] * central
    distribution = p["Q"] * (central - periph)
    uptake = p["k_uptake"] * (p["fu_cell"] * central + p["eve_medium"] - cell)
    koff_f = p["kon_FKBP12"] * p["Kd_FKBP12"]
    bind_f = p["kon_FKBP12"] * cell * F - koff_f * EF
    koff_frb = p["kon_FRB"] * p["Kd_FRB"]
    bind_m = p["kon_FRB"] * EF * M - koff_frb * MI
    phos = p["kcat_S6K1"] * M * S
    dephos = p["k_dephos_S6K1"] * pS
    return np.array([
        -absorption,
        (absorption - elimination - distribution) / p["central"],
        distribution / p["peripheral"],
        uptake - bind_f,
        -bind_f,
        bind_f - bind_m,
        -bind_m,
        bind_m,
        -phos + dephos,
        phos - dephos,
    ])


HAND_WRITTEN = {
    "enzyme": enzyme,
    "pk_oral_1cpt": pk_oral_1cpt,
    "reversible": reversible,
    "michaelis_menten": michaelis_menten,
    "two_compartment_iv": two_compartment_iv,
    "decay": decay,
    "rapalog_minimal": rapalog_minimal,
}

