"""The parts of a scenario: rungs, actors, window odds, moves, modifiers, targets, sources."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..conditions import Expr, did_you_mean, is_identifier, parse_condition
from ..errors import ConditionSyntaxError, Problem, ScenarioError

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


def _finite(x: object) -> float | None:
    """``x`` as a finite float; None for a non-number, inf, nan or an int beyond the float range."""
    if not _is_number(x):
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except OverflowError:
        return None
    return v if math.isfinite(v) else None


def _show(x: object) -> str:
    """``repr(x)`` for a message, with a huge int summarised rather than spelled out."""
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 64:
        digits = f"{len(str(abs(x)))}-digit" if x.bit_length() <= 10_000 else "over-3,000-digit"
        return f"a {digits} integer"
    return repr(x)


def _probability_problem(value: object, name: str, *, allow_one: bool = True) -> Problem | None:
    upper = "1]" if allow_one else "1)"
    v = _finite(value)
    if v is None or v < 0 or v > 1 or (not allow_one and v == 1):
        big = isinstance(value, int) and value.bit_length() > 64
        shown = repr(float(value)) if _is_number(value) and not big else _show(value)  # type: ignore[arg-type]
        return Problem(field=name, message=f"expected a probability in [0, {upper}, found {shown}")
    return None


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(problems)


def _excerpt(text: str, limit: int = 80) -> str:
    """``repr(text)``, cut to about ``limit`` characters so that a message stays one readable line."""
    return repr(text) if len(text) <= limit else f"{text[:limit - 3]!r}..."


def _condition_problems(text: object, name: str) -> tuple[Expr | None, list[Problem]]:
    if not isinstance(text, str):
        return None, [Problem(field=name, message=f"expected a condition string, found {_show(text)}")]
    try:
        return parse_condition(text), []
    except ConditionSyntaxError as exc:
        return None, [Problem(field=name, message=f"condition syntax error at column {exc.column}: {exc.reason} in {_excerpt(text)}")]


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
            problems.append(Problem(field="level", message=f"expected an integer level in [{MIN_LEVEL}, {MAX_LEVEL}], found {_show(self.level)}"))
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
        days = _finite(self.days)
        if days is None or days <= 0:
            problems.append(Problem(field="days", message=f"expected a number of days > 0, found {_show(self.days)}"))
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
            elif self.p is None or (_finite(self.p) is not None and math.isclose(self.p, self.within.daily, rel_tol=1e-12)):
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
        # The range must contain the probability as given; an invalid one is reported already.
        given = self.within.p if isinstance(self.within, Window) else self.p
        if _probability_problem(given, "p"):
            given = None
        if self.range is not None:
            rng = tuple(self.range)
            object.__setattr__(self, "range", rng)
            if len(rng) != 2 or not all(_finite(x) is not None for x in rng):
                problems.append(Problem(field="range", message=f"expected [lo, hi] with two finite numbers, found [{', '.join(map(_show, rng))}]"))
            elif rng[0] > rng[1]:
                problems.append(Problem(field="range", message=f"expected lo <= hi, found [{rng[0]}, {rng[1]}]"))
            elif any(_probability_problem(x, "range") for x in rng):
                problems.append(Problem(field="range", message=f"expected probabilities in [0, 1], found {list(rng)!r}"))
            elif _is_number(given) and not rng[0] <= given <= rng[1]:
                problems.append(Problem(field="range", message=f"expected a range containing p = {given}, found [{rng[0]}, {rng[1]}]"))
        if self.beta is not None:
            ab = tuple(self.beta)
            object.__setattr__(self, "beta", ab)
            if len(ab) != 2 or not all((_finite(x) or 0) > 0 for x in ab):
                problems.append(Problem(field="beta", message=f"expected [a, b] with a > 0 and b > 0, found [{', '.join(map(_show, ab))}]"))
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
        factor = _finite(self.factor)
        if factor is None or factor < 0:
            problems.append(Problem(field="factor", message=f"expected a finite factor >= 0, found {_show(self.factor)}"))
        else:
            object.__setattr__(self, "factor", factor)
        if self.direction not in ("any", "up", "down"):
            problems.append(Problem(field="direction", message=f"expected 'up', 'down' or 'any', found {self.direction!r}"))
        for i, tag in enumerate(self.tags):
            if not is_identifier(tag):
                problems.append(Problem(field=f"tags[{i}]", message=f"expected an identifier, found {tag!r}"))
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


