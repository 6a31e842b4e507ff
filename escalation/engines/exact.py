"""The exact engine: first-passage odds and crisis levels by propagating the distribution.

For each target the states where it holds are made absorbing and the distribution over the
reachable joint states is propagated day by day; the mass that enters the target on day ``d``
is the probability that it first holds on day ``d``. The absorbing sets and the unabsorbed
chain (for the crisis level, and the targets never left once they hold) are the columns of
one block (:func:`columns`), and a day is one pass through the
stage plan (:mod:`escalation.engines.stages`): one sparse stage per actor, whose values come
from the model's numbers by one gather. The plan is cached on the compiled model, so a
re-parameterised solve (:meth:`~escalation.compiled.CompiledModel.with_numbers`) costs the
propagation only. Infinite-horizon odds come from a sparse solve on the joint matrix
(:func:`eventual_odds`), on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, N_LEVELS, CompiledModel, Reachable, compile_model, estimate_states, reachable
from ..errors import EscalationError
from ..limits import available_cores, check_horizon
from ..scenario import Scenario
from .odds import Odds, Race, check_races
from .stages import Plan, plan

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["BATCH", "Columns", "ExactOdds", "columns", "eventual_odds", "exact_odds", "exact_odds_many",
           "propagate_sets"]


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class ExactOdds(Odds):
    """Exact odds: the common :class:`~escalation.engines.odds.Odds` plus the chain they came from.

    Attributes
    ----------
    n_states : int
        Reachable joint states.
    model : CompiledModel
        The model (with the numbers) the odds were computed from.
    """

    n_states: int
    model: CompiledModel = field(repr=False)
    _eventual: dict[str, float] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (f"<ExactOdds {self.scenario_id}: {len(self.targets)} targets, horizon {self.horizon} days, "
                f"{self.n_states:,} joint states>")

    def eventual(self, name: str) -> float:
        """Probability that ``name`` ever holds (no horizon), by a sparse linear solve.

        Computed on first use and cached; see :func:`eventual_odds`.
        """
        self._row(name)
        if name not in self._eventual:
            from ..graph import compile_graph

            # The chain was enumerated for these odds (and is cached): no limit to apply again.
            g = compile_graph(self.model, max_states=estimate_states(self.model))
            self._eventual[name] = float(eventual_odds(g.matrix, g.target_mask(name))[0])
        return self._eventual[name]


def _can_reach(matrix: "sp.csr_array", mask: np.ndarray) -> np.ndarray:
    """States from which some state in ``mask`` is reachable (``mask`` included)."""
    reach = mask.copy()
    adjacency = (matrix > 0).astype(np.float64)
    while True:
        grown = reach | (adjacency @ reach.astype(np.float64) > 0)
        if (grown == reach).all():
            return reach
        reach = grown


#: Largest system the exact fallback (GTH state reduction, dense, O(n^3)) is used for.
GTH_MAX_STATES = 3000


def _absorb_gth(q: np.ndarray, one: np.ndarray, zero: np.ndarray) -> np.ndarray:
    """Absorption probabilities by state reduction with additions only (Grassmann-Taqqu-Heyman).

    ``q`` holds the transitions among transient states (its diagonal is ignored), ``one`` and
    ``zero`` the probabilities of moving to states worth 1 and 0. Eliminating a state
    redistributes its inflow over its outflow normalised by the *sum* of its outflows, so
    no difference of nearly equal numbers is ever formed: tiny hazards stay exact.
    """
    m = len(one)
    work = np.zeros((m, m + 2))
    work[:, :m] = q
    np.fill_diagonal(work[:, :m], 0.0)
    work[:, m], work[:, m + 1] = one, zero
    saved: list[tuple[np.ndarray, float, float]] = []
    for k in range(m - 1, -1, -1):
        row = work[k, : k].copy()
        out = row.sum() + work[k, m] + work[k, m + 1]
        saved.append((row, float(work[k, m]), float(out)))
        if k and out > 0:
            into = work[:k, k] / out
            work[:k, :k] += np.outer(into, row)
            work[:k, m] += into * work[k, m]
            work[:k, m + 1] += into * work[k, m + 1]
    h = np.zeros(m)
    for k, (row, to_one, out) in enumerate(reversed(saved)):
        h[k] = (to_one + row @ h[:k]) / out if out > 0 else 0.0
    return h


def eventual_odds(matrix: "sp.csr_array", mask: np.ndarray) -> np.ndarray:
    """Probability of ever entering ``mask`` from each state.

    Parameters
    ----------
    matrix : scipy.sparse.csr_array, shape (n_states, n_states)
        The row-stochastic one-day matrix (:attr:`escalation.graph.CompiledGraph.matrix`).
    mask : ndarray of bool, shape (n_states,)

    Returns
    -------
    ndarray, shape (n_states,)
        1 on ``mask``; 0 where ``mask`` is unreachable; exactly 1 where every path stays
        among states that can still reach ``mask`` (a finite chain then enters it with
        probability 1); elsewhere the fundamental-matrix absorption probabilities, the
        solution of ``(I - Q) h = R 1`` on the remaining states.

    Notes
    -----
    The diagonal of ``I - Q`` is each state's probability of leaving, summed from its
    off-diagonal entries rather than computed as ``1 - P_ii``, which rounds tiny hazards to
    0. The system is solved with a sparse LU; when it is still numerically singular (tiny
    hazards competing with fast cycling), chains up to :data:`GTH_MAX_STATES` states are
    solved by GTH state reduction instead, which needs no subtraction.
    """
    import warnings

    import scipy.sparse as sp
    import scipy.sparse.linalg as spla  # only here: it is slow to import

    p = matrix
    h = mask.astype(np.float64)
    reach = _can_reach(p, mask)
    may_escape = _can_reach(p, ~reach) if (~reach).any() else np.zeros_like(reach)
    h[reach & ~mask & ~may_escape] = 1.0
    unknown = reach & ~mask & may_escape
    if unknown.any():
        idx = np.flatnonzero(unknown)
        off = (p - sp.diags_array(p.diagonal())).tocsr()
        off.eliminate_zeros()
        rows = off[idx]
        leave = np.asarray(rows.sum(axis=1), dtype=np.float64).ravel()
        worth_one = np.flatnonzero(h == 1.0)  # the target and the states certain to reach it
        r = np.asarray(rows[:, worth_one].sum(axis=1), dtype=np.float64).ravel()
        q = rows[:, idx]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", spla.MatrixRankWarning)
                solved = spla.spsolve((sp.diags_array(leave) - q).tocsc(), r) if idx.size > 1 else r / leave
            if not np.isfinite(solved).all():
                raise spla.MatrixRankWarning("non-finite solution")
        except spla.MatrixRankWarning:
            if idx.size > GTH_MAX_STATES:
                raise EscalationError(
                    f"infinite-horizon odds: the absorption system on {idx.size:,} states is numerically "
                    f"singular (hazards differ by more than the float range) and too large for the exact "
                    f"fallback (at most {GTH_MAX_STATES:,}); use the odds by the horizon instead"
                ) from None
            to_zero = np.asarray(rows[:, np.flatnonzero(~reach)].sum(axis=1), dtype=np.float64).ravel()
            solved = _absorb_gth(q.toarray(), r, to_zero)
        h[idx] = solved
    return np.clip(h, 0.0, 1.0)



def exact_odds(
    scenario: Scenario | CompiledModel,
    *,
    horizon: int | None = None,
    targets: Sequence[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    races: Sequence[tuple[str, str]] = (),
) -> ExactOdds:
    """Exact odds that each target first holds on or before each day.

    Parameters
    ----------
    scenario : Scenario or CompiledModel
        A compiled model is solved with its own numbers: with
        :meth:`~escalation.compiled.CompiledModel.with_numbers` this re-solves in a fraction
        of the first call's time (the plan is reused).
    horizon : int, optional
        Days to compute; default the scenario's horizon.
    targets : sequence of str, optional
        Target names; default all.
    max_states : int, optional
        Refuse when the reachable chain may be larger (see
        :func:`~escalation.compiled.reachable`).
    races : sequence of (str, str), optional
        Pairs of targets (any of the scenario's) whose race to compute: which holds first
        (:meth:`~escalation.engines.odds.Odds.race`).

    Returns
    -------
    ExactOdds

    Raises
    ------
    GraphTooLargeError
        When the chain may exceed ``max_states`` states, with the estimate and the limit.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.

    Notes
    -----
    With ``P`` the one-day matrix and ``T_j`` the states where target ``j`` holds, let
    ``v_0 = e_start`` minus its mass on ``T_j``. Then ``v_d = (v_{d-1} P)`` restricted to the
    complement of ``T_j``, and the mass ``v_{d-1} P`` puts on ``T_j`` is the probability of
    a first hit on day ``d``. ``v P`` is computed as ``v S_1 S_2 ... S_A``, one stage per
    actor (:mod:`escalation.engines.stages`). A race between targets ``A`` and ``B`` is one
    more column absorbing in ``A | B``, read three ways: the mass that enters ``A & ~B``,
    ``B & ~A`` and ``A & B``. A target that no transition leaves once it holds is read from
    the unabsorbed chain, as the mass on ``T_j``.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> r = exact_odds(load_scenario("tutorial"), horizon=60)
    >>> round(r.probability("blue_strikes"), 5)
    0.27726
    """
    model = scenario if isinstance(scenario, CompiledModel) else compile_model(scenario)
    h = check_horizon(model.scenario.horizon if horizon is None else horizon)
    names = model.select_targets(targets)
    race_pairs = check_races(model.scenario, races)
    reach = reachable(model, max_states=max_states)
    stages = plan(model, reach)
    setup = columns(model, reach, stages, names, race_pairs)
    cumulative, level_dist = propagate_sets(stages, stages.values(model)[:, None], setup, h)
    cumulative, level_dist = cumulative[0], level_dist[0]
    return _odds(model, names, race_pairs, h, cumulative, level_dist, reach.n_states)


def _odds(model: CompiledModel, names: tuple[str, ...], race_pairs: tuple[tuple[str, str], ...], h: int,
          cumulative: np.ndarray, level_dist: np.ndarray, n_states: int) -> ExactOdds:
    k = len(names)
    for arr in (cumulative, level_dist):
        arr.flags.writeable = False
    race_odds = {pair: Race(first=pair[0], second=pair[1], horizon=h, _cumulative=cumulative[k + 3 * i: k + 3 * i + 3])
                 for i, pair in enumerate(race_pairs)}
    return ExactOdds(scenario_id=model.scenario.id, targets=names, horizon=h, _cumulative=cumulative[:k],
                     _levels=level_dist, _races=race_odds, n_states=n_states, model=model)


@dataclass(frozen=True, slots=True, eq=False)
class Columns:
    """What the kernel needs besides the values: its columns, what each output reads, day 0.

    Built by :func:`columns`. The requested outputs are the targets in order, then three per
    race (first wins, second wins, tie); the kernel computes each distinct one once. The
    buffer's columns are one per absorbing set (a target's states, or either side of a race),
    then the unabsorbed chain, which gives the crisis levels and the odds of every target that
    is never left once it holds. The outputs reading an absorbing column split its states
    between them, so each output drops the mass it reads.

    Attributes
    ----------
    read_ptr, read_states, read_col : ndarray of int64
        Kernel output ``j`` sums column ``read_col[j]`` over
        ``read_states[read_ptr[j]:read_ptr[j + 1]]``.
    output : ndarray of int64, shape (n_requested,)
        The kernel output of each requested output.
    v0 : ndarray, shape (n_states, n_columns)
        Day 0 per column (mass absorbed at day 0 removed).
    day0 : ndarray, shape (n_outputs,)
        Each kernel output's cumulative odds at day 0.
    level_ptr, level_states : ndarray of int64
        The states at crisis level ``L`` are ``level_states[level_ptr[L]:level_ptr[L + 1]]``.
    """

    read_ptr: np.ndarray
    read_states: np.ndarray
    read_col: np.ndarray
    output: np.ndarray
    v0: np.ndarray
    day0: np.ndarray
    level_ptr: np.ndarray
    level_states: np.ndarray

    def counted(self, j: int) -> np.ndarray:
        """The states requested output ``j`` counts (a target's states where it holds)."""
        o = int(self.output[j])
        return self.read_states[self.read_ptr[o]:self.read_ptr[o + 1]]


def columns(model: CompiledModel, reach: Reachable, stages: Plan, names: Sequence[str],
            race_pairs: Sequence[tuple[str, str]]) -> Columns:
    """The kernel's columns for targets ``names`` and races ``race_pairs`` on the reachable states.

    A target that no nonzero of the plan leaves (:meth:`Plan.closed`) needs no column of its
    own: it first holds by day ``d`` exactly when the chain is in it on day ``d`` (unless it
    holds at the start: then its odds are 1 throughout). Targets with the same states share
    a column and an output, and so do identical races. Cached on the model with the plan.
    """
    key = ("columns", stages._key, tuple(names), tuple(race_pairs))
    found = model.cache.get(key)
    if found is None:
        found = model.cache[key] = _columns(model, reach, stages, names, race_pairs)
    return found


def _columns(model: CompiledModel, reach: Reachable, stages: Plan, names: Sequence[str],
             race_pairs: Sequence[tuple[str, str]]) -> Columns:
    n = reach.n_states
    holds = dict(zip(model.target_names, model.targets_hold(reach.states)))
    absorbing: dict[tuple, tuple[int, np.ndarray]] = {}  # by its readers' states: (column, its states)
    kernel_outputs: dict[tuple, tuple[int, np.ndarray]] = {}  # (column, counted states) -> (row, states)
    output = []

    def read(column: int, counted: np.ndarray) -> None:
        row = kernel_outputs.setdefault((column, counted.tobytes()), (len(kernel_outputs), counted))[0]
        output.append(row)

    def column(readers: tuple[np.ndarray, ...]) -> int:
        mask = np.logical_or.reduce(readers)
        return absorbing.setdefault(tuple(r.tobytes() for r in readers), (len(absorbing), mask))[0]

    for t in names:  # a target held at the start keeps its (empty) column: its odds stay exactly 1
        read(-1 if not holds[t][0] and stages.closed(holds[t]) else column((holds[t],)), holds[t])
    for a, b in race_pairs:
        parts = (holds[a] & ~holds[b], holds[b] & ~holds[a], holds[a] & holds[b])
        c = column(parts)
        for part in parts:
            read(c, part)
    width = len(absorbing) + 1
    v0 = np.zeros((n, width))
    v0[0, :] = 1.0
    v0[0, :-1] = [not mask[0] for _, mask in absorbing.values()]
    counted = [states for _, states in kernel_outputs.values()]
    levels = np.asarray(reach.levels, dtype=np.int64)
    result = Columns(
        read_ptr=np.concatenate([[0], np.cumsum([int(m.sum()) for m in counted])]).astype(np.int64),
        read_states=np.concatenate([np.flatnonzero(m) for m in counted] + [np.zeros(0, np.int64)]).astype(np.int64),
        read_col=np.array([width - 1 if c < 0 else c for c, _ in kernel_outputs], dtype=np.int64),
        output=np.array(output, dtype=np.int64), v0=v0,
        day0=np.array([float(m[0]) for m in counted]),
        level_ptr=np.concatenate([[0], np.cumsum(np.bincount(levels, minlength=N_LEVELS))]).astype(np.int64),
        level_states=np.argsort(levels, kind="stable").astype(np.int64),
    )
    for arr in (result.read_ptr, result.read_states, result.read_col, result.output, result.v0, result.day0,
                result.level_ptr, result.level_states):
        arr.flags.writeable = False
    return result


def propagate_sets(stages: Plan, values: np.ndarray, setup: Columns, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative odds ``(n_sets, n_requested, h + 1)`` and levels ``(n_sets, h + 1, 11)`` by the kernel.

    ``values`` has shape ``(nnz, n_sets)``: the stage values (:meth:`Plan.values`) of each
    parameter set, one column per set.
    """
    from .propagate import propagate

    n_sets = values.shape[1]
    cumulative = np.zeros((n_sets, setup.day0.size, h + 1))
    cumulative[:, :, 0] = setup.day0
    level_dist = np.zeros((n_sets, h + 1, N_LEVELS))
    at = stages.dst * (setup.v0.shape[1] * n_sets)  # where each nonzero's output row starts in the buffer
    propagate(stages.rows, stages.push_offset, stages.push_ptr, at, values[stages.push].ravel(), setup.v0,
              setup.read_ptr, setup.read_states, setup.read_col, setup.level_ptr, setup.level_states, cumulative,
              level_dist)
    np.clip(cumulative, 0.0, 1.0, out=cumulative)
    return cumulative[:, setup.output], level_dist


#: Parameter sets propagated together by :func:`exact_odds_many` (they share the walk over the plan).
BATCH = 16


def exact_odds_many(
    models: Sequence[CompiledModel],
    *,
    horizon: int | None = None,
    targets: Sequence[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    races: Sequence[tuple[str, str]] = (),
    workers: int | None = None,
) -> list[ExactOdds]:
    """Exact odds under many parameter sets of one structure, much faster than one by one.

    Parameters
    ----------
    models : sequence of CompiledModel
        Re-parameterisations of one compiled model (:meth:`CompiledModel.with_numbers`), so
        they share its plan; the numbers may differ in which are zero only if the plan is
        the same (a zero probability changes the reachable states: such a model is solved
        on its own).
    horizon, targets, max_states, races
        As for :func:`exact_odds`.
    workers : int, optional
        Threads (the kernel releases the GIL); default every available core. The result
        does not depend on it.

    Returns
    -------
    list of ExactOdds
        One per model, in order; each equal to ``exact_odds(model, ...)``
        (the same sums, in the same order: equal to the bit).

    Notes
    -----
    Models are propagated :data:`BATCH` at a time: the kernel walks the plan's sparse indices
    once per day for the whole batch, so the cost per solve falls several-fold.

    Examples
    --------
    >>> from escalation import compile_model, load_scenario
    >>> m = compile_model(load_scenario("tutorial"))
    >>> sweep = exact_odds_many([m.with_numbers(p=m.move_p * f) for f in (0.5, 1.0)], horizon=60)
    >>> round(sweep[1].probability("blue_strikes"), 5) == round(exact_odds(m, horizon=60).probability("blue_strikes"), 5)
    True
    """
    from concurrent.futures import ThreadPoolExecutor


    if not models:
        return []
    first = models[0]
    if any(m.cache is not first.cache for m in models):
        raise ValueError("exact_odds_many: every model must be a with_numbers() variant of one compiled model")
    h = check_horizon(first.scenario.horizon if horizon is None else horizon)
    names = first.select_targets(targets)
    race_pairs = check_races(first.scenario, races)
    out: list[ExactOdds | None] = [None] * len(models)
    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(models):  # models that share a plan go through the kernel together
        groups.setdefault(((m.move_p > 0).tobytes(), (m.factor > 0).tobytes()), []).append(i)
    jobs = []
    for idx in groups.values():
        reach = reachable(models[idx[0]], max_states=max_states)
        stages = plan(models[idx[0]], reach)
        setup = columns(models[idx[0]], reach, stages, names, race_pairs)
        for lo in range(0, len(idx), BATCH):
            jobs.append((idx[lo:lo + BATCH], reach, stages, setup))

    def solve(job: tuple) -> None:
        idx, reach, stages, setup = job
        values = np.stack([stages.values(models[i]) for i in idx], axis=1)
        cumulative, level_dist = propagate_sets(stages, values, setup, h)
        for j, i in enumerate(idx):
            out[i] = _odds(models[i], names, race_pairs, h, cumulative[j], level_dist[j], reach.n_states)

    n_threads = min(len(jobs), available_cores() if workers is None else int(workers))
    if n_threads <= 1:
        for job in jobs:
            solve(job)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(solve, jobs))
    return out  # type: ignore[return-value]
