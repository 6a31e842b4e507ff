"""Checks on a compiled model that never enumerate the joint space.

An actor's daily row from a rung depends on the joint state only through the conditions of
its moves out of that rung and of the modifiers that select them, and those conditions name a
few actors. So the probabilities-sum-over-1 check runs per actor and rung over the
combinations of the rungs of just those actors, each limited to the rungs its own moves can
reach from its start. That over-approximates reachability (a combination may need a joint
path that does not exist), which errs on the side of reporting: a sum over 1 under conditions
the file itself names is a mistake to fix. Where the combinations are too many to list
(:data:`MAX_COMBINATIONS`), the check is left to the engines, which test every state they
meet and raise the same error.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..errors import Problem, ScenarioError
from .law import SUM_TOLERANCE, CompiledModel

__all__ = ["MAX_COMBINATIONS", "actor_reachable_rungs", "check_sums", "estimate_states", "unreachable_targets"]

#: Largest number of rung combinations checked for one actor and rung at load time.
MAX_COMBINATIONS = 100_000


def actor_reachable_rungs(model: CompiledModel) -> list[np.ndarray]:
    """Per actor, the rungs its own moves with p > 0 can reach from its start (conditions ignored).

    Returns
    -------
    list of ndarray of int64
        Sorted rung positions, one array per actor. A superset of the rungs the actor can
        stand on in any reachable joint state.
    """
    key = ("actor_reachable", (model.move_p > 0).tobytes())  # depends only on which moves are possible
    found = model.cache.get(key)
    if found is not None:
        return found
    out = []
    live = model.move_p > 0
    for a in range(model.n_actors):
        sel = np.flatnonzero((model.move_actor == a) & live)
        succ: dict[int, set[int]] = {}
        for k in sel:
            succ.setdefault(int(model.move_from[k]), set()).add(int(model.move_to[k]))
        seen = {int(model.start[a])}
        todo = [int(model.start[a])]
        while todo:
            r = todo.pop()
            for t in succ.get(r, ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        out.append(np.array(sorted(seen), dtype=np.int64))
    model.cache[key] = out
    return out


def estimate_states(model: CompiledModel) -> int:
    """Upper bound on the reachable joint states: the product of each actor's reachable rungs.

    A Python int (it may exceed 64 bits). Exact when every combination is reachable.
    """
    return math.prod(len(r) for r in actor_reachable_rungs(model))


def _mentioned(model: CompiledModel, conds: set[int]) -> set[int]:
    actors: set[int] = set()
    for c in conds:
        if c < 0:
            continue
        ops = model.prog[model.prog_ptr[c]:model.prog_ptr[c + 1]]
        actors.update(int(model.atom_actor[op]) for op in ops if op >= 0)
    return actors


def check_sums(model: CompiledModel) -> None:
    """Check that no actor's outgoing daily probabilities can add up to more than 1.

    Raises
    ------
    ScenarioError
        One problem per actor and rung where some combination of the rungs of the actors its
        conditions name gives a sum over ``1 + SUM_TOLERANCE``, naming the actor, the rung,
        the combination, the sum and the moves.

    Notes
    -----
    Combinations too many to list are left to the engines; their (actor, rung) pairs are
    recorded in ``model.cache["unchecked"]``.
    """
    reach = actor_reachable_rungs(model)
    problems: list[Problem] = []
    unchecked: list[tuple[int, int]] = []
    for a in range(model.n_actors):
        for r in reach[a]:
            k = int(model.rung_offset[a] + r)
            out = model.out_moves[model.out_ptr[k]:model.out_ptr[k + 1]]
            if not out.size:
                continue
            # The largest factor each move can get: if even that keeps the sum <= 1, nothing to list.
            bound = 0.0
            conds: set[int] = set()
            for m in out:
                mods = model.mm_mod[model.mm_ptr[m]:model.mm_ptr[m + 1]]
                bound += float(model.move_p[m]) * math.prod(max(1.0, float(model.factor[j])) for j in mods)
                conds.add(int(model.move_cond[m]))
                conds.update(int(model.mod_cond[j]) for j in mods)
            if bound <= 1.0 + SUM_TOLERANCE:
                continue
            others = sorted(_mentioned(model, conds) - {a})
            n_comb = math.prod(len(reach[b]) for b in others)
            if n_comb > MAX_COMBINATIONS:
                unchecked.append((a, int(r)))
                continue
            states = np.tile(model.start, (n_comb, 1))
            states[:, a] = r
            if others:
                grid = np.array(list(itertools.product(*(reach[b] for b in others))), dtype=np.int64)
                states[:, others] = grid
            probs = model.move_probabilities(states)
            total = probs[:, out].sum(axis=1)
            bad = np.flatnonzero(total > 1.0 + SUM_TOLERANCE)
            if bad.size:
                i = int(np.argmax(total))
                problems.append(_excess_problem(model, a, int(r), others, states[i], probs[i], out))
    model.cache["unchecked"] = unchecked
    if problems:
        raise ScenarioError(problems)


def _excess_problem(model: CompiledModel, a: int, r: int, others: list[int], state: np.ndarray, probs: np.ndarray,
                    out: np.ndarray) -> Problem:
    actors = model.scenario.actors
    involved = [int(m) for m in out if probs[m] > 0]
    total = math.fsum(float(probs[m]) for m in involved)
    where = ", ".join(f"{actors[b].id}={actors[b].ladder[int(state[b])].id}" for b in sorted([a, *others]))
    detail = ", ".join(f"moves[{m}] {probs[m]:.6g}" for m in involved)
    return Problem(
        field=f"moves[{involved[0]}]",
        message=(f"actor {actors[a].id} at rung {actors[a].ladder[r].id}: outgoing daily probabilities add up to "
                 f"{total:.6g} > 1 in joint states with ({where}): {detail}"),
    )


def unreachable_targets(model: CompiledModel) -> list[str]:
    """Targets that hold in no combination of the rungs each actor can reach.

    Such a target can never be reached. Targets naming too many combinations to list
    (:data:`MAX_COMBINATIONS`) are not judged.
    """
    reach = actor_reachable_rungs(model)
    out = []
    for j, name in enumerate(model.target_names):
        actors = sorted(_mentioned(model, {int(model.target_cond[j])}))
        n_comb = math.prod(len(reach[b]) for b in actors)
        if n_comb > MAX_COMBINATIONS:
            continue
        states = np.tile(model.start, (n_comb, 1))
        if actors:
            states[:, actors] = np.array(list(itertools.product(*(reach[b] for b in actors))), dtype=np.int64)
        if not model.targets_hold(states, [j])[0].any():
            out.append(name)
    return out
