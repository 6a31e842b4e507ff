"""The Scenario: a crisis as of a date, validated once, copied for what-if variants."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .checks import cross_problems
from .parts import SCHEMA, Actor, Modifier, Move, Source, Target, _raise


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


