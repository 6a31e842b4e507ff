"""The compiled model: a scenario's transition law as arrays, built once and shared.

Every consumer (the loader's checks, the graph views, both engines, plots and what-if) works
from one :class:`CompiledModel`, cached on its Scenario by :func:`compile_model`. Its
structure is fixed; its numbers (move probabilities, modifier factors) can be swapped with
:meth:`CompiledModel.with_numbers` without exploring anything again.

Parts: :mod:`.law` (the arrays and batch evaluation), :mod:`.checks` (checks that never
enumerate the joint space) and :mod:`.joint` (the reachable joint states, on request).
"""

from .checks import MAX_COMBINATIONS, actor_reachable_rungs, check_sums, estimate_states, unreachable_targets
from .law import N_LEVELS, SUM_TOLERANCE, CompiledModel, compile_model
from .joint import DEFAULT_MAX_STATES, Reachable, reachable, too_large_error

__all__ = [
    "DEFAULT_MAX_STATES",
    "MAX_COMBINATIONS",
    "N_LEVELS",
    "SUM_TOLERANCE",
    "CompiledModel",
    "Reachable",
    "actor_reachable_rungs",
    "check_sums",
    "compile_model",
    "estimate_states",
    "reachable",
    "too_large_error",
    "unreachable_targets",
]
