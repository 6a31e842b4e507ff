"""The command group, its error handling and the options commands share (defined once).

Every command parses its options, calls one library function and prints or writes. User
errors (a bad scenario, an unknown target, a missing or unwritable file, a chain too large
for the exact engine) become one line each on stderr and exit status 2. Anything else is a
bug: one line saying so, exit status 1, and ``--debug`` shows the traceback. Ctrl-C exits
with status 130 and leaves no half-written file (files are written to a temporary name, then
renamed; see :mod:`escalation.outputs`).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import EscalationError, ScenarioError, ScenarioWarning
from ..limits import DEFAULT_MAX_STATES, MAX_HORIZON, MAX_RUNS
from ..outputs import check_output_file, is_stdout
from ..version import __version__

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["cli", "json_option", "load", "progress", "quiet_option", "race_pairs", "refuse_bad_output",
           "run_options"]

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = """\b
SCENARIO is a bundled scenario name (see `escalation list`) or a path to a YAML file.
Examples:
  escalation show venezuela-2025
  escalation run venezuela-2025 --runs 200000 --seed 1 --json result.json
  escalation plot venezuela-2025 --kind all --out figures/
"""


class _Group(click.Group):
    """Turns user errors into one-line messages and exit status 2, bugs into exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug") or (ctx.obj or {}).get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("escalation: interrupted; nothing was written", err=True)
            raise click.exceptions.Exit(130) from None
        except (EscalationError, OSError) as exc:  # user errors: a bad file, option or input
            if debug:
                raise
            for line in _error_lines(exc):
                click.echo(f"error: {line}", err=True)
            raise click.exceptions.Exit(2) from None
        except Exception as exc:  # noqa: BLE001 - anything else is a bug, and says so
            if debug:
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"error: internal error ({type(exc).__name__}{': ' + first if first else ''}); this is a bug in "
                       "escalation: rerun with --debug for the traceback and please report it", err=True)
            raise click.exceptions.Exit(1) from None


def _error_lines(exc: BaseException) -> list[str]:
    if isinstance(exc, ScenarioError):
        return [str(p) for p in exc.problems]
    if isinstance(exc, OSError) and exc.filename:
        return [f"{exc.filename}: {exc.strerror or exc}"]
    return [str(exc).splitlines()[0] if str(exc) else type(exc).__name__]


def load(name: str) -> Scenario:
    """Load a scenario, echoing loader warnings as ``warning:`` lines."""
    from ..loader import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        scenario = load_scenario(name)
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    return scenario


# --- shared options, defined once ------------------------------------------------------------
def race_pairs(scenario: Scenario, races: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--race FIRST,SECOND`` options as pairs of targets, each checked against ``scenario``."""
    pairs = []
    for text in races:
        pair = tuple(x.strip() for x in text.split(","))
        if len(pair) != 2 or pair[0] == pair[1]:
            raise EscalationError(f"--race: expected two different targets as FIRST,SECOND, found {text!r}")
        for name in pair:
            if name not in scenario.target_names:
                raise EscalationError(f"--race: unknown target {name!r}; known: {', '.join(scenario.target_names)}")
        pairs.append(pair)
    return pairs  # type: ignore[return-value]


def run_options(f: F) -> F:
    """``--runs``, ``--horizon``, ``--seed``, ``--target``, ``--workers``, ``--max-states``."""
    options = [
        click.option("--runs", type=click.IntRange(min=1, max=MAX_RUNS), default=100_000, show_default=True,
                     help="Monte Carlo trajectories (memory does not grow with them)."),
        click.option("--horizon", type=click.IntRange(min=0, max=MAX_HORIZON), default=None,
                     help=f"Days to simulate, at most {MAX_HORIZON:,} [default: the scenario's horizon]."),
        click.option("--seed", type=click.IntRange(min=0), default=None,
                     help="Seed for a reproducible run; without it fresh entropy is drawn and printed."),
        click.option("--target", "targets", multiple=True, metavar="NAME",
                     help="Only this target (repeatable) [default: all]."),
        click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
                     help="Chunks of Monte Carlo walked at once, on threads; results do not depend on it. "
                          "[default: every core]"),
        click.option("--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True,
                     help="Largest joint chain the exact engine will enumerate; refused at once, with its "
                          "size estimate, when the scenario may exceed it."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar or notes on stderr.")
json_option = click.option("--json", "json_out", metavar="PATH|-", default=None,
                           help="Write the result as JSON to PATH, or to stdout with '-'.")


def refuse_bad_output(path: str | None) -> None:
    """Refuse an unusable output path before any work is done ('-' is standard output)."""
    if path is not None and not is_stdout(path):
        check_output_file(path)


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="escalation", package_name="escalation")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Odds of escalation in geopolitical crises, by Monte Carlo and exact methods.

    A scenario puts each actor on a ladder of postures with daily odds of moving between
    them; `run` estimates how likely each target rung is within the horizon.
    """
    ctx.obj = {"debug": debug}


def progress(total: int, quiet: bool, *, label: str = "simulating",
             at_least: int | None = None) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on stderr for long work, hidden when stderr is not a terminal or with -q.

    ``total`` is counted in trajectories unless ``at_least`` is given: the bar shows only for
    more than ``at_least`` units (default two Monte Carlo chunks of trajectories).
    """
    if at_least is None:
        from ..engines.montecarlo import CHUNK_SIZE

        at_least = 2 * CHUNK_SIZE
    if quiet or total <= at_least or not sys.stderr.isatty():
        return None, lambda: None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    bar.__enter__()
    last = [0]

    def update(done: int) -> None:
        bar.update(done - last[0])
        last[0] = done

    return update, lambda: bar.__exit__(None, None, None)
