"""Exact Poisson tail probabilities, through the regularised incomplete gamma function.

Minute counts of rare events are small integers, where normal approximations and z-scores lie: four
events a minute becoming eight is unremarkable (P(X >= 8 | 4) = 0.05), while none at all when three
hundred were due is impossible. The tails are computed directly (never as ``1 - other tail``), so tiny
probabilities keep their precision and underflow to 0.0 only when they truly are below 1e-308.
"""

from __future__ import annotations

import math
from typing import Final

_EPS: Final = 1e-15
_TINY: Final = 1e-300
_MAX_ITERATIONS: Final = 100_000


def _lower_regularised_series(a: float, x: float) -> float:
    """P(a, x) by its power series; converges fast for x < a + 1."""
    term = 1.0 / a
    total = term
    n = a
    for _ in range(_MAX_ITERATIONS):
        n += 1.0
        term *= x / n
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_regularised_fraction(a: float, x: float) -> float:
    """Q(a, x) by Lentz's continued fraction; converges fast for x >= a + 1."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _lower_regularised(a: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x < a + 1.0:
        return _lower_regularised_series(a, x)
    return 1.0 - _upper_regularised_fraction(a, x)


def _upper_regularised(a: float, x: float) -> float:
    if x <= 0.0:
        return 1.0
    if x < a + 1.0:
        return 1.0 - _lower_regularised_series(a, x)
    return _upper_regularised_fraction(a, x)


def upper_tail(observed: int, mean: float) -> float:
    """P(X >= observed) for X ~ Poisson(mean)."""
    if observed <= 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    return _lower_regularised(float(observed), mean)


def lower_tail(observed: int, mean: float) -> float:
    """P(X <= observed) for X ~ Poisson(mean)."""
    if observed < 0:
        return 0.0
    if mean <= 0.0:
        return 1.0
    return _upper_regularised(float(observed) + 1.0, mean)
