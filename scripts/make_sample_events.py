# ruff: noqa: E501  (sample log lines are as long as real ones)
"""Regenerate the CloudWatch (and Kinesis-borne CloudWatch) sample events in events/ (deterministic; run after changing them).

.venv/bin/python scripts/make_sample_events.py
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from logwarden.ingest.cloudwatch import encode_delivery
from logwarden.ingest.kinesis import encode_kinesis_event

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
T0 = 1764078000000  # 2025-11-25T13:40:00Z


def ev(n: int, offset_ms: int, message: str) -> dict[str, object]:
    return {
        "id": f"3913450000000000000000000000000000000000000000{n:010d}",
        "timestamp": T0 + offset_ms,
        "message": message,
    }


def logback(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


SHOP = [
    ev(
        1,
        0,
        logback(
            **{
                "@timestamp": "2025-11-25T16:40:00.012+03:00",
                "@version": "1",
                "message": "Order ORD-2025-000187 created",
                "logger_name": "ru.shop.orders.OrderService",
                "thread_name": "http-nio-8080-exec-3",
                "level": "INFO",
                "level_value": 20000,
                "orderId": "ORD-2025-000187",
                "customerId": "CUST-104233",
                "event": "order_created",
                "customerEmail": "ivan.petrov@example.ru",
                "customerPhone": "+7 (916) 123-45-67",
                "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
                "amount": 15990.0,
                "currency": "RUB",
            }
        ),
    ),
    ev(
        2,
        150,
        logback(
            **{
                "@timestamp": "2025-11-25T16:40:00.160+03:00",
                "message": "Order ORD-2025-000187 status changed from NEW to SENT_TO_CRM",
                "logger_name": "ru.shop.orders.OrderStatusListener",
                "thread_name": "rabbit-listener-1",
                "level": "INFO",
                "orderId": "ORD-2025-000187",
                "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
            }
        ),
    ),
    ev(
        3,
        900,
        logback(
            **{
                "@timestamp": "2025-11-25T16:40:00.910+03:00",
                "message": "GET /api/v1/orders/ORD-2025-000187?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc 200 in 37 ms",
                "logger_name": "ru.shop.web.AccessLog",
                "thread_name": "http-nio-8080-exec-5",
                "level": "INFO",
                "clientIp": "85.143.21.7",
            }
        ),
    ),
    ev(
        4,
        2400,
        logback(
            **{
                "@timestamp": "2025-11-25T16:40:02.400+03:00",
                "message": "Failed to publish order ORD-2025-000188 to exchange orders.crm",
                "logger_name": "ru.shop.mq.OrderPublisher",
                "thread_name": "scheduling-1",
                "level": "ERROR",
                "orderId": "ORD-2025-000188",
                "stack_trace": "org.springframework.amqp.AmqpConnectException: java.net.ConnectException: Connection refused\n\tat org.springframework.amqp.rabbit.support.RabbitExceptionTranslator.convertRabbitAccessException(RabbitExceptionTranslator.java:61)\n\tat ru.shop.mq.OrderPublisher.publish(OrderPublisher.java:44)\nCaused by: java.net.ConnectException: Connection refused\n\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n",
            }
        ),
    ),
    ev(
        5,
        3000,
        logback(
            **{
                "@timestamp": "2025-11-25T16:40:03.000+03:00",
                "message": "Cart recalculated",
                "logger_name": "ru.shop.cart.CartService",
                "thread_name": "http-nio-8080-exec-2",
                "level": "DEBUG",
            }
        ),
    ),
]

CRM = [
    ev(
        11,
        0,
        json.dumps(
            {
                "@t": "2025-11-25T13:40:00.5210000Z",
                "@mt": "Order {OrderId} received from shop for customer {CustomerId}",
                "OrderId": "ORD-2025-000187",
                "CustomerId": "CUST-104233",
                "SourceContext": "Crm.Orders.OrderConsumer",
                "Application": "crm-api",
                "MachineName": "crm-7f9c",
                "ThreadId": 14,
            }
        ),
    ),
    ev(
        12,
        40,
        json.dumps(
            {
                "@t": "2025-11-25T13:40:00.5610000Z",
                "@mt": "Order {OrderId} status changed from {OldStatus} to {NewStatus}",
                "@l": "Information",
                "OrderId": "ORD-2025-000187",
                "OldStatus": "SENT_TO_CRM",
                "NewStatus": "IN_CRM",
                "SourceContext": "Crm.Orders.OrderWorkflow",
                "Application": "crm-api",
                "@tr": "4bf92f3577b34da6a3ce929d0e0e4736",
                "@sp": "00f067aa0ba902b7",
            }
        ),
    ),
    ev(
        13,
        80,
        json.dumps(
            {
                "@t": "2025-11-25T13:40:00.6010000Z",
                "@mt": "Customer {CustomerName} ({Email}) updated contact phone {Phone}",
                "@l": "Warning",
                "CustomerName": "Мария Сидорова",
                "Email": "m.sidorova@mail.ru",
                "Phone": "8 926 555-12-34",
                "CustomerId": "CUST-104233",
                "SourceContext": "Crm.Customers.CustomerService",
                "Application": "crm-api",
            },
            ensure_ascii=False,
        ),
    ),
    ev(
        14,
        120,
        json.dumps(
            {
                "@t": "2025-11-25T13:40:00.7010000Z",
                "@mt": "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms",
                "@l": "Error",
                "RequestMethod": "POST",
                "RequestPath": "/api/contracts",
                "StatusCode": 503,
                "Elapsed": 5012.3321,
                "SourceContext": "Serilog.AspNetCore.RequestLoggingMiddleware",
                "Application": "crm-api",
                "@x": "System.Net.Http.HttpRequestException: Service Unavailable (mes-api:8443)\n   at Crm.Integration.MesClient.SendContractAsync(Contract contract) in /src/Crm.Integration/MesClient.cs:line 88\n   at Crm.Api.ContractsController.Post(ContractRequest request) in /src/Crm.Api/ContractsController.cs:line 41",
            }
        ),
    ),
]

MES = [
    ev(
        21,
        0,
        "2025-11-25 16:40:01.004  INFO 4242 --- [mes-api] [nio-8443-exec-1] r.m.pricing.PriceCalculator              : Price calculated for order ORD-2025-000187: 15990.00 RUB",
    ),
    ev(
        22,
        30,
        "2025-11-25 16:40:01.034  WARN 4242 --- [mes-api] [   scheduling-1] r.m.orders.OverdueWatcher                : Order ORD-2025-000142 is overdue by 36 hours",
    ),
    ev(
        23,
        60,
        "2025-11-25 16:40:01.064 ERROR 4242 --- [mes-api] [nio-8443-exec-4] r.m.contracts.ContractController         : Contract request failed for client acme-trading",
    ),
    ev(24, 61, "java.lang.IllegalStateException: Price list 2025-Q4 not loaded"),
    ev(25, 62, "\tat ru.mes.pricing.PriceListRepository.current(PriceListRepository.java:57)"),
    ev(26, 63, "\tat ru.mes.contracts.ContractController.create(ContractController.java:112)"),
    ev(
        27,
        90,
        "2025-11-25 16:40:01.094  INFO 4242 --- [mes-api] [nio-8443-exec-2] r.m.web.ApiRequestLog                    : GET /api/pages/catalog 200 in 12 ms",
    ),
    ev(
        28,
        120,
        "2025-11-25 16:40:01.124  WARN 4242 --- [mes-api] [nio-8443-exec-6] r.m.pricing.PriceCalculator              : Slow operation: price recalculation took 2350 ms",
    ),
]

BROKER = [
    ev(
        31,
        0,
        "2025-11-25 13:40:02.120533+00:00 [info] <0.1205.0> accepting AMQP connection <0.1205.0> (10.0.3.15:52144 -> 10.0.1.10:5671)",
    ),
    ev(
        32,
        10,
        "2025-11-25 13:40:02.131211+00:00 [error] <0.1208.0> Error on AMQP connection <0.1208.0> (10.0.3.16:40112 -> 10.0.1.10:5671, state: starting):\nPLAIN login refused: user 'shop-service' - invalid credentials",
    ),
    ev(
        33,
        20,
        "2025-11-25 13:40:05.731002+00:00 [warning] <0.1190.0> closing AMQP connection <0.1190.0> (10.0.3.15:51990 -> 10.0.1.10:5671, vhost: '/', user: 'crm-service'):\nclient unexpectedly closed TCP connection",
    ),
]


def write(name: str, event: dict[str, object]) -> None:
    (EVENTS / name).write_text(json.dumps(event, indent=2) + "\n")


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    write("cloudwatch_shop_logback.json", encode_delivery("/ecs/shop-api", "shop-api/app/5f1c2a", SHOP))
    write("cloudwatch_crm_serilog.json", encode_delivery("/ecs/crm-api", "crm-api/app/77aa01", CRM))
    write("cloudwatch_mes_text.json", encode_delivery("/ecs/mes-api", "mes-api/app/0b3e9d", MES))
    write(
        "cloudwatch_mq_broker.json",
        encode_delivery(
            "/aws/amazonmq/broker/b-4a1c2e3f-1111-2222-3333-444455556666/general", "rabbit@ip-10-0-1-10", BROKER
        ),
    )
    control = (ROOT / "tests" / "data" / "real_events" / "otel_cwlog_only_control_decoded.json").read_bytes()
    data = base64.b64encode(gzip.compress(control, mtime=0)).decode()
    write("cloudwatch_control.json", {"awslogs": {"data": data}})
    # The same deliveries through a Kinesis stream: one record each, the CloudWatch Logs bytes unchanged.
    write(
        "kinesis_cloudwatch.json",
        encode_kinesis_event(
            [
                {"awslogs": {"data": data}},
                encode_delivery("/ecs/shop-api", "shop-api/app/5f1c2a", SHOP),
                encode_delivery("/ecs/crm-api", "crm-api/app/77aa01", CRM),
            ]
        ),
    )


if __name__ == "__main__":
    main()
