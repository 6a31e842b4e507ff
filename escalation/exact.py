"""Exact first-passage odds and crisis-level distributions on the compiled chain.

For each target the states where it holds are made absorbing and the distribution over
joint states is propagated day by day with sparse products; the mass that enters the target
on day ``d`` is the probability that the target first holds on day ``d``. All targets and the
unabsorbed chain (for the crisis level) are propagated together as the columns of one dense
block, so a day costs one sparse-times-dense product: a SciPy call per day, or all days in
one call of a compiled kernel (:mod:`escalation._propagate`) where the work pays for loading
numba (see ``kernel`` in :func:`exact_odds`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from .dynamics import DEFAULT_MAX_STATES
from .errors import EscalationError
from .graph import CompiledGraph, compile_graph
from .scenario import MAX_LEVEL, Scenario

__all__ = ["AUTO_COMPILED_MIN_WORK", "ExactOdds", "compiled_work", "exact_odds", "eventual_odds", "select_targets"]

N_LEVELS = MAX_LEVEL + 1


def select_targets(scenario: Scenario, targets: Sequence[str] | None) -> tuple[str, ...]:
    """Validate a selection of target names (all targets when None), keeping file order.

    Raises
    ------
    KeyError
        Naming the unknown target and the known ones.
    """
    if targets is None:
        return scenario.target_names
    for name in targets:
        scenario.target(name)
    wanted = set(targets)
    return tuple(t for t in scenario.target_names if t in wanted)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class ExactOdds:
    """Exact first-passage odds of a scenario's targets.

    Attributes
    ----------
    scenario_id : str
    targets : tuple of str
        Target names, in the order of the rows below.
    horizon : int
        Last day computed.
    cumulative : ndarray, shape (n_targets, horizon + 1)
        ``cumulative[j, d]``: probability that target ``j`` first holds on or before day
        ``d`` (day 0 is the as-of date). Non-decreasing in ``d``.
    level_distribution : ndarray, shape (horizon + 1, 11)
        Probability of each crisis level 0-10 on each day (no absorption).
    n_states : int
        Size of the reachable chain.
    graph : CompiledGraph
        The chain the odds were computed on.
    kernel : {'scipy', 'numba'}
        Which implementation propagated the days (see :func:`exact_odds`).
    """

    scenario_id: str
    targets: tuple[str, ...]
    horizon: int
    cumulative: np.ndarray
    level_distribution: np.ndarray
    n_states: int
    graph: CompiledGraph = field(repr=False)
    kernel: str = "scipy"
    _eventual: dict[str, float] = field(default_factory=dict, repr=False)

    def eventual(self, name: str) -> float:
        """Probability that ``name`` ever holds (no horizon), by a sparse linear solve.

        Computed on first use and cached; see :func:`eventual_odds`.
        """
        self._row(name)
        if name not in self._eventual:
            self._eventual[name] = float(eventual_odds(self.graph, self.graph.target_mask(name))[0])
        return self._eventual[name]

    def __repr__(self) -> str:
        return (f"<ExactOdds {self.scenario_id}: {len(self.targets)} targets, horizon {self.horizon} days, "
                f"{self.n_states:,} joint states>")

    def _row(self, name: str) -> int:
        try:
            return self.targets.index(name)
        except ValueError:
            raise KeyError(f"unknown target {name!r}; computed: {', '.join(self.targets)}") from None

    def probability(self, name: str, day: int | None = None) -> float:
        """Probability that ``name`` first holds on or before ``day`` (default: the horizon)."""
        d = self.horizon if day is None else day
        if not 0 <= d <= self.horizon:
            raise ValueError(f"day must be in [0, {self.horizon}], found {d}")
        return float(self.cumulative[self._row(name), d])

    def first_day_pmf(self, name: str) -> np.ndarray:
        """Probability that ``name`` first holds on each day; shape ``(horizon + 1,)``."""
        c = self.cumulative[self._row(name)]
        return np.diff(c, prepend=0.0)

    def expected_first_day(self, name: str) -> float:
        """Mean first day given that ``name`` holds by the horizon (NaN if it cannot)."""
        pmf = self.first_day_pmf(name)
        total = pmf.sum()
        return float(np.arange(pmf.size) @ pmf / total) if total > 0 else math.nan

    def first_day_quantile(self, name: str, q: float) -> float:
        """The ``q`` quantile of the first day given a hit by the horizon (NaN if none)."""
        c = self.cumulative[self._row(name)]
        total = c[-1]
        if total <= 0:
            return math.nan
        return float(np.searchsorted(c / total, q - 1e-12))

    def expected_level(self) -> np.ndarray:
        """Mean crisis level per day; shape ``(horizon + 1,)``."""
        return self.level_distribution @ np.arange(N_LEVELS)


def _can_reach(matrix: sp.csr_array, mask: np.ndarray) -> np.ndarray:
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


def eventual_odds(graph: CompiledGraph, mask: np.ndarray) -> np.ndarray:
    """Probability of ever entering ``mask`` from each state.

    Parameters
    ----------
    graph : CompiledGraph
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

    import scipy.sparse.linalg as spla  # only here: it is slow to import

    p = graph.matrix
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


#: ``kernel='auto'`` uses the compiled propagation from this much work (nonzeros of the chain
#: x columns x days); below it SciPy finishes before numba would have loaded (0.7-1.2 s per
#: process to import numba and load the cached kernel, against about 0.6 ns a unit for SciPy).
AUTO_COMPILED_MIN_WORK = 1_000_000_000

Kernel = Literal["auto", "numba", "scipy"]


def compiled_work(graph: CompiledGraph, n_targets: int, horizon: int) -> int:
    """The work :func:`exact_odds` counts to choose its kernel: nonzeros x columns x days."""
    return graph.n_edges * (n_targets + 1) * horizon


def _propagate_scipy(graph: CompiledGraph, masks: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """The day-by-day products, one SciPy sparse-times-dense product per day."""
    n, k = masks.shape
    keep = np.concatenate([~masks, np.ones((n, 1), dtype=bool)], axis=1)
    hit_weight = np.concatenate([masks, np.zeros((n, 1), dtype=bool)], axis=1).astype(np.float64)
    pt = graph.matrix.T.tocsr()
    v = np.zeros((n, k + 1))
    v[0, :] = 1.0
    cumulative = np.zeros((k, h + 1))
    cumulative[:, 0] = masks[0].astype(np.float64)
    v *= keep
    free = np.zeros((h + 1, n))  # the unabsorbed distribution, day by day
    free[0] = v[:, k]
    running = cumulative[:, 0].copy()
    for d in range(1, h + 1):
        w = pt @ v
        running += np.einsum("ij,ij->j", w, hit_weight)[:k]
        cumulative[:, d] = running
        np.multiply(w, keep, out=w)
        v = w
        free[d] = w[:, k]
    # Crisis-level distribution for all days at once: sum the states of each level.
    level_dist = np.zeros((h + 1, N_LEVELS))
    np.add.at(level_dist.T, graph.levels, free.T)
    np.clip(cumulative, 0.0, 1.0, out=cumulative)
    return cumulative, level_dist


def _propagate_compiled(graph: CompiledGraph, masks: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """The same products in one call of the compiled kernel (:mod:`escalation._propagate`)."""
    from ._propagate import propagate

    n, k = masks.shape
    pt = graph.matrix.T.tocsr()
    which, target_states = np.nonzero(masks.T)  # target-major: states of target 0, then 1, ...
    target_ptr = np.searchsorted(which, np.arange(k + 1)).astype(np.int64)
    cumulative = np.zeros((k, h + 1))
    level_dist = np.zeros((h + 1, N_LEVELS))
    width = -(-(k + 1) // 4) * 4
    propagate(pt.indptr, pt.indices, pt.data, target_ptr, target_states.astype(np.int64),
              np.ascontiguousarray(graph.levels, dtype=np.int64), width, cumulative, level_dist)
    return cumulative, level_dist


def exact_odds(
    scenario: Scenario,
    *,
    horizon: int | None = None,
    targets: Sequence[str] | None = None,
    graph: CompiledGraph | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    kernel: Kernel = "auto",
) -> ExactOdds:
    """Exact odds that each target first holds on or before each day.

    Parameters
    ----------
    scenario : Scenario
    horizon : int, optional
        Days to compute; default the scenario's horizon.
    targets : sequence of str, optional
        Target names; default all.
    graph : CompiledGraph, optional
        Reuse a compiled chain.
    max_states : int, optional
        Limit passed to :func:`~escalation.graph.compile_graph`.
    kernel : {'auto', 'numba', 'scipy'}, optional
        How the days are propagated: one SciPy sparse product per day, or all days in one
        call of a compiled (numba) kernel, about 5 times faster once loaded but 0.7-1.2 s to
        load in a fresh process. ``auto`` compiles from :data:`AUTO_COMPILED_MIN_WORK` (see
        :func:`compiled_work`). Both compute the same sums in a different order: they agree
        to rounding (about 1e-15).

    Returns
    -------
    ExactOdds

    Raises
    ------
    GraphTooLargeError
        When the reachable chain is larger than ``max_states``.

    Notes
    -----
    With ``P`` the one-day matrix and ``T_j`` the states where target ``j`` holds, let
    ``v_0 = e_start`` minus its mass on ``T_j``. Then ``v_d = (v_{d-1} P)`` restricted to the
    complement of ``T_j``, and the mass ``v_{d-1} P`` puts on ``T_j`` is the probability
    of a first hit on day ``d``. The infinite-horizon odds, :meth:`ExactOdds.eventual`, come
    from :func:`eventual_odds` on request.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> r = exact_odds(load_scenario("tutorial"), horizon=60)
    >>> round(r.probability("blue_strikes"), 5)
    0.27726
    """
    h = scenario.horizon if horizon is None else int(horizon)
    if h < 0:
        raise ValueError(f"horizon must be >= 0 days, found {h}")
    if kernel not in ("auto", "numba", "scipy"):
        raise ValueError(f"kernel must be one of auto, numba, scipy; found {kernel!r}")
    names = select_targets(scenario, targets)
    g = compile_graph(scenario, max_states=max_states) if graph is None else graph
    n, k = g.n_states, len(names)
    masks = np.stack([g.target_mask(t) for t in names], axis=1) if k else np.zeros((n, 0), dtype=bool)
    compiled = kernel == "numba" or (kernel == "auto" and compiled_work(g, k, h) >= AUTO_COMPILED_MIN_WORK)
    cumulative, level_dist = (_propagate_compiled if compiled else _propagate_scipy)(g, masks, h)
    for arr in (cumulative, level_dist):
        arr.flags.writeable = False
    return ExactOdds(
        scenario_id=scenario.id, targets=names, horizon=h, cumulative=cumulative,
        level_distribution=level_dist, n_states=n, graph=g, kernel="numba" if compiled else "scipy",
    )
