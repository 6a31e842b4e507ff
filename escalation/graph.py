"""Views of the reachable joint chain: a sparse matrix for arithmetic, networkx for inspection.

Both come from the compiled model's reachable states and the exact engine's stage plan (the
one-day matrix is the product of the per-actor stages), so the reachable space is searched
once per model, and only when a view is asked for. The search refuses up front, with its
size estimate, a chain that may exceed the limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .compiled import DEFAULT_MAX_STATES, CompiledModel, compile_model, reachable
from .engines.stages import plan
from .errors import MissingDependencyError
from .scenario import Scenario

if TYPE_CHECKING:
    import networkx as nx
    import scipy.sparse as sp

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
    matrix: "sp.csr_array"
    levels: np.ndarray
    model: CompiledModel = field(repr=False)

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
        return self.model.describe_state(self.states[i])

    def target_mask(self, name: str) -> np.ndarray:
        """Boolean mask of the states in which target ``name`` holds; shape ``(n_states,)``."""
        self.scenario.target(name)  # raises KeyError naming the known targets
        return self.model.targets_hold(self.states, [self.scenario.target_names.index(name)])[0]

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


def compile_graph(scenario: Scenario | CompiledModel, *, max_states: int = DEFAULT_MAX_STATES) -> CompiledGraph:
    """The reachable joint chain with its one-day transition matrix.

    Parameters
    ----------
    scenario : Scenario or CompiledModel
        A compiled model gives the matrix under its own numbers.
    max_states : int, optional
        Refuse with :class:`~escalation.errors.GraphTooLargeError` when the chain may have
        more states than this (default 200,000), before anything is enumerated.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    GraphTooLargeError
        With the estimate and the limit.
    ScenarioError
        If outgoing probabilities add up to more than 1 in a reachable state.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> g = compile_graph(load_scenario("tutorial"))
    >>> g.n_states, g.state_label(0)
    (7, 'BLUE=alert, RED=calm')
    """
    import scipy.sparse as sp

    model = scenario if isinstance(scenario, CompiledModel) else compile_model(scenario)
    reach = reachable(model, max_states=max_states)
    stages = plan(model, reach)
    values = stages.values(model)
    matrix = None
    for s in range(len(stages.order)):
        lo, hi = stages.ptr_offset[s], stages.ptr_offset[s + 1]
        indptr = stages.indptr[lo:hi]
        nz = slice(int(indptr[0]), int(indptr[-1]))
        # Stored over output rows: this is the transpose of stage s.
        stage_t = sp.csr_array((values[nz], stages.src[nz], indptr - indptr[0]),
                               shape=(int(stages.rows[s + 1]), int(stages.rows[s])))
        step = stage_t.T.tocsr()
        matrix = step if matrix is None else (matrix @ step).tocsr()
    assert matrix is not None or model.n_actors == 0
    matrix.sum_duplicates()
    matrix.sort_indices()
    for arr in (matrix.data, matrix.indices, matrix.indptr):
        arr.flags.writeable = False
    return CompiledGraph(scenario=model.scenario, states=reach.states, matrix=matrix, levels=reach.levels, model=model)


def write_graphml(graph: CompiledGraph, path: str | os.PathLike[str]) -> Path:
    """Write the chain as GraphML, atomically (see :func:`escalation.outputs.atomic_path`)."""
    import networkx as nx

    from .outputs import atomic_path

    with atomic_path(path) as tmp:
        nx.write_graphml(graph.networkx, tmp)
    return Path(path)


def write_dot(graph: CompiledGraph, path: str | os.PathLike[str]) -> Path:
    """Write the chain as Graphviz DOT, atomically; needs pydot (``pip install pydot``).

    Raises
    ------
    MissingDependencyError
        When pydot is not installed.
    """
    try:
        import pydot  # noqa: F401
        from networkx.drawing.nx_pydot import write_dot as _write
    except ImportError:
        raise MissingDependencyError("DOT export", "pydot") from None
    from .outputs import atomic_path

    with atomic_path(path) as tmp:
        _write(graph.networkx, tmp)
    return Path(path)
