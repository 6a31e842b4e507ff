"""Plain-text description of a scenario, as ``escalation show`` prints it."""

from __future__ import annotations

import math

from .scenario import Scenario

__all__ = ["describe_scenario"]


def _pct(p: float) -> str:
    return f"{100 * p:.3g}%"


def describe_scenario(scenario: Scenario) -> str:
    """Actors with their ladders and levels, moves with daily odds, modifiers and targets.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        Several lines; window odds are shown with the daily probability they convert to.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> print(describe_scenario(load_scenario("tutorial")).splitlines()[0])
    Tutorial: two rivals on three-rung ladders
    """
    s = scenario
    out = [s.title, f"id {s.id}; as of {s.as_of or '-'}; horizon {s.horizon} days; "
           f"{len(s.actors)} actors, {len(s.moves)} moves, {len(s.modifiers)} modifiers, {len(s.targets)} targets; "
           f"up to {math.prod(len(a.ladder) for a in s.actors):,} joint states"]
    if s.description:
        out.append("")
        out.append(" ".join(s.description.split()))
    out.append("")
    out.append("Actors (level 0-10; * start)")
    for a in s.actors:
        kind = "" if a.kind == "party" else f" [{a.kind}: not counted in the crisis level]"
        out.append(f"  {a.id}  {a.name}{kind}")
        for r in a.ladder:
            mark = "*" if r.id == a.start else " "
            out.append(f"    {mark} {r.level:>2}  {r.id:<24} {r.label}")
    out.append("")
    out.append("Moves (daily probability)")
    for i, m in enumerate(s.moves):
        assert m.p is not None
        window = f" = {_pct(m.within.p)} within {m.within.days:g} days" if m.within is not None else ""
        when = f"  when {m.when}" if m.when else ""
        extra = []
        if m.range is not None:
            extra.append(f"range [{m.range[0]:g}, {m.range[1]:g}]")
        if m.beta is not None:
            extra.append(f"beta({m.beta[0]:g}, {m.beta[1]:g})")
        if m.tags:
            extra.append("tags " + ",".join(m.tags))
        tail = f"  ({'; '.join(extra)})" if extra else ""
        out.append(f"  [{i}] {m.actor}: {m.from_} -> {m.to}  p={m.p:.6g}/day{window}{when}{tail}")
        if m.rationale:
            out.append(f"       {m.rationale}")
    if s.modifiers:
        out.append("")
        out.append("Modifiers")
        for i, mod in enumerate(s.modifiers):
            who = mod.actor or "all actors"
            sel = [who, {"any": "all moves", "up": "escalating moves", "down": "de-escalating moves"}[mod.direction]]
            if mod.tags:
                sel.append("tagged " + ",".join(mod.tags))
            out.append(f"  [{i}] x{mod.factor:g} on {', '.join(sel)} while {mod.when}")
            if mod.rationale:
                out.append(f"       {mod.rationale}")
    out.append("")
    out.append("Targets")
    for t in s.targets:
        desc = f"  ({t.description})" if t.description else ""
        out.append(f"  {t.name}: {t.when}{desc}")
    if s.sources:
        out.append("")
        out.append(f"Sources: {len(s.sources)} ({', '.join(src.id for src in s.sources[:8])}"
                   f"{', ...' if len(s.sources) > 8 else ''})")
    return "\n".join(out)
