from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from engine_helpers import synthetic
from hypothesis import given
from scenario_strategies import scenarios

from escalation import GraphTooLargeError, load_scenario
from escalation.graph import compile_graph, write_graphml


def test_tutorial_graph_by_hand(tutorial):
    g = compile_graph(tutorial)
    # BLUE: alert -> {talks, strike}; RED: calm -> mobilised, mobilised -> retaliate only after a strike
    # and mobilised -> calm only while BLUE talks: 7 of the 9 joint states are reachable.
    assert g.n_states == 7
    assert g.state_label(0) == "BLUE=alert, RED=calm"
    labels = {g.state_label(i) for i in range(g.n_states)}
    assert "BLUE=talks, RED=retaliate" not in labels and "BLUE=alert, RED=retaliate" not in labels
    p = g.matrix.toarray()
    q = 1 - 0.8 ** (1 / 30)
    start_row = {g.state_label(j): p[0, j] for j in np.flatnonzero(p[0])}
    assert start_row["BLUE=strike, RED=mobilised"] == pytest.approx(q * 0.02)
    assert start_row["BLUE=alert, RED=calm"] == pytest.approx((1 - q - 0.01) * 0.98)
    assert g.levels.tolist()[0] == 3


def test_networkx_view_carries_rungs_levels_and_moves(tutorial):
    g = compile_graph(tutorial).networkx
    assert g.nodes[0]["BLUE"] == "alert" and g.nodes[0]["level"] == 3
    moved = {d["moved"] for _, _, d in g.edges(data=True)}
    assert {"", "BLUE", "RED", "BLUE,RED"} <= moved
    for node in g:
        assert sum(d["p"] for _, _, d in g.out_edges(node, data=True)) == pytest.approx(1.0)


def test_graphml_export_reads_back(tutorial, tmp_path):
    path = write_graphml(compile_graph(tutorial), tmp_path / "g.graphml")
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == 7
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]


def test_limit_refuses_large_joint_spaces():
    with pytest.raises(GraphTooLargeError, match="may have up to 100,000,000 reachable states .* over the limit of 1,000"):
        compile_graph(synthetic(), max_states=1000)


def test_venezuela_graph_is_fully_enumerated():
    g = compile_graph(load_scenario("venezuela-2025"))
    assert g.n_states <= 560
    np.testing.assert_allclose(g.matrix.sum(axis=1), 1.0, atol=1e-12)


@given(scenarios())
def test_random_scenarios_compile_to_stochastic_matrices(scenario):
    g = compile_graph(scenario)
    assert (g.matrix.data >= 0).all()
    np.testing.assert_allclose(g.matrix.sum(axis=1), 1.0, atol=1e-12)
    assert g.states[0].tolist() == list(scenario.start_state)
    assert len({tuple(s) for s in g.states.tolist()}) == g.n_states
