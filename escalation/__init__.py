"""escalation: Monte Carlo and exact odds on geopolitical escalation ladders.

>>> import escalation
>>> scenario = escalation.load_scenario("tutorial")
>>> result = escalation.run(scenario, runs=20_000, seed=1)
>>> round(result["blue_strikes"].exact, 4)
0.2773

``import escalation`` loads neither matplotlib nor click; plots live in
:mod:`escalation.plots` and the command line in :mod:`escalation.cli`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .describe import describe_scenario
from .errors import ConditionSyntaxError, EscalationError, GraphTooLargeError, ScenarioError, ScenarioWarning
from .exact import ExactOdds, exact_odds
from .graph import CompiledGraph, compile_graph
from .loader import bundled_scenarios, dump_scenario, load_scenario, loads_scenario
from .montecarlo import PathCount, Simulation, simulate
from .results import Manifest, RunResult, TargetResult, run
from .scenario import Actor, Modifier, Move, Rung, Scenario, Source, Target, Window

try:
    __version__ = version("escalation")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "CompiledGraph",
    "ExactOdds",
    "Manifest",
    "PathCount",
    "RunResult",
    "Simulation",
    "TargetResult",
    "compile_graph",
    "exact_odds",
    "run",
    "simulate",
    "Actor",
    "ConditionSyntaxError",
    "EscalationError",
    "GraphTooLargeError",
    "Modifier",
    "Move",
    "Rung",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "Source",
    "Target",
    "Window",
    "bundled_scenarios",
    "describe_scenario",
    "dump_scenario",
    "load_scenario",
    "loads_scenario",
]
