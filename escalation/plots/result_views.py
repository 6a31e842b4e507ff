"""Figures of results: odds over time, crisis-level fan, paths, first-hit days, tornado."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from ..compiled import compile_model
from ..scenario import MAX_LEVEL, MIN_LEVEL

from ._common import (  # shared helpers
    PALETTE,
    _NEUTRAL,
    _N_LEVELS,
    _days_label,
    _new_axes,
    _select,
    _target_linestyle,
    _wrap,
    actor_colour,
    level_colour,
    target_colour,
    target_levels,
)

if TYPE_CHECKING:
    from ..analysis import RunResult
    from ..analysis import Sensitivity


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
    >>> from escalation.analysis import run
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
        final = format_share(result[name].probability)
        if result.simulation is not None:
            sim = result.simulation
            low, high = sim.ci95_band(name)
            ax.fill_between(days, low, high, color=colour, alpha=0.18, lw=0)
            ax.plot(days, sim.cumulative()[sim.targets.index(name)], color=colour, lw=2.4, ls=ls, alpha=0.55,
                    label=f"{name} ({final})")
        if result.exact is not None:
            ex = result.exact
            ax.plot(days, ex.cumulative()[ex.targets.index(name)], color=colour, lw=1.4, ls="--" if has_mc else ls,
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
    model = compile_model(scenario)
    start_level = int(model.crisis_level(model.start[None, :])[0])
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
    levels = (compile_model(scenario).crisis_level(sample.reshape(-1, sample.shape[2])).reshape(n, -1) if n
              else np.zeros((0, days.size)))
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
            ax.stairs(_per_day(sim.first_day_pmf(name), edges), edges, color=colour, lw=1.6, ls=ls, label=label, baseline=None)
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




def plot_tornado(sensitivity: Sensitivity, *, ax: Axes | None = None, top: int = 10) -> Axes:
    """Tornado chart of a one-at-a-time sweep from :func:`escalation.analysis.sensitivity`.

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
    >>> from escalation.analysis import sensitivity
    >>> ax = plot_tornado(sensitivity(load_scenario("tutorial"), target="blue_strikes"), top=3)
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (3, 'Probability of blue_strikes within 60 days')
    """
    from ..analysis import tornado_data

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
