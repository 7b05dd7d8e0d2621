"""Where chunks run: in this process, in a local process pool, or on a Dask cluster.

An executor takes an iterable of :class:`~mtorsim.sweeps.engine.ChunkTask` and
yields a :class:`ChunkOutcome` per task as each finishes (in completion order).
It keeps only a bounded number of tasks in flight, so a million-point sweep
never holds every parameter matrix at once.  Every executor runs the same
function, :func:`~mtorsim.sweeps.engine.evaluate_chunk`; they differ only in
where.  An exception that escapes a chunk (a crashed worker, a lost
connection) becomes an outcome with ``error`` set: the sweep goes on and those
points are computed again when the sweep is resumed.

The compiled model travels by its cache key: a :class:`CompiledModel` pickles
as (model spec, cache key, generated source), and the receiving process loads
the machine code from its own numba cache (or compiles it once).  The Dask
executor scatters the model to the workers once per sweep rather than once per
chunk.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from ..compiled import CompiledModel
from .engine import ChunkResult, ChunkTask, evaluate_chunk

__all__ = ["ChunkOutcome", "DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor"]


@dataclass(frozen=True, eq=False)
class ChunkOutcome:
    """What came back for one chunk: a result, or why there is none."""

    index: int
    result: ChunkResult | None
    error: str = ""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Executor(Protocol):
    """Runs chunk tasks somewhere and yields their outcomes as they complete."""

    def map(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome]:  # pragma: no cover - protocol
        ...


class SerialExecutor:
    """Every chunk in this process, one after the other (the default)."""

    def map(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome]:
        for task in tasks:
            try:
                result = evaluate_chunk(task)
            except Exception as exc:  # recorded as a chunk failure; the sweep goes on
                yield ChunkOutcome(task.index, None, _describe(exc))
            else:
                yield ChunkOutcome(task.index, result)


class ProcessExecutor:
    """Chunks in a pool of local worker processes.

    Parameters
    ----------
    max_workers : int, optional
        Number of processes (default: the number of CPUs).
    start_method : {"spawn", "forkserver", "fork"}
        How workers start.  ``"spawn"`` (default) is safe with threads and numba;
        each worker imports mtorsim and loads the model from the disk cache once
        per chunk it receives.
    in_flight : int, optional
        Most chunks submitted but not finished (default ``2 * max_workers``).
    """

    def __init__(self, max_workers: int | None = None, *, start_method: str = "spawn",
                 in_flight: int | None = None) -> None:
        if max_workers is not None and (isinstance(max_workers, bool) or max_workers < 1):
            raise ValueError(f"`max_workers` must be a positive integer, got {max_workers!r}")
        if start_method not in multiprocessing.get_all_start_methods():
            raise ValueError(f"`start_method` = {start_method!r}: expected one of "
                             f"{', '.join(multiprocessing.get_all_start_methods())}")
        self.max_workers = max_workers or (multiprocessing.cpu_count() or 1)
        self.start_method = start_method
        self.in_flight = in_flight or 2 * self.max_workers

    def map(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome]:
        pool = ProcessPoolExecutor(self.max_workers, mp_context=multiprocessing.get_context(self.start_method))
        pending: dict[Future[ChunkResult], int] = {}
        source = iter(tasks)
        try:
            while True:
                while len(pending) < self.in_flight:
                    task = next(source, None)
                    if task is None:
                        break
                    pending[pool.submit(evaluate_chunk, task)] = task.index
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    exc = future.exception()
                    yield ChunkOutcome(index, None, _describe(exc)) if exc else ChunkOutcome(index, future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _evaluate_remote(compiled: CompiledModel, task: ChunkTask) -> ChunkResult:
    """Worker side of :class:`DaskExecutor`: attach the scattered model and evaluate."""
    return evaluate_chunk(task.with_model(compiled))


class DaskExecutor:
    """Chunks on a Dask distributed cluster.

    Parameters
    ----------
    client : distributed.Client
        A connected client (``Client(LocalCluster(...))`` or a remote scheduler).
    in_flight : int, optional
        Most chunks submitted but not finished (default: twice the cluster's threads).

    Notes
    -----
    The compiled model is scattered once (broadcast to every worker) and each
    task carries only its arrays; workers unpickle the model by cache key.
    """

    def __init__(self, client: Any, *, in_flight: int | None = None) -> None:
        if not hasattr(client, "submit") or not hasattr(client, "scatter"):
            raise TypeError(f"`client` must be a distributed.Client, got {type(client).__name__}")
        self.client = client
        self.in_flight = in_flight

    def _capacity(self) -> int:
        if self.in_flight:
            return int(self.in_flight)
        try:
            threads = sum(self.client.nthreads().values())
        except Exception:  # an unreachable scheduler shows up on submit; size the window modestly
            threads = 1
        return max(2, 2 * threads)

    def map(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome]:
        from distributed import as_completed

        models: dict[str, Any] = {}
        futures: dict[Any, int] = {}
        source = iter(tasks)
        window = self._capacity()

        def submit(task: ChunkTask) -> Any:
            compiled = task.compiled
            if compiled is None:
                raise ValueError("a chunk reached the Dask executor without its model")
            if compiled.key not in models:
                models[compiled.key] = self.client.scatter(compiled, broadcast=True, hash=False)
            future = self.client.submit(_evaluate_remote, models[compiled.key], task.without_model(), pure=False)
            futures[future] = task.index
            return future

        first = [submit(t) for t in _take(source, window)]
        queue = as_completed(first)
        try:
            for future in queue:
                index = futures.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # a worker died or the task raised: record, go on
                    yield ChunkOutcome(index, None, _describe(exc))
                else:
                    yield ChunkOutcome(index, result)
                future.release()
                task = next(source, None)
                if task is not None:
                    queue.add(submit(task))
        finally:
            for future in list(futures):
                future.cancel()
            for model in models.values():
                model.release()


def _take(source: Iterator[ChunkTask], n: int) -> list[ChunkTask]:
    out = []
    for _ in range(n):
        task = next(source, None)
        if task is None:
            break
        out.append(task)
    return out
