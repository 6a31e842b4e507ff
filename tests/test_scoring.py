"""Proper scores: reference values, identities and, where installed, agreement with scoringrules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from escalation.scoring import brier_score, calibration_table, crps_discrete, log_score


def test_brier_and_log_scores_reference_values():
    assert brier_score(0.8, 1) == pytest.approx(0.04)
    assert brier_score(0.8, 0) == pytest.approx(0.64)
    assert_allclose(brier_score([0.0, 1.0, 0.5], [0, 1, 1]), [0.0, 0.0, 0.25])
    assert log_score(0.8, 1) == pytest.approx(-math.log(0.8))
    assert log_score(0.8, 0) == pytest.approx(-math.log(0.2))
    assert log_score(1.0, 1) == 0.0 and log_score(0.0, 0) == 0.0
    assert log_score(0.0, 1) == math.inf
    assert_allclose(log_score([0.5, 0.5], [True, False]), [math.log(2), math.log(2)])


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan])
def test_scores_refuse_bad_probabilities(bad: float):
    with pytest.raises(ValueError, match="expected probabilities in"):
        brier_score(bad, 1)
    with pytest.raises(ValueError, match="expected probabilities in"):
        log_score(bad, 0)


def test_scores_refuse_bad_outcomes():
    with pytest.raises(ValueError, match="expected outcomes 0 or 1"):
        brier_score(0.5, 2)
    with pytest.raises(ValueError, match="does not match"):
        log_score([0.1, 0.2], [1, 0, 1])


def test_crps_discrete_reference_values():
    assert crps_discrete([0.0, 0.5, 1.0], 1) == pytest.approx(0.25)
    assert crps_discrete([0.0, 0.0, 0.0], 7) == 0.0  # all mass beyond the horizon, nothing happened
    assert crps_discrete([1.0, 1.0, 1.0], 3) == 3.0  # sure of day 0, nothing by day 2
    assert crps_discrete([0.0, 1.0, 1.0], 1) == 0.0  # sure of the right day
    assert_allclose(crps_discrete(np.array([[0.0, 0.5, 1.0], [0.0, 0.0, 0.0]]), np.array([1, 0])), [0.25, 3.0])


def _energy_form(pmf: np.ndarray, y: int) -> float:
    """CRPS = E|X - y| - E|X - X'| / 2 for X on 0..H+1 (H+1 = beyond the horizon)."""
    support = np.arange(pmf.size)
    first = float(pmf @ np.abs(support - y))
    second = float(pmf @ np.abs(support[:, None] - support[None, :]) @ pmf)
    return first - second / 2


def test_crps_discrete_equals_the_energy_form_with_the_tail_on_day_h_plus_one():
    rng = np.random.default_rng(3)
    for _ in range(50):
        h = int(rng.integers(0, 12))
        pmf = rng.dirichlet(np.full(h + 2, 0.5))  # days 0..h and beyond
        cdf = np.minimum(np.cumsum(pmf[:-1]), 1.0)
        y = int(rng.integers(0, h + 3))
        assert crps_discrete(cdf, y) == pytest.approx(_energy_form(pmf, min(y, h + 1)), abs=1e-12)


def test_crps_discrete_refuses_bad_input():
    with pytest.raises(ValueError, match="non-decreasing"):
        crps_discrete([0.5, 0.2], 0)
    with pytest.raises(ValueError, match="days >= 0"):
        crps_discrete([0.5, 1.0], -1)
    with pytest.raises(ValueError, match="whole days"):
        crps_discrete([0.5, 1.0], 0.5)


def test_calibration_table_bins_and_intervals():
    p = [0.05, 0.15, 0.12, 0.95, 1.0, 0.0]
    y = [0, 1, 0, 1, 1, 0]
    table = calibration_table(p, y, bins=10)
    assert len(table) == 10
    assert [b.n for b in table] == [2, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[1].observed == 0.5 and table[1].mean_forecast == pytest.approx(0.135)
    assert table[9].observed == 1.0 and table[9].high == 1.0
    assert math.isnan(table[5].observed) and table[5].ci95 == (0.0, 1.0)
    lo, hi = table[0].ci95
    assert lo == 0.0 and 0.5 < hi < 0.9
    assert table[5].to_dict()["observed"] is None
    with pytest.raises(ValueError, match="bins"):
        calibration_table(p, y, bins=0)


def test_agreement_with_scoringrules_where_installed():
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(5)
    p = rng.uniform(size=40)
    y = (rng.uniform(size=40) < p).astype(int)
    assert_allclose(brier_score(p, y), sr.brier_score(y, p))
    assert_allclose(log_score(p, y), sr.log_score(y, p))
    h = 9
    pmf = rng.dirichlet(np.ones(h + 2), size=40)
    days = rng.integers(0, h + 2, size=40)
    cdf = np.minimum(np.cumsum(pmf[:, :-1], axis=1), 1.0)
    assert_allclose(crps_discrete(cdf, days), sr.rps_score(days + 1, pmf), atol=1e-12)  # categories from 1
