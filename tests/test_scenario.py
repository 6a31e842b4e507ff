from __future__ import annotations

import dataclasses
import math

import pytest

from escalation.errors import ScenarioError
from escalation.scenario import Actor, Modifier, Move, Rung, Scenario, Target, Window, window_to_daily


def test_window_conversion_matches_definition():
    p = window_to_daily(0.30, 90)
    assert math.isclose(1 - (1 - p) ** 90, 0.30, rel_tol=1e-12)
    assert window_to_daily(0.0, 10) == 0.0


def test_move_with_window_gets_daily_p_and_survives_replace():
    m = Move(actor="A", from_="a", to="b", within=Window(p=0.5, days=30))
    assert math.isclose(m.p, 1 - 0.5 ** (1 / 30))
    assert dataclasses.replace(m) == m


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"p": 1.5}, "expected a probability in \\[0, 1\\], found 1.5"),
        ({"p": float("nan")}, "found nan"),
        ({}, "exactly one of 'p' and 'within', found neither"),
        ({"p": 0.1, "within": Window(p=0.5, days=10)}, "found both"),
        ({"p": 0.1, "range": (0.2, 0.3)}, "range containing p = 0.1"),
        ({"p": 0.1, "beta": (1, -1)}, "a > 0 and b > 0"),
        ({"p": 0.1, "when": "A >="}, "condition syntax error at column 5"),
    ],
)
def test_move_invariants(kwargs: dict, fragment: str):
    with pytest.raises(ScenarioError, match=fragment):
        Move(actor="A", from_="a", to="b", **kwargs)


def test_rung_and_actor_invariants():
    with pytest.raises(ScenarioError, match="level in \\[0, 10\\], found 11"):
        Rung(id="x", level=11)
    with pytest.raises(ScenarioError, match="identifier"):
        Rung(id="not valid", level=1)
    with pytest.raises(ScenarioError, match="empty ladder"):
        Actor(id="A", ladder=(), start="a")
    with pytest.raises(ScenarioError, match="factor >= 0"):
        Modifier(when="A == a", factor=-1)


def _small() -> Scenario:
    ladder = (Rung(id="a", level=0), Rung(id="b", level=5))
    return Scenario(
        id="s", title="S", actors=(Actor(id="A", ladder=ladder, start="a"),),
        moves=(Move(actor="A", from_="a", to="b", p=0.1), Move(actor="A", from_="b", to="a", p=0.2)),
        targets=(Target(name="up", when="A == b"),),
    )


def test_what_if_copies_leave_the_original_alone():
    s = _small()
    t = s.with_move_probability(0, 0.3)
    assert s.moves[0].p == 0.1 and t.moves[0].p == 0.3
    assert s != t
    u = s.with_start(A="b")
    assert u.start_state == (1,) and s.start_state == (0,)
    assert s.scale_moves(2.0, select=[1]).moves[1].p == pytest.approx(0.4)
    with pytest.raises(KeyError, match="unknown actor 'B'"):
        s.with_start(B="a")


def test_scenario_cross_checks_collect_all_problems():
    ladder = (Rung(id="a", level=0), Rung(id="b", level=5))
    with pytest.raises(ScenarioError) as info:
        Scenario(
            id="s", title="S", horizon=0,
            actors=(Actor(id="A", ladder=ladder, start="a"), Actor(id="A", ladder=ladder, start="b")),
            moves=(Move(actor="B", from_="a", to="b", p=0.1),),
            targets=(Target(name="t", when="A == c"),),
        )
    fields = [p.field for p in info.value.problems]
    # While an actor id is duplicated, unknown actors (B) are not reported: the duplicate was
    # probably meant to be one of them. Unknown rungs of a known actor (A == c) still are.
    assert fields == ["horizon", "actors[1].id", "targets.t"]
    with pytest.raises(ScenarioError) as info:
        Scenario(
            id="s", title="S", actors=(Actor(id="A", ladder=ladder, start="a"),),
            moves=(Move(actor="B", from_="a", to="b", p=0.1),),
        )
    assert [p.field for p in info.value.problems] == ["moves[0].actor"]


def test_find_moves():
    from escalation import load_scenario

    s = load_scenario("tutorial")
    assert s.find_moves(actor="BLUE") == (0, 1)
    assert s.find_moves(actor="RED", conditional=True) == (3, 4)
    assert s.find_moves(tag="military") == (2, 4)
    assert s.find_moves(actor="RED", from_="mobilised", to="retaliate") == (4,)
    assert s.find_moves(actor="NOBODY") == ()


def test_results_have_short_reprs():
    from escalation import load_scenario
    from escalation.analysis import run

    r = run(load_scenario("tutorial"), runs=1000, seed=1)
    assert repr(r) == "<RunResult tutorial: 4 targets, horizon 60 days, engine both, 1,000 runs, seed 1>"
    assert repr(r.simulation).startswith("<Simulation tutorial: 1,000 runs")
    assert repr(r.exact) == "<ExactOdds tutorial: 4 targets, horizon 60 days, 7 joint states>"
