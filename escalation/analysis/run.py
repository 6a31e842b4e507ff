"""``run``: pair the two engines on one scenario and summarise each target.

:func:`run` is what ``escalation run`` calls. It decides from the compiled model's size
estimate, at once, whether the exact engine can run; runs it and/or the Monte Carlo engine;
and returns a :class:`RunResult` that renders as a plain-text table, an HTML table in
notebooks, JSON, CSV or a pandas DataFrame, with a manifest that reproduces every number.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, compile_model, estimate_states
from ..engines.exact import ExactOdds, exact_odds
from ..engines.montecarlo import Simulation, simulate
from ..engines.odds import Odds, Race
from ..limits import check_horizon
from ..loader import dump_scenario
from ..rng import SeedLike
from ..scenario import Scenario
from ..stats import binomial_stderr, wilson_interval
from .tables import csv_text, format_probability, html_table, pandas_module, text_table

__all__ = ["AUTO_EXACT_MAX_STATES", "Manifest", "Method", "RunResult", "TargetResult", "run", "scenario_sha256"]

Method = Literal["auto", "mc", "exact", "both"]


def _version() -> str:
    from ..version import __version__

    return __version__


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of the scenario's file, or of its canonical YAML when built in code."""
    if scenario.sha256:
        return scenario.sha256
    return hashlib.sha256(dump_scenario(scenario).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """The odds of one target within the horizon.

    Attributes
    ----------
    name, description : str
    probability : float
        Monte Carlo estimate; the exact value when only the exact engine ran.
    stderr : float or None
        Binomial standard error of the estimate (None without Monte Carlo).
    ci95 : (float, float) or None
        95% Wilson interval (None without Monte Carlo).
    hits, runs : int or None
        Trajectories that reached the target, and all trajectories.
    exact : float or None
        Exact probability, where the exact engine ran.
    exact_eventual : float or None
        Exact probability with no horizon (with ``run(..., eventual=True)``).
    first_day_median, first_day_q1, first_day_q3 : float or None
        Quartiles of the first day the target holds, among runs that reach it by the horizon.
    first_day_pmf : ndarray, shape (horizon + 1,)
        Probability that the target first holds on each day (exact where computed, else
        Monte Carlo); not part of equality.
    """

    name: str
    description: str
    probability: float
    stderr: float | None
    ci95: tuple[float, float] | None
    hits: int | None
    runs: int | None
    exact: float | None
    exact_eventual: float | None
    first_day_median: float | None
    first_day_q1: float | None
    first_day_q3: float | None
    first_day_pmf: np.ndarray = field(compare=False, repr=False)

    @property
    def z(self) -> float | None:
        """(Monte Carlo - exact) / standard error, where both engines ran."""
        if self.exact is None or self.stderr is None:
            return None
        se = self.stderr if self.stderr > 0 else binomial_stderr(self.exact, self.runs or 1)
        if se == 0:
            return 0.0 if self.probability == self.exact else math.inf
        return (self.probability - self.exact) / se


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """Everything needed to reproduce a published number."""

    scenario_id: str
    scenario_sha256: str
    scenario_file: str | None
    engine: str
    engine_reason: str
    seed: int | None
    runs: int | None
    horizon: int
    n_states: int | None
    package_version: str
    python_version: str
    numpy_version: str
    wall_time: float


def _none_if_nan(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class RunResult(Mapping[str, TargetResult]):
    """The answer of :func:`run`: per-target odds, the engines' results and a manifest.

    A read-only mapping from target name to :class:`TargetResult`: ``result["direct_strikes"]``,
    ``for name in result``, ``"blockade" in result``, ``len(result)``, ``result.items()``.

    Attributes
    ----------
    scenario : Scenario
    targets : tuple of TargetResult
        In file order.
    manifest : Manifest
    simulation : Simulation or None
        The Monte Carlo result, where it ran.
    exact : ExactOdds or None
        The exact result, where it ran.
    """

    scenario: Scenario
    targets: tuple[TargetResult, ...]
    manifest: Manifest
    simulation: Simulation | None
    exact: ExactOdds | None

    def __repr__(self) -> str:
        m = self.manifest
        return (f"<RunResult {self.scenario.id}: {len(self.targets)} targets, horizon {m.horizon} days, "
                f"engine {m.engine}" + (f", {m.runs:,} runs, seed {m.seed}" if m.runs else "") + ">")

    def __getitem__(self, name: str) -> TargetResult:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(f"unknown target {name!r}; in this result: {', '.join(t.name for t in self.targets)}")

    def __iter__(self) -> Iterator[str]:
        return (t.name for t in self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.targets)

    @property
    def horizon(self) -> int:
        """Days computed."""
        return self.manifest.horizon

    @property
    def odds(self) -> Odds:
        """The most precise engine result: exact where it ran, else Monte Carlo."""
        best = self.exact if self.exact is not None else self.simulation
        assert best is not None
        return best

    def cumulative(self) -> np.ndarray:
        """Cumulative odds of every target by day, shape ``(n_targets, horizon + 1)`` (from :attr:`odds`)."""
        return self.odds.cumulative()

    def first_day_pmf(self, name: str) -> np.ndarray:
        """Probability that ``name`` first holds on each day, shape ``(horizon + 1,)`` (from :attr:`odds`)."""
        self[name]
        return self.odds.first_day_pmf(name)

    def level_distribution(self) -> np.ndarray:
        """Probability of each crisis level 0-10 per day, shape ``(horizon + 1, 11)`` (from :attr:`odds`)."""
        return self.odds.level_distribution()

    def race(self, first: str, second: str) -> Race:
        """Which of two targets holds first (from :attr:`odds`; ask :func:`run` with ``races=``)."""
        return self.odds.race(first, second)

    @property
    def races(self) -> tuple[tuple[str, str], ...]:
        """The races computed."""
        return tuple(self.odds._races)

    # --- exports -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``targets.<name>.probability``, ``.ci95``, ``.exact`` ... and ``manifest``."""
        targets = {}
        for t in self.targets:
            d = {k: v for k, v in asdict(t).items() if k != "first_day_pmf"}
            d["ci95"] = list(t.ci95) if t.ci95 is not None else None
            for key in ("first_day_median", "first_day_q1", "first_day_q3"):
                d[key] = _none_if_nan(d[key]) if d[key] is not None else None
            d.pop("name")
            targets[t.name] = d
        out: dict[str, Any] = {"scenario": self.scenario.id, "title": self.scenario.title, "targets": targets}
        if self.simulation is not None:
            out["top_paths"] = [
                {"path": p.describe(self.scenario), "moves": [list(m) for m in p.moves], "truncated": p.truncated,
                 "count": p.count, "share": p.count / self.simulation.runs}
                for p in self.simulation.top_paths
            ]
        if self.races:
            out["races"] = []
            for a, b in self.races:
                entry: dict[str, Any] = {"first": a, "second": b}
                for name, odds in (("mc", self.simulation), ("exact", self.exact)):
                    if odds is not None:
                        race = odds.race(a, b)
                        entry[name] = {"first_wins": race.first_wins(), "second_wins": race.second_wins(),
                                       "tie": race.tie(), "neither": race.neither()}
                out["races"].append(entry)
        out["manifest"] = asdict(self.manifest)
        return out

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False) + "\n"
        if path is not None:
            _write_atomic(path, text)
        return text

    def to_html(self, path: str | os.PathLike[str] | None = None, **options: Any) -> str:
        """The self-contained HTML report (:func:`escalation.report.write_report`); written atomically to ``path`` when given."""
        from ..report import write_report

        return write_report(self, path, **options)

    def _rows(self) -> list[dict[str, Any]]:
        rows = []
        for t in self.targets:
            rows.append({
                "target": t.name, "probability": t.probability, "stderr": t.stderr,
                "ci95_low": t.ci95[0] if t.ci95 else None, "ci95_high": t.ci95[1] if t.ci95 else None,
                "exact": t.exact, "exact_eventual": t.exact_eventual, "hits": t.hits, "runs": t.runs,
                "first_day_median": t.first_day_median, "first_day_q1": t.first_day_q1,
                "first_day_q3": t.first_day_q3,
            })
        return rows

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """One row per target; written atomically to ``path`` when given."""
        text = csv_text(self._rows())
        if path is not None:
            _write_atomic(path, text)
        return text

    def to_pandas(self) -> Any:
        """The per-target table as a :class:`pandas.DataFrame` indexed by target (needs pandas)."""
        pd = pandas_module()
        return pd.DataFrame(self._rows()).set_index("target")

    def _table_cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["target", "odds", "95% interval", "exact", "(mc-exact)/se", "median first day"]
        body = []
        for t in self.targets:
            ci = f"[{format_probability(t.ci95[0])}, {format_probability(t.ci95[1])}]" if t.ci95 else "-"
            z = t.z
            day = "-" if t.first_day_median is None or math.isnan(t.first_day_median) else f"{t.first_day_median:g}"
            body.append([
                t.name, format_probability(t.probability), ci, format_probability(t.exact),
                "-" if z is None else f"{z:+.2f}", day,
            ])
        return header, body

    def table(self) -> str:
        """A plain-text table with a title line and a one-line manifest summary."""
        header, body = self._table_cells()
        lines = text_table(f"{self.scenario.title} ({self.scenario.id}), horizon {self.horizon} days", header, body)
        m = self.manifest
        bits = [f"engine {m.engine}"]
        if m.runs is not None:
            bits.append(f"{m.runs:,} runs, seed {m.seed}")
            if self.simulation is not None and self.simulation.path_count_error:
                bits.append(f"path counts within {self.simulation.path_count_error:,}")
        if m.n_states is not None:
            bits.append(f"{m.n_states:,} joint states")
        bits.append(f"{m.wall_time:.2f} s")
        lines.append("(" + "; ".join(bits) + ")")
        return "\n".join(lines + self.race_lines())

    def race_lines(self) -> list[str]:
        """One line per race: each outcome's odds (Monte Carlo with its interval, and exact)."""
        lines = []
        for a, b in self.races:
            parts = []
            for label, pick in ((f"{a} first", "first"), (f"{b} first", "second"), ("same day", "tie")):
                bits = []
                if self.simulation is not None:
                    race = self.simulation.race(a, b)
                    lo, hi = race.ci95(pick)
                    value = {"first": race.first_wins, "second": race.second_wins, "tie": race.tie}[pick]()
                    bits.append(f"{format_probability(value)} [{format_probability(lo)}, {format_probability(hi)}]")
                if self.exact is not None:
                    race = self.exact.race(a, b)
                    value = {"first": race.first_wins, "second": race.second_wins, "tie": race.tie}[pick]()
                    bits.append(f"exact {format_probability(value)}")
                parts.append(f"{label} {' '.join(bits)}")
            lines.append(f"race {a} vs {b} within {self.horizon} days: " + "; ".join(parts))
        return lines

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        header, body = self._table_cells()
        m = self.manifest
        caption = (f"{self.scenario.title}: horizon {self.horizon} days, engine {m.engine}"
                   + (f", {m.runs:,} runs, seed {m.seed}" if m.runs else ""))
        return html_table(caption, header, body)


#: In auto mode the exact engine runs when the joint chain may have at most this many states.
AUTO_EXACT_MAX_STATES = 20_000


def _write_atomic(path: str | os.PathLike[str], text: str) -> None:
    from ..outputs import write_text

    write_text(path, text)


def run(
    scenario: Scenario,
    *,
    method: Method = "auto",
    runs: int = 100_000,
    horizon: int | None = None,
    seed: SeedLike = None,
    targets: Sequence[str] | None = None,
    workers: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    eventual: bool = False,
    progress: Callable[[int], None] | None = None,
    races: Sequence[tuple[str, str]] = (),
    client: object | None = None,
) -> RunResult:
    """Run the engines on a scenario and summarise each target.

    Parameters
    ----------
    scenario : Scenario
    method : {'auto', 'mc', 'exact', 'both'}
        ``auto`` runs both engines when the joint chain may have at most
        :data:`AUTO_EXACT_MAX_STATES` states (decided at once from the compiled model's
        estimate, nothing enumerated), else Monte Carlo only; the manifest's
        ``engine_reason`` says which and why. ``both`` and ``exact`` refuse a chain that may
        exceed ``max_states``.
    runs, horizon, seed, targets, workers, progress
        As for :func:`~escalation.engines.montecarlo.simulate`.
    max_states : int
        Limit on the joint chain for ``exact`` and ``both``.
    eventual : bool
        Also compute each target's exact odds with no horizon (one sparse solve per target).
    races : sequence of (str, str)
        Pairs of targets whose race (which holds first) to compute, by each engine that runs;
        see :meth:`RunResult.race`.
    client : dask.distributed.Client, optional
        Walk the Monte Carlo chunks on this Dask cluster (see :mod:`escalation.distributed`);
        the result is identical to the local run.

    Returns
    -------
    RunResult

    Raises
    ------
    GraphTooLargeError
        For ``exact`` or ``both`` on a chain that may exceed ``max_states``.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.
    KeyError
        For an unknown target name.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> r = run(load_scenario("tutorial"), runs=20_000, seed=7)
    >>> r["blue_strikes"].exact is not None, r.manifest.engine, len(r), "blue_strikes" in r
    (True, 'both', 4, True)
    """
    if method not in ("auto", "mc", "exact", "both"):
        raise ValueError(f"method must be one of auto, mc, exact, both; found {method!r}")
    started = time.perf_counter()
    model = compile_model(scenario)
    h = check_horizon(scenario.horizon if horizon is None else horizon)
    names = model.select_targets(targets)
    estimate = estimate_states(model)
    if method == "auto":
        use_exact = estimate <= min(AUTO_EXACT_MAX_STATES, max_states)
        reason = (f"auto: both engines (the joint chain has at most {estimate:,} states)" if use_exact else
                  f"auto: Monte Carlo only (the joint chain may have {estimate:,} states, over the "
                  f"{min(AUTO_EXACT_MAX_STATES, max_states):,} that auto solves exactly)")
    else:
        use_exact = method in ("exact", "both")
        reason = f"requested: {method}"
    exact = exact_odds(model, horizon=h, targets=names, max_states=max_states, races=races) if use_exact else None
    sim = None
    if method in ("auto", "mc", "both"):
        sim = simulate(model, runs=runs, horizon=h, seed=seed, targets=names, workers=workers, progress=progress,
                       races=races, client=client)
    engine = "both" if sim is not None and exact is not None else ("mc" if sim is not None else "exact")
    best: Odds = exact if exact is not None else sim  # type: ignore[assignment]

    results = []
    for name in names:
        target = scenario.target(name)
        ex = exact.probability(name) if exact is not None else None
        ev = exact.eventual(name) if exact is not None and eventual else None
        quart = [(sim if sim is not None else best).first_day_quantile(name, q) for q in (0.5, 0.25, 0.75)]
        if sim is not None:
            hits = sim.hits(name)
            p = hits / sim.runs
            stderr, ci95, n_runs = binomial_stderr(p, sim.runs), wilson_interval(hits, sim.runs), sim.runs
        else:
            assert ex is not None
            p, stderr, ci95, hits, n_runs = ex, None, None, None, None
        pmf = best.first_day_pmf(name)
        pmf.flags.writeable = False
        results.append(TargetResult(
            name=name, description=target.description, probability=p, stderr=stderr, ci95=ci95, hits=hits,
            runs=n_runs, exact=ex, exact_eventual=ev,
            first_day_median=quart[0], first_day_q1=quart[1], first_day_q3=quart[2], first_day_pmf=pmf,
        ))
    manifest = Manifest(
        scenario_id=scenario.id, scenario_sha256=scenario_sha256(scenario), scenario_file=scenario.origin,
        engine=engine, engine_reason=reason,
        seed=sim.entropy if sim is not None else None, runs=sim.runs if sim is not None else None,
        horizon=h, n_states=exact.n_states if exact is not None else None, package_version=_version(),
        python_version=platform.python_version(), numpy_version=np.__version__,
        wall_time=time.perf_counter() - started,
    )
    return RunResult(scenario=scenario, targets=tuple(results), manifest=manifest, simulation=sim, exact=exact)
