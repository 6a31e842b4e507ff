"""Invariants that involve more than one part of a scenario (cross-references, duplicates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..conditions import Expr, check_names, did_you_mean
from ..errors import Problem
from .parts import SCHEMA, Actor, Modifier, Move, Source, Target


class _AnyRung(tuple):  # type: ignore[type-arg]
    """Stands for the ladder of an actor that failed to build: every rung name is accepted."""

    def __contains__(self, item: object) -> bool:
        return True


def modifier_applies(mod: Modifier, move: Move, escalating: bool) -> bool:
    """Whether modifier ``mod`` selects ``move`` (ignoring its condition)."""
    if mod.actor is not None and mod.actor != move.actor:
        return False
    if mod.direction == "up" and not escalating:
        return False
    if mod.direction == "down" and escalating:
        return False
    if mod.tags and not set(mod.tags) & set(move.tags):
        return False
    return True


def _names_problems(expr: Expr | None, ladders: Mapping[str, Sequence[str]], name: str, text: str) -> list[Problem]:
    if expr is None:
        return []
    return [Problem(field=name, message=f"{msg} in {text!r}") for msg in check_names(expr, ladders)]


def cross_problems(
    *,
    schema: object,
    horizon: object,
    actors: Sequence[tuple[int, Actor]],
    moves: Sequence[tuple[int, Move]],
    modifiers: Sequence[tuple[int, Modifier]],
    targets: Sequence[tuple[int, Target]],
    sources: Sequence[tuple[int, Source]],
    opaque_actors: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Problems that involve more than one object of a scenario.

    Each sequence holds ``(index in the file, object)`` pairs, so a loader that could build
    only some objects still gets every cross-reference problem with its right field path.
    References to ``opaque_actors`` (actors that failed to build, already reported) are
    accepted with any rung, so one mistake is not reported again at every use.

    Returns
    -------
    list of Problem
        Field paths are relative to the scenario (``moves[3].to``).
    """

    problems: list[Problem] = []
    if schema != SCHEMA:
        problems.append(Problem(field="schema", message=f"expected {SCHEMA!r}, found {schema!r} (unsupported schema version)"))
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        problems.append(Problem(field="horizon", message=f"expected a whole number of days >= 1, found {horizon!r}"))
    if not actors:
        problems.append(Problem(field="actors", message="expected at least one actor, found none"))
    ladders: dict[str, tuple[str, ...]] = {}
    by_id: dict[str, Actor] = {}
    for i, a in actors:
        if a.id in ladders:
            problems.append(Problem(field=f"actors[{i}].id", message=f"duplicate actor id {a.id!r}"))
            continue
        ladders[a.id] = a.rung_ids
        by_id[a.id] = a
    for name in opaque_actors - set(ladders):
        ladders[name] = _AnyRung()  # type: ignore[assignment]
    source_ids = set()
    for i, s in sources:
        if s.id in source_ids:
            problems.append(Problem(field=f"sources.{s.id}", message=f"duplicate source id {s.id!r}"))
        source_ids.add(s.id)

    def check_sources(ids: Sequence[str], path: str) -> None:
        for sid in ids:
            if sid not in source_ids:
                problems.append(Problem(field=path, message=f"unknown source {sid!r}{did_you_mean(sid, sorted(source_ids))}"))

    for i, m in moves:
        actor = by_id.get(m.actor)
        if actor is None and m.actor in opaque_actors:
            pass
        elif actor is None:
            problems.append(Problem(field=f"moves[{i}].actor", message=f"unknown actor {m.actor!r}{did_you_mean(m.actor, list(ladders))}"))
        else:
            for key, rung in (("from", m.from_), ("to", m.to)):
                if rung not in ladders[m.actor]:
                    problems.append(Problem(field=f"moves[{i}].{key}", message=f"unknown rung {rung!r} for {m.actor}{did_you_mean(rung, ladders[m.actor])}"))
        if m.when is not None:
            problems.extend(_names_problems(m.condition, ladders, f"moves[{i}].when", m.when))
        check_sources(m.source, f"moves[{i}].source")
    for i, mod in modifiers:
        if mod.actor is not None and mod.actor not in ladders:
            problems.append(Problem(field=f"modifiers[{i}].actor", message=f"unknown actor {mod.actor!r}{did_you_mean(mod.actor, list(ladders))}"))
        problems.extend(_names_problems(mod.condition, ladders, f"modifiers[{i}].when", mod.when))
        check_sources(mod.source, f"modifiers[{i}].source")
    seen_targets: set[str] = set()
    for i, t in targets:
        if t.name in seen_targets:
            problems.append(Problem(field=f"targets.{t.name}", message=f"duplicate target name {t.name!r}"))
        seen_targets.add(t.name)
        problems.extend(_names_problems(t.condition, ladders, f"targets.{t.name}", t.when))
    return problems
