"""Analyses built on the engines: :func:`run` (pairs the engines), what-if comparison and sensitivity.

Every public name is importable from here; :mod:`.run` holds :func:`run` and its result
types, :mod:`.whatif` comparisons and one-at-a-time sensitivity, :mod:`.tables` the text and
HTML tables they render to.
"""

from .elasticity import Elasticities, elasticities
from .overrides import apply_overrides
from .pooling import PooledForecast, pool
from .run import (
    AUTO_EXACT_MAX_STATES,
    Manifest,
    RunResult,
    TargetResult,
    run,
    scenario_sha256,
)
from .sensitivity import range_sensitivity
from .sobol import SobolIndices, sobol_indices
from .tables import format_probability, html_table, text_table
from .uncertainty import UncertainOdds, uncertain_odds
from .whatif import (
    Cell,
    Comparison,
    MoveSensitivity,
    ScenarioComparison,
    Sensitivity,
    TornadoData,
    compare,
    compare_scenarios,
    sensitivity,
    tornado_data,
)

__all__ = [
    "Elasticities",
    "PooledForecast",
    "ScenarioComparison",
    "SobolIndices",
    "UncertainOdds",
    "apply_overrides",
    "compare_scenarios",
    "elasticities",
    "pool",
    "range_sensitivity",
    "sobol_indices",
    "uncertain_odds",
    "AUTO_EXACT_MAX_STATES",
    "Cell",
    "Comparison",
    "Manifest",
    "MoveSensitivity",
    "RunResult",
    "Sensitivity",
    "TargetResult",
    "TornadoData",
    "compare",
    "format_probability",
    "html_table",
    "run",
    "scenario_sha256",
    "sensitivity",
    "text_table",
    "tornado_data",
]
