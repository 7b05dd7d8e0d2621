"""Content-addressed on-disk store of generated model modules.

Layout: ``<root>/<key[:16]>/model.py`` + ``meta.json`` (+ numba's own
``__pycache__`` beside ``model.py``).  The key is a sha256 over the network's
fingerprint, the generator version and the versions of Python, numpy, sympy and
numba, so any change that could alter the generated code or its machine code
gives a new entry.

Rules: entries are written to a temporary directory and moved into place with
one atomic rename; an existing ``model.py`` is never rewritten (numba's cache
is keyed on the file's timestamp and size, so a rewrite would force a
recompile); modules are imported by path under a name containing the key, never
through a shared module name.  An entry whose checksum, metadata or import
fails is moved aside and rebuilt, with a :class:`~mtorsim.errors.MtorsimWarning`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy
import platformdirs
import sympy

from .codegen import GENERATOR_VERSION
from .errors import MtorsimWarning

__all__ = ["ModelCache", "cache_key", "default_cache_dir", "import_module_from_path"]

_MODULE_FILE = "model.py"
_META_FILE = "meta.json"


def default_cache_dir() -> Path:
    """The per-user cache folder (``platformdirs.user_cache_path('mtorsim') / 'models'``)."""
    return platformdirs.user_cache_path("mtorsim") / "models"


def library_versions() -> dict[str, str]:
    return {
        "python": ".".join(map(str, sys.version_info[:3])),
        "numpy": numpy.__version__,
        "sympy": sympy.__version__,
        "numba": numba.__version__,
        "generator": str(GENERATOR_VERSION),
    }


def cache_key(fingerprint: str) -> str:
    """sha256 hex key of a network fingerprint plus generator and library versions."""
    h = hashlib.sha256(fingerprint.encode())
    for name, version in sorted(library_versions().items()):
        h.update(f"\x00{name}={version}".encode())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_module_from_path(path: Path, name: str) -> ModuleType:
    """Import a generated module from ``path`` under the unique ``name``."""
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:  # pragma: no cover - only on a broken path
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


@dataclass(frozen=True)
class ModelCache:
    """A cache folder.  ``ModelCache(root)``; see the module docstring for the rules."""

    root: Path

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:16]

    def module_path(self, key: str) -> Path:
        return self.entry_dir(key) / _MODULE_FILE

    def lookup(self, key: str) -> Path | None:
        """Path of a valid entry's ``model.py``, or ``None`` (a corrupted entry is moved aside)."""
        folder = self.entry_dir(key)
        if not folder.exists():
            return None
        problem = self._check(folder, key)
        if problem is None:
            return folder / _MODULE_FILE
        self.discard(key, problem)
        return None

    def _check(self, folder: Path, key: str) -> str | None:
        try:
            meta = json.loads((folder / _META_FILE).read_text())
        except (OSError, ValueError) as exc:
            return f"unreadable {_META_FILE}: {exc}"
        if meta.get("key") != key:
            return "key mismatch"
        if meta.get("generator_version") != GENERATOR_VERSION:
            return f"generator version {meta.get('generator_version')} != {GENERATOR_VERSION}"
        try:
            digest = _sha256(folder / _MODULE_FILE)
        except OSError as exc:
            return f"unreadable {_MODULE_FILE}: {exc}"
        if digest != meta.get("sha256"):
            return f"{_MODULE_FILE} checksum mismatch"
        return None

    def discard(self, key: str, reason: str) -> None:
        """Move a bad entry aside (atomic rename) and delete it."""
        folder = self.entry_dir(key)
        warnings.warn(f"cache entry {folder} is corrupted ({reason}); rebuilding it", MtorsimWarning, stacklevel=3)
        aside = folder.with_name(f"{folder.name}.corrupt-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(folder, aside)
        except OSError:
            return
        shutil.rmtree(aside, ignore_errors=True)

    def store(self, key: str, source: str, meta: dict[str, Any]) -> Path:
        """Write an entry atomically and return its ``model.py``; an existing valid entry wins."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.entry_dir(key)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            module = tmp / _MODULE_FILE
            module.write_text(source)
            record = dict(meta)
            record.update(key=key, sha256=_sha256(module), generator_version=GENERATOR_VERSION,
                          versions=library_versions())
            (tmp / _META_FILE).write_text(json.dumps(record, indent=2, sort_keys=True))
            try:
                os.rename(tmp, final)
            except OSError:
                # Another process stored the same key first: keep theirs if it is valid.
                if self._check(final, key) is not None:
                    self.discard(key, "replaced after a concurrent write")
                    os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return final / _MODULE_FILE

    def entries(self) -> list[dict[str, Any]]:
        """Metadata of every entry (for ``mtorsim cache list``)."""
        out = []
        if not self.root.exists():
            return out
        for folder in sorted(self.root.iterdir()):
            meta_file = folder / _META_FILE
            if folder.is_dir() and meta_file.exists():
                try:
                    meta = json.loads(meta_file.read_text())
                except ValueError:
                    continue
                meta["path"] = str(folder)
                meta["bytes"] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
                out.append(meta)
        return out

    def clear(self) -> int:
        """Delete every entry; return how many were removed."""
        if not self.root.exists():
            return 0
        count = 0
        for folder in self.root.iterdir():
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
                count += 1
        return count
