"""The core commands: list, show, validate, schema, run, export, baserates, plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import EscalationError, ScenarioError
from ..limits import DEFAULT_MAX_STATES
from ..outputs import atomic_path, check_output_dir, check_output_file, is_stdout, write_text
from .analysis import set_option
from .base import cli, json_option, load, progress, quiet_option, race_pairs, refuse_bad_output, run_options
from .distributed import cluster_options, open_cluster
from .evidence import nowcast_log, nowcast_options

if TYPE_CHECKING:
    from ..scenario import Scenario


@cli.command("list")
def list_cmd() -> None:
    """List the bundled scenarios with their titles and as-of dates."""
    from ..loader import bundled_scenarios, load_scenario

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
    from ..describe import describe_scenario

    click.echo(describe_scenario(load(scenario)))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; exit 0 if all are valid, else one line per problem and exit 2."""
    failed = False
    for file in files:
        try:
            scenario = load(str(file))
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
    from ..loader import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def _run(scenario: Scenario, *, method: str, runs: int, horizon: int | None, seed: int | None,
         targets: tuple[str, ...], workers: int | None, max_states: int, quiet: bool,
         races: tuple[str, ...] = (), nowcast: Any = None, client: Any = None) -> Any:
    from ..analysis import run

    for name in targets:
        if name not in scenario.target_names:
            raise EscalationError(f"--target: unknown target {name!r}; known: {', '.join(scenario.target_names)}")
    pairs = race_pairs(scenario, races)
    update, close = progress(runs if method != "exact" else 0, quiet)
    options = dict(method=method, runs=runs, horizon=horizon, seed=seed, targets=targets or None, workers=workers,
                   max_states=max_states, progress=update, races=pairs, client=client)
    try:
        if nowcast is None:
            result = run(scenario, **options)  # type: ignore[arg-type]
        else:
            from ..evidence import run_nowcast

            log, day = nowcast
            result = run_nowcast(scenario, log, as_of=day, **options)
    finally:
        close()
    if not quiet:
        if nowcast is not None:
            starts = ", ".join(f"{a}={r}" for a, r in result.manifest.starts.items())
            click.echo(f"nowcast: {starts} (from {nowcast[0].file} as of {nowcast[1]})", err=True)
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
@click.option("--race", "races", multiple=True, metavar="FIRST,SECOND",
              help="Also the odds that target FIRST holds before SECOND (and the reverse, and the same day); "
                   "repeatable, e.g. --race major_war,de_escalation.")
@nowcast_options
@click.option("--uncertainty", "draws", type=click.IntRange(min=1), default=None, metavar="K",
              help="Draw K parameter sets from the moves' ranges (PERT) and beta priors; report each target's "
                   "median odds, 90% interval and point odds.")
@cluster_options
@quiet_option
def run_cmd(scenario: str, runs: int, horizon: int | None, seed: int | None, targets: tuple[str, ...],
            workers: int | None, max_states: int, method: str, json_out: str | None, csv_out: str | None,
            races: tuple[str, ...], events: str | None, as_of: Any, draws: int | None, dask: bool,
            scheduler: str | None, quiet: bool) -> None:
    """Estimate the odds of each target of SCENARIO within the horizon.

    Prints a table: target, odds (Monte Carlo), 95% Wilson interval, exact value,
    (mc - exact) / standard error, and the median first day the target holds.
    """
    if is_stdout(json_out) and is_stdout(csv_out):
        raise click.UsageError("--json - and --csv - cannot both write to stdout")
    if draws is not None:
        from .analysis import run_uncertainty_command

        run_uncertainty_command(scenario, draws=draws, method=method, runs=runs, horizon=horizon, seed=seed,
                                targets=targets, workers=workers, max_states=max_states, json_out=json_out,
                                csv_out=csv_out, quiet=quiet, dask=dask, scheduler=scheduler, events=events,
                                as_of=as_of, races=races)
        return
    refuse_bad_output(json_out)
    refuse_bad_output(csv_out)
    loaded = load(scenario)
    nowcast = nowcast_log(loaded, events, as_of)
    with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:
        result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                      workers=workers, max_states=max_states, quiet=quiet, races=races, nowcast=nowcast,
                      client=client)
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
    from ..graph import compile_graph, write_dot, write_graphml

    if graphml is None and dot is None:
        raise click.UsageError("give --graphml FILE and/or --dot FILE")
    refuse_bad_output(graphml)
    refuse_bad_output(dot)
    graph = compile_graph(load(scenario), max_states=max_states)
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
    refuse_bad_output(json_out)
    from ..baserates import base_rates, format_baserates

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
@click.option("--kind", type=click.Choice(["ladder", "graph", "odds", "fan", "paths", "first-hit", "uncertainty",
                                           "compare", "all"]),
              default="odds", show_default=True,
              help="Which figure; 'all' writes the six figures of one run (ladder to first-hit) into --out.")
@click.option("--out", metavar="PATH", required=True,
              help="Output file (.png, .svg or .pdf), or a directory with --kind all.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True,
              help="File format for --kind all.")
@click.option("--log/--linear", "log", default=None,
              help="Probability axis of the odds and first-hit figures: symlog (--log) or linear (--linear). "
                   "Default: symlog when a target is rare (under 1% and under a twentieth of the largest).")
@click.option("--draws", type=click.IntRange(min=1), default=None, metavar="K",
              help="--kind uncertainty: parameter sets drawn from the moves' ranges and betas [default: 1000].")
@click.option("--against", metavar="SCENARIO", default=None,
              help="--kind compare: the second scenario (bundled name or file); --set overrides apply to it.")
@set_option
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="Engines behind the odds, fan, paths, first-hit, uncertainty and compare figures.")
@quiet_option
def plot(scenario: str, kind: str, out: str, fmt: str, log: bool | None, draws: int | None, against: str | None,
         overrides: tuple[str, ...], runs: int, horizon: int | None, seed: int | None, targets: tuple[str, ...],
         workers: int | None, max_states: int, method: str, quiet: bool) -> None:
    """Draw a figure of SCENARIO: ladders, move graphs, odds over time, crisis-level fan,
    escalation paths, first-hit days, the spread of the odds, or a comparison.

    \b
    Examples:
      escalation plot venezuela-2025 --kind odds --out odds.png
      escalation plot venezuela-2025 --kind uncertainty --draws 500 --horizon 90 --out spread.png
      escalation plot venezuela-2025 --kind compare --set ALLIES.start=basing_access --out what-if.png
      escalation plot venezuela-2025 --kind compare --against venezuela-2025-dove --out analysts.png
      escalation plot venezuela-2025 --kind all --out figures/ --format svg
    """
    import matplotlib

    matplotlib.use("Agg")

    from ..plots import KINDS, LOG_KINDS, make_figure, needs_result

    kinds = list(KINDS) if kind == "all" else [kind]
    if log is not None and kind != "all" and kind not in LOG_KINDS:
        raise click.UsageError(f"--log/--linear: the {kind!r} figure has no probability axis; "
                               f"they apply to {', '.join(LOG_KINDS)}")
    if draws is not None and kind != "uncertainty":
        raise click.UsageError("--draws applies to --kind uncertainty only")
    if (against is not None or overrides) and kind != "compare":
        raise click.UsageError("--against and --set apply to --kind compare only")
    if kind == "compare" and against is None and not overrides:
        raise click.UsageError("--kind compare needs what to compare with: --against SCENARIO and/or --set PATH=VALUE")
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
    if kind in ("uncertainty", "compare"):
        from .analysis import comparison, uncertainty

        if kind == "uncertainty":
            from ..plots import uncertainty_figure

            fig = uncertainty_figure(uncertainty(load(scenario), draws=draws or 1000, method=method, runs=runs,
                                                 horizon=horizon, seed=seed, targets=targets, workers=workers,
                                                 max_states=max_states, quiet=quiet))
        else:
            from ..plots import compare_figure

            fig = compare_figure(comparison(scenario, against, overrides, targets=targets, runs=runs, horizon=horizon,
                                            seed=seed, workers=workers, max_states=max_states, method=method,
                                            quiet=quiet))
        _save_figure(fig, files[0])
        return
    loaded = load(scenario)
    result = None
    if any(needs_result(k) for k in kinds):
        result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                      workers=workers, max_states=max_states, quiet=quiet)
    if kind == "all":
        check_output_dir(out, purpose="for --kind all")
    for k, file in zip(kinds, files):
        _save_figure(make_figure(k, loaded, result, log=log if k in LOG_KINDS else None), file)


def _save_figure(fig: Any, file: Path) -> None:
    """Write ``fig`` to ``file`` atomically and say so."""
    import matplotlib.pyplot as plt

    try:
        with atomic_path(file) as tmp:
            fig.savefig(tmp, bbox_inches="tight")
    finally:
        plt.close(fig)
    click.echo(f"wrote {file}")
