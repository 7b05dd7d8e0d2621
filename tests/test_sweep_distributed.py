"""The same sweep on a Dask cluster and in a local process pool equals the serial sweep."""

from __future__ import annotations

import pandas as pd
import pytest

import mtorsim as mt
from mtorsim.metrics import Metric
from mtorsim.sweeps import ParameterSpace, ProcessExecutor, Uniform, sweep


@pytest.fixture(scope="module")
def arguments(compile_ok):
    return dict(model=compile_ok("pk_oral_1cpt"), metrics=[Metric.auc("drug_central"), Metric.tmax("drug_central")],
                regimens={"q12h": mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="12 h", count=2)},
                doses=[1.0, 2.0], parameters=ParameterSpace([Uniform("CL", 5, 20)]).latin_hypercube(3, seed=2),
                t_end="24 h", n_points=25, rtol=1e-5, atol=1e-7, chunk_size=2, progress=False)


def test_dask_cluster_sweep_equals_local_sweep(arguments, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = sweep(**arguments).table
    # one worker *process*: the compiled model must travel by pickle (its cache key), not by reference
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = sweep(**arguments, client=client, store=tmp_path / "dask")
    pd.testing.assert_frame_equal(remote.table, local)
    assert remote.n_computed == len(local)


def test_process_pool_sweep_equals_serial_sweep(arguments):
    local = sweep(**arguments).table
    # "fork" keeps the test fast (workers inherit the imported package); tasks are still pickled,
    # and the Dask test above covers workers that start from nothing
    pooled = sweep(**arguments, executor=ProcessExecutor(2, start_method="fork"))
    pd.testing.assert_frame_equal(pooled.table, local)


def test_executor_and_client_are_exclusive(arguments):
    with pytest.raises(ValueError, match="either"):
        sweep(**arguments, executor=ProcessExecutor(1), client=object())
