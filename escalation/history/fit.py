"""Fitting the generic ladder's daily hazards to ICB crises, with the exact engine as likelihood.

One compiled model per onset profile (:data:`~escalation.history.ladder.PROFILES`; they
differ only in their start rungs) is re-parameterised with
:meth:`~escalation.compiled.CompiledModel.with_numbers` at every step of the optimiser and
solved with the exact engine: nothing is re-explored, so the likelihood of every crisis is
eight solves of an 8-state chain (:func:`log_likelihood`), and the optimiser's point with its
14 finite-difference neighbours is eight batched solves
(:func:`~escalation.engines.exact.exact_odds_many`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..compiled import CompiledModel, compile_model
from ..engines.exact import exact_odds
from ..errors import EscalationError
from ..limits import check_horizon
from .data import HistoricalCrisis
from .ladder import MODIFIERS, MOVES, PEAK_LEVELS, PEAK_RUNGS, PROFILES, Profile, ladder_scenario, profile_starts

__all__ = ["FIT_HORIZON", "FORECAST_HORIZON", "Forecasts", "LadderFit", "Prior", "fit_ladder", "forecast",
           "log_likelihood"]

#: Days the likelihood solves: 98% of ICB v14 crises have ended by then; the rest enter the
#: likelihood as still active on that day (censored), which costs little information and
#: halves the work of every solve.
FIT_HORIZON = 730
#: Days of the duration forecasts: every ICB v14 duration (at most 1,462 days) ends inside.
FORECAST_HORIZON = 1500
_N_H, _N_F = len(MOVES), len(MODIFIERS)
_ENDED = tuple(f"ended_{r}" for r in PEAK_RUNGS)
_LOG_H_BOUNDS = (math.log(1e-7), math.log(0.5))
_LOG_F_BOUNDS = (-6.0, 6.0)
_INFEASIBLE = 1e12


@dataclass(frozen=True, slots=True, kw_only=True)
class Prior:
    """Independent normal priors on the log of each daily hazard and each factor.

    The defaults are weak: a log hazard ``N(log 0.01, 3^2)`` (95% between 3e-5 and 3.6 per
    day, so only a rung the data never visit is pulled toward 1% a day), a log factor
    ``N(0, 1)`` (95% between 0.14 and 7.1: onset effects are shrunk a little toward none,
    which matters for the smaller profiles). ``scale=None`` drops that prior (pure maximum
    likelihood for those parameters).
    """

    hazard_centre: float = 0.01
    hazard_scale: float | None = 3.0
    factor_scale: float | None = 1.0

    def log_density(self, theta: np.ndarray) -> float:
        """Log prior density of ``theta`` (log hazards, then log factors), up to a constant."""
        out = 0.0
        if self.hazard_scale is not None:
            out -= 0.5 * float(np.sum(((theta[:_N_H] - math.log(self.hazard_centre)) / self.hazard_scale) ** 2))
        if self.factor_scale is not None:
            out -= 0.5 * float(np.sum((theta[_N_H:] / self.factor_scale) ** 2))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class LadderFit:
    """The fitted ladder: posterior-mode hazards and factors and how they were found.

    Attributes
    ----------
    hazards : tuple of float
        Daily probability of each move of :data:`~escalation.history.ladder.MOVES`.
    factors : tuple of float
        Factor of each modifier of :data:`~escalation.history.ladder.MODIFIERS`.
    log_sd : tuple of float
        Approximate posterior standard deviation of each log hazard, then each log factor
        (Laplace approximation: the inverse of the numerical Hessian at the mode); NaN when
        not computed (``intervals=False``) or not positive definite.
    log_likelihood, log_posterior : float
        At the mode (natural logs; the posterior up to its normalising constant).
    n_crises : int
    horizon : int
        Days the likelihood looks ahead.
    prior : Prior
    converged : bool
        The optimiser's verdict.
    n_evaluations : int
        Evaluations of the log posterior and its gradient, over every start (each one
        batched solve per onset profile present).
    message : str
        The optimiser's message.
    """

    hazards: tuple[float, ...]
    factors: tuple[float, ...]
    log_sd: tuple[float, ...]
    log_likelihood: float
    log_posterior: float
    n_crises: int
    horizon: int
    prior: Prior
    converged: bool
    n_evaluations: int
    message: str

    def interval(self, i: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
        """Approximate 95% interval of parameter ``i`` (hazards first, then factors), or None."""
        sd = self.log_sd[i]
        if not math.isfinite(sd):
            return None
        value = (self.hazards + self.factors)[i]
        return (value * math.exp(-z * sd), value * math.exp(z * sd))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Forecasts:
    """What the fitted ladder says at onset about each of a set of crises.

    Attributes
    ----------
    p_war, p_serious : ndarray, shape (n_crises,)
        Probability that the crisis ever reaches full-scale war, and serious clashes or
        worse, before it ends.
    end_cdf : ndarray, shape (n_crises, horizon + 1)
        Probability that the crisis has ended by model day ``t`` (it ended after ``t - 1``
        days of ICB duration; see :func:`log_likelihood`).
    horizon : int
    """

    p_war: np.ndarray
    p_serious: np.ndarray
    end_cdf: np.ndarray
    horizon: int


def _profile_models(crises: Sequence[HistoricalCrisis]) -> dict[Profile, tuple[CompiledModel, np.ndarray]]:
    """The compiled model of every onset profile present, with the indices of its crises."""
    base = ladder_scenario([0.001] * _N_H, [1.0] * _N_F)
    out = {}
    for prof in PROFILES:
        idx = np.array([i for i, c in enumerate(crises) if c.profile == (prof.violent_trigger, prof.intra_war,
                                                                         prof.great_power_trigger)], dtype=np.int64)
        if idx.size:
            out[prof] = (compile_model(base.with_start(**profile_starts(prof))), idx)
    return out


def _feasible(hazards: np.ndarray, factors: np.ndarray) -> bool:
    """No actor's daily probabilities can add up to more than 1 under any profile."""
    up = max(1.0, factors[0]) * max(1.0, factors[2])
    end = max(1.0, factors[1]) * max(1.0, factors[3])
    for i, rung in enumerate(PEAK_RUNGS):
        escalate = sum(h for (_, actor, a, _, _), h in zip(MOVES, hazards) if actor == "CRISIS" and a == rung)
        if escalate * up > 0.999 or hazards[_N_H - 4 + i] * end > 0.999:
            return False
    return True


def _solve(model: CompiledModel, hazards: np.ndarray, factors: np.ndarray,
           horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``ended_<k>`` by day (rows in peak order) and the peak's distribution on the last day."""
    solved = exact_odds(model.with_numbers(p=hazards, factors=factors), horizon=horizon, targets=_ENDED)
    cum = solved.cumulative()[[solved.targets.index(t) for t in _ENDED]]  # the engine keeps file order
    # Peak levels are distinct, so the crisis level is the peak (ended or not).
    return cum, solved.level_distribution()[horizon, list(PEAK_LEVELS)]


def _crisis_arrays(crises: Sequence[HistoricalCrisis], horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peak index (0..3) and the model days ``[a, b]`` of termination (``b = horizon + 1``: beyond)."""
    peak = np.array([c.peak - 1 for c in crises], dtype=np.int64)
    a = np.array([1 if c.days is None else c.days[0] + 1 for c in crises], dtype=np.int64)
    b = np.array([horizon + 1 if c.days is None else min(c.days[1] + 1, horizon + 1) for c in crises], dtype=np.int64)
    return peak, np.minimum(a, horizon + 1), b


def _likelihoods(cum: np.ndarray, peak_dist: np.ndarray, peak: np.ndarray, a: np.ndarray, b: np.ndarray,
                 horizon: int) -> np.ndarray:
    """Probability of each crisis's outcome from one profile's solve (see :func:`_solve`)."""
    inside = np.where(a <= horizon, cum[peak, np.minimum(b, horizon)] - cum[peak, np.minimum(a, horizon) - 1], 0.0)
    # Beyond the horizon: still active on it, with peak <= k so far.
    active_by_peak = np.clip(peak_dist - cum[:, horizon], 0.0, None)
    beyond = np.cumsum(active_by_peak)[peak]
    return inside + np.where(b > horizon, beyond, 0.0)


def log_likelihood(hazards: Sequence[float], factors: Sequence[float], crises: Sequence[HistoricalCrisis], *,
                   horizon: int = FIT_HORIZON) -> float:
    """Log probability of the crises' peak violence and durations under the ladder's numbers.

    Parameters
    ----------
    hazards, factors : sequence of float
        The numbers of :func:`~escalation.history.ladder.ladder_scenario`.
    crises : sequence of HistoricalCrisis
    horizon : int, optional
        Days solved.

    Returns
    -------
    float
        Natural log; ``-inf`` if some outcome is impossible under these numbers.

    Notes
    -----
    Day 0 is the trigger date. A crisis whose ICB duration is ``d`` days (termination minus
    trigger) was active on days ``0..d`` and first stands on ``ended`` on model day
    ``d + 1``; with peak ``k`` its probability is that of the target ``ended_<k>`` first
    holding on that day. A duration known only to lie in ``[lo, hi]`` (a day unknown) gives
    the probability of the days ``lo + 1 .. hi + 1``. What lies beyond the horizon, and a
    crisis whose termination date is unknown, contributes the probability of being still
    active at the horizon with peak at most ``k``. Crises are independent given their
    onset profiles.
    """
    h = check_horizon(horizon)
    hz, fc = np.asarray(hazards, dtype=np.float64), np.asarray(factors, dtype=np.float64)
    peak, a, b = _crisis_arrays(crises, h)
    total = 0.0
    for model, idx in _profile_models(crises).values():
        lik = _likelihoods(*_solve(model, hz, fc, h), peak[idx], a[idx], b[idx], h)
        if np.any(lik <= 0.0):
            return -math.inf
        total += float(np.sum(np.log(lik)))
    return total


def _starts(crises: Sequence[HistoricalCrisis]) -> list[np.ndarray]:
    """Two starting points, one in each mode of the likelihood found on the ICB data.

    Every escalation move at 0.2% a day and the factors at 1 in both; termination at the mean
    rate on every rung in the first; in the second, the serious-clashes rung is passed through
    quickly (5% a day to the end, 2% to war). Crises peaking at serious clashes can be told
    apart as lingering there or passing through, and the optimiser from the first start often
    stops in the first reading although the second fits better (by 16 log units on all 486).
    """
    days = [0.5 * (c.days[0] + c.days[1]) + 1 for c in crises if c.days is not None]
    end = 1.0 / max(float(np.mean(days)) if days else 100.0, 2.0)
    even = np.log(np.array([0.002] * (_N_H - 4) + [end] * 4 + [1.0] * _N_F))
    steep = even.copy()
    steep[[i for i, m in enumerate(MOVES) if m[0] == "end@serious_clashes"]] = math.log(0.05)
    steep[[i for i, m in enumerate(MOVES) if m[0] == "serious_clashes->full_scale_war"]] = math.log(0.02)
    return [even, steep]


class _Objective:
    """Minus the log posterior and its forward-difference gradient, by batched exact solves.

    A call solves the point and its 14 neighbours ``theta + STEP e_i`` (a backward step where
    the forward one would make some probabilities add up to more than 1) in one
    :func:`~escalation.engines.exact.exact_odds_many` call per onset profile: the neighbours
    share the profile's plan and go through the kernel together, at about half the cost of
    15 separate solves.
    """

    STEP = 1e-7

    def __init__(self, crises: Sequence[HistoricalCrisis], horizon: int, prior: Prior) -> None:
        self.horizon, self.prior = horizon, prior
        self.peak, self.a, self.b = _crisis_arrays(crises, horizon)
        self.groups = list(_profile_models(crises).values())
        self.n_solves = 0

    def values(self, thetas: Sequence[np.ndarray]) -> np.ndarray:
        """Minus the log posterior at each point (all must be feasible)."""
        from ..engines.exact import exact_odds_many

        out = np.array([-self.prior.log_density(t) for t in thetas])
        numbers = [(np.exp(t[:_N_H]), np.exp(t[_N_H:])) for t in thetas]
        h = self.horizon
        for model, idx in self.groups:
            solved = exact_odds_many([model.with_numbers(p=hz, factors=fc) for hz, fc in numbers], horizon=h,
                                     targets=_ENDED, workers=1)
            self.n_solves += len(thetas)
            for j, odds in enumerate(solved):
                cum = odds.cumulative()[[odds.targets.index(t) for t in _ENDED]]  # the engine keeps file order
                lik = _likelihoods(cum, odds.level_distribution()[h, list(PEAK_LEVELS)], self.peak[idx], self.a[idx],
                                   self.b[idx], h)
                out[j] -= float(np.sum(np.log(np.maximum(lik, 1e-300))))
        return out

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        if not _feasible(np.exp(theta[:_N_H]), np.exp(theta[_N_H:])):
            return _INFEASIBLE, np.zeros_like(theta)
        steps = np.full(theta.size, self.STEP)
        for i in range(theta.size):
            probe = theta.copy()
            probe[i] += steps[i]
            if not _feasible(np.exp(probe[:_N_H]), np.exp(probe[_N_H:])):
                steps[i] = -self.STEP
        points = [theta] + [theta + steps[i] * np.eye(theta.size)[i] for i in range(theta.size)]
        f = self.values(points)
        return float(f[0]), (f[1:] - f[0]) / steps

    def hessian(self, theta: np.ndarray, step: float = 1e-3) -> np.ndarray:
        """Central differences of the gradient, symmetrised."""
        n = theta.size
        cols = []
        for i in range(n):
            e = np.eye(n)[i] * step
            cols.append((self(theta + e)[1] - self(theta - e)[1]) / (2 * step))
        hess = np.array(cols)
        return 0.5 * (hess + hess.T)


def fit_ladder(crises: Sequence[HistoricalCrisis], *, horizon: int = FIT_HORIZON, prior: Prior | None = None,
               intervals: bool = True, start: LadderFit | None = None, tolerance: float = 1e-7) -> LadderFit:
    """Fit the generic ladder's hazards and onset factors to crises (posterior mode).

    Parameters
    ----------
    crises : sequence of HistoricalCrisis
        At least one.
    horizon : int, optional
        Days the likelihood looks ahead (see :func:`log_likelihood`).
    prior : Prior, optional
        Default :class:`Prior()`, weak.
    intervals : bool, optional
        Also compute the Laplace approximation (``log_sd``): about 28 more gradients.
    start : LadderFit, optional
        Also start the optimiser here (besides the two default starts).
    tolerance : float, optional
        Relative tolerance on the log posterior (L-BFGS-B's ``ftol``).

    Returns
    -------
    LadderFit

    Raises
    ------
    EscalationError
        For no crises, or a start at which some actor's probabilities add up to more than 1.

    Notes
    -----
    Maximises ``log L(theta) + log prior(theta)`` over ``theta`` = the logs of the 10 daily
    hazards and 4 factors, by L-BFGS-B with forward-difference gradients (step 1e-7) from each
    start (see :func:`_starts`: the likelihood has two modes), keeping the best, inside
    bounds (hazards in [1e-7, 0.5], factors in [e^-6, e^6]); a point where some actor's
    daily probabilities could add up to more than 1 is rejected. With the default weak prior
    this is close to maximum likelihood where the data speak, and keeps the numbers of rungs
    they never reach finite.

    Examples
    --------
    >>> from escalation.history import load_history
    >>> crises = load_history().crises[:40]
    >>> fit = fit_ladder(crises, horizon=200, intervals=False)
    >>> fit.converged, len(fit.hazards), fit.log_likelihood < 0
    (True, 10, True)
    """
    from scipy.optimize import minimize

    if not crises:
        raise EscalationError("fit: expected at least one crisis, found none")
    h = check_horizon(horizon)
    prior = Prior() if prior is None else prior
    objective = _Objective(crises, h, prior)
    bounds = [_LOG_H_BOUNDS] * _N_H + [_LOG_F_BOUNDS] * _N_F
    starts = _starts(crises) + ([np.log(np.array(start.hazards + start.factors))] if start is not None else [])
    best = None
    n_evaluations = 0
    for theta0 in starts:
        theta0 = np.clip(theta0, [lo for lo, _ in bounds], [hi for _, hi in bounds])
        if not _feasible(np.exp(theta0[:_N_H]), np.exp(theta0[_N_H:])):
            raise EscalationError("fit: the starting numbers make some actor's daily probabilities add up to more "
                                  "than 1")
        res = minimize(objective, theta0, method="L-BFGS-B", jac=True, bounds=bounds,
                       options={"ftol": tolerance, "gtol": 1e-6, "maxiter": 500})
        n_evaluations += int(res.nfev)
        if best is None or res.fun < best.fun:
            best = res
    res = best
    theta = res.x
    log_sd = np.full(theta.size, np.nan)
    if intervals:
        hess = objective.hessian(theta)
        if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
            log_sd = np.sqrt(np.diag(np.linalg.inv(hess)))
    hz, fc = np.exp(theta[:_N_H]), np.exp(theta[_N_H:])
    loglik = log_likelihood(hz, fc, crises, horizon=h)
    return LadderFit(hazards=tuple(float(x) for x in hz), factors=tuple(float(x) for x in fc),
                     log_sd=tuple(float(x) for x in log_sd), log_likelihood=loglik,
                     log_posterior=float(-res.fun), n_crises=len(crises), horizon=h, prior=prior,
                     converged=bool(res.success), n_evaluations=n_evaluations, message=str(res.message))


def forecast(fit: LadderFit, crises: Sequence[HistoricalCrisis], *, horizon: int = FORECAST_HORIZON) -> Forecasts:
    """The fitted ladder's odds at onset for each crisis, from its onset profile only.

    Parameters
    ----------
    fit : LadderFit
    crises : sequence of HistoricalCrisis
        Their outcomes are not used.
    horizon : int, optional
        Days of the duration forecast.

    Returns
    -------
    Forecasts
        ``p_war`` and ``p_serious`` are lifetime odds (the target ever holds:
        :meth:`~escalation.engines.exact.ExactOdds.eventual`), what ICB's ``viol`` records.
    """
    h = check_horizon(horizon)
    hz, fc = np.asarray(fit.hazards), np.asarray(fit.factors)
    n = len(crises)
    p_war, p_serious, end_cdf = np.zeros(n), np.zeros(n), np.zeros((n, h + 1))
    for model, idx in _profile_models(crises).values():
        solved = exact_odds(model.with_numbers(p=hz, factors=fc), horizon=h,
                            targets=("full_scale_war", "serious_or_worse", "ended"))
        p_war[idx] = solved.eventual("full_scale_war")
        p_serious[idx] = solved.eventual("serious_or_worse")
        end_cdf[idx] = solved.cumulative()[solved.targets.index("ended")]
    for arr in (p_war, p_serious, end_cdf):
        arr.flags.writeable = False
    return Forecasts(p_war=p_war, p_serious=p_serious, end_cdf=end_cdf, horizon=h)
