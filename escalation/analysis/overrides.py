"""A small, safe language for what-if overrides: ``--set "US:maritime_strikes->land_strikes.within.p=0.5"``.

An override is ``PATH=VALUE``; it is parsed with regular expressions and applied with the
scenario's own constructors, so a variant is validated like a loaded file. Nothing is ever
evaluated as code.

====================================================  ==============================================
override                                              changes
====================================================  ==============================================
``horizon=120``                                       the default horizon (days)
``ALLIES.start=basing_access``                        an actor's start rung
``US:maritime_strikes->land_strikes.within.p=0.5``    a move's window odds (or ``.within.days``)
``US:maritime_strikes->land_strikes.p=0.01``          a move's daily probability (window odds dropped,
                                                      its range rescaled as by
                                                      :meth:`~escalation.scenario.Scenario.with_move_probability`)
``moves[4].range=[0.1, 0.4]``                         a move's range (``none`` removes it)
``moves[4].beta=[2, 30]``                             a move's beta prior (``none`` removes it)
``modifiers[2].factor=2``                             a modifier's factor
====================================================  ==============================================

A move is named ``ACTOR:FROM->TO`` or ``moves[i]``. ``ACTOR:FROM->TO`` must name one move:
where several moves join the same rungs (say one of them with a ``when`` condition), it names
the only one without a condition, and otherwise is refused with the indices to choose from.
Values are numbers, rung ids, ``[lo, hi]`` pairs or ``none``.

Overrides apply in order; those touching one move are applied together, so
``...within.p=0.6`` and ``...range=[0.3, 0.8]`` may be given as two overrides even when the new
value lies outside the old range. Any unknown actor, rung, move, field or malformed value is
a :class:`~escalation.errors.ScenarioError` with one line naming it (the command line exits
with status 2).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..conditions import did_you_mean
from ..errors import Problem, ScenarioError
from ..scenario import Scenario, Window

__all__ = ["MOVE_FIELDS", "Override", "apply_overrides", "parse_override"]

#: Fields of a move that an override may set.
MOVE_FIELDS = ("p", "within.p", "within.days", "range", "beta")

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_MOVE_BY_NAME = re.compile(rf"^(?P<actor>{_IDENT}):(?P<from>{_IDENT})->(?P<to>{_IDENT})\.(?P<field>.+)$")
_BY_INDEX = re.compile(r"^(?P<kind>moves|modifiers)\[(?P<index>\d+)\]\.(?P<field>.+)$")
_START = re.compile(rf"^(?P<actor>{_IDENT})\.(?P<field>{_IDENT})$")
_PAIR = re.compile(rf"^\[\s*(?P<a>{_NUMBER})\s*,\s*(?P<b>{_NUMBER})\s*\]$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    """One parsed override.

    Attributes
    ----------
    text : str
        As given.
    kind : {'horizon', 'start', 'move', 'modifier'}
    actor : str or None
        For ``start`` and a move named by rungs.
    rungs : (str, str) or None
        ``(from, to)`` of a move named by rungs.
    index : int or None
        ``moves[i]`` or ``modifiers[i]``.
    field : str
        ``start``, ``horizon``, ``factor`` or one of :data:`MOVE_FIELDS`.
    value : float, str, (float, float) or None
        A number, a rung id, a pair, or None for ``none``.
    """

    text: str
    kind: str
    field: str
    value: Any
    actor: str | None = None
    rungs: tuple[str, str] | None = None
    index: int | None = None


def _error(text: str, message: str) -> ScenarioError:
    return ScenarioError(Problem(message=f"override {text!r}: {message}"))


def _value(text: str, raw: str) -> Any:
    raw = raw.strip()
    if raw.lower() == "none":
        return None
    if re.fullmatch(_NUMBER, raw):
        return float(raw)
    m = _PAIR.match(raw)
    if m:
        return (float(m.group("a")), float(m.group("b")))
    if re.fullmatch(_IDENT, raw):
        return raw
    raise _error(text, f"expected a number, a rung id, a pair [lo, hi] or none as the value, found {raw!r}")


def parse_override(text: str) -> Override:
    """Parse one ``PATH=VALUE`` override (see the module docs for the forms).

    Raises
    ------
    ScenarioError
        For text that is not an override, naming what was expected.

    Examples
    --------
    >>> o = parse_override("US:maritime_strikes->land_strikes.within.p=0.5")
    >>> o.kind, o.actor, o.rungs, o.field, o.value
    ('move', 'US', ('maritime_strikes', 'land_strikes'), 'within.p', 0.5)
    >>> parse_override("modifiers[2].factor = 2").value
    2.0
    """
    if not isinstance(text, str) or text.count("=") != 1:
        raise _error(str(text), "expected PATH=VALUE with one '=', e.g. ALLIES.start=basing_access or "
                                "modifiers[2].factor=2")
    path, raw = (part.strip() for part in text.split("="))
    value = _value(text, raw)
    if path == "horizon":
        return Override(text=text, kind="horizon", field="horizon", value=value)
    m = _MOVE_BY_NAME.match(path)
    if m:
        return Override(text=text, kind="move", actor=m.group("actor"), rungs=(m.group("from"), m.group("to")),
                        field=m.group("field"), value=value)
    m = _BY_INDEX.match(path)
    if m:
        kind = "move" if m.group("kind") == "moves" else "modifier"
        return Override(text=text, kind=kind, index=int(m.group("index")), field=m.group("field"), value=value)
    m = _START.match(path)
    if m:
        return Override(text=text, kind="start", actor=m.group("actor"), field=m.group("field"), value=value)
    raise _error(text, "expected horizon, ACTOR.start, ACTOR:FROM->TO.FIELD, moves[i].FIELD or "
                       f"modifiers[i].factor before '=', found {path!r}")


def _number(o: Override, *, low: float = -math.inf, high: float = math.inf, what: str = "a number") -> float:
    if not isinstance(o.value, float) or not math.isfinite(o.value) or not low <= o.value <= high:
        raise _error(o.text, f"expected {what}, found {o.value!r}")
    return o.value


def _actor(scenario: Scenario, o: Override, actor_id: str):  # noqa: ANN202 - an Actor
    if actor_id not in scenario.actor_ids:
        raise _error(o.text, f"unknown actor {actor_id!r}{did_you_mean(actor_id, scenario.actor_ids)}; "
                             f"known: {', '.join(scenario.actor_ids)}")
    return scenario.actor(actor_id)


def _rung(scenario: Scenario, o: Override, actor_id: str, rung: str) -> None:
    actor = _actor(scenario, o, actor_id)
    if rung not in actor.rung_ids:
        raise _error(o.text, f"unknown rung {rung!r} of {actor_id}{did_you_mean(rung, actor.rung_ids)}; "
                             f"its rungs: {', '.join(actor.rung_ids)}")


def _move_index(scenario: Scenario, o: Override) -> int:
    if o.index is not None:
        if o.index >= len(scenario.moves):
            raise _error(o.text, f"unknown move moves[{o.index}]: the scenario has {len(scenario.moves)} moves")
        return o.index
    assert o.actor is not None and o.rungs is not None
    src, dst = o.rungs
    _rung(scenario, o, o.actor, src)
    _rung(scenario, o, o.actor, dst)
    found = scenario.find_moves(actor=o.actor, from_=src, to=dst)
    if not found:
        raise _error(o.text, f"unknown move: {o.actor} has no move from {src} to {dst}")
    if len(found) > 1:
        plain = [i for i in found if scenario.moves[i].when is None]
        if len(plain) == 1:
            return plain[0]
        listed = ", ".join(f"moves[{i}] ({scenario.move_label(i)})" for i in found)
        raise _error(o.text, f"{o.actor}:{src}->{dst} names {len(found)} moves: {listed}; use moves[i] to pick one")
    return found[0]


def _check_field(o: Override, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if o.field not in allowed:
        raise _error(o.text, f"unknown field {o.field!r}{did_you_mean(o.field, allowed)}; expected one of "
                             f"{', '.join(allowed)}")


def _pair(o: Override) -> tuple[float, float] | None:
    if o.value is None:
        return None
    if not isinstance(o.value, tuple):
        raise _error(o.text, f"expected a pair [lo, hi] or none, found {o.value!r}")
    return o.value


def _with_move(scenario: Scenario, index: int, changes: list[Override]) -> Scenario:
    """Scenario with move ``index`` changed by ``changes`` (applied together, validated once)."""
    move = scenario.moves[index]
    fields: dict[str, Any] = {}
    new_p: float | None = None
    within = move.within
    for o in changes:
        if o.field == "p":
            new_p = _number(o, low=0.0, high=1.0, what="a daily probability in [0, 1]")
            within = None
        elif o.field in ("within.p", "within.days"):
            if within is None:
                raise _error(o.text, f"moves[{index}] ({scenario.move_label(index)}) is stated as a daily probability, "
                                     "not window odds; set its p")
            if o.field == "within.p":
                within = Window(p=_number(o, low=0.0, high=1.0, what="a probability in [0, 1)"), days=within.days)
            else:
                within = Window(p=within.p, days=_number(o, low=0.0, what="a number of days > 0"))
        else:
            fields[o.field] = _pair(o)
    if new_p is not None and "range" not in fields:
        # Keep the move's stated relative uncertainty, as with_move_probability does.
        moved = scenario.with_move_probability(index, new_p).moves[index]
        return_move = dataclasses.replace(moved, **fields)
    elif new_p is not None:
        return_move = dataclasses.replace(move, p=new_p, within=None, **fields)
    else:
        p = within.daily if within is not None else move.p
        return_move = dataclasses.replace(move, p=p, within=within, **fields)
    moves = list(scenario.moves)
    moves[index] = return_move
    return scenario.replace(moves=tuple(moves))


def apply_overrides(scenario: Scenario, overrides: Iterable[str | Override]) -> Scenario:
    """A variant of ``scenario`` with the overrides applied (the scenario itself is unchanged).

    Parameters
    ----------
    scenario : Scenario
    overrides : iterable of str or Override
        ``PATH=VALUE`` texts (see the module docs), applied in order.

    Returns
    -------
    Scenario
        Validated like a loaded file; its ``origin`` and ``sha256`` are cleared.

    Raises
    ------
    ScenarioError
        One line naming the override and what is wrong: an unknown actor, rung, move or
        field, a malformed value, or a variant that is invalid (a probability outside [0, 1],
        a range that no longer contains the value, ...).

    Examples
    --------
    >>> from escalation import load_scenario
    >>> s = load_scenario("venezuela-2025")
    >>> v = apply_overrides(s, ["US:maritime_strikes->land_strikes.within.p=0.5",
    ...                         "ALLIES.start=basing_access", "modifiers[2].factor=2"])
    >>> v.moves[0].within.p, v.actor("ALLIES").start, v.modifiers[2].factor, s.moves[0].within.p
    (0.5, 'basing_access', 2.0, 0.38)
    >>> apply_overrides(s, ["US:maritime_strikes->land_strike.p=0.01"])
    Traceback (most recent call last):
    ...
    escalation.errors.ScenarioError: override 'US:maritime_strikes->land_strike.p=0.01': unknown rung 'land_strike' of US; did you mean 'land_strikes'?; its rungs: ...
    """
    parsed = [o if isinstance(o, Override) else parse_override(o) for o in overrides]
    pending: dict[int, list[Override]] = {}
    steps: list[tuple[str, Any, list[Override]]] = []  # (kind, argument, the overrides behind it)
    for o in parsed:  # resolve every name first, so the first unknown one is reported before any work
        if o.kind == "horizon":
            h = _number(o, low=1.0, what="a whole number of days >= 1")
            if h != int(h):
                raise _error(o.text, f"expected a whole number of days >= 1, found {o.value!r}")
            steps.append(("horizon", int(h), [o]))
        elif o.kind == "start":
            _check_field(o, ("start",))
            assert o.actor is not None
            if not isinstance(o.value, str):
                raise _error(o.text, f"expected a rung id, found {o.value!r}")
            _rung(scenario, o, o.actor, o.value)
            steps.append(("start", (o.actor, o.value), [o]))
        elif o.kind == "modifier":
            _check_field(o, ("factor",))
            assert o.index is not None
            if o.index >= len(scenario.modifiers):
                raise _error(o.text, f"unknown modifier modifiers[{o.index}]: the scenario has "
                                     f"{len(scenario.modifiers)} modifiers")
            steps.append(("modifier", (o.index, _number(o, low=0.0, what="a factor >= 0")), [o]))
        else:
            _check_field(o, MOVE_FIELDS)
            i = _move_index(scenario, o)
            if i not in pending:
                pending[i] = []
                steps.append(("move", i, pending[i]))
            pending[i].append(o)
    out = scenario
    for kind, arg, behind in steps:
        try:
            if kind == "horizon":
                out = out.replace(horizon=arg)
            elif kind == "start":
                out = out.with_start(**{arg[0]: arg[1]})
            elif kind == "modifier":
                mods = list(out.modifiers)
                mods[arg[0]] = dataclasses.replace(mods[arg[0]], factor=arg[1])
                out = out.replace(modifiers=tuple(mods))
            else:
                out = _with_move(out, arg, behind)
        except ScenarioError as exc:
            first = exc.problems[0]
            where = {"move": f"moves[{arg}]", "modifier": f"modifiers[{arg[0]}]" if kind == "modifier" else ""}.get(kind, "")
            field = first.field if first.field.startswith(where) else ".".join(x for x in (where, first.field) if x)
            raise _error(", ".join(o.text for o in behind), f"{field + ': ' if field else ''}{first.message}") from None
    return out.replace()  # a variant is not the file it came from
