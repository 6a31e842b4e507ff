"""Commands that treat odds as distributions: compare, sensitivity, pool; and ``run --uncertainty``.

Each command parses its options, calls one library function
(:func:`~escalation.analysis.whatif.compare_scenarios`,
:mod:`~escalation.analysis.sensitivity`, :func:`~escalation.analysis.pooling.pool`,
:func:`~escalation.analysis.uncertainty.uncertain_odds`) and prints or writes. ``--set``
overrides (:mod:`escalation.analysis.overrides`) are checked before any work: an unknown
actor, rung, move or field is one line and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..errors import EscalationError
from ..limits import DEFAULT_MAX_STATES, MAX_HORIZON, MAX_RUNS
from ..outputs import atomic_path, check_output_file, is_stdout
from .base import cli, json_option, load, progress, quiet_option, race_pairs, refuse_bad_output
from .distributed import cluster_options, open_cluster

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..analysis.uncertainty import UncertainOdds
    from ..analysis.whatif import ScenarioComparison
    from ..evidence import EventLog
    from ..scenario import Scenario

__all__ = ["compare_cmd", "comparison", "pool_cmd", "run_uncertainty_command", "sensitivity_cmd", "uncertainty",
           "set_option"]

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE",
    help="Override a number or a start rung (repeatable): ACTOR.start=RUNG, ACTOR:FROM->TO.within.p=0.5, "
         "ACTOR:FROM->TO.p=0.01, moves[i].range=[lo,hi], modifiers[i].factor=2, horizon=120.")
plot_option = click.option("--plot", "plot_out", metavar="FILE", default=None,
                           help="Also draw the figure into FILE (.png, .svg or .pdf).")


def _options(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wrap(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f
    return wrap


_horizon = click.option("--horizon", type=click.IntRange(min=0, max=MAX_HORIZON), default=None,
                        help="Days [default: the (first) scenario's horizon].")
_seed = click.option("--seed", type=click.IntRange(min=0), default=None,
                     help="Seed for a reproducible result; without it fresh entropy is drawn and printed.")
_targets = click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this target (repeatable).")
_workers = click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
                        help="Threads; results do not depend on it. [default: every core]")
_max_states = click.option("--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True,
                           help="Largest joint chain the exact engine will enumerate.")
_runs = click.option("--runs", type=click.IntRange(min=1, max=MAX_RUNS), default=100_000, show_default=True,
                     help="Monte Carlo trajectories per scenario (where it runs).")


def _check_plot(path: str | None) -> None:
    if path is None:
        return
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ("png", "svg", "pdf"):
        raise click.UsageError(f"--plot {path}: expected a .png, .svg or .pdf file name")
    check_output_file(path)


def _save(fig: Figure, path: str) -> None:
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, bbox_inches="tight", format=path.rsplit(".", 1)[-1].lower())
    finally:
        fig.clear()
    click.echo(f"wrote {path}", err=True)


def _figure(draw: Callable[[Any], Any], size: tuple[float, float]) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    return fig


def _emit(json_out: str | None, to_json: Callable[..., str], table: str) -> None:
    if is_stdout(json_out):
        click.echo(to_json(), nl=False)
        return
    if json_out is not None:
        to_json(json_out)
    click.echo(table)


def _variant(scenario: Scenario, overrides: tuple[str, ...]) -> Scenario:
    if not overrides:
        return scenario
    from ..analysis.overrides import apply_overrides

    return apply_overrides(scenario, overrides)


def _check_targets(scenarios: list[Scenario], targets: tuple[str, ...]) -> None:
    for name in targets:
        for s in scenarios:
            if name not in s.target_names:
                raise EscalationError(f"--target: unknown target {name!r} in {s.id}; known: {', '.join(s.target_names)}")


# --- run --uncertainty ----------------------------------------------------------------------------
def uncertainty(loaded: Scenario, *, draws: int, method: str, runs: int, horizon: int | None, seed: int | None,
                targets: tuple[str, ...], workers: int | None, max_states: int, quiet: bool,
                dask: bool = False, scheduler: str | None = None,
                nowcast: tuple[EventLog, dt.date] | None = None, races: tuple[str, ...] = ()) -> UncertainOdds:
    """Draw and solve for ``run --uncertainty`` and ``plot --kind uncertainty``; notes on stderr unless quiet.

    With ``nowcast`` (the checked log and the day, from ``--events``/``--as-of``) the draws
    start from the rungs the log puts the actors on by that day; ``races`` are ``--race``
    options, solved in every draw too.
    """
    from ..analysis.uncertainty import uncertain_odds
    from ..evidence import uncertain_nowcast

    if method == "both":
        raise click.UsageError("--uncertainty solves each draw with one engine: use --method auto, exact or mc")
    _check_targets([loaded], targets)
    options = dict(draws=draws, seed=seed, horizon=horizon, targets=targets or None, workers=workers,
                   max_states=max_states, runs=runs, method=method, races=race_pairs(loaded, races))
    update, close = progress(draws, quiet, label="drawing", at_least=0)
    try:
        with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:
            if nowcast is None:
                result = uncertain_odds(loaded, **options, client=client, progress=update)  # type: ignore[arg-type]
            else:
                result = uncertain_nowcast(loaded, nowcast[0], as_of=nowcast[1], **options, client=client,
                                           progress=update)
    finally:
        close()
    if not quiet:
        if nowcast is not None:
            starts = ", ".join(f"{a}={r}" for a, r in result.manifest.starts.items())  # type: ignore[attr-defined]
            click.echo(f"nowcast: {starts} (from {nowcast[0].file} as of {nowcast[1]})", err=True)
        click.echo(f"engine: {result.manifest.engine_reason}", err=True)
        if seed is None:
            click.echo(f"seed {result.manifest.seed} (repeat these draws with --seed {result.manifest.seed})", err=True)
        note = result.note()
        if note:
            click.echo(f"note: {note}", err=True)
    return result


def run_uncertainty_command(scenario: str, *, draws: int, method: str, runs: int, horizon: int | None,
                            seed: int | None, targets: tuple[str, ...], workers: int | None, max_states: int,
                            json_out: str | None, csv_out: str | None, quiet: bool, dask: bool = False,
                            scheduler: str | None = None, events: str | None = None,
                            as_of: dt.date | None = None, races: tuple[str, ...] = ()) -> None:
    """What ``escalation run SCENARIO --uncertainty K`` does: draw K parameter sets, solve, print or write.

    Called by the ``run`` command when ``--uncertainty`` is given; the other options keep
    their meaning (``--runs`` is the Monte Carlo runs per draw where the chain is too large to
    solve exactly; ``--dask``/``--scheduler`` solve the draws on a cluster; ``--events`` and
    ``--as-of`` start them from a nowcast).
    """
    from .evidence import nowcast_log

    if is_stdout(json_out) and is_stdout(csv_out):
        raise click.UsageError("--json - and --csv - cannot both write to stdout")
    refuse_bad_output(json_out)
    refuse_bad_output(csv_out)
    loaded = load(scenario)
    result = uncertainty(loaded, draws=draws, method=method, runs=runs, horizon=horizon, seed=seed,
                         targets=targets, workers=workers, max_states=max_states, quiet=quiet, dask=dask,
                         scheduler=scheduler, nowcast=nowcast_log(loaded, events, as_of), races=races)
    for out, text in ((csv_out, result.to_csv), (json_out, result.to_json)):
        if is_stdout(out):
            click.echo(text(), nl=False)
            return
        if out is not None:
            text(out)
    click.echo(result.table())


def comparison(a: str, b: str | None, overrides: tuple[str, ...], *, targets: tuple[str, ...], runs: int,
               horizon: int | None, seed: int | None, workers: int | None, max_states: int, method: str,
               quiet: bool, dask: bool = False, scheduler: str | None = None) -> ScenarioComparison:
    """Load, apply overrides and compare for ``compare`` and ``plot --kind compare``; notes on stderr unless quiet."""
    from ..analysis.whatif import compare_scenarios

    first = load(a)
    second = _variant(load(b) if b is not None else first, overrides)
    _check_targets([first, second], targets)
    names = None
    if b is None:
        names = (a, f"{a} with {len(overrides)} override{'s' if len(overrides) != 1 else ''}" if overrides else f"{a} (again)")
    update, close = progress(2 * runs if method != "exact" else 0, quiet)
    try:
        with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:
            result = compare_scenarios(first, second, targets=targets or None, names=names, method=method,  # type: ignore[arg-type]
                                       runs=runs, horizon=horizon, seed=seed, workers=workers, max_states=max_states,
                                       client=client, progress=update)
    finally:
        close()
    if not quiet:
        for o in overrides:
            click.echo(f"override: {o}", err=True)
        if seed is None and result.seed is not None:
            click.echo(f"seed {result.seed} (repeat with --seed {result.seed})", err=True)
    return result


# --- compare --------------------------------------------------------------------------------------
@cli.command("compare")
@click.argument("a")
@click.argument("b", required=False)
@set_option
@_options(_targets, _runs, _horizon, _seed, _workers, _max_states)
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="Engines for both scenarios (as for `run`).")
@json_option
@plot_option
@cluster_options
@quiet_option
def compare_cmd(a: str, b: str | None, overrides: tuple[str, ...], targets: tuple[str, ...], runs: int,
                horizon: int | None, seed: int | None, workers: int | None, max_states: int, method: str,
                json_out: str | None, plot_out: str | None, dask: bool, scheduler: str | None, quiet: bool) -> None:
    """Compare two scenarios, or a scenario with overrides: odds under each and the difference.

    With B, the --set overrides apply to B; without it, B is A with the overrides. Both run
    with the same seed (common random numbers), so a scenario compared with itself differs
    by exactly 0. Examples:

    \b
      escalation compare venezuela-2025 venezuela-2025-dove
      escalation compare venezuela-2025 --set ALLIES.start=basing_access
      escalation compare venezuela-2025 --set "US:maritime_strikes->land_strikes.within.p=0.5"
    """
    refuse_bad_output(json_out)
    _check_plot(plot_out)
    result = comparison(a, b, overrides, targets=targets, runs=runs, horizon=horizon, seed=seed, workers=workers,
                        max_states=max_states, method=method, quiet=quiet, dask=dask, scheduler=scheduler)
    if plot_out is not None:
        from ..plots.distribution_views import compare_figure

        _save(compare_figure(result), plot_out)
    _emit(json_out, result.to_json, result.table())


# --- sensitivity ----------------------------------------------------------------------------------
@cli.command("sensitivity")
@click.argument("scenario")
@click.option("--target", required=True, metavar="NAME", help="The target whose odds are analysed.")
@set_option
@click.option("--factor", type=click.FloatRange(min=1.0, min_open=True), default=None,
              help="Sweep each move's daily odds divided and multiplied by FACTOR instead of over its range.")
@click.option("--sobol", is_flag=True, help="Also global Sobol indices over all uncertain numbers (needs SALib).")
@click.option("--n", "sobol_n", type=click.IntRange(min=2), default=None,
              help="Sobol base sample size, a power of 2 [default: 512]; the odds are solved n x (numbers + 2) times.")
@click.option("--bootstrap", type=click.IntRange(min=1), default=100, show_default=True,
              help="Bootstrap resamples for the Sobol confidence intervals.")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True, help="Rows shown per table.")
@_options(_horizon, _seed, _workers, _max_states)
@json_option
@plot_option
@cluster_options
@quiet_option
def sensitivity_cmd(scenario: str, target: str, overrides: tuple[str, ...], factor: float | None, sobol: bool,
                    sobol_n: int | None, bootstrap: int, top: int, horizon: int | None, seed: int | None,
                    workers: int | None, max_states: int, json_out: str | None, plot_out: str | None,
                    dask: bool, scheduler: str | None, quiet: bool) -> None:
    """Which numbers the odds of --target lean on: a tornado, elasticities and (--sobol) Sobol indices.

    \b
    One at a time: each uncertain number set to the ends of its range (or, with --factor F,
      each move's daily odds divided and multiplied by F), exact odds recomputed.
    Elasticities: d log(odds) / d log(number) for every move and modifier factor, exact.
    Sobol (--sobol): first-order and total indices with bootstrap intervals, all uncertain
      numbers drawn together (assumed independent).
    """
    from ..analysis.sensitivity import (
        DEFAULT_SOBOL_N,
        elasticities,
        range_sensitivity,
        sensitivity,
        sobol_indices,
    )

    refuse_bad_output(json_out)
    _check_plot(plot_out)
    loaded = _variant(load(scenario), overrides)
    _check_targets([loaded], (target,))
    out: dict[str, Any] = {}
    tables = []
    with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:
        if factor is not None:
            sweep = sensitivity(loaded, target=target, factor=factor, horizon=horizon, max_states=max_states,
                                seed=seed if seed is not None else 0, workers=workers, client=client)
        else:
            sweep = range_sensitivity(loaded, target=target, horizon=horizon, max_states=max_states,
                                      seed=seed if seed is not None else 0, workers=workers, client=client)
        out["one_at_a_time"] = sweep.to_dict()
        tables.append(sweep.table(top=top))
        if factor is None and not len(sweep):
            tables.append("note: no move carries a range or beta; sweep each move's daily odds with --factor 2")
        if sweep.method == "exact":  # two propagations: no cluster needed
            el = elasticities(loaded, target=target, horizon=horizon, max_states=max_states)
            out["elasticities"] = el.to_dict()
            tables.append(el.table(top=top))
        elif not quiet:
            click.echo("note: elasticities need the exact engine; the chain is too large for --max-states", err=True)
        if sobol:
            si = sobol_indices(loaded, target=target, n=sobol_n or DEFAULT_SOBOL_N, seed=seed, horizon=horizon,
                               bootstrap=bootstrap, workers=workers, max_states=max_states, client=client)
            out["sobol"] = si.to_dict()
            tables.append(si.table(top=top))
            if seed is None and not quiet:
                click.echo(f"seed {si.seed} (repeat the Sobol sample with --seed {si.seed})", err=True)
    if plot_out is not None and len(sweep):
        from ..plots import plot_tornado

        _save(_figure(lambda ax: plot_tornado(sweep, ax=ax, top=min(top, len(sweep))), (11.0, 1.8 + 0.5 * min(top, len(sweep)))),
              plot_out)

    def to_json(path: str | None = None) -> str:
        text = json.dumps(out, indent=2, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    _emit(json_out, to_json, "\n\n".join(tables))


# --- pool -----------------------------------------------------------------------------------------
def _parse_weights(text: str | None) -> list[float] | dict[str, float] | None:
    """``0.6,0.4`` (in file order) or ``a.yaml=0.6,b.yaml=0.4`` (by file as given)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            return {k.strip(): float(v) for k, v in (p.split("=", 1) for p in parts)}
        if any("=" in p for p in parts):
            raise ValueError
        return [float(p) for p in parts]
    except ValueError:
        raise EscalationError(f"--weights: expected numbers (0.6,0.4) or FILE=WEIGHT pairs (a.yaml=0.6,b.yaml=0.4), "
                              f"found {text!r}") from None


@cli.command("pool")
@click.argument("files", nargs=-1, required=True)
@click.option("--weights", default=None, metavar="W1,W2,...|FILE=W,...",
              help="One weight per file, summing to 1: in file order, or by file as given [default: equal].")
@click.option("--method", type=click.Choice(["linear", "log"]), default="linear", show_default=True,
              help="The headline pool (both are shown).")
@_options(_targets, _horizon, _runs, _seed, _workers, _max_states)
@json_option
@plot_option
@quiet_option
def pool_cmd(files: tuple[str, ...], weights: str | None, method: str, targets: tuple[str, ...],
             horizon: int | None, runs: int, seed: int | None, workers: int | None, max_states: int,
             json_out: str | None, plot_out: str | None, quiet: bool) -> None:
    """Pool several analysts' scenario FILES for one crisis into one forecast.

    Per target: each file's odds, the linear pool (weighted mean of the odds), the
    logarithmic pool (weighted mean of the log-odds) and the spread between files.
    Example: escalation pool venezuela-2025 venezuela-2025-dove --weights 0.5,0.5
    """
    from ..analysis.pooling import pool

    refuse_bad_output(json_out)
    _check_plot(plot_out)
    names = [f if files.count(f) == 1 else f"{f} #{files[:i + 1].count(f)}" for i, f in enumerate(files)]
    scenarios = dict(zip(names, (load(f) for f in files)))
    _check_targets(list(scenarios.values()), targets)
    result = pool(scenarios, weights=_parse_weights(weights), method=method,  # type: ignore[arg-type]
                  targets=targets or None, horizon=horizon, runs=runs, seed=seed, workers=workers,
                  max_states=max_states)
    if not quiet and seed is None and result.seed is not None:
        click.echo(f"seed {result.seed} (repeat with --seed {result.seed})", err=True)
    if plot_out is not None:
        from ..plots.distribution_views import plot_pool

        _save(_figure(lambda ax: plot_pool(result, ax=ax), (10.0, 1.8 + 0.55 * len(result))), plot_out)
    _emit(json_out, result.to_json, result.table())
