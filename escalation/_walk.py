"""The compiled Monte Carlo kernel: the event-driven walk of the factored model, in numba.

Same algorithm and semantics as the numpy loop in :mod:`escalation.montecarlo` (days until
the joint state changes are geometric; which actors move is drawn conditional on at least one
moving; each mover's destination from its row), run one trajectory at a time over per-state
tables that cover every reachable joint state. Imported only when a simulation uses it, so
``import escalation`` does not load numba. Compiled kernels are cached next to this file.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["count_paths", "walk"]


@nb.njit(cache=True, nogil=True)
def walk(  # noqa: PLR0913 - a kernel takes its arrays flat
    gen: np.random.Generator,
    n: int,
    horizon: int,
    start: int,
    rate: np.ndarray,
    first_mover: np.ndarray,
    cum: np.ndarray,
    delta: np.ndarray,
    dest: np.ndarray,
    level: np.ndarray,
    hold: np.ndarray,
    hold_any: np.ndarray,
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
    rate : ndarray, shape (n_codes,)
        ``-log`` of the daily probability that nobody moves (0: nobody ever moves; inf:
        somebody moves every day). The days until the next change are ``1 + floor(E / rate)``
        with ``E`` standard exponential, a geometric law with that stay probability.
    first_mover : ndarray, shape (n_codes, n_actors)
        Probability that actor ``a`` moves given that no actor before it has and at least one
        of actors ``a..`` does: ``q_a / (1 - prod_{b >= a} (1 - q_b))``.
    cum : ndarray, shape (n_actors, n_codes, width)
        Cumulative probabilities over each actor's destinations; the last column is the
        actor's daily probability of moving, ``q_a``. Padding repeats the total.
    delta, dest : ndarray of int64, shape (n_actors, n_codes, width)
        Change of state code, and destination rung, for each destination.
    level : ndarray of int64, shape (n_codes,)
        Crisis level.
    hold : ndarray of bool, shape (n_codes, n_targets)
        Which targets hold.
    hold_any : ndarray of bool, shape (n_codes,)
        Whether any target holds.
    rung_code : ndarray of int64, shape (n_actors,)
        Offset of each actor's rungs in the path codes.
    states : ndarray of int16, shape (n_codes, n_actors)
        Decoded states, for the sampled paths.
    first : ndarray of int64, shape (n, n_targets)
        First-hit day per target and trajectory, -1 for none (filled here).
    occupancy : ndarray of int64, shape (horizon + 2, 11)
        Difference array of trajectories per crisis level and day (added to).
    paths : ndarray of uint16, shape (n, max_moves + 1)
        Move codes until the first target hit; last column the length (filled here).
    sample : ndarray of int16, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the first ``n_sample`` trajectories (filled here).
    """
    n_actors = first_mover.shape[1]
    k = hold.shape[1]
    width = cum.shape[2]
    max_moves = paths.shape[1] - 1
    n_sample = sample.shape[0]
    start_hit = hold_any[start]
    for i in range(n):
        s = start
        t = 0
        stopped = start_hit
        length = 0
        for j in range(k):
            first[i, j] = 0 if hold[start, j] else -1
        if i < n_sample:
            for d in range(horizon + 1):
                for a in range(n_actors):
                    sample[i, d, a] = states[s, a]
        while True:
            r = rate[s]
            lev = level[s]
            t_next = horizon + 1
            if r > 0.0:  # geometric days until the joint state changes
                wait = gen.standard_exponential() / r
                if wait < horizon - t:
                    t_next = t + 1 + int(wait)
            occupancy[t, lev] += 1
            if t_next > horizon:
                occupancy[horizon + 1, lev] -= 1
                break
            occupancy[t_next, lev] -= 1
            moved = False
            new = s
            for a in range(n_actors):
                p = cum[a, s, width - 1] if moved else first_mover[s, a]
                if p <= 0.0:
                    continue
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
            if hold_any[s]:
                stopped = True
                for j in range(k):
                    if hold[s, j] and first[i, j] < 0:
                        first[i, j] = t
            if i < n_sample:
                for d in range(t, horizon + 1):
                    for a in range(n_actors):
                        sample[i, d, a] = states[s, a]
        paths[i, max_moves] = length


@nb.njit(cache=True, nogil=True)
def count_paths(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of ``paths``: the first row of each group and the group sizes.

    An open-addressing hash table over whole rows; rows are compared in full, so the
    grouping is exact. Groups come in the order of their first row.

    Parameters
    ----------
    paths : ndarray of uint16, shape (n, width)

    Returns
    -------
    first : ndarray of int64, shape (n_groups,)
        Index of each group's first row.
    counts : ndarray of int64, shape (n_groups,)
    """
    n, width = paths.shape
    size = 1
    while size < 2 * n:
        size *= 2
    table = np.full(size, -1, dtype=np.int64)  # slot -> group
    first = np.empty(n, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    groups = 0
    for i in range(n):
        h = np.uint64(14695981039346656037)
        for c in range(width):
            h = (h ^ np.uint64(paths[i, c])) * np.uint64(1099511628211)
        slot = np.int64(h >> np.uint64(11)) & (size - 1)
        while True:
            g = table[slot]
            if g < 0:
                table[slot] = groups
                first[groups] = i
                counts[groups] = 1
                groups += 1
                break
            r = first[g]
            same = True
            for c in range(width):
                if paths[r, c] != paths[i, c]:
                    same = False
                    break
            if same:
                counts[g] += 1
                break
            slot = (slot + 1) & (size - 1)
    return first[:groups].copy(), counts[:groups].copy()
