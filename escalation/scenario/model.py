"""The Scenario: a crisis as of a date, validated once, copied for what-if variants."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, ScenarioError
from .checks import cross_problems
from .parts import SCHEMA, Actor, Modifier, Move, Source, Target, _raise, window_to_daily


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
    cache : dict
        Derived data computed once per scenario (the compiled model); not part of equality,
        never copied to a what-if variant.

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
    cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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
        """A copy in which move ``index`` has daily probability ``p``.

        A move given as window odds becomes a daily move. Its ``range`` is kept when it still
        contains ``p`` on the daily scale; otherwise (or when it was given on the window
        scale) it is rescaled by the same factor as the probability, so the move keeps its
        stated relative uncertainty. A ``beta`` on the daily scale is kept; one on the window
        scale cannot be carried over and is refused.

        Raises
        ------
        IndexError
            For an index out of range.
        ScenarioError
            For ``p`` outside [0, 1], a range that cannot be rescaled or would leave [0, 1],
            or a window-scale ``beta``; each naming the move.
        """
        if not 0 <= index < len(self.moves):
            raise IndexError(f"move index {index} out of range for {len(self.moves)} moves")
        moves = list(self.moves)
        moves[index] = self._moved(index, p)
        return self.replace(moves=tuple(moves))

    def scale_moves(self, factor: float, *, select: Iterable[int]) -> "Scenario":
        """A copy in which the moves at indices ``select`` have their daily odds multiplied.

        Ranges follow as in :meth:`with_move_probability`.

        Raises
        ------
        ScenarioError
            If a scaled probability (or the upper end of its range) would exceed 1, naming
            the move; nothing is clipped.
        """
        moves = list(self.moves)
        for i in select:
            p = moves[i].p
            assert p is not None
            if p * factor > 1.0:
                raise ScenarioError(Problem(field=f"moves[{i}].p", message=(
                    f"scaling {self.move_label(i)} by {factor:g} gives a daily probability of {p * factor:.6g} > 1")))
            moves[i] = self._moved(i, p * factor)
        return self.replace(moves=tuple(moves))

    def _moved(self, index: int, p: float) -> Move:
        """Move ``index`` with daily probability ``p`` and its uncertainty carried over."""
        old = self.moves[index]
        assert old.p is not None
        where = f"moves[{index}]"
        rng = old.range
        if rng is not None and (old.within is not None or not rng[0] <= p <= rng[1]):
            if old.p <= 0:
                raise ScenarioError(Problem(field=f"{where}.range", message=(
                    f"cannot rescale the range of {self.move_label(index)}: its probability is 0")))
            if old.within is not None:
                rng = (window_to_daily(rng[0], old.within.days), window_to_daily(rng[1], old.within.days))
            ratio = p / old.p
            rng = (rng[0] * ratio, rng[1] * ratio)
            if rng[1] > 1.0:
                raise ScenarioError(Problem(field=f"{where}.range", message=(
                    f"p = {p:.6g} would push the upper end of the range of {self.move_label(index)} "
                    f"to {rng[1]:.6g} > 1")))
        if old.beta is not None and old.within is not None:
            raise ScenarioError(Problem(field=f"{where}.beta", message=(
                f"{self.move_label(index)} has a beta prior on the window scale, which a daily probability "
                "cannot carry; change the window odds instead")))
        try:
            return dataclasses.replace(old, p=p, within=None, range=rng)
        except ScenarioError as exc:
            raise ScenarioError([pr.within(where) for pr in exc.problems]) from None

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
