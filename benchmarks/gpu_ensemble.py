"""GPU ensemble throughput: the CUDA backend vs JAX/diffrax on the same GPU vs the native CPU backend.

    python benchmarks/gpu_ensemble.py --n 10000 100000 1000000         # on a GPU machine
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu_ensemble.py --dry-run  # anywhere: checks the script

The workload (issue: GPU ensemble backend): the bundled model, everolimus 10 mg
orally every 24 h for 28 days, every kinetic parameter (rate constants,
clearances, flows, affinities; see :func:`kinetic_parameters`) perturbed
log-uniformly between 0.5x and 1.5x its value (``--distribution uniform`` for a
plain uniform draw), rtol 1e-6, atol 1e-9, outputs sampled hourly and reduced to
metrics on the device (everolimus blood AUC over the last dosing interval,
Cmax, Ctrough, pS6K1 minimum, hours with pS6K1 below half its baseline, pS6K1 at
the end).  Every run starts from the nominal drug-free steady state (so all three
solvers integrate the same initial-value problem; ``--initial per-run`` makes the
mtorsim backends pre-equilibrate each run instead, and skips diffrax).

* ``cuda``: ``simulate_batch(..., backend="cuda")``, one run per GPU thread, metrics only
  coming back; timed after a warm-up launch that compiles the kernel (reported apart).
* ``diffrax``: ``jax.vmap`` of ``diffrax.diffeqsolve`` with ``Kvaerno5`` and a PID controller
  at the same tolerances, float64, the model's generated ``rhs`` run with ``jax.numpy``,
  dosing as piecewise integration between dose times; timed after a compiling warm-up,
  on at most ``--jax-max-n`` runs (its runs/s is then applied to N).  Skipped, with a
  message, when jax or diffrax is not installed.
* ``native``: ``simulate_batch(..., backend="native")`` on all CPU cores, on at most
  ``--native-max-n`` runs.

Answers: the first ``--check-n`` runs are re-run with outputs kept by every backend
and compared with the native backend (largest deviation relative to each output's
range; metrics relative to each metric's range).

Without a GPU and without the simulator the CUDA part is skipped with a message.
``--dry-run`` shrinks everything (a few runs, one day) so the script can be checked
end to end on a CPU, e.g. under numba's CUDA simulator; a dry run records in
``benchmarks/RESULTS.md`` that the GPU measurement is still outstanding and never
reports simulator timings as figures.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import types
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results_file import command_line, git_revision, machine, update_section  # noqa: E402

import mtorsim as mt  # noqa: E402
from mtorsim.dosing import DosingPlan  # noqa: E402
from mtorsim.errors import BackendUnavailableError  # noqa: E402
from mtorsim.metrics import Metric  # noqa: E402
from mtorsim.native import integrate_native, simulate_batch  # noqa: E402

SECTION = "gpu-ensemble"
RTOL, ATOL = 1e-6, 1e-9
CHECK_OUTPUTS = ("everolimus_blood_ng_mL", "pS6K1", "pAKT_S473")


# ------------------------------------------------------------------ workload
def kinetic_parameters(compiled) -> list[str]:
    """Parameters perturbed in the ensemble: every non-derived rate constant, clearance,
    flow or synthesis rate (a unit with ``/h``) and every affinity (``K*``, ``IC50_*``),
    except inputs the regimen sets (``*_infusion``, ``*_medium``)."""
    layout = compiled.layout
    derived = set(layout.derived_parameters)
    chosen = []
    for name, unit in zip(layout.parameter_names, layout.parameter_units, strict=True):
        if name in derived or name.endswith(("_infusion", "_medium")):
            continue
        if "/h" in unit or name.startswith(("K", "IC50_")):
            chosen.append(name)
    return chosen


def sample_parameters(compiled, n: int, spread: float, distribution: str, seed: int) -> np.ndarray:
    """``n`` parameter vectors: each kinetic parameter times a factor in [1-spread, 1+spread]."""
    rng = np.random.default_rng(seed)
    idx = [compiled.parameter_index(name) for name in kinetic_parameters(compiled)]
    P = np.repeat(compiled.default_parameters[None, :], n, axis=0)
    lo, hi = 1.0 - spread, 1.0 + spread
    if distribution == "loguniform":
        f = np.exp(rng.uniform(math.log(lo), math.log(hi), size=(n, len(idx))))
    else:
        f = rng.uniform(lo, hi, size=(n, len(idx)))
    P[:, idx] *= f
    return P


def workload(compiled, days: int):
    regimen = mt.Regimen.repeat(mt.Dose("everolimus", "10 mg"), every="24 h", count=days)
    t_end = 24.0 * days
    grid = np.linspace(0.0, t_end, int(round(t_end)) + 1)
    last = max(0.0, t_end - 24.0)
    metrics = [
        Metric.auc("everolimus_blood_ng_mL", start=last, name="eve_AUC_last_ng_h_mL"),
        Metric.max("everolimus_blood_ng_mL", start=last, name="eve_Cmax_ng_mL"),
        Metric.value_at("everolimus_blood_ng_mL", t_end, name="eve_Ctrough_ng_mL"),
        Metric.min("pS6K1", relative=True, name="pS6K1_min_rel"),
        Metric.time_below("pS6K1", 0.5, relative=True, name="h_pS6K1_below_half"),
        Metric.value_at("pS6K1", t_end, relative=True, name="pS6K1_end_rel"),
    ]
    return regimen, grid, metrics


def nominal_steady_state(compiled) -> np.ndarray:
    run = integrate_native(compiled, compiled.default_parameters, DosingPlan.empty(), np.array([0.0]),
                           steady_state=mt.SteadyState())
    if run.status is not mt.Status.SUCCESS:
        raise RuntimeError(f"nominal steady state failed: {run.status.name}")
    return run.states[0]


# ------------------------------------------------------------------ diffrax
def jax_versions() -> str | None:
    try:
        import diffrax
        import jax
    except ImportError:
        return None
    return f"jax {jax.__version__} ({jax.default_backend()}: {jax.devices()[0].device_kind}), diffrax {diffrax.__version__}"


def jax_model(compiled):
    """``(f(t, y, p), observe(y, p))`` in ``jax.numpy``: the generated source run on tracers.

    The generated functions assign ``out[i] = <expression>``; given a Python list for
    ``out``, JAX arrays for ``y`` and ``p`` and ``jax.numpy`` in place of ``math``,
    they build the same expressions as JAX operations.
    """
    import jax.numpy as jnp

    shim = types.SimpleNamespace(
        sqrt=jnp.sqrt, exp=jnp.exp, log=jnp.log, log10=jnp.log10, pow=jnp.power, sin=jnp.sin,
        cos=jnp.cos, tan=jnp.tan, tanh=jnp.tanh, fabs=jnp.abs, copysign=jnp.copysign, inf=math.inf,
        pi=math.pi, e=math.e)
    ns: dict = {}
    exec(compile(compiled.source, "<jax-model>", "exec"), ns)  # noqa: S102
    ns["math"] = shim
    import inspect

    for fname in ("rhs", "observe"):
        body = inspect.getsource(compiled.python_functions[fname])
        if " if " in body:
            raise NotImplementedError(f"the model's {fname} has conditionals; the JAX port needs jnp.where")
    n, n_out = compiled.n_states, compiled.n_outputs

    def f(t, y, p):
        out = [0.0] * n
        ns["rhs"](t, y, p, out)
        return jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in out])

    def g(y, p):
        out = [0.0] * n_out
        ns["observe"](0.0, y, p, out)
        return jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in out])

    return f, g


def derived(compiled, P: np.ndarray) -> np.ndarray:
    """Rows of ``P`` with derived parameters filled (the generated ``derive`` on columns)."""
    PT = np.ascontiguousarray(P.T)
    compiled.python_functions["derive"](PT)
    return np.ascontiguousarray(PT.T)


class DiffraxEnsemble:
    """``vmap``-ed Kvaerno5 over runs, integrated piecewise between dose times."""

    def __init__(self, compiled, plan: DosingPlan, grid: np.ndarray, columns: list[int], chunk: int,
                 max_steps: int = 100_000):
        import diffrax
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp, self.diffrax = jax, jnp, diffrax
        self.compiled, self.plan, self.grid, self.columns, self.chunk = compiled, plan, grid, columns, chunk
        f, g = jax_model(compiled)
        term = diffrax.ODETerm(lambda t, y, p: f(t, y, p))
        solver = diffrax.Kvaerno5()
        ctrl = diffrax.PIDController(rtol=RTOL, atol=ATOL)

        def one(y0, p, t0, t1, ts):
            sol = diffrax.diffeqsolve(term, solver, t0, t1, None, y0, args=p, saveat=diffrax.SaveAt(ts=ts),
                                      stepsize_controller=ctrl, max_steps=max_steps, throw=False)
            return sol.ys, sol.stats["num_steps"], sol.result == diffrax.RESULTS.successful

        self.solve = jax.jit(jax.vmap(one, in_axes=(0, 0, None, None, None)))
        self.observe = jax.jit(jax.vmap(jax.vmap(g, in_axes=(0, None)), in_axes=(0, 0)))
        t_end = grid[-1]
        inner = sorted({float(t) for t in plan.times if grid[0] < t < t_end})
        self.bounds = [float(grid[0]), *inner, float(t_end)]

    def _events(self, Y, P, t):
        jnp, plan = self.jnp, self.plan
        for k in np.nonzero(plan.times == t)[0]:
            amount = jnp.full(Y.shape[0], float(plan.value[k]))
            if plan.mul_index[k] >= 0:
                amount = amount * P[:, plan.mul_index[k]]
            if plan.div_index[k] >= 0:
                amount = amount / P[:, plan.div_index[k]]
            if plan.kind[k] == 0:
                Y = Y.at[:, plan.index[k]].add(amount)
            else:
                P = P.at[:, plan.index[k]].set(amount)
        return Y, P

    def run_chunk(self, P: np.ndarray, y0: np.ndarray):
        """Outputs ``(n, T, len(columns))``, steps and success of runs ``P`` from state ``y0``."""
        jnp = self.jnp
        n = P.shape[0]
        Pj = jnp.asarray(derived(self.compiled, P))
        Y = jnp.asarray(np.repeat(y0[None, :], n, axis=0))
        outs, steps, ok = [], np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
        for s, (a, b) in enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)):
            Y, Pj = self._events(Y, Pj, a)
            last = s == len(self.bounds) - 2
            ts = self.grid[(self.grid >= a) & ((self.grid <= b) if last else (self.grid < b))]
            save = np.concatenate([ts, [b]]) if not last else ts
            ys, nsteps, good = self.solve(Y, Pj, a, b, jnp.asarray(save))
            obs = self.observe(ys[:, : len(ts)], Pj)
            outs.append(np.asarray(obs[:, :, self.columns]))
            steps += np.asarray(nsteps)
            ok &= np.asarray(good)
            Y = ys[:, -1]
        return np.concatenate(outs, axis=1), steps, ok

    def run(self, P: np.ndarray, y0: np.ndarray):
        parts = [self.run_chunk(P[a:a + self.chunk], y0) for a in range(0, len(P), self.chunk)]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]))


# ------------------------------------------------------------------ helpers
def deviation(a: np.ndarray, ref: np.ndarray, axis_last: bool = True) -> float:
    """Largest ``|a - ref|`` relative to the range ``max |ref|`` of each column (last axis)."""
    a = a.reshape(-1, a.shape[-1])
    ref = ref.reshape(-1, ref.shape[-1])
    good = np.isfinite(ref).all(axis=1) & np.isfinite(a).all(axis=1)
    if not good.any():
        return math.nan
    scale = np.maximum(np.abs(ref[good]).max(axis=0), 1e-300)
    return float((np.abs(a[good] - ref[good]) / scale).max())


def cuda_info() -> str:
    from numba import config, cuda

    if config.ENABLE_CUDASIM:
        return "numba CUDA simulator (no GPU)"
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else dev.name
    free, total = cuda.current_context().get_memory_info()
    try:
        rt = ".".join(map(str, cuda.runtime.get_version()))
    except Exception:  # noqa: BLE001 - informative only
        rt = "?"
    try:
        drv = cuda.cudadrv.driver.driver.get_version()
        drv = ".".join(map(str, drv)) if isinstance(drv, tuple) else str(drv)
    except Exception:  # noqa: BLE001
        drv = "?"
    return f"{name}, {total / 2**30:.0f} GiB ({free / 2**30:.0f} GiB free), CUDA runtime {rt}, driver {drv}"


def ptx_check(compiled) -> str:
    """Compile the kernel to PTX for sm_90 without a GPU (needs libNVVM); one line on the outcome."""
    import subprocess

    code = ("import time, mtorsim as mt; from mtorsim.native.cuda_batch import kernel_ptx; "
            "c = mt.compile_model('pi3k_akt_mtor'); t = time.perf_counter(); p = kernel_ptx(c, cc=(9, 0)); "
            "print(len(p), round(time.perf_counter() - t, 1))")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return f"Compiling the kernel to PTX for sm_90 without a GPU failed or was not possible: {last}"
    size, sec = proc.stdout.split()[-2:]
    import numba

    return (f"The bundled model's kernel compiles to PTX for sm_90 (H100/H200) with numba {numba.__version__}'s "
            f"CUDA target and no GPU ({int(size) / 1e6:.1f} MB of PTX in {sec} s).")


def fmt(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}" if abs(x) < 1e5 else f"{x:,.0f}"


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="ensemble sizes")
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--spread", type=float, default=0.5, help="perturbation: factors in [1-s, 1+s]")
    ap.add_argument("--distribution", choices=("loguniform", "uniform"), default="loguniform")
    ap.add_argument("--initial", choices=("nominal", "per-run"), default="nominal")
    ap.add_argument("--native-max-n", type=int, default=10_000, help="runs timed on the CPU (rate applied to N)")
    ap.add_argument("--jax-max-n", type=int, default=100_000, help="runs timed with diffrax (rate applied to N)")
    ap.add_argument("--jax-chunk", type=int, default=10_000, help="runs per vmap call")
    ap.add_argument("--check-n", type=int, default=1_000, help="runs compared with the native backend")
    ap.add_argument("--chunk-size", type=int, default=None, help="runs per GPU launch (default: fit free memory)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip", nargs="*", default=[], choices=("cuda", "native", "diffrax"))
    ap.add_argument("--dry-run", action="store_true", help="a few runs over one day: check the script on a CPU")
    ap.add_argument("--no-write", action="store_true", help="do not touch benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    if args.dry_run:
        args.n, args.days = [2], 1
        args.native_max_n, args.jax_max_n, args.jax_chunk = 3, 3, 3
        args.check_n = min(args.check_n, 2)

    compiled = mt.compile_model("pi3k_akt_mtor")
    regimen, grid, metrics = workload(compiled, args.days)
    n_max = max(args.n)
    P_all = sample_parameters(compiled, n_max, args.spread, args.distribution, args.seed)
    y_ss = nominal_steady_state(compiled)
    initial = y_ss if args.initial == "nominal" else "steady_state"
    common = dict(metrics=metrics, initial=initial, rtol=RTOL, atol=ATOL, progress=False)
    warm = dict(common, metrics=[])  # a short first call that compiles (metrics need the whole grid)
    print(f"{compiled.name}: {compiled.n_states} states, {len(kinetic_parameters(compiled))} kinetic parameters "
          f"perturbed {args.distribution} x[{1 - args.spread:g}, {1 + args.spread:g}], {args.days} days, "
          f"{len(grid)} output times")
    notes: list[str] = []
    rows: list[dict] = []
    check: dict[str, float] = {}

    # ---- native on the CPU
    native_rate = math.nan
    if "native" not in args.skip:
        k = min(n_max, args.native_max_n)
        simulate_batch(compiled, P_all[:1], regimen, grid[:2], **warm)  # compile / load the kernel
        t0 = time.perf_counter()
        res = simulate_batch(compiled, P_all[:k], regimen, grid, keep_outputs=False, **common)
        sec = time.perf_counter() - t0
        native_rate = k / sec
        print(f"native: {k} runs in {sec:.2f} s = {native_rate:.1f} runs/s; {Counter(res.statuses())}")
        rows.append(dict(backend="native (CPU)", n=k, sec=sec, rate=native_rate,
                         fail=int((~res.success).sum()), steps=float(res.stats[:, 0].mean())))
    ref = None
    if args.check_n and "native" not in args.skip:
        ref = simulate_batch(compiled, P_all[:args.check_n], regimen, grid, outputs=list(CHECK_OUTPUTS), **common)

    # ---- cuda
    cuda_results: dict[int, tuple[float, int, float]] = {}
    device = None
    if "cuda" not in args.skip:
        try:
            t0 = time.perf_counter()
            simulate_batch(compiled, P_all[:1], regimen, grid[:2], backend="cuda", **warm)
            compile_s = time.perf_counter() - t0
            device = cuda_info()
        except BackendUnavailableError as exc:
            msg = f"cuda part skipped: {exc}".splitlines()[0]
            print(msg)
            notes.append(msg)
        else:
            print(f"cuda: {device}; first launch (kernel compile) {compile_s:.1f} s")
            for n in args.n:
                t0 = time.perf_counter()
                res = simulate_batch(compiled, P_all[:n], regimen, grid, backend="cuda", keep_outputs=False,
                                     chunk_size=args.chunk_size, **common)
                sec = time.perf_counter() - t0
                cuda_results[n] = (sec, int((~res.success).sum()), n / sec)
                print(f"cuda: {n} runs in {sec:.2f} s = {n / sec:.1f} runs/s; {Counter(res.statuses())}; "
                      f"chunk {res.info['chunk_size']}, {res.info['launches']} launch(es)")
                rows.append(dict(backend="cuda (GPU)", n=n, sec=sec, rate=n / sec, fail=cuda_results[n][1],
                                 steps=float(res.stats[:, 0].mean()), compile=compile_s))
            if ref is not None:
                got = simulate_batch(compiled, P_all[:args.check_n], regimen, grid, backend="cuda",
                                     outputs=list(CHECK_OUTPUTS), **common)
                check["cuda outputs"] = deviation(got.observables, ref.observables)
                check["cuda metrics"] = deviation(got.metrics, ref.metrics)
                check["cuda status equal"] = float(np.array_equal(got.status, ref.status))

    # ---- diffrax
    jv = jax_versions()
    diffrax_rate = math.nan
    if "diffrax" in args.skip:
        pass
    elif jv is None:
        msg = "diffrax part skipped: jax and diffrax are not installed (pip install jax[cuda12] diffrax on the GPU machine)"
        print(msg)
        notes.append(msg)
    elif args.initial != "nominal":
        msg = "diffrax part skipped: --initial per-run needs a pre-equilibration the diffrax port does not do"
        print(msg)
        notes.append(msg)
    else:
        plan = regimen.lower(compiled)
        cols = [compiled.output_names.index(c) for c in CHECK_OUTPUTS]
        chunk = min(args.jax_chunk, n_max, args.jax_max_n)
        k = (min(n_max, args.jax_max_n) // chunk) * chunk  # whole chunks: one compiled shape
        ens = DiffraxEnsemble(compiled, plan, grid, cols, chunk=chunk)
        t0 = time.perf_counter()
        ens.run_chunk(P_all[:chunk], y_ss)  # compile (per chunk shape)
        jcompile = time.perf_counter() - t0
        t0 = time.perf_counter()
        out, steps, ok = ens.run(P_all[:k], y_ss)
        sec = time.perf_counter() - t0
        diffrax_rate = k / sec
        print(f"diffrax: {jv}; {k} runs in {sec:.2f} s = {diffrax_rate:.1f} runs/s (compile {jcompile:.1f} s); "
              f"{int((~ok).sum())} failed")
        rows.append(dict(backend="diffrax Kvaerno5 (vmap)", n=k, sec=sec, rate=diffrax_rate, fail=int((~ok).sum()),
                         steps=float(steps.mean()), compile=jcompile))
        if ref is not None:
            check["diffrax outputs"] = deviation(out[:args.check_n], ref.observables)

    # ---- report
    for name, value in check.items():
        print(f"check vs native ({args.check_n} runs): {name}: {value:.3g}")
    if args.no_write:
        return 0
    cmd = command_line()
    if args.dry_run or not cuda_results or (device or "").startswith("numba CUDA simulator"):
        ptx_note = ptx_check(compiled)
        print(ptx_note)
        body = [
            "## GPU ensemble: CUDA backend vs JAX/diffrax vs native CPU",
            "",
            "**Not measured yet: the GPU measurement is outstanding.** No GPU was available where the "
            "script last ran, so there are no throughput figures here; the targets (10⁶ dosed 28-day "
            "runs in ≤ 60 s; ≥ 10× JAX/diffrax runs/s on the same GPU) are unverified.",
            "",
            f"Last run: `{cmd}` on {machine()}; revision {git_revision()}. "
            + (f"A dry run ({max(args.n)} runs, {args.days} day) checking the script end to end"
               if args.dry_run else "A run")
            + (f", the CUDA kernel on the {device}" if device else "")
            + (f", diffrax with {jv}" if jv and "diffrax" not in args.skip else "") + ".",
        ]
        if check:
            body.append("Answers vs the native backend on those runs (largest deviation relative to each "
                        "output's or metric's range): "
                        + "; ".join(f"{k} {v:.2g}" if "equal" not in k else f"{k}: {bool(v)}"
                                    for k, v in check.items()) + ".")
        body.append(ptx_note)
        body += [f"- {n}" for n in notes]
        body += ["", "To measure, on a machine with an NVIDIA H100/H200, its driver and a CUDA toolkit numba finds "
                 "(system CUDA, or NVIDIA's `numba-cuda` wheels), and `pip install -U \"jax[cuda12]\" diffrax`: "
                 "`python benchmarks/gpu_ensemble.py --n 10000 100000 1000000`."]
        update_section(SECTION, "\n".join(body))
        print(f"wrote the {SECTION!r} section (measurement outstanding) to benchmarks/RESULTS.md")
        return 0
    lines = [
        "## GPU ensemble: CUDA backend vs JAX/diffrax vs native CPU",
        "",
        f"Bundled model ({compiled.n_states} states), everolimus 10 mg every 24 h for {args.days} days, "
        f"{len(kinetic_parameters(compiled))} kinetic parameters perturbed {args.distribution} "
        f"×[{1 - args.spread:g}, {1 + args.spread:g}], rtol {RTOL:g}, atol {ATOL:g}, hourly outputs reduced "
        f"to {len(metrics)} metrics per run on the device; start: "
        + ("the nominal drug-free steady state." if args.initial == "nominal" else "each run's own steady state.")
        + " Rates measured on fewer runs than N are applied to N (column *time for N*).",
        "",
        "| N | backend | runs timed | wall (s) | runs/s | time for N (s) | failed | mean steps |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n in args.n:
        for row in rows:
            if row["backend"].startswith("cuda") and row["n"] != n:
                continue
            lines.append(f"| {n:,} | {row['backend']} | {row['n']:,} | {fmt(row['sec'])} | {fmt(row['rate'])} | "
                         f"{fmt(n / row['rate'])} | {row['fail']} | {fmt(row['steps'])} |")
    big = max(cuda_results)
    sec_big, _, rate_big = cuda_results[big]
    lines += [
        "",
        f"Targets: 10⁶ runs ≤ 60 s — {'met' if big >= 1_000_000 and sec_big <= 60 else 'not met'} "
        f"({big:,} runs in {sec_big:.1f} s); ≥ 10× diffrax — "
        + (f"{rate_big / diffrax_rate:.1f}×" if math.isfinite(diffrax_rate) else "diffrax not run")
        + (f"; vs native CPU {rate_big / native_rate:.1f}×" if math.isfinite(native_rate) else "") + ".",
        "CUDA kernel compile (first launch): " + fmt(rows[[r["backend"] for r in rows].index("cuda (GPU)")]["compile"])
        + " s (not in the timings).",
        "Answers vs native on the first " + f"{args.check_n} runs: "
        + "; ".join(f"{k} {v:.2g}" if "equal" not in k else f"{k}: {bool(v)}" for k, v in check.items()) + ".",
        "",
        f"Device: {device}. {jv or 'jax/diffrax not installed'}. Host: {machine()}. Revision {git_revision()}.",
        f"Command: `{cmd}`.",
    ]
    lines += [f"- {n}" for n in notes]
    update_section(SECTION, "\n".join(lines))
    return 0


if __name__ == "__main__":
    warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in an output nobody reads, as in compiled code
    sys.exit(main())
