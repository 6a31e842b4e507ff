"""The most frequent escalation paths, counted in bounded memory.

Each chunk of trajectories counts its distinct paths exactly (a chunk has a fixed size, so
this is bounded) and keeps its :data:`CHUNK_PATHS` most frequent. Chunks are merged in chunk
order into a table of at most :data:`MAX_PATHS` paths, pruned to the most frequent whenever it
grows past that. This is the mergeable "frequent items" summary: every count it reports is a
lower bound on the true count, short of it by at most :attr:`PathSketch.error` (the sum of the
largest count dropped at each truncation), and any path missing from the table was taken by
at most that many trajectories. While nothing has been dropped, ``error`` is 0 and the counts
are exact. Memory never grows with the number of runs or of distinct paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario

__all__ = ["CHUNK_PATHS", "MAX_PATH_MOVES", "MAX_PATHS", "PathCount", "PathSketch"]

#: Moves kept per escalation path; longer paths are counted as truncated.
MAX_PATH_MOVES = 12
#: Distinct paths a chunk passes on.
CHUNK_PATHS = 512
#: Distinct paths the merged table keeps.
MAX_PATHS = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class PathCount:
    """An escalation path and how many trajectories took it.

    Attributes
    ----------
    moves : tuple of (str, str, str)
        ``(actor, from rung, to rung)`` in order, until the first target hit or the horizon.
    truncated : bool
        Whether the path had more than :data:`MAX_PATH_MOVES` moves (only the first are kept).
    count : int
        Number of trajectories (a lower bound; see :attr:`PathSketch.error`).
    """

    moves: tuple[tuple[str, str, str], ...]
    truncated: bool
    count: int

    def describe(self, scenario: Scenario | None = None) -> str:
        """``US: maritime strikes -> land strikes; VEN: alert -> retaliation`` (labels if given)."""
        if not self.moves:
            return "no change"

        def label(actor: str, rung: str) -> str:
            return scenario.actor(actor).rung(rung).label if scenario is not None else rung

        parts = [f"{a}: {label(a, f)} -> {label(a, t)}" for a, f, t in self.moves]
        return "; ".join(parts) + ("; ..." if self.truncated else "")


def _top(rows: np.ndarray, counts: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The ``keep`` most frequent rows (ties broken by the rows themselves) and the largest dropped count."""
    order = np.lexsort([rows[:, c] for c in range(rows.shape[1] - 1, -1, -1)] + [-counts])
    dropped = int(counts[order[keep]]) if len(counts) > keep else 0
    return rows[order[:keep]], counts[order[:keep]], dropped


class PathSketch:
    """Bounded, order-deterministic counts of the most frequent paths (see the module notes).

    Parameters
    ----------
    width : int
        Columns of a path row: :data:`MAX_PATH_MOVES` move codes and the length.
    """

    def __init__(self, width: int = MAX_PATH_MOVES + 1) -> None:
        self.rows = np.zeros((0, width), dtype=np.int32)
        self.counts = np.zeros(0, dtype=np.int64)
        self.error = 0

    def add_chunk(self, rows: np.ndarray, counts: np.ndarray) -> None:
        """Merge one chunk's exact path counts (chunks must come in chunk order)."""
        rows, counts, dropped = _top(rows, counts, CHUNK_PATHS)
        self.error += dropped
        merged = np.concatenate([self.rows, rows])
        weights = np.concatenate([self.counts, counts])
        uniq, inverse = np.unique(merged, axis=0, return_inverse=True)
        total = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(uniq)).astype(np.int64)
        self.rows, self.counts, dropped = _top(uniq, total, MAX_PATHS)
        self.error += dropped

    def merge(self, other: "PathSketch") -> None:
        """Merge another sketch (for sketches built apart, e.g. on a cluster)."""
        self.error += other.error
        self.add_chunk(other.rows, other.counts)

    def top(self, scenario: Scenario, n: int) -> tuple[PathCount, ...]:
        """The ``n`` most frequent paths, decoded."""
        sizes = [len(a.ladder) for a in scenario.actors]
        owner = np.repeat(np.arange(len(sizes)), sizes)
        position = np.concatenate([np.arange(s) for s in sizes])
        out = []
        for row, count in zip(self.rows[:n], self.counts[:n]):
            length = int(row[-1])
            current = list(scenario.start_state)
            moves = []
            for code in row[: min(length, MAX_PATH_MOVES)]:
                a = int(owner[int(code) - 1])
                to = int(position[int(code) - 1])
                actor = scenario.actors[a]
                moves.append((actor.id, actor.ladder[current[a]].id, actor.ladder[to].id))
                current[a] = to
            out.append(PathCount(moves=tuple(moves), truncated=length > MAX_PATH_MOVES, count=int(count)))
        return tuple(out)
