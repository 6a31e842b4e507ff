"""Figures of scenarios and results, with matplotlib.

Every ``plot_*`` function draws into the Axes (or Figure) it is given and returns it; it
creates a new :class:`matplotlib.figure.Figure` only when none is given, and never calls
``pyplot.show`` or ``savefig``. This is the only module of the package that imports
matplotlib, so ``import escalation`` stays light.

=================  ==========================  =================================================
kind               function                    shows
=================  ==========================  =================================================
``ladder``         :func:`plot_ladder`         the actors' ladders on the common 0-10 scale
``graph``          :func:`plot_graph`          each actor's move graph (and the joint chain)
``odds``           :func:`plot_odds`           cumulative odds of each target by day
``fan``            :func:`plot_fan`            the crisis-level distribution over time
``paths``          :func:`plot_paths`          sample trajectories and the top escalation paths
``first-hit``      :func:`plot_first_hit`      when each target is first reached
=================  ==========================  =================================================

:func:`make_figure` builds a Figure of a sensible size for a kind; the command line
``escalation plot`` calls it and saves the result.

Colours: actors and targets take the colour-blind-safe Okabe-Ito palette in file order
(:data:`PALETTE`), crisis levels a sequential ColorBrewer map (:func:`level_colour`), so a
given actor, target or level has the same colour in every figure of a scenario.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import ScaledTranslation

from .conditions import And, Compare, Expr, Member, Or
from .dynamics import Dynamics
from .errors import GraphTooLargeError
from .scenario import MAX_LEVEL, MIN_LEVEL

if TYPE_CHECKING:
    from .results import RunResult
    from .whatif import Sensitivity
    from .scenario import Scenario

__all__ = [
    "plot_tornado",
    "KINDS",
    "PALETTE",
    "actor_colour",
    "target_colour",
    "level_colour",
    "target_levels",
    "format_share",
    "needs_result",
    "make_figure",
    "plot_ladder",
    "plot_graph",
    "plot_odds",
    "plot_fan",
    "plot_paths",
    "plot_first_hit",
]

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
        raise ValueError(f"the {kind!r} figure needs a RunResult (from escalation.results.run), found None")
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


# --- ladder ---------------------------------------------------------------------------------
def _start_moves(scenario: Scenario) -> list[tuple[str, str, float]]:
    """``(actor id, to rung id, daily p)`` of every move possible from the start, most likely first.

    Probabilities include the modifiers that hold at the start; several moves between the
    same rungs add up, as in the step semantics.
    """
    dyn = Dynamics(scenario)
    p = dyn.move_probabilities(dyn.start[None, :])[0]
    total: dict[tuple[str, str], float] = {}
    for move, pk in zip(scenario.moves, p):
        if pk > 0:
            key = (move.actor, move.to)
            total[key] = total.get(key, 0.0) + float(pk)
    return sorted(((a, t, q) for (a, t), q in total.items()), key=lambda x: -x[2])


def plot_ladder(scenario: Scenario, *, ax: Axes | None = None, n_moves: int = 6, label_width: int = 24) -> Axes:
    """Draw the actors' ladders side by side on the common 0-10 level scale.

    One column per actor, rungs as markers labelled with their ``label``, on the level they
    carry. Rungs that share a level are spread a little in ladder order. The start rung of
    each actor is ringed in black and its label set in bold; rungs named in a target
    condition are drawn as diamonds with a highlighted label (for ``>=`` comparisons the
    named rung is the threshold). Arrows from the start show the ``n_moves`` most likely
    first moves, annotated with their daily odds.

    Parameters
    ----------
    scenario : Scenario
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    n_moves : int, optional
        How many of the most likely moves from the start to draw (0 for none).
    label_width : int, optional
        Characters per line of the rung labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> ax = plot_ladder(load_scenario("tutorial"))
    >>> ax.get_ylabel()
    'Escalation level (0-10)'
    """
    n_actors = len(scenario.actors)
    ax = _new_axes(ax, (2.4 + 3.2 * n_actors, 7.0))
    positions, ticks, edges = _rung_layout(scenario)
    in_target = _target_rungs(scenario)
    dense = edges[-1] - edges[0] > 14.0
    fontsize = 7.0 if dense else 8.5

    for i, actor in enumerate(scenario.actors):
        colour = actor_colour(scenario, actor.id)
        ys = [positions[(actor.id, r.id)] for r in actor.ladder]
        exogenous = actor.kind == "exogenous"
        ax.plot([i] * len(ys), ys, color=colour, lw=2.0, alpha=0.45, ls=":" if exogenous else "-", zorder=1)
        for rung, y in zip(actor.ladder, ys):
            key = (actor.id, rung.id)
            start = rung.id == actor.start
            ax.scatter(
                [i], [y], s=70 if start else 40, marker="D" if key in in_target else "o",
                facecolor=colour, edgecolor="black" if start else "white", linewidth=2.0 if start else 0.8, zorder=3,
            )
            box = {"boxstyle": "round,pad=0.15", "facecolor": _HIGHLIGHT, "edgecolor": "none"} if key in in_target else None
            ax.annotate(
                _wrap(rung.label, label_width), (i, y), xytext=(7, 0), textcoords="offset points",
                ha="left", va="center", fontsize=fontsize, fontweight="bold" if start else "normal",
                bbox=box, zorder=4, linespacing=0.95,
            )

    for rank, (actor_id, to, p) in enumerate(_start_moves(scenario)[: max(0, n_moves)]):
        i = scenario.actor_ids.index(actor_id)
        actor = scenario.actor(actor_id)
        y0, y1 = positions[(actor_id, actor.start)], positions[(actor_id, to)]
        # arc3 bends to the right of the direction of travel for rad > 0: bend every arrow left.
        rad = -0.45 if y1 > y0 else 0.45
        ax.add_patch(FancyArrowPatch(
            (i, y0), (i, y1), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=11,
            color=actor_colour(scenario, actor_id), lw=1.3, shrinkA=5, shrinkB=5, zorder=2,
        ))
        ax.annotate(
            _daily_odds(p), (i, y1), xytext=(-9, 0), textcoords="offset points", ha="right", va="center",
            fontsize=fontsize - 0.5, color="#333333", zorder=4,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )

    ax.set_xticks(range(n_actors))
    names = [_wrap(f"{a.id}: {a.name}" + (" (exogenous)" if a.kind == "exogenous" else ""), 26) for a in scenario.actors]
    ax.set_xticklabels(names)
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.55, n_actors - 0.05)
    ax.set_yticks(ticks)
    ax.set_yticklabels([str(level) for level in range(MIN_LEVEL, MAX_LEVEL + 1)])
    _level_bands(ax, edges)
    ax.set_ylabel("Escalation level (0-10)")
    ax.set_xlabel("Actor")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Escalation ladders: {scenario.title}")
    handles = [
        Line2D([], [], ls="", marker="o", color="#999999", markeredgecolor="white", label="rung (colour: actor)"),
        Line2D([], [], ls="", marker="o", color="#999999", markeredgecolor="black", markeredgewidth=2, markersize=8,
               label="start rung"),
        Line2D([], [], ls="", marker="D", color="#999999", markerfacecolor="#999999", label="named in a target"),
    ]
    if n_moves > 0:
        handles.append(Line2D([], [], color="#555555", marker=">", markevery=[1], label="likely first move (daily odds)"))
    # Below the actor names and the axis label, whatever the figure's height.
    below = 0.45 + 0.16 * max(name.count("\n") + 1 for name in names)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=ax.transAxes + ScaledTranslation(0, -below, ax.figure.dpi_scale_trans),
              ncol=len(handles), fontsize=8.5, frameon=False)
    return ax


# --- graph ----------------------------------------------------------------------------------
def _edge_width(p: float, p_max: float) -> float:
    return 0.6 + 4.0 * math.sqrt(p / p_max) if p_max > 0 else 1.0


def _draw_actor_graph(ax: Axes, scenario: Scenario, actor_id: str, positions: dict[tuple[str, str], float],
                      p_max: float, label_width: int) -> None:
    import networkx as nx

    actor = scenario.actor(actor_id)
    colour = actor_colour(scenario, actor_id)
    g = nx.MultiDiGraph()
    pos = {}
    for rung in actor.ladder:
        g.add_node(rung.id, label=rung.label, level=rung.level)
        pos[rung.id] = (0.0, positions[(actor_id, rung.id)])
    # Moves between the same rungs under the same kind of condition add up.
    total: dict[tuple[str, str, bool], float] = {}
    for m in scenario.moves:
        if m.actor == actor_id:
            key = (m.from_, m.to, m.when is not None)
            total[key] = total.get(key, 0.0) + float(m.p or 0.0)
    for (a, b, conditional), p in total.items():
        g.add_edge(a, b, p=p, conditional=conditional)

    node_size = 90
    nx.draw_networkx_nodes(
        g, pos, ax=ax, node_size=node_size, node_color=colour,
        edgecolors=["black" if n == actor.start else "white" for n in g.nodes], linewidths=[2.0 if n == actor.start else 0.8 for n in g.nodes],
    )
    for a, b, data in g.edges(data=True):
        up = actor.position(b) > actor.position(a)
        # Every arc bends to the right of the ladder: escalation on the outside, de-escalation inside.
        rad = (1.1 if data["conditional"] else 0.85) if up else (-0.55 if data["conditional"] else -0.38)
        nx.draw_networkx_edges(
            g, pos, edgelist=[(a, b)], ax=ax, width=_edge_width(data["p"], p_max),
            edge_color=colour if up else _NEUTRAL, style="--" if data["conditional"] else "-",
            arrows=True, arrowstyle="-|>", arrowsize=9, connectionstyle=f"arc3,rad={rad}",
            node_size=node_size, alpha=0.85,
        )
    for rung in actor.ladder:
        x, y = pos[rung.id]
        ax.annotate(
            _wrap(rung.label, label_width), (x, y), xytext=(-8, 0), textcoords="offset points", ha="right",
            va="center", fontsize=8, fontweight="bold" if rung.id == actor.start else "normal", linespacing=0.95,
        )
    ax.set_xlim(-1.0, 1.0)
    ax.set_xticks([])
    kind = " (exogenous)" if actor.kind == "exogenous" else ""
    ax.set_title(_wrap(f"{actor.id}: {actor.name}{kind}", 40), fontsize=10)
    ax.set_xlabel("Moves (arc width: daily odds)", fontsize=8.5)


def _joint_label(scenario: Scenario, state: np.ndarray) -> str:
    return "\n".join(textwrap.shorten(a.ladder[int(r)].label, 16, placeholder=".") for a, r in zip(scenario.actors, state))


def _draw_joint_graph(ax: Axes, scenario: Scenario, graph: object, p_max: float) -> None:
    import networkx as nx

    g = graph.networkx  # type: ignore[attr-defined]
    levels = np.asarray(graph.levels)  # type: ignore[attr-defined]
    states = np.asarray(graph.states)  # type: ignore[attr-defined]
    pos = {}
    for level in np.unique(levels):
        members = np.flatnonzero(levels == level)
        for j, node in enumerate(members):
            pos[int(node)] = (j - (len(members) - 1) / 2, float(level))
    edges = [(u, v) for u, v in g.edges if u != v]
    node_size = 160
    nx.draw_networkx_nodes(
        g, pos, ax=ax, node_size=node_size, node_color=[level_colour(int(lv)) for lv in levels],
        edgecolors=["black" if n == 0 else "#555555" for n in g.nodes], linewidths=[2.0 if n == 0 else 0.6 for n in g.nodes],
    )
    nx.draw_networkx_edges(
        g, pos, edgelist=edges, ax=ax, width=[_edge_width(g.edges[e]["p"], p_max) for e in edges],
        edge_color="#555555", alpha=0.6, arrows=True, arrowstyle="-|>", arrowsize=8,
        connectionstyle="arc3,rad=0.12", node_size=node_size,
    )
    if g.number_of_nodes() <= 16:
        for node, (x, y) in pos.items():
            # Label on the side with fewer neighbours, where fewer arrows arrive.
            ys = [pos[m][1] for m in set(g.predecessors(node)) | set(g.successors(node)) if m != node]
            below = sum(v > y for v in ys) > sum(v < y for v in ys)
            ax.annotate(_joint_label(scenario, states[node]), (x, y), xytext=(0, -10 if below else 9),
                        textcoords="offset points", ha="center", va="top" if below else "bottom", fontsize=7, linespacing=0.9, zorder=5,
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    xs = [x for x, _ in pos.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_xticks([])
    ax.set_title(f"Joint chain ({g.number_of_nodes()} states)", fontsize=10)
    ax.set_xlabel("Joint states (colour: crisis level)", fontsize=8.5)
    present = sorted({int(v) for v in levels})
    ax.legend(
        handles=[Line2D([], [], ls="", marker="o", markersize=7, color=level_colour(lv), markeredgecolor="#555555",
                        label=f"level {lv}") for lv in present],
        title="Crisis level", loc="upper left", fontsize=7.5, title_fontsize=8, framealpha=0.9,
    )


def _compile_small(scenario: Scenario, max_joint: int) -> object | None:
    from .graph import compile_graph

    if max_joint <= 0:
        return None
    try:
        return compile_graph(scenario, max_states=max_joint)
    except GraphTooLargeError:
        return None


def _graph_figsize(scenario: Scenario, n_panels: int) -> tuple[float, float]:
    _, _, edges = _rung_layout(scenario)
    span = edges[-1] - edges[0]
    return (3.9 * n_panels, max(6.5, 0.55 * span + 2.2))


def plot_graph(scenario: Scenario, *, fig: Figure | None = None, max_joint: int = 60, label_width: int = 20) -> Figure:
    """Draw each actor's move graph, and the joint chain when it is small.

    One panel per actor: its rungs as nodes placed by level (as in :func:`plot_ladder`),
    its moves as arcs whose width grows with the base daily probability (before modifiers).
    Escalating moves take the actor's colour and bend out to the right; de-escalating moves
    are grey and bend less. Conditional moves (with ``when``) are dashed. When the compiled
    joint chain has at most ``max_joint`` states, a last panel draws it with its states
    placed and coloured by crisis level (staying is not drawn).

    Parameters
    ----------
    scenario : Scenario
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (it should be empty); a new one is made when omitted.
    max_joint : int, optional
        Largest joint chain drawn; 0 never draws it.
    label_width : int, optional
        Characters per line of the rung labels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from escalation import load_scenario
    >>> fig = plot_graph(load_scenario("tutorial"))
    >>> len(fig.axes)  # two actors and the joint chain
    3
    """
    graph = _compile_small(scenario, max_joint)
    n_panels = len(scenario.actors) + (graph is not None)
    if fig is None:
        fig = Figure(figsize=_graph_figsize(scenario, n_panels), layout="constrained")
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    positions, ticks, edges = _rung_layout(scenario)
    p_max = max((float(m.p or 0.0) for m in scenario.moves), default=0.0)
    if graph is not None:
        # One width scale for every panel, so that the key below applies to all.
        p_joint = (p for u, v, p in graph.networkx.edges(data="p") if u != v)  # type: ignore[attr-defined]
        p_max = max(p_max, max(p_joint, default=0.0))
    for k, actor in enumerate(scenario.actors):
        ax = axes[k]
        _draw_actor_graph(ax, scenario, actor.id, positions, p_max, label_width)
        # networkx's drawing functions hide the ticks; the level scale needs them back.
        ax.tick_params(axis="y", left=True, labelleft=(k == 0))
        ax.set_yticks(ticks)
        _level_bands(ax, edges)
        if k == 0:
            ax.set_yticklabels([str(lv) for lv in range(MIN_LEVEL, MAX_LEVEL + 1)])
            ax.set_ylabel("Escalation level (0-10)")
        else:
            ax.set_yticklabels([])
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if graph is not None:
        ax = axes[-1]
        _draw_joint_graph(ax, scenario, graph, p_max)
        ax.tick_params(axis="y", left=True, labelleft=True)
        ax.set_yticks(range(MIN_LEVEL, MAX_LEVEL + 1))
        ax.set_ylim(MIN_LEVEL - 0.7, MAX_LEVEL + 0.9)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_ylabel("Crisis level (0-10)")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    handles = [
        Line2D([], [], color=PALETTE[0], lw=2, label="escalating move (colour: actor)"),
        Line2D([], [], color=_NEUTRAL, lw=2, label="de-escalating move"),
        Line2D([], [], color="#333333", lw=2, ls="--", label="conditional move (when ...)"),
        Line2D([], [], ls="", marker="o", color="#999999", markeredgecolor="black", markeredgewidth=2,
               label="start rung / state"),
    ]
    for p in _width_examples(p_max):
        handles.append(Line2D([], [], color="#333333", lw=_edge_width(p, p_max), label=_daily_odds(p)))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8.5, frameon=False)
    fig.suptitle(f"Move graphs: {scenario.title}")
    return fig


def _width_examples(p_max: float) -> list[float]:
    """Two or three round daily odds spanning the scenario's range, for the width key."""
    if p_max <= 0:
        return []
    top = 10 ** math.floor(math.log10(p_max))
    return [p for p in (top / 100, top / 10, top) if p <= p_max][-3:]


# --- odds -----------------------------------------------------------------------------------
def plot_odds(result: RunResult, *, ax: Axes | None = None, targets: Sequence[str] | None = None) -> Axes:
    """Cumulative odds of each target by day.

    The Monte Carlo estimate is a solid line with its pointwise 95% Wilson band shaded; the
    exact engine's value, where computed, is drawn on top dashed in the same colour (solid
    when it is the only engine). Legend entries give each target's odds at the horizon.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    targets : sequence of str, optional
        Target names; default all targets in the result.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.results import run
    >>> ax = plot_odds(run(load_scenario("tutorial"), runs=2_000, seed=1))
    >>> ax.get_ylabel()
    'Probability target reached'
    """
    scenario = result.scenario
    names = _select(result, targets)
    ax = _new_axes(ax, (10.0, 5.5))
    days = np.arange(result.horizon + 1)
    has_mc = result.simulation is not None
    has_exact = result.exact is not None
    for name in names:
        colour, ls = target_colour(scenario, name), _target_linestyle(scenario, name)
        cum = result.cumulative(name)
        final = format_share(result[name].probability)
        if has_mc:
            ax.fill_between(days, cum["mc_low"], cum["mc_high"], color=colour, alpha=0.18, lw=0)
            ax.plot(days, cum["mc"], color=colour, lw=2.4, ls=ls, alpha=0.55, label=f"{name} ({final})")
        if has_exact:
            ax.plot(days, cum["exact"], color=colour, lw=1.4, ls="--" if has_mc else ls,
                    label=None if has_mc else f"{name} ({final})", zorder=3)
    handles, labels = ax.get_legend_handles_labels()
    if has_mc:
        handles += [Line2D([], [], color="#555555", lw=2.4, alpha=0.55), Patch(color="#555555", alpha=0.25)]
        labels += [f"Monte Carlo ({result.simulation.runs:,} runs)", "95% interval"]  # type: ignore[union-attr]
        if has_exact:
            handles.append(Line2D([], [], color="#555555", lw=1.4, ls="--"))
            labels.append("exact")
    else:
        handles.append(Line2D([], [], color="#555555", lw=1.4))
        labels.append("exact")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5,
              title=f"Target (odds by day {result.horizon})", title_fontsize=8.5, frameon=False)
    ax.set_xlim(0, result.horizon)
    ax.set_ylim(0, None)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability target reached")
    ax.set_title(f"Cumulative odds: {scenario.title}")
    ax.grid(color="#e5e5e5", lw=0.6)
    return ax


def format_share(p: float) -> str:
    """``38.1%`` (one decimal), ``0.04%`` below 1%, ``0%`` for zero."""
    if p == 0:
        return "0%"
    if p < 0.01:
        return f"{100 * p:.2g}%"
    return f"{100 * p:.1f}%"


# --- fan ------------------------------------------------------------------------------------
def plot_fan(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """The distribution of the crisis level over time, as stacked areas.

    Each day's probabilities of the crisis levels are stacked lowest level at the bottom,
    only levels that occur are drawn, coloured by level. The crisis level a target implies
    (see :func:`target_levels`) is marked by the boundary line below that level: the
    share above the line is the probability that the crisis stands at or above it that day
    (not the cumulative odds of the target, since the level can fall again).

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    scenario = result.scenario
    ax = _new_axes(ax, (10.0, 5.5))
    dist = np.asarray(result.level_distribution(), dtype=float)
    days = np.arange(dist.shape[0])
    present = [lv for lv in range(_N_LEVELS) if dist[:, lv].max() > 0]
    ax.stackplot(
        days, *[dist[:, lv] for lv in present], colors=[level_colour(lv) for lv in present],
        labels=[f"level {lv}" for lv in present], edgecolor="white", linewidth=0.4,
    )
    # A threshold at or below the level at the start says nothing about escalation: skip it.
    dyn = Dynamics(scenario)
    start_level = int(dyn.crisis_level(dyn.start[None, :])[0])
    by_level: dict[int, list[str]] = {}
    for name, level in target_levels(scenario, [t.name for t in result.targets]).items():
        if level > start_level:
            by_level.setdefault(level, []).append(name)
    styles = ("--", ":", "-.", (0, (8, 2, 1, 2, 1, 2)))
    for k, level in enumerate(sorted(by_level)):
        below = dist[:, :level].sum(axis=1)
        text = _wrap(f"level >= {level}: {', '.join(by_level[level])}", 36)
        ax.plot(days, below, color="black", lw=1.4, ls=styles[k % len(styles)], label=text)
    handles, labels = ax.get_legend_handles_labels()
    areas = [(h, lab) for h, lab in zip(handles, labels) if lab.startswith("level ") and ">=" not in lab]
    lines = [(h, lab) for h, lab in zip(handles, labels) if ">=" in lab]
    # Highest level on top, as in the stack; then the threshold lines.
    ordered = areas[::-1] + lines
    ax.legend([h for h, _ in ordered], [lab for _, lab in ordered], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8.5, title="Crisis level / target threshold", title_fontsize=8.5, frameon=False)
    ax.set_xlim(0, days[-1])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability of crisis level")
    engine = "exact" if result.exact is not None else "Monte Carlo"
    ax.set_title(f"Crisis level over time ({engine}): {scenario.title}")
    return ax


# --- paths ----------------------------------------------------------------------------------
_PATH_WIDTH = 52  # characters per line of a path label


def _path_lines(text: str) -> list[str]:
    """One line per move (the second and later prefixed "then"), long moves wrapped with a hanging indent."""
    lines: list[str] = []
    for k, part in enumerate(text.split("; ")):
        part = part if k == 0 else f"then {part}"
        lines.extend(textwrap.wrap(part, width=_PATH_WIDTH, subsequent_indent="    ", break_on_hyphens=False) or [part])
    return lines


def _paths_figsize(result: RunResult, n_paths: int) -> tuple[float, float]:
    sim = result.simulation
    n_lines = 0
    if sim is not None:
        for path in sim.top_paths[:n_paths]:
            n_lines += max(2, len(_path_lines(path.describe(result.scenario)))) + 0.6
    return (14.0, max(5.5, 0.19 * n_lines + 2.0))


def plot_paths(result: RunResult, *, fig: Figure | None = None, n_paths: int = 10, n_traces: int = 50) -> Figure:
    """Sample trajectories of the crisis level, and the most frequent escalation paths.

    Left: the crisis level of the first ``n_traces`` simulated trajectories, as faint step
    lines with a small fixed vertical jitter so that they do not hide one another, and the
    mean crisis level (exact where computed). Right: the ``n_paths`` most frequent paths,
    each a sequence of rung changes up to the first target reached (or the horizon), as
    horizontal bars of their share of runs, coloured by the actor that moved first.

    Parameters
    ----------
    result : RunResult
        Needs the Monte Carlo engine (``method`` ``auto``, ``mc`` or ``both``).
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (it should be empty); a new one is made when omitted.
    n_paths : int, optional
        Paths in the bar chart (at most the number the simulation kept).
    n_traces : int, optional
        Trajectories drawn (at most the number the simulation sampled).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the result has no Monte Carlo simulation.
    """
    sim = result.simulation
    if sim is None:
        raise ValueError("the 'paths' figure needs Monte Carlo results; run with method 'auto', 'mc' or 'both'")
    scenario = result.scenario
    if fig is None:
        fig = Figure(figsize=_paths_figsize(result, n_paths), layout="constrained")
    ax_traces, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})

    # Left: trajectories.
    sample = np.asarray(sim.sample_paths)[:n_traces]
    n, days = sample.shape[0], np.arange(sample.shape[1])
    levels = Dynamics(scenario).crisis_level(sample.reshape(-1, sample.shape[2])).reshape(n, -1) if n else np.zeros((0, days.size))
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, size=n)  # fixed: the same figure every time
    for k in range(n):
        ax_traces.step(days, levels[k] + jitter[k], where="post", color=PALETTE[0], alpha=0.25, lw=0.9)
    mean = np.asarray(result.level_distribution()) @ np.arange(_N_LEVELS)
    ax_traces.plot(days, mean, color="black", lw=2.2, label="mean crisis level" + (" (exact)" if result.exact is not None else ""))
    ax_traces.plot([], [], color=PALETTE[0], alpha=0.5, lw=0.9, label=f"{n} sample runs (jittered)")
    present = sorted(set(np.unique(levels).tolist()) | {int(round(float(mean[0])))}) if n else [0]
    ax_traces.set_yticks(range(MIN_LEVEL, MAX_LEVEL + 1))
    ax_traces.set_ylim(max(MIN_LEVEL, min(present) - 1) - 0.4, min(MAX_LEVEL, max(present) + 1) + 0.4)
    ax_traces.set_xlim(0, days[-1])
    ax_traces.set_xlabel(_days_label(scenario))
    ax_traces.set_ylabel("Crisis level (0-10)")
    ax_traces.set_title("Sample trajectories of the crisis level")
    ax_traces.grid(color="#e5e5e5", lw=0.6)
    ax_traces.legend(loc="upper left", fontsize=8.5, framealpha=0.9)

    # Right: the most frequent paths, variable spacing so multi-line labels fit.
    paths = sim.top_paths[:n_paths]
    labels, heights, colours = [], [], []
    for path in paths:
        lines = _path_lines(path.describe(scenario))
        labels.append("\n".join(lines))
        heights.append(max(2.0, len(lines)) + 0.6)
        colours.append(actor_colour(scenario, path.moves[0][0]) if path.moves else _NEUTRAL)
    centres = np.cumsum(heights) - np.asarray(heights) / 2 if paths else np.zeros(0)
    shares = np.array([p.count / sim.runs for p in paths])
    ax_bars.barh(centres, shares, height=1.5, color=colours)
    for y, share in zip(centres, shares):
        ax_bars.annotate(format_share(float(share)), (share, y), xytext=(3, 0), textcoords="offset points",
                         va="center", fontsize=8)
    ax_bars.set_yticks(centres)
    ax_bars.set_yticklabels(labels, fontsize=8, linespacing=1.0)
    for tick in ax_bars.get_yticklabels():
        tick.set_multialignment("left")  # the block stays right-aligned to its bar
    ax_bars.set_ylim(float(np.sum(heights)) if paths else 1.0, 0.0)
    ax_bars.set_xlim(0, (shares.max() if shares.size else 1.0) * 1.18)
    ax_bars.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax_bars.set_xlabel(f"Share of runs ({sim.runs:,} runs)")
    ax_bars.set_title(_wrap(f"Most frequent paths, until the first target or day {sim.horizon}", 60))
    ax_bars.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax_bars.set_axisbelow(True)
    firsts = [a.id for a in scenario.actors if any(p.moves and p.moves[0][0] == a.id for p in paths)]
    handles = [Patch(color=actor_colour(scenario, a), label=f"{a} moves first") for a in firsts]
    if any(not p.moves for p in paths):
        handles.append(Patch(color=_NEUTRAL, label="no change"))
    ax_bars.legend(handles=handles, loc="lower right", fontsize=8.5, framealpha=0.9)
    fig.suptitle(f"Escalation paths: {scenario.title}")
    return fig


# --- first hit ------------------------------------------------------------------------------
def _bins(horizon: int, bin_days: int | None) -> np.ndarray:
    width = bin_days if bin_days is not None else (1 if horizon <= 45 else 7)
    if width < 1:
        raise ValueError(f"bin_days must be >= 1, found {width}")
    edges = np.arange(0, horizon + 1, width)
    return np.append(edges, horizon + 1)


def _per_day(pmf: np.ndarray, edges: np.ndarray) -> np.ndarray:
    sums = np.add.reduceat(pmf, edges[:-1])
    return sums / np.diff(edges)


def plot_first_hit(result: RunResult, *, ax: Axes | None = None, targets: Sequence[str] | None = None,
                   bin_days: int | None = None) -> Axes:
    """When each target is first reached: the distribution of the first-hit day.

    Drawn as steps of the probability of a first hit per day, averaged over bins of
    ``bin_days`` days (unconditional: each target's steps add up, over the horizon, to its
    odds). The Monte Carlo estimate is solid; the exact distribution, where computed, is
    dashed in the same colour (solid when it is the only engine).

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    targets : sequence of str, optional
        Target names; default all targets in the result.
    bin_days : int, optional
        Bin width in days; default 1 for horizons up to 45 days, else 7.

    Returns
    -------
    matplotlib.axes.Axes
    """
    scenario = result.scenario
    names = _select(result, targets)
    ax = _new_axes(ax, (10.0, 5.5))
    edges = _bins(result.horizon, bin_days)
    sim, exact = result.simulation, result.exact
    for name in names:
        colour, ls = target_colour(scenario, name), _target_linestyle(scenario, name)
        label = f"{name} ({format_share(result[name].probability)})"
        if sim is not None:
            pmf = np.asarray(sim.first_hits[sim.targets.index(name)], dtype=float) / sim.runs
            ax.stairs(_per_day(pmf, edges), edges, color=colour, lw=1.6, ls=ls, label=label, baseline=None)
        if exact is not None:
            ax.stairs(_per_day(exact.first_day_pmf(name), edges), edges, color=colour, lw=1.2,
                      ls="--" if sim is not None else ls, label=None if sim is not None else label, baseline=None)
    handles, labels = ax.get_legend_handles_labels()
    if sim is not None and exact is not None:
        handles += [Line2D([], [], color="#555555", lw=1.6), Line2D([], [], color="#555555", lw=1.2, ls="--")]
        labels += [f"Monte Carlo ({sim.runs:,} runs)", "exact"]
    width = int(edges[1] - edges[0]) if edges.size > 1 else 1
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5,
              title=f"Target (odds by day {result.horizon})", title_fontsize=8.5, frameon=False)
    ax.set_xlim(0, result.horizon + 1)
    ax.set_ylim(0, None)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability of first hit per day" + (f"\n(mean over {width}-day bins)" if width > 1 else ""))
    ax.set_title(f"When targets are first reached: {scenario.title}")
    ax.grid(color="#e5e5e5", lw=0.6)
    return ax


# --- dispatch -------------------------------------------------------------------------------
def needs_result(kind: str) -> bool:
    """Whether figure ``kind`` needs a :class:`~escalation.results.RunResult` (ladder and graph do not).

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind not in ("ladder", "graph")


def _ladder_figsize(scenario: Scenario) -> tuple[float, float]:
    _, _, edges = _rung_layout(scenario)
    span = edges[-1] - edges[0]
    return (2.4 + 3.2 * len(scenario.actors), max(7.0, 0.62 * span + 1.8))


def make_figure(kind: str, scenario: Scenario, result: RunResult | None = None) -> Figure:
    """A Figure of ``kind`` for ``scenario`` (and ``result``), sized for the kind.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    scenario : Scenario
    result : RunResult, optional
        Needed for the kinds where :func:`needs_result` is true; its scenario is used.

    Returns
    -------
    matplotlib.figure.Figure
        Not managed by pyplot: save it with ``fig.savefig(path, bbox_inches="tight")``.

    Raises
    ------
    ValueError
        For an unknown kind, a kind that needs a result when none is given, or ``paths``
        on a result without Monte Carlo.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> fig = make_figure("ladder", load_scenario("tutorial"))
    >>> fig.axes[0].get_title()
    'Escalation ladders: Tutorial: two rivals on three-rung ladders'
    """
    if needs_result(kind):
        result = _require_result(kind, result)
    if kind == "ladder":
        fig = Figure(figsize=_ladder_figsize(scenario), layout="constrained")
        plot_ladder(scenario, ax=fig.add_subplot())
        return fig
    if kind == "graph":
        return plot_graph(scenario)
    assert result is not None
    if kind == "paths":
        return plot_paths(result)
    fig = Figure(figsize=(10.0, 5.5), layout="constrained")
    ax = fig.add_subplot()
    if kind == "odds":
        plot_odds(result, ax=ax)
    elif kind == "fan":
        plot_fan(result, ax=ax)
    else:
        plot_first_hit(result, ax=ax)
    return fig


def plot_tornado(sensitivity: Sensitivity, *, ax: Axes | None = None, top: int = 10) -> Axes:
    """Tornado chart of a one-at-a-time sweep from :func:`escalation.whatif.sensitivity`.

    One row per move, largest swing at the top: a bar from the base odds to the odds with the
    move's daily probability divided by the sweep's factor, and one to the odds with it
    multiplied. A variant that failed (outgoing odds above 1) has no bar; its label says so.

    Parameters
    ----------
    sensitivity : Sensitivity
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    top : int, optional
        Number of moves shown.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.whatif import sensitivity
    >>> ax = plot_tornado(sensitivity(load_scenario("tutorial"), target="blue_strikes"), top=3)
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (3, 'Probability of blue_strikes within 60 days')
    """
    from .whatif import tornado_data

    data = tornado_data(sensitivity, top=top)
    n = len(data.labels)
    ax = _new_axes(ax, (10.0, 1.6 + 0.5 * n))
    y = np.arange(n)
    low, high = np.asarray(data.low), np.asarray(data.high)
    factor = f"{data.factor:g}"
    for values, colour, label in ((low, PALETTE[0], f"daily odds / {factor}"),
                                  (high, PALETTE[1], f"daily odds x {factor}")):
        ok = ~np.isnan(values)  # NaN: the variant was invalid (an actor's outgoing odds above 1)
        ax.barh(y[ok], values[ok] - data.base, left=data.base, height=0.6, color=colour, label=label)
    ticks = [_wrap(text, 48) + ("\n(x " + factor + ": outgoing odds > 1)" if np.isnan(h) else "")
             for text, h in zip(data.labels, high)]
    ax.axvline(data.base, color="#333333", lw=1.0, label=f"baseline {format_share(data.base)}")
    ax.set_yticks(y, ticks, fontsize=8.5)
    ax.set_ylim(n - 0.5, -0.5)  # largest swing at the top
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"Probability of {data.target} within {data.horizon} days")
    ax.set_title(f"Which single move matters most: {data.target}")
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    return ax
