"""The validated, frozen description of a model: what a model file says, in canonical units.

Every element keeps the :class:`~mtorsim.errors.SourceLocation` it came from, so
later stages (unit checks, compilation, simulation) can point back at the file.
Values are floats in canonical units (see :mod:`mtorsim.units`); the unit the
author wrote is kept as text in ``unit`` for display.

Expressions are sympy expressions over ``sympy.Symbol(name, real=True)`` for
each declared name, plus :data:`TIME` for simulation time.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import sympy

from .errors import SourceLocation, UnknownNameError

__all__ = [
    "TIME",
    "AssignmentRule",
    "Compartment",
    "DoseTarget",
    "Drug",
    "Event",
    "EventAssignment",
    "Model",
    "Observable",
    "Parameter",
    "RateBasis",
    "RateRule",
    "Reaction",
    "Route",
    "Species",
    "Start",
    "Variant",
    "symbol",
]

#: Simulation time (h) as it appears in expressions (``time``).
TIME = sympy.Symbol("time", real=True)


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol for a declared model name."""
    return sympy.Symbol(name, real=True)


def _frozen_map(d: Mapping | None) -> Mapping:
    return MappingProxyType(dict(d or {}))


class Route(enum.Enum):
    """How a dose enters the body (or the dish).

    ``IV`` with a duration is an infusion and uses the drug's ``infusion`` target.
    ``MEDIUM`` is an in-vitro constant concentration in the culture medium.
    """

    ORAL = "oral"
    IV = "iv"
    INFUSION = "infusion"
    IP = "ip"
    SC = "sc"
    MEDIUM = "medium"


class RateBasis(enum.Enum):
    """What a reaction rate measures.

    ``SPECIES`` : the rate is in (species unit)/time and is added to each participant
    directly (all participants share a dimension, and a compartment if that is a
    concentration).  ``AMOUNT`` : the rate is an amount/time (reaction extent, as in
    SBML); concentration species receive it divided by their compartment volume.
    """

    SPECIES = "species"
    AMOUNT = "amount"


class Start(enum.Enum):
    """Where a simulation starts unless the caller says otherwise."""

    INITIAL_VALUES = "initial_values"
    STEADY_STATE = "steady_state"


@dataclass(frozen=True)
class Compartment:
    name: str
    size: float  # L
    unit: str = "L"
    description: str = ""
    source: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)


@dataclass(frozen=True)
class Species:
    """A state variable.

    ``initial`` is canonical (nM for concentrations, nmol for amounts).  If
    ``initial_expr`` is set it overrides ``initial`` and is evaluated from the
    parameters at the start of every simulation (e.g. a total protein level
    declared as a parameter, so a sweep can vary it).
    """

    name: str
    compartment: str | None
    initial: float
    unit: str
    description: str = ""
    initial_expr: sympy.Expr | None = None
    boundary: bool = False
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)


@dataclass(frozen=True)
class Parameter:
    """A named constant.  ``expr`` makes it derived from other parameters (e.g. ``koff = kon*Kd``)."""

    name: str
    value: float
    unit: str
    source: str
    description: str = ""
    expr: sympy.Expr | None = None
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)

    @property
    def derived(self) -> bool:
        return self.expr is not None


@dataclass(frozen=True)
class Reaction:
    """``reactants -> products`` at ``rate`` (net rate for a reversible reaction)."""

    name: str
    reactants: tuple[tuple[str, float], ...]
    products: tuple[tuple[str, float], ...]
    rate: sympy.Expr
    rate_text: str = ""
    reversible: bool = False
    basis: RateBasis = RateBasis.SPECIES
    description: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)
    #: where the rate expression itself starts (for diagnostics about the rate)
    rate_loc: SourceLocation | None = field(default=None, compare=False)

    def stoichiometry(self) -> dict[str, float]:
        """Net stoichiometric coefficient of every participating species."""
        net: dict[str, float] = {}
        for name, coeff in self.reactants:
            net[name] = net.get(name, 0.0) - coeff
        for name, coeff in self.products:
            net[name] = net.get(name, 0.0) + coeff
        return net


@dataclass(frozen=True)
class AssignmentRule:
    """A named expression usable in rates and outputs (``name = expr`` at all times)."""

    name: str
    expr: sympy.Expr
    text: str = ""
    unit: str = ""
    description: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)
    expr_loc: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RateRule:
    """``d(target)/dt = expr`` for a species that no reaction changes."""

    target: str
    expr: sympy.Expr
    text: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)
    expr_loc: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Observable:
    """A named read-out.  ``scale`` converts the canonical value into ``unit``."""

    name: str
    expr: sympy.Expr
    text: str = ""
    unit: str = ""
    scale: float = 1.0
    description: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)
    expr_loc: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Variant:
    """A named set of parameter overrides (canonical values), e.g. ``feedback_off``."""

    name: str
    overrides: Mapping[str, float]
    description: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", _frozen_map(self.overrides))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.overrides.items()))))

    def __reduce__(self) -> tuple:
        # mappingproxy does not pickle; rebuild from a plain dict (CompiledModel ships the Model)
        return (Variant, (self.name, dict(self.overrides), self.description, self.loc))


@dataclass(frozen=True)
class DoseTarget:
    """Where a dose given by one route goes.

    ``species`` receives bolus doses (amount, or amount/volume for a concentration
    species), multiplied by the ``bioavailability`` parameter if one is named.
    ``parameter`` is set during an infusion (to amount/time) or in vitro (to the
    medium concentration).
    """

    route: Route
    species: str | None = None
    parameter: str | None = None
    bioavailability: str | None = None
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)


@dataclass(frozen=True)
class Drug:
    """A dosable compound: molar mass (g/mol) and the targets of each route."""

    name: str
    molar_mass: float
    routes: Mapping[Route, DoseTarget]
    source: str = ""
    description: str = ""
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", _frozen_map(self.routes))

    def __hash__(self) -> int:
        return hash((self.name, self.molar_mass, tuple(self.routes)))

    def __reduce__(self) -> tuple:
        return (Drug, (self.name, self.molar_mass, dict(self.routes), self.source, self.description, self.loc))


@dataclass(frozen=True)
class EventAssignment:
    """``target = expr`` when an event executes; ``target`` is a state (species entry)."""

    target: str
    expr: sympy.Expr


@dataclass(frozen=True)
class Event:
    """A discontinuity triggered by a condition (SBML events).

    The event *fires* when ``trigger`` goes from false to true (located by root
    finding on each relation in it); it *executes* ``delay`` later (immediately if
    ``None``), evaluating its assignments at the trigger time if
    ``use_values_from_trigger_time`` and at execution otherwise.  Simultaneous
    executions run in decreasing ``priority``.  A non-``persistent`` event is
    cancelled if its trigger turns false before it executes; ``initial_value`` is
    the trigger's value just before the start, so a trigger true at t0 fires then
    only if it is ``False``.
    """

    name: str
    trigger: sympy.Basic
    assignments: tuple[EventAssignment, ...]
    delay: sympy.Expr | None = None
    priority: sympy.Expr | None = None
    persistent: bool = True
    initial_value: bool = True
    use_values_from_trigger_time: bool = True
    loc: SourceLocation = field(default_factory=SourceLocation, compare=False)


@dataclass(frozen=True)
class Model:
    """A complete, validated model.  Build one with :func:`mtorsim.load_model`."""

    name: str
    compartments: tuple[Compartment, ...] = ()
    species: tuple[Species, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    assignments: tuple[AssignmentRule, ...] = ()
    rate_rules: tuple[RateRule, ...] = ()
    observables: tuple[Observable, ...] = ()
    variants: tuple[Variant, ...] = ()
    drugs: tuple[Drug, ...] = ()
    #: discontinuities with triggers (imported from SBML); empty for YAML models
    events: tuple[Event, ...] = ()
    start: Start = Start.INITIAL_VALUES
    description: str = ""
    version: str = ""
    file: str | None = None

    # ---- lookups -------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[str, dict[str, object]]:
        return {
            "compartment": {c.name: c for c in self.compartments},
            "species": {s.name: s for s in self.species},
            "parameter": {p.name: p for p in self.parameters},
            "reaction": {r.name: r for r in self.reactions},
            "assignment": {a.name: a for a in self.assignments},
            "observable": {o.name: o for o in self.observables},
            "variant": {v.name: v for v in self.variants},
            "drug": {d.name: d for d in self.drugs},
        }

    def _get(self, kind: str, name: str) -> object:
        table = self._index[kind]
        try:
            return table[name]
        except KeyError:
            raise UnknownNameError(name, kind, table) from None

    def get_species(self, name: str) -> Species:
        return self._get("species", name)  # type: ignore[return-value]

    def get_parameter(self, name: str) -> Parameter:
        return self._get("parameter", name)  # type: ignore[return-value]

    def get_compartment(self, name: str) -> Compartment:
        return self._get("compartment", name)  # type: ignore[return-value]

    def get_variant(self, name: str) -> Variant:
        return self._get("variant", name)  # type: ignore[return-value]

    def get_drug(self, name: str) -> Drug:
        return self._get("drug", name)  # type: ignore[return-value]

    def get_observable(self, name: str) -> Observable:
        return self._get("observable", name)  # type: ignore[return-value]

    def names(self, kind: str) -> tuple[str, ...]:
        """Declared names of one kind (``"species"``, ``"parameter"``, ...), in file order."""
        return tuple(self._index[kind])

    def kind_of(self, name: str) -> str | None:
        """Which kind of element ``name`` is, or ``None`` if undeclared."""
        for kind, table in self._index.items():
            if name in table:
                return kind
        return None
