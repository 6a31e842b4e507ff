"""Figures of scenarios and results, with matplotlib.

Every ``plot_*`` function draws into the Axes (or Figure) it is given and returns it; it
creates a new :class:`matplotlib.figure.Figure` only when none is given, and never calls
``pyplot.show`` or ``savefig``. This is the only subpackage that imports
matplotlib, so ``import escalation`` stays light.

=================  ==========================  =================================================
kind               function                    shows
=================  ==========================  =================================================
``ladder``         :func:`plot_ladder`         the actors' ladders on the common 0-10 scale
``graph``          :func:`plot_graph`          each actor's moves up and down (and the joint chain)
``odds``           :func:`plot_odds`           cumulative odds of each target by day
``fan``            :func:`plot_fan`            the crisis-level distribution over time
``paths``          :func:`plot_paths`          sample trajectories and the top escalation paths
``first-hit``      :func:`plot_first_hit`      when each target is first reached
=================  ==========================  =================================================

:func:`make_figure` builds a Figure of a sensible size for a kind; the command line
``escalation plot`` calls it and saves the result.

Colours: actors and targets take :data:`PALETTE` in file order (12 colours that stay apart
for the common forms of colour blindness, the first six Okabe-Ito's); targets also take a
line style (:func:`target_linestyle`: the first six solid, the next six dashed), and crisis
levels a perceptually uniform sequential map (:func:`level_colour`), so a given actor,
target or level looks the same in every figure of a scenario. Legend keys for engines and
bands are grey, which no target takes.

Probability axes (``odds``, ``first-hit``) take ``log=``: True for a symlog axis, False for
a linear one, None (default) for symlog when a target is rare (under :data:`RARE` at the
horizon and under a twentieth of the largest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from ._common import (
    KINDS,
    LOG_KINDS,
    PALETTE,
    RARE,
    TARGET_LINESTYLES,
    actor_colour,
    level_colour,
    target_colour,
    target_levels,
    target_linestyle,
)
from ._common import _require_result, _rung_layout
from .result_views import (
    PATH_LABEL_LINES,
    PATH_LABEL_WIDTH,
    describe_path,
    format_share,
    path_label,
    plot_fan,
    plot_first_hit,
    plot_odds,
    plot_paths,
    plot_tornado,
)
from .distribution_views import (
    compare_figure,
    plot_compare,
    plot_pool,
    plot_uncertainty,
    plot_uncertainty_band,
    uncertainty_figure,
)
from .evidence_views import plot_backtest
from .scenario_views import MAX_ARC_RUNGS, plot_graph, plot_ladder

if TYPE_CHECKING:
    from ..analysis import RunResult
    from ..scenario import Scenario

__all__ = [
    "KINDS",
    "LOG_KINDS",
    "compare_figure",
    "plot_backtest",
    "plot_compare",
    "plot_pool",
    "plot_uncertainty",
    "plot_uncertainty_band",
    "uncertainty_figure",
    "PALETTE",
    "RARE",
    "TARGET_LINESTYLES",
    "MAX_ARC_RUNGS",
    "PATH_LABEL_LINES",
    "PATH_LABEL_WIDTH",
    "actor_colour",
    "target_colour",
    "target_linestyle",
    "level_colour",
    "target_levels",
    "format_share",
    "describe_path",
    "path_label",
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


def make_figure(kind: str, scenario: Scenario, result: RunResult | None = None, *, log: bool | None = None) -> Figure:
    """A Figure of ``kind`` for ``scenario`` (and ``result``), sized for the kind.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    scenario : Scenario
    result : RunResult, optional
        Needed for the kinds where :func:`needs_result` is true; its scenario is used.
    log : bool, optional
        Scale of the probability axis of the kinds in :data:`LOG_KINDS` (see
        :func:`plot_odds`); None chooses. Other kinds have no such axis and take only None.

    Returns
    -------
    matplotlib.figure.Figure
        Not managed by pyplot: save it with ``fig.savefig(path, bbox_inches="tight")``.

    Raises
    ------
    ValueError
        For an unknown kind, a kind that needs a result when none is given, ``paths``
        on a result without Monte Carlo, or ``log`` given for a kind not in :data:`LOG_KINDS`.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> fig = make_figure("ladder", load_scenario("tutorial"))
    >>> fig.axes[0].get_title()
    'Escalation ladders: Tutorial: two rivals on three-rung ladders'
    """
    if needs_result(kind):
        result = _require_result(kind, result)
    if log is not None and kind not in LOG_KINDS:
        raise ValueError(f"the {kind!r} figure has no probability axis to put on a log scale; "
                         f"log applies to {', '.join(LOG_KINDS)}")
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
        plot_odds(result, ax=ax, log=log)
    elif kind == "fan":
        plot_fan(result, ax=ax)
    else:
        plot_first_hit(result, ax=ax, log=log)
    return fig


