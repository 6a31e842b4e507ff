"""The two engines, siblings on one compiled model, and the one answer type they share.

:mod:`.exact` propagates the distribution over the reachable joint states through a plan of
one sparse stage per actor (:mod:`.stages`, kernel :mod:`.propagate`); :mod:`.montecarlo`
walks seeded chunks of trajectories of the factored model (kernel :mod:`.walk`, paths counted
in :mod:`.paths`). Both return an :class:`~escalation.engines.odds.Odds`.
"""

from .exact import ExactOdds, eventual_odds, exact_odds
from .montecarlo import CHUNK_SIZE, Simulation, simulate
from .odds import Odds
from .paths import MAX_PATH_MOVES, PathCount

__all__ = [
    "CHUNK_SIZE",
    "MAX_PATH_MOVES",
    "ExactOdds",
    "Odds",
    "PathCount",
    "Simulation",
    "eventual_odds",
    "exact_odds",
    "simulate",
]
