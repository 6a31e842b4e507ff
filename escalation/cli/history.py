"""The ``fit-icb`` command: the generic ladder fitted to ICB crises, and its out-of-sample scores."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..outputs import is_stdout, write_text
from .base import cli, json_option, quiet_option, refuse_bad_output


@cli.command("fit-icb")
@click.option("--out", metavar="PATH", default=None,
              help="Write the fitted ladder as a scenario file (the bundled one is scenarios/icb_generic.yaml).")
@json_option
@click.option("--markdown", "markdown_out", metavar="PATH|-", default=None,
              help="Write the score, calibration and parameter tables as Markdown to PATH, or to stdout with '-' "
                   "[default: print them].")
@click.option("--split-year", type=click.IntRange(min=1919, max=2017), default=1990, show_default=True,
              help="Fit on the crises that began before this year, score those from it on.")
@click.option("--folds", type=click.IntRange(min=2, max=100), default=5, show_default=True,
              help="Folds of the cross-validation.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Decides the folds; the published table uses the default.")
@click.option("--fit-horizon", type=click.IntRange(min=30, max=3000), default=730, show_default=True,
              help="Days the likelihood solves; a crisis still active then enters as such (censored).")
@click.option("--data", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An ICB system-level CSV [default: the bundled v14 copy].")
@quiet_option
def fit_icb_cmd(out: str | None, json_out: str | None, markdown_out: str | None, split_year: int, folds: int,
                seed: int, fit_horizon: int, path: Path | None, quiet: bool) -> None:
    """Fit the generic crisis ladder to ICB crises and score it out of sample.

    Fits daily hazards of escalation and termination on ICB's violence scale, given three
    facts known at onset (violent trigger, a war already under way, a great-power trigger),
    with the exact engine as likelihood. Scores the ladder against the climatological base
    rate and the onset profile's base rate: fitted before --split-year and scored after it,
    and by --folds-fold cross-validation. Takes about half a minute.
    """
    outputs = [o for o in (json_out, markdown_out) if is_stdout(o)]
    if len(outputs) > 1:
        raise click.UsageError("--json - and --markdown - cannot both write to stdout")
    for o in (out, json_out, markdown_out):
        refuse_bad_output(o)
    from ..history import fit_icb

    def say(line: str) -> None:
        if not quiet:
            click.echo(f"{line} ...", err=True)

    report = fit_icb(path=path, split_year=split_year, folds=folds, seed=seed, fit_horizon=fit_horizon, progress=say)
    if out is not None:
        write_text(out, report.scenario_text())
        if not quiet:
            click.echo(f"wrote the fitted scenario to {out}", err=True)
    markdown = report.to_markdown()
    if json_out is not None:
        text = json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
        if is_stdout(json_out):
            click.echo(text, nl=False)
        else:
            write_text(json_out, text)
    if markdown_out is not None and not is_stdout(markdown_out):
        write_text(markdown_out, markdown)
    elif markdown_out is not None or not is_stdout(json_out):
        click.echo(markdown, nl=False)  # --markdown -, or by default when stdout is free
    if not quiet:
        click.echo(f"done in {report.wall_time:.1f} s", err=True)
