"""Invariants that involve more than one part of a scenario (cross-references, duplicates)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..conditions import Expr, check_names, did_you_mean
from ..errors import Problem
from ..limits import MAX_HORIZON, MAX_TARGETS
from .parts import SCHEMA, Actor, Modifier, Move, Source, Target

#: "Did you mean" hints computed per check, at most. Each costs time linear in the number of
#: names it is chosen from; past this many the unknown names are still reported, without a
#: hint, so a file with many thousands of them is still checked in linear time.
MAX_HINTS = 100


class _AnyRung(tuple):  # type: ignore[type-arg]
    """Stands for the ladder of an actor that failed to build: every rung name is accepted."""

    def __contains__(self, item: object) -> bool:
        return True


class _OpenLadders(dict):  # type: ignore[type-arg]
    """Actor id -> set of rung ids, in which an unknown actor is accepted with any rung."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> Collection[str]:
        return _AnyRung()


class _Hints:
    """"Did you mean" hints, cached by name and choices, computed at most :data:`MAX_HINTS` times.

    Choices are told apart by identity, so each must be one object for the whole check (a
    set or mapping built once, not a fresh view per call); the cache keeps them alive.
    """

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int], tuple[Collection[str], str]] = {}
        self.left = MAX_HINTS

    def __call__(self, name: str, choices: Collection[str]) -> str:
        key = (name, id(choices))
        if key not in self.cache:
            if self.left <= 0:
                return ""
            self.left -= 1
            self.cache[key] = (choices, did_you_mean(name, choices))
        return self.cache[key][1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbuilt:
    """Parts that failed to build (and were reported), so that their knock-ons are not.

    Parameters
    ----------
    actors : frozenset of str
        Ids of actors that failed to build: references to them are accepted with any rung.
    any_actor : bool
        An actor whose id is not known failed (or the list of actors itself): references to
        unknown actors are accepted, and an empty list of actors is not reported.
    sources : frozenset of str
        Ids of sources that failed to build: references to them are accepted.
    any_source : bool
        The sources mapping itself failed: every source reference is accepted.
    any_move : bool
        A move (or the list of moves) failed: a modifier tag that no built move carries may be
        the failed move's, so it is not reported.
    """

    actors: frozenset[str] = frozenset()
    any_actor: bool = False
    sources: frozenset[str] = frozenset()
    any_source: bool = False
    any_move: bool = False


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


def _names_problems(
    expr: Expr | None, ladders: Mapping[str, Collection[str]], name: str, text: str, hints: _Hints
) -> list[Problem]:
    if expr is None:
        return []
    shown = repr(text) if len(text) <= 80 else f"{text[:77]!r}..."
    return [Problem(field=name, message=f"{msg} in {shown}") for msg in check_names(expr, ladders, hint=hints)]


def cross_problems(
    *,
    schema: object,
    horizon: object,
    actors: Sequence[tuple[int, Actor]],
    moves: Sequence[tuple[int, Move]],
    modifiers: Sequence[tuple[int, Modifier]],
    targets: Sequence[tuple[int, Target]],
    sources: Sequence[tuple[int, Source]],
    unbuilt: Unbuilt = Unbuilt(),
) -> list[Problem]:
    """Problems that involve more than one object of a scenario.

    Each sequence holds ``(index in the file, object)`` pairs, so a loader that could build
    only some objects still gets every cross-reference problem with its right field path.

    Parameters
    ----------
    schema, horizon : object
        The scenario's fields.
    actors, moves, modifiers, targets, sources : sequence of (int, object)
        The parts that were built.
    unbuilt : Unbuilt, optional
        What failed to build: problems that only follow from its absence are left out.

    Returns
    -------
    list of Problem
        Field paths are relative to the scenario (``moves[3].to``).

    Notes
    -----
    One mistake is reported once. References to an actor that failed to build are accepted
    with any rung. An actor id given twice is reported at the second; references to the id
    may name rungs of either ladder, and while it stands, references to unknown actors are
    not reported (the duplicate was most likely meant to be one of them). The run time is
    linear in the size of the scenario: names are looked up in sets, and at most
    :data:`MAX_HINTS` "did you mean" hints are computed.
    """
    problems: list[Problem] = []
    hints = _Hints()
    if schema != SCHEMA:
        problems.append(Problem(field="schema", message=f"expected {SCHEMA!r}, found {schema!r} (unsupported schema version)"))
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        problems.append(Problem(field="horizon", message=f"expected a whole number of days >= 1, found {horizon!r}"))
    elif horizon > MAX_HORIZON:
        problems.append(Problem(field="horizon", message=(
            f"expected at most {MAX_HORIZON:,} days (the limit per-day arrays are sized by), found {horizon:,}")))
    if len(targets) > MAX_TARGETS:
        problems.append(Problem(field="targets", message=(
            f"expected at most {MAX_TARGETS:,} targets (docs/limits.md), found {len(targets):,}")))
    if not actors and not unbuilt.any_actor and not unbuilt.actors:
        problems.append(Problem(field="actors", message="expected at least one actor, found none"))
    rung_sets: dict[str, set[str]] = {}
    duplicated = False
    for i, a in actors:
        if a.id in rung_sets:
            problems.append(Problem(field=f"actors[{i}].id", message=f"duplicate actor id {a.id!r}"))
            rung_sets[a.id].update(a.rung_ids)
            duplicated = True
            continue
        rung_sets[a.id] = set(a.rung_ids)
    duplicated = duplicated or not unbuilt.actors.isdisjoint(rung_sets)  # a copy failed to build
    # Sets, so that each reference is checked in O(1) whatever the length of the ladder.
    ladders: dict[str, Collection[str]] = (_OpenLadders if unbuilt.any_actor or duplicated else dict)(rung_sets)
    for name in unbuilt.actors:
        ladders[name] = _AnyRung()
    source_ids: set[str] = set()
    for i, s in sources:
        if s.id in source_ids:
            problems.append(Problem(field=f"sources.{s.id}", message=f"duplicate source id {s.id!r}"))
        source_ids.add(s.id)

    def check_sources(ids: Sequence[str], path: str) -> None:
        if unbuilt.any_source:
            return
        for sid in ids:
            if sid not in source_ids and sid not in unbuilt.sources:
                problems.append(Problem(field=path, message=f"unknown source {sid!r}{hints(sid, source_ids)}"))

    for i, m in moves:
        if m.actor not in ladders:
            problems.append(Problem(field=f"moves[{i}].actor", message=f"unknown actor {m.actor!r}{hints(m.actor, ladders)}"))
        else:
            rungs = ladders[m.actor]
            for key, rung in (("from", m.from_), ("to", m.to)):
                if rung not in rungs:
                    problems.append(Problem(field=f"moves[{i}].{key}", message=f"unknown rung {rung!r} for {m.actor}{hints(rung, rungs)}"))
        if m.when is not None:
            problems.extend(_names_problems(m.condition, ladders, f"moves[{i}].when", m.when, hints))
        check_sources(m.source, f"moves[{i}].source")
    for i, mod in modifiers:
        if mod.actor is not None and mod.actor not in ladders:
            problems.append(Problem(field=f"modifiers[{i}].actor", message=f"unknown actor {mod.actor!r}{hints(mod.actor, ladders)}"))
        problems.extend(_names_problems(mod.condition, ladders, f"modifiers[{i}].when", mod.when, hints))
        check_sources(mod.source, f"modifiers[{i}].source")
    seen_targets: set[str] = set()
    for i, t in targets:
        if t.name in seen_targets:
            problems.append(Problem(field=f"targets.{t.name}", message=f"duplicate target name {t.name!r}"))
        seen_targets.add(t.name)
        problems.extend(_names_problems(t.condition, ladders, f"targets.{t.name}", t.when, hints))
    if not unbuilt.any_move:
        problems.extend(tag_problems(moves, modifiers))
    return problems


def tag_problems(moves: Sequence[tuple[int, Move]], modifiers: Sequence[tuple[int, Modifier]]) -> list[Problem]:
    """Modifier tags that no move carries (a typo would otherwise select nothing, silently).

    Parameters
    ----------
    moves, modifiers : sequence of (int, object)
        ``(index in the file, object)`` pairs; every move of the scenario must be given, or
        a tag carried only by a missing move would be reported.

    Returns
    -------
    list of Problem
        ``modifiers[2].tags: tag 'escalatory' matches no move; did you mean 'escalation'?``
    """
    carried = {tag for _, m in moves for tag in m.tags}
    hints = _Hints()
    problems = []
    for i, mod in modifiers:
        for tag in mod.tags:
            if tag not in carried:
                hint = hints(tag, carried) if carried else "; no move has tags"
                problems.append(Problem(field=f"modifiers[{i}].tags", message=f"tag {tag!r} matches no move{hint}"))
    return problems
