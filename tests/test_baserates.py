"""Tests of escalation.baserates against values computed independently from the raw CSV."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import escalation.baserates as baserates
from escalation.baserates import (
    Crisis,
    base_rates,
    duration_days,
    format_baserates,
    load_icb,
)
from escalation.errors import EscalationError

ICB = Path(__file__).resolve().parents[1] / "escalation" / "data" / "icb1v14.csv"


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, str]]:
    """The file read the plain way, independent of the module."""
    with open(ICB, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def rates():
    return base_rates()


def _crisis(trigger, termination, *, viol=1, usinv=1, usactor=1, crisno=1) -> Crisis:
    return Crisis(crisno=crisno, name="T", trigger=trigger, termination=termination,
                  viol=viol, usinv=usinv, usactor=usactor)


# --- the bundled file -------------------------------------------------------------------


def test_bundled_file_is_found_through_the_package():
    packaged = resources.files("escalation") / "data" / "icb1v14.csv"
    assert packaged.is_file()
    assert packaged.read_bytes()[:3] == b"\xef\xbb\xbf"  # starts with a BOM, which we strip
    crises = load_icb()
    assert len(crises) == 487
    assert crises[0].crisno == 1  # the BOM did not eat the first column
    assert load_icb(ICB) == crises


def test_violence_counts_match_a_plain_csv_read(raw_rows, rates):
    viol = [int(r["viol"]) for r in raw_rows if r["viol"].strip()]
    assert rates.n_crises == len(raw_rows) == 487
    assert rates.n_missing_violence == len(raw_rows) - len(viol) == 1
    for share in rates.violence:
        assert share.count == sum(v == share.level for v in viol)
        assert share.n == len(viol) == 486
    assert rates.violence[3].count == sum(r["viol"] == "4" for r in raw_rows) == 103
    for share in rates.violence_at_least:
        assert share.count == sum(v >= share.level for v in viol)


def test_shares_sum_to_one_and_cumulate(rates):
    assert_allclose(sum(s.share for s in rates.violence), 1.0)
    assert rates.violence_at_least[0].share == 1.0
    tail = np.cumsum([s.share for s in rates.violence][::-1])[::-1]
    assert_allclose([s.share for s in rates.violence_at_least], tail)
    assert [s.label for s in rates.violence] == [
        "no violence", "minor clashes", "serious clashes", "full-scale war"]


def test_wilson_intervals_contain_the_share(rates):
    shares = [*rates.violence, *rates.violence_at_least, *rates.duration.within]
    for s in shares:
        lo, hi = s.ci95
        assert 0.0 <= lo <= s.share <= hi <= 1.0
        assert isinstance(s.share, float) and isinstance(lo, float) and isinstance(s.count, int)
    lo, hi = rates.violence[3].ci95  # 103 / 486 by the Wilson formula, computed here by hand
    p, n, z = 103 / 486, 486, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert_allclose((lo, hi), (centre - half, centre + half))


def test_known_crisis_durations(raw_rows):
    by_name = {c.name: c for c in load_icb()}
    cuba = by_name["CUBAN MISSILES"]
    row = next(r for r in raw_rows if r["crisname"] == "CUBAN MISSILES")
    start = dt.date(int(row["yrtrig"]), int(row["motrig"]), int(row["datrig"]))
    end = dt.date(int(row["yrterm"]), int(row["moterm"]), int(row["daterm"]))
    assert start == dt.date(1962, 10, 16) and end == dt.date(1962, 11, 20)
    assert duration_days(cuba.trigger, cuba.termination) == (end - start).days == 35
    gulf = by_name["GULF WAR"]
    assert duration_days(gulf.trigger, gulf.termination) == (
        dt.date(*gulf.termination) - dt.date(*gulf.trigger)).days


def test_duration_summary_matches_datetime_arithmetic(raw_rows, rates):
    days, unknown_day = [], 0
    for r in raw_rows:
        y0, m0, d0, y1, m1, d1 = (r[k] for k in ("yrtrig", "motrig", "datrig",
                                                  "yrterm", "moterm", "daterm"))
        if not (y0 and m0 and y1 and m1):
            continue
        if not d0 or not d1 or int(d0) > 31 or int(d1) > 31:
            unknown_day += 1
            continue
        days.append((dt.date(int(y1), int(m1), int(d1)) - dt.date(int(y0), int(m0), int(d0))).days)
    d = rates.duration
    assert d.n_used == len(days) == 416
    assert d.n_missing_day == unknown_day == 66
    assert d.n_missing_date == 5 and d.n_invalid_date == 0 and d.n_negative == 0
    assert d.n_used + d.n_missing_date + d.n_invalid_date + d.n_missing_day + d.n_negative == 487
    assert d.median == float(np.median(days)) == 80.0
    assert_allclose((d.q1, d.q3, d.mean), (*np.percentile(days, [25, 75]), np.mean(days)))
    assert (d.min, d.max) == (min(days), max(days))
    for w in d.within:
        assert w.count == sum(x <= w.days for x in days) and w.n == len(days)
    assert [w.share for w in d.within] == sorted(w.share for w in d.within)


def test_imputing_days_uses_every_crisis_with_year_and_month(rates):
    imputed = base_rates(impute_day=True).duration
    assert imputed.n_missing_day == 0 and imputed.n_negative == 0
    assert imputed.n_used == 487 - 5 and imputed.n_imputed == rates.duration.n_missing_day
    # BUBIYAN: 28 Aug 1991 to day "88" of Aug 1991: the end lies in 28..31, so the 29th
    assert duration_days((1991, 8, 28), (1991, 8, 88), impute_day=True) == 1
    assert duration_days((1991, 8, 88), (1991, 8, 10), impute_day=True) == 5  # the 5th
    assert duration_days((1991, 7, None), (1991, 9, 1), impute_day=True) == (
        dt.date(1991, 9, 1) - dt.date(1991, 7, 16)).days


def test_us_subsets(raw_rows):
    involved = base_rates(us="involved")
    actor = base_rates(us="actor")
    assert involved.n_crises == sum(r["usinv"] in {"2", "3", "4"} for r in raw_rows) == 332
    assert actor.n_crises == sum(r["usactor"] == "2" for r in raw_rows) == 71
    wars = sum(r["usactor"] == "2" and r["viol"] == "4" for r in raw_rows)
    assert actor.violence[3].count == wars
    assert (involved.subset, actor.subset) == ("us-involved", "us-actor")
    with pytest.raises(ValueError, match="us: expected"):
        base_rates(us="yes")  # type: ignore[arg-type]


def test_records_argument_and_edge_cases():
    crises = [_crisis((2000, 1, 1), (2000, 1, 31), viol=4),
              _crisis((2000, 1, 10), (1999, 12, 31), viol=2),  # ends before it starts
              _crisis((2000, 2, 30), (2000, 3, 1), viol=None),  # 30 February
              _crisis((2000, 1, 5), (2000, None, None), viol=1)]
    r = base_rates(iter(crises))
    assert r.source == "records" and r.n_crises == 4 and r.n_missing_violence == 1
    assert [s.count for s in r.violence] == [1, 1, 0, 1]
    assert [s.count for s in r.violence_at_least] == [3, 2, 1, 1]
    d = r.duration
    assert (d.n_used, d.n_negative, d.n_invalid_date, d.n_missing_date) == (1, 1, 1, 1)
    assert d.median == 30.0 and d.within[0].count == 1  # 30 days counts as "within 30"
    assert duration_days((2000, 1, 10), (1999, 12, 31)) == -10
    empty = base_rates([])
    assert empty.duration.n_used == 0 and np.isnan(empty.duration.median)
    assert json.loads(json.dumps(empty.to_dict(), allow_nan=False))["duration"]["median"] is None
    with pytest.raises(ValueError, match="not both"):
        base_rates(crises, path=ICB)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.booleans())
def test_duration_equals_datetime_subtraction(a, b, impute):
    assert duration_days((a.year, a.month, a.day), (b.year, b.month, b.day),
                         impute_day=impute) == (b - a).days


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.integers(0, 400), st.booleans(), st.booleans())
def test_imputed_duration_is_never_negative_and_stays_in_the_month(a, gap, hide_start, hide_end):
    b = a + dt.timedelta(days=gap)
    start = (a.year, a.month, None if hide_start else a.day)
    end = (b.year, b.month, 88 if hide_end else b.day)
    got = duration_days(start, end, impute_day=True)
    assert got is not None and got >= 0
    first = dt.date(a.year, a.month, 1)
    next_month = dt.date(b.year + (b.month == 12), b.month % 12 + 1, 1)
    assert got <= (next_month - first).days - 1
    if hide_start or hide_end:
        assert duration_days(start, end) is None


def test_result_types_and_json(rates):
    data = json.loads(json.dumps(rates.to_dict(), allow_nan=False))
    assert data["violence"][3]["count"] == 103
    assert data["violence"][3]["ci95"] == list(rates.violence[3].ci95)
    assert data["duration"]["median"] == 80.0
    assert isinstance(rates.duration.median, float) and isinstance(rates.duration.n_used, int)
    with pytest.raises(AttributeError):
        rates.n_crises = 1  # type: ignore[misc]


def test_format_baserates(rates):
    text = format_baserates(rates)
    assert "full-scale war" in text and "103" in text and "21.2%" in text
    assert "median 80 days" in text and "66 unknown day" in text
    assert not text.endswith("\n")
    assert len(text.splitlines()) == 16


def test_doctests_run():
    result = doctest.testmod(baserates, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0


# --- bad files ----------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _header(drop: str = "") -> list[str]:
    cols = ["crisno", "crisname", "yrtrig", "motrig", "datrig", "yrterm", "moterm", "daterm",
            "viol", "usinv", "usactor"]
    return [c for c in cols if c != drop]


def test_missing_column_names_file_and_column(tmp_path):
    path = _write(tmp_path, "no_viol.csv", ",".join(_header("viol")) + "\n1,X,2000,1,1,2000,2,1,1,1\n")
    with pytest.raises(EscalationError, match=r"no_viol\.csv: missing column\(s\) viol$"):
        load_icb(path)
    with pytest.raises(EscalationError, match=r"no_viol\.csv"):
        base_rates(path=path)


def test_bad_cell_names_file_line_and_column(tmp_path):
    body = ",".join(_header()) + "\n1,A,2000,1,1,2000,2,1,1,1,1\n2,B,2000,1,1,2000,2,1,war,1,1\n"
    path = _write(tmp_path, "bad_cell.csv", body)
    with pytest.raises(EscalationError, match=r"bad_cell\.csv:3: viol: expected an integer, found 'war'"):
        load_icb(path)
    path = _write(tmp_path, "bad_level.csv", body.replace("war", "5"))
    with pytest.raises(EscalationError, match=r"bad_level\.csv:3: viol: expected 1\.\.4, found 5"):
        load_icb(path)


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "empty file"),
    ("latin1.csv", b"crisno,crisname\n1,CAF\xc9\n", "cannot read ICB data"),
])
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(EscalationError, match=re.escape(f"{path}: {message}")):
        load_icb(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(EscalationError, match=r"nowhere\.csv: cannot read ICB data"):
        load_icb(path)
    with pytest.raises(EscalationError, match=r"nowhere\.csv"):
        base_rates(path=path)
