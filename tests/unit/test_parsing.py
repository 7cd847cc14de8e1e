"""Each format our services write, parsed into schema fields."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.parsing import enrich
from logwarden.parsing.sniff import FLAG_PARSE_FALLBACK, parse_record
from logwarden.parsing.structured import render_message_template

RECEIVED = 1764078000000


def test_logback_json_with_mdc_and_stack_trace() -> None:
    line = json.dumps(
        {
            "@timestamp": "2025-11-25T16:40:02.400+03:00",
            "@version": "1",
            "message": "Failed to publish order ORD-2025-000188",
            "logger_name": "ru.shop.mq.OrderPublisher",
            "thread_name": "scheduling-1",
            "level": "ERROR",
            "level_value": 40000,
            "orderId": "ORD-2025-000188",
            "customerId": "CUST-1",
            "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
            "tenant": "retail",
            "stack_trace": "org.springframework.amqp.AmqpConnectException: Connection refused\n\tat a.B.c(B.java:1)",
        }
    )
    parsed = parse_record(line, RECEIVED)
    fields = parsed.fields
    assert fields[schema.FORMAT] == "logback"
    assert fields[schema.LEVEL] == "ERROR"
    assert fields[schema.LOGGER] == "ru.shop.mq.OrderPublisher"
    assert fields[schema.THREAD] == "scheduling-1"
    assert fields[schema.ORDER_ID] == "ORD-2025-000188"
    assert fields[schema.CUSTOMER_ID] == "CUST-1"
    assert fields[schema.TRACE_ID] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert fields[schema.ERROR_TYPE] == "org.springframework.amqp.AmqpConnectException"
    assert fields[schema.ERROR_MESSAGE] == "Connection refused"
    assert fields[schema.STACK_TRACE].endswith("at a.B.c(B.java:1)")
    assert parsed.labels == {"tenant": "retail"}  # what no rule claims stays, version noise goes
    assert parsed.line_ms == RECEIVED + 2400 and parsed.had_offset


def test_serilog_compact_json_renders_the_template_and_defaults_to_information() -> None:
    line = json.dumps(
        {
            "@t": "2025-11-25T13:40:00.5610000Z",
            "@mt": "Order {OrderId} status changed from {OldStatus} to {NewStatus} after {Elapsed:0.00} ms",
            "OrderId": "ORD-7",
            "OldStatus": "NEW",
            "NewStatus": "IN_CRM",
            "Elapsed": 12.5,
            "SourceContext": "Crm.Orders.OrderWorkflow",
            "@tr": "abc123",
            "@i": "a1b2c3d4",
        }
    )
    parsed = parse_record(line, RECEIVED)
    fields = parsed.fields
    assert fields[schema.FORMAT] == "serilog"
    assert fields[schema.LEVEL] == "INFO"
    assert fields[schema.MESSAGE] == "Order ORD-7 status changed from NEW to IN_CRM after 12.5 ms"
    assert fields[schema.LOGGER] == "Crm.Orders.OrderWorkflow"
    assert fields[schema.TRACE_ID] == "abc123"
    assert fields[schema.ORDER_STATUS] == "IN_CRM" and fields[schema.ORDER_PREVIOUS_STATUS] == "NEW"
    assert fields[schema.DURATION_MS] == 12.5
    assert parsed.labels["serilog_event_id"] == "a1b2c3d4"


def test_serilog_exception_fills_error_fields() -> None:
    line = json.dumps(
        {
            "@t": "2025-11-25T13:40:00Z",
            "@m": "Contract failed",
            "@l": "Error",
            "@x": "System.TimeoutException: The operation has timed out.\n   at Mes.Client.Send() in /src/C.cs:line 9",
        }
    )
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.LEVEL] == "ERROR"
    assert fields[schema.ERROR_TYPE] == "System.TimeoutException"
    assert fields[schema.ERROR_MESSAGE] == "The operation has timed out."


def test_message_template_escapes_and_missing_properties() -> None:
    rendered = render_message_template("{{literal}} {Known} {Missing} {@Obj}", {"Known": "x", "Obj": {"a": 1}})
    assert rendered == "{literal} x {Missing} {'a': 1}"


@pytest.mark.parametrize(
    ("line", "layout", "level", "logger", "thread"),
    [
        (
            "2025-11-25 16:40:01.004  INFO 4242 --- [mes-api] [nio-8443-exec-1] r.m.pricing.PriceCalculator : Done",
            "spring",
            "INFO",
            "r.m.pricing.PriceCalculator",
            "nio-8443-exec-1",
        ),
        (
            "2025-11-25T16:40:01.004+03:00 ERROR 4242 --- [           main] o.s.boot.SpringApplication : Failed",
            "spring",
            "ERROR",
            "o.s.boot.SpringApplication",
            "main",
        ),
        (
            "2025-11-25 16:40:01,004 WARN [worker-2] ru.mes.Sync - Retrying",
            "logback-pattern",
            "WARN",
            "ru.mes.Sync",
            "worker-2",
        ),
        (
            "2025-11-25 16:40:01.004 [main] DEBUG ru.mes.Boot - Loaded",
            "logback-pattern",
            "DEBUG",
            "ru.mes.Boot",
            "main",
        ),
        ("16:40:01.004 [main] INFO  ru.mes.Boot - Started", "logback-pattern", "INFO", "ru.mes.Boot", "main"),
    ],
)
def test_java_text_layouts(line: str, layout: str, level: str, logger: str, thread: str) -> None:
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.FORMAT] == layout
    assert fields[schema.LEVEL] == level
    assert fields[schema.LOGGER] == logger
    assert fields[schema.THREAD] == thread


def test_multiline_java_record_keeps_its_stack_trace_in_one_document() -> None:
    line = (
        "2025-11-25 16:40:01.064 ERROR 4242 --- [nio-8443-exec-4] r.m.contracts.ContractController : Contract failed\n"
        "java.lang.IllegalStateException: Price list 2025-Q4 not loaded\n"
        "\tat ru.mes.pricing.PriceListRepository.current(PriceListRepository.java:57)\n"
        "Caused by: java.io.IOException: disk\n"
        "\t... 12 more"
    )
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.MESSAGE] == "Contract failed"
    assert fields[schema.ERROR_TYPE] == "java.lang.IllegalStateException"
    assert fields[schema.ERROR_MESSAGE] == "Price list 2025-Q4 not loaded"
    assert fields[schema.STACK_TRACE].startswith("java.lang.IllegalStateException")
    assert fields[schema.STACK_TRACE].endswith("... 12 more")


def test_dotnet_console_layout_with_exception() -> None:
    line = (
        "fail: Crm.Api.ContractsController[0]\n"
        "      Contract request failed\n"
        "System.InvalidOperationException: Sequence contains no elements\n"
        "   at System.Linq.ThrowHelper.ThrowNoElementsException()"
    )
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.FORMAT] == "dotnet-console"
    assert fields[schema.LEVEL] == "ERROR"
    assert fields[schema.LOGGER] == "Crm.Api.ContractsController"
    assert fields[schema.MESSAGE] == "Contract request failed"
    assert fields[schema.ERROR_TYPE] == "System.InvalidOperationException"


@pytest.mark.parametrize(
    ("line", "level"),
    [("2025-11-25 16:40:00.123 +03:00 [WRN] Slow query", "WARN"), ("[16:40:00 ERR] Broken", "ERROR")],
)
def test_serilog_text_sink(line: str, level: str) -> None:
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.FORMAT] == "serilog-text"
    assert fields[schema.LEVEL] == level


def test_lambda_runtime_lines() -> None:
    node = '2020-03-05T16:30:36.113Z\tf08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDEBUG\t[dd.trace_id=1] {"status":"debug","message":"patched"}\n'
    parsed = parse_record(node, RECEIVED)
    assert parsed.fields[schema.FORMAT] == "lambda"
    assert parsed.fields[schema.LEVEL] == "DEBUG"
    assert parsed.fields[schema.MESSAGE] == "patched"
    assert parsed.labels["request_id"] == "f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb"
    report = "REPORT RequestId: f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDuration: 3.47 ms\tBilled Duration: 100 ms\t\n"
    fields = parse_record(report, RECEIVED).fields
    assert fields[schema.EVENT_KIND] == "lambda_report"
    assert fields[schema.DURATION_MS] == 3.47


def test_unknown_text_is_kept_whole_with_a_guessed_level_and_a_flag() -> None:
    parsed = parse_record("something odd happened: ERROR code 7", RECEIVED)
    assert parsed.fields[schema.MESSAGE] == "something odd happened: ERROR code 7"
    assert parsed.fields[schema.FORMAT] == "raw"
    assert parsed.fields[schema.LEVEL] == "ERROR"
    assert parsed.flags == [FLAG_PARSE_FALLBACK]
    assert parsed.line_ms is None


def test_other_json_takes_usual_keys_and_keeps_the_rest() -> None:
    parsed = parse_record('{"msg": "hello", "severity": "warning", "ts": 1764078000, "region": "eu"}', RECEIVED)
    assert parsed.fields[schema.FORMAT] == "json"
    assert parsed.fields[schema.MESSAGE] == "hello"
    assert parsed.fields[schema.LEVEL] == "WARN"
    assert parsed.line_ms == 1764078000000
    assert parsed.labels == {"region": "eu"}


@pytest.mark.parametrize(
    ("message", "kind", "expected"),
    [
        ("Order ORD-2025-000187 created", "order_created", {schema.ORDER_ID: "ORD-2025-000187"}),
        ("Created order №100234 for web checkout", "order_created", {schema.ORDER_ID: "100234"}),
        (
            "Order 55012 status changed from NEW to PAID",
            "order_status_changed",
            {schema.ORDER_ID: "55012", schema.ORDER_PREVIOUS_STATUS: "NEW", schema.ORDER_STATUS: "PAID"},
        ),
        (
            "Price calculated for order ORD-9: 1234,50 руб",
            "price_calculated",
            {schema.ORDER_ID: "ORD-9", schema.ORDER_PRICE: 1234.5, schema.ORDER_CURRENCY: "RUB"},
        ),
        (
            "HTTP POST /api/contracts?x=1 responded 503 in 5012.3 ms",
            "api_request",
            {schema.HTTP_METHOD: "POST", schema.URL_PATH: "/api/contracts", schema.HTTP_STATUS: 503},
        ),
        ("Order ORD-142 is overdue by 36 hours", "order_overdue", {schema.ORDER_ID: "ORD-142"}),
        ("Rate limit exceeded for client acme", "limit_exceeded", {}),
        ("Slow operation: recalculation took 2350 ms", "slow_operation", {schema.DURATION_MS: 2350.0}),
    ],
)
def test_event_kinds_from_messages(message: str, kind: str, expected: dict[str, object]) -> None:
    line = json.dumps({"@timestamp": "2025-11-25T13:40:00Z", "level": "INFO", "message": message})
    from logwarden.parsing.enrich import classify_message

    fields = parse_record(line, RECEIVED).fields
    classify_message(fields[schema.MESSAGE], fields)
    assert fields[schema.EVENT_KIND] == kind
    for key, value in expected.items():
        assert fields[key] == value


def test_structured_event_property_wins_over_message_patterns() -> None:
    from logwarden.parsing.enrich import classify_message

    line = json.dumps(
        {
            "@timestamp": "2025-11-25T13:40:00Z",
            "level": "INFO",
            "message": "Order 1234 created",
            "event": "OrderImported",
        }
    )
    fields = parse_record(line, RECEIVED).fields
    classify_message(fields[schema.MESSAGE], fields)
    assert fields[schema.EVENT_KIND] == "order_imported"


def test_words_alone_are_not_events() -> None:
    from logwarden.parsing.enrich import classify_message

    fields: dict[str, object] = {}
    classify_message("Ordering of beans by price is unchanged", fields)
    assert schema.EVENT_KIND not in fields


# ------------------------------------------------------------------ classification by shape

_MESSAGE_WORDS = (
    "Order", "ORDER", "order", "ORD-11-0000050", "ord-7", "#", "no.", "id", "number", ":", "=", "status",
    "Status", "changed", "from", "to", "->", "SENT_TO_CRM", "In_Crm", "created", "CREATED", "placed", "new",
    "registered", "was", "has been", "Price", "calculated", "computed", "for", "79423.42", "12,5", "RUB", "rub",
    "eur", "GET", "get", "POST", "HTTP", "/api/pages?x=1", "200", "404", "responded", "in", "59",
    "1.5", "ms", "MS", "took", "duration:", "slow", "Slow", "overdue", "limit", "rate", "exceeded",
    "too many requests", "hours", "customer", "CUST-100130",
)  # fmt: skip


@st.composite
def _order_system_message(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_MESSAGE_WORDS), min_size=1, max_size=14))
    separators = draw(
        st.lists(st.sampled_from([" ", " ", "  ", "\t", "", "\n"]), min_size=len(words), max_size=len(words))
    )
    return "".join(word + separator for word, separator in zip(words, separators, strict=True)).strip()


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(_order_system_message(), st.text(st.characters(max_codepoint=127), max_size=80)),
    st.sampled_from([{}, {"order.id": "ORD-1"}, {"event.action": "order_created"}, {"duration.ms": 1.0}]),
)
def test_classifying_by_shape_agrees_with_the_patterns(message: str, known: dict[str, object]) -> None:
    by_shape, with_patterns = dict(known), dict(known)
    enrich._classify(message, by_shape, True)
    enrich._classify(message, with_patterns, False)
    assert by_shape == with_patterns


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Order ORD-11-0000050 status changed from SENT_TO_CRM to IN_CRM", "order_status_changed"),
        ("Price calculated for order ORD-11-0000111: 79423.42 rub", "price_calculated"),
        ("GET /api/pages/prices 200 in 59 ms", "api_request"),
        ("Slow operation: price recalculation took 1982 MS", "slow_operation"),
        ("Rate limit exceeded for client nord-logistics", "limit_exceeded"),
        ("Order ORD-11-0000027 was CREATED", "order_created"),
    ],
)
def test_classifying_by_shape_finds_what_the_patterns_find(message: str, kind: str) -> None:
    by_shape: dict[str, object] = {}
    with_patterns: dict[str, object] = {}
    enrich._classify(message, by_shape, True)
    enrich._classify(message, with_patterns, False)
    assert by_shape == with_patterns
    assert by_shape[schema.EVENT_KIND] == kind


def test_messages_of_one_shape_each_keep_their_own_values() -> None:
    # GIVEN two messages that differ only in their digits: one shape, classified once
    first: dict[str, object] = {}
    second: dict[str, object] = {}
    enrich.classify_message("Price calculated for order ORD-11-0000111: 79423.42 RUB", first)
    enrich.classify_message("Price calculated for order ORD-12-0000987: 15302.99 RUB", second)
    # THEN each document carries the values of its own message
    assert first[schema.ORDER_ID] == "ORD-11-0000111"
    assert first[schema.ORDER_PRICE] == 79423.42
    assert second[schema.ORDER_ID] == "ORD-12-0000987"
    assert second[schema.ORDER_PRICE] == 15302.99
    assert first[schema.EVENT_KIND] == second[schema.EVENT_KIND] == "price_calculated"
