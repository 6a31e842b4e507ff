"""Nowcasts: a scenario restarted from the rungs an event log puts its actors on by a date.

:func:`nowcast` changes only the start rungs: the numbers (move probabilities, modifiers)
stay those of the scenario file, and so does its ``as_of``. :func:`run_nowcast` is what
``escalation run SCENARIO --events LOG --as-of DATE`` calls: :func:`~escalation.analysis.run`
on the nowcast, with a manifest that also records the log's SHA-256 and the date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..analysis.run import Manifest, RunResult, run, scenario_sha256
from ..errors import Problem, ScenarioError
from ..scenario import Scenario
from .events import EventLog, check_log, parse_date

if TYPE_CHECKING:
    from ..analysis.uncertainty import UncertainOdds

__all__ = ["NowcastManifest", "as_date", "nowcast", "nowcast_starts", "restart", "run_nowcast", "uncertain_nowcast"]


def as_date(value: dt.date | str, *, what: str = "as_of") -> dt.date:
    """A day from a :class:`datetime.date` or ``YYYY-MM-DD`` text.

    Raises
    ------
    ScenarioError
        For anything else, naming ``what``.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value.strip(), month=False)[0]
        except ValueError as exc:
            raise ScenarioError(Problem(field=what, message=str(exc))) from None
    raise ScenarioError(Problem(field=what, message=f"expected a date YYYY-MM-DD, found {value!r}"))


def nowcast_starts(scenario: Scenario, log: EventLog, as_of: dt.date | str) -> dict[str, str]:
    """Actor -> rung on ``as_of`` by the log (actors it has not placed keep their start rung).

    Raises
    ------
    ScenarioError
        If the log does not fit the scenario, or ``as_of`` is after the day the log says it
        is complete until.
    """
    day = as_date(as_of)
    check_log(log, scenario)
    log.end(as_of=day)
    placed = log.rungs_on(day)
    return {a.id: placed.get(a.id, a.start) for a in scenario.actors}


def nowcast(scenario: Scenario, log: EventLog, as_of: dt.date | str) -> Scenario:
    """The scenario with each actor starting on the rung the log puts it on by ``as_of``.

    Parameters
    ----------
    scenario : Scenario
    log : EventLog
        Checked against ``scenario`` (:func:`~escalation.evidence.events.check_log`).
    as_of : datetime.date or str
        The day whose end state is the new start (rows dated on or before it count).

    Returns
    -------
    Scenario
        ``scenario`` itself when no start rung changes (an empty log, or one that agrees
        with the file), so the run is the plain run bit for bit; otherwise
        :meth:`Scenario.with_start` with the changed rungs.

    Raises
    ------
    ScenarioError
        If the log does not fit the scenario, or ``as_of`` is after the log's complete-until.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.evidence import loads_events
    >>> s = load_scenario("tutorial")
    >>> log = loads_events("date,actor,rung,source\\n2025-03-01,RED,mobilised,a report\\n", s)
    >>> nowcast(s, log, "2025-03-02").actor("RED").start, nowcast(s, log, "2025-02-28") is s
    ('mobilised', True)
    """
    return restart(scenario, nowcast_starts(scenario, log, as_of))


def restart(scenario: Scenario, starts: Mapping[str, str]) -> Scenario:
    """``scenario`` with each actor of ``starts`` starting on its rung there; ``scenario`` itself when none changes.

    Returning the same object when nothing changes keeps its cache (compiled model, plans) and
    makes a nowcast that agrees with the file the plain run, bit for bit.
    """
    changed = {a: r for a, r in starts.items() if scenario.actor(a).start != r}
    return scenario.with_start(**changed) if changed else scenario


@dataclass(frozen=True, slots=True, kw_only=True)
class NowcastManifest(Manifest):
    """A run's :class:`~escalation.analysis.Manifest` plus the event log and date it started from.

    ``scenario_sha256`` and ``scenario_file`` are those of the scenario file (not of the
    nowcast variant), so the file, the log and the date reproduce the run.
    """

    events_file: str
    events_sha256: str
    as_of: str
    starts: dict[str, str]


def run_nowcast(scenario: Scenario, log: EventLog, *, as_of: dt.date | str, **options: Any) -> RunResult:
    """:func:`~escalation.analysis.run` on :func:`nowcast`, with the log and date in the manifest.

    Parameters
    ----------
    scenario : Scenario
    log : EventLog
    as_of : datetime.date or str
    **options
        Passed to :func:`~escalation.analysis.run` (``method``, ``runs``, ``seed`` ...).

    Returns
    -------
    RunResult
        Its ``scenario`` is the nowcast; its manifest a :class:`NowcastManifest`.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.evidence import loads_events
    >>> s = load_scenario("tutorial")
    >>> log = loads_events("date,actor,rung,source\\n", s)
    >>> r = run_nowcast(s, log, as_of="2025-03-01", method="exact")
    >>> r.manifest.as_of, r["blue_strikes"].exact == run(s, method="exact")["blue_strikes"].exact
    ('2025-03-01', True)
    """
    day = as_date(as_of)
    result = run(nowcast(scenario, log, day), **options)
    return dataclasses.replace(result, manifest=_nowcast_manifest(result.manifest, scenario, log, day))


def uncertain_nowcast(scenario: Scenario, log: EventLog, *, as_of: dt.date | str, **options: Any) -> UncertainOdds:
    """:func:`~escalation.analysis.uncertainty.uncertain_odds` on :func:`nowcast`, with the log and date in the manifest.

    What ``escalation run SCENARIO --uncertainty K --events LOG --as-of DATE`` calls: the
    spread of the odds from where the log puts the actors on ``as_of``.

    Parameters
    ----------
    scenario : Scenario
    log : EventLog
    as_of : datetime.date or str
    **options
        Passed to :func:`~escalation.analysis.uncertainty.uncertain_odds` (``draws``, ``seed`` ...).

    Returns
    -------
    UncertainOdds
        Its ``scenario`` is the nowcast; its manifest a :class:`NowcastManifest`.
    """
    from ..analysis.uncertainty import uncertain_odds

    day = as_date(as_of)
    result = uncertain_odds(nowcast(scenario, log, day), **options)
    return dataclasses.replace(result, manifest=_nowcast_manifest(result.manifest, scenario, log, day))


def _nowcast_manifest(manifest: Manifest, scenario: Scenario, log: EventLog, day: dt.date) -> NowcastManifest:
    """``manifest`` with the scenario file's identity (not the variant's) and the log, date and starts."""
    base = {f.name: getattr(manifest, f.name) for f in dataclasses.fields(Manifest)}
    base.update(scenario_sha256=scenario_sha256(scenario), scenario_file=scenario.origin)
    return NowcastManifest(**base, events_file=log.file, events_sha256=log.sha256, as_of=day.isoformat(),
                           starts=nowcast_starts(scenario, log, day))
