"""What-if helpers: compare() tables and the one-at-a-time sensitivity sweep."""

from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose

from escalation import load_scenario, loads_scenario
from escalation.engines.exact import exact_odds
from escalation.analysis import run
from escalation.analysis import Cell, Comparison, compare, sensitivity, tornado_data

# One actor with two ways out of its start rung at 0.4 a day each: doubling either makes the
# rung's outgoing odds 1.2, which the engines refuse. A third move has probability 0.
SPLIT = """
schema: escalation/1
id: split
title: One actor, two ways out
horizon: 20
actors:
  - {id: A, start: mid, ladder: [{id: low, level: 0}, {id: mid, level: 3}, {id: high, level: 8}]}
moves:
  - {actor: A, from: mid, to: high, p: 0.4}
  - {actor: A, from: mid, to: low, p: 0.4}
  - {actor: A, from: low, to: mid, p: 0.0}
targets: {up: "A >= high"}
"""

# Two rungs, one move: the odds within T days are 1 - (1 - p)^T in closed form.
COIN = """
schema: escalation/1
id: coin
title: One actor, two rungs
horizon: 10
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
moves:
  - {actor: A, from: calm, to: war, p: 0.6}
targets: {war: "A >= war"}
"""


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


def _odds(scenario, target, horizon=None):
    return exact_odds(scenario, horizon=horizon, targets=[target]).probability(target)


# --- sensitivity -------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [0, 2, 4])
def test_sensitivity_matches_independent_exact_odds(tutorial, index):
    sens = sensitivity(tutorial, target="red_retaliates", factor=2.0)
    row = next(m for m in sens.moves if m.index == index)
    p = tutorial.moves[index].p
    assert row.p == p
    assert_allclose([row.p_low, row.p_high], [p / 2, min(1.0, 2 * p)])
    expected_low = _odds(tutorial.with_move_probability(index, p / 2), "red_retaliates")
    expected_high = _odds(tutorial.with_move_probability(index, 2 * p), "red_retaliates")
    assert_allclose([row.low, row.high], [expected_low, expected_high], rtol=1e-12)
    assert_allclose(sens.base, _odds(tutorial, "red_retaliates"), rtol=1e-12)
    assert row.error is None
    assert row.label == f"[{index}] {tutorial.move_label(index)}"


def test_sensitivity_on_venezuela_direct_strikes(venezuela):
    sens = sensitivity(venezuela, target="direct_strikes", factor=3.0, horizon=60, moves=[0, 38, 75])
    assert sens.method == "exact" and sens.horizon == 60 and sens.factor == 3.0
    assert {m.index for m in sens.moves} == {0, 38, 75}
    for m in sens.moves:
        p = venezuela.moves[m.index].p
        low = _odds(venezuela.with_move_probability(m.index, p / 3), "direct_strikes", horizon=60)
        high = _odds(venezuela.with_move_probability(m.index, p * 3), "direct_strikes", horizon=60)
        assert_allclose([m.low, m.high], [low, high], rtol=1e-12)
    # The move that leads straight to the target matters most, and raising it raises the odds.
    assert sens.moves[0].index == 0
    assert sens.moves[0].low < sens.base < sens.moves[0].high


def test_sensitivity_sorted_by_swing(tutorial):
    sens = sensitivity(tutorial, target="red_retaliates")
    swings = [m.swing for m in sens.moves]
    assert swings == sorted(swings, reverse=True)
    assert sorted(m.index for m in sens.moves) == list(range(len(tutorial.moves)))
    for m in sens.moves:
        values = [sens.base, m.low, m.high]
        assert m.swing == pytest.approx(max(values) - min(values), abs=1e-12)
    # Red retaliates only after a Blue strike, so Blue's strike move matters most; ties (zero
    # swings) come in move order.
    assert sens.moves[0].index == 0
    zero = [m.index for m in sens.moves if m.swing == 0]
    assert zero == sorted(zero)


def test_sensitivity_irrelevant_moves_have_exactly_zero_swing(tutorial):
    # Red's moves cannot change when Blue strikes: no floating-point noise in the swing.
    sens = sensitivity(tutorial, target="blue_strikes")
    by_index = {m.index: m for m in sens.moves}
    assert [by_index[i].swing for i in (2, 3, 4)] == [0.0, 0.0, 0.0]
    assert [m.index for m in sens.moves] == [0, 1, 2, 3, 4]


def test_sensitivity_records_invalid_variant_as_failed():
    s = loads_scenario(SPLIT)
    sens = sensitivity(s, target="up")
    by_index = {m.index: m for m in sens.moves}
    for i in (0, 1):
        m = by_index[i]
        assert m.high is None
        assert m.error is not None and "add up to 1.2 > 1" in m.error
        assert_allclose(m.low, _odds(s.with_move_probability(i, 0.2), "up"), rtol=1e-12)
        assert m.swing == pytest.approx(abs(m.low - sens.base))
    assert {m.index for m in sens.failed} == {0, 1}
    assert "failed" in sens.table()
    data = tornado_data(sens)
    assert any(math.isnan(x) for x in data.high)


def test_sensitivity_zero_move_and_clipping():
    s = loads_scenario(SPLIT)
    zero = next(m for m in sensitivity(s, target="up").moves if m.index == 2)
    assert zero.p == 0 and zero.low == zero.high == pytest.approx(0.5) and zero.swing == 0.0
    coin = loads_scenario(COIN)
    (m,) = sensitivity(coin, target="war", factor=2.0).moves
    assert m.p_high == 1.0 and m.high == pytest.approx(1.0)
    assert_allclose(m.low, 1 - (1 - 0.3) ** 10, rtol=1e-12)


def test_sensitivity_falls_back_to_monte_carlo(tutorial):
    exact = sensitivity(tutorial, target="blue_strikes", moves=[0])
    mc = sensitivity(tutorial, target="blue_strikes", moves=[0], max_states=2, runs=20_000, seed=3)
    assert exact.method == "exact" and exact.runs is None
    assert mc.method == "mc" and mc.runs == 20_000 and mc.seed == 3
    se = math.sqrt(0.25 / 20_000)
    assert abs(mc.base - exact.base) < 5 * se
    assert abs(mc.moves[0].high - exact.moves[0].high) < 5 * se
    again = sensitivity(tutorial, target="blue_strikes", moves=[0], max_states=2, runs=20_000, seed=3)
    assert again.moves == mc.moves


def test_sensitivity_argument_errors(tutorial):
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        sensitivity(tutorial, target="nope")
    with pytest.raises(IndexError, match="move index 9 out of range"):
        sensitivity(tutorial, target="blue_strikes", moves=[9])
    for bad in (1.0, 0.5, math.inf):
        with pytest.raises(ValueError, match="factor must be"):
            sensitivity(tutorial, target="blue_strikes", factor=bad)


def test_sensitivity_renders(tutorial):
    sens = sensitivity(tutorial, target="blue_strikes")
    text = sens.table()
    assert text.splitlines()[0].startswith("Odds of blue_strikes within 60 days")
    assert "[0] BLUE: alert -> strike" in text.splitlines()[3]
    assert "<table>" in sens._repr_html_()
    assert repr(sens) == "<Sensitivity of blue_strikes in tutorial to 5 moves: base 27.73%, factor 2, exact>"
    df = sens.to_pandas()
    assert list(df.index) == [m.index for m in sens.moves]
    assert df.loc[0, "high"] == sens.moves[0].high


def test_tornado_data(tutorial):
    sens = sensitivity(tutorial, target="red_retaliates")
    t = tornado_data(sens, top=3)
    assert t.labels == tuple(m.label for m in sens.moves[:3])
    assert t.low == tuple(m.low for m in sens.moves[:3])
    assert t.high == tuple(m.high for m in sens.moves[:3])
    assert (t.base, t.target, t.factor, t.horizon) == (sens.base, "red_retaliates", 2.0, 60)
    assert len(tornado_data(sens, top=50).labels) == len(tutorial.moves)
    with pytest.raises(ValueError, match="top must be"):
        tornado_data(sens, top=0)


# --- compare ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_results():
    s = load_scenario("tutorial")
    return {
        "base": run(s, runs=20_000, seed=1),
        "red mobilised": run(s.with_start(RED="mobilised"), runs=20_000, seed=1),
    }


def test_compare_cells_match_results(two_results):
    c = compare(two_results)
    assert isinstance(c, Comparison)
    assert c.variants == ("base", "red mobilised")
    assert c.targets == ("blue_strikes", "settlement", "red_retaliates", "both_escalate")
    assert c.horizons == (60, 60)
    for variant, r in two_results.items():
        for t in r.targets:
            cell = c.cell(t.name, variant)
            assert cell == Cell(probability=t.probability, ci95=t.ci95, exact=t.exact)
    assert c.cell("red_retaliates", "red mobilised").exact > c.cell("red_retaliates", "base").exact


def test_compare_table_text(two_results):
    c = compare(two_results)
    lines = c.table().splitlines()
    assert lines[0] == "Odds within 60 days with 95% Monte Carlo intervals"
    assert lines[1].split() == ["target", "base", "red", "mobilised"]
    r = two_results["red mobilised"]["red_retaliates"]
    expected = f"{100 * r.probability:.2f}% [{100 * r.ci95[0]:.2f}%, {100 * r.ci95[1]:.2f}%]"
    row = next(line for line in lines if line.startswith("red_retaliates"))
    assert row.endswith(expected)
    assert str(c) == c.table()
    html = c._repr_html_()
    assert html.startswith("<table>") and "red mobilised" in html and html.count("<tr>") == 5
    assert repr(c) == "<Comparison of 2 variants (base, red mobilised) on 4 targets>"


def test_compare_to_pandas(two_results):
    df = compare(two_results).to_pandas()
    assert df.index.names == ["target", "variant"]
    assert len(df) == 8
    wide = df["probability"].unstack("variant")
    assert wide.loc["blue_strikes", "base"] == two_results["base"]["blue_strikes"].probability
    assert df.loc[("settlement", "base"), "ci95_high"] == two_results["base"]["settlement"].ci95[1]


def test_compare_to_pandas_wide_keeps_order(tutorial, two_results):
    exact_only = run(tutorial, method="exact", targets=["red_retaliates"])
    c = compare({"mc": two_results["red mobilised"], "exact only": exact_only})
    wide = c.to_pandas(wide="exact")
    assert list(wide.index) == list(c.targets) == ["blue_strikes", "settlement", "red_retaliates", "both_escalate"]
    assert list(wide.columns) == ["mc", "exact only"]
    assert wide.loc["red_retaliates", "mc"] == two_results["red mobilised"]["red_retaliates"].exact
    assert wide.loc["red_retaliates", "exact only"] == exact_only["red_retaliates"].exact
    assert math.isnan(wide.loc["settlement", "exact only"])
    assert math.isnan(c.to_pandas(wide="ci95_low").loc["red_retaliates", "exact only"])
    with pytest.raises(ValueError, match="wide must be one of"):
        c.to_pandas(wide="odds")


def test_compare_selection_missing_and_exact_only(tutorial, two_results):
    exact_only = run(tutorial, method="exact", horizon=30, targets=["blue_strikes"])
    c = compare({"mc": two_results["base"], "exact 30d": exact_only}, targets=["settlement", "blue_strikes"])
    assert c.targets == ("settlement", "blue_strikes")
    assert c.cell("settlement", "exact 30d") is None
    cell = c.cell("blue_strikes", "exact 30d")
    assert cell.ci95 is None and cell.probability == cell.exact
    text = c.table()
    assert "horizons differ: mc 60, exact 30d 30 days" in text.splitlines()[0]
    assert text.splitlines()[3].rstrip().endswith("-")
    assert text.splitlines()[4].endswith("(exact)")
    assert len(c.rows()) == 3


def test_compare_errors(two_results):
    with pytest.raises(ValueError, match="at least one result"):
        compare({})
    with pytest.raises(KeyError, match="unknown target 'nope'"):
        compare(two_results, targets=["nope"])
    c = compare(two_results)
    with pytest.raises(KeyError, match="unknown variant"):
        c.cell("blue_strikes", "other")


# --- two scenarios and their difference ----------------------------------------------------------
def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tutorial):
    from escalation.analysis import run
    from escalation.analysis.whatif import compare_scenarios

    c = compare_scenarios(tutorial, tutorial, runs=20_000, seed=4)
    assert c.identical and c.seed == 4
    for r in c.rows:
        assert r.difference == 0.0 and r.ci95 == (0.0, 0.0) and r.exact_difference == 0.0
        assert r.a == r.b
    # A variant that is the same model by another road also differs by exactly 0 (same seed,
    # same random numbers), though it is not recognised as identical.
    again = tutorial.with_start(RED="calm")
    c2 = compare_scenarios(tutorial, again.replace(id="renamed"), runs=20_000, seed=4, method="mc")
    assert not c2.identical and all(r.difference == 0.0 for r in c2.rows)
    assert c["blue_strikes"].a.probability == run(tutorial, runs=20_000, seed=4)["blue_strikes"].probability


def test_compare_scenarios_reports_exact_and_monte_carlo_differences(tutorial):
    from escalation.analysis.whatif import ScenarioComparison, compare_scenarios

    variant = tutorial.with_start(RED="mobilised")
    c = compare_scenarios(tutorial, variant, runs=20_000, seed=1, names=("base", "mobilised"))
    assert isinstance(c, ScenarioComparison) and c.names == ("base", "mobilised") and len(c) == 4
    r = c["red_retaliates"]
    ex_a = _odds(tutorial, "red_retaliates")
    ex_b = _odds(variant, "red_retaliates")
    assert r.exact_difference == pytest.approx(ex_b - ex_a, rel=1e-12) and r.exact_difference > 0
    lo, hi = r.ci95
    assert lo < r.difference < hi and lo < r.exact_difference < hi
    text = c.table()
    assert text.splitlines()[0] == ("base vs mobilised: odds within 60 days and the difference (mobilised - base)")
    assert "exact difference" in text.splitlines()[1] and "common seed 1" in text
    assert c._repr_html_().startswith("<table>")
    df = c.to_pandas()
    assert df.loc["red_retaliates", "exact_difference"] == r.exact_difference
    data = c.to_dict()
    assert data["targets"]["red_retaliates"]["ci95"] == [lo, hi] and data["a"] == "base"
    exact_only = compare_scenarios(tutorial, variant, method="exact", targets=["settlement"])
    assert exact_only.targets == ("settlement",)
    assert exact_only["settlement"].ci95 is None
    assert exact_only["settlement"].difference == exact_only["settlement"].exact_difference


def test_compare_scenarios_target_errors(tutorial):
    from escalation.analysis.whatif import compare_scenarios
    from escalation.errors import EscalationError

    other = loads_scenario(COIN)
    with pytest.raises(EscalationError, match="share no target"):
        compare_scenarios(tutorial, other, method="exact")
    with pytest.raises(EscalationError, match="'war' is not in the first scenario"):
        compare_scenarios(tutorial, other, targets=["war"], method="exact")


def test_cli_compare(tmp_path):
    import json as _json

    from click.testing import CliRunner

    from escalation.cli import cli

    runner = CliRunner()
    res = runner.invoke(cli, ["compare", "tutorial", "--seed", "1", "--runs", "5000", "-q"])
    assert res.exit_code == 0, res.output
    assert "tutorial vs tutorial (again)" in res.output and "the two scenarios are identical" in res.output
    out = tmp_path / "c.json"
    res = runner.invoke(cli, ["compare", "tutorial", "--set", "RED.start=mobilised", "--set", "modifiers[0].factor=3",
                              "--method", "exact", "--target", "red_retaliates", "--json", str(out),
                              "--plot", str(tmp_path / "c.png")])
    assert res.exit_code == 0, res.output
    data = _json.loads(out.read_text())
    assert list(data["targets"]) == ["red_retaliates"] and data["targets"]["red_retaliates"]["exact_difference"] > 0
    assert data["b"] == "tutorial with 2 overrides"
    assert (tmp_path / "c.png").stat().st_size > 0
    res = runner.invoke(cli, ["compare", "venezuela-2025", "venezuela-2025-dove", "--method", "exact",
                              "--target", "direct_strikes", "--json", "-"])
    assert res.exit_code == 0, res.output
    assert _json.loads(res.output)["targets"]["direct_strikes"]["exact_difference"] < -0.1


@pytest.mark.parametrize("override, message", [
    ("US:maritime_strikes->land_strike.within.p=0.5", "unknown rung 'land_strike' of US"),
    ("UK.start=talks", "unknown actor 'UK'"),
    ("US:talks->land_strikes.p=0.1", "US has no move from talks to land_strikes"),
    ("moves[99].p=0.1", "unknown move moves[99]"),
    ("modifiers[2].weight=2", "unknown field 'weight'"),
    ("US:maritime_strikes->land_strikes.within.prob=0.5", "unknown field 'within.prob'"),
])
def test_cli_compare_rejects_bad_overrides_in_one_line(override, message):
    from click.testing import CliRunner

    from escalation.cli import cli

    res = CliRunner().invoke(cli, ["compare", "venezuela-2025", "--set", override])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: override") and message in lines[0], res.output


def test_compare_figure(tutorial):
    pytest.importorskip("matplotlib")
    from escalation.analysis.whatif import compare_scenarios
    from escalation.plots.distribution_views import compare_figure, plot_compare

    c = compare_scenarios(tutorial, tutorial.with_start(RED="mobilised"), runs=2_000, seed=1)
    ax = plot_compare(c, targets=["red_retaliates"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["red_retaliates"]
    assert ax.get_title() == f"{c.names[0]} -> {c.names[1]}: odds and difference"
    assert ax.get_xlabel() == "Probability within 60 days"
    assert len(compare_figure(c).axes) == 1
    # a target held at the start in B (odds 1): its label goes above the arrow, inside the axes
    held = compare_scenarios(tutorial, tutorial.with_start(BLUE="strike"), method="exact", targets=["blue_strikes"])
    ax = plot_compare(held)
    (label,) = [t for t in ax.texts if t.get_text().endswith("pts")]
    assert held["blue_strikes"].b.exact == 1.0 and ax.get_xlim()[1] == 1.0
    assert label.get_ha() == "center" and 0 < label.xy[0] < 1.0
