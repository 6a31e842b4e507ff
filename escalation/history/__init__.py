"""A generic crisis ladder fitted to 486 historical crises (ICB v14), and its track record.

Parts: :mod:`.data` (the ICB crises: onset profile, peak violence, duration),
:mod:`.ladder` (the ladder's structure as a Scenario), :mod:`.fit` (hazards by posterior
mode, the exact engine as likelihood; forecasts), :mod:`.evaluate` (out-of-sample scores
against the base rates) and :mod:`.report` (all of it in one call, :func:`fit_icb`, as
``escalation fit-icb`` runs it). SciPy is imported only when a fit runs.
"""

from .data import HistoricalCrisis, IcbSample, load_history
from .evaluate import Evaluation, ScoreSummary, evaluate_kfold, evaluate_split
from .fit import FIT_HORIZON, FORECAST_HORIZON, Forecasts, LadderFit, Prior, fit_ladder, forecast, log_likelihood
from .ladder import MODIFIERS, MOVES, PROFILES, Profile, ladder_scenario, profile_starts
from .report import IcbReport, fit_icb

__all__ = [
    "FIT_HORIZON",
    "FORECAST_HORIZON",
    "MODIFIERS",
    "MOVES",
    "PROFILES",
    "Evaluation",
    "Forecasts",
    "HistoricalCrisis",
    "IcbReport",
    "IcbSample",
    "LadderFit",
    "Prior",
    "Profile",
    "ScoreSummary",
    "evaluate_kfold",
    "evaluate_split",
    "fit_icb",
    "fit_ladder",
    "forecast",
    "ladder_scenario",
    "load_history",
    "log_likelihood",
    "profile_starts",
]
