"""Event logs: the format, its errors, the shipped Venezuela log, and nowcasts."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from escalation import ScenarioError, load_scenario
from escalation.analysis import run
from escalation.cli import cli
from escalation.evidence import (
    EventLog,
    NowcastManifest,
    bundled_logs,
    load_events,
    loads_events,
    nowcast,
    parse_date,
    run_nowcast,
)

DATA = Path(__file__).parent / "data" / "events"
BAD = sorted((DATA / "bad").glob("*.csv"))
REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "scenarios" / "events" / "venezuela_2025.csv"

# bad log -> (line, column, a fragment of the message); checked against the tutorial scenario
EXPECTED = {
    "unknown_actor": (3, "actor", "found 'BLEU'; did you mean 'BLUE'?"),
    "unknown_rung": (3, "rung", "expected a rung of BLUE, found 'strik'; did you mean 'strike'?"),
    "unordered_dates": (4, "date", "expected dates in order, found 2025-01-10 after 2025-01-20 (line 3)"),
    "bad_date": (3, "date", "expected a date YYYY-MM-DD or a month YYYY-MM, found '2025/01/05'"),
    "impossible_date": (3, "date", "found '2025-02-30' (not a day of the calendar)"),
    "missing_column": (1, "header", "found no 'source' column"),
    "jump_no_move": (3, "rung", "found RED: calm -> retaliate on 2025-01-05; its moves from calm go to mobilised"),
    "empty": (None, "", "expected a header line 'date,actor,rung,source,note', found an empty file"),
    "wrong_encoding": (2, "", "expected UTF-8 text, found the byte 0xe9"),
    "duplicate_row": (4, "", "found a duplicate of line 3 (2025-01-05, RED, calm)"),
    "rung_as_actor": (2, "actor", "'strike' is a rung of BLUE, not an actor"),
    "condition_fails": (5, "rung", "its condition 'BLUE == strike and RED not in [calm]' does not hold"),
    "missing_source": (2, "source", "expected a source (a URL or a reference) on every row, found an empty field"),
    "two_rungs_one_day": (4, "rung", "expected at most one rung per actor and day"),
    "unknown_column": (1, "header", "found an unknown column 'sorce'; did you mean 'source'?"),
    "wrong_field_count": (3, "", "expected 5 fields (date, actor, rung, source, note), found 3"),
    "actor_display_name": (2, "actor", "did you mean 'BLUE' (the actor id of Blue state)?"),
    "bad_complete_until": (1, "complete-until", "expected a date YYYY-MM-DD, found '2025-13-01'"),
}


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


def test_every_bad_log_has_an_expectation():
    assert sorted(p.stem for p in BAD) == sorted(EXPECTED)
    assert len(EXPECTED) >= 10


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_log_gives_one_located_problem(path: Path, tutorial):
    line, field, fragment = EXPECTED[path.stem]
    with pytest.raises(ScenarioError, match=re.escape(fragment)) as info:
        load_events(path, tutorial)
    assert len(info.value.problems) == 1, str(info.value)
    problem = info.value.problems[0]
    assert (problem.line, problem.field, problem.file) == (line, field, str(path))
    text = str(problem)
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}: " if line else f"{path}: ")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_log_on_the_command_line_is_one_line_and_exit_2(path: Path):
    r = CliRunner().invoke(cli, ["backtest", "tutorial", "--events", str(path), "--as-of", "2025-01-01"])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}"), lines
    assert "Traceback" not in r.output


def test_month_precision_takes_the_earliest_day_the_order_allows(tutorial):
    log = loads_events("date,actor,rung,source\n2025-01-20,BLUE,alert,a\n2025-01,RED,calm,b\n2025-02,RED,mobilised,c\n",
                       tutorial)
    assert [(e.date, e.precision) for e in log.events] == [
        (dt.date(2025, 1, 20), "day"), (dt.date(2025, 1, 20), "month"), (dt.date(2025, 2, 1), "month")]
    assert log.events[1].first == dt.date(2025, 1, 1) and log.events[1].last == dt.date(2025, 1, 31)
    with pytest.raises(ScenarioError, match=r"<string>:3: date: expected dates in order, found 2025-01 after 2025-02-02"):
        loads_events("date,actor,rung,source\n2025-02-02,BLUE,alert,a\n2025-01,RED,calm,b\n")
    assert parse_date("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    with pytest.raises(ValueError, match="no month 13"):
        parse_date("2025-13")


def test_comments_metadata_optional_note_and_trailing_note(tutorial):
    log = loads_events("# a comment\n# complete-until: 2025-03-01\ndate,rung,actor,source\n\n2025-01-02,alert,BLUE,x\n",
                       tutorial)
    assert log.complete_until == dt.date(2025, 3, 1)
    assert log.events[0].line == 5 and log.events[0].actor == "BLUE" and log.events[0].note == ""
    log = loads_events("date,actor,rung,source,note\n2025-01-02,BLUE,alert,x\n", tutorial)
    assert log.events[0].note == ""


def test_shipped_venezuela_log_fits_the_scenario_and_every_row_is_sourced(venezuela):
    log = load_events(SHIPPED, venezuela)
    assert bundled_logs()["venezuela-2025"] == SHIPPED.resolve() or bundled_logs()["venezuela-2025"].name == SHIPPED.name
    assert log.complete_until == dt.date(2025, 10, 24) == venezuela.as_of
    assert log.sha256 == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert len(log) >= 15
    for e in log.events:
        assert all(s.strip().startswith("https://") for s in e.source.split(" ; ")), e.line
        assert e.note
    # by its as-of date the log agrees with the scenario's start rungs: the nowcast is the scenario itself
    assert nowcast(venezuela, log, venezuela.as_of) is venezuela
    early = nowcast(venezuela, log, "2025-08-25")
    assert early.actor("US").start == "show_of_force" and early.actor("VEN").start == "mobilisation"
    assert nowcast(venezuela, log, "2025-09-02").actor("US").start == "maritime_strikes"  # the day's rows count


def test_shipped_log_sources_come_from_the_shared_data():
    shared = REPO.parent / "shared" / "data" / "venezuela_2025_events_to_2025-10-24.csv"
    if not shared.exists():
        pytest.skip("shared data not beside the repository")
    with shared.open(encoding="utf-8") as f:
        urls = {row["source_url"] for row in csv.DictReader(f)}
    log = load_events(SHIPPED)
    used = {s.strip() for e in log.events for s in e.source.split(" ; ")}
    assert used <= urls, used - urls


def test_empty_log_nowcast_is_the_plain_run_bit_for_bit(tutorial):
    log = loads_events("date,actor,rung,source,note\n", tutorial, name="empty.csv")
    assert nowcast(tutorial, log, "2025-06-01") is tutorial
    plain = run(tutorial, runs=70_000, seed=11, workers=1)
    now = run_nowcast(tutorial, log, as_of="2025-06-01", runs=70_000, seed=11, workers=1)
    assert now.targets == plain.targets
    np.testing.assert_array_equal(now.simulation.cumulative(), plain.simulation.cumulative())
    np.testing.assert_array_equal(now.exact.cumulative(), plain.exact.cumulative())
    np.testing.assert_array_equal(now.simulation.level_distribution(), plain.simulation.level_distribution())
    assert now.manifest.scenario_sha256 == plain.manifest.scenario_sha256


def test_nowcast_run_manifest_records_the_log_and_the_date(venezuela):
    log = load_events(SHIPPED, venezuela)
    result = run_nowcast(venezuela, log, as_of=dt.date(2025, 8, 25), method="exact", horizon=30)
    m = result.manifest
    assert isinstance(m, NowcastManifest)
    assert m.events_sha256 == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert m.as_of == "2025-08-25" and m.starts["US"] == "show_of_force"
    assert m.scenario_sha256 == venezuela.sha256  # the file's, not the variant's
    assert result.scenario.actor("US").start == "show_of_force"
    doc = json.loads(result.to_json())
    assert doc["manifest"]["events_sha256"] == m.events_sha256 and doc["manifest"]["as_of"] == "2025-08-25"
    plain = run(venezuela, method="exact", horizon=30)
    assert result["direct_strikes"].exact < plain["direct_strikes"].exact  # two rungs further from land strikes


def test_nowcast_after_the_log_is_complete_is_refused(venezuela):
    log = load_events(SHIPPED, venezuela)
    with pytest.raises(ScenarioError, match="found 2025-11-01 after 2025-10-24: the log cannot say nothing happened"):
        nowcast(venezuela, log, "2025-11-01")
    with pytest.raises(ScenarioError, match="as_of: expected a date YYYY-MM-DD"):
        nowcast(venezuela, log, "24 October")


def test_log_checked_against_another_scenario_names_the_line(tutorial):
    log = load_events(SHIPPED)
    assert isinstance(log, EventLog)
    with pytest.raises(ScenarioError, match=r"venezuela_2025\.csv:\d+: actor: expected an actor of tutorial"):
        nowcast(tutorial, log, "2025-09-01")


def _run_has_events_option() -> bool:
    return any(p.name == "events" for p in cli.commands["run"].params)


@pytest.mark.skipif(not _run_has_events_option(), reason="run --events is wired in escalation/cli/core.py")
def test_run_events_as_of_on_the_command_line(tmp_path):
    out = tmp_path / "r.json"
    r = CliRunner().invoke(cli, ["run", "venezuela-2025", "--events", "venezuela-2025", "--as-of", "2025-08-25",
                                 "--method", "exact", "--horizon", "30", "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["manifest"]["as_of"] == "2025-08-25" and len(doc["manifest"]["events_sha256"]) == 64
    assert "nowcast: US=show_of_force" in r.stderr
    r = CliRunner().invoke(cli, ["run", "tutorial", "--as-of", "2025-08-25"])
    assert r.exit_code == 2 and "--events and --as-of go together" in r.stderr


def test_uncertainty_from_a_nowcast(tmp_path):
    from escalation.analysis.uncertainty import uncertain_odds
    from escalation.evidence import load_events, nowcast, uncertain_nowcast

    s = load_scenario("venezuela-2025")
    log = load_events("venezuela-2025", s)
    got = uncertain_nowcast(s, log, as_of="2025-10-20", draws=30, seed=3, horizon=30)
    want = uncertain_odds(nowcast(s, log, "2025-10-20"), draws=30, seed=3, horizon=30)
    np.testing.assert_array_equal(got.curves, want.curves)
    assert got.manifest.as_of == "2025-10-20" and got.manifest.starts["VEN"] == "mobilisation"
    from escalation.analysis.run import scenario_sha256

    assert got.manifest.scenario_sha256 == scenario_sha256(s) and got.manifest.scenario_file == s.origin
    out = tmp_path / "u.json"
    r = CliRunner().invoke(cli, ["run", "venezuela-2025", "--uncertainty", "30", "--seed", "3", "--horizon", "30",
                                 "--events", "venezuela-2025", "--as-of", "2025-10-20", "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["manifest"]["as_of"] == "2025-10-20" and len(doc["manifest"]["events_sha256"]) == 64
    assert doc["targets"]["direct_strikes"]["median"] == got["direct_strikes"].median
    assert "nowcast: US=maritime_strikes, VEN=mobilisation" in r.stderr
    r = CliRunner().invoke(cli, ["run", "tutorial", "--uncertainty", "5", "--seed", "1", "--race",
                                 "blue_strikes,red_retaliates", "--json", "-", "-q"])
    assert r.exit_code == 0, r.output
    (race,) = json.loads(r.stdout)["races"]
    assert race["first"] == "blue_strikes" and 0 < race["first_wins"]["median"] < 1
    r = CliRunner().invoke(cli, ["run", "tutorial", "--uncertainty", "5", "--race", "blue_strikes,nope"])
    assert r.exit_code == 2 and "--race: unknown target 'nope'" in r.stderr


LINE = st.lists(st.sampled_from(["2025-01-01", "2025-01", "2025-13", "BLUE", "RED", "alert", "strike", "calm",
                                 "mobilised", "x", "", '"', "#", "\x00", "é", "2025-02-30", "date", "note"]),
                max_size=6).map(",".join)


@given(st.lists(LINE, max_size=8), st.booleans())
def test_random_logs_raise_scenario_error_and_nothing_else(lines: list[str], header: bool):
    s = load_scenario("tutorial")
    text = ("date,actor,rung,source,note\n" if header else "") + "\n".join(lines)
    try:
        log = loads_events(text, s)
    except ScenarioError as exc:
        assert all("\n" not in str(p) for p in exc.problems)
    else:
        assert all(e.actor in s.actor_ids for e in log.events)
