"""Read and write scenario files: YAML -> :class:`~escalation.scenario.Scenario` and back.

Loading has two stages. *Parse*: the bytes go through PyYAML's safe loader only (a tag that
would construct a Python object is refused), and every value's line and column are recorded.
*Build*: each field is checked against the format, all problems are collected, and the
dataclasses are constructed; errors name the file, line, field path, what was expected and
what was found. Finally the reachable joint states are searched (shared with the compiled
graph, :func:`escalation.dynamics.explore`) to check that no actor's outgoing probabilities
exceed 1 anywhere, and a target that can never hold gets a :class:`ScenarioWarning`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .conditions import did_you_mean
from .dynamics import Dynamics, explore
from .errors import GraphTooLargeError, Problem, ScenarioError, ScenarioWarning
from .scenario import (
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

__all__ = [
    "MAX_FILE_BYTES",
    "CHECK_MAX_STATES",
    "load_scenario",
    "loads_scenario",
    "dump_scenario",
    "scenario_to_dict",
    "bundled_scenarios",
    "find_scenario",
    "json_schema",
    "check_reachable",
]

#: Files larger than this are refused before parsing.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The loader's reachable-sum check enumerates at most this many joint states; past it the
#: check is left to the engines, which raise the same error on the states they visit.
CHECK_MAX_STATES = 200_000

Marks = dict[str, tuple[int, int]]


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


# --- stage 1: parse ----------------------------------------------------------------------------
def _walk_marks(node: yaml.Node, path: str, marks: Marks, problems: list[Problem], seen: set[int]) -> None:
    # An alias is the node it names: its position is where the anchor was defined, and its
    # contents are walked only once (so nested aliases cannot blow up the walk).
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in keys:
                problems.append(Problem(
                    field=sub, message=f"duplicate key {key!r} in a mapping",
                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1,
                ))
            keys.add(key)
            marks[f"{sub}#key"] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk_marks(value_node, sub, marks, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_marks(item, f"{path}[{i}]", marks, problems, seen)


#: libyaml's parser with PyYAML's safe constructor where the C extension is built (about 10x
#: faster on large files); the pure-Python safe loader otherwise. Both refuse Python tags.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, Marks, list[Problem]]:
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        marks: Marks = {}
        problems: list[Problem] = []
        _walk_marks(node, "", marks, problems, set())
        data = loader.construct_document(node)
        return data, marks, problems
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        found = re.search(r"'([^']*)'", str(exc.problem or ""))
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else str(exc.problem)
        message = f"expected plain data, found the tag {tag}; scenario files cannot construct objects"
        raise ScenarioError(Problem(message=message, line=mark.line + 1 if mark else None,
                                    column=mark.column + 1 if mark else None)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError(Problem(message=f"YAML syntax error: {what}", line=mark.line + 1 if mark else None,
                                    column=mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Problem(message=f"YAML error: {exc}")) from None
    finally:
        loader.dispose()


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


def check_reachable(scenario: Scenario, *, max_states: int = CHECK_MAX_STATES) -> list[str]:
    """Check outgoing probabilities in every reachable joint state, and target reachability.

    Parameters
    ----------
    scenario : Scenario
    max_states : int, optional
        Enumerate at most this many joint states; past it nothing is checked here (the
        engines check the states they visit).

    Returns
    -------
    list of str
        Names of targets that hold in no reachable state (empty when not enumerated).

    Raises
    ------
    ScenarioError
        If an actor's outgoing probabilities add up to more than 1 in a reachable state.
    """
    dyn = Dynamics(scenario)
    try:
        states = explore(dyn, max_states=max_states).states
    except GraphTooLargeError:
        return []
    holds = dyn.targets_hold(states)
    return [t.name for t, h in zip(scenario.targets, holds) if not h.any()]


def _locate(problems: tuple[Problem, ...], file: str, marks: Marks) -> ScenarioError:
    b = _Builder(marks)
    for p in problems:
        if p.line is None:
            b.add(p)
        else:
            b.problems.append(p)
    located = sorted(b.problems, key=lambda p: (p.line or 0, p.column or 0))
    return ScenarioError([p.at(file=file, line=p.line, column=p.column) for p in located])


def loads_scenario(text: str, *, name: str = "<string>", check: bool = True) -> Scenario:
    """Load a scenario from YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    name : str, optional
        Used as the file name in error messages.
    check : bool, optional
        Also search the reachable joint states for probabilities adding up to more than 1
        and for targets that can never hold (a :class:`ScenarioWarning`).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem, each as ``name:line:col: field: expected ..., found ...``.

    Examples
    --------
    >>> s = loads_scenario('''
    ... schema: escalation/1
    ... id: coin
    ... title: One actor, two rungs
    ... horizon: 30
    ... actors:
    ...   - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
    ... moves:
    ...   - {actor: A, from: calm, to: war, within: {p: 0.5, days: 30}}
    ... targets: {war: "A >= war"}
    ... ''')
    >>> round(s.moves[0].p, 5)
    0.02284
    """
    marks: Marks = {}
    try:
        data, marks, problems = _parse(text)
        b = _Builder(marks)
        b.problems.extend(problems)
        if data is None:
            raise ScenarioError(Problem(message="expected a scenario mapping, found an empty document"))
        scenario = _build_with(b, data)
        if b.problems:
            raise ScenarioError(b.problems)
        if check:
            unreachable = check_reachable(scenario)
            for t in unreachable:
                pos = marks.get(f"targets.{t}", (None, None))
                warnings.warn(
                    f"{name}:{pos[0]}: targets.{t}: target can never be reached from the start states",
                    ScenarioWarning, stacklevel=2,
                )
    except ScenarioError as exc:
        raise _locate(exc.problems, name, marks) from None
    return scenario


def load_scenario(path: str | os.PathLike[str], *, check: bool = True) -> Scenario:
    """Load a scenario file, or a bundled scenario by name.

    Parameters
    ----------
    path : str or path-like
        A YAML file, or the name of a bundled scenario (``venezuela-2025``, ``tutorial``).
    check : bool, optional
        See :func:`loads_scenario`.

    Returns
    -------
    Scenario
        With ``origin`` set to the file and ``sha256`` to the SHA-256 of its bytes.

    Raises
    ------
    ScenarioError
        For a missing, unreadable, oversized or invalid file.
    """
    file = find_scenario(path)
    shown = str(path) if Path(path).exists() else str(file)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(Problem(file=shown, message=f"expected a file of at most {MAX_FILE_BYTES // (1024 * 1024)} MB, found {size:,} bytes"))
        raw = file.read_bytes()
    except OSError as exc:
        raise ScenarioError(Problem(file=shown, message=f"cannot read file: {exc.strerror or exc}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(Problem(file=shown, message=f"expected UTF-8 text, found an invalid byte at offset {exc.start}")) from None
    scenario = loads_scenario(text, name=shown, check=check)
    object.__setattr__(scenario, "origin", str(file))
    object.__setattr__(scenario, "sha256", hashlib.sha256(raw).hexdigest())
    return scenario


# --- bundled scenarios -----------------------------------------------------------------------------
def _bundled_dir() -> Path:
    packaged = Path(str(resources.files("escalation"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "scenarios"  # a source checkout


_TOP_ID = re.compile(r"""^id:[ \t]*["']?([A-Za-z0-9_.-]+)["']?[ \t]*(?:#.*)?$""", re.M)


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenarios by name: the ``id`` in each file, and its file stem as an alias.

    Returns
    -------
    dict of str to Path
        Name -> file, sorted by name; ids come first, then stems that differ from them.
    """
    found: dict[str, Path] = {}
    folder = _bundled_dir()
    if not folder.is_dir():
        return found
    for file in sorted(folder.glob("*.yaml")):
        # The top-level "id:" line names the scenario; scanning for it is enough (and far
        # cheaper than parsing every bundled file to resolve one name).
        try:
            match = _TOP_ID.search(file.read_text(encoding="utf-8"))
        except OSError:
            match = None
        found[match.group(1) if match else file.stem] = file
    for file in sorted(folder.glob("*.yaml")):
        found.setdefault(file.stem, file)
    return found


def find_scenario(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a bundled scenario name or a file path.

    Raises
    ------
    ScenarioError
        Naming the bundled scenarios when neither a file nor a bundled name matches.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = bundled_scenarios()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    if path.exists():
        raise ScenarioError(Problem(file=str(path), message="expected a scenario file, found a directory"))
    names = list(dict.fromkeys({file: name for name, file in reversed(bundled.items())}.values()))
    hint = did_you_mean(str(name_or_path), names)
    raise ScenarioError(Problem(
        file=str(name_or_path),
        message=f"no such file or bundled scenario{hint or ''}; bundled: {', '.join(sorted(names)) or 'none'}",
    ))


# --- writing ---------------------------------------------------------------------------------------
def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in the file format (defaults left out)."""
    out: dict[str, Any] = {"schema": scenario.schema, "id": scenario.id, "title": scenario.title}
    if scenario.as_of is not None:
        out["as_of"] = scenario.as_of
    out["horizon"] = scenario.horizon
    if scenario.description:
        out["description"] = scenario.description
    if scenario.sources:
        out["sources"] = {
            s.id: {k: getattr(s, k) for k in ("title", "url", "date", "publisher", "note") if getattr(s, k)}
            for s in scenario.sources
        }
    actors = []
    for a in scenario.actors:
        d: dict[str, Any] = {"id": a.id, "name": a.name}
        if a.kind != "party":
            d["kind"] = a.kind
        d["start"] = a.start
        if a.description:
            d["description"] = a.description
        d["ladder"] = [
            {"id": r.id, "level": r.level, "label": r.label, **({"description": r.description} if r.description else {})}
            for r in a.ladder
        ]
        actors.append(d)
    out["actors"] = actors
    moves = []
    for m in scenario.moves:
        d = {"actor": m.actor, "from": m.from_, "to": m.to}
        if m.within is not None:
            d["within"] = {"p": m.within.p, "days": m.within.days}
        else:
            d["p"] = m.p
        for key in ("when", "range", "beta"):
            value = getattr(m, key)
            if value is not None:
                d[key] = list(value) if isinstance(value, tuple) else value
        if m.source:
            d["source"] = list(m.source)
        if m.rationale:
            d["rationale"] = m.rationale
        if m.tags:
            d["tags"] = list(m.tags)
        moves.append(d)
    if moves:
        out["moves"] = moves
    mods = []
    for mod in scenario.modifiers:
        d = {"when": mod.when, "factor": mod.factor}
        if mod.actor is not None:
            d["actor"] = mod.actor
        if mod.direction != "any":
            d["direction"] = mod.direction
        if mod.tags:
            d["tags"] = list(mod.tags)
        if mod.rationale:
            d["rationale"] = mod.rationale
        if mod.source:
            d["source"] = list(mod.source)
        mods.append(d)
    if mods:
        out["modifiers"] = mods
    if scenario.targets:
        out["targets"] = {
            t.name: ({"when": t.when, "description": t.description} if t.description else t.when)
            for t in scenario.targets
        }
    return out


def dump_scenario(scenario: Scenario, path: str | os.PathLike[str] | None = None) -> str:
    """Write a scenario as YAML such that loading it gives an equal Scenario.

    Parameters
    ----------
    scenario : Scenario
    path : str or path-like, optional
        Where to write; the file is replaced atomically (written beside it, then renamed),
        so a failure never leaves half a file.

    Returns
    -------
    str
        The YAML text.
    """
    text = yaml.safe_dump(scenario_to_dict(scenario), sort_keys=False, allow_unicode=True, width=100)
    if path is not None:
        target = Path(path)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    return text


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, as shipped in the package."""
    text = resources.files("escalation").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)

