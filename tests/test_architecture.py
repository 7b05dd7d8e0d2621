"""Layering (import-linter contract in pyproject.toml) and module-size rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from conftest import SRC

ROOT = SRC.parent
# the console script sits beside this interpreter (a venv need not be on PATH)
LINT_IMPORTS = shutil.which("lint-imports", path=sysconfig.get_path("scripts")) or shutil.which("lint-imports")


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is in the dev extra")
def test_import_layers_contract():
    env = dict(os.environ, PYTHONPATH=str(SRC))
    res = subprocess.run([LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml")], capture_output=True,
                         text=True, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stdout + res.stderr


def test_no_module_is_too_long():
    long = {str(p.relative_to(SRC)): n for p in Path(SRC, "mtorsim").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 700}
    assert not long, f"split these modules into sub-packages: {long}"
