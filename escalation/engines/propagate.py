"""The exact engine's kernel: all days through the stage plan in one call, in numba.

Plain loops: per day, each stage is a sparse product over the columns (one per absorbing
set, and one unabsorbed column for the crisis levels and the targets that are never left);
then each output reads the mass that entered its states and the absorbing columns drop it.
Several parameter sets can go through at once: they share the plan's structure, so the cost
of walking the sparse indices is paid once for all of them, which is what makes sweeps of
thousands of solves cheap. Imported only when the exact engine runs; compiled code is cached
next to this file.

Layout: the distribution is one flat buffer indexed ``(row, column, set)``, so the innermost
loop runs over a contiguous run of numbers that share a nonzero: the sets of a batch (each
with its own weight, :func:`_stage_sets`), or the columns of a single solve (one weight,
:func:`_stage`). A stage is applied by *pushing* each input row to its outputs (the plan's
nonzeros ordered by input row): consecutive nonzeros write different rows, so no addition
waits for the one before, and every output row still sums its inputs in ascending order.
Indices are unsigned so that numba drops its negative-index handling from the inner loop; the
sums are the same, in the same order, whichever layout runs.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.core.compiler import Compiler

__all__ = ["propagate"]


class _DisjointArguments(Compiler):
    """numba's compiler, telling LLVM that a function's array arguments never overlap.

    Without it LLVM must assume that a store into the output row may change the input row,
    so it reloads and re-checks on every nonzero; with it the inner loop over the columns
    keeps them in registers. numba sets the same flag for its own parallel kernels. It only
    affects optimisation: the sums and their order are unchanged. Only the two stage
    functions are compiled with it, and :func:`propagate` passes them arrays that never
    share memory.
    """

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):  # noqa: ANN001, A002, D107
        flags = flags.copy()
        if hasattr(flags, "noalias"):  # an internal option: a numba without it compiles the same loops, slower
            flags.noalias = True
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


@nb.njit(cache=True, nogil=True, pipeline_class=_DisjointArguments)
def _stage(n_in, base, push_ptr, dst, val, cur, nxt, width):  # noqa: ANN001, ANN202
    """One stage of a single solve: add each of ``n_in`` rows of ``cur`` into its outputs in ``nxt``.

    A row is ``width`` numbers (the columns), all scaled by the nonzero's one weight;
    ``dst`` gives where each nonzero's output row starts in ``nxt`` (zeroed by the caller).
    """
    row = np.uint64(width)
    for x in range(n_in):
        inp = np.uint64(x) * row
        for e in range(push_ptr[base + x], push_ptr[base + x + 1]):
            ue = np.uint64(e)
            out = np.uint64(dst[ue])
            w = val[ue]
            for m in range(row):
                nxt[out + m] += w * cur[inp + m]


@nb.njit(cache=True, nogil=True, pipeline_class=_DisjointArguments)
def _stage_sets(n_in, base, push_ptr, dst, val, cur, nxt, width, n_sets):  # noqa: ANN001, ANN202
    """One stage of a batch: as :func:`_stage`, with a weight per parameter set (the inner run).

    Two functions rather than one with a branch on the layout: inside the loop over
    nonzeros, that branch made single solves a fifth slower.
    """
    sets = np.uint64(n_sets)
    row = np.uint64(width) * sets
    for x in range(n_in):
        inp = np.uint64(x) * row
        for e in range(push_ptr[base + x], push_ptr[base + x + 1]):
            ue = np.uint64(e)
            out = np.uint64(dst[ue])
            w = ue * sets
            for c in range(np.uint64(width)):
                g = c * sets
                for m in range(sets):
                    nxt[out + g + m] += val[w + m] * cur[inp + g + m]


@nb.njit(cache=True, nogil=True)
def _levels(buf, column, width, n_sets, level_ptr, level_states, level_dist, d):  # noqa: ANN001, ANN202
    """Day ``d``'s crisis-level distribution of ``column`` of the buffer, for every set."""
    for m in range(n_sets):
        for level in range(level_ptr.size - 1):
            total = 0.0
            for t in range(level_ptr[level], level_ptr[level + 1]):
                total += buf[(level_states[t] * width + column) * n_sets + m]
            level_dist[m, d, level] = total


@nb.njit(cache=True, nogil=True)
def propagate(rows, push_offset, push_ptr, dst, val, v0, read_ptr, read_states, read_col, level_ptr, level_states,
              cumulative, level_dist):  # noqa: ANN001, ANN201 - a kernel takes its arrays flat
    """Propagate ``v0`` under each of ``cumulative.shape[0]`` parameter sets for ``cumulative.shape[2] - 1`` days.

    Parameters
    ----------
    rows : ndarray of int64, shape (n_stages + 1,)
        Rows at each level of the plan (``rows[0] == rows[-1] ==`` number of states).
    push_offset, push_ptr, dst : ndarray of int64
        The stages by input row (see :class:`escalation.engines.stages.Plan`): stage ``s``'s
        input row ``x`` reaches the nonzeros ``push_ptr[push_offset[s] + x]`` up to
        ``push_ptr[push_offset[s] + x + 1]``, nonzero ``e`` the output row that starts at
        ``dst[e]`` in the buffer (the plan's output row times the numbers per row, so the
        loop over nonzeros does no multiplication).
    val : ndarray of float64, shape (nnz * n_sets,)
        The stage values in that order under each parameter set, a nonzero's sets side by
        side (an ``(nnz, n_sets)`` array in C order, flattened).
    v0 : ndarray of float64, shape (n_states, n_columns)
        Day 0 (mass already absorbed at day 0 removed), the same for every set; the last
        column is never absorbed.
    read_ptr, read_states, read_col : ndarray of int64
        Output ``j`` sums column ``read_col[j]`` over the states
        ``read_states[read_ptr[j]:read_ptr[j + 1]]`` (a target's; for a race, those where
        the side it counts wins). From an absorbing column that is the day's first-passage
        mass, added to the day before and then dropped (the outputs reading a column split
        its absorbing states between them); from the last column it is the mass present,
        which is the cumulative odds of a target that is never left (kept from dipping below
        the day before by rounding).
    level_ptr, level_states : ndarray of int64
        The states at crisis level ``L``: ``level_states[level_ptr[L]:level_ptr[L + 1]]``.
    cumulative : ndarray of float64, shape (n_sets, n_outputs, horizon + 1)
        Day 0 given; days 1.. filled with the cumulative odds.
    level_dist : ndarray of float64, shape (n_sets, horizon + 1, 11)
        Filled with the crisis-level distribution of the last (unabsorbed) column.
    """
    n, width = v0.shape
    n_sets, k, days = cumulative.shape
    last = width - 1
    size = 0
    for r in rows:
        size = max(size, r)
    a = np.zeros(size * width * n_sets)
    b = np.zeros(size * width * n_sets)
    for i in range(n):
        for c in range(width):
            for m in range(n_sets):
                a[(i * width + c) * n_sets + m] = v0[i, c]
    _levels(a, last, width, n_sets, level_ptr, level_states, level_dist, 0)
    for d in range(1, days):
        cur = a
        nxt = b
        for s in range(rows.size - 1):
            nxt[: rows[s + 1] * width * n_sets] = 0.0
            if n_sets == 1:
                _stage(rows[s], push_offset[s], push_ptr, dst, val, cur, nxt, width)
            else:
                _stage_sets(rows[s], push_offset[s], push_ptr, dst, val, cur, nxt, width, n_sets)
            cur, nxt = nxt, cur
        for m in range(n_sets):
            for j in range(k):
                c = read_col[j]
                got = 0.0
                for t in range(read_ptr[j], read_ptr[j + 1]):
                    i = (read_states[t] * width + c) * n_sets + m
                    got += cur[i]
                    if c != last:
                        cur[i] = 0.0
                before = cumulative[m, j, d - 1]
                cumulative[m, j, d] = max(got, before) if c == last else before + got  # max: rounding may dip
        _levels(cur, last, width, n_sets, level_ptr, level_states, level_dist, d)
        a, b = cur, nxt
