"""The exact engine's kernel: all days through the stage plan in one call, in numba.

Plain loops: per day, each stage is a sparse-times-dense product over the columns (one per
target, with that target's states absorbing, and one unabsorbed column for the crisis-level
distribution); then the mass that entered each target is added to its odds and removed.
Several parameter sets can go through at once (``val`` has one row per set): they share the
plan's structure, so the cost of walking the sparse indices is paid once for all of them,
which is what makes sweeps of thousands of solves cheap. Imported only when the exact engine
runs; compiled code is cached next to this file.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["propagate"]


@nb.njit(cache=True, nogil=True)
def propagate(rows, ptr_offset, indptr, src, val, v0, target_ptr, target_states, target_weight, levels, cumulative,
              level_dist):  # noqa: ANN001, ANN201 - a kernel takes its arrays flat
    """Propagate ``v0`` under each of ``val.shape[0]`` parameter sets for ``cumulative.shape[2] - 1`` days.

    Parameters
    ----------
    rows : ndarray of int64, shape (n_stages + 1,)
        Rows at each level of the plan (``rows[0] == rows[-1] ==`` number of states).
    ptr_offset, indptr, src : ndarray of int64
        The stages in CSR over their output rows (see :class:`escalation.engines.stages.Plan`).
    val : ndarray of float64, shape (n_sets, nnz)
        The stage values under each parameter set.
    v0 : ndarray of float64, shape (n_states, n_columns)
        Day 0 (mass already absorbed at day 0 removed), the same for every set.
    target_ptr, target_states : ndarray of int64
        The states absorbing column ``j`` are ``target_states[target_ptr[j]:target_ptr[j + 1]]``.
    target_weight : ndarray of float64, shape like ``target_states``
        How much of the mass entering each of those states counts as column ``j``'s hit: 1
        for a target; for a race between two targets both targets' states absorb and only
        those where the one side wins count (see :func:`escalation.engines.exact.exact_odds`).
    levels : ndarray of int64, shape (n_states,)
        Crisis level of each state.
    cumulative : ndarray of float64, shape (n_sets, n_columns - 1, horizon + 1)
        Day 0 given; days 1.. filled with the cumulative first-passage odds.
    level_dist : ndarray of float64, shape (n_sets, horizon + 1, 11)
        Filled with the crisis-level distribution of the last (unabsorbed) column.
    """
    n, width = v0.shape
    n_sets = val.shape[0]
    k = width - 1
    horizon = cumulative.shape[2] - 1
    size = 0
    for r in rows:
        size = max(size, r)
    a = np.zeros((size, n_sets, width))
    b = np.zeros((size, n_sets, width))
    for i in range(n):
        for m in range(n_sets):
            for c in range(width):
                a[i, m, c] = v0[i, c]
            level_dist[m, 0, levels[i]] += v0[i, k]
    for d in range(1, horizon + 1):
        cur = a
        nxt = b
        for s in range(rows.size - 1):
            base = ptr_offset[s]
            for y in range(rows[s + 1]):
                for m in range(n_sets):
                    for c in range(width):
                        nxt[y, m, c] = 0.0
                for e in range(indptr[base + y], indptr[base + y + 1]):
                    x = src[e]
                    for m in range(n_sets):
                        w = val[m, e]
                        for c in range(width):
                            nxt[y, m, c] += w * cur[x, m, c]
            cur, nxt = nxt, cur
        for m in range(n_sets):
            for j in range(k):
                hit = 0.0
                for t in range(target_ptr[j], target_ptr[j + 1]):
                    i = target_states[t]
                    hit += cur[i, m, j] * target_weight[t]
                    cur[i, m, j] = 0.0
                cumulative[m, j, d] = cumulative[m, j, d - 1] + hit
            for i in range(n):
                level_dist[m, d, levels[i]] += cur[i, m, k]
        a, b = cur, nxt
