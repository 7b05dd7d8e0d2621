"""Robust long sweeps: incremental Parquet store, resume after a crash or a kill, chunk failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest

import mtorsim as mt
from conftest import OK_MODELS, SRC
from mtorsim.metrics import Metric
from mtorsim.sweeps import ChunkOutcome, ParameterSpace, SerialExecutor, Uniform, read_store, sweep

MODEL = OK_MODELS / "pk_oral_1cpt.yaml"


def arguments(compile_ok) -> dict:
    space = ParameterSpace([Uniform("CL", 5, 20), Uniform("ka", 0.5, 2.0, scale="log")])
    return dict(model=compile_ok("pk_oral_1cpt"), metrics=[Metric.auc("drug_central"), Metric.max("drug_central")],
                regimens={"q12h": mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="12 h", count=2),
                          "single": mt.Regimen.single(mt.Dose("testdrug", "20 mg"))},
                doses=[0.5, 1.0], parameters=space.latin_hypercube(3, seed=11), t_end="24 h", n_points=25,
                rtol=1e-5, atol=1e-7, progress=False)


class CrashAfter:
    """An executor that dies (like Ctrl-C) after delivering ``n`` chunks."""

    def __init__(self, n: int) -> None:
        self.n = n

    def map(self, tasks: Iterable) -> Iterator[ChunkOutcome]:
        for i, outcome in enumerate(SerialExecutor().map(tasks)):
            if i == self.n:
                raise KeyboardInterrupt
            yield outcome


class LoseChunk:
    """An executor whose worker 'crashes' on one chunk."""

    def __init__(self, index: int) -> None:
        self.index = index

    def map(self, tasks: Iterable) -> Iterator[ChunkOutcome]:
        for outcome in SerialExecutor().map(tasks):
            if outcome.index == self.index:
                yield ChunkOutcome(outcome.index, None, "BrokenProcessPool: worker died")
            else:
                yield outcome


def test_store_holds_exactly_the_in_memory_result(compile_ok, tmp_path):
    args = arguments(compile_ok)
    in_memory = sweep(**args, chunk_size=5).table
    stored = sweep(**args, chunk_size=5, store=tmp_path / "s").table
    pd.testing.assert_frame_equal(in_memory, stored)
    assert len(list((tmp_path / "s" / "chunks").glob("chunk-*.parquet"))) == 4  # 6 points per regimen
    pd.testing.assert_frame_equal(read_store(tmp_path / "s"), stored, check_like=False)


def test_resume_after_a_crash_gives_exactly_the_uninterrupted_result(compile_ok, tmp_path):
    args = arguments(compile_ok)
    reference = sweep(**args, chunk_size=2).table
    store = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        sweep(**args, chunk_size=2, store=store, executor=CrashAfter(3))
    assert len(list((store / "chunks").glob("chunk-*.parquet"))) == 3
    resumed = sweep(**args, chunk_size=2, store=store)
    assert resumed.n_computed == len(reference) - 6
    pd.testing.assert_frame_equal(resumed.table, reference)
    assert resumed.table["point_id"].is_unique
    again = sweep(**args, chunk_size=2, store=store)  # nothing left to do
    assert again.n_computed == 0
    pd.testing.assert_frame_equal(again.table, reference)


def test_resume_after_the_process_is_killed(compile_ok, tmp_path, cache_dir):
    store = tmp_path / "killed"
    script = tmp_path / "run_sweep.py"
    script.write_text(textwrap.dedent(f"""
        import mtorsim as mt
        from mtorsim.metrics import Metric
        from mtorsim.sweeps import ParameterSpace, Uniform, sweep
        compiled = mt.compile_model({str(MODEL)!r}, cache_dir={str(cache_dir)!r})
        space = ParameterSpace([Uniform("CL", 5, 20)])
        sweep(compiled, metrics=[Metric.auc("drug_central")],
              regimens=mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="6 h", count=4),
              parameters=space.latin_hypercube(20, seed=5), t_end="24 h", n_points=49, rtol=1e-5,
              store={str(store)!r}, chunk_size=1, progress=False)
    """))
    env = dict(os.environ, PYTHONPATH=str(SRC))
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL, stderr=err)
        chunks = store / "chunks"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if chunks.exists() and len(list(chunks.glob("chunk-*.parquet"))) >= 2:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, log.read_text()
    done_before = len(list(chunks.glob("chunk-*.parquet")))
    assert 2 <= done_before < 20

    compiled = mt.compile_model(MODEL, cache_dir=cache_dir)
    args = dict(metrics=[Metric.auc("drug_central")],
                regimens=mt.Regimen.repeat(mt.Dose("testdrug", "10 mg"), every="6 h", count=4),
                parameters=ParameterSpace([Uniform("CL", 5, 20)]).latin_hypercube(20, seed=5), t_end="24 h",
                n_points=49, rtol=1e-5, chunk_size=1, progress=False)
    resumed = sweep(compiled, store=store, **args)
    assert resumed.n_computed == 20 - done_before
    pd.testing.assert_frame_equal(resumed.table, sweep(compiled, **args).table)


def test_partial_files_are_ignored_and_truncated_chunks_recomputed(compile_ok, tmp_path):
    args = arguments(compile_ok)
    store = tmp_path / "s"
    reference = sweep(**args, chunk_size=3, store=store).table
    chunks = store / "chunks"
    (chunks / ".chunk-000002.parquet.123.tmp").write_bytes(b"half a file")
    broken = chunks / "chunk-000001.parquet"
    pd.read_parquet(broken).head(2).to_parquet(broken, index=False)  # a truncated copy
    with pytest.warns(mt.MtorsimWarning, match="discarding chunk file"):
        resumed = sweep(**args, chunk_size=3, store=store)
    assert resumed.n_computed == 3
    assert not list(chunks.glob(".*.tmp"))
    pd.testing.assert_frame_equal(resumed.table, reference)


def test_a_store_refuses_a_different_sweep(compile_ok, tmp_path):
    args = arguments(compile_ok)
    sweep(**args, chunk_size=4, store=tmp_path / "s")
    other = dict(args, doses=[0.25, 1.0])
    with pytest.raises(mt.SweepError, match="different sweep"):
        sweep(**other, chunk_size=4, store=tmp_path / "s")
    with pytest.raises(mt.SweepError, match="chunk size"):
        sweep(**args, chunk_size=5, store=tmp_path / "s")
    replaced = sweep(**other, chunk_size=4, store=tmp_path / "s", overwrite=True)
    assert replaced.n_computed == len(replaced.table)
    assert replaced.store == Path(tmp_path / "s") and (tmp_path / "s" / "manifest.json").exists()


def test_a_lost_chunk_is_reported_not_stored_and_computed_on_the_next_run(compile_ok, tmp_path):
    args = arguments(compile_ok)
    store = tmp_path / "s"
    with pytest.warns(mt.MtorsimWarning, match="NOT_RUN"):
        first = sweep(**args, chunk_size=3, store=store, executor=LoseChunk(2))
    lost = first.table[first.table["status"] == "NOT_RUN"]
    assert lost["point_id"].tolist() == [6, 7, 8]
    assert "worker died" in lost["message"].iloc[0]
    second = sweep(**args, chunk_size=3, store=store)
    assert second.n_computed == 3
    ok = first.table["status"] == "SUCCESS"
    pd.testing.assert_frame_equal(second.table[ok], first.table[ok])
    assert (second.table["status"] == "SUCCESS").all()


