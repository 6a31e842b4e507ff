"""Sensitivity: one at a time over ranges, adjoint elasticities against finite differences, Sobol indices."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.testing import assert_allclose

from escalation import load_scenario, loads_scenario
from escalation.analysis.sensitivity import (
    elasticities,
    range_sensitivity,
    sensitivity,
    sobol_indices,
    tornado_data,
)
from escalation.cli import cli
from escalation.compiled import compile_model
from escalation.engines.exact import exact_odds
from escalation.errors import EscalationError

# Two independent actors: the target depends on A's move only, B's move is noise.
TWO = """
schema: escalation/1
id: two
title: One number that matters, one that does not
horizon: 30
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
  - {id: B, start: idle, ladder: [{id: idle, level: 0}, {id: busy, level: 2}]}
moves:
  - {actor: A, from: calm, to: war, p: 0.02, range: [0.005, 0.05]}
  - {actor: B, from: idle, to: busy, p: 0.05, range: [0.01, 0.2]}
targets: {war: "A >= war"}
"""

# Ranges whose high ends add up to more than 1 from one rung.
CROWDED = """
schema: escalation/1
id: crowded
title: Two moves that may add up to more than 1
horizon: 10
actors:
  - {id: A, start: mid, ladder: [{id: low, level: 0}, {id: mid, level: 3}, {id: high, level: 8}]}
moves:
  - {actor: A, from: mid, to: high, p: 0.45, range: [0.2, 0.6]}
  - {actor: A, from: mid, to: low, p: 0.45, range: [0.2, 0.6]}
targets: {up: "A >= high"}
"""


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


def _odds(model, target, horizon, p=None, f=None):
    return exact_odds(model.with_numbers(p=p, factors=f), horizon=horizon, targets=[target]).probability(target)


def _central(model, target, horizon, kind, i, rel):
    """Richardson-extrapolated central difference (error O(h^4)) of the odds in number ``i``."""
    base = (model.move_p if kind == "p" else model.factor).copy()

    def diff(h):
        up, down = base.copy(), base.copy()
        up[i] += h
        down[i] -= h
        kw_up, kw_down = {kind if kind == "p" else "f": up}, {kind if kind == "p" else "f": down}
        return (_odds(model, target, horizon, **kw_up) - _odds(model, target, horizon, **kw_down)) / (2 * h)

    h = rel * base[i]
    return (4 * diff(h / 2) - diff(h)) / 3


# --- elasticities --------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["blue_strikes", "red_retaliates", "both_escalate"])
def test_elasticities_equal_finite_differences_on_the_tutorial(tutorial, target):
    model = compile_model(tutorial)
    e = elasticities(tutorial, target=target, horizon=40)
    assert e.odds == pytest.approx(exact_odds(tutorial, horizon=40).probability(target), rel=1e-12)
    # abs: where the derivative is 0 the quotient is rounding, a solve's ~1e-15 over a step of ~1e-5
    for i in range(model.n_moves):
        fd = _central(model, target, 40, "p", i, 1e-3)
        assert e.dp[i] == pytest.approx(fd, rel=1e-5, abs=1e-10), i
        assert e.move_elasticity[i] == pytest.approx(model.move_p[i] * fd / e.odds, rel=1e-5, abs=1e-10)
    fd = _central(model, target, 40, "f", 0, 1e-3)
    assert e.dfactor[0] == pytest.approx(fd, rel=1e-5, abs=1e-12)


def test_elasticities_equal_finite_differences_on_venezuela(venezuela):
    model = compile_model(venezuela)
    e = elasticities(venezuela, target="major_war", horizon=60)
    checked = 0
    for i in np.argsort(-np.abs(e.move_elasticity))[:6]:  # the largest, where differences are well resolved
        assert e.dp[i] == pytest.approx(_central(model, "major_war", 60, "p", i, 1e-2), rel=1e-5)
        checked += 1
    for k in range(model.factor.size):
        if abs(e.factor_elasticity[k]) > 1e-3:
            assert e.dfactor[k] == pytest.approx(_central(model, "major_war", 60, "f", k, 1e-2), rel=1e-5)
            checked += 1
    assert checked >= 8


def test_elasticities_of_a_one_move_chain_are_closed_form():
    # odds = 1 - (1 - p)^T, so d log odds / d log p = T p (1 - p)^(T - 1) / odds.
    s = loads_scenario(TWO)
    e = elasticities(s, target="war")
    p, t = 0.02, 30
    odds = 1 - (1 - p) ** t
    assert e.move_elasticity[0] == pytest.approx(t * p * (1 - p) ** (t - 1) / odds, rel=1e-12)
    assert e.move_elasticity[1] == pytest.approx(0.0, abs=1e-12)
    rows = e.rows()
    assert rows[0]["label"] == "[0] A: calm -> war" and rows[0]["kind"] == "move"
    assert "Elasticities of war within 30 days" in e.table()
    assert list(e.to_pandas().columns) == ["kind", "index", "label", "value", "derivative", "elasticity"]
    assert json.dumps(e.to_dict())


def test_elasticities_need_the_exact_engine(tutorial):
    from escalation.errors import GraphTooLargeError

    with pytest.raises(GraphTooLargeError):
        elasticities(tutorial, target="blue_strikes", max_states=2)
    with pytest.raises(KeyError, match="nope"):
        elasticities(tutorial, target="nope")


# --- one at a time over ranges --------------------------------------------------------------------
def test_range_sensitivity_sets_each_number_to_its_ends(tutorial):
    sens = range_sensitivity(tutorial, target="red_retaliates", horizon=40)
    assert sens.mode == "range" and sens.factor is None and len(sens) == 3
    by_index = {m.index: m for m in sens.moves}
    window = by_index[0]
    low_daily = 1 - (1 - 0.1) ** (1 / 30)
    assert window.p_low == pytest.approx(low_daily, rel=1e-12)
    assert window.low == pytest.approx(
        exact_odds(tutorial.with_move_probability(0, low_daily), horizon=40).probability("red_retaliates"), rel=1e-12)
    beta = by_index[1]  # a beta prior is swept to its 5% and 95% quantiles
    from scipy.special import betaincinv

    assert (beta.p_low, beta.p_high) == pytest.approx((betaincinv(2, 198, 0.05), betaincinv(2, 198, 0.95)))
    swings = [m.swing for m in sens.moves]
    assert swings == sorted(swings, reverse=True)
    assert "each uncertain number set to the ends of its range" in sens.table()
    t = tornado_data(sens, top=2)
    assert (t.low_label, t.high_label, t.factor) == ("low end of range", "high end of range", None)


def test_range_sensitivity_with_factor_ranges_and_failures():
    s = loads_scenario(CROWDED)
    sens = range_sensitivity(s, target="up")
    for m in sens.moves:
        assert m.high is None and "add up to 1.05 > 1" in m.error
        assert m.low is not None
    tutorial = load_scenario("tutorial")
    sens = range_sensitivity(tutorial, target="red_retaliates", factor_ranges={0: (1.0, 3.0)})
    factor = next(m for m in sens.moves if m.kind == "factor")
    assert (factor.label, factor.p, factor.p_low, factor.p_high) == ("modifiers[0].factor", 2.0, 1.0, 3.0)
    assert factor.low < sens.base < factor.high


def test_factor_sweep_keeps_its_meaning(tutorial):
    sens = sensitivity(tutorial, target="blue_strikes")
    assert sens.mode == "factor" and sens.factor == 2.0
    t = tornado_data(sens)
    assert (t.low_label, t.high_label) == ("daily odds / 2", "daily odds x 2")


# --- Sobol --------------------------------------------------------------------------------------
def test_sobol_puts_the_variance_on_the_one_number_that_matters():
    pytest.importorskip("SALib")
    s = sobol_indices(loads_scenario(TWO), target="war", n=256, seed=3, bootstrap=50)
    assert s.labels == ("moves[0] A: calm -> war", "moves[1] B: idle -> busy")
    assert s.first[0] > 0.95 and s.total[0] > 0.95
    assert abs(s.total[1]) < 0.01 and abs(s.first[1]) < 0.05
    assert s.n == 256 and s.evaluations == 256 * 4 and s.bootstrap == 50 and s.conf_level == 0.95
    assert (s.first_conf > 0).all() and s.variance > 0
    again = sobol_indices(loads_scenario(TWO), target="war", n=256, seed=3, bootstrap=50, workers=1)
    assert np.array_equal(again.first, s.first) and np.array_equal(again.total_conf, s.total_conf)
    text = s.table()
    assert "n=256 (1,024 exact evaluations), 95% bootstrap intervals (50 resamples)" in text
    assert s.to_pandas().index[0] == "moves[0] A: calm -> war"
    assert json.dumps(s.to_dict())


def test_sobol_argument_errors(tutorial):
    pytest.importorskip("SALib")
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices(tutorial, target="blue_strikes", n=100)
    coin = loads_scenario(TWO.replace(", range: [0.005, 0.05]", "").replace(", range: [0.01, 0.2]", ""))
    with pytest.raises(EscalationError, match="no uncertain numbers"):
        sobol_indices(coin, target="war", n=8)
    with pytest.raises(EscalationError, match="Sobol sample points were rejected"):
        sobol_indices(loads_scenario(CROWDED), target="up", n=32, seed=1)


# --- command line --------------------------------------------------------------------------------
def test_cli_sensitivity_tables_and_json(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["sensitivity", "tutorial", "--target", "red_retaliates", "--top", "3"])
    assert res.exit_code == 0, res.output
    assert "each uncertain number set to the ends of its range (exact)" in res.output
    assert "Elasticities of red_retaliates within 60 days" in res.output
    out = tmp_path / "s.json"
    res = runner.invoke(cli, ["sensitivity", "tutorial", "--target", "blue_strikes", "--factor", "3", "--json",
                              str(out), "--plot", str(tmp_path / "t.png")])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["one_at_a_time"]["factor"] == 3.0 and data["elasticities"]["target"] == "blue_strikes"
    assert (tmp_path / "t.png").stat().st_size > 0


def test_cli_sensitivity_sobol():
    pytest.importorskip("SALib")
    res = CliRunner().invoke(cli, ["sensitivity", "tutorial", "--target", "blue_strikes", "--sobol", "--n", "64",
                                   "--bootstrap", "20", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "Sobol indices of blue_strikes within 60 days: n=64" in res.output


@pytest.mark.parametrize("args, message", [
    (["--target", "nope"], "unknown target 'nope'"),
    (["--target", "blue_strikes", "--set", "BLUE:alert->strik.p=0.1"], "unknown rung 'strik' of BLUE"),
    (["--target", "blue_strikes", "--set", "GREEN.start=calm"], "unknown actor 'GREEN'"),
    (["--target", "blue_strikes", "--set", "BLUE:alert->strike.q=0.1"], "unknown field 'q'"),
    (["--target", "blue_strikes", "--set", "BLUE:talks->strike.p=0.1"], "has no move from talks to strike"),
])
def test_cli_sensitivity_rejects_bad_input_in_one_line(args, message):
    res = CliRunner().invoke(cli, ["sensitivity", "tutorial", *args])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.output
