"""The evidence commands: fit (Bayesian update from an event log) and backtest.

Also the pieces ``run --events LOG --as-of DATE`` uses (:func:`nowcast_log`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..outputs import is_stdout, write_text
from .base import cli, json_option, load, quiet_option, refuse_bad_output
from .distributed import cluster_options, open_cluster

if TYPE_CHECKING:
    from ..evidence import EventLog
    from ..scenario import Scenario

__all__ = ["DATE", "backtest_cmd", "fit_cmd", "nowcast_log"]


class _Date(click.ParamType):
    """A day, ``YYYY-MM-DD``."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from ..evidence import parse_date

        try:
            return parse_date(str(value).strip(), month=False)[0]
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = _Date()

events_option = click.option("--events", "events", metavar="LOG", required=True,
                             help="Event log: a CSV file (date,actor,rung,source,note) or a bundled log name.")
complete_option = click.option("--complete-until", type=DATE, default=None, metavar="DATE",
                               help="The log records every rung change up to this day [default: the log's "
                                    "'# complete-until:' line, else its last row].")


def nowcast_options(f: Any) -> Any:
    """``--events LOG`` and ``--as-of DATE`` (optional, together): start from a nowcast; see :func:`nowcast_log`."""
    f = click.option("--as-of", "as_of", type=DATE, default=None, metavar="DATE",
                     help="With --events: the day of the nowcast.")(f)
    return click.option("--events", "events", metavar="LOG", default=None,
                        help="Event log (CSV file or bundled name): start each actor on the rung the log puts it on "
                             "by --as-of (a nowcast); the manifest records the log's SHA-256 and the date.")(f)


def nowcast_log(scenario: Scenario, events: str | None, as_of: dt.date | None) -> tuple[EventLog, dt.date] | None:
    """For ``run --events LOG --as-of DATE``: the checked log and the day, or None without ``--events``.

    Raises
    ------
    click.UsageError
        For one of the two options without the other.
    ScenarioError
        For a log that is bad or does not fit the scenario.
    """
    if events is None and as_of is None:
        return None
    if events is None or as_of is None:
        raise click.UsageError("--events and --as-of go together: give the event log and the day of the nowcast")
    from ..evidence import load_events

    return load_events(events, scenario), as_of


def _write_or_echo(path: str | None, text: str) -> bool:
    """Write ``text`` to ``path`` (or stdout for '-'); True when it went to stdout."""
    if path is None:
        return False
    if is_stdout(path):
        click.echo(text, nl=False)
        return True
    write_text(path, text)
    return False


@cli.command("fit")
@click.argument("scenario")
@events_option
@click.option("--as-of", type=DATE, default=None, metavar="DATE",
              help="Use the log up to this day only (taken as complete up to it).")
@complete_option
@click.option("--out", metavar="FILE", required=True, help="Write the posterior scenario (YAML) here.")
@json_option
@quiet_option
def fit_cmd(scenario: str, events: str, as_of: dt.date | None, complete_until: dt.date | None, out: str,
            json_out: str | None, quiet: bool) -> None:
    """Update the move probabilities of SCENARIO from an event log (Bayesian, Beta priors).

    Writes the posterior scenario to --out (posterior means as p, 90% intervals as range,
    the posterior Beta as beta, the log named in each updated move's source) and prints
    what moved. --json writes the report as JSON.
    """
    if is_stdout(out):
        raise click.UsageError("--out: expected a file for the posterior scenario, found '-'")
    refuse_bad_output(out)
    refuse_bad_output(json_out)
    from ..evidence import fit, load_events

    loaded = load(scenario)
    log = load_events(events, loaded)
    result = fit(loaded, log, as_of=as_of, complete_until=complete_until)
    write_text(out, result.to_yaml())
    if _write_or_echo(json_out, result.to_json()):
        return
    click.echo(result.table())
    if not quiet:
        click.echo(f"wrote {out}", err=True)


def _horizons(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        days = tuple(int(x) for x in value.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected whole days separated by commas, found {value!r}") from None
    if not days or min(days) < 1:
        raise click.BadParameter(f"expected whole days >= 1 separated by commas, found {value!r}")
    return days


def _dates(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[dt.date, ...] | None:
    if value is None:
        return None
    return tuple(DATE.convert(x, param, ctx) for x in value.split(",") if x.strip())


@cli.command("backtest")
@click.argument("scenario")
@events_option
@click.option("--horizons", default="30,60,90", show_default=True, callback=_horizons, metavar="DAYS,...",
              help="Windows to score, in days.")
@click.option("--as-of", "as_of", default=None, callback=_dates, metavar="DATE,...",
              help="As-of dates [default: every --step days from the day the log has placed every actor it "
                   "names to the day it is complete until].")
@click.option("--step", type=click.IntRange(min=1), default=7, show_default=True,
              help="Days between the default as-of dates.")
@complete_option
@click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this target (repeatable) [default: all].")
@click.option("--max-states", type=click.IntRange(min=1), default=None,
              help="Largest joint chain the exact engine will enumerate.")
@json_option
@click.option("--csv", "csv_out", metavar="PATH|-", default=None, help="Write one CSV row per case to PATH, or stdout.")
@click.option("--plot", "plot_out", metavar="FILE", default=None,
              help="Draw the backtest figure (.png, .svg or .pdf): odds over time and a reliability diagram.")
@click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
              help="Threads (or LocalCluster processes with --dask); results do not depend on it. [default: every core]")
@cluster_options
@quiet_option
def backtest_cmd(scenario: str, events: str, horizons: tuple[int, ...], as_of: tuple[dt.date, ...] | None, step: int,
                 complete_until: dt.date | None, targets: tuple[str, ...], max_states: int | None,
                 json_out: str | None, csv_out: str | None, plot_out: str | None, workers: int | None, dask: bool,
                 scheduler: str | None, quiet: bool) -> None:
    """Score the nowcast odds of SCENARIO at past dates against an event log.

    For each as-of date and horizon: the exact odds of each target from the rungs the log
    gives on that date, and whether the log shows the target reached in the window
    (windows that end after the log's record without it are censored and not scored).
    Prints the Brier score, log score and CRPS of the first-hit day per target, per
    horizon and overall, and a calibration table.
    """
    if is_stdout(json_out) and is_stdout(csv_out):
        raise click.UsageError("--json - and --csv - cannot both write to stdout")
    for path in (json_out, csv_out):
        refuse_bad_output(path)
    if plot_out is not None:
        if Path(plot_out).suffix.lower() not in (".png", ".svg", ".pdf"):
            raise click.UsageError(f"--plot {plot_out}: expected a .png, .svg or .pdf file name, "
                                   f"found {Path(plot_out).suffix or 'no extension'!r}")
        refuse_bad_output(plot_out)
    from ..errors import EscalationError
    from ..evidence import backtest, load_events
    from ..limits import DEFAULT_MAX_STATES

    loaded = load(scenario)
    for name in targets:
        if name not in loaded.target_names:
            raise EscalationError(f"--target: unknown target {name!r}; known: {', '.join(loaded.target_names)}")
    log = load_events(events, loaded)
    with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:
        result = backtest(loaded, log, horizons=horizons, as_of=as_of, complete_until=complete_until,
                          targets=targets or None, step=step, max_states=max_states or DEFAULT_MAX_STATES,
                          workers=workers, client=client)
    if plot_out is not None:
        _plot(result, plot_out)
        if not quiet:
            click.echo(f"wrote {plot_out}", err=True)
    if _write_or_echo(csv_out, result.to_csv()) | _write_or_echo(json_out, result.to_json()):
        return
    click.echo(result.table())


def _plot(result: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from ..outputs import atomic_path
    from ..plots.evidence_views import plot_backtest

    fig = plot_backtest(result)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, bbox_inches="tight", format=Path(path).suffix.lower().lstrip("."))
