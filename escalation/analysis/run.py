"""Result objects: per-target odds with intervals, a manifest, and exports.

:func:`run` is what ``escalation run`` calls: it runs the exact engine, the Monte Carlo
engine or both, and returns a :class:`RunResult` that renders as a plain-text table, an HTML
table in notebooks, JSON, CSV or a pandas DataFrame.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .dynamics import DEFAULT_MAX_STATES
from .errors import GraphTooLargeError
from .exact import ExactOdds, exact_odds, select_targets
from .graph import compile_graph
from .loader import dump_scenario
from .montecarlo import Simulation, simulate
from .rng import SeedLike
from .scenario import Scenario
from .stats import binomial_stderr, wilson_interval

__all__ = ["Method", "TargetResult", "Manifest", "RunResult", "run", "format_probability", "scenario_sha256"]

Method = Literal["auto", "mc", "exact", "both"]


def _version() -> str:
    from . import __version__

    return __version__


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of the scenario's file, or of its canonical YAML when built in code."""
    if scenario.sha256:
        return scenario.sha256
    return hashlib.sha256(dump_scenario(scenario).encode("utf-8")).hexdigest()


def format_probability(p: float | None) -> str:
    """``27.65%``; small values in scientific notation (``3.1e-07``); ``-`` for None/NaN."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    if p == 0:
        return "0"
    if p < 1e-4:
        return f"{p:.1e}"
    return f"{100 * p:.2f}%"


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
    mc_kernel: str | None
    exact_kernel: str | None
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
class RunResult:
    """The answer of :func:`run`: per-target odds, the raw engine outputs and a manifest.

    Index it by target name (``result["direct_strikes"]``) for a :class:`TargetResult`.
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

    @property
    def horizon(self) -> int:
        """Days simulated."""
        return self.manifest.horizon

    def cumulative(self, name: str) -> dict[str, np.ndarray]:
        """Cumulative odds by day for ``name``: keys ``mc``, ``mc_low``, ``mc_high``, ``exact`` as available.

        Returns
        -------
        dict of str to ndarray, each of shape (horizon + 1,)
        """
        out: dict[str, np.ndarray] = {}
        if self.simulation is not None:
            sim = self.simulation
            hits = np.cumsum(sim.first_hits[sim.targets.index(name)])
            out["mc"] = hits / sim.runs
            bounds = np.array([wilson_interval(int(k), sim.runs) for k in hits])
            out["mc_low"], out["mc_high"] = bounds[:, 0], bounds[:, 1]
        if self.exact is not None:
            out["exact"] = np.asarray(self.exact.cumulative[self.exact.targets.index(name)])
        return out

    def level_distribution(self) -> np.ndarray:
        """Probability of each crisis level 0-10 per day, shape ``(horizon + 1, 11)``: exact where computed."""
        if self.exact is not None:
            return np.asarray(self.exact.level_distribution)
        assert self.simulation is not None
        return self.simulation.level_distribution()

    # --- exports -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``targets.<name>.probability``, ``.ci95``, ``.exact`` ... and ``manifest``."""
        targets = {}
        for t in self.targets:
            d = asdict(t)
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
        out["manifest"] = asdict(self.manifest)
        return out

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False) + "\n"
        if path is not None:
            _write_atomic(Path(path), text)
        return text

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
        buf = io.StringIO()
        rows = self._rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["target"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        if path is not None:
            _write_atomic(Path(path), buf.getvalue())
        return buf.getvalue()

    def to_pandas(self) -> Any:
        """The per-target table as a :class:`pandas.DataFrame` indexed by target (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_pandas needs pandas: pip install pandas") from exc
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
        if m.n_states is not None:
            bits.append(f"{m.n_states:,} joint states")
        bits.append(f"{m.wall_time:.2f} s")
        lines.append("(" + "; ".join(bits) + ")")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        header, body = self._table_cells()
        m = self.manifest
        caption = (f"{self.scenario.title}: horizon {self.horizon} days, engine {m.engine}"
                   + (f", {m.runs:,} runs, seed {m.seed}" if m.runs else ""))
        return html_table(caption, header, body)


def text_table(title: str, header: list[str], body: list[list[str]]) -> list[str]:
    """Lines of a plain-text table: the title, the header, a rule, the rows (first column left-aligned)."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [title, fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in body)]


def html_table(caption: str, header: list[str], body: list[list[str]]) -> str:
    """An HTML table (for notebooks' ``_repr_html_``), every cell escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
) -> RunResult:
    """Run the engines on a scenario and summarise each target.

    Parameters
    ----------
    scenario : Scenario
    method : {'auto', 'mc', 'exact', 'both'}
        ``auto`` runs both engines when the joint graph compiles within ``max_states``, else
        Monte Carlo only. ``both`` and ``exact`` fail if it does not compile.
    runs, horizon, seed, targets, workers, progress
        As for :func:`~escalation.montecarlo.simulate`.
    max_states : int
        Limit on the compiled graph.
    eventual : bool
        Also compute each target's exact odds with no horizon (one sparse solve per target).

    Returns
    -------
    RunResult

    Raises
    ------
    GraphTooLargeError
        For ``exact`` or ``both`` on a chain larger than ``max_states``.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.
    KeyError
        For an unknown target name.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> r = run(load_scenario("tutorial"), runs=20_000, seed=7)
    >>> r["blue_strikes"].exact is not None, r.manifest.engine
    (True, 'both')
    """
    if method not in ("auto", "mc", "exact", "both"):
        raise ValueError(f"method must be one of auto, mc, exact, both; found {method!r}")
    started = time.perf_counter()
    h = scenario.horizon if horizon is None else int(horizon)
    names = select_targets(scenario, targets)
    exact = None
    if method in ("auto", "exact", "both"):
        try:
            graph = compile_graph(scenario, max_states=max_states)
            exact = exact_odds(scenario, horizon=h, targets=names, graph=graph)
        except GraphTooLargeError:
            if method != "auto":
                raise
    sim = None
    if method in ("auto", "mc", "both"):
        sim = simulate(scenario, runs=runs, horizon=h, seed=seed, targets=names, workers=workers, progress=progress)
    engine = "both" if sim is not None and exact is not None else ("mc" if sim is not None else "exact")

    results = []
    for name in names:
        target = scenario.target(name)
        ex = exact.probability(name) if exact is not None else None
        ev = exact.eventual(name) if exact is not None and eventual else None
        if sim is not None:
            hits = sim.hits(name)
            p = hits / sim.runs
            quart = [sim.first_day_quantile(name, q) for q in (0.5, 0.25, 0.75)]
            results.append(TargetResult(
                name=name, description=target.description, probability=p, stderr=binomial_stderr(p, sim.runs),
                ci95=wilson_interval(hits, sim.runs), hits=hits, runs=sim.runs, exact=ex, exact_eventual=ev,
                first_day_median=quart[0], first_day_q1=quart[1], first_day_q3=quart[2],
            ))
        else:
            assert exact is not None and ex is not None
            quart = [exact.first_day_quantile(name, q) for q in (0.5, 0.25, 0.75)]
            results.append(TargetResult(
                name=name, description=target.description, probability=ex, stderr=None, ci95=None, hits=None,
                runs=None, exact=ex, exact_eventual=ev,
                first_day_median=quart[0], first_day_q1=quart[1], first_day_q3=quart[2],
            ))
    manifest = Manifest(
        scenario_id=scenario.id, scenario_sha256=scenario_sha256(scenario), scenario_file=scenario.origin,
        engine=engine, mc_kernel=sim.kernel if sim is not None else None,
        exact_kernel=exact.kernel if exact is not None else None,
        seed=sim.entropy if sim is not None else None, runs=sim.runs if sim is not None else None,
        horizon=h, n_states=exact.n_states if exact is not None else None, package_version=_version(),
        python_version=platform.python_version(), numpy_version=np.__version__,
        wall_time=time.perf_counter() - started,
    )
    return RunResult(scenario=scenario, targets=tuple(results), manifest=manifest, simulation=sim, exact=exact)
