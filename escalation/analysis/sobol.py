"""Global variance-based sensitivity: Sobol indices of a target's odds over all uncertain numbers.

The uncertain numbers (:mod:`escalation.analysis.priors`) are drawn together on Saltelli's
scheme (SALib), each sample point is solved exactly in one batch
(:mod:`escalation.analysis.batch`), and the variance of the odds is split into first-order
and total Sobol indices with bootstrap confidence intervals. Also available from
:mod:`escalation.analysis.sensitivity`. Needs SALib (``pip install "escalation[sensitivity]"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..compiled import DEFAULT_MAX_STATES, compile_model
from ..errors import EscalationError
from ..limits import check_horizon
from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario
from .elasticity import _check_target
from .priors import Parameter, engine_numbers, support_masks, uncertain_parameters
from .tables import format_probability, pandas_module
from .tables import html_table as _html_table
from .tables import text_table as _text_table

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["DEFAULT_SOBOL_N", "SobolIndices", "sobol_indices"]


# --- global: Sobol indices -------------------------------------------------------------------------
#: Default base sample size of :func:`sobol_indices` (a power of 2, as Sobol' sequences want):
#: the odds are evaluated ``n x (n_params + 2)`` times.
DEFAULT_SOBOL_N = 512
#: Spawn-key tag of the seeds handed to SALib (its sampler's scrambling and its bootstrap).
_SOBOL_TAG = 0x736F62  # "sob"


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class SobolIndices:
    """First-order and total Sobol indices of one target's odds over the uncertain numbers.

    Attributes
    ----------
    scenario_id, target : str
    horizon : int
    labels : tuple of str
        The uncertain numbers (:class:`~escalation.analysis.priors.Parameter` labels).
    first, first_conf : ndarray, shape (n_params,)
        First-order indices ``S1`` (the share of the variance explained by the number alone)
        and the half-widths of their bootstrap confidence intervals.
    total, total_conf : ndarray, shape (n_params,)
        Total indices ``ST`` (the share the number takes part in, interactions included).
    n : int
        Base sample size; the odds were evaluated ``evaluations = n x (n_params + 2)`` times.
    evaluations : int
    bootstrap : int
        Bootstrap resamples behind the confidence intervals.
    conf_level : float
    mean, variance : float
        Of the odds over the sample.
    seed : int
        Entropy the sample and bootstrap were derived from.
    """

    scenario_id: str
    target: str
    horizon: int
    labels: tuple[str, ...]
    first: np.ndarray
    first_conf: np.ndarray
    total: np.ndarray
    total_conf: np.ndarray
    n: int
    evaluations: int
    bootstrap: int
    conf_level: float
    mean: float
    variance: float
    seed: int
    parameters: tuple[Parameter, ...] = field(repr=False, default=())

    def __repr__(self) -> str:
        return (f"<SobolIndices of {self.target} in {self.scenario_id}: {len(self.labels)} numbers, "
                f"n={self.n}, {self.evaluations:,} evaluations>")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per number, largest total index first."""
        order = np.argsort(-self.total, kind="stable")
        return [{"label": self.labels[i], "S1": float(self.first[i]), "S1_conf": float(self.first_conf[i]),
                 "ST": float(self.total[i]), "ST_conf": float(self.total_conf[i])} for i in order]

    def to_dict(self) -> dict[str, Any]:
        """Plain data: settings, the odds' mean and variance, and :meth:`rows`."""
        return {"scenario": self.scenario_id, "target": self.target, "horizon": self.horizon, "n": self.n,
                "evaluations": self.evaluations, "bootstrap": self.bootstrap, "conf_level": self.conf_level,
                "mean": self.mean, "variance": self.variance, "seed": self.seed, "rows": self.rows()}

    def to_pandas(self) -> Any:
        """:meth:`rows` as a :class:`pandas.DataFrame` indexed by label (needs pandas)."""
        return pandas_module().DataFrame(self.rows(), columns=["label", "S1", "S1_conf", "ST", "ST_conf"]).set_index("label")

    def _title(self) -> str:
        return (f"Sobol indices of {self.target} within {self.horizon} days: n={self.n} "
                f"({self.evaluations:,} exact evaluations), {self.conf_level:.0%} bootstrap intervals "
                f"({self.bootstrap} resamples); odds mean {format_probability(self.mean)}, "
                f"sd {format_probability(math.sqrt(max(self.variance, 0.0)))}")

    def _cells(self, top: int | None) -> tuple[list[str], list[list[str]]]:
        header = ["number", "first order S1", "total ST"]
        body = [[r["label"], f"{r['S1']:.3f} ± {r['S1_conf']:.3f}", f"{r['ST']:.3f} ± {r['ST_conf']:.3f}"]
                for r in self.rows()[:top]]
        return header, body

    def table(self, top: int | None = 20) -> str:
        """A plain-text table of the ``top`` numbers by total index."""
        lines = _text_table(self._title(), *self._cells(top))
        if top is not None and len(self.labels) > top:
            lines.append(f"({len(self.labels) - top} more numbers with smaller total indices)")
        lines.append(f"(sum of first-order indices {float(self.first.sum()):.3f}; 1 minus it is the share of "
                     "variance from interactions)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return _html_table(self._title(), *self._cells(20))


def sobol_indices(
    scenario: Scenario,
    *,
    target: str,
    n: int = DEFAULT_SOBOL_N,
    seed: SeedLike = None,
    horizon: int | None = None,
    factor_ranges: Mapping[int, Sequence[float]] | None = None,
    bootstrap: int = 100,
    conf_level: float = 0.95,
    workers: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    client: Client | None = None,
) -> SobolIndices:
    """Global variance-based sensitivity: Sobol indices of a target's odds over all uncertain numbers.

    Parameters
    ----------
    scenario : Scenario
    target : str
    n : int, optional
        Base sample size, a power of 2; the odds are solved exactly ``n x (n_params + 2)``
        times.
    seed : None, int, SeedSequence or Generator, optional
        Seeds the scrambled Sobol' sample and the bootstrap.
    horizon : int, optional
    factor_ranges : mapping of int to (float, float), optional
        Modifier factors to include (PERT priors, as in
        :func:`~escalation.analysis.uncertainty.uncertain_odds`).
    bootstrap : int, optional
        Resamples for the confidence intervals.
    conf_level : float, optional
    workers : int, optional
        Threads for the solves; the result does not depend on it.
    max_states : int, optional
        The exact engine is required.
    client : dask.distributed.Client, optional
        Solve the sample's blocks as tasks of this Dask cluster; the result is identical.

    Returns
    -------
    SobolIndices

    Raises
    ------
    ImportError
        Without SALib (``pip install "escalation[sensitivity]"``).
    EscalationError
        When the scenario has no uncertain numbers, or when some sample points are rejected
        (outgoing probabilities above 1: the indices need every point).
    ValueError
        For ``n`` not a power of 2.

    Notes
    -----
    Saltelli's sampling scheme (SALib ``sample.sobol``, a scrambled Sobol' sequence) on the
    unit cube, mapped to each number's prior by its quantile function; SALib's ``analyze.sobol``
    estimators (Saltelli 2010 for ``S1``, Jansen for ``ST``) with bootstrap intervals.

    The indices assume the numbers are **independent**: the variance is split over numbers
    drawn separately from their own priors. Analysts often judge a file's probabilities
    together (one optimistic analyst raises all the US moves at once); such correlation is not
    represented, and with correlated inputs the indices can neither be read as shares of
    variance nor summed. Group correlated numbers, or compare whole files
    (:func:`~escalation.analysis.pooling.pool`), to study that.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> s = sobol_indices(load_scenario("tutorial"), target="blue_strikes", n=64, seed=1, bootstrap=20)
    >>> s.labels[int(s.total.argmax())]
    'moves[0] BLUE: alert -> strike'
    """
    try:
        from SALib.analyze import sobol as salib_analyze
        from SALib.sample import sobol as salib_sample
    except ImportError as exc:
        raise ImportError('sobol_indices needs SALib: pip install "escalation[sensitivity]" (or pip install salib)') from exc
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 (>= 2), found {n!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 1:
        raise ValueError(f"bootstrap must be a whole number >= 1, found {bootstrap!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), found {conf_level!r}")
    model = compile_model(scenario)
    _check_target(model, target)
    h = check_horizon(scenario.horizon if horizon is None else horizon)
    params = uncertain_parameters(scenario, factor_ranges=factor_ranges)
    if not params:
        raise EscalationError(f"scenario {scenario.id!r} has no uncertain numbers (no move carries a range or beta "
                              "and no factor range was given): there is no variance to split")
    from .batch import ExactBatch

    entropy = seed_entropy(seed)
    salib_seed = int(np.random.SeedSequence(entropy, spawn_key=(_SOBOL_TAG,)).generate_state(1)[0])
    problem = {"num_vars": len(params), "names": [p.label for p in params], "bounds": [[0.0, 1.0]] * len(params)}
    unit = salib_sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=salib_seed)
    x = np.empty_like(unit)
    for j, prm in enumerate(params):  # Saltelli's rows reuse the values of two base matrices
        values, inverse = np.unique(unit[:, j], return_inverse=True)
        x[:, j] = prm.ppf(values)[inverse.reshape(-1)]
    p, f = engine_numbers(params, x, model.move_p, model.factor)
    vary_p, vary_f = support_masks(params, model.n_moves, model.factor.size)
    batch = ExactBatch(model, horizon=h, targets=[target], vary_p=vary_p, vary_factor=vary_f, max_states=max_states)
    out = batch.solve(p, f, workers=workers, client=client)
    rejected = [e for e in out.errors if e is not None]
    if rejected:
        raise EscalationError(f"{len(rejected)} of {len(p)} Sobol sample points were rejected (their outgoing daily "
                              f"probabilities add up to more than 1), and the indices need every point: {rejected[0]}")
    y = out.odds[:, 0]
    if float(np.var(y)) == 0.0:
        raise EscalationError(f"the odds of {target!r} do not vary over the sample: every index would be 0/0")
    si = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=int(bootstrap),
                               conf_level=float(conf_level), print_to_console=False, seed=salib_seed)
    arrays = [np.asarray(si[key], dtype=np.float64) for key in ("S1", "S1_conf", "ST", "ST_conf")]
    for arr in arrays:
        arr.flags.writeable = False
    return SobolIndices(
        scenario_id=scenario.id, target=target, horizon=h, labels=tuple(p.label for p in params),
        first=arrays[0], first_conf=arrays[1], total=arrays[2], total_conf=arrays[3], n=int(n),
        evaluations=len(y), bootstrap=int(bootstrap), conf_level=float(conf_level), mean=float(y.mean()),
        variance=float(y.var()), seed=entropy, parameters=params,
    )
