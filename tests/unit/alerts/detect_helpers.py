"""Deterministic count tables: flat traffic (no noise) so expectations are exact and tests can reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey, parse_minute

START = parse_minute("2025-02-03T00:00:00Z")  # a Monday
ORDERS = SeriesKey("shop", "order_created", "INFO")
API = SeriesKey("shop", "api_request", "INFO")
PRICES = SeriesKey("shop", "price_calculated", "INFO")
STATUS = SeriesKey("crm", "order_status_changed", "INFO")
ERRORS = SeriesKey("shop", "api_request", "ERROR")

Table = dict[SeriesKey, dict[int, int]]
TableFactory = Callable[..., Table]


def flat_table(rates: Mapping[SeriesKey, int], days: int = 8, start: int = START) -> Table:
    """``rates`` events every minute for ``days`` days; weekends alike (rules below ignore weekends)."""
    minutes = range(start, start + days * MINUTES_PER_DAY)
    return {key: {m: rate for m in minutes if rate} for key, rate in rates.items()}


def overwrite(table: Table, key: SeriesKey, first: int, last: int, count: int) -> None:
    points = table.setdefault(key, {})
    for minute in range(first, last + 1):
        if count:
            points[minute] = count
        else:
            points.pop(minute, None)
