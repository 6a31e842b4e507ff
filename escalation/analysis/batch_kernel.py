"""The kernel of :mod:`escalation.analysis.batch`: one plan, many sets of numbers, in numba.

The exact engine's kernel (:mod:`escalation.engines.propagate`) propagates one set of stage
values; this one propagates ``BATCH`` sets at once through the same plan, with the sets
innermost so that each nonzero's work is one short vector operation. Every set is computed
by the same sequence of operations whatever its neighbours, so a set's odds do not depend
on which batch it travels in. Imported only when a batch is solved; compiled code is cached
next to this file.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["BATCH", "propagate_batch"]

#: Sets of numbers per kernel call: a constant, so every set takes the same code path.
BATCH = 8


@nb.njit(cache=True, nogil=True)
def propagate_batch(rows, ptr_offset, indptr, src, val, v0, target_ptr, target_states,
                    cumulative):
    """Propagate ``BATCH`` sets of stage values for ``cumulative.shape[2] - 1`` days.

    Parameters
    ----------
    rows, ptr_offset, indptr, src : ndarray of int64
        The plan (:class:`escalation.engines.stages.Plan`).
    val : ndarray of float64, shape (nnz, BATCH)
        Stage values, one column per set of numbers.
    v0 : ndarray of float64, shape (n_states, n_targets, BATCH)
        Day 0, with the mass already absorbed at day 0 removed.
    target_ptr, target_states : ndarray of int64
        The states of target ``j`` are ``target_states[target_ptr[j]:target_ptr[j + 1]]``.
    cumulative : ndarray of float64, shape (BATCH, n_targets, horizon + 1)
        Column 0 given; days 1.. filled with the cumulative first-passage odds.

    Notes
    -----
    The eight sets of a row are summed in eight named scalars: numba keeps scalars in
    registers (and the compiler packs them into vector registers), where a small array
    would go through memory on every nonzero, which is four times slower.
    """
    n, k, width = v0.shape
    horizon = cumulative.shape[2] - 1
    size = 0
    for r in rows:
        size = max(size, r)
    a = np.zeros((size, k, BATCH))
    b = np.zeros((size, k, BATCH))
    a[:n] = v0
    for d in range(1, horizon + 1):
        cur = a
        nxt = b
        for s in range(rows.size - 1):
            base = ptr_offset[s]
            for y in range(rows[s + 1]):
                e0 = indptr[base + y]
                e1 = indptr[base + y + 1]
                for c in range(k):
                    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
                    for e in range(e0, e1):
                        x = src[e]
                        s0 += val[e, 0] * cur[x, c, 0]
                        s1 += val[e, 1] * cur[x, c, 1]
                        s2 += val[e, 2] * cur[x, c, 2]
                        s3 += val[e, 3] * cur[x, c, 3]
                        s4 += val[e, 4] * cur[x, c, 4]
                        s5 += val[e, 5] * cur[x, c, 5]
                        s6 += val[e, 6] * cur[x, c, 6]
                        s7 += val[e, 7] * cur[x, c, 7]
                    nxt[y, c, 0] = s0
                    nxt[y, c, 1] = s1
                    nxt[y, c, 2] = s2
                    nxt[y, c, 3] = s3
                    nxt[y, c, 4] = s4
                    nxt[y, c, 5] = s5
                    nxt[y, c, 6] = s6
                    nxt[y, c, 7] = s7
            cur, nxt = nxt, cur
        for j in range(k):
            for q in range(width):
                cumulative[q, j, d] = cumulative[q, j, d - 1]
            for t in range(target_ptr[j], target_ptr[j + 1]):
                i = target_states[t]
                for q in range(width):
                    cumulative[q, j, d] += cur[i, j, q]
                    cur[i, j, q] = 0.0
        a, b = cur, nxt
