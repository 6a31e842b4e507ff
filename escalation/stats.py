"""Small statistical helpers shared by the results and the base-rate check.

A leaf module: numpy and the standard library only.
"""

from __future__ import annotations

import math

__all__ = ["wilson_interval", "binomial_stderr", "Z95"]

#: Two-sided 95% standard normal quantile.
Z95 = 1.959963984540054


def wilson_interval(hits: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    hits : int
        Number of successes, ``0 <= hits <= n``.
    n : int
        Number of trials; ``n = 0`` gives the uninformative ``(0.0, 1.0)``.
    z : float, optional
        Normal quantile; the default gives a 95% interval.

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``0 <= low <= hits/n <= high <= 1``.

    Notes
    -----
    With :math:`\\hat p = k/n`, the interval is
    :math:`\\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}`.
    Unlike the normal (Wald) interval it stays inside [0, 1] and is not degenerate at
    ``hits = 0``, which matters for rare rungs.

    References
    ----------
    .. [1] E. B. Wilson, "Probable inference, the law of succession, and statistical
       inference", JASA 22 (1927) 209-212.

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> (lo, round(hi, 4))
    (0.0, 0.037)
    """
    if n < 0 or hits < 0 or hits > n:
        raise ValueError(f"expected 0 <= hits <= n, found hits={hits}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == n else min(1.0, centre + half)
    return (float(low), float(high))


def binomial_stderr(p: float, n: int) -> float:
    """Standard error ``sqrt(p (1 - p) / n)`` of a proportion estimated from ``n`` trials."""
    if n <= 0:
        return math.nan
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)
