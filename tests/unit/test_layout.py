"""User-configured layouts: PatternLayout and Serilog outputTemplate strings compiled into parsers, per log group."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.config import IngestConfig
from logwarden.errors import ConfigurationError
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.normalise import normalise
from logwarden.parsing.layout import LayoutError, compile_layout, compile_pattern_layout, compile_serilog_template
from logwarden.parsing.sniff import FLAG_LAYOUT_MISMATCH, parse_record
from logwarden.routing import Router, parse_rules

RECEIVED = 1796637600000  # 2026-12-07T10:00:00Z


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_the_issue_example_pattern_reads_every_field() -> None:
    layout = compile_layout("%d{yyyy-MM-dd HH:mm:ss,SSS} [%t] %-5level %logger{36} - %msg%n")
    parsed = layout.parse("2026-12-07 10:00:00,123 [main] WARN  org.acme.Foo - disk low", RECEIVED)
    assert parsed is not None
    assert parsed.fields == {
        schema.FORMAT: "layout",
        schema.THREAD: "main",
        schema.LEVEL: "WARN",
        schema.LOGGER: "org.acme.Foo",
        schema.MESSAGE: "disk low",
    }
    assert parsed.line_ms == _ms("2026-12-07T10:00:00.123+00:00") and not parsed.had_offset


def test_mdc_values_are_lifted_like_structured_properties_and_the_trace_joins_the_record() -> None:
    layout = compile_layout("%d{ISO8601} %-5p [%t] %c{1} traceId=%X{traceId} order=%X{orderId} - %m%n%throwable")
    text = (
        "2026-12-07T10:00:00,123 ERROR [pool-1 thread-3] OrderService traceId=4bf92f35 order=ORD-7 - boom\n"
        "java.lang.IllegalStateException: stock gone\n\tat a.B.c(B.java:1)"
    )
    parsed = layout.parse(text, RECEIVED)
    assert parsed is not None
    assert parsed.fields[schema.TRACE_ID] == "4bf92f35"
    assert parsed.fields[schema.ORDER_ID] == "ORD-7"
    assert parsed.fields[schema.THREAD] == "pool-1 thread-3"
    assert parsed.fields[schema.MESSAGE] == "boom"
    assert parsed.fields[schema.ERROR_TYPE] == "java.lang.IllegalStateException"
    assert parsed.fields[schema.STACK_TRACE].endswith("at a.B.c(B.java:1)")


def test_spring_boots_default_console_pattern_with_property_defaults_and_colours() -> None:
    layout = compile_layout(
        "%clr(%d{${LOG_DATEFORMAT_PATTERN:-yyyy-MM-dd HH:mm:ss.SSS}}){faint} %clr(${LOG_LEVEL_PATTERN:-%5p}) "
        "%clr(${PID:- }){magenta} %clr(---){faint} %clr([%15.15t]){faint} %clr(%-40.40logger{39}){cyan} "
        "%clr(:){faint} %m%n${LOG_EXCEPTION_CONVERSION_WORD:-%wEx}"
    )
    parsed = layout.parse(
        "2026-12-07 10:00:00.123  INFO 4242 --- [           main] c.e.s.ShopApplication                    : Started",
        RECEIVED,
    )
    assert parsed is not None
    assert (parsed.fields[schema.LEVEL], parsed.fields[schema.THREAD]) == ("INFO", "main")
    assert parsed.fields[schema.LOGGER] == "c.e.s.ShopApplication"
    assert parsed.fields[schema.MESSAGE] == "Started"


def test_log4j2_highlight_named_dates_and_location_conversions() -> None:
    layout = compile_layout("%d{DEFAULT} %highlight{%-5level}{FATAL=red} %C.%M:%L [%t] - %m%n")
    parsed = layout.parse("2026-12-07 10:00:00,007 DEBUG org.acme.Repo.load:42 [worker 1] - cache miss", RECEIVED)
    assert parsed is not None
    assert parsed.fields[schema.LEVEL] == "DEBUG"
    assert parsed.labels == {"source_class": "org.acme.Repo", "source_method": "load", "source_line": "42"}
    assert parsed.line_ms == _ms("2026-12-07T10:00:00.007+00:00")


def test_java_dates_with_month_names_twelve_hour_clocks_and_offsets() -> None:
    layout = compile_layout("%d{dd MMM yyyy hh:mm:ss a XXX} %p %m")
    parsed = layout.parse("07 Dec 2026 01:30:00 PM +03:00 INFO hello", RECEIVED)
    assert parsed is not None
    assert parsed.line_ms == _ms("2026-12-07T13:30:00+03:00") and parsed.had_offset


def test_serilog_file_template_from_the_issue() -> None:
    layout = compile_layout("{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
    text = (
        "2026-12-07 13:00:00.123 +03:00 [ERR] Payment for ORD-9 failed\n"
        "System.TimeoutException: The operation has timed out. ---> System.Net.Sockets.SocketException: reset\n"
        "   at Shop.Pay()\n   --- End of inner exception stack trace ---"
    )
    parsed = layout.parse(text, RECEIVED)
    assert parsed is not None
    assert parsed.fields[schema.LEVEL] == "ERROR"
    assert parsed.fields[schema.MESSAGE] == "Payment for ORD-9 failed"
    assert parsed.fields[schema.ERROR_TYPE] == "System.TimeoutException"
    assert parsed.fields[schema.ERROR_MESSAGE] == "The operation has timed out."
    assert parsed.line_ms == _ms("2026-12-07T10:00:00.123+00:00") and parsed.had_offset


def test_serilog_console_template_with_source_context_thread_and_properties() -> None:
    layout = compile_serilog_template(
        "[{Timestamp:HH:mm:ss} {Level:u3}] ({ThreadId}) {SourceContext}: {Message:lj} {Properties:j}{NewLine}"
    )
    parsed = layout.parse('[09:59:58 WRN] (12) Shop.Api.Orders: slow {"OrderId": 5}', RECEIVED)
    assert parsed is not None
    assert parsed.fields[schema.LOGGER] == "Shop.Api.Orders"
    assert parsed.fields[schema.THREAD] == "12"
    assert parsed.fields[schema.MESSAGE] == "slow"
    assert parsed.line_ms == RECEIVED - 2000  # a time of day: the day closest to the receive time


def test_a_line_of_another_layout_is_not_forced_into_the_configured_one() -> None:
    layout = compile_pattern_layout("%d [%t] %-5p %c - %m%n")
    assert layout.parse("something else entirely", RECEIVED) is None
    assert layout.parse("", RECEIVED) is None


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("", "non-empty"),
        ("%d{yyyy-qq} %m", "unknown letter 'q'"),
        ("%m%n%d", "after the line break"),
        ("[%t] %-5p %c", "has no %m"),
        ("%d{HH:mm %m", "unclosed '{'"),
        ("text %", "lone '%'"),
        ("%d %-5p %clr(%m", "unclosed '('"),
        ("{Timestamp:yyyy} {Level} {Message}{NewLine}{Level}", "after {NewLine}"),
        ("{Timestamp:yyyy-QQ} {Message}", "unknown specifier 'Q'"),
        ("{Level} } {Message}", "lone brace"),
    ],
)
def test_a_bad_layout_is_refused_with_a_message_that_says_what_is_wrong(spec: str, complaint: str) -> None:
    with pytest.raises(LayoutError, match=None) as raised:
        compile_layout(spec)
    assert complaint in str(raised.value)


def test_a_bad_layout_in_a_routing_rule_fails_the_cold_start_naming_the_rule() -> None:
    with pytest.raises(ValueError, match=r"routing rule #0 .*layout: .*unknown letter 'q'"):
        parse_rules([{"pattern": "^/ecs/legacy-", "subsystem": "shop", "layout": "%d{yyyy-qq} %m"}])
    with pytest.raises(ConfigurationError, match="LOGWARDEN_ROUTING_RULES: routing rule #0"):
        IngestConfig.from_env(
            {"LOGWARDEN_ROUTING_RULES": '[{"pattern": "x", "subsystem": "shop", "layout": "[%t]"}]'}, dry_run=True
        )


def test_the_rule_layout_reads_its_log_groups_records_through_the_real_decode_and_normalise_path() -> None:
    # GIVEN a routing rule whose services write a layout no built-in parser knows
    router = Router(
        parse_rules(
            [{"pattern": "^/ecs/legacy-", "subsystem": "crm", "layout": "%d{dd.MM.yyyy HH:mm:ss} |%p| %c >> %m%n"}]
        )
    )
    events = [
        {"id": "1", "timestamp": RECEIVED, "message": "07.12.2026 10:00:00 |ERROR| ru.crm.Sync >> sync failed"},
        {"id": "2", "timestamp": RECEIVED, "message": "java.lang.IllegalStateException: no token"},
        {"id": "3", "timestamp": RECEIVED, "message": "\tat ru.crm.Sync.run(Sync.java:10)"},
        {"id": "4", "timestamp": RECEIVED, "message": "plain words"},
    ]
    # WHEN a delivery of that group is decoded and normalised
    batch = decode_delivery(encode_delivery("/ecs/legacy-crm", "s", events), router)
    docs = [normalise(record, "2026-12-07T10:00:05.000Z") for record in batch.records]
    # THEN the layout's fields are there, the stack trace folded in, and a line of another layout is flagged
    assert len(docs) == 2
    assert docs[0][schema.LEVEL] == "ERROR" and docs[0][schema.LOGGER] == "ru.crm.Sync"
    assert docs[0][schema.MESSAGE] == "sync failed" and docs[0][schema.TIMESTAMP] == "2026-12-07T10:00:00.000Z"
    assert docs[0][schema.ERROR_TYPE] == "java.lang.IllegalStateException"
    assert docs[0][schema.SUBSYSTEM] == "crm"
    assert FLAG_LAYOUT_MISMATCH in docs[1][schema.FLAGS]
    # and other groups are detected as before
    assert router.route("/ecs/shop-api").layout is None


def test_json_records_of_a_layout_group_are_still_read_as_json() -> None:
    layout = compile_layout("%d [%t] %-5p %c - %m%n")
    parsed = parse_record('{"@timestamp": "2026-12-07T10:00:00Z", "level": "WARN", "message": "m"}', RECEIVED, layout)
    assert parsed.fields[schema.FORMAT] == "logback" and not parsed.flags


# --- properties ------------------------------------------------------------------------------------------------
LAYOUTS = [
    compile_layout("%d{yyyy-MM-dd HH:mm:ss,SSS} [%t] %-5level %logger{36} - %msg%n"),
    compile_layout("%d{ISO8601} %-5p [%t] %c traceId=%X{traceId} - %m%n%ex"),
    compile_layout("{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext} {Message:lj}{NewLine}"),
    compile_layout("[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}"),
]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), which=st.integers(min_value=0, max_value=len(LAYOUTS) - 1))
def test_arbitrary_text_never_crashes_a_compiled_layout(text: str, which: int) -> None:
    parsed = LAYOUTS[which].parse(text, RECEIVED)
    if parsed is not None:
        assert isinstance(parsed.fields[schema.MESSAGE], str)
    record = parse_record(text, RECEIVED, LAYOUTS[which])
    assert isinstance(record.fields.get(schema.MESSAGE), str)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=12)
_LEVELS = {"TRACE": "VRB", "DEBUG": "DBG", "INFO": "INF", "WARN": "WRN", "ERROR": "ERR", "FATAL": "FTL"}


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)),
    level=st.sampled_from(sorted(_LEVELS)),
    logger=st.lists(_WORD, min_size=1, max_size=4).map(".".join),
    thread=st.lists(_WORD, min_size=1, max_size=3).map(" ".join),
    trace_id=st.text(alphabet="0123456789abcdef", min_size=16, max_size=32),
    message=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=80),
)
def test_a_line_rendered_from_a_layout_parses_back_to_its_fields(
    moment: datetime, level: str, logger: str, thread: str, trace_id: str, message: str
) -> None:
    millis = moment.microsecond // 1000
    moment = moment.replace(microsecond=0)
    expected_ms = int(moment.replace(tzinfo=UTC).timestamp()) * 1000 + millis
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    lines = [
        f"{stamp},{millis:03d} [{thread}] {level:<5} {logger} - {message}",
        f"{moment.strftime('%Y-%m-%dT%H:%M:%S')},{millis:03d} {level:<5} [{thread}] {logger} traceId={trace_id} - {message}",
        f"{stamp}.{millis:03d} +00:00 [{_LEVELS[level]}] {logger} {message}",
    ]
    for layout, line in zip(LAYOUTS, lines, strict=False):
        parsed = layout.parse(line, RECEIVED)
        assert parsed is not None, line
        assert parsed.fields[schema.LEVEL] == level
        assert parsed.fields[schema.LOGGER] == logger
        assert parsed.fields[schema.MESSAGE] == message.strip()  # blanks around a message are the layout's
        assert parsed.line_ms == expected_ms
    assert LAYOUTS[0].parse(lines[0], RECEIVED).fields[schema.THREAD] == thread  # type: ignore[union-attr]
    assert LAYOUTS[1].parse(lines[1], RECEIVED).fields[schema.TRACE_ID] == trace_id  # type: ignore[union-attr]


def test_lines_built_to_make_a_layout_backtrack_are_still_read_or_refused() -> None:
    # Lazy groups separated by blanks backtrack without end on lines of many short words, unless blanks are
    # taken possessively and uninterpreted conversions are one word: these would hang the test if not.
    layout = compile_layout("%d %X{a} %X{b} %X{c} [%t] %-5p %c %x - %m%n")
    for line in ("2026-12-07 10:00:00,123 " + "a " * 1500 + "[", "2026-12-07 10:00:00,123 " + " " * 3000 + "x"):
        assert layout.parse(line, RECEIVED) is None
    # conversions with nothing between them: the later one takes the text
    adjacent = compile_layout("%d %t%t%t %c%c %m")
    assert adjacent.parse("2026-12-07 10:00:00,123 " + "ab" * 2000, RECEIVED) is None
    parsed_adjacent = adjacent.parse("2026-12-07 10:00:00,123 main c.Foo hello", RECEIVED)
    assert parsed_adjacent is not None and parsed_adjacent.fields[schema.THREAD] == "main"
    parsed = layout.parse("2026-12-07 10:00:00,123 t1 u2 - [main] INFO  c.Foo  - ok", RECEIVED)  # empty %x
    assert parsed is not None and parsed.labels == {"a": "t1", "b": "u2"} and parsed.fields[schema.MESSAGE] == "ok"
