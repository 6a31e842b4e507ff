"""Small scenarios with known answers, and the agreement check used by several tests."""

from __future__ import annotations

import math

import numpy as np

from escalation.scenario import Actor, Move, Rung, Scenario, Target


def two_rung(p: float, horizon: int = 30) -> Scenario:
    """One actor, calm -> war with daily probability p: P(war by T) = 1 - (1 - p)^T."""
    ladder = (Rung(id="calm", level=0), Rung(id="war", level=9))
    return Scenario(
        id="two-rung", title="Two rungs", horizon=horizon,
        actors=(Actor(id="A", ladder=ladder, start="calm"),),
        moves=(Move(actor="A", from_="calm", to="war", p=p),),
        targets=(Target(name="war", when="A == war"),),
    )


def synthetic(n_actors: int = 8, n_rungs: int = 10, p: float = 0.01) -> Scenario:
    """n_actors x n_rungs random-walk ladders, each actor climbing faster when the next is higher."""
    actors, moves = [], []
    for a in range(n_actors):
        ladder = tuple(Rung(id=f"r{j}", level=min(10, j)) for j in range(n_rungs))
        actors.append(Actor(id=f"X{a}", ladder=ladder, start="r0"))
        other = f"X{(a + 1) % n_actors}"
        for j in range(n_rungs - 1):
            moves.append(Move(actor=f"X{a}", from_=f"r{j}", to=f"r{j + 1}", p=p))
            moves.append(Move(actor=f"X{a}", from_=f"r{j}", to=f"r{j + 1}", p=p, when=f"{other} > r{j}"))
            moves.append(Move(actor=f"X{a}", from_=f"r{j + 1}", to=f"r{j}", p=p / 2))
    targets = (
        Target(name="any_high", when=" or ".join(f"X{a} >= r5" for a in range(n_actors))),
        Target(name="first_top", when=f"X0 >= r{n_rungs - 1}"),
    )
    return Scenario(id="synthetic", title="Synthetic", actors=tuple(actors), moves=tuple(moves),
                    targets=targets, horizon=120)


def binomial_tail(hits: int, runs: int, p_exact: float) -> float:
    """Two-sided exact binomial tail: the chance of a count at least this far out if p is right.

    Used where counts are small, where the normal approximation behind :func:`z_score` fails
    (one hit in 3,000 runs of a 1e-5 event is 5.6 standard errors, but happens 3% of the time).
    """
    from scipy.stats import binom

    if p_exact <= 0.0:
        return 1.0 if hits == 0 else 0.0
    if p_exact >= 1.0:
        return 1.0 if hits == runs else 0.0
    return float(min(1.0, 2 * min(binom.cdf(hits, runs, p_exact), binom.sf(hits - 1, runs, p_exact))))


def z_score(p_mc: float, p_exact: float, runs: int) -> float:
    """Monte Carlo error in units of the exact binomial standard error (inf if impossible)."""
    se = math.sqrt(p_exact * (1 - p_exact) / runs)
    if se == 0:
        return 0.0 if p_mc == p_exact else math.inf
    return (p_mc - p_exact) / se


def dense_matrix(model, states: np.ndarray) -> np.ndarray:
    """The one-day matrix on ``states`` built directly from the step semantics, densely.

    Independent of the exact engine's stages: ``P[i, j] = prod_a row_a(i)[states[j, a]]``,
    each actor's row from :meth:`CompiledModel.rows` (which also checks sums).
    """
    rows = model.rows(states)
    p = np.ones((len(states), len(states)))
    for a, row in enumerate(rows):
        p *= row[:, states[:, a]]
    return p


def dense_reference(scenario: Scenario, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative first-passage odds and level distribution by dense matrix powers.

    One absorbing chain per target (rows of its states replaced by the identity), the
    cumulative odds read off as the mass on the target; the level distribution from the
    unabsorbed chain.
    """
    from escalation.compiled import compile_model, reachable

    model = compile_model(scenario)
    reach = reachable(model)
    states = np.asarray(reach.states)
    p = dense_matrix(model, states)
    n = len(states)
    holds = model.targets_hold(states)
    cum = np.zeros((len(holds), horizon + 1))
    for j, mask in enumerate(holds):
        q = p.copy()
        q[mask] = np.eye(n)[mask]
        v = np.zeros(n)
        v[0] = 1.0
        for d in range(horizon + 1):
            cum[j, d] = v[mask].sum()
            v = v @ q
    levels = np.zeros((horizon + 1, 11))
    v = np.zeros(n)
    v[0] = 1.0
    for d in range(horizon + 1):
        np.add.at(levels[d], reach.levels, v)
        v = v @ p
    return cum, levels
