"""Benchmark loading and running synthetic scenarios too large to enumerate (A actors x 6 rungs).

For A = 7, 8, 10, 12 (6^A joint states: 2.8 x 10^5 to 2.2 x 10^9) it times, each in a fresh
process with its own peak memory: ``escalation validate FILE``; ``escalation run FILE --runs
100000 --horizon 365`` (auto, which must pick Monte Carlo at once); and ``escalation run FILE
--method exact``, which must refuse at once with the state estimate and the limit. The files
come from ``synthetic.py``. Figures are recorded in docs/performance.md.

Usage::

    python benchmarks/bench_scale.py                 # A = 7, 8, 10, 12
    python benchmarks/bench_scale.py --actors 10     # one size
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe, peak_mb  # noqa: E402
from synthetic import synthetic_yaml  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--actors", type=int, action="append", help="actors (repeatable) [default: 7, 8, 10, 12]")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--skip-run", action="store_true", help="validate and refuse only")
    args = ap.parse_args()
    exe = escalation_exe()
    print(f"{'actors':>6}{'joint states':>16}{'validate s':>12}{'MB':>6}{'run s':>8}{'MB':>6}{'engine':>8}"
          f"{'exact s':>9}{'MB':>6}  refusal")
    with tempfile.TemporaryDirectory() as tmp:
        for a in args.actors or [7, 8, 10, 12]:
            file = Path(tmp) / f"synthetic-{a}.yaml"
            file.write_text(synthetic_yaml(a, 6), encoding="utf-8")
            v = peak_mb([exe, "validate", str(file)])
            assert v["status"] == 0, v
            if args.skip_run:
                r = {"seconds": float("nan"), "peak_mb": float("nan")}
                engine = "-"
            else:
                r = peak_mb([exe, "run", str(file), "--runs", str(args.runs), "--horizon", "365", "--seed", "1"])
                assert r["status"] == 0, r
                engine = "mc" if "(engine mc;" in r["stdout"] else "?"
            x = peak_mb([exe, "run", str(file), "--method", "exact", "-q"])
            assert x["status"] == 2, x
            print(f"{a:>6}{6 ** a:>16,}{v['seconds']:>12.2f}{v['peak_mb']:>6.0f}{r['seconds']:>8.2f}{r['peak_mb']:>6.0f}"
                  f"{engine:>8}{x['seconds']:>9.2f}{x['peak_mb']:>6.0f}  exit 2")
    print("the refusal (stderr): see `escalation run FILE --method exact`")


if __name__ == "__main__":
    main()
