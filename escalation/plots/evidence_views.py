"""Figures of evidence: a backtest's odds over time and its reliability diagram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ._common import _target_linestyle, _wrap, target_colour

if TYPE_CHECKING:
    from ..evidence import Backtest

__all__ = ["plot_backtest"]


def plot_backtest(backtest: Backtest, *, fig: Figure | None = None, horizon: int | None = None,
                  targets: Sequence[str] | None = None, bins: int = 10) -> Figure:
    """A backtest: forecast odds over the as-of dates, and a reliability diagram.

    Left: for each target, the nowcast odds of reaching it within ``horizon`` days, by as-of
    date, with the outcome marked at each date (filled: reached in the window; open: not
    reached; none: censored or already holding) and a dotted vertical line on each day the
    log shows the target starting to hold. Right: the reliability diagram of all scored
    cases of that horizon: observed frequency against mean forecast per probability bin,
    with 95% Wilson intervals, point area proportional to the number of cases, and the
    diagonal of perfect calibration.

    Parameters
    ----------
    backtest : Backtest
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (it should be empty); a new one is made when omitted.
    horizon : int, optional
        Which horizon; default the shortest (the one with the most scored cases).
    targets : sequence of str, optional
        Default all the backtest's targets.
    bins : int, optional
        Bins of the reliability diagram.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For a horizon the backtest did not score.
    KeyError
        For a target it does not have.
    """
    h = backtest.horizons[0] if horizon is None else horizon
    if h not in backtest.horizons:
        raise ValueError(f"horizon {h!r} not in the backtest's horizons {list(backtest.horizons)}")
    names = list(backtest.targets) if targets is None else list(targets)
    for name in names:
        if name not in backtest.targets:
            raise KeyError(f"unknown target {name!r}; in this backtest: {', '.join(backtest.targets)}")
    scenario = backtest.scenario
    if fig is None:
        fig = Figure(figsize=(13.0, 5.5), layout="constrained")
    ax_time, ax_rel = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1.0]})

    for name in names:
        colour, style = target_colour(scenario, name), _target_linestyle(scenario, name)
        cases = [c for c in backtest.cases if c.target == name and c.horizon == h]
        dates = [c.as_of for c in cases]
        ax_time.plot(dates, [c.probability for c in cases], color=colour, ls=style, lw=1.6, label=name)
        for status, face in (("reached", colour), ("not_reached", "white")):
            sel = [c for c in cases if c.status == status]
            if sel:
                ax_time.scatter([c.as_of for c in sel], [c.probability for c in sel], s=22, zorder=3,
                                facecolors=face, edgecolors=colour, linewidths=1.2)
        for day in backtest.entered.get(name, ()):
            ax_time.axvline(day, color=colour, ls=":", lw=1.2)
    ax_time.axvline(backtest.complete_until, color="#777777", lw=1.0, ls="--")
    ax_time.text(backtest.complete_until, 1.0, " record ends", color="#555555", fontsize=8, va="top",
                 transform=ax_time.get_xaxis_transform())
    ax_time.set_ylim(0.0, 1.0)
    ax_time.set_xlabel("As-of date")
    ax_time.set_ylabel(f"Probability target reached within {h} days")
    ax_time.set_title(_wrap(f"Nowcast odds by as-of date: {scenario.title}", 80), fontsize=10)
    ax_time.legend(fontsize=8, loc="upper left", title="filled: reached in window; open: not; dotted: log reaches it", title_fontsize=7)
    for label in ax_time.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")

    table = [b for b in backtest.calibration(bins=bins, horizon=h) if b.n]
    ax_rel.plot([0, 1], [0, 1], color="#777777", lw=1.0, ls="--", label="perfect calibration")
    if table:
        x = np.array([b.mean_forecast for b in table])
        y = np.array([b.observed for b in table])
        err = np.array([[b.observed - b.ci95[0] for b in table], [b.ci95[1] - b.observed for b in table]])
        n = np.array([b.n for b in table], dtype=float)
        ax_rel.errorbar(x, y, yerr=err, fmt="none", ecolor="#0072B2", elinewidth=1.0, capsize=3)
        ax_rel.scatter(x, y, s=20 + 180 * n / n.max(), color="#0072B2", zorder=3,
                       label=f"{int(n.sum())} scored cases in {len(table)} bins")
    else:
        ax_rel.text(0.5, 0.5, "no scored cases\n(every window censored)", ha="center", va="center",
                    transform=ax_rel.transAxes, color="#555555")
    ax_rel.set_xlim(0.0, 1.0)
    ax_rel.set_ylim(0.0, 1.0)
    ax_rel.set_aspect("equal")
    ax_rel.set_xlabel("Mean forecast probability")
    ax_rel.set_ylabel("Observed frequency")
    summary = next(s for s in backtest.summary() if s.group == f"horizon={h}")
    brier = "-" if math.isnan(summary.brier) else f"{summary.brier:.4f}"
    ax_rel.set_title(f"Reliability, {h}-day windows (Brier {brier})", fontsize=10)
    ax_rel.legend(fontsize=8, loc="upper left")
    return fig
