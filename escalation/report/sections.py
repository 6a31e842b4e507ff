"""The sections of a report on a :class:`~escalation.analysis.RunResult`, in reading order.

Each builder takes the result (and what else it needs) and returns a
:class:`~escalation.report.document.Section` of plain text, tables and figures; nothing here
writes HTML, so nothing here needs escaping. Figures come from :mod:`escalation.plots`
(:func:`~escalation.plots.make_figure`, :func:`~escalation.plots.plot_tornado`) and are
inlined as SVG by :func:`~escalation.report.figures.figure_svg`.
"""

from __future__ import annotations

import datetime as dt
import math
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis.tables import format_probability
from .document import Chart, Code, Link, Paragraph, Section, Table
from .figures import figure_svg

if TYPE_CHECKING:
    from ..analysis import RunResult, Sensitivity
    from ..analysis.uncertainty import UncertainOdds
    from ..evidence.nowcast import NowcastManifest
    from ..scenario import Move, Scenario

__all__ = [
    "LEVEL_NAMES",
    "baserates_section",
    "drivers_section",
    "levels_section",
    "manifest_section",
    "paths_section",
    "question_section",
    "reproduce_command",
    "scenario_section",
    "timing_section",
]

#: Short names of the common 0-10 levels (docs/levels.md).
LEVEL_NAMES = (
    "no crisis", "ostensible crisis", "coercion without force", "display of force",
    "harassment, covert violence", "limited use of force", "limited attack on the opponent",
    "conventional war", "nuclear shadow", "local nuclear war", "nuclear attacks on homelands",
)

#: ICB's violence categories and the crisis level taken as reaching each (docs/levels.md):
#: minor clashes ~ harassment and covert violence (4), serious clashes ~ a limited attack on
#: the opponent (6), full-scale war ~ conventional war (7).
ICB_LEVELS = ((2, "minor clashes or worse", 4), (3, "serious clashes or worse", 6), (4, "full-scale war", 7))


def _chart(kind: str, scenario: Scenario, result: RunResult | None, caption: str) -> Chart:
    from ..plots import make_figure

    fig = make_figure(kind, scenario, result)
    return Chart(name=kind, svg=figure_svg(fig, prefix=f"fig-{kind}"), caption=caption)


def _days(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:g}"


def _end(scenario: Scenario, horizon: int) -> str:
    return "" if scenario.as_of is None else f" (to {scenario.as_of + dt.timedelta(days=horizon)})"


def _since(scenario: Scenario) -> str:
    return f"days from {scenario.as_of}" if scenario.as_of is not None else "days"


# --- the question and the headline odds -----------------------------------------------------
def _nowcast(manifest: object) -> NowcastManifest | None:
    """The manifest of a run started from an event log (``escalation run --events``), else None."""
    from ..evidence.nowcast import NowcastManifest

    return manifest if isinstance(manifest, NowcastManifest) else None


def question_section(result: RunResult) -> Section:
    """The question, the headline odds of every target and the odds-by-day figure."""
    s, h, m = result.scenario, result.horizon, result.manifest
    when = f"within {h} days of {s.as_of}{_end(s, h)}" if s.as_of is not None else f"within {h} days"
    start = "starting from the situation the scenario describes"
    nc = _nowcast(m)
    if nc is not None:
        rungs = ", ".join(f"{a} on {r}" for a, r in nc.starts.items())
        start = f"starting from where the event log {Path(nc.events_file).name} puts the actors on {nc.as_of} ({rungs})"
    blocks: list = [Paragraph(strong="The question. ", text=(
        f"How likely is each of the targets below to hold at least once {when}, {start}?"))]
    if s.description:
        blocks.append(Paragraph(text=s.description))
    both = result.simulation is not None and result.exact is not None
    header = ["target", "meaning", "odds", "95% interval", "exact", "median first day (IQR)"]
    rows = []
    for t in result.targets:
        target = s.target(t.name)
        meaning = t.description or target.when
        if t.description:
            meaning = f"{t.description} ({target.when})"
        ci = f"{format_probability(t.ci95[0])} to {format_probability(t.ci95[1])}" if t.ci95 else "-"
        first = _days(t.first_day_median)
        if first != "-":
            first += f" ({_days(t.first_day_q1)}-{_days(t.first_day_q3)})"
        rows.append((t.name, meaning, format_probability(t.probability), ci, format_probability(t.exact), first))
    if result.simulation is not None:
        engine = (f"Odds: share of {m.runs:,} Monte Carlo trajectories (seed {m.seed}) that reach the target by "
                  f"day {h}, with its 95% Wilson interval")
        engine += "; exact: the exact engine on the joint chain." if both else "."
    else:
        engine = f"Odds: the exact engine on the joint chain ({m.n_states:,} states); no sampling error."
    blocks.append(Table(header=tuple(header), rows=tuple(rows), caption=f"Odds of each target by day {h}",
                        numeric=(False, False, True, True, True, True)))
    blocks.append(Paragraph(text=engine + " First day: among the outcomes that reach the target by the horizon."))
    blocks.append(_chart("odds", s, result, "Cumulative odds of each target by day."))
    return Section(id="question", title="The question and the headline odds", blocks=tuple(blocks))


# --- when ---------------------------------------------------------------------------------------
def _checkpoints(horizon: int) -> list[int]:
    days = sorted({max(1, round(horizon * f)) for f in (1 / 3, 2 / 3)} | {horizon})
    return [d for d in days if 0 < d <= horizon] or [horizon]


def timing_section(result: RunResult) -> Section:
    """Odds by a few days within the horizon, first-day quartiles, and the first-hit figure."""
    s, h, odds = result.scenario, result.horizon, result.odds
    days = _checkpoints(h)
    header = ("target", *(f"by day {d}" for d in days), "first quarter by day", "median first day",
              "three quarters by day")
    rows = []
    for t in result.targets:
        rows.append((t.name, *(format_probability(odds.probability(t.name, d)) for d in days),
                     _days(t.first_day_q1), _days(t.first_day_median), _days(t.first_day_q3)))
    engine = "exact engine" if result.exact is not None else "Monte Carlo"
    return Section(id="timing", title="When targets are first reached", blocks=(
        Paragraph(text=(f"Cumulative odds by a few days within the horizon ({engine}), and the quartiles of the first "
                        f"day each target holds among the outcomes that reach it by day {h} ({_since(s)}).")),
        Table(header=header, rows=tuple(rows), numeric=(False,) + (True,) * (len(header) - 1)),
        _chart("first-hit", s, result, "When each target is first reached: probability per day."),
    ))


# --- paths --------------------------------------------------------------------------------------
def paths_section(result: RunResult, *, top: int = 10) -> Section:
    """The most frequent escalation paths (Monte Carlo only) and the paths figure."""
    sim = result.simulation
    if sim is None or not sim.top_paths:
        return Section(id="paths", title="The most frequent escalation paths", blocks=(Paragraph(text=(
            "Not available: paths are counted by the Monte Carlo engine, which did not run for this report "
            "(rerun with --method both or mc).")),))
    s = result.scenario
    rows = []
    for i, p in enumerate(sim.top_paths[:top], 1):
        rows.append((str(i), p.describe(s), f"{p.count:,}", format_probability(p.count / sim.runs)))
    blocks: list = [
        Paragraph(text=(f"The sequences of moves most often taken from the start until the first target is reached or "
                        f"day {result.horizon}, among {sim.runs:,} trajectories; 'no change' is a trajectory in which "
                        f"no actor moved.")),
        Table(header=("rank", "path", "trajectories", "share"), rows=tuple(rows), numeric=(True, False, True, True)),
    ]
    if sim.path_count_error:
        blocks.append(Paragraph(text=f"Counts are lower bounds, short of the truth by at most {sim.path_count_error:,}."))
    blocks.append(_chart("paths", s, result, "Sample trajectories and the most frequent escalation paths."))
    return Section(id="paths", title="The most frequent escalation paths", blocks=tuple(blocks))


# --- crisis level -------------------------------------------------------------------------------
def levels_section(result: RunResult) -> Section:
    """The crisis-level distribution on a few days, and the fan chart."""
    s, h = result.scenario, result.horizon
    dist = result.level_distribution()
    present = [lv for lv in range(dist.shape[1]) if dist[:, lv].max() > 0]
    days = sorted({0, *_checkpoints(h)})
    header = ("day", "mean level", *(f"{lv} {LEVEL_NAMES[lv]}" for lv in present))
    rows = []
    for d in days:
        mean = float(sum(lv * dist[d, lv] for lv in present))
        rows.append((str(d), f"{mean:.2f}", *(format_probability(float(dist[d, lv])) for lv in present)))
    return Section(id="levels", title="The crisis level over time", blocks=(
        Paragraph(text=("The crisis level of a day is the highest level on the common 0-10 scale among the parties "
                        "(exogenous processes left out). Each row gives the probability that the crisis stands at each "
                        "level on that day; the level can fall again, so these are not the odds of ever reaching it.")),
        Table(header=header, rows=tuple(rows), numeric=(True,) * len(header)),
        _chart("fan", s, result, "Distribution of the crisis level by day."),
    ))


# --- drivers ------------------------------------------------------------------------------------
def drivers_section(result: RunResult, sensitivities: Sequence[Sensitivity], *, uncertainty: bool = False,
                    top: int = 10) -> Section:
    """One-at-a-time sensitivity (tornado and table) for each sweep given; a note when none."""
    blocks: list = []
    if not sensitivities:
        blocks.append(Paragraph(text=(
            "No sensitivity sweep was run for this report; `escalation report SCENARIO --drivers TARGET` (or "
            "write_report(..., sensitivity=...)) adds one: which single move's daily odds a target leans on most.")))
    for k, sens in enumerate(sensitivities):
        f = f"{sens.factor:g}"
        engine = "exact engine" if sens.method == "exact" else f"Monte Carlo, {sens.runs:,} runs per variant"
        blocks.append(Paragraph(strong=f"{sens.target}. ", text=(
            f"Each move's daily probability divided and multiplied by {f}, one move at a time, everything else "
            f"unchanged ({engine}); base odds {format_probability(sens.base)} within {sens.horizon} days. "
            f"{len(sens.moves)} moves swept, {len(sens.failed)} variants failed.")))
        rows = []
        for mv in sens.moves[:top]:
            rows.append((mv.label, f"{mv.p:.3g}", format_probability(mv.low),
                         "failed" if mv.high is None else format_probability(mv.high), format_probability(mv.swing)))
        blocks.append(Table(header=("move", "per day", f"odds with p / {f}", f"odds with p x {f}", "swing"),
                            rows=tuple(rows), numeric=(False, True, True, True, True),
                            caption=f"The {min(top, len(sens.moves))} moves with the largest swing in {sens.target}"))
        from matplotlib.figure import Figure

        from ..plots import plot_tornado

        n = min(top, len(sens.moves))
        fig = Figure(figsize=(10.0, 1.6 + 0.5 * n), layout="constrained")
        plot_tornado(sens, ax=fig.add_subplot(), top=top)
        blocks.append(Chart(name="tornado", svg=figure_svg(fig, prefix=f"fig-tornado-{k}"),
                            caption=f"Tornado chart for {sens.target}."))
    if not uncertainty:
        blocks.append(Paragraph(text=(
            "Uncertainty about the numbers themselves (the ranges and beta priors on moves) is not propagated in "
            "this report: the intervals above measure Monte Carlo sampling error only.")))
    return Section(id="drivers", title="Uncertainty and drivers", blocks=tuple(blocks))


def uncertainty_section(u: UncertainOdds) -> Section:
    """The spread of each target's odds over parameter draws: a table and the uncertainty figure."""
    from ..analysis.uncertainty import INTERVAL
    from ..plots import uncertainty_figure

    engine = "exact odds per draw" if u.engine == "exact" else f"Monte Carlo per draw, {u.runs:,} runs each"
    blocks: list = [Paragraph(strong="Uncertainty about the numbers. ", text=(
        f"{u.n_valid:,} of {u.draws:,} parameter sets drawn (seed {u.manifest.seed}) over the "
        f"{len(u.parameters)} uncertain numbers of the scenario: each move's range as a PERT distribution with "
        f"its stated value as mode, each beta prior as given, drawn independently; {engine}. The interval is the "
        f"spread those ranges imply, not a calibrated forecast interval."))]
    rows = [(t.name, format_probability(t.point), format_probability(t.median),
             f"{format_probability(t.low)} to {format_probability(t.high)}") for t in u.targets]
    blocks.append(Table(header=("target", "point odds", "median", f"{INTERVAL:.0%} interval"), rows=tuple(rows),
                        numeric=(False, True, True, True),
                        caption=f"Odds within {u.horizon} days over the parameter draws"))
    note = u.note()
    if note:
        blocks.append(Paragraph(strong="Note. ", text=note[0].upper() + note[1:] + "."))
    if u.has_uncertainty:
        blocks.append(Chart(name="uncertainty", svg=figure_svg(uncertainty_figure(u), prefix="fig-uncertainty"),
                            caption="Each target's odds over the draws (violin, 90% interval, median, point value), "
                                    "and the cumulative odds by day as median and 90% band."))
    return Section(id="uncertainty", title="Uncertainty about the numbers", blocks=tuple(blocks))


# --- the scenario -------------------------------------------------------------------------------
def _sources(scenario: Scenario, ids: Sequence[str]) -> tuple[str | Link, ...]:
    known = {src.id: src for src in scenario.sources}
    out: list[str | Link] = []
    for sid in ids:
        src = known.get(sid)
        out.append(Link(text=src.title or sid, href=src.url or None) if src is not None else sid)
    return tuple(out)


def _stated(move: Move) -> str:
    if move.within is not None:
        return f"{format_probability(float(move.within.p))} within {move.within.days:g} days"
    return "per day"


def _range(move: Move) -> str:
    parts = []
    if move.range is not None:
        lo, hi = move.range
        if move.within is not None:
            parts.append(f"{format_probability(lo)} to {format_probability(hi)} within {move.within.days:g} days")
        else:
            parts.append(f"{lo:.3g} to {hi:.3g} per day")
    if move.beta is not None:
        parts.append(f"beta({move.beta[0]:g}, {move.beta[1]:g})")
    return "; ".join(parts) or "-"


def scenario_section(result: RunResult) -> Section:
    """Actors, ladders, every move (daily and window odds, rationale, sources), modifiers, targets, sources."""
    s, h = result.scenario, result.horizon
    blocks: list = [Paragraph(text=(
        f"{s.title} ({s.id}), as of {s.as_of or 'no date'}: {len(s.actors)} actors, {len(s.moves)} moves, "
        f"{len(s.modifiers)} modifiers, {len(s.targets)} targets. Each day every actor independently draws its next "
        f"rung given the joint state at the start of the day; staying takes the rest of the probability."))]
    blocks.append(Table(
        header=("actor", "name", "kind", "starts at", "description"),
        rows=tuple((a.id, a.name, a.kind, a.rung(a.start).label, a.description or "-") for a in s.actors),
        caption="Actors"))
    for a in s.actors:
        rows = tuple((r.id + (" (start)" if r.id == a.start else ""), str(r.level), r.label, r.description or "-")
                     for r in a.ladder)
        blocks.append(Table(header=("rung", "level", "label", "description"), rows=rows,
                            caption=f"Ladder of {a.id} ({a.name}), lowest first", numeric=(False, True, False, False)))
    blocks.append(_chart("ladder", s, None, "The ladders on the common 0-10 scale."))
    blocks.append(_chart("graph", s, None, "Each actor's moves between its rungs."))
    rows = []
    for i, mv in enumerate(s.moves):
        p = float(mv.p) if mv.p is not None else math.nan
        window = -math.expm1(h * math.log1p(-p)) if p < 1 else 1.0
        rows.append((str(i), mv.actor, f"{mv.from_} -> {mv.to}", mv.when or "always", f"{p:.3g}",
                     format_probability(window), _stated(mv), _range(mv), mv.rationale or "-",
                     _sources(s, mv.source) or "-"))
    blocks.append(Table(
        header=("#", "actor", "move", "when", "per day", f"within {h} days", "as stated", "range", "rationale",
                "sources"),
        rows=tuple(rows), numeric=(True, False, False, False, True, True, False, False, False, False),
        caption=(f"Moves. 'Within {h} days' is 1 - (1 - p)^{h}: the odds of the move if its condition held and "
                 f"nothing else changed throughout; modifiers may scale it.")))
    if s.modifiers:
        mods = []
        for mod in s.modifiers:
            sel = ", ".join(x for x in (
                f"{mod.actor}'s moves" if mod.actor else "all actors' moves",
                {"up": "escalating", "down": "de-escalating"}.get(mod.direction, ""),
                f"tagged {' or '.join(mod.tags)}" if mod.tags else "") if x)
            mods.append((mod.when, sel, f"x {mod.factor:g}", mod.rationale or "-", _sources(s, mod.source) or "-"))
        blocks.append(Table(header=("while", "applies to", "factor", "rationale", "sources"), rows=tuple(mods),
                            caption="Modifiers: while the condition holds, the selected moves' daily odds are multiplied",
                            numeric=(False, False, True, False, False)))
    blocks.append(Table(header=("target", "condition", "description"),
                        rows=tuple((t.name, t.when, t.description or "-") for t in s.targets), caption="Targets"))
    if s.sources:
        blocks.append(Table(
            header=("source", "title", "publisher", "date", "note"),
            rows=tuple((src.id, Link(text=src.title or src.url or src.id, href=src.url or None), src.publisher or "-",
                        str(src.date) if src.date else "-", src.note or "-") for src in s.sources),
            caption="Sources"))
    return Section(id="scenario", title="The scenario", blocks=tuple(blocks))


# --- base rates ---------------------------------------------------------------------------------
def _level_reach(result: RunResult, levels: Sequence[int]) -> dict[int, float] | None:
    """Exact odds that the crisis level reaches each of ``levels`` by the horizon; None without the exact engine."""
    if result.exact is None:
        return None
    from ..engines.exact import exact_odds
    from ..scenario import Target

    s = result.scenario
    out: dict[int, float] = {}
    targets = []
    for k in levels:
        parts = []
        for a in s.actors:
            first = next((r.id for r in a.ladder if r.level >= k), None)
            if a.kind == "party" and first is not None:
                parts.append(f"{a.id} >= {first}")
        if parts:
            targets.append(Target(name=f"level_{k}", when=" or ".join(parts)))
        else:
            out[k] = 0.0
    if targets:
        from ..compiled import compile_model, estimate_states

        # Same actors and moves, so the same chain as the result's: no limit to apply again.
        variant = s.replace(targets=tuple(targets))
        odds = exact_odds(variant, horizon=result.horizon, max_states=estimate_states(compile_model(s)))
        for t in targets:
            out[int(t.name.removeprefix("level_"))] = odds.probability(t.name)
    return out


def baserates_section(result: RunResult) -> Section:
    """ICB base rates of violence and duration next to the scenario's odds of reaching the matching levels."""
    from ..baserates import base_rates

    everything, us_actor = base_rates(), base_rates(us="actor")
    h = result.horizon
    reach = _level_reach(result, [lv for _, _, lv in ICB_LEVELS])

    def share(x: object) -> str:
        sh = x  # a ViolenceShare or DurationShare
        return f"{format_probability(sh.share)} ({format_probability(sh.ci95[0])} to {format_probability(sh.ci95[1])})"  # type: ignore[attr-defined]

    def at_least(rates: object, level: int) -> object:
        return next(v for v in rates.violence_at_least if v.level == level)  # type: ignore[attr-defined]

    rows = []
    for icb, label, lv in ICB_LEVELS:
        mine = "-" if reach is None else f"{format_probability(reach[lv])} (level >= {lv})"
        rows.append((label, share(at_least(everything, icb)), share(at_least(us_actor, icb)), mine))
    within = max((d for d in (s.days for s in everything.duration.within) if d <= max(h, 30)), default=None)
    if within is not None:
        a = next(x for x in everything.duration.within if x.days == within)
        b = next(x for x in us_actor.duration.within if x.days == within)
        rows.append((f"crisis ended within {within} days", share(a), share(b), "-"))
    note = ("The scenario column is the exact odds that the crisis level reaches the level shown at least once "
            f"within {h} days." if reach is not None else
            "The scenario's odds of reaching each level need the exact engine, which did not run for this report.")
    return Section(id="baserates", title="Base rates", blocks=(
        Paragraph(text=(
            "An outside view: how often the crises of the International Crisis Behavior data (ICB, version 14, "
            f"1918-2017) reached each level of violence over their whole course, with 95% Wilson intervals, next to "
            f"this scenario's odds of the crisis level that matches it (docs/levels.md). {note} The comparison is "
            "loose: ICB counts whole crises from their trigger, the scenario counts from its as-of date, within its "
            "horizon and from its start state.")),
        Table(header=("outcome", f"ICB, all crises (n={everything.n_crises})",
                      f"ICB, US a crisis actor (n={us_actor.n_crises})", f"this scenario, within {h} days"),
              rows=tuple(rows), numeric=(False, True, True, True)),
    ))


# --- manifest -----------------------------------------------------------------------------------
def _bundled_name(scenario: Scenario) -> str | None:
    if scenario.origin is None:
        return None
    from ..loader import bundled_scenarios

    try:
        origin = Path(scenario.origin).resolve()
    except OSError:
        return None
    names = [name for name, path in bundled_scenarios().items() if path.resolve() == origin]
    return scenario.id if scenario.id in names else (names[0] if names else None)


def reproduce_command(result: RunResult, *, scenario_arg: str | None = None, out: str = "report.html",
                      drivers: Sequence[str] | None = None, uncertainty: tuple[int, int] | None = None,
                      events_arg: str | None = None) -> str:
    """The ``escalation report`` command line that reproduces ``result`` (and its report).

    Parameters
    ----------
    result : RunResult
    scenario_arg : str, optional
        The SCENARIO argument; default the bundled name when the scenario is bundled, else the
        file it was loaded from, else ``<id>.yaml``.
    out : str
        The ``--out`` file.
    drivers : sequence of str, optional
        Targets of the sensitivity sweeps in the report (one ``--drivers`` each).
    uncertainty : (int, int), optional
        Draws and seed of the report's parameter-uncertainty section (``--uncertainty K``).
    events_arg : str, optional
        The ``--events`` argument of a nowcast; default the log file the manifest names.

    Returns
    -------
    str
        Arguments quoted for a POSIX shell.
    """
    s, m = result.scenario, result.manifest
    scenario = scenario_arg or _bundled_name(s) or s.origin or f"{s.id}.yaml"
    args = ["escalation", "report", scenario]
    if m.runs is not None:
        args += ["--runs", str(m.runs), "--seed", str(m.seed)]
    elif uncertainty is not None:
        args += ["--seed", str(uncertainty[1])]
    args += ["--horizon", str(m.horizon), "--method", m.engine]
    if tuple(result) != s.target_names:
        for name in result:
            args += ["--target", name]
    nc = _nowcast(m)
    if nc is not None:
        args += ["--events", events_arg or nc.events_file, "--as-of", nc.as_of]
    for name in drivers or ():
        args += ["--drivers", name]
    if uncertainty is not None:
        args += ["--uncertainty", str(uncertainty[0])]
    args += ["--out", out]
    return " ".join(shlex.quote(a) for a in args)


def _versions() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for dist in ("matplotlib", "scipy", "numba", "Jinja2"):
        try:
            out.append((dist, version(dist)))
        except PackageNotFoundError:
            continue
    return out


def manifest_section(result: RunResult, *, command: str, generated: str) -> Section:
    """Everything needed to reproduce the numbers: the manifest, versions and the command."""
    m = result.manifest
    rows: list[tuple[str, str]] = [
        ("scenario", m.scenario_id),
        ("scenario file", m.scenario_file or "built in code (the hash is of its canonical YAML)"),
        ("scenario SHA-256", m.scenario_sha256),
        ("engine", f"{m.engine} ({m.engine_reason})"),
        ("seed", "-" if m.seed is None else str(m.seed)),
        ("runs", "-" if m.runs is None else f"{m.runs:,}"),
        ("horizon", f"{m.horizon} days"),
        ("joint states", "-" if m.n_states is None else f"{m.n_states:,}"),
        ("escalation", m.package_version),
        ("Python", m.python_version),
        ("NumPy", m.numpy_version),
        *_versions(),
        ("run time", f"{m.wall_time:.2f} s"),
        ("report generated", generated),
    ]
    nc = _nowcast(m)
    if nc is not None:  # the log and the day reproduce the start
        rows[1:1] = [("event log", nc.events_file), ("event log SHA-256", nc.events_sha256),
                     ("nowcast as of", nc.as_of), ("start rungs", ", ".join(f"{a}={r}" for a, r in nc.starts.items()))]
    return Section(id="manifest", title="Manifest and how to reproduce it", blocks=(
        Table(header=("field", "value"), rows=tuple(rows)),
        Paragraph(text=("The same command with the same seed gives the same numbers on any machine and any number of "
                        "workers; check that the scenario file is the one used by comparing its SHA-256 "
                        f"(sha256sum) with {m.scenario_sha256}.")),
        Code(text=command, caption="Reproduce this report"),
    ))
