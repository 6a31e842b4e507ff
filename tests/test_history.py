"""The generic ladder fitted to ICB crises: data, likelihood, fit, out-of-sample scores, CLI, docs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from escalation import dump_scenario, exact_odds, load_scenario, loads_scenario
from escalation.cli import cli
from escalation.errors import EscalationError
from escalation.history import (
    MODIFIERS,
    MOVES,
    PROFILES,
    HistoricalCrisis,
    Prior,
    evaluate_split,
    fit_ladder,
    forecast,
    ladder_scenario,
    load_history,
    log_likelihood,
    profile_starts,
)
from escalation.history.data import duration_bounds
from escalation.history.evaluate import ScoreSummary, kfold_assignment
from escalation.history.ladder import PEAK_RUNGS

REPO = Path(__file__).resolve().parent.parent
ICB = REPO / "escalation" / "data" / "icb1v14.csv"
HAZARDS = [0.004, 0.001, 0.0005, 0.004, 0.0005, 0.01, 0.01, 0.012, 0.02, 0.015]
FACTORS = [3.0, 0.5, 1.0, 1.0]


@pytest.fixture(scope="module")
def sample():
    return load_history()


# --- data ----------------------------------------------------------------------------------------
def test_history_keeps_every_crisis_with_a_violence_code(sample):
    assert sample.n_records == 487
    assert len(sample.crises) == 486
    assert [name for _, name, _ in sample.excluded] == ["HOUTHI REBELLION"]
    assert sample.n_without_duration == 4
    train, test = sample.split(1990)
    assert (len(train), len(test)) == (391, 95)
    assert all(c.peak >= 2 for c in sample.crises if c.violent_trigger)
    cuba = next(c for c in sample.crises if c.crisno == 196)
    assert (cuba.name, cuba.profile, cuba.peak, cuba.days) == ("CUBAN MISSILES", (False, False, True), 2, (35, 35))


def test_onset_profile_codes(sample):
    assert sum(c.intra_war for c in sample.crises) == 85
    assert sum(c.violent_trigger for c in sample.crises) == 202
    by_name = {c.name: c for c in sample.crises}
    # Germany triggered both; it was not a major power in 1920 (Correlates of War), it was in 1938.
    assert not by_name["RHENISH REBELLIONS"].great_power_trigger
    assert by_name["ANSCHLUSS"].great_power_trigger


@pytest.mark.parametrize(("trigger", "termination", "expected"), [
    ((1962, 10, 16), (1962, 11, 20), (35, 35)),
    ((1991, 8, 28), (1991, 8, 88), (0, 3)),       # unknown end day, same month
    ((1950, 2, None), (1950, 3, 10), (10, 37)),   # unknown start day
    ((1950, 2, 66), (1950, 2, 77), (0, 27)),      # both unknown, same month
    ((1950, None, 1), (1950, 3, 10), None),       # no month
    ((1950, 3, 10), (1949, 3, 10), None),         # ends before it began
])
def test_duration_bounds(trigger, termination, expected):
    assert duration_bounds(trigger, termination) == expected


def test_bad_icb_file_is_one_line_naming_the_file(tmp_path):
    header = ICB.read_text(encoding="utf-8-sig").splitlines()[0]
    missing = tmp_path / "missing.csv"
    missing.write_text(header.replace(",iwcmb,", ",iwcmbx,") + "\n", encoding="utf-8")
    with pytest.raises(EscalationError, match=r"missing\.csv: missing column\(s\) iwcmb"):
        load_history(missing)
    rows = ICB.read_text(encoding="utf-8-sig").splitlines()
    cols = rows[0].split(",")
    bad_row = rows[1].split(",")
    bad_row[cols.index("trigent")] = "abc"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([rows[0], ",".join(bad_row)]) + "\n", encoding="utf-8")
    with pytest.raises(EscalationError, match=r"bad\.csv:2: trigent: expected an integer, found 'abc'"):
        load_history(bad)


# --- the ladder and its likelihood ---------------------------------------------------------------
def test_ladder_round_trips_and_has_eight_reachable_states():
    s = ladder_scenario(HAZARDS, FACTORS)
    assert loads_scenario(dump_scenario(s)) == s
    for prof in PROFILES:
        odds = exact_odds(s.with_start(**profile_starts(prof)), horizon=5)
        assert odds.n_states == (6 if prof.violent_trigger else 8)
    with pytest.raises(ValueError, match="expected 10 hazards and 4 factors"):
        ladder_scenario(HAZARDS[:-1], FACTORS)


def _chain(hazards, factors, prof):
    """The one-day matrix over (peak k, status) by hand: index 2k + (1 if ended)."""
    up = (factors[0] if prof[1] else 1.0) * (factors[2] if prof[2] else 1.0)
    end = (factors[1] if prof[1] else 1.0) * (factors[3] if prof[2] else 1.0)
    move = {(a, b): h for (_, actor, a, b, _), h in zip(MOVES, hazards) if actor == "CRISIS"}
    p = np.zeros((8, 8))
    for k in range(4):
        p[2 * k + 1, 2 * k + 1] = 1.0
        esc = np.zeros(4)
        for j in range(k + 1, 4):
            esc[j] = move[(PEAK_RUNGS[k], PEAK_RUNGS[j])] * up
        esc[k] = 1.0 - esc.sum()
        q = hazards[6 + k] * end
        for j in range(4):
            p[2 * k, 2 * j] += esc[j] * (1 - q)
            p[2 * k, 2 * j + 1] += esc[j] * q
    return p


def _reference_log_likelihood(hazards, factors, crises, horizon):
    total = 0.0
    for c in crises:
        p = _chain(hazards, factors, c.profile)
        v = np.zeros(8)
        v[2 if c.violent_trigger else 0] = 1.0
        dists = [v]
        for _ in range(horizon):
            dists.append(dists[-1] @ p)
        k = c.peak - 1
        ended = np.array([d[2 * k + 1] for d in dists])  # P(ended with peak k by day t)
        lo, hi = (0, 10 ** 6) if c.days is None else c.days
        a, b = lo + 1, hi + 1
        like = ended[min(b, horizon)] - ended[a - 1] if a <= horizon else 0.0
        if b > horizon:
            like += sum(dists[-1][2 * j] for j in range(k + 1))
        total += math.log(like)
    return total


def _crisis(i, peak, days, profile=(False, False, False)):
    return HistoricalCrisis(crisno=i, name=f"C{i}", year=1950, violent_trigger=profile[0], intra_war=profile[1],
                            great_power_trigger=profile[2], peak=peak, days=days,
                            duration=None if days is None else days[0])


def test_log_likelihood_matches_a_hand_built_chain():
    crises = [
        _crisis(1, 1, (10, 10)),
        _crisis(2, 4, (0, 0)),                           # ends the day after its trigger, at war
        _crisis(3, 3, (20, 45), (True, False, True)),    # a day unknown: an interval
        _crisis(4, 2, (50, 70), (True, True, False)),    # the interval runs past the horizon
        _crisis(5, 4, (80, 80), (False, True, True)),    # beyond the horizon: still active on it
        _crisis(6, 2, None, (False, False, True)),       # no termination date
    ]
    got = log_likelihood(HAZARDS, FACTORS, crises, horizon=60)
    assert got == pytest.approx(_reference_log_likelihood(HAZARDS, FACTORS, crises, 60), rel=1e-10)
    impossible = [_crisis(7, 1, (5, 5), (True, False, False))]  # violent trigger, no violence
    assert log_likelihood(HAZARDS, FACTORS, impossible, horizon=60) == -math.inf


def _simulate(n, prof, rng, horizon):
    """Crises drawn from the ladder with HAZARDS and FACTORS, day by day."""
    p = _chain(HAZARDS, FACTORS, prof)
    state = np.full(n, 2 if prof[0] else 0)
    end_day = np.full(n, -1)
    for day in range(1, horizon + 1):
        u = rng.random(n)
        cum = np.cumsum(p[state], axis=1)
        state = (u[:, None] > cum).sum(axis=1)
        new = (state % 2 == 1) & (end_day < 0)
        end_day[new] = day
    out = []
    for i in range(n):
        days = (end_day[i] - 1, end_day[i] - 1) if end_day[i] > 0 else (horizon, 10 ** 6)
        out.append(_crisis(i, int(state[i] // 2) + 1, days, prof))
    return out


def test_fit_recovers_the_hazards_it_was_simulated_with():
    rng = np.random.default_rng(20250101)
    crises = _simulate(1500, (False, False, False), rng, 400) + _simulate(600, (False, True, False), rng, 400)
    fit = fit_ladder(crises, horizon=400)
    assert fit.converged
    truth = HAZARDS + FACTORS[:2]
    got = list(fit.hazards) + list(fit.factors[:2])
    z = [(math.log(g) - math.log(t)) / sd for g, t, sd in zip(got, truth, fit.log_sd)]
    assert all(np.isfinite(z)) and max(abs(x) for x in z) < 4.5, z
    # The great-power factors meet no crisis: the prior keeps them at 1 and sd 1.
    assert fit.factors[2] == pytest.approx(1.0, abs=1e-3) and fit.log_sd[12] == pytest.approx(1.0, rel=0.05)


def test_forecast_is_the_lifetime_odds_of_the_chain():
    fit = fit_ladder([_crisis(1, 2, (30, 30)), _crisis(2, 4, (90, 90), (False, True, False))], horizon=200,
                     intervals=False, prior=Prior())
    crises = [_crisis(3, 1, (5, 5)), _crisis(4, 1, (5, 5), (False, True, False))]
    got = forecast(fit, crises, horizon=300)
    for i, c in enumerate(crises):
        p = _chain(fit.hazards, fit.factors, c.profile)
        transient = [0, 2, 4, 6]
        q = p[np.ix_(transient, transient)]
        # Absorption probabilities from the fundamental matrix: ended with peak k, k = 0..3.
        absorb = np.linalg.solve(np.eye(4) - q, p[np.ix_(transient, [1, 3, 5, 7])])
        assert got.p_war[i] == pytest.approx(absorb[0, 3], rel=1e-6)
        assert got.p_serious[i] == pytest.approx(absorb[0, 2] + absorb[0, 3], rel=1e-6)
        v = np.zeros(8)
        v[0] = 1.0
        for _ in range(300):
            v = v @ p
        assert got.end_cdf[i, -1] == pytest.approx(v[[1, 3, 5, 7]].sum(), rel=1e-9)
        assert np.all(np.diff(got.end_cdf[i]) >= 0)


# --- out-of-sample scores ------------------------------------------------------------------------
def test_kfold_assignment_is_balanced_and_decided_by_the_seed():
    a = kfold_assignment(486, 5, 0)
    assert sorted(np.bincount(a).tolist()) == [97, 97, 97, 97, 98]
    assert np.array_equal(a, kfold_assignment(486, 5, 0))
    assert not np.array_equal(a, kfold_assignment(486, 5, 1))
    with pytest.raises(ValueError, match="folds"):
        kfold_assignment(3, 5, 0)


def test_verdict_needs_the_interval_to_exclude_zero():
    assert ScoreSummary(mean=0.1, n=10, diff=-0.03, diff_se=0.01, skill=0.2).verdict == "better"
    assert ScoreSummary(mean=0.1, n=10, diff=-0.01, diff_se=0.01, skill=0.1).verdict == "no clear difference"
    assert ScoreSummary(mean=0.1, n=10, diff=0.03, diff_se=0.01, skill=-0.2).verdict == "worse"


def _docs_block() -> str:
    text = (REPO / "docs" / "track-record.md").read_text(encoding="utf-8")
    return text.split("<!-- fit-icb:begin", 1)[1].split("<!-- fit-icb:end -->", 1)[0]


def test_docs_table_cell_is_recomputed(sample):
    """The fitted ladder's Brier score of P(war) on 1990-2017, fitted on 1918-1989, from scratch."""
    train, test = sample.split(1990)
    ev = evaluate_split(train, test)
    block = _docs_block().split("#### 5-fold", 1)[0]
    assert "#### 1990-2017, fitted on 1918-1989 (n = 95)" in block
    ladder = ev.scores["ladder"]["brier_war"].mean
    climatology = ev.scores["climatology"]["brier_war"].mean
    assert f"| fitted ladder | {ladder:.4f} |" in block
    assert f"| climatology (base rate) | {climatology:.4f} |" in block
    assert ladder < climatology


def test_bundled_scenario_carries_the_documented_numbers():
    scenario = load_scenario("icb-generic")
    assert scenario.origin is not None and Path(scenario.origin).read_text(encoding="utf-8").startswith("# Generic")
    block = _docs_block()
    for (name, *_rest), move in zip(MOVES, scenario.moves):
        row = re.search(rf"\| {re.escape(name)} \| ([0-9.]+)/day \|", block)
        assert row is not None, name
        assert move.p == pytest.approx(float(row.group(1)), rel=2e-4, abs=6e-6)
        assert move.rationale and move.source == ("icb", "fit_icb") and move.range is not None
    for (name, *_rest), mod in zip(MODIFIERS, scenario.modifiers):
        row = re.search(rf"\| {re.escape(name)} \| x([0-9.]+) \|", block)
        assert row is not None and mod.factor == pytest.approx(float(row.group(1)), abs=0.006), name


def test_docs_python_example_runs():
    text = (REPO / "docs" / "track-record.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "docs/track-record.md", "exec"), namespace)  # noqa: S102 - our own docs
    odds = namespace["odds"]
    assert 0 < odds.probability("full_scale_war", 90) < odds.eventual("full_scale_war") < 1  # type: ignore


# --- command line --------------------------------------------------------------------------------
def _small_icb(tmp_path: Path, last_year: int) -> Path:
    rows = ICB.read_text(encoding="utf-8-sig").splitlines()
    cols = rows[0].split(",")
    year = cols.index("yrtrig")
    keep = [r for r in rows[1:] if r.split(",")[year] and int(r.split(",")[year]) <= last_year]
    path = tmp_path / "icb_small.csv"
    path.write_text("\n".join([rows[0], *keep]) + "\n", encoding="utf-8")
    return path


def test_fit_icb_command_writes_scenario_json_and_markdown(tmp_path):
    data = _small_icb(tmp_path, 1932)
    out, js, md = tmp_path / "fitted.yaml", tmp_path / "scores.json", tmp_path / "scores.md"
    r = CliRunner().invoke(cli, ["fit-icb", "--data", str(data), "--split-year", "1927", "--folds", "2",
                                 "--fit-horizon", "60", "--out", str(out), "--json", str(js), "--markdown", str(md),
                                 "-q"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and r.stderr == ""  # every output went to its file; -q: no notes
    assert md.read_text().startswith("Reproduce with `escalation fit-icb --seed 0 --fit-horizon 60`")
    fitted = load_scenario(out)
    assert fitted.id == "icb-generic" and len(fitted.moves) == 10
    doc = json.loads(js.read_text())
    assert doc["kfold"]["n"] == doc["n_crises"] and doc["temporal"]["n"] < doc["n_crises"]
    assert set(doc["temporal"]["scores"]) == {"climatology", "profile_rate", "ladder"}
    assert "#### 5-fold cross-validation" not in md.read_text() and "#### 2-fold cross-validation" in md.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "/no/such/dir/x.yaml"], "error: /no/such/dir/x.yaml: expected an existing directory"),
    (["--data", "/no/such/icb.csv"], "error: /no/such/icb.csv: cannot read ICB data"),
    (["--data", "SMALL", "--split-year", "1990"], "error: --split-year: expected crises on both sides of 1990"),
])
def test_fit_icb_user_errors_are_one_line(args, message, tmp_path):
    args = [str(_small_icb(tmp_path, 1930)) if a == "SMALL" else a for a in args]
    r = CliRunner().invoke(cli, ["fit-icb", "-q", *args])
    assert r.exit_code == 2
    assert r.stderr.startswith(message) and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output
