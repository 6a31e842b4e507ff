"""The ``escalation`` command line: a thin layer over the library.

Every command parses its options, calls one library function and prints or writes. User
errors (a bad scenario, an unknown target, a missing file) become one line each on stderr
and exit status 2; ``--debug`` shows the traceback instead. Ctrl-C exits with status 130 and
leaves no half-written file (all files are written to a temporary name, then renamed).
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .dynamics import DEFAULT_MAX_STATES
from .errors import EscalationError, GraphTooLargeError, ScenarioError, ScenarioWarning
from .loader import bundled_scenarios, load_scenario
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
    """Turns library errors into one-line messages and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("escalation: interrupted; nothing was written", err=True)
            raise click.exceptions.Exit(130) from None
        except (ScenarioError, GraphTooLargeError, EscalationError, KeyError, ValueError, OSError, ImportError) as exc:
            if ctx.params.get("debug") or (ctx.obj or {}).get("debug"):
                raise
            for line in _error_lines(exc):
                click.echo(f"error: {line}", err=True)
            raise click.exceptions.Exit(2) from None


def _error_lines(exc: BaseException) -> list[str]:
    if isinstance(exc, ScenarioError):
        return [str(p) for p in exc.problems]
    if isinstance(exc, KeyError):
        return [str(exc.args[0]) if exc.args else "unknown key"]
    if isinstance(exc, OSError) and exc.filename:
        return [f"{exc.filename}: {exc.strerror or exc}"]
    return [str(exc).splitlines()[0] if str(exc) else type(exc).__name__]


def _load(name: str) -> Scenario:
    """Load a scenario, echoing loader warnings as ``warning:`` lines."""
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
        click.option("--runs", type=click.IntRange(min=1), default=100_000, show_default=True,
                     help="Monte Carlo trajectories."),
        click.option("--horizon", type=click.IntRange(min=0), default=None,
                     help="Days to simulate [default: the scenario's horizon]."),
        click.option("--seed", type=click.IntRange(min=0), default=None,
                     help="Seed for a reproducible run; without it fresh entropy is drawn and printed."),
        click.option("--target", "targets", multiple=True, metavar="NAME",
                     help="Only this target (repeatable) [default: all]."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Chunks of Monte Carlo run at once; results do not depend on it. "
                          "[default: every core for the compiled kernel, 1 for the numpy loop]"),
        click.option("--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True,
                     help="Largest joint state graph the exact engine will compile."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar or notes on stderr.")
json_option = click.option("--json", "json_out", metavar="PATH|-", default=None,
                           help="Write the result as JSON to PATH, or to stdout with '-'.")


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="escalation")
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
    from .montecarlo import CHUNK_SIZE

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
    from .results import run

    update, close = _progress(runs if method != "exact" else 0, quiet)
    try:
        result = run(scenario, method=method, runs=runs, horizon=horizon, seed=seed,  # type: ignore[arg-type]
                     targets=targets or None, workers=workers, max_states=max_states, progress=update)
    finally:
        close()
    if seed is None and result.manifest.seed is not None and not quiet:
        click.echo(f"seed {result.manifest.seed} (repeat this run with --seed {result.manifest.seed})", err=True)
    return result


@cli.command("run")
@click.argument("scenario")
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="auto: both engines when the joint graph compiles, else Monte Carlo only.")
@json_option
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write one CSV row per target.")
@quiet_option
def run_cmd(scenario: str, runs: int, horizon: int | None, seed: int | None, targets: tuple[str, ...],
            workers: int | None, max_states: int, method: str, json_out: str | None, csv_out: Path | None,
            quiet: bool) -> None:
    """Estimate the odds of each target of SCENARIO within the horizon.

    Prints a table: target, odds (Monte Carlo), 95% Wilson interval, exact value,
    (mc - exact) / standard error, and the median first day the target holds.
    """
    loaded = _load(scenario)
    result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                  workers=workers, max_states=max_states, quiet=quiet)
    if csv_out is not None:
        result.to_csv(csv_out)
    if json_out == "-":
        click.echo(result.to_json(), nl=False)
        return
    if json_out is not None:
        result.to_json(json_out)
    click.echo(result.table())


@cli.command()
@click.argument("scenario")
@click.option("--graphml", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write GraphML here.")
@click.option("--dot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write Graphviz DOT here (needs pydot).")
@click.option("--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True,
              help="Largest joint state graph to compile.")
def export(scenario: str, graphml: Path | None, dot: Path | None, max_states: int) -> None:
    """Export the compiled joint state graph of SCENARIO (nodes: states; edges: daily odds)."""
    from .graph import compile_graph, write_dot, write_graphml

    if graphml is None and dot is None:
        raise click.UsageError("give --graphml FILE and/or --dot FILE")
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
    from .baserates import base_rates, format_baserates

    rates = base_rates(path=path, us=us, impute_day=impute_day)  # type: ignore[arg-type]
    if json_out is not None:
        text = json.dumps(rates.to_dict(), indent=2, allow_nan=False) + "\n"
        if json_out == "-":
            click.echo(text, nl=False)
            return
        tmp = Path(json_out).with_name(f".{Path(json_out).name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(json_out)
    click.echo(format_baserates(rates))


@cli.command()
@click.argument("scenario")
@click.option("--kind", type=click.Choice(["ladder", "graph", "odds", "fan", "paths", "first-hit", "all"]),
              default="odds", show_default=True, help="Which figure; 'all' writes one file per kind into --out.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output file (.png, .svg or .pdf), or a directory with --kind all.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True,
              help="File format for --kind all.")
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="Engines behind odds, fan, paths and first-hit figures.")
@quiet_option
def plot(scenario: str, kind: str, out: Path, fmt: str, runs: int, horizon: int | None, seed: int | None,
         targets: tuple[str, ...], workers: int | None, max_states: int, method: str, quiet: bool) -> None:
    """Draw a figure of SCENARIO: ladders, move graphs, odds over time, crisis-level fan,
    escalation paths or first-hit days."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import KINDS, make_figure, needs_result

    kinds = list(KINDS) if kind == "all" else [kind]
    if kind == "all":
        if out.exists() and not out.is_dir():
            raise click.UsageError(f"--out {out}: expected a directory for --kind all, found a file")
        files = [out / f"{k}.{fmt}" for k in kinds]
    else:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("png", "svg", "pdf"):
            raise click.UsageError(f"--out {out}: expected a .png, .svg or .pdf file name, found {out.suffix or 'no extension'!r}")
        files = [out]
    loaded = _load(scenario)
    result = None
    if any(needs_result(k) for k in kinds):
        result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                      workers=workers, max_states=max_states, quiet=quiet)
    if kind == "all":
        out.mkdir(parents=True, exist_ok=True)
    for k, file in zip(kinds, files):
        fig = make_figure(k, loaded, result)
        tmp = file.with_name(f".{file.stem}.tmp{file.suffix}")
        try:
            fig.savefig(tmp, bbox_inches="tight")
        finally:
            plt.close(fig)
        tmp.replace(file)
        click.echo(f"wrote {file}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="escalation")


if __name__ == "__main__":  # pragma: no cover
    main()
