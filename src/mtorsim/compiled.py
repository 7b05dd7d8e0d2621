"""``compile_model``: Model → ReactionNetwork → generated source → cached numba functions.

A :class:`CompiledModel` bundles the jitted functions with name↔index maps and
default vectors.  It pickles by cache key plus the generated source (never by
pickling jitted code): a worker process or machine that receives one finds the
module in its own cache or writes it there, and numba loads machine code from
its disk cache.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from . import spec
from .cache import ModelCache, cache_key, default_cache_dir, import_module_from_path
from .codegen import GENERATOR_VERSION, emit_module
from .errors import CompileError, UnitError, UnknownNameError
from .loading import load_model
from .network import Layout, ReactionNetwork, build_network, fingerprint, layout
from .units import parse_quantity, parse_unit, to_canonical

__all__ = ["AUTO", "CompiledModel", "EventFunctions", "compile_model"]

#: Sentinel for ``cache_dir``: use :func:`mtorsim.cache.default_cache_dir`.
AUTO = "auto"

#: Generated functions, callees before callers (each is jitted, then bound into the module so
#: that its callers compile against the jitted version).
FUNCTION_NAMES = ("rates", "rate_derivatives", "rhs", "jac_work", "jac", "jac_sparse_work", "jac_sparse",
                  "observe", "derive", "initial")
_JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


@dataclass(frozen=True, eq=False)
class EventFunctions:
    """The generated event code of a model with events (see :func:`mtorsim.codegen._event_section`).

    Functions are plain Python (the event loop calls them a few times per event, and
    ``roots`` once per solver step); arrays are per event, ``offset``/``target`` locate each
    event's assignments in the output of ``values``.
    """

    n_events: int
    n_roots: int
    n_values: int
    roots: Callable[..., None]
    triggers: Callable[..., None]
    delays: Callable[..., None]
    priorities: Callable[..., None]
    values: Callable[..., None]
    scales: Callable[..., None]
    persistent: NDArray[np.bool_]
    initial_value: NDArray[np.bool_]
    use_trigger_values: NDArray[np.bool_]
    has_delay: NDArray[np.bool_]
    has_priority: NDArray[np.bool_]
    offset: NDArray[np.int64]
    target: NDArray[np.int64]

    @classmethod
    def from_module(cls, module: Any) -> EventFunctions | None:
        if not getattr(module, "N_EVENTS", 0):
            return None

        def py(name: str) -> Callable[..., None]:
            fn = getattr(module, name)
            return getattr(fn, "py_func", fn)

        return cls(int(module.N_EVENTS), int(module.N_ROOTS), int(module.N_EVENT_VALUES),
                   py("event_roots"), py("event_triggers"), py("event_delays"), py("event_priorities"),
                   py("event_values"), py("event_scales"), module.EVENT_PERSISTENT, module.EVENT_INITIAL_VALUE,
                   module.EVENT_USE_TRIGGER_VALUES, module.EVENT_HAS_DELAY, module.EVENT_HAS_PRIORITY,
                   module.EVENT_OFFSET, module.EVENT_TARGET)


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A model ready to simulate.

    Attributes
    ----------
    model : Model
    network : ReactionNetwork
        Built on first access (a warm cache load never needs the symbolic network).
    key : str
        Content hash identifying the generated code.
    rhs, jac, jac_work, jac_sparse, jac_sparse_work, rates, rate_derivatives, observe, derive, initial
        numba dispatchers; see :mod:`mtorsim.codegen` for their signatures.
    python_functions : mapping of str to function
        The same functions, un-jitted.  Their module globals hold the jitted callees; another
        compiler (e.g. CUDA) should ``exec`` :attr:`source` into a fresh namespace instead.
    n_dv : int
        Length of the work array ``jac_work``/``jac_sparse_work`` need (non-zero rate derivatives).
    default_parameters : ndarray, shape (n_parameters,)
        Canonical values with derived parameters evaluated.  Read-only.
    default_state : ndarray, shape (n_states,)
        Canonical initial values with expression initials evaluated.  Read-only.
    events : EventFunctions or None
        Trigger, delay, priority and assignment code of a model with events (SBML).
    compile_seconds : float
        Wall time of the code generation and jit/caching step of this instance.
    from_cache : bool
        Whether the generated module was found in the cache.
    """

    model: spec.Model
    key: str
    source: str
    module_path: Path
    rhs: Callable[..., None]
    jac: Callable[..., None]
    jac_work: Callable[..., None]
    jac_sparse: Callable[..., None]
    jac_sparse_work: Callable[..., None]
    rates: Callable[..., None]
    rate_derivatives: Callable[..., None]
    observe: Callable[..., None]
    derive: Callable[..., None]
    initial: Callable[..., None]
    python_functions: Mapping[str, Callable[..., None]]
    jac_rows: NDArray[np.int64]
    jac_cols: NDArray[np.int64]
    n_dv: int
    default_parameters: NDArray[np.float64]
    default_state: NDArray[np.float64]
    events: EventFunctions | None = None
    compile_seconds: float = 0.0
    from_cache: bool = False
    cache_root: Path | None = None
    _base_parameters: NDArray[np.float64] = field(default=None, repr=False)  # type: ignore[assignment]
    _base_state: NDArray[np.float64] = field(default=None, repr=False)  # type: ignore[assignment]

    # ------------------------------------------------------------------ names
    @cached_property
    def network(self) -> ReactionNetwork:
        return build_network(self.model)

    @cached_property
    def layout(self) -> Layout:
        """Names and canonical units of states, parameters and outputs."""
        return layout(self.model)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.layout.state_names

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return self.layout.parameter_names

    @property
    def output_names(self) -> tuple[str, ...]:
        return self.layout.output_names

    @property
    def n_states(self) -> int:
        return len(self.layout.state_names)

    @property
    def n_parameters(self) -> int:
        return len(self.layout.parameter_names)

    @property
    def n_outputs(self) -> int:
        return len(self.layout.output_names)

    def _find(self, names: Sequence[str], name: str, kind: str) -> int:
        try:
            return names.index(name)
        except ValueError:
            raise UnknownNameError(name, kind, names) from None

    def state_index(self, name: str) -> int:
        """Index of a species in ``y``."""
        return self._find(self.state_names, name, "species")

    def parameter_index(self, name: str) -> int:
        """Index of a parameter (or compartment size) in ``p``."""
        return self._find(self.parameter_names, name, "parameter")

    def output_index(self, name: str) -> int:
        """Index of an assignment or observable in the output of ``observe``."""
        return self._find(self.output_names, name, "observable")

    def parameter_unit(self, name: str) -> str:
        """The unit the model file declares for a parameter (plain numbers are read in it)."""
        i = self.parameter_index(name)
        if i < len(self.model.parameters):
            return self.model.parameters[i].unit
        return self.model.compartments[i - len(self.model.parameters)].unit

    # ------------------------------------------------------------------ vectors
    def parameters(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        variant: str | Sequence[str] | None = None,
    ) -> NDArray[np.float64]:
        """A fresh canonical parameter vector.

        Parameters
        ----------
        values : mapping of name to value, optional
            Overrides.  A quantity (``"0.5 1/min"``) is checked for dimension; a
            plain number is read in the unit the model file declares for that
            parameter.
        variant : str or sequence of str, optional
            Named variants applied first, in order; two variants that set the same
            parameter to different values are an error.

        Raises
        ------
        UnknownNameError, UnitError, ValueError
        """
        p = self._base_parameters.copy()
        setters: dict[str, tuple[str, float]] = {}
        for vname in _as_list(variant):
            v = self.model.get_variant(vname)
            for pname, value in v.overrides.items():
                if pname in setters and setters[pname][1] != value:
                    raise ValueError(
                        f"variants {setters[pname][0]!r} and {vname!r} set parameter {pname!r} to different values"
                    )
                setters[pname] = (vname, value)
                p[self.parameter_index(pname)] = value
        derived = set(self.layout.derived_parameters)
        for pname, value in (values or {}).items():
            i = self.parameter_index(pname)
            if pname in derived:
                raise ValueError(f"parameter {pname!r} is derived from other parameters; set those instead")
            p[i] = self._convert(value, self.parameter_unit(pname), f"parameters[{pname!r}]")
        self.python_functions["derive"](p)  # runs once per call: no need to jit it
        return p

    def initial_state(
        self, p: NDArray[np.float64] | None = None, values: Mapping[str, Any] | None = None
    ) -> NDArray[np.float64]:
        """Initial state for parameter vector ``p`` with optional per-species overrides.

        Plain numbers in ``values`` are read in the species' declared unit.
        """
        p = self.default_parameters if p is None else np.ascontiguousarray(p, dtype=float)
        y = self._base_state.copy()
        self.python_functions["initial"](p, y)
        for name, value in (values or {}).items():
            i = self.state_index(name)
            y[i] = self._convert(value, self.model.species[i].unit, f"initial[{name!r}]")
            if y[i] < 0:
                raise ValueError(f"`initial[{name!r}]` must not be negative")
        return y

    @staticmethod
    def _convert(value: Any, unit: str, argument: str) -> float:
        q = parse_quantity(value, argument=argument, default_unit=unit or "dimensionless")
        expected = parse_unit(unit or "dimensionless")
        if q.dimensionality != expected.dimensionality:
            raise UnitError(argument, value, f"a value in {unit or 'dimensionless'} units",
                            f"it has units of {q.units:~P}")
        return to_canonical(q)

    # ------------------------------------------------------------------ pickling
    def __reduce__(self) -> tuple[Any, ...]:
        root = str(self.cache_root) if self.cache_root is not None else None
        return (_restore, (self.model, self.key, self.source, root))


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _restore(model: spec.Model, key: str, source: str, root: str | None) -> CompiledModel:
    """Unpickle: find the module by key (writing the shipped source if absent) and load it."""
    cache_root = Path(root) if root is not None and _writable(Path(root)) else default_cache_dir()
    return _load(model, key, source, ModelCache(cache_root), time.perf_counter())


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return path.is_dir()


def compile_model(
    model: spec.Model | str | Path,
    *,
    cache_dir: str | Path | None = AUTO,
) -> CompiledModel:
    """Generate, jit-compile and cache a model's numerical functions.

    Parameters
    ----------
    model : Model, path or bundled-model name
        Anything :func:`mtorsim.load_model` accepts, or a loaded model.
    cache_dir : path, ``"auto"`` or None
        Where generated modules and numba's machine code are stored.  ``"auto"``
        (default) uses the per-user cache; ``None`` compiles into a temporary
        folder that is not reused.

    Returns
    -------
    CompiledModel

    Raises
    ------
    CompileError
        If code generation or numba compilation fails.

    Examples
    --------
    >>> import mtorsim as mt
    >>> compiled = mt.compile_model("pi3k_akt_mtor")   # doctest: +SKIP
    >>> compiled.rhs(0.0, compiled.default_state, compiled.default_parameters, out)  # doctest: +SKIP
    """
    if not isinstance(model, spec.Model):
        model = load_model(model)
    t0 = time.perf_counter()
    key = cache_key(fingerprint(model))
    if cache_dir is None:
        cache = ModelCache(Path(tempfile.mkdtemp(prefix="mtorsim-")))
    else:
        cache = ModelCache(default_cache_dir() if cache_dir == AUTO else Path(cache_dir))
    return _load(model, key, None, cache, t0)


def _load(model: spec.Model, key: str, source: str | None, cache: ModelCache, t0: float) -> CompiledModel:
    path = cache.lookup(key)
    from_cache = path is not None
    network = None
    if path is None:
        if source is None:
            try:
                network = build_network(model)
                source = emit_module(network, key)
            except Exception as exc:  # sympy failures are unexpected: say where
                raise CompileError(model.name, f"code generation failed: {exc}") from exc
        path = cache.store(key, source, {"model": model.name, "file": model.file})
    module_name = f"mtorsim_generated_{key[:16]}"
    try:
        module = import_module_from_path(path, module_name)
        if getattr(module, "GENERATOR_VERSION", None) != GENERATOR_VERSION:
            raise ImportError("generator version mismatch")
    except Exception as exc:
        if from_cache:  # a corrupted entry that passed the checksum (e.g. stale bytecode): rebuild once
            cache.discard(key, f"import failed: {exc}")
            return _load(model, key, None, cache, t0)
        raise CompileError(model.name, f"generated module does not import: {exc}") from exc
    source = path.read_text()
    # (a module already imported in this process has dispatchers bound: take their Python source)
    python_functions = {name: getattr(getattr(module, name), "py_func", getattr(module, name)) for name in FUNCTION_NAMES}
    jitted = {}
    for name in getattr(module, "HELPERS", ()):  # parts of a large model's functions: their callees
        helper = getattr(module, name)
        setattr(module, name, numba.njit(**_JIT_OPTIONS)(getattr(helper, "py_func", helper)))
    for name in FUNCTION_NAMES:  # callees first; bind each so its callers see the jitted one
        jitted[name] = numba.njit(**_JIT_OPTIONS)(python_functions[name])
        setattr(module, name, jitted[name])

    lay = layout(model)
    n = len(lay.state_names)
    # a derived parameter's value is filled in by derive(); an undefined plain value (an SBML
    # parameter declared without one) stays NaN, so using it shows instead of reading as 0
    base_p = np.array([0.0 if math.isnan(p.value) and p.derived else p.value for p in model.parameters]
                      + [c.size for c in model.compartments], dtype=float)
    base_y = np.array([s.initial for s in model.species], dtype=float)

    # Compile (or load from numba's disk cache) only what the scipy backend calls every step
    # (rhs, and jac_work with its callee); everything else compiles on first use.  derive,
    # initial and observe run a handful of times per simulation and are called un-jitted
    # there, which costs far less than their compile time.
    try:
        p = base_p.copy()
        python_functions["derive"](p)
        y = base_y.copy()
        python_functions["initial"](p, y)
        jitted["rhs"](0.0, y, p, np.zeros(n))
        jitted["jac_work"](0.0, y, p, np.zeros((n, n)), np.zeros(max(module.N_DV, 1)))
    except Exception as exc:
        raise CompileError(model.name, f"numba could not compile the generated code: {exc}",
                           f"generated module: {path}") from exc
    p.setflags(write=False)
    y.setflags(write=False)
    compiled = CompiledModel(
        model=model,
        key=key,
        source=source,
        module_path=path,
        python_functions=python_functions,
        jac_rows=module.JAC_ROWS,
        jac_cols=module.JAC_COLS,
        n_dv=int(module.N_DV),
        default_parameters=p,
        default_state=y,
        events=EventFunctions.from_module(module),
        compile_seconds=time.perf_counter() - t0,
        from_cache=from_cache,
        cache_root=cache.root,
        _base_parameters=base_p,
        _base_state=base_y,
        **jitted,
    )
    if network is not None:  # built for code generation: keep it rather than rebuild on demand
        compiled.__dict__["network"] = network
    return compiled

