"""The scenario model: immutable dataclasses and their invariants.

A :class:`Scenario` is a crisis as of a date: its actors, each on a ladder of rungs, the moves
between rungs with per-day probabilities, modifiers that scale moves while a condition holds,
and the targets whose odds we want. Objects are validated once, at construction; what-if
variants are new objects (:meth:`Scenario.replace`, :meth:`Scenario.with_move_probability`).

Every constructor raises :class:`~escalation.errors.ScenarioError` listing all the problems it
found, each with a field path relative to the object (``ladder[2].level``), so the loader can
prefix the path and attach file positions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .conditions import Expr, check_names, did_you_mean, is_identifier, parse_condition
from .errors import ConditionSyntaxError, Problem, ScenarioError

__all__ = [
    "SCHEMA",
    "Rung",
    "Actor",
    "Window",
    "Move",
    "Modifier",
    "Target",
    "Source",
    "Scenario",
    "window_to_daily",
]

#: The schema version this package reads and writes.
SCHEMA = "escalation/1"
MIN_LEVEL, MAX_LEVEL = 0, 10


def window_to_daily(p: float, days: float) -> float:
    """Daily hazard equivalent to probability ``p`` within ``days`` days.

    Parameters
    ----------
    p : float
        Probability in [0, 1) that the move happens within the window.
    days : float
        Window length in days, > 0.

    Returns
    -------
    float
        ``1 - (1 - p) ** (1 / days)``, the constant per-day probability with the same
        window odds.

    Examples
    --------
    >>> round(window_to_daily(0.30, 90), 6)
    0.003955
    """
    return float(-math.expm1(math.log1p(-p) / days))


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _probability_problem(value: object, name: str, *, allow_one: bool = True) -> Problem | None:
    upper = "1]" if allow_one else "1)"
    if not _is_number(value):
        return Problem(field=name, message=f"expected a probability in [0, {upper}, found {value!r}")
    v = float(value)  # type: ignore[arg-type]
    if not math.isfinite(v) or v < 0 or v > 1 or (not allow_one and v == 1):
        return Problem(field=name, message=f"expected a probability in [0, {upper}, found {v!r}")
    return None


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(problems)


def _condition_problems(text: object, name: str) -> tuple[Expr | None, list[Problem]]:
    if not isinstance(text, str):
        return None, [Problem(field=name, message=f"expected a condition string, found {text!r}")]
    try:
        return parse_condition(text), []
    except ConditionSyntaxError as exc:
        return None, [Problem(field=name, message=f"condition syntax error at column {exc.column}: {exc.reason} in {text!r}")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rung:
    """One posture on an actor's ladder.

    Parameters
    ----------
    id : str
        Identifier, unique within the ladder.
    level : int
        Escalation level on the common 0-10 scale (docs/levels.md).
    label : str
        Short label for tables and plots; defaults to the id.
    description : str
        What the posture means in the crisis.
    """

    id: str
    level: int
    label: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not is_identifier(self.id):
            problems.append(Problem(field="id", message=f"expected an identifier (letters, digits, _), found {self.id!r}"))
        if not isinstance(self.level, int) or isinstance(self.level, bool) or not MIN_LEVEL <= self.level <= MAX_LEVEL:
            problems.append(Problem(field="level", message=f"expected an integer level in [{MIN_LEVEL}, {MAX_LEVEL}], found {self.level!r}"))
        _raise(problems)
        if not self.label:
            object.__setattr__(self, "label", self.id.replace("_", " "))


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A party to the crisis, or an exogenous process, on a ladder of rungs.

    Parameters
    ----------
    id : str
        Identifier used in conditions (``US``).
    ladder : tuple of Rung
        Postures, lowest first; levels must not decrease.
    start : str
        Id of the rung the actor stands on at the as-of date.
    name : str
        Display name; defaults to the id.
    kind : {'party', 'exogenous'}
        Exogenous processes (e.g. a shock) do not count toward the crisis level.
    description : str
        Free text.
    """

    id: str
    ladder: tuple[Rung, ...]
    start: str
    name: str = ""
    kind: Literal["party", "exogenous"] = "party"
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ladder", tuple(self.ladder))
        problems = []
        if not is_identifier(self.id):
            problems.append(Problem(field="id", message=f"expected an identifier (letters, digits, _), found {self.id!r}"))
        if self.kind not in ("party", "exogenous"):
            problems.append(Problem(field="kind", message=f"expected 'party' or 'exogenous', found {self.kind!r}"))
        if not self.ladder:
            problems.append(Problem(field="ladder", message="expected at least one rung, found an empty ladder"))
        seen: set[str] = set()
        for i, rung in enumerate(self.ladder):
            if not isinstance(rung, Rung):
                problems.append(Problem(field=f"ladder[{i}]", message=f"expected a Rung, found {rung!r}"))
                continue
            if rung.id in seen:
                problems.append(Problem(field=f"ladder[{i}].id", message=f"duplicate rung id {rung.id!r} in {self.id}'s ladder"))
            seen.add(rung.id)
            if i > 0 and isinstance(self.ladder[i - 1], Rung) and rung.level < self.ladder[i - 1].level:
                prev = self.ladder[i - 1]
                problems.append(Problem(
                    field=f"ladder[{i}].level",
                    message=f"expected levels not to decrease along the ladder, found {rung.level} after {prev.id} at {prev.level}",
                ))
        if self.ladder and self.start not in seen:

            problems.append(Problem(field="start", message=f"unknown rung {self.start!r} for {self.id}{did_you_mean(str(self.start), sorted(seen))}"))
        _raise(problems)
        if not self.name:
            object.__setattr__(self, "name", self.id)

    @property
    def rung_ids(self) -> tuple[str, ...]:
        """Rung ids, lowest first."""
        return tuple(r.id for r in self.ladder)

    def position(self, rung_id: str) -> int:
        """0-based position of ``rung_id`` in the ladder."""
        return self.rung_ids.index(rung_id)

    def rung(self, rung_id: str) -> Rung:
        """The rung with id ``rung_id``."""
        return self.ladder[self.position(rung_id)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Window odds as an analyst states them: probability ``p`` within ``days`` days."""

    p: float
    days: float

    def __post_init__(self) -> None:
        problems = []
        bad = _probability_problem(self.p, "p", allow_one=False)
        if bad:
            problems.append(bad)
        if not _is_number(self.days) or not math.isfinite(self.days) or self.days <= 0:
            problems.append(Problem(field="days", message=f"expected a number of days > 0, found {self.days!r}"))
        _raise(problems)

    @property
    def daily(self) -> float:
        """The equivalent per-day probability."""
        return window_to_daily(float(self.p), float(self.days))


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """A move of one actor between two rungs of its ladder.

    Parameters
    ----------
    actor : str
        Actor id.
    from_, to : str
        Rung ids (``from`` and ``to`` in YAML); must differ.
    p : float, optional
        Per-day probability in [0, 1]. Exactly one of ``p`` and ``within``.
    within : Window, optional
        Window odds, converted to ``p`` by :func:`window_to_daily`.
    when : str, optional
        Condition on the joint state under which the move is possible.
    range : (float, float), optional
        Plausible interval of the probability, on the scale it was given in (daily for
        ``p``, window for ``within``); must contain it.
    beta : (float, float), optional
        Beta distribution parameters ``(a, b)``, both > 0, on the same scale.
    source : tuple of str
        Ids of the scenario's sources behind the number.
    rationale : str
        One line on why.
    tags : tuple of str
        Labels that modifiers can select.
    """

    actor: str
    from_: str
    to: str
    p: float | None = None
    within: Window | None = None
    when: str | None = None
    range: tuple[float, float] | None = None
    beta: tuple[float, float] | None = None
    source: tuple[str, ...] = ()
    rationale: str = ""
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            object.__setattr__(self, "source", (self.source,))
        object.__setattr__(self, "source", tuple(self.source))
        object.__setattr__(self, "tags", tuple(self.tags))
        problems: list[Problem] = []
        if self.from_ == self.to:
            problems.append(Problem(field="to", message=f"expected a different rung from 'from', found a move from {self.from_!r} to itself"))
        if self.within is not None:
            if not isinstance(self.within, Window):
                problems.append(Problem(field="within", message=f"expected a Window, found {self.within!r}"))
            elif self.p is None or (_is_number(self.p) and math.isclose(self.p, self.within.daily, rel_tol=1e-12)):
                # A copy made by dataclasses.replace passes the converted p back in: accept it.
                object.__setattr__(self, "p", self.within.daily)
            else:
                problems.append(Problem(field="p", message="expected exactly one of 'p' and 'within', found both"))
        elif self.p is None:
            problems.append(Problem(field="p", message="expected exactly one of 'p' and 'within', found neither"))
        else:
            bad = _probability_problem(self.p, "p")
            if bad:
                problems.append(bad)
            else:
                object.__setattr__(self, "p", float(self.p))
        if self.when is not None:
            problems.extend(_condition_problems(self.when, "when")[1])
        given = self.within.p if isinstance(self.within, Window) else self.p
        if self.range is not None:
            rng = tuple(self.range)
            object.__setattr__(self, "range", rng)
            if len(rng) != 2 or not all(_is_number(x) and math.isfinite(x) for x in rng):
                problems.append(Problem(field="range", message=f"expected [lo, hi] with two numbers, found {list(rng)!r}"))
            elif rng[0] > rng[1]:
                problems.append(Problem(field="range", message=f"expected lo <= hi, found [{rng[0]}, {rng[1]}]"))
            elif any(_probability_problem(x, "range") for x in rng):
                problems.append(Problem(field="range", message=f"expected probabilities in [0, 1], found {list(rng)!r}"))
            elif _is_number(given) and not rng[0] <= given <= rng[1]:
                problems.append(Problem(field="range", message=f"expected a range containing p = {given}, found [{rng[0]}, {rng[1]}]"))
        if self.beta is not None:
            ab = tuple(self.beta)
            object.__setattr__(self, "beta", ab)
            if len(ab) != 2 or not all(_is_number(x) and math.isfinite(x) and x > 0 for x in ab):
                problems.append(Problem(field="beta", message=f"expected [a, b] with a > 0 and b > 0, found {list(ab)!r}"))
        for i, tag in enumerate(self.tags):
            if not is_identifier(tag):
                problems.append(Problem(field=f"tags[{i}]", message=f"expected an identifier, found {tag!r}"))
        _raise(problems)

    @property
    def condition(self) -> Expr | None:
        """The parsed ``when`` condition, or None."""
        return None if self.when is None else parse_condition(self.when)


@dataclass(frozen=True, slots=True, kw_only=True)
class Modifier:
    """While ``when`` holds, multiply the probabilities of the selected moves by ``factor``.

    Parameters
    ----------
    when : str
        Condition on the joint state.
    factor : float
        Multiplier >= 0.
    actor : str, optional
        Only this actor's moves.
    direction : {'any', 'up', 'down'}
        Only escalating (to a higher rung) or de-escalating moves.
    tags : tuple of str
        Only moves carrying one of these tags (all moves when empty).
    rationale : str
        One line on why.
    source : tuple of str
        Ids of the scenario's sources.
    """

    when: str
    factor: float
    actor: str | None = None
    direction: Literal["any", "up", "down"] = "any"
    tags: tuple[str, ...] = ()
    rationale: str = ""
    source: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            object.__setattr__(self, "source", (self.source,))
        object.__setattr__(self, "source", tuple(self.source))
        object.__setattr__(self, "tags", tuple(self.tags))
        problems = _condition_problems(self.when, "when")[1]
        if not _is_number(self.factor) or not math.isfinite(self.factor) or self.factor < 0:
            problems.append(Problem(field="factor", message=f"expected a finite factor >= 0, found {self.factor!r}"))
        else:
            object.__setattr__(self, "factor", float(self.factor))
        if self.direction not in ("any", "up", "down"):
            problems.append(Problem(field="direction", message=f"expected 'up', 'down' or 'any', found {self.direction!r}"))
        _raise(problems)

    @property
    def condition(self) -> Expr:
        """The parsed ``when`` condition."""
        return parse_condition(self.when)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A named condition whose first-passage odds we want."""

    name: str
    when: str
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not is_identifier(self.name):
            problems.append(Problem(field="", message=f"expected an identifier as target name, found {self.name!r}"))
        problems.extend(_condition_problems(self.when, "when")[1])
        _raise(problems)

    @property
    def condition(self) -> Expr:
        """The parsed condition."""
        return parse_condition(self.when)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where a number comes from."""

    id: str
    title: str = ""
    url: str = ""
    date: str = ""
    publisher: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A crisis as of a date: actors, ladders, moves, modifiers and targets.

    Parameters
    ----------
    id : str
        Short name (``venezuela-2025``).
    title : str
        One line.
    actors : tuple of Actor
        At least one; ids unique.
    moves, modifiers : tuple
        See :class:`Move` and :class:`Modifier`.
    targets : tuple of Target
        Names unique.
    horizon : int
        Default number of days to simulate, >= 1.
    as_of : datetime.date, optional
        The date the scenario describes; nothing after it should shape a number.
    description : str
        Free text.
    sources : tuple of Source
        Referenced by moves and modifiers.
    schema : str
        Format version, ``escalation/1``.
    origin : str, optional
        Path the scenario was loaded from (not part of equality).
    sha256 : str, optional
        SHA-256 of the file it was loaded from (not part of equality).

    Notes
    -----
    Step semantics: each day every actor independently draws its next rung given the joint
    state at the start of the day. Every move out of its rung whose condition holds adds its
    probability, scaled by the product of the modifiers that hold; staying takes the rest. A
    sum above 1 in a reachable state is an error, found by the loader or by the engines.
    """

    id: str
    title: str
    actors: tuple[Actor, ...]
    moves: tuple[Move, ...] = ()
    modifiers: tuple[Modifier, ...] = ()
    targets: tuple[Target, ...] = ()
    horizon: int = 90
    as_of: dt.date | None = None
    description: str = ""
    sources: tuple[Source, ...] = ()
    schema: str = SCHEMA
    origin: str | None = field(default=None, compare=False)
    sha256: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("actors", "moves", "modifiers", "targets", "sources"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = cross_problems(
            schema=self.schema,
            horizon=self.horizon,
            actors=list(enumerate(self.actors)),
            moves=list(enumerate(self.moves)),
            modifiers=list(enumerate(self.modifiers)),
            targets=list(enumerate(self.targets)),
            sources=list(enumerate(self.sources)),
        )
        _raise(problems)

    # --- lookups ---------------------------------------------------------------------------
    @property
    def actor_ids(self) -> tuple[str, ...]:
        """Actor ids in file order (the column order of state arrays)."""
        return tuple(a.id for a in self.actors)

    def actor(self, actor_id: str) -> Actor:
        """The actor with id ``actor_id``; KeyError naming the known ids otherwise."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(f"unknown actor {actor_id!r}; known: {', '.join(self.actor_ids)}")

    def target(self, name: str) -> Target:
        """The target called ``name``; KeyError naming the known targets otherwise."""
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(f"unknown target {name!r}; known: {', '.join(t.name for t in self.targets)}")

    @property
    def target_names(self) -> tuple[str, ...]:
        """Target names in file order."""
        return tuple(t.name for t in self.targets)

    @property
    def ladders(self) -> dict[str, tuple[str, ...]]:
        """Actor id -> rung ids."""
        return {a.id: a.rung_ids for a in self.actors}

    @property
    def start_state(self) -> tuple[int, ...]:
        """Start rung positions, one per actor."""
        return tuple(a.position(a.start) for a in self.actors)

    @property
    def n_joint_states(self) -> int:
        """Product of the ladder lengths: the joint state space at worst."""
        return math.prod(len(a.ladder) for a in self.actors)

    # --- what-if copies --------------------------------------------------------------------
    def replace(self, **changes: Any) -> "Scenario":
        """A validated copy with some fields changed (``dataclasses.replace``)."""
        changes.setdefault("origin", None)
        changes.setdefault("sha256", None)
        return dataclasses.replace(self, **changes)

    def with_move_probability(self, index: int, p: float) -> "Scenario":
        """A copy in which move ``index`` has daily probability ``p`` (its window and range dropped)."""
        if not 0 <= index < len(self.moves):
            raise IndexError(f"move index {index} out of range for {len(self.moves)} moves")
        moves = list(self.moves)
        moves[index] = dataclasses.replace(moves[index], p=p, within=None, range=None, beta=None)
        return self.replace(moves=tuple(moves))

    def scale_moves(self, factor: float, *, select: Iterable[int]) -> "Scenario":
        """A copy in which the moves at indices ``select`` have their daily odds multiplied."""
        moves = list(self.moves)
        for i in select:
            m = moves[i]
            assert m.p is not None
            moves[i] = dataclasses.replace(m, p=min(1.0, m.p * factor), within=None, range=None, beta=None)
        return self.replace(moves=tuple(moves))

    def with_start(self, **starts: str) -> "Scenario":
        """A copy with other start rungs, e.g. ``with_start(VEN="retaliation")``."""
        actors = []
        known = set(self.actor_ids)
        for actor_id in starts:
            if actor_id not in known:
                raise KeyError(f"unknown actor {actor_id!r}; known: {', '.join(self.actor_ids)}")
        for a in self.actors:
            actors.append(dataclasses.replace(a, start=starts[a.id]) if a.id in starts else a)
        return self.replace(actors=tuple(actors))

    def find_moves(
        self, *, actor: str | None = None, from_: str | None = None, to: str | None = None,
        tag: str | None = None, conditional: bool | None = None,
    ) -> tuple[int, ...]:
        """Indices of the moves matching every criterion given.

        Parameters
        ----------
        actor, from_, to : str, optional
            Actor id and rung ids.
        tag : str, optional
            Moves carrying this tag.
        conditional : bool, optional
            Only moves with (True) or without (False) a ``when`` condition.

        Returns
        -------
        tuple of int
            For :meth:`with_move_probability` and :meth:`scale_moves`.

        Examples
        --------
        >>> from escalation import load_scenario
        >>> load_scenario("tutorial").find_moves(actor="BLUE", to="strike")
        (0,)
        """
        found = []
        for i, m in enumerate(self.moves):
            if actor is not None and m.actor != actor:
                continue
            if from_ is not None and m.from_ != from_:
                continue
            if to is not None and m.to != to:
                continue
            if tag is not None and tag not in m.tags:
                continue
            if conditional is not None and (m.when is not None) != conditional:
                continue
            found.append(i)
        return tuple(found)

    def move_label(self, index: int) -> str:
        """Readable one-line description of move ``index``."""
        m = self.moves[index]
        cond = f" when {m.when}" if m.when else ""
        return f"{m.actor}: {m.from_} -> {m.to}{cond}"

    def is_escalating(self, move: Move) -> bool:
        """Whether ``move`` goes up its actor's ladder."""
        actor = self.actor(move.actor)
        return actor.position(move.to) > actor.position(move.from_)


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
