"""Benchmark the evidence commands: fit and backtest on the Venezuela scenario and its log.

- ``fit`` in process: the first call (priors, compiled model's condition tables) and warm
  (median of 7); and ``escalation fit venezuela-2025 --events venezuela-2025 --out FILE``
  end to end in fresh processes (median of 3). Target (issue 13): under 2 s.
- ``backtest`` over 50 as-of dates (every day from 20 Aug 2025, when the log has placed every
  actor it names) x 3 horizons (30, 60, 90 days), in process, the first call in a process
  (numba's kernel loaded, one plan per distinct nowcast state) and warm; and the command end to
  end. Target: under 10 s.

Usage::

    python benchmarks/bench_evidence.py

Figures are recorded in docs/performance.md (and docs/evidence.md).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe, measure

AS_OF = [(dt.date(2025, 8, 20) + dt.timedelta(days=k)).isoformat() for k in range(50)]


def in_process() -> dict:
    from escalation import load_scenario
    from escalation.evidence import backtest, fit, load_events, nowcast_starts

    out: dict = {}
    t = time.perf_counter()
    s = load_scenario("venezuela-2025")
    log = load_events("venezuela-2025", s)
    out["load scenario and log"] = time.perf_counter() - t
    t = time.perf_counter()
    fit(s, log)
    out["fit, first call"] = time.perf_counter() - t
    times = []
    for _ in range(7):
        fresh = load_scenario("venezuela-2025")  # a new scenario: nothing cached on it
        t = time.perf_counter()
        fit(fresh, load_events("venezuela-2025", fresh))
        times.append(time.perf_counter() - t)
    out["fit, warm (median of 7, new scenario each)"] = statistics.median(times)
    t = time.perf_counter()
    bt = backtest(s, log, horizons=[30, 60, 90], as_of=AS_OF)
    out["backtest 50 dates x 3 horizons, first call"] = time.perf_counter() - t
    out["cases"] = len(bt.cases)
    out["distinct nowcast states (exact solves)"] = len({tuple(nowcast_starts(s, log, d).values()) for d in AS_OF})
    fresh = load_scenario("venezuela-2025")
    t = time.perf_counter()
    backtest(fresh, load_events("venezuela-2025", fresh), horizons=[30, 60, 90], as_of=AS_OF)
    out["backtest 50 dates x 3 horizons, warm process, new scenario"] = time.perf_counter() - t
    return out


def end_to_end() -> dict:
    exe = escalation_exe()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        post = str(Path(tmp) / "post.yaml")
        runs = [measure([exe, "fit", "venezuela-2025", "--events", "venezuela-2025", "--out", post, "-q"])
                for _ in range(3)]
        assert all(r["status"] == 0 for r in runs), runs[0]["stderr"]
        out["escalation fit ... --out FILE (median of 3)"] = statistics.median(r["seconds"] for r in runs)
        runs = [measure([exe, "backtest", "venezuela-2025", "--events", "venezuela-2025", "--as-of", ",".join(AS_OF),
                         "--horizons", "30,60,90", "--json", str(Path(tmp) / "bt.json"), "-q"]) for _ in range(3)]
        assert all(r["status"] == 0 for r in runs), runs[0]["stderr"]
        out["escalation backtest, 50 dates x 3 horizons (median of 3)"] = statistics.median(r["seconds"] for r in runs)
    return out


def main() -> None:
    results = {**in_process(), **end_to_end()}
    width = max(len(k) for k in results)
    for k, v in results.items():
        shown = f"{v:.3f} s" if isinstance(v, float) else str(v)
        print(f"{k.ljust(width)}  {shown}")
    print(json.dumps({k: v for k, v in results.items()}, indent=None))


if __name__ == "__main__":
    main()
