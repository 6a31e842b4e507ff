"""Evidence: event logs, nowcasts, Bayesian updates and backtests (docs/evidence.md).

- :mod:`.events`: the event-log format (CSV: ``date, actor, rung, source, note``), its
  reader and its checks against a scenario.
- :mod:`.nowcast`: a scenario restarted from the rungs a log puts its actors on by a date,
  :func:`run_nowcast`, what ``escalation run --events LOG --as-of DATE`` calls, and
  :func:`uncertain_nowcast`, the same with ``--uncertainty K``.
- :mod:`.fit`: the Bayesian (Beta) update of the move probabilities from a log.
- :mod:`.backtest`: nowcast odds at past dates scored against what the log shows followed.

Every public name is importable from here.
"""

from .backtest import (
    DEFAULT_HORIZONS,
    Backtest,
    Case,
    ScoreSummary,
    backtest,
    default_as_of,
)
from .events import (
    COLUMNS,
    Event,
    EventLog,
    bundled_logs,
    check_log,
    find_log,
    load_events,
    loads_events,
    parse_date,
)
from .fit import FitResult, MoveUpdate, Prior, fit, prior_beta
from .nowcast import NowcastManifest, as_date, nowcast, nowcast_starts, run_nowcast, uncertain_nowcast

__all__ = [
    "COLUMNS",
    "DEFAULT_HORIZONS",
    "Backtest",
    "Case",
    "Event",
    "EventLog",
    "FitResult",
    "MoveUpdate",
    "NowcastManifest",
    "Prior",
    "ScoreSummary",
    "as_date",
    "backtest",
    "bundled_logs",
    "check_log",
    "default_as_of",
    "find_log",
    "fit",
    "load_events",
    "loads_events",
    "nowcast",
    "nowcast_starts",
    "parse_date",
    "prior_beta",
    "run_nowcast",
    "uncertain_nowcast",
]
