"""Odds as distributions: the spread of each target's odds implied by the uncertain numbers.

:func:`uncertain_odds` draws parameter sets from the priors of a scenario's uncertain numbers
(:mod:`escalation.analysis.priors`: a PERT on each move's ``range`` with its stated value as
mode, a move's ``beta`` as given, optional factor ranges), solves each set, and reports per
target the median odds, a 90% interval of the odds, the point-value odds and the odds of every
draw. Draws come in fixed-size blocks seeded from the one seed, and each set is solved on its
own, so the answer depends on the seed and the number of draws only, never on the workers.

Each set is solved exactly where the joint chain can be enumerated (within ``max_states``),
all sets sharing one plan (:mod:`escalation.analysis.batch`); otherwise each set is walked by
Monte Carlo with its own fixed seed, and the sampling error is reported apart from the spread
across draws.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, compile_model, estimate_states
from ..engines.odds import check_races
from ..errors import EscalationError
from ..limits import check_horizon, check_runs
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from .priors import (
    Parameter,
    draw_parameters,
    engine_numbers,
    support_masks,
    uncertain_parameters,
)
from .run import AUTO_EXACT_MAX_STATES, Manifest, _version, scenario_sha256
from .tables import csv_text, format_probability, html_table, pandas_module, text_table

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["INTERVAL", "RACE_OUTCOMES", "UncertainOdds", "UncertainRace", "UncertainTarget", "uncertain_odds"]

#: The central interval reported: 90% (the 5% and 95% quantiles of the draws' odds).
INTERVAL = 0.90
_LO_Q, _HI_Q = (1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2
#: Largest number of rejected-draw reasons kept (the count is always complete).
_MAX_REASONS = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class UncertainTarget:
    """The distribution of one target's odds within the horizon.

    Attributes
    ----------
    name, description : str
    point : float
        Odds with every number at its stated value.
    median, mean, sd : float
        Of the odds over the valid draws (the point odds, and sd 0, without draws).
    low, high : float
        The 5% and 95% quantiles of the odds: a 90% interval.
    sampling_se : float or None
        With Monte Carlo, the root-mean-square binomial standard error of a draw's odds:
        the part of the spread that is sampling noise. None when exact.
    """

    name: str
    description: str
    point: float
    median: float
    mean: float
    sd: float
    low: float
    high: float
    sampling_se: float | None

    @property
    def parameter_sd(self) -> float:
        """Standard deviation of the odds due to the parameters alone (sampling variance removed)."""
        if self.sampling_se is None:
            return self.sd
        return math.sqrt(max(0.0, self.sd ** 2 - self.sampling_se ** 2))


#: The outcomes of a race, in the order of :meth:`escalation.engines.odds.Race.cumulative`.
RACE_OUTCOMES = ("first_wins", "second_wins", "tie")


@dataclass(frozen=True, slots=True, kw_only=True)
class UncertainRace:
    """The distribution of a race's odds (which of two targets holds first) within the horizon.

    Attributes
    ----------
    first, second : str
        The two targets.
    point, median, low, high : tuple of float
        For each outcome of :data:`RACE_OUTCOMES` (first holds first, second holds first, both
        on the same day): the odds with the stated values, and the median and 90% interval
        over the valid draws (the point odds without draws).
    """

    first: str
    second: str
    point: tuple[float, float, float]
    median: tuple[float, float, float]
    low: tuple[float, float, float]
    high: tuple[float, float, float]

    def line(self, horizon: int) -> str:
        """One line: each outcome's median odds, 90% interval and point odds."""
        labels = (f"{self.first} first", f"{self.second} first", "same day")
        parts = [f"{label} {format_probability(m)} [{format_probability(lo)}, {format_probability(hi)}] "
                 f"(point {format_probability(pt)})"
                 for label, m, lo, hi, pt in zip(labels, self.median, self.low, self.high, self.point)]
        return f"race {self.first} vs {self.second} within {horizon} days: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """``{first, second, first_wins: {point, median, low, high}, second_wins: ..., tie: ...}``."""
        out: dict[str, Any] = {"first": self.first, "second": self.second}
        for k, name in enumerate(RACE_OUTCOMES):
            out[name] = {"point": self.point[k], "median": self.median[k], "low": self.low[k], "high": self.high[k]}
        return out


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class UncertainOdds(Mapping[str, UncertainTarget]):
    """The answer of :func:`uncertain_odds`: per target, the distribution of its odds.

    A read-only mapping from target name to :class:`UncertainTarget`.

    Attributes
    ----------
    scenario : Scenario
    parameters : tuple of Parameter
        The uncertain numbers drawn (empty when the scenario has none).
    targets : tuple of UncertainTarget
    horizon : int
    draws : int
        Parameter sets drawn.
    samples : ndarray, shape (draws, n_params)
        Every set, on the stated scales (window odds for moves given ``within``).
    odds : ndarray, shape (n_valid, n_targets)
        Each valid draw's odds at the horizon (rejected draws left out).
    curves : ndarray, shape (n_valid, n_targets, horizon + 1)
        Each valid draw's cumulative odds by day.
    point_curves : ndarray, shape (n_targets, horizon + 1)
        Cumulative odds with the stated values.
    rejected : int
        Draws whose outgoing probabilities add up to more than 1 in some reachable state;
        they are left out of every summary (the prior is, in effect, truncated to valid sets).
    reasons : tuple of (str, int)
        The most frequent reasons for rejection, with their counts.
    engine : {'exact', 'mc'}
    runs : int or None
        Trajectories per draw with Monte Carlo.
    manifest : Manifest
        Seed (``manifest.seed``), engine, horizon, wall time, versions.
    races : tuple of UncertainRace
        The races asked for (``races=``), each with the distribution of its outcomes.
    race_odds : ndarray, shape (n_valid, n_races, 3)
        Each valid draw's race odds at the horizon (outcomes as :data:`RACE_OUTCOMES`).
    """

    scenario: Scenario
    parameters: tuple[Parameter, ...]
    targets: tuple[UncertainTarget, ...]
    horizon: int
    draws: int
    samples: np.ndarray = field(repr=False)
    odds: np.ndarray = field(repr=False)
    curves: np.ndarray = field(repr=False)
    point_curves: np.ndarray = field(repr=False)
    valid: np.ndarray = field(repr=False)
    rejected: int
    reasons: tuple[tuple[str, int], ...]
    engine: Literal["exact", "mc"]
    runs: int | None
    manifest: Manifest
    races: tuple[UncertainRace, ...] = ()
    race_odds: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3)), repr=False)

    # --- mapping -------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> UncertainTarget:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(f"unknown target {name!r}; in this result: {', '.join(t.name for t in self.targets)}")

    def __iter__(self):
        return (t.name for t in self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.targets)

    def __repr__(self) -> str:
        return (f"<UncertainOdds {self.scenario.id}: {len(self.targets)} targets, horizon {self.horizon} days, "
                f"{self.n_valid:,} of {self.draws:,} draws over {len(self.parameters)} uncertain numbers, "
                f"{self.engine}>")

    @property
    def n_valid(self) -> int:
        """Draws solved (``draws - rejected``)."""
        return int(self.odds.shape[0])

    @property
    def has_uncertainty(self) -> bool:
        """Whether the scenario has any uncertain number (else every summary is the point odds)."""
        return bool(self.parameters)

    def target_odds(self, name: str) -> np.ndarray:
        """The odds of ``name`` in every valid draw; shape ``(n_valid,)``."""
        self[name]
        return self.odds[:, [t.name for t in self.targets].index(name)]

    def band(self, name: str, q: Sequence[float] = (_LO_Q, 0.5, _HI_Q)) -> np.ndarray:
        """Quantiles of the cumulative odds of ``name`` on every day.

        Returns
        -------
        ndarray, shape (len(q), horizon + 1)
            Row ``i`` is the ``q[i]`` quantile over the valid draws of the odds by each
            day (the point curve repeated when there are no draws).
        """
        self[name]
        j = [t.name for t in self.targets].index(name)
        if not self.n_valid:
            return np.tile(self.point_curves[j], (len(q), 1))
        return np.quantile(self.curves[:, j, :], list(q), axis=0)

    # --- exports -------------------------------------------------------------------------------
    def note(self) -> str | None:
        """Why there is no spread (no uncertain numbers), or how many draws were rejected; None otherwise."""
        if not self.parameters:
            return ("no move carries a range or beta (and no factor range was given): the odds are the point "
                    "values, with no spread")
        if self.rejected:
            reasons = "; ".join(f"{n} x {r}" for r, n in self.reasons)
            return (f"{self.rejected} of {self.draws} draws rejected (outgoing daily probabilities above 1 in a "
                    f"reachable state) and left out: {reasons}")
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``targets.<name>.{point, median, low, high, ...}``, ``parameters``, ``manifest``."""
        targets = {}
        for t in self.targets:
            d = asdict(t)
            d.pop("name")
            d["interval"] = [t.low, t.high]
            d["parameter_sd"] = t.parameter_sd
            targets[t.name] = d
        return {
            "scenario": self.scenario.id, "title": self.scenario.title, "horizon": self.horizon,
            "interval_level": INTERVAL, "targets": targets,
            "uncertainty": {
                "draws": self.draws, "valid": self.n_valid, "rejected": self.rejected,
                "reasons": [{"reason": r, "count": n} for r, n in self.reasons],
                "engine": self.engine, "runs_per_draw": self.runs, "note": self.note(),
                "parameters": [{"label": p.label, "kind": p.kind, "index": p.index, "prior": p.prior,
                                "value": p.value, "lo": p.lo, "hi": p.hi, "a": p.a, "b": p.b, "scale": p.scale}
                               for p in self.parameters],
            },
            "races": [r.to_dict() for r in self.races],
            "manifest": asdict(self.manifest),
        }

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def _rows(self) -> list[dict[str, Any]]:
        return [{"target": t.name, "point": t.point, "median": t.median, "low": t.low, "high": t.high,
                 "mean": t.mean, "sd": t.sd, "sampling_se": t.sampling_se} for t in self.targets]

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """One row per target; written atomically to ``path`` when given."""
        text = csv_text(self._rows())
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def to_pandas(self) -> Any:
        """The per-target table as a :class:`pandas.DataFrame` indexed by target (needs pandas)."""
        pd = pandas_module()
        return pd.DataFrame(self._rows()).set_index("target")

    def _title(self) -> str:
        return f"{self.scenario.title} ({self.scenario.id}), horizon {self.horizon} days: odds with their uncertainty"

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        mc = self.engine == "mc"
        header = ["target", "point odds", "median", f"{INTERVAL:.0%} interval"] + (["sampling se"] if mc else [])
        body = []
        for t in self.targets:
            row = [t.name, format_probability(t.point), format_probability(t.median),
                   f"[{format_probability(t.low)}, {format_probability(t.high)}]"]
            if mc:
                row.append(format_probability(t.sampling_se))
            body.append(row)
        return header, body

    def _footer(self) -> str:
        m = self.manifest
        bits = [f"{self.n_valid:,} of {self.draws:,} draws over {len(self.parameters)} uncertain numbers",
                f"seed {m.seed}", "exact per draw" if self.engine == "exact" else f"Monte Carlo, {self.runs:,} runs per draw"]
        if m.n_states is not None:
            bits.append(f"{m.n_states:,} joint states")
        bits.append(f"{m.wall_time:.2f} s")
        return "(" + "; ".join(bits) + ")"

    def table(self) -> str:
        """A plain-text table: per target the point odds, the median and the 90% interval."""
        lines = text_table(self._title(), *self._cells())
        lines += [r.line(self.horizon) for r in self.races]
        lines.append(self._footer())
        note = self.note()
        if note:
            lines.append(f"note: {note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        import html

        note = self.note()
        extra = "".join(f"<p>{html.escape(r.line(self.horizon))}</p>" for r in self.races)
        extra += f"<p>{html.escape(self._footer())}</p>" + (f"<p>Note: {html.escape(note)}</p>" if note else "")
        return html_table(self._title(), *self._cells()) + extra


def uncertain_odds(
    scenario: Scenario,
    *,
    draws: int = 1000,
    seed: SeedLike = None,
    horizon: int | None = None,
    targets: Sequence[str] | None = None,
    workers: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    runs: int = 10_000,
    factor_ranges: Mapping[int, Sequence[float]] | None = None,
    method: Literal["auto", "exact", "mc"] = "auto",
    client: Client | None = None,
    progress: Callable[[int], None] | None = None,
    races: Sequence[tuple[str, str]] = (),
) -> UncertainOdds:
    """The distribution of each target's odds under the scenario's uncertain numbers.

    Parameters
    ----------
    scenario : Scenario
    draws : int, optional
        Parameter sets to draw (>= 1).
    seed : None, int, SeedSequence or Generator, optional
        Normalised once; without one, fresh entropy is drawn and recorded in the manifest.
    horizon : int, optional
        Days; default the scenario's horizon.
    targets : sequence of str, optional
        Target names; default all.
    workers : int, optional
        Threads; default every core. The result does not depend on it.
    max_states : int, optional
        The exact engine is used when the joint chain has at most this many states (and, with
        ``method='auto'``, at most :data:`~escalation.analysis.run.AUTO_EXACT_MAX_STATES`).
    runs : int, optional
        Trajectories per draw when Monte Carlo is used.
    factor_ranges : mapping of int to (float, float), optional
        ``{modifier index: (lo, hi)}``: modifier factors to treat as uncertain (PERT with
        the stated factor as mode).
    method : {'auto', 'exact', 'mc'}
        How each draw is solved.
    client : dask.distributed.Client, optional
        Solve the draws as tasks of this Dask cluster (blocks of sets when exact, one set a
        task with Monte Carlo); the result is identical to the local one.
    progress : callable, optional
        Called with the number of draws solved so far.
    races : sequence of (str, str), optional
        Pairs of targets whose race (which holds first) to solve in every draw too
        (:attr:`UncertainOdds.races`).

    Returns
    -------
    UncertainOdds

    Raises
    ------
    ScenarioError
        If the stated values themselves are invalid, or for a bad factor range.
    GraphTooLargeError
        With ``method='exact'`` on a chain that may exceed ``max_states``.
    EscalationError
        When every draw is rejected.
    KeyError
        For an unknown target.

    Notes
    -----
    Priors (:mod:`escalation.analysis.priors`): a move's ``range: [lo, hi]`` is a PERT
    distribution, the Beta on ``[lo, hi]`` with shape ``1 + 4 (m - lo) / (hi - lo)`` and
    ``1 + 4 (hi - m) / (hi - lo)`` where ``m`` is the stated value; ``beta: [a, b]`` is a
    Beta(a, b) used as given. Both are on the stated scale: window odds are drawn as window
    odds and turned into daily hazards. The numbers are drawn independently of each other.

    A draw whose numbers make some actor's outgoing daily probabilities add up to more than 1
    in a reachable state is *rejected*: it is left out, counted in ``rejected`` and its
    reasons are kept. The summaries are then those of the prior truncated to valid sets.

    With Monte Carlo, the observed spread of the odds is the parameter spread plus sampling
    noise; ``sampling_se`` gives the noise's size and :attr:`UncertainTarget.parameter_sd`
    the spread with the noise's variance removed.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> u = uncertain_odds(load_scenario("venezuela-2025"), draws=64, seed=1, targets=["direct_strikes"])
    >>> t = u["direct_strikes"]
    >>> round(t.point, 3), t.low < t.median < t.high, u.n_valid
    (0.382, True, 64)
    """
    started = time.perf_counter()
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be a whole number >= 1, found {draws!r}")
    if method not in ("auto", "exact", "mc"):
        raise ValueError(f"method must be one of auto, exact, mc; found {method!r}")
    runs = check_runs(runs)
    model = compile_model(scenario)
    h = check_horizon(scenario.horizon if horizon is None else horizon)
    names = model.select_targets(targets)
    race_pairs = check_races(scenario, races)
    params = uncertain_parameters(scenario, factor_ranges=factor_ranges)
    entropy = seed_entropy(seed)
    estimate = estimate_states(model)
    engine: Literal["exact", "mc"]
    if method == "auto":
        engine = "exact" if estimate <= min(AUTO_EXACT_MAX_STATES, max_states) else "mc"
    else:
        engine = method

    n_draws = int(draws) if params else 0
    x = draw_parameters(params, n_draws, entropy)
    p, f = engine_numbers(params, x, model.move_p, model.factor)
    vary_p, vary_f = support_masks(params, model.n_moves, model.factor.size)
    base_p, base_f = model.move_p[None, :], model.factor[None, :]
    n_states = None
    if engine == "exact":
        from .batch import ExactBatch

        batch = ExactBatch(model, horizon=h, targets=names, vary_p=vary_p, vary_factor=vary_f, max_states=max_states,
                           races=race_pairs)
        n_states = batch.n_states
        point = batch.solve(base_p, base_f, workers=1)
        out = batch.solve(p, f, workers=workers, client=client, progress=progress) if n_draws else None
    else:
        from .batch import simulate_sets

        point = simulate_sets(model, base_p, base_f, horizon=h, targets=names, runs=runs, entropy=entropy,
                              workers=1, races=race_pairs)
        out = simulate_sets(model, p, f, horizon=h, targets=names, runs=runs, entropy=entropy,
                            workers=workers, client=client, progress=progress, races=race_pairs) if n_draws else None
    if point.errors[0] is not None:  # the stated values are invalid: the engines would refuse them too
        model.with_numbers(p=model.move_p)  # raises the full ScenarioError
        raise EscalationError(point.errors[0])  # pragma: no cover - with_numbers raised

    point_curves = point.cumulative[0]
    if out is not None:
        valid = out.valid
        odds = out.odds[valid]
        curves = out.cumulative[valid]
        reasons = Counter(e for e in out.errors if e is not None)
        rejected = int((~valid).sum())
        if not valid.any():
            raise EscalationError(f"all {n_draws} draws were rejected: {reasons.most_common(1)[0][0]}")
        se = out.sampling_se[valid] if out.sampling_se is not None else None
    else:
        valid = np.zeros(0, dtype=bool)
        odds = np.zeros((0, len(names)))
        curves = np.zeros((0, len(names), h + 1))
        reasons, rejected = Counter(), 0
        se = None
    point_se = point.sampling_se[0] if point.sampling_se is not None else None

    rows = []
    for j, name in enumerate(names):
        pt = float(point_curves[j, -1])
        if odds.shape[0]:
            col = odds[:, j]
            lo, med, hi = (float(v) for v in np.quantile(col, [_LO_Q, 0.5, _HI_Q]))
            mean, sd = float(col.mean()), float(col.std(ddof=1)) if col.size > 1 else 0.0
            sampling = float(np.sqrt(np.mean(se[:, j] ** 2))) if se is not None else None
        else:
            lo = med = hi = mean = pt
            sd = 0.0
            sampling = float(point_se[j]) if point_se is not None else None
        rows.append(UncertainTarget(name=name, description=scenario.target(name).description, point=pt, median=med,
                                    mean=mean, sd=sd, low=lo, high=hi, sampling_se=sampling))
    point_races = point.race_cumulative[0, :, :, -1]  # (n_races, 3)
    race_odds = out.race_cumulative[valid][:, :, :, -1] if out is not None else np.zeros((0, len(race_pairs), 3))
    race_rows = []
    for r, (a, b) in enumerate(race_pairs):
        pt = tuple(float(v) for v in point_races[r])
        if race_odds.shape[0]:
            lo, med, hi = (tuple(float(v) for v in q) for q in np.quantile(race_odds[:, r, :], [_LO_Q, 0.5, _HI_Q], axis=0))
        else:
            lo = med = hi = pt
        race_rows.append(UncertainRace(first=a, second=b, point=pt, median=med, low=lo, high=hi))  # type: ignore[arg-type]
    for arr in (x, odds, curves, point_curves, valid, race_odds):
        arr.flags.writeable = False
    manifest = Manifest(
        scenario_id=scenario.id, scenario_sha256=scenario_sha256(scenario), scenario_file=scenario.origin,
        engine=engine, engine_reason=(f"{method}: exact odds per draw (the joint chain has at most {estimate:,} states)"
                                      if engine == "exact" else f"{method}: Monte Carlo per draw, {runs:,} runs each"),
        seed=entropy, runs=runs if engine == "mc" else None, horizon=h, n_states=n_states,
        package_version=_version(), python_version=platform.python_version(), numpy_version=np.__version__,
        wall_time=time.perf_counter() - started,
    )
    return UncertainOdds(
        scenario=scenario, parameters=params, targets=tuple(rows), horizon=h, draws=n_draws, samples=x, odds=odds,
        curves=curves, point_curves=point_curves, valid=valid, rejected=rejected,
        reasons=tuple(reasons.most_common(_MAX_REASONS)), engine=engine, runs=runs if engine == "mc" else None,
        manifest=manifest, races=tuple(race_rows), race_odds=race_odds,
    )
