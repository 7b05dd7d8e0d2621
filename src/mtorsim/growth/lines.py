"""Cell lines: per-line proliferation parameters with their sources (``models/cell_lines.yaml``).

A line is its drug-free doubling time, the mTORC1 dependence ``d`` of its
proliferation (:class:`~mtorsim.growth.GrowthCoupling`) and, for in-vitro
assays, a *medium exposure factor* ``a``: the ratio of free intracellular drug
to the nominal medium concentration (serum and plastic binding, depletion of
the drug by FKBP12-rich cells, efflux).  The bundled model's FKBP12 sink makes
mTORC1 inhibition saturate below 0.1 nM of free drug, far below any
published proliferation IC50; ``a`` carries that gap for the lines whose IC50
is used to fit it, and is written next to its source in the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SweepError, UnknownNameError
from ..units import parse_quantity
from .coupling import GrowthCoupling

__all__ = ["CellLine", "cell_lines", "load_cell_lines"]


@dataclass(frozen=True)
class CellLine:
    """One cell line's proliferation parameters.

    Attributes
    ----------
    name : str
    doubling_time_h : float
        Drug-free population doubling time (h).
    coupling : GrowthCoupling
        mTORC1 dependence and the FKBP12-independent effect.
    medium_exposure : float
        Free intracellular / nominal medium concentration in in-vitro assays.
    variant : tuple of str
        Model variants describing the line's genotype (e.g. ``frb_mutant``).
    tissue, description : str
    sources : mapping of field to source text
    """

    name: str
    doubling_time_h: float
    coupling: GrowthCoupling = field(default_factory=GrowthCoupling)
    medium_exposure: float = 1.0
    variant: tuple[str, ...] = ()
    tissue: str = ""
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not self.doubling_time_h > 0:
            raise SweepError(f"{self.name}.doubling_time", f"must be positive, got {self.doubling_time_h!r}")
        if not self.medium_exposure > 0:
            raise SweepError(f"{self.name}.medium_exposure", f"must be positive, got {self.medium_exposure!r}")
        object.__setattr__(self, "doubling_time_h", float(self.doubling_time_h))
        object.__setattr__(self, "medium_exposure", float(self.medium_exposure))
        object.__setattr__(self, "variant", tuple(self.variant))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def growth_rate(self) -> float:
        """Drug-free specific growth rate ``ln 2 / Td`` (1/h)."""
        return math.log(2.0) / self.doubling_time_h

    def replace(self, **changes: Any) -> CellLine:
        """A copy with fields changed (``mtorc1_dependence=`` changes the coupling)."""
        values = {f: getattr(self, f) for f in ("name", "doubling_time_h", "coupling", "medium_exposure",
                                                "variant", "tissue", "description", "sources")}
        if "mtorc1_dependence" in changes:
            values["coupling"] = values["coupling"].with_dependence(float(changes.pop("mtorc1_dependence")))
        values.update(changes)
        return CellLine(**values)


def _value(entry: Any) -> tuple[Any, str]:
    if isinstance(entry, Mapping):
        return entry.get("value"), str(entry.get("source", ""))
    return entry, ""


def _hours(value: Any, where: str) -> float:
    q = parse_quantity(value, argument=where, default_unit="h")
    return float(q.to("h").magnitude)


def load_cell_lines(path: str | Path | None = None) -> dict[str, CellLine]:
    """Read a cell-line file (default: the bundled ``models/cell_lines.yaml``)."""
    from ruamel.yaml import YAML

    if path is None:
        path = Path(__file__).with_name("cell_lines.yaml")
    data = YAML(typ="safe").load(Path(path).read_text())
    lines = {}
    for name, entry in (data.get("cell_lines") or {}).items():
        where = f"{Path(path).name}: cell_lines.{name}"
        td, td_src = _value(entry.get("doubling_time"))
        d, d_src = _value(entry.get("mtorc1_dependence", 1.0))
        a, a_src = _value(entry.get("medium_exposure", 1.0))
        direct, direct_src = _value(entry.get("direct_effect", True))
        if td is None:
            raise SweepError(f"{where}.doubling_time", "missing", "give e.g. doubling_time: {value: 30 h, source: ...}")
        sources = {k: s for k, s in (("doubling_time", td_src), ("mtorc1_dependence", d_src),
                                     ("medium_exposure", a_src), ("direct_effect", direct_src)) if s}
        variant = entry.get("variant") or ()
        lines[name] = CellLine(
            name=name, doubling_time_h=_hours(td, f"{where}.doubling_time"),
            coupling=GrowthCoupling(float(d), direct_effect=bool(direct)), medium_exposure=float(a),
            variant=(variant,) if isinstance(variant, str) else tuple(variant), tissue=str(entry.get("tissue", "")),
            description=str(entry.get("description", "")), sources=sources)
    return lines


def cell_lines(name: str | None = None) -> dict[str, CellLine] | CellLine:
    """The bundled cell lines, or one of them by name."""
    lines = load_cell_lines()
    if name is None:
        return lines
    if name not in lines:
        raise UnknownNameError(name, "cell line", sorted(lines))
    return lines[name]
