from __future__ import annotations

import json
import math

import pytest
from engine_helpers import synthetic

from escalation import GraphTooLargeError
from escalation.analysis import format_probability, run
from escalation.stats import wilson_interval


def test_run_both_engines_summarises_every_target(tutorial):
    r = run(tutorial, runs=30_000, seed=8)
    assert r.manifest.engine == "both" and r.manifest.n_states == 7
    for t in r.targets:
        assert t.ci95 == wilson_interval(t.hits, t.runs)
        assert t.ci95[0] <= t.probability <= t.ci95[1]
        assert abs(t.z) < 4.5
        assert t.first_day_q1 <= t.first_day_median <= t.first_day_q3


def test_json_has_the_documented_fields(tutorial, tmp_path):
    r = run(tutorial, runs=5000, seed=1)
    doc = json.loads(r.to_json(tmp_path / "r.json"))
    t = doc["targets"]["blue_strikes"]
    assert set(t) >= {"probability", "ci95", "exact", "stderr", "first_day_median"}
    assert len(t["ci95"]) == 2
    m = doc["manifest"]
    assert m["scenario_id"] == "tutorial" and len(m["scenario_sha256"]) == 64
    assert m["seed"] == 1 and m["runs"] == 5000 and m["horizon"] == 60 and m["engine"] == "both"
    assert m["package_version"] and m["wall_time"] > 0
    assert json.loads((tmp_path / "r.json").read_text()) == doc


def test_same_seed_same_json_apart_from_wall_time(tutorial):
    a = json.loads(run(tutorial, runs=3000, seed=9).to_json())
    b = json.loads(run(tutorial, runs=3000, seed=9).to_json())
    a["manifest"].pop("wall_time"), b["manifest"].pop("wall_time")
    assert a == b


def test_exact_only_and_mc_only(tutorial):
    e = run(tutorial, method="exact")
    assert e.manifest.engine == "exact" and e.manifest.seed is None and e.simulation is None
    assert e["blue_strikes"].probability == e["blue_strikes"].exact and e["blue_strikes"].ci95 is None
    m = run(tutorial, method="mc", runs=1000, seed=1)
    assert m.exact is None and m["blue_strikes"].exact is None and m["blue_strikes"].z is None


def test_auto_falls_back_to_monte_carlo_when_the_graph_is_too_large():
    s = synthetic(n_actors=4, n_rungs=6)
    r = run(s, runs=2000, seed=1, max_states=100)
    assert r.manifest.engine == "mc"
    with pytest.raises(GraphTooLargeError):
        run(s, runs=2000, seed=1, method="both", max_states=100)


def test_table_csv_html_and_pandas(tutorial):
    r = run(tutorial, runs=4000, seed=2, targets=["settlement", "blue_strikes"])
    table = r.table()
    assert table.splitlines()[1].split()[:2] == ["target", "odds"]
    assert [line.split()[0] for line in table.splitlines()[3:5]] == ["blue_strikes", "settlement"]
    csv_text = r.to_csv()
    assert csv_text.splitlines()[0].startswith("target,probability,stderr,ci95_low,ci95_high,exact")
    assert len(csv_text.splitlines()) == 3
    assert "<table>" in r._repr_html_() and "blue_strikes" in r._repr_html_()
    df = r.to_pandas()
    assert list(df.index) == ["blue_strikes", "settlement"]
    assert df.loc["blue_strikes", "probability"] == r["blue_strikes"].probability
    with pytest.raises(KeyError, match="unknown target 'red_retaliates'"):
        r["red_retaliates"]


def test_cumulative_band_contains_estimate(tutorial):
    r = run(tutorial, runs=4000, seed=3)
    sim = r.simulation
    low, high = sim.ci95_band("blue_strikes")
    mc = sim.cumulative()[0]
    assert (low <= mc).all() and (mc <= high).all() and (low < high).all()
    assert r.cumulative().shape == (4, 61)
    assert r.cumulative().tolist() == r.exact.cumulative().tolist()  # the exact engine where it ran


def test_run_result_is_a_mapping_of_targets(tutorial):
    r = run(tutorial, runs=1000, seed=3)
    assert list(r) == list(tutorial.target_names) and len(r) == 4
    assert "settlement" in r and "nope" not in r
    assert dict(r.items())["settlement"] is r["settlement"]
    pmf = r["blue_strikes"].first_day_pmf
    assert pmf.shape == (61,) and pmf.sum() == pytest.approx(r["blue_strikes"].exact)
    assert r.first_day_pmf("blue_strikes").tolist() == pmf.tolist()
    assert r.manifest.engine_reason.startswith("auto: both engines")


@pytest.mark.parametrize(("p", "text"), [(0.27559, "27.56%"), (0.0, "0"), (3.1e-7, "3.1e-07"), (None, "-"), (math.nan, "-")])
def test_format_probability(p, text):
    assert format_probability(p) == text


def test_wilson_interval_reference_values():
    # Reference: Newcombe (1998), Table I, example 81/263 -> 0.2553 to 0.3662.
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
