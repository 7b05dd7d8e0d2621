"""Sweep results: a tidy table with units and per-point status, and a labelled array view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import Status, SweepError
from ..metrics import Metric
from .design import SweepDesign, variant_label
from .store import normalize_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import xarray

__all__ = ["SweepResult", "normalize_table"]

@dataclass(frozen=True, eq=False)
class SweepResult:
    """The outcome of a sweep.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per point, in ``point_id`` order: ``point_id``, ``regimen``,
        ``variant``, dose scalings (``dose_scale`` or ``dose_scale_<drug>``),
        ``sample`` and the swept parameters (in the units of
        ``table.attrs["units"]``), one column per metric, ``status`` (a
        :class:`~mtorsim.errors.Status` name) and ``message`` (why a point failed).
    design : SweepDesign
    store : Path or None
        Folder of the Parquet chunks, when the sweep was stored.
    n_computed : int
        Points computed by this call (the rest came from the store).
    """

    table: pandas.DataFrame
    design: SweepDesign
    store: Path | None = None
    n_computed: int = 0

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return self.design.metrics

    @property
    def units(self) -> dict[str, str]:
        return dict(self.table.attrs.get("units", {}))

    @property
    def ok(self) -> pandas.DataFrame:
        """Rows of successful points."""
        return self.table[self.table["status"] == Status.SUCCESS.name]

    @property
    def failed(self) -> pandas.DataFrame:
        """Rows of points that failed or were not run, with their status and message."""
        return self.table[self.table["status"] != Status.SUCCESS.name]

    def status_counts(self) -> dict[str, int]:
        """``{"SUCCESS": 98, "STEP_TOO_SMALL": 2}``."""
        return {str(k): int(v) for k, v in self.table["status"].value_counts().items()}

    def long(self) -> pandas.DataFrame:
        """One row per point and metric: design columns, ``metric``, ``value``, ``unit``."""
        metric_cols = list(self.design.metric_names)
        ids = [c for c in self.table.columns if c not in metric_cols]
        out = self.table.melt(id_vars=ids, value_vars=metric_cols, var_name="metric", value_name="value")
        units = self.units
        out["unit"] = out["metric"].map(lambda m: units.get(m, ""))
        return out

    def to_xarray(self) -> xarray.Dataset:
        """The metrics as arrays over the sweep's factors.

        Dimensions: ``regimen``, ``variant``, ``dose_level`` (when doses are
        scaled; the factors are coordinates along it) and either one dimension
        per parameter (full-factorial grids) or ``sample`` (random designs, the
        parameter values being coordinates along it).  ``status`` holds the
        :class:`~mtorsim.errors.Status` code of each point.  Units are in each
        variable's ``attrs["units"]``.

        Raises
        ------
        SweepError
            If the table does not hold every point of the design.
        """
        import xarray as xr

        d = self.design
        if len(self.table) != d.n_points:
            raise SweepError("table", f"holds {len(self.table)} of {d.n_points} points; finish the sweep first")
        n_r, n_v, n_l, n_s = d.shape
        dims: list[str] = ["regimen", "variant"]
        shape: list[int] = [n_r, n_v]
        coords: dict[str, Any] = {"regimen": [name for name, _ in d.regimens],
                                  "variant": [variant_label(v) for v in d.variants]}
        units = self.units
        if d.dose_levels is not None:
            dims.append("dose_level")
            shape.append(n_l)
            coords["dose_level"] = np.arange(n_l)
            for j, col in enumerate(d.dose_levels.columns):
                coords[col] = ("dose_level", d.dose_levels.factors[:, j])
        samples = d.samples
        if samples is not None and samples.grid_shape is not None:
            for j, name in enumerate(samples.names):
                dims.append(name)
                shape.append(samples.grid_shape[j])
                axis = samples.values[:, j].reshape(samples.grid_shape)
                index = [0] * len(samples.grid_shape)
                index[j] = slice(None)
                coords[name] = xr.Variable(name, axis[tuple(index)], {"units": units.get(name, "")})
        elif samples is not None:
            dims.append("sample")
            shape.append(n_s)
            coords["sample"] = np.arange(n_s)
            for j, name in enumerate(samples.names):
                coords[name] = xr.Variable("sample", samples.values[:, j], {"units": units.get(name, "")})
        data: dict[str, Any] = {}
        for name in d.metric_names:
            data[name] = xr.Variable(dims, self.table[name].to_numpy().reshape(shape),
                                     {"units": units.get(name, "")})
        codes = np.array([int(Status[s]) for s in self.table["status"]], dtype=np.int16)
        data["status"] = xr.Variable(dims, codes.reshape(shape))
        return xr.Dataset(data, coords=coords, attrs={"model": d.compiled.name})

    def to_parquet(self, path: str | Path) -> None:
        """Write the whole table to one Parquet file (units in the file's metadata)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(self.table, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"mtorsim.units"] = json.dumps(self.units).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)
