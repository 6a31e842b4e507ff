"""Render a report to one self-contained HTML page with Jinja2, and write it.

The page has inline CSS, figures as inline SVG, no script, and a Content-Security-Policy that
forbids loading anything (``default-src 'none'``): it opens offline and makes no request to any
server. Its only external references are the scenario's own source links, which a reader
follows by clicking. Every string from a scenario or a result goes through Jinja2's
autoescape.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .document import Section
from .sections import (
    baserates_section,
    drivers_section,
    levels_section,
    manifest_section,
    paths_section,
    question_section,
    reproduce_command,
    scenario_section,
    timing_section,
    uncertainty_section,
)

if TYPE_CHECKING:
    from ..analysis import RunResult, Sensitivity
    from ..analysis.uncertainty import UncertainOdds

__all__ = ["HasReportSection", "render_report", "report_sections", "write_report"]

#: Ids of the sections every report has (others may not reuse them).
BUILTIN_SECTIONS = ("question", "timing", "paths", "levels", "drivers", "scenario", "baserates", "manifest")
#: The page may load nothing: styles are inline, figures are inline SVG, there is no script.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@runtime_checkable
class HasReportSection(Protocol):
    """A result that contributes a section to a report (uncertainty, backtest, ...)."""

    def report_section(self) -> Section:
        """The section to add."""
        ...


@functools.cache
def _environment() -> Any:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - jinja2 is a dependency
        raise ImportError("the HTML report needs Jinja2: pip install jinja2") from exc
    return jinja2.Environment(
        loader=jinja2.PackageLoader("escalation.report", "templates"),
        autoescape=True,  # every template, every variable
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _sensitivities(sensitivity: Sensitivity | Sequence[Sensitivity] | None) -> tuple[Sensitivity, ...]:
    from ..analysis import Sensitivity

    if sensitivity is None:
        return ()
    if isinstance(sensitivity, Sensitivity):
        return (sensitivity,)
    items = tuple(sensitivity)
    for i, s in enumerate(items):
        if not isinstance(s, Sensitivity):
            raise TypeError(f"sensitivity[{i}]: expected a Sensitivity, found {type(s).__name__}")
    return items


def _extra(sections: Iterable[Section | HasReportSection]) -> list[Section]:
    out = []
    for i, item in enumerate(sections):
        sec = item.report_section() if not isinstance(item, Section) and isinstance(item, HasReportSection) else item
        if not isinstance(sec, Section):
            raise TypeError(f"sections[{i}]: expected a Section or an object with report_section(), "
                            f"found {type(item).__name__}")
        out.append(sec)
    return out


def report_sections(
    result: RunResult,
    *,
    sensitivity: Sensitivity | Sequence[Sensitivity] | None = None,
    uncertainty: UncertainOdds | None = None,
    sections: Iterable[Section | HasReportSection] = (),
    baserates: bool = True,
    command: str | None = None,
    generated: str | None = None,
) -> tuple[Section, ...]:
    """The sections of the report on ``result``, in reading order (see :func:`write_report`)."""
    from ..analysis import RunResult
    from ..analysis.uncertainty import UncertainOdds

    if not isinstance(result, RunResult):
        raise TypeError(f"result: expected a RunResult, found {type(result).__name__}")
    sens = _sensitivities(sensitivity)
    for s in sens:
        if s.scenario_id != result.scenario.id:
            raise ValueError(f"sensitivity of {s.target}: expected scenario {result.scenario.id!r}, "
                             f"found {s.scenario_id!r}")
    if uncertainty is not None:
        if not isinstance(uncertainty, UncertainOdds):
            raise TypeError(f"uncertainty: expected an UncertainOdds, found {type(uncertainty).__name__}")
        if (uncertainty.scenario.id, uncertainty.horizon) != (result.scenario.id, result.horizon):
            raise ValueError(f"uncertainty: expected scenario {result.scenario.id!r} at {result.horizon} days, found "
                             f"{uncertainty.scenario.id!r} at {uncertainty.horizon} days")
    extra = ([uncertainty_section(uncertainty)] if uncertainty is not None else []) + _extra(sections)
    ids = [*BUILTIN_SECTIONS, *(x.id for x in extra)]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:  # checked before any figure is drawn
        raise ValueError(f"section id {twice[0]!r} appears twice in the report")
    if command is None:
        command = reproduce_command(result, drivers=[s.target for s in sens])
    if generated is None:
        generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [question_section(result), timing_section(result), paths_section(result), levels_section(result),
           drivers_section(result, sens, uncertainty=any(x.id.startswith("uncertainty") for x in extra)), *extra,
           scenario_section(result)]
    if baserates:
        out.append(baserates_section(result))
    out.append(manifest_section(result, command=command, generated=generated))
    return tuple(out)


def render_report(result: RunResult, **options: Any) -> str:
    """The report on ``result`` as HTML text (the options of :func:`write_report`, without ``path``)."""
    title = options.pop("title", None)
    sections = report_sections(result, **options)
    s = result.scenario
    from ..version import __version__

    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title or f"{s.title}: odds within {result.horizon} days",
        scenario=s, horizon=result.horizon, sections=sections, version=__version__,
        csp=CONTENT_SECURITY_POLICY, manifest=result.manifest,
    )


def write_report(
    result: RunResult,
    path: str | os.PathLike[str] | None = None,
    *,
    sensitivity: Sensitivity | Sequence[Sensitivity] | None = None,
    uncertainty: UncertainOdds | None = None,
    sections: Iterable[Section | HasReportSection] = (),
    baserates: bool = True,
    command: str | None = None,
    title: str | None = None,
    generated: str | None = None,
) -> str:
    """Render ``result`` as one self-contained HTML report, and write it to ``path`` when given.

    Sections, in order: the question and the headline odds; when targets are first reached;
    the most frequent escalation paths; the crisis level over time; uncertainty and drivers
    (the sensitivity sweeps given, the parameter uncertainty, then ``sections``); the
    scenario itself (actors, ladders, every move with its daily and window odds, rationale
    and sources as links); base rates next to the scenario's odds; the manifest and the
    command that reproduces the report.

    Parameters
    ----------
    result : RunResult
        From :func:`escalation.run`.
    path : str or os.PathLike, optional
        Where to write (atomically, through :mod:`escalation.outputs`); None only renders.
    sensitivity : Sensitivity or sequence of Sensitivity, optional
        Sweeps from :func:`escalation.analysis.sensitivity` on the same scenario and horizon:
        a tornado chart and a table each.
    uncertainty : UncertainOdds, optional
        From :func:`escalation.analysis.uncertainty.uncertain_odds` on the same scenario and
        horizon: a section with the spread of each target's odds over the parameter draws
        (a table and the uncertainty figure), in place of the note that it was not propagated.
    sections : iterable, optional
        More sections for other analyses (uncertainty, backtests, ...): each a
        :class:`~escalation.report.Section`, or an object whose ``report_section()`` returns
        one. They follow the drivers; a section whose id starts with ``uncertainty`` replaces
        the note that parameter uncertainty was not propagated.
    baserates : bool
        Include the ICB base rates (needs nothing but the bundled data).
    command : str, optional
        The command line that reproduces the report; default from the manifest
        (:func:`~escalation.report.reproduce_command`).
    title : str, optional
        Page title; default the scenario's title and horizon.
    generated : str, optional
        When the report was made, as shown; default now, in UTC.

    Returns
    -------
    str
        The HTML text.

    Raises
    ------
    OutputError
        When ``path`` cannot be written (checked before any work is done).
    TypeError, ValueError
        For a section or sweep of the wrong type, a sweep of another scenario, or two
        sections with the same id.

    Examples
    --------
    >>> from escalation import load_scenario, run
    >>> html = write_report(run(load_scenario("tutorial"), runs=2_000, seed=1), generated="today")
    >>> html.startswith("<!DOCTYPE html>"), "<script" in html
    (True, False)
    """
    from ..outputs import check_output_file, write_text

    if path is not None:
        check_output_file(path)
        if command is None:
            command = reproduce_command(result, out=Path(path).name,
                                        drivers=[s.target for s in _sensitivities(sensitivity)])
    html = render_report(result, sensitivity=sensitivity, uncertainty=uncertainty, sections=sections,
                         baserates=baserates, command=command, title=title, generated=generated)
    if path is not None:
        write_text(path, html)
    return html
