"""The one-day transition law of a scenario, compiled to arrays, and the reachable-state search.

:class:`Dynamics` evaluates, for an integer array of joint states of shape
``(n, n_actors)``, every actor's distribution over its next rung. The loader uses it to check
that outgoing probabilities never add up to more than 1 in a reachable state, the graph
compiler to enumerate the reachable chain (:func:`explore`), and the Monte Carlo engine to walk
the factored model without ever building the joint chain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .conditions import compile_condition
from .errors import GraphTooLargeError, Problem, ScenarioError
from .scenario import Scenario, modifier_applies

__all__ = ["Dynamics", "Exploration", "explore", "DEFAULT_MAX_STATES", "SUM_TOLERANCE"]

#: Default limit on the number of reachable joint states that may be enumerated.
DEFAULT_MAX_STATES = 2_000_000
#: Outgoing probabilities may exceed 1 by this much (rounding), and are then clipped.
SUM_TOLERANCE = 1e-9


class Dynamics:
    """A scenario's daily transition law in array form.

    Parameters
    ----------
    scenario : Scenario
        The scenario to compile. Only names are resolved here; nothing is enumerated.

    Attributes
    ----------
    sizes : tuple of int
        Ladder length per actor.
    levels : list of ndarray
        Per actor, the level of each rung, shape ``(ladder length,)``.
    party : ndarray of bool, shape (n_actors,)
        Which actors count toward the crisis level.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        actors = scenario.actors
        self.n_actors = len(actors)
        self.sizes = tuple(len(a.ladder) for a in actors)
        self.actor_index = {a.id: i for i, a in enumerate(actors)}
        self.rung_index = {a.id: {r.id: j for j, r in enumerate(a.ladder)} for a in actors}
        strides = [1] * self.n_actors
        for i in range(self.n_actors - 2, -1, -1):
            strides[i] = strides[i + 1] * self.sizes[i + 1]
        self.strides = np.array(strides, dtype=np.int64)
        self.levels = [np.array([r.level for r in a.ladder], dtype=np.int64) for a in actors]
        self.party = np.array([a.kind == "party" for a in actors])
        self.start = np.array(scenario.start_state, dtype=np.int64)

        # Distinct conditions are evaluated once per batch of states; column -1 is "always".
        texts: dict[str, int] = {}
        self._conditions = []

        def cond_index(expr_text: str | None, expr: object) -> int:
            if expr_text is None:
                return -1
            key = str(expr)
            if key not in texts:
                texts[key] = len(self._conditions)
                self._conditions.append(compile_condition(expr, self.actor_index, self.rung_index))  # type: ignore[arg-type]
            return texts[key]

        moves = scenario.moves
        self.n_moves = len(moves)
        self.move_actor = np.array([self.actor_index[m.actor] for m in moves], dtype=np.int64)
        self.move_from = np.array([self.rung_index[m.actor][m.from_] for m in moves], dtype=np.int64)
        self.move_to = np.array([self.rung_index[m.actor][m.to] for m in moves], dtype=np.int64)
        self.move_p = np.array([m.p for m in moves], dtype=np.float64)
        self.move_cond = np.array([cond_index(m.when, m.condition) for m in moves], dtype=np.int64)
        escalating = [self.move_to[i] > self.move_from[i] for i in range(self.n_moves)]
        self._modifiers: list[tuple[int, float, np.ndarray]] = []
        for mod in scenario.modifiers:
            sel = np.array([i for i, m in enumerate(moves) if modifier_applies(mod, m, bool(escalating[i]))], dtype=np.int64)
            if sel.size:
                self._modifiers.append((cond_index(mod.when, mod.condition), mod.factor, sel))
        self._targets = [compile_condition(t.condition, self.actor_index, self.rung_index) for t in scenario.targets]
        self._actor_moves = [np.flatnonzero(self.move_actor == a) for a in range(self.n_actors)]

    # --- encoding ----------------------------------------------------------------------------
    def encode(self, states: np.ndarray) -> np.ndarray:
        """Mixed-radix integer code of each joint state; shape ``(n,)`` int64."""
        return np.asarray(states, dtype=np.int64) @ self.strides

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Joint states of shape ``(n, n_actors)`` from their codes."""
        codes = np.asarray(codes, dtype=np.int64)
        return (codes[:, None] // self.strides[None, :]) % np.array(self.sizes, dtype=np.int64)[None, :]

    def describe_state(self, state: Sequence[int]) -> str:
        """``US=maritime_strikes, VEN=alert`` for one joint state."""
        return ", ".join(f"{a.id}={a.ladder[int(r)].id}" for a, r in zip(self.scenario.actors, state))

    # --- evaluation --------------------------------------------------------------------------
    def crisis_level(self, states: np.ndarray) -> np.ndarray:
        """Highest level among the parties in each state; shape ``(n,)`` int64 (0 with no parties)."""
        out = np.zeros(len(states), dtype=np.int64)
        for a in np.flatnonzero(self.party):
            np.maximum(out, self.levels[a][states[:, a]], out=out)
        return out

    def targets_hold(self, states: np.ndarray, which: Sequence[int] | None = None) -> np.ndarray:
        """Truth of the targets in each state; shape ``(n_targets, n)`` bool."""
        idx = range(len(self._targets)) if which is None else which
        if not len(idx):
            return np.zeros((0, len(states)), dtype=bool)
        return np.stack([self._targets[i](states) for i in idx])

    def move_probabilities(self, states: np.ndarray) -> np.ndarray:
        """Daily probability of every move in every state (0 where it does not apply).

        Returns
        -------
        ndarray, shape (n, n_moves)
            Base probability where the actor stands on the move's ``from`` rung and its
            condition holds, times the factors of the modifiers that hold.
        """
        states = np.asarray(states, dtype=np.int64)
        n = len(states)
        if self.n_moves == 0:
            return np.zeros((n, 0))
        conds = np.ones((n, len(self._conditions) + 1), dtype=bool)
        for j, f in enumerate(self._conditions):
            conds[:, j] = f(states)
        active = states[:, self.move_actor] == self.move_from[None, :]
        active &= conds[:, self.move_cond]
        probs = np.where(active, self.move_p[None, :], 0.0)
        for ci, factor, sel in self._modifiers:
            scale = np.where(conds[:, ci], factor, 1.0)
            probs[:, sel] *= scale[:, None]
        return probs

    def rows(self, states: np.ndarray) -> list[np.ndarray]:
        """Every actor's next-rung distribution in every state.

        Parameters
        ----------
        states : ndarray of int, shape (n, n_actors)

        Returns
        -------
        list of ndarray
            Entry ``a`` has shape ``(n, sizes[a])``: the probability that actor ``a`` stands on
            each rung tomorrow; rows sum to 1.

        Raises
        ------
        ScenarioError
            If some actor's outgoing probabilities add up to more than 1 in some state,
            naming the actor, the rung, the joint state, the sum and the moves involved.
        """
        states = np.asarray(states, dtype=np.int64)
        n = len(states)
        probs = self.move_probabilities(states)
        out = []
        rows_idx = np.arange(n)
        for a in range(self.n_actors):
            row = np.zeros((n, self.sizes[a]))
            sel = self._actor_moves[a]
            if sel.size:
                # Several moves between the same rungs add up (DESIGN.md, step semantics).
                for k in sel:
                    row[:, self.move_to[k]] += probs[:, k]
            total = row.sum(axis=1)
            bad = total > 1.0 + SUM_TOLERANCE
            if bad.any():
                self._raise_excess(a, states, probs, total, int(np.flatnonzero(bad)[0]))
            stay = np.maximum(1.0 - total, 0.0)
            row[rows_idx, states[:, a]] += stay
            out.append(row)
        return out

    def _raise_excess(self, a: int, states: np.ndarray, probs: np.ndarray, total: np.ndarray, i: int) -> None:
        actor = self.scenario.actors[a]
        involved = [k for k in self._actor_moves[a] if probs[i, k] > 0]
        detail = ", ".join(f"moves[{k}] {probs[i, k]:.6g}" for k in involved)
        raise ScenarioError(Problem(
            field=f"moves[{involved[0]}]" if involved else "moves",
            message=(
                f"actor {actor.id} at rung {actor.ladder[states[i, a]].id}: outgoing daily probabilities add up to "
                f"{total[i]:.6g} > 1 in reachable joint state ({self.describe_state(states[i])}): {detail}"
            ),
        ))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Exploration:
    """The reachable part of the joint chain.

    Attributes
    ----------
    states : ndarray of int64, shape (n_states, n_actors)
        Reachable joint states in breadth-first order; row 0 is the start.
    src, dst : ndarray of int64, shape (n_edges,)
        Row indices of each transition with positive probability (self-loops included).
    p : ndarray of float64, shape (n_edges,)
        Transition probabilities; for each ``src`` they sum to 1.
    """

    states: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    p: np.ndarray


def _expand(dyn: Dynamics, states: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All one-day successors of ``states``: (source row, successor code, probability)."""
    rows = dyn.rows(states)
    m = len(states)
    src = np.arange(m, dtype=np.int64)
    code = np.zeros(m, dtype=np.int64)
    prob = np.ones(m)
    for a in range(dyn.n_actors):
        nz_i, nz_r = np.nonzero(rows[a] > 0)
        counts = np.bincount(nz_i, minlength=m)
        starts = np.cumsum(counts) - counts
        rep = counts[src]
        entry = np.repeat(np.arange(len(src)), rep)
        offset = np.arange(len(entry)) - np.repeat(np.cumsum(rep) - rep, rep)
        k = starts[src[entry]] + offset
        src = src[entry]
        code = code[entry] + nz_r[k] * dyn.strides[a]
        prob = prob[entry] * rows[a][nz_i[k], nz_r[k]]
    return src, code, prob


def explore(dyn: Dynamics, *, max_states: int = DEFAULT_MAX_STATES, batch: int = 50_000) -> Exploration:
    """Enumerate the joint states reachable from the start, breadth first.

    Parameters
    ----------
    dyn : Dynamics
        The compiled transition law.
    max_states : int, optional
        Stop with :class:`~escalation.errors.GraphTooLargeError` once more states than this
        are reachable.
    batch : int, optional
        Frontier states expanded at once (bounds memory).

    Returns
    -------
    Exploration

    Raises
    ------
    GraphTooLargeError
        Past ``max_states``.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.
    """
    start = dyn.encode(dyn.start[None, :])
    order = [start]  # codes in discovery order, by BFS level
    known = start.copy()  # sorted
    frontier = start
    srcs, dsts, ps = [], [], []
    n_found = 1
    base = 0  # index of the frontier's first state in discovery order
    while frontier.size:
        next_parts = []
        for lo in range(0, frontier.size, batch):
            chunk = frontier[lo : lo + batch]
            src, code, prob = _expand(dyn, dyn.decode(chunk))
            srcs.append(src + base + lo)
            dsts.append(code)
            ps.append(prob)
            new = np.unique(code)
            pos = np.searchsorted(known, new)
            pos_clipped = np.minimum(pos, known.size - 1)
            new = new[known[pos_clipped] != new]
            if new.size:
                known = np.union1d(known, new)
                next_parts.append(new)
                n_found += new.size
                if n_found > max_states:
                    raise GraphTooLargeError(
                        f"scenario {dyn.scenario.id!r}: more than {max_states:,} reachable joint states "
                        f"(ladders allow up to {math.prod(dyn.sizes):,}); raise the limit (--max-states) "
                        "or use the Monte Carlo engine, which does not enumerate states"
                    )
        base += frontier.size
        frontier = np.concatenate(next_parts) if next_parts else np.zeros(0, dtype=np.int64)
        # Keep discovery order deterministic: new codes sorted within a BFS level.
        frontier = np.unique(frontier)
        if frontier.size:
            order.append(frontier)
    codes = np.concatenate(order)
    index_sorted = np.argsort(codes)
    dst_codes = np.concatenate(dsts)
    dst = index_sorted[np.searchsorted(codes[index_sorted], dst_codes)]
    return Exploration(
        states=dyn.decode(codes),
        src=np.concatenate(srcs),
        dst=dst.astype(np.int64),
        p=np.concatenate(ps),
    )
