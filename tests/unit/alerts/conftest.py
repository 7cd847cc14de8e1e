"""Fixtures of the detection tests; table builders live in ``detect_helpers``."""

from __future__ import annotations

import pytest
from detect_helpers import API, ERRORS, ORDERS, PRICES, STATUS, Table, flat_table

from logwarden.detection.rules import Rules, load_rules


@pytest.fixture
def rules() -> Rules:
    # Flat synthetic weeks: treat every day alike so eight days are plenty of history.
    return load_rules("[baseline]\nweekend_days = []\n")


@pytest.fixture
def system() -> Table:
    """Four reference streams and a trickle of errors, flat for eight days."""
    return flat_table({ORDERS: 4, API: 100, PRICES: 20, STATUS: 10, ERRORS: 1})
