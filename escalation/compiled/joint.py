"""The reachable joint states of a compiled model, searched once, only when asked.

The joint space is the product of the ladders, so before anything is enumerated the search
compares an upper bound on its size (:func:`~escalation.compiled.checks.estimate_states`) with
the caller's limit and refuses with both numbers when the bound is over it. Joint states are
coded in mixed radix over each actor's *reachable* rungs only, so the code of any state that
is searched fits in 64 bits whatever the number of actors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import GraphTooLargeError
from ..limits import DEFAULT_MAX_STATES
from .checks import actor_reachable_rungs, estimate_states
from .law import CompiledModel

__all__ = ["DEFAULT_MAX_STATES", "Reachable", "reachable", "too_large_error"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Reachable:
    """The joint states reachable from the start.

    Attributes
    ----------
    states : ndarray of int64, shape (n_states, n_actors)
        Rung positions, breadth-first order; row 0 is the start.
    levels : ndarray of int64, shape (n_states,)
        Crisis level of each state.
    """

    states: np.ndarray
    levels: np.ndarray

    @property
    def n_states(self) -> int:
        """Number of reachable joint states."""
        return int(self.states.shape[0])


def too_large_error(model: CompiledModel, max_states: int) -> GraphTooLargeError:
    """The refusal for a joint chain whose size bound exceeds ``max_states``."""
    est = estimate_states(model)
    return GraphTooLargeError(
        f"scenario {model.scenario.id!r}: the joint chain may have up to {est:,} reachable states "
        f"(the product of the rungs each actor can reach), over the limit of {max_states:,}; "
        "raise it with --max-states (max_states=) or use the Monte Carlo engine, which does not enumerate states"
    )


class _Codes:
    """Mixed-radix codes over each actor's reachable rungs."""

    def __init__(self, model: CompiledModel) -> None:
        self.reach = actor_reachable_rungs(model)
        radix = np.array([len(r) for r in self.reach], dtype=np.int64)
        self.strides = np.ones(model.n_actors, dtype=np.int64)
        for a in range(model.n_actors - 2, -1, -1):
            self.strides[a] = self.strides[a + 1] * radix[a + 1]
        self.index = []  # per actor: rung -> position among its reachable rungs
        for a, rungs in enumerate(self.reach):
            idx = np.full(int(model.sizes[a]), -1, dtype=np.int64)
            idx[rungs] = np.arange(len(rungs))
            self.index.append(idx)

    def encode(self, states: np.ndarray) -> np.ndarray:
        code = np.zeros(len(states), dtype=np.int64)
        for a, idx in enumerate(self.index):
            code += idx[states[:, a]] * self.strides[a]
        return code

    def decode(self, codes: np.ndarray) -> np.ndarray:
        out = np.empty((len(codes), len(self.index)), dtype=np.int64)
        for a, rungs in enumerate(self.reach):
            out[:, a] = rungs[(codes // self.strides[a]) % len(rungs)]
        return out


def _successors(model: CompiledModel, codes: _Codes, states: np.ndarray) -> np.ndarray:
    """Codes of the one-day successors of ``states``: every move that can happen, or staying."""
    model.rows(states)  # raises where an actor's probabilities add up to more than 1
    moves = model.possible_moves(states)
    n = len(states)
    src = np.arange(n)
    code = codes.encode(states)
    for a in range(model.n_actors):
        possible = np.zeros((n, int(model.sizes[a])), dtype=bool)
        for k in np.flatnonzero(model.move_actor == a):
            possible[:, model.move_to[k]] |= moves[:, k]
        # Staying is always a successor, even where the moves add up to exactly 1: the set of
        # states then depends only on which numbers are zero, like the exact engine's plan,
        # which keeps a stay entry in every row (with value 0 there).
        possible[np.arange(n), states[:, a]] = True
        nz_i, nz_r = np.nonzero(possible)  # sorted by state
        counts = np.bincount(nz_i, minlength=n)
        starts = np.cumsum(counts) - counts
        rep = counts[src]
        entry = np.repeat(np.arange(src.size), rep)
        offset = np.arange(entry.size) - np.repeat(np.cumsum(rep) - rep, rep)
        dest = nz_r[starts[src[entry]] + offset]
        src = src[entry]
        code = code[entry] + (codes.index[a][dest] - codes.index[a][states[src, a]]) * codes.strides[a]
    return code


def reachable(model: CompiledModel, *, max_states: int = DEFAULT_MAX_STATES, batch: int = 20_000) -> Reachable:
    """Enumerate the joint states reachable from the start, breadth first (cached per numbers' support).

    Parameters
    ----------
    model : CompiledModel
    max_states : int, optional
        Refuse when the size bound exceeds this, before anything is enumerated.
    batch : int, optional
        Frontier states expanded at once (bounds memory).

    Returns
    -------
    Reachable

    Raises
    ------
    GraphTooLargeError
        When the bound exceeds ``max_states``, with the bound and the limit.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.
    """
    if estimate_states(model) > max_states:
        raise too_large_error(model, max_states)
    key = ("reachable", (model.move_p > 0).tobytes(), (model.factor > 0).tobytes())
    found = model.cache.get(key)
    if found is not None:
        return found
    codes = _Codes(model)
    start = codes.encode(model.start[None, :])
    order = [start]
    known = start.copy()
    frontier = start
    while frontier.size:
        found_new = []
        for lo in range(0, frontier.size, batch):
            succ = np.unique(_successors(model, codes, codes.decode(frontier[lo:lo + batch])))
            new = succ[~np.isin(succ, known, assume_unique=True)]
            if new.size:
                known = np.union1d(known, new)
                found_new.append(new)
        frontier = np.unique(np.concatenate(found_new)) if found_new else np.zeros(0, dtype=np.int64)
        if frontier.size:
            order.append(frontier)
    states = codes.decode(np.concatenate(order))
    levels = model.crisis_level(states)
    states.flags.writeable = False
    levels.flags.writeable = False
    result = Reachable(states=states, levels=levels)
    model.cache[key] = result
    return result
