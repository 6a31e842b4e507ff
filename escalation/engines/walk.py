"""The Monte Carlo kernel: an event-driven walk of the factored model, in numba.

The one implementation of the walk. It reads the compiled model's arrays directly (moves out
of each rung, conditions as postfix programs over atoms, modifiers per move), so it needs no
joint-state tables and runs on scenarios of any size. Per trajectory:

1. Evaluate every distinct condition on the current joint state, then every actor's daily
   probability of moving, ``q_a``, as the sum of its active moves' probabilities times the
   factors of the modifiers that hold. A sum over ``1 + SUM_TOLERANCE`` stops the walk and
   is reported as a ScenarioError naming the state.
2. While the state stays the same so do the ``q_a``, so the days until the next change are
   geometric with daily stay probability ``prod_a (1 - q_a)``: ``1 + floor(E / rate)`` with
   ``E`` standard exponential and ``rate = -sum_a log1p(-q_a)`` (no precision lost on tiny
   hazards).
3. Which actors move is drawn conditional on at least one moving: actor ``a`` moves with
   ``q_a / (1 - prod_{b >= a} (1 - q_b))`` while nobody before it has moved, with ``q_a``
   once someone has; each mover picks one of its active moves in proportion to its
   probability.

This is exactly the day-by-day step semantics of DESIGN.md at a cost per change, not per
day. Random numbers come from the chunk's Generator in a fixed order, so a chunk's result
depends on its seed only. Imported only when a simulation runs, so ``import escalation``
does not load numba; compiled code is cached next to this file.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["SUM_TOLERANCE", "count_paths", "walk_chunk"]

#: Same tolerance as :data:`escalation.compiled.SUM_TOLERANCE` (repeated: numba needs a literal).
SUM_TOLERANCE = 1e-9


@nb.njit(cache=True, nogil=True)
def _evaluate(rung, prog, prog_ptr, atom_actor, atom_lo, atom_hi, atom_neg, stack, out):  # noqa: ANN001, ANN202
    """Truth of every condition program on the joint state ``rung`` (written to ``out``)."""
    for c in range(prog_ptr.size - 1):
        sp = 0
        for i in range(prog_ptr[c], prog_ptr[c + 1]):
            op = prog[i]
            if op >= 0:
                x = rung[atom_actor[op]]
                stack[sp] = (atom_lo[op] <= x and x <= atom_hi[op]) != atom_neg[op]
                sp += 1
            elif op == -1:  # not
                stack[sp - 1] = not stack[sp - 1]
            elif op == -2:  # and
                sp -= 1
                stack[sp - 1] = stack[sp - 1] and stack[sp]
            else:  # or
                sp -= 1
                stack[sp - 1] = stack[sp - 1] or stack[sp]
        out[c] = stack[0]


@nb.njit(cache=True, nogil=True)
def _rates(rung, cond, rung_offset, out_ptr, out_moves, move_cond, move_p, mm_ptr, mm_mod, mod_cond, factor,
           pm, q):  # noqa: ANN001, ANN202
    """Each actor's active-move probabilities (``pm``, by position in ``out_moves``) and total ``q``.

    Returns the first actor whose total exceeds ``1 + SUM_TOLERANCE``, else -1.
    """
    for a in range(rung.size):
        f = rung_offset[a] + rung[a]
        total = 0.0
        for k in range(out_ptr[f], out_ptr[f + 1]):
            m = out_moves[k]
            c = move_cond[m]
            p = 0.0
            if c < 0 or cond[c]:
                p = move_p[m]
                for j in range(mm_ptr[m], mm_ptr[m + 1]):
                    if cond[mod_cond[mm_mod[j]]]:
                        p *= factor[mm_mod[j]]
            pm[k] = p
            total += p
        if total > 1.0 + SUM_TOLERANCE:
            return a
        q[a] = min(total, 1.0)
    return -1


@nb.njit(cache=True, nogil=True)
def walk_chunk(  # noqa: PLR0913, PLR0912, PLR0915 - a kernel takes its arrays flat
    gen, n, horizon, start, party, rung_offset, rung_level, prog, prog_ptr, max_stack, atom_actor, atom_lo, atom_hi,
    atom_neg, out_ptr, out_moves, move_cond, move_to, move_p, mm_ptr, mm_mod, mod_cond, factor, target_cond,
    track, first_hits, first_day, occupancy, paths, sample, error_state,
):  # noqa: ANN001, ANN201
    """Walk ``n`` trajectories; add their counts to ``first_hits`` and ``occupancy``.

    Parameters
    ----------
    gen : numpy.random.Generator
        The chunk's generator; its state advances.
    n, horizon : int
        Trajectories, last day.
    start ... target_cond : ndarray
        The compiled model's arrays (see :class:`escalation.compiled.CompiledModel`).
    track : ndarray of int64, shape (n_targets,)
        Column of ``first_day`` that records each target's first day per trajectory, or -1.
    first_hits : ndarray of int64, shape (n_targets, horizon + 1)
        Trajectories whose first hit of each target falls on each day (added to).
    first_day : ndarray of int32, shape (n, n_tracked)
        First day each tracked target holds in each trajectory, -1 if never (filled; for races).
    occupancy : ndarray of int64, shape (horizon + 2, 11)
        Difference array of trajectories per day and crisis level (added to).
    paths : ndarray of int32, shape (n, max_moves + 1)
        Each trajectory's moves until its first target hit, as ``rung_offset[a] + rung + 1``;
        the last column is the number of moves (``max_moves + 1``: more were made).
    sample : ndarray of int32, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the first ``n_sample`` trajectories, day by day (filled).
    error_state : ndarray of int64, shape (n_actors,)
        Filled with the joint state where an actor's probabilities add up to more than 1.

    Returns
    -------
    int
        -1, or the actor whose outgoing probabilities exceed 1 in ``error_state``.
    """
    n_actors = start.size
    k = target_cond.size
    max_moves = paths.shape[1] - 1
    n_sample = sample.shape[0]
    rung = np.empty(n_actors, dtype=np.int64)
    cond = np.empty(prog_ptr.size - 1, dtype=np.bool_)
    stack = np.empty(max(max_stack, 1), dtype=np.bool_)
    pm = np.empty(out_moves.size, dtype=np.float64)
    q = np.empty(n_actors, dtype=np.float64)
    tail = np.zeros(n_actors + 1, dtype=np.float64)
    stamp = np.full(k, -1, dtype=np.int64)  # trajectory that last hit each target
    for i in range(n):
        for a in range(n_actors):
            rung[a] = start[a]
        for c in range(first_day.shape[1]):
            first_day[i, c] = -1
        t = 0
        length = 0
        _evaluate(rung, prog, prog_ptr, atom_actor, atom_lo, atom_hi, atom_neg, stack, cond)
        stopped = False
        for j in range(k):
            if cond[target_cond[j]]:
                stamp[j] = i
                first_hits[j, 0] += 1
                if track[j] >= 0:
                    first_day[i, track[j]] = 0
                stopped = True
        if i < n_sample:
            for d in range(horizon + 1):
                for a in range(n_actors):
                    sample[i, d, a] = rung[a]
        while True:
            bad = _rates(rung, cond, rung_offset, out_ptr, out_moves, move_cond, move_p, mm_ptr, mm_mod, mod_cond,
                         factor, pm, q)
            if bad >= 0:
                for a in range(n_actors):
                    error_state[a] = rung[a]
                return bad
            for a in range(n_actors - 1, -1, -1):
                tail[a] = tail[a + 1] + math.log1p(-q[a])  # -inf where an actor must move
            level = 0
            for a in range(n_actors):
                if party[a]:
                    level = max(level, rung_level[rung_offset[a] + rung[a]])
            t_next = horizon + 1
            rate = -tail[0]
            if rate > 0.0:
                wait = gen.standard_exponential() / rate
                if wait < horizon - t:
                    t_next = t + 1 + int(wait)
            occupancy[t, level] += 1
            if t_next > horizon:
                occupancy[horizon + 1, level] -= 1
                break
            occupancy[t_next, level] -= 1
            moved = False
            for a in range(n_actors):
                qa = q[a]
                if qa <= 0.0:
                    continue
                if moved:
                    p = qa
                elif tail[a + 1] == 0.0:  # nobody after a can move, nobody before did: a must
                    p = 1.0
                else:
                    p = qa / -math.expm1(tail[a])
                if p < 1.0 and gen.random() >= p:
                    continue
                moved = True
                x = gen.random() * qa
                f = rung_offset[a] + rung[a]
                chosen = -1
                acc = 0.0
                for kk in range(out_ptr[f], out_ptr[f + 1]):
                    if pm[kk] > 0.0:
                        chosen = kk
                        acc += pm[kk]
                        if x < acc:
                            break
                rung[a] = move_to[out_moves[chosen]]
                if not stopped:
                    if length < max_moves:
                        paths[i, length] = rung_offset[a] + rung[a] + 1
                    if length <= max_moves:
                        length += 1
            t = t_next
            _evaluate(rung, prog, prog_ptr, atom_actor, atom_lo, atom_hi, atom_neg, stack, cond)
            for j in range(k):
                if cond[target_cond[j]]:
                    stopped = True
                    if stamp[j] != i:
                        stamp[j] = i
                        first_hits[j, t] += 1
                        if track[j] >= 0:
                            first_day[i, track[j]] = t
            if i < n_sample:
                for d in range(t, horizon + 1):
                    for a in range(n_actors):
                        sample[i, d, a] = rung[a]
        paths[i, max_moves] = length
    return -1


@nb.njit(cache=True, nogil=True)
def count_paths(paths):  # noqa: ANN001, ANN201
    """Group equal rows of ``paths``: the first row of each group and the group sizes.

    An open-addressing hash table over whole rows; rows are compared in full, so the
    grouping is exact. Groups come in the order of their first row.

    Parameters
    ----------
    paths : ndarray of int32, shape (n, width)

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
