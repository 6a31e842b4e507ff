"""Shared pieces of the figures: palette, colours, rung layout, target levels."""

from __future__ import annotations

import math
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
#: Kinds with a probability axis that ``log=`` (``escalation plot --log``) puts on a symlog scale.
LOG_KINDS: tuple[str, ...] = ("odds", "first-hit")

#: Colours of actors and targets, in file order: the six chromatic Okabe-Ito colours first
#: (distinct in print and for the common forms of colour blindness), then six from Paul
#: Tol's schemes chosen to stay apart from them (CIELAB distance above 20 for normal vision,
#: above 10 under simulated deuteranopia and protanopia); the pale sand comes last. No grey
#: or black: those are kept for the engine keys of the legends.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#332288",  # indigo
    "#D62728",  # red
    "#661100",  # brown
    "#7B4173",  # plum
    "#AD494A",  # brick
    "#DDCC77",  # sand
)
#: Line styles of targets: the first six solid, the next six dashed, so that the colours
#: most alike (blue and indigo, vermillion and red) differ in style too; past twelve
#: targets colours repeat with the next style.
TARGET_LINESTYLES: tuple[str | tuple[int, tuple[float, ...]], ...] = ("-", (0, (5.0, 1.6)), (0, (1.2, 1.4)))
_STYLE_PERIOD = 6
_KEY = "#555555"  # the neutral colour of legend keys (engines, bands): never a target's colour
_NEUTRAL = "#777777"
_HIGHLIGHT = "#FFF1A8"  # label background of rungs named in a target
_LEVEL_CMAP = "inferno_r"
_N_LEVELS = MAX_LEVEL - MIN_LEVEL + 1


# --- colours and small helpers -------------------------------------------------------------
def actor_colour(scenario: Scenario, actor_id: str) -> str:
    """Colour of an actor: the palette entry of its position in the scenario's actor list."""
    return PALETTE[scenario.actor_ids.index(actor_id) % len(PALETTE)]


def target_colour(scenario: Scenario, name: str) -> str:
    """Colour of a target: the palette entry of its position in the scenario's target list."""
    return PALETTE[scenario.target_names.index(name) % len(PALETTE)]


def target_linestyle(scenario: Scenario, name: str) -> str | tuple[int, tuple[float, ...]]:
    """Line style of a target: solid for the first six targets, dashed for the next six, and so on.

    Together with :func:`target_colour` this keeps up to 36 targets apart; the first 12
    also have distinct colours.
    """
    k = scenario.target_names.index(name)
    return TARGET_LINESTYLES[(k // len(PALETTE) + (k % len(PALETTE)) // _STYLE_PERIOD) % len(TARGET_LINESTYLES)]


_target_linestyle = target_linestyle  # the name the figure modules use


def level_colour(level: int) -> tuple[float, float, float, float]:
    """RGBA colour of crisis level ``level`` (0-10): pale yellow (calm) through orange and red to near black.

    Eleven steps of matplotlib's perceptually uniform ``inferno`` map, reversed: lightness
    falls with the level, and neighbouring levels stay apart (CIELAB distance above 12).
    """
    cmap = colormaps[_LEVEL_CMAP]
    return cmap(0.9 * (int(level) - MIN_LEVEL) / (MAX_LEVEL - MIN_LEVEL))


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


#: Odds at the horizon below which a target counts as rare: with ``log=None`` the figures
#: switch to a symlog axis when a rare target sits under a twentieth of the largest.
RARE = 0.01
#: Lowest probability a symlog axis resolves (one in a million); odds below it stay in the linear part near 0.
FLOOR = 1e-6


def _use_log(log: bool | None, finals: Iterable[float]) -> bool:
    """Resolve ``log=None`` (auto): a log axis when some target is rare next to the others."""
    if log is not None:
        if not isinstance(log, (bool, np.bool_)):
            raise TypeError(f"log must be True, False or None, found {log!r}")
        return bool(log)
    positive = [float(v) for v in finals if v > 0]
    return bool(positive) and min(positive) < RARE and min(positive) < max(positive) / 20


def _percent_tick(p: float, _pos: object = None) -> str:
    """``0%``, ``0.01%``, ``0.1%``, ``1%``, ``10%``, ``100%``: no scientific notation."""
    if p <= 0:
        return "0%"
    pct = 100 * p
    return f"{pct:.{max(0, -math.floor(math.log10(pct) + 1e-9))}f}%" if pct < 1 else f"{pct:.3g}%"


def _probability_axis(ax: Axes, *, log: bool, lowest: float, highest: float) -> None:
    """A percent y axis from 0: linear, or symlog (linear below ``linthresh``, decades above).

    On the symlog axis ``linthresh`` is the decade below ``lowest`` (the smallest value worth
    seeing), so rare targets get their own decades instead of a flat line at 0.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

    if not log:
        ax.set_ylim(0, None)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        return
    lowest = max(float(lowest), FLOOR)
    linthresh = 10.0 ** (math.floor(math.log10(lowest)) - 1)
    top = min(1.0, 10.0 ** math.ceil(math.log10(max(float(highest), lowest) * 1.05)))
    ax.set_yscale("symlog", linthresh=linthresh, linscale=0.4)
    decades = [0.0] + [10.0 ** e for e in range(round(math.log10(linthresh)), round(math.log10(top)) + 1)]
    ax.yaxis.set_major_locator(FixedLocator(decades))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_percent_tick))
    ax.set_ylim(0, top)


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


def _level_axis(ax: Axes, ticks: np.ndarray, edges: np.ndarray) -> None:
    """A banded level axis: tick marks at the band edges, each level's number in the middle of its band."""
    ax.set_yticks(edges)
    ax.set_yticklabels([])
    ax.set_yticks(ticks, minor=True)
    ax.set_yticklabels([str(level) for level in range(MIN_LEVEL, MAX_LEVEL + 1)], minor=True)
    ax.tick_params(axis="y", which="minor", length=0)
    _level_bands(ax, edges)


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


