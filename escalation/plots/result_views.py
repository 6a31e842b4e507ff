"""Figures of results: odds over time, crisis-level fan, paths, first-hit days, tornado."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
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
    RARE,
    _KEY,
    _NEUTRAL,
    _N_LEVELS,
    _days_label,
    _new_axes,
    _probability_axis,
    _select,
    _use_log,
    _wrap,
    actor_colour,
    level_colour,
    target_colour,
    target_levels,
    target_linestyle,
)

if TYPE_CHECKING:
    from ..analysis import RunResult, Sensitivity
    from ..engines.paths import PathCount
    from ..scenario import Scenario


# --- odds -----------------------------------------------------------------------------------
def _band_note(half: float) -> str:
    """``at most ±0.31 pp``: the widest half-width of the bands, in percentage points."""
    return f"at most \u00b1{100 * half:.2g} pp"


def plot_odds(result: RunResult, *, ax: Axes | None = None, targets: Sequence[str] | None = None,
              log: bool | None = None) -> Axes:
    """Cumulative odds of each target by day.

    Each target has its own colour and line style (:func:`target_colour`,
    :func:`target_linestyle`). With both engines the line is the exact engine's and the
    shaded band the Monte Carlo 95% Wilson interval around its estimate, so the exact line
    should run inside the band; with Monte Carlo alone the line is its estimate. Bands are
    as wide as the sampling error: with many runs they are thinner than the line, so the
    legend states their largest half-width. Legend entries give each target's odds at the
    horizon (exact where computed).

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    targets : sequence of str, optional
        Target names; default all targets in the result.
    log : bool, optional
        A symlog probability axis (linear near 0, then one band per decade), so that rare
        targets do not vanish at the bottom. Default (None): log when some target's odds at
        the horizon are under :data:`RARE` (1%) and under a twentieth of the largest.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis import run
    >>> ax = plot_odds(run(load_scenario("tutorial"), runs=2_000, seed=1))
    >>> ax.get_ylabel(), ax.get_yscale()
    ('Probability target reached', 'linear')
    """
    scenario = result.scenario
    names = _select(result, targets)
    ax = _new_axes(ax, (10.0, 5.5))
    days = np.arange(result.horizon + 1)
    sim, exact = result.simulation, result.exact
    finals = {name: (result[name].exact if result[name].exact is not None else result[name].probability)
              for name in names}
    best = exact if exact is not None else sim
    assert best is not None
    half = 0.0
    for name in names:
        colour, ls = target_colour(scenario, name), target_linestyle(scenario, name)
        label = f"{name} ({format_share(finals[name])})"
        if sim is not None:
            low, high = sim.ci95_band(name)
            # Only where Monte Carlo has seen the target: before its first hit the band would be
            # [0, 3.7 / runs] on every day, a block that says nothing about the target.
            seen = np.cumsum(sim.first_hits[sim.targets.index(name)]) > 0
            half = max(half, float(np.max(high - low, where=seen, initial=0.0)) / 2)
            ax.fill_between(days, low, high, where=seen, color=colour, alpha=0.3, lw=0, zorder=2)
        ax.plot(days, best.cumulative()[best.targets.index(name)], color=colour, ls=ls, lw=1.8, label=label, zorder=3)
    handles, labels = ax.get_legend_handles_labels()
    engine_line = Line2D([], [], color=_KEY, lw=1.8)
    band = Patch(facecolor=_KEY, alpha=0.3, lw=0)
    if sim is not None and exact is not None:
        handles += [engine_line, band]
        labels += ["line: exact",
                   f"band: Monte Carlo 95% interval where it\nhit the target ({sim.runs:,} runs; {_band_note(half)})"]
    elif sim is not None:
        handles += [engine_line, band]
        labels += [f"line: Monte Carlo ({sim.runs:,} runs)", f"band: 95% interval ({_band_note(half)})"]
    else:
        handles.append(engine_line)
        labels.append("line: exact")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5,
              title=f"Target (odds by day {result.horizon})", title_fontsize=8.5, frameon=False)
    ax.set_xlim(0, result.horizon)
    use_log = _use_log(log, finals.values())
    positive = [v for v in finals.values() if v > 0]
    _probability_axis(ax, log=use_log, lowest=min(positive, default=RARE), highest=max(positive, default=1.0))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability target reached" + (" (symlog scale)" if use_log else ""))
    ax.set_title(f"Cumulative odds: {scenario.title}")
    ax.grid(color="#e5e5e5", lw=0.6)
    return ax


def format_share(p: float) -> str:
    """``38.1%`` (one decimal), ``0.04%`` below 1%, ``<0.0001%`` below one in a million, ``0%`` for zero."""
    if p == 0:
        return "0%"
    if p < 1e-6:
        return "<0.0001%"
    if p < 0.01:
        return f"{100 * p:.2g}%"
    return f"{100 * p:.1f}%"


# --- fan ------------------------------------------------------------------------------------
_VISIBLE = 5e-4  # share of runs below which a level's area or a threshold line cannot be seen


def _ranges(levels: list[int]) -> str:
    """``7-10`` or ``2, 7-10``: sorted whole numbers as runs."""
    runs: list[list[int]] = []
    for lv in levels:
        if runs and lv == runs[-1][1] + 1:
            runs[-1][1] = lv
        else:
            runs.append([lv, lv])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def plot_fan(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """The distribution of the crisis level over time, as stacked areas.

    Each day's probabilities of the crisis levels are stacked lowest level at the bottom,
    only levels that occur are drawn, coloured by level (:func:`level_colour`); levels that
    never reach 0.05% of runs share one legend entry. For each
    crisis level that a target implies (see :func:`target_levels`) above the level at the
    start, a line marks the boundary below that level: the share above the line is the
    probability that the crisis stands at or above that level *on that day* (occupancy), and
    the legend says so. That is not a target's odds, which count every run that ever reached
    it (the level can fall again): a note beside the legend gives those odds for comparison.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib import patheffects

    scenario = result.scenario
    ax = _new_axes(ax, (10.0, 5.5))
    odds = result.odds
    dist = np.asarray(odds.level_distribution(), dtype=float)
    days = np.arange(dist.shape[0])
    horizon = int(days[-1])
    present = [lv for lv in range(_N_LEVELS) if dist[:, lv].max() > 0]
    areas = ax.stackplot(
        days, *[dist[:, lv] for lv in present], colors=[level_colour(lv) for lv in present],
        edgecolor="white", linewidth=0.4,
    )
    # A threshold at or below the level at the start says nothing about escalation: skip it.
    model = compile_model(scenario)
    start_level = int(model.crisis_level(model.start[None, :])[0])
    by_level: dict[int, list[str]] = {}
    for name, level in target_levels(scenario, [t.name for t in result.targets]).items():
        if level > start_level:
            by_level.setdefault(level, []).append(name)
    styles = ("--", ":", "-.", (0, (8, 2, 1, 2, 1, 2)))
    halo = [patheffects.withStroke(linewidth=3.2, foreground="white")]
    lines, notes = [], []
    for k, level in enumerate(sorted(by_level)):
        share = dist[:, level:].sum(axis=1)
        notes += [f"  {name}: {format_share(odds.probability(name))} (level \u2265 {level})"
                  for name in by_level[level]]
        if share.max() < _VISIBLE:
            continue  # a line along the top edge would only hide the stack
        line, = ax.plot(days, 1.0 - share, color="black", lw=1.4, ls=styles[k % len(styles)], path_effects=halo,
                        label=f"level \u2265 {level} on the day\n({format_share(float(share[-1]))} on day {horizon})")
        lines.append(line)
    # Highest level on top, as in the stack; then the threshold lines. Levels that never reach
    # _VISIBLE share one entry: their areas are thinner than a line.
    shown = [k for k, lv in enumerate(present) if dist[:, lv].max() >= _VISIBLE]
    faint = [lv for lv in present if dist[:, lv].max() < _VISIBLE]
    handles = [areas[k] for k in shown[::-1]]
    labels = [f"level {present[k]}" for k in shown[::-1]]
    if faint:
        handles.append(Patch(facecolor="white", edgecolor="#999999", lw=0.6))
        labels.append(f"level{'s' if len(faint) > 1 else ''} {_ranges(faint)}: under "
                      f"{format_share(_VISIBLE)} every day")
    handles += lines
    labels += [line.get_label() for line in lines]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5,
              title="Crisis level on each day", title_fontsize=8.5, frameon=False)
    if notes:
        text = (f"Not the same: the odds of reaching\na target by day {horizon} (higher, as\n"
                f"the level can fall again)\n" + "\n".join(notes))
        ax.text(1.02, 0.0, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=8, linespacing=1.15,
                color="#333333")
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability of crisis level")
    engine = "exact" if result.exact is not None else "Monte Carlo"
    ax.set_title(f"Crisis level over time ({engine}): {scenario.title}")
    return ax


# --- paths ----------------------------------------------------------------------------------
#: Characters per line of a path label in :func:`plot_paths`.
PATH_LABEL_WIDTH = 56
#: Lines per path label at most; a longer description ends in " ...".
PATH_LABEL_LINES = 3


def _compress_rungs(rungs: list[str], label: Callable[[str], str]) -> str:
    """``A -> B <-> C x3 -> D``: a walk along one ladder, back-and-forth runs of two or more moves folded."""
    out = [label(rungs[0])]
    i, last = 0, len(rungs) - 1
    while i < last:
        a, b = rungs[i], rungs[i + 1]
        j = i + 1
        while j < last and rungs[j + 1] == (a if (j + 1 - i) % 2 == 0 else b):
            j += 1
        if j - i >= 2:
            out.append(f" <-> {label(b)} x{j - i}")
        else:
            out.append(f" -> {label(b)}")
        i = j
    return "".join(out)


def describe_path(path: PathCount, scenario: Scenario | None = None) -> str:
    """A path in one line, with oscillations compressed.

    Consecutive moves of one actor are chained (``US: A -> B -> C``), a back-and-forth
    between two rungs over two or more moves is folded (``US: strikes <-> blockade x3`` is
    three moves that end on ``blockade``), and the actors' turns are joined by ``, then``.

    Parameters
    ----------
    path : PathCount
        One of :attr:`Simulation.top_paths <escalation.engines.montecarlo.Simulation.top_paths>`.
    scenario : Scenario, optional
        For rung labels; rung ids without it.

    Returns
    -------
    str

    Examples
    --------
    >>> from escalation.engines.paths import PathCount
    >>> moves = (("US", "strikes", "blockade"), ("US", "blockade", "strikes"), ("US", "strikes", "blockade"),
    ...          ("VEN", "alert", "retaliation"))
    >>> describe_path(PathCount(moves=moves, truncated=False, count=1))
    'US: strikes <-> blockade x3, then VEN: alert -> retaliation'
    """
    if not path.moves:
        return "no change"

    def labeller(actor: str) -> Callable[[str], str]:
        if scenario is None:
            return str
        who = scenario.actor(actor)
        return lambda rung: who.rung(rung).label

    turns: list[tuple[str, list[str]]] = []
    for actor, start, to in path.moves:
        if turns and turns[-1][0] == actor and turns[-1][1][-1] == start:
            turns[-1][1].append(to)
        else:
            turns.append((actor, [start, to]))
    text = ", then ".join(f"{actor}: {_compress_rungs(rungs, labeller(actor))}" for actor, rungs in turns)
    return text + (", then ..." if path.truncated else "")


def path_label(path: PathCount, scenario: Scenario | None = None, *, width: int = PATH_LABEL_WIDTH,
               max_lines: int = PATH_LABEL_LINES) -> str:
    """:func:`describe_path` wrapped to ``width`` characters on at most ``max_lines`` lines.

    Lines are not indented; a description that does not fit ends in `` ...``.
    """
    lines = textwrap.wrap(describe_path(path, scenario), width=width, max_lines=max_lines, placeholder=" ...",
                          break_on_hyphens=False)
    return "\n".join(lines)


def _paths_figsize(n_paths: int) -> tuple[float, float]:
    return (14.0, max(5.5, n_paths * (0.16 * PATH_LABEL_LINES + 0.22) + 1.6))


def plot_paths(result: RunResult, *, fig: Figure | None = None, n_paths: int = 10, n_traces: int = 50) -> Figure:
    """Sample trajectories of the crisis level, and the most frequent escalation paths.

    Left: the crisis level of the first ``n_traces`` simulated trajectories, as faint step
    lines with a small fixed vertical jitter so that they do not hide one another, and the
    mean crisis level (exact where computed). Right: the ``n_paths`` most frequent paths,
    each a sequence of rung changes up to the first target reached (or the horizon), as
    horizontal bars of their share of runs, coloured by the actor that moved first. Labels
    are :func:`path_label`: oscillations folded, at most :data:`PATH_LABEL_LINES` lines.

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
        fig = Figure(figsize=_paths_figsize(min(n_paths, len(sim.top_paths))), layout="constrained")
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

    # Right: the most frequent paths, one slot per path (labels have at most PATH_LABEL_LINES lines).
    paths = sim.top_paths[:n_paths]
    labels = [path_label(p, scenario) for p in paths]
    colours = [actor_colour(scenario, p.moves[0][0]) if p.moves else _NEUTRAL for p in paths]
    centres = np.arange(len(paths), dtype=float)
    shares = np.array([p.count / sim.runs for p in paths])
    ax_bars.barh(centres, shares, height=0.6, color=colours)
    for y, share in zip(centres, shares):
        ax_bars.annotate(format_share(float(share)), (share, y), xytext=(3, 0), textcoords="offset points",
                         va="center", fontsize=8)
    ax_bars.set_yticks(centres)
    ax_bars.set_yticklabels(labels, fontsize=8, linespacing=1.0)
    for tick in ax_bars.get_yticklabels():
        tick.set_multialignment("left")  # the block stays right-aligned to its bar
    ax_bars.set_ylim(len(paths) - 0.5 if paths else 0.5, -0.5)
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
                   bin_days: int | None = None, log: bool | None = None) -> Axes:
    """When each target is first reached: the distribution of the first-hit day.

    Drawn as steps of the probability of a first hit per day, averaged over bins of
    ``bin_days`` days (unconditional: each target's steps add up, over the horizon, to its
    odds). Each target has its own colour and line style; the exact distribution, where
    computed, is the thick line and the Monte Carlo estimate the thin pale one.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new Figure is made when omitted.
    targets : sequence of str, optional
        Target names; default all targets in the result.
    bin_days : int, optional
        Bin width in days; default 1 for horizons up to 45 days, else 7.
    log : bool, optional
        A symlog probability axis, as in :func:`plot_odds` (default: the same automatic rule,
        on the targets' odds at the horizon).

    Returns
    -------
    matplotlib.axes.Axes
    """
    scenario = result.scenario
    names = _select(result, targets)
    ax = _new_axes(ax, (10.0, 5.5))
    edges = _bins(result.horizon, bin_days)
    sim, exact = result.simulation, result.exact
    finals = {name: (result[name].exact if result[name].exact is not None else result[name].probability)
              for name in names}
    peaks = []
    for name in names:
        colour, ls = target_colour(scenario, name), target_linestyle(scenario, name)
        label = f"{name} ({format_share(finals[name])})"
        if sim is not None:
            values = _per_day(sim.first_day_pmf(name), edges)
            peaks.append(float(values.max()))
            ax.stairs(values, edges, color=colour, ls=ls, baseline=None, zorder=2,
                      **({"lw": 1.0, "alpha": 0.5} if exact is not None else {"lw": 1.8, "label": label}))
        if exact is not None:
            values = _per_day(exact.first_day_pmf(name), edges)
            peaks.append(float(values.max()))
            ax.stairs(values, edges, color=colour, lw=1.8, ls=ls, label=label, baseline=None, zorder=3)
    handles, labels = ax.get_legend_handles_labels()
    if sim is not None and exact is not None:
        handles += [Line2D([], [], color=_KEY, lw=1.8), Line2D([], [], color=_KEY, lw=1.0, alpha=0.5)]
        labels += ["thick: exact", f"thin: Monte Carlo ({sim.runs:,} runs)"]
    else:
        handles.append(Line2D([], [], color=_KEY, lw=1.8))
        labels.append("exact" if exact is not None else f"Monte Carlo ({sim.runs:,} runs)")  # type: ignore[union-attr]
    width = int(edges[1] - edges[0]) if edges.size > 1 else 1
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5,
              title=f"Target (odds by day {result.horizon})", title_fontsize=8.5, frameon=False)
    ax.set_xlim(0, result.horizon + 1)
    use_log = _use_log(log, finals.values())
    positive = [v for v in peaks if v > 0]
    # On the symlog axis, the smallest peak decides the lowest decade shown.
    _probability_axis(ax, log=use_log, lowest=min(positive, default=RARE) / 3, highest=max(positive, default=1.0))
    if not use_log:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(_days_label(scenario))
    ax.set_ylabel("Probability of first hit per day" + (f"\n(mean over {width}-day bins)" if width > 1 else "")
                  + (", symlog scale" if use_log else ""))
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
    for values, colour, label in ((low, PALETTE[0], data.low_label), (high, PALETTE[1], data.high_label)):
        ok = ~np.isnan(values)  # NaN: the variant was invalid (an actor's outgoing odds above 1)
        ax.barh(y[ok], values[ok] - data.base, left=data.base, height=0.6, color=colour, label=label)
    ticks = [_wrap(text, 48) + ("\n(" + data.high_label + ": outgoing odds > 1)" if np.isnan(h) else "")
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
