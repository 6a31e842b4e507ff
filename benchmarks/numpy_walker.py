"""A plain vectorised numpy event walker: the yardstick our engine must beat, whole process.

It walks the benchmark chain (bench_engines.chain) event by event, like our engine: the days
spent on a state are geometric, the next state comes from the row's cumulative odds. It
records nothing but whether each trajectory reaches the first absorbing state by the
horizon: no other targets, days, crisis levels, paths or samples, no chunks or seeds per
chunk. Prints that probability.

Usage::

    python benchmarks/numpy_walker.py --runs 1000000 --days 365
"""

from __future__ import annotations

import argparse

import numpy as np

from bench_engines import ABSORBING, chain


def walk(p: np.ndarray, runs: int, days: int, target: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    stay = np.diag(p).copy()
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    cdf = np.cumsum(off, axis=1)
    state = np.zeros(runs, dtype=np.int64)
    t = np.zeros(runs, dtype=np.int64)
    alive = np.flatnonzero(stay[state] < 1.0)
    hit = np.zeros(runs, dtype=bool)
    while alive.size:
        s = state[alive]
        t[alive] += rng.geometric(1.0 - stay[s])
        alive = alive[t[alive] <= days]
        s = state[alive]
        u = rng.random(alive.size) * cdf[s, -1]
        state[alive] = (cdf[s] <= u[:, None]).sum(axis=1)
        hit[alive[state[alive] == target]] = True
        alive = alive[stay[state[alive]] < 1.0]
    return float(hit.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    print(walk(chain(), args.runs, args.days, ABSORBING[0], seed=1))


if __name__ == "__main__":
    main()
