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
:func:`simulate`). Both walk one chunk in :mod:`escalation._chunk`; this module seeds the
chunks, runs them (threads or processes) and merges their counts.
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

from ._chunk import KERNEL_MAX_STATES, MAX_PATH_MOVES, Chunk, chunk_task, count_rows, run_chunk, walk_tables
from .dynamics import Dynamics
from .exact import N_LEVELS, select_targets
from .rng import SeedLike, seed_entropy
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
    compiled = None if kernel == "numpy" or small else walk_tables(Dynamics(scenario), target_idx)
    if kernel == "numba" and compiled is None:
        raise ValueError(f"kernel 'numba' needs at most {KERNEL_MAX_STATES:,} reachable joint states; use 'numpy'")
    if workers is None:
        workers = available_cores() if compiled is not None else 1
    tasks = []
    for c, lo in enumerate(range(0, int(runs), CHUNK_SIZE)):
        size = min(CHUNK_SIZE, int(runs) - lo)
        tasks.append((scenario, target_idx, h, size, entropy, c, n_sample if c == 0 else 0, compiled))

    first_hits = np.zeros((len(names), h + 1), dtype=np.int64)
    levels = np.zeros((h + 1, N_LEVELS), dtype=np.int64)
    paths = np.zeros((0, MAX_PATH_MOVES + 1), dtype=np.uint16)
    counts = np.zeros(0, dtype=np.int64)
    pending: list[Chunk] = []  # chunks' path counts, merged in batches to bound memory
    sample = None
    done = 0

    def merge() -> None:
        nonlocal paths, counts
        paths, counts = count_rows(np.concatenate([paths, *(c.paths for c in pending)]),
                                    np.concatenate([counts, *(c.path_counts for c in pending)]))
        pending.clear()

    def absorb(result: Chunk, size: int) -> None:
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
            absorb(run_chunk(*task), task[3])
    elif compiled is not None:
        # The compiled kernel releases the GIL: threads over chunks use every core without
        # starting processes or loading the kernel again in each.
        with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as threads:
            for task, result in zip(tasks, threads.map(chunk_task, tasks)):
                absorb(result, task[3])
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            try:
                for task, result in zip(tasks, pool.map(chunk_task, tasks)):
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
        wall_time=time.perf_counter() - started, kernel="numpy" if compiled is None else "numba",
    )
