"""Benchmark the distribution analyses on venezuela-2025 and print a table (not a test).

Targets (issue 12): ``--uncertainty 1000`` at 90 days under 3 s end to end; all 80 elasticities
under 100 ms; Sobol indices with the default sample size under 60 s.

    python benchmarks/bench_analysis.py                 # everything, about a minute and a half
    python benchmarks/bench_analysis.py --skip sobol    # quick look

"End to end" is a fresh Python process that imports the package, loads the scenario, draws,
solves and prints the table, timed from outside (numba's cached kernels load inside it). The
in-process figures are a second call in the same process (warm), the median of ``--repeat``
calls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe  # noqa: E402

END_TO_END = """
import sys
from escalation.cli.analysis import run_uncertainty_command
run_uncertainty_command("venezuela-2025", draws={draws}, method="auto", runs=10_000, horizon=90, seed=1,
                        targets=(), workers=None, max_states=200_000, json_out=None, csv_out=None, quiet=True)
"""


def _cli_has_uncertainty() -> bool:
    out = subprocess.run([escalation_exe(), "run", "--help"], capture_output=True, text=True)
    return "--uncertainty" in out.stdout


def _timed(fn, repeat: int) -> tuple[float, float]:
    """(first call, median of the next ``repeat`` calls) in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", action="append", default=[], choices=["uncertainty", "elasticities", "sobol"])
    args = parser.parse_args()

    from escalation import load_scenario
    from escalation.analysis.sensitivity import DEFAULT_SOBOL_N, elasticities, sobol_indices
    from escalation.analysis.uncertainty import uncertain_odds
    from escalation.engines.montecarlo import available_cores

    s = load_scenario("venezuela-2025")
    rows: list[tuple[str, str, str, str]] = []
    if "uncertainty" not in args.skip:
        if _cli_has_uncertainty():
            cmd = [escalation_exe(), "run", "venezuela-2025", "--uncertainty", str(args.draws), "--horizon", "90",
                   "--seed", "1", "-q"]
            label = f"`escalation run venezuela-2025 --uncertainty {args.draws} --horizon 90 --seed 1 -q`"
        else:
            cmd = [sys.executable, "-c", END_TO_END.format(draws=args.draws)]
            label = f"fresh process: import, load, {args.draws} draws at 90 days, print (run_uncertainty_command)"
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            runs.append(time.perf_counter() - t0)
        rows.append((label, f"{statistics.median(runs):.2f} s", f"{min(runs):.2f}-{max(runs):.2f} s", "< 3 s"))
        first, warm = _timed(lambda: uncertain_odds(s, draws=args.draws, seed=1, horizon=90), args.repeat)
        rows.append((f"uncertain_odds(draws={args.draws}, horizon=90), in process", f"{warm:.2f} s",
                     f"first call {first:.2f} s", ""))
    if "elasticities" not in args.skip:
        first, warm = _timed(lambda: elasticities(s, target="direct_strikes", horizon=90), max(args.repeat, 5))
        rows.append(("elasticities of direct_strikes: 80 moves + 9 factors, warm", f"{1000 * warm:.0f} ms",
                     f"first call {1000 * first:.0f} ms", "< 100 ms"))
    if "sobol" not in args.skip:
        t0 = time.perf_counter()
        si = sobol_indices(s, target="direct_strikes", seed=1)
        dt = time.perf_counter() - t0
        rows.append((f"sobol_indices(n={DEFAULT_SOBOL_N}): {si.evaluations:,} exact solves + 100 bootstraps",
                     f"{dt:.1f} s", f"top ST {si.labels[int(si.total.argmax())]} {si.total.max():.3f}", "< 60 s"))

    print(f"venezuela-2025, {available_cores()} cores, Python {sys.version.split()[0]}\n")
    widths = [max(len(r[i]) for r in rows + [("what", "time", "notes", "target")]) for i in range(4)]
    header = ("what", "time", "notes", "target")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
