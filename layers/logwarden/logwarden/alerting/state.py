"""Alert state in DynamoDB: one item per open alert, written with conditions so that two concurrent
check runs never both send the same notification, and expiring by TTL if nobody closes it.

Table: partition key ``alert`` (string), TTL attribute ``expires_at`` (epoch seconds). Every write is
conditional on the version the run read (or on the item's absence); a run that loses the race sends
nothing for that alert, because the winner already did.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson
from botocore.exceptions import ClientError

from logwarden.alerting.lifecycle import AlertKey, AlertState, Thread, Transition, thread_of
from logwarden.detection.detectors import Finding
from logwarden.detection.model import SeriesKey, Severity
from logwarden.errors import RetryableError

_SECONDS_PER_DAY = 86_400


class StateUnavailableError(RetryableError):
    pass


class AlertStore(Protocol):
    def load(self) -> dict[AlertKey, AlertState]: ...

    def apply(self, transition: Transition) -> bool:
        """Write one transition; False when another run changed the alert first."""

    def restore(self, transition: Transition) -> None:
        """Undo ``apply`` after its notification could not be sent, so a later run sends it."""


def _item(state: AlertState, ttl_days: int) -> dict[str, Any]:
    latest = state.latest
    return {
        "alert": {"S": str(state.key)},
        "group": {"S": state.key.group},
        "series": {"L": [{"S": part} for part in state.key.series]},
        "opened": {"N": str(state.opened)},
        "last_firing": {"N": str(state.last_firing)},
        "last_notified": {"N": str(state.last_notified)},
        "severity": {"N": str(int(state.severity))},
        "rule": {"S": state.rule},
        "latest": {
            "S": orjson.dumps(
                {
                    "rule": latest.rule,
                    "minute": latest.minute,
                    "severity": int(latest.severity),
                    "observed": latest.observed,
                    "expected": latest.expected,
                    "window": latest.window_minutes,
                    "note": latest.note,
                }
            ).decode()
        },
        "thread": {"S": _thread_text(thread_of(state))},
        "version": {"N": str(state.version)},
        "expires_at": {"N": str(state.last_firing * 60 + ttl_days * _SECONDS_PER_DAY)},
    }


def _thread_text(thread: Thread) -> str:
    return orjson.dumps(
        {
            "incident": thread.incident,
            "opened": thread.opened,
            "announced": thread.announced,
            "severity": int(thread.severity),
            "last_message": thread.last_message,
            "peak": thread.peak,
            "peak_minute": thread.peak_minute,
            "peak_series": thread.peak_series,
            "messages": thread.messages,
            "rule": thread.rule,
            "headline": None if thread.headline is None else [thread.headline.group, *thread.headline.series],
        }
    ).decode()


def _thread(item: dict[str, Any]) -> Thread | None:
    """The incident of a stored alert; None for items written before incidents (``thread_of`` fills it in)."""
    if "thread" not in item:
        return None
    raw = orjson.loads(item["thread"]["S"])
    return Thread(
        incident=str(raw["incident"]),
        opened=int(raw["opened"]),
        announced=bool(raw["announced"]),
        severity=Severity(int(raw["severity"])),
        last_message=int(raw["last_message"]),
        peak=float(raw["peak"]),
        peak_minute=int(raw["peak_minute"]),
        peak_series=str(raw["peak_series"]),
        messages=int(raw["messages"]),
        rule=str(raw.get("rule", "")),
        headline=_headline(raw.get("headline")),
    )


def _headline(raw: Any) -> AlertKey | None:
    """The alert an incident's latest message named; None for items written before it was stored."""
    if not isinstance(raw, list) or len(raw) != 4:
        return None
    group, subsystem, event, level = (str(part) for part in raw)
    return AlertKey(group, SeriesKey(subsystem, event, level))


def _state(item: dict[str, Any]) -> AlertState:
    series = SeriesKey(*(part["S"] for part in item["series"]["L"]))
    latest = orjson.loads(item["latest"]["S"])
    finding = Finding(
        latest["rule"],
        series,
        int(latest["minute"]),
        Severity(int(latest["severity"])),
        float(latest["observed"]),
        float(latest["expected"]),
        int(latest["window"]),
        str(latest["note"]),
    )
    return AlertState(
        key=AlertKey(item["group"]["S"], series),
        opened=int(item["opened"]["N"]),
        last_firing=int(item["last_firing"]["N"]),
        last_notified=int(item["last_notified"]["N"]),
        severity=Severity(int(item["severity"]["N"])),
        rule=item["rule"]["S"],
        latest=finding,
        version=int(item["version"]["N"]),
        thread=_thread(item),
    )


class DynamoAlertStore:
    def __init__(self, client: Any, table: str, ttl_days: int = 7) -> None:
        self._client = client
        self._table = table
        self._ttl_days = ttl_days

    def load(self) -> dict[AlertKey, AlertState]:
        states: dict[AlertKey, AlertState] = {}
        kwargs: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        try:
            while True:
                page = self._client.scan(**kwargs)
                for item in page.get("Items", []):
                    state = _state(item)
                    states[state.key] = state
                if "LastEvaluatedKey" not in page:
                    return states
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except ClientError as exc:
            raise StateUnavailableError(f"cannot read alert state: {exc.response['Error']['Code']}") from exc

    def apply(self, transition: Transition) -> bool:
        return self._write(transition.before, transition.after, transition.key)

    def restore(self, transition: Transition) -> None:
        self._write(transition.after, transition.before, transition.key)

    def _write(self, before: AlertState | None, after: AlertState | None, key: AlertKey) -> bool:
        try:
            if after is None:
                if before is None:
                    return True
                self._client.delete_item(
                    TableName=self._table,
                    Key={"alert": {"S": str(key)}},
                    ConditionExpression="#v = :v",
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues={":v": {"N": str(before.version)}},
                )
            elif before is None:
                self._client.put_item(
                    TableName=self._table,
                    Item=_item(after, self._ttl_days),
                    ConditionExpression="attribute_not_exists(alert)",
                )
            else:
                self._client.put_item(
                    TableName=self._table,
                    Item=_item(after, self._ttl_days),
                    ConditionExpression="#v = :v",
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues={":v": {"N": str(before.version)}},
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise StateUnavailableError(f"cannot write alert state: {exc.response['Error']['Code']}") from exc
        return True


class MemoryAlertStore:
    """The same contract in memory (the backtest's lifecycle, and tests of the check service)."""

    def __init__(self) -> None:
        self.states: dict[AlertKey, AlertState] = {}

    def load(self) -> dict[AlertKey, AlertState]:
        return dict(self.states)

    def apply(self, transition: Transition) -> bool:
        current = self.states.get(transition.key)
        expected_version = None if transition.before is None else transition.before.version
        if (None if current is None else current.version) != expected_version:
            return False
        if transition.after is None:
            self.states.pop(transition.key, None)
        else:
            self.states[transition.key] = transition.after
        return True

    def restore(self, transition: Transition) -> None:
        if transition.before is None:
            self.states.pop(transition.key, None)
        else:
            self.states[transition.key] = transition.before
