from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import binomial_tail, synthetic, two_rung, z_score
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_strategies import scenarios

from escalation import ScenarioError, load_scenario
from escalation.exact import exact_odds
from escalation.montecarlo import CHUNK_SIZE, simulate
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


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025"])
def test_bundled_scenarios_agree_with_exact(name: str, kernel: str):
    scenario = load_scenario(name)
    runs = 60_000
    sim = simulate(scenario, runs=runs, seed=2024, kernel=kernel)
    assert sim.kernel == kernel
    ex = exact_odds(scenario)
    for target in scenario.target_names:
        assert abs(z_score(sim.probability(target), ex.probability(target), runs)) < 4.5, target
        # and on an intermediate day
        d = scenario.horizon // 3
        assert abs(z_score(sim.probability(target, d), ex.probability(target, d), runs)) < 4.5, (target, d)
    level = sim.level_distribution()
    assert np.abs(level - ex.level_distribution).max() < 4.5 * 0.5 / math.sqrt(runs)


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
@given(scenario=scenarios(max_actors=3))
@settings(max_examples=40)
def test_random_scenarios_agree_with_exact(scenario, kernel):
    runs = 3000
    sim = simulate(scenario, runs=runs, seed=7, kernel=kernel)
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


@pytest.mark.parametrize("kernel", ["numba", "numpy"])  # threads and processes
def test_result_does_not_depend_on_workers(tutorial, kernel):
    runs = 2 * CHUNK_SIZE + 123
    one = simulate(tutorial, runs=runs, seed=5, workers=1, kernel=kernel)
    for workers in (2, 3, None):  # None: every core for the compiled kernel, 1 for numpy
        two = simulate(tutorial, runs=runs, seed=5, workers=workers, kernel=kernel)
        assert np.array_equal(one.sample_paths, two.sample_paths)
        assert np.array_equal(one.first_hits, two.first_hits)
        assert np.array_equal(one.level_counts, two.level_counts)
        assert one.top_paths == two.top_paths and one.n_distinct_paths == two.n_distinct_paths


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


def test_scales_past_what_can_be_compiled():
    s = synthetic()  # 8 actors x 10 rungs = 10^8 joint states
    assert s.n_joint_states == 10**8
    with pytest.raises(ValueError, match="kernel 'numba' needs at most 200,000 reachable joint states"):
        simulate(s, runs=10, seed=9, kernel="numba")
    sim = simulate(s, runs=20_000, seed=9)
    assert sim.kernel == "numpy"
    p = sim.probability("any_high")
    assert 0.0 < p < 1.0
    lo, hi = p - 4.5 * math.sqrt(p * (1 - p) / 20_000), p + 4.5 * math.sqrt(p * (1 - p) / 20_000)
    again = simulate(s, runs=20_000, seed=10).probability("any_high")
    assert lo - 0.02 < again < hi + 0.02


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
def test_paths_and_samples(tutorial, kernel):
    sim = simulate(tutorial, runs=20_000, seed=4, n_sample=50, kernel=kernel)
    assert sim.sample_paths.shape == (50, tutorial.horizon + 1, 2)
    assert sim.sample_paths[:, 0].tolist() == [list(tutorial.start_state)] * 50
    counts = [p.count for p in sim.top_paths]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= sim.runs
    strike_first = [p for p in sim.top_paths if p.moves[:1] == (("BLUE", "alert", "strike"),)]
    assert strike_first, "a path starting with Blue's strike is among the most frequent"
    assert strike_first[0].describe(tutorial).startswith("BLUE: Forces on alert -> Limited strike")
    # Paths stop at the first target hit: after "alert -> strike" (blue_strikes) nothing
    # follows, except a Red move on the same day: one event, its moves recorded in actor order.
    for p in strike_first:
        assert p.moves[1:] in ((), (("RED", "calm", "mobilised"),))


def test_bad_arguments(tutorial):
    with pytest.raises(ValueError, match="runs must be a whole number >= 1"):
        simulate(tutorial, runs=0)
    with pytest.raises(KeyError, match="unknown target"):
        simulate(tutorial, runs=10, targets=["nope"])


def test_sample_paths_follow_the_path_counts(tutorial):
    # Whole sampled paths and the recorded escalation paths describe the same trajectories:
    # a trajectory that never leaves the start state has the empty path.
    for kernel in ("numba", "numpy"):
        sim = simulate(tutorial, runs=300, seed=12, n_sample=300, kernel=kernel)
        unchanged = int((sim.sample_paths == sim.sample_paths[:, :1]).all(axis=(1, 2)).sum())
        no_change = sum(p.count for p in sim.top_paths if not p.moves)
        assert unchanged == no_change, kernel


def test_auto_kernel_depends_on_the_work_only(tutorial):
    from escalation.montecarlo import AUTO_COMPILED_MIN_WORK

    small = simulate(tutorial, runs=1000, seed=1)
    assert small.kernel == "numpy"
    runs = AUTO_COMPILED_MIN_WORK // (tutorial.horizon + 1) + 1
    big = simulate(tutorial, runs=runs, seed=1, n_sample=0)
    assert big.kernel == "numba"
    assert simulate(tutorial, runs=1000, seed=1).kernel == small.kernel  # the same call, the same choice


@given(rows=st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=300))
@settings(max_examples=60)
def test_compiled_path_grouping_matches_the_sort(rows):
    from escalation._walk import count_paths
    from escalation._chunk import count_rows as _count_rows

    paths = np.array(rows, dtype=np.uint16)
    first, counts = count_paths(paths)
    assert counts.sum() == len(paths)
    groups = {tuple(paths[i]): int(c) for i, c in zip(first, counts)}
    assert len(groups) == len(first)  # no row split over two groups
    uniq, expected = _count_rows(paths, np.ones(len(paths), dtype=np.int64))
    assert groups == {tuple(r): int(c) for r, c in zip(uniq, expected)}
    assert (first == np.sort(first)).all() and all((paths[: i] != paths[i]).any(axis=1).all() for i in first)


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
def test_certain_and_impossible_moves(kernel):
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
    sim = simulate(s, runs=4000, seed=5, kernel=kernel)
    assert sim.first_hits[0, 1] == 4000 and sim.hits("x_c") == 0
    ex = exact_odds(s)
    for day in (1, 2, 30):
        assert binomial_tail(sim.hits("y_b", day), 4000, ex.probability("y_b", day)) > 6.8e-6
