"""Benchmark the engines against QuantEcon and a plain numpy walker on one 30-state chain.

Usage::

    pip install ".[bench]"          # adds quantecon (and numba, which it needs)
    python benchmarks/bench_engines.py                    # 10^6 trajectories x 365 days
    python benchmarks/bench_engines.py --runs 100000      # quicker

Every method runs in a fresh subprocess, so its peak resident memory (``ru_maxrss``) is its
own; the baseline line shows what Python with numpy and the package costs before any work.
The chain: 30 states, daily stay probability drawn in [0.80, 0.95], three absorbing states
at the top; each other state moves to three random states. It is fed to our engines as a
one-actor scenario and to the others as its transition matrix. Figures are recorded in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N_STATES = 30
ABSORBING = (27, 28, 29)


def chain(seed: int = 12345) -> np.ndarray:
    """The benchmark's transition matrix, shape (30, 30), rows summing to 1."""
    rng = np.random.default_rng(seed)
    p = np.zeros((N_STATES, N_STATES))
    for i in range(N_STATES):
        if i in ABSORBING:
            p[i, i] = 1.0
            continue
        stay = rng.uniform(0.80, 0.95)
        dest = rng.choice([j for j in range(N_STATES) if j != i], size=3, replace=False)
        split = rng.dirichlet(np.ones(3)) * (1 - stay)
        p[i, dest] = split
        p[i, i] = 1 - split.sum()
    return p


def scenario():
    """The chain as a one-actor escalation scenario (levels spread over 0-10)."""
    from escalation.scenario import Actor, Move, Rung, Scenario, Target

    p = chain()
    ladder = tuple(Rung(id=f"s{i:02d}", level=min(10, i // 3)) for i in range(N_STATES))
    moves = tuple(
        Move(actor="X", from_=f"s{i:02d}", to=f"s{j:02d}", p=float(p[i, j]))
        for i in range(N_STATES) for j in range(N_STATES) if i != j and p[i, j] > 0
    )
    targets = tuple(Target(name=f"absorbed_{k}", when=f"X == s{k:02d}") for k in ABSORBING)
    return Scenario(id="bench-chain", title="Benchmark chain", horizon=365,
                    actors=(Actor(id="X", ladder=ladder, start="s00"),), moves=moves, targets=targets)


def numpy_daily(p: np.ndarray, runs: int, days: int, seed: int) -> np.ndarray:
    """Day-by-day walker in plain numpy: who moves, then where (first-hit days of state 27)."""
    rng = np.random.default_rng(seed)
    stay = np.diag(p).copy()
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    cdf = np.cumsum(off, axis=1)
    state = np.zeros(runs, dtype=np.int64)
    first = np.full(runs, -1)
    for day in range(1, days + 1):
        move = rng.random(runs) >= stay[state]
        idx = np.flatnonzero(move)
        u = rng.random(idx.size) * cdf[state[idx], -1]
        state[idx] = np.minimum((cdf[state[idx]] <= u[:, None]).sum(axis=1), N_STATES - 1)
        hit = (state == ABSORBING[0]) & (first < 0)
        first[hit] = day
    return first


def reference_kernel():
    """The issue's yardstick (see reference_kernel.py) and the chain in the layout it takes."""
    from reference_kernel import walk

    p = chain()
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    log_stay = np.zeros(N_STATES)
    moving = np.diag(p) < 1.0
    log_stay[moving] = np.log(np.diag(p)[moving])
    return walk, log_stay, np.cumsum(off, axis=1)


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def run_one(method: str, runs: int, days: int) -> dict:
    """Time one method in this fresh process, then again (``warm_seconds``) for the compiled ones.

    Imports (numba's, QuantEcon's) happen before the clock starts; the first call's loading
    of numba's cached kernels (about 0.3-0.5 s) is in ``seconds``, not in ``warm_seconds``.
    """
    import escalation  # noqa: F401  (counted in the baseline)

    if method.startswith("escalation-mc") or method in ("warm", "reference-numba"):
        import escalation._walk  # noqa: F401  (numba and the cached kernel)
    elif method == "quantecon":
        import quantecon  # noqa: F401
    started = time.perf_counter()
    again = None  # a compiled method's call, timed once more with its kernels loaded
    result = None
    if method == "baseline":
        pass
    elif method == "warm":  # compile and cache the numba kernels once, outside the timings
        from escalation.montecarlo import simulate

        result = simulate(scenario(), runs=10, horizon=days, seed=1, kernel="numba").probability("absorbed_27")
        walk, log_stay, cdf = reference_kernel()
        walk(log_stay, cdf, 10, days, ABSORBING[0], 1)
        from escalation.exact import exact_odds

        exact_odds(scenario(), horizon=days, kernel="numba")
    elif method.startswith("escalation-mc"):
        from escalation.montecarlo import simulate

        kernel = "numpy" if method.endswith("numpy") else "auto"
        workers = 2 if method.endswith("2workers") else 1

        def call():
            return simulate(scenario(), runs=runs, horizon=days, seed=1, kernel=kernel, workers=workers)

        result = call().probability("absorbed_27")
        again = call if kernel == "auto" else None
    elif method == "reference-numba":
        walk, log_stay, cdf = reference_kernel()

        def call():
            return walk(log_stay, cdf, runs, days, ABSORBING[0], 1)

        result = float((call() >= 0).mean())
        again = call
    elif method == "escalation-exact":
        from escalation.exact import exact_odds

        result = exact_odds(scenario(), horizon=days).probability("absorbed_27")
    elif method == "quantecon":
        import quantecon as qe

        mc = qe.MarkovChain(chain())
        paths = mc.simulate(ts_length=days + 1, init=0, num_reps=runs, random_state=1)
        result = float((paths == ABSORBING[0]).any(axis=1).mean())
    elif method == "numpy-daily":
        first = numpy_daily(chain(), runs, days, seed=1)
        result = float((first >= 0).mean())
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warm = None if again is None else _timed(again)[0]
    return {"method": method, "seconds": seconds, "warm_seconds": warm, "peak_mb": peak_mb,
            "result": None if result is None else float(result)}


def exact_venezuela(repeats: int = 7) -> dict:
    """Exact odds for the Venezuela scenario at 365 days, all 8 targets (milliseconds, medians).

    In this fresh process: compiling the chain; SciPy's day-by-day products; the compiled
    kernel's first call (numba imported before the clock, its cache loaded during the call)
    and its later calls; and the whole call with the chain compiled inside.
    """
    import numba  # noqa: F401
    from escalation import compile_graph, load_scenario
    from escalation.exact import exact_odds

    s = load_scenario("venezuela-2025")

    def median_ms(call) -> float:
        return 1e3 * statistics.median(_timed(call)[0] for _ in range(repeats))

    out = {"compile": median_ms(lambda: compile_graph(s))}
    g = compile_graph(s)
    out["numba_first"] = 1e3 * _timed(lambda: exact_odds(s, horizon=365, graph=g, kernel="numba"))[0]
    out["scipy"] = median_ms(lambda: exact_odds(s, horizon=365, graph=g, kernel="scipy"))
    out["numba"] = median_ms(lambda: exact_odds(s, horizon=365, graph=g, kernel="numba"))
    out["numba_with_compile"] = median_ms(lambda: exact_odds(s, horizon=365, kernel="numba"))
    out["n_states"], out["n_edges"] = g.n_states, g.n_edges
    return out


def child(method: str, runs: int, days: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", method, "--runs", str(runs), "--days", str(days)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def end_to_end(repeats: int = 5) -> float:
    exe = shutil.which("escalation", path=str(Path(sys.executable).parent)) or "escalation"
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([exe, "run", "venezuela-2025", "--seed", "1", "-q"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


METHODS = ["baseline", "escalation-mc", "escalation-mc-2workers", "escalation-mc-numpy", "reference-numba",
           "escalation-exact", "numpy-daily", "quantecon"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--skip", action="append", default=[],
                    help="skip a method (repeatable): " + ", ".join(METHODS[1:]))
    ap.add_argument("--big", type=int, default=10_000_000, help="trajectories for the memory check (0 to skip)")
    args = ap.parse_args()
    if args.one == "exact-venezuela":
        print(json.dumps(exact_venezuela()))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.runs, args.days)))
        return

    child("warm", 10, args.days)
    rows = {}
    for m in METHODS:
        if m in args.skip:
            continue
        try:
            rows[m] = child(m, args.runs, args.days)
        except subprocess.CalledProcessError as exc:
            print(f"{m}: failed: {exc.stderr.strip().splitlines()[-1] if exc.stderr else exc}", file=sys.stderr)
    steps = args.runs * args.days
    base = rows.get("baseline", {}).get("peak_mb", 0.0)
    print(f"chain: {N_STATES} states, {args.runs:,} trajectories x {args.days} days = {steps:.3g} trajectory-steps")
    print("seconds: first call in a fresh process (numba kernels loaded during it); warm: the same call again")
    print(f"{'method':<24}{'seconds':>9}{'warm':>8}{'steps/s':>10}{'peak MB':>9}{'MB over base':>14}{'P(abs 27)':>11}")
    for m, r in rows.items():
        rate = steps / r["seconds"] if m != "baseline" and r["seconds"] > 0 else float("nan")
        res = "" if r["result"] is None else f"{r['result']:.4f}"
        warm = "" if r.get("warm_seconds") is None else f"{r['warm_seconds']:.3f}"
        print(f"{m:<24}{r['seconds']:>9.3f}{warm:>8}{rate:>10.3g}{r['peak_mb']:>9.0f}{r['peak_mb'] - base:>14.0f}{res:>11}")
    mc, mc2 = rows.get("escalation-mc"), rows.get("escalation-mc-2workers")
    if "quantecon" in rows and mc:
        q = rows["quantecon"]["seconds"]
        print(f"speed-up over QuantEcon, 1 worker: {q / mc['seconds']:.1f}x fresh, {q / mc['warm_seconds']:.1f}x warm; "
              f"memory (over baseline): {(mc['peak_mb'] - base) / max(rows['quantecon']['peak_mb'] - base, 1e-9):.3f} "
              "of QuantEcon's")
        if mc2:
            print(f"speed-up over QuantEcon, 2 workers: {q / mc2['seconds']:.1f}x fresh, {q / mc2['warm_seconds']:.1f}x warm")
    if "reference-numba" in rows and mc2:
        ref = rows["reference-numba"]
        print(f"2 workers against the reference kernel (2 threads): {mc2['seconds'] / ref['seconds']:.2f}x its time "
              f"fresh, {mc2['warm_seconds'] / ref['warm_seconds']:.2f}x warm")
    if "numpy-daily" in rows and mc:
        print(f"speed-up over the numpy day-by-day walker: {rows['numpy-daily']['seconds'] / mc['seconds']:.1f}x")
    if args.big:
        big = child("escalation-mc", args.big, args.days)
        print(f"escalation-mc with {args.big:,} trajectories: {big['seconds']:.1f} s, peak {big['peak_mb']:.0f} MB")
    ev = child("exact-venezuela", 0, 365)
    print(f"exact odds, venezuela-2025, 365 days, 8 targets ({ev['n_states']} states, {ev['n_edges']:,} transitions), "
          f"median ms: compile the chain {ev['compile']:.1f}; then SciPy {ev['scipy']:.1f}, compiled kernel "
          f"{ev['numba']:.1f} ({ev['numba_with_compile']:.1f} with compiling; first call in a process "
          f"{ev['numba_first']:.0f})")
    print(f"end to end `escalation run venezuela-2025 --seed 1 -q` (100,000 runs, median of 5): {end_to_end():.2f} s")


if __name__ == "__main__":
    main()
