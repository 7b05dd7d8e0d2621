"""The compile cache: warm loads, content keys, corruption recovery, pickling by key."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mtorsim as mt
from conftest import OK_MODELS, SRC
from mtorsim.cache import ModelCache


@pytest.fixture
def fresh_cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_second_compile_reuses_the_cached_module(fresh_cache):
    first = mt.compile_model(OK_MODELS / "decay.yaml", cache_dir=fresh_cache)
    assert not first.from_cache
    stamp = first.module_path.stat().st_mtime_ns
    second = mt.compile_model(OK_MODELS / "decay.yaml", cache_dir=fresh_cache)
    assert second.from_cache and second.key == first.key
    assert second.module_path.stat().st_mtime_ns == stamp  # never rewritten


_CHILD = """
import sys, json
sys.path.insert(0, {src!r})
import mtorsim as mt
c = mt.compile_model({model!r}, cache_dir={cache!r})
print(json.dumps({{"from_cache": c.from_cache, "hits": sum(c.rhs.stats.cache_hits.values()),
                   "misses": sum(c.rhs.stats.cache_misses.values())}}))
"""


def test_warm_start_in_a_new_process_loads_machine_code_from_disk(fresh_cache):
    """A second process neither regenerates the module nor re-jit-compiles rhs."""
    code = _CHILD.format(src=str(SRC), model=str(OK_MODELS / "reversible.yaml"), cache=str(fresh_cache))
    cold = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    warm = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert cold == {"from_cache": False, "hits": 0, "misses": 1}
    assert warm == {"from_cache": True, "hits": 1, "misses": 0}


def test_changing_a_rate_law_changes_the_key_and_a_value_does_not(tmp_path, fresh_cache):
    src = (OK_MODELS / "reversible.yaml").read_text()
    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text(src)
    b.write_text(src.replace("rate: kf * A - kr * B", "rate: kf * A - 2 * kr * B"))
    c.write_text(src.replace("value: 0.02 1/s", "value: 0.05 1/s"))
    keys = [mt.compile_model(p, cache_dir=fresh_cache).key for p in (a, b, c)]
    assert keys[0] != keys[1]
    assert keys[0] == keys[2]


@pytest.mark.parametrize("damage", ["truncate_module", "garble_meta", "delete_meta", "syntax_error"])
def test_corrupted_entry_is_detected_and_rebuilt(fresh_cache, damage):
    good = mt.compile_model(OK_MODELS / "decay.yaml", cache_dir=fresh_cache)
    folder = good.module_path.parent
    shutil.rmtree(folder / "__pycache__", ignore_errors=True)
    sys.modules.pop(f"mtorsim_generated_{good.key[:16]}")  # as in a new process
    if damage == "truncate_module":
        good.module_path.write_text(good.module_path.read_text()[:200])
    elif damage == "garble_meta":
        (folder / "meta.json").write_text("{not json")
    elif damage == "delete_meta":
        (folder / "meta.json").unlink()
    else:  # valid checksum, broken code: rewrite meta to match the damaged file
        good.module_path.write_text("def rhs(:\n")
        meta = json.loads((folder / "meta.json").read_text())
        import hashlib

        meta["sha256"] = hashlib.sha256(good.module_path.read_bytes()).hexdigest()
        (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(mt.MtorsimWarning, match="corrupted"):
        rebuilt = mt.compile_model(OK_MODELS / "decay.yaml", cache_dir=fresh_cache)
    assert rebuilt.key == good.key and not rebuilt.from_cache
    out = np.empty(1)
    rebuilt.rhs(0.0, np.array([2.0]), rebuilt.default_parameters, out)
    assert out[0] == pytest.approx(-0.6)


def test_compiled_model_pickles_by_key_and_source(fresh_cache):
    compiled = mt.compile_model(OK_MODELS / "enzyme.yaml", cache_dir=fresh_cache)
    payload = pickle.dumps(compiled)
    assert b"numba" not in payload  # no jitted code travels
    clone = pickle.loads(payload)
    assert clone.key == compiled.key and clone.state_names == compiled.state_names
    y, p = compiled.default_state, compiled.default_parameters
    a, b = np.empty(4), np.empty(4)
    compiled.rhs(0.0, y, p, a)
    clone.rhs(0.0, y, p, b)
    np.testing.assert_array_equal(a, b)


def test_cache_listing_and_clearing(fresh_cache):
    mt.compile_model(OK_MODELS / "decay.yaml", cache_dir=fresh_cache)
    store = ModelCache(fresh_cache)
    entries = store.entries()
    assert len(entries) == 1 and entries[0]["model"] == "decay"
    assert store.clear() == 1 and store.entries() == []
