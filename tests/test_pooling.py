"""Pooling analysts' files: linear and log pools, weights, the dove example, the command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from escalation import load_scenario
from escalation.analysis.pooling import PooledForecast, WeightsError, check_weights, linear_pool, log_pool, pool
from escalation.cli import cli
from escalation.engines.exact import exact_odds
from escalation.errors import EscalationError


@pytest.fixture(scope="module")
def hawk():
    return load_scenario("venezuela-2025")


@pytest.fixture(scope="module")
def dove():
    return load_scenario("venezuela-2025-dove")


def test_pools_in_closed_form():
    assert linear_pool([0.1, 0.5], [0.25, 0.75]) == pytest.approx(0.4)
    # Log pool: weighted mean of the log-odds.
    p, w = np.array([0.1, 0.5, 0.8]), np.array([0.2, 0.3, 0.5])
    logit = np.log(p / (1 - p)) @ w
    assert log_pool(p, w) == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-12)
    assert log_pool([0.0, 0.5], [0.5, 0.5]) == 0.0 and log_pool([1.0, 0.5], [0.5, 0.5]) == 1.0
    assert math.isnan(log_pool([0.0, 1.0], [0.5, 0.5]))
    assert log_pool([0.0, 0.3], [0.0, 1.0]) == pytest.approx(0.3)  # a weight of 0 does not count
    for pooled in (linear_pool, log_pool):
        assert pooled([0.123456789] * 3, [1 / 3] * 3) == 0.123456789


def test_identical_files_pool_to_each_files_odds(hawk):
    p = pool([hawk, hawk, hawk], weights=[0.2, 0.3, 0.5])
    ex = exact_odds(hawk)
    for t in p.targets:
        assert t.odds == (ex.probability(t.name),) * 3 and all(t.exact)
        assert t.linear == t.log == t.pooled == ex.probability(t.name)
        assert t.spread == 0.0 and t.sd == 0.0
    assert p.names == ("venezuela_2025.yaml #1", "venezuela_2025.yaml #2", "venezuela_2025.yaml #3")
    assert np.array_equal(p.cumulative("major_war"), ex.cumulative()[ex.targets.index("major_war")])


def test_two_analysts(hawk, dove):
    p = pool({"hawk": hawk, "dove": dove}, weights={"hawk": 0.6, "dove": 0.4}, method="log")
    assert isinstance(p, PooledForecast) and p.names == ("hawk", "dove") and p.weights == (0.6, 0.4)
    t = p["direct_strikes"]
    a, b = exact_odds(hawk).probability("direct_strikes"), exact_odds(dove).probability("direct_strikes")
    assert t.odds == (a, b) and t.low == b and t.high == a
    assert t.linear == pytest.approx(0.6 * a + 0.4 * b, rel=1e-12)
    assert t.pooled == t.log and b < t.log < t.linear < a  # the log pool lies below the linear pool here
    assert t.sd == pytest.approx(math.sqrt(0.6 * 0.4) * (a - b), rel=1e-12)
    text = p.table()
    assert text.splitlines()[0] == "Pooled odds within 90 days (log pool; weights hawk 0.6, dove 0.4)"
    assert "linear pool" in text.splitlines()[1]
    assert p._repr_html_().startswith("<table>")
    assert p.to_pandas().loc["direct_strikes", "hawk"] == a
    data = json.loads(p.to_json())
    assert data["targets"]["direct_strikes"]["odds"] == {"hawk": a, "dove": b} and data["method"] == "log"
    # The dove really is the more restrained analyst, except on de-escalation.
    for name in ("direct_strikes", "blockade", "major_war", "venezuelan_retaliation"):
        assert p[name].odds[1] < p[name].odds[0]
    assert p["de_escalation"].odds[1] > p["de_escalation"].odds[0]


@pytest.mark.parametrize("weights, message", [
    ([0.5, 0.6], "weights must sum to 1, found 1.1"),
    ([0.5], "expected 2 weights"),
    ([1.5, -0.5], "expected weights >= 0"),
    ({"a": 0.5, "c": 0.5}, "weights name unknown files: 'c'"),
    ({"a": 1.0}, "no weight for 'b'"),
    (["x", "y"], "expected numbers"),
])
def test_bad_weights(weights, message):
    with pytest.raises(WeightsError, match=message):
        check_weights(["a", "b"], weights)


def test_pool_errors(hawk, tutorial):
    with pytest.raises(EscalationError, match="at least one"):
        pool([])
    with pytest.raises(EscalationError, match="share no target"):
        pool([hawk, tutorial])
    with pytest.raises(EscalationError, match="'settlement' is not in venezuela_2025.yaml"):
        pool([tutorial, hawk], targets=["settlement"])
    with pytest.raises(ValueError, match="method must be"):
        pool([hawk], method="mean")


def test_monte_carlo_files_use_one_seed(tutorial):
    p = pool([tutorial, tutorial], max_states=2, runs=5_000, seed=3)
    assert p.seed == 3 and not any(p["blue_strikes"].exact)
    t = p["blue_strikes"]
    assert t.odds[0] == t.odds[1] == t.linear == t.log  # the same seed: the same trajectories


def test_cli_pool(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["pool", "venezuela-2025", "venezuela-2025-dove", "--weights", "0.5,0.5"])
    assert res.exit_code == 0, res.output
    assert "Pooled odds within 90 days (linear pool; weights venezuela-2025 0.5, venezuela-2025-dove 0.5)" in res.output
    out = tmp_path / "p.json"
    res = runner.invoke(cli, ["pool", "venezuela-2025", "venezuela-2025-dove", "--weights",
                              "venezuela-2025=0.7,venezuela-2025-dove=0.3", "--method", "log", "--target",
                              "major_war", "--json", str(out), "--plot", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert list(data["targets"]) == ["major_war"] and data["weights"] == [0.7, 0.3]
    assert (tmp_path / "p.png").stat().st_size > 0
    res = runner.invoke(cli, ["pool", "tutorial", "tutorial", "--json", "-"])
    assert res.exit_code == 0, res.output
    pooled = json.loads(res.output)["targets"]["blue_strikes"]
    assert pooled["linear"] == pooled["log"] == pooled["odds"]["tutorial #1"]


@pytest.mark.parametrize("weights, message", [
    ("0.5,0.6", "weights must sum to 1, found 1.1"),
    ("venezuela-2025=0.5,hawk.yaml=0.5", "weights name unknown files: 'hawk.yaml'"),
    ("0.5,x", "--weights: expected numbers"),
    ("0.5", "expected 2 weights"),
])
def test_cli_pool_rejects_bad_weights(weights, message):
    res = CliRunner().invoke(cli, ["pool", "venezuela-2025", "venezuela-2025-dove", "--weights", weights])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.output


def test_dove_is_sourced_like_the_base_file(hawk, dove):
    assert dove.id == "venezuela-2025-dove" and dove.as_of == hawk.as_of and dove.horizon == hawk.horizon
    assert [a.id for a in dove.actors] == [a.id for a in hawk.actors]
    assert dove.target_names == hawk.target_names and len(dove.moves) == len(hawk.moves)
    assert {s.id for s in dove.sources} == {s.id for s in hawk.sources}
    for src in dove.sources:
        assert not src.date or src.date <= "2025-10-24", src.id
    changed = [i for i, (a, b) in enumerate(zip(hawk.moves, dove.moves)) if a != b]
    assert len(changed) >= 10
    for i in changed:
        assert dove.moves[i].source and dove.moves[i].rationale and dove.moves[i].range is not None


def test_pool_figure(hawk, dove):
    pytest.importorskip("matplotlib")
    from escalation.plots.distribution_views import plot_pool

    ax = plot_pool(pool([hawk, dove]), targets=["direct_strikes", "major_war"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["direct_strikes", "major_war"]
    assert ax.get_title() == "2 analysts pooled (linear pool as headline)"
