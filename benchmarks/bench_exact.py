"""Benchmark the exact engine, re-parameterised solves, start-up and the main job end to end.

- Exact odds of venezuela-2025 at 365 days, all 8 targets, in process, warm (the plan cached
  on the compiled model, numba's kernel loaded): median of 21 calls; and the first call.
- 1,000 exact solves at 90 days with perturbed move probabilities through the public
  re-parameterisation API, in all: one by one (``CompiledModel.with_numbers`` then
  ``exact_odds``), and together (``exact_odds_many``, 16 sets a pass, every core).
- ``import escalation`` and ``escalation --help`` in fresh processes (medians of 7).
- ``escalation run venezuela-2025 --seed 1 -q`` end to end, fresh processes (median of 5).
- The floor under it: a fresh process that imports numpy and numba and calls one trivial
  ``@njit(cache=True)`` function loaded from numba's cache (median of 5), which any command
  that runs a numba kernel pays before its own work.

Usage::

    python benchmarks/bench_exact.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe, median_of  # noqa: E402


def in_process() -> dict:
    t = time.perf_counter()
    from escalation import compile_model, exact_odds, load_scenario
    from escalation.compiled import reachable
    from escalation.engines.exact import exact_odds_many
    from escalation.engines.stages import plan

    s = load_scenario("venezuela-2025")
    out = {"load": time.perf_counter() - t}
    t = time.perf_counter()
    exact_odds(s, horizon=365)
    out["first"] = time.perf_counter() - t
    out["warm365"] = median_of(21, lambda: exact_odds(s, horizon=365))
    out["warm90"] = median_of(21, lambda: exact_odds(s, horizon=90))
    model = compile_model(s)
    stages = plan(model, reachable(model))
    out["nnz"], out["rows"] = stages.nnz, stages.rows.tolist()
    rng = np.random.default_rng(1)
    draws = [model.move_p * rng.uniform(0.5, 1.5, model.n_moves) for _ in range(1000)]
    draws = [np.minimum(d, 0.2) for d in draws]
    t = time.perf_counter()
    total = 0.0
    for p in draws:
        total += exact_odds(model.with_numbers(p=p), horizon=90).probability("direct_strikes")
    out["reparam1000"] = time.perf_counter() - t
    out["mean_direct_strikes"] = total / len(draws)
    t = time.perf_counter()
    many = exact_odds_many([model.with_numbers(p=p) for p in draws], horizon=90)
    out["many1000"] = time.perf_counter() - t
    assert abs(sum(o.probability("direct_strikes") for o in many) / len(draws) - out["mean_direct_strikes"]) < 1e-12
    return out


def fresh(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


NUMBA_FLOOR = """
import sys
sys.path.insert(0, sys.argv[1])
import trivial_kernel
trivial_kernel.f(1)
"""


def numba_floor(n: int) -> float:
    """Median wall time of a process that only loads one cached numba function and calls it."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        kernel = "import numba\n\n\n@numba.njit(cache=True)\ndef f(x):\n    return x + 1\n"
        Path(tmp, "trivial_kernel.py").write_text(kernel)
        cmd = [sys.executable, "-c", NUMBA_FLOOR, tmp]
        subprocess.run(cmd, check=True, capture_output=True)  # compile and cache
        return fresh(cmd, n)


def main() -> None:
    exe = escalation_exe()
    subprocess.run([exe, "run", "venezuela-2025", "--seed", "1", "-q"], check=True, capture_output=True)  # warm caches
    r = in_process()
    print(f"venezuela-2025: stage plan {r['nnz']:,} nonzeros, rows per level {r['rows']}")
    print(f"exact odds, 365 days, 8 targets: first call {1e3 * r['first']:.0f} ms (plan, numba start-up), "
          f"warm median {1e3 * r['warm365']:.1f} ms; 90 days warm {1e3 * r['warm90']:.1f} ms")
    print(f"1,000 re-parameterised exact solves at 90 days: {r['reparam1000']:.2f} s in all "
          f"({1e3 * r['reparam1000'] / 1000:.2f} ms each; mean P(direct_strikes) {r['mean_direct_strikes']:.4f}); "
          f"together with exact_odds_many: {r['many1000']:.2f} s")
    base = fresh([sys.executable, "-c", "pass"], 7)
    imp = fresh([sys.executable, "-c", "import escalation"], 7)
    print(f"import escalation: {1e3 * (imp - base):.0f} ms over a bare interpreter ({1e3 * imp:.0f} ms in all)")
    print(f"escalation --help: {1e3 * fresh([exe, '--help'], 7):.0f} ms; escalation --version: "
          f"{1e3 * fresh([exe, '--version'], 7):.0f} ms")
    print(f"escalation run venezuela-2025 --seed 1 -q, end to end: {fresh([exe, 'run', 'venezuela-2025', '--seed', '1', '-q'], 5):.2f} s")
    print(f"floor: a process that only calls one cached numba function: {numba_floor(5):.2f} s "
          f"(a bare interpreter: {base:.2f} s)")


if __name__ == "__main__":
    main()
