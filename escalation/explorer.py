"""A live what-if explorer for Jupyter: sliders on the moves that matter most, exact odds redrawn.

:func:`explore` ranks a scenario's moves by how far moving each across its stated range swings
the odds of any target (:func:`rank_moves`), puts a slider on the top few, and on every change
swaps the new numbers into the compiled model (:meth:`~escalation.compiled.CompiledModel.with_numbers`:
nothing is re-explored) and re-solves with the exact engine. On ``venezuela-2025`` (560 joint
states) an update, solve and redraw, takes a few tens of milliseconds.

The sliders need ``ipywidgets`` (the ``explore`` extra); everything else, :class:`Explorer`'s
methods included, works without it, so the same what-if can be scripted and tested.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .analysis.tables import format_probability, html_table, text_table
from .compiled import DEFAULT_MAX_STATES, CompiledModel, compile_model
from .engines.exact import ExactOdds, exact_odds
from .errors import ScenarioError
from .limits import check_horizon
from .scenario import Move, Scenario
from .scenario.parts import window_to_daily

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Explorer", "MoveRank", "explore", "rank_moves"]

#: Without a stated range, a slider spans the stated probability divided and multiplied by this.
DEFAULT_SPAN = 2.0
#: Slider positions between the ends of a move's range.
SLIDER_STEPS = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveRank:
    """How far one move, moved across its range, swings the odds of the targets.

    Attributes
    ----------
    index : int
        Position in ``scenario.moves``.
    label : str
        ``[0] US: maritime_strikes -> land_strikes``.
    scale : {'window', 'daily'}
        The scale the move was stated on: window odds (``within: {p, days}``) or daily.
    days : float or None
        The window, for ``scale == 'window'``.
    stated, low, high : float
        The stated probability and the ends of its range, on that scale: the ``range`` of
        the move; else the central 90% of its ``beta`` prior; else the stated value divided
        and multiplied by :data:`DEFAULT_SPAN`.
    swing : float
        Largest, over the targets, of the spread of their odds at ``low``, ``stated`` and
        ``high`` (where those solve).
    target : str
        The target with that largest spread.
    error : str or None
        Why an end failed (an actor's outgoing daily odds above 1 somewhere); its odds are
        left out of the swing.
    """

    index: int
    label: str
    scale: Literal["window", "daily"]
    days: float | None
    stated: float
    low: float
    high: float
    swing: float
    target: str
    error: str | None

    def show(self, value: float, *, unit: bool = True) -> str:
        """``38% within 90 days`` or ``0.0053 per day``: ``value`` on this move's stated scale."""
        if self.scale == "window":
            return f"{100 * value:.3g}%" + (f" within {self.days:g} days" if unit else "")
        return f"{value:.3g}" + (" per day" if unit else "")

    def daily(self, value: float) -> float:
        """The daily probability for ``value`` on this move's stated scale."""
        return window_to_daily(value, self.days) if self.scale == "window" and self.days else float(value)


def _prior_interval(move: Move, stated: float) -> tuple[float, float] | None:
    """The move's ``range``, else the central 90% of its ``beta`` prior (widened to hold ``stated``)."""
    if move.range is not None:
        return float(move.range[0]), float(move.range[1])
    if move.beta is not None:
        from scipy.stats import beta  # only here: scipy.stats is slow to import

        lo, hi = (float(x) for x in beta.ppf([0.05, 0.95], *move.beta))
        return min(lo, stated), max(hi, stated)
    return None


def _bounds(scenario: Scenario, i: int) -> tuple[Literal["window", "daily"], float | None, float, float, float]:
    move = scenario.moves[i]
    if move.within is not None:
        stated, days = float(move.within.p), float(move.within.days)
        lo, hi = _prior_interval(move, stated) or (stated / DEFAULT_SPAN, min(stated * DEFAULT_SPAN, (1 + stated) / 2))
        return "window", days, stated, lo, min(hi, math.nextafter(1.0, 0.0))
    assert move.p is not None
    stated = float(move.p)
    lo, hi = _prior_interval(move, stated) or (stated / DEFAULT_SPAN, min(1.0, stated * DEFAULT_SPAN))
    return "daily", None, stated, lo, hi


def rank_moves(
    scenario: Scenario | CompiledModel,
    *,
    horizon: int | None = None,
    targets: Sequence[str] | None = None,
    moves: Sequence[int] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
) -> tuple[MoveRank, ...]:
    """Rank moves by how far moving each across its range swings the exact odds of any target.

    For each move, two variants of the compiled model are solved with the exact engine (all
    targets at once): the move's probability at the low and at the high end of its stated
    ``range`` (on the scale it was stated on; without a range, the central 90% of its
    ``beta`` prior; without either, the stated value divided and multiplied by
    :data:`DEFAULT_SPAN`), everything else unchanged. A move's swing is the
    largest spread, over the targets, of the odds at the two ends and as stated.

    Parameters
    ----------
    scenario : Scenario or CompiledModel
    horizon : int, optional
        Days; default the scenario's horizon.
    targets : sequence of str, optional
        The targets whose odds count; default all.
    moves : sequence of int, optional
        Indices into ``scenario.moves``; default all.
    max_states : int, optional
        Limit on the joint chain (see :func:`~escalation.engines.exact.exact_odds`).

    Returns
    -------
    tuple of MoveRank
        Largest swing first (ties in move order).

    Raises
    ------
    GraphTooLargeError
        When the joint chain may exceed ``max_states`` (the explorer needs the exact engine).
    KeyError
        For an unknown target.
    IndexError
        For a move index out of range.

    Notes
    -----
    Unlike :func:`escalation.analysis.sensitivity` (one target, every move scaled by the same
    factor), this asks how much each number's *stated uncertainty* matters, for every target
    at once: the moves an analyst would most want to argue about. It is one-at-a-time and
    local all the same.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> ranks = rank_moves(load_scenario("tutorial"))
    >>> ranks[0].label, ranks[0].target, round(ranks[0].swing, 3)
    ('[1] BLUE: alert -> talks', 'settlement', 0.564)
    """
    model = scenario if isinstance(scenario, CompiledModel) else compile_model(scenario)
    s = model.scenario
    h = check_horizon(s.horizon if horizon is None else horizon)
    names = model.select_targets(targets)
    indices = list(range(model.n_moves)) if moves is None else [int(i) for i in moves]
    for i in indices:
        if not 0 <= i < model.n_moves:
            raise IndexError(f"move index {i} out of range for {model.n_moves} moves")
    base = exact_odds(model, horizon=h, targets=names, max_states=max_states)
    base_row = np.array([base.probability(t) for t in names])
    out = []
    for i in indices:
        scale, days, stated, lo, hi = _bounds(s, i)
        rows = [base_row]
        errors = []
        for value in (lo, hi):
            daily = window_to_daily(value, days) if scale == "window" and days else value
            if daily == model.move_p[i]:
                continue
            p = model.move_p.copy()
            p[i] = daily
            try:
                odds = exact_odds(model.with_numbers(p=p), horizon=h, targets=names, max_states=max_states)
            except ScenarioError as exc:
                errors.append(f"p = {daily:.6g}/day: {exc}")
                continue
            rows.append(np.array([odds.probability(t) for t in names]))
        table = np.vstack(rows)
        spread = table.max(axis=0) - table.min(axis=0) if names else np.zeros(0)
        j = int(np.argmax(spread)) if spread.size else 0
        swing = float(spread[j]) if spread.size else 0.0
        out.append(MoveRank(
            index=i, label=f"[{i}] {s.move_label(i)}", scale=scale, days=days, stated=stated, low=lo, high=hi,
            swing=0.0 if swing < 1e-12 else swing, target=names[j] if names else "", error="; ".join(errors) or None,
        ))
    out.sort(key=lambda r: (-r.swing, r.index))
    return tuple(out)


class Explorer:
    """Exact odds of a scenario's targets under changed move probabilities, re-solved on demand.

    Made by :func:`explore`. In a notebook it shows as sliders (one per move in
    :attr:`moves`), a table of the odds now against the scenario's own, and a figure of the
    odds by day; :meth:`set` does the same from code.

    Attributes
    ----------
    scenario : Scenario
    model : CompiledModel
        With the scenario's own numbers.
    horizon : int
    targets : tuple of str
    moves : tuple of MoveRank
        The moves with sliders, largest swing first.
    base : ExactOdds
        The odds with the scenario's own numbers.
    odds : ExactOdds
        The odds with the current numbers.
    error : str or None
        Why the last change could not be solved (the odds kept are the last that could).
    timings : list of (float, float)
        Seconds spent per update: solving (numbers swapped and the exact engine), then
        redrawing the widgets (0 when none are shown).
    """

    def __init__(self, scenario: Scenario, *, horizon: int | None = None, targets: Sequence[str] | None = None,
                 moves: Sequence[int] | None = None, n_moves: int = 8, max_states: int = DEFAULT_MAX_STATES,
                 log: bool = False) -> None:
        if n_moves < 1:
            raise ValueError(f"n_moves must be >= 1, found {n_moves}")
        self.scenario = scenario
        self.model = compile_model(scenario)
        self.horizon = check_horizon(scenario.horizon if horizon is None else horizon)
        self.targets = self.model.select_targets(targets)
        self.max_states = max_states
        self.log = bool(log)
        ranks = rank_moves(self.model, horizon=self.horizon, targets=self.targets, moves=moves, max_states=max_states)
        self.moves: tuple[MoveRank, ...] = ranks if moves is not None else ranks[:n_moves]
        self.base: ExactOdds = exact_odds(self.model, horizon=self.horizon, targets=self.targets,
                                          max_states=max_states)
        self.odds: ExactOdds = self.base
        self.error: str | None = None
        self.timings: list[tuple[float, float]] = []
        self._values = {r.index: r.stated for r in self.moves}
        self._ui: dict[str, Any] | None = None
        self._syncing = False

    def __repr__(self) -> str:
        return (f"<Explorer {self.scenario.id}: {len(self.moves)} sliders, {len(self.targets)} targets, "
                f"horizon {self.horizon} days>")

    # --- numbers ------------------------------------------------------------------------------
    def _rank(self, move: int) -> MoveRank:
        for r in self.moves:
            if r.index == move:
                return r
        raise KeyError(f"move {move} has no slider; the sliders are on moves {[r.index for r in self.moves]}")

    @property
    def values(self) -> dict[int, float]:
        """Move index -> its current value, on the move's stated scale."""
        return dict(self._values)

    def move_p(self) -> np.ndarray:
        """Daily probability of every move with the current values; shape ``(n_moves,)``."""
        p = self.model.move_p.copy()
        for r in self.moves:
            p[r.index] = r.daily(self._values[r.index])
        return p

    def solve(self) -> ExactOdds:
        """Re-solve with the current values; sets :attr:`odds` (and :attr:`error`).

        Raises
        ------
        ScenarioError
            When the values make an actor's outgoing daily odds exceed 1 in a reachable state;
            :attr:`odds` keeps the last odds that could be solved.
        """
        started = time.perf_counter()
        try:
            model = self.model.with_numbers(p=self.move_p())
            self.odds = exact_odds(model, horizon=self.horizon, targets=self.targets, max_states=self.max_states)
        except ScenarioError as exc:
            self.error = str(exc)
            raise
        finally:
            solved = time.perf_counter()
            self.timings.append((solved - started, 0.0))
        self.error = None
        return self.odds

    def set(self, move: int, value: float) -> ExactOdds:
        """Set move ``move`` to ``value`` on its stated scale (window or daily) and re-solve.

        Parameters
        ----------
        move : int
            Index into ``scenario.moves`` of a move with a slider.
        value : float
            A probability within the move's range (window odds for a move stated with
            ``within``, else daily).

        Returns
        -------
        ExactOdds

        Raises
        ------
        KeyError
            For a move without a slider.
        ValueError
            For a value outside the move's range.
        ScenarioError
            See :meth:`solve`.
        """
        r = self._rank(move)
        if not r.low <= value <= r.high:
            raise ValueError(f"move {move}: expected a value in [{r.low:.6g}, {r.high:.6g}], found {value!r}")
        self._values[move] = float(value)
        if self._ui is not None:
            self._syncing = True  # the slider follows; its observer must not solve again
            try:
                self._ui["sliders"][move].value = float(value)
            finally:
                self._syncing = False
        try:
            return self.solve()
        finally:
            self._show()

    def reset(self) -> ExactOdds:
        """Every slider back to the scenario's own number."""
        for r in self.moves:
            self._values[r.index] = r.stated
            if self._ui is not None:
                self._syncing = True
                try:
                    self._ui["sliders"][r.index].value = r.stated
                finally:
                    self._syncing = False
        self.odds, self.error = self.base, None
        self._show()
        return self.odds

    # --- views --------------------------------------------------------------------------------
    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["target", "scenario", "now", "change"]
        body = []
        for t in self.targets:
            b, n = self.base.probability(t), self.odds.probability(t)
            d = n - b
            body.append([t, format_probability(b), format_probability(n),
                         "0" if abs(d) < 5e-7 else f"{'+' if d > 0 else '-'}{format_probability(abs(d))}"])
        return header, body

    def _title(self) -> str:
        return f"Exact odds within {self.horizon} days: {self.scenario.title}"

    def table(self) -> str:
        """A plain-text table: each target's odds with the scenario's numbers and now."""
        return "\n".join(text_table(self._title(), *self._cells()))

    def _slider_lines(self) -> list[str]:
        lines = []
        for r in self.moves:
            v = self._values[r.index]
            changed = "" if v == r.stated else f" (scenario: {r.show(r.stated, unit=False)})"
            lines.append(f"{r.label}: {r.show(v)}{changed}")
        return lines

    def __str__(self) -> str:
        return "\n".join([*self._slider_lines(), self.table()])

    def figure(self, *, ax: Axes | None = None) -> Figure | Axes:
        """The odds of each target by day now (solid) and with the scenario's numbers (dashed).

        Returns the Axes when ``ax`` is given, else a new Figure.
        """
        from matplotlib.figure import Figure

        fig = None
        if ax is None:
            fig = Figure(figsize=(9.0, 4.2), layout="constrained")
            ax = fig.add_subplot()
        self._draw(ax)
        return fig if fig is not None else ax

    def _draw(self, ax: Axes) -> dict[str, Any]:
        from matplotlib.lines import Line2D
        from matplotlib.ticker import PercentFormatter

        from .plots import target_colour

        days = np.arange(self.horizon + 1)
        lines = {}
        for t in self.targets:
            colour = target_colour(self.scenario, t)
            ax.plot(days, self.base.cumulative()[self.base.targets.index(t)], color=colour, lw=1.0, ls="--", alpha=0.7)
            (lines[t],) = ax.plot(days, self.odds.cumulative()[self.odds.targets.index(t)], color=colour, lw=2.0,
                                  label=self._legend(t))
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], color="#555555", lw=1.0, ls="--"))
        labels.append("with the scenario's numbers")
        legend = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                           title=f"Target (odds by day {self.horizon})", title_fontsize=8, frameon=False)
        ax.set_xlim(0, self.horizon)
        if self.log:
            ax.set_yscale("symlog", linthresh=1e-3)
            ax.set_ylim(0, 1)
        else:
            ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"Days from {self.scenario.as_of}" if self.scenario.as_of else "Days")
        ax.set_ylabel("Probability target reached")
        ax.set_title("Exact odds by day: now (solid) and with the scenario's numbers (dashed)", fontsize=10)
        ax.grid(color="#e5e5e5", lw=0.6)
        return {"lines": lines, "legend": legend}

    def _legend(self, t: str) -> str:
        return f"{t} ({format_probability(self.odds.probability(t))})"

    def _repr_html_(self) -> str:
        return html_table(self._title(), *self._cells())

    # --- widgets ------------------------------------------------------------------------------
    @property
    def widget(self) -> Any:
        """The sliders, table and figure as one ipywidgets box (built on first use; needs ipywidgets)."""
        if self._ui is None:
            self._ui = self._build()
        return self._ui["box"]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        try:
            widget = self.widget
        except ImportError:
            return {"text/plain": str(self), "text/html": self._repr_html_()}
        bundle = widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        bundle["text/plain"] = str(self)
        return bundle

    def _build(self) -> dict[str, Any]:
        try:
            import ipywidgets as w
        except ImportError as exc:
            raise ImportError("the explorer's sliders need ipywidgets: pip install 'escalation[explore]' "
                              "(or pip install ipywidgets)") from exc
        from matplotlib.figure import Figure

        sliders: dict[int, Any] = {}
        rows = []
        for r in self.moves:
            unit = f"within {r.days:g} d" if r.scale == "window" else "per day"
            slider = w.FloatSlider(
                value=r.stated, min=r.low, max=r.high, step=(r.high - r.low) / SLIDER_STEPS or 1e-9,
                readout_format=".2%" if r.scale == "window" else ".2e", continuous_update=False,
                layout=w.Layout(width="24em"),
            )
            slider.observe(lambda change, i=r.index: self._on_change(i, change["new"]), names="value")
            sliders[r.index] = slider
            label = w.HTML(value=_escape(f"{r.label} ({unit}; swings {r.target} by {format_probability(r.swing)})"),
                           layout=w.Layout(width="38em"))
            rows.append(w.HBox([label, slider]))
        reset = w.Button(description="Reset", tooltip="Every slider back to the scenario's number")
        reset.on_click(lambda _: self.reset())
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        # Blitting: the axes, ticks and titles are rendered once; an update redraws only the
        # lines and the legend over a copy of that background, then encodes the PNG.
        fig = Figure(figsize=(9.0, 4.2), dpi=80, layout="constrained")
        canvas = FigureCanvasAgg(fig)
        artists = self._draw(fig.add_subplot())
        for artist in (*artists["lines"].values(), artists["legend"]):
            artist.set_animated(True)
        canvas.draw()
        fig.set_layout_engine("none")  # the layout is fixed once: each redraw only moves lines
        artists["background"] = canvas.copy_from_bbox(fig.bbox)
        image = w.Image(value=_blit(fig, artists), format="png")
        table = w.HTML(value=self._repr_html_())
        status = w.HTML(value="")
        box = w.VBox([w.HTML(value=_escape(f"{self.scenario.title}: the {len(self.moves)} moves whose range "
                                           f"swings some target's odds most")),
                      *rows, reset, status, w.HBox([table, image])])
        return {"box": box, "sliders": sliders, "figure": fig, "artists": artists, "image": image, "table": table,
                "status": status}

    def _on_change(self, move: int, value: float) -> None:
        if self._syncing:
            return
        self._values[move] = float(value)
        try:
            self.solve()
        except ScenarioError:
            pass  # shown by _show; the odds kept are the last that could be solved
        self._show()

    def _show(self) -> None:
        """Bring the widgets (if shown) up to date: the odds, or why they could not be solved."""
        if self._ui is None:
            return
        if self.error is not None:
            self._ui["status"].value = f"<b>Not solved:</b> {_escape(self.error)}"
            return
        self._redraw()

    def _redraw(self) -> None:
        assert self._ui is not None
        started = time.perf_counter()
        ui = self._ui
        ui["status"].value = ""
        cum = self.odds.cumulative()
        for t, line in ui["artists"]["lines"].items():
            line.set_ydata(cum[self.odds.targets.index(t)])
        for text, t in zip(ui["artists"]["legend"].get_texts(), self.targets):
            text.set_text(self._legend(t))
        ui["image"].value = _blit(ui["figure"], ui["artists"])
        ui["table"].value = self._repr_html_()
        if self.timings:
            solve, _ = self.timings[-1]
            self.timings[-1] = (solve, time.perf_counter() - started)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _blit(fig: Figure, artists: dict[str, Any]) -> bytes:
    """Redraw the animated artists over the saved background; the figure as PNG bytes."""
    from PIL import Image  # matplotlib depends on Pillow

    canvas = fig.canvas
    canvas.restore_region(artists["background"])  # type: ignore[attr-defined]
    for line in artists["lines"].values():
        fig.draw_artist(line)
    fig.draw_artist(artists["legend"])
    rgba = canvas.buffer_rgba()  # type: ignore[attr-defined]
    height, width = int(fig.bbox.height), int(fig.bbox.width)
    buf = io.BytesIO()
    Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def explore(scenario: Scenario, *, horizon: int | None = None, targets: Sequence[str] | None = None,
            moves: Sequence[int] | None = None, n_moves: int = 8, max_states: int = DEFAULT_MAX_STATES,
            log: bool = False) -> Explorer:
    """Sliders on the moves that matter most, and the exact odds redrawn on every change.

    In a notebook, the returned :class:`Explorer` shows as one slider per move (on the scale
    the move was stated on: window odds or daily), a table of every target's odds now against
    the scenario's own, and a figure of the odds by day. Each change swaps the numbers into the
    compiled model and re-solves with the exact engine; nothing is re-explored.

    Parameters
    ----------
    scenario : Scenario
    horizon : int, optional
        Days; default the scenario's horizon.
    targets : sequence of str, optional
        Targets shown (and ranked on); default all.
    moves : sequence of int, optional
        Put sliders on these moves (indices into ``scenario.moves``); default the ``n_moves``
        that :func:`rank_moves` ranks highest.
    n_moves : int
        Number of sliders when ``moves`` is not given.
    max_states : int
        Limit on the joint chain: the explorer needs the exact engine.
    log : bool
        A symmetric-log odds axis, for rare targets.

    Returns
    -------
    Explorer
        Shows itself as widgets in Jupyter (with ipywidgets installed); :meth:`Explorer.set`,
        :meth:`Explorer.table` and :meth:`Explorer.figure` work without them.

    Raises
    ------
    GraphTooLargeError
        When the joint chain may exceed ``max_states``.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> ex = explore(load_scenario("tutorial"), n_moves=2)
    >>> [r.index for r in ex.moves]
    [1, 0]
    >>> round(ex.set(0, 0.3).probability("blue_strikes"), 4)
    0.3975
    """
    return Explorer(scenario, horizon=horizon, targets=targets, moves=moves, n_moves=n_moves,
                    max_states=max_states, log=log)
