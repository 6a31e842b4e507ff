"""The one shape of answer both engines give: odds by day, first-hit days, crisis levels.

:class:`Odds` holds the cumulative first-passage odds of each target by each day and the
crisis-level distribution per day, and answers every question from them the same way,
whichever engine filled them: :class:`~escalation.engines.exact.ExactOdds` adds the size of
the chain and infinite-horizon odds; :class:`~escalation.engines.montecarlo.Simulation` adds
counts, standard errors, Wilson intervals, sample paths and the most frequent paths. A
function written for one works on the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Odds", "QUANTILE_TOLERANCE"]

#: A first-hit quantile is the first day whose share of the hits reaches ``q - QUANTILE_TOLERANCE``
#: (so rounding in the cumulative sums cannot move a quantile by a day).
QUANTILE_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Odds:
    """First-passage odds of a scenario's targets over days ``0..horizon``.

    Attributes
    ----------
    scenario_id : str
    targets : tuple of str
        Target names, in the order of the rows of :meth:`cumulative`.
    horizon : int
        Last day (day 0 is the as-of date).
    """

    scenario_id: str
    targets: tuple[str, ...]
    horizon: int
    _cumulative: np.ndarray = field(repr=False)
    _levels: np.ndarray = field(repr=False)

    # --- validation ---------------------------------------------------------------------------
    def _row(self, name: str) -> int:
        try:
            return self.targets.index(name)
        except ValueError:
            raise KeyError(f"unknown target {name!r}; computed: {', '.join(self.targets)}") from None

    def _day(self, day: int | None) -> int:
        if day is None:
            return self.horizon
        if isinstance(day, bool) or not isinstance(day, (int, np.integer)) or not 0 <= day <= self.horizon:
            raise ValueError(f"day must be a whole number in [0, {self.horizon}], found {day!r}")
        return int(day)

    # --- the common questions -----------------------------------------------------------------
    def probability(self, name: str, day: int | None = None) -> float:
        """Probability that target ``name`` first holds on or before ``day`` (default: the horizon).

        Raises
        ------
        KeyError
            For a target that was not computed.
        ValueError
            For a day outside ``[0, horizon]``.
        """
        return float(self._cumulative[self._row(name), self._day(day)])

    def cumulative(self) -> np.ndarray:
        """Cumulative odds of every target by day.

        Returns
        -------
        ndarray, shape (n_targets, horizon + 1)
            Row ``j`` is non-decreasing; entry ``[j, d]`` is :meth:`probability` of target
            ``j`` by day ``d``. Read-only.
        """
        return self._cumulative

    def first_day_pmf(self, name: str) -> np.ndarray:
        """Probability that ``name`` first holds on each day; shape ``(horizon + 1,)``."""
        return np.diff(self._cumulative[self._row(name)], prepend=0.0)

    def first_day_quantile(self, name: str, q: float) -> float:
        """The ``q`` quantile of the first day ``name`` holds, among outcomes that reach it by the horizon.

        Returns NaN when the target is not reached by the horizon.
        """
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q must be in [0, 1], found {q!r}")
        c = self._cumulative[self._row(name)]
        total = c[-1]
        if total <= 0:
            return math.nan
        return float(np.searchsorted(c / total, q - QUANTILE_TOLERANCE))

    def level_distribution(self) -> np.ndarray:
        """Probability of each crisis level 0-10 on each day.

        Returns
        -------
        ndarray, shape (horizon + 1, 11)
            Rows sum to 1. Read-only.
        """
        return self._levels

    # --- containers ---------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self.targets

    def __iter__(self):  # noqa: ANN204 - an iterator of target names
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)
