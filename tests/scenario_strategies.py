"""Hypothesis strategies for small valid scenarios and condition strings."""

from __future__ import annotations

from hypothesis import strategies as st

from escalation.scenario import Actor, Modifier, Move, Rung, Scenario, Target, Window

OPS = ["==", "!=", "<", "<=", ">", ">="]


@st.composite
def ladders(draw: st.DrawFn, n_actors: int) -> list[Actor]:
    actors = []
    for a in range(n_actors):
        size = draw(st.integers(1, 4))
        levels = sorted(draw(st.lists(st.integers(0, 10), min_size=size, max_size=size)))
        rungs = tuple(Rung(id=f"r{j}", level=lv, label=f"Rung {j}") for j, lv in enumerate(levels))
        kind = draw(st.sampled_from(["party", "party", "exogenous"]))
        actors.append(Actor(id=f"A{a}", ladder=rungs, start=f"r{draw(st.integers(0, size - 1))}", kind=kind))
    return actors


@st.composite
def conditions(draw: st.DrawFn, actors: list[Actor], depth: int = 2) -> str:
    actor = draw(st.sampled_from(actors))
    rung = draw(st.sampled_from(actor.rung_ids))
    kind = draw(st.integers(0, 5 if depth > 0 else 1))
    if kind == 0:
        return f"{actor.id} {draw(st.sampled_from(OPS))} {rung}"
    if kind == 1:
        rungs = draw(st.lists(st.sampled_from(actor.rung_ids), min_size=1, max_size=3))
        neg = "not in" if draw(st.booleans()) else "in"
        return f"{actor.id} {neg} [{', '.join(rungs)}]"
    if kind == 2:
        return f"not ({draw(conditions(actors, depth - 1))})"
    word = "and" if kind in (3, 4) else "or"
    return f"({draw(conditions(actors, depth - 1))}) {word} {draw(conditions(actors, depth - 1))}"


@st.composite
def scenarios(draw: st.DrawFn, max_actors: int = 3) -> Scenario:
    """Random valid scenarios: outgoing sums stay below 1 by construction."""
    actors = draw(ladders(draw(st.integers(1, max_actors))))
    moves = []
    for actor in actors:
        if len(actor.ladder) < 2:
            continue
        for _ in range(draw(st.integers(0, 4))):
            frm, to = draw(st.lists(st.sampled_from(actor.rung_ids), min_size=2, max_size=2, unique=True))
            when = draw(st.none() | conditions(actors, 1))
            if draw(st.booleans()):
                move = Move(actor=actor.id, from_=frm, to=to, p=draw(st.floats(0, 0.2)), when=when)
            else:
                window = Window(p=draw(st.floats(0, 0.9)), days=draw(st.integers(10, 365)))
                move = Move(actor=actor.id, from_=frm, to=to, within=window, when=when,
                            tags=tuple(draw(st.lists(st.sampled_from(["kinetic", "talks"]), max_size=1))))
            moves.append(move)
    carried = sorted({tag for m in moves for tag in m.tags})  # a modifier's tag must select some move
    modifiers = [
        Modifier(when=draw(conditions(actors, 1)), factor=draw(st.floats(0, 1.2)),
                 actor=draw(st.none() | st.sampled_from([a.id for a in actors])),
                 direction=draw(st.sampled_from(["any", "up", "down"])),
                 tags=tuple(draw(st.lists(st.sampled_from(carried), max_size=1))) if carried else ())
        for _ in range(draw(st.integers(0, 1)))
    ]
    targets = [Target(name=f"t{i}", when=draw(conditions(actors))) for i in range(draw(st.integers(1, 3)))]
    return Scenario(id="random", title="Random scenario", actors=tuple(actors), moves=tuple(moves),
                    modifiers=tuple(modifiers), targets=tuple(targets), horizon=draw(st.integers(1, 60)))
