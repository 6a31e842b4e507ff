"""Out-of-sample scores of the fitted ladder against two base rates.

Three forecasters say, at a crisis's onset, how likely full-scale war is, how likely serious
clashes or worse are, and how long the crisis will last:

``climatology``
    The training crises' shares, the same for every crisis, and the empirical distribution
    of their durations: the outside view of :mod:`escalation.baserates`.
``profile_rate``
    The same, within the training crises that share the onset profile, shrunk toward the
    climatology by :data:`SHRINKAGE` pseudo-crises (so a small profile borrows from the
    rest): a simple rival that uses the same onset facts as the ladder without a ladder.
``ladder``
    The fitted ladder (:func:`~escalation.history.fit.fit_ladder`, then
    :func:`~escalation.history.fit.forecast`).

Scores (:mod:`escalation.scoring`, all losses, lower is better): Brier and log score of
P(full-scale war) and P(serious clashes or worse), CRPS of the termination day (days). Each
model is compared with the climatology crisis by crisis: the mean difference of the scores
and its standard error (crises as independent draws).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..rng import SeedLike, seed_entropy
from ..scoring import CalibrationBin, brier_score, calibration_table, crps_discrete, log_score
from .data import HistoricalCrisis
from .fit import FIT_HORIZON, FORECAST_HORIZON, LadderFit, Prior, fit_ladder, forecast

__all__ = [
    "FORECASTERS",
    "METRICS",
    "SHRINKAGE",
    "Evaluation",
    "ScoreSummary",
    "evaluate_kfold",
    "evaluate_split",
    "kfold_assignment",
]

FORECASTERS = ("climatology", "profile_rate", "ladder")
#: Metric name -> what it scores.
METRICS = {
    "brier_war": "Brier score of P(full-scale war)",
    "log_war": "log score of P(full-scale war), nats",
    "brier_serious": "Brier score of P(serious clashes or worse)",
    "log_serious": "log score of P(serious clashes or worse), nats",
    "crps_days": "CRPS of the termination day, days",
}
#: Pseudo-crises of climatology added to each onset profile's own rates (``profile_rate``).
SHRINKAGE = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreSummary:
    """One forecaster's mean score on one metric, and its difference from the climatology.

    Attributes
    ----------
    mean : float
        Mean loss over the scored crises.
    n : int
        Crises scored (the CRPS needs a known duration).
    diff, diff_se : float
        Mean of (this forecaster's loss - the climatology's) crisis by crisis, and its
        standard error; 0 and 0 for the climatology itself.
    skill : float
        ``1 - mean / climatology's mean``: positive is better than the climatology.
    """

    mean: float
    n: int
    diff: float
    diff_se: float
    skill: float

    @property
    def verdict(self) -> str:
        """``better``, ``worse`` or ``no clear difference`` than the climatology (95%, paired)."""
        if self.diff_se == 0.0 and self.diff == 0.0:
            return "reference"
        if self.diff + 1.959963984540054 * self.diff_se < 0:
            return "better"
        if self.diff - 1.959963984540054 * self.diff_se > 0:
            return "worse"
        return "no clear difference"


@dataclass(frozen=True, eq=False, kw_only=True)
class Evaluation:
    """Out-of-sample forecasts of a set of crises and their scores.

    Attributes
    ----------
    name : str
        ``1990-2017 (fitted on 1918-1989)`` or ``5-fold cross-validation``.
    crisno : tuple of int
        The scored crises, in the order of the arrays.
    p_war, p_serious : dict of str to ndarray, shape (n,)
        Each forecaster's probabilities.
    war, serious : ndarray of bool, shape (n,)
        What happened.
    scores : dict of str to dict of str to ScoreSummary
        ``scores[forecaster][metric]``.
    calibration : dict of str to tuple of CalibrationBin
        The ladder's calibration tables, ``war`` and ``serious``.
    fits : tuple of LadderFit
        The fit(s) behind the ladder's forecasts (one per fold).
    """

    name: str
    crisno: tuple[int, ...]
    p_war: dict[str, np.ndarray]
    p_serious: dict[str, np.ndarray]
    war: np.ndarray
    serious: np.ndarray
    scores: dict[str, dict[str, ScoreSummary]]
    calibration: dict[str, tuple[CalibrationBin, ...]]
    fits: tuple[LadderFit, ...]

    @property
    def n(self) -> int:
        """Crises scored."""
        return len(self.crisno)


def _model_day(c: HistoricalCrisis) -> int | None:
    """The model day the crisis first stands on ``ended`` (duration + 1), or None."""
    return None if c.duration is None else c.duration + 1


def _empirical_cdf(days: Sequence[int], horizon: int) -> np.ndarray:
    counts = np.bincount(np.minimum(np.asarray(days, dtype=np.int64), horizon + 1), minlength=horizon + 2)
    return np.cumsum(counts[:horizon + 1]) / max(len(days), 1)


def _base_rates(train: Sequence[HistoricalCrisis], test: Sequence[HistoricalCrisis],
                horizon: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(p_war, p_serious, end_cdf)`` for the test crises from the climatology and the profile rates."""
    war = np.array([c.peak == 4 for c in train], dtype=np.float64)
    serious = np.array([c.peak >= 3 for c in train], dtype=np.float64)
    days = [d for c in train if (d := _model_day(c)) is not None]
    clim_cdf = _empirical_cdf(days, horizon)
    n = len(test)
    clim = (np.full(n, war.mean()), np.full(n, serious.mean()), np.tile(clim_cdf, (n, 1)))
    p_war, p_serious, cdf = np.zeros(n), np.zeros(n), np.zeros((n, horizon + 1))
    for i, c in enumerate(test):
        same = [j for j, t in enumerate(train) if t.profile == c.profile]
        k = len(same)
        p_war[i] = (war[same].sum() + SHRINKAGE * war.mean()) / (k + SHRINKAGE)
        p_serious[i] = (serious[same].sum() + SHRINKAGE * serious.mean()) / (k + SHRINKAGE)
        own = [d for j in same if (d := _model_day(train[j])) is not None]
        own_cdf = _empirical_cdf(own, horizon) if own else clim_cdf
        cdf[i] = (len(own) * own_cdf + SHRINKAGE * clim_cdf) / (len(own) + SHRINKAGE)
    return {"climatology": clim, "profile_rate": (p_war, p_serious, cdf)}


def _summaries(losses: dict[str, np.ndarray]) -> dict[str, ScoreSummary]:
    ref = losses["climatology"]
    out = {}
    for name, loss in losses.items():
        d = loss - ref
        n = loss.size
        se = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        mean, ref_mean = float(np.mean(loss)), float(np.mean(ref))
        out[name] = ScoreSummary(mean=mean, n=n, diff=float(np.mean(d)), diff_se=0.0 if name == "climatology" else se,
                                 skill=1.0 - mean / ref_mean if ref_mean > 0 else math.nan)
    return out


def _evaluation(name: str, test: Sequence[HistoricalCrisis], p_war: dict[str, np.ndarray],
                p_serious: dict[str, np.ndarray], cdf: dict[str, np.ndarray], fits: tuple[LadderFit, ...],
                bins: int) -> Evaluation:
    war = np.array([c.peak == 4 for c in test])
    serious = np.array([c.peak >= 3 for c in test])
    known = np.array([c.duration is not None for c in test])
    days = np.array([_model_day(c) or 0 for c in test], dtype=np.int64)[known]
    per_metric: dict[str, dict[str, np.ndarray]] = {m: {} for m in METRICS}
    for f in FORECASTERS:
        per_metric["brier_war"][f] = np.asarray(brier_score(p_war[f], war))
        per_metric["log_war"][f] = np.asarray(log_score(p_war[f], war))
        per_metric["brier_serious"][f] = np.asarray(brier_score(p_serious[f], serious))
        per_metric["log_serious"][f] = np.asarray(log_score(p_serious[f], serious))
        # The engine's cumulative odds can dip by rounding (~1e-16); crps_discrete wants them non-decreasing.
        per_metric["crps_days"][f] = np.asarray(crps_discrete(np.maximum.accumulate(cdf[f][known], axis=1), days))
    by_metric = {m: _summaries(per_metric[m]) for m in METRICS}
    scores = {f: {m: by_metric[m][f] for m in METRICS} for f in FORECASTERS}
    calibration = {"war": calibration_table(p_war["ladder"], war, bins=bins),
                   "serious": calibration_table(p_serious["ladder"], serious, bins=bins)}
    for arrays in (p_war, p_serious):
        for arr in arrays.values():
            arr.flags.writeable = False
    return Evaluation(name=name, crisno=tuple(c.crisno for c in test), p_war=p_war, p_serious=p_serious, war=war,
                      serious=serious, scores=scores, calibration=calibration, fits=fits)


def _forecast_all(train: Sequence[HistoricalCrisis], test: Sequence[HistoricalCrisis], fit: LadderFit,
                  horizon: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    rates = _base_rates(train, test, horizon)
    ladder = forecast(fit, test, horizon=horizon)
    p_war = {"climatology": rates["climatology"][0], "profile_rate": rates["profile_rate"][0], "ladder": ladder.p_war}
    p_serious = {"climatology": rates["climatology"][1], "profile_rate": rates["profile_rate"][1],
                 "ladder": ladder.p_serious}
    cdf = {"climatology": rates["climatology"][2], "profile_rate": rates["profile_rate"][2], "ladder": ladder.end_cdf}
    return {k: np.array(v) for k, v in p_war.items()}, {k: np.array(v) for k, v in p_serious.items()}, cdf


def evaluate_split(train: Sequence[HistoricalCrisis], test: Sequence[HistoricalCrisis], *, name: str = "",
                   fit: LadderFit | None = None, prior: Prior | None = None, fit_horizon: int = FIT_HORIZON,
                   horizon: int = FORECAST_HORIZON, bins: int = 10) -> Evaluation:
    """Fit on ``train``, forecast ``test`` from onset facts only, and score the three forecasters.

    Parameters
    ----------
    train, test : sequence of HistoricalCrisis
    name : str, optional
        A label for tables.
    fit : LadderFit, optional
        A fit on ``train`` already made; by default
        ``fit_ladder(train, prior=prior, horizon=fit_horizon, intervals=False)``.
    prior, fit_horizon
        For that fit.
    horizon : int, optional
        Days of the duration forecasts.
    bins : int, optional
        Bins of the calibration tables.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> from escalation.history import load_history
    >>> train, test = load_history().split(1990)
    >>> ev = evaluate_split(train[:40], test[:20], name="toy", fit_horizon=200, horizon=400)
    >>> sorted(ev.scores), ev.n
    (['climatology', 'ladder', 'profile_rate'], 20)
    """
    if fit is None:
        fit = fit_ladder(train, prior=prior, horizon=fit_horizon, intervals=False)
    p_war, p_serious, cdf = _forecast_all(train, test, fit, horizon)
    return _evaluation(name, test, p_war, p_serious, cdf, (fit,), bins)


def kfold_assignment(n: int, k: int, seed: SeedLike) -> np.ndarray:
    """Fold of each of ``n`` items: a random permutation dealt round-robin into ``k`` folds.

    Returns
    -------
    ndarray of int64, shape (n,)
        Values in ``0..k-1``; fold sizes differ by at most one. Depends on ``seed`` only.
    """
    if not 2 <= k <= n:
        raise ValueError(f"folds: expected 2 <= k <= {n} (the number of crises), found {k}")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed_entropy(seed))))
    fold = np.empty(n, dtype=np.int64)
    fold[rng.permutation(n)] = np.arange(n) % k
    return fold


def evaluate_kfold(crises: Sequence[HistoricalCrisis], *, folds: int = 5, seed: SeedLike = 0,
                   start: LadderFit | None = None, prior: Prior | None = None, fit_horizon: int = FIT_HORIZON,
                   horizon: int = FORECAST_HORIZON, bins: int = 10) -> Evaluation:
    """K-fold cross-validation: each crisis forecast by a ladder fitted on the other folds.

    Parameters
    ----------
    crises : sequence of HistoricalCrisis
    folds : int, optional
    seed : None, int, SeedSequence or Generator, optional
        Decides the folds (:func:`kfold_assignment`); the default 0 makes the table
        reproducible.
    start : LadderFit, optional
        Where each fold's optimiser starts (the optimum does not depend on it, only the
        number of steps to reach it).
    prior, fit_horizon, horizon, bins
        As for :func:`evaluate_split`.

    Returns
    -------
    Evaluation
        Over every crisis, in the order given; the base rates too are computed without the
        crisis's own fold.
    """
    fold = kfold_assignment(len(crises), folds, seed)
    n = len(crises)
    p_war = {f: np.zeros(n) for f in FORECASTERS}
    p_serious = {f: np.zeros(n) for f in FORECASTERS}
    cdf = {f: np.zeros((n, horizon + 1)) for f in FORECASTERS}
    fits = []
    for k in range(folds):
        held = np.flatnonzero(fold == k)
        train = [c for c, f in zip(crises, fold) if f != k]
        test = [crises[i] for i in held]
        fit = fit_ladder(train, prior=prior, horizon=fit_horizon, intervals=False, start=start)
        fits.append(fit)
        w, s, c = _forecast_all(train, test, fit, horizon)
        for f in FORECASTERS:
            p_war[f][held], p_serious[f][held], cdf[f][held] = w[f], s[f], c[f]
    return _evaluation(f"{folds}-fold cross-validation", crises, p_war, p_serious, cdf, tuple(fits), bins)
