# ruff: noqa: E501  (generated log lines are as long as the real ones)
"""The order system's logs, minute by minute: seasonal, noisy, with personal data where real services
leak it, and with incidents on demand.

Services and the formats they write:
- ``shop-api`` (Java, logback JSON) — orders created, status changes, checkout and cart, publishing to MQ;
- ``crm-api`` (C#, Serilog compact JSON) — orders received, customers, payments, contracts;
- ``mes-api`` (Java, Spring Boot text with stack traces) — prices, pages and contract API for API users;
- the RabbitMQ broker (Amazon MQ's log group) — connections, authentication, alarms.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal

from logwarden_tools.generate.people import Customer, make_customer

IncidentKind = Literal["order_flood", "mes_error_burst", "mq_connection_storm", "order_silence"]

BROKER_ID: Final = "b-4a1c2e3f-1111-2222-3333-444455556666"
LOG_GROUPS: Final = {
    "shop-api": "/ecs/shop-api",
    "crm-api": "/ecs/crm-api",
    "mes-api": "/ecs/mes-api",
    "rabbitmq": f"/aws/amazonmq/broker/{BROKER_ID}/general",
}
SUBSYSTEMS: Final = {"shop-api": "shop", "crm-api": "crm", "mes-api": "mes", "rabbitmq": "mq"}
_API_CLIENTS: Final = ("acme-trading", "nord-logistics", "volga-retail", "ural-parts")
_STATUSES: Final = ("NEW", "SENT_TO_CRM", "IN_CRM", "PRICED", "CONFIRMED", "SHIPPED")
# An order moves on with this probability each minute: about 17 minutes from creation to shipping, so the
# CRM and MES keep working through orders already in flight when the shop stops creating new ones.
_ADVANCE_PER_MINUTE: Final = 0.3


@dataclass(frozen=True, slots=True)
class Incident:
    kind: IncidentKind
    start_minute: int
    duration_minutes: int

    def active(self, minute: int) -> bool:
        return self.start_minute <= minute < self.start_minute + self.duration_minutes


@dataclass(frozen=True, slots=True)
class LogLine:
    ts_ms: int
    service: str
    text: str

    @property
    def subsystem(self) -> str:
        return SUBSYSTEMS[self.service]

    @property
    def log_group(self) -> str:
        return LOG_GROUPS[self.service]


@dataclass(frozen=True, slots=True)
class TrafficPlan:
    seed: int = 7
    start: datetime = datetime(2025, 11, 24, 6, 0, tzinfo=UTC)
    minutes: int = 180
    orders_per_minute: float = 4.0  # at the daily peak
    flood_per_second: float = 200.0
    incidents: tuple[Incident, ...] = ()


@dataclass(slots=True)
class _Order:
    order_id: str
    customer: Customer
    status_index: int = 0


@dataclass(slots=True)
class TrafficGenerator:
    plan: TrafficPlan
    rng: random.Random = field(init=False)
    customers: list[Customer] = field(init=False)
    personal_values: set[str] = field(init=False, default_factory=set)
    lines_by_kind: dict[str, int] = field(init=False, default_factory=dict)
    _order_seq: int = field(init=False, default=0)
    _open_orders: list[_Order] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)  # noqa: S311 - synthetic traffic, not security
        self.customers = [make_customer(self.rng, n) for n in range(200)]

    # -- the stream ---------------------------------------------------------------------------------------

    def minutes(self) -> Iterator[tuple[int, list[LogLine]]]:
        """(minute index, that minute's lines in time order) for the whole plan."""
        start_ms = int(self.plan.start.timestamp() * 1000)
        for minute in range(self.plan.minutes):
            base = start_ms + minute * 60_000
            lines = self._minute(minute, base)
            lines.sort(key=lambda line: line.ts_ms)
            yield minute, lines

    def _minute(self, minute: int, base_ms: int) -> list[LogLine]:
        active = {incident.kind for incident in self.plan.incidents if incident.active(minute)}
        hour = ((base_ms // 3_600_000) % 24) + 3  # the business runs on Moscow time
        season = 0.35 + 0.65 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 4) / 24))
        lines: list[LogLine] = []
        orders = 0 if "order_silence" in active else self._poisson(self.plan.orders_per_minute * season)
        for _ in range(orders):
            self._new_order(base_ms + self.rng.randrange(60_000), lines)
        self._advance_orders(base_ms, lines)
        for _ in range(self._poisson(6 * season)):
            self._api_request(base_ms + self.rng.randrange(60_000), lines)
        for _ in range(self._poisson(2.0)):
            self._broker_routine(base_ms + self.rng.randrange(60_000), lines)
        self._warnings(base_ms, season, lines)
        self._background_errors(base_ms, lines)
        if "order_flood" in active:
            for _ in range(self._poisson(self.plan.flood_per_second * 60)):
                self._spam_order(base_ms + self.rng.randrange(60_000), lines)
        if "mes_error_burst" in active:
            for _ in range(self._poisson(300)):
                self._mes_processing_error(base_ms + self.rng.randrange(60_000), lines)
        if "mq_connection_storm" in active:
            for _ in range(self._poisson(200)):
                self._broker_connection_error(base_ms + self.rng.randrange(60_000), lines)
            for _ in range(self._poisson(40)):
                self._service_amqp_error(base_ms + self.rng.randrange(60_000), lines)
        return lines

    # -- an order's life ---------------------------------------------------------------------------------

    def _new_order(self, ts: int, lines: list[LogLine]) -> None:
        self._order_seq += 1
        customer = self.rng.choice(self.customers)
        order = _Order(f"ORD-{self.plan.seed:02d}-{self._order_seq:07d}", customer)
        self._open_orders.append(order)
        self._count("order_created")
        self._remember(customer.email, customer.phone, customer.address, customer.full_name)
        lines.append(
            self._logback(
                ts,
                "INFO",
                "ru.shop.orders.OrderService",
                f"Order {order.order_id} created",
                orderId=order.order_id,
                customerId=customer.customer_id,
                event="order_created",
                customerEmail=customer.email,
                customerPhone=customer.phone,
                customerName=customer.full_name,
                deliveryAddress=customer.address,
                amount=round(self.rng.uniform(500, 90000), 2),
            )
        )
        if self.rng.random() < 0.3:
            # A leak in free text, as real services do: the confirmation mail address in the message.
            lines.append(
                self._logback(
                    ts + 40,
                    "INFO",
                    "ru.shop.mail.ConfirmationSender",
                    f"Confirmation for order {order.order_id} sent to {customer.email}",
                    orderId=order.order_id,
                )
            )

    def _advance_orders(self, base_ms: int, lines: list[LogLine]) -> None:
        still_open: list[_Order] = []
        for order in self._open_orders:
            if self.rng.random() >= _ADVANCE_PER_MINUTE:
                still_open.append(order)  # waiting in a queue, for a person, or for the MES
                continue
            ts = base_ms + self.rng.randrange(60_000)
            order.status_index += 1
            status = _STATUSES[order.status_index]
            previous = _STATUSES[order.status_index - 1]
            if status == "SENT_TO_CRM":
                lines.append(
                    self._logback(
                        ts,
                        "INFO",
                        "ru.shop.orders.OrderStatusListener",
                        f"Order {order.order_id} status changed from {previous} to {status}",
                        orderId=order.order_id,
                    )
                )
            elif status == "IN_CRM":
                lines.append(
                    self._clef(
                        ts,
                        None,
                        "Order {OrderId} received from shop for customer {CustomerId}",
                        "Crm.Orders.OrderConsumer",
                        OrderId=order.order_id,
                        CustomerId=order.customer.customer_id,
                    )
                )
                lines.append(
                    self._clef(
                        ts + 25,
                        None,
                        "Order {OrderId} status changed from {OldStatus} to {NewStatus}",
                        "Crm.Orders.OrderWorkflow",
                        OrderId=order.order_id,
                        OldStatus=previous,
                        NewStatus=status,
                    )
                )
                self._crm_personal_data(ts + 50, order, lines)
            elif status == "PRICED":
                price = round(self.rng.uniform(500, 90000), 2)
                self._count("price_calculated")
                lines.append(
                    self._spring(
                        ts,
                        "INFO",
                        "r.m.pricing.PriceCalculator",
                        f"Price calculated for order {order.order_id}: {price:.2f} RUB",
                    )
                )
            else:
                lines.append(
                    self._clef(
                        ts,
                        None,
                        "Order {OrderId} status changed from {OldStatus} to {NewStatus}",
                        "Crm.Orders.OrderWorkflow",
                        OrderId=order.order_id,
                        OldStatus=previous,
                        NewStatus=status,
                    )
                )
            if order.status_index < len(_STATUSES) - 1:
                still_open.append(order)
        self._open_orders = still_open

    def _crm_personal_data(self, ts: int, order: _Order, lines: list[LogLine]) -> None:
        customer = order.customer
        roll = self.rng.random()
        if roll < 0.25:
            self._remember(customer.full_name, customer.email, customer.phone)
            lines.append(
                self._clef(
                    ts,
                    "Warning",
                    "Customer {CustomerName} ({Email}) updated contact phone {Phone}",
                    "Crm.Customers.CustomerService",
                    CustomerName=customer.full_name,
                    Email=customer.email,
                    Phone=customer.phone,
                    CustomerId=customer.customer_id,
                )
            )
        elif roll < 0.45:
            self._remember(customer.card)
            lines.append(
                self._clef(
                    ts,
                    None,
                    "Payment card {CardNumber} authorised for order {OrderId}",
                    "Crm.Payments.PaymentService",
                    CardNumber=customer.card,
                    OrderId=order.order_id,
                )
            )
        elif roll < 0.55:
            self._remember(customer.passport, customer.snils, customer.birth_date)
            lines.append(
                self._clef(
                    ts,
                    None,
                    "Identity verified for customer {CustomerId}: passport {Passport}, SNILS {Snils}, born {BirthDate}",
                    "Crm.Customers.KycService",
                    CustomerId=customer.customer_id,
                    Passport=customer.passport,
                    Snils=customer.snils,
                    BirthDate=customer.birth_date,
                )
            )

    def _spam_order(self, ts: int, lines: list[LogLine]) -> None:
        self._order_seq += 1
        self._count("order_created")
        lines.append(
            self._logback(
                ts,
                "INFO",
                "ru.shop.orders.OrderService",
                f"Order ORD-{self.plan.seed:02d}-{self._order_seq:07d} created",
                orderId=f"ORD-{self.plan.seed:02d}-{self._order_seq:07d}",
                customerId="CUST-GUEST",
                event="order_created",
            )
        )

    # -- pages, API users, warnings and errors -----------------------------------------------------------

    def _api_request(self, ts: int, lines: list[LogLine]) -> None:
        self._count("api_request")
        if self.rng.random() < 0.7:
            page = self.rng.choice(("catalog", "prices", "delivery-terms", "contracts/templates"))
            text = f"GET /api/pages/{page} 200 in {self.rng.randint(3, 80)} ms"
            lines.append(self._spring(ts, "INFO", "r.m.web.ApiRequestLog", text))
            return
        client = self.rng.choice(_API_CLIENTS)
        status = 201 if self.rng.random() < 0.97 else 502
        text = (
            f"POST /api/contracts 201 in {self.rng.randint(40, 400)} ms"
            if status == 201
            else (f"POST /api/contracts 502 in {self.rng.randint(5000, 9000)} ms")
        )
        lines.append(self._spring(ts, "INFO" if status == 201 else "ERROR", "r.m.web.ApiRequestLog", text))
        if self.rng.random() < 0.2:
            token = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
            self._remember(token)
            lines.append(
                self._spring(
                    ts + 3,
                    "DEBUG",
                    "r.m.web.AuthFilter",
                    f"Contract API call from {client} with Authorization: Bearer {token}",
                )
            )

    def _warnings(self, base_ms: int, season: float, lines: list[LogLine]) -> None:
        for _ in range(self._poisson(0.3)):
            self._count("order_overdue")
            hours = self.rng.randint(25, 96)
            order = f"ORD-{self.plan.seed:02d}-{self.rng.randint(1, max(1, self._order_seq)):07d}"
            lines.append(
                self._spring(
                    base_ms + self.rng.randrange(60_000),
                    "WARN",
                    "r.m.orders.OverdueWatcher",
                    f"Order {order} is overdue by {hours} hours",
                )
            )
        for _ in range(self._poisson(0.4 * season)):
            self._count("slow_operation")
            lines.append(
                self._spring(
                    base_ms + self.rng.randrange(60_000),
                    "WARN",
                    "r.m.pricing.PriceCalculator",
                    f"Slow operation: price recalculation took {self.rng.randint(1500, 6000)} ms",
                )
            )
        for _ in range(self._poisson(0.15)):
            self._count("limit_exceeded")
            client = self.rng.choice(_API_CLIENTS)
            lines.append(
                self._spring(
                    base_ms + self.rng.randrange(60_000),
                    "WARN",
                    "r.m.web.RateLimiter",
                    f"Rate limit exceeded for client {client}",
                )
            )

    def _background_errors(self, base_ms: int, lines: list[LogLine]) -> None:
        for _ in range(self._poisson(0.2)):
            self._mes_processing_error(base_ms + self.rng.randrange(60_000), lines)
        for _ in range(self._poisson(0.1)):
            lines.append(
                self._clef(
                    base_ms + self.rng.randrange(60_000),
                    "Error",
                    "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms",
                    "Serilog.AspNetCore.RequestLoggingMiddleware",
                    RequestMethod="POST",
                    RequestPath="/api/contracts",
                    StatusCode=503,
                    Elapsed=round(self.rng.uniform(5000, 9000), 4),
                    exception=(
                        "System.Net.Http.HttpRequestException: Service Unavailable (mes-api:8443)\n"
                        "   at Crm.Integration.MesClient.SendContractAsync(Contract contract) in /src/Crm.Integration/MesClient.cs:line 88"
                    ),
                )
            )

    def _mes_processing_error(self, ts: int, lines: list[LogLine]) -> None:
        order = f"ORD-{self.plan.seed:02d}-{self.rng.randint(1, max(1, self._order_seq)):07d}"
        text = (
            f"Failed to process message for order {order} from queue mes.orders\n"
            "org.springframework.amqp.rabbit.support.ListenerExecutionFailedException: Listener method threw exception\n"
            "\tat org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer.wrapToListenerExecutionFailedExceptionIfNeeded(AbstractMessageListenerContainer.java:1765)\n"
            "Caused by: java.lang.IllegalStateException: Price list 2025-Q4 not loaded\n"
            "\tat ru.mes.pricing.PriceListRepository.current(PriceListRepository.java:57)\n"
            "\t... 14 common frames omitted"
        )
        lines.append(self._spring(ts, "ERROR", "r.m.orders.OrderMessageListener", text))

    def _broker_routine(self, ts: int, lines: list[LogLine]) -> None:
        client = f"10.0.{self.rng.randint(2, 4)}.{self.rng.randint(10, 60)}:{self.rng.randint(30000, 60000)}"
        pid = f"<0.{self.rng.randint(1000, 9000)}.0>"
        if self.rng.random() < 0.5:
            text = f"accepting AMQP connection {pid} ({client} -> 10.0.1.10:5671)"
            lines.append(self._broker(ts, "info", pid, text))
        else:
            user = self.rng.choice(("shop-service", "crm-service", "mes-service"))
            text = f"connection {pid} ({client} -> 10.0.1.10:5671): user '{user}' authenticated and granted access to vhost '/'"
            lines.append(self._broker(ts, "info", pid, text))

    def _broker_connection_error(self, ts: int, lines: list[LogLine]) -> None:
        self._count("mq_connection_error")
        client = f"10.0.{self.rng.randint(2, 4)}.{self.rng.randint(10, 60)}:{self.rng.randint(30000, 60000)}"
        pid = f"<0.{self.rng.randint(1000, 9000)}.0>"
        user = self.rng.choice(("shop-service", "crm-service", "mes-service"))
        if self.rng.random() < 0.5:
            text = (
                f"Error on AMQP connection {pid} ({client} -> 10.0.1.10:5671, state: starting):\n"
                f"PLAIN login refused: user '{user}' - invalid credentials"
            )
            lines.append(self._broker(ts, "error", pid, text))
        else:
            text = (
                f"closing AMQP connection {pid} ({client} -> 10.0.1.10:5671, vhost: '/', user: '{user}'):\n"
                "client unexpectedly closed TCP connection"
            )
            lines.append(self._broker(ts, "warning", pid, text))

    def _service_amqp_error(self, ts: int, lines: list[LogLine]) -> None:
        lines.append(
            self._logback(
                ts,
                "ERROR",
                "ru.shop.mq.OrderPublisher",
                "Failed to publish order event to exchange orders.crm",
                stack_trace=(
                    "org.springframework.amqp.AmqpConnectException: java.net.ConnectException: Connection refused\n"
                    "\tat org.springframework.amqp.rabbit.support.RabbitExceptionTranslator.convertRabbitAccessException(RabbitExceptionTranslator.java:61)\n"
                    "Caused by: java.net.ConnectException: Connection refused"
                ),
            )
        )

    # -- formats ----------------------------------------------------------------------------------------

    def _logback(self, ts: int, level: str, logger: str, message: str, **fields: object) -> LogLine:
        record: dict[str, object] = {
            "@timestamp": _iso_msk(ts),
            "@version": "1",
            "message": message,
            "logger_name": logger,
            "thread_name": self.rng.choice(("http-nio-8080-exec-1", "http-nio-8080-exec-7", "rabbit-listener-2")),
            "level": level,
            "level_value": {"DEBUG": 10000, "INFO": 20000, "WARN": 30000, "ERROR": 40000}[level],
            "traceId": f"{self.rng.getrandbits(128):032x}",
        }
        record.update(fields)
        return LogLine(ts, "shop-api", json.dumps(record, ensure_ascii=False))

    def _clef(
        self, ts: int, level: str | None, template: str, source: str, exception: str | None = None, **properties: object
    ) -> LogLine:
        record: dict[str, object] = {"@t": _iso_utc_7(ts), "@mt": template}
        if level is not None:
            record["@l"] = level
        if exception is not None:
            record["@x"] = exception
        record["@tr"] = f"{self.rng.getrandbits(128):032x}"
        record.update(properties)
        record.update({"SourceContext": source, "Application": "crm-api", "MachineName": "crm-7f9c"})
        return LogLine(ts, "crm-api", json.dumps(record, ensure_ascii=False))

    def _spring(self, ts: int, level: str, logger: str, message: str) -> LogLine:
        thread = self.rng.choice(("nio-8443-exec-1", "nio-8443-exec-4", "   scheduling-1"))
        local = datetime.fromtimestamp(ts / 1000 + 3 * 3600, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        return LogLine(ts, "mes-api", f"{local} {level:>5} 4242 --- [mes-api] [{thread}] {logger:<40} : {message}")

    def _broker(self, ts: int, level: str, pid: str, text: str) -> LogLine:
        moment = datetime.fromtimestamp(ts / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return LogLine(ts, "rabbitmq", f"{moment}+00:00 [{level}] {pid} {text}")

    # -- helpers ----------------------------------------------------------------------------------------

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 50:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        threshold, k, product = math.exp(-lam), 0, self.rng.random()
        while product > threshold:
            k += 1
            product *= self.rng.random()
        return k

    def _remember(self, *values: str) -> None:
        self.personal_values.update(values)

    def _count(self, kind: str) -> None:
        self.lines_by_kind[kind] = self.lines_by_kind.get(kind, 0) + 1


def _iso_msk(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000 + 3 * 3600, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+03:00"


def _iso_utc_7(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
