"""Stage 2 of loading: plain data -> Scenario, collecting every problem with its field path.

One mistake is reported once: when a part fails to build, the problems that only follow
from its absence are left out (a field that failed its type check is not reported again as
missing; references to an actor or source that failed are accepted; see
:class:`~escalation.scenario.checks.Unbuilt`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..conditions import did_you_mean, is_identifier
from ..errors import Problem, ScenarioError
from ..limits import MAX_TARGETS
from ..scenario import (
    SCHEMA,
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
from ..scenario.checks import Unbuilt
from ._yaml import Marks

#: Whole numbers (horizon, levels) must fit in 64 bits; the engines index arrays with them.
_INT_LIMIT = 2**63


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
    if isinstance(value, int) and abs(value) >= _INT_LIMIT:
        return f"a {len(str(abs(value)))}-digit integer"  # the parser refuses over 4300 digits
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}" if len(value) < 60 else f"string {value[:57]!r}..."
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return ("a mapping" if len(value) < 100 else f"a mapping of {len(value):,} entries") if value else "an empty mapping"
    return type(value).__name__


# --- stage 2: build ----------------------------------------------------------------------------
def _str(v: object) -> str:
    if not isinstance(v, str):
        raise _Bad("a string", v)
    return v


def _text(v: object) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)  # a source's date: 2025
    return _str(v)


def _int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
        raise _Bad("a whole number", v)
    if abs(v) >= _INT_LIMIT:
        raise _Bad("a whole number in the 64-bit range", v)
    return int(v)


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad("a number", v)
    try:
        return float(v)
    except OverflowError:  # an int past 1.8e308
        raise _Bad("a number in the float range", v) from None


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


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _date(v: object) -> dt.date:
    # YAML 1.2 has no dates: the parser gives the text, read here as an ISO date.
    if not isinstance(v, str) or not _ISO_DATE.match(v):
        raise _Bad("a date YYYY-MM-DD", v)
    try:
        return dt.date.fromisoformat(v)
    except ValueError as exc:  # 2025-02-30: "day is out of range for month"
        raise _Bad(f"a date YYYY-MM-DD that exists ({exc})", v) from None


def _list(what: str) -> Callable[[object], list[Any]]:
    def convert(v: object) -> list[Any]:
        if not isinstance(v, list):
            raise _Bad(f"a list of {what}", v)
        return v

    return convert


def _mapping(what: str, *, empty: bool, most: int | None = None) -> Callable[[object], dict[str, Any]]:
    def convert(v: object) -> dict[str, Any]:
        if not isinstance(v, dict) or (not v and not empty):
            raise _Bad(f"a {'' if empty else 'non-empty '}mapping of {what}", v)
        if most is not None and len(v) > most:
            raise _Bad(f"a mapping of at most {most:,} {what} (docs/limits.md)", v)
        return v

    return convert


Spec = dict[str, tuple[str, Callable[[object], Any], bool]]  # yaml key -> (attribute, converter, required)

_TOP: Spec = {
    "schema": ("schema", _str, True),
    "id": ("id", _str, True),
    "title": ("title", _str, True),
    "as_of": ("as_of", _date, False),
    "horizon": ("horizon", _int, True),
    "description": ("description", _str, False),
    "sources": ("sources", _mapping("source id -> details", empty=True), False),
    "actors": ("actors", _list("actors"), True),
    "moves": ("moves", _list("moves"), False),
    "modifiers": ("modifiers", _list("modifiers"), False),
    "targets": ("targets", _mapping("target name -> condition", empty=False, most=MAX_TARGETS), False),
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
    "ladder": ("ladder", _list("rungs"), True),
}
_WINDOW: Spec = {"p": ("p", _number, True), "days": ("days", _number, True)}
_MOVE: Spec = {
    "actor": ("actor", _str, True),
    "from": ("from_", _str, True),
    "to": ("to", _str, True),
    "p": ("p", _number, False),
    "within": ("within", lambda v: v, False),  # checked by the window's own fields()
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


class _Fields(dict):  # type: ignore[type-arg]
    """Converted fields (attribute -> value), and what could not be given."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: set[str] = set()  # yaml keys and attributes whose value had the wrong type
        self.complete = True  # every required field is present and converted


def _head(field: str) -> str:
    """The first component of a field path: ``ladder[2].level`` -> ``ladder``."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]


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

    def fields(self, value: object, spec: Spec, path: str, what: str) -> _Fields | None:
        if not isinstance(value, dict):
            self.add(Problem(field=path, message=f"expected {what} (a mapping), found {_describe(value)}"))
            return None
        out = _Fields()
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
                    out.complete = False
                continue
            try:
                out[attr] = convert(value[key])
            except _Bad as bad:
                self.add(Problem(field=sub, message=f"expected {bad.expected}, found {_describe(bad.found)}"))
                out.failed.update((key, attr))
                out.complete = out.complete and not required
        return out

    def make(self, cls: type, kwargs: _Fields | None, path: str, *, shorthand: str = "") -> Any:
        """``cls(**kwargs)``, or None with its problems added (those that only follow from a
        field that failed its type check left out). ``shorthand`` names the field that was
        given as the whole value (``targets: {name: "A >= b"}``): its problems are at ``path``."""
        if kwargs is None or not kwargs.complete:
            return None  # what is missing or wrong was reported
        try:
            return cls(**kwargs)
        except ScenarioError as exc:
            for p in exc.problems:
                if _head(p.field) in kwargs.failed:
                    continue
                if shorthand and p.field == shorthand:
                    p = Problem(message=p.message, line=p.line, column=p.column)
                self.add(p.within(path))
            return None


def _build_with(b: _Builder, data: object, *, origin: str | None = None, sha256: str | None = None) -> Scenario:
    top = b.fields(data, _TOP, "", "the top level of a scenario")
    if top is None:
        raise ScenarioError(b.problems)
    failed = top.failed

    sources: list[tuple[int, Source]] = []
    broken_sources: set[str] = set()
    for i, (sid, raw) in enumerate(top.pop("sources", {}).items()):
        kw = b.fields({"title": raw} if isinstance(raw, str) else raw, _SOURCE, f"sources.{sid}", "a source")
        if kw is not None:
            kw["id"] = sid
        source = b.make(Source, kw, f"sources.{sid}", shorthand="title" if isinstance(raw, str) else "")
        if source is None or kw.failed:  # type: ignore[union-attr]
            broken_sources.add(sid)
        else:
            sources.append((i, source))

    actors: list[tuple[int, Actor]] = []
    broken: set[str] = set()  # actors that failed to build: references to them are not errors
    unnamed = "actors" in failed or "actors" not in top  # an actor whose id we do not know failed
    for i, raw in enumerate(top.pop("actors", [])):
        where = f"actors[{i}]"
        kw = b.fields(raw, _ACTOR, where, "an actor")
        actor = None
        if kw is not None and kw.complete:
            rungs = [b.make(Rung, b.fields(r, _RUNG, f"{where}.ladder[{j}]", "a rung"), f"{where}.ladder[{j}]")
                     for j, r in enumerate(kw["ladder"])]
            if all(r is not None for r in rungs):  # else reported: the actor's own checks would mislead
                kw["ladder"] = tuple(rungs)
                actor = b.make(Actor, kw, where)
        if actor is not None:
            actors.append((i, actor))
        elif isinstance(raw, dict) and is_identifier(raw.get("id")):
            broken.add(raw["id"])
        else:  # its id is missing or bad: references to any unknown actor may mean it
            unnamed = True

    moves: list[tuple[int, Move]] = []
    all_moves = "moves" not in failed
    for i, raw in enumerate(top.pop("moves", [])):
        kw = b.fields(raw, _MOVE, f"moves[{i}]", "a move")
        if kw is not None and "within" in kw:
            window = b.make(Window, b.fields(kw["within"], _WINDOW, f"moves[{i}].within", "window odds {p, days}"), f"moves[{i}].within")
            if window is None:
                kw.complete = False
            kw["within"] = window
        move = b.make(Move, kw, f"moves[{i}]")
        if move is None:
            all_moves = False
        else:
            moves.append((i, move))

    modifiers: list[tuple[int, Modifier]] = []
    for i, raw in enumerate(top.pop("modifiers", [])):
        mod = b.make(Modifier, b.fields(raw, _MODIFIER, f"modifiers[{i}]", "a modifier"), f"modifiers[{i}]")
        if mod is not None:
            modifiers.append((i, mod))

    targets: list[tuple[int, Target]] = []
    for i, (name, raw) in enumerate(top.pop("targets", {}).items()):
        kw = b.fields({"when": raw} if isinstance(raw, str) else raw, _TARGET, f"targets.{name}", "a target")
        if kw is not None:
            kw["name"] = name
        target = b.make(Target, kw, f"targets.{name}", shorthand="when" if isinstance(raw, str) else "")
        if target is not None:
            targets.append((i, target))

    unbuilt = Unbuilt(actors=frozenset(broken), any_actor=unnamed,
                      sources=frozenset(broken_sources), any_source="sources" in failed, any_move=not all_moves)
    for p in cross_problems(
        schema=top.get("schema", SCHEMA),  # a missing or mistyped schema is reported already
        horizon=top.get("horizon", 1), actors=actors, moves=moves,
        modifiers=modifiers, targets=targets, sources=sources, unbuilt=unbuilt,
    ):
        b.add(p)
    if b.problems:
        raise ScenarioError(b.problems)
    return Scenario(
        actors=tuple(a for _, a in actors), moves=tuple(m for _, m in moves),
        modifiers=tuple(m for _, m in modifiers), targets=tuple(t for _, t in targets),
        sources=tuple(s for _, s in sources), origin=origin, sha256=sha256, **top,
    )
