"""What-if analysis: variants side by side, and a scenario against a variant with the difference.

A what-if variant is a new :class:`~escalation.scenario.Scenario` (``scenario.with_start(...)``,
``scenario.scale_moves(...)``, :func:`~escalation.analysis.overrides.apply_overrides`, or another
analyst's file). :func:`compare` puts the odds of several variants' runs side by side with their
95% intervals; :func:`compare_scenarios` runs two scenarios with common random numbers and
reports, per target, the odds under each, the difference with its interval and the exact
values where the chain can be solved.

One-at-a-time sensitivity (:func:`sensitivity`, :func:`tornado_data`) lives in
:mod:`escalation.analysis.sensitivity` and is re-exported here.

Like the engines, this module never imports matplotlib; pandas is imported only by the
``to_pandas`` methods.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..compiled import DEFAULT_MAX_STATES
from ..errors import EscalationError
from ..limits import check_horizon
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from ..stats import binomial_stderr
from .run import RunResult, run
from .sensitivity import (
    MoveSensitivity,
    Sensitivity,
    TornadoData,
    sensitivity,
    tornado_data,
)
from .tables import format_probability, pandas_module
from .tables import html_table as _html_table
from .tables import text_table as _text_table

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = [
    "Cell",
    "Comparison",
    "Difference",
    "MoveSensitivity",
    "ScenarioComparison",
    "Sensitivity",
    "TornadoData",
    "compare",
    "compare_scenarios",
    "sensitivity",
    "tornado_data",
]

#: z of the two-sided 95% normal interval of a difference.
_Z95 = 1.959963984540054


# --- compare ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """The odds of one target in one variant.

    Attributes
    ----------
    probability : float
        The headline estimate (Monte Carlo where it ran, else exact).
    ci95 : (float, float) or None
        95% Wilson interval of the Monte Carlo estimate; None when only the exact engine ran.
    exact : float or None
        The exact value, where the exact engine ran.
    """

    probability: float
    ci95: tuple[float, float] | None
    exact: float | None

    def text(self) -> str:
        """``38.05% [37.38%, 38.73%]``, or ``38.17% (exact)`` without an interval."""
        if self.ci95 is None:
            return f"{format_probability(self.probability)} (exact)"
        lo, hi = self.ci95
        return f"{format_probability(self.probability)} [{format_probability(lo)}, {format_probability(hi)}]"


@dataclass(frozen=True, kw_only=True, repr=False)
class Comparison:
    """Odds of several variants side by side: one row per target, one column per variant.

    Attributes
    ----------
    variants : tuple of str
        Variant names, in the order given to :func:`compare`.
    targets : tuple of str
        Target names: those of the first variant in file order, then any others.
    horizons : tuple of int
        Days simulated in each variant.
    cells : tuple of tuple of (Cell or None)
        ``cells[i][j]`` is target ``i`` in variant ``j``; None where that variant has no such
        target.
    """

    variants: tuple[str, ...]
    targets: tuple[str, ...]
    horizons: tuple[int, ...]
    cells: tuple[tuple[Cell | None, ...], ...]

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.variants)} variants ({', '.join(self.variants)}) on {len(self.targets)} targets>"

    def cell(self, target: str, variant: str) -> Cell | None:
        """The odds of ``target`` in ``variant`` (None if that variant lacks the target).

        Raises
        ------
        KeyError
            For an unknown target or variant, naming the known ones.
        """
        if target not in self.targets:
            raise KeyError(f"unknown target {target!r}; compared: {', '.join(self.targets)}")
        if variant not in self.variants:
            raise KeyError(f"unknown variant {variant!r}; compared: {', '.join(self.variants)}")
        return self.cells[self.targets.index(target)][self.variants.index(variant)]

    def rows(self) -> list[dict[str, Any]]:
        """Long format: one dict per (target, variant) with probability, interval and exact value."""
        out = []
        for target, row in zip(self.targets, self.cells):
            for variant, c in zip(self.variants, row):
                if c is None:
                    continue
                out.append({
                    "target": target, "variant": variant, "probability": c.probability,
                    "ci95_low": c.ci95[0] if c.ci95 else None, "ci95_high": c.ci95[1] if c.ci95 else None,
                    "exact": c.exact,
                })
        return out

    def to_pandas(self, *, wide: str | None = None) -> Any:
        """The comparison as a :class:`pandas.DataFrame` (needs pandas).

        Parameters
        ----------
        wide : {'probability', 'ci95_low', 'ci95_high', 'exact'}, optional
            Without it, :meth:`rows` in long format, indexed by (target, variant). With it,
            that one column as a table with a row per target and a column per variant, in
            the comparison's order (missing cells are NaN).

        Returns
        -------
        pandas.DataFrame
        """
        pd = pandas_module()
        columns = ["probability", "ci95_low", "ci95_high", "exact"]
        if wide is None:
            return pd.DataFrame(self.rows(), columns=["target", "variant", *columns]).set_index(["target", "variant"])
        if wide not in columns:
            raise ValueError(f"wide must be one of {', '.join(columns)}; found {wide!r}")
        data = {}
        for j, variant in enumerate(self.variants):
            values = []
            for row in self.cells:
                c = row[j]
                record = None if c is None else {
                    "probability": c.probability, "exact": c.exact,
                    "ci95_low": c.ci95[0] if c.ci95 else None, "ci95_high": c.ci95[1] if c.ci95 else None,
                }
                value = None if record is None else record[wide]
                values.append(math.nan if value is None else value)
            data[variant] = values
        df = pd.DataFrame(data, index=pd.Index(self.targets, name="target"))
        df.columns.name = "variant"
        return df

    def _title(self) -> str:
        if len(set(self.horizons)) <= 1:
            h = self.horizons[0] if self.horizons else 0
            return f"Odds within {h} days with 95% Monte Carlo intervals"
        each = ", ".join(f"{v} {h}" for v, h in zip(self.variants, self.horizons))
        return f"Odds with 95% Monte Carlo intervals (horizons differ: {each} days)"

    def _cells_text(self) -> tuple[list[str], list[list[str]]]:
        header = ["target", *self.variants]
        body = [[t, *("-" if c is None else c.text() for c in row)] for t, row in zip(self.targets, self.cells)]
        return header, body

    def table(self) -> str:
        """A plain-text table: a title line, then one row per target and one column per variant."""
        return "\n".join(_text_table(self._title(), *self._cells_text()))

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return _html_table(self._title(), *self._cells_text())


def compare(results: Mapping[str, RunResult], *, targets: Sequence[str] | None = None) -> Comparison:
    """Put several variants' odds side by side, each with its 95% interval.

    Parameters
    ----------
    results : mapping of str to RunResult
        Variant name -> the result of :func:`~escalation.analysis.run` on that variant, in
        the order the columns should appear (a dict keeps insertion order).
    targets : sequence of str, optional
        Targets to show, in this order; default every target of any variant (the first
        variant's in file order, then the others').

    Returns
    -------
    Comparison
        Renders as a text table (``print``), an HTML table in notebooks, and a DataFrame
        (:meth:`Comparison.to_pandas`).

    Raises
    ------
    ValueError
        When ``results`` is empty.
    KeyError
        For a name in ``targets`` that no variant has.

    Notes
    -----
    The intervals are Wilson intervals of each Monte Carlo estimate: they measure sampling
    error only, not uncertainty about the scenario's numbers. Two variants run with the same
    seed share random numbers, so their difference is usually estimated more precisely than
    the overlap of the intervals suggests; compare the ``exact`` values where available.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.analysis import run
    >>> s = load_scenario("tutorial")
    >>> c = compare({"base": run(s, runs=20_000, seed=1),
    ...              "red mobilised": run(s.with_start(RED="mobilised"), runs=20_000, seed=1)})
    >>> c.variants, c.targets[0]
    (('base', 'red mobilised'), 'blue_strikes')
    >>> round(c.cell("red_retaliates", "red mobilised").exact, 4)
    0.2461
    >>> print(c.table().splitlines()[3])
    blue_strikes    27.74% [27.13%, 28.37%]  28.15% [27.53%, 28.78%]
    """
    if not results:
        raise ValueError("compare needs at least one result, found none")
    variants = tuple(results)
    found: list[str] = []
    for r in results.values():
        found.extend(t.name for t in r.targets if t.name not in found)
    if targets is None:
        names = tuple(found)
    else:
        for name in targets:
            if name not in found:
                raise KeyError(f"unknown target {name!r}; in these results: {', '.join(found)}")
        names = tuple(targets)
    cells = []
    for name in names:
        row: list[Cell | None] = []
        for r in results.values():
            t = next((t for t in r.targets if t.name == name), None)
            row.append(None if t is None else Cell(probability=t.probability, ci95=t.ci95, exact=t.exact))
        cells.append(tuple(row))
    return Comparison(
        variants=variants, targets=names, horizons=tuple(r.horizon for r in results.values()), cells=tuple(cells)
    )



# --- two scenarios and their difference ------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One target under two scenarios, and the difference ``b - a``.

    Attributes
    ----------
    target, description : str
    a, b : Cell
        The odds under each scenario (Monte Carlo with its Wilson interval where it ran, and
        the exact value where computed).
    difference : float
        ``b.probability - a.probability``: exact when only the exact engine ran, else Monte
        Carlo with common random numbers.
    ci95 : (float, float) or None
        95% interval of the Monte Carlo difference (None without Monte Carlo); see
        :func:`compare_scenarios` for how it is formed.
    exact_difference : float or None
        ``b.exact - a.exact`` where both are exact.
    """

    target: str
    description: str
    a: Cell
    b: Cell
    difference: float
    ci95: tuple[float, float] | None
    exact_difference: float | None


def _signed(p: float | None) -> str:
    if p is None:
        return "-"
    if p == 0:
        return "0"
    return ("+" if p > 0 else "-") + format_probability(abs(p))


@dataclass(frozen=True, kw_only=True, repr=False)
class ScenarioComparison(Mapping[str, Difference]):
    """Two scenarios side by side: per target the odds under each and their difference.

    A read-only mapping from target name to :class:`Difference`.

    Attributes
    ----------
    names : (str, str)
        Display names of the two scenarios (``a``, ``b``).
    a, b : RunResult
        The two runs (same horizon, same seed).
    rows : tuple of Difference
    horizon : int
    seed : int
        Entropy both runs used.
    identical : bool
        The two scenarios are the same model (equal canonical YAML): the difference is 0
        by construction, with a zero-width interval.
    """

    names: tuple[str, str]
    a: RunResult
    b: RunResult
    rows: tuple[Difference, ...]
    horizon: int
    seed: int | None
    identical: bool

    def __getitem__(self, name: str) -> Difference:
        for r in self.rows:
            if r.target == name:
                return r
        raise KeyError(f"unknown target {name!r}; compared: {', '.join(r.target for r in self.rows)}")

    def __iter__(self):  # noqa: ANN204 - an iterator of target names
        return (r.target for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"<ScenarioComparison {self.names[0]} vs {self.names[1]}: {len(self.rows)} targets, horizon {self.horizon} days>"

    @property
    def targets(self) -> tuple[str, ...]:
        """Target names, in the first scenario's order."""
        return tuple(r.target for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: per target the two cells, the difference and its interval; both manifests."""
        targets = {}
        for r in self.rows:
            targets[r.target] = {
                "a": {"probability": r.a.probability, "ci95": list(r.a.ci95) if r.a.ci95 else None, "exact": r.a.exact},
                "b": {"probability": r.b.probability, "ci95": list(r.b.ci95) if r.b.ci95 else None, "exact": r.b.exact},
                "difference": r.difference, "ci95": list(r.ci95) if r.ci95 else None,
                "exact_difference": r.exact_difference,
            }
        return {"a": self.names[0], "b": self.names[1], "horizon": self.horizon, "seed": self.seed,
                "identical": self.identical, "targets": targets,
                "manifests": {"a": asdict(self.a.manifest), "b": asdict(self.b.manifest)}}

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def _records(self) -> list[dict[str, Any]]:
        return [{"target": r.target, "a": r.a.probability, "b": r.b.probability, "difference": r.difference,
                 "ci95_low": r.ci95[0] if r.ci95 else None, "ci95_high": r.ci95[1] if r.ci95 else None,
                 "exact_a": r.a.exact, "exact_b": r.b.exact, "exact_difference": r.exact_difference}
                for r in self.rows]

    def to_pandas(self) -> Any:
        """One row per target (needs pandas)."""
        pd = pandas_module()
        return pd.DataFrame(self._records()).set_index("target")

    def _title(self) -> str:
        a, b = self.names
        return f"{a} vs {b}: odds within {self.horizon} days and the difference ({b} - {a})"

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        has_exact = any(r.exact_difference is not None for r in self.rows)
        header = ["target", self.names[0], self.names[1], "difference", "95% interval"]
        if has_exact:
            header.append("exact difference")
        body = []
        for r in self.rows:
            ci = f"[{_signed(r.ci95[0])}, {_signed(r.ci95[1])}]" if r.ci95 else "-"
            row = [r.target, format_probability(r.a.probability), format_probability(r.b.probability),
                   _signed(r.difference), ci]
            if has_exact:
                row.append(_signed(r.exact_difference))
            body.append(row)
        return header, body

    def _footer(self) -> str:
        m = self.a.manifest
        bits = [f"engine {m.engine}"]
        if m.runs is not None:
            bits.append(f"{m.runs:,} runs each, common seed {self.seed}")
        if self.identical:
            bits.append("the two scenarios are identical")
        return "(" + "; ".join(bits) + ")"

    def table(self) -> str:
        """A plain-text table: per target the odds under each scenario and the difference."""
        return "\n".join(_text_table(self._title(), *self._cells()) + [self._footer()])

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        import html

        return _html_table(self._title(), *self._cells()) + f"<p>{html.escape(self._footer())}</p>"


def _display_name(scenario: Scenario) -> str:
    if scenario.origin:
        from pathlib import Path

        return Path(scenario.origin).name
    return scenario.id


def compare_scenarios(
    a: Scenario,
    b: Scenario,
    *,
    targets: Sequence[str] | None = None,
    names: tuple[str, str] | None = None,
    method: Literal["auto", "mc", "exact", "both"] = "auto",
    runs: int = 100_000,
    horizon: int | None = None,
    seed: SeedLike = None,
    workers: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    client: Client | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScenarioComparison:
    """Run two scenarios with common random numbers and report the difference per target.

    Parameters
    ----------
    a, b : Scenario
        Two files for one crisis, or a scenario and a variant of it
        (:func:`~escalation.analysis.overrides.apply_overrides`).
    targets : sequence of str, optional
        Default: the targets both have, in ``a``'s order.
    names : (str, str), optional
        Display names; default the file names (or ids).
    method, runs, workers, max_states
        As for :func:`~escalation.analysis.run`, for both runs.
    horizon : int, optional
        Days, the same for both; default ``a``'s horizon.
    seed : None, int, SeedSequence or Generator, optional
        Normalised once; both runs use the same entropy.
    client : dask.distributed.Client, optional
        Walk both runs' Monte Carlo chunks on this Dask cluster; the result is identical.
    progress : callable, optional
        Called with the trajectories walked so far, over both runs (``2 x runs`` in all).

    Returns
    -------
    ScenarioComparison

    Raises
    ------
    EscalationError
        For a target that one of the scenarios lacks, or when they share no target.

    Notes
    -----
    Both runs walk their trajectories from the same seed (common random numbers): chunk ``i``
    of each draws the same random stream, so a scenario compared with itself gives exactly the
    same counts and a difference of exactly 0. The 95% interval of a Monte Carlo difference
    is ``d +/- 1.96 sqrt(se_a^2 + se_b^2)``, which ignores the positive correlation that
    common random numbers create between the runs and so is conservative (wider than the
    paired interval, which needs each trajectory's outcome under both and is not kept). For
    identical scenarios the interval is ``[0, 0]``. Where the chain can be solved, the exact
    difference settles it.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> s = load_scenario("tutorial")
    >>> c = compare_scenarios(s, s.with_start(RED="mobilised"), runs=20_000, seed=1)
    >>> c["red_retaliates"].exact_difference > 0, compare_scenarios(s, s, runs=20_000, seed=1)["blue_strikes"].difference
    (True, 0.0)
    """
    from ..loader import dump_scenario

    known_b = set(b.target_names)
    if targets is None:
        chosen = [t for t in a.target_names if t in known_b]
        if not chosen:
            raise EscalationError(f"{a.id} and {b.id} share no target; theirs: {', '.join(a.target_names)} and "
                                  f"{', '.join(b.target_names)}")
    else:
        chosen = list(dict.fromkeys(targets))
        for name in chosen:
            for s, label in ((a, "first"), (b, "second")):
                if name not in s.target_names:
                    raise EscalationError(f"target {name!r} is not in the {label} scenario ({s.id}); its targets: "
                                          f"{', '.join(s.target_names)}")
    h = check_horizon(a.horizon if horizon is None else horizon)
    entropy = seed_entropy(seed) if method != "exact" else None
    names = names or (_display_name(a), _display_name(b))
    if names[0] == names[1]:
        names = (f"{names[0]} (A)", f"{names[1]} (B)")
    ra = run(a, method=method, runs=runs, horizon=h, seed=entropy, targets=chosen, workers=workers,
             max_states=max_states, client=client, progress=progress)
    rb = run(b, method=method, runs=runs, horizon=h, seed=entropy, targets=chosen, workers=workers,
             max_states=max_states, client=client,
             progress=None if progress is None else (lambda done: progress((ra.manifest.runs or 0) + done)))
    identical = dump_scenario(a) == dump_scenario(b)
    rows = []
    for name in chosen:
        ta, tb = ra[name], rb[name]
        ca = Cell(probability=ta.probability, ci95=ta.ci95, exact=ta.exact)
        cb = Cell(probability=tb.probability, ci95=tb.ci95, exact=tb.exact)
        d = tb.probability - ta.probability
        ci = None
        if ta.runs is not None and tb.runs is not None:
            if identical:
                ci = (0.0, 0.0)
            else:
                se = math.hypot(binomial_stderr(ta.probability, ta.runs), binomial_stderr(tb.probability, tb.runs))
                ci = (d - _Z95 * se, d + _Z95 * se)
        ex = tb.exact - ta.exact if ta.exact is not None and tb.exact is not None else None
        rows.append(Difference(target=name, description=a.target(name).description, a=ca, b=cb, difference=d,
                               ci95=ci, exact_difference=ex))
    return ScenarioComparison(names=names, a=ra, b=rb, rows=tuple(rows), horizon=h, seed=entropy,
                              identical=identical)
