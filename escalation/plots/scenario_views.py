"""Figures of a scenario alone: the ladders and the move graphs."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.path import Path
from matplotlib.transforms import ScaledTranslation

from ..compiled import compile_model
from ..errors import GraphTooLargeError
from ..scenario import MAX_LEVEL, MIN_LEVEL

from ._common import (  # shared helpers
    PALETTE,
    _HIGHLIGHT,
    _NEUTRAL,
    _daily_odds,
    _level_axis,
    _new_axes,
    _rung_layout,
    _target_rungs,
    _wrap,
    actor_colour,
    level_colour,
)

if TYPE_CHECKING:
    from ..scenario import Scenario


# --- ladder ---------------------------------------------------------------------------------
def _start_moves(scenario: Scenario) -> list[tuple[str, str, float]]:
    """``(actor id, to rung id, daily p)`` of every move possible from the start, most likely first.

    Probabilities include the modifiers that hold at the start; several moves between the
    same rungs add up, as in the step semantics.
    """
    model = compile_model(scenario)
    p = model.move_probabilities(model.start[None, :])[0]
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
    _level_axis(ax, ticks, edges)
    stretched = bool(np.any(np.diff(edges) > 1.0))
    widened = ": one band per level,\nwidened where it holds more rungs" if stretched else ""
    ax.set_ylabel(f"Escalation level (0-10){widened}")
    ax.set_xlabel("Actor")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Escalation ladders: {scenario.title}")
    handles: list[object] = [
        Line2D([], [], ls="", marker="o", color="#999999", markeredgecolor="white"),
        Line2D([], [], ls="", marker="o", color="#999999", markeredgecolor="black", markeredgewidth=2, markersize=8),
        (Patch(facecolor=_HIGHLIGHT, edgecolor="none"),
         Line2D([], [], ls="", marker="D", color="#999999", markerfacecolor="#999999")),
    ]
    labels = ["rung (colour: actor)", "start rung", "named in a target (diamond, highlighted label)"]
    if n_moves > 0:
        handles.append(Line2D([], [], color="#555555", marker=">", markevery=[1]))
        labels.append("likely first move (daily odds)")
    # Below the actor names and the axis label, whatever the figure's height.
    below = 0.45 + 0.16 * max(name.count("\n") + 1 for name in names) + 0.16 * stretched
    ax.legend(handles, labels, handler_map={tuple: HandlerTuple(ndivide=1)}, loc="upper center",
              bbox_to_anchor=(0.5, 0.0),
              bbox_transform=ax.transAxes + ScaledTranslation(0, -below, ax.figure.dpi_scale_trans),
              ncol=len(handles), fontsize=8.5, frameon=False)
    return ax


# --- graph ----------------------------------------------------------------------------------
#: Ladders longer than this are drawn as bars by ``plot_graph(layout="auto")``.
MAX_ARC_RUNGS = 16
_DECADE_WIDTH = 1.4  # points of line width per decade of daily odds
_TOP_WIDTH = 3.4     # line width at the decade of the most likely move (below 4.8 for any move)
_MIN_WIDTH = 0.4


def _edge_width(p: float, p_max: float) -> float:
    """Line width of an arc of daily odds ``p``: a fixed step per decade (log scale).

    The decade of ``p_max`` (``10**floor(log10(p_max))``) gets :data:`_TOP_WIDTH`, each decade
    below 1.4 points less, down to a floor two decades lower and more.
    """
    if p_max <= 0 or p <= 0:
        return _MIN_WIDTH
    top = 10.0 ** math.floor(math.log10(p_max))
    return max(_MIN_WIDTH, _TOP_WIDTH + _DECADE_WIDTH * math.log10(p / top))


def _actor_moves(scenario: Scenario, actor_id: str) -> dict[tuple[str, str, bool], float]:
    """``(from, to, conditional) -> base daily p``; moves between the same rungs and of the same kind add up."""
    total: dict[tuple[str, str, bool], float] = {}
    for m in scenario.moves:
        if m.actor == actor_id:
            key = (m.from_, m.to, m.when is not None)
            total[key] = total.get(key, 0.0) + float(m.p or 0.0)
    return total


_ARC_START = 0.07  # x where an arc leaves and meets the rung column (clear of the marker)


def _arc(y0: float, y1: float, apex: float) -> Path:
    """A quadratic Bezier from the rung column at ``y0`` to ``y1`` bulging right to ``x = apex``."""
    control = 2.0 * apex - _ARC_START
    return Path([(_ARC_START, y0), (control, (y0 + y1) / 2), (_ARC_START, y1)], [Path.MOVETO, Path.CURVE3, Path.CURVE3])


def _draw_moves(ax: Axes, scenario: Scenario, actor_id: str, positions: dict[tuple[str, str], float], p_max: float,
                *, up: bool, span: float, labels: bool, label_width: int) -> None:
    """One panel: an actor's rungs as a column of nodes and its escalating (or de-escalating) moves as arcs.

    Arcs bulge to the right in proportion to the distance they cover, so arcs that share
    an end nest instead of crossing; a conditional move bulges a little further than an
    unconditional one between the same rungs.
    """
    actor = scenario.actor(actor_id)
    colour = actor_colour(scenario, actor_id)
    ys = [positions[(actor_id, r.id)] for r in actor.ladder]
    moves = sorted(
        ((a, b, cond, p) for (a, b, cond), p in _actor_moves(scenario, actor_id).items()
         if (actor.position(b) > actor.position(a)) == up),
        key=lambda m: -abs(positions[(actor_id, m[1])] - positions[(actor_id, m[0])]),  # long arcs first, below
    )
    for a, b, cond, p in moves:
        y0, y1 = positions[(actor_id, a)], positions[(actor_id, b)]
        apex = 0.14 + 0.78 * abs(y1 - y0) / span + (0.07 if cond else 0.0)
        ax.add_patch(FancyArrowPatch(
            path=_arc(y0, y1, apex), arrowstyle="-|>", mutation_scale=8 + _edge_width(p, p_max),
            color=colour if up else _NEUTRAL, lw=_edge_width(p, p_max), ls="--" if cond else "-",
            alpha=0.9, zorder=2, capstyle="butt",
        ))
    starts = [r.id == actor.start for r in actor.ladder]
    ax.scatter([0.0] * len(ys), ys, s=[70 if st else 45 for st in starts], color=colour, zorder=3,
               edgecolors=["black" if st else "white" for st in starts],
               linewidths=[2.0 if st else 0.8 for st in starts])
    if labels:
        for rung, y in zip(actor.ladder, ys):
            ax.annotate(
                _wrap(rung.label, label_width), (0.0, y), xytext=(-8, 0), textcoords="offset points", ha="right",
                va="center", fontsize=8, fontweight="bold" if rung.id == actor.start else "normal", linespacing=0.95,
            )
    ax.set_xlim(-1.4 if labels else -0.12, 1.05)
    ax.set_xticks([])
    count = f"{len(moves)} arc{'s' if len(moves) != 1 else ''}" if moves else "none"
    ax.set_xlabel(f"{'escalating' if up else 'de-escalating'}\nmoves ({count})", fontsize=8.5)


def _draw_strip(ax: Axes, scenario: Scenario, actor_id: str, x_max: float, *, labels: bool) -> None:
    """One actor's moves as a row per rung: escalating odds to the right, de-escalating to the left.

    Each side stacks the rung's moves (base daily odds, before modifiers), unconditional
    first; conditional ones are hatched. A text at the end of each stack gives its total and
    names any destination that is not the next rung up (or down).
    """
    actor = scenario.actor(actor_id)
    colour = actor_colour(scenario, actor_id)
    n = len(actor.ladder)
    moves = _actor_moves(scenario, actor_id)
    levels = [r.level for r in actor.ladder]
    for k in range(1, n):
        if levels[k] != levels[k - 1]:
            ax.axhline(k - 0.5, color="#dddddd", lw=0.6, zorder=0)
    for i, rung in enumerate(actor.ladder):
        for up in (True, False):
            out = sorted(((actor.position(b), cond, p) for (a, b, cond), p in moves.items()
                          if a == rung.id and (actor.position(b) > i) == up and p > 0),
                         key=lambda m: (m[1], abs(m[0] - i)))
            if not out:
                continue
            sign, left = (1.0 if up else -1.0), 0.0
            for j, cond, p in out:
                ax.barh(i, sign * p, left=sign * left, height=0.62, color=colour if up else _NEUTRAL,
                        alpha=0.45 if cond else 0.9, hatch="////" if cond else None, edgecolor="white", lw=0.4)
                left += p
            plain = sum(p for _, cond, p in out if not cond)
            extra = left - plain
            far = [textwrap.shorten(actor.ladder[j].label, 22, placeholder="...")
                   for j, _, _ in out if abs(j - i) > 1]
            note = (_percent(plain) if plain > 0 else "") + (f" +{_percent(extra)} if ..." if extra > 0 else "")
            more = f" +{len(far) - 2}" if len(far) > 2 else ""
            note = note.strip() + "".join(f" \u2192 {f}" for f in far[:2]) + more
            ax.annotate(note, (sign * left, i), xytext=(3 * sign, 0), textcoords="offset points",
                        ha="left" if up else "right", va="center", fontsize=6.5, color="#333333")
    ax.axvline(0.0, color="#333333", lw=0.8)
    ax.set_xlim(-x_max, x_max)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks(range(n))
    if labels:
        ax.set_yticklabels([f"{textwrap.shorten(r.label, 34, placeholder='...')} [{r.level}]" for r in actor.ladder],
                           fontsize=7)
        for tick, rung in zip(ax.get_yticklabels(), actor.ladder):
            if rung.id == actor.start:
                tick.set_fontweight("bold")
        ax.set_ylabel("Rung [level], lowest first; start in bold", fontsize=8.5)
    else:
        ax.set_yticklabels([])
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent(abs(v))))
    ax.set_xlabel("\u2190 de-escalating    base daily odds    escalating \u2192", fontsize=8.5)
    ax.grid(axis="x", color="#eeeeee", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    kind = " (exogenous)" if actor.kind == "exogenous" else ""
    ax.set_title(_wrap(f"{actor.id}: {actor.name}{kind}", 44), fontsize=10)


def _percent(v: float) -> str:
    """``1.2%``: two significant digits, as the odds in the other figures."""
    return _daily_odds(v).removesuffix("/day")


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
    from ..graph import compile_graph

    if max_joint <= 0:
        return None
    try:
        return compile_graph(scenario, max_states=max_joint)
    except GraphTooLargeError:
        return None


def _graph_figsize(scenario: Scenario, n_panels: int, joint: bool) -> tuple[float, float]:
    _, _, edges = _rung_layout(scenario)
    span = edges[-1] - edges[0]
    return (4.3 * n_panels + 3.9 * joint, max(6.5, 0.55 * span + 2.4))


def _strip_figsize(scenario: Scenario) -> tuple[float, float]:
    n = max(len(a.ladder) for a in scenario.actors)
    return (min(28.0, 2.8 + 4.2 * len(scenario.actors)), max(5.0, 0.2 * n + 2.2))


def _same_ladder(a: object, b: object) -> bool:
    def rungs(actor: object) -> list[tuple[str, str, int]]:
        return [(r.id, r.label, r.level) for r in actor.ladder]  # type: ignore[attr-defined]

    return rungs(a) == rungs(b)


def plot_graph(scenario: Scenario, *, fig: Figure | None = None, max_joint: int = 60, label_width: int = 20,
               layout: str = "auto") -> Figure:
    """Draw each actor's moves, and the joint chain when it is small.

    ``layout="arcs"``: two panels per actor, its rungs as nodes placed by level (as in
    :func:`plot_ladder`): on the left its escalating moves, on the right its de-escalating
    ones, so the many moves back down (often to one "talks" rung) do not hide the way up.
    Arcs nest by the distance they cover; their width grows by a fixed step per decade of
    base daily odds (before modifiers), so 0.01%/day and 0.1%/day look different.
    Escalating arcs take the actor's colour, de-escalating ones are grey, conditional moves
    (with ``when``) are dashed. When the joint chain may have at most ``max_joint`` states
    (by its size estimate, :func:`escalation.compiled.estimate_states`), a last panel draws it
    with its states placed and coloured by crisis level (staying is not drawn).

    ``layout="bars"``, the fallback for long ladders, where arcs cannot be told apart: one
    panel per actor, a row per rung (labelled, lowest first), with the base daily odds of
    its escalating moves as a bar to the right and of its de-escalating moves to the left,
    stacked by move (conditional ones hatched), each stack annotated with its total and any
    destination other than the next rung.

    Parameters
    ----------
    scenario : Scenario
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (it should be empty); a new one is made when omitted.
    max_joint : int, optional
        Largest joint chain drawn (arcs layout only); 0 never draws it.
    label_width : int, optional
        Characters per line of the rung labels (arcs layout).
    layout : {'auto', 'arcs', 'bars'}
        ``auto`` takes ``bars`` when some ladder has more than :data:`MAX_ARC_RUNGS` rungs.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For an unknown layout.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> fig = plot_graph(load_scenario("tutorial"))
    >>> len(fig.axes)  # two panels for each of two actors, and the joint chain
    5
    """
    if layout not in ("auto", "arcs", "bars"):
        raise ValueError(f"layout must be 'auto', 'arcs' or 'bars', found {layout!r}")
    if layout == "bars" or (layout == "auto" and max(len(a.ladder) for a in scenario.actors) > MAX_ARC_RUNGS):
        return _plot_graph_strip(scenario, fig=fig)
    graph = _compile_small(scenario, max_joint)
    n_actors = len(scenario.actors)
    if fig is None:
        fig = Figure(figsize=_graph_figsize(scenario, n_actors, graph is not None), layout="constrained")
    has_down = [any(actor.position(b) < actor.position(a) for (a, b, _) in _actor_moves(scenario, actor.id))
                for actor in scenario.actors]
    ratios = [r for down in has_down for r in (1.5, 0.75 if down else 0.3)] + ([1.5] if graph is not None else [])
    axes = fig.subplots(1, len(ratios), squeeze=False, gridspec_kw={"width_ratios": ratios})[0]
    positions, ticks, edges = _rung_layout(scenario)
    span = float(edges[-1] - edges[0])
    p_max = max((float(m.p or 0.0) for m in scenario.moves), default=0.0)
    if graph is not None:
        # One width scale for every panel, so that the key below applies to all.
        p_joint = (p for u, v, p in graph.networkx.edges(data="p") if u != v)  # type: ignore[attr-defined]
        p_max = max(p_max, max(p_joint, default=0.0))
    for k, actor in enumerate(scenario.actors):
        for side, up in enumerate((True, False)):
            ax = axes[2 * k + side]
            _draw_moves(ax, scenario, actor.id, positions, p_max, up=up, span=span, labels=up, label_width=label_width)
            _level_axis(ax, ticks, edges)
            first = k == 0 and up
            ax.tick_params(axis="y", which="both", left=first, labelleft=first)
            if first:
                ax.set_ylabel("Escalation level (0-10)")
            for spine in ("top", "right") if up else ("top", "right", "left"):
                ax.spines[spine].set_visible(False)
        kind = " (exogenous)" if actor.kind == "exogenous" else ""
        axes[2 * k].set_title(_wrap(f"{actor.id}: {actor.name}{kind}", 36), fontsize=10, loc="left")
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
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8.5, frameon=False,
               title="Arc width: base daily odds (log scale)", title_fontsize=8.5)
    fig.suptitle(f"Move graphs: {scenario.title}")
    return fig


def _plot_graph_strip(scenario: Scenario, *, fig: Figure | None) -> Figure:
    if fig is None:
        fig = Figure(figsize=_strip_figsize(scenario), layout="constrained")
    axes = fig.subplots(1, len(scenario.actors), squeeze=False)[0]
    # Room for the longest stack (one rung's moves in one direction) and its note.
    stack = max(sum(p for (a, b, _), p in _actor_moves(scenario, actor.id).items()
                    if a == r.id and (actor.position(b) > actor.position(a)) == up)
                for actor in scenario.actors for r in actor.ladder for up in (True, False))
    x_max = 1.6 * max(stack, 1e-9)
    for k, (ax, actor) in enumerate(zip(axes, scenario.actors)):
        labels = k == 0 or not _same_ladder(actor, scenario.actors[k - 1])
        _draw_strip(ax, scenario, actor.id, x_max, labels=labels)
    handles = [
        Patch(color=PALETTE[0], label="escalating (colour: actor)"),
        Patch(color=_NEUTRAL, label="de-escalating"),
        Patch(facecolor="#999999", alpha=0.45, hatch="////", edgecolor="white", label="conditional move (when ...)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8.5, frameon=False,
               title=("Moves out of each rung, stacked; \"+x% if ...\": conditional moves; "
                      "\u2192 names a destination other than the next rung"),
               title_fontsize=8.5)
    fig.suptitle(f"Moves by rung: {scenario.title}")
    return fig


def _width_examples(p_max: float) -> list[float]:
    """Two or three round daily odds spanning the scenario's range, for the width key."""
    if p_max <= 0:
        return []
    top = 10 ** math.floor(math.log10(p_max))
    return [p for p in (top / 100, top / 10, top) if p <= p_max][-3:]


