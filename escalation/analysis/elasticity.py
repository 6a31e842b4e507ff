"""Local elasticities of a target's exact odds: every move and factor from one adjoint pass.

``d log(odds) / d log(x)`` for every move probability and modifier factor ``x`` at the
stated values, from one forward and one backward (reverse-mode) propagation of the exact
engine's day-by-day recursion through its stage plan (:mod:`escalation.engines.stages`).
Also available from :mod:`escalation.analysis.sensitivity`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, CompiledModel, compile_model
from ..limits import check_horizon
from ..scenario import Scenario
from .tables import format_probability, pandas_module
from .tables import html_table as _html_table
from .tables import text_table as _text_table

__all__ = ["Elasticities", "elasticities"]


def _check_target(model: CompiledModel, target: str) -> None:
    names = model.select_targets([target])  # KeyError naming the known targets
    assert names == (target,)


# --- local elasticities ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Elasticities:
    """Local sensitivities of one target's odds to every move probability and modifier factor.

    Attributes
    ----------
    scenario_id, target : str
    horizon : int
    odds : float
        The target's exact odds within the horizon at the stated values.
    p : ndarray, shape (n_moves,)
        Daily probability of each move.
    dp : ndarray, shape (n_moves,)
        ``d odds / d p`` per move (per unit of daily probability).
    move_elasticity : ndarray, shape (n_moves,)
        ``d log(odds) / d log(p) = p / odds * d odds / d p``.
    factor : ndarray, shape (n_modifiers,)
    dfactor : ndarray, shape (n_modifiers,)
        ``d odds / d factor``.
    factor_elasticity : ndarray, shape (n_modifiers,)
    labels : tuple of str
        Move labels, then ``modifiers[i].factor`` labels.
    """

    scenario_id: str
    target: str
    horizon: int
    odds: float
    p: np.ndarray
    dp: np.ndarray
    move_elasticity: np.ndarray
    factor: np.ndarray
    dfactor: np.ndarray
    factor_elasticity: np.ndarray
    labels: tuple[str, ...]

    def __repr__(self) -> str:
        return (f"<Elasticities of {self.target} in {self.scenario_id}: odds {format_probability(self.odds)}, "
                f"{self.p.size} moves, {self.factor.size} factors>")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per number (moves, then factors), largest absolute elasticity first."""
        out = []
        for i in range(self.p.size):
            out.append({"kind": "move", "index": i, "label": self.labels[i], "value": float(self.p[i]),
                        "derivative": float(self.dp[i]), "elasticity": float(self.move_elasticity[i])})
        for i in range(self.factor.size):
            out.append({"kind": "factor", "index": i, "label": self.labels[self.p.size + i],
                        "value": float(self.factor[i]), "derivative": float(self.dfactor[i]),
                        "elasticity": float(self.factor_elasticity[i])})
        out.sort(key=lambda r: (-abs(r["elasticity"]) if not math.isnan(r["elasticity"]) else 0.0))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the odds and :meth:`rows`."""
        return {"scenario": self.scenario_id, "target": self.target, "horizon": self.horizon, "odds": self.odds,
                "rows": self.rows()}

    def to_pandas(self) -> Any:
        """:meth:`rows` as a :class:`pandas.DataFrame` (needs pandas)."""
        return pandas_module().DataFrame(self.rows(), columns=["kind", "index", "label", "value", "derivative", "elasticity"])

    def _title(self) -> str:
        return (f"Elasticities of {self.target} within {self.horizon} days (odds {format_probability(self.odds)}): "
                "d log(odds) / d log(number), exact")

    def _cells(self, top: int | None) -> tuple[list[str], list[list[str]]]:
        header = ["number", "value", "d odds / d number", "elasticity"]
        body = [[r["label"], f"{r['value']:.3g}", f"{r['derivative']:+.4g}", f"{r['elasticity']:+.4f}"]
                for r in self.rows()[:top]]
        return header, body

    def table(self, top: int | None = 20) -> str:
        """A plain-text table of the ``top`` numbers by absolute elasticity (all when None)."""
        lines = _text_table(self._title(), *self._cells(top))
        n = self.p.size + self.factor.size
        if top is not None and n > top:
            lines.append(f"({n - top} more numbers with smaller elasticities)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return _html_table(self._title(), *self._cells(20))


def elasticities(
    scenario: Scenario | CompiledModel,
    *,
    target: str,
    horizon: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
) -> Elasticities:
    """Elasticities of a target's exact odds with respect to every move probability and factor.

    Parameters
    ----------
    scenario : Scenario or CompiledModel
        A compiled model is differentiated at its own numbers.
    target : str
    horizon : int, optional
    max_states : int, optional
        Limit on the joint chain (the exact engine is needed).

    Returns
    -------
    Elasticities

    Raises
    ------
    GraphTooLargeError
        When the chain may exceed ``max_states`` (there is no Monte Carlo fallback: a
        derivative needs the exact recursion).
    KeyError
        For an unknown target.

    Notes
    -----
    With target states absorbing, the exact engine computes ``a_d = (a_{d-1} P) restricted
    to non-target states`` and the odds ``J = sum_d (a_{d-1} P)(T)``, where the one-day
    matrix is a product of one sparse stage per actor, ``P = S_1 ... S_A``, whose nonzeros
    are *slot* values: a move's slot is the sum of ``p_m x prod(factors)`` over the moves
    and modifiers behind it, and a stay slot is 1 minus the other slots of its row.

    Reverse mode: one forward pass stores the input of every stage on every day; a backward
    pass carries the adjoint ``u = dJ / d(output)`` back through the stages (``u <- S^T u``,
    with ``u = 1`` on target states, which absorb), and adds ``input[src] x u[row]`` to the
    gradient of each nonzero's value. The chain rule through slots and terms then gives
    ``dJ / dp_m`` and ``dJ / df_k`` for all numbers at once, at the cost of about two
    propagations. Elasticities are ``x / J x dJ / dx`` (NaN when ``J = 0``).

    Numbers that are 0 have elasticity 0; their derivative is the one-sided derivative at 0
    (the plan is built with them in it). The derivative of a stay slot assumes the row's
    moves add up to less than 1 (where they add up to exactly 1 the stay is clipped at 0 and
    only the derivative from below is given).

    Examples
    --------
    >>> from escalation import load_scenario
    >>> e = elasticities(load_scenario("tutorial"), target="blue_strikes")
    >>> [round(float(x), 4) for x in e.move_elasticity[:2]]
    [0.8165, -0.2476]
    """
    import scipy.sparse as sp

    from .batch import ExactBatch

    model = scenario if isinstance(scenario, CompiledModel) else compile_model(scenario)
    _check_target(model, target)
    h = check_horizon(model.scenario.horizon if horizon is None else horizon)
    batch = ExactBatch(model, horizon=h, targets=[target], vary_p=np.ones(model.n_moves, dtype=bool),
                       vary_factor=np.ones(model.factor.size, dtype=bool), max_states=max_states)
    pl = batch.plan
    values, bad = batch.stage_values(model.move_p[None, :], model.factor[None, :])
    if bad[0]:
        model.with_numbers(p=model.move_p)  # raises the engine's error
    val = values[:, 0]
    n = batch.n_states
    n_stages = pl.rows.size - 1
    mats, row_of = [], []
    for s in range(n_stages):
        ip = pl.indptr[pl.ptr_offset[s]:pl.ptr_offset[s + 1]]
        e0, e1 = int(ip[0]), int(ip[-1])
        local = ip - e0
        mats.append(sp.csr_array((val[e0:e1], pl.src[e0:e1], local), shape=(int(pl.rows[s + 1]), int(pl.rows[s]))))
        row_of.append(np.repeat(np.arange(int(pl.rows[s + 1])), np.diff(local)))
    absorb = np.zeros(n, dtype=bool)
    absorb[batch.target_states] = True
    # Forward: the input of every stage on every day.
    a = np.zeros(n)
    a[0] = 0.0 if batch.holds_at_start[0] else 1.0
    odds = 1.0 if batch.holds_at_start[0] else 0.0
    inputs: list[list[np.ndarray]] = []
    for _ in range(h):
        xs = [a]
        for s in range(n_stages):
            xs.append(mats[s] @ xs[-1])
        inputs.append(xs[:-1])
        b = xs[-1]
        odds += float(b[absorb].sum())
        a = np.where(absorb, 0.0, b)
    # Backward: adjoints through the days and stages, gradient of every nonzero's value.
    grad = np.zeros(val.size)
    lam = np.zeros(n)
    for d in range(h - 1, -1, -1):
        u = np.where(absorb, 1.0, lam)
        for s in range(n_stages - 1, -1, -1):
            ip = pl.indptr[pl.ptr_offset[s]:pl.ptr_offset[s + 1]]
            e0, e1 = int(ip[0]), int(ip[-1])
            grad[e0:e1] += inputs[d][s][pl.src[e0:e1]] * u[row_of[s]]
            u = mats[s].T @ u
        lam = u
    odds = min(max(odds, 0.0), 1.0)
    g_slot = np.bincount(pl.slot, weights=grad, minlength=pl.slot_template.size)
    stay_of = np.zeros(pl.template_actor.size, dtype=np.int64)
    stay = np.flatnonzero(pl.slot_is_stay)
    stay_of[pl.slot_template[stay]] = stay
    g_term = g_slot[pl.term_slot] - g_slot[stay_of[pl.slot_template[pl.term_slot]]]
    counts = np.diff(pl.term_mod_ptr)
    owner = np.repeat(np.arange(pl.term_move.size), counts)
    f = model.factor
    prod_f = np.ones(pl.term_move.size)
    np.multiply.at(prod_f, owner, f[pl.term_mods])
    dp = np.bincount(pl.term_move, weights=g_term * prod_f, minlength=model.n_moves)
    # d term / d f_k = p x product of the term's other factors (no division: a factor may be 0).
    dfactor = np.zeros(f.size)
    p_term = model.move_p[pl.term_move]
    for pos, (t, k) in enumerate(zip(owner, pl.term_mods)):
        mods = pl.term_mods[pl.term_mod_ptr[t]:pl.term_mod_ptr[t + 1]]
        rest = np.prod(np.delete(f[mods], pos - pl.term_mod_ptr[t]))
        dfactor[k] += g_term[t] * p_term[t] * rest
    with np.errstate(invalid="ignore", divide="ignore"):
        e_move = np.where(model.move_p == 0, 0.0, model.move_p * dp / odds) if odds > 0 else np.full(dp.size, np.nan)
        e_factor = np.where(f == 0, 0.0, f * dfactor / odds) if odds > 0 else np.full(f.size, np.nan)
    labels = tuple(f"[{i}] {model.scenario.move_label(i)}" for i in range(model.n_moves)) + tuple(
        f"modifiers[{i}].factor" for i in range(f.size))
    arrays = [model.move_p.copy(), dp, e_move, f.copy(), dfactor, e_factor]
    for arr in arrays:
        arr.flags.writeable = False
    return Elasticities(scenario_id=model.scenario.id, target=target, horizon=h, odds=odds, p=arrays[0],
                        dp=arrays[1], move_elasticity=arrays[2], factor=arrays[3], dfactor=arrays[4],
                        factor_elasticity=arrays[5], labels=labels)
