"""The compiled transition law: a scenario's moves, conditions and modifiers as flat arrays.

A :class:`CompiledModel` has a fixed *structure* (which moves leave which rung, under which
condition, which modifiers scale them, what the targets are) and swappable *numbers* (each
move's daily probability and each modifier's factor). :meth:`CompiledModel.with_numbers`
makes a model with new numbers that shares the structure and everything cached on it, so a
what-if, uncertainty or fitting solve never re-explores anything.

Conditions are kept twice: as numpy functions of a batch of joint states (for the reachable
search and the exact engine's tables) and as postfix programs over *atoms* (``actor's rung
in [lo, hi]``, possibly negated) that the compiled Monte Carlo kernel evaluates with a small
stack. Nothing here enumerates the joint space.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..conditions import And, Compare, Expr, Member, Not, Or, compile_condition
from ..errors import Problem, ScenarioError
from ..scenario import MAX_LEVEL, Scenario, modifier_applies

__all__ = ["CompiledModel", "N_LEVELS", "OP_AND", "OP_NOT", "OP_OR", "SUM_TOLERANCE", "compile_model"]

#: Crisis levels 0..10.
N_LEVELS = MAX_LEVEL + 1
#: An actor's outgoing daily probabilities may exceed 1 by this much (rounding) before it is an error.
SUM_TOLERANCE = 1e-9
#: Postfix opcodes; a non-negative entry is an atom id.
OP_NOT, OP_AND, OP_OR = -1, -2, -3


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


class _Programs:
    """Collects distinct conditions and compiles them to postfix programs over atoms."""

    def __init__(self, scenario: Scenario) -> None:
        self.actor_index = {a.id: i for i, a in enumerate(scenario.actors)}
        self.rung_index = {a.id: {r.id: j for j, r in enumerate(a.ladder)} for a in scenario.actors}
        self.top = {a.id: len(a.ladder) - 1 for a in scenario.actors}
        self.exprs: list[Expr] = []
        self.keys: dict[str, int] = {}
        self.atoms: dict[tuple[int, int, int, bool], int] = {}
        self.programs: list[list[int]] = []

    def add(self, expr: Expr | None) -> int:
        """Index of ``expr`` among the distinct conditions (-1 for "always")."""
        if expr is None:
            return -1
        key = str(expr)
        if key not in self.keys:
            self.keys[key] = len(self.exprs)
            self.exprs.append(expr)
            prog: list[int] = []
            self._emit(expr, prog)
            self.programs.append(prog)
        return self.keys[key]

    def _atom(self, actor: int, lo: int, hi: int, neg: bool) -> int:
        return self.atoms.setdefault((actor, lo, hi, neg), len(self.atoms))

    def _emit(self, expr: Expr, out: list[int]) -> None:
        if isinstance(expr, Compare):
            a = self.actor_index[expr.actor.text]
            pos = self.rung_index[expr.actor.text][expr.rung.text]
            top = self.top[expr.actor.text]
            lo, hi, neg = {"==": (pos, pos, False), "!=": (pos, pos, True), "<": (0, pos - 1, False),
                           "<=": (0, pos, False), ">": (pos + 1, top, False), ">=": (pos, top, False)}[expr.op]
            out.append(self._atom(a, lo, hi, neg))
        elif isinstance(expr, Member):
            a = self.actor_index[expr.actor.text]
            positions = sorted({self.rung_index[expr.actor.text][r.text] for r in expr.rungs})
            runs: list[list[int]] = []
            for p in positions:  # contiguous rungs make one interval atom
                if runs and p == runs[-1][1] + 1:
                    runs[-1][1] = p
                else:
                    runs.append([p, p])
            for i, (lo, hi) in enumerate(runs):
                out.append(self._atom(a, lo, hi, False))
                if i:
                    out.append(OP_OR)
            if expr.negated:
                out.append(OP_NOT)
        elif isinstance(expr, Not):
            self._emit(expr.item, out)
            out.append(OP_NOT)
        elif isinstance(expr, (And, Or)):
            op = OP_AND if isinstance(expr, And) else OP_OR
            for i, item in enumerate(expr.items):
                self._emit(item, out)
                if i:
                    out.append(op)
        else:  # pragma: no cover - the parser makes no other node
            raise TypeError(f"not a condition: {expr!r}")


def _stack_depth(prog: Sequence[int]) -> int:
    depth = best = 0
    for op in prog:
        depth += 1 if op >= 0 else (0 if op == OP_NOT else -1)
        best = max(best, depth)
    return best


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class CompiledModel:
    """A scenario's one-day transition law as arrays, built once and shared by every consumer.

    Attributes
    ----------
    scenario : Scenario
        The scenario compiled (its numbers are those of the file; see ``move_p``).
    sizes : ndarray of int64, shape (n_actors,)
        Ladder length per actor.
    rung_offset : ndarray of int64, shape (n_actors,)
        Offset of each actor's rungs in the flat rung arrays (``rung_level``, ``out_ptr``).
    rung_level : ndarray of int64, shape (n_rungs,)
        Level of each rung, flat over actors.
    party : ndarray of bool, shape (n_actors,)
        Which actors count toward the crisis level.
    start : ndarray of int64, shape (n_actors,)
        Start rung positions.
    prog, prog_ptr : ndarray of int64
        Postfix programs of the distinct conditions: condition ``c`` is
        ``prog[prog_ptr[c]:prog_ptr[c + 1]]``; an entry >= 0 is an atom, else an opcode.
    atom_actor, atom_lo, atom_hi : ndarray of int64, shape (n_atoms,)
        Atom ``i`` holds when ``atom_lo[i] <= rung[atom_actor[i]] <= atom_hi[i]``, negated
        where ``atom_neg[i]``.
    move_actor, move_from, move_to, move_cond : ndarray of int64, shape (n_moves,)
        Per move: actor, rung positions, condition index (-1: always).
    out_ptr, out_moves : ndarray of int64
        The moves out of flat rung ``k`` are ``out_moves[out_ptr[k]:out_ptr[k + 1]]``.
    mod_cond : ndarray of int64, shape (n_modifiers,)
        Condition index of each modifier.
    mm_ptr, mm_mod : ndarray of int64
        The modifiers that select move ``m`` are ``mm_mod[mm_ptr[m]:mm_ptr[m + 1]]``.
    target_cond : ndarray of int64, shape (n_targets,)
        Condition index of each target.
    move_p : ndarray of float64, shape (n_moves,)
        The numbers: base daily probability of each move, in [0, 1].
    factor : ndarray of float64, shape (n_modifiers,)
        The numbers: each modifier's factor, >= 0.
    """

    scenario: Scenario
    sizes: np.ndarray
    rung_offset: np.ndarray
    rung_level: np.ndarray
    party: np.ndarray
    start: np.ndarray
    conditions: tuple[Expr, ...]
    prog: np.ndarray
    prog_ptr: np.ndarray
    max_stack: int
    atom_actor: np.ndarray
    atom_lo: np.ndarray
    atom_hi: np.ndarray
    atom_neg: np.ndarray
    move_actor: np.ndarray
    move_from: np.ndarray
    move_to: np.ndarray
    move_cond: np.ndarray
    out_ptr: np.ndarray
    out_moves: np.ndarray
    mod_cond: np.ndarray
    mm_ptr: np.ndarray
    mm_mod: np.ndarray
    target_cond: np.ndarray
    move_p: np.ndarray
    factor: np.ndarray
    cache: dict[str, Any] = field(default_factory=dict)

    # --- sizes and names --------------------------------------------------------------------
    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return int(self.sizes.size)

    @property
    def n_moves(self) -> int:
        """Number of moves."""
        return int(self.move_actor.size)

    @property
    def n_targets(self) -> int:
        """Number of targets."""
        return int(self.target_cond.size)

    @property
    def target_names(self) -> tuple[str, ...]:
        """Target names, in file order."""
        return self.scenario.target_names

    @property
    def n_joint_states(self) -> int:
        """Product of the ladder lengths (a Python int: it may exceed 64 bits)."""
        return math.prod(int(s) for s in self.sizes)

    def __repr__(self) -> str:
        return (f"<CompiledModel {self.scenario.id}: {self.n_actors} actors, {self.n_moves} moves, "
                f"{len(self.conditions)} conditions, {self.n_joint_states:,} joint states at most>")

    def __getstate__(self) -> dict[str, Any]:
        # Caches hold derived data (reachable states, plans); workers rebuild what they need.
        state = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        state["cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def describe_state(self, state: Sequence[int]) -> str:
        """``US=maritime_strikes, VEN=alert`` for one joint state."""
        return ", ".join(f"{a.id}={a.ladder[int(r)].id}" for a, r in zip(self.scenario.actors, state))

    # --- swappable numbers ------------------------------------------------------------------
    def with_numbers(self, *, p: Sequence[float] | np.ndarray | None = None,
                     factors: Sequence[float] | np.ndarray | None = None) -> "CompiledModel":
        """The same structure with other move probabilities and modifier factors.

        Nothing is re-explored: the new model shares this one's caches (reachable states,
        the exact engine's plan), which depend on the structure only.

        Parameters
        ----------
        p : array_like, shape (n_moves,), optional
            Daily probability of each move, in [0, 1]; default: unchanged.
        factors : array_like, shape (n_modifiers,), optional
            Factor of each modifier, >= 0; default: unchanged.

        Returns
        -------
        CompiledModel

        Raises
        ------
        ValueError
            For a wrong shape, a probability outside [0, 1] or a negative or non-finite
            factor, naming the move or modifier.
        ScenarioError
            If the new numbers make some actor's outgoing probabilities add up to more than 1
            (see :func:`escalation.compiled.checks.check_sums`).

        Examples
        --------
        >>> from escalation import load_scenario
        >>> m = compile_model(load_scenario("tutorial"))
        >>> m2 = m.with_numbers(p=m.move_p * 0.5)
        >>> float(m2.move_p[0]) == float(m.move_p[0]) / 2, m2.cache is m.cache
        (True, True)
        """
        move_p = self.move_p if p is None else np.array(p, dtype=np.float64).reshape(-1)
        factor = self.factor if factors is None else np.array(factors, dtype=np.float64).reshape(-1)
        if move_p.shape != self.move_p.shape:
            raise ValueError(f"p: expected {self.n_moves} move probabilities, found {move_p.size}")
        if factor.shape != self.factor.shape:
            raise ValueError(f"factors: expected {self.factor.size} modifier factors, found {factor.size}")
        bad = np.flatnonzero(~((move_p >= 0.0) & (move_p <= 1.0)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"moves[{i}] ({self.scenario.move_label(i)}): expected a daily probability in [0, 1], "
                             f"found {float(move_p[i])!r}")
        bad = np.flatnonzero(~(np.isfinite(factor) & (factor >= 0.0)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"modifiers[{i}].factor: expected a finite factor >= 0, found {float(factor[i])!r}")
        if p is not None:
            move_p = move_p.copy()
        if factors is not None:
            factor = factor.copy()
        _readonly(move_p, factor)
        model = dataclasses.replace(self, move_p=move_p, factor=factor, cache=self.cache)
        from .checks import check_sums

        check_sums(model)
        return model

    # --- evaluation on batches of joint states (numpy) ----------------------------------------
    def _condition_functions(self) -> list[Any]:
        fns = self.cache.get("condition_functions")
        if fns is None:
            progs = _Programs(self.scenario)
            fns = [compile_condition(e, progs.actor_index, progs.rung_index) for e in self.conditions]
            self.cache["condition_functions"] = fns
        return fns

    def conditions_hold(self, states: np.ndarray) -> np.ndarray:
        """Truth of every distinct condition; shape ``(n, n_conditions + 1)``, last column True ("always")."""
        states = np.asarray(states, dtype=np.int64)
        out = np.ones((len(states), len(self.conditions) + 1), dtype=bool)
        for j, f in enumerate(self._condition_functions()):
            out[:, j] = f(states)
        return out

    def move_probabilities(self, states: np.ndarray, conds: np.ndarray | None = None) -> np.ndarray:
        """Daily probability of every move in every state (0 where it does not apply).

        Returns
        -------
        ndarray, shape (n, n_moves)
            Base probability where the actor stands on the move's ``from`` rung and its
            condition holds, times the factors of the modifiers that hold.
        """
        states = np.asarray(states, dtype=np.int64)
        if conds is None:
            conds = self.conditions_hold(states)
        active = states[:, self.move_actor] == self.move_from[None, :]
        active &= conds[:, self.move_cond]
        probs = np.where(active, self.move_p[None, :], 0.0)
        for mod in range(self.factor.size):
            sel = self.modifier_moves()[mod]
            if sel.size:
                probs[:, sel] *= np.where(conds[:, self.mod_cond[mod]], self.factor[mod], 1.0)[:, None]
        return probs

    def possible_moves(self, states: np.ndarray, conds: np.ndarray | None = None) -> np.ndarray:
        """Which moves can happen in each state, by structure: shape ``(n, n_moves)`` bool.

        A move can happen where its actor stands on its ``from`` rung, its condition holds, its
        probability is positive and no modifier with factor 0 that holds selects it. This is
        the support the exact engine's plan is built on; it does not depend on rounding (a
        positive probability times a tiny factor that underflows to 0 still counts).
        """
        states = np.asarray(states, dtype=np.int64)
        if conds is None:
            conds = self.conditions_hold(states)
        possible = states[:, self.move_actor] == self.move_from[None, :]
        possible &= conds[:, self.move_cond] & (self.move_p > 0)[None, :]
        for mod in np.flatnonzero(self.factor == 0.0):
            sel = self.modifier_moves()[mod]
            possible[:, sel] &= ~conds[:, self.mod_cond[mod]][:, None]
        return possible

    def modifier_moves(self) -> list[np.ndarray]:
        """Per modifier, the moves it selects (structure; cached)."""
        sel = self.cache.get("modifier_moves")
        if sel is None:
            owner = np.repeat(np.arange(self.n_moves), np.diff(self.mm_ptr))
            sel = [owner[self.mm_mod == k] for k in range(self.factor.size)]
            self.cache["modifier_moves"] = sel
        return sel

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
        idx = np.arange(n)
        for a in range(self.n_actors):
            row = np.zeros((n, int(self.sizes[a])))
            for k in np.flatnonzero(self.move_actor == a):
                row[:, self.move_to[k]] += probs[:, k]  # moves between the same rungs add up
            total = row.sum(axis=1)
            bad = np.flatnonzero(total > 1.0 + SUM_TOLERANCE)
            if bad.size:
                i = int(bad[0])
                raise self.excess_error(a, states[i], probs[i])
            row[idx, states[:, a]] += np.maximum(1.0 - total, 0.0)
            out.append(row)
        return out

    def excess_error(self, a: int, state: Sequence[int], probs: np.ndarray) -> ScenarioError:
        """The error for actor ``a``'s outgoing probabilities ``probs`` (per move) exceeding 1 in ``state``."""
        actor = self.scenario.actors[a]
        involved = [int(k) for k in np.flatnonzero((self.move_actor == a) & (np.asarray(probs) > 0))]
        total = math.fsum(float(probs[k]) for k in involved)
        detail = ", ".join(f"moves[{k}] {probs[k]:.6g}" for k in involved)
        return ScenarioError(Problem(
            field=f"moves[{involved[0]}]" if involved else "moves",
            message=(f"actor {actor.id} at rung {actor.ladder[int(state[a])].id}: outgoing daily probabilities add up "
                     f"to {total:.6g} > 1 in joint state ({self.describe_state(state)}): {detail}"),
        ))

    def crisis_level(self, states: np.ndarray) -> np.ndarray:
        """Highest level among the parties in each state; shape ``(n,)`` int64 (0 with no parties)."""
        states = np.asarray(states, dtype=np.int64)
        out = np.zeros(len(states), dtype=np.int64)
        for a in np.flatnonzero(self.party):
            np.maximum(out, self.rung_level[self.rung_offset[a] + states[:, a]], out=out)
        return out

    def targets_hold(self, states: np.ndarray, which: Sequence[int] | None = None) -> np.ndarray:
        """Truth of the targets in each state; shape ``(n_targets, n)`` bool."""
        idx = np.arange(self.n_targets) if which is None else np.asarray(which, dtype=np.int64)
        if not idx.size:
            return np.zeros((0, len(states)), dtype=bool)
        fns = self._condition_functions()
        states = np.asarray(states, dtype=np.int64)
        return np.stack([fns[int(self.target_cond[i])](states) for i in idx])

    def select_targets(self, targets: Sequence[str] | None) -> tuple[str, ...]:
        """Validate a selection of target names (all when None), keeping file order.

        Raises
        ------
        KeyError
            Naming the unknown target and the known ones.
        """
        if targets is None:
            return self.target_names
        for name in targets:
            self.scenario.target(name)
        wanted = set(targets)
        return tuple(t for t in self.target_names if t in wanted)


def compile_model(scenario: Scenario) -> CompiledModel:
    """Compile ``scenario`` once; later calls return the model cached on the scenario.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    CompiledModel
        With the scenario's own numbers.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> s = load_scenario("tutorial")
    >>> compile_model(s) is compile_model(s)
    True
    """
    cached = scenario.cache.get("compiled_model")
    if cached is not None:
        return cached
    model = _build(scenario)
    scenario.cache["compiled_model"] = model
    return model


def _build(scenario: Scenario) -> CompiledModel:
    actors = scenario.actors
    progs = _Programs(scenario)
    sizes = np.array([len(a.ladder) for a in actors], dtype=np.int64)
    rung_offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rung_level = np.array([r.level for a in actors for r in a.ladder], dtype=np.int64)
    party = np.array([a.kind == "party" for a in actors], dtype=bool)
    start = np.array(scenario.start_state, dtype=np.int64)

    moves = scenario.moves
    move_actor = np.array([progs.actor_index[m.actor] for m in moves], dtype=np.int64)
    move_from = np.array([progs.rung_index[m.actor][m.from_] for m in moves], dtype=np.int64)
    move_to = np.array([progs.rung_index[m.actor][m.to] for m in moves], dtype=np.int64)
    move_cond = np.array([progs.add(m.condition) for m in moves], dtype=np.int64)
    move_p = np.array([m.p for m in moves], dtype=np.float64)
    flat_from = rung_offset[move_actor] + move_from if moves else np.zeros(0, dtype=np.int64)
    out_moves = np.argsort(flat_from, kind="stable").astype(np.int64)
    out_ptr = np.searchsorted(flat_from[out_moves], np.arange(int(sizes.sum()) + 1)).astype(np.int64)

    mod_cond = np.array([progs.add(mod.condition) for mod in scenario.modifiers], dtype=np.int64)
    factor = np.array([mod.factor for mod in scenario.modifiers], dtype=np.float64)
    per_move: list[list[int]] = [[] for _ in moves]
    for k, mod in enumerate(scenario.modifiers):
        for i, m in enumerate(moves):
            if modifier_applies(mod, m, bool(move_to[i] > move_from[i])):
                per_move[i].append(k)
    mm_ptr = np.concatenate([[0], np.cumsum([len(x) for x in per_move])]).astype(np.int64)
    mm_mod = np.array([k for x in per_move for k in x], dtype=np.int64)
    target_cond = np.array([progs.add(t.condition) for t in scenario.targets], dtype=np.int64)

    prog = np.array([op for p in progs.programs for op in p], dtype=np.int64)
    prog_ptr = np.concatenate([[0], np.cumsum([len(p) for p in progs.programs])]).astype(np.int64)
    atoms = sorted(progs.atoms.items(), key=lambda kv: kv[1])
    atom_actor = np.array([k[0] for k, _ in atoms], dtype=np.int64)
    atom_lo = np.array([k[1] for k, _ in atoms], dtype=np.int64)
    atom_hi = np.array([k[2] for k, _ in atoms], dtype=np.int64)
    atom_neg = np.array([k[3] for k, _ in atoms], dtype=np.bool_)
    arrays = (sizes, rung_offset, rung_level, party, start, prog, prog_ptr, atom_actor, atom_lo, atom_hi, atom_neg,
              move_actor, move_from, move_to, move_cond, out_ptr, out_moves, mod_cond, mm_ptr, mm_mod, target_cond,
              move_p, factor)
    _readonly(*arrays)
    return CompiledModel(
        scenario=scenario, sizes=sizes, rung_offset=rung_offset, rung_level=rung_level, party=party, start=start,
        conditions=tuple(progs.exprs), prog=prog, prog_ptr=prog_ptr,
        max_stack=max([_stack_depth(p) for p in progs.programs], default=1),
        atom_actor=atom_actor, atom_lo=atom_lo, atom_hi=atom_hi, atom_neg=atom_neg,
        move_actor=move_actor, move_from=move_from, move_to=move_to, move_cond=move_cond,
        out_ptr=out_ptr, out_moves=out_moves, mod_cond=mod_cond, mm_ptr=mm_ptr, mm_mod=mm_mod,
        target_cond=target_cond, move_p=move_p, factor=factor,
    )
