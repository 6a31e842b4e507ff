"""The uncertain numbers of a scenario and the distributions they are drawn from.

A move's ``range: [lo, hi]`` says how far a careful analyst would move its probability; read
as a distribution it is a **PERT** distribution: a Beta on ``[lo, hi]`` whose mode is the
stated value,

    x = lo + (hi - lo) * B,   B ~ Beta(1 + 4 (m - lo) / (hi - lo), 1 + 4 (hi - m) / (hi - lo)),

so the stated value is the most likely one, the ends are reached rarely, and the mean is
``(lo + 4 m + hi) / 6``. A move's ``beta: [a, b]`` is used as given (a Beta(a, b) on [0, 1];
it takes precedence over a ``range``). Both live on the scale the number was stated on: a move
given as window odds (``within: {p, days}``) draws its window probability and converts each
draw to a daily hazard with :func:`~escalation.scenario.window_to_daily`. A range with
``lo == hi`` fixes the number.

Modifier factors may carry a range too. The scenario format has no field for it yet, so it is
passed in code (``factor_ranges={modifier index: (lo, hi)}``) and read as a PERT with the
factor as mode.

:func:`uncertain_parameters` lists a scenario's uncertain numbers; :func:`draw_parameters`
draws them reproducibly in fixed-size blocks, so the same seed gives the same draws whatever
the number of workers, and ``draws=K`` are the first ``K`` of any larger run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import Problem, ScenarioError
from ..scenario import Scenario

__all__ = [
    "DRAW_BLOCK",
    "DRAW_TAG",
    "Parameter",
    "block_generator",
    "check_factor_ranges",
    "draw_parameters",
    "engine_numbers",
    "support_masks",
    "uncertain_parameters",
]

#: Parameter sets per block of draws: a constant of the algorithm (draws depend on it).
DRAW_BLOCK = 256
#: First element of the spawn key of every block of parameter draws; Monte Carlo chunks use
#: ``spawn_key=(i,)``, so parameter draws never share a stream with trajectories.
DRAW_TAG = 0x756E63  # "unc"


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """One uncertain number of a scenario and its distribution.

    Attributes
    ----------
    kind : {'move', 'factor'}
        A move's probability or a modifier's factor.
    index : int
        Position in ``scenario.moves`` or ``scenario.modifiers``.
    label : str
        ``moves[0] US: maritime_strikes -> land_strikes`` or ``modifiers[2].factor``.
    value : float
        The stated value, on the stated scale (window odds for a move given ``within``).
    prior : {'pert', 'beta'}
    lo, hi : float
        Support of the distribution on the stated scale (``[0, 1]`` for ``beta``).
    a, b : float
        Beta shape parameters (for ``pert``, of the Beta on ``[lo, hi]``).
    days : float or None
        Window length when the number is stated as window odds; None for a daily
        probability or a factor.
    """

    kind: Literal["move", "factor"]
    index: int
    label: str
    value: float
    prior: Literal["pert", "beta"]
    lo: float
    hi: float
    a: float
    b: float
    days: float | None = None

    @property
    def scale(self) -> str:
        """``daily``, ``window (90 days)`` or ``factor``."""
        if self.kind == "factor":
            return "factor"
        return "daily" if self.days is None else f"window ({self.days:g} days)"

    def describe(self) -> str:
        """``PERT on [0.2, 0.55], mode 0.38 (window (90 days))``."""
        if self.prior == "beta":
            return f"Beta({self.a:g}, {self.b:g}) ({self.scale})"
        return f"PERT on [{self.lo:g}, {self.hi:g}], mode {self.value:g} ({self.scale})"

    def to_engine(self, x: np.ndarray | float) -> np.ndarray:
        """Stated-scale values as the engine's numbers (daily hazards or factors)."""
        x = np.asarray(x, dtype=np.float64)
        if self.days is None:
            return x
        with np.errstate(divide="ignore"):
            return -np.expm1(np.log1p(-x) / self.days)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws on the stated scale."""
        return self.lo + (self.hi - self.lo) * rng.beta(self.a, self.b, size)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantiles on the stated scale (the inverse of the distribution function)."""
        from scipy.special import betaincinv

        return self.lo + (self.hi - self.lo) * betaincinv(self.a, self.b, np.asarray(u, dtype=np.float64))

    def ends(self) -> tuple[float, float]:
        """The two values a one-at-a-time sweep sets: the range's ends, or a beta's 5% and 95% quantiles."""
        if self.prior == "pert":
            return self.lo, self.hi
        lo, hi = self.ppf(np.array([0.05, 0.95]))
        return float(lo), float(hi)


def _pert(m: float, lo: float, hi: float) -> tuple[float, float]:
    span = hi - lo
    return 1.0 + 4.0 * (m - lo) / span, 1.0 + 4.0 * (hi - m) / span


def check_factor_ranges(scenario: Scenario, factor_ranges: Mapping[int, Sequence[float]] | None) -> dict[int, tuple[float, float]]:
    """Validate ``{modifier index: (lo, hi)}``: an index in range, ``0 <= lo <= factor <= hi``.

    Raises
    ------
    ScenarioError
        Naming the modifier (``modifiers[2].factor``), what was expected and what was found.
    """
    out: dict[int, tuple[float, float]] = {}
    for i, pair in (factor_ranges or {}).items():
        field = f"modifiers[{i}].factor"
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(scenario.modifiers):
            raise ScenarioError(Problem(field="factor_ranges", message=(
                f"expected a modifier index in [0, {len(scenario.modifiers) - 1}], found {i!r}")))
        try:
            lo, hi = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise ScenarioError(Problem(field=field, message=f"expected a range (lo, hi) of two numbers, found {pair!r}")) from None
        f = scenario.modifiers[i].factor
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo <= f <= hi):
            raise ScenarioError(Problem(field=field, message=(
                f"expected a range with 0 <= lo <= factor ({f:g}) <= hi, found [{lo:g}, {hi:g}]")))
        out[int(i)] = (lo, hi)
    return out


def uncertain_parameters(scenario: Scenario, *,
                         factor_ranges: Mapping[int, Sequence[float]] | None = None) -> tuple[Parameter, ...]:
    """The uncertain numbers of ``scenario``: moves with a ``range`` or ``beta``, then factors with a range.

    Parameters
    ----------
    scenario : Scenario
    factor_ranges : mapping of int to (float, float), optional
        ``{modifier index: (lo, hi)}``; each factor becomes a PERT on ``[lo, hi]`` with the
        stated factor as mode.

    Returns
    -------
    tuple of Parameter
        Moves in file order, then modifiers in file order; numbers fixed by a range with
        ``lo == hi`` are left out.

    Raises
    ------
    ScenarioError
        For a factor range that is not ``0 <= lo <= factor <= hi`` or names no modifier.

    Examples
    --------
    >>> from escalation import load_scenario
    >>> params = uncertain_parameters(load_scenario("venezuela-2025"))
    >>> len(params), params[0].describe()
    (77, 'PERT on [0.2, 0.55], mode 0.38 (window (90 days))')
    """
    out: list[Parameter] = []
    for i, move in enumerate(scenario.moves):
        days = float(move.within.days) if move.within is not None else None
        value = float(move.within.p) if move.within is not None else float(move.p)  # type: ignore[arg-type]
        label = f"moves[{i}] {scenario.move_label(i)}"
        if move.beta is not None:
            a, b = (float(x) for x in move.beta)
            out.append(Parameter(kind="move", index=i, label=label, value=value, prior="beta", lo=0.0, hi=1.0,
                                 a=a, b=b, days=days))
        elif move.range is not None and move.range[1] > move.range[0]:
            lo, hi = (float(x) for x in move.range)
            a, b = _pert(value, lo, hi)
            out.append(Parameter(kind="move", index=i, label=label, value=value, prior="pert", lo=lo, hi=hi,
                                 a=a, b=b, days=days))
    for i, (lo, hi) in sorted(check_factor_ranges(scenario, factor_ranges).items()):
        if hi > lo:
            f = float(scenario.modifiers[i].factor)
            a, b = _pert(f, lo, hi)
            out.append(Parameter(kind="factor", index=i, label=f"modifiers[{i}].factor", value=f, prior="pert",
                                 lo=lo, hi=hi, a=a, b=b))
    return tuple(out)


def block_generator(entropy: int, block: int) -> np.random.Generator:
    """The Generator of block ``block`` of parameter draws: ``SeedSequence(entropy, spawn_key=(DRAW_TAG, block))``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(DRAW_TAG, block))))


def draw_parameters(params: Sequence[Parameter], draws: int, entropy: int) -> np.ndarray:
    """``draws`` parameter sets on the stated scales, reproducibly.

    Block ``i`` of :data:`DRAW_BLOCK` sets comes from :func:`block_generator`, parameter by
    parameter in order, so the result depends on ``entropy`` and ``draws`` only, and the
    first ``K`` sets of a larger run are the sets of a run of ``K``.

    Returns
    -------
    ndarray, shape (draws, n_params)
    """
    out = np.empty((draws, len(params)))
    for block, lo in enumerate(range(0, draws, DRAW_BLOCK)):
        rng = block_generator(entropy, block)
        n = min(DRAW_BLOCK, draws - lo)
        for j, prm in enumerate(params):
            out[lo:lo + n, j] = prm.sample(rng, DRAW_BLOCK)[:n]
    return out


def engine_numbers(params: Sequence[Parameter], x: np.ndarray, base_p: np.ndarray,
                   base_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameter sets (stated scales) as the engine's numbers.

    Parameters
    ----------
    params : sequence of Parameter
    x : ndarray, shape (n_sets, n_params)
    base_p : ndarray, shape (n_moves,)
        Daily probabilities of the moves that are not drawn.
    base_factor : ndarray, shape (n_modifiers,)

    Returns
    -------
    p : ndarray, shape (n_sets, n_moves)
        Daily probabilities.
    factors : ndarray, shape (n_sets, n_modifiers)
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    p = np.tile(np.asarray(base_p, dtype=np.float64), (len(x), 1))
    f = np.tile(np.asarray(base_factor, dtype=np.float64), (len(x), 1))
    for j, prm in enumerate(params):
        (p if prm.kind == "move" else f)[:, prm.index] = prm.to_engine(x[:, j])
    return p, f


def support_masks(params: Sequence[Parameter], n_moves: int, n_modifiers: int) -> tuple[np.ndarray, np.ndarray]:
    """Which move probabilities and which factors ``params`` draw; shapes ``(n_moves,)`` and ``(n_modifiers,)``."""
    vary_p = np.zeros(n_moves, dtype=bool)
    vary_f = np.zeros(n_modifiers, dtype=bool)
    for prm in params:
        (vary_p if prm.kind == "move" else vary_f)[prm.index] = True
    return vary_p, vary_f
