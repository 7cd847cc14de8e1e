"""Which subsystem a log group (or queue) belongs to, and which service wrote it.

Rules are regular expressions tried in order; user rules (``LOGWARDEN_ROUTING_RULES``, a JSON list of
``{"pattern": ..., "subsystem": ..., "service": ..., "layout": ...}``) come before the defaults. A group no rule
claims goes to the default subsystem: never dropped.

``layout`` (optional) is the text layout the group's services write, a logback/log4j2 PatternLayout or a Serilog
outputTemplate (``logwarden.parsing.layout``); it is compiled here, once, so a bad one fails the cold start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from logwarden.memo import memoised
from logwarden.naming import DEFAULT_SUBSYSTEM
from logwarden.parsing.layout import CompiledLayout, LayoutError, compile_layout

_EDGE: Final = r"(?:^|[/_.:\-])"
_END: Final = r"(?:$|[/_.:\-])"


@dataclass(frozen=True, slots=True)
class RouteRule:
    pattern: re.Pattern[str]
    subsystem: str
    service: str | None = None
    layout: CompiledLayout | None = None


@dataclass(frozen=True, slots=True)
class Route:
    subsystem: str
    service: str
    layout: CompiledLayout | None = None  # the layout its records are read with first, when configured


DEFAULT_RULES: Final = (
    # Amazon MQ publishes broker logs to /aws/amazonmq/broker/<broker-id>/general|connection|channel...
    RouteRule(re.compile(r"^/aws/amazonmq/broker/"), "mq", "rabbitmq"),
    RouteRule(re.compile(_EDGE + r"(?:web)?shop" + _END, re.I), "shop"),
    RouteRule(re.compile(_EDGE + r"crm" + _END, re.I), "crm"),
    RouteRule(re.compile(_EDGE + r"mes" + _END, re.I), "mes"),
    RouteRule(re.compile(_EDGE + r"(?:rabbitmq|rabbit|amazonmq|mq)" + _END, re.I), "mq"),
)


def parse_rules(raw: list[dict[str, Any]]) -> tuple[RouteRule, ...]:
    """User rules from configuration; raises ValueError naming the bad rule."""
    rules = []
    for position, item in enumerate(raw):
        try:
            layout = item.get("layout")
            rules.append(
                RouteRule(
                    re.compile(str(item["pattern"])),
                    str(item["subsystem"]),
                    item.get("service"),
                    compile_layout(layout) if layout is not None else None,
                )
            )
        except LayoutError as error:
            raise ValueError(f"routing rule #{position} {item!r}: layout: {error}") from error
        except (KeyError, TypeError, AttributeError, re.error) as error:
            raise ValueError(f"routing rule #{position} {item!r}: {error}") from error
    return tuple(rules)


class Router:
    def __init__(self, rules: tuple[RouteRule, ...] = (), default_subsystem: str = DEFAULT_SUBSYSTEM) -> None:
        self._rules = rules + DEFAULT_RULES
        self._default = default_subsystem
        self.route = memoised(4096)(self._route)

    @property
    def default_subsystem(self) -> str:
        """Where a source no rule claims goes."""
        return self._default

    def _route(self, source: str) -> Route:
        service = _service_from_source(source)
        for rule in self._rules:
            if rule.pattern.search(source):
                return Route(rule.subsystem, rule.service or service, rule.layout)
        return Route(self._default, service)


def _service_from_source(source: str) -> str:
    """``/ecs/shop-api`` -> ``shop-api``; ``/aws/lambda/crm-sync`` -> ``crm-sync``; ``orders::/`` -> ``orders``."""
    name = source.split("::", 1)[0].rstrip("/")
    return name.rsplit("/", 1)[-1] or "unknown"
