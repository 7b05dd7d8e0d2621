"""Shared fixtures: a session-wide compile cache (never the user's), compiled test models, an rng."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mtorsim as mt

DATA = Path(__file__).parent / "data"
OK_MODELS = DATA / "models" / "ok"
BAD_MODELS = DATA / "models" / "bad"
SRC = Path(mt.__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compile cache for the whole session, so each model is jit-compiled once."""
    return tmp_path_factory.mktemp("mtorsim-cache")


@pytest.fixture(scope="session")
def compile_ok(cache_dir: Path):
    """``compile_ok("enzyme")`` → CompiledModel of ``tests/data/models/ok/enzyme.yaml`` (memoised)."""
    compiled: dict[str, mt.CompiledModel] = {}

    def get(name: str) -> mt.CompiledModel:
        if name not in compiled:
            path = OK_MODELS / f"{name}.yaml"
            source = path if path.exists() else name  # a bundled model by name
            compiled[name] = mt.compile_model(source, cache_dir=cache_dir)
        return compiled[name]

    return get


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def run_cli(*args: str, cwd: Path | None = None, cache: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m mtorsim ARGS`` in a subprocess against this checkout's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "mtorsim", *args]
    if cache is not None and args and args[0] in ("simulate",):
        cmd += ["--cache-dir", str(cache)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
