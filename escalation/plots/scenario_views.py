"""Figures of a scenario alone: the ladders and the move graphs."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import ScaledTranslation

from ..compiled import compile_model
from ..errors import GraphTooLargeError
from ..scenario import MAX_LEVEL, MIN_LEVEL

from ._common import (  # shared helpers
    PALETTE,
    _HIGHLIGHT,
    _NEUTRAL,
    _daily_odds,
    _level_bands,
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
    from ..graph import compile_graph

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
    are grey and bend less. Conditional moves (with ``when``) are dashed. When the joint
    chain may have at most ``max_joint`` states (by its size estimate,
    :func:`escalation.compiled.estimate_states`), a last panel draws it with its states
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


