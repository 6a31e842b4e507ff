"""Benchmark the Monte Carlo engine, whole process, against QuantEcon and a plain numpy walker.

Usage::

    pip install ".[bench]"          # adds quantecon
    python benchmarks/bench_engines.py                    # 10^6 trajectories x 365 days, and 10^7
    python benchmarks/bench_engines.py --runs 100000 --big 0 --skip quantecon   # quick look

The chain: 30 states, daily stay probability drawn in [0.80, 0.95], three absorbing states
at the top; each other state moves to three random states. It is written as a one-actor
scenario file and run with ``escalation run FILE --method mc`` in a fresh process; the same
matrix goes to QuantEcon's ``MarkovChain.simulate`` and to a plain vectorised numpy event
walker that records only the final odds (``numpy_walker.py``), each in its own fresh process.
Every figure is the whole process: start-up, imports, numba's cache, the work and the output.
Peak memory is each process's own ``ru_maxrss``. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe, peak_mb  # noqa: E402

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


def write_chain(folder: Path) -> Path:
    """The chain as a scenario file in ``folder``."""
    from escalation import dump_scenario

    path = folder / "bench-chain.yaml"
    path.write_text(dump_scenario(scenario()), encoding="utf-8")
    return path


QUANTECON = """
import sys
import numpy as np
import quantecon as qe
sys.path.insert(0, {here!r})
from bench_engines import ABSORBING, chain
paths = qe.MarkovChain(chain()).simulate(ts_length={days} + 1, init=0, num_reps={runs}, random_state=1)
print(float((paths == ABSORBING[0]).any(axis=1).mean()))
"""


def escalation_mc(file: Path | str, runs: int, days: int | None) -> dict:
    """``escalation run FILE --method mc`` in a fresh process: seconds, peak MB, first target's odds."""
    cmd = [escalation_exe(), "run", str(file), "--method", "mc", "--runs", str(runs), "--seed", "1", "-q", "--json", "-"]
    if days is not None:
        cmd += ["--horizon", str(days)]
    out = peak_mb(cmd)
    if out["status"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {out['status']}")
    doc = json.loads(out["stdout"])
    first = next(iter(doc["targets"].values()))
    return {**out, "result": first["probability"]}


def other(method: str, runs: int, days: int) -> dict:
    here = str(Path(__file__).parent)
    if method == "numpy-walker":
        cmd = [sys.executable, str(Path(here) / "numpy_walker.py"), "--runs", str(runs), "--days", str(days)]
    elif method == "quantecon":
        cmd = [sys.executable, "-c", QUANTECON.format(here=here, days=days, runs=runs)]
    elif method == "baseline":
        cmd = [sys.executable, "-c", "import numpy, escalation; print(0.0)"]
    else:
        raise SystemExit(f"unknown method {method}")
    out = peak_mb(cmd)
    if out["status"] != 0:
        raise SystemExit(f"{method} failed with status {out['status']}")
    return {**out, "result": float(out["stdout"].strip().splitlines()[-1])}


METHODS = ["baseline", "escalation", "numpy-walker", "quantecon"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--skip", action="append", default=[], help="skip a method (repeatable): " + ", ".join(METHODS[1:]))
    ap.add_argument("--big", type=int, default=10_000_000, help="trajectories for the memory check (0 to skip)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of our engine (fastest and slowest are shown)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        chain_file = write_chain(Path(tmp))
        escalation_mc(chain_file, 1000, args.days)  # compiles numba's cache once, outside the timings
        rows = {}
        for m in METHODS:
            if m in args.skip:
                continue
            if m == "escalation":
                runs = [escalation_mc(chain_file, args.runs, args.days) for _ in range(args.repeats)]
                rows[m] = min(runs, key=lambda r: r["seconds"])
                rows[m]["slowest"] = max(r["seconds"] for r in runs)
            else:
                rows[m] = other(m, args.runs, args.days)
        steps = args.runs * args.days
        print(f"chain: {N_STATES} states, {args.runs:,} trajectories x {args.days} days = {steps:.3g} trajectory-days; "
              "whole processes")
        print(f"{'method':<16}{'seconds':>9}{'peak MB':>9}{'P(absorbed in 27)':>19}")
        for m, r in rows.items():
            spread = f" (slowest of {args.repeats}: {r['slowest']:.2f})" if "slowest" in r else ""
            print(f"{m:<16}{r['seconds']:>9.2f}{r['peak_mb']:>9.0f}{r['result']:>19.4f}{spread}")
        mc = rows.get("escalation")
        if mc and "quantecon" in rows:
            q = rows["quantecon"]
            print(f"QuantEcon / escalation: {q['seconds'] / mc['seconds']:.1f}x the time, "
                  f"{q['peak_mb'] / mc['peak_mb']:.1f}x the memory")
        if mc and "numpy-walker" in rows:
            w = rows["numpy-walker"]
            print(f"numpy walker / escalation: {w['seconds'] / mc['seconds']:.2f}x the time, "
                  f"{w['peak_mb'] / mc['peak_mb']:.1f}x the memory")
        if args.big:
            for name, file, days in (("chain", chain_file, args.days), ("venezuela-2025", "venezuela-2025", None)):
                big = escalation_mc(file, args.big, days)
                print(f"escalation run {name} --method mc --runs {args.big:,}: {big['seconds']:.1f} s, "
                      f"peak {big['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
