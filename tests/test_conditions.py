from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.conditions import (
    MAX_CONDITION_DEPTH,
    And,
    Compare,
    Member,
    Not,
    Or,
    check_names,
    compile_condition,
    parse_condition,
)
from escalation.errors import ConditionSyntaxError

LADDERS = {"US": ["talks", "pressure", "land_strikes"], "VEN": ["alert", "retaliation"]}
ACTORS = {"US": 0, "VEN": 1}
RUNGS = {a: {r: i for i, r in enumerate(rs)} for a, rs in LADDERS.items()}
ALL_STATES = np.array([[u, v] for u in range(3) for v in range(2)])


def evaluate(text: str) -> list[bool]:
    return compile_condition(parse_condition(text), ACTORS, RUNGS)(ALL_STATES).tolist()


def test_precedence_not_binds_tighter_than_and_than_or():
    tree = parse_condition("not US == talks and VEN == alert or US >= land_strikes")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[0], And)
    assert isinstance(tree.items[0].items[0], Not)


def test_member_and_negated_member():
    assert isinstance(parse_condition("US in [talks, pressure]"), Member)
    assert parse_condition("US not in [talks]").negated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("US >= pressure", [u >= 1 for u in range(3) for v in range(2)]),
        ("US < pressure", [u < 1 for u in range(3) for v in range(2)]),
        ("US != pressure", [u != 1 for u in range(3) for v in range(2)]),
        ("US in [talks, land_strikes]", [u in (0, 2) for u in range(3) for v in range(2)]),
        ("US not in [talks, land_strikes]", [u not in (0, 2) for u in range(3) for v in range(2)]),
        ("US >= pressure and VEN == retaliation", [u >= 1 and v == 1 for u in range(3) for v in range(2)]),
        ("not (US >= pressure or VEN == retaliation)", [not (u >= 1 or v == 1) for u in range(3) for v in range(2)]),
    ],
)
def test_evaluation_matches_python_logic(text: str, expected: list[bool]):
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("US >=", 6, "expected a rung id, found end of condition"),
        ("US >= talks and", 16, "expected an actor id or '('"),
        ("(US >= talks", 13, "expected ')'"),
        ("US => talks", 4, "unexpected character '='"),
        ("US >= talks VEN", 13, "expected 'and', 'or' or the end"),
        ("US in talks", 7, "expected '['"),
        ("US >= talks; rm -rf", 12, "unexpected character ';'"),
        ("", 1, "expected a condition"),
        ("__import__('os')", 12, "unexpected character \"'\""),
    ],
)
def test_syntax_errors_point_at_the_column(text: str, column: int, fragment: str):
    with pytest.raises(ConditionSyntaxError, match=re.escape(fragment)) as info:
        parse_condition(text)
    assert info.value.column == column


def test_unknown_names_get_suggestions():
    problems = check_names(parse_condition("US >= land_strike or VENN == alert"), LADDERS)
    assert problems == [
        "column 7: unknown rung 'land_strike' for US; did you mean 'land_strikes'?",
        "column 22: unknown actor 'VENN'; did you mean 'VEN'?",
    ]


def test_canonical_text_round_trips():
    text = "(US>=pressure)and not(VEN in [alert,retaliation]) or US==talks"
    canonical = str(parse_condition(text))
    assert canonical == "US >= pressure and not VEN in [alert, retaliation] or US == talks"
    assert parse_condition(canonical) == parse_condition(text)


def test_deep_nesting_is_a_syntax_error_not_a_crash():
    with pytest.raises(ConditionSyntaxError):
        parse_condition("(" * 5000 + "US == talks" + ")" * 5000)


@pytest.mark.parametrize("depth", [51, 101, 400, 950, 1000])
@pytest.mark.parametrize("opener", ["not ", "(", "not ("])
def test_nesting_deeper_than_the_limit_is_refused_at_the_first_token_too_deep(depth: int, opener: str):
    text = opener * depth + "US == talks" + ")" * (depth * opener.count("("))
    with pytest.raises(ConditionSyntaxError, match=f"nested more than {MAX_CONDITION_DEPTH} deep") as info:
        parse_condition(text)
    levels = 2 if opener == "not (" else 1  # "not (" opens two levels
    assert info.value.column == MAX_CONDITION_DEPTH // levels * len(opener) + 1


def _frames() -> int:
    n, frame = 0, sys._getframe()
    while frame is not None:
        n, frame = n + 1, frame.f_back
    return n


@pytest.mark.parametrize("opener", ["not ", "(", "not (", "(VEN == alert or US == talks and ", "not (VEN == alert or not "])
def test_the_deepest_conditions_allowed_can_be_walked_in_500_frames(opener: str):
    levels = opener.count("(") + opener.count("not")
    depth = MAX_CONDITION_DEPTH // levels
    text = opener * depth + "US == talks" + ")" * (depth * opener.count("("))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames() + 500)  # half of Python's default limit
    try:
        tree = parse_condition.__wrapped__(text)  # uncached
        again = parse_condition.__wrapped__(str(tree))
        assert again == tree and hash(again) == hash(tree)
        assert check_names(tree, LADDERS) == []
        assert {actor.text for actor, _ in tree.names()} == ({"US", "VEN"} if "VEN" in opener else {"US"})
        got = compile_condition(tree, ACTORS, RUNGS)(ALL_STATES)
    finally:
        sys.setrecursionlimit(limit)
    assert got.shape == (len(ALL_STATES),)


@given(st.text(alphabet=st.sampled_from(list("USVENtalks_ ()[],=!<>andotri0")), max_size=40))
def test_random_strings_parse_or_raise_the_parsers_error(text: str):
    try:
        tree = parse_condition(text)
    except ConditionSyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
    else:
        assert isinstance(tree, (Compare, Member, Not, And, Or))
        assert parse_condition(str(tree)) == tree
