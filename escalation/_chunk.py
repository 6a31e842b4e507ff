"""One chunk of Monte Carlo trajectories: the numpy loop, and the compiled kernel's tables.

:func:`run_chunk` walks ``n`` trajectories from a chunk's generator and returns their counts
(first hits per day, crisis-level occupancy, distinct escalation paths, sampled paths). The
numpy loop computes each joint state's odds the first time a trajectory visits it, so it
works on any joint space; :func:`walk_tables` lays out every reachable state for the
compiled kernel (:mod:`escalation._walk`). :mod:`escalation.montecarlo` cuts a run into
chunks, seeds them and merges their counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dynamics import Dynamics, explore
from .errors import GraphTooLargeError
from .exact import N_LEVELS
from .rng import chunk_generator
from .scenario import Scenario

__all__ = [
    "KERNEL_MAX_STATES", "MAX_PATH_MOVES", "Chunk", "WalkTables", "chunk_task", "count_rows", "run_chunk", "walk_tables",
]

#: Moves kept per escalation path; longer paths are counted as truncated.
MAX_PATH_MOVES = 12
#: Joint spaces up to this many codes get direct lookup tables; larger ones use np.unique.
_TABLE_LIMIT = 1 << 20
#: The compiled kernel tabulates every reachable joint state; past this many it is not used.
KERNEL_MAX_STATES = 200_000


class _Tables:
    """Per joint state: stay odds, destination CDFs, crisis level and target truth, filled lazily.

    Each actor's possible destinations from a rung are known from the moves alone, so the
    destination tables have a fixed, small width per actor (the most moves out of any rung),
    whatever the ladder length.
    """

    def __init__(self, dyn: Dynamics, target_idx: Sequence[int]) -> None:
        self.dyn = dyn
        self.target_idx = list(target_idx)
        self.dest_of: list[np.ndarray] = []  # per actor: (ladder length, width) rung positions, -1 padding
        for a, size in enumerate(dyn.sizes):
            sel = dyn.move_actor == a
            lists = [np.unique(dyn.move_to[sel & (dyn.move_from == r)]) for r in range(size)]
            width = max(1, max(len(x) for x in lists))
            table = np.full((size, width), -1, dtype=np.int64)
            for r, x in enumerate(lists):
                table[r, : len(x)] = x
            self.dest_of.append(table)
        self.n_codes = math.prod(dyn.sizes)
        width = sum(t.shape[1] for t in self.dest_of)
        self.direct = self.n_codes * (2 * width + dyn.n_actors + len(self.target_idx) + 2) <= _TABLE_LIMIT * 8
        if self.direct:
            self.valid = np.zeros(self.n_codes, dtype=bool)
            self._alloc(self.n_codes)

    def _alloc(self, n: int) -> None:
        dyn = self.dyn
        self.stay = np.zeros((n, dyn.n_actors))
        self.dest = [np.zeros((n, t.shape[1]), dtype=np.int64) for t in self.dest_of]
        self.cum = [np.zeros((n, t.shape[1])) for t in self.dest_of]
        self.level = np.zeros(n, dtype=np.int64)
        self.hold = np.zeros((n, len(self.target_idx)), dtype=bool)
        self.hold_any = np.zeros(n, dtype=bool)

    def _fill(self, slots: np.ndarray, codes: np.ndarray) -> None:
        dyn = self.dyn
        states = dyn.decode(codes)
        rows = dyn.rows(states)
        idx = np.arange(len(codes))
        for a in range(dyn.n_actors):
            cur = states[:, a]
            self.stay[slots, a] = rows[a][idx, cur]
            dest = self.dest_of[a][cur]
            probs = np.where(dest >= 0, rows[a][idx[:, None], np.maximum(dest, 0)], 0.0)
            self.dest[a][slots] = np.where(dest >= 0, dest, cur[:, None])
            self.cum[a][slots] = np.cumsum(probs, axis=1)
        self.level[slots] = dyn.crisis_level(states)
        hold = dyn.targets_hold(states, self.target_idx).T
        self.hold[slots] = hold
        self.hold_any[slots] = hold.any(axis=1)

    def slots(self, codes: np.ndarray) -> np.ndarray:
        """Table rows for ``codes``, filling any not yet computed."""
        if self.direct:
            missing = ~self.valid[codes]
            if missing.any():
                new = np.unique(codes[missing])
                self._fill(new, new)
                self.valid[new] = True
            return codes
        uniq, inv = np.unique(codes, return_inverse=True)
        self._alloc(uniq.size)
        self._fill(np.arange(uniq.size), uniq)
        return inv.reshape(-1)


@dataclass(frozen=True, eq=False, kw_only=True)
class WalkTables:
    """Per-state tables covering every reachable joint state, in the kernel's layout."""

    start: int
    rate: np.ndarray
    first_mover: np.ndarray
    cum: np.ndarray
    delta: np.ndarray
    dest: np.ndarray
    level: np.ndarray
    hold: np.ndarray
    hold_any: np.ndarray
    rung_code: np.ndarray
    states: np.ndarray


def walk_tables(dyn: Dynamics, target_idx: Sequence[int]) -> WalkTables | None:
    """Tables for the compiled kernel, or None when the reachable space is too large to tabulate."""
    tables = _Tables(dyn, target_idx)
    if not tables.direct:
        return None
    try:
        reachable = explore(dyn, max_states=KERNEL_MAX_STATES).states
    except GraphTooLargeError:
        return None
    codes = dyn.encode(reachable)
    tables.slots(codes)
    n_codes, n_actors = tables.n_codes, dyn.n_actors
    width = max(t.shape[1] for t in tables.dest_of)
    cum = np.zeros((n_actors, n_codes, width))
    dest = np.zeros((n_actors, n_codes, width), dtype=np.int64)
    states = dyn.decode(np.arange(n_codes))
    for a in range(n_actors):
        w = tables.cum[a].shape[1]
        cum[a, :, :w] = tables.cum[a]
        cum[a, :, w:] = tables.cum[a][:, -1:]  # padding repeats the total: never chosen
        dest[a, :, :w] = tables.dest[a]
        dest[a, :, w:] = tables.dest[a][:, -1:]
    delta = (dest - states.T[:, :, None]) * dyn.strides[:, None, None]
    # From each actor's probability of moving, summed from its moves (not 1 - stay, which
    # loses tiny hazards): log of the chance that actors a.. all stay, the rate of the
    # geometric wait, and the chance that a moves first given that one of a.. moves.
    move = np.minimum(cum[:, :, -1].T, 1.0)  # (n_codes, n_actors)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = np.cumsum(np.log1p(-move)[:, ::-1], axis=1)[:, ::-1]  # -inf where one must move
        some_move = -np.expm1(tail)
        first_mover = np.where(some_move > 0, move / some_move, 0.0)
    # The last actor who can move is certain to, if nobody before it has: say 1, not 1 - ulp.
    nobody_after = np.ones_like(move, dtype=bool)
    nobody_after[:, :-1] = tail[:, 1:] == 0.0
    first_mover[nobody_after & (move > 0)] = 1.0
    return WalkTables(
        start=int(dyn.encode(dyn.start[None, :])[0]), rate=-tail[:, 0], first_mover=first_mover,
        cum=cum, delta=delta, dest=dest, level=tables.level, hold=tables.hold, hold_any=tables.hold_any,
        rung_code=np.concatenate([[0], np.cumsum(dyn.sizes)[:-1]]).astype(np.int64), states=states.astype(np.int16),
    )


@dataclass(frozen=True, eq=False, kw_only=True)
class Chunk:
    """Counts from one chunk of trajectories.

    Attributes
    ----------
    first_hits : ndarray of int64, shape (n_targets, horizon + 1)
        Trajectories whose first hit of each target falls on each day.
    occupancy : ndarray of int64, shape (horizon + 1, 11)
        Trajectories at each crisis level on each day.
    paths, path_counts : ndarray
        Distinct move-code rows (last column: the length) and how many trajectories took each.
    sample : ndarray of int16, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the chunk's first trajectories.
    """

    first_hits: np.ndarray
    occupancy: np.ndarray
    paths: np.ndarray
    path_counts: np.ndarray
    sample: np.ndarray


def run_chunk(
    scenario: Scenario, target_idx: Sequence[int], horizon: int, n: int, entropy: int, chunk: int, n_sample: int,
    compiled: WalkTables | None = None,
) -> Chunk:
    """Walk chunk ``chunk`` of ``n`` trajectories, drawing from ``SeedSequence(entropy, spawn_key=(chunk,))``.

    With ``compiled`` tables the compiled kernel walks; without, the numpy loop. Targets are
    the scenario's targets at ``target_idx``; the first ``n_sample`` trajectories are kept whole.
    """
    gen = chunk_generator(entropy, chunk)
    if compiled is not None:
        return _run_compiled(compiled, len(target_idx), horizon, n, gen, n_sample)
    dyn = Dynamics(scenario)
    tables = _Tables(dyn, target_idx)
    n_actors, k, h = dyn.n_actors, len(target_idx), horizon
    offsets = np.concatenate([[0], np.cumsum(dyn.sizes)[:-1]]).astype(np.int64)

    state = np.tile(dyn.start, (n, 1))
    code = np.full(n, int(dyn.encode(dyn.start[None, :])[0]), dtype=np.int64)
    t = np.zeros(n, dtype=np.int64)
    first = np.full((k, n), -1, dtype=np.int64)
    slot0 = tables.slots(code[:1])
    hold0 = tables.hold[slot0[0]].copy()
    first[hold0, :] = 0
    stopped = np.full(n, bool(hold0.any()))
    paths = np.zeros((n, MAX_PATH_MOVES + 1), dtype=np.uint16)  # last column: length, L+1 = truncated
    occupancy = np.zeros((h + 2) * N_LEVELS, dtype=np.int64)
    events: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
        (np.arange(min(n_sample, n)), np.zeros(min(n_sample, n), dtype=np.int64), state[:n_sample].copy())
    ]

    idx = np.arange(n)
    while idx.size:
        slot = tables.slots(code[idx])
        stay = tables.stay[slot]
        p_change = 1.0 - np.prod(stay, axis=1)
        live = p_change > 0
        wait = np.full(idx.size, h + 1, dtype=np.int64)
        wait[live] = gen.geometric(p_change[live])
        t_now = t[idx]
        t_next = t_now + wait
        level = tables.level[slot]
        occupancy += np.bincount(t_now * N_LEVELS + level, minlength=occupancy.size)
        end = np.minimum(t_next, h + 1)
        occupancy -= np.bincount(end * N_LEVELS + level, minlength=occupancy.size)

        go = t_next <= h
        idx, slot, stay, t_next = idx[go], slot[go], stay[go], t_next[go]
        if not idx.size:
            break
        m = idx.size
        # Movers, conditional on at least one: actor a moves with (1 - s_a) / (1 - prod_{b>=a} s_b)
        # while nobody before it has moved, and with its own 1 - s_a once someone has.
        tail = np.cumprod(stay[:, ::-1], axis=1)[:, ::-1]
        u = gen.random((m, n_actors))
        u_dest = gen.random((m, n_actors))
        any_moved = np.zeros(m, dtype=bool)
        t[idx] = t_next
        for a in range(n_actors):
            q = 1.0 - stay[:, a]
            denom = 1.0 - tail[:, a]
            conditional = np.divide(q, denom, out=np.ones(m), where=denom > 0)
            moves = u[:, a] < np.where(any_moved, q, conditional)
            any_moved |= moves
            sel = np.flatnonzero(moves)
            if not sel.size:
                continue
            traj = idx[sel]
            cum = tables.cum[a][slot[sel]]
            x = u_dest[sel, a] * cum[:, -1]
            pick = np.minimum((cum <= x[:, None]).sum(axis=1), cum.shape[1] - 1)
            dest = tables.dest[a][slot[sel], pick]
            code[traj] += (dest - state[traj, a]) * dyn.strides[a]
            state[traj, a] = dest
            rec = traj[~stopped[traj]]
            if rec.size:
                length = paths[rec, -1].astype(np.int64)
                room = length < MAX_PATH_MOVES
                paths[rec[room], length[room]] = offsets[a] + state[rec[room], a] + 1
                paths[rec, -1] = np.minimum(length + 1, MAX_PATH_MOVES + 1)
        if k:
            new_slot = tables.slots(code[idx])
            sub = np.flatnonzero(tables.hold_any[new_slot])  # only where some target holds
            if sub.size:
                traj = idx[sub]
                fresh = tables.hold[new_slot[sub]] & (first[:, traj].T < 0)
                rows_i, cols_j = np.nonzero(fresh)
                first[cols_j, traj[rows_i]] = t_next[sub][rows_i]
                stopped[traj] = True
        in_sample = idx < n_sample
        if in_sample.any():
            events.append((idx[in_sample], t_next[in_sample], state[idx[in_sample]].copy()))

    first_hits = np.zeros((k, h + 1), dtype=np.int64)
    for j in range(k):
        f = first[j]
        first_hits[j] = np.bincount(f[(f >= 0) & (f <= h)], minlength=h + 1)
    uniq, counts = count_rows(paths, np.ones(len(paths), dtype=np.int64))
    sample = np.zeros((min(n_sample, n), h + 1, n_actors), dtype=np.int16)
    traj = np.concatenate([e[0] for e in events])
    times = np.concatenate([e[1] for e in events])
    states = np.concatenate([e[2] for e in events])
    order = np.lexsort((times, traj))
    for i in order:  # a handful of events for a handful of sampled trajectories
        sample[traj[i], times[i]:] = states[i]
    return Chunk(
        first_hits=first_hits,
        occupancy=np.cumsum(occupancy.reshape(h + 2, N_LEVELS), axis=0)[: h + 1],
        paths=uniq, path_counts=counts, sample=sample,
    )


def _run_compiled(wt: WalkTables, k: int, horizon: int, n: int, gen: np.random.Generator, n_sample: int) -> Chunk:
    from ._walk import count_paths, walk

    h = horizon
    first = np.empty((n, k), dtype=np.int64)
    occupancy = np.zeros((h + 2, N_LEVELS), dtype=np.int64)
    paths = np.zeros((n, MAX_PATH_MOVES + 1), dtype=np.uint16)
    sample = np.zeros((min(n_sample, n), h + 1, wt.first_mover.shape[1]), dtype=np.int16)
    walk(gen, n, h, wt.start, wt.rate, wt.first_mover, wt.cum, wt.delta, wt.dest, wt.level, wt.hold, wt.hold_any,
         wt.rung_code, wt.states, first, occupancy, paths, sample)
    first_hits = np.zeros((k, h + 1), dtype=np.int64)
    for j in range(k):
        f = first[:, j]
        first_hits[j] = np.bincount(f[f >= 0], minlength=h + 1)
    rows, counts = count_paths(paths)
    return Chunk(first_hits=first_hits, occupancy=np.cumsum(occupancy, axis=0)[: h + 1], paths=paths[rows],
                 path_counts=counts, sample=sample)


def chunk_task(args: tuple) -> Chunk:
    """:func:`run_chunk` on a tuple of its arguments (for executors' ``map``)."""
    return run_chunk(*args)


def count_rows(paths: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``paths`` with their summed ``counts`` (in an order fixed by the rows).

    Rows are grouped by a 64-bit hash (an integer sort is far faster than sorting rows), and
    the grouping is verified exactly; on a hash collision the plain row sort is used.
    """
    if len(paths) == 0:
        return paths, counts
    key = np.zeros(len(paths), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in paths.T:
            key = (key * np.uint64(0x100000001B3)) ^ (col.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if np.array_equal(paths[first][inverse], paths):
        rows = paths[first]
    else:  # pragma: no cover - a 64-bit collision
        rows, inverse = np.unique(paths, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    return rows, np.bincount(inverse, weights=counts, minlength=len(rows)).astype(np.int64)
