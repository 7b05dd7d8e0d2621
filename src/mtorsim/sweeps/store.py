"""Incremental, resumable storage of sweep results: one Parquet file per chunk.

Layout of a store folder::

    manifest.json                 what sweep this is (fingerprint, sizes, units)
    chunks/chunk-000000.parquet   rows of chunk 0, written once, atomically
    chunks/chunk-000001.parquet
    ...

A chunk file is written to a hidden temporary name, flushed to disk and then
renamed (``os.replace`` is atomic on POSIX and Windows), so a sweep killed at
any moment leaves either a complete chunk file or none: on restart the missing
chunks — and only those — are computed again.  A chunk file whose row count
does not match its chunk (e.g. a truncated copy) is discarded with a warning
and recomputed.  Only the process that runs the sweep writes to the store;
workers return results to it.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..errors import MtorsimWarning, SweepError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["FORMAT_VERSION", "SweepStore", "normalize_table", "read_store"]

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_CHUNKS = "chunks"


_TEXT_COLUMNS = ("regimen", "variant", "status", "message")


def normalize_table(table: pandas.DataFrame, units: dict[str, str]) -> pandas.DataFrame:
    """Sorted by point_id, one dtype per column whatever the path (memory or Parquet), units attached."""
    table = table.sort_values("point_id", kind="stable").reset_index(drop=True)
    for col in table.columns:
        if col in _TEXT_COLUMNS:
            table[col] = table[col].astype(object)
        elif col in ("point_id", "sample"):
            table[col] = table[col].astype(np.int64)
        else:
            table[col] = table[col].astype(np.float64)
    table.attrs["units"] = dict(units)
    return table


def _chunk_name(index: int) -> str:
    return f"chunk-{index:06d}.parquet"


def _write_atomic(path: Path, write: Any) -> None:
    """Write through ``write(tmp_path)``, fsync, then rename into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class SweepStore:
    """A folder holding one sweep's results, chunk by chunk.

    Parameters
    ----------
    path : path
        The folder (created if absent).
    manifest : dict
        What the sweep is: must contain ``fingerprint``, ``n_points``, ``chunk_size``
        and ``chunk_sizes`` (rows per chunk).  If the folder already holds a
        manifest with the same fingerprint and chunking, the store resumes it.
    overwrite : bool
        Discard a different sweep found in the folder instead of raising.

    Raises
    ------
    SweepError
        If the folder holds a different sweep (and not ``overwrite``).
    """

    def __init__(self, path: str | Path, manifest: dict[str, Any], *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.chunk_dir = self.path / _CHUNKS
        self._sizes = [int(n) for n in manifest["chunk_sizes"]]
        existing = self.path / _MANIFEST
        if existing.exists():
            try:
                old = json.loads(existing.read_text())
            except (OSError, ValueError):
                old = {}
            same = (old.get("fingerprint") == manifest["fingerprint"]
                    and old.get("chunk_sizes") == manifest["chunk_sizes"]
                    and old.get("format") == FORMAT_VERSION)
            if not same:
                if not overwrite:
                    what = "a different chunk size" if old.get("fingerprint") == manifest["fingerprint"] else \
                        "a different sweep"
                    raise SweepError("store", f"{self.path} holds {what}",
                                     "use a new folder, the same chunk_size, or overwrite=True to discard it")
                self._clear()
        self.chunk_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.chunk_dir.glob(".*.tmp"):  # an interrupted write: never a result
            leftover.unlink()
        if not existing.exists():
            record = {"format": FORMAT_VERSION, "mtorsim": __version__,
                      "created": datetime.now(UTC).isoformat(timespec="seconds"), **manifest}
            _write_atomic(existing, lambda p: p.write_text(json.dumps(record, indent=1, default=str)))
        self.manifest = json.loads(existing.read_text())

    def _clear(self) -> None:
        if self.chunk_dir.exists():
            shutil.rmtree(self.chunk_dir)
        (self.path / _MANIFEST).unlink(missing_ok=True)

    def completed(self) -> set[int]:
        """Indices of chunks whose file is present and complete."""
        import pyarrow.parquet as pq

        done: set[int] = set()
        for file in sorted(self.chunk_dir.glob("chunk-*.parquet")):
            try:
                index = int(file.stem.split("-")[1])
                rows = pq.read_metadata(file).num_rows
            except (ValueError, IndexError, OSError) as exc:
                warnings.warn(f"discarding unreadable chunk file {file} ({exc}); it will be recomputed",
                              MtorsimWarning, stacklevel=2)
                file.unlink()
                continue
            if index >= len(self._sizes) or rows != self._sizes[index]:
                warnings.warn(f"discarding chunk file {file} with {rows} rows (expected "
                              f"{self._sizes[index] if index < len(self._sizes) else 'none'}); it will be recomputed",
                              MtorsimWarning, stacklevel=2)
                file.unlink()
                continue
            done.add(index)
        return done

    def write(self, index: int, table: pandas.DataFrame) -> None:
        """Store the rows of chunk ``index`` (atomically; never rewrites a complete chunk)."""
        if len(table) != self._sizes[index]:
            raise SweepError("table", f"chunk {index} has {len(table)} rows, expected {self._sizes[index]}")
        target = self.chunk_dir / _chunk_name(index)
        _write_atomic(target, lambda p: table.to_parquet(p, index=False))

    def read(self) -> pandas.DataFrame:
        """Every stored row, sorted by ``point_id`` (units in ``attrs["units"]``)."""
        return read_store(self.path)


def read_store(path: str | Path) -> pandas.DataFrame:
    """Read the rows of a sweep store folder (complete or not), sorted by ``point_id``.

    Raises
    ------
    SweepError
        If ``path`` is not a sweep store.
    """
    import pandas as pd

    path = Path(path)
    manifest_file = path / _MANIFEST
    if not manifest_file.exists():
        raise SweepError("store", f"{path} is not a sweep store (no {_MANIFEST})")
    manifest = json.loads(manifest_file.read_text())
    files = sorted((path / _CHUNKS).glob("chunk-*.parquet"))
    if files:
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        table = table.sort_values("point_id", kind="stable").reset_index(drop=True)
    else:
        table = pd.DataFrame({"point_id": pd.Series([], dtype="int64")})
    return normalize_table(table, dict(manifest.get("units", {})))
