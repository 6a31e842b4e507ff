"""Backtests: outcomes and censoring from the log, scores, outputs, the figure and the command."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from escalation import ScenarioError, ScenarioWarning, load_scenario, loads_scenario
from escalation.cli import cli
from escalation.evidence import backtest, load_events, loads_events

DOCS = Path(__file__).resolve().parent.parent / "docs"

# A certain move and a move that cannot happen: the exact odds are 0 or 1, perfect foresight.
TOY = """
schema: escalation/1
id: toy
title: Perfect foresight
horizon: 10
actors:
  - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
  - {id: B, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
moves:
  - {actor: A, from: calm, to: war, p: 1.0}
  - {actor: B, from: calm, to: war, p: 0.0}
targets: {a_war: "A >= war", b_war: "B >= war"}
"""


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


def test_perfect_foresight_scores_zero():
    with pytest.warns(ScenarioWarning, match="b_war: target can never be reached"):
        s = loads_scenario(TOY)
    log = loads_events("# complete-until: 2025-01-31\ndate,actor,rung,source\n2025-01-01,A,calm,r\n"
                       "2025-01-01,B,calm,r\n2025-01-02,A,war,r\n", s)
    bt = backtest(s, log, horizons=[1, 5], as_of=["2025-01-01"])
    assert {(c.target, c.horizon): (c.probability, c.status) for c in bt.cases} == {
        ("a_war", 1): (1.0, "reached"), ("a_war", 5): (1.0, "reached"),
        ("b_war", 1): (0.0, "not_reached"), ("b_war", 5): (0.0, "not_reached")}
    overall = bt.summary()[0]
    assert (overall.group, overall.n, overall.brier, overall.log, overall.crps) == ("all", 4, 0.0, 0.0, 0.0)
    assert bt.entered == {"a_war": (dt.date(2025, 1, 2),), "b_war": ()}


def test_outcomes_censoring_and_targets_already_holding():
    s = load_scenario("tutorial")
    log = loads_events("# complete-until: 2025-02-15\ndate,actor,rung,source\n2025-01-01,BLUE,alert,r\n"
                       "2025-01-21,BLUE,strike,r\n", s)
    bt = backtest(s, log, horizons=[10, 30, 60], as_of=["2025-01-01", "2025-01-15", "2025-01-25"],
                  targets=["blue_strikes"])
    status = {(c.as_of.isoformat(), c.horizon): (c.status, c.first_day) for c in bt.cases}
    assert status[("2025-01-01", 10)] == ("not_reached", 20)  # hit on day 20, after the 10-day window
    assert status[("2025-01-01", 30)] == ("reached", 20)
    assert status[("2025-01-01", 60)] == ("reached", 20)  # the window passes the record, but the hit is inside it
    assert status[("2025-01-15", 10)] == ("reached", 6)
    assert status[("2025-01-25", 10)][0] == "held_at_start"
    assert [c.scored for c in bt.cases if c.as_of == dt.date(2025, 1, 25)] == [False] * 3
    quiet = backtest(s, loads_events("# complete-until: 2025-02-15\ndate,actor,rung,source\n2025-01-01,BLUE,alert,r\n", s),
                     horizons=[30, 60], as_of=["2025-01-01"], targets=["blue_strikes"])
    assert [(c.horizon, c.status, c.brier) for c in quiet.cases][1] == (60, "censored", None)
    assert quiet.cases[0].status == "not_reached" and quiet.cases[0].brier == pytest.approx(quiet.cases[0].probability ** 2)
    assert quiet.summary()[0].n_censored == 1


def test_one_exact_solve_per_distinct_nowcast_state(monkeypatch, venezuela):
    module = importlib.import_module("escalation.evidence.backtest")  # the package's name is the function

    calls = []
    real = module.exact_odds

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "exact_odds", counting)
    log = load_events("venezuela-2025", venezuela)
    bt = backtest(venezuela, log, horizons=[30], step=1)
    assert len(bt.as_of) == 66 and len(calls) == 2  # show_of_force until 1 Sep, maritime_strikes after


def test_as_of_dates_after_the_record_or_an_empty_log_are_refused(venezuela):
    log = load_events("venezuela-2025", venezuela)
    with pytest.raises(ScenarioError, match=r"as_of: expected as-of dates on or before .* found 2025-11-01"):
        backtest(venezuela, log, as_of=["2025-11-01"])
    empty = loads_events("date,actor,rung,source\n", venezuela)
    with pytest.raises(ScenarioError, match="empty log without '# complete-until'"):
        backtest(venezuela, empty)
    with pytest.raises(ValueError, match="horizons"):
        backtest(venezuela, log, horizons=[0])


def test_outputs_json_csv_and_the_table(venezuela):
    bt = backtest(venezuela, load_events("venezuela-2025", venezuela))
    doc = json.loads(bt.to_json())
    assert doc["horizons"] == [30, 60, 90] and doc["complete_until"] == "2025-10-24"
    assert len(doc["cases"]) == len(bt.as_of) * 8 * 3 and doc["summary"][0]["group"] == "all"
    assert doc["summary"][-1]["n"] == 0 and doc["summary"][-1]["brier"] is None  # every 90-day window is censored
    rows = list(csv.DictReader(io.StringIO(bt.to_csv())))
    assert len(rows) == len(bt.cases) and set(rows[0]) >= {"as_of", "target", "horizon", "probability", "status", "crps"}
    text = bt.table()
    assert "Calibration (all scored cases)" in text and "target=direct_strikes" in text


def test_the_docs_report_the_venezuela_backtest(venezuela):
    text = (DOCS / "evidence.md").read_text(encoding="utf-8")
    bt = backtest(venezuela, load_events("venezuela-2025", venezuela))
    overall = bt.summary()[0]
    line = next(x for x in text.splitlines() if x.startswith("| all "))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1:4] == [str(overall.n), str(overall.n_reached), str(overall.n_censored)]
    assert cells[4] == f"{overall.brier:.4f}" and cells[5] == f"{overall.log:.4f}" and cells[6] == f"{overall.crps:.2f}"


def test_backtest_figure_has_the_odds_and_the_reliability_panels(venezuela):
    pytest.importorskip("matplotlib")
    from escalation.plots.evidence_views import plot_backtest

    bt = backtest(venezuela, load_events("venezuela-2025", venezuela), horizons=[30, 60])
    fig = plot_backtest(bt, horizon=30, targets=["direct_strikes", "blockade"])
    left, right = fig.axes
    assert left.get_ylabel() == "Probability target reached within 30 days" and len(left.get_lines()) >= 2
    assert right.get_xlabel() == "Mean forecast probability" and right.get_title().startswith("Reliability, 30-day")
    with pytest.raises(ValueError, match="horizon 45"):
        plot_backtest(bt, horizon=45)


def test_backtest_command(tmp_path):
    out, table, png = tmp_path / "bt.json", tmp_path / "bt.csv", tmp_path / "bt.png"
    r = CliRunner().invoke(cli, ["backtest", "venezuela-2025", "--events", "venezuela-2025", "--horizons", "30,60",
                                 "--json", str(out), "--csv", str(table), "--plot", str(png), "-q"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["horizons"] == [30, 60]
    assert table.read_text().startswith("as_of,target,horizon")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert re.search(r"^all\s+\d+\s+0\s+\d+", r.stdout, re.MULTILINE)
    for bad in (["--horizons", "30,x"], ["--horizons", "0"], ["--as-of", "2025-09-31"], ["--target", "nope"],
                ["--plot", str(tmp_path / "bt.gif")]):
        r = CliRunner().invoke(cli, ["backtest", "venezuela-2025", "--events", "venezuela-2025", *bad])
        assert r.exit_code == 2, (bad, r.output)
        assert "Traceback" not in r.output
