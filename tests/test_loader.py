from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_strategies import scenarios

from escalation import (
    ScenarioError,
    ScenarioWarning,
    bundled_scenarios,
    dump_scenario,
    load_scenario,
    loads_scenario,
)
from escalation.loader import MAX_FILE_BYTES, json_schema

DATA = Path(__file__).parent / "data"
BAD = sorted((DATA / "bad").glob("*.yaml"))
REPO = Path(__file__).resolve().parent.parent

# file -> a fragment of the expected message, and the field path it names
EXPECTED = {
    "horizon_too_long": ("horizon", "expected at most 100,000 days (the limit per-day arrays are sized by), found 1,000,000,000"),
    "alias_bomb": ("description", "expected a string, found a list"),
    "beta_nonpositive": ("moves[0].beta", "expected [a, b] with a > 0 and b > 0, found [0.0, 3.0]"),
    "condition_syntax": ("moves[1].when", "condition syntax error at column 23: expected an actor id or '('"),
    "duplicate_actor": ("actors[1].id", "duplicate actor id 'US'"),
    "duplicate_rung": ("actors[0].ladder[2].id", "duplicate rung id 'pressure'"),
    "duplicate_target": ("targets.strikes", "duplicate key 'strikes'"),
    "empty_ladder": ("actors[1].ladder", "expected at least one rung, found an empty ladder"),
    "levels_decreasing": ("actors[0].ladder[2].level", "expected levels not to decrease along the ladder, found 1 after pressure at 2"),
    "missing_key": ("", "missing required key 'title'"),
    "probability_above_one": ("moves[0].p", "expected a probability in [0, 1], found 1.3"),
    "probability_infinite": ("moves[0].p", "found inf"),
    "probability_nan": ("moves[0].p", "found nan"),
    "probability_negative": ("moves[0].p", "found -0.1"),
    "probability_sum": ("moves[0]", "actor US at rung pressure: outgoing daily probabilities add up to 1.11 > 1 in joint states with (US=pressure, VEN=retaliation)"),
    "python_tag": ("title", "found the tag !!python/object/apply:os.system; scenario files cannot construct objects"),
    "range_excludes_p": ("moves[0].range", "expected a range containing p = 0.01, found [0.02, 0.05]"),
    "range_reversed": ("moves[0].range", "expected lo <= hi, found [0.05, 0.005]"),
    "schema_version": ("schema", "expected 'escalation/1', found 'escalation/2'"),
    "self_move": ("moves[0].to", "found a move from 'pressure' to itself"),
    "several_problems": ("horizon", "expected a whole number of days >= 1, found -5"),
    "top_not_mapping": ("", "expected the top level of a scenario (a mapping), found a list"),
    "unknown_actor_condition": ("moves[1].when", "unknown actor 'USA'; did you mean 'US'?"),
    "unknown_actor_modifier": ("modifiers[0].actor", "unknown actor 'UK'"),
    "unknown_actor_move": ("moves[0].actor", "unknown actor 'USA'; did you mean 'US'?"),
    "unknown_key": ("horizn", "unknown key 'horizn' in the top level of a scenario; did you mean 'horizon'?"),
    "unknown_rung_condition": ("targets.strikes", "unknown rung 'land_strike' for US; did you mean 'land_strikes'?"),
    "unknown_rung_move": ("moves[0].to", "unknown rung 'land_strike' for US; did you mean 'land_strikes'?"),
    "unknown_source": ("moves[0].source", "unknown source 's2'"),
    "unknown_start": ("actors[0].start", "unknown rung 'presure' for US; did you mean 'pressure'?"),
    "within_days_zero": ("moves[0].within.days", "expected a number of days > 0, found 0.0"),
    "within_p_one": ("moves[0].within.p", "expected a probability in [0, 1), found 1.0"),
    "wrong_type": ("horizon", "expected a whole number, found string 'thirty'"),
    "yaml_syntax": ("", "YAML syntax error"),
    # hostile input (issue 11): each one clean, located problem
    "alias_cycle": ("description[0]", "expected plain data, found an alias inside itself"),
    "condition_too_deep": ("targets.strikes", "condition syntax error at column 201: nested more than 50 deep"),
    "control_character": ("", "expected printable text, found the control character U+0000"),
    "date_impossible": ("as_of", "expected a date YYYY-MM-DD that exists (day is out of range for month), found string '2025-02-30'"),
    "integer_too_long": ("horizon", "expected an integer of at most 4300 digits, found a 5000-digit integer"),
    "key_not_a_string": ("targets", "expected a string key, found null"),
    "ladder_not_a_list": ("actors[1].ladder", "expected a list of rungs, found number 5"),
    "modifier_tag_unmatched": ("modifiers[0].tags", "tag 'escalatory' matches no move; did you mean 'escalation'?"),
    "nesting_too_deep": ("description" + "[0]" * 63, "expected at most 64 levels of nesting, found more"),
    "number_out_of_range": ("moves[0].p", "expected a number in the float range, found a 401-digit integer"),
    "only_actor_bad_rung": ("actors[0].ladder[1].level", "expected an integer level in [0, 10], found 70"),
    "probability_string": ("moves[0].p", "expected a number, found string '0.01'"),
    "sources_not_mapping": ("sources", "expected a mapping of source id -> details, found boolean false"),
    "tag_timestamp": ("as_of", "found the tag !!timestamp; scenario files cannot construct objects"),
    "tag_wrong_value": ("description", "expected an integer for the tag !!int, found ''"),
    "targets_empty": ("targets", "expected a non-empty mapping of target name -> condition, found an empty list"),
    "whole_number_out_of_range": ("horizon", "expected a whole number in the 64-bit range, found a 401-digit integer"),
    "yaml11_sexagesimal": ("horizon", "expected a whole number, found string '1:30'"),
}


def test_every_bad_file_has_an_expectation():
    assert sorted(p.stem for p in BAD) == sorted(EXPECTED)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_gives_located_one_line_problems(path: Path):
    field, fragment = EXPECTED[path.stem]
    with pytest.raises(ScenarioError, match=re.escape(fragment)) as info:
        load_scenario(path)
    problem = next(p for p in info.value.problems if fragment in p.message)
    assert problem.field == field
    assert problem.file == str(path)
    assert problem.line is not None and problem.line >= 1
    for p in info.value.problems:
        assert "\n" not in str(p)
        assert str(p).startswith(f"{path}:")


@pytest.mark.parametrize("stem", [
    "duplicate_actor",  # not also "unknown actor 'VEN'" (the duplicate was meant to be VEN)
    "only_actor_bad_rung",  # not also "expected at least one actor, found none"
    "probability_string",  # not also "expected exactly one of 'p' and 'within'"
    "ladder_not_a_list",  # not also "unknown actor 'VEN'" from the move and the condition
    "number_out_of_range", "integer_too_long", "control_character", "yaml11_sexagesimal",
])
def test_one_mistake_is_reported_once(stem: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "bad" / f"{stem}.yaml")
    assert len(info.value.problems) == 1, str(info.value)


@pytest.mark.parametrize(("text", "value"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("1:30", "1:30"), ("0b11", "0b11"),
    ("1_000", "1_000"), ("2025-01-01", "2025-01-01"), ("true", True), ("FALSE", False), ("~", None),
    ("null", None), ("", None), ("012", 12), ("0o17", 15), ("0x1F", 31), ("1e3", 1000.0), (".inf", float("inf")),
    ("-.Inf", float("-inf")), ("!!float 5", 5.0), ("!!str 5", "5"), ("'5'", "5"),
])
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object):
    from escalation.loader._yaml import _parse

    data = _parse(f"a: {text}\n")[0]
    assert data == {"a": value} and type(data["a"]) is type(value)


@pytest.mark.parametrize(("key", "found"), [("~", "null"), ("true", "boolean true"), ("1", "number 1"), ("[a]", "a list")])
def test_keys_must_be_strings(key: str, found: str):
    text = (DATA / "base.yaml").read_text().replace("targets:\n", f"targets:\n  ? {key}\n  : US >= talks\n")
    with pytest.raises(ScenarioError, match=re.escape(f"targets: expected a string key, found {found}")) as info:
        loads_scenario(text, name="keys.yaml")
    assert info.value.problems[0].line == 23


@pytest.mark.parametrize("value", ["!!int abc", "!!bool maybe", "!!float ''", "!!null x", "!!binary aGk=", "!local x",
                                   "2025-02-30", "2025-02-03 25:00:00", "2025-02-03T10:00:00+25:00", "!!timestamp x"])
def test_bad_scalars_are_located_problems(value: str):
    text = (DATA / "base.yaml").read_text().replace("horizon: 30\n", f"horizon: 30\nas_of: {value}\n")
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, name="x.yaml")
    [problem] = info.value.problems
    assert (problem.field, problem.line, problem.column) == ("as_of", 5, 8)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\ud800"])
def test_control_characters_give_one_line_with_line_and_column(char: str):
    text = (DATA / "base.yaml").read_text().replace("title: Base", f"title: B{char}ase")
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, name="x.yaml")
    assert str(info.value) == f"x.yaml:3:9: expected printable text, found the control character U+{ord(char):04X}"


def test_several_problems_are_reported_together_in_file_order():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "bad" / "several_problems.yaml")
    assert [p.field for p in info.value.problems] == ["horizon", "moves[0].p", "targets.strikes"]
    assert [p.line for p in info.value.problems] == sorted(p.line for p in info.value.problems)


def test_unreachable_target_is_a_warning_not_an_error():
    with pytest.warns(ScenarioWarning, match="targets.talks: target can never be reached"):
        scenario = load_scenario(DATA / "warn" / "unreachable_target.yaml")
    assert scenario.target_names == ("strikes", "talks")


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(ScenarioError, match=r"expected a file of at most 10 MB, found 10,485,763 bytes"):
        load_scenario(big)


def test_more_targets_than_the_limit_are_refused_in_a_file_and_in_python(tmp_path: Path, tutorial):
    from dataclasses import replace

    from escalation.limits import MAX_TARGETS
    from escalation.loader import bundled_scenarios

    text = bundled_scenarios()["tutorial"].read_text()
    head = text[: text.index("\ntargets:")]
    many = tmp_path / "many.yaml"
    for n, ok in ((MAX_TARGETS, True), (MAX_TARGETS + 1, False)):
        many.write_text(head + "\ntargets:\n" + "".join(f"  t{i}: BLUE >= alert\n" for i in range(n)))
        if ok:
            assert len(load_scenario(many).targets) == MAX_TARGETS
            continue
        with pytest.raises(ScenarioError) as err:
            load_scenario(many)
        assert len(err.value.problems) == 1
        assert str(err.value.problems[0]).endswith(
            f"targets: expected a mapping of at most 1,000 target name -> condition (docs/limits.md), "
            f"found a mapping of 1,001 entries")
    named = [replace(tutorial.targets[0], name=f"t{i}") for i in range(MAX_TARGETS + 1)]
    with pytest.raises(ScenarioError, match="targets: expected at most 1,000 targets .*, found 1,001"):
        replace(tutorial, targets=tuple(named))


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match="no such file or bundled scenario; did you mean 'tutorial'"):
        load_scenario("tutorail")
    with pytest.raises(ScenarioError, match="expected a regular file, found a directory"):
        load_scenario(DATA)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and /dev/null")
def test_special_files_are_refused_without_being_opened(tmp_path: Path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)  # opening it to read would block until a writer comes
    with pytest.raises(ScenarioError, match=r"scenario.yaml: expected a regular file, found a FIFO"):
        load_scenario(fifo)
    with pytest.raises(ScenarioError, match="expected a regular file, found a character device"):
        load_scenario(os.devnull)


def test_python_tag_is_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    text = (DATA / "base.yaml").read_text().replace(
        "title: Base file for the bad-input tests",
        f"title: !!python/object/apply:os.system ['touch {marker}']",
    )
    with pytest.raises(ScenarioError, match="cannot construct objects"):
        loads_scenario(text)
    assert not marker.exists()


def test_within_is_converted_and_kept_for_display():
    s = load_scenario("tutorial")
    m = s.moves[0]
    assert m.within is not None and m.within.p == 0.2 and m.within.days == 30
    assert m.p == pytest.approx(1 - 0.8 ** (1 / 30))


def test_loaded_scenario_records_its_file_and_hash():
    s = load_scenario(REPO / "scenarios" / "tutorial.yaml")
    import hashlib

    assert s.sha256 == hashlib.sha256((REPO / "scenarios" / "tutorial.yaml").read_bytes()).hexdigest()


def _bundled_files() -> list[Path]:
    return sorted(set(bundled_scenarios().values()))


@pytest.mark.parametrize("path", _bundled_files(), ids=lambda p: p.stem)
def test_bundled_scenarios_load_and_match_the_json_schema(path: Path):
    scenario = load_scenario(path)
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(data, json_schema())
    assert load_scenario(scenario.id) == scenario


@pytest.mark.parametrize("path", _bundled_files(), ids=lambda p: p.stem)
def test_bundled_scenarios_round_trip(path: Path):
    scenario = load_scenario(path)
    assert loads_scenario(dump_scenario(scenario)) == scenario


def test_every_move_in_bundled_scenarios_has_rationale_and_source():
    for path in _bundled_files():
        scenario = load_scenario(path)
        for i, m in enumerate(scenario.moves):
            assert m.rationale.strip(), f"{path.name}: moves[{i}] has no rationale"
            assert m.source, f"{path.name}: moves[{i}] has no source"


def test_schema_rejects_what_the_loader_rejects_structurally():
    data = yaml.safe_load((DATA / "bad" / "unknown_key.yaml").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
    good = json.loads(json.dumps(yaml.safe_load(_bundled_files()[0].read_text(encoding="utf-8")), default=str))
    jsonschema.validate(good, json_schema())
    # the limits the loader applies: no empty targets, at most MAX_TARGETS of them, the longest horizon
    for field, value in (("targets", {}), ("targets", {f"t{i}": "BLUE >= alert" for i in range(1001)}),
                         ("horizon", 100_001)):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, field: value}, json_schema())
        with pytest.raises(ScenarioError, match=field):
            loads_scenario(yaml.safe_dump({**good, field: value}))


@given(text=st.text(max_size=20))
def test_any_text_round_trips_through_dump(text: str):
    # 1e3 and 0o17 are numbers in YAML 1.2 but strings to PyYAML's writer; \x85 was folded.
    s = load_scenario("tutorial").replace(description=text, title=text or "t")
    assert loads_scenario(dump_scenario(s)) == s


def test_dump_writes_atomically(tmp_path: Path):
    s = load_scenario("tutorial")
    out = tmp_path / "copy.yaml"
    text = dump_scenario(s, out)
    assert out.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["copy.yaml"]


def test_a_modifier_tag_no_move_carries_is_refused_by_scenario_itself(tutorial):
    from dataclasses import replace

    from escalation.scenario import Modifier

    typo = Modifier(when="BLUE >= alert", factor=2.0, tags=("kinetc",))
    with pytest.raises(ScenarioError, match=r"modifiers\[\d+\]\.tags: tag 'kinetc' matches no move"):
        replace(tutorial, modifiers=(*tutorial.modifiers, typo))


@given(scenarios())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_random_valid_scenarios_round_trip(scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        again = loads_scenario(dump_scenario(scenario))
    assert again == scenario


TUTORIAL_TEXT = (REPO / "scenarios" / "tutorial.yaml").read_text()


@given(
    position=st.integers(0, len(TUTORIAL_TEXT) - 1),
    delete=st.integers(0, 20),
    insert=st.text(alphabet=st.sampled_from(list("-:{}[],!&*#'\"0123.5e xyzA_\n")), max_size=8),
)
def test_random_text_mutations_give_a_scenario_or_a_scenario_error(position: int, delete: int, insert: str):
    text = TUTORIAL_TEXT[:position] + insert + TUTORIAL_TEXT[position + delete :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        try:
            loads_scenario(text, name="mutant.yaml")
        except ScenarioError as exc:
            assert exc.problems
            assert all(str(p).startswith("mutant.yaml") for p in exc.problems)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 400) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


@given(data=st.data(), value=JSONISH)
def test_random_field_mutations_give_a_scenario_or_a_scenario_error(data, value):
    doc = yaml.safe_load(TUTORIAL_TEXT)
    node = doc
    while True:  # walk down to a random container and replace one of its values
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, (dict, list)) and child and data.draw(st.booleans()):
            node = child
            continue
        node[key] = value
        break
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        try:
            loads_scenario(yaml.safe_dump(doc))
        except ScenarioError as exc:
            assert exc.problems


def test_alias_bomb_fails_fast():
    import time

    started = time.perf_counter()
    with pytest.raises(ScenarioError):
        load_scenario(DATA / "bad" / "alias_bomb.yaml")
    assert time.perf_counter() - started < 5.0  # 9^10 leaves if expanded; never expanded
