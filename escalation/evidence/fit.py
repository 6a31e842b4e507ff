"""Bayesian update of a scenario's move probabilities from an event log.

Each move's daily probability ``p`` gets a Beta prior (:func:`prior_beta`). The log's
day-by-day joint states give, per move, the days it could have happened (the actor stood
on its ``from`` rung and its condition held: exposure) and the days it did (the actor
changed to its ``to`` rung). The posterior is Beta again; the posterior scenario carries
its mean as ``p``, its central 90% interval as ``range`` and its parameters as ``beta``, so
fitting the posterior to a later stretch of the log equals fitting the prior to the whole.

Notes
-----
*Competing moves.* An actor on a rung with several moves faces, each day, a multinomial:
stay, or take one of them. With independent Beta priors this is not conjugate, so each move
is updated as its own Bernoulli trial on its exposure days, ``p^k (1 - p)^(n - k)``: the
cause-specific (competing-risks) factorisation, exact for one move and, for several, off
by terms of order ``p_i p_j`` per day (below 1e-4 for hazards under 1%). An observed change
that several moves could explain (the same ``from`` and ``to`` under different conditions)
is shared among them in proportion to their daily probabilities that day, with the shares
re-estimated from the posterior means until they settle (an EM iteration).

*Modifiers.* On a day when modifiers scale a move by ``F``, its daily probability is
``p F``; the update uses ``(1 - p F) ~ (1 - p)^F``, so such a day counts as ``F`` days of
exposure (a day at factor 0 as none). That needs ``p F`` small: a move whose scaled prior
mean exceeds :data:`MAX_SCALED_P` on some exposure day is refused, naming it. Modifier
factors themselves are not updated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..compiled import check_sums, compile_model
from ..errors import Problem, ScenarioError
from ..scenario import Move, Scenario, Source, window_to_daily
from .events import EventLog, changes, check_log
from .nowcast import as_date

__all__ = ["MAX_SCALED_P", "WEAK_PRIOR_EVENTS", "FitResult", "MoveUpdate", "Prior", "fit", "prior_beta"]

#: Largest prior-mean daily probability, after modifiers, that the exposure approximation accepts.
MAX_SCALED_P = 0.05
#: The weak prior (a move with neither ``beta`` nor ``range``) is worth this many observed moves.
WEAK_PRIOR_EVENTS = 1.0
#: The ``range`` of a move is read as the central interval of this probability.
RANGE_MASS = 0.90
_Z_RANGE = 1.6448536269514722  # standard normal quantile of 0.95
_SIG = 6  # significant digits of the numbers written to the posterior scenario


@dataclass(frozen=True, slots=True, kw_only=True)
class Prior:
    """A move's Beta prior on its daily probability.

    Attributes
    ----------
    a, b : float
        Beta parameters (NaN for ``fixed``).
    kind : {'beta', 'window-beta', 'range', 'weak', 'fixed'}
        Where it came from: the move's daily ``beta``; its window-scale ``beta`` carried to
        the daily scale; its ``range``; the weak default; or a probability of exactly 0 or 1,
        which no evidence can move.
    """

    a: float
    b: float
    kind: Literal["beta", "window-beta", "range", "weak", "fixed"]

    @property
    def mean(self) -> float:
        """Prior mean daily probability."""
        return self.a / (self.a + self.b)


def _moment_beta(mean: float, var: float) -> tuple[float, float] | None:
    """Beta parameters with this mean and variance, or None when no Beta has them."""
    if not 0.0 < mean < 1.0 or var <= 0.0 or var >= mean * (1.0 - mean):
        return None
    k = mean * (1.0 - mean) / var - 1.0
    return mean * k, (1.0 - mean) * k


def _weak(p: float) -> tuple[float, float]:
    a = WEAK_PRIOR_EVENTS
    return a, a * (1.0 - p) / p


def prior_beta(move: Move) -> Prior:
    """The Beta prior of a move's daily probability.

    Parameters
    ----------
    move : Move

    Returns
    -------
    Prior
        In order of preference:

        - ``beta`` on the daily scale (a move given by ``p``): used as is.
        - ``beta`` on the window scale (a move given by ``within``): the distribution it
          implies for the daily probability ``1 - (1 - w)^(1/days)``, matched by its mean
          and variance.
        - ``range``: a Beta with mean ``p`` whose standard deviation makes ``range`` (on
          the daily scale) a central :data:`RANGE_MASS` interval of a normal, i.e.
          ``sd = (hi - lo) / (2 x 1.645)``; the mean stays ``p``, so an empty log changes
          nothing. A range too wide for any Beta with that mean falls back to the weak prior.
        - otherwise the weak prior ``Beta(1, (1 - p) / p)``: mean ``p``, worth one observed
          move (:data:`WEAK_PRIOR_EVENTS`) in ``1 / p`` days, so a few observed moves or a
          few multiples of ``1 / p`` days of exposure outweigh it.
        - ``p`` of exactly 0 or 1: ``fixed``, never updated.

    Examples
    --------
    >>> from escalation import Move
    >>> prior_beta(Move(actor="A", from_="x", to="y", p=0.01, beta=(2, 198)))
    Prior(a=2.0, b=198.0, kind='beta')
    >>> prior_beta(Move(actor="A", from_="x", to="y", p=0.01))
    Prior(a=1.0, b=99.0, kind='weak')
    """
    p = float(move.p)  # type: ignore[arg-type]
    if p <= 0.0 or p >= 1.0:
        return Prior(a=math.nan, b=math.nan, kind="fixed")
    if move.beta is not None:
        a, b = (float(x) for x in move.beta)
        if move.within is None:
            return Prior(a=a, b=b, kind="beta")
        from scipy.special import roots_jacobi

        # Gauss-Jacobi quadrature of E[g(W)], E[g(W)^2] for W ~ Beta(a, b), g the daily hazard.
        x, wt = roots_jacobi(64, b - 1.0, a - 1.0)
        w = np.minimum((1.0 + x) / 2.0, 1.0 - 1e-15)
        g = -np.expm1(np.log1p(-w) / float(move.within.days))
        m1 = float(wt @ g / wt.sum())
        m2 = float(wt @ (g * g) / wt.sum())
        ab = _moment_beta(m1, m2 - m1 * m1)
        if ab is not None:
            return Prior(a=ab[0], b=ab[1], kind="window-beta")
        return Prior(*_weak(p), kind="weak")  # type: ignore[misc]
    if move.range is not None:
        lo, hi = (float(x) for x in move.range)
        if move.within is not None:
            lo, hi = window_to_daily(lo, move.within.days), window_to_daily(min(hi, 1 - 1e-15), move.within.days)
        sd = (hi - lo) / (2.0 * _Z_RANGE)
        ab = _moment_beta(p, sd * sd)
        if ab is not None:
            return Prior(a=ab[0], b=ab[1], kind="range")
    a, b = _weak(p)
    return Prior(a=a, b=b, kind="weak")


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveUpdate:
    """What the log did to one move.

    Attributes
    ----------
    index : int
        Position in ``scenario.moves``.
    label : str
        ``US: maritime_strikes -> land_strikes when ...``.
    prior : Prior
    a, b : float
        Posterior Beta parameters (the prior's where nothing was observed).
    exposure_days : int
        Days the move could have happened (actor on its ``from`` rung, condition true).
    exposure : float
        The same weighted by the modifiers' factors on each day (see the module notes).
    observed : float
        Times it happened (a share, where several moves could explain one change).
    """

    index: int
    label: str
    prior: Prior
    a: float
    b: float
    exposure_days: int
    exposure: float
    observed: float

    @property
    def prior_mean(self) -> float:
        """Prior mean daily probability (the move's ``p`` for a fixed prior)."""
        return self.prior.mean if self.prior.kind != "fixed" else self.a

    @property
    def posterior_mean(self) -> float:
        """Posterior mean daily probability."""
        return self.a / (self.a + self.b) if self.prior.kind != "fixed" else self.a

    @property
    def updated(self) -> bool:
        """Whether the log spoke to this move (some exposure or an observed move)."""
        return self.prior.kind != "fixed" and (self.exposure_days > 0 or self.observed > 0)

    def interval(self, which: Literal["prior", "posterior"] = "posterior", mass: float = RANGE_MASS) -> tuple[float, float]:
        """Central ``mass`` interval of the prior or posterior daily probability."""
        if self.prior.kind == "fixed":
            return (self.a, self.a)
        from scipy.special import betaincinv

        a, b = (self.prior.a, self.prior.b) if which == "prior" else (self.a, self.b)
        lo, hi = betaincinv(a, b, [(1 - mass) / 2, (1 + mass) / 2])
        return float(lo), float(hi)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        fixed = self.prior.kind == "fixed"
        return {
            "index": self.index, "move": self.label, "prior_kind": self.prior.kind,
            "prior_beta": None if fixed else [self.prior.a, self.prior.b],
            "posterior_beta": None if fixed else [self.a, self.b],
            "prior_mean": self.prior_mean, "posterior_mean": self.posterior_mean,
            "prior_interval90": list(self.interval("prior")), "posterior_interval90": list(self.interval()),
            "exposure_days": self.exposure_days, "exposure": self.exposure, "observed": self.observed,
        }


@dataclass(frozen=True, eq=False, kw_only=True)
class FitResult:
    """The posterior scenario and a report of what moved.

    Attributes
    ----------
    scenario : Scenario
        The prior scenario.
    posterior : Scenario
        The same scenario with every move the log spoke to replaced by its posterior.
    updates : tuple of MoveUpdate
        One per move, in file order.
    start, end : datetime.date or None
        The stretch of the log used: from the day every actor it names is placed to the
        day it is complete until (None for an empty log).
    log_file, log_sha256 : str
    """

    scenario: Scenario
    posterior: Scenario
    updates: tuple[MoveUpdate, ...]
    start: dt.date | None
    end: dt.date | None
    log_file: str
    log_sha256: str

    @property
    def n_days(self) -> int:
        """Days of record used (transitions from one day to the next)."""
        return (self.end - self.start).days if self.start and self.end and self.end > self.start else 0

    def moved(self) -> list[MoveUpdate]:
        """The updated moves, the largest relative change first."""
        out = [u for u in self.updates if u.updated]
        return sorted(out, key=lambda u: (-abs(math.log(u.posterior_mean / u.prior_mean)), u.index))

    def table(self) -> str:
        """A plain-text report: one row per move the log spoke to."""
        from ..analysis.tables import format_probability, text_table

        span = f"{self.start} to {self.end}, {self.n_days} days" if self.n_days else "no days of record"
        header = ["move", "prior/day", "posterior/day", "change", "seen", "exposure days", "posterior 90%"]
        body = []
        for u in self.moved():
            lo, hi = u.interval()
            body.append([
                f"moves[{u.index}] {u.label}", format_probability(u.prior_mean), format_probability(u.posterior_mean),
                f"{100 * (u.posterior_mean / u.prior_mean - 1):+.1f}%", f"{u.observed:g}",
                f"{u.exposure_days}" + (f" ({u.exposure:.4g})" if abs(u.exposure - u.exposure_days) > 1e-9 else ""),
                f"[{format_probability(lo)}, {format_probability(hi)}]",
            ])
        lines = text_table(f"Update of {self.scenario.id} from {self.log_file} ({span})", header, body)
        if not body:
            lines.append("(the log speaks to no move: the posterior equals the prior)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the stretch of log used and one entry per updated move."""
        from ..version import __version__

        return {
            "scenario": self.scenario.id, "log": self.log_file, "log_sha256": self.log_sha256,
            "start": self.start.isoformat() if self.start else None, "end": self.end.isoformat() if self.end else None,
            "days": self.n_days, "package_version": __version__,
            "moves": [u.to_dict() for u in self.moved()],
        }

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """JSON text of :meth:`to_dict`; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        if path is not None:
            from ..outputs import write_text

            write_text(path, text)
        return text

    def to_yaml(self) -> str:
        """The posterior scenario as YAML, with a comment header naming the log and the stretch used."""
        from ..loader import dump_scenario

        head = [
            f"# Posterior of {self.scenario.id}: move probabilities updated from the event log {self.log_file}",
            f"# (SHA-256 {self.log_sha256}), record {self.start} to {self.end}, by escalation fit.",
            "# Updated moves carry p = posterior mean, range = central 90% interval, beta = posterior.",
        ]
        return "\n".join(head) + "\n" + dump_scenario(self.posterior)


def _sig(x: float) -> float:
    return float(f"{x:.{_SIG}g}")


def _source_id(scenario: Scenario) -> str:
    known = {s.id for s in scenario.sources}
    sid, k = "event_log_update", 1
    while sid in known:
        k += 1
        sid = f"event_log_update_{k}"
    return sid


def fit(
    scenario: Scenario,
    log: EventLog,
    *,
    as_of: dt.date | str | None = None,
    complete_until: dt.date | str | None = None,
    max_iter: int = 200,
) -> FitResult:
    """Update the scenario's move probabilities from an event log.

    Parameters
    ----------
    scenario : Scenario
    log : EventLog
        Checked against ``scenario``.
    as_of : datetime.date or str, optional
        Use the log up to this day only (and take it as complete up to it).
    complete_until : datetime.date or str, optional
        Overrides the log's own ``# complete-until``.
    max_iter : int, optional
        Iterations of the sharing of changes that several moves explain.

    Returns
    -------
    FitResult

    Raises
    ------
    ScenarioError
        If the log does not fit the scenario, ``as_of`` is after the log's complete-until,
        a modifier scales an exposed move beyond :data:`MAX_SCALED_P`, or the posterior
        numbers make some actor's probabilities add up to more than 1.

    Notes
    -----
    Days ``t`` run from the first day every actor the log names has been placed to the end
    of the record; the transition from day ``t`` to ``t + 1`` is an exposure day for move
    ``m`` when the actor stands on ``m``'s ``from`` rung and its condition holds on day
    ``t`` (:meth:`~escalation.compiled.CompiledModel.conditions_hold` on the log's states).
    With ``y_t`` the share of the change on day ``t`` credited to ``m`` and ``F_t`` the
    modifiers' product, the posterior is
    ``Beta(a + sum_t y_t, b + sum_t F_t (1 - y_t))``: with no modifiers, the closed-form
    ``Beta(a + k, b + n - k)``.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> from escalation.evidence import loads_events
    >>> s = load_scenario("tutorial")
    >>> log = loads_events('''date,actor,rung,source
    ... 2025-01-01,RED,calm,report A
    ... 2025-01-11,RED,mobilised,report B
    ... ''', s)
    >>> u = fit(s, log).updates[2]
    >>> u.label, u.exposure_days, u.observed
    ('RED: calm -> mobilised', 10, 1.0)
    """
    check_log(log, scenario)
    model = compile_model(scenario)
    end_day = log.end(as_of=None if as_of is None else as_date(as_of),
                      complete_until=None if complete_until is None else as_date(complete_until, what="complete_until"))
    start = log.placed_from()
    priors = [prior_beta(m) for m in scenario.moves]
    n_moves = len(scenario.moves)
    a0 = np.array([pr.a for pr in priors])
    b0 = np.array([pr.b for pr in priors])
    fixed = np.array([pr.kind == "fixed" for pr in priors], dtype=bool)
    exposure_days = np.zeros(n_moves, dtype=np.int64)
    exposure = np.zeros(n_moves)
    observed = np.zeros(n_moves)
    credited_f = np.zeros(n_moves)
    if start is not None and end_day is not None and end_day > start:
        states = log.states(scenario, start, end_day)
        before, after = states[:-1], states[1:]
        conds = model.conditions_hold(before)
        active = (before[:, model.move_actor] == model.move_from[None, :]) & conds[:, model.move_cond]
        factor = np.ones(active.shape)
        for k, sel in enumerate(model.modifier_moves()):
            if sel.size:
                factor[:, sel] *= np.where(conds[:, model.mod_cond[k]], model.factor[k], 1.0)[:, None]
        _refuse_large(scenario, priors, active, factor)
        exposure_days = active.sum(axis=0).astype(np.int64)
        exposure = np.where(active, factor, 0.0).sum(axis=0)
        events = _observed_changes(scenario, log, model, start, before, after, active, factor)
        mean = np.where(fixed, model.move_p, a0 / (a0 + b0))
        shares: list[np.ndarray] = []
        for _ in range(max(1, max_iter)):
            shares = []
            for t, cand in events:
                w = mean[cand] * factor[t, cand]
                shares.append(w / w.sum())
            observed = np.zeros(n_moves)
            credited_f = np.zeros(n_moves)
            for (t, cand), w in zip(events, shares):
                np.add.at(observed, cand, w)
                np.add.at(credited_f, cand, w * factor[t, cand])
            new = np.where(fixed, model.move_p, (a0 + observed) / (a0 + b0 + observed + exposure - credited_f))
            if np.allclose(new, mean, rtol=1e-12, atol=0.0):
                mean = new
                break
            mean = new
    a1 = np.where(fixed, model.move_p, a0 + observed)
    b1 = np.where(fixed, np.nan, b0 + exposure - credited_f)
    updates = tuple(
        MoveUpdate(index=i, label=scenario.move_label(i), prior=priors[i], a=float(a1[i]), b=float(b1[i]),
                   exposure_days=int(exposure_days[i]), exposure=float(exposure[i]), observed=float(observed[i]))
        for i in range(n_moves)
    )
    used = start if start is not None and end_day is not None and end_day > start else None
    posterior = _posterior(scenario, log, updates, used, end_day)
    return FitResult(scenario=scenario, posterior=posterior, updates=updates, start=used, end=end_day,
                     log_file=log.file, log_sha256=log.sha256)


def _refuse_large(scenario: Scenario, priors: list[Prior], active: np.ndarray, factor: np.ndarray) -> None:
    scaled = np.where(active & (factor != 1.0), factor, 0.0).max(axis=0, initial=0.0)
    problems = []
    for i, pr in enumerate(priors):
        if scaled[i] > 0 and pr.kind != "fixed" and pr.mean * scaled[i] > MAX_SCALED_P:
            problems.append(Problem(field=f"moves[{i}]", message=(
                f"{scenario.move_label(i)}: modifiers scale its prior daily probability {pr.mean:.4g} by "
                f"{scaled[i]:g} on some days of the log, to {pr.mean * scaled[i]:.4g}; the update treats such a day "
                f"as {scaled[i]:g} days of exposure, which needs a scaled probability of at most {MAX_SCALED_P:g}: "
                "refit without that modifier, or state the move separately under the modifier's condition")))
    if problems:
        raise ScenarioError(problems)


def _observed_changes(scenario: Scenario, log: EventLog, model: Any, start: dt.date, before: np.ndarray,
                      after: np.ndarray, active: np.ndarray, factor: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(day index, candidate moves) for every rung change inside the stretch of record."""
    lines = {(e.actor, e.date): e.line for e, _ in changes(log)}
    out = []
    for t, a in zip(*np.nonzero(after != before)):
        cand = np.flatnonzero((model.move_actor == a) & (model.move_to == after[t, a]) & active[t]
                              & (model.move_p * factor[t] > 0))
        if not cand.size:  # check_log found every change allowed; this guards the stretch logic
            actor = scenario.actors[int(a)]
            day = start + dt.timedelta(days=int(t) + 1)
            raise ScenarioError(Problem(file=log.file, line=lines.get((actor.id, day)), field="rung", message=(
                f"expected a rung change the scenario allows, found {actor.id}: {actor.ladder[before[t, a]].id} -> "
                f"{actor.ladder[after[t, a]].id} on {day.isoformat()} with no move of positive probability")))
        out.append((int(t), cand))
    return out


def _posterior(scenario: Scenario, log: EventLog, updates: tuple[MoveUpdate, ...], start: dt.date | None,
               end: dt.date | None) -> Scenario:
    if not any(u.updated for u in updates):
        return scenario
    sid = _source_id(scenario)
    moves = list(scenario.moves)
    for u in updates:
        if not u.updated:
            continue
        old = moves[u.index]
        p = _sig(u.posterior_mean)
        lo, hi = u.interval()
        rng = (min(_sig(lo), p), max(_sig(hi), p))
        note = (f"Updated from the event log: {u.observed:g} seen in {u.exposure_days} exposure days; prior mean "
                f"{u.prior_mean:.3g}/day ({u.prior.kind}).")
        moves[u.index] = dataclasses.replace(
            old, p=p, within=None, range=rng, beta=(_sig(u.a), _sig(u.b)), source=(*old.source, sid),
            rationale=f"{old.rationale} {note}".strip(),
        )
    source = Source(
        id=sid, title=f"Bayesian update from the event log {Path(log.file).name}",
        date=end.isoformat() if end else "",
        note=f"SHA-256 {log.sha256}; record {start} to {end}; see docs/evidence.md.",
    )
    posterior = scenario.replace(
        moves=tuple(moves), sources=(*scenario.sources, source),
        title=f"{scenario.title} (updated from an event log to {end})",
    )
    check_sums(compile_model(posterior))
    return posterior
