from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logwarden.detection.poisson import lower_tail, upper_tail


def _pmf(k: int, mean: float) -> float:
    return math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))


@pytest.mark.parametrize("mean", [0.05, 0.7, 4.0, 33.0, 250.0])
@pytest.mark.parametrize("observed", [0, 1, 3, 8, 20, 60, 300])
def test_tails_match_brute_force_sums(mean: float, observed: int) -> None:
    below = sum(_pmf(k, mean) for k in range(observed + 1))
    above = sum(_pmf(k, mean) for k in range(observed, observed + 3000))
    assert lower_tail(observed, mean) == pytest.approx(below, rel=1e-9, abs=1e-300)
    assert upper_tail(observed, mean) == pytest.approx(above, rel=1e-9, abs=1e-300)


def test_the_issue_examples() -> None:
    # Four a minute becoming eight is ordinary; 10,000 a second is impossible; silence when 300 were due too.
    assert upper_tail(8, 4.0) == pytest.approx(0.0511, abs=1e-4)
    assert upper_tail(600_000, 4.0) == 0.0
    assert lower_tail(0, 300.0) == pytest.approx(math.exp(-300.0), rel=1e-9)


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=1e-3, max_value=1e5))
def test_tails_are_probabilities_and_overlap_at_the_observed_value(observed: int, mean: float) -> None:
    low, high = lower_tail(observed, mean), upper_tail(observed, mean)
    assert 0.0 <= low <= 1.0 + 1e-12 and 0.0 <= high <= 1.0 + 1e-12
    # P(X <= k) + P(X >= k) = 1 + P(X = k)
    assert low + high == pytest.approx(1.0 + _pmf(observed, mean), abs=1e-9)
