from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import binomial_tail, synthetic, two_rung, z_score
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_strategies import scenarios

from escalation import ScenarioError, load_scenario
from escalation.engines.exact import exact_odds
from escalation.engines.montecarlo import CHUNK_SIZE, simulate
from escalation.rng import seed_entropy
from escalation.scenario import Actor, Move, Rung, Scenario, Target


def test_two_rungs_within_binomial_error():
    p, horizon, runs = 0.02, 50, 100_000
    sim = simulate(two_rung(p, horizon), runs=runs, seed=11)
    exact = 1 - (1 - p) ** horizon
    assert abs(z_score(sim.probability("war"), exact, runs)) < 4.5
    # The first-hit day is geometric: check its mean too.
    days = np.arange(horizon + 1)
    pmf_exact = np.diff(1 - (1 - p) ** days, prepend=0.0)
    mean_exact = (days * pmf_exact).sum() / pmf_exact.sum()
    counts = sim.first_hits[0]
    mean_mc = (days * counts).sum() / counts.sum()
    assert abs(mean_mc - mean_exact) < 4.5 * 15 / math.sqrt(counts.sum())


@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025"])
def test_bundled_scenarios_agree_with_exact(name: str):
    scenario = load_scenario(name)
    runs = 60_000
    sim = simulate(scenario, runs=runs, seed=2024)
    ex = exact_odds(scenario)
    for target in scenario.target_names:
        assert abs(z_score(sim.probability(target), ex.probability(target), runs)) < 4.5, target
        # and on an intermediate day
        d = scenario.horizon // 3
        assert abs(z_score(sim.probability(target, d), ex.probability(target, d), runs)) < 4.5, (target, d)
    level = sim.level_distribution()
    assert np.abs(level - ex.level_distribution()).max() < 4.5 * 0.5 / math.sqrt(runs)


@given(scenario=scenarios(max_actors=3))
@settings(max_examples=40)
def test_random_scenarios_agree_with_exact(scenario):
    runs = 3000
    sim = simulate(scenario, runs=runs, seed=7)
    ex = exact_odds(scenario)
    for target in scenario.target_names:
        # Exact binomial test at the 4.5-sigma level: counts here can be small.
        assert binomial_tail(sim.hits(target), runs, ex.probability(target)) > 6.8e-6, target
    assert (np.diff(np.cumsum(sim.first_hits, axis=1), axis=1) >= 0).all()
    assert sim.level_counts.sum(axis=1).tolist() == [runs] * (scenario.horizon + 1)


@given(scenarios(max_actors=2))
@settings(max_examples=15)
def test_same_seed_same_result(scenario):
    a = simulate(scenario, runs=500, seed=3)
    b = simulate(scenario, runs=500, seed=3)
    assert np.array_equal(a.first_hits, b.first_hits)
    assert np.array_equal(a.level_counts, b.level_counts)
    assert np.array_equal(a.sample_paths, b.sample_paths)
    assert a.top_paths == b.top_paths


def _same(one, two) -> None:
    assert np.array_equal(one.sample_paths, two.sample_paths)
    assert np.array_equal(one.first_hits, two.first_hits)
    assert np.array_equal(one.level_counts, two.level_counts)
    assert one.top_paths == two.top_paths and one.path_count_error == two.path_count_error


@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025"])
def test_result_does_not_depend_on_workers(name):
    scenario = load_scenario(name)
    runs = 2 * CHUNK_SIZE + 123  # straddles chunk boundaries
    one = simulate(scenario, runs=runs, seed=5, workers=1)
    for workers in (2, 3, None):  # None: every core
        _same(one, simulate(scenario, runs=runs, seed=5, workers=workers))


def test_a_run_is_the_sum_of_its_chunks(tutorial):
    # Each chunk is a function of (seed, chunk index) alone: a run of three chunks adds up
    # the chunks walked one by one, and the first trajectories of chunk 0 do not depend on
    # how many follow them.
    from escalation.compiled import compile_model
    from escalation.engines.montecarlo import chunks, walk

    model = compile_model(tutorial)
    runs, h = 2 * CHUNK_SIZE + 7, tutorial.horizon
    targets = np.arange(len(tutorial.targets))
    parts = [walk(model, targets, h, size, 99, c, 0) for c, size in chunks(runs)]
    assert [p.first_hits.sum(axis=1).shape for p in parts] == [(4,)] * 3
    whole = simulate(tutorial, runs=runs, seed=99, n_sample=0)
    assert np.array_equal(whole.first_hits, sum(p.first_hits for p in parts))
    assert np.array_equal(whole.level_counts, sum(p.occupancy for p in parts))
    for runs_small in (1, 300, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1):
        small = simulate(tutorial, runs=runs_small, seed=99, n_sample=min(runs_small, 200))
        big = simulate(tutorial, runs=3 * CHUNK_SIZE, seed=99, n_sample=min(runs_small, 200))
        assert np.array_equal(small.sample_paths, big.sample_paths)


def test_seed_forms_are_equivalent(tutorial):
    from numpy.random import SeedSequence, default_rng

    a = simulate(tutorial, runs=1000, seed=42)
    b = simulate(tutorial, runs=1000, seed=SeedSequence(42))
    assert np.array_equal(a.first_hits, b.first_hits)
    c = simulate(tutorial, runs=1000, seed=default_rng(1))
    d = simulate(tutorial, runs=1000, seed=c.entropy)
    assert np.array_equal(c.first_hits, d.first_hits)
    fresh = simulate(tutorial, runs=1000)
    assert fresh.entropy == seed_entropy(fresh.entropy)


def test_unreachable_target_has_zero_odds_in_both_engines():
    ladder = (Rung(id="a", level=0), Rung(id="b", level=3), Rung(id="c", level=6))
    s = Scenario(id="u", title="U", actors=(Actor(id="A", ladder=ladder, start="a"),),
                 moves=(Move(actor="A", from_="a", to="b", p=0.3),),
                 targets=(Target(name="never", when="A == c"), Target(name="often", when="A == b")))
    assert simulate(s, runs=5000, seed=1).probability("never") == 0.0
    assert exact_odds(s).probability("never") == 0.0


def test_probability_sum_above_one_is_an_error_at_run_time():
    ladder = (Rung(id="a", level=0), Rung(id="b", level=3), Rung(id="c", level=6))
    s = Scenario(id="x", title="X", actors=(Actor(id="A", ladder=ladder, start="a"),),
                 moves=(Move(actor="A", from_="a", to="b", p=0.6), Move(actor="A", from_="a", to="c", p=0.6)),
                 targets=(Target(name="t", when="A == c"),))
    with pytest.raises(ScenarioError, match="actor A at rung a: outgoing daily probabilities add up to 1.2 > 1"):
        simulate(s, runs=10, seed=1)


def test_scales_past_what_can_be_enumerated():
    s = synthetic()  # 8 actors x 10 rungs = 10^8 joint states
    assert s.n_joint_states == 10**8
    sim = simulate(s, runs=20_000, seed=9)
    p = sim.probability("any_high")
    assert 0.0 < p < 1.0
    lo, hi = p - 4.5 * math.sqrt(p * (1 - p) / 20_000), p + 4.5 * math.sqrt(p * (1 - p) / 20_000)
    again = simulate(s, runs=20_000, seed=10).probability("any_high")
    assert lo - 0.02 < again < hi + 0.02


def test_paths_and_samples(tutorial):
    sim = simulate(tutorial, runs=20_000, seed=4, n_sample=50)
    assert sim.sample_paths.shape == (50, tutorial.horizon + 1, 2)
    assert sim.sample_paths[:, 0].tolist() == [list(tutorial.start_state)] * 50
    counts = [p.count for p in sim.top_paths]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= sim.runs
    assert sim.path_count_error == 0  # few distinct paths: counted exactly
    strike_first = [p for p in sim.top_paths if p.moves[:1] == (("BLUE", "alert", "strike"),)]
    assert strike_first, "a path starting with Blue's strike is among the most frequent"
    assert strike_first[0].describe(tutorial).startswith("BLUE: Forces on alert -> Limited strike")
    # Paths stop at the first target hit: after "alert -> strike" (blue_strikes) nothing
    # follows, except a Red move on the same day: one event, its moves recorded in actor order.
    for p in strike_first:
        assert p.moves[1:] in ((), (("RED", "calm", "mobilised"),))


def test_bad_arguments(tutorial):
    with pytest.raises(ValueError, match="runs must be a whole number in"):
        simulate(tutorial, runs=0)
    with pytest.raises(ValueError, match="runs must be a whole number in"):
        simulate(tutorial, runs=2**60)
    with pytest.raises(ValueError, match="horizon must be a whole number of days in"):
        simulate(tutorial, runs=10, horizon=10**9)
    with pytest.raises(KeyError, match="unknown target"):
        simulate(tutorial, runs=10, targets=["nope"])


def test_sample_paths_follow_the_path_counts(tutorial):
    # Whole sampled paths and the recorded escalation paths describe the same trajectories:
    # a trajectory that never leaves the start state has the empty path.
    sim = simulate(tutorial, runs=300, seed=12, n_sample=300)
    unchanged = int((sim.sample_paths == sim.sample_paths[:, :1]).all(axis=(1, 2)).sum())
    no_change = sum(p.count for p in sim.top_paths if not p.moves)
    assert unchanged == no_change


@given(rows=st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=300))
@settings(max_examples=60)
def test_path_grouping_is_exact(rows):
    from collections import Counter

    from escalation.engines.walk import count_paths

    paths = np.array(rows, dtype=np.int32)
    first, counts = count_paths(paths)
    groups = {tuple(paths[i]): int(c) for i, c in zip(first, counts)}
    assert len(groups) == len(first)  # no row split over two groups
    assert groups == dict(Counter(map(tuple, rows)))
    assert (first == np.sort(first)).all() and all((paths[: i] != paths[i]).any(axis=1).all() for i in first)


@given(seed=st.integers(0, 2**32 - 1), n_chunks=st.integers(1, 12))
@settings(max_examples=25)
def test_path_sketch_counts_are_bounded_lower_bounds(seed, n_chunks):
    # Zipf-like path frequencies, far more distinct paths than the sketch keeps.
    from collections import Counter

    from escalation.engines import paths as paths_mod
    from escalation.engines.paths import PathSketch

    rng = np.random.default_rng(seed)
    truth: Counter = Counter()
    sketch = PathSketch(width=3)
    for _ in range(n_chunks):
        ids = np.minimum(rng.zipf(1.3, size=5000), 20_000)
        rows = np.stack([ids % 97, ids // 97, np.full_like(ids, 1)], axis=1).astype(np.int32)
        uniq, counts = np.unique(rows, axis=0, return_counts=True)
        truth.update({tuple(r): int(c) for r, c in zip(uniq, counts)})
        sketch.add_chunk(uniq, counts.astype(np.int64))
    assert len(sketch.counts) <= paths_mod.MAX_PATHS
    for row, count in zip(sketch.rows, sketch.counts):
        true = truth[tuple(row)]
        assert count <= true <= count + sketch.error
    kept = {tuple(r) for r in sketch.rows}
    assert all(c <= sketch.error for r, c in truth.items() if r not in kept)
    assert list(sketch.counts) == sorted(sketch.counts, reverse=True)


def test_certain_and_impossible_moves():
    # A move with daily probability 1 happens on day 1 in every trajectory; one with
    # probability 0 never does, and a scenario with nothing left to do stops walking.
    ladder = (Rung(id="a", level=0), Rung(id="b", level=3), Rung(id="c", level=6))
    s = Scenario(
        id="certain", title="certain", horizon=30,
        actors=(Actor(id="X", ladder=ladder, start="a"), Actor(id="Y", ladder=ladder, start="a")),
        moves=(Move(actor="X", from_="a", to="b", p=1.0), Move(actor="X", from_="b", to="c", p=0.0),
               Move(actor="Y", from_="a", to="b", p=0.5)),
        targets=(Target(name="x_b", when="X == b"), Target(name="x_c", when="X == c"), Target(name="y_b", when="Y == b")),
    )
    sim = simulate(s, runs=4000, seed=5)
    assert sim.first_hits[0, 1] == 4000 and sim.hits("x_c") == 0
    ex = exact_odds(s)
    for day in (1, 2, 30):
        assert binomial_tail(sim.hits("y_b", day), 4000, ex.probability("y_b", day)) > 6.8e-6


def test_races_agree_with_exact_and_leave_the_sample_unchanged():
    from test_exact import _race_scenario

    s = _race_scenario()
    runs = 40_000
    pairs = [("x", "y"), ("yc", "x")]
    sim = simulate(s, runs=runs, seed=8, races=pairs)
    ex = exact_odds(s, races=pairs)
    for pair in pairs:
        got, want = sim.race(*pair), ex.race(*pair)
        for d in (10, 60):
            for outcome in ("first_wins", "second_wins", "tie"):
                p_mc, p_ex = getattr(got, outcome)(d), getattr(want, outcome)(d)
                assert binomial_tail(round(p_mc * runs), runs, p_ex) > 6.8e-6, (pair, outcome, d)
    plain = simulate(s, runs=runs, seed=8)
    assert np.array_equal(plain.first_hits, sim.first_hits) and plain.top_paths == sim.top_paths
    assert np.array_equal(simulate(s, runs=runs, seed=8, races=pairs, workers=1).race("x", "y").cumulative(),
                          sim.race("x", "y").cumulative())
