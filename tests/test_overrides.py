"""The --set override language: parsing, applying, and one-line errors for anything unknown."""

from __future__ import annotations

import pytest

from escalation import load_scenario
from escalation.analysis.overrides import MOVE_FIELDS, Override, apply_overrides, parse_override
from escalation.errors import ScenarioError


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


@pytest.mark.parametrize("text, kind, field, value", [
    ("horizon=120", "horizon", "horizon", 120.0),
    ("ALLIES.start=basing_access", "start", "start", "basing_access"),
    ("US:maritime_strikes->land_strikes.within.p=0.5", "move", "within.p", 0.5),
    ("moves[4].range=[0.1, 0.4]", "move", "range", (0.1, 0.4)),
    ("moves[4].beta = none", "move", "beta", None),
    ("modifiers[2].factor=2e0", "modifier", "factor", 2.0),
])
def test_parse(text, kind, field, value):
    o = parse_override(text)
    assert isinstance(o, Override) and (o.kind, o.field, o.value) == (kind, field, value)


@pytest.mark.parametrize("text, message", [
    ("horizon", "expected PATH=VALUE"),
    ("a=b=c", "expected PATH=VALUE"),
    ("US maritime=0.1", "expected horizon, ACTOR.start"),
    ("US.start=__import__('os')", "expected a number, a rung id"),
    ("moves[1].p=1+1", "expected a number, a rung id"),
])
def test_parse_errors_never_evaluate(text, message):
    with pytest.raises(ScenarioError, match="override .*" + message.replace("(", r"\(").replace("[", r"\[")):
        parse_override(text)


def test_apply_the_issue_examples(venezuela):
    v = apply_overrides(venezuela, ["US:maritime_strikes->land_strikes.within.p=0.5", "ALLIES.start=basing_access",
                                    "modifiers[2].factor=2"])
    assert v.moves[0].within.p == 0.5 and v.moves[0].within.days == 90
    assert v.moves[0].p == pytest.approx(1 - 0.5 ** (1 / 90))
    assert v.actor("ALLIES").start == "basing_access" and v.modifiers[2].factor == 2.0
    # The original is untouched, and the variant is not the file.
    assert venezuela.moves[0].within.p == 0.38 and venezuela.actor("ALLIES").start == "divided"
    assert v.origin is None and v.sha256 is None
    # A move named by its rungs is the one without a condition when a conditional twin exists.
    assert not v.moves[4].within.p == 0.5 and v.moves[4].when is not None


def test_apply_daily_probability_range_beta_and_horizon(venezuela):
    v = apply_overrides(venezuela, ["moves[0].p=0.01", "horizon=120"])
    assert v.moves[0].p == 0.01 and v.moves[0].within is None and v.horizon == 120
    lo, hi = v.moves[0].range  # rescaled to the daily scale, keeping its relative width
    assert lo < 0.01 < hi
    # One move's overrides apply together: a new value outside the old range with a new range.
    v = apply_overrides(venezuela, ["US:maritime_strikes->land_strikes.within.p=0.7",
                                    "US:maritime_strikes->land_strikes.range=[0.5, 0.8]"])
    assert (v.moves[0].within.p, v.moves[0].range) == (0.7, (0.5, 0.8))
    v = apply_overrides(venezuela, ["moves[0].range=none", "moves[0].within.days=60"])
    assert v.moves[0].range is None and v.moves[0].within.days == 60
    v = apply_overrides(venezuela, ["moves[0].beta=[2, 5]"])
    assert v.moves[0].beta == (2.0, 5.0)
    assert set(MOVE_FIELDS) == {"p", "within.p", "within.days", "range", "beta"}


@pytest.mark.parametrize("text, message", [
    ("UK.start=talks", "unknown actor 'UK'; known: US, VEN, ALLIES, SHOCK"),
    ("US.start=talk", "unknown rung 'talk' of US; did you mean 'talks'?"),
    ("US.begin=talks", "unknown field 'begin'"),
    ("US.start=3", "expected a rung id"),
    ("US:maritime_strike->land_strikes.p=0.1", "unknown rung 'maritime_strike' of US"),
    ("VEN:mobilisation->war.p=0.1", "unknown rung 'war' of VEN"),
    ("US:talks->land_strikes.p=0.1", "unknown move: US has no move from talks to land_strikes"),
    ("moves[80].p=0.1", "unknown move moves[80]: the scenario has 80 moves"),
    ("modifiers[9].factor=1", "unknown modifier modifiers[9]: the scenario has 9 modifiers"),
    ("modifiers[0].when=1", "unknown field 'when'; expected one of factor"),
    ("moves[0].prob=0.1", "unknown field 'prob'; expected one of p, within.p"),
    ("moves[0].within.p=0.6", "moves[0].range: expected a range containing p = 0.6, found [0.2, 0.55]"),
    ("moves[0].within.p=1", "expected a probability in [0, 1)"),
    ("moves[0].p=1.5", "expected a daily probability in [0, 1], found 1.5"),
    ("moves[0].range=[0.5, 0.1]", "moves[0].range: expected lo <= hi"),
    ("moves[0].range=0.3", "expected a pair [lo, hi] or none"),
    ("modifiers[0].factor=-2", "expected a factor >= 0"),
    ("horizon=0", "expected a whole number of days >= 1"),
    ("horizon=1.5", "expected a whole number of days >= 1"),
])
def test_errors_are_one_line_and_name_the_problem(venezuela, text, message):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(venezuela, [text])
    assert len(info.value.problems) == 1
    line = str(info.value)
    assert "\n" not in line and line.startswith(f"override {text!r}: ") and message in line, line


def test_window_fields_need_window_odds(venezuela):
    daily = apply_overrides(venezuela, ["moves[0].p=0.01"])
    with pytest.raises(ScenarioError, match=r"moves\[0\] \(US: maritime_strikes -> land_strikes\) is stated as a daily "
                                            "probability, not window odds; set its p"):
        apply_overrides(daily, ["moves[0].within.p=0.1"])


def test_ambiguous_move_names_list_the_candidates():
    from escalation import loads_scenario

    s = loads_scenario("""
schema: escalation/1
id: twins
title: Two conditional moves between the same rungs
horizon: 10
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
  - {id: B, start: x, ladder: [{id: x, level: 0}, {id: y, level: 1}]}
moves:
  - {actor: A, from: calm, to: war, p: 0.1, when: "B == x"}
  - {actor: A, from: calm, to: war, p: 0.2, when: "B == y"}
targets: {war: "A >= war"}
""")
    with pytest.raises(ScenarioError, match=r"names 2 moves: moves\[0\] .*, moves\[1\] .*; use moves\[i\]"):
        apply_overrides(s, ["A:calm->war.p=0.3"])
    assert apply_overrides(s, ["moves[1].p=0.3"]).moves[1].p == 0.3
