"""Backtests: nowcast odds at past dates, scored against what the event log shows followed.

For each as-of date ``D`` the scenario is restarted from the log's rungs on ``D``
(:func:`~escalation.evidence.nowcast.nowcast`) and the exact engine gives every target's
odds of first holding by each day up to the longest horizon. The log then says what
happened: a target *reached* inside the window ``(D, D + h]``; *not reached*, when the window
ends on or before the day the log is complete until; otherwise *censored* (reported, never
scored). A target that already holds on ``D`` is no forecast (*held at start*, not scored).
Scored cases get the Brier score, the log score and the CRPS of the first-hit day
(:mod:`escalation.scoring`), summarised per target, per horizon and overall, with a
calibration table.

The numbers of the scenario are used as they are: when its file was written after ``D``
(the bundled Venezuela scenario is dated 24 Oct 2025), the backtest scores the model's
structure and the analyst's numbers on the record they were set from; it is not an
out-of-sample test of those numbers (docs/evidence.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, compile_model
from ..distributed import map_ordered
from ..engines.exact import exact_odds
from ..errors import Problem, ScenarioError
from ..limits import check_horizon
from ..scenario import Scenario
from ..scoring import (
    CalibrationBin,
    brier_score,
    calibration_table,
    crps_discrete,
    log_score,
)
from .events import EventLog, check_log
from .nowcast import as_date, nowcast_starts, restart

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["DEFAULT_HORIZONS", "DEFAULT_STEP", "Backtest", "Case", "ScoreSummary", "backtest", "default_as_of"]

#: Horizons scored by default, in days.
DEFAULT_HORIZONS: tuple[int, ...] = (30, 60, 90)
#: Days between default as-of dates.
DEFAULT_STEP = 7

Status = Literal["reached", "not_reached", "censored", "held_at_start"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One forecast: a target's odds within a horizon from an as-of date, and what followed.

    Attributes
    ----------
    as_of : datetime.date
    target : str
    horizon : int
        Days.
    probability : float
        Forecast probability that the target first holds within ``horizon`` days.
    status : {'reached', 'not_reached', 'censored', 'held_at_start'}
    first_day : int or None
        Days from ``as_of`` to the first day the log shows the target holding, where that
        is within the record (it may lie beyond the horizon).
    brier, log, crps : float or None
        Scores of a scored case (``reached`` or ``not_reached``); None otherwise.
    """

    as_of: dt.date
    target: str
    horizon: int
    probability: float
    status: Status
    first_day: int | None
    brier: float | None
    log: float | None
    crps: float | None

    @property
    def scored(self) -> bool:
        """Whether the case counts in the scores."""
        return self.status in ("reached", "not_reached")

    @property
    def outcome(self) -> int | None:
        """1 reached, 0 not reached, None otherwise."""
        return {"reached": 1, "not_reached": 0}.get(self.status)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreSummary:
    """Mean scores over a group of cases.

    Attributes
    ----------
    group : str
        ``all``, ``target=<name>`` or ``horizon=<days>``.
    n : int
        Scored cases.
    n_reached, n_censored, n_held : int
        Scored cases whose target was reached; cases censored; cases held at the start.
    brier, log, crps : float
        Means over the scored cases (NaN when there are none; ``log`` may be ``inf``).
    mean_forecast, observed : float
        Mean forecast probability and observed frequency over the scored cases.
    """

    group: str
    n: int
    n_reached: int
    n_censored: int
    n_held: int
    brier: float
    log: float
    crps: float
    mean_forecast: float
    observed: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data; NaN and infinity become None (for JSON)."""
        out: dict[str, Any] = {}
        for k in self.__slots__:
            v = getattr(self, k)
            out[k] = None if isinstance(v, float) and not math.isfinite(v) else v
        return out


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


@dataclass(frozen=True, eq=False, kw_only=True)
class Backtest:
    """The cases of a backtest, their scores and the log's record of the targets.

    Attributes
    ----------
    scenario : Scenario
    log_file, log_sha256 : str
    as_of : tuple of datetime.date
    horizons : tuple of int
    targets : tuple of str
    complete_until : datetime.date
        The day the log was taken to be complete until.
    cases : tuple of Case
        Ordered by as-of date, target (file order), horizon.
    entered : dict of str to tuple of datetime.date
        Per target, the days in the record on which the log shows it starting to hold.
    """

    scenario: Scenario
    log_file: str
    log_sha256: str
    as_of: tuple[dt.date, ...]
    horizons: tuple[int, ...]
    targets: tuple[str, ...]
    complete_until: dt.date
    cases: tuple[Case, ...]
    entered: dict[str, tuple[dt.date, ...]]

    def scored(self, *, target: str | None = None, horizon: int | None = None) -> list[Case]:
        """The scored cases, optionally of one target and/or horizon."""
        return [c for c in self.cases if c.scored and (target is None or c.target == target)
                and (horizon is None or c.horizon == horizon)]

    def _summary(self, group: str, cases: list[Case]) -> ScoreSummary:
        scored = [c for c in cases if c.scored]
        n = len(scored)

        def mean(xs: list[float]) -> float:
            return float(np.mean(xs)) if xs else math.nan

        return ScoreSummary(
            group=group, n=n, n_reached=sum(c.status == "reached" for c in scored),
            n_censored=sum(c.status == "censored" for c in cases), n_held=sum(c.status == "held_at_start" for c in cases),
            brier=mean([c.brier for c in scored]), log=mean([c.log for c in scored]),  # type: ignore[misc]
            crps=mean([c.crps for c in scored]),  # type: ignore[misc]
            mean_forecast=mean([c.probability for c in scored]), observed=mean([float(c.outcome) for c in scored]),  # type: ignore[arg-type]
        )

    def summary(self) -> tuple[ScoreSummary, ...]:
        """Mean scores overall, per target and per horizon (in that order)."""
        rows = [self._summary("all", list(self.cases))]
        rows += [self._summary(f"target={t}", [c for c in self.cases if c.target == t]) for t in self.targets]
        rows += [self._summary(f"horizon={h}", [c for c in self.cases if c.horizon == h]) for h in self.horizons]
        return tuple(rows)

    def calibration(self, *, bins: int = 10, horizon: int | None = None) -> tuple[CalibrationBin, ...]:
        """Calibration table of the scored cases (of one horizon, or all)."""
        cases = self.scored(horizon=horizon)
        return calibration_table([c.probability for c in cases], [c.outcome for c in cases], bins=bins)

    # --- outputs ----------------------------------------------------------------------------
    def table(self) -> str:
        """Plain text: the scores per group and the calibration table."""
        from ..analysis.tables import format_probability, text_table

        def num(x: float, fmt: str) -> str:
            return "-" if math.isnan(x) else ("inf" if math.isinf(x) else format(x, fmt))

        span = f"{self.as_of[0]} to {self.as_of[-1]}" if self.as_of else "no dates"
        header = ["group", "scored", "reached", "censored", "held", "Brier", "log", "CRPS (days)", "forecast", "observed"]
        body = [[s.group, str(s.n), str(s.n_reached), str(s.n_censored), str(s.n_held), num(s.brier, ".4f"),
                 num(s.log, ".4f"), num(s.crps, ".2f"), format_probability(s.mean_forecast) if s.n else "-",
                 format_probability(s.observed) if s.n else "-"] for s in self.summary()]
        lines = text_table(
            f"Backtest of {self.scenario.id} on {self.log_file}: {len(self.as_of)} as-of dates ({span}), horizons "
            f"{', '.join(map(str, self.horizons))} days, record complete until {self.complete_until}", header, body)
        cal = [b for b in self.calibration() if b.n]
        if cal:
            lines.append("")
            lines += text_table("Calibration (all scored cases)", ["forecast bin", "n", "mean forecast", "observed", "95% interval"],
                                [[f"[{b.low:.1f}, {b.high:.1f})", str(b.n), format_probability(b.mean_forecast),
                                  format_probability(b.observed),
                                  f"[{format_probability(b.ci95[0])}, {format_probability(b.ci95[1])}]"] for b in cal])
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per case (the CSV's rows)."""
        return [{
            "as_of": c.as_of.isoformat(), "target": c.target, "horizon": c.horizon, "probability": c.probability,
            "status": c.status, "outcome": c.outcome, "first_day": c.first_day,
            "brier": c.brier, "log_score": _clean(c.log), "crps": c.crps,
        } for c in self.cases]

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the inputs, summaries, calibration table and cases (non-finite scores as None)."""
        from ..analysis.run import scenario_sha256
        from ..version import __version__

        return {
            "scenario": self.scenario.id, "scenario_sha256": scenario_sha256(self.scenario),
            "log": self.log_file, "log_sha256": self.log_sha256, "complete_until": self.complete_until.isoformat(),
            "horizons": list(self.horizons), "as_of": [d.isoformat() for d in self.as_of], "targets": list(self.targets),
            "entered": {t: [d.isoformat() for d in days] for t, days in self.entered.items()},
            "summary": [s.to_dict() for s in self.summary()],
            "calibration": [b.to_dict() for b in self.calibration()],
            "cases": self.rows(), "package_version": __version__,
        }

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """One row per case; written atomically to ``path`` when given."""
        buf = io.StringIO()
        fields = ["as_of", "target", "horizon", "probability", "status", "outcome", "first_day", "brier", "log_score", "crps"]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        if path is not None:
            from ..outputs import write_text

            write_text(path, buf.getvalue())
        return buf.getvalue()


def default_as_of(log: EventLog, complete_until: dt.date, *, step: int = DEFAULT_STEP) -> tuple[dt.date, ...]:
    """Every ``step`` days from the day every actor the log names is placed to ``complete_until``.

    Raises
    ------
    ScenarioError
        For an empty log (there is no first day to start from).
    """
    first = log.placed_from()
    if first is None:
        raise ScenarioError(Problem(file=log.file, message="expected rows to start a backtest from, found an empty log; "
                                                           "give the as-of dates"))
    if step < 1:
        raise ValueError(f"step: expected a whole number of days >= 1, found {step!r}")
    n = (complete_until - first).days // step + 1
    return tuple(first + dt.timedelta(days=k * step) for k in range(max(n, 0)))


def backtest(
    scenario: Scenario,
    log: EventLog,
    *,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    as_of: Sequence[dt.date | str] | None = None,
    complete_until: dt.date | str | None = None,
    targets: Sequence[str] | None = None,
    step: int = DEFAULT_STEP,
    max_states: int = DEFAULT_MAX_STATES,
    workers: int | None = None,
    client: Client | None = None,
) -> Backtest:
    """Score nowcast odds at past dates against the event log.

    Parameters
    ----------
    scenario : Scenario
    log : EventLog
        Checked against ``scenario``.
    horizons : sequence of int, optional
        Windows in days, each >= 1.
    as_of : sequence of datetime.date or str, optional
        As-of dates; default every ``step`` days from the day every actor the log names is
        placed to ``complete_until`` (:func:`default_as_of`).
    complete_until : datetime.date or str, optional
        The day up to which the log records every change; default the log's own
        ``# complete-until``, else its last row.
    targets : sequence of str, optional
        Default all.
    step : int, optional
        Days between default as-of dates.
    max_states : int, optional
        Limit on the joint chain for the exact engine.
    workers : int, optional
        Threads for the solves; default every core. The result does not depend on it.
    client : dask.distributed.Client, optional
        Solve the distinct nowcasts as tasks of this Dask cluster; the result is identical.

    Returns
    -------
    Backtest

    Raises
    ------
    ScenarioError
        If the log does not fit the scenario, is empty and no as-of dates are given, or an
        as-of date lies after ``complete_until``.
    ValueError
        For a horizon below 1.
    GraphTooLargeError
        When the chain is too large for the exact engine.

    Notes
    -----
    One exact solve per distinct nowcast state (not per date): dates between two rung
    changes share their odds. The first-hit day of a reached target is the first day after
    ``D`` on which the log's state satisfies it; a not-reached case's day is ``h + 1``
    in the CRPS (:func:`~escalation.scoring.crps_discrete`).

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.evidence import loads_events
    >>> s = load_scenario("tutorial")
    >>> log = loads_events('''date,actor,rung,source
    ... 2025-01-01,BLUE,alert,report A
    ... 2025-01-21,BLUE,strike,report B
    ... # complete-until: 2025-03-01
    ... ''', s)
    >>> bt = backtest(s, log, horizons=[30], as_of=["2025-01-01"], targets=["blue_strikes"])
    >>> c = bt.cases[0]
    >>> c.status, c.first_day, round(c.probability, 4)
    ('reached', 20, 0.1743)
    """
    check_log(log, scenario)
    hs = tuple(sorted({check_horizon(h) for h in horizons}))
    if not hs or hs[0] < 1:
        raise ValueError(f"horizons: expected whole numbers of days >= 1, found {list(horizons)!r}")
    until = as_date(complete_until, what="complete_until") if complete_until is not None else (
        log.complete_until or log.last_day)
    if until is None:
        raise ScenarioError(Problem(file=log.file, message=(
            "expected a day the log is complete until, found an empty log without '# complete-until'; "
            "give complete_until (--complete-until)")))
    dates = tuple(sorted({as_date(d) for d in as_of})) if as_of is not None else default_as_of(log, until, step=step)
    for d in dates:
        if d > until:
            raise ScenarioError(Problem(file=log.file, field="as_of", message=(
                f"expected as-of dates on or before the day the log is complete until ({until}), found {d}")))
    model = compile_model(scenario)
    names = model.select_targets(targets)
    which = [model.target_names.index(t) for t in names]
    horizon = hs[-1]
    keys = [tuple(nowcast_starts(scenario, log, d).items()) for d in dates]
    distinct = list(dict.fromkeys(keys))
    job = _NowcastJob(scenario=scenario, horizon=horizon, targets=names, max_states=max_states)
    solved = dict(zip(distinct, map_ordered(client, _solve_nowcast, distinct, shared=job, workers=workers)))
    cases: list[Case] = []
    for d, key in zip(dates, keys):
        cum = solved[key]
        known = min(horizon, (until - d).days)
        holds = model.targets_hold(log.states(scenario, d, d + dt.timedelta(days=known)), which)
        for j, name in enumerate(names):
            later = np.flatnonzero(holds[j, 1:])
            hit = int(later[0]) + 1 if later.size else None
            for h in hs:
                p = float(cum[j, h])
                status: Status
                if holds[j, 0]:
                    status = "held_at_start"
                elif hit is not None and hit <= h:
                    status = "reached"
                elif (until - d).days >= h:
                    status = "not_reached"
                else:
                    status = "censored"
                scores: tuple[float | None, float | None, float | None] = (None, None, None)
                if status in ("reached", "not_reached"):
                    y = 1 if status == "reached" else 0
                    day = hit if status == "reached" else h + 1
                    scores = (float(brier_score(p, y)), float(log_score(p, y)),
                              float(crps_discrete(cum[j, : h + 1], np.int64(day))))
                cases.append(Case(as_of=d, target=name, horizon=h, probability=p, status=status, first_day=hit,
                                  brier=scores[0], log=scores[1], crps=scores[2]))
    return Backtest(
        scenario=scenario, log_file=log.file, log_sha256=log.sha256, as_of=dates, horizons=hs, targets=names,
        complete_until=until, cases=tuple(cases), entered=_entered(scenario, log, model, which, names, until),
    )


def _entered(scenario: Scenario, log: EventLog, model: Any, which: list[int], names: tuple[str, ...],
             until: dt.date) -> dict[str, tuple[dt.date, ...]]:
    """Per target, the days the log shows it starting to hold (from the log's first row to ``until``)."""
    first = log.first_day
    if first is None or until < first:
        return {t: () for t in names}
    holds = model.targets_hold(log.states(scenario, first, until), which)
    out = {}
    for j, name in enumerate(names):
        starts = np.flatnonzero(holds[j, 1:] & ~holds[j, :-1]) + 1
        out[name] = tuple(first + dt.timedelta(days=int(k)) for k in starts)
    return out


@dataclass(frozen=True, eq=False, kw_only=True)
class _NowcastJob:
    """What every nowcast solve of :func:`backtest` needs (scattered once to a cluster's workers)."""

    scenario: Scenario
    horizon: int
    targets: tuple[str, ...]
    max_states: int


def _solve_nowcast(job: _NowcastJob, starts: tuple[tuple[str, str], ...]) -> np.ndarray:
    """Cumulative exact odds ``(n_targets, horizon + 1)`` from the rungs ``starts`` (actor, rung)."""
    return exact_odds(restart(job.scenario, dict(starts)), horizon=job.horizon, targets=job.targets,
                      max_states=job.max_states).cumulative()
