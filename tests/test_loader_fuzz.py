"""Hostile input: mutated bundled scenarios load to a Scenario or raise ScenarioError, nothing else.

Two fuzzers, each bounded to a fixed number of derandomized examples so CI is stable and the
file runs in well under a minute: one edits the YAML as text (lines deleted, duplicated,
swapped or re-indented, characters inserted, numbers made huge, negative or NaN), the other
edits the parsed tree (nodes replaced by values of other types, keys dropped, unknown or
non-string keys added) and dumps it again. A file that loads must dump and load back equal
and run.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import warnings
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import escalation
from escalation import ScenarioError, ScenarioWarning

FILES = sorted(set(escalation.bundled_scenarios().values()))
TEXTS = [path.read_text(encoding="utf-8") for path in FILES]
TREES = [yaml.safe_load(text) for text in TEXTS]

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NUMBER = re.compile(r"(?<![\w.])-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?(?![\w.])")
HOSTILE_NUMBERS = ["1" + "0" * 400, "9" * 5000, "-1", "-0.5", ".nan", ".inf", "-.inf", "1e999", "0", "1:30",
                   "0x1F", "0o17", "2025-02-30", "!!int abc", "!!float ''", "!!timestamp x", "~", "yes", '"0.5"']
CHARS = st.sampled_from(list("-:{}[],!&*#|>'\"%@`?~\n\t 0123.5eE+xyzA_") + ["\x00", "\x07", "\x85", "\u2028", "\ufeff", "é", "\ud800"])


def _outcome(text: str) -> None:
    """Load ``text``: either a Scenario that dumps, reloads equal and runs, or a ScenarioError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        try:
            scenario = escalation.loads_scenario(text, name="mutant.yaml")
        except ScenarioError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert str(problem).startswith("mutant.yaml") and "\n" not in str(problem)
            return
        assert escalation.loads_scenario(escalation.dump_scenario(scenario)) == scenario
        try:
            escalation.run(scenario, runs=200, horizon=min(scenario.horizon, 30), seed=0, method="mc")
        except ScenarioError:  # e.g. probabilities adding up to more than 1 in a state
            pass


@st.composite
def text_mutants(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "number", "indent"]))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(CHARS, min_size=1, max_size=6)) + lines[i][at:]
        elif kind == "number":
            found = list(NUMBER.finditer(lines[i]))
            if found:
                m = draw(st.sampled_from(found))
                lines[i] = lines[i][: m.start()] + draw(st.sampled_from(HOSTILE_NUMBERS)) + lines[i][m.end():]
        else:  # indent: move the line left or right
            shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))
            lines[i] = " " * shift + lines[i] if shift > 0 else lines[i][min(-shift, len(lines[i]) - len(lines[i].lstrip(" "))):]
    return "".join(lines)


SCALARS = (
    st.none() | st.booleans() | st.integers(-5, 400) | st.sampled_from([10**400, -(10**30), 2**63])
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | st.dates()
    | st.sampled_from(["", "yes", "no", "1:30", "US >= nowhere", "not " * 60 + "A == b", "A ==", "x" * 200])
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, (dict, list)):
        out.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            _containers(child, out)
    return out


@st.composite
def tree_mutants(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(draw(st.sampled_from(TREES)))
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(_containers(doc, [])))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        kind = draw(st.sampled_from(["replace", "replace", "drop", "unknown", "bad_key"]))
        if kind == "replace" and keys:
            node[draw(st.sampled_from(keys))] = draw(VALUES)
        elif kind == "drop" and keys:
            del node[draw(st.sampled_from(keys))]
        elif kind == "unknown" and isinstance(node, dict):
            node[draw(st.sampled_from(["horizn", "tag", "p ", "Id", "<<", "yes"]))] = draw(VALUES)
        elif kind == "bad_key" and isinstance(node, dict):
            node[draw(st.sampled_from([None, True, 1, 2.5, dt.date(2025, 1, 1)]))] = draw(VALUES)
        elif isinstance(node, list):
            node.append(draw(VALUES))
    return yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)


@FUZZ
@given(text_mutants())
def test_text_mutants_give_a_scenario_or_a_scenario_error(text: str):
    _outcome(text)


@FUZZ
@given(tree_mutants())
def test_tree_mutants_give_a_scenario_or_a_scenario_error(text: str):
    _outcome(text)


def test_the_unmutated_files_load_and_round_trip():
    for text in TEXTS:
        _outcome(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            assert isinstance(escalation.loads_scenario(text), escalation.Scenario)
