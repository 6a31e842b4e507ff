"""Benchmark the ICB fit: `escalation fit-icb` end to end, and its parts.

Usage::

    python benchmarks/bench_history.py              # the whole command in a fresh process, and the parts
    python benchmarks/bench_history.py --parts-only # skip the fresh-process run

The whole command is ``escalation fit-icb -q --markdown FILE`` in a fresh process (start-up,
imports, numba's cache, five-fold cross-validation, the pre-1990 fit, the fit on all crises
with its Laplace intervals). The parts are timed in this process, warm: one fit of the 486
crises without intervals (two starts), one evaluation of the log posterior and its gradient
(eight batched exact solves of 15 parameter sets), and one plain evaluation of the
likelihood by :func:`escalation.history.log_likelihood` (eight single solves). The target
(issue 13) is the whole fit under 60 s. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from measure import escalation_exe


def _best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def parts(repeat: int) -> dict[str, float]:
    """Seconds for the pieces of the fit, warm, best of ``repeat``."""
    from escalation.history import fit_ladder, load_history, log_likelihood
    from escalation.history.fit import FIT_HORIZON, Prior, _Objective, _starts

    sample = load_history()
    crises = sample.crises
    objective = _Objective(crises, FIT_HORIZON, Prior())
    theta = _starts(crises)[1]
    objective(theta)  # compile and cache
    fit = fit_ladder(crises, intervals=False)
    return {
        "load_history": _best(load_history, repeat),
        "log_likelihood (8 single solves)": _best(lambda: log_likelihood(fit.hazards, fit.factors, crises), repeat),
        "log posterior + gradient (8 batched solves x 15 sets)": _best(lambda: objective(theta), repeat),
        "fit_ladder, 486 crises, no intervals": _best(lambda: fit_ladder(crises, intervals=False), 1),
        "evaluations in that fit": float(fit.n_evaluations),
    }


def whole_command() -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``escalation fit-icb`` in a fresh process.

    On a shared machine the CPU seconds are the better guide: the command is single-threaded,
    so on an idle machine its wall time is close to them.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([escalation_exe(), "fit-icb", "-q", "--markdown", str(Path(tmp) / "t.md")], check=True)
        wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts-only", action="store_true", help="Skip the fresh-process run of the command.")
    parser.add_argument("--repeat", type=int, default=5, help="Repeats of the quick parts (best is shown).")
    args = parser.parse_args()
    rows = list(parts(args.repeat).items())
    if not args.parts_only:
        wall, cpu = whole_command()
        rows += [("escalation fit-icb (fresh process, whole): wall", wall),
                 ("escalation fit-icb (fresh process, whole): CPU", cpu)]
    width = max(len(k) for k, _ in rows)
    for name, value in rows:
        shown = f"{value:.0f}" if name.startswith("evaluations") else f"{value:.3f} s"
        print(f"{name.ljust(width)}  {shown}")
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
