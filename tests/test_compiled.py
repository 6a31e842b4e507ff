"""The compiled model: load-time checks that never enumerate, swappable numbers, size estimates."""

from __future__ import annotations

import time

import numpy as np
import pytest
from engine_helpers import synthetic
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_strategies import conditions, ladders

from escalation import ScenarioError, load_scenario
from escalation.compiled import check_sums, compile_model, estimate_states, reachable
from escalation.errors import GraphTooLargeError
from escalation.scenario import Modifier, Move, Scenario, Target


def enumerated_violation(scenario: Scenario) -> bool:
    """The old load-time check, as a reference: some reachable joint state with a sum over 1."""
    model = compile_model(scenario)
    try:  # the search itself meets the violating state, or the rows of all states do
        model.rows(np.asarray(reachable(model, max_states=10**6).states))
    except ScenarioError:
        return True
    return False


@st.composite
def risky_scenarios(draw: st.DrawFn) -> Scenario:
    """Small scenarios whose outgoing sums may well exceed 1 under some conditions."""
    actors = draw(ladders(draw(st.integers(1, 3))))
    moves = []
    for actor in actors:
        if len(actor.ladder) < 2:
            continue
        for _ in range(draw(st.integers(0, 4))):
            frm, to = draw(st.lists(st.sampled_from(actor.rung_ids), min_size=2, max_size=2, unique=True))
            when = draw(st.none() | conditions(actors, 1))
            moves.append(Move(actor=actor.id, from_=frm, to=to, p=draw(st.floats(0, 0.6)), when=when))
    modifiers = [Modifier(when=draw(conditions(actors, 1)), factor=draw(st.floats(0, 3)),
                          actor=draw(st.none() | st.sampled_from([a.id for a in actors])))
                 for _ in range(draw(st.integers(0, 2)))]
    targets = [Target(name="t0", when=draw(conditions(actors)))]
    return Scenario(id="risky", title="Risky", actors=tuple(actors), moves=tuple(moves), modifiers=tuple(modifiers),
                    targets=tuple(targets), horizon=10)


@given(risky_scenarios())
@settings(max_examples=150)
def test_load_check_finds_every_violation_enumeration_finds(scenario):
    model = compile_model(scenario)
    if enumerated_violation(scenario):
        with pytest.raises(ScenarioError, match="outgoing daily probabilities add up to"):
            check_sums(model)


@pytest.mark.parametrize("name", ["tutorial", "venezuela-2025", "kahn-ladder"])
def test_bundled_scenarios_pass_both_checks(name):
    s = load_scenario(name)
    check_sums(compile_model(s))
    assert not enumerated_violation(s)


def test_a_violation_names_actor_rung_state_sum_and_moves(data_dir):
    with pytest.raises(ScenarioError) as info:
        load_scenario(data_dir / "bad" / "probability_sum.yaml")
    message = str(info.value)
    assert "actor US at rung pressure: outgoing daily probabilities add up to 1.11 > 1" in message
    assert "(US=pressure, VEN=retaliation)" in message and "moves[0] 0.01, moves[1] 0.7, moves[2] 0.4" in message


def test_a_trillion_states_load_and_check_without_enumerating(monkeypatch):
    import escalation.compiled.joint as joint

    def refuse(*args, **kwargs):
        raise AssertionError("the joint space was enumerated")

    monkeypatch.setattr(joint, "_successors", refuse)
    s = synthetic(n_actors=12, n_rungs=10)
    assert s.n_joint_states == 10**12
    started = time.perf_counter()
    model = compile_model(s)
    check_sums(model)
    assert time.perf_counter() - started < 5.0  # about 0.02 s here; generous for slow CI
    assert estimate_states(model) == 10**12


def test_the_exact_engine_refuses_at_once_with_the_estimate():
    s = synthetic(n_actors=12, n_rungs=10)
    started = time.perf_counter()
    with pytest.raises(GraphTooLargeError, match=r"up to 1,000,000,000,000 reachable states .* limit of 200,000"):
        reachable(compile_model(s))
    assert time.perf_counter() - started < 5.0


def test_estimate_counts_only_rungs_each_actor_can_reach(tutorial):
    model = compile_model(tutorial)
    assert estimate_states(model) == 9 and reachable(model).n_states == 7
    # a move with probability 0 reaches nothing
    zero = model.with_numbers(p=np.where(np.arange(model.n_moves) == 0, 0.0, model.move_p))
    assert estimate_states(zero) <= estimate_states(model)


def test_the_model_is_compiled_once_and_shared(tutorial):
    assert compile_model(tutorial) is compile_model(tutorial)
    variant = tutorial.with_start(RED="mobilised")
    assert compile_model(variant) is not compile_model(tutorial)
    assert "compiled_model" not in variant.replace(title="x").cache


def test_what_if_constructors_keep_or_rescale_ranges_and_never_clip():
    s = load_scenario("venezuela-2025")
    i = next(k for k, m in enumerate(s.moves) if m.range is not None and m.within is not None)
    m = s.moves[i]
    assert m.p is not None and m.range is not None
    # A window move becomes a daily move; its window-scale range is carried to the daily
    # scale and rescaled with the probability, so it still brackets it.
    scaled = s.scale_moves(1.5, select=[i]).moves[i]
    assert scaled.within is None and scaled.p == pytest.approx(m.p * 1.5)
    assert scaled.range is not None and scaled.range[0] < scaled.p < scaled.range[1]
    again = s.scale_moves(1.5, select=[i]).with_move_probability(i, scaled.range[0])
    assert again.moves[i].range == scaled.range  # inside the range: kept as it is
    with pytest.raises(ScenarioError, match=r"moves\[\d+\]\.p: scaling .* gives a daily probability of .* > 1"):
        s.scale_moves(1000, select=[i])
