#!/usr/bin/env python3
"""Builds corpus.jsonl: other projects' PII test vectors and samples (vectors/, see PROVENANCE.md) embedded in the
log lines an order system writes, each line labelled with the values that must disappear and those that must stay.

Every vector and every phrasing is assigned to one of two splits by a hash of its text: ``dev`` (rules may be
tuned while looking at its misses) and ``holdout`` (only scored; docs/MASKING.md quotes it first). A line is built
from one split's material only. Fixed seed; the output is committed.

    python tests/data/masking_independent/build_corpus.py
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

HERE = Path(__file__).resolve().parent
VECTORS = HERE / "vectors"
OUT = HERE / "corpus.jsonl"
LINES_PER_SPLIT = 520
CLEAN_SHARE = 0.3

Escape = Callable[[str], str]


def split_of(text: str) -> str:
    return "holdout" if hashlib.sha256(text.encode()).digest()[0] & 1 else "dev"


def load() -> dict[str, dict[str, object]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(VECTORS.glob("*.json"))}


# ------------------------------------------------------------------ escaping of the formats and embeddings
def json_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def json_escape_ascii(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)[1:-1]


_STJ_EXTRA = {"+": "\\u002B", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "'": "\\u0027", "`": "\\u0060"}


def stj_escape(text: str) -> str:
    """System.Text.Json's default encoder (MEL's JsonConsole): non-ASCII and HTML-sensitive characters as \\uXXXX."""
    escaped = json_escape_ascii(text).replace('\\"', "\\u0022")
    return "".join(_STJ_EXTRA.get(char, char) for char in escaped)


def identity(text: str) -> str:
    return text


# ------------------------------------------------------------------ line formats
def _ts(rng: random.Random) -> tuple[int, int, int, int, int]:
    return rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999)


LOGGERS_JAVA = [
    "ru.shop.orders.OrderService",
    "ru.shop.checkout.PaymentController",
    "ru.shop.delivery.CourierClient",
    "ru.crm.customers.CustomerSyncJob",
    "org.hibernate.orm.jdbc.bind",
    "o.s.web.servlet.DispatcherServlet",
    "ru.shop.notify.SmsGateway",
]
LOGGERS_NET = [
    "Shop.Orders.OrderHandler",
    "Crm.Customers.SyncWorker",
    "Mes.Shipping.LabelPrinter",
    "Shop.Api.Middleware",
]


def fmt_logback(message: str, rng: random.Random) -> tuple[str, Escape]:
    d, h, m, s, ms = _ts(rng)
    record = {
        "@timestamp": f"2025-03-{d:02d}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}+03:00",
        "@version": "1",
        "message": message,
        "logger_name": rng.choice(LOGGERS_JAVA),
        "thread_name": f"http-nio-8080-exec-{rng.randint(1, 9)}",
        "level": rng.choice(["INFO", "WARN", "DEBUG"]),
        "level_value": 20000,
    }
    return json.dumps(record, ensure_ascii=False), json_escape


def fmt_serilog(message: str, rng: random.Random) -> tuple[str, Escape]:
    d, h, m, s, ms = _ts(rng)
    record = {
        "@t": f"2025-03-{d:02d}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}0000Z",
        "@m": message,
        "@i": f"{rng.getrandbits(32):08x}",
        "SourceContext": rng.choice(LOGGERS_NET),
        "MachineName": f"shop-api-{rng.randint(1, 4)}",
    }
    return json.dumps(record, ensure_ascii=False), json_escape


def fmt_mel_json(message: str, rng: random.Random) -> tuple[str, Escape]:
    """Microsoft.Extensions.Logging JsonConsole: System.Text.Json escapes Cyrillic, '+', quotes, '<', '>' and '&'."""
    d, h, m, s, ms = _ts(rng)
    category = rng.choice(LOGGERS_NET)
    body = stj_escape(message)
    line = (
        f'{{"Timestamp":"2025-03-{d:02d}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z","EventId":{rng.randint(0, 40)},'
        f'"LogLevel":"Information","Category":"{category}","Message":"{body}",'
        f'"State":{{"Message":"{body}","{{OriginalFormat}}":"{body}"}}}}'
    )
    return line, stj_escape


def fmt_spring(message: str, rng: random.Random) -> tuple[str, Escape]:
    d, h, m, s, ms = _ts(rng)
    logger = rng.choice(LOGGERS_JAVA)
    level = rng.choice(["INFO", "WARN", "DEBUG"])
    thread = f"nio-8080-exec-{rng.randint(1, 9)}"
    line = (
        f"2025-03-{d:02d}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}+03:00 {level:>5} {rng.randint(1, 9)} --- "
        f"[order-service] [{thread:>15}] {logger:<40} : {message}"
    )
    return line, identity


def fmt_rabbit(message: str, rng: random.Random) -> tuple[str, Escape]:
    d, h, m, s, ms = _ts(rng)
    pid = f"<0.{rng.randint(200, 9999)}.0>"
    level = rng.choice(["info", "warning", "error"])
    return (
        f"2025-03-{d:02d} {h:02d}:{m:02d}:{s:02d}.{ms:03d}{rng.randint(100, 999)}+00:00 [{level}] {pid} {message}",
        identity,
    )


FORMATS: dict[str, Callable[[str, random.Random], tuple[str, Escape]]] = {
    "logback": fmt_logback,
    "serilog": fmt_serilog,
    "mel_json": fmt_mel_json,
    "spring": fmt_spring,
}


# ------------------------------------------------------------------ vectors, by kind
def _alphabet(name: str) -> str:
    return {
        "alnum": string.ascii_letters + string.digits,
        "word": string.ascii_letters + string.digits + "_",
        "word-dash": string.ascii_letters + string.digits + "_-",
        "alnum-ext": string.ascii_letters + string.digits + "_-",
        "lower-alnum": string.ascii_lowercase + string.digits,
        "hex": "0123456789abcdef",
        "alpha": string.ascii_letters,
        "base32upper": string.ascii_uppercase + "234567",
    }[name]


def tokens(sources: dict[str, dict[str, object]], rng: random.Random) -> list[str]:
    """gitleaks' literal true positives, and tokens made by the recipes of its rules (as its own tests make them)."""
    gitleaks = sources["gitleaks"]
    out: list[str] = [value for values in gitleaks["literal"].values() for value in values]  # type: ignore[union-attr]
    for recipe in gitleaks["recipes"]:  # type: ignore[union-attr]
        _rule, prefix, alphabet, length, *suffix = recipe
        for _ in range(3):
            if alphabet == "slackbot":
                body = f"{rng.randint(10**11, 10**12)}-{rng.randint(10**12, 10**13)}-" + "".join(
                    rng.choices(_alphabet("alnum"), k=24)
                )
            elif alphabet == "slackapp":
                body = f"{rng.randint(10**9, 10**10)}-{rng.randint(10**12, 10**13)}-" + "".join(
                    rng.choices(_alphabet("lower-alnum"), k=64)
                )
            else:
                body = "".join(rng.choices(_alphabet(alphabet), k=length))
            out.append(prefix + body + "".join(suffix))
    out.extend(sources["validatorjs"]["jwt"])  # type: ignore[arg-type]
    return out


def phone_notations(digits10: str) -> list[str]:
    """The Russian notations people write for one number (ten digits after the country code)."""
    a, b, c, d = digits10[:3], digits10[3:6], digits10[6:8], digits10[8:]
    return [
        f"+7 ({a}) {b}-{c}-{d}",
        f"8 ({a}) {b}-{c}-{d}",
        f"+7 {a} {b} {c} {d}",
        f"7-{a}-{b}-{c}-{d}",
        f"8{a}{b}{c}{d}",
        f"+7{a}{b}{c}{d}",
        f"8 {a} {b}-{c}-{d}",
        f"+7({a}){b}{c}{d}",
    ]


def ru_phones(sources: dict[str, dict[str, object]]) -> list[str]:
    out: list[str] = []
    raw = list(sources["validatorjs"]["phone_ru"]) + list(sources["faker_ru_en"]["phone_ru"])  # type: ignore[call-overload]
    for index, phone in enumerate(raw):
        digits = "".join(filter(str.isdigit, phone))[-10:]
        out.append(phone)
        out.append(phone_notations(digits)[index % 8])
    return out


def decline_male(last: str, first: str) -> str:
    """The dative of a Russian male name ("Иванову Ивану"), the case after "отправлено", "выдано"."""

    def dative(word: str) -> str:
        if word.endswith(("ов", "ев", "ин", "ын")) or word[-1] in "бвгдзклмнпрстфхцчшщж":
            return word + "у"
        if word.endswith("й"):
            return word[:-1] + "ю"
        if word.endswith("а"):
            return word[:-1] + "е"
        return word

    return f"{dative(last)} {dative(first)}"


# ------------------------------------------------------------------ phrasings: (kind, template, context)
# {v} is the value; a phrasing is one way a service writes that kind. Contexts say how the value is embedded.
PHRASINGS: dict[str, list[tuple[str, str]]] = {
    "email": [
        ("Confirmation for order {order} sent to {v}", "text"),
        ("Письмо о заказе {order} отправлено на {v}", "text"),
        ('customer profile updated: {{"id": {cid}, "email": "{v}", "tier": "gold"}}', "json_in_string"),
        ("POST /api/v1/subscribe body: email={q} status={status}", "urlencoded"),
        ("binding parameter [2] as [VARCHAR] - [{v}]", "jdbc_bind"),
        ("<ns2:customer><ns2:email>{v}</ns2:email><ns2:orderId>{order}</ns2:orderId></ns2:customer>", "xml"),
        ("notify channel=email to=<{v}> order={order}", "kv"),
    ],
    "phone": [
        ("SMS с кодом подтверждения отправлено на {v}", "text"),
        ("SMS for order {order} sent to {v}", "text"),
        ("Courier will call {v} before delivery of order {order}", "text"),
        ("contact link tel:{v} order={order}", "text"),
        ("binding parameter [3] as [VARCHAR] - [{v}]", "jdbc_bind"),
        ("callback form: name=&phone={q}&order={order}", "urlencoded"),
        ('payload={{"orderId": {order}, "recipientPhone": "{v}"}}', "json_in_string"),
        ("<Recipient><Phone>{v}</Phone></Recipient>", "xml"),
        ("Клиенту позвонить по номеру {v} до {hh}:00", "text"),
    ],
    "phone_intl": [
        ("SMS for order {order} sent to {v}", "text"),
        ("International customer contact {v}, order {order}", "text"),
        ("msisdn={v} order={order} status={status}", "kv"),
    ],
    "card": [
        ("Payment declined for card {v}, order {order}", "text"),
        ("Оплата картой {v} отклонена банком, заказ {order}", "text"),
        ('gateway request: {{"pan": "{v}", "amount": {price}}}', "json_in_string"),
        ("binding parameter [1] as [VARCHAR] - [{v}]", "jdbc_bind"),
        ("pay form card_number={q}&exp=12%2F27&order={order}", "urlencoded"),
    ],
    "iban": [
        ("Refund for order {order} to account {v}", "text"),
        ("Возврат по заказу {order} на счёт {v}", "text"),
        ("<Refund><IBAN>{v}</IBAN><Amount>{price}</Amount></Refund>", "xml"),
    ],
    "inn": [
        ("Проверка ИНН {v} для заказа {order}", "text"),
        ("Counterparty tax id {v} verified, order {order}", "text"),
        ('legal entity: {{"inn": "{v}", "kpp": "770701001"}}', "json_in_string"),
        ("binding parameter [4] as [VARCHAR] - [{v}]", "jdbc_bind"),
        ("ИНН покупателя: {v}", "text"),
    ],
    "snils": [
        ("СНИЛС {v} подтверждён для заказа {order}", "text"),
        ("Документы клиента: снилс {v}", "text"),
        ('applicant={{"snils": "{v}", "orderId": {order}}}', "json_in_string"),
        ("<Applicant><SNILS>{v}</SNILS></Applicant>", "xml"),
    ],
    "passport": [
        ("Паспорт {v} проверен, заказ {order}", "text"),
        ("passportSeriesNumber={v} order={order}", "kv"),
        ('identity check: {{"idDocument": "{v}", "orderId": {order}}}', "json_in_string"),
        ("docNumber: {v}", "kv"),
        ("Получатель предъявил паспорт {v}", "text"),
    ],
    "ip": [
        ("Request from {v} for order {order} completed with {status} in {ms} ms", "text"),
        ("X-Forwarded-For: {v}", "http_header"),
        ("login attempt from {v} rejected", "text"),
        ('client={{"ip": "{v}", "ua": "okhttp/4.12.0"}}', "json_in_string"),
        ("remote_addr={v} method=GET path=/api/orders/{order} status={status}", "kv"),
    ],
    "url_credentials": [
        ("Connecting to {v}", "text"),
        ("datasource url={v} pool=HikariPool-1", "kv"),
        ("Подключение к {v} не удалось: timeout", "text"),
    ],
    "token": [
        ("Using API key {v} for notifications", "text"),
        ("Authorization: Bearer {v}", "http_header"),
        ('config loaded: {{"apiKey": "{v}", "region": "eu-central-1"}}', "json_in_string"),
        ("webhook call failed, token={v} status={status}", "kv"),
        ("Outgoing request headers: X-Api-Key: {v}", "http_header"),
    ],
    "name_ru": [
        ("Заказ {order} оформлен, клиент {v}", "text"),
        ("Получатель {v} подтвердил доставку заказа {order}", "text"),
        ("Покупатель {v} оформил возврат по заказу {order}", "text"),
        ("binding parameter [2] as [VARCHAR] - [{v}]", "jdbc_bind"),
        ('customer={{"fullName": "{v}", "id": {cid}}}', "json_in_string"),
        ("Курьер передал заказ {order}, получатель: {v}", "text"),
    ],
    "name_ru_dative": [
        ("Уведомление отправлено покупателю {v}", "text"),
        ("Заказ {order} выдан клиенту {v}", "text"),
    ],
    "name_initials": [
        ("Доверенность на получение оформлена на {v}", "text"),
        ("Заказ {order} принял менеджер {v}", "text"),
        ("recipient {v} signed for order {order}", "text"),
    ],
    "name_en": [
        ("Customer {v} placed order {order}", "text"),
        ("Delivery for order {order} handed to recipient {v}", "text"),
        ("contact person {v} confirmed pickup", "text"),
        ('customer={{"name": "{v}", "id": {cid}}}', "json_in_string"),
    ],
    "address": [
        ("Адрес доставки: {v}", "text"),
        ("Доставка по адресу {v}, заказ {order}", "text"),
        ('shipment={{"deliveryAddress": "{v}", "orderId": {order}}}', "json_in_string"),
        ("<Shipment><Address>{v}</Address></Shipment>", "xml"),
    ],
}

RABBIT_PHRASINGS: list[tuple[str, str, str]] = [
    ("ip", "accepting AMQP connection <0.{pid}.0> ({v}:{port} -> {server}:5672)", "text"),
    (
        "ip",
        "connection <0.{pid}.0> ({v}:{port} -> {server}:5672): user 'order-service' authenticated and granted access to vhost 'shop'",
        "text",
    ),
    (
        "ip",
        "closing AMQP connection <0.{pid}.0> ({v}:{port} -> {server}:5672, vhost: 'shop', user: 'crm-sync')",
        "text",
    ),
    ("email", "HTTP access denied: user '{v}' - invalid credentials", "text"),
    (
        "email",
        "connection <0.{pid}.0> ({server}:{port} -> {server}:5672): user '{v}' authenticated and granted access to vhost '/'",
        "text",
    ),
    (
        "phone",
        'Discarding message in queue \'sms.outbox\' in vhost \'shop\': payload {{"to":"{v}","orderId":{order}}}',
        "json_in_string",
    ),
    (
        "email",
        'Dead-lettering message from \'order.notify\': body={{"email":"{v}","order":{order}}} reason=expired',
        "json_in_string",
    ),
]
RABBIT_CLEAN: list[str] = [
    "Server startup complete; 5 plugins started.",
    "queue 'order.created' in vhost 'shop': leader is rabbit@mq-1.shop.internal, {n} messages recovered",
    "Mirrored queue 'orders.dlq' in vhost 'shop': Adding mirror on node rabbit@mq-2.shop.internal",
    "Starting RabbitMQ 3.13.6 on Erlang 26.2.5 [jit]",
    "memory resource limit alarm cleared on node 'rabbit@mq-1.shop.internal'",
    "Policy 'ha-orders' for pattern '^order\\.' in vhost 'shop' updated",
    "channel <0.{pid}.0> closed: basic.publish to exchange 'order.events' took {ms} ms",
]

# Values that must stay, in phrasings that carry them. {k} is the value.
KEEP_PHRASINGS: list[tuple[str, str]] = [
    ("uuid", "Order {order} correlation id {k} created"),
    ("uuid", "trace={k} span=a1b2c3d4 order={order}"),
    ("semver", "order-service version {k} started in {ms} ms"),
    ("semver", "Loaded plugin pricing-rules {k}"),
    ("fqdn", "Calling https://api.{k}/v2/stock for sku SKU-{sku}"),
    ("fqdn", "Resolved host {k} for warehouse sync"),
    ("hostname", "Connected to {k}:5432 in {ms} ms"),
    ("hostname", "Health check of {k} returned {status}"),
    ("ean", "Scanned barcode {k} for sku SKU-{sku}"),
    ("invalid_ip", "Rejected malformed address field value {k} from form"),
    ("assembly", "Could not load file or assembly '{k}'"),
    ("assembly", "Binding redirect for {k} applied"),
    ("package", "Installed package {k} on build agent"),
    ("package", "Runtime: {k}"),
    ("oid", "Certificate signature algorithm OID {k} accepted"),
    ("status", "GET /api/orders/{order} responded {k} in {ms} ms"),
    ("status", "HTTP/1.1 {k} from inventory service"),
    ("order", "Order {k} moved from PAID to SHIPPED"),
    ("order", "Заказ {k} передан в доставку"),
    ("price", "Price recalculated for order {order}: {k}"),
    ("duration", "Slow query took {k}"),
    ("service_url", 'Serilog property "address": "{k}" configured'),
    ("service_url", "address={k} timeout=30s"),
    ("doc_ref", "Накладная {k} сформирована"),
    ("timestamp", "Batch finished at epoch {k}"),
    ("product", "Товар «{k}» добавлен в корзину, sku SKU-{sku}"),
    ("city", "Склад в городе {k} принял отгрузку {order}"),
    ("logger", "Handler {k} registered for OrderCreated"),
]


def keep_values(sources: dict[str, dict[str, object]], rng: random.Random) -> dict[str, list[str]]:
    validator = sources["validatorjs"]
    faker = sources["faker_ru_en"]
    docs = sources["docs_code"]
    return {
        "uuid": list(validator["keep_uuid"]) + list(faker["uuid"])[:20],  # type: ignore[call-overload]
        "semver": list(validator["keep_semver"]),  # type: ignore[call-overload]
        "fqdn": list(validator["keep_fqdn"]),  # type: ignore[call-overload]
        "hostname": list(faker["hostname"]),  # type: ignore[call-overload]
        "ean": list(validator["keep_ean"]),  # type: ignore[call-overload]
        "invalid_ip": list(validator["keep_invalid_ip"]),  # type: ignore[call-overload]
        "assembly": [
            "Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed",
            "System.Text.Json, Version=8.0.0.5, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51",
            "Serilog, Version=2.0.0.0, Culture=neutral, PublicKeyToken=24c2f752a8e58a10",
            "Microsoft.Extensions.Logging.Abstractions, Version=8.0.0.1, Culture=neutral, PublicKeyToken=adb9793829ddae60",
            "RabbitMQ.Client, Version=6.0.0.0, Culture=neutral, PublicKeyToken=89e7d7c5feba84ce",
        ],
        "package": [
            "Microsoft.NETCore.App 8.0.11.24521",
            "Microsoft.WindowsAppRuntime.1.5 5001.178.1908.0",
            "dotnet-sdk 8.0.404.25107",
            "Windows 10.0.19045.4529",
            "openjdk 17.0.12.7",
            "Npgsql 8.0.3.0",
        ],
        "oid": ["1.2.840.113549.1.1.11", "2.5.4.3", "1.3.6.1.5.5.7.3.1", "1.2.643.7.1.1.3.2"],
        "status": ["200", "201", "204", "400", "401", "404", "409", "429", "500", "502", "503"],
        "order": [str(rng.randint(1000000, 99999999)) for _ in range(20)]
        + [f"ORD-2025-{rng.randint(0, 999999):06d}" for _ in range(10)],
        "price": ["1 299,00 ₽", "12990.50 RUB", "$149.99", "4 560 руб.", "89 990,00"],
        "duration": ["1234 ms", "00:00:01.2345678", "PT2.5S", "15.3s"],
        "service_url": [
            "http://inventory.svc.cluster.local:8080/api/v1/stock",
            "https://crm.shop.internal/api/customers",
            "amqps://mq-1.shop.internal:5671/shop",
        ],
        "doc_ref": list(docs["snils_invalid_checksum"]),  # type: ignore[call-overload]
        "timestamp": [str(rng.randint(1_700_000_000, 1_760_000_000)) for _ in range(5)],
        "product": list(faker["product_ru"]),  # type: ignore[call-overload]
        "city": [city.split(". ", 1)[-1] for city in faker["city_ru"]],  # type: ignore[union-attr]
        "logger": [
            "Shop.Orders.OrderCreatedHandler",
            "ru.shop.orders.OrderService",
            "Crm.Customers.CustomerSyncWorker",
        ],
    }


def pii_values(sources: dict[str, dict[str, object]], rng: random.Random) -> dict[str, list[str]]:
    validator = sources["validatorjs"]
    faker = sources["faker_ru_en"]
    docs = sources["docs_code"]
    passports = list(faker["passport_ru"])  # type: ignore[call-overload]
    passport_forms = []
    for index, passport in enumerate(passports):
        digits = passport.replace(" ", "")
        series, number = digits[:4], digits[4:]
        passport_forms.append(
            [
                f"серия {series[:2]} {series[2:]} № {number}",
                passport,
                f"{series}{number}",
                f"{series[:2]} {series[2:]} {number}",
            ][index % 4]
        )
    inns = list(docs["inn_valid"]) + list(faker["inn_individual"]) + list(faker["inn_business"])  # type: ignore[call-overload]
    snils = []
    for value in docs["snils_valid"]:  # type: ignore[union-attr]
        digits = "".join(filter(str.isdigit, value))
        snils += [
            value,
            digits,
            f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}",
            f"{digits[:3]}-{digits[3:6]}-{digits[6:9]}-{digits[9:]}",
        ]
    ru_parts = list(faker["name_ru_parts"])  # type: ignore[call-overload]
    en_parts = list(faker["name_en_parts"])  # type: ignore[call-overload]
    return {
        "email": list(validator["email"]) + list(faker["email_ru"])[:15],  # type: ignore[call-overload]
        "phone": ru_phones(sources),
        "phone_intl": list(validator["phone_intl"]),  # type: ignore[call-overload]
        "card": list(validator["card"]) + list(faker["card"])[:20],  # type: ignore[call-overload]
        "iban": list(validator["iban"]) + list(faker["iban_ru"]) + list(faker["iban_de"]),  # type: ignore[call-overload]
        "inn": inns,
        "snils": snils,
        "passport": passport_forms,
        "ip": list(validator["ip"])
        + list(faker["ipv4_public"])[:15]
        + list(faker["ipv4_private"])[:15]
        + list(faker["ipv6"])[:15],  # type: ignore[call-overload]
        "url_credentials": list(validator["url_with_credentials"]),  # type: ignore[call-overload]
        "token": tokens(sources, rng),
        "name_ru": [bare_name(n) for n in list(faker["name_ru_full"]) + list(faker["name_ru_last_first"])],  # type: ignore[call-overload]
        "name_ru_dative": [decline_male(last, first) for last, first, _ in ru_parts[:20]],
        "name_initials": [f"{last} {first[0]}.{middle[0]}." for last, first, middle in ru_parts[20:]]
        + [f"{first[0]}. {last}" for first, last in en_parts[:20]],
        "name_en": [bare_name(n) for n in faker["name_en_full"]] + [f"{first} {last}" for first, last in en_parts[20:]],  # type: ignore[call-overload]
        "address": list(faker["address_ru"]) + list(faker["street_ru"])[:20],  # type: ignore[call-overload]
    }


_TITLES = (
    "тов.",
    "г-н",
    "г-жа",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Miss",
    "Dr.",
    "MD",
    "DDS",
    "PhD",
    "DVM",
    "Jr.",
    "Sr.",
    "II",
    "III",
    "IV",
)


def bare_name(name: str) -> str:
    """Faker's full names sometimes carry a title ("тов.", "Dr.", "MD"): the name is the rest."""
    return " ".join(word for word in name.split() if word not in _TITLES)


KIND_OF = {
    "phone_intl": "phone",
    "name_ru": "name",
    "name_ru_dative": "name",
    "name_initials": "name",
    "name_en": "name",
    "url_credentials": "password",
}


def masked_part(group: str, value: str) -> list[str]:
    """The substrings of a value that must disappear (a URL's password, not its host)."""
    if group == "url_credentials":
        userinfo = value.split("://", 1)[1].split("@", 1)[0]
        return [":" + userinfo.split(":", 1)[1] + "@"]
    if group == "passport" and "№" in value:
        series, number = value.removeprefix("серия ").split(" № ")
        return [series, number]
    return [value]


def fill(template: str, rng: random.Random, **extra: str) -> str:
    values = {
        "order": str(rng.randint(1000000, 99999999)),
        "cid": str(rng.randint(1000, 999999)),
        "status": rng.choice(["200", "201", "400", "404", "500"]),
        "ms": str(rng.randint(3, 4000)),
        "price": f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
        "sku": str(rng.randint(10000, 99999)),
        "hh": str(rng.randint(9, 21)),
        "pid": str(rng.randint(200, 9999)),
        "port": str(rng.randint(30000, 65000)),
        "server": rng.choice(["10.0.3.15", "10.20.0.7", "172.31.4.18"]),
        "n": str(rng.randint(0, 5000)),
    }
    values.update(extra)
    return template.format(**values)


def build() -> list[dict[str, object]]:
    sources = load()
    rng = random.Random(2121)
    pii = pii_values(sources, rng)
    keeps = keep_values(sources, rng)
    records: list[dict[str, object]] = []
    for split in ("dev", "holdout"):
        pool = {group: [v for v in values if split_of(group + v) == split] for group, values in pii.items()}
        phrasings = {
            group: [p for p in items if split_of(group + p[0]) == split] or items for group, items in PHRASINGS.items()
        }
        keep_pool = {
            group: [v for v in values if split_of(group + v) == split] or values for group, values in keeps.items()
        }
        keep_groups: dict[str, list[str]] = {}
        for keep_group, template in KEEP_PHRASINGS:
            keep_groups.setdefault(keep_group, []).append(template)
        keep_phrasings = [
            (keep_group, template)
            for keep_group, templates in keep_groups.items()
            for template in ([t for t in templates if split_of(t) == split] or templates)
        ]
        groups = [group for group in PHRASINGS if pool[group]]
        produced = 0
        cursor = {group: 0 for group in groups}
        while produced < LINES_PER_SPLIT:
            clean = rng.random() < CLEAN_SHARE
            keep_group, keep_template = rng.choice(keep_phrasings)
            keep_value = rng.choice(keep_pool[keep_group])
            keep_text = fill(keep_template.replace("{k}", "{keep}"), rng, keep=keep_value)
            if rng.random() < 0.12:
                # A broker line: the formats the broker writes, PII in connection and dead-letter lines.
                if clean:
                    message, mask, context = fill(rng.choice(RABBIT_CLEAN), rng), [], "text"
                else:
                    group, template, context = rng.choice(RABBIT_PHRASINGS)
                    value = rng.choice(pool[group] or pii[group])
                    if group == "ip" and ":" in value:
                        value = f"[{value}]"  # an IPv6 address with a port is written in brackets
                    message = fill(
                        template.replace("{v}", "{value}"),
                        rng,
                        value=json_escape(value) if context == "json_in_string" else value,
                    )
                    embed = json_escape if context == "json_in_string" else identity
                    mask = [(KIND_OF.get(group, group), embed(part.strip("[]"))) for part in masked_part(group, value)]
                line, _ = fmt_rabbit(message, rng)
                records.append(_record(split, "rabbit", context, line, mask, [], identity, ""))
                produced += 1
                continue
            fmt_name = rng.choice(list(FORMATS))
            if clean:
                message, mask, context = keep_text, [], "text"
            else:
                group = groups[produced % len(groups)]
                values = pool[group]
                value = values[cursor[group] % len(values)]
                cursor[group] += 1
                template, context = rng.choice(phrasings[group])
                embed: Escape = identity
                if context == "json_in_string":
                    embed = json_escape
                elif context == "urlencoded":
                    embed = quote_plus if rng.random() < 0.5 else quote
                shown = embed(value)
                message = fill(template.replace("{v}", "{value}").replace("{q}", "{value}"), rng, value=shown)
                if rng.random() < 0.5:
                    message = f"{message}; {keep_text}"
                mask = [(KIND_OF.get(group, group), embed(part)) for part in masked_part(group, value)]
            keep_text_in = [keep_value]
            line, escape = FORMATS[fmt_name](message, rng)
            records.append(_record(split, fmt_name, context, line, mask, keep_text_in, escape, keep_group))
            produced += 1
    return records


# ------------------------------------------------------------------ names without a cue word (a second section)
# Full names standing in prose with no word before them that says "customer" or "получатель": "Ivan Petrov called",
# "Тихонов Бронислав". Built after the lines above, from its own seed, so those lines stay as they were. Each name
# keeps the split of the Faker value it comes from (as it was assigned in the section above).
BARE_LINES_PER_SPLIT = 90
BARE_PHRASINGS: dict[str, list[str]] = {
    "ru": [
        "Новый отзыв от {v} к заказу {order}",
        "Заказ {order}: {v} не отвечает на звонки",
        "Запрос возврата по заказу {order}, заявитель {v}",
        "Доставка заказа {order} перенесена по просьбе {v}",
        "Чат поддержки: {v}: где мой заказ {order}?",
        "{v}, заказ {order}, статус {status}",
        "Заявка #{cid} создана, автор {v}",
    ],
    "ru_dative": [
        "Напоминание об оплате заказа {order} отправлено {v}",
        "Заказ {order} выдан {v} после проверки документа",
    ],
    "en": [
        "{v} called about order {order}",
        "Refund for order {order} requested by {v}",
        "Order {order} picked up by {v} at the pickup point",
        "Support chat: {v}: where is my order {order}?",
        "Ticket #{cid} opened by {v}, priority high",
        "Review for order {order} left by {v}: 5 stars",
        "Заказ {order} оформил {v}",
    ],
}
# Title Case that is no name: the world's largest cities (GeoNames), in the phrasings that carry them.
BARE_KEEP_PHRASINGS: list[str] = [
    "Shipment {order} left the hub in {k}",
    "Warehouse {k} received SKU-{sku} for order {order}",
    "Delivery zone {k} closed for the holidays",
    "Склад {k} принял заказ {order}",
]
# ICAO 9303, as Russian names are written on passports and bank cards.
_ICAO_LATIN = "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y _ e iu ia"  # ь is "_", dropped
_ICAO = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _ICAO_LATIN.split(" "), strict=True))


def icao(text: str) -> str:
    words = ["".join(_ICAO.get(ch, ch) for ch in word.lower()).replace("_", "") for word in text.split()]
    return " ".join(word.capitalize() for word in words)


def bare_values(sources: dict[str, dict[str, object]]) -> dict[str, list[tuple[str, str]]]:
    """(value, split) of each name, by phrasing group."""
    faker = sources["faker_ru_en"]
    ru: list[tuple[str, str]] = []
    dative: list[tuple[str, str]] = []
    en: list[tuple[str, str]] = []
    for name in faker["name_ru_last_first"]:  # type: ignore[union-attr]
        split = split_of("name_ru" + bare_name(name))
        ru.append((bare_name(name), split))
        en.append((icao(bare_name(name)), split))
    for name in faker["name_ru_full"]:  # type: ignore[union-attr]
        words = bare_name(name).split()
        split = split_of("name_ru" + bare_name(name))
        # "Александра Кирилловна Селиверстова" / "Пахомов Виссарион Адамович": the patronymic left out
        ru.append((" ".join(w for w in words if not w.endswith(("вич", "вна", "чна", "ьич"))), split))
    for index, (last, first, _middle) in enumerate(faker["name_ru_parts"]):  # type: ignore[misc]
        split = (
            split_of("name_ru_dative" + decline_male(last, first))
            if index < 20
            else split_of("name_initials" + f"{last} {first[0]}.{_middle[0]}.")
        )
        ru.append((f"{first} {last}", split))
        dative.append((decline_male(first, last), split))  # given name first: "Аскольду Дорофееву"
        en.append((icao(f"{first} {last}") if index % 2 else icao(f"{last} {first}"), split))
    for name in faker["name_en_full"]:  # type: ignore[union-attr]
        en.append((bare_name(name), split_of("name_en" + bare_name(name))))
    for index, (first, last) in enumerate(faker["name_en_parts"]):  # type: ignore[misc]
        key = f"name_initials{first[0]}. {last}" if index < 20 else f"name_en{first} {last}"
        en.append((f"{first} {last}", split_of(key)))
    return {"ru": ru, "ru_dative": dative, "en": en}


def build_bare(sources: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    rng = random.Random(2122)
    values = bare_values(sources)
    cities = list(sources["geonames_cities"]["city_world"])  # type: ignore[call-overload]
    records: list[dict[str, object]] = []
    for split in ("dev", "holdout"):
        pool = {group: [v for v, s in items if s == split] for group, items in values.items()}
        phrasings = {
            group: [p for p in items if split_of(group + p) == split] or items
            for group, items in BARE_PHRASINGS.items()
        }
        keep_phrasings = [p for p in BARE_KEEP_PHRASINGS if split_of(p) == split] or BARE_KEEP_PHRASINGS
        city_pool = [c for c in cities if split_of("city_world" + c) == split]
        cursor = dict.fromkeys(pool, 0)
        groups = ["ru", "ru", "en", "en", "ru_dative"]
        for produced in range(BARE_LINES_PER_SPLIT):
            fmt_name = rng.choice(list(FORMATS))
            keep_value = rng.choice(city_pool)
            keep_text = fill(rng.choice(keep_phrasings).replace("{k}", "{keep}"), rng, keep=keep_value)
            if rng.random() < CLEAN_SHARE:
                message, mask = keep_text, []
            else:
                group = groups[produced % len(groups)]
                value = pool[group][cursor[group] % len(pool[group])]
                cursor[group] += 1
                message = fill(rng.choice(phrasings[group]).replace("{v}", "{value}"), rng, value=value)
                if rng.random() < 0.5:
                    message = f"{message}; {keep_text}"
                mask = [("name", value)]
            line, escape = FORMATS[fmt_name](message, rng)
            keep = [keep_value] if keep_value in message else []
            records.append(_record(split, fmt_name, "text_no_cue", line, mask, keep, escape, "city_world"))
    return records


def _record(
    split: str,
    fmt: str,
    context: str,
    line: str,
    mask: list[tuple[str, str]],
    keep: list[str],
    escape: Escape,
    keep_group: str,
) -> dict[str, object]:
    shown_mask = [{"kind": kind, "value": escape(value)} for kind, value in mask]
    shown_keep = [escape(value) for value in keep]
    for item in shown_mask:
        assert item["value"] in line, (item, line)
    shown_keep = [value for value in shown_keep if value in line]
    return {
        "split": split,
        "format": fmt,
        "context": context,
        "line": line,
        "mask": shown_mask,
        "keep": shown_keep,
        "keep_kind": keep_group if shown_keep else "",
    }


def main() -> int:
    records = build() + build_bare(load())
    OUT.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    print(f"{len(records)} lines -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
