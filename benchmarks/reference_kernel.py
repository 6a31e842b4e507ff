"""The yardstick of issue 3: a minimal event-driven Monte Carlo walker in numba, on 2 threads.

Per trajectory the days spent on a state are geometric (drawn by inversion), the next state
comes from the row's cumulative odds, and only the first day in one target state is
recorded: no other targets, crisis levels, paths or samples. It bounds what a kernel can do
on this machine; ``bench_engines.py`` times our engine against it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np


@nb.njit(nogil=True, cache=True)
def _walk(gen: np.random.Generator, log_stay: np.ndarray, cdf: np.ndarray, days: int, target: int,
          first: np.ndarray) -> None:
    for i in range(first.size):
        s, t = 0, 0
        while log_stay[s] < 0.0:  # 0: absorbing
            t += 1 + int(np.log1p(-gen.random()) / log_stay[s])
            if t > days:
                break
            u = gen.random() * cdf[s, -1]
            j = 0
            while cdf[s, j] <= u:
                j += 1
            s = j
            if s == target:
                first[i] = t


def walk(log_stay: np.ndarray, cdf: np.ndarray, runs: int, days: int, target: int, seed: int,
         threads: int = 2) -> np.ndarray:
    """First day in ``target`` per trajectory (-1: not by ``days``), starting from state 0.

    ``log_stay``: log of each state's daily stay probability (0 for absorbing states);
    ``cdf``: cumulative odds over the next state, given a move. The trajectories are split
    over ``threads`` threads, each with its own generator.
    """
    first = np.full(runs, -1, dtype=np.int64)
    parts = np.array_split(first, threads)  # views: each thread fills its own part
    gens = [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda a: _walk(gens[a], log_stay, cdf, days, target, parts[a]), range(threads)))
    return first
