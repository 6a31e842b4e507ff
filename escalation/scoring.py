"""Proper scoring rules for forecasts of events and of the day they happen.

A leaf module (numpy, the standard library and :mod:`escalation.stats`). Every score is a
*loss*: lower is better and 0 is a perfect forecast, so the three can be read the same way.

- :func:`brier_score`: squared error of a probability, in [0, 1].
- :func:`log_score`: minus the log of the probability given to what happened (nats), in
  [0, inf]; infinite for a certainty that was wrong.
- :func:`crps_discrete`: the continuous ranked probability score of a forecast of a *day*
  whose distribution is discrete over days ``0..H`` with the rest of the mass beyond the
  horizon ``H`` (a first-hit day), in days.
- :func:`calibration_table`: forecasts binned by probability against the observed frequency.

Why not a scoring library: ``properscoring`` (last release 2015) has the Brier score and
CRPS of ensembles and Gaussians, but no log score for events and nothing for a distribution
with mass beyond a horizon; ``scoringrules`` is well kept and has ``brier_score``,
``log_score`` and ``rps_score`` (which equals :func:`crps_discrete` once the days beyond the
horizon are one last category), but it takes about 2.5 s to import, more than a whole
``escalation fit``, for what is a line of numpy each. The tests check these functions
against ``scoringrules`` where it is installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .stats import wilson_interval

__all__ = ["CalibrationBin", "brier_score", "calibration_table", "crps_discrete", "log_score"]


def _probabilities(p: object, name: str = "p") -> np.ndarray:
    arr = np.asarray(p, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        bad = arr[~((arr >= 0.0) & (arr <= 1.0))].ravel()[0]
        raise ValueError(f"{name}: expected probabilities in [0, 1], found {float(bad)!r}")
    return arr


def _outcomes(y: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(y)
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    arr = arr.astype(np.float64)
    if not np.all((arr == 0.0) | (arr == 1.0)):
        bad = arr[~((arr == 0.0) | (arr == 1.0))].ravel()[0]
        raise ValueError(f"y: expected outcomes 0 or 1 (or booleans), found {float(bad)!r}")
    try:
        return np.broadcast_to(arr, np.broadcast_shapes(arr.shape, shape))
    except ValueError:
        raise ValueError(f"y: shape {arr.shape} does not match the forecasts' shape {shape}") from None


def brier_score(p: object, y: object) -> np.ndarray | float:
    """Brier score ``(p - y)^2`` of probability forecasts of events.

    Parameters
    ----------
    p : float or array_like
        Forecast probabilities, in [0, 1].
    y : int, bool or array_like
        Outcomes, 1 (the event happened) or 0, broadcastable to ``p``.

    Returns
    -------
    float or ndarray
        Per forecast, in [0, 1]; a float for scalar input. Average it for a summary.

    Raises
    ------
    ValueError
        For a probability outside [0, 1] or an outcome other than 0 and 1.

    References
    ----------
    .. [1] G. W. Brier, "Verification of forecasts expressed in terms of probability",
       Monthly Weather Review 78 (1950) 1-3.

    Examples
    --------
    >>> round(brier_score(0.8, 1), 12), brier_score([1.0, 0.0], [1, 0]).tolist()
    (0.04, [0.0, 0.0])
    """
    pp = _probabilities(p)
    yy = _outcomes(y, pp.shape)
    out = (pp - yy) ** 2
    return float(out) if out.ndim == 0 else out


def log_score(p: object, y: object) -> np.ndarray | float:
    """Logarithmic score ``-ln(p)`` if the event happened, ``-ln(1 - p)`` if not.

    Parameters
    ----------
    p : float or array_like
        Forecast probabilities, in [0, 1].
    y : int, bool or array_like
        Outcomes, 1 or 0, broadcastable to ``p``.

    Returns
    -------
    float or ndarray
        Per forecast, in nats, in [0, inf]: 0 for certainty that was right, ``inf`` for
        certainty that was wrong (no clipping: a forecast of exactly 0 for something that
        happened has an unbounded loss, and a mean that includes one is ``inf``).

    Raises
    ------
    ValueError
        For a probability outside [0, 1] or an outcome other than 0 and 1.

    References
    ----------
    .. [1] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules, prediction, and
       estimation", JASA 102 (2007) 359-378.

    Examples
    --------
    >>> round(log_score(0.8, 1), 6), round(log_score(0.8, 0), 6), log_score(1.0, 1)
    (0.223144, 1.609438, 0.0)
    """
    pp = _probabilities(p)
    yy = _outcomes(y, pp.shape)
    given = np.where(yy == 1.0, pp, 1.0 - pp)
    with np.errstate(divide="ignore"):
        out = -np.log(given)
    out = out + 0.0  # -0.0 -> 0.0
    return float(out) if out.ndim == 0 else out


def crps_discrete(cdf: object, y: object) -> np.ndarray | float:
    """CRPS of a forecast of a day over ``0..H`` whose remaining mass lies beyond ``H``.

    Parameters
    ----------
    cdf : array_like, shape (H + 1,) or (n, H + 1)
        ``cdf[..., d]`` is the forecast probability that the event has happened by day ``d``
        (non-decreasing, in [0, 1]); ``1 - cdf[..., H]`` is the mass beyond the horizon.
    y : int or array_like of int, shape () or (n,)
        The observed day, ``0 <= y <= H``; any value above ``H`` means "not by day H".

    Returns
    -------
    float or ndarray, shape (n,)
        In days: ``sum_{d=0}^{H} (cdf[d] - 1{y <= d})^2``.

    Raises
    ------
    ValueError
        For a cdf outside [0, 1] or decreasing, or a negative day.

    Notes
    -----
    For a forecast on the integers the CRPS, :math:`\\int (F(x) - 1\\{y \\le x\\})^2 dx`,
    is the sum over the unit steps between consecutive days. Putting all mass beyond the
    horizon on day ``H + 1`` (one last category) leaves nothing to add past it, so this is
    the CRPS of the first-hit day censored at ``H + 1`` and equals the ranked probability
    score over the ``H + 2`` categories ``0, ..., H, beyond``. A forecast that puts all its
    mass on the observed day (or beyond the horizon when nothing happened) scores 0; one
    that is sure of day 0 when nothing happens by day ``H`` scores ``H + 1``.

    References
    ----------
    .. [1] J. E. Matheson and R. L. Winkler, "Scoring rules for continuous probability
       distributions", Management Science 22 (1976) 1087-1096.

    Examples
    --------
    >>> crps_discrete([0.0, 0.5, 1.0], 1)
    0.25
    >>> crps_discrete([0.0, 0.0, 0.0], 5), crps_discrete([1.0, 1.0, 1.0], 5)
    (0.0, 3.0)
    """
    c = _probabilities(cdf, "cdf")
    if c.ndim not in (1, 2) or c.shape[-1] < 1:
        raise ValueError(f"cdf: expected shape (H + 1,) or (n, H + 1), found {c.shape}")
    if np.any(np.diff(c, axis=-1) < -1e-12):
        raise ValueError("cdf: expected a non-decreasing cumulative distribution, found a decrease")
    days = np.asarray(y)
    if not np.issubdtype(days.dtype, np.integer):
        raise ValueError(f"y: expected whole days, found {days.dtype} values")
    if np.any(days < 0):
        raise ValueError(f"y: expected days >= 0, found {int(days.min())}")
    if c.ndim == 1 and days.ndim != 0:
        raise ValueError(f"y: a single cdf takes one day, found shape {days.shape}")
    if c.ndim == 2 and days.shape != (c.shape[0],):
        raise ValueError(f"y: expected shape ({c.shape[0]},), found {days.shape}")
    grid = np.arange(c.shape[-1])
    step = (days[..., None] <= grid).astype(np.float64)
    out = ((c - step) ** 2).sum(axis=-1)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationBin:
    """One bin of a calibration table.

    Attributes
    ----------
    low, high : float
        The bin's forecast range, ``[low, high)`` (the last bin includes 1).
    n : int
        Forecasts in the bin.
    mean_forecast : float
        Their mean probability (NaN when the bin is empty).
    observed : float
        The fraction that happened (NaN when empty).
    ci95 : (float, float)
        95% Wilson interval of ``observed`` (``(0, 1)`` when empty).
    """

    low: float
    high: float
    n: int
    mean_forecast: float
    observed: float
    ci95: tuple[float, float]

    def to_dict(self) -> dict[str, object]:
        """Plain data; NaN becomes None (for JSON)."""
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {"low": self.low, "high": self.high, "n": self.n, "mean_forecast": clean(self.mean_forecast),
                "observed": clean(self.observed), "ci95": list(self.ci95)}


def calibration_table(p: object, y: object, *, bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Forecasts grouped into equal-width probability bins, with the observed frequency.

    Parameters
    ----------
    p : array_like, shape (n,)
        Forecast probabilities, in [0, 1].
    y : array_like, shape (n,)
        Outcomes, 1 or 0.
    bins : int, optional
        Number of equal-width bins over [0, 1].

    Returns
    -------
    tuple of CalibrationBin
        One per bin, empty bins included, lowest first. A calibrated forecaster's
        ``observed`` lies within ``ci95`` of ``mean_forecast`` in most bins.

    Raises
    ------
    ValueError
        For bad probabilities, outcomes or ``bins < 1``.

    Examples
    --------
    >>> table = calibration_table([0.05, 0.1, 0.9, 0.95], [0, 0, 1, 1], bins=2)
    >>> [(b.n, b.observed) for b in table]
    [(2, 0.0), (2, 1.0)]
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins: expected a whole number >= 1, found {bins!r}")
    pp = _probabilities(p).ravel()
    yy = _outcomes(y, pp.shape).ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.minimum((pp * bins).astype(np.int64), bins - 1)
    out = []
    for k in range(bins):
        sel = which == k
        n = int(sel.sum())
        hits = int(yy[sel].sum())
        out.append(CalibrationBin(
            low=float(edges[k]), high=float(edges[k + 1]), n=n,
            mean_forecast=float(pp[sel].mean()) if n else math.nan,
            observed=hits / n if n else math.nan, ci95=wilson_interval(hits, n),
        ))
    return tuple(out)
