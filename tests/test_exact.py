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


def test_eventual_odds_with_hazards_beyond_the_float_range():
    # Found by hypothesis: a hazard of 1e-187 next to ordinary cycling makes I - Q singular in
    # floating point; the odds of ever reaching the target are still exactly 1.
    from escalation.scenario import Actor, Move, Rung, Scenario, Target

    ladder = (Rung(id="r0", level=0), Rung(id="r1", level=0))
    s = Scenario(
        id="tiny", title="Tiny", horizon=1,
        actors=(Actor(id="A0", ladder=ladder, start="r0"), Actor(id="A1", ladder=ladder, start="r0")),
        moves=(Move(actor="A0", from_="r0", to="r1", p=8.2e-187),
               Move(actor="A1", from_="r0", to="r1", p=0.067), Move(actor="A1", from_="r1", to="r0", p=0.125)),
        targets=(Target(name="t0", when="A0 != r0"),),
    )
    assert exact_odds(s).eventual("t0") == 1.0


def test_gth_fallback_matches_a_direct_solve():
    from escalation.exact import _absorb_gth

    rng = np.random.default_rng(3)
    m = 6
    q = rng.random((m, m)) * (rng.random((m, m)) < 0.5)
    np.fill_diagonal(q, 0.0)
    one, zero = rng.random(m) * 0.3, rng.random(m) * 0.3
    total = q.sum(axis=1) + one + zero
    q, one, zero = q / total[:, None] * 0.9, one / total * 0.9, zero / total * 0.9  # 10% stays
    leave = q.sum(axis=1) + one + zero
    direct = np.linalg.solve(np.diag(leave) - q, one)
    np.testing.assert_allclose(_absorb_gth(q, one, zero), direct, rtol=1e-12)
    # and with a hazard far below machine precision next to fast cycling
    q2 = np.array([[0.0, 0.5], [0.5, 0.0]])
    h = _absorb_gth(q2, np.array([1e-200, 0.0]), np.array([0.0, 3e-200]))
    np.testing.assert_allclose(h, [0.25, 0.25], rtol=1e-12)


# --- the compiled kernel -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025", "kahn-ladder"])
def test_compiled_kernel_agrees_with_scipy_on_bundled_scenarios(name: str):
    from escalation import load_scenario

    s = load_scenario(name)
    g = compile_graph(s)
    for horizon in (0, 1, 30, 365):
        a = exact_odds(s, horizon=horizon, graph=g, kernel="scipy")
        b = exact_odds(s, horizon=horizon, graph=g, kernel="numba")
        assert (a.kernel, b.kernel) == ("scipy", "numba")
        np.testing.assert_allclose(b.cumulative, a.cumulative, rtol=0, atol=1e-13)
        np.testing.assert_allclose(b.level_distribution, a.level_distribution, rtol=0, atol=1e-13)


@given(scenarios())
def test_compiled_kernel_agrees_with_scipy(scenario):
    a = exact_odds(scenario, kernel="scipy")
    b = exact_odds(scenario, kernel="numba")
    np.testing.assert_allclose(b.cumulative, a.cumulative, rtol=0, atol=1e-13)
    np.testing.assert_allclose(b.level_distribution, a.level_distribution, rtol=0, atol=1e-13)


@pytest.mark.parametrize("n_targets", range(0, 22))
def test_compiled_kernel_for_every_block_width(n_targets: int):
    # The kernel works through the columns (targets + 1) in blocks of 16, 12, 8 and 4;
    # targets j = 0, 1, ... alternate between two rungs, one of them the start.
    from escalation.scenario import Actor, Move, Rung, Scenario, Target

    ladder = (Rung(id="a", level=0), Rung(id="b", level=4), Rung(id="c", level=8))
    s = Scenario(
        id="wide", title="wide", horizon=40, actors=(Actor(id="X", ladder=ladder, start="a"),),
        moves=(Move(actor="X", from_="a", to="b", p=0.05), Move(actor="X", from_="b", to="c", p=0.1),
               Move(actor="X", from_="b", to="a", p=0.2)),
        targets=tuple(Target(name=f"t{j}", when=("X == a", "X >= b", "X == c")[j % 3]) for j in range(n_targets)),
    )
    a, b = exact_odds(s, kernel="scipy"), exact_odds(s, kernel="numba")
    np.testing.assert_allclose(b.cumulative, a.cumulative, rtol=0, atol=1e-14)
    np.testing.assert_allclose(b.level_distribution, a.level_distribution, rtol=0, atol=1e-14)
    if n_targets:  # "X == a" holds at the start: hit on day 0
        assert b.cumulative[0].tolist() == [1.0] * 41


def test_auto_kernel_depends_on_the_work(tutorial, monkeypatch):
    import escalation.exact as exact

    assert exact_odds(tutorial).kernel == "scipy"
    g = compile_graph(tutorial)
    work = exact.compiled_work(g, len(tutorial.target_names), tutorial.horizon)
    monkeypatch.setattr(exact, "AUTO_COMPILED_MIN_WORK", work)
    assert exact_odds(tutorial, graph=g).kernel == "numba"
    assert exact_odds(tutorial, graph=g, horizon=tutorial.horizon - 1).kernel == "scipy"
    with pytest.raises(ValueError, match="kernel must be one of auto, numba, scipy"):
        exact_odds(tutorial, kernel="fortran")  # type: ignore[arg-type]
