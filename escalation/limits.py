"""Documented limits on the size of a run, checked in one place (see docs/limits.md).

A leaf module: the standard library only, so the command line can show these limits in its
help without importing numpy.
"""

from __future__ import annotations

import os
from numbers import Integral

__all__ = ["DEFAULT_MAX_STATES", "MAX_HORIZON", "MAX_RUNS", "MAX_TARGETS", "available_cores", "check_horizon",
           "check_runs"]

#: Default limit on the joint states the exact engine and the graph views enumerate.
DEFAULT_MAX_STATES = 200_000

#: Longest horizon accepted, in days (about 274 years); per-day arrays are sized by it.
MAX_HORIZON = 100_000
#: Largest number of Monte Carlo runs accepted (2^50, about 10^15).
MAX_RUNS = 1 << 50
#: Most targets in one scenario. Each is a column of the exact engine and a condition the
#: Monte Carlo walk evaluates at every change of state, so work and memory grow with them.
MAX_TARGETS = 1_000


def _whole(x: object) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)  # numpy's integers are Integral


def check_horizon(horizon: object) -> int:
    """``horizon`` as an int in ``[0, MAX_HORIZON]``.

    Raises
    ------
    ValueError
        Naming the value and the limit.
    """
    if not _whole(horizon) or not 0 <= horizon <= MAX_HORIZON:  # type: ignore[operator]
        raise ValueError(f"horizon must be a whole number of days in [0, {MAX_HORIZON:,}], found {horizon!r}")
    return int(horizon)  # type: ignore[arg-type]


def check_runs(runs: object) -> int:
    """``runs`` as an int in ``[1, MAX_RUNS]``.

    Raises
    ------
    ValueError
        Naming the value and the limit.
    """
    if not _whole(runs) or not 1 <= runs <= MAX_RUNS:  # type: ignore[operator]
        raise ValueError(f"runs must be a whole number in [1, {MAX_RUNS:,}], found {runs!r}")
    return int(runs)  # type: ignore[arg-type]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)
