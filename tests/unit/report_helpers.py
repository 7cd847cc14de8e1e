"""A small backtest for the report tests: five flat days, then an order flood and an outage of prices."""

from __future__ import annotations

from logwarden.alerting.lifecycle import Notification
from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey, parse_minute
from logwarden.detection.rules import Rules, load_rules
from logwarden_tools.backtest import replay

START = parse_minute("2025-02-03T00:00:00Z")
ORDERS = SeriesKey("shop", "order_created", "INFO")
API = SeriesKey("shop", "api_request", "INFO")
PRICES = SeriesKey("pricing", "price_calculated", "INFO")
STATUS = SeriesKey("crm", "order_status_changed", "INFO")
FLOOD_AT = START + 4 * MINUTES_PER_DAY + 600
OUTAGE_AT = FLOOD_AT + 180

Table = dict[SeriesKey, dict[int, int]]


def backtest_table() -> Table:
    minutes = range(START, START + 4 * MINUTES_PER_DAY + 900)
    table: Table = {
        key: {m: rate for m in minutes} for key, rate in ((ORDERS, 4), (API, 100), (PRICES, 20), (STATUS, 10))
    }
    for minute in range(FLOOD_AT, FLOOD_AT + 5):
        table[ORDERS][minute] = 60_000
    for minute in range(OUTAGE_AT, OUTAGE_AT + 30):
        del table[PRICES][minute]
    return table


def backtest_rules() -> Rules:
    return load_rules("[baseline]\nweekend_days = []\n")


def backtest() -> tuple[Table, Rules, list[Notification]]:
    table, rules = backtest_table(), backtest_rules()
    return table, rules, list(replay(table, rules))
