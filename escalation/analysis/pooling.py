"""Several analysts' files for one crisis pooled into one forecast.

Each file is run on its own (exact odds where its chain can be solved, else Monte Carlo, all
files with the same seed); for every target they share, the analysts' odds are combined by an
opinion pool with weights ``w_i >= 0`` that sum to 1:

* **linear pool** ``p = sum_i w_i p_i``: the mixture of the analysts' forecasts. It keeps
  disagreement visible (a pool of 10% and 50% is 30%), and it is the only pool that also
  pools the whole cumulative curves and first-hit distributions consistently.
* **logarithmic pool** ``p = prod_i p_i^w_i / (prod_i p_i^w_i + prod_i (1 - p_i)^w_i)``: the
  weighted geometric mean of the odds, normalised over "happens / does not", i.e. the
  weighted mean of the log-odds. It is externally Bayesian (updating the analysts and then
  pooling equals pooling and then updating) and sharper than the linear pool when analysts
  agree in direction; a single analyst at 0 or 1 forces it there.

Both are reported; ``method`` chooses the headline. Unanimous analysts pool to their common
odds exactly. The spread between analysts (lowest, highest, weighted standard deviation) is
reported beside the pools: a pooled number hides how far apart the files are.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, compile_model, estimate_states
from ..errors import EscalationError
from ..limits import check_horizon
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from .run import AUTO_EXACT_MAX_STATES, RunResult, run
from .tables import format_probability, html_table, pandas_module, text_table

__all__ = ["PoolMethod", "PooledForecast", "PooledTarget", "WeightsError", "linear_pool", "log_pool", "pool"]

PoolMethod = Literal["linear", "log"]
#: Weights may miss 1 by this much (rounding in "0.33,0.33,0.34"-style lists is not forgiven).
WEIGHT_TOLERANCE = 1e-9


class WeightsError(EscalationError, ValueError):
    """Pooling weights that do not sum to 1, are negative, or name unknown files."""


def linear_pool(p: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray) -> float:
    """``sum_i w_i p_i``; exactly the common value when every ``p_i`` is equal.

    Examples
    --------
    >>> linear_pool([0.1, 0.5], [0.5, 0.5])
    0.3
    """
    p = np.asarray(p, dtype=np.float64)
    if p.size and (p == p[0]).all():
        return float(p[0])
    return float(math.fsum(float(x) * float(w) for x, w in zip(p, weights)))


def log_pool(p: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray) -> float:
    """Logarithmic pool of the probabilities of one event (weighted mean of the log-odds).

    Returns NaN when one analyst is certain it happens and another (with weight) that it does
    not; exactly the common value when every ``p_i`` is equal.

    Examples
    --------
    >>> round(log_pool([0.1, 0.5], [0.5, 0.5]), 4)
    0.25
    """
    p = np.asarray(p, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if p.size and (p == p[0]).all():
        return float(p[0])
    keep = w > 0
    p, w = p[keep], w[keep]
    with np.errstate(divide="ignore"):
        log_yes = float(np.sum(w * np.log(p)))
        log_no = float(np.sum(w * np.log1p(-p)))
    if log_yes == -math.inf and log_no == -math.inf:
        return math.nan
    if log_yes == -math.inf:
        return 0.0
    if log_no == -math.inf:
        return 1.0
    return float(1.0 / (1.0 + math.exp(log_no - log_yes)))


@dataclass(frozen=True, slots=True, kw_only=True)
class PooledTarget:
    """One target's odds in each file and pooled.

    Attributes
    ----------
    name : str
    odds : tuple of float
        Each file's odds, in file order (exact where computed, else Monte Carlo).
    exact : tuple of bool
        Whether each file's odds are exact.
    linear, log : float
        The linear and logarithmic pools.
    pooled : float
        The pool chosen by ``method``.
    low, high : float
        Lowest and highest odds among the files.
    sd : float
        Weighted standard deviation of the files' odds around the linear pool.
    """

    name: str
    odds: tuple[float, ...]
    exact: tuple[bool, ...]
    linear: float
    log: float
    pooled: float
    low: float
    high: float
    sd: float

    @property
    def spread(self) -> float:
        """``high - low``: how far apart the analysts are."""
        return self.high - self.low


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class PooledForecast(Mapping[str, PooledTarget]):
    """The answer of :func:`pool`: per target each file's odds, both pools and the spread.

    A read-only mapping from target name to :class:`PooledTarget`.

    Attributes
    ----------
    names : tuple of str
        The files (display names), in order.
    weights : tuple of float
    method : {'linear', 'log'}
        Which pool is the headline (``pooled``).
    horizon : int
    targets : tuple of PooledTarget
    results : tuple of RunResult
        Each file's run.
    seed : int or None
        Entropy every Monte Carlo run used.
    """

    names: tuple[str, ...]
    weights: tuple[float, ...]
    method: PoolMethod
    horizon: int
    targets: tuple[PooledTarget, ...]
    results: tuple[RunResult, ...] = field(repr=False)
    seed: int | None = None

    def __getitem__(self, name: str) -> PooledTarget:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(f"unknown target {name!r}; pooled: {', '.join(t.name for t in self.targets)}")

    def __iter__(self):  # noqa: ANN204 - an iterator of target names
        return (t.name for t in self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __repr__(self) -> str:
        return (f"<PooledForecast of {len(self.names)} files ({', '.join(self.names)}): {len(self.targets)} targets, "
                f"{self.method} pool, horizon {self.horizon} days>")

    def cumulative(self, name: str) -> np.ndarray:
        """The linear pool of the files' cumulative odds of ``name`` by day; shape ``(horizon + 1,)``."""
        self[name]
        curves = np.stack([r.cumulative()[[t.name for t in r.targets].index(name)] for r in self.results])
        return np.asarray(self.weights) @ curves

    def to_dict(self) -> dict[str, Any]:
        """Plain data: files, weights, method and per target each file's odds and both pools."""
        return {
            "files": list(self.names), "weights": list(self.weights), "method": self.method, "horizon": self.horizon,
            "seed": self.seed,
            "targets": {t.name: {"odds": dict(zip(self.names, t.odds)), "exact": dict(zip(self.names, t.exact)),
                                 "pooled": _finite_or_none(t.pooled), "linear": t.linear,
                                 "log": _finite_or_none(t.log), "low": t.low, "high": t.high, "sd": t.sd}
                        for t in self.targets},
        }

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def to_pandas(self) -> Any:
        """One row per target: each file's odds, both pools and the spread (needs pandas)."""
        pd = pandas_module()
        rows = [{"target": t.name, **dict(zip(self.names, t.odds)), "linear": t.linear, "log": t.log,
                 "low": t.low, "high": t.high, "sd": t.sd} for t in self.targets]
        return pd.DataFrame(rows).set_index("target")

    def _title(self) -> str:
        weights = ", ".join(f"{n} {w:g}" for n, w in zip(self.names, self.weights))
        return f"Pooled odds within {self.horizon} days ({self.method} pool; weights {weights})"

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["target", *self.names, "linear pool", "log pool", "spread"]
        body = [[t.name, *(format_probability(p) for p in t.odds), format_probability(t.linear),
                 format_probability(t.log), format_probability(t.spread)] for t in self.targets]
        return header, body

    def table(self) -> str:
        """A plain-text table: per target each file's odds, both pools and the spread (highest - lowest)."""
        return "\n".join(text_table(self._title(), *self._cells()))

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return html_table(self._title(), *self._cells())


def _finite_or_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def _display_names(scenarios: Sequence[Scenario]) -> list[str]:
    names = [Path(s.origin).name if s.origin else s.id for s in scenarios]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n} #{seen[n]}")
    return out


def check_weights(names: Sequence[str], weights: Sequence[float] | Mapping[str, float] | None) -> tuple[float, ...]:
    """Weights in file order: equal by default; given in order, or by file name.

    Raises
    ------
    WeightsError
        For a count that does not match the files, a name that is not one of them, a file
        without a weight, a negative or non-finite weight, or weights that do not sum to 1.
    """
    n = len(names)
    if weights is None:
        return tuple([1.0 / n] * n)
    if isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in names]
        if unknown:
            raise WeightsError(f"weights name unknown files: {', '.join(map(repr, unknown))}; the files are "
                               f"{', '.join(map(repr, names))}")
        missing = [k for k in names if k not in weights]
        if missing:
            raise WeightsError(f"no weight for {', '.join(map(repr, missing))}: give every file a weight")
        values = [weights[k] for k in names]
    else:
        values = list(weights)
        if len(values) != n:
            raise WeightsError(f"expected {n} weights (one per file), found {len(values)}")
    try:
        values = [float(w) for w in values]
    except (TypeError, ValueError):
        raise WeightsError(f"expected numbers as weights, found {values!r}") from None
    if not all(math.isfinite(w) and w >= 0 for w in values):
        raise WeightsError(f"expected weights >= 0, found {values}")
    total = math.fsum(values)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise WeightsError(f"weights must sum to 1, found {total:.12g} ({', '.join(f'{w:g}' for w in values)})")
    return tuple(values)


def pool(
    scenarios: Sequence[Scenario] | Mapping[str, Scenario],
    *,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    method: PoolMethod = "linear",
    targets: Sequence[str] | None = None,
    horizon: int | None = None,
    runs: int = 100_000,
    seed: SeedLike = None,
    workers: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
) -> PooledForecast:
    """Pool several analysts' scenario files for one crisis into one forecast.

    Parameters
    ----------
    scenarios : sequence of Scenario, or mapping of name to Scenario
        The files; a mapping names them (else their file names, or ids).
    weights : sequence of float, or mapping of name to float, optional
        One weight >= 0 per file, summing to 1; default equal weights.
    method : {'linear', 'log'}
        The headline pool (both are always computed).
    targets : sequence of str, optional
        Default: the targets every file has, in the first file's order.
    horizon : int, optional
        Days, the same for all files; default the first file's horizon.
    runs, seed, workers, max_states
        For the files whose chains are too large to solve exactly (Monte Carlo, the same
        seed for every file).

    Returns
    -------
    PooledForecast

    Raises
    ------
    WeightsError
        For weights that do not sum to 1, are negative, or name unknown files.
    EscalationError
        For no files, files that share no target, or a requested target a file lacks.

    Notes
    -----
    See the module docs for the two pools. The files must describe the same events: a
    target is pooled by name, so two files that give ``direct_strikes`` different
    conditions pool different questions.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> s = load_scenario("tutorial")
    >>> p = pool({"a": s, "b": s.with_start(RED="mobilised")}, weights=[0.5, 0.5])
    >>> t = p["red_retaliates"]
    >>> t.linear == (t.odds[0] + t.odds[1]) / 2, t.low <= t.log <= t.high
    (True, True)
    """
    if method not in ("linear", "log"):
        raise ValueError(f"method must be 'linear' or 'log', found {method!r}")
    if isinstance(scenarios, Mapping):
        names, files = list(scenarios), list(scenarios.values())
    else:
        files = list(scenarios)
        names = _display_names(files)
    if not files:
        raise EscalationError("pool needs at least one scenario, found none")
    w = check_weights(names, weights)
    common = [t for t in files[0].target_names if all(t in s.target_names for s in files[1:])]
    if targets is None:
        if not common:
            listed = "; ".join(f"{n}: {', '.join(s.target_names)}" for n, s in zip(names, files))
            raise EscalationError(f"the files share no target: {listed}")
        chosen = common
    else:
        chosen = list(dict.fromkeys(targets))
        for name in chosen:
            for n, s in zip(names, files):
                if name not in s.target_names:
                    raise EscalationError(f"target {name!r} is not in {n}; its targets: {', '.join(s.target_names)}")
    h = check_horizon(files[0].horizon if horizon is None else horizon)
    entropy = seed_entropy(seed)
    results = []
    for s in files:
        exact = estimate_states(compile_model(s)) <= min(AUTO_EXACT_MAX_STATES, max_states)
        results.append(run(s, method="exact" if exact else "mc", runs=runs, horizon=h, seed=entropy, targets=chosen,
                           workers=workers, max_states=max_states))
    rows = []
    for name in chosen:
        odds = tuple(r[name].exact if r[name].exact is not None else r[name].probability for r in results)
        lin = linear_pool(odds, w)
        lg = log_pool(odds, w)
        sd = math.sqrt(max(0.0, math.fsum(wi * (p - lin) ** 2 for wi, p in zip(w, odds))))
        rows.append(PooledTarget(name=name, odds=odds, exact=tuple(r[name].exact is not None for r in results),
                                 linear=lin, log=lg, pooled=lin if method == "linear" else lg, low=min(odds),
                                 high=max(odds), sd=sd))
    used_mc = any(r.simulation is not None for r in results)
    return PooledForecast(names=tuple(names), weights=w, method=method, horizon=h, targets=tuple(rows),
                          results=tuple(results), seed=entropy if used_mc else None)
