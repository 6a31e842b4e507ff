"""The ``escalation`` command line: a thin layer over the library.

Every command parses its options, calls one library function and prints or writes. User
errors (a bad scenario, an unknown target, a missing or unwritable file, a chain too large
for the exact engine) become one line each on stderr and exit status 2. Anything else is a
bug: one line saying so, exit status 1, and ``--debug`` shows the traceback. Ctrl-C exits
with status 130 and leaves no half-written file (files are written to a temporary name, then
renamed; see :mod:`escalation.outputs`).
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import EscalationError, ScenarioError, ScenarioWarning
from .limits import DEFAULT_MAX_STATES, MAX_HORIZON, MAX_RUNS
from .outputs import atomic_path, check_output_dir, check_output_file, is_stdout, write_text
from .version import __version__

if TYPE_CHECKING:
    from .analysis import RunResult
    from .scenario import Scenario

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


def _load(name: str) -> Scenario:
    """Load a scenario, echoing loader warnings as ``warning:`` lines."""
    from .loader import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        scenario = load_scenario(name)
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    return scenario


# --- shared options, defined once ------------------------------------------------------------
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


def _check_out(path: str | None) -> None:
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


@cli.command("list")
def list_cmd() -> None:
    """List the bundled scenarios with their titles and as-of dates."""
    from .loader import bundled_scenarios, load_scenario

    rows = []
    seen: set[Path] = set()
    for name, path in bundled_scenarios().items():
        if path in seen:
            continue
        seen.add(path)
        scenario = load_scenario(path, check=False)
        rows.append((name, str(scenario.as_of or "-"), scenario.title))
    if not rows:
        click.echo("no bundled scenarios found", err=True)
        return
    width = max(len(r[0]) for r in rows)
    for name, as_of, title in rows:
        click.echo(f"{name.ljust(width)}  {as_of}  {title}")


@cli.command()
@click.argument("scenario")
def show(scenario: str) -> None:
    """Show a scenario: actors, ladders, moves with daily odds, modifiers, targets.

    Loading validates the scenario; a problem is reported as for `validate`.
    """
    from .describe import describe_scenario

    click.echo(describe_scenario(_load(scenario)))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; exit 0 if all are valid, else one line per problem and exit 2."""
    failed = False
    for file in files:
        try:
            scenario = _load(str(file))
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"ok: {file} ({scenario.id}: {len(scenario.actors)} actors, {len(scenario.moves)} moves, "
                   f"{len(scenario.targets)} targets)")
    if failed:
        raise click.exceptions.Exit(2)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    from .loader import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def _progress(total: int, quiet: bool) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on stderr for long runs, hidden when stderr is not a terminal or with -q."""
    from .engines.montecarlo import CHUNK_SIZE

    if quiet or total <= 2 * CHUNK_SIZE or not sys.stderr.isatty():
        return None, lambda: None
    bar = click.progressbar(length=total, label="simulating", file=sys.stderr)
    bar.__enter__()
    last = [0]

    def update(done: int) -> None:
        bar.update(done - last[0])
        last[0] = done

    return update, lambda: bar.__exit__(None, None, None)


def _run(scenario: Scenario, *, method: str, runs: int, horizon: int | None, seed: int | None,
         targets: tuple[str, ...], workers: int | None, max_states: int, quiet: bool) -> Any:
    from .analysis import run

    for name in targets:
        if name not in scenario.target_names:
            raise EscalationError(f"--target: unknown target {name!r}; known: {', '.join(scenario.target_names)}")
    update, close = _progress(runs if method != "exact" else 0, quiet)
    try:
        result = run(scenario, method=method, runs=runs, horizon=horizon, seed=seed,  # type: ignore[arg-type]
                     targets=targets or None, workers=workers, max_states=max_states, progress=update)
    finally:
        close()
    if not quiet:
        click.echo(f"engine: {result.manifest.engine_reason}", err=True)
        if seed is None and result.manifest.seed is not None:
            click.echo(f"seed {result.manifest.seed} (repeat this run with --seed {result.manifest.seed})", err=True)
    return result


@cli.command("run")
@click.argument("scenario")
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="auto: both engines when the joint chain is small enough to solve exactly (decided at once "
                   "from its size estimate), else Monte Carlo only; the choice is printed.")
@json_option
@click.option("--csv", "csv_out", metavar="PATH|-", default=None,
              help="Also write one CSV row per target to PATH, or to stdout with '-'.")
@quiet_option
def run_cmd(scenario: str, runs: int, horizon: int | None, seed: int | None, targets: tuple[str, ...],
            workers: int | None, max_states: int, method: str, json_out: str | None, csv_out: str | None,
            quiet: bool) -> None:
    """Estimate the odds of each target of SCENARIO within the horizon.

    Prints a table: target, odds (Monte Carlo), 95% Wilson interval, exact value,
    (mc - exact) / standard error, and the median first day the target holds.
    """
    if is_stdout(json_out) and is_stdout(csv_out):
        raise click.UsageError("--json - and --csv - cannot both write to stdout")
    _check_out(json_out)
    _check_out(csv_out)
    loaded = _load(scenario)
    result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                  workers=workers, max_states=max_states, quiet=quiet)
    for out, text in ((csv_out, result.to_csv), (json_out, result.to_json)):
        if is_stdout(out):
            click.echo(text(), nl=False)
            return
        if out is not None:
            text(out)
    click.echo(result.table())


@cli.command()
@click.argument("scenario")
@click.option("--graphml", metavar="PATH", default=None, help="Write GraphML here.")
@click.option("--dot", metavar="PATH", default=None, help="Write Graphviz DOT here (needs pydot).")
@click.option("--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True,
              help="Largest joint chain to enumerate.")
def export(scenario: str, graphml: str | None, dot: str | None, max_states: int) -> None:
    """Export the compiled joint state graph of SCENARIO (nodes: states; edges: daily odds)."""
    from .graph import compile_graph, write_dot, write_graphml

    if graphml is None and dot is None:
        raise click.UsageError("give --graphml FILE and/or --dot FILE")
    _check_out(graphml)
    _check_out(dot)
    graph = compile_graph(_load(scenario), max_states=max_states)
    if graphml is not None:
        write_graphml(graph, graphml)
        click.echo(f"wrote {graphml} ({graph.n_states} states, {graph.n_edges} edges)")
    if dot is not None:
        write_dot(graph, dot)
        click.echo(f"wrote {dot}")


@cli.command()
@click.option("--us", type=click.Choice(["involved", "actor"]), default=None,
              help="Only crises with US involvement (usinv >= 2) or with the US as a crisis actor.")
@click.option("--impute-day", is_flag=True, help="Impute unknown days mid-month instead of dropping those crises.")
@click.option("--data", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Another copy of the ICB system-level CSV [default: the bundled v14].")
@json_option
def baserates(us: str | None, impute_day: bool, path: Path | None, json_out: str | None) -> None:
    """Base rates from 487 ICB crises (1918-2017): violence reached and crisis duration."""
    _check_out(json_out)
    from .baserates import base_rates, format_baserates

    rates = base_rates(path=path, us=us, impute_day=impute_day)  # type: ignore[arg-type]
    if json_out is not None:
        text = json.dumps(rates.to_dict(), indent=2, allow_nan=False) + "\n"
        if is_stdout(json_out):
            click.echo(text, nl=False)
            return
        write_text(json_out, text)
    click.echo(format_baserates(rates))


@cli.command()
@click.argument("scenario")
@click.option("--kind", type=click.Choice(["ladder", "graph", "odds", "fan", "paths", "first-hit", "all"]),
              default="odds", show_default=True, help="Which figure; 'all' writes one file per kind into --out.")
@click.option("--out", metavar="PATH", required=True,
              help="Output file (.png, .svg or .pdf), or a directory with --kind all.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True,
              help="File format for --kind all.")
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="Engines behind odds, fan, paths and first-hit figures.")
@quiet_option
def plot(scenario: str, kind: str, out: str, fmt: str, runs: int, horizon: int | None, seed: int | None,
         targets: tuple[str, ...], workers: int | None, max_states: int, method: str, quiet: bool) -> None:
    """Draw a figure of SCENARIO: ladders, move graphs, odds over time, crisis-level fan,
    escalation paths or first-hit days."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import KINDS, make_figure, needs_result

    kinds = list(KINDS) if kind == "all" else [kind]
    if "paths" in kinds and method == "exact":
        raise EscalationError("--kind paths: the figure needs Monte Carlo results; use --method auto, mc or both")
    if kind == "all":
        folder = check_output_dir(out, purpose="for --kind all", create=False)
        files = [folder / f"{k}.{fmt}" for k in kinds]
    else:
        suffix = Path(out).suffix.lower().lstrip(".")
        if suffix not in ("png", "svg", "pdf"):
            raise click.UsageError(f"--out {out}: expected a .png, .svg or .pdf file name, "
                                   f"found {Path(out).suffix or 'no extension'!r}")
        files = [check_output_file(out)]
    loaded = _load(scenario)
    result = None
    if any(needs_result(k) for k in kinds):
        result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                      workers=workers, max_states=max_states, quiet=quiet)
    if kind == "all":
        check_output_dir(out, purpose="for --kind all")
    for k, file in zip(kinds, files):
        fig = make_figure(k, loaded, result)
        try:
            with atomic_path(file) as tmp:
                fig.savefig(tmp, bbox_inches="tight")
        finally:
            plt.close(fig)
        click.echo(f"wrote {file}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="escalation")


if __name__ == "__main__":  # pragma: no cover
    main()
