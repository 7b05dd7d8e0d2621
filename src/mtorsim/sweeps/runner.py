"""``sweep``: the front door for many simulations, with storage, resumption and progress."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from .. import spec
from ..compiled import AUTO, CompiledModel, compile_model
from ..dosing import Regimen
from ..errors import MtorsimWarning
from ..integration import Method, SteadyState
from ..metrics import Metric
from .design import DoseLevels, SweepDesign
from .engine import Backend
from .executors import DaskExecutor, Executor, SerialExecutor
from .result import SweepResult, normalize_table
from .space import ParameterSamples
from .store import SweepStore

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["DEFAULT_CHUNK_SIZE", "run_sweep", "sweep"]

#: Points per chunk: large enough to amortise shipping the task, small enough to lose little on a crash.
DEFAULT_CHUNK_SIZE = 16


def _as_compiled(model: CompiledModel | spec.Model | str | Path, cache_dir: Any) -> CompiledModel:
    if isinstance(model, CompiledModel):
        return model
    return compile_model(model, cache_dir=cache_dir)


def sweep(
    model: CompiledModel | spec.Model | str | Path,
    *,
    metrics: Sequence[Metric],
    regimens: Regimen | Mapping[str, Regimen] | None = None,
    variants: Sequence[str | Sequence[str] | None] | None = None,
    doses: DoseLevels | Sequence[float] | None = None,
    parameters: ParameterSamples | pandas.DataFrame | None = None,
    fixed: Mapping[str, Any] | None = None,
    t_end: Any = None,
    t_eval: Any = None,
    n_points: int | None = None,
    initial: SteadyState | str | None = None,
    method: Method | str = Method.BDF,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_step: Any = None,
    body_weight: Any = None,
    body_surface_area: Any = None,
    backend: Backend | str = Backend.AUTO,
    store: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    overwrite: bool = False,
    executor: Executor | None = None,
    client: Any = None,
    progress: bool = True,
    cache_dir: str | Path | None = AUTO,
) -> SweepResult:
    """Simulate every combination of regimens, variants, dose levels and parameter samples.

    Parameters
    ----------
    model : CompiledModel, Model, path or bundled-model name
    metrics : list of Metric
        What to keep of each simulation (trajectories are not stored).
    regimens : Regimen or mapping of name to Regimen, optional
        One regimen, or several by name (default: no doses).
    variants : list, optional
        Model variants to run, each a name, a list of names, or ``None`` (the
        model as written, labelled ``"base"``).  Default: ``[None]``.
    doses : DoseLevels or list of float, optional
        Dose scalings (a list scales every drug of the regimen together).
    parameters : ParameterSamples or DataFrame, optional
        Parameter values per sample (see :class:`ParameterSpace`).
    fixed : mapping, optional
        Parameter overrides applied to every point (declared units or quantities).
    t_end, t_eval, n_points
        Output grid as in :func:`mtorsim.simulate` (default 241 points); the
        times metrics need are added to it.
    initial, method, rtol, atol, max_step, body_weight, body_surface_area
        As in :func:`mtorsim.simulate`, for every point.
    backend : Backend or str
        Which engine evaluates chunks (see :mod:`mtorsim.sweeps.engine`): ``"native"``
        (compiled Rodas4, parallel threads; ``method`` is then ignored), ``"scipy"``
        (``method``), or ``"auto"`` (default: native when every metric reads a species
        or an output).
    store : path, optional
        Folder for incremental Parquet results.  If it already holds this sweep,
        only missing chunks are computed (resume after a crash or interrupt).
    chunk_size : int
        Points per chunk (the unit of work and of storage).
    overwrite : bool
        Discard a different sweep found in ``store``.
    executor : Executor, optional
        Where chunks run (default: this process; see :class:`ProcessExecutor`).
    client : distributed.Client, optional
        Run on this Dask cluster (shorthand for ``executor=DaskExecutor(client)``).
    progress : bool
        Show a progress bar (points done, rate and ETA) on stderr.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepError, UnknownNameError, ScheduleError, UnitError
        For an invalid sweep, before anything is simulated.

    Notes
    -----
    A point that fails to simulate is a row with its status and message, never
    an exception.  A chunk whose worker crashed is reported with status
    ``NOT_RUN`` (and a warning) and is not stored, so calling ``sweep`` again
    with the same ``store`` computes exactly the missing points.  Results are
    deterministic: the order of points is fixed and samples are drawn from a
    seed before the sweep starts.

    Examples
    --------
    >>> import mtorsim as mt
    >>> from mtorsim.sweeps import ParameterSpace, Uniform
    >>> space = ParameterSpace([Uniform("Kd_FRB", "1 nM", "100 nM", scale="log")])
    >>> result = mt.sweep("rapalog_minimal", metrics=[mt.Metric.min("pS6K1", relative=True)],
    ...                   regimens=mt.Regimen.in_vitro("everolimus", "1 nM"), t_end="24 h",
    ...                   parameters=space.latin_hypercube(32, seed=1), store="out/kd_sweep")  # doctest: +SKIP
    >>> result.table.head()                                                                    # doctest: +SKIP
    """
    compiled = _as_compiled(model, cache_dir)
    design = SweepDesign.build(
        compiled, metrics=metrics, regimens=regimens, variants=variants, doses=doses, parameters=parameters,
        fixed=fixed, t_end=t_end, t_eval=t_eval, n_points=n_points, initial=initial, method=method, rtol=rtol,
        atol=atol, max_step=max_step, body_weight=body_weight, body_surface_area=body_surface_area,
        backend=backend,
    )
    return run_sweep(design, store=store, chunk_size=chunk_size, overwrite=overwrite, executor=executor,
                     client=client, progress=progress)


def run_sweep(
    design: SweepDesign,
    *,
    store: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    overwrite: bool = False,
    executor: Executor | None = None,
    client: Any = None,
    progress: bool = True,
) -> SweepResult:
    """Evaluate a prepared :class:`SweepDesign` (see :func:`sweep` for the arguments)."""
    import pandas as pd

    if executor is not None and client is not None:
        raise ValueError("give either `executor` or `client`, not both")
    runner: Executor = executor or (DaskExecutor(client) if client is not None else SerialExecutor())
    specs = design.chunks(chunk_size)
    units = design.units()
    st: SweepStore | None = None
    done: set[int] = set()
    if store is not None:
        manifest = {
            "fingerprint": design.fingerprint(),
            "n_points": design.n_points,
            "chunk_size": int(chunk_size),
            "chunk_sizes": [len(s) for s in specs],
            "model": design.compiled.name,
            "model_key": design.compiled.key,
            "metrics": list(design.metric_names),
            "units": units,
        }
        st = SweepStore(store, manifest, overwrite=overwrite)
        done = st.completed()
    todo = [s for s in specs if s.index not in done]
    by_index = {s.index: s for s in specs}
    frames: list[pd.DataFrame] = []
    failures: list[str] = []
    n_computed = 0
    bar = tqdm(total=design.n_points, initial=sum(len(by_index[i]) for i in done), unit="pt",
               desc=f"sweep {design.compiled.name}", disable=not progress, dynamic_ncols=True, leave=True)
    try:
        for outcome in runner.map(design.task(s) for s in todo):
            spec_ = by_index[outcome.index]
            if outcome.result is None:
                failures.append(f"chunk {outcome.index} (points {spec_.start}-{spec_.stop - 1}): {outcome.error}")
                frames.append(design.not_run_table(spec_, f"not run: {outcome.error}"))
            else:
                frame = design.result_table(outcome.result)
                if st is not None:
                    st.write(outcome.index, frame)
                else:
                    frames.append(frame)
                n_computed += len(spec_)
            bar.update(len(spec_))
    finally:
        bar.close()
    if failures:
        warnings.warn(f"{len(failures)} chunk(s) could not be evaluated and are marked NOT_RUN"
                      + ("; run the same sweep again to compute them" if st is not None else "")
                      + ":\n  " + "\n  ".join(failures[:10]), MtorsimWarning, stacklevel=2)
    if st is not None:
        stored = st.read()
        table = pd.concat([stored, *frames], ignore_index=True) if frames else stored
    else:
        table = pd.concat(frames, ignore_index=True)
    table = normalize_table(table, units)
    return SweepResult(table, design, Path(store) if store is not None else None, n_computed)
