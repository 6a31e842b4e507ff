"""Many sets of numbers on one compiled model: exact odds for each, sharing one plan.

Uncertainty, global sensitivity and one-at-a-time sweeps solve the same chain with thousands
of sets of move probabilities and modifier factors. The structure (reachable states, the
exact engine's stage plan, the target masks) is built once, on the *support* of every set
(moves and factors that any set makes positive); each set then costs its stage values, found
for all sets at once by the plan's gather, and a propagation. The propagation runs
:data:`~escalation.engines.exact.BATCH` sets per call of the exact engine's kernel
(:mod:`escalation.engines.propagate`), on threads (the kernel releases the GIL) or as the
tasks of a Dask cluster (``client=``; :func:`escalation.distributed.map_ordered`).

A set whose outgoing probabilities add up to more than 1 in some reachable state (the check
the exact engine makes) is not solved: its odds are NaN and its error is kept, so callers
report how many sets were rejected and why. The odds of every other set equal
:func:`~escalation.engines.exact.exact_odds` on ``model.with_numbers(p=..., factors=...)``
to rounding, and do not depend on the number of workers or on the other sets.

:func:`simulate_sets` is the Monte Carlo counterpart for chains too large to enumerate. Both
can also solve races between targets in every set (``races=``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, SUM_TOLERANCE, CompiledModel, reachable
from ..errors import ScenarioError
from ..limits import check_horizon

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["BatchOdds", "ExactBatch", "seed_of_set", "simulate_sets"]

#: Smallest positive number put in the support model for a number that is 0 as stated but
#: may be drawn positive: it makes the move part of the plan without changing any sum.
_TINY = 1e-300


@dataclass(frozen=True, eq=False, kw_only=True)
class BatchOdds:
    """Odds of the targets under each set of numbers.

    Attributes
    ----------
    targets : tuple of str
    horizon : int
    cumulative : ndarray, shape (n_sets, n_targets, horizon + 1)
        Cumulative first-passage odds by day; NaN for rejected sets.
    errors : tuple of (str or None)
        Per set, why it was rejected (the engine's message), or None.
    sampling_se : ndarray or None, shape (n_sets, n_targets)
        Binomial standard error of each set's odds at the horizon with Monte Carlo; None when
        exact.
    races : tuple of (str, str)
        The races computed (pairs of targets).
    race_cumulative : ndarray, shape (n_sets, n_races, 3, horizon + 1)
        Per set and race, the odds by day that the first target holds first, the second, or
        both on the same day (:class:`~escalation.engines.odds.Race`); NaN for rejected sets.
    """

    targets: tuple[str, ...]
    horizon: int
    cumulative: np.ndarray
    errors: tuple[str | None, ...]
    sampling_se: np.ndarray | None = None
    races: tuple[tuple[str, str], ...] = ()
    race_cumulative: np.ndarray | None = None

    @property
    def valid(self) -> np.ndarray:
        """Which sets were solved; shape ``(n_sets,)`` bool."""
        return np.array([e is None for e in self.errors], dtype=bool)

    @property
    def odds(self) -> np.ndarray:
        """Odds at the horizon; shape ``(n_sets, n_targets)``, NaN for rejected sets."""
        return self.cumulative[:, :, -1]


class ExactBatch:
    """The exact engine's structure for one model, horizon and targets, to solve many sets of numbers.

    Parameters
    ----------
    model : CompiledModel
    horizon : int
    targets : sequence of str, optional
        Default all.
    vary_p : ndarray of bool, shape (n_moves,), optional
        Moves whose probability a set may change from 0 to a positive value (they join the
        plan); default none.
    vary_factor : ndarray of bool, shape (n_modifiers,), optional
        Likewise for factors that are 0 as stated.
    max_states : int, optional
        Refuse a chain that may be larger (:class:`~escalation.errors.GraphTooLargeError`).
    races : sequence of (str, str), optional
        Pairs of targets whose race (which holds first) to compute for every set.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.compiled import compile_model
    >>> m = compile_model(load_scenario("tutorial"))
    >>> batch = ExactBatch(m, horizon=60, targets=["blue_strikes"])
    >>> out = batch.solve(np.stack([m.move_p, m.move_p / 2]))
    >>> [round(float(x), 5) for x in out.odds[:, 0]]
    [0.27726, 0.17375]
    """

    def __init__(self, model: CompiledModel, *, horizon: int, targets: Sequence[str] | None = None,
                 vary_p: np.ndarray | None = None, vary_factor: np.ndarray | None = None,
                 max_states: int = DEFAULT_MAX_STATES, races: Sequence[tuple[str, str]] = ()) -> None:
        import scipy.sparse as sp

        from ..engines.exact import columns
        from ..engines.odds import check_races
        from ..engines.stages import plan

        self.model = model
        self.horizon = check_horizon(horizon)
        self.targets = model.select_targets(targets)
        p = model.move_p.copy()
        f = model.factor.copy()
        if vary_p is not None:
            p[np.asarray(vary_p, dtype=bool) & (p == 0)] = _TINY
        if vary_factor is not None:
            f[np.asarray(vary_factor, dtype=bool) & (f == 0)] = _TINY
        support = model if (p == model.move_p).all() and (f == model.factor).all() else model.with_numbers(p=p, factors=f)
        self.support = support
        self.reach = reachable(support, max_states=max_states)
        self.plan = plan(support, self.reach)
        pl = self.plan
        self.races = check_races(model.scenario, races)
        # the kernel's columns and what each target and race outcome reads from them
        self._columns = columns(support, self.reach, self.plan, self.targets, self.races)
        n_terms, n_slots = pl.term_move.size, pl.slot_template.size
        self._term_to_slot = sp.csr_array((np.ones(n_terms), (pl.term_slot, np.arange(n_terms))), shape=(n_slots, n_terms))
        moving = np.flatnonzero(~pl.slot_is_stay)
        self._slot_to_template = sp.csr_array((np.ones(moving.size), (pl.slot_template[moving], moving)),
                                              shape=(pl.template_actor.size, n_slots))
        self._stay = np.flatnonzero(pl.slot_is_stay)
        counts = np.diff(pl.term_mod_ptr)
        # Terms by how many modifiers scale them: the r-th modifier of every term that has one.
        self._mod_rounds = [(np.flatnonzero(counts > r), pl.term_mods[pl.term_mod_ptr[:-1][counts > r] + r])
                            for r in range(int(counts.max(initial=0)))]

    @property
    def holds_at_start(self) -> np.ndarray:
        """Whether each target holds in the start state; shape ``(n_targets,)`` bool."""
        c = self._columns
        return c.day0[c.output[: len(self.targets)]] > 0

    @property
    def target_states(self) -> np.ndarray:
        """The reachable states where the targets hold, target after target."""
        return np.concatenate([self._columns.counted(j) for j in range(len(self.targets))] + [np.zeros(0, np.int64)])

    @property
    def n_states(self) -> int:
        """Reachable joint states of the support."""
        return self.reach.n_states

    def stage_values(self, p: np.ndarray, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stage values of each set, and which sets exceed 1 somewhere.

        Returns
        -------
        values : ndarray, shape (nnz, n_sets)
        bad : ndarray of bool, shape (n_sets,)
        """
        pl = self.plan
        term = p[:, pl.term_move].T.copy()  # (n_terms, n_sets)
        for idx, mods in self._mod_rounds:
            term[idx] *= factors[:, mods].T
        value = self._term_to_slot @ term  # (n_slots, n_sets)
        out_sum = self._slot_to_template @ value  # (n_templates, n_sets)
        bad = (out_sum > 1.0 + SUM_TOLERANCE).any(axis=0)
        value[self._stay] = np.maximum(1.0 - out_sum[pl.slot_template[self._stay]], 0.0)
        return value[pl.slot], bad

    def refused(self, p: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """Which sets :meth:`~escalation.compiled.CompiledModel.with_numbers` refuses; shape ``(n_sets,)`` bool.

        That check (:func:`~escalation.compiled.check_sums`) looks at every combination of the
        rungs each actor can reach, a superset of the reachable states. A set is sent to it
        only when some rung's moves, each scaled by every factor above 1 that may apply,
        could add up to more than 1; for small hazards none is.
        """
        m = self.model
        scaled = p.copy()
        owner = np.repeat(np.arange(m.n_moves), np.diff(m.mm_ptr))
        for i, mod in zip(owner, m.mm_mod):
            scaled[:, i] *= np.maximum(1.0, factors[:, mod])
        flat_from = (m.rung_offset[m.move_actor] + m.move_from) if m.n_moves else np.zeros(0, np.int64)
        bound = np.zeros((len(p), int(m.sizes.sum())))
        np.add.at(bound.T, flat_from, scaled.T)
        out = np.zeros(len(p), dtype=bool)
        for i in np.flatnonzero((bound > 1.0 + SUM_TOLERANCE).any(axis=1)):
            try:
                m.with_numbers(p=p[i], factors=factors[i])
            except ScenarioError:
                out[i] = True
        return out

    def error(self, p: np.ndarray, factors: np.ndarray) -> str:
        """The engine's message for a set whose outgoing probabilities exceed 1 in a reachable state."""
        try:
            m = self.model.with_numbers(p=p, factors=factors)
            self.plan.slot_values(m)
        except ScenarioError as exc:
            return str(exc.problems[0])
        return "outgoing daily probabilities add up to more than 1 in a reachable state"  # pragma: no cover

    def solve(self, p: np.ndarray, factors: np.ndarray | None = None, *, workers: int | None = None,
              client: Client | None = None, progress: Callable[[int], None] | None = None) -> BatchOdds:
        """Exact odds under each set of numbers.

        Parameters
        ----------
        p : ndarray, shape (n_sets, n_moves)
            Daily probabilities in [0, 1]; a move outside the support built at construction
            must stay 0.
        factors : ndarray, shape (n_sets, n_modifiers), optional
            Default: the model's factors in every set.
        workers : int, optional
            Threads; default every available core. The result does not depend on it.
        client : dask.distributed.Client, optional
            Solve the blocks of sets as tasks of this Dask cluster instead of on local threads
            (:func:`escalation.distributed.map_ordered`); the result is identical.
        progress : callable, optional
            Called with the number of sets solved so far.

        Returns
        -------
        BatchOdds

        Raises
        ------
        ValueError
            For a wrong shape, a probability outside [0, 1], a negative factor, or a number
            made positive outside the support.
        """
        from ..distributed import map_ordered
        from ..engines.exact import BATCH

        m = self.model
        p = np.atleast_2d(np.asarray(p, dtype=np.float64))
        n_sets = len(p)
        f = np.tile(m.factor, (n_sets, 1)) if factors is None else np.atleast_2d(np.asarray(factors, dtype=np.float64))
        if p.shape[1:] != (m.n_moves,) or f.shape != (n_sets, m.factor.size):
            raise ValueError(f"expected p of shape (n_sets, {m.n_moves}) and factors of shape (n_sets, {m.factor.size}), "
                             f"found {p.shape} and {f.shape}")
        if not ((p >= 0) & (p <= 1)).all() or not (np.isfinite(f) & (f >= 0)).all():
            raise ValueError("expected daily probabilities in [0, 1] and finite factors >= 0")
        if ((p > 0) & (self.support.move_p == 0)).any() or ((f > 0) & (self.support.factor == 0)).any():
            raise ValueError("a set makes a number positive that is 0 in the support; pass it in vary_p/vary_factor")
        bad = self.refused(p, f)
        cumulative = np.full((n_sets, self._columns.output.size, self.horizon + 1), np.nan)
        # Block i is always sets [i * BATCH, (i + 1) * BATCH): how sets are grouped never
        # depends on the workers or the cluster.
        blocks = range(0, n_sets, BATCH)
        report = None if progress is None else (lambda done: progress(min(done * BATCH, n_sets)))
        results = map_ordered(client, _solve_block, blocks, shared=(self, p, f),
                              workers=1 if n_sets <= BATCH else workers, progress=report)
        for i, (cum, over) in enumerate(results):
            idx = slice(i * BATCH, i * BATCH + len(over))
            bad[idx] |= over
            cumulative[idx] = cum
        cumulative[bad] = np.nan
        errors = tuple(self.error(p[i], f[i]) if bad[i] else None for i in range(n_sets))
        k, r = len(self.targets), len(self.races)
        return BatchOdds(targets=self.targets, horizon=self.horizon, cumulative=cumulative[:, :k], errors=errors,
                         races=self.races,
                         race_cumulative=cumulative[:, k:].reshape(n_sets, r, 3, self.horizon + 1))

    def _solve_block(self, p: np.ndarray, f: np.ndarray, lo: int) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative odds and over-1 flags of sets ``lo .. lo + BATCH`` (fewer at the end)."""
        from ..engines.exact import BATCH, propagate_sets

        idx = np.arange(lo, min(lo + BATCH, len(p)))
        sets = np.concatenate([idx, np.full(BATCH - idx.size, idx[-1])])  # the last block padded by repeating
        values, over = self.stage_values(p[sets], f[sets])
        cum, _ = propagate_sets(self.plan, values, self._columns, self.horizon)
        return cum[: idx.size], over[: idx.size]


def _solve_block(shared: tuple[ExactBatch, np.ndarray, np.ndarray], lo: int) -> tuple[np.ndarray, np.ndarray]:
    batch, p, f = shared
    return batch._solve_block(p, f, lo)


def seed_of_set(entropy: int, index: int) -> int:
    """The Monte Carlo seed of parameter set ``index``: 128 bits of ``SeedSequence(entropy, spawn_key=(MC_TAG, index))``."""
    state = np.random.SeedSequence(entropy, spawn_key=(_MC_TAG, index)).generate_state(4, np.uint32)
    return int.from_bytes(state.tobytes(), "little")


#: Spawn-key tag of the per-set Monte Carlo seeds (distinct from chunks and parameter blocks).
_MC_TAG = 0x6D63  # "mc"


def simulate_sets(model: CompiledModel, p: np.ndarray, factors: np.ndarray | None = None, *, horizon: int,
                  targets: Sequence[str] | None = None, runs: int, entropy: int,
                  workers: int | None = None, common: bool = False, client: Client | None = None,
                  progress: Callable[[int], None] | None = None, races: Sequence[tuple[str, str]] = ()) -> BatchOdds:
    """Monte Carlo odds under each set of numbers, set ``i`` seeded by :func:`seed_of_set`.

    Each set is walked with ``runs`` trajectories on one thread; sets run on ``workers``
    threads, or as tasks of the Dask cluster behind ``client`` (the same result). A set the
    engine refuses (outgoing odds above 1) is rejected as in :meth:`ExactBatch.solve`. With
    ``common``, every set is seeded with ``entropy`` itself (common random numbers:
    differences between sets are not swamped by sampling noise, and two equal sets give equal
    odds). ``progress`` is called with the number of sets done so far; ``races`` are pairs of
    targets whose race to count in every set.
    """
    from ..distributed import map_ordered
    from ..engines.odds import check_races

    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    f = np.tile(model.factor, (len(p), 1)) if factors is None else np.atleast_2d(np.asarray(factors, dtype=np.float64))
    names = model.select_targets(targets)
    h = check_horizon(horizon)
    pairs = check_races(model.scenario, races)
    cumulative = np.full((len(p), len(names), h + 1), np.nan)
    race_cumulative = np.full((len(p), len(pairs), 3, h + 1), np.nan)
    se = np.full((len(p), len(names)), np.nan)
    errors: list[str | None] = [None] * len(p)
    job = _SetJob(model=model, p=p, factors=f, targets=names, horizon=h, runs=runs, entropy=entropy, common=common,
                  races=pairs)
    for i, (cum, err, race, error) in enumerate(map_ordered(client, _simulate_set, range(len(p)), shared=job,
                                                            workers=workers, progress=progress)):
        if error is None:
            cumulative[i], se[i], race_cumulative[i] = cum, err, race
        errors[i] = error
    return BatchOdds(targets=names, horizon=h, cumulative=cumulative, errors=tuple(errors), sampling_se=se,
                     races=pairs, race_cumulative=race_cumulative)


@dataclass(frozen=True, eq=False, kw_only=True)
class _SetJob:
    """What every set of :func:`simulate_sets` needs (scattered once to a cluster's workers)."""

    model: CompiledModel
    p: np.ndarray
    factors: np.ndarray
    targets: tuple[str, ...]
    horizon: int
    runs: int
    entropy: int
    common: bool
    races: tuple[tuple[str, str], ...] = ()


def _simulate_set(job: _SetJob, i: int) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, str | None]:
    """Cumulative odds, standard errors and race odds of set ``i``, or the reason it was rejected."""
    from ..engines.montecarlo import simulate

    try:
        m = job.model.with_numbers(p=job.p[i], factors=job.factors[i])
        sim = simulate(m, runs=job.runs, horizon=job.horizon, seed=job.entropy if job.common else seed_of_set(job.entropy, i),
                       targets=job.targets, workers=1, n_sample=0, top_paths=0, races=job.races)
    except ScenarioError as exc:
        return None, None, None, str(exc.problems[0])
    races = np.stack([sim.race(a, b).cumulative() for a, b in job.races]) if job.races else np.zeros((0, 3, job.horizon + 1))
    return sim.cumulative(), np.array([sim.stderr(t) for t in job.targets]), races, None
