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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["Odds", "QUANTILE_TOLERANCE", "Race", "check_races"]

#: A first-hit quantile is the first day whose share of the hits reaches ``q - QUANTILE_TOLERANCE``
#: (so rounding in the cumulative sums cannot move a quantile by a day).
QUANTILE_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Race:
    """Which of two targets holds first: the odds of each outcome by each day.

    Attributes
    ----------
    first, second : str
        The two targets.
    horizon : int
    runs : int or None
        Trajectories behind the odds (Monte Carlo); None for exact odds.

    Notes
    -----
    On each day at most one outcome is decided: ``first`` wins when it holds and ``second``
    has not held before and does not hold that day; a tie when both first hold on the same
    day; ``neither`` when neither has held by the day. The four add up to 1 on every day.
    """

    first: str
    second: str
    horizon: int
    _cumulative: np.ndarray = field(repr=False)
    runs: int | None = None

    def __repr__(self) -> str:
        return (f"<Race {self.first} vs {self.second} within {self.horizon} days: {self.first_wins():.4g} / "
                f"{self.second_wins():.4g} / tie {self.tie():.4g}>")

    def _day(self, day: int | None) -> int:
        if day is None:
            return self.horizon
        if isinstance(day, bool) or not isinstance(day, (int, np.integer)) or not 0 <= day <= self.horizon:
            raise ValueError(f"day must be a whole number in [0, {self.horizon}], found {day!r}")
        return int(day)

    def cumulative(self) -> np.ndarray:
        """Odds by day of (first wins, second wins, tie); shape ``(3, horizon + 1)``."""
        return self._cumulative

    def first_wins(self, day: int | None = None) -> float:
        """Probability that ``first`` holds before ``second``, by ``day`` (default: the horizon)."""
        return float(self._cumulative[0, self._day(day)])

    def second_wins(self, day: int | None = None) -> float:
        """Probability that ``second`` holds before ``first``, by ``day``."""
        return float(self._cumulative[1, self._day(day)])

    def tie(self, day: int | None = None) -> float:
        """Probability that both first hold on the same day, by ``day``."""
        return float(self._cumulative[2, self._day(day)])

    def neither(self, day: int | None = None) -> float:
        """Probability that neither has held by ``day``."""
        return float(max(0.0, 1.0 - self._cumulative[:, self._day(day)].sum()))

    def ci95(self, outcome: str, day: int | None = None) -> tuple[float, float]:
        """95% Wilson interval of ``outcome`` ('first', 'second' or 'tie'); Monte Carlo only.

        Raises
        ------
        ValueError
            For exact odds (they have no sampling error) or an unknown outcome.
        """
        from ..stats import wilson_interval

        if self.runs is None:
            raise ValueError("exact odds have no sampling interval")
        row = {"first": 0, "second": 1, "tie": 2}.get(outcome)
        if row is None:
            raise ValueError(f"outcome must be 'first', 'second' or 'tie', found {outcome!r}")
        return wilson_interval(round(self._cumulative[row, self._day(day)] * self.runs), self.runs)


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
    _races: dict[tuple[str, str], Race] = field(default_factory=dict, repr=False)

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

    def race(self, first: str, second: str) -> Race:
        """Which of two targets holds first (computed when the engine was asked for the race).

        Raises
        ------
        KeyError
            When the race was not computed, naming the races that were.
        """
        found = self._races.get((first, second))
        if found is None:
            known = ", ".join(f"{a} vs {b}" for a, b in self._races) or "none"
            raise KeyError(f"race {first} vs {second} was not computed (pass races=[({first!r}, {second!r})]); "
                           f"computed: {known}")
        return found

    # --- containers ---------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self.targets

    def __iter__(self):  # noqa: ANN204 - an iterator of target names
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)


def check_races(scenario: Scenario, races: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Validate race pairs: two different targets of ``scenario`` each; a pair given twice counts once.

    Raises
    ------
    KeyError
        For an unknown target, naming the known ones.
    ValueError
        For a pair that is not two different targets.
    """
    out: list[tuple[str, str]] = []
    for pair in races:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"a race is two different targets, found {pair!r}")
        for name in pair:
            scenario.target(name)
        if (pair[0], pair[1]) not in out:
            out.append((pair[0], pair[1]))
    return tuple(out)
