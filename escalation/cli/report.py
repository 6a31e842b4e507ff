"""The ``report`` command: one self-contained HTML report of a run (and a PDF of it)."""

from __future__ import annotations

import shlex
from typing import Any

import click

from ..errors import EscalationError
from .base import cli, load, quiet_option, refuse_bad_output, run_options
from .core import _run
from .evidence import nowcast_log, nowcast_options


@cli.command("report")
@click.argument("scenario")
@run_options
@click.option("--method", type=click.Choice(["auto", "mc", "exact", "both"]), default="auto", show_default=True,
              help="auto: both engines when the joint chain is small enough to solve exactly, else Monte Carlo only.")
@click.option("--out", metavar="PATH", required=True, help="The HTML file to write.")
@click.option("--pdf", "pdf_out", metavar="PATH", default=None,
              help="Also print the report to this PDF with headless Chromium (must be installed).")
@click.option("--drivers", "drivers", multiple=True, metavar="TARGET",
              help="Add a one-at-a-time sensitivity sweep (tornado chart) for this target (repeatable).")
@click.option("--uncertainty", "draws", type=click.IntRange(min=1), default=None, metavar="K",
              help="Add the spread of the odds over K parameter sets drawn from the moves' ranges and beta priors "
                   "(exact per draw where the chain is small enough, else Monte Carlo with --runs each).")
@nowcast_options
@click.option("--no-baserates", is_flag=True, help="Leave out the ICB base rates.")
@quiet_option
def report(scenario: str, runs: int, horizon: int | None, seed: int | None, targets: tuple[str, ...],
           workers: int | None, max_states: int, method: str, out: str, pdf_out: str | None, drivers: tuple[str, ...],
           draws: int | None, events: str | None, as_of: Any, no_baserates: bool, quiet: bool) -> None:
    """Write one self-contained HTML report on SCENARIO to --out.

    The report opens offline in any browser and loads nothing from any server: the odds with
    intervals and exact values, when targets are first reached, the most frequent paths, the
    crisis level over time, drivers (with --drivers), the spread of the odds over the
    uncertain numbers (with --uncertainty K), the scenario itself with its sources, base
    rates, and the manifest with the command that reproduces it. With --events and --as-of
    every number starts from the nowcast.

    \b
    Example:
      escalation report venezuela-2025 --seed 1 --uncertainty 1000 --drivers direct_strikes \\
          --events venezuela-2025 --as-of 2025-10-20 --out report.html
    """
    from ..report import find_chromium, reproduce_command, write_report

    refuse_bad_output(out)
    refuse_bad_output(pdf_out)
    if pdf_out is not None and find_chromium() is None:
        raise EscalationError("--pdf: needs Chromium or Chrome, found none on PATH; install one (Debian: "
                              "apt-get install chromium) or set ESCALATION_CHROMIUM")
    loaded = load(scenario)
    for name in drivers:
        if name not in loaded.target_names:
            raise EscalationError(f"--drivers: unknown target {name!r}; known: {', '.join(loaded.target_names)}")
    nowcast = nowcast_log(loaded, events, as_of)
    result = _run(loaded, method=method, runs=runs, horizon=horizon, seed=seed, targets=targets,
                  workers=workers, max_states=max_states, quiet=quiet, nowcast=nowcast)
    base = result.scenario  # the nowcast when --events is given: the drivers and draws start there too
    sweeps = []
    if drivers:
        from ..analysis import sensitivity

        for name in dict.fromkeys(drivers):
            sweeps.append(sensitivity(base, target=name, horizon=result.horizon, seed=result.manifest.seed or 0,
                                      max_states=max_states))
    spread = None
    if draws is not None:
        from .analysis import uncertainty

        # each draw is solved by one engine: 'both' (the run's) leaves the choice to auto
        spread = uncertainty(base, draws=draws, method="auto" if method == "both" else method, runs=runs,
                             horizon=result.horizon,
                             seed=result.manifest.seed if result.manifest.seed is not None else seed,
                             targets=tuple(result), workers=workers, max_states=max_states, quiet=True)
        if not quiet:
            click.echo(f"uncertainty: {spread.manifest.engine_reason}", err=True)
    command = reproduce_command(result, scenario_arg=scenario, out=out, drivers=[s.target for s in sweeps],
                                uncertainty=None if spread is None else (draws, spread.manifest.seed),
                                events_arg=events)
    if pdf_out is not None:
        command += " --pdf " + shlex.quote(pdf_out)
    html = write_report(result, out, sensitivity=sweeps, uncertainty=spread, baserates=not no_baserates,
                        command=command)
    if not quiet:
        click.echo(f"wrote {out} ({len(html.encode('utf-8')) / 1e6:.2f} MB)")
    if pdf_out is not None:
        from ..report import print_pdf

        print_pdf(out, pdf_out)
        if not quiet:
            click.echo(f"wrote {pdf_out}")
