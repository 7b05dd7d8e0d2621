"""Trajectory: named access, units, tables."""

from __future__ import annotations

import numpy as np
import pytest

import mtorsim as mt


def test_trajectory_names_units_and_dataframe(compile_ok):
    compiled = compile_ok("pk_oral_1cpt")
    traj = mt.simulate(compiled, mt.Dose("testdrug", "10 mg"), t_end="24 h", n_points=25)
    assert traj["drug_central"].shape == (25,)
    assert traj.unit("drug_central") == "nM" and traj.unit("drug_gut") == "nmol"
    assert traj.unit("conc_ng_mL") == "ng/mL"
    q = traj.quantity("conc_ng_mL")
    assert q.to("ug/mL").magnitude[5] == pytest.approx(traj["conc_ng_mL"][5] / 1000)
    np.testing.assert_array_equal(traj["ka"], np.full(25, 1.2))
    df = traj.to_dataframe()
    assert list(df.columns) == ["time_h", "conc_ng_mL"]
    assert df.attrs["units"]["conc_ng_mL"] == "ng/mL"
    assert list(traj.to_dataframe("all").columns) == ["time_h", "drug_gut", "drug_central", "conc_ng_mL"]
    np.testing.assert_array_equal(traj.dose_times, [0.0])
    with pytest.raises(mt.UnknownNameError, match="did you mean 'drug_central'"):
        traj["drug_centrl"]
