"""The exact engine's kernel: all days through the stage plan in one call, in numba.

Plain loops: per day, each stage is a sparse-times-dense product over the columns (one per
target, with that target's states absorbing, and one unabsorbed column for the crisis-level
distribution); then the mass that entered each target is added to its odds and removed.
Several parameter sets can go through at once: they share the plan's structure, so the cost
of walking the sparse indices is paid once for all of them, which is what makes sweeps of
thousands of solves cheap. Imported only when the exact engine runs; compiled code is cached
next to this file.

Layout: the distribution is one flat buffer indexed ``(row, column, set)``, so the innermost
loop runs over the longest contiguous run of numbers that share a source row: the sets of a
batch (each with its own weight), or the columns of a single solve (one weight). Indices are
unsigned so that numba drops its negative-index handling from the inner loop; the sums are
the same, in the same order, whichever layout runs.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["propagate"]


@nb.njit(cache=True, nogil=True)
def propagate(rows, ptr_offset, indptr, src, val, v0, target_ptr, target_states, target_weight, levels, cumulative,
              level_dist):  # noqa: ANN001, ANN201 - a kernel takes its arrays flat
    """Propagate ``v0`` under each of ``cumulative.shape[0]`` parameter sets for ``cumulative.shape[2] - 1`` days.

    Parameters
    ----------
    rows : ndarray of int64, shape (n_stages + 1,)
        Rows at each level of the plan (``rows[0] == rows[-1] ==`` number of states).
    ptr_offset, indptr, src : ndarray of int64
        The stages in CSR over their output rows (see :class:`escalation.engines.stages.Plan`).
    val : ndarray of float64, shape (nnz * n_sets,)
        The stage values under each parameter set, a nonzero's sets side by side (an
        ``(nnz, n_sets)`` array in C order, flattened).
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
    n_sets, k, days = cumulative.shape
    size = 0
    for r in rows:
        size = max(size, r)
    row = np.uint64(width * n_sets)  # numbers per row of the buffer
    if n_sets == 1:  # one weight per nonzero: the columns are the inner run
        groups, run, wstep = np.uint64(1), np.uint64(width), np.uint64(0)
    else:  # one weight per set: the sets are the inner run, once per column
        groups, run, wstep = np.uint64(width), np.uint64(n_sets), np.uint64(1)
    a = np.zeros(size * width * n_sets)
    b = np.zeros(size * width * n_sets)
    for i in range(n):
        for c in range(width):
            for m in range(n_sets):
                a[(i * width + c) * n_sets + m] = v0[i, c]
        for m in range(n_sets):
            level_dist[m, 0, levels[i]] += v0[i, k]
    for d in range(1, days):
        cur = a
        nxt = b
        for s in range(rows.size - 1):
            base = ptr_offset[s]
            for y in range(rows[s + 1]):
                out = np.uint64(y) * row
                for q in range(row):
                    nxt[out + q] = 0.0
                for e in range(indptr[base + y], indptr[base + y + 1]):
                    ue = np.uint64(e)
                    x = np.uint64(src[ue]) * row
                    w = ue * np.uint64(n_sets)
                    for g in range(groups):
                        for m in range(run):
                            nxt[out + g * run + m] += val[w + m * wstep] * cur[x + g * run + m]
            cur, nxt = nxt, cur
        for m in range(n_sets):
            for j in range(k):
                hit = 0.0
                for t in range(target_ptr[j], target_ptr[j + 1]):
                    i = (target_states[t] * width + j) * n_sets + m
                    hit += cur[i] * target_weight[t]
                    cur[i] = 0.0
                cumulative[m, j, d] = cumulative[m, j, d - 1] + hit
            for i in range(n):
                level_dist[m, d, levels[i]] += cur[(i * width + k) * n_sets + m]
        a, b = cur, nxt
