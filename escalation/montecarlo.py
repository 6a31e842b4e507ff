"""The vectorised, chunked, seeded Monte Carlo engine.

It walks trajectories of the factored model directly, so it needs no compiled graph and
scales to scenarios whose joint space is too large to enumerate. The walk is event-driven:
while the joint state stays the same, so do all actors' daily odds, so the number of days
until the next change is geometric with parameter ``1 - prod_a stay_a``. Then which actors
move is drawn conditional on at least one moving, and each mover's destination from its row.
This is exactly the day-by-day step semantics, at a cost per change rather than per day.

Work is cut into chunks of :data:`CHUNK_SIZE` trajectories; chunk ``i`` draws from
``SeedSequence(entropy, spawn_key=(i,))``, so a result depends on the seed and the number of
runs only, never on ``workers``.

The walk has two implementations of the same law: a numpy loop, vectorised over the
trajectories still running, that computes each joint state's odds the first time a
trajectory visits it (any joint space); and a compiled kernel (:mod:`escalation._walk`,
numba) over tables of every reachable joint state, used for large runs (see ``kernel`` in
:func:`simulate`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .dynamics import Dynamics, explore
from .errors import GraphTooLargeError
from .exact import N_LEVELS, select_targets
from .rng import SeedLike, chunk_generator, seed_entropy
from .scenario import Scenario

__all__ = [
    "AUTO_COMPILED_MIN_WORK",
    "CHUNK_SIZE",
    "KERNEL_MAX_STATES",
    "MAX_PATH_MOVES",
    "PathCount",
    "Simulation",
    "simulate",
]

#: Trajectories per chunk: a constant of the algorithm (results depend on it).
CHUNK_SIZE = 1 << 16
#: Moves kept per escalation path; longer paths are counted as truncated.
MAX_PATH_MOVES = 12
#: Joint spaces up to this many codes get direct lookup tables; larger ones use np.unique.
_TABLE_LIMIT = 1 << 20
#: The compiled kernel tabulates every reachable joint state; past this many it is not used.
KERNEL_MAX_STATES = 200_000
#: ``kernel='auto'`` compiles only for at least this many trajectory-days (runs x (horizon + 1)):
#: below it the numpy loop finishes before numba would have loaded (about 0.9 s per process).
AUTO_COMPILED_MIN_WORK = 50_000_000

Kernel = Literal["auto", "numba", "numpy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PathCount:
    """An escalation path and how many trajectories took it.

    Attributes
    ----------
    moves : tuple of (str, str, str)
        ``(actor, from rung, to rung)`` in order, until the first target hit or the horizon.
    truncated : bool
        Whether the path had more than :data:`MAX_PATH_MOVES` moves (only the first are kept).
    count : int
        Number of trajectories.
    """

    moves: tuple[tuple[str, str, str], ...]
    truncated: bool
    count: int

    def describe(self, scenario: Scenario | None = None) -> str:
        """``US: maritime strikes -> land strikes; VEN: alert -> retaliation`` (labels if given)."""
        if not self.moves:
            return "no change"

        def label(actor: str, rung: str) -> str:
            return scenario.actor(actor).rung(rung).label if scenario is not None else rung

        parts = [f"{a}: {label(a, f)} -> {label(a, t)}" for a, f, t in self.moves]
        return "; ".join(parts) + ("; ..." if self.truncated else "")


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Simulation:
    """Raw Monte Carlo counts for one scenario.

    Attributes
    ----------
    scenario_id : str
    targets : tuple of str
    horizon : int
    runs : int
        Number of trajectories.
    entropy : int
        Root seed entropy; ``simulate(..., seed=entropy)`` repeats the run.
    first_hits : ndarray of int64, shape (n_targets, horizon + 1)
        Trajectories whose first hit of each target falls on each day.
    level_counts : ndarray of int64, shape (horizon + 1, 11)
        Trajectories at each crisis level 0-10 on each day.
    sample_paths : ndarray of int16, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the first ``n_sample`` trajectories, day by day.
    top_paths : tuple of PathCount
        The most frequent escalation paths, most frequent first.
    n_distinct_paths : int
        Number of distinct paths seen.
    wall_time : float
        Seconds spent.
    kernel : {'numba', 'numpy'}
        Which implementation of the walk ran (see :func:`simulate`).
    """

    scenario_id: str
    targets: tuple[str, ...]
    horizon: int
    runs: int
    entropy: int
    first_hits: np.ndarray
    level_counts: np.ndarray
    sample_paths: np.ndarray
    top_paths: tuple[PathCount, ...]
    n_distinct_paths: int
    wall_time: float
    kernel: str = "numpy"

    def __repr__(self) -> str:
        return (f"<Simulation {self.scenario_id}: {self.runs:,} runs, horizon {self.horizon} days, "
                f"{len(self.targets)} targets, seed {self.entropy}, kernel {self.kernel}>")

    def _row(self, name: str) -> int:
        try:
            return self.targets.index(name)
        except ValueError:
            raise KeyError(f"unknown target {name!r}; simulated: {', '.join(self.targets)}") from None

    def hits(self, name: str, day: int | None = None) -> int:
        """Trajectories in which ``name`` first held on or before ``day`` (default: horizon)."""
        d = self.horizon if day is None else day
        return int(self.first_hits[self._row(name), : d + 1].sum())

    def probability(self, name: str, day: int | None = None) -> float:
        """Estimated probability that ``name`` first holds on or before ``day``."""
        return self.hits(name, day) / self.runs

    def cumulative(self, name: str) -> np.ndarray:
        """Estimated cumulative odds by day; shape ``(horizon + 1,)``."""
        return np.cumsum(self.first_hits[self._row(name)]) / self.runs

    def first_day_quantile(self, name: str, q: float) -> float:
        """The ``q`` quantile of the first-hit day among trajectories that hit (NaN if none)."""
        counts = self.first_hits[self._row(name)]
        total = counts.sum()
        if total == 0:
            return math.nan
        return float(np.searchsorted(np.cumsum(counts), q * total - 1e-9))

    def level_distribution(self) -> np.ndarray:
        """Share of trajectories at each crisis level per day; shape ``(horizon + 1, 11)``."""
        return self.level_counts / self.runs


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


# --- one chunk ---------------------------------------------------------------------------------
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
class _WalkTables:
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


def _walk_tables(dyn: Dynamics, target_idx: Sequence[int]) -> _WalkTables | None:
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
    return _WalkTables(
        start=int(dyn.encode(dyn.start[None, :])[0]), rate=-tail[:, 0], first_mover=first_mover,
        cum=cum, delta=delta, dest=dest, level=tables.level, hold=tables.hold, hold_any=tables.hold_any,
        rung_code=np.concatenate([[0], np.cumsum(dyn.sizes)[:-1]]).astype(np.int64), states=states.astype(np.int16),
    )


@dataclass(frozen=True, eq=False, kw_only=True)
class _Chunk:
    first_hits: np.ndarray
    occupancy: np.ndarray
    paths: np.ndarray
    path_counts: np.ndarray
    sample: np.ndarray


def _run_chunk(
    scenario: Scenario, target_idx: Sequence[int], horizon: int, n: int, entropy: int, chunk: int, n_sample: int,
    walk_tables: _WalkTables | None = None,
) -> _Chunk:
    gen = chunk_generator(entropy, chunk)
    if walk_tables is not None:
        return _run_chunk_compiled(walk_tables, len(target_idx), horizon, n, gen, n_sample)
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
    uniq, counts = _count_rows(paths, np.ones(len(paths), dtype=np.int64))
    sample = np.zeros((min(n_sample, n), h + 1, n_actors), dtype=np.int16)
    traj = np.concatenate([e[0] for e in events])
    times = np.concatenate([e[1] for e in events])
    states = np.concatenate([e[2] for e in events])
    order = np.lexsort((times, traj))
    for i in order:  # a handful of events for a handful of sampled trajectories
        sample[traj[i], times[i]:] = states[i]
    return _Chunk(
        first_hits=first_hits,
        occupancy=np.cumsum(occupancy.reshape(h + 2, N_LEVELS), axis=0)[: h + 1],
        paths=uniq, path_counts=counts, sample=sample,
    )


def _run_chunk_compiled(wt: _WalkTables, k: int, horizon: int, n: int, gen: np.random.Generator,
                        n_sample: int) -> _Chunk:
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
    return _Chunk(first_hits=first_hits, occupancy=np.cumsum(occupancy, axis=0)[: h + 1], paths=paths[rows],
                  path_counts=counts, sample=sample)


def _chunk_task(args: tuple) -> _Chunk:
    return _run_chunk(*args)


def _count_rows(paths: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _decode_paths(scenario: Scenario, paths: np.ndarray, counts: np.ndarray, top: int) -> tuple[PathCount, ...]:
    # Most frequent first; ties broken by the path itself, so the order is reproducible.
    keys = [paths[:, c] for c in range(paths.shape[1] - 1, -1, -1)] + [-counts]
    order = np.lexsort(keys)[:top] if len(counts) else np.zeros(0, dtype=np.int64)
    sizes = [len(a.ladder) for a in scenario.actors]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    position = np.concatenate([np.arange(s) for s in sizes])
    out = []
    for i in order:
        row = paths[i]
        length = int(row[-1])
        current = list(scenario.start_state)
        moves = []
        for code in row[: min(length, MAX_PATH_MOVES)]:
            a = int(owner[int(code) - 1])
            to = int(position[int(code) - 1])
            actor = scenario.actors[a]
            moves.append((actor.id, actor.ladder[current[a]].id, actor.ladder[to].id))
            current[a] = to
        out.append(PathCount(moves=tuple(moves), truncated=length > MAX_PATH_MOVES, count=int(counts[i])))
    return tuple(out)


def simulate(
    scenario: Scenario,
    *,
    runs: int,
    horizon: int | None = None,
    seed: SeedLike = None,
    targets: Sequence[str] | None = None,
    workers: int | None = None,
    n_sample: int = 200,
    top_paths: int = 20,
    kernel: Kernel = "auto",
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Estimate the odds of a scenario's targets by walking ``runs`` trajectories.

    Parameters
    ----------
    scenario : Scenario
    runs : int
        Number of trajectories, >= 1.
    horizon : int, optional
        Days; default the scenario's horizon.
    seed : None, int, SeedSequence or Generator, optional
        Without one, fresh entropy is drawn and recorded in the result.
    targets : sequence of str, optional
        Target names; default all.
    workers : int, optional
        Chunks run at once (threads with the compiled kernel, processes with the numpy
        loop); the result does not depend on it. Default: every available core for the
        compiled kernel, 1 for the numpy loop (starting processes costs more than small
        runs take).
    n_sample : int, optional
        Whole paths kept (the first trajectories), at most :data:`CHUNK_SIZE`.
    top_paths : int, optional
        Most frequent escalation paths kept.
    kernel : {'auto', 'numba', 'numpy'}, optional
        Implementation of the walk. ``numba`` is a compiled kernel over tables of every
        reachable joint state (at most :data:`KERNEL_MAX_STATES`); ``numpy`` computes per-state
        odds lazily and scales to any joint space. ``auto`` compiles when the work is at least
        :data:`AUTO_COMPILED_MIN_WORK` trajectory-days and the states can be tabulated, else
        uses numpy. Both draw from the same law but consume random numbers differently, so for
        one seed they give different, equally valid samples; ``auto`` decides from the
        scenario, ``runs`` and ``horizon`` alone, so a result still depends only on those and
        the seed. The result records which kernel ran.
    progress : callable, optional
        Called with the number of trajectories finished so far, after each chunk.

    Returns
    -------
    Simulation

    Raises
    ------
    ScenarioError
        If an actor's outgoing probabilities add up to more than 1 in a visited state.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> sim = simulate(load_scenario("tutorial"), runs=20_000, seed=1)
    >>> sim.hits("blue_strikes"), sim.kernel
    (5473, 'numpy')
    >>> abs(sim.probability("blue_strikes") - 0.27726) < 4.5 * (0.27726 * 0.72274 / 20_000) ** 0.5
    True
    """
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be a whole number >= 1, found {runs!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, found {workers}")
    h = scenario.horizon if horizon is None else int(horizon)
    if h < 0:
        raise ValueError(f"horizon must be >= 0 days, found {h}")
    if kernel not in ("auto", "numba", "numpy"):
        raise ValueError(f"kernel must be one of auto, numba, numpy; found {kernel!r}")
    names = select_targets(scenario, targets)
    target_idx = [scenario.target_names.index(t) for t in names]
    entropy = seed_entropy(seed)
    n_sample = max(0, min(n_sample, CHUNK_SIZE, int(runs)))
    started = time.perf_counter()
    small = kernel == "auto" and int(runs) * (h + 1) < AUTO_COMPILED_MIN_WORK
    walk_tables = None if kernel == "numpy" or small else _walk_tables(Dynamics(scenario), target_idx)
    if kernel == "numba" and walk_tables is None:
        raise ValueError(f"kernel 'numba' needs at most {KERNEL_MAX_STATES:,} reachable joint states; use 'numpy'")
    if workers is None:
        workers = available_cores() if walk_tables is not None else 1
    tasks = []
    for c, lo in enumerate(range(0, int(runs), CHUNK_SIZE)):
        size = min(CHUNK_SIZE, int(runs) - lo)
        tasks.append((scenario, target_idx, h, size, entropy, c, n_sample if c == 0 else 0, walk_tables))

    first_hits = np.zeros((len(names), h + 1), dtype=np.int64)
    levels = np.zeros((h + 1, N_LEVELS), dtype=np.int64)
    paths = np.zeros((0, MAX_PATH_MOVES + 1), dtype=np.uint16)
    counts = np.zeros(0, dtype=np.int64)
    pending: list[_Chunk] = []  # chunks' path counts, merged in batches to bound memory
    sample = None
    done = 0

    def merge() -> None:
        nonlocal paths, counts
        paths, counts = _count_rows(np.concatenate([paths, *(c.paths for c in pending)]),
                                    np.concatenate([counts, *(c.path_counts for c in pending)]))
        pending.clear()

    def absorb(result: _Chunk, size: int) -> None:
        nonlocal sample, done
        first_hits[...] += result.first_hits
        levels[...] += result.occupancy
        pending.append(result)
        if sum(len(c.paths) for c in pending) > 1_000_000:
            merge()
        if sample is None:
            sample = result.sample
        done += size
        if progress is not None:
            progress(done)

    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            absorb(_run_chunk(*task), task[3])
    elif walk_tables is not None:
        # The compiled kernel releases the GIL: threads over chunks use every core without
        # starting processes or loading the kernel again in each.
        with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as threads:
            for task, result in zip(tasks, threads.map(_chunk_task, tasks)):
                absorb(result, task[3])
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            try:
                for task, result in zip(tasks, pool.map(_chunk_task, tasks)):
                    absorb(result, task[3])
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    merge()
    assert sample is not None
    for arr in (first_hits, levels, sample):
        arr.flags.writeable = False
    return Simulation(
        scenario_id=scenario.id, targets=names, horizon=h, runs=int(runs), entropy=entropy,
        first_hits=first_hits, level_counts=levels, sample_paths=sample,
        top_paths=_decode_paths(scenario, paths, counts, top_paths), n_distinct_paths=len(counts),
        wall_time=time.perf_counter() - started, kernel="numpy" if walk_tables is None else "numba",
    )
