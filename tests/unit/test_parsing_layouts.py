"""Built-in layouts that the real-line corpus does not reach, and the folding of multi-line records."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.normalise import normalise
from logwarden.parsing.sniff import continues, parse_record
from logwarden.routing import Router

RECEIVED = 1796637600000  # 2026-12-07T10:00:00Z
REQUEST = "6f8a0e1c-1f2b-4c3d-9e8f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        (f"2026-12-07T10:00:00.123Z\t{REQUEST}\tERROR\tpayment failed", "ERROR"),
        (f"2026-12-07T10:00:00.123Z\t{REQUEST}\tfail\tpayment failed", "ERROR"),  # .NET runtime
        (f"2026-12-07T10:00:00.123Z\t{REQUEST}\twarn\tpayment failed", "WARN"),
        (f"2026-12-07T10:00:00.123Z\t{REQUEST}\tpayment failed", "INFO"),  # older Node runtimes: no level
    ],
)
def test_lambda_runtime_lines_keep_their_timestamp_and_request_id(line: str, level: str) -> None:
    parsed = parse_record(line, RECEIVED)
    assert parsed.fields[schema.FORMAT] == "lambda"
    assert parsed.line_ms == RECEIVED + 123 and parsed.had_offset
    assert parsed.fields[schema.LEVEL] == level
    assert parsed.fields[schema.MESSAGE] == "payment failed"
    assert parsed.labels["request_id"] == REQUEST


def test_lambda_lines_outside_a_request_and_node_invoke_errors() -> None:
    outside = parse_record("2026-12-07T10:00:00.123Z\tundefined\tINFO\tcold start", RECEIVED)
    assert outside.line_ms == RECEIVED + 123 and outside.fields[schema.MESSAGE] == "cold start"
    invoke = parse_record(
        f'2026-12-07T10:00:00.123Z\t{REQUEST}\tERROR\tInvoke Error \t{{"errorType":"TypeError","errorMessage":"x is'
        ' undefined","stack":["TypeError: x is undefined"]}',
        RECEIVED,
    )
    assert invoke.line_ms == RECEIVED + 123
    assert invoke.fields[schema.ERROR_TYPE] == "TypeError"
    assert invoke.fields[schema.ERROR_MESSAGE] == "x is undefined"


def test_the_lambda_log4j2_appender_pattern_carries_the_request_id() -> None:
    parsed = parse_record(f"2026-12-07 10:00:00 {REQUEST} INFO  OrderHandler - order ORD-1 created", RECEIVED)
    assert parsed.fields[schema.LOGGER] == "OrderHandler"
    assert parsed.labels["request_id"] == REQUEST
    assert parsed.line_ms == RECEIVED


@pytest.mark.parametrize(
    ("bracket", "service", "trace_id", "span_id"),
    [
        ("[shop-api,4bf92f3577b34da6a3ce929d0e0e4736,00f067aa0ba902b7,true]", "shop-api", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
        ("[shop-api,4bf92f3577b34da6,00f067aa0ba902b7]", "shop-api", "4bf92f3577b34da6", "00f067aa0ba902b7"),
        ("[shop-api,,]", "shop-api", None, None),
        ("[,,,]", None, None, None),
    ],
)  # fmt: skip
def test_sleuth_and_micrometer_brackets_including_empty_ones(
    bracket: str, service: str | None, trace_id: str | None, span_id: str | None
) -> None:
    line = f"2026-12-07 10:00:00.123 ERROR {bracket} 4242 --- [nio-8080-exec-1] c.e.s.Orders : order failed"
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.FORMAT] == "spring"
    assert fields[schema.LOGGER] == "c.e.s.Orders" and fields[schema.THREAD] == "nio-8080-exec-1"
    assert fields[schema.MESSAGE] == "order failed"
    assert fields.get(schema.SERVICE) == service
    assert fields.get(schema.TRACE_ID) == trace_id and fields.get(schema.SPAN_ID) == span_id


def test_spring_boot_3_2_correlation_bracket() -> None:
    line = (
        "2026-12-07T10:00:00.123Z  INFO 4242 --- [shop-api] [nio-8080-exec-1] "
        "[4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7] c.e.s.Orders : created"
    )
    fields = parse_record(line, RECEIVED).fields
    assert fields[schema.TRACE_ID] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert fields[schema.SPAN_ID] == "00f067aa0ba902b7"
    assert fields[schema.MESSAGE] == "created"


def test_jboss_style_logger_in_brackets_and_thread_in_parentheses() -> None:
    fields = parse_record(
        "2026-12-07 10:00:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: started", RECEIVED
    ).fields
    assert fields[schema.LOGGER] == "org.jboss.as"
    assert fields[schema.THREAD] == "MSC service thread 1-2"
    assert fields[schema.MESSAGE] == "WFLYSRV0049: started"


def test_a_plain_word_before_a_colon_is_text_not_a_logger() -> None:
    fields = parse_record("2026-12-07 10:00:00,123 INFO Note: cache warmed", RECEIVED).fields
    assert schema.LOGGER not in fields and fields[schema.MESSAGE] == "Note: cache warmed"


def test_a_dotnet_inner_exception_chain_keeps_the_outer_type_and_message() -> None:
    text = (
        "2026-12-07 10:00:00.123 +03:00 [ERR] Payment failed\n"
        "System.InvalidOperationException: Payment gateway refused ---> System.TimeoutException: timed out\n"
        "   at Shop.Pay()\n"
        "   --- End of inner exception stack trace ---\n"
        "   at Shop.Checkout()"
    )
    fields = parse_record(text, RECEIVED).fields
    assert fields[schema.ERROR_TYPE] == "System.InvalidOperationException"
    assert fields[schema.ERROR_MESSAGE] == "Payment gateway refused"
    assert "End of inner exception" in fields[schema.STACK_TRACE]


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        ('Exception in thread "main" java.lang.IllegalStateException: boom\n\tat a.B.main(B.java:3)', "java.lang.IllegalStateException"),
        ("java.lang.Exception: plain\n\tat a.B.c(B.java:1)", "java.lang.Exception"),
        ("System.Exception: outer ---> System.ArgumentException: inner", "System.Exception"),
    ],
)  # fmt: skip
def test_a_bare_stack_trace_is_an_error_named_by_its_first_line(text: str, error_type: str) -> None:
    parsed = parse_record(text, RECEIVED)
    assert parsed.fields[schema.FORMAT] == "stack-trace" and parsed.fields[schema.LEVEL] == "ERROR"
    assert parsed.fields[schema.ERROR_TYPE] == error_type
    assert parsed.fields[schema.MESSAGE] == text.split("\n")[0]
    assert not parsed.flags


@pytest.mark.parametrize(
    ("previous", "line", "folds"),
    [
        ("Dec 07, 2026 10:00:00 AM org.acme.Foo bar", "WARNING: disk low", True),
        ("Dec 07, 2026 10:00:00 AM org.acme.Foo bar\nWARNING: disk low", "INFO: other", False),
        ("2026-12-07 10:00:00 INFO x", "WARNING: not a JUL record", False),
        ("=ERROR REPORT==== 7-Dec-2026::10:00:00 ===", "** Generic server crashed", True),
        ("=ERROR REPORT==== 7-Dec-2026::10:00:00 ===\nline", "=INFO REPORT==== 7-Dec-2026::10:00:01 ===", False),
        ("=INFO REPORT==== 7-Dec-2026::10:00:00 ===", "2026-12-07 10:00:01.000 [info] <0.1.0> next", False),
        ("2026-12-07 10:00:00 ERROR x", "   at Shop.Pay()", True),
        ("2026-12-07 10:00:00 ERROR x", " ---> System.TimeoutException: inner", True),
        ("2026-12-07 10:00:00 ERROR x", "java.lang.Exception: bare type", True),
        ("2026-12-07 10:00:00 ERROR x", '{"level": "INFO"}', False),
        ("2026-12-07 10:00:00 ERROR x", "2026-12-07 10:00:01 INFO y", False),
    ],
)
def test_which_lines_continue_the_record_before_them(previous: str, line: str, folds: bool) -> None:
    assert continues(previous, line) is folds


def test_a_jul_record_and_a_broker_report_arrive_as_separate_events_and_become_one_document_each() -> None:
    lines = [
        "Dec 07, 2026 10:00:00 AM org.acme.Orders place",
        "SEVERE: order ORD-5 rejected",
        "java.lang.IllegalStateException: no stock",
        "\tat org.acme.Orders.place(Orders.java:12)",
        "=ERROR REPORT==== 7-Dec-2026::10:00:01 ===",
        "** Generic server <0.123.0> terminating",
        "** Reason for termination == {badarg}",
    ]
    events = [{"id": str(i), "timestamp": RECEIVED + 5000, "message": line} for i, line in enumerate(lines)]
    batch = decode_delivery(encode_delivery("/ecs/legacy", "s", events), Router())
    docs = [normalise(record, "2026-12-07T10:00:05.000Z") for record in batch.records]
    assert len(docs) == 2 and sum(record.merged_events for record in batch.records) == 5
    jul, report = docs
    assert (jul[schema.FORMAT], jul[schema.LEVEL], jul[schema.LOGGER]) == ("jul", "ERROR", "org.acme.Orders")
    assert jul[schema.TIMESTAMP] == "2026-12-07T10:00:00.000Z" and jul[schema.MESSAGE] == "order ORD-5 rejected"
    assert jul[schema.ERROR_TYPE] == "java.lang.IllegalStateException"
    assert (report[schema.FORMAT], report[schema.LEVEL]) == ("rabbitmq", "ERROR")
    assert report[schema.TIMESTAMP] == "2026-12-07T10:00:01.000Z"
    assert report[schema.MESSAGE].startswith("** Generic server <0.123.0> terminating\n** Reason")


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(
                [
                    "Dec 07, 2026 10:00:00 AM org.acme.Foo bar",
                    "WARNING: disk low",
                    "=ERROR REPORT==== 7-Dec-2026::10:00:00 ===",
                    "** crashed",
                    "   at Shop.Pay()",
                    "java.lang.IllegalStateException: x",
                    "[2026-12-07 10:00:00,123] INFO started (kafka.server.KafkaServer)",
                    "2026-12-07 10:00:00,123 [myid:1] - INFO  [main:QuorumPeer@1] - LOOKING",
                ]
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_sequence_of_lines_folds_without_losing_or_crashing(lines: list[str]) -> None:
    events = [{"id": str(i), "timestamp": RECEIVED, "message": line} for i, line in enumerate(lines)]
    batch = decode_delivery(encode_delivery("/ecs/any", "s", events), Router())
    assert batch.events == len(lines)  # every event is a record or folded into one: none lost
    for record in batch.records:
        doc = normalise(record, "2026-12-07T10:00:05.000Z")
        assert isinstance(doc[schema.MESSAGE], str)


# Kafka's layout as one regex, the way it was read before the logger moved to its own match: the reference the split
# is held to (message, logger and line the same on any text after the level).
_KAFKA_AS_ONE_REGEX = re.compile(
    r"\[(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)\] "
    r"(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE|CRITICAL)"
    r"\s+(?P<message>.*?)(?: \((?P<logger>[^\s():]+)(?::(?P<line>\d+))?\))?"
)


@settings(max_examples=400, deadline=None)
@given(
    gap=st.sampled_from([" ", "  ", "\t", " \u00a0"]),
    body=st.lists(
        st.sampled_from(["a", "b", ":", "(", ")", " ", " (", ":12", "1", "\t", "\u00a0", "kafka.server.X", "\r"]),
        max_size=14,
    ).map("".join),
)
def test_kafka_logger_split_reads_as_the_single_regex(gap: str, body: str) -> None:
    line = f"[2026-12-07 10:00:00,123] INFO{gap}m{body}".strip()  # stripped, as parse_record reads it
    reference = _KAFKA_AS_ONE_REGEX.fullmatch(line)
    parsed = parse_record(line, RECEIVED)
    assert reference is not None
    assert parsed.fields[schema.FORMAT] == "kafka"
    assert parsed.fields.get(schema.LOGGER) == reference["logger"]
    expected = (reference["message"] or "").rstrip()
    assert parsed.fields[schema.MESSAGE] == expected
