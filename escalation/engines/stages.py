"""The exact engine's plan: one day of the joint chain as one sparse stage per actor.

Actors move independently given the joint state at the start of the day, so the one-day
matrix factors: ``P(s -> s') = prod_a P_a(s_a -> s'_a | s)``. Actor ``a``'s row depends on
the state only through its *template*: its rung and which of its moves and modifiers are
active there. A stage updates one actor's rung using its template and then forgets the
template; the rows between stages carry the templates of the actors still to move (they were
fixed by the state at the start of the day). So a day is ``n_actors`` sparse products whose
nonzeros add up to far fewer than the joint matrix's (Venezuela: 11,930 against 34,218).

The plan is structure only: each nonzero names a *slot* (one destination of one template),
and a slot's value is a sum of ``p_move x factors`` terms. New numbers give new slot values
and the stage values by one gather (:meth:`Plan.values`), without rebuilding anything. The
plan is cached on the compiled model, keyed by which numbers are zero (the support).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..compiled import SUM_TOLERANCE, CompiledModel, Reachable

__all__ = ["Plan", "plan"]


@dataclass(frozen=True, eq=False, kw_only=True)
class Plan:
    """One day of the reachable chain as sparse stages, and how numbers become their values.

    Attributes
    ----------
    n_states : int
        Reachable joint states (input of the first stage, output of the last).
    order : tuple of int
        The actor each stage moves.
    rows : ndarray of int64, shape (n_stages + 1,)
        Rows at each level: ``rows[0] == rows[-1] == n_states``.
    ptr_offset : ndarray of int64, shape (n_stages + 1,)
        Stage ``s``'s CSR row pointers (over its *output* rows) are
        ``indptr[ptr_offset[s]:ptr_offset[s + 1]]``; they index ``src`` and ``slot`` directly.
    indptr, src, slot : ndarray of int64
        For each nonzero: the input row and the slot whose value it carries.
    push_offset, push_ptr, push, dst : ndarray of int64
        The same stages by *input* row, as the kernel walks them: stage ``s``'s pointers are
        ``push_ptr[push_offset[s]:push_offset[s + 1]]``, nonzero ``i`` in that order is
        nonzero ``push[i]`` above and lands on output row ``dst[i]``. Within a stage the
        order is by input row, then output row, so each output row still meets its inputs
        in ascending order.
    slot_template, slot_is_stay : ndarray
        Each slot's template, and whether it is the template's "stay" (1 minus the others).
    term_move, term_slot, term_mod_ptr, term_mods : ndarray of int64
        Each term (``p_move x factors``) of a slot's value: its move, its slot and its
        modifiers ``term_mods[term_mod_ptr[t]:term_mod_ptr[t + 1]]``.
    template_actor, template_state : ndarray of int64
        Each template's actor and a reachable state where it applies (for error messages).
    """

    n_states: int
    order: tuple[int, ...]
    rows: np.ndarray
    ptr_offset: np.ndarray
    indptr: np.ndarray
    src: np.ndarray
    slot: np.ndarray
    push_offset: np.ndarray
    push_ptr: np.ndarray
    push: np.ndarray
    dst: np.ndarray
    slot_template: np.ndarray
    slot_is_stay: np.ndarray
    term_move: np.ndarray
    term_slot: np.ndarray
    term_mod_ptr: np.ndarray
    term_mods: np.ndarray
    template_actor: np.ndarray
    template_state: np.ndarray
    _key: tuple = ()  # the cache key: which numbers are zero

    @property
    def nnz(self) -> int:
        """Nonzeros over all stages (the work of one day per column)."""
        return int(self.src.size)

    def slot_values(self, model: CompiledModel) -> np.ndarray:
        """The probability of every slot under the model's numbers.

        Raises
        ------
        ScenarioError
            If some template's moves add up to more than 1, naming a state where it applies.
        """
        p = model.move_p[self.term_move].copy()
        owner = np.repeat(np.arange(self.term_move.size), np.diff(self.term_mod_ptr))
        np.multiply.at(p, owner, model.factor[self.term_mods])
        value = np.bincount(self.term_slot, weights=p, minlength=self.slot_template.size)
        out_sum = np.bincount(self.slot_template, weights=value, minlength=self.template_actor.size)
        bad = np.flatnonzero(out_sum > 1.0 + SUM_TOLERANCE)
        if bad.size:
            g = int(bad[0])
            state = model.cache[("plan_states", self._key)][int(self.template_state[g])]
            raise model.excess_error(int(self.template_actor[g]), state, model.move_probabilities(state[None, :])[0])
        stay = self.slot_is_stay
        value[stay] = np.maximum(1.0 - out_sum[self.slot_template[stay]], 0.0)
        return value

    def values(self, model: CompiledModel) -> np.ndarray:
        """Every stage nonzero's value under the model's numbers; shape ``(nnz,)``."""
        return self.slot_values(model)[self.slot]

    def closed(self, mask: np.ndarray) -> bool:
        """Whether no nonzero leads out of the states in ``mask`` (bool, over the states) in a day.

        Decided on the plan's structure, so it holds for every model sharing the plan.
        """
        reached = mask.astype(np.float64)
        for s in range(self.rows.size - 1):
            indptr = self.indptr[self.ptr_offset[s]:self.ptr_offset[s + 1]]
            out_row = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
            src = self.src[indptr[0]:indptr[-1]]
            reached = np.bincount(out_row, weights=reached[src], minlength=int(self.rows[s + 1]))
        return not reached[~mask].any()


def _templates(model: CompiledModel, states: np.ndarray, conds: np.ndarray, a: int) -> tuple[np.ndarray, list]:
    """Actor ``a``'s template id in each state, and per template (rung, [(move, [mods])])."""
    moves = np.flatnonzero((model.move_actor == a) & (model.move_p > 0))
    active = (states[:, model.move_actor[moves]] == model.move_from[moves][None, :]) & conds[:, model.move_cond[moves]]
    mods = np.unique(np.concatenate([model.mm_mod[model.mm_ptr[m]:model.mm_ptr[m + 1]] for m in moves]
                                    + [np.zeros(0, dtype=np.int64)]))
    # A modifier's truth matters only where it selects an active move.
    sel = np.zeros((moves.size, mods.size), dtype=bool)
    for i, m in enumerate(moves):
        sel[i, np.searchsorted(mods, model.mm_mod[model.mm_ptr[m]:model.mm_ptr[m + 1]])] = True
    relevant = (active.astype(np.int64) @ sel.astype(np.int64)) > 0
    mod_on = conds[:, model.mod_cond[mods]] & relevant
    # A zero factor removes the move (outside the support: its destination is unreachable).
    zero = model.factor[mods] == 0.0
    if zero.any():
        killed = (mod_on[:, zero].astype(np.int64) @ sel[:, zero].T.astype(np.int64)) > 0
        active &= ~killed
        relevant = (active.astype(np.int64) @ sel.astype(np.int64)) > 0
        mod_on = conds[:, model.mod_cond[mods]] & relevant
    key = np.concatenate([states[:, a:a + 1], active, mod_on], axis=1)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    info = []
    for rep in first:
        terms = [(int(m), [int(j) for j in mods[sel[i] & mod_on[rep]]]) for i, m in enumerate(moves) if active[rep, i]]
        info.append((int(states[rep, a]), terms, int(rep)))
    return inverse.reshape(-1).astype(np.int64), info


def _unique_rows(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(y, axis=0, return_inverse=True)``, by one integer code per row where they fit.

    The codes are mixed-radix with the first column most significant, so the rows come out in
    the same (lexicographic) order; sorting them is several times faster than sorting rows.
    """
    if len(y) == 0:
        return y, np.zeros(0, dtype=np.int64)
    lo = y.min(axis=0)
    span = y.max(axis=0) - lo + 1
    if math.prod(int(v) for v in span) >= 2**63:
        out, inverse = np.unique(y, axis=0, return_inverse=True)
        return out, inverse.reshape(-1)
    strides = np.ones(y.shape[1], dtype=np.int64)
    for c in range(y.shape[1] - 2, -1, -1):
        strides[c] = strides[c + 1] * span[c + 1]
    _, first, inverse = np.unique((y - lo) @ strides, return_index=True, return_inverse=True)
    return y[first], inverse.reshape(-1)


def _stage(x: np.ndarray, a: int, n_actors: int, tmpl_offset: int, slot_ptr: np.ndarray,
           slot_dest: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move actor ``a`` in every row of ``x``: (output rows, CSR indptr, source rows, slots)."""
    g = tmpl_offset + x[:, n_actors + a]
    count = slot_ptr[g + 1] - slot_ptr[g]
    src = np.repeat(np.arange(len(x)), count)
    slot = np.arange(src.size) - np.repeat(np.cumsum(count) - count, count) + slot_ptr[g][src]
    y = x[src].copy()
    y[:, a] = slot_dest[slot]
    y[:, n_actors + a] = -1
    out, inverse = _unique_rows(y)
    order = np.argsort(inverse, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(out)))]).astype(np.int64)
    return out, indptr, src[order], slot[order]


#: The stage order is searched exactly when states x actors x 2^(actors - 1) (the rows of the
#: trial stages) is at most this; above, greedily.
EXACT_ORDER_BUDGET = 200_000


def _stage_order(x0: np.ndarray, n_actors: int, tmpl_offset: np.ndarray, slot_ptr: np.ndarray,
                 slot_dest: np.ndarray) -> list[int]:
    """The order of the stages that makes a day cheapest.

    A day costs about one unit per nonzero and a quarter per row (zeroing it), times the
    columns. The rows after the stages of a set of actors do not depend on the order they
    moved in, so where the trial stages are few (:data:`EXACT_ORDER_BUDGET`) the best order is
    found exactly, over subsets (Venezuela: 11,930 nonzeros and 4,075 rows, against 13,351 and
    4,010 greedily). Otherwise greedily: next, the actor whose stage leaves the fewest rows
    (on large symmetric scenarios the exact search found no better order and took 3-5 times
    longer to plan).
    """
    def stage(x: np.ndarray, a: int) -> tuple[np.ndarray, float, int]:
        out, _, src, _ = _stage(x, a, n_actors, int(tmpl_offset[a]), slot_ptr, slot_dest)
        return out, src.size + len(out) / 4, src.size

    if len(x0) * n_actors * 2 ** (n_actors - 1) > EXACT_ORDER_BUDGET:
        order: list[int] = []
        x = x0
        while len(order) < n_actors:
            trials = {a: stage(x, a) for a in range(n_actors) if a not in order}
            a = min(trials, key=lambda b: (len(trials[b][0]), trials[b][2], b))
            order.append(a)
            x = trials[a][0]
        return order
    best: dict[frozenset[int], tuple[float, list[int], np.ndarray]] = {frozenset(): (0.0, [], x0)}
    for _ in range(n_actors):
        grown: dict[frozenset[int], tuple[float, list[int], np.ndarray]] = {}
        for moved, (cost, order, x) in best.items():
            for a in range(n_actors):
                if a in moved:
                    continue
                out, more, _ = stage(x, a)
                key = moved | {a}
                if key not in grown or cost + more < grown[key][0]:
                    grown[key] = (cost + more, order + [a], out)
        best = grown
    return best[frozenset(range(n_actors))][1]


def plan(model: CompiledModel, reach: Reachable) -> Plan:
    """The stage plan of the reachable chain (cached on the model per support of the numbers)."""
    key = ("plan", (model.move_p > 0).tobytes(), (model.factor > 0).tobytes())
    found = model.cache.get(key)
    if found is not None:
        return found
    states = np.asarray(reach.states, dtype=np.int64)
    n, n_actors = states.shape
    conds = model.conditions_hold(states)
    sig = np.zeros((n, n_actors), dtype=np.int64)
    tmpl_offset = np.zeros(n_actors + 1, dtype=np.int64)
    slot_template, slot_dest, slot_is_stay, slot_ptr = [], [], [], [0]
    term_move, term_slot, term_mods, term_mod_ptr = [], [], [], [0]
    template_actor, template_state = [], []
    for a in range(n_actors):
        sig[:, a], info = _templates(model, states, conds, a)
        tmpl_offset[a + 1] = tmpl_offset[a] + len(info)
        for rung, terms, rep in info:
            g = len(template_actor)
            template_actor.append(a)
            template_state.append(rep)
            dests = sorted({model.move_to[m] for m, _ in terms} | {rung})
            base = len(slot_dest)
            for d in dests:
                slot_template.append(g)
                slot_dest.append(d)
                slot_is_stay.append(d == rung)
            slot_ptr.append(len(slot_dest))
            for m, mods in terms:
                term_move.append(m)
                term_slot.append(base + dests.index(int(model.move_to[m])))
                term_mods.extend(mods)
                term_mod_ptr.append(len(term_mods))
    slot_ptr_a = np.array(slot_ptr, dtype=np.int64)
    slot_dest_a = np.array(slot_dest, dtype=np.int64)

    x0 = np.concatenate([states, sig], axis=1)
    order = _stage_order(x0, n_actors, tmpl_offset, slot_ptr_a, slot_dest_a)
    x = x0
    rows, ptrs, srcs, slots = [n], [], [], []
    for i, a in enumerate(order):
        out, indptr, src, slot = _stage(x, a, n_actors, int(tmpl_offset[a]), slot_ptr_a, slot_dest_a)
        if i == len(order) - 1:  # the last stage lands on joint states: put them in the reachable order
            indptr, src, slot = _reorder(out[:, :n_actors], states, indptr, src, slot)
        rows.append(len(out))
        x = out
        ptrs.append(indptr + sum(v.size for v in srcs))  # index the concatenated src/slot directly
        srcs.append(src)
        slots.append(slot)
    ptr_offset = np.concatenate([[0], np.cumsum([p.size for p in ptrs])]).astype(np.int64)
    push_ptrs, pushes, dsts = [], [], []
    for s, (indptr, src) in enumerate(zip(ptrs, srcs)):
        start = int(indptr[0])
        out_row = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
        by_input = np.argsort(src, kind="stable")  # by input row; within one, by output row (CSR order)
        pushes.append(start + by_input)
        dsts.append(out_row[by_input])
        push_ptrs.append(start + np.concatenate([[0], np.cumsum(np.bincount(src, minlength=int(rows[s])))]))
    result = Plan(
        n_states=n, order=tuple(order), rows=np.array(rows, dtype=np.int64), ptr_offset=ptr_offset,
        indptr=np.concatenate(ptrs), src=np.concatenate(srcs), slot=np.concatenate(slots),
        push_offset=np.concatenate([[0], np.cumsum([p.size for p in push_ptrs])]).astype(np.int64),
        push_ptr=np.concatenate(push_ptrs).astype(np.int64), push=np.concatenate(pushes).astype(np.int64),
        dst=np.concatenate(dsts).astype(np.int64),
        slot_template=np.array(slot_template, dtype=np.int64), slot_is_stay=np.array(slot_is_stay, dtype=bool),
        term_move=np.array(term_move, dtype=np.int64), term_slot=np.array(term_slot, dtype=np.int64),
        term_mod_ptr=np.array(term_mod_ptr, dtype=np.int64), term_mods=np.array(term_mods, dtype=np.int64),
        template_actor=np.array(template_actor, dtype=np.int64), template_state=np.array(template_state, dtype=np.int64),
        _key=key,
    )
    for arr in (result.rows, result.ptr_offset, result.indptr, result.src, result.slot, result.push_offset,
                result.push_ptr, result.push, result.dst):
        arr.flags.writeable = False
    model.cache[key] = result
    model.cache[("plan_states", key)] = states
    return result


def _reorder(joint: np.ndarray, states: np.ndarray, indptr: np.ndarray, src: np.ndarray,
             slot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Re-index the last stage's output rows (sorted joint states) to the reachable states' order."""
    n_actors = states.shape[1]
    radix = np.maximum(states.max(axis=0), joint.max(axis=0)) + 1
    strides = np.ones(n_actors, dtype=np.int64)
    for a in range(n_actors - 2, -1, -1):
        strides[a] = strides[a + 1] * radix[a + 1]
    code_out = joint @ strides
    code_states = states @ strides
    by_code = np.argsort(code_states)
    pos = np.searchsorted(code_states[by_code], code_out)
    if np.any(pos >= len(states)) or np.any(code_states[by_code[np.minimum(pos, len(states) - 1)]] != code_out):
        raise AssertionError("a successor of a reachable state is not among the reachable states")
    target = by_code[pos]  # output row i is reachable state target[i]
    counts = np.diff(indptr)
    entry_row = np.repeat(target, counts)
    order = np.argsort(entry_row, kind="stable")
    new_ptr = np.concatenate([[0], np.cumsum(np.bincount(entry_row, minlength=len(states)))]).astype(np.int64)
    return new_ptr, src[order], slot[order]
