"""Properties of the bundled scenarios that the issues name."""

from __future__ import annotations

import pytest
from engine_helpers import z_score

from escalation import load_scenario
from escalation.engines.exact import exact_odds
from escalation.engines.montecarlo import simulate


@pytest.fixture(scope="module")
def kahn():
    return load_scenario("kahn-ladder")


def test_kahn_exact_prices_nuclear_use_that_monte_carlo_cannot_see(kahn):
    runs = 100_000
    ex = exact_odds(kahn)
    sim = simulate(kahn, runs=runs, seed=1)
    p = ex.probability("nuclear_use")
    assert 0 < p < 1 / runs  # rarer than one in the number of runs ...
    assert sim.hits("nuclear_use") == 0  # ... so Monte Carlo sees no hit,
    assert ex.probability("city_targeting") < p  # and the thresholds are ordered.
    for target in ("dont_rock_the_boat", "nuclear_war_unthinkable"):  # where hits are common they agree
        assert sim.hits(target) > 1000
        assert abs(z_score(sim.probability(target), ex.probability(target), runs)) < 4.5


def test_venezuela_start_matches_the_as_of_date():
    s = load_scenario("venezuela-2025")
    assert str(s.as_of) == "2025-10-24" and s.horizon == 90
    assert {a.id: a.start for a in s.actors}["US"] == "maritime_strikes"
    assert {"direct_strikes", "blockade", "venezuelan_retaliation", "major_war", "de_escalation"} <= set(s.target_names)
    assert s.actor("SHOCK").kind == "exogenous"
    for src in s.sources:
        assert not src.date or src.date <= "2025-10-24", src.id
