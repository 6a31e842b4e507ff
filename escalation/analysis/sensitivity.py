"""Which numbers the odds lean on: one at a time, local elasticities, and global Sobol indices.

Three views of one question, from the cheapest to the most complete:

* **One at a time** (a tornado chart). :func:`sensitivity` divides and multiplies each move's
  daily probability by a factor; :func:`range_sensitivity` sets each uncertain number to the
  ends of its range (a beta prior: its 5% and 95% quantiles). Either way every other number
  keeps its stated value, and the numbers are ranked by the swing of one target's odds.
* **Local elasticities**. :func:`elasticities` gives ``d log(odds) / d log(x)`` for every
  move probability and modifier factor at the stated values: "1% more of this number gives
  e% more odds". All of them come from one forward and one backward (adjoint) propagation of
  the exact engine's day-by-day recursion.
* **Global variance-based indices**. :func:`sobol_indices` draws all uncertain numbers
  together from their priors and splits the variance of the odds into first-order and total
  Sobol indices, with bootstrap confidence intervals (SALib).

Every analysis shares the compiled model's structure: the numbers are swapped and the chain
is solved again (:mod:`escalation.analysis.batch`), nothing is explored twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, CompiledModel, compile_model
from ..errors import GraphTooLargeError
from ..limits import check_horizon
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from .elasticity import _check_target
from .priors import engine_numbers, support_masks, uncertain_parameters
from .tables import format_probability, pandas_module
from .tables import html_table as _html_table
from .tables import text_table as _text_table

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = [
    "DEFAULT_SOBOL_N",
    "Elasticities",
    "MoveSensitivity",
    "Sensitivity",
    "SobolIndices",
    "TornadoData",
    "elasticities",
    "range_sensitivity",
    "sensitivity",
    "sobol_indices",
    "tornado_data",
]

#: Swings below this are rounding noise of the exact engine (a move that cannot affect the
#: target changes its odds by ~1e-16) and are reported as 0, so ties sort in move order.
_SWING_TOLERANCE = 1e-12


# --- one at a time -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class MoveSensitivity:
    """How the odds of a target respond to one number set low and high.

    Attributes
    ----------
    index : int
        Position of the move in ``scenario.moves`` (of the modifier in ``scenario.modifiers``
        when ``kind == 'factor'``).
    label : str
        ``[0] US: maritime_strikes -> land_strikes`` (``modifiers[2].factor`` for a factor).
    p : float
        The number as the engine uses it: the move's daily probability (or the factor).
    p_low, p_high : float
        The low and high values swept, on the same scale: ``p / factor`` and
        ``min(1, p * factor)``, or the ends of the number's range.
    low, high : float or None
        Odds of the target with ``p_low`` and with ``p_high``; None where that variant is
        invalid (see ``error``).
    error : str or None
        Why a variant failed, e.g. the engine's message that an actor's outgoing
        probabilities add up to more than 1 in some reachable state.
    swing : float
        Largest minus smallest of the base odds, ``low`` and ``high`` (those available);
        differences below 1e-12 (floating-point noise) are reported as 0.
    kind : {'move', 'factor'}
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
    kind: Literal["move", "factor"] = "move"


@dataclass(frozen=True, kw_only=True, repr=False)
class Sensitivity:
    """A one-at-a-time sweep (see :func:`sensitivity` and :func:`range_sensitivity`).

    Attributes
    ----------
    scenario_id, target : str
    horizon : int
    factor : float or None
        Each move's daily probability was divided and multiplied by this; None for a sweep
        over ranges.
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
    mode : {'factor', 'range'}
    """

    scenario_id: str
    target: str
    horizon: int
    factor: float | None
    base: float
    method: Literal["exact", "mc"]
    runs: int | None
    seed: int | None
    moves: tuple[MoveSensitivity, ...]
    mode: Literal["factor", "range"] = "factor"

    def __repr__(self) -> str:
        how = f"factor {self.factor:g}" if self.mode == "factor" else "ranges"
        return (f"<Sensitivity of {self.target} in {self.scenario_id} to {len(self.moves)} "
                f"{'moves' if self.mode == 'factor' else 'numbers'}: base {format_probability(self.base)}, {how}, "
                f"{self.method}>")

    def __len__(self) -> int:
        return len(self.moves)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.moves)

    def __getitem__(self, i: int) -> MoveSensitivity:
        return self.moves[i]

    @property
    def failed(self) -> tuple[MoveSensitivity, ...]:
        """Numbers with a variant that could not be computed."""
        return tuple(m for m in self.moves if m.error is not None)

    @property
    def low_label(self) -> str:
        """What the low variant is, for legends: ``daily odds / 2`` or ``low end of range``."""
        return f"daily odds / {self.factor:g}" if self.mode == "factor" else "low end of range"

    @property
    def high_label(self) -> str:
        """What the high variant is: ``daily odds x 2`` or ``high end of range``."""
        return f"daily odds x {self.factor:g}" if self.mode == "factor" else "high end of range"

    def rows(self) -> list[dict[str, Any]]:
        """One dict per number, largest swing first."""
        return [
            {"index": m.index, "kind": m.kind, "move": m.label, "p": m.p, "p_low": m.p_low, "p_high": m.p_high,
             "low": m.low, "high": m.high, "swing": m.swing, "error": m.error}
            for m in self.moves
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the settings, the base odds and :meth:`rows`."""
        return {"scenario": self.scenario_id, "target": self.target, "horizon": self.horizon, "mode": self.mode,
                "factor": self.factor, "base": self.base, "method": self.method, "runs": self.runs,
                "seed": self.seed, "rows": self.rows()}

    def to_pandas(self) -> Any:
        """:meth:`rows` as a :class:`pandas.DataFrame` indexed by move index (needs pandas)."""
        pd = pandas_module()
        columns = ["index", "move", "p", "p_low", "p_high", "low", "high", "swing", "error"]
        if self.mode == "range":
            columns.insert(1, "kind")
        return pd.DataFrame(self.rows(), columns=columns).set_index("index")

    def _title(self) -> str:
        engine = "exact" if self.method == "exact" else f"Monte Carlo, {self.runs:,} runs each"
        what = (f"each move's daily odds / and x {self.factor:g}" if self.mode == "factor"
                else "each uncertain number set to the ends of its range")
        return (f"Odds of {self.target} within {self.horizon} days: base {format_probability(self.base)}; "
                f"{what} ({engine})")

    def _cells_text(self, top: int | None) -> tuple[list[str], list[list[str]]]:
        if self.mode == "factor":
            f = f"{self.factor:g}"
            header = ["move", "p/day", f"odds (p/{f})", f"odds (p*{f})", "swing"]
        else:
            header = ["number", "value", "odds (low end)", "odds (high end)", "swing"]
        body = []
        for m in self.moves[:top]:
            body.append([
                m.label, f"{m.p:.3g}", "failed" if m.low is None else format_probability(m.low),
                "failed" if m.high is None else format_probability(m.high), format_probability(m.swing),
            ])
        return header, body

    def table(self, top: int | None = 20) -> str:
        """A plain-text table of the ``top`` numbers by swing (all when None), with a title line."""
        lines = _text_table(self._title(), *self._cells_text(top))
        if top is not None and len(self.moves) > top:
            lines.append(f"({len(self.moves) - top} more {'moves' if self.mode == 'factor' else 'numbers'} "
                         "with smaller swings)")
        for m in self.failed:
            lines.append(f"[{m.index}] failed: {m.error}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        more = f"<p>{len(self.moves) - 20} more with smaller swings.</p>" if len(self.moves) > 20 else ""
        return _html_table(self._title(), *self._cells_text(20)) + more


class _Solver:
    """Odds of one target under many sets of numbers: exact in one batch, or Monte Carlo with a shared seed."""

    def __init__(self, model: CompiledModel, *, target: str, horizon: int, max_states: int, runs: int,
                 seed: SeedLike, vary_p: np.ndarray | None = None, vary_factor: np.ndarray | None = None,
                 workers: int | None = None, client: Client | None = None) -> None:
        from .batch import ExactBatch

        self.model, self.target, self.horizon, self.runs, self.workers = model, target, horizon, runs, workers
        self.client = client
        self.method: Literal["exact", "mc"] = "exact"
        self.entropy: int | None = None
        try:
            self.batch: ExactBatch | None = ExactBatch(model, horizon=horizon, targets=[target], vary_p=vary_p,
                                                       vary_factor=vary_factor, max_states=max_states)
        except GraphTooLargeError:
            self.batch, self.method, self.entropy = None, "mc", seed_entropy(seed)

    def solve(self, p: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, tuple[str | None, ...]]:
        """Odds (NaN where rejected) and the rejection messages, per set."""
        from .batch import simulate_sets

        if self.batch is not None:
            out = self.batch.solve(p, f, workers=self.workers, client=self.client)
        else:
            assert self.entropy is not None
            out = simulate_sets(self.model, p, f, horizon=self.horizon, targets=[self.target], runs=self.runs,
                                entropy=self.entropy, workers=self.workers, common=True, client=self.client)
        return out.odds[:, 0], out.errors


@dataclass(frozen=True, slots=True, kw_only=True)
class _Variant:
    """One number of a sweep: where it is, its value and its low and high ends, with the numbers of each end."""

    kind: Literal["move", "factor"]
    index: int
    label: str
    value: float
    lo: float
    hi: float
    p_lo: np.ndarray
    f_lo: np.ndarray
    p_hi: np.ndarray
    f_hi: np.ndarray


def _sweep(solver: _Solver, rows: list[_Variant]) -> tuple[float, list[MoveSensitivity]]:
    """Solve the base and both ends of every variant; rank by swing."""
    m = solver.model
    p = np.stack([m.move_p] + [q for r in rows for q in (r.p_lo, r.p_hi)])
    f = np.stack([m.factor] + [q for r in rows for q in (r.f_lo, r.f_hi)])
    odds, errors = solver.solve(p, f)
    if errors[0] is not None:
        m.with_numbers(p=m.move_p)  # the stated values themselves are invalid: raise the full error
    base = float(odds[0])
    out = []
    for i, r in enumerate(rows):
        kind, index, label, value, lo, hi = r.kind, r.index, r.label, r.value, r.lo, r.hi
        values: dict[str, float | None] = {}
        problems = []
        for side, col, q in (("low", 1 + 2 * i, lo), ("high", 2 + 2 * i, hi)):
            if q == value:
                values[side] = base
            elif errors[col] is not None:
                values[side] = None
                unit = "/day" if kind == "move" else ""
                problems.append(f"{'p' if kind == 'move' else 'factor'} = {q:.6g}{unit}: {errors[col]}")
            else:
                values[side] = float(odds[col])
        available = [base, *(v for v in values.values() if v is not None)]
        swing = max(available) - min(available)
        out.append(MoveSensitivity(
            index=index, label=label, p=value, p_low=lo, p_high=hi, low=values["low"], high=values["high"],
            error="; ".join(problems) or None, swing=0.0 if swing < _SWING_TOLERANCE else swing, kind=kind,  # type: ignore[arg-type]
        ))
    out.sort(key=lambda r: (-r.swing, r.kind != "move", r.index))
    return base, out


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
    workers: int | None = None,
    client: Client | None = None,
) -> Sensitivity:
    """One-at-a-time sensitivity of a target's odds to each move's daily probability.

    For each selected move, two variants of the compiled model's numbers are made: the
    move's daily probability divided by ``factor``, and multiplied by it (capped at 1); every
    other number is left as it is. The variants share the model's structure and the exact
    engine's plan, so nothing is explored again (:mod:`escalation.analysis.batch`). The odds
    of ``target`` within the horizon are computed for each, and the moves are ranked by the
    swing in those odds.

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
    workers : int, optional
        Threads for the solves; the result does not depend on it.
    client : dask.distributed.Client, optional
        Solve the variants as tasks of this Dask cluster; the result is identical.

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
    The engine is exact whenever the reachable joint graph compiles within ``max_states``;
    otherwise every variant, and the base, is run by Monte Carlo with ``runs`` trajectories
    and a shared seed.

    Multiplying a move can push an actor's outgoing probabilities in some reachable state
    above 1 (with modifiers applied), which the engines refuse rather than renormalise. Such
    a variant is *recorded as failed*: its odds are None and ``error`` holds the engine's
    message; the other variant of the same move is still reported and the swing is taken
    over the values available. No cap is applied, because any cap below ``p * factor``
    would quietly sweep a smaller change for that move than for the others.

    A move whose probability is 0 stays at 0 in both variants (swing 0). The modifiers
    still multiply the changed probability wherever they hold.

    This is a local, one-at-a-time analysis: it says which single number the result leans on
    most, not how the numbers' joint uncertainty propagates (see :func:`range_sensitivity`,
    :func:`sobol_indices` and :func:`~escalation.analysis.uncertainty.uncertain_odds`).

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
    _check_target(model, target)
    h = check_horizon(scenario.horizon if horizon is None else horizon)
    if moves is None:
        indices = list(range(len(scenario.moves)))
    else:
        indices = [int(i) for i in moves]
        for i in indices:
            if not 0 <= i < len(scenario.moves):
                raise IndexError(f"move index {i} out of range for {len(scenario.moves)} moves")
    solver = _Solver(model, target=target, horizon=h, max_states=max_states, runs=runs, seed=seed, workers=workers,
                     client=client)
    rows = []
    for i in indices:
        p = float(model.move_p[i])
        p_low, p_high = p / factor, min(1.0, p * factor)
        lo_p, hi_p = model.move_p.copy(), model.move_p.copy()
        lo_p[i], hi_p[i] = p_low, p_high
        rows.append(_Variant(kind="move", index=i, label=f"[{i}] {scenario.move_label(i)}", value=p, lo=p_low,
                             hi=p_high, p_lo=lo_p, f_lo=model.factor, p_hi=hi_p, f_hi=model.factor))
    base, out = _sweep(solver, rows)
    return Sensitivity(
        scenario_id=scenario.id, target=target, horizon=h, factor=factor, base=base, method=solver.method,
        runs=runs if solver.method == "mc" else None, seed=solver.entropy, moves=tuple(out),
    )


def range_sensitivity(
    scenario: Scenario,
    *,
    target: str,
    horizon: int | None = None,
    factor_ranges: Mapping[int, Sequence[float]] | None = None,
    runs: int = 20_000,
    seed: SeedLike = 0,
    max_states: int = DEFAULT_MAX_STATES,
    workers: int | None = None,
    client: Client | None = None,
) -> Sensitivity:
    """One-at-a-time sensitivity over ranges: each uncertain number set to the ends of its range.

    Parameters
    ----------
    scenario : Scenario
    target : str
    horizon : int, optional
    factor_ranges : mapping of int to (float, float), optional
        Modifier factors to sweep too: ``{modifier index: (lo, hi)}``.
    runs, seed, max_states, workers, client
        As for :func:`sensitivity` (Monte Carlo fallback with a shared seed).

    Returns
    -------
    Sensitivity
        With ``mode='range'``; ``p_low`` and ``p_high`` are the ends as the engine uses them
        (a window range's ends turned into daily hazards).

    Raises
    ------
    KeyError
        For an unknown target.
    ScenarioError
        If the stated values are invalid, or for a bad factor range.

    Notes
    -----
    A move's ``range: [lo, hi]`` is swept to ``lo`` and ``hi`` (on the scale it was stated
    in); a ``beta: [a, b]`` prior to its 5% and 95% quantiles. A scenario without uncertain
    numbers gives an empty sweep. An end that makes some actor's outgoing odds exceed 1 is
    recorded as failed, as in :func:`sensitivity`.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> sens = range_sensitivity(load_scenario("venezuela-2025"), target="direct_strikes")
    >>> sens.moves[0].label, len(sens)
    ('moves[0] US: maritime_strikes -> land_strikes', 77)
    >>> sens.moves[0].low < sens.base < sens.moves[0].high
    True
    """
    model = compile_model(scenario)
    _check_target(model, target)
    h = check_horizon(scenario.horizon if horizon is None else horizon)
    params = uncertain_parameters(scenario, factor_ranges=factor_ranges)
    vary_p, vary_f = support_masks(params, model.n_moves, model.factor.size)
    solver = _Solver(model, target=target, horizon=h, max_states=max_states, runs=runs, seed=seed, vary_p=vary_p,
                     vary_factor=vary_f, workers=workers, client=client)
    rows = []
    for prm in params:
        lo, hi = prm.ends()
        (p_lo, p_hi), (f_lo, f_hi) = engine_numbers([prm], np.array([[lo], [hi]]), model.move_p, model.factor)
        value = float(model.move_p[prm.index] if prm.kind == "move" else model.factor[prm.index])
        rows.append(_Variant(kind=prm.kind, index=prm.index, label=prm.label, value=value,
                             lo=float(prm.to_engine(lo)), hi=float(prm.to_engine(hi)),
                             p_lo=p_lo, f_lo=f_lo, p_hi=p_hi, f_hi=f_hi))
    base, out = _sweep(solver, rows)
    return Sensitivity(
        scenario_id=scenario.id, target=target, horizon=h, factor=None, base=base, method=solver.method,
        runs=runs if solver.method == "mc" else None, seed=solver.entropy, moves=tuple(out), mode="range",
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
        Odds of the target with each number set low and high (its daily probability divided
        and multiplied by ``factor``, or the ends of its range); NaN where the variant failed.
    base : float
        Odds in the unchanged scenario: where every bar starts.
    target : str
    factor : float or None
        None for a sweep over ranges.
    horizon : int
    low_label, high_label : str
        What the low and high bars are, for a legend (``daily odds / 2``, ``low end of range``).
    """

    labels: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    base: float
    target: str
    factor: float | None
    horizon: int
    low_label: str = ""
    high_label: str = ""


def tornado_data(sens: Sensitivity, top: int = 10) -> TornadoData:
    """The ``top`` numbers of a one-at-a-time sweep as the bars of a tornado chart.

    Parameters
    ----------
    sens : Sensitivity
        From :func:`sensitivity` or :func:`range_sensitivity`.
    top : int, optional
        Number of rows, largest swing first (>= 1).

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
    >>> t.low_label, t.high_label
    ('daily odds / 2', 'daily odds x 2')
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
        low_label=sens.low_label, high_label=sens.high_label,
    )


from .elasticity import Elasticities, elasticities
from .sobol import DEFAULT_SOBOL_N, SobolIndices, sobol_indices
