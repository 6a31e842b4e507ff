"""The compiled Monte Carlo kernel: the event-driven walk of the factored model, in numba.

Same algorithm and semantics as the numpy loop in :mod:`escalation.montecarlo` (days until
the joint state changes are geometric; which actors move is drawn conditional on at least one
moving; each mover's destination from its row), run one trajectory at a time over per-state
tables that cover every reachable joint state. Imported only when a simulation uses it, so
``import escalation`` does not load numba. Compiled kernels are cached next to this file.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["walk"]


@nb.njit(cache=True, nogil=True)
def walk(  # noqa: PLR0913 - a kernel takes its arrays flat
    gen: np.random.Generator,
    n: int,
    horizon: int,
    start: int,
    stay: np.ndarray,
    cum: np.ndarray,
    delta: np.ndarray,
    dest: np.ndarray,
    level: np.ndarray,
    hold: np.ndarray,
    rung_code: np.ndarray,
    states: np.ndarray,
    first: np.ndarray,
    occupancy: np.ndarray,
    paths: np.ndarray,
    sample: np.ndarray,
) -> None:
    """Walk ``n`` trajectories; results are written into ``first``, ``occupancy``, ``paths``, ``sample``.

    Parameters
    ----------
    gen : numpy.random.Generator
        The chunk's generator; its state advances.
    n, horizon, start : int
        Trajectories, last day, start state code.
    stay : ndarray, shape (n_codes, n_actors)
        Daily probability that each actor stays, per joint state code.
    cum : ndarray, shape (n_actors, n_codes, width)
        Cumulative (unnormalised) probabilities over each actor's destinations; padding
        repeats the total so it is never chosen.
    delta, dest : ndarray of int64, shape (n_actors, n_codes, width)
        Change of state code, and destination rung, for each destination.
    level : ndarray of int64, shape (n_codes,)
        Crisis level.
    hold : ndarray of bool, shape (n_codes, n_targets)
        Which targets hold.
    rung_code : ndarray of int64, shape (n_actors,)
        Offset of each actor's rungs in the path codes.
    states : ndarray of int16, shape (n_codes, n_actors)
        Decoded states, for the sampled paths.
    first : ndarray of int64, shape (n_targets, n)
        First-hit day per target and trajectory, -1 for none (filled here).
    occupancy : ndarray of int64, shape (horizon + 2, 11)
        Difference array of trajectories per crisis level and day (added to).
    paths : ndarray of uint16, shape (n, max_moves + 1)
        Move codes until the first target hit; last column the length (filled here).
    sample : ndarray of int16, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the first ``n_sample`` trajectories (filled here).
    """
    n_actors = stay.shape[1]
    k = hold.shape[1]
    width = cum.shape[2]
    max_moves = paths.shape[1] - 1
    n_sample = sample.shape[0]
    tail = np.empty(n_actors + 1)
    start_hit = False
    for j in range(k):
        start_hit = start_hit or hold[start, j]
    for i in range(n):
        s = start
        t = 0
        stopped = start_hit
        length = 0
        for j in range(k):
            first[j, i] = 0 if hold[start, j] else -1
        if i < n_sample:
            for d in range(horizon + 1):
                for a in range(n_actors):
                    sample[i, d, a] = states[s, a]
        while True:
            p_stay = 1.0
            for a in range(n_actors):
                p_stay *= stay[s, a]
            lev = level[s]
            if p_stay >= 1.0:
                t_next = horizon + 1
            elif p_stay <= 0.0:
                t_next = t + 1
            else:  # geometric number of days until the joint state changes, by inversion
                t_next = t + 1 + int(math.log1p(-gen.random()) / math.log(p_stay))
            occupancy[t, lev] += 1
            if t_next > horizon:
                occupancy[horizon + 1, lev] -= 1
                break
            occupancy[t_next, lev] -= 1
            tail[n_actors] = 1.0
            for a in range(n_actors - 1, -1, -1):
                tail[a] = tail[a + 1] * stay[s, a]
            moved = False
            new = s
            for a in range(n_actors):
                q = 1.0 - stay[s, a]
                if q <= 0.0:
                    continue
                if moved:
                    p = q
                else:  # conditional on at least one of actors a.. moving
                    rest = 1.0 - tail[a]
                    p = q / rest if rest > 0.0 else 1.0
                if p >= 1.0 or gen.random() < p:
                    moved = True
                    x = gen.random() * cum[a, s, width - 1]
                    c = 0
                    while c < width - 1 and cum[a, s, c] <= x:
                        c += 1
                    new += delta[a, s, c]
                    if not stopped:
                        if length < max_moves:
                            paths[i, length] = rung_code[a] + dest[a, s, c] + 1
                        if length <= max_moves:
                            length += 1
            s = new
            t = t_next
            hit = False
            for j in range(k):
                if hold[s, j]:
                    hit = True
                    if first[j, i] < 0:
                        first[j, i] = t
            if hit:
                stopped = True
            if i < n_sample:
                for d in range(t, horizon + 1):
                    for a in range(n_actors):
                        sample[i, d, a] = states[s, a]
        paths[i, max_moves] = length
