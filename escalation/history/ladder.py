"""The generic crisis ladder: ICB's violence scale, a termination rung and the onset profile.

Four actors, all built here so that the fitted numbers and the scenario file are one thing:

``CRISIS`` (party)
    The violence reached, ICB's ``viol`` scale: ``no_violence`` (level 3), ``minor_clashes``
    (4), ``serious_clashes`` (6), ``full_scale_war`` (7). It only climbs (a move from every
    rung to every higher one, so a crisis can jump), and only while the crisis is active,
    so its rung is always the *peak* violence so far: the quantity ICB records.
``STATUS`` (exogenous)
    ``active`` -> ``ended``: the termination rung. One move per violence rung, so the daily
    chance of ending depends on how violent the crisis has become. After it nothing moves.
``ONGOING_WAR``, ``TRIGGER_BY`` (exogenous, no moves)
    The onset profile as rungs an analyst sets: ``ONGOING_WAR`` starts on ``under_way`` for
    an intra-war crisis, ``TRIGGER_BY`` on ``great_power`` when a great power triggered it.
    Each scales the escalation moves (one modifier) and the termination moves (another).
    A violent trigger is the third fact: ``CRISIS`` then starts on ``minor_clashes``.

So the joint chain has at most 8 states, and the probability that a crisis with a given
onset profile first reaches ``ended`` with peak ``k`` on day ``t`` is the first-passage
probability of the target ``ended_<k>`` on day ``t``: the likelihood of ICB's two outcomes
(peak violence and duration) comes straight from the exact engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..scenario import Actor, Modifier, Move, Rung, Scenario, Source, Target

__all__ = ["MODIFIERS", "MOVES", "PEAK_LEVELS", "PEAK_RUNGS", "PROFILES", "Profile", "ladder_scenario",
           "profile_starts"]

#: Rung ids of CRISIS, lowest first; position ``k`` is ICB ``viol == k + 1``.
PEAK_RUNGS = ("no_violence", "minor_clashes", "serious_clashes", "full_scale_war")
#: Their levels (docs/levels.md: display of force, harassment, limited attack, conventional war),
#: distinct, so the crisis level of a joint state names the peak.
PEAK_LEVELS = (3, 4, 6, 7)
_LABELS = ("No violence", "Minor clashes", "Serious clashes", "Full-scale war")
_DESCRIPTIONS = (
    "A crisis (threat, time pressure, heightened chance of hostilities) without violence so far.",
    "Minor clashes: violence with few or no deaths (ICB viol 2).",
    "Serious clashes short of war (ICB viol 3).",
    "Full-scale war (ICB viol 4).",
)

#: The moves, in the order of the fitted hazards: ``(name, actor, from, to, when)``.
MOVES: tuple[tuple[str, str, str, str, str], ...] = (
    *((f"{PEAK_RUNGS[i]}->{PEAK_RUNGS[j]}", "CRISIS", PEAK_RUNGS[i], PEAK_RUNGS[j], "STATUS == active")
      for i in range(4) for j in range(i + 1, 4)),
    *((f"end@{rung}", "STATUS", "active", "ended", f"CRISIS == {rung}") for rung in PEAK_RUNGS),
)
#: The modifiers, in the order of the fitted factors: ``(name, when, actor, direction)``.
MODIFIERS: tuple[tuple[str, str, str, str], ...] = (
    ("ongoing_war:escalation", "ONGOING_WAR == under_way", "CRISIS", "up"),
    ("ongoing_war:termination", "ONGOING_WAR == under_way", "STATUS", "any"),
    ("great_power:escalation", "TRIGGER_BY == great_power", "CRISIS", "up"),
    ("great_power:termination", "TRIGGER_BY == great_power", "STATUS", "any"),
)


@dataclass(frozen=True, slots=True)
class Profile:
    """An onset profile: ``(violent_trigger, intra_war, great_power_trigger)``."""

    violent_trigger: bool
    intra_war: bool
    great_power_trigger: bool

    @property
    def label(self) -> str:
        """``violent trigger, ongoing war`` and so on; ``none`` for the plain profile."""
        parts = [name for name, on in (("violent trigger", self.violent_trigger), ("ongoing war", self.intra_war),
                                       ("great-power trigger", self.great_power_trigger)) if on]
        return ", ".join(parts) or "none"


#: Every onset profile, the plain one first.
PROFILES = tuple(Profile(v, w, g) for v in (False, True) for w in (False, True) for g in (False, True))


def profile_starts(profile: Profile) -> dict[str, str]:
    """Start rungs that put the ladder in ``profile``, for :meth:`Scenario.with_start`."""
    return {"CRISIS": "minor_clashes" if profile.violent_trigger else "no_violence",
            "ONGOING_WAR": "under_way" if profile.intra_war else "none",
            "TRIGGER_BY": "great_power" if profile.great_power_trigger else "other"}


def ladder_scenario(hazards: Sequence[float], factors: Sequence[float], *, ranges: Sequence[tuple[float, float] | None]
                    | None = None, rationales: Sequence[str] | None = None,
                    modifier_rationales: Sequence[str] | None = None, sources: Sequence[Source] = (),
                    description: str = "", horizon: int = 365, as_of: dt.date | None = None,
                    scenario_id: str = "icb-generic",
                    title: str = "Generic international crisis, fitted to ICB crises 1918-2017") -> Scenario:
    """The generic ladder with the given numbers, on the plain onset profile.

    Parameters
    ----------
    hazards : sequence of float, shape (len(MOVES),)
        Daily probability of each move in :data:`MOVES`, in [0, 1].
    factors : sequence of float, shape (len(MODIFIERS),)
        Factor of each modifier in :data:`MODIFIERS`, >= 0.
    ranges : sequence of (float, float) or None, optional
        A plausible interval per move (``range`` in the file).
    rationales, modifier_rationales : sequence of str, optional
        One line per move and per modifier.
    sources : sequence of Source, optional
        Every move and modifier cites all of them.
    description, horizon, as_of, scenario_id, title
        As in :class:`~escalation.scenario.Scenario`.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> s = ladder_scenario([0.001] * 10, [1.0] * 4)
    >>> s.actor_ids, len(s.moves), s.n_joint_states
    (('CRISIS', 'STATUS', 'ONGOING_WAR', 'TRIGGER_BY'), 10, 32)
    """
    if len(hazards) != len(MOVES) or len(factors) != len(MODIFIERS):
        raise ValueError(f"expected {len(MOVES)} hazards and {len(MODIFIERS)} factors, "
                         f"found {len(hazards)} and {len(factors)}")
    cite = tuple(s.id for s in sources)
    actors = (
        Actor(id="CRISIS", name="Peak violence of the crisis", start="no_violence",
              description="The highest violence reached so far (ICB viol); it never goes down.",
              ladder=tuple(Rung(id=r, level=lv, label=lb, description=d)
                           for r, lv, lb, d in zip(PEAK_RUNGS, PEAK_LEVELS, _LABELS, _DESCRIPTIONS))),
        Actor(id="STATUS", name="Crisis status", kind="exogenous", start="active",
              description="Whether the crisis is still on (ICB termination date).",
              ladder=(Rung(id="active", level=0, label="Active"),
                      Rung(id="ended", level=0, label="Ended", description="The crisis has terminated."))),
        Actor(id="ONGOING_WAR", name="War under way at onset", kind="exogenous", start="none",
              description="Set start to under_way for a crisis that breaks out inside a war (ICB intra-war crisis).",
              ladder=(Rung(id="none", level=0, label="No war under way"),
                      Rung(id="under_way", level=0, label="War under way"))),
        Actor(id="TRIGGER_BY", name="Who triggered the crisis", kind="exogenous", start="other",
              description="Set start to great_power when a great power triggered the crisis.",
              ladder=(Rung(id="other", level=0, label="Not a great power"),
                      Rung(id="great_power", level=0, label="A great power"))),
    )
    moves = tuple(
        Move(actor=actor, from_=a, to=b, p=float(h), when=when, source=cite,
             range=None if ranges is None or ranges[i] is None else tuple(ranges[i]),  # type: ignore[arg-type]
             rationale="" if rationales is None else rationales[i],
             tags=("escalation",) if actor == "CRISIS" else ("termination",))
        for i, ((_, actor, a, b, when), h) in enumerate(zip(MOVES, hazards)))
    modifiers = tuple(
        Modifier(when=when, actor=actor, direction=direction, factor=float(f), source=cite,  # type: ignore[arg-type]
                 rationale="" if modifier_rationales is None else modifier_rationales[i])
        for i, ((_, when, actor, direction), f) in enumerate(zip(MODIFIERS, factors)))
    targets = (
        Target(name="full_scale_war", when="CRISIS >= full_scale_war",
               description="The crisis reaches full-scale war."),
        Target(name="serious_or_worse", when="CRISIS >= serious_clashes",
               description="Serious clashes or full-scale war."),
        Target(name="minor_or_worse", when="CRISIS >= minor_clashes", description="Any violence."),
        Target(name="ended", when="STATUS == ended", description="The crisis has terminated."),
        *(Target(name=f"ended_{r}", when=f"STATUS == ended and CRISIS == {r}",
                 description=f"The crisis has ended, and its peak violence was: {lb.lower()}.")
          for r, lb in zip(PEAK_RUNGS, _LABELS)),
    )
    return Scenario(id=scenario_id, title=title, actors=actors, moves=moves, modifiers=modifiers, targets=targets,
                    horizon=horizon, as_of=as_of, description=description, sources=tuple(sources))
