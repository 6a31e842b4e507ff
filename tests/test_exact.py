from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import two_rung
from hypothesis import given
from hypothesis import strategies as st
from scenario_strategies import scenarios

import dataclasses

from escalation import ScenarioError, compile_model
from escalation.engines.exact import exact_odds
from escalation.graph import compile_graph
from engine_helpers import dense_matrix, dense_reference


@pytest.mark.parametrize(("p", "horizon"), [(0.01, 30), (0.2, 7), (0.0, 10), (1.0, 3)])
def test_two_rungs_closed_form(p: float, horizon: int):
    r = exact_odds(two_rung(p, horizon))
    days = np.arange(horizon + 1)
    np.testing.assert_allclose(r.cumulative()[0], 1 - (1 - p) ** days, atol=1e-14)
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
    r = exact_odds(tutorial, horizon=5000)
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
    np.testing.assert_allclose(r.level_distribution().sum(axis=1), 1.0, atol=1e-12)
    assert r.level_distribution()[0, 3] == 1.0  # start: BLUE alert (3) > RED calm (1)


def test_unknown_target_and_negative_horizon(tutorial):
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        exact_odds(tutorial, targets=["nope"])
    with pytest.raises(ValueError, match="horizon must be a whole number of days in \\[0, 100,000\\], found -1"):
        exact_odds(tutorial, horizon=-1)


@given(scenarios())
def test_odds_are_probabilities_non_decreasing_in_the_horizon(scenario):
    r = exact_odds(scenario)
    assert ((r.cumulative() >= 0) & (r.cumulative() <= 1)).all()
    assert (np.diff(r.cumulative(), axis=1) >= -1e-15).all()
    assert all(r.cumulative()[j, -1] <= r.eventual(t) + 1e-9 for j, t in enumerate(r.targets))


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
    from escalation.engines.exact import _absorb_gth

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


# --- the staged propagation against a dense, independent reference ----------------------------------
@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025", "kahn-ladder"])
def test_stages_agree_with_the_dense_chain_on_bundled_scenarios(name: str):
    from escalation import load_scenario

    s = load_scenario(name)
    for horizon in (0, 1, 30, 365):
        got = exact_odds(s, horizon=horizon)
        cum, levels = dense_reference(s, horizon)
        np.testing.assert_allclose(got.cumulative(), cum, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.level_distribution(), levels, rtol=0, atol=1e-12)


@given(scenarios())
def test_stages_agree_with_the_dense_chain(scenario):
    got = exact_odds(scenario)
    cum, levels = dense_reference(scenario, scenario.horizon)
    np.testing.assert_allclose(got.cumulative(), cum, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.level_distribution(), levels, rtol=0, atol=1e-12)


def test_graph_matrix_is_the_product_of_the_stages(tutorial):
    from escalation import load_scenario

    for s in (tutorial, load_scenario("venezuela-2025")):
        g = compile_graph(s)
        model = compile_model(s)
        dense = dense_matrix(model, np.asarray(g.states))
        np.testing.assert_allclose(g.matrix.toarray(), dense, rtol=0, atol=1e-15)
        np.testing.assert_allclose(g.matrix.sum(axis=1), 1.0, atol=1e-14)


def test_stage_nonzeros_on_venezuela():
    from escalation import load_scenario
    from escalation.compiled import reachable
    from escalation.engines.stages import plan

    model = compile_model(load_scenario("venezuela-2025"))
    stages = plan(model, reachable(model))
    assert stages.nnz < compile_graph(model).n_edges / 2  # 11,930 against 34,218
    assert stages.rows[0] == stages.rows[-1] == 560


@given(st.integers(1, 6).flatmap(lambda c: st.lists(st.lists(st.integers(-1, 40), min_size=c, max_size=c),
                                                     max_size=60)),
       st.booleans())
def test_unique_rows_equals_numpy(rows, huge):
    # the mixed-radix codes give numpy's rows and order; codes that would not fit in 64 bits fall back
    from escalation.engines.stages import _unique_rows

    y = np.array(rows, dtype=np.int64).reshape(len(rows), -1 if rows else 1)
    if huge and y.size:
        y[:, 0] *= 2**60 // 41  # a span past 2**63 in all
    out, inverse = _unique_rows(y)
    want, want_inverse = np.unique(y, axis=0, return_inverse=True)
    assert out.tolist() == want.tolist() and inverse.tolist() == want_inverse.reshape(-1).tolist()


def test_the_stage_order_is_the_cheapest_of_all(monkeypatch):
    # Venezuela's 4 actors: the exact search over subsets against every one of the 24 orders
    import itertools

    from escalation import load_scenario
    from escalation.compiled import reachable
    from escalation.engines import stages

    def cost(p):
        return p.nnz + p.rows[1:].sum() / 4

    model = compile_model(load_scenario("venezuela-2025"))
    reach = reachable(model)
    chosen = stages.plan(model, reach)
    costs = {}
    try:
        for order in itertools.permutations(range(model.n_actors)):
            model.cache.clear()
            monkeypatch.setattr(stages, "_stage_order", lambda *args, order=order: list(order))
            costs[order] = cost(stages.plan(model, reachable(model)))
    finally:
        model.cache.clear()  # the model may be shared: no plan of a forced order stays behind
    assert cost(chosen) == min(costs.values()) < max(costs.values())
    assert costs[chosen.order] == cost(chosen)


def test_columns_share_absorbing_sets_and_read_closed_targets_from_the_chain():
    # Venezuela: us_casualties is never left once it holds, so it needs no column of its own;
    # a copy of a target shares its column; a race is one column read three ways.
    from escalation import load_scenario
    from escalation.compiled import reachable
    from escalation.engines.exact import columns
    from escalation.engines.stages import plan
    from escalation.scenario import Target

    s = load_scenario("venezuela-2025")
    s = s.replace(targets=s.targets + (Target(name="strikes_again", when=s.targets[0].when),))
    model = compile_model(s)
    reach = reachable(model)
    stages = plan(model, reach)
    holds = dict(zip(model.target_names, model.targets_hold(reach.states)))
    assert stages.closed(holds["us_casualties"]) and not stages.closed(holds["direct_strikes"])
    assert stages.closed(np.ones(reach.n_states, dtype=bool))
    c = columns(model, reach, stages, model.target_names, [("major_war", "de_escalation")])
    width = c.v0.shape[1]
    assert width == 1 + 7 + 1  # 7 absorbing targets (the copy shares), 1 race, the chain
    names = list(model.target_names)
    assert c.read_col[c.output[names.index("us_casualties")]] == width - 1
    assert c.output[names.index("strikes_again")] == c.output[names.index("direct_strikes")]
    assert c.output.size == len(names) + 3 and c.read_col.size == len(names) - 1 + 3
    assert len(set(c.read_col[c.output[len(names):]].tolist())) == 1
    got = exact_odds(model, horizon=120, races=[("major_war", "de_escalation")])
    cum, levels = dense_reference(s, 120)
    np.testing.assert_allclose(got.cumulative(), cum, rtol=0, atol=1e-12)
    assert got.cumulative()[names.index("strikes_again")].tolist() == got.cumulative()[0].tolist()
    # the race, against the dense chain absorbing in either target: where the mass entered
    p = dense_matrix(model, np.asarray(reach.states))
    a, b = holds["major_war"], holds["de_escalation"]
    q = p.copy()
    q[a | b] = np.eye(reach.n_states)[a | b]
    v = np.zeros(reach.n_states)
    v[0] = 1.0
    expected = np.zeros((3, 121))
    for d in range(121):
        expected[:, d] = v[a & ~b].sum(), v[b & ~a].sum(), v[a & b].sum()
        v = v @ q
    np.testing.assert_allclose(got.race("major_war", "de_escalation").cumulative(), expected, rtol=0, atol=1e-12)


def test_a_target_held_at_the_start_has_odds_exactly_one():
    from escalation import load_scenario

    s = load_scenario("tutorial").with_start(BLUE="strike")
    r = exact_odds(s, horizon=365)
    assert r.cumulative()[list(r.targets).index("blue_strikes")].tolist() == [1.0] * 366


@pytest.mark.parametrize("n_targets", [0, 1, 5, 21])
def test_any_number_of_columns(n_targets: int):
    # targets j = 0, 1, ... alternate between three conditions, one of them true at the start
    from escalation.scenario import Actor, Move, Rung, Scenario, Target

    ladder = (Rung(id="a", level=0), Rung(id="b", level=4), Rung(id="c", level=8))
    s = Scenario(
        id="wide", title="wide", horizon=40, actors=(Actor(id="X", ladder=ladder, start="a"),),
        moves=(Move(actor="X", from_="a", to="b", p=0.05), Move(actor="X", from_="b", to="c", p=0.1),
               Move(actor="X", from_="b", to="a", p=0.2)),
        targets=tuple(Target(name=f"t{j}", when=("X == a", "X >= b", "X == c")[j % 3]) for j in range(n_targets)),
    )
    got = exact_odds(s)
    cum, levels = dense_reference(s, 40)
    np.testing.assert_allclose(got.cumulative(), cum, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got.level_distribution(), levels, rtol=0, atol=1e-14)
    if n_targets:  # "X == a" holds at the start: hit on day 0
        assert got.cumulative()[0].tolist() == [1.0] * 41


def test_re_parameterised_solves_reuse_the_plan_and_match_a_fresh_scenario():
    from escalation import load_scenario

    s = load_scenario("venezuela-2025")
    model = compile_model(s)
    base = exact_odds(model, horizon=90)
    rng = np.random.default_rng(3)
    for _ in range(3):
        p = model.move_p * rng.uniform(0.5, 1.0, model.n_moves)
        variant = model.with_numbers(p=p)
        assert variant.cache is model.cache
        moves = tuple(dataclasses.replace(m, p=float(q), within=None, range=None, beta=None) for m, q in zip(s.moves, p))
        fresh = s.replace(moves=moves)
        np.testing.assert_allclose(exact_odds(variant, horizon=90).cumulative(),
                                   exact_odds(fresh, horizon=90).cumulative(), rtol=0, atol=1e-13)
    assert exact_odds(model, horizon=90).cumulative().tolist() == base.cumulative().tolist()


def test_with_numbers_refuses_bad_numbers(tutorial):
    model = compile_model(tutorial)
    with pytest.raises(ValueError, match=r"moves\[0\] \(BLUE: alert -> strike\): expected a daily probability in \[0, 1\], found 1.5"):
        model.with_numbers(p=np.where(np.arange(model.n_moves) == 0, 1.5, model.move_p))
    with pytest.raises(ValueError, match="expected 5 move probabilities, found 2"):
        model.with_numbers(p=[0.1, 0.2])
    with pytest.raises(ScenarioError, match="outgoing daily probabilities add up to"):
        model.with_numbers(p=np.full(model.n_moves, 0.9))


def test_day_and_name_validation_is_shared_by_both_engines(tutorial):
    from escalation.engines.montecarlo import simulate

    for odds in (exact_odds(tutorial), simulate(tutorial, runs=100, seed=1)):
        with pytest.raises(ValueError, match="day must be a whole number in"):
            odds.probability("blue_strikes", -5)
        with pytest.raises(ValueError, match="day must be a whole number in"):
            odds.probability("blue_strikes", odds.horizon + 1)
        with pytest.raises(KeyError, match="unknown target 'nope'"):
            odds.first_day_pmf("nope")
        assert odds.cumulative().shape == (4, odds.horizon + 1)
        assert odds.level_distribution().shape == (odds.horizon + 1, 11)
        assert isinstance(odds.probability("blue_strikes"), float)
        assert isinstance(odds.first_day_quantile("blue_strikes", 0.5), float)
        assert list(odds) == list(tutorial.target_names) and len(odds) == 4 and "settlement" in odds


def _race_scenario():
    from escalation.scenario import Actor, Move, Rung, Scenario, Target

    ladder = (Rung(id="a", level=0), Rung(id="b", level=4), Rung(id="c", level=8))
    return Scenario(
        id="race", title="race", horizon=60,
        actors=(Actor(id="X", ladder=ladder, start="a"), Actor(id="Y", ladder=ladder, start="a")),
        moves=(Move(actor="X", from_="a", to="b", p=0.03), Move(actor="Y", from_="a", to="b", p=0.02),
               Move(actor="Y", from_="b", to="c", p=0.05, when="X == b")),
        targets=(Target(name="x", when="X == b"), Target(name="y", when="Y >= b"), Target(name="yc", when="Y == c")),
    )


def test_race_of_two_independent_geometric_hazards_has_a_closed_form():
    # X and Y move independently with daily p and q: X first on day d with (1-p)^(d-1) p (1-q)^d,
    # the same day with (1-p)^(d-1) p (1-q)^(d-1) q.
    p, q, horizon = 0.03, 0.02, 60
    race = exact_odds(_race_scenario(), races=[("x", "y")]).race("x", "y")
    d = np.arange(1, horizon + 1)
    first = np.cumsum((1 - p) ** (d - 1) * p * (1 - q) ** d)
    second = np.cumsum((1 - q) ** (d - 1) * q * (1 - p) ** d)
    tie = np.cumsum((1 - p) ** (d - 1) * p * (1 - q) ** (d - 1) * q)
    np.testing.assert_allclose(race.cumulative()[:, 1:], [first, second, tie], rtol=1e-12, atol=0)
    assert race.neither() == pytest.approx((1 - p) ** horizon * (1 - q) ** horizon, rel=1e-12)
    assert race.first_wins(0) == 0.0
    with pytest.raises(ValueError, match="exact odds have no sampling interval"):
        race.ci95("first")


def test_races_are_checked_and_do_not_change_the_targets_odds():
    s = _race_scenario()
    plain = exact_odds(s)
    with_races = exact_odds(s, targets=["x"], races=[("yc", "x"), ("y", "x")])
    assert with_races.cumulative().tolist() == plain.cumulative()[:1].tolist()
    assert with_races.race("yc", "x").first_wins() == 0.0  # Y reaches c only after X is at b
    with pytest.raises(KeyError, match="race x vs y was not computed"):
        with_races.race("x", "y")
    with pytest.raises(ValueError, match="a race is two different targets"):
        exact_odds(s, races=[("x", "x")])
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        exact_odds(s, races=[("x", "nope")])


def test_many_parameter_sets_at_once_equal_one_by_one():
    from escalation import load_scenario
    from escalation.engines.exact import BATCH, exact_odds_many

    model = compile_model(load_scenario("venezuela-2025"))
    rng = np.random.default_rng(5)
    models = [model.with_numbers(p=np.minimum(model.move_p * rng.uniform(0.5, 1.5, model.n_moves), 0.2))
              for _ in range(BATCH + 3)]
    # a zero probability changes the reachable states: that model gets a plan of its own
    models.append(model.with_numbers(p=np.where(np.arange(model.n_moves) == 0, 0.0, model.move_p)))
    pairs = [("major_war", "de_escalation")]
    many = exact_odds_many(models, horizon=30, races=pairs, workers=2)
    assert len(many) == len(models)
    for m, got in zip(models, many):
        want = exact_odds(m, horizon=30, races=pairs)
        # the same sums in the same order, whichever layout the kernel runs: equal to the bit
        np.testing.assert_array_equal(got.cumulative(), want.cumulative())
        np.testing.assert_array_equal(got.level_distribution(), want.level_distribution())
        np.testing.assert_array_equal(got.race(*pairs[0]).cumulative(), want.race(*pairs[0]).cumulative())
        assert got.model is m
    assert exact_odds_many([], horizon=30) == []
    other = compile_model(load_scenario("tutorial"))
    with pytest.raises(ValueError, match="with_numbers\\(\\) variant of one compiled model"):
        exact_odds_many([model, other])


def test_a_factor_that_underflows_a_probability_to_zero_is_still_in_the_support():
    # 0.125 x 5e-324 rounds to 0: the reachable search and the plan must agree that the move
    # is possible (found by hypothesis: the search used the rounded product, the plan the support).
    from escalation.scenario import Actor, Modifier, Move, Rung, Scenario, Target

    ladder = (Rung(id="r0", level=0), Rung(id="r1", level=0))
    s = Scenario(id="tiny", title="tiny", horizon=1,
                 actors=(Actor(id="A", ladder=ladder, start="r0"), Actor(id="B", ladder=ladder, start="r0")),
                 moves=(Move(actor="B", from_="r0", to="r1", p=0.125),),
                 modifiers=(Modifier(when="A == r0", factor=5e-324),),
                 targets=(Target(name="t", when="B == r1"),))
    assert exact_odds(s).cumulative().tolist() == [[0.0, 0.0]]
    cum, levels = dense_reference(s, 1)
    np.testing.assert_allclose(exact_odds(s).level_distribution(), levels, atol=0)
