"""Figures of scenarios and results, with matplotlib.

Every ``plot_*`` function draws into the Axes (or Figure) it is given and returns it; it
creates a new :class:`matplotlib.figure.Figure` only when none is given, and never calls
``pyplot.show`` or ``savefig``. This is the only subpackage that imports
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

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from ._common import KINDS, PALETTE, actor_colour, level_colour, target_colour, target_levels
from ._common import _require_result, _rung_layout
from .result_views import format_share, plot_fan, plot_first_hit, plot_odds, plot_paths, plot_tornado
from .scenario_views import plot_graph, plot_ladder

if TYPE_CHECKING:
    from ..analysis import RunResult
    from ..scenario import Scenario

__all__ = [
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
    "plot_tornado",
]


# --- dispatch -------------------------------------------------------------------------------
def needs_result(kind: str) -> bool:
    """Whether figure ``kind`` needs a :class:`~escalation.analysis.RunResult` (ladder and graph do not).

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


