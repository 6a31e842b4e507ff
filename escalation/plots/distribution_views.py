"""Figures of odds as distributions: parameter uncertainty, two scenarios compared, pooled analysts.

=================  ============================  =================================================
kind               function                      shows
=================  ============================  =================================================
``uncertainty``    :func:`uncertainty_figure`    each target's odds over the draws
                                                 (:func:`plot_uncertainty`) and the cumulative
                                                 curves as bands (:func:`plot_uncertainty_band`)
``compare``        :func:`compare_figure`        two scenarios' odds and the difference
                                                 (:func:`plot_compare`)
=================  ============================  =================================================

:func:`plot_pool` draws a pooled forecast. Like every ``plot_*`` function, these draw into the
Axes they are given (a new Figure only when none is) and return it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from ._common import PALETTE, _new_axes, target_colour

if TYPE_CHECKING:
    from ..analysis.pooling import PooledForecast
    from ..analysis.uncertainty import UncertainOdds
    from ..analysis.whatif import ScenarioComparison

__all__ = ["compare_figure", "plot_compare", "plot_pool", "plot_uncertainty", "plot_uncertainty_band",
           "uncertainty_figure"]

_KEY = "#555555"


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%" if p >= 0.01 or p == 0 else f"{100 * p:.2g}%"


def _chosen(names: Sequence[str], targets: Sequence[str] | None) -> list[str]:
    if targets is None:
        return list(names)
    for t in targets:
        if t not in names:
            raise KeyError(f"unknown target {t!r}; in this result: {', '.join(names)}")
    return [n for n in names if n in set(targets)]


def _violin(x: np.ndarray, width: float = 0.4, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian kernel density of ``x`` (Silverman's bandwidth) scaled to half-width ``width`` at its peak."""
    x = np.asarray(x, dtype=np.float64)
    sd = float(x.std(ddof=1))
    iqr = float(np.subtract(*np.quantile(x, [0.75, 0.25])))
    bw = 0.9 * min(sd, iqr / 1.34 if iqr > 0 else sd) * x.size ** -0.2
    bw = bw if bw > 0 else max(sd, 1e-12)
    grid = np.linspace(max(0.0, x.min() - 3 * bw), min(1.0, x.max() + 3 * bw), points)
    density = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / bw) ** 2).sum(axis=1)
    return grid, width * density / density.max()


# --- uncertainty ------------------------------------------------------------------------------
def plot_uncertainty(result: UncertainOdds, *, ax: Axes | None = None, targets: Sequence[str] | None = None) -> Axes:
    """The distribution of each target's odds over the parameter draws.

    One row per target: the density of the draws' odds (a violin), a bar over the 90%
    interval with a tick at the median, and a diamond at the point-value odds. Without
    uncertain numbers only the diamonds are drawn.

    Parameters
    ----------
    result : UncertainOdds
        From :func:`escalation.analysis.uncertainty.uncertain_odds`.
    ax : matplotlib.axes.Axes, optional
    targets : sequence of str, optional
        Default all targets of the result.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis.uncertainty import uncertain_odds
    >>> ax = plot_uncertainty(uncertain_odds(load_scenario("tutorial"), draws=50, seed=1))
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (4, 'Probability within 60 days')
    """
    names = _chosen([t.name for t in result.targets], targets)
    ax = _new_axes(ax, (10.0, 1.4 + 0.55 * len(names)))
    y = np.arange(len(names))
    scenario = result.scenario
    for i, name in enumerate(names):
        t = result[name]
        colour = target_colour(scenario, name)
        if result.n_valid > 1 and t.high > t.low:
            grid, half = _violin(result.target_odds(name))
            ax.fill_between(grid, i - half, i + half, color=colour, alpha=0.35, lw=0)
        ax.plot([t.low, t.high], [i, i], color=colour, lw=3.0, solid_capstyle="butt")
        ax.plot([t.median], [i], marker="|", ms=14, mew=2.0, color="#222222")
        ax.plot([t.point], [i], marker="D", ms=6, color="white", mec="#222222", mew=1.2, ls="none")
        ax.annotate(f"{_pct(t.median)} [{_pct(t.low)}, {_pct(t.high)}]", (t.high, i), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0.0)
    ax.set_xlabel(f"Probability within {result.horizon} days")
    what = (f"{result.n_valid:,} draws of {len(result.parameters)} uncertain numbers" if result.has_uncertainty
            else "no uncertain numbers: point odds only")
    ax.set_title(f"Odds under parameter uncertainty ({what})")
    handles = [Patch(facecolor=_KEY, alpha=0.35, lw=0), Line2D([], [], color=_KEY, lw=3.0),
               Line2D([], [], color="#222222", marker="|", ms=12, mew=2.0, ls="none"),
               Line2D([], [], color="white", marker="D", mec="#222222", ls="none")]
    labels = ["density of the draws", "90% interval", "median", "point values"]
    ax.legend(handles, labels, loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax


def plot_uncertainty_band(result: UncertainOdds, *, ax: Axes | None = None,
                          targets: Sequence[str] | None = None) -> Axes:
    """The cumulative odds of each target by day: median over the draws, 90% band, point values dashed.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis.uncertainty import uncertain_odds
    >>> ax = plot_uncertainty_band(uncertain_odds(load_scenario("tutorial"), draws=50, seed=1))
    >>> len(ax.lines), ax.get_ylabel()
    (8, 'Probability target reached by the day')
    """
    names = _chosen([t.name for t in result.targets], targets)
    ax = _new_axes(ax, (10.0, 5.5))
    days = np.arange(result.horizon + 1)
    scenario = result.scenario
    for name in names:
        colour = target_colour(scenario, name)
        lo, med, hi = result.band(name)
        ax.fill_between(days, lo, hi, color=colour, alpha=0.22, lw=0)
        ax.plot(days, med, color=colour, lw=1.8, label=f"{name} ({_pct(result[name].median)})")
        j = [t.name for t in result.targets].index(name)
        ax.plot(days, result.point_curves[j], color=colour, lw=1.0, ls="--")
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color=_KEY, lw=1.8), Patch(facecolor=_KEY, alpha=0.22, lw=0),
                Line2D([], [], color=_KEY, lw=1.0, ls="--")]
    labels += ["median over the draws", "90% band", "point values"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False,
              title=f"Target (median by day {result.horizon})", title_fontsize=8.5)
    ax.set_xlim(0, result.horizon)
    ax.set_ylim(0, None)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    as_of = scenario.as_of
    ax.set_xlabel(f"Days from {as_of.isoformat()}" if as_of is not None else "Days from start")
    ax.set_ylabel("Probability target reached by the day")
    ax.set_title(f"Cumulative odds under parameter uncertainty: {scenario.title}")
    ax.grid(color="#e5e5e5", lw=0.6)
    return ax


def uncertainty_figure(result: UncertainOdds) -> Figure:
    """A Figure with :func:`plot_uncertainty` above :func:`plot_uncertainty_band` (plot kind ``uncertainty``)."""
    n = len(result.targets)
    fig = Figure(figsize=(11.0, 6.5 + 0.55 * n), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[1.4 + 0.55 * n, 5.0])
    plot_uncertainty(result, ax=top)
    plot_uncertainty_band(result, ax=bottom)
    return fig


# --- two scenarios --------------------------------------------------------------------------------
def plot_compare(comparison: ScenarioComparison, *, ax: Axes | None = None,
                 targets: Sequence[str] | None = None) -> Axes:
    """Each target's odds under two scenarios, joined by an arrow, with the difference and its interval.

    The exact values are used where both were computed, else the Monte Carlo estimates; the
    label at the right gives the difference and its 95% interval.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis.whatif import compare_scenarios
    >>> s = load_scenario("tutorial")
    >>> ax = plot_compare(compare_scenarios(s, s.with_start(RED="mobilised"), runs=2_000, seed=1))
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (4, 'Probability within 60 days')
    """
    names = _chosen(list(comparison.targets), targets)
    ax = _new_axes(ax, (10.0, 1.6 + 0.55 * len(names)))
    a_name, b_name = comparison.names
    highest = max([max(comparison[n].a.probability, comparison[n].b.probability) for n in names], default=0.0)
    right = min(1.0, 1.35 * highest) if highest > 0 else 1.0
    for i, name in enumerate(names):
        r = comparison[name]
        exact = r.exact_difference is not None
        a = r.a.exact if exact else r.a.probability
        b = r.b.exact if exact else r.b.probability
        ax.annotate("", xy=(b, i), xytext=(a, i), arrowprops={"arrowstyle": "->", "color": "#888888", "lw": 1.2})
        ax.plot([a], [i], marker="o", ms=7, color=PALETTE[0], ls="none")
        ax.plot([b], [i], marker="o", ms=7, color=PALETTE[1], ls="none")
        d = r.exact_difference if exact else r.difference
        text = f"{'+' if d >= 0 else ''}{100 * d:.2f} pts"
        if r.ci95 is not None and not exact:
            text += f" [{100 * r.ci95[0]:+.2f}, {100 * r.ci95[1]:+.2f}]"
        if max(a, b) > 0.75 * right:  # no room on the right: the label above the middle of the arrow
            ax.annotate(text, ((a + b) / 2, i), xytext=(0, 5), textcoords="offset points", va="bottom", ha="center",
                        fontsize=8)
        else:
            ax.annotate(text, (max(a, b), i), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(np.arange(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(0.0, right)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"Probability within {comparison.horizon} days")
    ax.set_title(f"{a_name} -> {b_name}: odds and difference")
    handles = [Line2D([], [], marker="o", color=PALETTE[0], ls="none"),
               Line2D([], [], marker="o", color=PALETTE[1], ls="none")]
    ax.legend(handles, [a_name, b_name], loc="lower right", fontsize=8.5, frameon=False)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax


def compare_figure(comparison: ScenarioComparison) -> Figure:
    """A Figure of :func:`plot_compare` (plot kind ``compare``)."""
    fig = Figure(figsize=(10.0, 1.8 + 0.55 * len(comparison)), layout="constrained")
    plot_compare(comparison, ax=fig.add_subplot())
    return fig


# --- pooled analysts ------------------------------------------------------------------------------
def plot_pool(pooled: PooledForecast, *, ax: Axes | None = None, targets: Sequence[str] | None = None) -> Axes:
    """Each analyst's odds per target, with the linear and logarithmic pools.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis.pooling import pool
    >>> s = load_scenario("tutorial")
    >>> ax = plot_pool(pool({"a": s, "b": s.with_start(RED="mobilised")}))
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (4, 'Probability within 60 days')
    """
    names = _chosen([t.name for t in pooled.targets], targets)
    ax = _new_axes(ax, (10.0, 1.6 + 0.55 * len(names)))
    n_files = len(pooled.names)
    offsets = np.linspace(-0.18, 0.18, n_files) if n_files > 1 else np.zeros(1)
    for i, name in enumerate(names):
        t = pooled[name]
        ax.plot([t.low, t.high], [i, i], color="#cccccc", lw=1.0, zorder=1)
        for k, p in enumerate(t.odds):
            ax.plot([p], [i + offsets[k]], marker="o", ms=6, color=PALETTE[k % len(PALETTE)], ls="none", zorder=2)
        ax.plot([t.linear], [i], marker="|", ms=16, mew=2.2, color="#111111", ls="none", zorder=3)
        if np.isfinite(t.log):
            ax.plot([t.log], [i], marker="D", ms=5, color="white", mec="#111111", ls="none", zorder=3)
    ax.set_yticks(np.arange(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(left=0.0)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"Probability within {pooled.horizon} days")
    ax.set_title(f"{n_files} analysts pooled ({pooled.method} pool as headline)")
    handles = [Line2D([], [], marker="o", color=PALETTE[k % len(PALETTE)], ls="none") for k in range(n_files)]
    handles += [Line2D([], [], marker="|", ms=12, mew=2.2, color="#111111", ls="none"),
                Line2D([], [], marker="D", color="white", mec="#111111", ls="none")]
    labels = [f"{n} (weight {w:g})" for n, w in zip(pooled.names, pooled.weights)] + ["linear pool", "log pool"]
    ax.legend(handles, labels, loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax
