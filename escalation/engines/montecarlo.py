"""The Monte Carlo engine: seeded chunks of trajectories of the factored model.

A run is cut into chunks of :data:`CHUNK_SIZE` trajectories, a constant of the algorithm.
Chunk ``i`` draws from ``SeedSequence(entropy, spawn_key=(i,))`` and is walked by the one
compiled kernel (:mod:`escalation.engines.walk`), so a result is a function of the seed and
the number of runs only: the same for any number of workers, and any chunk can be re-run
alone. Chunks run on threads (the kernel releases the GIL), at most ``2 x workers`` at a
time, and are merged in chunk order: counts add up, and the most frequent paths go through a
bounded sketch (:mod:`escalation.engines.paths`), so memory does not grow with runs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..compiled import N_LEVELS, CompiledModel, compile_model
from ..limits import available_cores, check_horizon, check_runs
from ..rng import SeedLike, chunk_generator, seed_entropy
from ..scenario import Scenario
from ..stats import binomial_stderr, wilson_interval
from .odds import Odds, Race, check_races
from .paths import MAX_PATH_MOVES, PathCount, PathSketch

__all__ = ["CHUNK_SIZE", "MAX_SAMPLE_CELLS", "Simulation", "chunks", "simulate"]

#: Trajectories per chunk: a constant of the algorithm (results depend on it).
CHUNK_SIZE = 1 << 16
#: Sampled paths are cut so that ``n_sample x (horizon + 1) x n_actors`` stays under this.
MAX_SAMPLE_CELLS = 1 << 24


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Simulation(Odds):
    """Monte Carlo odds: the common :class:`~escalation.engines.odds.Odds` plus counts and intervals.

    Attributes
    ----------
    runs : int
        Number of trajectories.
    entropy : int
        Root seed entropy; ``simulate(..., seed=entropy)`` repeats the run.
    first_hits : ndarray of int64, shape (n_targets, horizon + 1)
        Trajectories whose first hit of each target falls on each day.
    level_counts : ndarray of int64, shape (horizon + 1, 11)
        Trajectories at each crisis level 0-10 on each day.
    sample_paths : ndarray of int32, shape (n_sample, horizon + 1, n_actors)
        Rung positions of the first ``n_sample`` trajectories, day by day.
    top_paths : tuple of PathCount
        The most frequent escalation paths, most frequent first.
    path_count_error : int
        How far short of the truth any reported path count may be (0: exact); see
        :mod:`escalation.engines.paths`.
    wall_time : float
        Seconds spent.
    """

    runs: int
    entropy: int
    first_hits: np.ndarray = field(repr=False)
    level_counts: np.ndarray = field(repr=False)
    sample_paths: np.ndarray = field(repr=False)
    top_paths: tuple[PathCount, ...] = field(repr=False)
    path_count_error: int = 0
    wall_time: float = 0.0

    def __repr__(self) -> str:
        return (f"<Simulation {self.scenario_id}: {self.runs:,} runs, horizon {self.horizon} days, "
                f"{len(self.targets)} targets, seed {self.entropy}>")

    def hits(self, name: str, day: int | None = None) -> int:
        """Trajectories in which ``name`` first held on or before ``day`` (default: the horizon)."""
        return int(self.first_hits[self._row(name), : self._day(day) + 1].sum())

    def stderr(self, name: str, day: int | None = None) -> float:
        """Binomial standard error of :meth:`probability`."""
        return binomial_stderr(self.probability(name, day), self.runs)

    def ci95(self, name: str, day: int | None = None) -> tuple[float, float]:
        """95% Wilson interval of :meth:`probability`."""
        return wilson_interval(self.hits(name, day), self.runs)

    def ci95_band(self, name: str) -> np.ndarray:
        """95% Wilson intervals of the cumulative odds on every day; shape ``(2, horizon + 1)``."""
        hits = np.cumsum(self.first_hits[self._row(name)])
        return np.array([wilson_interval(int(k), self.runs) for k in hits]).T


def chunks(runs: int) -> Iterator[tuple[int, int]]:
    """``(chunk index, size)`` of each chunk of a run of ``runs`` trajectories."""
    for c, lo in enumerate(range(0, runs, CHUNK_SIZE)):
        yield c, min(CHUNK_SIZE, runs - lo)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ChunkCounts:
    """What one chunk contributes: counts to add, exact path counts to merge, its sampled paths."""

    first_hits: np.ndarray
    occupancy: np.ndarray
    race_hits: np.ndarray
    path_rows: np.ndarray
    path_counts: np.ndarray
    sample: np.ndarray


def walk(model: CompiledModel, target_idx: np.ndarray, horizon: int, size: int, entropy: int, chunk: int,
         n_sample: int, race_idx: np.ndarray | None = None) -> ChunkCounts:
    """Walk chunk ``chunk`` (``size`` trajectories) of the run seeded by ``entropy``.

    ``target_idx`` selects the scenario's targets to count; ``race_idx``, shape (n_races, 2),
    pairs of scenario target indices whose race to count (first wins, second wins, tie by
    day, in ``race_hits``, shape (n_races, 3, horizon + 1)). Races do not change the random
    numbers drawn.

    Raises
    ------
    ScenarioError
        If an actor's outgoing probabilities add up to more than 1 in a state met.
    """
    from .walk import count_paths, walk_chunk

    m = model
    h = horizon
    races = np.zeros((0, 2), dtype=np.int64) if race_idx is None else race_idx
    # The kernel counts first hits of the selected targets and records first days of the
    # raced ones; a raced target that is not selected is counted too and dropped here.
    counted = np.unique(np.concatenate([target_idx, races.ravel()])).astype(np.int64)
    tracked = np.unique(races.ravel())
    track = np.full(counted.size, -1, dtype=np.int64)
    track[np.searchsorted(counted, tracked)] = np.arange(tracked.size)
    first_hits = np.zeros((counted.size, h + 1), dtype=np.int64)
    first_day = np.zeros((size, tracked.size), dtype=np.int32)
    occupancy = np.zeros((h + 2, N_LEVELS), dtype=np.int64)
    paths = np.zeros((size, MAX_PATH_MOVES + 1), dtype=np.int32)
    sample = np.zeros((n_sample, h + 1, m.n_actors), dtype=np.int32)
    error_state = np.zeros(m.n_actors, dtype=np.int64)
    bad = walk_chunk(
        chunk_generator(entropy, chunk), size, h, m.start, m.party, m.rung_offset, m.rung_level, m.prog, m.prog_ptr,
        m.max_stack, m.atom_actor, m.atom_lo, m.atom_hi, m.atom_neg, m.out_ptr, m.out_moves, m.move_cond, m.move_to,
        m.move_p, m.mm_ptr, m.mm_mod, m.mod_cond, m.factor, m.target_cond[counted], track, first_hits, first_day,
        occupancy, paths, sample, error_state,
    )
    if bad >= 0:
        raise m.excess_error(bad, error_state, m.move_probabilities(error_state[None, :])[0])
    first, counts = count_paths(paths)
    race_hits = np.zeros((len(races), 3, h + 1), dtype=np.int64)
    for r, (a, b) in enumerate(races):
        fa = first_day[:, np.searchsorted(tracked, a)]
        fb = first_day[:, np.searchsorted(tracked, b)]
        for outcome, (day, won) in enumerate(((fa, (fa >= 0) & ((fb < 0) | (fa < fb))),
                                              (fb, (fb >= 0) & ((fa < 0) | (fb < fa))),
                                              (fa, (fa >= 0) & (fa == fb)))):
            race_hits[r, outcome] = np.bincount(day[won], minlength=h + 1)
    return ChunkCounts(first_hits=first_hits[np.searchsorted(counted, target_idx)],
                       occupancy=np.cumsum(occupancy, axis=0)[: h + 1], race_hits=race_hits,
                       path_rows=paths[first], path_counts=counts, sample=sample)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ChunkJob:
    """Everything a chunk needs besides its index and size: sent once to each worker.

    ``job.walk(chunk, size)`` walks one chunk; chunk 0 also keeps the sampled paths.
    """

    model: CompiledModel
    target_idx: np.ndarray
    horizon: int
    entropy: int
    n_sample: int
    race_idx: np.ndarray

    def walk(self, chunk: int, size: int) -> ChunkCounts:
        """The counts of chunk ``chunk`` (``size`` trajectories)."""
        return walk(self.model, self.target_idx, self.horizon, size, self.entropy, chunk,
                    self.n_sample if chunk == 0 else 0, self.race_idx)


def run_chunks_locally(job: ChunkJob, runs: int, workers: int) -> Iterator[tuple[int, ChunkCounts]]:
    """``(size, counts)`` of every chunk of a run, in chunk order, walked on ``workers`` threads.

    At most ``2 x workers`` chunks are in flight: memory stays bounded whatever ``runs``, and
    the merge order (hence the path sketch) does not depend on timing. Interrupting the
    iteration cancels the chunks not yet started.
    """
    todo = chunks(runs)
    if workers == 1 or runs <= CHUNK_SIZE:
        for c, size in todo:
            yield size, job.walk(c, size)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[int, Future[ChunkCounts]]] = deque()
        try:
            for c, size in todo:
                pending.append((size, pool.submit(job.walk, c, size)))
                if len(pending) >= 2 * workers:
                    size0, fut = pending.popleft()
                    yield size0, fut.result()
            while pending:
                size0, fut = pending.popleft()
                yield size0, fut.result()
        finally:
            for _, fut in pending:
                fut.cancel()


def _distributed():  # noqa: ANN202 - the module, imported only when a cluster is used
    from .. import distributed

    return distributed


def simulate(
    scenario: Scenario | CompiledModel,
    *,
    runs: int,
    horizon: int | None = None,
    seed: SeedLike = None,
    targets: Sequence[str] | None = None,
    workers: int | None = None,
    n_sample: int = 200,
    top_paths: int = 20,
    progress: Callable[[int], None] | None = None,
    races: Sequence[tuple[str, str]] = (),
    client: object | None = None,
) -> Simulation:
    """Estimate the odds of a scenario's targets by walking ``runs`` trajectories.

    Parameters
    ----------
    scenario : Scenario or CompiledModel
        A compiled model runs with its own numbers (see
        :meth:`~escalation.compiled.CompiledModel.with_numbers`).
    runs : int
        Number of trajectories, in ``[1, MAX_RUNS]`` (:mod:`escalation.limits`).
    horizon : int, optional
        Days; default the scenario's horizon.
    seed : None, int, SeedSequence or Generator, optional
        Without one, fresh entropy is drawn and recorded in the result.
    targets : sequence of str, optional
        Target names; default all.
    workers : int, optional
        Chunks walked at once, on threads; default every available core. The result does
        not depend on it.
    n_sample : int, optional
        Whole paths kept (the first trajectories), at most :data:`CHUNK_SIZE` and cut so the
        sample stays under :data:`MAX_SAMPLE_CELLS` cells.
    top_paths : int, optional
        Most frequent escalation paths reported.
    progress : callable, optional
        Called with the number of trajectories finished so far, after each chunk.
    races : sequence of (str, str), optional
        Pairs of targets whose race (which holds first) to count; see
        :meth:`~escalation.engines.odds.Odds.race`.
    client : dask.distributed.Client, optional
        Walk the chunks on this Dask cluster instead of local threads (see
        :mod:`escalation.distributed`); the result is identical.

    Returns
    -------
    Simulation

    Raises
    ------
    ScenarioError
        If an actor's outgoing probabilities add up to more than 1 in a state met.
    ValueError
        For runs, horizon or workers out of range.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> sim = simulate(load_scenario("tutorial"), runs=20_000, seed=1)
    >>> p = sim.probability("blue_strikes")
    >>> abs(p - 0.27726) < 4.5 * (0.27726 * 0.72274 / 20_000) ** 0.5
    True
    >>> simulate(load_scenario("tutorial"), runs=20_000, seed=1, workers=1).hits("blue_strikes") == sim.hits("blue_strikes")
    True
    """
    model = scenario if isinstance(scenario, CompiledModel) else compile_model(scenario)
    runs = check_runs(runs)
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers must be >= 1, found {workers!r}")
    h = check_horizon(model.scenario.horizon if horizon is None else horizon)
    names = model.select_targets(targets)
    target_idx = np.array([model.target_names.index(t) for t in names], dtype=np.int64)
    race_pairs = check_races(model.scenario, races)
    race_idx = np.array([[model.target_names.index(a), model.target_names.index(b)] for a, b in race_pairs],
                        dtype=np.int64).reshape(-1, 2)
    entropy = seed_entropy(seed)
    n_sample = max(0, min(n_sample, CHUNK_SIZE, runs, MAX_SAMPLE_CELLS // ((h + 1) * model.n_actors)))
    workers = available_cores() if workers is None else int(workers)
    started = time.perf_counter()

    first_hits = np.zeros((len(names), h + 1), dtype=np.int64)
    levels = np.zeros((h + 1, N_LEVELS), dtype=np.int64)
    race_hits = np.zeros((len(race_pairs), 3, h + 1), dtype=np.int64)
    sketch = PathSketch()
    sample = np.zeros((0, h + 1, model.n_actors), dtype=np.int32)
    done = 0
    job = ChunkJob(model=model, target_idx=target_idx, horizon=h, entropy=entropy, n_sample=n_sample,
                   race_idx=race_idx)
    stream = run_chunks_locally(job, runs, workers) if client is None else _distributed().run_chunks(client, job, runs)
    for size, counts in stream:  # in chunk order, whatever ran them
        first_hits += counts.first_hits
        levels += counts.occupancy
        race_hits += counts.race_hits
        sketch.add_chunk(counts.path_rows, counts.path_counts)
        if counts.sample.shape[0]:
            sample = counts.sample
        done += size
        if progress is not None:
            progress(done)
    for arr in (first_hits, levels, sample):
        arr.flags.writeable = False
    cumulative = np.cumsum(first_hits, axis=1) / runs
    level_share = levels / runs
    cumulative.flags.writeable = False
    level_share.flags.writeable = False
    race_odds = {}
    for (a, b), hits in zip(race_pairs, race_hits):
        share = np.cumsum(hits, axis=1) / runs
        share.flags.writeable = False
        race_odds[(a, b)] = Race(first=a, second=b, horizon=h, _cumulative=share, runs=runs)
    return Simulation(
        scenario_id=model.scenario.id, targets=names, horizon=h, _cumulative=cumulative, _levels=level_share,
        _races=race_odds,
        runs=runs, entropy=entropy, first_hits=first_hits, level_counts=levels, sample_paths=sample,
        top_paths=sketch.top(model.scenario, top_paths), path_count_error=sketch.error,
        wall_time=time.perf_counter() - started,
    )


