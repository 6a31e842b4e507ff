"""The compiled joint state graph: the reachable chain as a sparse matrix and a networkx graph.

Compilation enumerates the joint states reachable from the start with
:func:`escalation.dynamics.explore` (the same search the loader uses for its checks) and stops
with :class:`~escalation.errors.GraphTooLargeError` past a configurable limit, because the
joint space is the product of the ladders at worst.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .dynamics import DEFAULT_MAX_STATES, Dynamics, explore
from .scenario import Scenario

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CompiledGraph", "compile_graph", "write_graphml", "write_dot"]


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class CompiledGraph:
    """The reachable joint chain of a scenario.

    Attributes
    ----------
    scenario : Scenario
    states : ndarray of int64, shape (n_states, n_actors)
        Rung positions; row 0 is the start state.
    matrix : scipy.sparse.csr_array, shape (n_states, n_states)
        Row-stochastic one-day transition matrix.
    levels : ndarray of int64, shape (n_states,)
        Crisis level of each state (highest level among the parties).
    """

    scenario: Scenario
    states: np.ndarray
    matrix: sp.csr_array
    levels: np.ndarray
    dynamics: Dynamics = field(repr=False)

    def __repr__(self) -> str:
        return f"<CompiledGraph {self.scenario.id}: {self.n_states:,} states, {self.n_edges:,} edges>"

    @property
    def n_states(self) -> int:
        """Number of reachable joint states."""
        return int(self.states.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of transitions with positive probability (self-loops included)."""
        return int(self.matrix.nnz)

    def state_label(self, i: int) -> str:
        """``US=maritime_strikes, VEN=alert`` for state ``i``."""
        return self.dynamics.describe_state(self.states[i])

    def target_mask(self, name: str) -> np.ndarray:
        """Boolean mask of the states in which target ``name`` holds; shape ``(n_states,)``."""
        index = self.scenario.target_names.index(name) if name in self.scenario.target_names else None
        if index is None:
            self.scenario.target(name)  # raises KeyError naming the known targets
        return self.dynamics.targets_hold(self.states, [index])[0]  # type: ignore[list-item]

    @cached_property
    def networkx(self) -> "nx.DiGraph":
        """The chain as a :class:`networkx.DiGraph`.

        Nodes are state indices with attributes ``label``, ``level`` and one attribute per
        actor (its rung id); edges carry ``p`` and ``moved`` (the actors that change rung,
        comma-separated). Self-loops (staying) are included.
        """
        import networkx as nx

        g = nx.DiGraph(scenario=self.scenario.id)
        actors = self.scenario.actors
        for i, state in enumerate(self.states):
            attrs = {a.id: a.ladder[int(r)].id for a, r in zip(actors, state)}
            g.add_node(i, label=self.state_label(i), level=int(self.levels[i]), **attrs)
        coo = self.matrix.tocoo()
        for i, j, p in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()):
            moved = [a.id for a, x, y in zip(actors, self.states[i], self.states[j]) if x != y]
            g.add_edge(i, j, p=p, moved=",".join(moved))
        return g


def compile_graph(scenario: Scenario, *, max_states: int = DEFAULT_MAX_STATES) -> CompiledGraph:
    """Enumerate the reachable joint states and build the transition matrix.

    Parameters
    ----------
    scenario : Scenario
    max_states : int, optional
        Refuse with :class:`~escalation.errors.GraphTooLargeError` past this many states
        (default 2 million).

    Returns
    -------
    CompiledGraph

    Raises
    ------
    GraphTooLargeError
        Past ``max_states``.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> g = compile_graph(load_scenario("tutorial"))
    >>> g.n_states, g.state_label(0)
    (7, 'BLUE=alert, RED=calm')
    """
    dyn = Dynamics(scenario)
    ex = explore(dyn, max_states=max_states)
    n = len(ex.states)
    matrix = sp.csr_array((ex.p, (ex.src, ex.dst)), shape=(n, n))
    matrix.sum_duplicates()
    levels = dyn.crisis_level(ex.states)
    for arr in (ex.states, levels, matrix.data, matrix.indices, matrix.indptr):
        arr.flags.writeable = False
    return CompiledGraph(scenario=scenario, states=ex.states, matrix=matrix, levels=levels, dynamics=dyn)


def write_graphml(graph: CompiledGraph, path: str | os.PathLike[str]) -> Path:
    """Write the chain as GraphML (atomically: a temporary file beside it, then renamed)."""
    import networkx as nx

    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    nx.write_graphml(graph.networkx, tmp)
    os.replace(tmp, target)
    return target


def write_dot(graph: CompiledGraph, path: str | os.PathLike[str]) -> Path:
    """Write the chain as Graphviz DOT; needs pydot (``pip install pydot``).

    Raises
    ------
    ImportError
        Naming the missing package when pydot is not installed.
    """
    try:
        from networkx.drawing.nx_pydot import write_dot as _write
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("DOT export needs pydot: pip install pydot") from exc
    try:
        import pydot  # noqa: F401
    except ImportError as exc:
        raise ImportError("DOT export needs pydot: pip install pydot") from exc
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    _write(graph.networkx, tmp)
    os.replace(tmp, target)
    return target
