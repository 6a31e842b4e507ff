"""Shared pieces of the figures: palette, colours, rung layout, target levels."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..conditions import And, Compare, Expr, Member, Or
from ..scenario import MAX_LEVEL, MIN_LEVEL

if TYPE_CHECKING:
    from ..analysis import RunResult
    from ..scenario import Scenario


#: Figure kinds understood by :func:`make_figure` (and ``escalation plot --kind``).
KINDS: tuple[str, ...] = ("ladder", "graph", "odds", "fan", "paths", "first-hit")

#: Okabe-Ito colours, ordered so that the first few are distinct in print and for the
#: common forms of colour blindness (yellow, the weakest on white, comes last).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
_LINESTYLES = ("-", "-.", ":")
_NEUTRAL = "#777777"
_HIGHLIGHT = "#FFF1A8"  # label background of rungs named in a target
_LEVEL_CMAP = "YlOrRd"
_N_LEVELS = MAX_LEVEL - MIN_LEVEL + 1


# --- colours and small helpers -------------------------------------------------------------
def actor_colour(scenario: Scenario, actor_id: str) -> str:
    """Colour of an actor: the palette entry of its position in the scenario's actor list."""
    return PALETTE[scenario.actor_ids.index(actor_id) % len(PALETTE)]


def target_colour(scenario: Scenario, name: str) -> str:
    """Colour of a target: the palette entry of its position in the scenario's target list."""
    return PALETTE[scenario.target_names.index(name) % len(PALETTE)]


def _target_linestyle(scenario: Scenario, name: str) -> str:
    # Past the palette's length colours repeat, so the line style tells targets apart.
    return _LINESTYLES[(scenario.target_names.index(name) // len(PALETTE)) % len(_LINESTYLES)]


def level_colour(level: int) -> tuple[float, float, float, float]:
    """RGBA colour of crisis level ``level`` (0-10): pale yellow (calm) to dark red."""
    cmap = colormaps[_LEVEL_CMAP]
    return cmap(0.08 + 0.92 * (int(level) - MIN_LEVEL) / (MAX_LEVEL - MIN_LEVEL))


def _days_label(scenario: Scenario) -> str:
    return f"Days from {scenario.as_of.isoformat()}" if scenario.as_of is not None else "Days from start"


def _daily_odds(p: float) -> str:
    """``0.8%/day``: two significant digits, never scientific notation for plausible odds."""
    pct = 100.0 * p
    if pct >= 10:
        text = f"{pct:.0f}"
    elif pct >= 0.01:
        text = f"{pct:.2g}"
    else:
        text = f"{pct:.1g}"
    return f"{text}%/day"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False, break_long_words=False)) or text


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def _require_result(kind: str, result: RunResult | None) -> RunResult:
    if result is None:
        raise ValueError(f"the {kind!r} figure needs a RunResult (from escalation.run), found None")
    return result


def _select(result: RunResult, targets: Sequence[str] | None) -> list[str]:
    names = [t.name for t in result.targets]
    if targets is None:
        return names
    for name in targets:
        if name not in names:
            raise KeyError(f"unknown target {name!r}; in this result: {', '.join(names)}")
    return [n for n in names if n in set(targets)]


# --- rung layout shared by the ladder and graph views -------------------------------------
_RUNG_STEP = 0.5  # vertical distance between rungs that share a level, in level units


def _rung_layout(scenario: Scenario) -> tuple[dict[tuple[str, str], float], np.ndarray, np.ndarray]:
    """Vertical position of every rung, and of each level's tick.

    Rungs that share a level are spread over that level's band in ladder order, so their
    labels do not overlap. A band is one level unit high (a linear 0-10 scale) unless some
    actor has more than two rungs on that level, when it grows to fit them.

    Returns
    -------
    positions : dict
        ``(actor id, rung id) -> y``.
    ticks : ndarray, shape (11,)
        ``y`` of the centre of each level's band.
    edges : ndarray, shape (12,)
        ``y`` of the band boundaries, lowest first.
    """
    counts = np.zeros(_N_LEVELS, dtype=int)
    for actor in scenario.actors:
        c = np.bincount([r.level for r in actor.ladder], minlength=_N_LEVELS)
        counts = np.maximum(counts, c)
    heights = np.maximum(1.0, _RUNG_STEP * counts)
    bottoms = np.concatenate([[0.0], np.cumsum(heights)[:-1]]) - 0.5
    ticks = bottoms + heights / 2
    positions: dict[tuple[str, str], float] = {}
    for actor in scenario.actors:
        for level in range(_N_LEVELS):
            rungs = [r for r in actor.ladder if r.level == level]
            k = len(rungs)
            for j, rung in enumerate(rungs):
                positions[(actor.id, rung.id)] = float(ticks[level] + (j - (k - 1) / 2) * _RUNG_STEP)
    return positions, ticks, np.append(bottoms, bottoms[-1] + heights[-1])


def _level_bands(ax: Axes, edges: np.ndarray) -> None:
    """Shade every other level's band, so that rungs sharing a level read as one group."""
    for level in range(1, _N_LEVELS, 2):
        ax.axhspan(edges[level], edges[level + 1], color="#f2f2f2", lw=0, zorder=0)
    ax.set_ylim(edges[0] - 0.15, edges[-1] + 0.15)


def _target_rungs(scenario: Scenario) -> dict[tuple[str, str], list[str]]:
    """``(actor id, rung id) -> [target names]`` for every rung named in a target condition."""
    out: dict[tuple[str, str], list[str]] = {}
    for target in scenario.targets:
        for actor, rungs in target.condition.names():
            for rung in rungs:
                names = out.setdefault((actor.text, rung.text), [])
                if target.name not in names:
                    names.append(target.name)
    return out


def _implied_level(scenario: Scenario, expr: Expr) -> int | None:
    """The crisis level a target implies: whenever ``expr`` holds, the level is at least this.

    ``None`` when the condition implies nothing (a bound from above, a negation, or a
    condition on an exogenous process only).
    """
    if isinstance(expr, Compare):
        actor = scenario.actor(expr.actor.text)
        if actor.kind != "party" or expr.op not in (">=", ">", "=="):
            return None
        pos = actor.position(expr.rung.text) + (1 if expr.op == ">" else 0)
        return actor.ladder[pos].level if pos < len(actor.ladder) else None
    if isinstance(expr, Member):
        actor = scenario.actor(expr.actor.text)
        if actor.kind != "party" or expr.negated:
            return None
        return min(actor.rung(r.text).level for r in expr.rungs)
    if isinstance(expr, And):
        found = [lv for lv in (_implied_level(scenario, e) for e in expr.items) if lv is not None]
        return max(found) if found else None
    if isinstance(expr, Or):
        found = [_implied_level(scenario, e) for e in expr.items]
        return None if any(lv is None for lv in found) else min(found)  # type: ignore[type-var]
    return None


def target_levels(scenario: Scenario, targets: Iterable[str] | None = None) -> dict[str, int]:
    """Crisis level each target implies (only targets that imply a level above 0).

    Parameters
    ----------
    scenario : Scenario
    targets : iterable of str, optional
        Target names; default all.

    Returns
    -------
    dict of str to int
        ``name -> L`` such that the crisis level is at least ``L`` whenever the target holds
        (``US >= land_strikes`` implies the level of ``land_strikes``; ``and`` takes the
        highest of its parts, ``or`` the lowest).
    """
    names = scenario.target_names if targets is None else tuple(targets)
    out = {}
    for name in names:
        level = _implied_level(scenario, scenario.target(name).condition)
        if level is not None and level > MIN_LEVEL:
            out[name] = level
    return out


