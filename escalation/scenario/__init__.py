"""The scenario model: immutable dataclasses and their invariants.

A :class:`Scenario` is a crisis as of a date: its actors, each on a ladder of rungs, the moves
between rungs with per-day probabilities, modifiers that scale moves while a condition holds,
and the targets whose odds we want. Objects are validated once, at construction; what-if
variants are new objects (:meth:`Scenario.replace`, :meth:`Scenario.with_move_probability`).

Every constructor raises :class:`~escalation.errors.ScenarioError` listing all the problems it
found, each with a field path relative to the object (``ladder[2].level``), so the loader can
prefix the path and attach file positions.

Parts: :mod:`.parts` (Rung, Actor, Window, Move, Modifier, Target, Source), :mod:`.model`
(Scenario) and :mod:`.checks` (invariants across parts); every public name is importable
from here.
"""

from .checks import cross_problems, modifier_applies
from .model import Scenario
from .parts import (
    MAX_LEVEL,
    MIN_LEVEL,
    SCHEMA,
    Actor,
    Modifier,
    Move,
    Rung,
    Source,
    Target,
    Window,
    window_to_daily,
)

__all__ = [
    "MAX_LEVEL",
    "MIN_LEVEL",
    "SCHEMA",
    "Actor",
    "Modifier",
    "Move",
    "Rung",
    "Scenario",
    "Source",
    "Target",
    "Window",
    "cross_problems",
    "modifier_applies",
    "window_to_daily",
]
