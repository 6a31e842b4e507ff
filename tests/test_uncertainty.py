"""Parameter uncertainty: priors, reproducible draws, batched exact solves, uncertain_odds and its outputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import betaincinv

from escalation import load_scenario, loads_scenario
from escalation.analysis.batch import ExactBatch, simulate_sets
from escalation.analysis.priors import (
    DRAW_BLOCK,
    draw_parameters,
    engine_numbers,
    uncertain_parameters,
)
from escalation.analysis.uncertainty import UncertainOdds, uncertain_odds
from escalation.compiled import compile_model
from escalation.engines.exact import exact_odds
from escalation.errors import ScenarioError

# One move with a daily range: the odds within T days are 1 - (1 - p)^T, increasing in p, so
# their quantiles are that function of the PERT quantiles of p.
ONE_MOVE = """
schema: escalation/1
id: one-move
title: One move, one range
horizon: 30
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
moves:
  - {actor: A, from: calm, to: war, p: 0.02, range: [0.01, 0.035]}
targets: {war: "A >= war"}
"""

# The same with window odds: the odds within the window's 90 days are the window probability.
WINDOW = """
schema: escalation/1
id: window
title: One move stated as window odds
horizon: 90
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
moves:
  - {actor: A, from: calm, to: war, within: {p: 0.3, days: 90}, range: [0.1, 0.5]}
targets: {war: "A >= war"}
"""

# Two ways out of one rung whose ranges can add up to more than 1.
CROWDED = """
schema: escalation/1
id: crowded
title: Two moves that may add up to more than 1
horizon: 10
actors:
  - {id: A, start: mid, ladder: [{id: low, level: 0}, {id: mid, level: 3}, {id: high, level: 8}]}
moves:
  - {actor: A, from: mid, to: high, p: 0.45, range: [0.2, 0.7]}
  - {actor: A, from: mid, to: low, p: 0.45, range: [0.2, 0.7]}
targets: {up: "A >= high"}
"""

COIN = """
schema: escalation/1
id: coin
title: No ranges
horizon: 10
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
moves:
  - {actor: A, from: calm, to: war, p: 0.1}
targets: {war: "A >= war"}
"""


def _pert(m, lo, hi):
    return 1 + 4 * (m - lo) / (hi - lo), 1 + 4 * (hi - m) / (hi - lo)


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


@pytest.fixture(scope="module")
def one_move():
    return loads_scenario(ONE_MOVE)


# --- priors --------------------------------------------------------------------------------------
def test_priors_of_the_tutorial(tutorial):
    params = uncertain_parameters(tutorial)
    assert [(p.kind, p.index, p.prior) for p in params] == [("move", 0, "pert"), ("move", 1, "beta"), ("move", 2, "pert")]
    window, beta, daily = params
    assert window.days == 30 and (window.lo, window.hi, window.value) == (0.1, 0.3, 0.2)
    assert (window.a, window.b) == pytest.approx(_pert(0.2, 0.1, 0.3))
    assert (beta.a, beta.b, beta.lo, beta.hi, beta.days) == (2, 198, 0.0, 1.0, None)
    assert daily.describe() == "PERT on [0.01, 0.04], mode 0.02 (daily)"
    # A window draw becomes the daily hazard with the same window odds.
    assert float(window.to_engine(0.2)) == pytest.approx(compile_model(tutorial).move_p[0], rel=1e-12)
    assert window.ends() == (0.1, 0.3)
    lo, hi = beta.ends()
    assert lo == pytest.approx(betaincinv(2, 198, 0.05)) and hi == pytest.approx(betaincinv(2, 198, 0.95))


def test_factor_ranges_are_checked(tutorial):
    params = uncertain_parameters(tutorial, factor_ranges={0: (1.5, 3)})
    assert params[-1].kind == "factor" and params[-1].label == "modifiers[0].factor"
    assert params[-1].describe() == "PERT on [1.5, 3], mode 2 (factor)"
    for bad, match in (({1: (1, 3)}, "modifier index"), ({0: (2.5, 3)}, "lo <= factor"), ({0: "x"}, "two numbers")):
        with pytest.raises(ScenarioError, match=match):
            uncertain_parameters(tutorial, factor_ranges=bad)


def test_draws_are_blocks_independent_of_the_count(tutorial):
    params = uncertain_parameters(tutorial)
    big = draw_parameters(params, 2 * DRAW_BLOCK + 17, entropy=5)
    small = draw_parameters(params, 40, entropy=5)
    assert_allclose(small, big[:40], rtol=0, atol=0)
    assert not np.array_equal(draw_parameters(params, 40, entropy=6), small)
    for j, prm in enumerate(params):
        assert ((big[:, j] >= prm.lo) & (big[:, j] <= prm.hi)).all()


# --- batched exact solves ------------------------------------------------------------------------
def test_batch_equals_the_exact_engine(venezuela):
    model = compile_model(venezuela)
    params = uncertain_parameters(venezuela)
    p, f = engine_numbers(params, draw_parameters(params, 11, entropy=3), model.move_p, model.factor)
    out = ExactBatch(model, horizon=40).solve(p, f, workers=2)
    assert out.valid.all() and out.cumulative.shape == (11, 8, 41)
    for i in (0, 7, 10):  # 10 is in a padded last block
        ref = exact_odds(model.with_numbers(p=p[i], factors=f[i]), horizon=40).cumulative()
        assert_allclose(out.cumulative[i], ref, rtol=1e-12, atol=1e-15)


def test_races_in_every_draw_equal_the_engines(venezuela):
    from escalation.analysis.batch import seed_of_set
    from escalation.engines.montecarlo import simulate

    pair = ("major_war", "de_escalation")
    model = compile_model(venezuela)
    params = uncertain_parameters(venezuela)
    p, f = engine_numbers(params, draw_parameters(params, 17, entropy=5), model.move_p, model.factor)
    out = ExactBatch(model, horizon=40, races=[pair]).solve(p, f, workers=2)
    assert out.race_cumulative.shape == (17, 1, 3, 41) and out.races == (pair,)
    for i in (0, 16):  # 16 is in a padded last block
        ref = exact_odds(model.with_numbers(p=p[i], factors=f[i]), horizon=40, races=[pair])
        assert_allclose(out.race_cumulative[i, 0], ref.race(*pair).cumulative(), rtol=1e-12, atol=1e-15)
        assert_allclose(out.cumulative[i], ref.cumulative(), rtol=1e-12, atol=1e-15)
    sims = simulate_sets(model, p[:2], f[:2], horizon=30, runs=2000, entropy=9, races=[pair])
    again = simulate(model.with_numbers(p=p[1], factors=f[1]), runs=2000, horizon=30, seed=seed_of_set(9, 1),
                     workers=1, n_sample=0, top_paths=0, races=[pair])
    np.testing.assert_array_equal(sims.race_cumulative[1, 0], again.race(*pair).cumulative())


def test_uncertain_race_odds(venezuela):
    pair = ("major_war", "de_escalation")
    u = uncertain_odds(venezuela, draws=48, seed=2, horizon=60, races=[pair])
    (race,) = u.races
    point = exact_odds(venezuela, horizon=60, races=[pair]).race(*pair)
    assert_allclose(race.point, (point.first_wins(), point.second_wins(), point.tie()), rtol=1e-12, atol=1e-15)
    assert u.race_odds.shape == (48, 1, 3)
    assert_allclose(race.median, np.median(u.race_odds[:, 0, :], axis=0), rtol=1e-12)
    # major war first means major war held by the horizon, in every draw
    assert (u.race_odds[:, 0, 0] <= u.target_odds("major_war") + 1e-12).all()
    assert race.low[0] < race.median[0] < race.high[0]
    doc = u.to_dict()["races"][0]
    assert doc["first"] == "major_war" and doc["first_wins"]["median"] == race.median[0]
    assert "race major_war vs de_escalation within 60 days: major_war first" in u.table()
    assert uncertain_odds(venezuela, draws=4, seed=2, horizon=10).races == ()
    with pytest.raises(KeyError, match="nope"):
        uncertain_odds(venezuela, draws=4, seed=2, races=[("major_war", "nope")])


def test_batch_rejects_sets_over_one_and_says_why():
    s = loads_scenario(CROWDED)
    m = compile_model(s)
    p = np.array([[0.45, 0.45], [0.6, 0.6], [0.3, 0.2]])
    out = ExactBatch(m, horizon=10).solve(p)
    assert out.valid.tolist() == [True, False, True]
    assert np.isnan(out.cumulative[1]).all()
    assert "add up to 1.2 > 1" in out.errors[1]
    with pytest.raises(ValueError, match="shape"):
        ExactBatch(m, horizon=10).solve(np.zeros((2, 3)))


def test_simulated_sets_are_reproducible(tutorial):
    m = compile_model(tutorial)
    p = np.stack([m.move_p, m.move_p * 0.5])
    one = simulate_sets(m, p, horizon=20, runs=3000, entropy=4, workers=1)
    two = simulate_sets(m, p, horizon=20, runs=3000, entropy=4, workers=2)
    assert np.array_equal(one.cumulative, two.cumulative)
    assert one.sampling_se.shape == (2, 4) and (one.sampling_se > 0).any()
    common = simulate_sets(m, np.stack([m.move_p, m.move_p]), horizon=20, runs=3000, entropy=4, common=True)
    assert np.array_equal(common.cumulative[0], common.cumulative[1])


# --- uncertain_odds ------------------------------------------------------------------------------
def test_one_move_interval_matches_the_analytic_distribution(one_move):
    u = uncertain_odds(one_move, draws=100_000, seed=11)
    a, b = _pert(0.02, 0.01, 0.035)

    def odds_quantile(q):
        p = 0.01 + 0.025 * betaincinv(a, b, q)
        return 1 - (1 - p) ** 30

    t = u["war"]
    assert abs(t.low - odds_quantile(0.05)) < 1e-3
    assert abs(t.median - odds_quantile(0.5)) < 1e-3
    assert abs(t.high - odds_quantile(0.95)) < 1e-3
    assert t.point == pytest.approx(1 - 0.98 ** 30, rel=1e-12)
    # Every draw is solved exactly: its odds are 1 - (1 - p)^T of its own p.
    p = u.samples[:, 0]
    assert_allclose(u.target_odds("war"), 1 - (1 - p) ** 30, rtol=1e-12)


def test_window_draws_give_window_odds():
    u = uncertain_odds(loads_scenario(WINDOW), draws=4000, seed=2)
    assert_allclose(u.target_odds("war"), u.samples[:, 0], rtol=1e-9)
    a, b = _pert(0.3, 0.1, 0.5)
    assert abs(u["war"].median - (0.1 + 0.4 * betaincinv(a, b, 0.5))) < 5e-3


def test_same_seed_same_result_whatever_the_workers(tutorial):
    one = uncertain_odds(tutorial, draws=100, seed=9, workers=1)
    two = uncertain_odds(tutorial, draws=100, seed=9, workers=2)
    assert np.array_equal(one.odds, two.odds) and np.array_equal(one.curves, two.curves)
    assert one.to_dict()["targets"] == two.to_dict()["targets"]
    prefix = uncertain_odds(tutorial, draws=30, seed=9)
    assert np.array_equal(prefix.odds, one.odds[:30])
    assert not np.array_equal(uncertain_odds(tutorial, draws=100, seed=10).odds, one.odds)


def test_no_ranges_gives_the_point_odds_and_says_so():
    u = uncertain_odds(loads_scenario(COIN), draws=50, seed=1)
    t = u["war"]
    assert not u.has_uncertainty and u.draws == 0 and u.n_valid == 0
    assert t.point == t.median == t.low == t.high == pytest.approx(1 - 0.9 ** 10)
    assert "no move carries a range or beta" in u.table()
    assert "no move carries a range or beta" in u.to_dict()["uncertainty"]["note"]
    assert u.band("war").shape == (3, 11)


def test_rejected_draws_are_counted_with_reasons():
    u = uncertain_odds(loads_scenario(CROWDED), draws=400, seed=3)
    assert 0 < u.rejected < 400 and u.n_valid + u.rejected == 400
    assert u.reasons and all("add up to" in r for r, _ in u.reasons)
    assert sum(n for _, n in u.reasons) <= u.rejected
    assert f"{u.rejected} of 400 draws rejected" in u.table()
    assert np.isfinite(u.odds).all()


def test_monte_carlo_keeps_its_sampling_error_apart(tutorial):
    exact = uncertain_odds(tutorial, draws=40, seed=5)
    mc = uncertain_odds(tutorial, draws=40, seed=5, method="mc", runs=4000, workers=2)
    again = uncertain_odds(tutorial, draws=40, seed=5, method="mc", runs=4000, workers=1)
    assert mc.engine == "mc" and mc.runs == 4000 and exact.engine == "exact"
    assert np.array_equal(mc.odds, again.odds)
    t, e = mc["blue_strikes"], exact["blue_strikes"]
    assert t.sampling_se is not None and 0 < t.sampling_se < 0.02 and e.sampling_se is None
    assert t.parameter_sd <= t.sd
    # Same parameter draws: each Monte Carlo odds within 5 standard errors of the exact one.
    se = np.sqrt(exact.odds * (1 - exact.odds) / 4000) + 1e-9
    assert (np.abs(mc.odds - exact.odds) < 5 * se + 1e-3).all()
    assert "sampling se" in mc.table()


def test_factor_ranges_spread_the_odds(tutorial):
    plain = uncertain_odds(tutorial, draws=64, seed=1, targets=["red_retaliates"])
    wider = uncertain_odds(tutorial, draws=64, seed=1, targets=["red_retaliates"], factor_ranges={0: (1, 4)})
    assert len(wider.parameters) == len(plain.parameters) + 1
    f = wider.samples[:, -1]
    assert (f >= 1).all() and (f <= 4).all() and f.std() > 0.3


def test_outputs(tutorial, tmp_path):
    u = uncertain_odds(tutorial, draws=64, seed=1, horizon=30, targets=["blue_strikes", "settlement"])
    assert isinstance(u, UncertainOdds) and list(u) == ["blue_strikes", "settlement"] and len(u) == 2
    assert "settlement" in u and "nope" not in u
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        u["nope"]
    lines = u.table().splitlines()
    assert lines[1].split()[:4] == ["target", "point", "odds", "median"]
    assert "64 of 64 draws over 3 uncertain numbers; seed 1; exact per draw" in u.table()
    html = u._repr_html_()
    assert html.startswith("<table>") and "90% interval" in html
    path = tmp_path / "u.json"
    u.to_json(path)
    data = json.loads(path.read_text())
    t = data["targets"]["blue_strikes"]
    assert t["interval"] == [u["blue_strikes"].low, u["blue_strikes"].high]
    assert data["manifest"]["seed"] == 1 and data["uncertainty"]["draws"] == 64
    assert len(data["uncertainty"]["parameters"]) == 3
    df = u.to_pandas()
    assert list(df.index) == ["blue_strikes", "settlement"]
    assert df.loc["settlement", "median"] == u["settlement"].median
    assert u.to_csv().splitlines()[0].startswith("target,point,median,low,high")
    band = u.band("blue_strikes")
    assert band.shape == (3, 31) and (band[0] <= band[1]).all() and (band[1] <= band[2]).all()
    assert abs(band[1, -1] - u["blue_strikes"].median) < 1e-12
    assert repr(u).startswith("<UncertainOdds tutorial: 2 targets, horizon 30 days, 64 of 64 draws")


def test_argument_errors(tutorial):
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="draws must be"):
            uncertain_odds(tutorial, draws=bad)
    with pytest.raises(ValueError, match="method must be"):
        uncertain_odds(tutorial, method="both")
    with pytest.raises(KeyError, match="nope"):
        uncertain_odds(tutorial, targets=["nope"])


def test_venezuela_spread_brackets_the_point_odds(venezuela):
    u = uncertain_odds(venezuela, draws=96, seed=1, targets=["direct_strikes", "major_war"])
    assert u.n_valid == 96 and len(u.parameters) == 77
    for t in u.targets:
        assert t.low < t.point < t.high and t.low < t.median < t.high
        assert math.isclose(t.point, exact_odds(venezuela, targets=[t.name]).probability(t.name), rel_tol=1e-12)


# --- figures -------------------------------------------------------------------------------------
def test_uncertainty_figures(tutorial):
    pytest.importorskip("matplotlib")
    from escalation.plots.distribution_views import plot_uncertainty, plot_uncertainty_band, uncertainty_figure

    u = uncertain_odds(tutorial, draws=50, seed=1)
    ax = plot_uncertainty(u, targets=["settlement", "blue_strikes"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["blue_strikes", "settlement"]
    assert ax.get_xlabel() == "Probability within 60 days"
    ax = plot_uncertainty_band(u)
    assert len(ax.lines) == 2 * len(u.targets) and len(ax.collections) == len(u.targets)
    fig = uncertainty_figure(u)
    assert len(fig.axes) == 2
    point_only = plot_uncertainty(uncertain_odds(loads_scenario(COIN), draws=5, seed=1))
    assert "point odds only" in point_only.get_title()
    with pytest.raises(KeyError, match="nope"):
        plot_uncertainty(u, targets=["nope"])


# --- run --uncertainty (the helper the run command calls) ------------------------------------------
def _uncertainty_cli():
    import click

    from escalation.cli.base import _Group
    from escalation.cli.analysis import run_uncertainty_command

    group = _Group()

    @group.command("run")
    @click.argument("scenario")
    @click.option("--uncertainty", "draws", type=int)
    @click.option("--method", default="auto")
    @click.option("--seed", type=int, default=None)
    @click.option("--target", "targets", multiple=True)
    @click.option("--json", "json_out", default=None)
    @click.option("--csv", "csv_out", default=None)
    def run(scenario, draws, method, seed, targets, json_out, csv_out):  # noqa: ANN001, ANN202
        run_uncertainty_command(scenario, draws=draws, method=method, runs=2000, horizon=None, seed=seed,
                                targets=targets, workers=None, max_states=200_000, json_out=json_out,
                                csv_out=csv_out, quiet=False)

    return group


def test_run_uncertainty_command(tmp_path):
    from click.testing import CliRunner

    group = _uncertainty_cli()
    runner = CliRunner()
    res = runner.invoke(group, ["run", "tutorial", "--uncertainty", "40", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert "odds with their uncertainty" in res.output and "40 of 40 draws" in res.output
    out = tmp_path / "u.json"
    res = runner.invoke(group, ["run", "tutorial", "--uncertainty", "40", "--seed", "3", "--json", str(out)])
    assert res.exit_code == 0 and json.loads(out.read_text())["uncertainty"]["draws"] == 40
    res = runner.invoke(group, ["run", "tutorial", "--uncertainty", "40", "--csv", "-"])
    assert res.exit_code == 0 and any(line.startswith("target,point,median") for line in res.output.splitlines())
    assert "(repeat these draws with --seed" in res.output  # on stderr, without --seed
    coin = tmp_path / "coin.yaml"
    coin.write_text(COIN)
    res = runner.invoke(group, ["run", str(coin), "--uncertainty", "10"])
    assert res.exit_code == 0 and "no move carries a range or beta" in res.output
    res = runner.invoke(group, ["run", "tutorial", "--uncertainty", "10", "--target", "nope"])
    assert res.exit_code == 2 and "unknown target 'nope'" in res.output
    res = runner.invoke(group, ["run", "tutorial", "--uncertainty", "10", "--method", "both"])
    assert res.exit_code == 2 and "one engine" in res.output
