from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import two_rung
from hypothesis import given
from scenario_strategies import scenarios

from escalation.exact import exact_odds
from escalation.graph import compile_graph


@pytest.mark.parametrize(("p", "horizon"), [(0.01, 30), (0.2, 7), (0.0, 10), (1.0, 3)])
def test_two_rungs_closed_form(p: float, horizon: int):
    r = exact_odds(two_rung(p, horizon))
    days = np.arange(horizon + 1)
    np.testing.assert_allclose(r.cumulative[0], 1 - (1 - p) ** days, atol=1e-14)
    assert r.eventual("war") == pytest.approx(1.0 if p > 0 else 0.0)


def test_tutorial_matches_the_hand_calculation(tutorial):
    # docs/scenario-format.md: Blue's hazards do not depend on Red; competing risks q (strike)
    # and d (talks) give P(strike by T) = q / (q + d) * (1 - (1 - q - d)^T).
    q, d, t = 1 - 0.8 ** (1 / 30), 0.01, 60
    r = exact_odds(tutorial, horizon=t)
    assert r.probability("blue_strikes") == pytest.approx(q / (q + d) * (1 - (1 - q - d) ** t), rel=1e-12)
    assert r.probability("settlement") == pytest.approx(d / (q + d) * (1 - (1 - q - d) ** t), rel=1e-12)
    assert r.eventual("blue_strikes") == pytest.approx(q / (q + d), rel=1e-12)


def test_long_horizon_equals_fundamental_matrix_absorption(tutorial):
    g = compile_graph(tutorial)
    r = exact_odds(tutorial, horizon=5000, graph=g)
    # Independent check: absorption probabilities N R with N = (I - Q)^-1 on the transient
    # states of the chain where the target is made absorbing, dense linear algebra.
    p = g.matrix.toarray()
    for name in r.targets:
        mask = g.target_mask(name)
        transient = ~mask
        q = p[np.ix_(transient, transient)]
        rr = p[np.ix_(transient, mask)].sum(axis=1)
        # States that can never reach the target contribute 0; lstsq copes with singular (I - Q)
        # only if those are removed, so solve on states with some path to the target.
        n = np.linalg.matrix_power((q > 0).astype(float) + np.eye(len(q)), len(q))
        can = (n @ (rr > 0).astype(float)) > 0
        h = np.zeros(transient.sum())
        h[can] = np.linalg.solve(np.eye(can.sum()) - q[np.ix_(can, can)], rr[can])
        expected = 1.0 if mask[0] else h[0]
        assert r.probability(name) == pytest.approx(expected, abs=1e-10)
        assert r.eventual(name) == pytest.approx(expected, abs=1e-10)


def test_level_distribution_is_a_distribution(tutorial):
    r = exact_odds(tutorial)
    np.testing.assert_allclose(r.level_distribution.sum(axis=1), 1.0, atol=1e-12)
    assert r.level_distribution[0, 3] == 1.0  # start: BLUE alert (3) > RED calm (1)


def test_unknown_target_and_negative_horizon(tutorial):
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        exact_odds(tutorial, targets=["nope"])
    with pytest.raises(ValueError, match="horizon must be >= 0"):
        exact_odds(tutorial, horizon=-1)


@given(scenarios())
def test_odds_are_probabilities_non_decreasing_in_the_horizon(scenario):
    r = exact_odds(scenario)
    assert ((r.cumulative >= 0) & (r.cumulative <= 1)).all()
    assert (np.diff(r.cumulative, axis=1) >= -1e-15).all()
    assert all(r.cumulative[j, -1] <= r.eventual(t) + 1e-9 for j, t in enumerate(r.targets))
