"""The whole ICB exercise in one call: fit, score out of sample, write the scenario and the tables.

:func:`fit_icb` is what ``escalation fit-icb`` runs and what ``docs/track-record.md``
reports: a fit on every crisis (the bundled scenario ``icb-generic``), a fit on the crises
that began before 1990 scored on 1990-2017, and a k-fold cross-validation.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..rng import SeedLike, seed_entropy
from ..scenario import Scenario, Source
from ..version import __version__
from .data import IcbSample, load_history
from .evaluate import FORECASTERS, METRICS, Evaluation, evaluate_kfold, evaluate_split
from .fit import FIT_HORIZON, FORECAST_HORIZON, LadderFit, Prior, fit_ladder
from .ladder import MODIFIERS, MOVES, ladder_scenario

__all__ = ["SCENARIO_HEADER", "IcbReport", "fit_icb"]

#: First lines of the written scenario file.
SCENARIO_HEADER = (
    "# Generic international crisis ladder, fitted to the ICB v14 crises 1918-2017.\n"
    "# Written by `escalation fit-icb --out scenarios/icb_generic.yaml`: re-run it rather than edit\n"
    "# the numbers. How it was fitted and how good its odds have been out of sample:\n"
    "# docs/track-record.md.\n"
)
_FORECASTER_LABELS = {"climatology": "climatology (base rate)", "profile_rate": "base rate of the onset profile",
                      "ladder": "fitted ladder"}
_METRIC_HEADS = {"brier_war": "Brier P(war)", "log_war": "log P(war)", "brier_serious": "Brier P(serious+)",
                 "log_serious": "log P(serious+)", "crps_days": "CRPS duration (days)"}
_Z = 1.959963984540054


@dataclass(frozen=True, eq=False, kw_only=True)
class IcbReport:
    """The fitted generic ladder and its out-of-sample track record.

    Attributes
    ----------
    sample : IcbSample
        The crises used and those left out.
    fit : LadderFit
        Fitted on every crisis: the numbers of ``scenario``.
    scenario : Scenario
        The bundled scenario ``icb-generic``.
    temporal : Evaluation
        Fitted on the crises that began before ``split_year``, scored on the rest.
    kfold : Evaluation
        Cross-validation over every crisis.
    split_year, folds : int
    seed : int
        The entropy that decided the folds.
    wall_time : float
        Seconds.
    version : str
        Of the package that made it.
    """

    sample: IcbSample
    fit: LadderFit
    scenario: Scenario
    temporal: Evaluation
    kfold: Evaluation
    split_year: int
    folds: int
    seed: int
    wall_time: float
    version: str = field(default=__version__)

    # --- the scenario file --------------------------------------------------------------------
    def scenario_text(self) -> str:
        """The scenario as YAML, with :data:`SCENARIO_HEADER` (same numbers, same bytes)."""
        from ..loader import dump_scenario

        return SCENARIO_HEADER + dump_scenario(self.scenario)

    # --- plain data ---------------------------------------------------------------------------
    def to_dict(self, *, forecasts: bool = True) -> dict[str, Any]:
        """Plain data for JSON: settings, fitted numbers, scores, calibration, per-crisis forecasts."""
        def evaluation(ev: Evaluation) -> dict[str, Any]:
            out: dict[str, Any] = {
                "name": ev.name, "n": ev.n,
                "scores": {f: {m: {"mean": s.mean, "n": s.n, "diff_vs_climatology": s.diff,
                                   "diff_se": s.diff_se, "skill": s.skill, "verdict": s.verdict}
                               for m, s in ev.scores[f].items()} for f in FORECASTERS},
                "calibration": {k: [b.to_dict() for b in v] for k, v in ev.calibration.items()},
                "fits": [{"converged": f.converged, "n_crises": f.n_crises, "log_likelihood": f.log_likelihood,
                          "hazards": list(f.hazards), "factors": list(f.factors)} for f in ev.fits],
            }
            if forecasts:
                out["forecasts"] = [
                    {"crisno": c, "war": bool(ev.war[i]), "serious": bool(ev.serious[i]),
                     "p_war": {f: float(ev.p_war[f][i]) for f in FORECASTERS},
                     "p_serious": {f: float(ev.p_serious[f][i]) for f in FORECASTERS}}
                    for i, c in enumerate(ev.crisno)]
            return out

        fit = self.fit
        return _clean({
            "source": self.sample.source, "n_records": self.sample.n_records, "n_crises": len(self.sample.crises),
            "excluded": [{"crisno": c, "name": n, "reason": r} for c, n, r in self.sample.excluded],
            "n_without_duration": self.sample.n_without_duration,
            "settings": {"split_year": self.split_year, "folds": self.folds, "seed": self.seed,
                         "fit_horizon": fit.horizon, "forecast_horizon": FORECAST_HORIZON,
                         "prior": {"hazard_centre": fit.prior.hazard_centre, "hazard_scale": fit.prior.hazard_scale,
                                   "factor_scale": fit.prior.factor_scale}},
            "fit": {"converged": fit.converged, "n_crises": fit.n_crises, "log_likelihood": fit.log_likelihood,
                    "log_posterior": fit.log_posterior, "n_evaluations": fit.n_evaluations,
                    "moves": [{"move": name, "p": fit.hazards[i], "interval95": fit.interval(i)}
                              for i, (name, *_rest) in enumerate(MOVES)],
                    "modifiers": [{"modifier": name, "factor": fit.factors[j],
                                   "interval95": fit.interval(len(MOVES) + j)}
                                  for j, (name, *_rest) in enumerate(MODIFIERS)]},
            "temporal": evaluation(self.temporal), "kfold": evaluation(self.kfold),
            "version": self.version, "wall_time": self.wall_time,
        })

    # --- tables -------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The out-of-sample tables, the calibration table and the fitted numbers, as Markdown."""
        options = f"--seed {self.seed}"
        if self.fit.horizon != FIT_HORIZON:
            options += f" --fit-horizon {self.fit.horizon}"
        left = self.sample.excluded
        intro = (f"Reproduce with `escalation fit-icb {options}` (escalation {self.version}); "
                 f"{len(self.sample.crises)} ICB v14 crises ({len(left)} {'row' if len(left) == 1 else 'rows'} left "
                 f"out: {', '.join(n for _, n, _ in left) or 'none'}). Scores are losses: lower is better.")
        lines = [intro, ""]
        for ev in (self.temporal, self.kfold):
            lines += [f"#### {ev.name} (n = {ev.n})", "", _score_table(ev), ""]
        head = ("| forecast | P(war): n | mean forecast | observed [95% CI] | P(serious+): n | mean forecast "
                "| observed [95% CI] |")
        lines += [f"#### Calibration of the fitted ladder ({self.kfold.name}, n = {self.kfold.n})", "", head,
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for w, s in zip(self.kfold.calibration["war"], self.kfold.calibration["serious"]):
            if w.n == 0 and s.n == 0:
                continue
            lines.append(f"| {w.low:.1f}-{w.high:.1f} | {_bin(w)} | {_bin(s)} |")
        lines += ["", f"#### Fitted numbers (all {self.fit.n_crises} crises; posterior mode, Laplace 95% interval)",
                  "", "| move or modifier | value | 95% interval | within 30 days |", "|---|---:|---:|---:|"]
        for i, (name, *_rest) in enumerate(MOVES):
            p = self.fit.hazards[i]
            lines.append(f"| {name} | {p:.5f}/day | {_interval(self.fit.interval(i), 5)} | "
                         f"{-math.expm1(30 * math.log1p(-p)):.1%} |")
        for j, (name, *_rest) in enumerate(MODIFIERS):
            lines.append(f"| {name} | x{self.fit.factors[j]:.2f} | {_interval(self.fit.interval(len(MOVES) + j), 2)} "
                         "| |")
        return "\n".join(lines) + "\n"


def _bin(b: Any) -> str:
    if b.n == 0:
        return "0 | | "
    return f"{b.n} | {b.mean_forecast:.3f} | {b.observed:.3f} [{b.ci95[0]:.3f}, {b.ci95[1]:.3f}]"


def _interval(iv: tuple[float, float] | None, digits: int) -> str:
    return "-" if iv is None else f"{iv[0]:.{digits}f}-{iv[1]:.{digits}f}"


def _score_table(ev: Evaluation) -> str:
    heads = list(METRICS)
    out = ["| forecaster | " + " | ".join(_METRIC_HEADS[m] for m in heads) + " |",
           "|---|" + "---:|" * len(heads)]
    for f in FORECASTERS:
        digits = {m: (1 if m == "crps_days" else 4) for m in heads}
        out.append(f"| {_FORECASTER_LABELS[f]} | " + " | ".join(f"{ev.scores[f][m].mean:.{digits[m]}f}" for m in heads)
                   + " |")
    for f in ("profile_rate", "ladder"):
        cells = []
        for m in heads:
            s = ev.scores[f][m]
            d = 1 if m == "crps_days" else 3
            cells.append(f"{s.diff:+.{d}f} [{s.diff - _Z * s.diff_se:+.{d}f}, {s.diff + _Z * s.diff_se:+.{d}f}] "
                         f"{s.verdict}")
        out.append(f"| {_FORECASTER_LABELS[f]} - climatology | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}")


def _rationale(p: float, iv: tuple[float, float] | None, n: int) -> str:
    within = -math.expm1(30 * math.log1p(-p))
    interval = "" if iv is None else f", 95% interval {iv[0]:.2g}-{iv[1]:.2g}"
    return f"Fitted to {n} ICB crises: {p:.3g} a day{interval} ({within:.1%} within 30 days if nothing else changes)."


def _scenario(fit: LadderFit, sample: IcbSample) -> Scenario:
    sources = (
        Source(id="icb", title="International Crisis Behavior data, system level, version 14",
               publisher="ICB Project (Brecher, Wilkenfeld, Beardsley, James, Quinn)",
               url="https://sites.duke.edu/icbdata/data-collections/",
               note=f"{sample.n_records} crises 1918-2017, bundled as escalation/data/icb1v14.csv; "
                    f"{len(sample.crises)} used (viol, break, iwcmb, trigent and the trigger and termination dates)."),
        Source(id="fit_icb", title="escalation fit-icb",
               note="Posterior mode of the daily hazards and factors (weak normal priors on their logs; the "
                    "likelihood of each crisis's peak violence and duration from the exact engine); 95% "
                    "intervals from the Laplace approximation. See docs/track-record.md."),
    )
    n = fit.n_crises
    # The file carries 4 significant digits (the intervals are far wider than the rounding).
    hazards = [_sig(p, 4) for p in fit.hazards]
    factors = [_sig(f, 3) for f in fit.factors]
    ranges = []
    for i, p in enumerate(hazards):
        iv = fit.interval(i)
        ranges.append(None if iv is None else (max(0.0, min(_sig(iv[0], 3), p)), min(1.0, max(_sig(iv[1], 3), p))))
    rationales = [_rationale(p, fit.interval(i), n) for i, p in enumerate(fit.hazards)]
    what = {"ongoing_war:escalation": "escalation when a war is already under way at onset",
            "ongoing_war:termination": "termination when a war is already under way at onset",
            "great_power:escalation": "escalation when a great power triggered the crisis",
            "great_power:termination": "termination when a great power triggered the crisis"}
    mod_rationales = []
    for j, (name, *_rest) in enumerate(MODIFIERS):
        iv = fit.interval(len(MOVES) + j)
        interval = "" if iv is None else f" (95% interval {iv[0]:.2f}-{iv[1]:.2f})"
        mod_rationales.append(f"Fitted factor {fit.factors[j]:.2f}{interval} on {what[name]}.")
    description = (
        "A generic international crisis on ICB's violence scale, with daily hazards fitted to the "
        f"{n} crises of the ICB v14 system-level data (1918-2017). CRISIS is the peak violence so far "
        "(it never goes down); STATUS ends the crisis, at a rate that depends on that peak. Set the "
        "onset facts through the start rungs: CRISIS starts on minor_clashes if the trigger was a "
        "violent act, ONGOING_WAR on under_way for a crisis inside an ongoing war, TRIGGER_BY on "
        "great_power if a great power triggered it. Lifetime odds need a long horizon "
        "(--horizon 1500). Out-of-sample scores against the base rates: docs/track-record.md."
    )
    return ladder_scenario(hazards, factors, ranges=ranges, rationales=rationales,
                           modifier_rationales=mod_rationales, sources=sources, description=description)


def fit_icb(*, path: str | os.PathLike[str] | None = None, split_year: int = 1990, folds: int = 5,
            seed: SeedLike = 0, prior: Prior | None = None, fit_horizon: int = FIT_HORIZON,
            progress: Callable[[str], None] | None = None) -> IcbReport:
    """Fit the generic ladder to ICB crises and score it out of sample.

    Parameters
    ----------
    path : str or path-like, optional
        ICB system-level CSV (see :func:`~escalation.history.data.load_history`); default
        the bundled v14 copy.
    split_year : int, optional
        Fit on the crises that began before it, score the rest.
    folds : int, optional
        Folds of the cross-validation.
    seed : None, int, SeedSequence or Generator, optional
        Decides the folds; default 0, so the published table is reproducible.
    prior : Prior, optional
        Default :class:`~escalation.history.fit.Prior`.
    fit_horizon : int, optional
        Days the likelihood solves.
    progress : callable, optional
        Called with a short line before each stage.

    Returns
    -------
    IcbReport

    Raises
    ------
    EscalationError
        For an unreadable data file or a split that leaves no crisis on one side.
    """
    from ..errors import EscalationError

    t0 = time.perf_counter()
    say = progress or (lambda _line: None)
    entropy = seed_entropy(seed)
    sample = load_history(path)
    train, test = sample.split(split_year)
    if not train or not test:
        raise EscalationError(f"--split-year: expected crises on both sides of {split_year}, found "
                              f"{len(train)} before and {len(test)} from it")
    say(f"fitting {len(train)} crises that began before {split_year}")
    early = fit_ladder(train, horizon=fit_horizon, prior=prior, intervals=False)
    name = f"{split_year}-{max(c.year for c in test)}, fitted on {min(c.year for c in train)}-{split_year - 1}"
    temporal = evaluate_split(train, test, name=name, fit=early)
    say(f"{folds}-fold cross-validation over {len(sample.crises)} crises")
    # Each fold starts from the default point, so nothing of a held-out crisis reaches its fit.
    kfold = evaluate_kfold(sample.crises, folds=folds, seed=entropy, prior=prior, fit_horizon=fit_horizon)
    say(f"fitting all {len(sample.crises)} crises, with intervals")
    full = fit_ladder(sample.crises, horizon=fit_horizon, prior=prior, intervals=True)
    return IcbReport(sample=sample, fit=full, scenario=_scenario(full, sample), temporal=temporal, kfold=kfold,
                     split_year=split_year, folds=folds, seed=entropy, wall_time=time.perf_counter() - t0)

