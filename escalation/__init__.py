"""escalation: Monte Carlo and exact odds on geopolitical escalation ladders.

>>> import escalation
>>> scenario = escalation.load_scenario("tutorial")
>>> result = escalation.run(scenario, runs=20_000, seed=1)
>>> round(result["blue_strikes"].exact, 4)
0.2773

``import escalation`` is nearly free: the names below are imported on first use (PEP 562),
so the command line starts fast, and nothing here loads SciPy, numba, matplotlib or click;
plots live in :mod:`escalation.plots` and the command line in :mod:`escalation.cli`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the submodule that defines it.
_WHERE = {
    "explore": "explorer",
    "Explorer": "explorer",
    "__version__": "version",
    "Actor": "scenario",
    "bundled_scenarios": "loader",
    "compile_graph": "graph",
    "compile_model": "compiled",
    "CompiledGraph": "graph",
    "CompiledModel": "compiled",
    "ConditionSyntaxError": "errors",
    "describe_scenario": "describe",
    "dump_scenario": "loader",
    "EscalationError": "errors",
    "exact_odds": "engines",
    "ExactOdds": "engines",
    "GraphTooLargeError": "errors",
    "load_scenario": "loader",
    "loads_scenario": "loader",
    "Manifest": "analysis",
    "Modifier": "scenario",
    "Move": "scenario",
    "Odds": "engines",
    "PathCount": "engines",
    "run": "analysis",
    "Rung": "scenario",
    "RunResult": "analysis",
    "Scenario": "scenario",
    "ScenarioError": "errors",
    "ScenarioWarning": "errors",
    "simulate": "engines",
    "Simulation": "engines",
    "Source": "scenario",
    "Target": "scenario",
    "TargetResult": "analysis",
    "Window": "scenario",
}

__all__ = sorted(_WHERE, key=str.lower)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'escalation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .analysis import Manifest, RunResult, TargetResult, run
    from .compiled import CompiledModel, compile_model
    from .describe import describe_scenario
    from .explorer import Explorer, explore
    from .engines import ExactOdds, Odds, PathCount, Simulation, exact_odds, simulate
    from .errors import ConditionSyntaxError, EscalationError, GraphTooLargeError, ScenarioError, ScenarioWarning
    from .graph import CompiledGraph, compile_graph
    from .loader import bundled_scenarios, dump_scenario, load_scenario, loads_scenario
    from .scenario import Actor, Modifier, Move, Rung, Scenario, Source, Target, Window
    from .version import __version__
