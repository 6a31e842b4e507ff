"""The compiled day-by-day propagation of the exact engine, in numba.

Same computation as the SciPy loop in :mod:`escalation.exact` (one product with ``P^T`` per
day on a block whose column ``j`` is the chain with target ``j`` absorbing and whose column
``k`` is the free chain), but all days run inside one call, and each row of the product
accumulates its columns four at a time with explicit vectors (:mod:`escalation._simd`), two
nonzeros at once. The sums are the same; only the order of the additions differs, so results
agree with the SciPy loop to rounding (about 1e-15). Imported only when used, so
``import escalation`` does not load numba. Compiled kernels are cached next to this file.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._simd import add, get, load, muladd, store, zero

__all__ = ["propagate"]

# One pass over the matrix per group of 16, 12, 8 or 4 columns: the four functions below are
# the same loop with 4, 3, 2 and 1 vector accumulators per set (numba cannot vary the number
# of local vectors at compile time). Each keeps two sets, for even and odd nonzeros, so an
# addition need not wait for the previous one.


@nb.njit(inline="always")
def _pull16(indptr, indices, data, src, dst, width, c0):  # noqa: ANN001, ANN202 - inlined
    for i in range(indptr.size - 1):
        a0 = zero(); a1 = zero(); a2 = zero(); a3 = zero()  # noqa: E702
        b0 = zero(); b1 = zero(); b2 = zero(); b3 = zero()  # noqa: E702
        p, hi = get(indptr, i), get(indptr, i + 1)
        while p + 1 < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            y, m = get(data, p + 1), get(indices, p + 1) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
            a2 = muladd(a2, x, load(src, j + 8)); a3 = muladd(a3, x, load(src, j + 12))  # noqa: E702
            b0 = muladd(b0, y, load(src, m)); b1 = muladd(b1, y, load(src, m + 4))  # noqa: E702
            b2 = muladd(b2, y, load(src, m + 8)); b3 = muladd(b3, y, load(src, m + 12))  # noqa: E702
            p += 2
        if p < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
            a2 = muladd(a2, x, load(src, j + 8)); a3 = muladd(a3, x, load(src, j + 12))  # noqa: E702
        o = i * width + c0
        store(dst, o, add(a0, b0)); store(dst, o + 4, add(a1, b1))  # noqa: E702
        store(dst, o + 8, add(a2, b2)); store(dst, o + 12, add(a3, b3))  # noqa: E702


@nb.njit(inline="always")
def _pull12(indptr, indices, data, src, dst, width, c0):  # noqa: ANN001, ANN202 - inlined
    for i in range(indptr.size - 1):
        a0 = zero(); a1 = zero(); a2 = zero()  # noqa: E702
        b0 = zero(); b1 = zero(); b2 = zero()  # noqa: E702
        p, hi = get(indptr, i), get(indptr, i + 1)
        while p + 1 < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            y, m = get(data, p + 1), get(indices, p + 1) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
            a2 = muladd(a2, x, load(src, j + 8))
            b0 = muladd(b0, y, load(src, m)); b1 = muladd(b1, y, load(src, m + 4))  # noqa: E702
            b2 = muladd(b2, y, load(src, m + 8))
            p += 2
        if p < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
            a2 = muladd(a2, x, load(src, j + 8))
        o = i * width + c0
        store(dst, o, add(a0, b0)); store(dst, o + 4, add(a1, b1)); store(dst, o + 8, add(a2, b2))  # noqa: E702


@nb.njit(inline="always")
def _pull8(indptr, indices, data, src, dst, width, c0):  # noqa: ANN001, ANN202 - inlined
    for i in range(indptr.size - 1):
        a0 = zero(); a1 = zero(); b0 = zero(); b1 = zero()  # noqa: E702
        p, hi = get(indptr, i), get(indptr, i + 1)
        while p + 1 < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            y, m = get(data, p + 1), get(indices, p + 1) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
            b0 = muladd(b0, y, load(src, m)); b1 = muladd(b1, y, load(src, m + 4))  # noqa: E702
            p += 2
        if p < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            a0 = muladd(a0, x, load(src, j)); a1 = muladd(a1, x, load(src, j + 4))  # noqa: E702
        o = i * width + c0
        store(dst, o, add(a0, b0)); store(dst, o + 4, add(a1, b1))  # noqa: E702


@nb.njit(inline="always")
def _pull4(indptr, indices, data, src, dst, width, c0):  # noqa: ANN001, ANN202 - inlined
    for i in range(indptr.size - 1):
        a0 = zero(); b0 = zero()  # noqa: E702
        p, hi = get(indptr, i), get(indptr, i + 1)
        while p + 1 < hi:
            x, j = get(data, p), get(indices, p) * width + c0
            y, m = get(data, p + 1), get(indices, p + 1) * width + c0
            a0 = muladd(a0, x, load(src, j)); b0 = muladd(b0, y, load(src, m))  # noqa: E702
            p += 2
        if p < hi:
            a0 = muladd(a0, get(data, p), load(src, get(indices, p) * width + c0))
        store(dst, i * width + c0, add(a0, b0))


@nb.njit(cache=True, nogil=True)
def propagate(  # noqa: PLR0913 - a kernel takes its arrays flat
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    target_ptr: np.ndarray,
    target_states: np.ndarray,
    levels: np.ndarray,
    width: int,
    cumulative: np.ndarray,
    level_dist: np.ndarray,
) -> None:
    """Fill ``cumulative`` and ``level_dist`` for days 0 to ``horizon``, starting in state 0.

    Parameters
    ----------
    indptr, indices, data : ndarray
        ``P^T`` in CSR form (row ``i``: the states that move into ``i``, and how likely).
        Indices must lie in ``[0, n_states)``: they are not checked.
    target_ptr, target_states : ndarray of int64
        Target ``j`` holds on ``target_states[target_ptr[j]:target_ptr[j + 1]]``.
    levels : ndarray of int64, shape (n_states,)
        Crisis level of each state.
    width : int
        Columns of the working block: ``n_targets + 1`` rounded up to a multiple of 4.
    cumulative : ndarray, shape (n_targets, horizon + 1)
        Filled: probability that target ``j`` first holds on or before day ``d``, in [0, 1].
    level_dist : ndarray, shape (horizon + 1, 11)
        Filled (must start at 0): probability of each crisis level per day.
    """
    n = levels.size
    k = cumulative.shape[0]
    horizon = level_dist.shape[0] - 1
    v = np.zeros(n * width)
    w = np.zeros(n * width)
    for c in range(k + 1):
        v[c] = 1.0
    for j in range(k):  # a target that holds at the start is hit on day 0
        cumulative[j, 0] = 0.0
        for t in range(target_ptr[j], target_ptr[j + 1]):
            if target_states[t] == 0:
                cumulative[j, 0] = 1.0
                v[j] = 0.0
    level_dist[0, levels[0]] += 1.0
    for d in range(1, horizon + 1):
        c0 = 0
        while c0 < width:
            left = (width - c0) // 4  # vectors still to do; 5 is done as 3 + 2
            if left == 4 or left >= 6:
                _pull16(indptr, indices, data, v, w, width, c0)
                c0 += 16
            elif left >= 3:
                _pull12(indptr, indices, data, v, w, width, c0)
                c0 += 12
            elif left == 2:
                _pull8(indptr, indices, data, v, w, width, c0)
                c0 += 8
            else:
                _pull4(indptr, indices, data, v, w, width, c0)
                c0 += 4
        for j in range(k):  # mass entering target j today is a first hit; it leaves column j
            hit = 0.0
            for t in range(target_ptr[j], target_ptr[j + 1]):
                o = target_states[t] * width + j
                hit += w[o]
                w[o] = 0.0
            cumulative[j, d] = cumulative[j, d - 1] + hit
        for i in range(n):
            level_dist[d, levels[i]] += w[i * width + k]
        v, w = w, v
    for j in range(k):
        for d in range(horizon + 1):
            cumulative[j, d] = min(max(cumulative[j, d], 0.0), 1.0)
