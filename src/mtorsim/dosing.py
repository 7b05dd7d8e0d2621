"""Doses and regimens in clinical units, lowered to breakpoints and state jumps.

A :class:`Dose` is one administration (``"10 mg"`` oral, ``"25 mg"`` IV over
``"30 min"``, ``"20 mg/kg"`` i.p., ``"10 nM"`` in the culture medium).  A
:class:`Regimen` is a sorted collection of doses, built with
:meth:`Regimen.repeat`, :meth:`Regimen.cycles`, ``+``, :meth:`Regimen.skip` and
:meth:`Regimen.delay`.

Because every dose time is known in advance, integration is piecewise:
:meth:`Regimen.lower` produces a :class:`DosingPlan` of plain arrays (times,
what to change, by how much) that every backend applies at the breakpoints —
scipy between ``solve_ivp`` calls, the compiled backends inside their loops.
No dose is ever left to the step-size control to find, and changing a dose
never recompiles anything.

Plan semantics, event ``k`` at ``times[k]`` (in order of ``k`` within one time):

* ``kind[k] == ADD_STATE``: ``y[index[k]] += value[k] * p[mul_index[k]] / p[div_index[k]]``
  (a bolus; ``mul_index`` is the bioavailability, ``div_index`` the volume of a
  concentration species; ``-1`` means 1);
* ``kind[k] == SET_PARAMETER``: ``p[index[k]] = value[k]`` (infusion rate on/off,
  medium concentration on/off).

Output at a dose time reports the state *after* the dose (right-continuous).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pint
from numpy.typing import NDArray

from .errors import ScheduleError, UnitError, did_you_mean
from .spec import Route
from .units import (
    AMOUNT,
    CONCENTRATION,
    MASS,
    TIME,
    Quantity,
    convert,
    format_unit,
    parse_quantity,
    to_canonical,
)

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import CompiledModel

__all__ = ["ADD_STATE", "SET_PARAMETER", "Dose", "DosingPlan", "Regimen", "Route", "apply_events"]

ADD_STATE = 0
SET_PARAMETER = 1

_AREA = Quantity(1, "m^2").dimensionality
_MASS_CONCENTRATION = MASS / Quantity(1, "L").dimensionality


def _route(value: Route | str) -> Route:
    if isinstance(value, Route):
        return value
    try:
        return Route(str(value).lower())
    except ValueError:
        raise ScheduleError("route", f"unknown route {value!r}",
                            f"use one of: {', '.join(r.value for r in Route)}") from None


def _time(value: Any, argument: str) -> float:
    try:
        return convert(value, TIME, argument=argument)
    except UnitError as exc:
        raise ScheduleError(argument, str(exc)) from None


def _is_per_body_weight(q: pint.Quantity) -> bool:
    units = dict(q.units._units)
    return q.dimensionless and any(u in units for u in ("kilogram", "gram")) and len(units) >= 2


@dataclass(frozen=True)
class Dose:
    """One administration of a drug.

    Parameters
    ----------
    drug : str
        Lower-case INN as declared in the model (``"everolimus"``).
    amount : str or Quantity
        Mass (``"10 mg"``), amount (``"10 nmol"``), per body weight
        (``"20 mg/kg"``, needs ``body_weight`` when lowered), per body-surface area
        (``"25 mg/m^2"``, needs ``body_surface_area``), or for ``route="medium"`` a
        concentration (``"10 nM"``, ``"5 ng/mL"``).
    route : Route or str
        ``"oral"`` (default), ``"iv"``, ``"infusion"``, ``"ip"``, ``"sc"``, ``"medium"``.
        ``"iv"`` with a ``duration`` is an infusion.
    time : str, Quantity or float
        When it is given (plain numbers are hours).  Default 0.
    duration : str, Quantity or float, optional
        Infusion length, or for ``"medium"`` the exposure before washout
        (``None``: until the end of the simulation).

    Raises
    ------
    ScheduleError
        Naming the argument: non-positive amount, bad units, unknown route,
        an infusion without a duration, a negative time.
    """

    drug: str
    amount: pint.Quantity
    route: Route = Route.ORAL
    time: float = 0.0
    duration: float | None = None

    def __init__(
        self,
        drug: str,
        amount: Any,
        route: Route | str = Route.ORAL,
        *,
        time: Any = 0.0,
        duration: Any = None,
    ) -> None:
        if not isinstance(drug, str) or not drug:
            raise ScheduleError("drug", f"expected a drug name, got {drug!r}")
        route = _route(route)
        try:
            q = parse_quantity(amount, argument="amount")
        except UnitError as exc:
            raise ScheduleError("amount", str(exc)) from None
        if not q.magnitude > 0:
            raise ScheduleError("amount", f"must be positive, got {amount!r}",
                                "a dose of zero is no dose: leave it out of the regimen (or use Regimen.skip)")
        t = _time(time, "time")
        if t < 0:
            raise ScheduleError("time", f"must not be negative, got {time!r}")
        dur = None if duration is None else _time(duration, "duration")
        if dur is not None and not dur > 0:
            raise ScheduleError("duration", f"must be positive, got {duration!r}")
        if route is Route.IV and dur is not None:
            route = Route.INFUSION
        if route is Route.INFUSION and dur is None:
            raise ScheduleError("duration", "an infusion needs a duration", "e.g. duration='30 min'")
        if dur is not None and route not in (Route.INFUSION, Route.MEDIUM):
            raise ScheduleError("duration", f"route {route.value!r} takes no duration",
                                "only infusions and in-vitro ('medium') exposures last for a time")
        dims = q.dimensionality
        if route is Route.MEDIUM:
            if dims not in (CONCENTRATION, _MASS_CONCENTRATION):
                raise ScheduleError("amount", f"an in-vitro exposure is a concentration, got {format_unit(q)}",
                                    "e.g. '10 nM' or '5 ng/mL'")
        elif not (dims in (MASS, AMOUNT, MASS / _AREA) or _is_per_body_weight(q)):
            raise ScheduleError("amount", f"cannot dose {amount!r}: units {format_unit(q)}",
                                "use a mass ('10 mg'), an amount ('10 nmol'), 'mg/kg' or 'mg/m^2'")
        object.__setattr__(self, "drug", drug)
        object.__setattr__(self, "amount", q)
        object.__setattr__(self, "route", route)
        object.__setattr__(self, "time", t)
        object.__setattr__(self, "duration", dur)

    def at(self, time: Any) -> Dose:
        """The same dose given at another time."""
        return Dose(self.drug, self.amount, self.route, time=time, duration=self.duration)

    def __reduce__(self) -> tuple[Any, ...]:
        # pint would unpickle the amount into another registry; rebuild it in ours (sweeps ship regimens)
        amount = (float(self.amount.magnitude), str(self.amount.units))
        return (_rebuild_dose, (self.drug, amount, self.route.value, self.time, self.duration))

    def __str__(self) -> str:
        return _label(self.drug, self.amount.magnitude, self.amount.units, self.route, self.time, self.duration)


@functools.lru_cache(maxsize=4096)
def _label(drug: str, magnitude: float, units: Any, route: Route, time: float, duration: float | None) -> str:
    # memoised: pint's formatting is slow, and every lowering of a 28-dose regimen labels each dose
    extra = f" over {duration:g} h" if duration is not None else ""
    return f"{drug} {Quantity(magnitude, units):~P} {route.value}{extra} at {time:g} h"


@functools.lru_cache(maxsize=256)
def _nmol_per_unit(units: Any, molar_mass: float) -> float:
    """nmol in one ``units`` of a drug of ``molar_mass`` g/mol (``units`` a mass or an amount);
    memoised because pint's unit parsing dominates the lowering of long regimens otherwise."""
    q = Quantity(1.0, units)
    if q.dimensionality == MASS:
        return float((q / Quantity(molar_mass, "g/mol")).to("nmol").magnitude)
    return to_canonical(q)


@functools.lru_cache(maxsize=256)
def _is_concentration(unit: str) -> bool:
    return Quantity(1, unit).dimensionality == CONCENTRATION


def _rebuild_dose(drug: str, amount: tuple[float, str], route: str, time: float, duration: float | None) -> Dose:
    return Dose(drug, Quantity(amount[0], amount[1]), route, time=time, duration=duration)


@dataclass(frozen=True)
class Regimen:
    """A sorted sequence of doses.

    Examples
    --------
    >>> import mtorsim as mt
    >>> daily = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=28)
    >>> weekly = mt.Regimen.repeat(mt.Dose("everolimus", "70 mg"), every="7 d", count=4)
    >>> len(daily.doses), daily.doses[-1].time
    (28, 648.0)
    """

    doses: tuple[Dose, ...] = field(default=())

    def __post_init__(self) -> None:
        doses = tuple(self.doses)
        for d in doses:
            if not isinstance(d, Dose):
                raise ScheduleError("doses", f"expected Dose objects, got {type(d).__name__}")
        object.__setattr__(self, "doses", tuple(sorted(doses, key=lambda d: d.time)))

    # ---------------------------------------------------------------- builders
    @classmethod
    def single(cls, dose: Dose) -> Regimen:
        return cls((dose,))

    @classmethod
    def repeat(cls, dose: Dose, *, every: Any, count: int, start: Any = None) -> Regimen:
        """``count`` doses ``every`` apart, the first at ``start`` (default: the dose's own time)."""
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise ScheduleError("count", f"must be a positive integer, got {count!r}")
        interval = _time(every, "every")
        if count > 1 and not interval > 0:
            raise ScheduleError("every", f"must be positive, got {every!r}")
        t0 = dose.time if start is None else _time(start, "start")
        if t0 < 0:
            raise ScheduleError("start", f"must not be negative, got {start!r}")
        return cls(tuple(dose.at(t0 + k * interval) for k in range(int(count))))

    @classmethod
    def cycles(
        cls, dose: Dose, *, every: Any, on: Any, off: Any, n_cycles: int, start: Any = None
    ) -> Regimen:
        """Dose ``every`` during ``on``, pause for ``off``, repeated ``n_cycles`` times.

        ``Regimen.cycles(dose, every="24 h", on="21 d", off="7 d", n_cycles=2)`` is
        "3 weeks on, 1 week off" twice: 42 doses.
        """
        if isinstance(n_cycles, bool) or not isinstance(n_cycles, (int, np.integer)) or n_cycles < 1:
            raise ScheduleError("n_cycles", f"must be a positive integer, got {n_cycles!r}")
        interval = _time(every, "every")
        on_h, off_h = _time(on, "on"), _time(off, "off")
        if not interval > 0:
            raise ScheduleError("every", f"must be positive, got {every!r}")
        if not on_h > 0:
            raise ScheduleError("on", f"must be positive, got {on!r}")
        if off_h < 0:
            raise ScheduleError("off", f"must not be negative, got {off!r}")
        per_cycle = max(1, int(math.floor(on_h / interval + 1e-9)))
        t0 = dose.time if start is None else _time(start, "start")
        doses = []
        for c in range(int(n_cycles)):
            base = t0 + c * (on_h + off_h)
            doses.extend(dose.at(base + k * interval) for k in range(per_cycle))
        return cls(tuple(doses))

    @classmethod
    def in_vitro(cls, drug: str, concentration: Any, *, start: Any = 0.0, washout: Any = None) -> Regimen:
        """Constant medium concentration from ``start``; removed at ``washout`` if given."""
        t0 = _time(start, "start")
        duration = None
        if washout is not None:
            duration = _time(washout, "washout") - t0
            if not duration > 0:
                raise ScheduleError("washout", f"must come after start ({t0:g} h), got {washout!r}")
        return cls((Dose(drug, concentration, Route.MEDIUM, time=t0, duration=duration),))

    # ---------------------------------------------------------------- edits
    def __add__(self, other: Regimen) -> Regimen:
        if not isinstance(other, Regimen):
            return NotImplemented
        return Regimen(self.doses + other.doses)

    def __len__(self) -> int:
        return len(self.doses)

    def __iter__(self):
        return iter(self.doses)

    def skip(self, *indices: int) -> Regimen:
        """Leave out (miss) the doses at these positions (0-based, negative from the end)."""
        n = len(self.doses)
        drop = set()
        for i in indices:
            if not -n <= i < n:
                raise ScheduleError("indices", f"dose index {i} out of range for {n} doses")
            drop.add(i % n)
        return Regimen(tuple(d for k, d in enumerate(self.doses) if k not in drop))

    def delay(self, index: int, by: Any) -> Regimen:
        """Give the dose at ``index`` later by ``by`` (a delayed dose)."""
        n = len(self.doses)
        if not -n <= index < n:
            raise ScheduleError("index", f"dose index {index} out of range for {n} doses")
        shift = _time(by, "by")
        doses = list(self.doses)
        d = doses[index % n]
        if d.time + shift < 0:
            raise ScheduleError("by", "the delayed dose would be given before time 0")
        doses[index % n] = d.at(d.time + shift)
        return Regimen(tuple(doses))

    def shifted(self, by: Any) -> Regimen:
        """Every dose moved by ``by``."""
        shift = _time(by, "by")
        return Regimen(tuple(d.at(d.time + shift) for d in self.doses))

    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.drug for d in self.doses))

    @property
    def times(self) -> NDArray[np.float64]:
        return np.array([d.time for d in self.doses])

    @property
    def end(self) -> float:
        """Time (h) the last administration ends."""
        return max((d.time + (d.duration or 0.0) for d in self.doses), default=0.0)

    def __str__(self) -> str:
        if not self.doses:
            return "no doses"
        return "; ".join(str(d) for d in self.doses)

    # ---------------------------------------------------------------- lowering
    def lower(
        self,
        compiled: CompiledModel,
        *,
        body_weight: Any = None,
        body_surface_area: Any = None,
    ) -> DosingPlan:
        """Translate into a :class:`DosingPlan` for ``compiled``.

        Parameters
        ----------
        compiled : CompiledModel
        body_weight : mass, optional
            For per-weight doses (``"70 kg"``, ``"25 g"``; plain numbers are kg).
        body_surface_area : area, optional
            For per-area doses (``"1.8 m^2"``; plain numbers are m^2).

        Raises
        ------
        ScheduleError
            Unknown drug or route, a per-weight dose without ``body_weight``, a
            per-area dose without ``body_surface_area``, overlapping infusions or
            exposures of one drug.
        """
        return _lower(self, compiled, body_weight, body_surface_area)


@dataclass(frozen=True)
class DosingPlan:
    """Arrays describing every change a regimen makes (see the module docstring).

    All arrays have length ``n_events`` and are sorted by ``times`` (stable).
    """

    times: NDArray[np.float64]
    kind: NDArray[np.int64]
    index: NDArray[np.int64]
    value: NDArray[np.float64]
    mul_index: NDArray[np.int64]
    div_index: NDArray[np.int64]
    labels: tuple[str, ...] = ()

    @classmethod
    def empty(cls) -> DosingPlan:
        z = np.zeros(0)
        zi = np.zeros(0, dtype=np.int64)
        return cls(z, zi, zi, z, zi, zi, ())

    def __len__(self) -> int:
        return len(self.times)

    def breakpoints(self) -> NDArray[np.float64]:
        """Sorted unique event times (h)."""
        return np.unique(self.times)

    def scaled(self, factor: float) -> DosingPlan:
        """The same plan with every bolus and infusion/medium value multiplied (dose sweeps)."""
        return replace(self, value=self.value * factor)


def apply_events(
    plan_times: NDArray[np.float64],
    kind: NDArray[np.int64],
    index: NDArray[np.int64],
    value: NDArray[np.float64],
    mul_index: NDArray[np.int64],
    div_index: NDArray[np.int64],
    k: int,
    t: float,
    y: NDArray[np.float64],
    p: NDArray[np.float64],
) -> int:
    """Apply every event at time ``t`` starting from event ``k``; return the next ``k``.

    Plain loops over arrays so it compiles unchanged with ``numba.njit`` and as a
    CUDA device function.
    """
    n = plan_times.shape[0]
    while k < n and plan_times[k] <= t:
        amount = value[k]
        if mul_index[k] >= 0:
            amount = amount * p[mul_index[k]]
        if div_index[k] >= 0:
            amount = amount / p[div_index[k]]
        if kind[k] == 0:
            y[index[k]] += amount
        else:
            p[index[k]] = amount
        k += 1
    return k


def _amount_nmol(dose: Dose, molar_mass: float, body_weight: float | None, bsa: float | None, i: int) -> float:
    q = dose.amount
    arg = f"regimen.doses[{i}].amount"
    if _is_per_body_weight(q):
        if body_weight is None:
            raise ScheduleError("body_weight", f"dose {dose} is per body weight but no body weight was given",
                                "pass body_weight='70 kg' (or --body-weight on the command line)")
        q = (q * Quantity(body_weight, "mg")).to("mg")  # body weight is canonical (mg)
    elif q.dimensionality == MASS / _AREA:
        if bsa is None:
            raise ScheduleError("body_surface_area", f"dose {dose} is per body-surface area but no area was given",
                                "pass body_surface_area='1.8 m^2'")
        q = (q * Quantity(bsa, "dm^2")).to("mg")  # area is canonical (dm^2)
    if q.dimensionality in (MASS, AMOUNT):
        return float(q.magnitude) * _nmol_per_unit(q.units, molar_mass)
    raise ScheduleError(arg, f"cannot convert {dose.amount:~P} to an amount")  # pragma: no cover


def _lower(regimen: Regimen, compiled: CompiledModel, body_weight: Any, bsa: Any) -> DosingPlan:
    model = compiled.model
    # plain numbers are read in clinical units (kg, m^2), never as canonical mg / dm^2
    bw = None if body_weight is None else _checked(body_weight, MASS, "body_weight", "kg")
    area = None if bsa is None else _checked(bsa, _AREA, "body_surface_area", "m^2")
    events: list[tuple[float, int, int, int, float, int, int, str]] = []
    # infusion / medium intervals per parameter: (start, end, value, label)
    intervals: dict[int, list[tuple[float, float, float, str]]] = {}
    for i, dose in enumerate(regimen.doses):
        drugs = {d.name: d for d in model.drugs}
        drug = drugs.get(dose.drug)
        if drug is None:
            guess = did_you_mean(dose.drug, drugs)
            raise ScheduleError(f"regimen.doses[{i}].drug", f"the model has no drug {dose.drug!r}",
                                f"did you mean {guess}?" if guess else f"drugs in the model: {', '.join(drugs) or 'none'}")
        route = dose.route
        target = drug.routes.get(route)
        if target is None:
            declared = ", ".join(r.value for r in drug.routes)
            raise ScheduleError(f"regimen.doses[{i}].route", f"{dose.drug} cannot be given by route {route.value!r}",
                                f"routes declared for {dose.drug}: {declared}")
        label = str(dose)
        if route is Route.MEDIUM:
            q = dose.amount
            if q.dimensionality == _MASS_CONCENTRATION:
                q = q / Quantity(drug.molar_mass, "g/mol")
            conc = float(q.to("nM").magnitude)
            end = math.inf if dose.duration is None else dose.time + dose.duration
            intervals.setdefault(compiled.parameter_index(target.parameter), []).append((dose.time, end, conc, label))
            continue
        nmol = _amount_nmol(dose, drug.molar_mass, bw, area, i)
        if route is Route.INFUSION:
            rate = nmol / dose.duration  # type: ignore[operator]
            intervals.setdefault(compiled.parameter_index(target.parameter), []).append(
                (dose.time, dose.time + dose.duration, rate, label)  # type: ignore[operator]
            )
            continue
        state = compiled.state_index(target.species)
        mul = compiled.parameter_index(target.bioavailability) if target.bioavailability else -1
        species = model.species[state]
        div = -1
        if _is_concentration(species.unit):
            div = compiled.parameter_index(species.compartment)
        events.append((dose.time, len(events), ADD_STATE, state, nmol, mul, div, label))
    for pidx, spans in intervals.items():
        spans.sort()
        for (_s0, e0, _, l0), (s1, _e1, _, l1) in zip(spans, spans[1:], strict=False):
            if s1 < e0:
                raise ScheduleError("regimen", f"overlapping administrations: '{l0}' and '{l1}'",
                                    "an infusion (or exposure) must end before the next one of the same drug starts")
        for s0, e0, value, label in spans:
            events.append((s0, len(events), SET_PARAMETER, pidx, value, -1, -1, label))
            if math.isfinite(e0):
                events.append((e0, len(events), SET_PARAMETER, pidx, 0.0, -1, -1, f"end of {label}"))
    # stable order: by time; at equal times an infusion end precedes a start (end value 0 then new rate)
    events.sort(key=lambda e: (e[0], 0 if (e[2] == SET_PARAMETER and e[4] == 0.0) else 1, e[1]))
    if not events:
        return DosingPlan.empty()
    times, _, kind, index, value, mul, div, labels = zip(*events, strict=True)
    return DosingPlan(
        np.array(times, dtype=float),
        np.array(kind, dtype=np.int64),
        np.array(index, dtype=np.int64),
        np.array(value, dtype=float),
        np.array(mul, dtype=np.int64),
        np.array(div, dtype=np.int64),
        tuple(labels),
    )


def _checked(value: Any, dimension: Any, argument: str, default_unit: str | None = None) -> float:
    try:
        return convert(value, dimension, argument=argument, default_unit=default_unit)
    except UnitError as exc:
        raise ScheduleError(argument, str(exc)) from None


def regimen_from(doses: Iterable[Dose] | Regimen | Dose | None) -> Regimen:
    """Accept a Regimen, a single Dose, a list of doses, or None."""
    if doses is None:
        return Regimen()
    if isinstance(doses, Regimen):
        return doses
    if isinstance(doses, Dose):
        return Regimen((doses,))
    if isinstance(doses, Sequence) or hasattr(doses, "__iter__"):
        return Regimen(tuple(doses))
    raise ScheduleError("regimen", f"expected a Regimen, a Dose or a list of doses, got {type(doses).__name__}")
