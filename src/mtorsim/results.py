"""Simulation results with names and units: :class:`Trajectory`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .errors import Status, UnknownNameError
from .units import quantity_in

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pint

__all__ = ["Trajectory"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One simulation: time course of every state and output, with units.

    Index by name: ``traj["pS6"]`` returns the values at every output time, for
    species, assignments, observables and (constant) parameters alike.

    Attributes
    ----------
    t : ndarray, shape (n_times,)
        Output times in hours.
    states : ndarray, shape (n_times, n_states)
        Canonical units (nM, nmol, ...), see :attr:`state_units`.
    outputs : ndarray, shape (n_times, n_outputs)
        Assignment rules then observables, in :attr:`output_units`.
    parameters : ndarray, shape (n_parameters,)
        The canonical parameter vector the run used (after variants and overrides).
    status : Status
        ``Status.SUCCESS`` or why the run stopped; values after ``t_fail`` are NaN.
    stats : mapping
        Solver counters: ``nfev`` (rhs calls), ``njev`` (Jacobians), ``nlu``
        (factorisations), ``nsteps`` where the backend reports it, ``segments``.
    dose_times : ndarray
        Times of the regimen's administrations (h), for plot markers.
    """

    t: NDArray[np.float64]
    states: NDArray[np.float64]
    outputs: NDArray[np.float64]
    state_names: tuple[str, ...]
    output_names: tuple[str, ...]
    state_units: tuple[str, ...]
    output_units: tuple[str, ...]
    parameters: NDArray[np.float64]
    parameter_names: tuple[str, ...]
    parameter_units: tuple[str, ...] = ()
    status: Status = Status.SUCCESS
    message: str = ""
    t_fail: float | None = None
    stats: Mapping[str, int] = field(default_factory=dict)
    dose_times: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    dose_labels: tuple[str, ...] = ()
    model_name: str = ""
    variant: tuple[str, ...] = ()
    method: str = ""
    n_assignments: int = 0

    @property
    def success(self) -> bool:
        return self.status is Status.SUCCESS

    @property
    def observable_names(self) -> tuple[str, ...]:
        """The model's observables (outputs after the assignment rules)."""
        return self.output_names[self.n_assignments:]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that can be indexed."""
        return self.state_names + self.output_names + self.parameter_names

    def _lookup(self, name: str) -> tuple[str, int]:
        for kind, names in (("state", self.state_names), ("output", self.output_names),
                            ("parameter", self.parameter_names)):
            if name in names:
                return kind, names.index(name)
        raise UnknownNameError(name, "species or observable", self.state_names + self.output_names)

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        kind, i = self._lookup(name)
        if kind == "state":
            return self.states[:, i]
        if kind == "output":
            return self.outputs[:, i]
        return np.full(self.t.shape, self.parameters[i])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names

    def unit(self, name: str) -> str:
        """Unit of a named column (``"nM"``, ``"ng/mL"``, ``"1"`` for fractions)."""
        kind, i = self._lookup(name)
        units = {"state": self.state_units, "output": self.output_units, "parameter": self.parameter_units}[kind]
        return units[i] if i < len(units) else ""

    def quantity(self, name: str) -> pint.Quantity:
        """Values of ``name`` as a pint quantity array."""
        return quantity_in(self[name], self.unit(name) or "dimensionless")

    def to_dataframe(self, columns: Sequence[str] | str = "outputs") -> pandas.DataFrame:
        """Tidy table: ``time_h`` first, then the chosen columns.

        Parameters
        ----------
        columns : "outputs", "observables", "states", "all" or list of names
            ``"outputs"`` (default): assignments and observables;
            ``"observables"``: only the model's observables; ``"all"``: states then outputs.

        The units of each column are in ``df.attrs["units"]``.
        """
        import pandas as pd

        if isinstance(columns, str):
            if columns == "outputs":
                names = list(self.output_names)
            elif columns == "observables":
                names = list(self.observable_names)
            elif columns == "states":
                names = list(self.state_names)
            elif columns == "all":
                names = list(self.state_names) + list(self.output_names)
            else:
                names = [columns]
        else:
            names = list(columns)
        data: dict[str, Any] = {"time_h": self.t}
        for name in names:
            data[name] = self[name]
        df = pd.DataFrame(data)
        df.attrs["units"] = {"time_h": "h", **{n: self.unit(n) for n in names}}
        df.attrs["status"] = self.status.name
        return df

    def final(self) -> dict[str, float]:
        """Last value of every state and output."""
        return {n: float(self[n][-1]) for n in self.state_names + self.output_names}
