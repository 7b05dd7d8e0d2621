"""``simulate``: the front door for one simulation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import spec
from ..compiled import AUTO, CompiledModel, compile_model
from ..dosing import Dose, DosingPlan, Regimen, regimen_from
from ..errors import IntegrationError, ScheduleError, Status
from ..native import integrate_native
from ..results import Trajectory
from ..units import TIME, convert
from .base import RawSolution
from .options import Method, SteadyState
from .scipy_backend import integrate_scipy
from .steady_state import find_steady_state

__all__ = ["DEFAULT_N_POINTS", "resolve_inputs", "simulate"]

#: Output points when neither ``t_eval`` nor ``n_points`` is given.
DEFAULT_N_POINTS = 1001


def _time_grid(t_end: Any, t_eval: ArrayLike | None, n_points: int | None) -> NDArray[np.float64]:
    if t_eval is not None:
        grid = np.asarray(t_eval, dtype=float)
        if grid.ndim != 1 or grid.size == 0:
            raise ValueError("`t_eval` must be a non-empty 1-d array of times in hours")
        if not np.isfinite(grid).all():
            raise ValueError("`t_eval` must be finite")
        if np.any(np.diff(grid) < 0):
            raise ValueError("`t_eval` must be sorted in increasing order")
        if t_end is not None and not np.isclose(convert(t_end, TIME, argument="t_end"), grid[-1]):
            raise ValueError("give either `t_end` or `t_eval` (or make t_eval end at t_end)")
        return grid
    if t_end is None:
        raise ValueError("`t_end` is required (e.g. t_end='28 d') unless `t_eval` is given")
    end = convert(t_end, TIME, argument="t_end")
    if not end > 0:
        raise ValueError(f"`t_end` must be positive, got {t_end!r}")
    n = DEFAULT_N_POINTS if n_points is None else int(n_points)
    if n < 2:
        raise ValueError(f"`n_points` must be at least 2, got {n_points!r}")
    return np.linspace(0.0, end, n)


def _as_compiled(model: CompiledModel | spec.Model | str | Path, cache_dir: Any) -> CompiledModel:
    if isinstance(model, CompiledModel):
        return model
    return compile_model(model, cache_dir=cache_dir)


def resolve_inputs(
    compiled: CompiledModel,
    regimen: Regimen | Dose | Sequence[Dose] | None,
    *,
    parameters: Mapping[str, Any] | NDArray[np.float64] | None,
    variant: str | Sequence[str] | None,
    body_weight: Any,
    body_surface_area: Any,
) -> tuple[NDArray[np.float64], DosingPlan, Regimen]:
    """Parameter vector and lowered dosing plan for one run (shared with batch backends).

    If the model declares parameters named ``body_weight`` or ``body_surface_area``,
    the values given here also set them (so PK can scale with size).
    """
    if isinstance(parameters, np.ndarray):
        p = _parameter_vector(compiled, parameters, variant)
    else:
        values = dict(parameters or {})
        for name, given in (("body_weight", body_weight), ("body_surface_area", body_surface_area)):
            if given is not None and name in compiled.parameter_names and name not in values:
                values[name] = given
        p = compiled.parameters(values, variant=variant)
    reg = regimen_from(regimen)
    plan = reg.lower(compiled, body_weight=body_weight, body_surface_area=body_surface_area)
    return p, plan, reg


def _parameter_vector(
    compiled: CompiledModel, parameters: NDArray[np.float64], variant: Any
) -> NDArray[np.float64]:
    """A full canonical vector given by the caller (sweeps): checked, copied, derived values refreshed."""
    if variant is not None:
        raise ValueError("`variant` cannot be combined with a full parameter vector: apply it when "
                         "building the vector (CompiledModel.parameters(variant=...))")
    p = np.array(parameters, dtype=float)
    if p.shape != (compiled.n_parameters,):
        raise ValueError(f"a `parameters` vector must have shape ({compiled.n_parameters},), got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("a `parameters` vector must be finite")
    compiled.derive(p)
    return p


def simulate(
    model: CompiledModel | spec.Model | str | Path,
    regimen: Regimen | Dose | Sequence[Dose] | None = None,
    *,
    t_end: Any = None,
    t_eval: ArrayLike | None = None,
    n_points: int | None = None,
    parameters: Mapping[str, Any] | NDArray[np.float64] | None = None,
    variant: str | Sequence[str] | None = None,
    initial: SteadyState | Mapping[str, Any] | ArrayLike | str | None = None,
    method: Method | str = Method.BDF,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_step: Any = None,
    body_weight: Any = None,
    body_surface_area: Any = None,
    raise_on_failure: bool = True,
    cache_dir: str | Path | None = AUTO,
) -> Trajectory:
    """Simulate a model under a dosing regimen.

    Parameters
    ----------
    model : CompiledModel, Model, path or bundled-model name
        Compiled on the fly (and cached) if not compiled yet.
    regimen : Regimen, Dose or list of Dose, optional
        Administrations; time 0 is the start of the simulation.
    t_end : time, optional
        End of the simulation (``"28 d"``, ``Q(672, "h")``; plain numbers are hours).
    t_eval : array of float, optional
        Output times in hours (sorted).  Default: ``n_points`` evenly spaced over ``[0, t_end]``.
    n_points : int, optional
        Number of output times when ``t_eval`` is not given (default 1001).
    parameters : mapping or ndarray, optional
        Parameter overrides; plain numbers are in the unit the model file declares.
        Or a full canonical vector of shape ``(n_parameters,)`` (as
        :meth:`CompiledModel.parameters` returns; derived entries are recomputed),
        which sweeps use to avoid unit parsing per point.
    variant : str or list of str, optional
        Named variants of the model (e.g. ``"feedback_off"``).
    initial : optional
        ``None``: what the model file's ``start`` says (initial values, or the
        drug-free steady state); ``SteadyState(...)``; ``"initial_values"``; a mapping
        of species overrides; or a full state vector (canonical units).
    method : Method or str
        ``"BDF"`` (default), ``"Radau"`` or ``"LSODA"`` (scipy), or ``"native"``
        (compiled Rodas4; its pre-equilibration runs in compiled code too).
    rtol, atol : float
        Solver tolerances (atol in canonical units, nM / nmol).
    max_step : time, optional
        Largest step the solver may take.
    body_weight, body_surface_area : quantity, optional
        Needed for mg/kg and mg/m² doses (plain numbers are kg and m²).
    raise_on_failure : bool
        If False, a failed run returns a Trajectory whose ``status`` says why, with
        NaN after the failure, instead of raising.

    Returns
    -------
    Trajectory

    Raises
    ------
    IntegrationError
        If the solver fails (and ``raise_on_failure``), with time, status and remedy.
    ScheduleError, UnitError, UnknownNameError, ValueError
        For invalid arguments, naming the argument.

    Examples
    --------
    >>> import mtorsim as mt
    >>> dose = mt.Dose("everolimus", "10 mg", route="oral")
    >>> regimen = mt.Regimen.repeat(dose, every="24 h", count=28)
    >>> traj = mt.simulate("pi3k_akt_mtor", regimen, t_end="28 d")   # doctest: +SKIP
    >>> traj["pS6K1"][-1]                                            # doctest: +SKIP
    """
    compiled = _as_compiled(model, cache_dir)
    method = Method.parse(method)
    grid = _time_grid(t_end, t_eval, n_points)
    if not (0 < rtol < 1):
        raise ValueError(f"`rtol` must be in (0, 1), got {rtol!r}")
    if not atol > 0:
        raise ValueError(f"`atol` must be positive, got {atol!r}")
    step = np.inf if max_step is None else convert(max_step, TIME, argument="max_step")
    p, plan, reg = resolve_inputs(compiled, regimen, parameters=parameters, variant=variant,
                                  body_weight=body_weight, body_surface_area=body_surface_area)
    if len(plan) and plan.times[0] < grid[0]:
        raise ScheduleError("regimen", f"a dose at {plan.times[0]:g} h comes before the start of the "
                            f"simulation ({grid[0]:g} h)")
    if method is Method.NATIVE:
        raw, pre = _run_native(compiled, p, plan, grid, initial, rtol, atol, step)
    else:
        raw, pre = _run_scipy(compiled, p, plan, grid, initial, method, rtol, atol, step, raise_on_failure)
    if raw.status is not Status.SUCCESS and raise_on_failure:
        raise IntegrationError(raw.status, raw.t_fail if raw.t_fail is not None else float(grid[0]),
                               raw.message, raw.y_fail)
    stats = dict(raw.stats)
    if "t_h" in pre:
        stats["steady_state_h"] = pre["t_h"]
    return _trajectory(compiled, grid, raw, p, reg, variant, method.value, stats)


def _run_native(compiled: CompiledModel, p: NDArray[np.float64], plan: DosingPlan, grid: NDArray[np.float64],
                initial: Any, rtol: float, atol: float, step: float) -> tuple[RawSolution, dict[str, Any]]:
    """The compiled backend; a steady-state start is found in compiled code as well."""
    settings = _steady_settings(compiled, initial)
    y0 = None if settings is not None else _initial_state(compiled, p, initial, True)[0]
    run = integrate_native(compiled, p, plan, grid, y0=y0, steady_state=settings, rtol=rtol, atol=atol,
                           max_step=step)
    pre: dict[str, Any] = {}
    if run.steady_state_h is not None and run.steady_state_h >= 0:
        pre["t_h"] = run.steady_state_h
    message = "" if run.status is Status.SUCCESS else (
        "pre-equilibration found no steady state" if run.status is Status.NO_STEADY_STATE
        else f"native integrator stopped at t = {run.t_fail:.6g} h ({run.status.name})")
    y_fail = None
    if run.status is not Status.SUCCESS:
        good = np.flatnonzero(np.isfinite(run.states).all(axis=1))
        y_fail = run.states[good[-1]] if len(good) else None
    return RawSolution(run.states, run.outputs, run.status, run.t_fail, message, y_fail, run.stats), pre


def _steady_settings(compiled: CompiledModel, initial: Any) -> SteadyState | None:
    """The SteadyState an ``initial`` argument asks for, or None for any other start."""
    if initial is None:
        return SteadyState() if compiled.model.start is spec.Start.STEADY_STATE else None
    if isinstance(initial, SteadyState):
        return initial
    if isinstance(initial, str) and initial == spec.Start.STEADY_STATE.value:
        return SteadyState()
    return None


def _run_scipy(compiled: CompiledModel, p: NDArray[np.float64], plan: DosingPlan, grid: NDArray[np.float64],
               initial: Any, method: Method, rtol: float, atol: float, step: float,
               raise_on_failure: bool) -> tuple[RawSolution, dict[str, Any]]:
    y0, pre = _initial_state(compiled, p, initial, raise_on_failure)
    if y0 is None:  # pre-equilibration failed and raise_on_failure is False
        raw = RawSolution(np.full((len(grid), compiled.n_states), np.nan),
                          np.full((len(grid), compiled.n_outputs), np.nan),
                          Status.NO_STEADY_STATE, float(grid[0]), pre.get("message", ""))
    else:
        raw = integrate_scipy(compiled, y0, p, plan, grid, method=method, rtol=rtol, atol=atol, max_step=step)
    return raw, pre


def _trajectory(compiled: CompiledModel, grid: NDArray[np.float64], raw: RawSolution, p: NDArray[np.float64],
                reg: Regimen, variant: Any, method: str, stats: dict) -> Trajectory:
    net = compiled.layout
    variants = () if variant is None else ((variant,) if isinstance(variant, str) else tuple(variant))
    return Trajectory(
        t=grid,
        states=raw.states,
        outputs=raw.outputs,
        state_names=net.state_names,
        output_names=net.output_names,
        state_units=net.state_units,
        output_units=net.output_units,
        parameters=p,
        parameter_names=net.parameter_names,
        parameter_units=net.parameter_units,
        status=raw.status,
        message=raw.message,
        t_fail=raw.t_fail,
        stats=stats,
        dose_times=reg.times,
        dose_labels=tuple(str(d) for d in reg.doses),
        model_name=compiled.name,
        variant=variants,
        method=method,
        n_assignments=net.n_assignments,
    )


def _initial_state(
    compiled: CompiledModel, p: NDArray[np.float64], initial: Any, raise_on_failure: bool
) -> tuple[NDArray[np.float64] | None, dict[str, Any]]:
    if initial is None:
        initial = SteadyState() if compiled.model.start is spec.Start.STEADY_STATE else "initial_values"
    if isinstance(initial, str):
        start = spec.Start(initial) if initial in {s.value for s in spec.Start} else None
        if start is None:
            raise ValueError(f"`initial` = {initial!r}: expected 'initial_values', 'steady_state', "
                             "a SteadyState, a mapping of species values, or a state vector")
        initial = SteadyState() if start is spec.Start.STEADY_STATE else {}
    if isinstance(initial, SteadyState):
        y = compiled.initial_state(p)
        try:
            y_ss, info = find_steady_state(compiled, y, p, initial)
        except IntegrationError as exc:
            if raise_on_failure:
                raise
            return None, {"message": str(exc)}
        return y_ss, info
    if isinstance(initial, Mapping):
        return compiled.initial_state(p, initial), {}
    y = np.asarray(initial, dtype=float)
    if y.shape != (compiled.n_states,):
        raise ValueError(f"`initial` state vector must have shape ({compiled.n_states},), got {y.shape}")
    if not np.isfinite(y).all() or np.any(y < 0):
        raise ValueError("`initial` state vector must be finite and non-negative")
    return y.copy(), {}


