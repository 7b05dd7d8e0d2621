"""Sweep files (YAML) and the text form of metrics, with errors that point at ``file:line``.

A sweep file describes one :func:`~mtorsim.sweeps.sweep` call::

    model: rapalog_minimal            # bundled name, or a path relative to this file
    t_end: 24 h                       # or t_eval: [0, 1, 2, ...] (hours)
    n_points: 97
    initial: model                    # model | steady_state | initial_values
    solver: {backend: auto, method: BDF, rtol: 1e-6, atol: 1e-9}   # backend: auto | native | cuda | scipy
    regimens:
      daily_10mg:
        - {drug: everolimus, dose: 10 mg, every: 24 h, count: 7}
      in_vitro_1nM:
        - {drug: everolimus, concentration: 1 nM, washout: 24 h}
    variants: [base, frb_mutant]      # a list entry may itself be a list of variants
    doses: [0.5, 1, 2]                # scale every dose; or {drug: [factors], ...} for a grid
    fixed: {CL: 20 L/h}               # overrides for every point
    parameters:
      sampling: latin_hypercube       # grid | latin_hypercube | sobol | random
      n: 64                           # samples (levels per parameter for a grid)
      seed: 1
      space:
        Kd_FRB: {distribution: uniform, low: 1 nM, high: 100 nM, scale: log}
        kcat_S6K1: {distribution: normal, mean: 0.5, sd: 0.05}
        CL: {values: [10, 17.4, 25]}
    metrics:
      - min(pS6K1, relative)
      - time_below(pS6K1, 0.2, relative, start=0 h, end=24 h)
      - {kind: auc, output: everolimus_blood_ng_mL, start: 6 d, end: 7 d}
    output: {store: out/sweep, table: out/sweep.csv, figure: out/sweep.png}
    chunk_size: 16
    workers: 1                        # more than 1: a local process pool

Metric text is ``kind(output, [value], [relative], [key=value, ...])`` with
kinds ``auc mean max min tmax tmin value_at time_above time_below`` and the
composites ``rebound`` (peak fold of baseline and its time) and ``exposure``
(AUC, Cmax, Ctrough).  For ``value_at`` the positional value is the time, for
``time_above``/``time_below`` the threshold.

Every problem raises :class:`~mtorsim.errors.ConfigError` naming the key
(``parameters.space.Kd_FRB.high``) and its ``file:line:col``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ..compiled import AUTO, CompiledModel, compile_model
from ..dosing import Dose, Regimen
from ..errors import ConfigError, MtorsimError, SourceLocation, SweepError
from ..integration import Method, SteadyState
from ..metrics import Metric, exposure, rebound
from ..spec import Route
from .design import DoseLevels, SweepDesign, output_grid
from .engine import Backend
from .space import LogNormal, Normal, ParameterSamples, ParameterSpace, Uniform, Values

__all__ = ["SweepConfig", "load_sweep_config", "metric_from_mapping", "parse_metric"]

_TOP_KEYS = {"model", "t_end", "t_eval", "n_points", "initial", "solver", "body_weight", "body_surface_area",
             "regimens", "variants", "doses", "fixed", "parameters", "metrics", "output", "chunk_size", "workers"}
_DOSE_KEYS = {"drug", "dose", "concentration", "route", "every", "count", "start", "duration", "washout"}
_SIMPLE_KINDS = {"auc": Metric.auc, "mean": Metric.mean, "max": Metric.max, "min": Metric.min}
_METRIC_KINDS = ("auc", "mean", "max", "min", "tmax", "tmin", "value_at", "time_above", "time_below",
                 "rebound", "exposure")
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.S)


# ----------------------------------------------------------------------------- metrics
def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise SweepError("relative", f"expected true or false, got {value!r}")


def metric_from_mapping(fields: dict[str, Any]) -> tuple[Metric, ...]:
    """Metrics from ``{"kind": ..., "output": ..., "start": ..., ...}`` (one, or two/three for composites).

    Raises
    ------
    SweepError
        Unknown kind or key, a missing output, time or threshold.
    """
    fields = dict(fields)
    kind = str(fields.pop("kind", "")).strip().lower()
    if kind not in _METRIC_KINDS:
        raise SweepError("kind", f"unknown metric kind {kind!r}", f"use one of: {', '.join(_METRIC_KINDS)}")
    output = fields.pop("output", None)
    if not isinstance(output, str) or not output:
        raise SweepError("output", f"metric {kind!r} needs an output (observable or species)")
    allowed = {"start", "end", "relative", "name", "time", "threshold"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise SweepError(unknown[0], f"unknown metric key {unknown[0]!r}", f"keys: {', '.join(sorted(allowed))}")
    start, end = fields.get("start"), fields.get("end")
    relative = _flag(fields.get("relative", False))
    name = str(fields.get("name", "") or "")
    if kind in ("rebound", "exposure"):
        if name or relative:
            raise SweepError(kind, f"{kind}(...) names its metrics itself and takes no `relative`/`name`")
        return rebound(output, start=start, end=end) if kind == "rebound" else exposure(output, start=start, end=end)
    if kind in _SIMPLE_KINDS:
        return (_SIMPLE_KINDS[kind](output, start=start, end=end, relative=relative, name=name),)
    if kind in ("tmax", "tmin"):
        builder = Metric.tmax if kind == "tmax" else Metric.tmin
        return (builder(output, start=start, end=end, name=name),)
    if kind == "value_at":
        if fields.get("time") is None:
            raise SweepError("time", "value_at needs a time, e.g. value_at(pS6K1, 24 h)")
        return (Metric.value_at(output, fields["time"], relative=relative, name=name),)
    if fields.get("threshold") is None:
        raise SweepError("threshold", f"{kind} needs a threshold, e.g. {kind}(pS6K1, 0.2, relative)")
    try:
        threshold = float(fields["threshold"])
    except (TypeError, ValueError):
        raise SweepError("threshold", f"expected a number, got {fields['threshold']!r}") from None
    builder = Metric.time_above if kind == "time_above" else Metric.time_below
    return (builder(output, threshold, start=start, end=end, relative=relative, name=name),)


def parse_metric(text: str) -> tuple[Metric, ...]:
    """Metrics from text such as ``"time_below(pS6K1, 0.2, relative, end=7 d)"``.

    Examples
    --------
    >>> parse_metric("value_at(pS6K1, 24 h, relative)")[0].name
    'value_at_pS6K1_at_24h_rel'
    >>> [m.name for m in parse_metric("rebound(pAKT_S473)")]
    ['rebound_pAKT_S473', 'rebound_time_pAKT_S473']
    """
    match = _CALL.match(str(text))
    if not match:
        raise SweepError("metric", f"cannot read {text!r}", "write kind(output, ...), e.g. min(pS6K1, relative)")
    kind, inner = match.group(1).lower(), match.group(2)
    parts = [p.strip() for p in inner.split(",") if p.strip()]
    if not parts:
        raise SweepError("metric", f"{text!r} names no output")
    fields: dict[str, Any] = {"kind": kind, "output": parts[0]}
    positional = "time" if kind == "value_at" else "threshold" if kind in ("time_above", "time_below") else None
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
        elif part.lower() == "relative":
            fields["relative"] = True
        elif positional and positional not in fields:
            fields[positional] = part
        else:
            raise SweepError("metric", f"unexpected argument {part!r} in {text!r}")
    return metric_from_mapping(fields)


# ----------------------------------------------------------------------------- positions
class _Where:
    """Turns errors raised while reading a part of the file into ConfigError at its location."""

    def __init__(self, file: str) -> None:
        self.file = file

    def loc(self, node: Any, key: Any = None, *, value: bool = False) -> SourceLocation:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None and key is not None:
                if isinstance(node, CommentedSeq):
                    line, col = lc.item(key)
                else:
                    line, col = lc.value(key) if value else lc.key(key)
                return SourceLocation(self.file, line + 1, col + 1)
            if lc is not None:
                return SourceLocation(self.file, lc.line + 1, lc.col + 1)
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        return SourceLocation(self.file)

    @contextlib.contextmanager
    def at(self, key: str, node: Any, item: Any = None, *, value: bool = False) -> Iterator[None]:
        try:
            yield
        except ConfigError:
            raise
        except (MtorsimError, ValueError, KeyError, TypeError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and not isinstance(exc, MtorsimError) else str(exc)
            raise ConfigError(key, str(message), self.loc(node, item, value=value)) from None

    def fail(self, key: str, message: str, node: Any, item: Any = None, hint: str = "") -> ConfigError:
        return ConfigError(key, message, self.loc(node, item), hint)


def _mapping(where: _Where, node: Any, key: str, parent: Any, item: Any) -> CommentedMap:
    if not isinstance(node, CommentedMap):
        raise where.fail(key, f"expected a mapping, got {type(node).__name__}", parent, item)
    return node


def _check_keys(where: _Where, node: CommentedMap, allowed: set[str], prefix: str) -> None:
    for key in node:
        if key not in allowed:
            raise where.fail(f"{prefix}{key}", f"unknown key {key!r}", node, key,
                             f"allowed here: {', '.join(sorted(allowed))}")


# ----------------------------------------------------------------------------- sections
def _regimen(where: _Where, name: str, entries: Any, parent: Any, compiled: CompiledModel) -> Regimen:
    key = f"regimens.{name}"
    if isinstance(entries, CommentedMap):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        raise where.fail(key, "expected a non-empty list of doses", parent, name)
    drugs = [d.name for d in compiled.model.drugs]
    doses: list[Dose] = []
    for i, entry in enumerate(entries):
        k = f"{key}[{i}]"
        node = entry if isinstance(entry, CommentedMap) else None
        if node is None:
            raise where.fail(k, "expected a mapping such as {drug: everolimus, dose: 10 mg}", entries, i)
        _check_keys(where, node, _DOSE_KEYS, f"{k}.")
        drug = node.get("drug")
        if drug is None:
            if len(drugs) != 1:
                raise where.fail(f"{k}.drug", f"name the drug (the model has: {', '.join(drugs) or 'none'})",
                                 entries, i)
            drug = drugs[0]
        with where.at(f"{k}.drug", node, "drug" if "drug" in node else None, value=True):
            compiled.model.get_drug(str(drug))
        if ("dose" in node) == ("concentration" in node):
            raise where.fail(k, "give either `dose` (in vivo) or `concentration` (in vitro)", entries, i)
        if "concentration" in node:
            with where.at(f"{k}.concentration", node, "concentration", value=True):
                reg = Regimen.in_vitro(str(drug), node["concentration"], start=node.get("start", 0.0),
                                       washout=node.get("washout"))
            doses.extend(reg.doses)
            continue
        with where.at(f"{k}.dose", node, "dose", value=True):
            route = Route.IV if (node.get("duration") and node.get("route", "iv") == "iv") else \
                node.get("route", "oral")
            single = Dose(str(drug), node["dose"], route, time=node.get("start", 0.0), duration=node.get("duration"))
        count = node.get("count", 1)
        if "every" not in node and count != 1:
            raise where.fail(f"{k}.count", "`count` above 1 needs `every` (e.g. every: 24 h)", node, "count")
        with where.at(f"{k}.every", node, "every" if "every" in node else "count", value=True):
            doses.extend(Regimen.repeat(single, every=node.get("every", "1 h"), count=count).doses)
    with where.at(key, parent, name):
        regimen = Regimen(tuple(doses))
        regimen.lower(compiled)
    return regimen


def _dimension(where: _Where, name: str, node: Any, parent: Any) -> Any:
    key = f"parameters.space.{name}"
    node = _mapping(where, node, key, parent, name)
    if "values" in node:
        _check_keys(where, node, {"values", "unit"}, f"{key}.")
        with where.at(f"{key}.values", node, "values", value=True):
            return Values(name, list(node["values"]), unit=node.get("unit"))
    dist = str(node.get("distribution", "uniform")).lower()
    allowed = {"uniform": {"low", "high", "scale"}, "loguniform": {"low", "high"},
               "normal": {"mean", "sd", "low", "high"}, "lognormal": {"median", "sigma"}}
    if dist not in allowed:
        raise where.fail(f"{key}.distribution", f"unknown distribution {dist!r}", node, "distribution",
                         f"use one of: {', '.join(allowed)} (or `values: [...]`)")
    _check_keys(where, node, allowed[dist] | {"distribution", "unit"}, f"{key}.")
    unit = node.get("unit")
    required = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "normal": ("mean", "sd"),
                "lognormal": ("median", "sigma")}
    for field_name in required[dist]:
        if field_name not in node:
            raise where.fail(key, f"a {dist} distribution needs `{field_name}`", parent, name)
    try:
        if dist in ("uniform", "loguniform"):
            scale = "log" if dist == "loguniform" else node.get("scale", "linear")
            return Uniform(name, node["low"], node["high"], scale=scale, unit=unit)
        if dist == "normal":
            return Normal(name, node["mean"], node["sd"], low=node.get("low"), high=node.get("high"), unit=unit)
        return LogNormal(name, node["median"], node["sigma"], unit=unit)
    except SweepError as exc:  # point at the offending field (`high` of an empty range) when there is one
        field_name = exc.argument.rpartition(".")[2] if exc.argument.startswith(f"{name}.") else ""
        if field_name in node:
            raise ConfigError(f"{key}.{field_name}", exc.message, where.loc(node, field_name, value=True),
                              exc.hint) from None
        raise ConfigError(key, exc.message, where.loc(parent, name), exc.hint) from None


def _samples(where: _Where, node: Any, parent: Any, compiled: CompiledModel) -> ParameterSamples:
    node = _mapping(where, node, "parameters", parent, "parameters")
    _check_keys(where, node, {"sampling", "n", "seed", "space"}, "parameters.")
    space_node = _mapping(where, node.get("space"), "parameters.space", node, "space")
    if not space_node:
        raise where.fail("parameters.space", "no parameters to sweep", node, "space")
    dims = []
    for name in space_node:
        dim = _dimension(where, str(name), space_node[name], space_node)
        with where.at(f"parameters.space.{name}", space_node, name):
            # unknown or derived parameter, unit of the wrong dimension: checked on one value
            ParameterSamples((dim.name,), [[float(dim.ppf(0.5))]], (dim.unit,)).bind(compiled)
        dims.append(dim)
    method = str(node.get("sampling", "grid"))
    with where.at("parameters", parent, "parameters"):
        space = ParameterSpace(dims)
    with where.at("parameters.n", node, "n" if "n" in node else "sampling"):
        seed = node.get("seed")
        return space.sample(method, node.get("n", 5), seed=None if seed is None else int(seed))


def _metrics(where: _Where, node: Any, parent: Any, compiled: CompiledModel, grid_args: dict) -> list[Metric]:
    if not isinstance(node, list) or not node:
        raise where.fail("metrics", "expected a non-empty list of metrics", parent, "metrics")
    out: list[Metric] = []
    known = set(compiled.state_names) | set(compiled.output_names) | set(compiled.parameter_names)
    for i, entry in enumerate(node):
        key = f"metrics[{i}]"
        with where.at(key, node, i):
            metrics = metric_from_mapping(dict(entry)) if isinstance(entry, CommentedMap) else parse_metric(entry)
            for m in metrics:
                if m.output not in known:
                    compiled.output_index(m.output)  # raises UnknownNameError with suggestions
            output_grid(grid_args["t_end"], grid_args["t_eval"], grid_args["n_points"], metrics)
        out.extend(metrics)
    return out


@dataclass(frozen=True, eq=False)
class SweepConfig:
    """A checked sweep file: the design and where results go (paths relative to the file)."""

    path: Path
    design: SweepDesign
    store: Path | None
    table: Path | None
    figure: Path | None
    chunk_size: int
    workers: int


def load_sweep_config(path: str | Path, *, cache_dir: str | Path | None = AUTO,
                      backend: str | None = None) -> SweepConfig:
    """Read and check a sweep file (compiling its model).

    ``backend`` (``"native"``, ``"scipy"`` or ``"auto"``) overrides the file's ``solver.backend``.

    Raises
    ------
    ConfigError
        Naming the key and ``file:line:col`` of the first problem: unknown key,
        parameter, variant, drug or output; empty range; negative dose; bad unit.
    """
    path = Path(path)
    file = str(path)
    where = _Where(file)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError("file", f"cannot read the sweep file: {exc}", SourceLocation(file)) from None
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = SourceLocation(file, mark.line + 1, mark.column + 1) if mark is not None else SourceLocation(file)
        raise ConfigError("yaml", f"not valid YAML: {getattr(exc, 'problem', exc)}", loc) from None
    if not isinstance(root, CommentedMap):
        raise ConfigError("file", "a sweep file is a mapping of keys (model, regimens, metrics, ...)",
                          SourceLocation(file, 1, 1))
    _check_keys(where, root, _TOP_KEYS, "")
    for required in ("model", "metrics"):
        if required not in root:
            raise where.fail(required, f"missing required key {required!r}", root)
    model_ref = str(root["model"])
    local = path.parent / model_ref
    with where.at("model", root, "model", value=True):
        compiled = compile_model(local if local.is_file() else model_ref, cache_dir=cache_dir)

    grid_args = {"t_end": root.get("t_end"), "t_eval": root.get("t_eval"), "n_points": root.get("n_points")}
    with where.at("t_end" if "t_end" in root else "t_eval", root, "t_end" if "t_end" in root else "t_eval"):
        if grid_args["t_eval"] is not None:
            grid_args["t_eval"] = [float(v) for v in grid_args["t_eval"]]
        output_grid(grid_args["t_end"], grid_args["t_eval"], grid_args["n_points"], [])
    metrics = _metrics(where, root["metrics"], root, compiled, grid_args)

    regimens: dict[str, Regimen] | None = None
    if "regimens" in root:
        reg_node = _mapping(where, root["regimens"], "regimens", root, "regimens")
        regimens = {str(name): _regimen(where, str(name), reg_node[name], reg_node, compiled) for name in reg_node}

    variants = None
    if "variants" in root:
        node = root["variants"]
        if not isinstance(node, list) or not node:
            raise where.fail("variants", "expected a non-empty list of variant names", root, "variants")
        variants = []
        for i, v in enumerate(node):
            v = None if v in (None, "base") else (list(v) if isinstance(v, list) else str(v))
            with where.at(f"variants[{i}]", node, i):
                compiled.parameters(variant=v)
            variants.append(v)

    doses = None
    if "doses" in root:
        node = root["doses"]
        with where.at("doses", root, "doses", value=True):
            if isinstance(node, CommentedMap):
                doses = DoseLevels.grid({str(k): [float(x) for x in node[k]] for k in node})
            elif isinstance(node, list):
                doses = DoseLevels.uniform([float(x) for x in node])
            else:
                raise SweepError("doses", "expected a list of factors or a mapping drug: [factors]")

    fixed = None
    if "fixed" in root:
        node = _mapping(where, root["fixed"], "fixed", root, "fixed")
        fixed = {}
        for name in node:
            with where.at(f"fixed.{name}", node, name):
                compiled.parameters({str(name): node[name]})
            fixed[str(name)] = node[name]

    samples = _samples(where, root["parameters"], root, compiled) if "parameters" in root else None

    solver = root.get("solver", CommentedMap())
    solver = _mapping(where, solver, "solver", root, "solver")
    _check_keys(where, solver, {"backend", "method", "rtol", "atol", "max_step"}, "solver.")
    backend_text = str(backend if backend is not None else solver.get("backend", "auto"))
    try:
        chosen_backend = Backend.parse(backend_text)
    except ValueError:
        raise where.fail("solver.backend", f"unknown backend {backend_text!r}", solver, "backend",
                         "use auto, native, cuda or scipy") from None
    initial_text = str(root.get("initial", "model")).replace("-", "_")
    initial_map = {"model": None, "steady_state": SteadyState(), "initial_values": "initial_values"}
    if initial_text not in initial_map:
        raise where.fail("initial", f"unknown start {initial_text!r}", root, "initial",
                         "use model, steady_state or initial_values")
    with where.at("config", root):
        design = SweepDesign.build(
            compiled, metrics=metrics, regimens=regimens, variants=variants, doses=doses, parameters=samples,
            fixed=fixed, t_end=grid_args["t_end"], t_eval=grid_args["t_eval"], n_points=grid_args["n_points"],
            initial=initial_map[initial_text], method=Method.parse(solver.get("method", "BDF")),
            rtol=float(solver.get("rtol", 1e-6)), atol=float(solver.get("atol", 1e-9)),
            max_step=solver.get("max_step"), body_weight=root.get("body_weight"),
            body_surface_area=root.get("body_surface_area"), backend=chosen_backend)

    output = _mapping(where, root.get("output", CommentedMap()), "output", root, "output")
    _check_keys(where, output, {"store", "table", "figure"}, "output.")

    def rel(key: str) -> Path | None:
        value = output.get(key)
        return None if value is None else (path.parent / str(value))

    for key in ("chunk_size", "workers"):
        value = root.get(key, 1 if key == "workers" else 16)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise where.fail(key, f"must be a positive integer, got {value!r}", root, key)
    return SweepConfig(path, design, rel("store"), rel("table"), rel("figure"), int(root.get("chunk_size", 16)),
                       int(root.get("workers", 1)))
