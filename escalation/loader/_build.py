"""Stage 2 of loading: plain data -> Scenario, collecting every problem with its field path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..conditions import did_you_mean
from ..errors import Problem, ScenarioError
from ..scenario import (
    Actor,
    Modifier,
    Move,
    Rung,
    Scenario,
    Source,
    Target,
    Window,
    cross_problems,
)
from ._yaml import Marks


class _Bad(Exception):
    """A field has the wrong type; caught by the builder and turned into a Problem."""

    def __init__(self, expected: str, found: object) -> None:
        self.expected = expected
        self.found = found


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}" if len(value) < 60 else f"string {value[:57]!r}..."
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__



# --- stage 2: build ----------------------------------------------------------------------------
def _str(v: object) -> str:
    if not isinstance(v, str):
        raise _Bad("a string", v)
    return v


def _text(v: object) -> str:
    if isinstance(v, (dt.date, int, float)) and not isinstance(v, bool):
        return str(v)
    return _str(v)


def _int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        raise _Bad("a whole number", v)
    return v


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad("a number", v)
    return float(v)


def _pair(v: object) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise _Bad("a list of two numbers [lo, hi]", v)
    return (_number(v[0]), _number(v[1]))


def _str_list(v: object) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _Bad("a string or a list of strings", v)
    return tuple(v)


def _date(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise _Bad("a date YYYY-MM-DD", v)


Spec = dict[str, tuple[str, Callable[[object], Any], bool]]  # yaml key -> (attribute, converter, required)

_TOP: Spec = {
    "schema": ("schema", _str, True),
    "id": ("id", _str, True),
    "title": ("title", _str, True),
    "as_of": ("as_of", _date, False),
    "horizon": ("horizon", _int, True),
    "description": ("description", _str, False),
    "sources": ("sources", lambda v: v, False),
    "actors": ("actors", lambda v: v, True),
    "moves": ("moves", lambda v: v, False),
    "modifiers": ("modifiers", lambda v: v, False),
    "targets": ("targets", lambda v: v, False),
}
_SOURCE: Spec = {k: (k, _text, False) for k in ("title", "url", "date", "publisher", "note")}
_RUNG: Spec = {
    "id": ("id", _str, True),
    "level": ("level", _int, True),
    "label": ("label", _str, False),
    "description": ("description", _str, False),
}
_ACTOR: Spec = {
    "id": ("id", _str, True),
    "name": ("name", _str, False),
    "kind": ("kind", _str, False),
    "start": ("start", _str, True),
    "description": ("description", _str, False),
    "ladder": ("ladder", lambda v: v, True),
}
_WINDOW: Spec = {"p": ("p", _number, True), "days": ("days", _number, True)}
_MOVE: Spec = {
    "actor": ("actor", _str, True),
    "from": ("from_", _str, True),
    "to": ("to", _str, True),
    "p": ("p", _number, False),
    "within": ("within", lambda v: v, False),
    "when": ("when", _str, False),
    "range": ("range", _pair, False),
    "beta": ("beta", _pair, False),
    "source": ("source", _str_list, False),
    "rationale": ("rationale", _str, False),
    "tags": ("tags", _str_list, False),
}
_MODIFIER: Spec = {
    "when": ("when", _str, True),
    "factor": ("factor", _number, True),
    "actor": ("actor", _str, False),
    "direction": ("direction", _str, False),
    "tags": ("tags", _str_list, False),
    "rationale": ("rationale", _str, False),
    "source": ("source", _str_list, False),
}
_TARGET: Spec = {"when": ("when", _str, True), "description": ("description", _str, False)}


class _Builder:
    def __init__(self, marks: Marks) -> None:
        self.marks = marks
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        line_col = self.marks.get(problem.field)
        probe = problem.field
        while line_col is None and probe:
            # Fall back to the nearest enclosing field that has a position.
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
            line_col = self.marks.get(probe)
        if line_col is None:
            line_col = (None, None)  # type: ignore[assignment]
        self.problems.append(problem.at(file=problem.file, line=line_col[0], column=line_col[1]))

    def fields(self, value: object, spec: Spec, path: str, what: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(Problem(field=path, message=f"expected {what} (a mapping), found {_describe(value)}"))
            return None
        out: dict[str, Any] = {}
        for key in value:
            if key not in spec:
                hint = did_you_mean(str(key), list(spec))
                sub = f"{path}.{key}" if path else str(key)
                problem = Problem(field=sub, message=f"unknown key {key!r} in {what}{hint or f'; expected one of {sorted(spec)}'}")
                pos = self.marks.get(f"{sub}#key")
                if pos:
                    self.problems.append(problem.at(file=None, line=pos[0], column=pos[1]))
                else:
                    self.add(problem)
        for key, (attr, convert, required) in spec.items():
            sub = f"{path}.{key}" if path else key
            if key not in value:
                if required:
                    self.add(Problem(field=path, message=f"missing required key {key!r} in {what}"))
                continue
            try:
                out[attr] = convert(value[key])
            except _Bad as bad:
                self.add(Problem(field=sub, message=f"expected {bad.expected}, found {_describe(bad.found)}"))
        return out

    def make(self, cls: type, kwargs: dict[str, Any] | None, path: str) -> Any:
        if kwargs is None:
            return None
        try:
            return cls(**kwargs)
        except ScenarioError as exc:
            for p in exc.problems:
                self.add(p.within(path))
            return None
        except TypeError:  # a required attribute was missing; already reported
            return None

    def items(self, value: object, path: str, what: str) -> list[tuple[int, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(Problem(field=path, message=f"expected a list of {what}, found {_describe(value)}"))
            return []
        return list(enumerate(value))


def _build_with(b: _Builder, data: object) -> Scenario:
    top = b.fields(data, _TOP, "", "the top level of a scenario")
    if top is None:
        raise ScenarioError(b.problems)
    sources: list[tuple[int, Source]] = []
    raw_sources = top.pop("sources", None) or {}
    if not isinstance(raw_sources, dict):
        b.add(Problem(field="sources", message=f"expected a mapping of source id -> details, found {_describe(raw_sources)}"))
        raw_sources = {}
    for i, (sid, raw) in enumerate(raw_sources.items()):
        if isinstance(raw, str):
            raw = {"title": raw}
        kw = b.fields(raw, _SOURCE, f"sources.{sid}", "a source")
        if kw is not None:
            sources.append((i, Source(id=str(sid), **kw)))

    actors: list[tuple[int, Actor]] = []
    broken: set[str] = set()  # actors that failed to build: references to them are not errors
    for i, raw in b.items(top.pop("actors", None), "actors", "actors"):
        kw = b.fields(raw, _ACTOR, f"actors[{i}]", "an actor")
        if kw is None:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                broken.add(raw["id"])
            continue
        rungs = []
        for j, raw_rung in b.items(kw.get("ladder"), f"actors[{i}].ladder", "rungs"):
            rung = b.make(Rung, b.fields(raw_rung, _RUNG, f"actors[{i}].ladder[{j}]", "a rung"), f"actors[{i}].ladder[{j}]")
            if rung is not None:
                rungs.append(rung)
        if "ladder" in kw:
            if len(rungs) != len(kw["ladder"] or []):
                broken.add(str(kw.get("id")))
                continue  # a rung was bad: reported; the actor's own checks would mislead
            kw["ladder"] = tuple(rungs)
        actor = b.make(Actor, kw, f"actors[{i}]")
        if actor is not None:
            actors.append((i, actor))
        else:
            broken.add(str(kw.get("id")))

    moves: list[tuple[int, Move]] = []
    for i, raw in b.items(top.pop("moves", None), "moves", "moves"):
        kw = b.fields(raw, _MOVE, f"moves[{i}]", "a move")
        if kw is not None and "within" in kw:
            window = b.make(Window, b.fields(kw["within"], _WINDOW, f"moves[{i}].within", "window odds {p, days}"), f"moves[{i}].within")
            if window is None:
                continue
            kw["within"] = window
        move = b.make(Move, kw, f"moves[{i}]")
        if move is not None:
            moves.append((i, move))

    modifiers: list[tuple[int, Modifier]] = []
    for i, raw in b.items(top.pop("modifiers", None), "modifiers", "modifiers"):
        mod = b.make(Modifier, b.fields(raw, _MODIFIER, f"modifiers[{i}]", "a modifier"), f"modifiers[{i}]")
        if mod is not None:
            modifiers.append((i, mod))

    targets: list[tuple[int, Target]] = []
    raw_targets = top.pop("targets", None) or {}
    if not isinstance(raw_targets, dict):
        b.add(Problem(field="targets", message=f"expected a mapping of target name -> condition, found {_describe(raw_targets)}"))
        raw_targets = {}
    for i, (name, raw) in enumerate(raw_targets.items()):
        kw = {"when": raw} if isinstance(raw, str) else b.fields(raw, _TARGET, f"targets.{name}", "a target")
        if kw is None:
            continue
        target = b.make(Target, {"name": str(name), **kw}, f"targets.{name}")
        if target is not None:
            targets.append((i, target))

    for p in cross_problems(
        schema=top.get("schema"), horizon=top.get("horizon", 1), actors=actors, moves=moves,
        modifiers=modifiers, targets=targets, sources=sources, opaque_actors=frozenset(broken),
    ):
        b.add(p)
    if b.problems:
        raise ScenarioError(b.problems)
    return Scenario(
        actors=tuple(a for _, a in actors), moves=tuple(m for _, m in moves),
        modifiers=tuple(m for _, m in modifiers), targets=tuple(t for _, t in targets),
        sources=tuple(s for _, s in sources), **top,
    )


