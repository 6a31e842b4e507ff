"""What-if analysis: several variants side by side, and one-at-a-time sensitivity of a target.

A what-if variant is a new :class:`~escalation.scenario.Scenario` (``scenario.with_start(...)``,
``scenario.scale_moves(...)``, ...). :func:`compare` puts the odds of several variants' runs
side by side with their 95% intervals; :func:`sensitivity` divides and multiplies each move's
daily probability by a factor, one move at a time, and ranks the moves by how far that swings
the odds of one target; :func:`tornado_data` turns that ranking into the bars of a tornado
chart (:func:`escalation.plots.plot_tornado` draws it).

Like the engines, this module never imports matplotlib; pandas is imported only by the
``to_pandas`` methods.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, CompiledModel, compile_model
from ..engines.exact import exact_odds
from ..engines.montecarlo import simulate
from ..errors import GraphTooLargeError, ScenarioError
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from .run import RunResult
from .tables import format_probability
from .tables import html_table as _html_table
from .tables import text_table as _text_table

__all__ = [
    "Cell",
    "Comparison",
    "compare",
    "MoveSensitivity",
    "Sensitivity",
    "sensitivity",
    "TornadoData",
    "tornado_data",
]


# --- compare ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """The odds of one target in one variant.

    Attributes
    ----------
    probability : float
        The headline estimate (Monte Carlo where it ran, else exact).
    ci95 : (float, float) or None
        95% Wilson interval of the Monte Carlo estimate; None when only the exact engine ran.
    exact : float or None
        The exact value, where the exact engine ran.
    """

    probability: float
    ci95: tuple[float, float] | None
    exact: float | None

    def text(self) -> str:
        """``38.05% [37.38%, 38.73%]``, or ``38.17% (exact)`` without an interval."""
        if self.ci95 is None:
            return f"{format_probability(self.probability)} (exact)"
        lo, hi = self.ci95
        return f"{format_probability(self.probability)} [{format_probability(lo)}, {format_probability(hi)}]"


@dataclass(frozen=True, kw_only=True, repr=False)
class Comparison:
    """Odds of several variants side by side: one row per target, one column per variant.

    Attributes
    ----------
    variants : tuple of str
        Variant names, in the order given to :func:`compare`.
    targets : tuple of str
        Target names: those of the first variant in file order, then any others.
    horizons : tuple of int
        Days simulated in each variant.
    cells : tuple of tuple of (Cell or None)
        ``cells[i][j]`` is target ``i`` in variant ``j``; None where that variant has no such
        target.
    """

    variants: tuple[str, ...]
    targets: tuple[str, ...]
    horizons: tuple[int, ...]
    cells: tuple[tuple[Cell | None, ...], ...]

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.variants)} variants ({', '.join(self.variants)}) on {len(self.targets)} targets>"

    def cell(self, target: str, variant: str) -> Cell | None:
        """The odds of ``target`` in ``variant`` (None if that variant lacks the target).

        Raises
        ------
        KeyError
            For an unknown target or variant, naming the known ones.
        """
        if target not in self.targets:
            raise KeyError(f"unknown target {target!r}; compared: {', '.join(self.targets)}")
        if variant not in self.variants:
            raise KeyError(f"unknown variant {variant!r}; compared: {', '.join(self.variants)}")
        return self.cells[self.targets.index(target)][self.variants.index(variant)]

    def rows(self) -> list[dict[str, Any]]:
        """Long format: one dict per (target, variant) with probability, interval and exact value."""
        out = []
        for target, row in zip(self.targets, self.cells):
            for variant, c in zip(self.variants, row):
                if c is None:
                    continue
                out.append({
                    "target": target, "variant": variant, "probability": c.probability,
                    "ci95_low": c.ci95[0] if c.ci95 else None, "ci95_high": c.ci95[1] if c.ci95 else None,
                    "exact": c.exact,
                })
        return out

    def to_pandas(self, *, wide: str | None = None) -> Any:
        """The comparison as a :class:`pandas.DataFrame` (needs pandas).

        Parameters
        ----------
        wide : {'probability', 'ci95_low', 'ci95_high', 'exact'}, optional
            Without it, :meth:`rows` in long format, indexed by (target, variant). With it,
            that one column as a table with a row per target and a column per variant, in
            the comparison's order (missing cells are NaN).

        Returns
        -------
        pandas.DataFrame
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_pandas needs pandas: pip install pandas") from exc
        columns = ["probability", "ci95_low", "ci95_high", "exact"]
        if wide is None:
            return pd.DataFrame(self.rows(), columns=["target", "variant", *columns]).set_index(["target", "variant"])
        if wide not in columns:
            raise ValueError(f"wide must be one of {', '.join(columns)}; found {wide!r}")
        data = {}
        for j, variant in enumerate(self.variants):
            values = []
            for row in self.cells:
                c = row[j]
                record = None if c is None else {
                    "probability": c.probability, "exact": c.exact,
                    "ci95_low": c.ci95[0] if c.ci95 else None, "ci95_high": c.ci95[1] if c.ci95 else None,
                }
                value = None if record is None else record[wide]
                values.append(math.nan if value is None else value)
            data[variant] = values
        df = pd.DataFrame(data, index=pd.Index(self.targets, name="target"))
        df.columns.name = "variant"
        return df

    def _title(self) -> str:
        if len(set(self.horizons)) <= 1:
            h = self.horizons[0] if self.horizons else 0
            return f"Odds within {h} days with 95% Monte Carlo intervals"
        each = ", ".join(f"{v} {h}" for v, h in zip(self.variants, self.horizons))
        return f"Odds with 95% Monte Carlo intervals (horizons differ: {each} days)"

    def _cells_text(self) -> tuple[list[str], list[list[str]]]:
        header = ["target", *self.variants]
        body = [[t, *("-" if c is None else c.text() for c in row)] for t, row in zip(self.targets, self.cells)]
        return header, body

    def table(self) -> str:
        """A plain-text table: a title line, then one row per target and one column per variant."""
        return "\n".join(_text_table(self._title(), *self._cells_text()))

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return _html_table(self._title(), *self._cells_text())


def compare(results: Mapping[str, RunResult], *, targets: Sequence[str] | None = None) -> Comparison:
    """Put several variants' odds side by side, each with its 95% interval.

    Parameters
    ----------
    results : mapping of str to RunResult
        Variant name -> the result of :func:`~escalation.analysis.run` on that variant, in
        the order the columns should appear (a dict keeps insertion order).
    targets : sequence of str, optional
        Targets to show, in this order; default every target of any variant (the first
        variant's in file order, then the others').

    Returns
    -------
    Comparison
        Renders as a text table (``print``), an HTML table in notebooks, and a DataFrame
        (:meth:`Comparison.to_pandas`).

    Raises
    ------
    ValueError
        When ``results`` is empty.
    KeyError
        For a name in ``targets`` that no variant has.

    Notes
    -----
    The intervals are Wilson intervals of each Monte Carlo estimate: they measure sampling
    error only, not uncertainty about the scenario's numbers. Two variants run with the same
    seed share random numbers, so their difference is usually estimated more precisely than
    the overlap of the intervals suggests; compare the ``exact`` values where available.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis import run
    >>> s = load_scenario("tutorial")
    >>> c = compare({"base": run(s, runs=20_000, seed=1),
    ...              "red mobilised": run(s.with_start(RED="mobilised"), runs=20_000, seed=1)})
    >>> c.variants, c.targets[0]
    (('base', 'red mobilised'), 'blue_strikes')
    >>> round(c.cell("red_retaliates", "red mobilised").exact, 4)
    0.2461
    >>> print(c.table().splitlines()[3])
    blue_strikes    27.74% [27.13%, 28.37%]  28.15% [27.53%, 28.78%]
    """
    if not results:
        raise ValueError("compare needs at least one result, found none")
    variants = tuple(results)
    found: list[str] = []
    for r in results.values():
        found.extend(t.name for t in r.targets if t.name not in found)
    if targets is None:
        names = tuple(found)
    else:
        for name in targets:
            if name not in found:
                raise KeyError(f"unknown target {name!r}; in these results: {', '.join(found)}")
        names = tuple(targets)
    cells = []
    for name in names:
        row: list[Cell | None] = []
        for r in results.values():
            t = next((t for t in r.targets if t.name == name), None)
            row.append(None if t is None else Cell(probability=t.probability, ci95=t.ci95, exact=t.exact))
        cells.append(tuple(row))
    return Comparison(
        variants=variants, targets=names, horizons=tuple(r.horizon for r in results.values()), cells=tuple(cells)
    )


# --- sensitivity -----------------------------------------------------------------------------------
#: Swings below this are rounding noise of the exact engine (a move that cannot affect the
#: target changes its odds by ~1e-16) and are reported as 0, so ties sort in move order.
_SWING_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveSensitivity:
    """How the odds of a target respond to one move's daily probability.

    Attributes
    ----------
    index : int
        Position of the move in ``scenario.moves``.
    label : str
        ``[0] US: maritime_strikes -> land_strikes``.
    p : float
        The move's daily probability in the scenario.
    p_low, p_high : float
        ``p / factor`` and ``min(1, p * factor)``.
    low, high : float or None
        Odds of the target with ``p_low`` and with ``p_high``; None where that variant is
        invalid (see ``error``).
    error : str or None
        Why a variant failed, e.g. the engine's message that an actor's outgoing
        probabilities add up to more than 1 in some reachable state.
    swing : float
        Largest minus smallest of the base odds, ``low`` and ``high`` (those available);
        differences below 1e-12 (floating-point noise) are reported as 0.
    """

    index: int
    label: str
    p: float
    p_low: float
    p_high: float
    low: float | None
    high: float | None
    error: str | None
    swing: float


@dataclass(frozen=True, kw_only=True, repr=False)
class Sensitivity:
    """A one-at-a-time sweep of the moves' daily probabilities (see :func:`sensitivity`).

    Attributes
    ----------
    scenario_id, target : str
    horizon : int
    factor : float
        Each move's daily probability was divided and multiplied by this.
    base : float
        Odds of the target in the unchanged scenario.
    method : {'exact', 'mc'}
        Engine used: exact, or Monte Carlo when the joint graph is too large to compile.
    runs : int or None
        Trajectories per variant with Monte Carlo (None with the exact engine).
    seed : int or None
        Entropy shared by every Monte Carlo variant (None with the exact engine).
    moves : tuple of MoveSensitivity
        Largest swing first (ties in move order).
    """

    scenario_id: str
    target: str
    horizon: int
    factor: float
    base: float
    method: Literal["exact", "mc"]
    runs: int | None
    seed: int | None
    moves: tuple[MoveSensitivity, ...]

    def __repr__(self) -> str:
        return (f"<Sensitivity of {self.target} in {self.scenario_id} to {len(self.moves)} moves: "
                f"base {format_probability(self.base)}, factor {self.factor:g}, {self.method}>")

    def __len__(self) -> int:
        return len(self.moves)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.moves)

    def __getitem__(self, i: int) -> MoveSensitivity:
        return self.moves[i]

    @property
    def failed(self) -> tuple[MoveSensitivity, ...]:
        """Moves with a variant that could not be computed."""
        return tuple(m for m in self.moves if m.error is not None)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per move, largest swing first."""
        return [
            {"index": m.index, "move": m.label, "p": m.p, "p_low": m.p_low, "p_high": m.p_high,
             "low": m.low, "high": m.high, "swing": m.swing, "error": m.error}
            for m in self.moves
        ]

    def to_pandas(self) -> Any:
        """:meth:`rows` as a :class:`pandas.DataFrame` indexed by move index (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_pandas needs pandas: pip install pandas") from exc
        columns = ["index", "move", "p", "p_low", "p_high", "low", "high", "swing", "error"]
        return pd.DataFrame(self.rows(), columns=columns).set_index("index")

    def _title(self) -> str:
        engine = "exact" if self.method == "exact" else f"Monte Carlo, {self.runs:,} runs each"
        return (f"Odds of {self.target} within {self.horizon} days: base {format_probability(self.base)}; "
                f"each move's daily odds / and x {self.factor:g} ({engine})")

    def _cells_text(self, top: int | None) -> tuple[list[str], list[list[str]]]:
        f = f"{self.factor:g}"
        header = ["move", "p/day", f"odds (p/{f})", f"odds (p*{f})", "swing"]
        body = []
        for m in self.moves[:top]:
            body.append([
                m.label, f"{m.p:.3g}", format_probability(m.low),
                "failed" if m.high is None else format_probability(m.high), format_probability(m.swing),
            ])
        return header, body

    def table(self, top: int | None = 20) -> str:
        """A plain-text table of the ``top`` moves by swing (all when None), with a title line."""
        lines = _text_table(self._title(), *self._cells_text(top))
        if top is not None and len(self.moves) > top:
            lines.append(f"({len(self.moves) - top} more moves with smaller swings)")
        for m in self.failed:
            lines.append(f"[{m.index}] failed: {m.error}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        more = f"<p>{len(self.moves) - 20} more moves with smaller swings.</p>" if len(self.moves) > 20 else ""
        return _html_table(self._title(), *self._cells_text(20)) + more


def sensitivity(
    scenario: Scenario,
    *,
    target: str,
    factor: float = 2.0,
    horizon: int | None = None,
    moves: Iterable[int] | None = None,
    runs: int = 20_000,
    seed: SeedLike = 0,
    max_states: int = DEFAULT_MAX_STATES,
) -> Sensitivity:
    """One-at-a-time sensitivity of a target's odds to each move's daily probability.

    For each selected move, two variants of the compiled model are made with
    :meth:`~escalation.compiled.CompiledModel.with_numbers`: the move's daily probability
    divided by ``factor``, and multiplied by it (capped at 1); every other number is left as
    it is. The variants share the model's structure and the exact engine's plan, so nothing
    is explored again. The odds of ``target`` within the horizon are computed for each, and the moves are
    ranked by the swing in those odds.

    Parameters
    ----------
    scenario : Scenario
    target : str
        Name of the target whose odds are swept.
    factor : float, optional
        > 1; the default 2 halves and doubles each move's daily odds.
    horizon : int, optional
        Days; default the scenario's horizon.
    moves : iterable of int, optional
        Indices into ``scenario.moves``; default all of them.
    runs : int, optional
        Trajectories per variant, used only if the Monte Carlo fallback is needed.
    seed : None, int, SeedSequence or Generator, optional
        For the Monte Carlo fallback. It is normalised once and the same entropy is used for
        every variant (common random numbers), so differences between variants are not
        swamped by sampling noise.
    max_states : int, optional
        Limit on the compiled joint graph; past it the Monte Carlo engine is used instead.

    Returns
    -------
    Sensitivity
        The base odds and one :class:`MoveSensitivity` per move, largest swing first.

    Raises
    ------
    KeyError
        For an unknown target.
    IndexError
        For a move index out of range.
    ValueError
        For ``factor <= 1``.
    ScenarioError
        If the unchanged scenario is itself invalid (outgoing odds above 1).

    Notes
    -----
    The engine is exact (:func:`~escalation.engines.exact.exact_odds`) whenever the reachable joint
    graph compiles within ``max_states``; otherwise every variant, and the base, is run by
    Monte Carlo with ``runs`` trajectories and a shared seed.

    Multiplying a move can push an actor's outgoing probabilities in some reachable state
    above 1 (with modifiers applied), which the engines refuse rather than renormalise. Such
    a variant is *recorded as failed*: its odds are None and ``error`` holds the engine's
    message; the other variant of the same move is still reported and the swing is taken
    over the values available. No cap is applied, because any cap below ``p * factor``
    would quietly sweep a smaller change for that move than for the others.

    A move whose probability is 0 stays at 0 in both variants (swing 0). The modifiers
    still multiply the changed probability wherever they hold.

    This is a local, one-at-a-time analysis: it says which single number the result leans on
    most, not how the numbers' joint uncertainty propagates (ranges and beta priors on moves
    describe that).

    Examples
    --------
    >>> from escalation import load_scenario
    >>> sens = sensitivity(load_scenario("tutorial"), target="red_retaliates")
    >>> round(sens.base, 4), sens.method
    (0.1942, 'exact')
    >>> top = sens.moves[0]
    >>> top.label, round(top.low, 4), round(top.high, 4)
    ('[0] BLUE: alert -> strike', 0.105, 0.3348)
    >>> [m.index for m in sens.moves]
    [0, 2, 4, 1, 3]
    """
    if not (isinstance(factor, (int, float)) and not isinstance(factor, bool)) or not math.isfinite(factor) or factor <= 1:
        raise ValueError(f"factor must be a finite number > 1, found {factor!r}")
    factor = float(factor)
    model = compile_model(scenario)
    names = model.select_targets([target])  # KeyError naming the known targets
    assert names == (target,)
    h = scenario.horizon if horizon is None else int(horizon)
    if moves is None:
        indices = list(range(len(scenario.moves)))
    else:
        indices = [int(i) for i in moves]
        for i in indices:
            if not 0 <= i < len(scenario.moves):
                raise IndexError(f"move index {i} out of range for {len(scenario.moves)} moves")

    method: Literal["exact", "mc"] = "exact"
    entropy: int | None = None

    def odds(m: CompiledModel) -> float:
        if method == "exact":
            return exact_odds(m, horizon=h, targets=[target], max_states=max_states).probability(target)
        return simulate(m, runs=runs, horizon=h, seed=entropy, targets=[target], n_sample=0, top_paths=0).probability(target)

    try:
        base = odds(model)
    except GraphTooLargeError:
        method, entropy = "mc", seed_entropy(seed)
        base = odds(model)

    rows = []
    for i in indices:
        p = scenario.moves[i].p
        assert p is not None
        p_low, p_high = p / factor, min(1.0, p * factor)
        values: dict[str, float | None] = {}
        errors = []
        for side, q in (("low", p_low), ("high", p_high)):
            if q == p:
                values[side] = base
                continue
            try:
                values[side] = odds(model.with_numbers(p=np.where(np.arange(model.n_moves) == i, q, model.move_p)))
            except ScenarioError as exc:
                values[side] = None
                errors.append(f"p = {q:.6g}/day: {exc}")
        available = [base, *(v for v in values.values() if v is not None)]
        swing = max(available) - min(available)
        rows.append(MoveSensitivity(
            index=i, label=f"[{i}] {scenario.move_label(i)}", p=p, p_low=p_low, p_high=p_high,
            low=values["low"], high=values["high"], error="; ".join(errors) or None,
            swing=0.0 if swing < _SWING_TOLERANCE else swing,
        ))
    rows.sort(key=lambda m: (-m.swing, m.index))
    return Sensitivity(
        scenario_id=scenario.id, target=target, horizon=h, factor=factor, base=base, method=method,
        runs=runs if method == "mc" else None, seed=entropy, moves=tuple(rows),
    )


# --- tornado chart ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TornadoData:
    """The bars of a tornado chart, largest swing first.

    Attributes
    ----------
    labels : tuple of str
        Move labels (``[0] US: maritime_strikes -> land_strikes``).
    low, high : tuple of float
        Odds of the target with each move's daily probability divided and multiplied by
        ``factor``; NaN where the variant failed.
    base : float
        Odds in the unchanged scenario: where every bar starts.
    target : str
    factor : float
    horizon : int
    """

    labels: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    base: float
    target: str
    factor: float
    horizon: int


def tornado_data(sens: Sensitivity, top: int = 10) -> TornadoData:
    """The ``top`` moves of a sensitivity sweep as the bars of a tornado chart.

    Parameters
    ----------
    sens : Sensitivity
        From :func:`sensitivity`.
    top : int, optional
        Number of moves, largest swing first (>= 1).

    Returns
    -------
    TornadoData

    Examples
    --------
    >>> from escalation import load_scenario
    >>> t = tornado_data(sensitivity(load_scenario("tutorial"), target="blue_strikes"), top=2)
    >>> t.labels
    ('[0] BLUE: alert -> strike', '[1] BLUE: alert -> talks')
    >>> [round(x, 3) for x in t.low], [round(x, 3) for x in t.high], round(t.base, 3)
    ([0.152, 0.315], [0.465, 0.219], 0.277)
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, found {top}")
    chosen = sens.moves[:top]
    nan = math.nan
    return TornadoData(
        labels=tuple(m.label for m in chosen),
        low=tuple(nan if m.low is None else m.low for m in chosen),
        high=tuple(nan if m.high is None else m.high for m in chosen),
        base=sens.base, target=sens.target, factor=sens.factor, horizon=sens.horizon,
    )
