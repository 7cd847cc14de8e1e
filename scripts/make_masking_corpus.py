#!/usr/bin/env python3
# ruff: noqa: S311, E501 - deterministic test data, long literal templates
"""Generate tests/data/masking/corpus.jsonl: labelled log lines in the formats our services write.

Each record: {"format", "line", "mask": [{"kind", "value"}], "keep": [...]}. ``mask`` lists the substrings that
must disappear, ``keep`` those that must survive (ids, timestamps, prices, versions...). About a third of the
lines carry no personal data. Deterministic (fixed seed): re-running rewrites the same file.

    python scripts/make_masking_corpus.py > tests/data/masking/corpus.jsonl
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

R = random.Random(20240501)

SURNAMES_M = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
]
FIRST_M = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Артём", "Максим"]
PATR_M = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Дмитриевич", "Алексеевич", "Николаевич", "Михайлович"]
FIRST_F = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана", "Юлия"]
PATR_F = ["Ивановна", "Петровна", "Сергеевна", "Андреевна", "Дмитриевна", "Алексеевна", "Николаевна"]
LATIN_FIRST = [
    "John",
    "Emma",
    "Oliver",
    "Sophia",
    "Lucas",
    "Mia",
    "Noah",
    "Amelia",
    "Liam",
    "Isabella",
    "Ahmed",
    "Yuki",
    "Mehmet",
    "Aigerim",
    "Dilnoza",
    "Chen",
    "Priya",
    "Giulia",
    "Hans",
    "Zeynep",
]
LATIN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Müller",
    "Rossi",
    "Kowalski",
    "Nakamura",
    "Yilmaz",
    "Nurlanova",
    "Karimova",
    "Wang",
    "Sharma",
    "Bianchi",
    "Schmidt",
    "Demir",
    "Ivanova",
    "Novak",
    "Dubois",
    "Silva",
]
TRANSLIT = {
    "Иван": "ivan",
    "Пётр": "petr",
    "Алексей": "aleksey",
    "Дмитрий": "dmitry",
    "Сергей": "sergey",
    "Андрей": "andrey",
    "Михаил": "mikhail",
    "Николай": "nikolay",
    "Артём": "artem",
    "Максим": "maksim",
    "Анна": "anna",
    "Мария": "maria",
    "Елена": "elena",
    "Ольга": "olga",
    "Наталья": "natalia",
    "Татьяна": "tatiana",
    "Ирина": "irina",
    "Екатерина": "ekaterina",
    "Светлана": "svetlana",
    "Юлия": "yulia",
}
DOMAINS = [
    "mail.ru",
    "yandex.ru",
    "gmail.com",
    "bk.ru",
    "inbox.ru",
    "rambler.ru",
    "outlook.com",
    "example.com",
    "shop-client.ru",
    "corp.example.org",
    "ya.ru",
    "list.ru",
    "icloud.com",
    "hotmail.co.uk",
    "web.de",
]
CITIES = [
    "Москва",
    "Санкт-Петербург",
    "Казань",
    "Новосибирск",
    "Екатеринбург",
    "Нижний Новгород",
    "Самара",
    "Краснодар",
]
STREETS = [
    "ул. Ленина",
    "ул. Тверская",
    "пр-т Мира",
    "ул. Садовая",
    "Невский пр-т",
    "ул. Гагарина",
    "ул. Пушкина",
    "ул. Баумана",
    "Ленинградское ш.",
]
EN_STREETS = [
    "221B Baker Street",
    "10 Downing Street",
    "1600 Amphitheatre Pkwy",
    "742 Evergreen Terrace",
    "5 Rue de Rivoli",
]
LOGGERS = [
    "ru.shop.orders.OrderService",
    "ru.shop.payments.PaymentService",
    "ru.shop.pricing.PriceCalculator",
    "ru.shop.delivery.CourierClient",
    "ru.shop.customers.CustomerController",
    "ru.shop.cart.CartRepository",
    "org.springframework.web.servlet.DispatcherServlet",
    "com.zaxxer.hikari.pool.HikariPool",
]
NET_LOGGERS = [
    "Shop.Orders.Api.OrdersController",
    "Shop.Payments.PaymentProcessor",
    "Shop.Notifications.SmsSender",
    "Microsoft.AspNetCore.Hosting.Diagnostics",
    "Shop.Customers.CustomerService",
]
STATUSES = ["NEW", "RESERVED", "PAID", "ASSEMBLING", "SHIPPED", "DELIVERED", "CANCELLED"]
QUEUES = ["orders.created", "payments.completed", "notifications.sms", "delivery.assigned", "orders.dlq"]


def digits(n: int) -> str:
    return str(R.randint(1, 9)) + "".join(R.choice(string.digits) for _ in range(n - 1))


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(R.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        candidate = body + check
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            v = int(ch)
            if i % 2:
                v = v * 2 - 9 if v * 2 > 9 else v * 2
            total += v
        if total % 10 == 0:
            return candidate
    raise AssertionError


def card() -> str:
    brand = R.choice(["visa", "mc", "mc2", "mir", "amex", "unionpay", "visa"])
    if brand == "amex":
        number = luhn_complete(R.choice(["34", "37"]), 15)
        sep = R.choice([" ", "", "-"])
        return sep.join([number[:4], number[4:10], number[10:]]) if sep else number
    prefix = {
        "visa": "4",
        "mc": str(R.randint(51, 55)),
        "mc2": str(R.randint(2221, 2720)),
        "mir": str(R.randint(2200, 2204)),
        "unionpay": "62",
    }[brand]
    number = luhn_complete(prefix, 16)
    sep = R.choice([" ", "", "-", " "])
    return sep.join(number[i : i + 4] for i in range(0, 16, 4)) if sep else number


def inn10() -> str:
    while True:
        body = f"{R.randint(1, 99):02d}" + "".join(R.choice(string.digits) for _ in range(7))
        w = (2, 4, 10, 3, 5, 9, 4, 6, 8)
        c = sum(int(d) * k for d, k in zip(body, w, strict=False)) % 11 % 10
        value = body + str(c)
        if not 1_480_000_000 <= int(value) < 2_000_000_000:
            return value


def inn12() -> str:
    body = f"{R.randint(1, 99):02d}" + "".join(R.choice(string.digits) for _ in range(8))
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    c11 = sum(int(d) * k for d, k in zip(body, w11, strict=False)) % 11 % 10
    body += str(c11)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    c12 = sum(int(d) * k for d, k in zip(body, w12, strict=False)) % 11 % 10
    return body + str(c12)


def snils(formatted: bool = True) -> str:
    body = "".join(R.choice(string.digits) for _ in range(9))
    total = sum(int(d) * (9 - i) for i, d in enumerate(body))
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    raw = body + f"{check:02d}"
    return f"{raw[:3]}-{raw[3:6]}-{raw[6:9]} {raw[9:]}" if formatted else raw


def passport() -> str:
    series = f"{R.randint(1, 99):02d}{R.randint(0, 24):02d}"
    number = f"{R.randint(100000, 999999)}"
    return R.choice([f"{series} {number}", f"{series[:2]} {series[2:]} {number}", f"{series}{number}"])


def iban() -> str:
    country = R.choice(["DE", "GB", "FR", "NL", "RU", "KZ"])
    bban = {
        "DE": lambda: "".join(R.choice(string.digits) for _ in range(18)),
        "GB": lambda: R.choice(["NWBK", "WEST", "BARC"]) + "".join(R.choice(string.digits) for _ in range(14)),
        "FR": lambda: "".join(R.choice(string.digits) for _ in range(23)),
        "NL": lambda: R.choice(["ABNA", "INGB", "RABO"]) + "".join(R.choice(string.digits) for _ in range(10)),
        "RU": lambda: "".join(R.choice(string.digits) for _ in range(29)),
        "KZ": lambda: "".join(R.choice(string.digits) for _ in range(16)),
    }[country]()
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    if R.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def ru_phone() -> str:
    code = R.choice(["912", "916", "903", "926", "985", "999", "495", "812", "843", "383"])
    a, b, c = f"{R.randint(0, 999):03d}", f"{R.randint(0, 99):02d}", f"{R.randint(0, 99):02d}"
    return R.choice(
        [
            f"+7 ({code}) {a}-{b}-{c}",
            f"+7{code}{a}{b}{c}",
            f"8 ({code}) {a}-{b}-{c}",
            f"8{code}{a}{b}{c}",
            f"8-{code}-{a}-{b}-{c}",
            f"+7 {code} {a} {b} {c}",
            f"7{code}{a}{b}{c}",
            f"+7-{code}-{a}-{b}{c}",
            f"8 {code} {a} {b} {c}",
            f"+7({code}){a}{b}{c}",
        ]
    )


def intl_phone() -> str:
    return R.choice(
        [
            f"+44 20 {R.randint(7000, 7999)} {R.randint(1000, 9999)}",
            f"+1 ({R.randint(201, 989)}) 555-{R.randint(1000, 9999)}",
            f"+49 30 {R.randint(10000000, 99999999)}",
            f"+375 29 {R.randint(100, 999)}-{R.randint(10, 99)}-{R.randint(10, 99)}",
            f"+998 90 {R.randint(100, 999)} {R.randint(10, 99)} {R.randint(10, 99)}",
            f"+86 138 {R.randint(1000, 9999)} {R.randint(1000, 9999)}",
            f"+33 6 {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)}",
            f"+7 701 {R.randint(100, 999)} {R.randint(10, 99)} {R.randint(10, 99)}",
        ]
    )


def phone() -> str:
    return ru_phone() if R.random() < 0.7 else intl_phone()


def person() -> tuple[str, str, str]:
    if R.random() < 0.6:
        if R.random() < 0.5:
            first, last, patr = R.choice(FIRST_M), R.choice(SURNAMES_M), R.choice(PATR_M)
        else:
            first, last, patr = R.choice(FIRST_F), R.choice(SURNAMES_M) + "а", R.choice(PATR_F)
        return first, last, patr
    return R.choice(LATIN_FIRST), R.choice(LATIN_LAST), ""


def email(first: str = "", last: str = "") -> str:
    if not first:
        first, last, _ = person()
    f = TRANSLIT.get(first, first.lower())
    lt = last.lower().replace("ё", "e").replace("ü", "u")
    lt = "".join(c for c in lt if c.isascii()) or "user"
    local = R.choice([f"{f}.{lt}", f"{f[0]}.{lt}", f"{lt}{R.randint(1, 99)}", f"{f}_{lt}", f"{f}+shop"])
    return f"{local}@{R.choice(DOMAINS)}"


def public_ip() -> str:
    while True:
        a = R.choice(
            [
                5,
                31,
                37,
                46,
                62,
                77,
                78,
                79,
                80,
                81,
                85,
                87,
                89,
                91,
                93,
                94,
                95,
                176,
                178,
                185,
                188,
                193,
                195,
                212,
                213,
                217,
            ]
        )
        return f"{a}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"


def private_ip() -> str:
    return R.choice(
        [
            f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
            f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
            f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}",
            "127.0.0.1",
        ]
    )


def ipv6() -> str:
    return (
        f"2a02:{R.randint(0x1000, 0xFFFF):x}:{R.randint(0, 0xFFFF):x}:{R.randint(1, 0xFFFF):x}::{R.randint(1, 0xFFF):x}"
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt() -> str:
    header = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": str(R.randint(1000, 99999)), "exp": R.randint(1714000000, 1716000000)}).encode())
    sig = b64(bytes(R.randint(0, 255) for _ in range(32)))
    return f"{header}.{payload}.{sig}"


def password() -> str:
    return R.choice(
        [
            "hunter2",
            "Qwerty123!",
            "P@ssw0rd",
            "s3cr3t-Pass",
            "Zima2024#",
            "пароль123",
            "letmein!",
            "Tr0ub4dor&3",
            "correct-horse-battery",
            "Moscow_2023",
        ]
    )


def token() -> str:
    return "".join(R.choice(string.ascii_letters + string.digits) for _ in range(R.randint(24, 40)))


def aws_key() -> str:
    return "AKIA" + "".join(R.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def aws_secret() -> str:
    return "".join(R.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))


def address() -> str:
    if R.random() < 0.75:
        return f"г. {R.choice(CITIES)}, {R.choice(STREETS)}, д. {R.randint(1, 120)}, кв. {R.randint(1, 300)}"
    return f"{R.choice(EN_STREETS)}, London"


def birthdate() -> str:
    y, m, d = R.randint(1950, 2005), R.randint(1, 12), R.randint(1, 28)
    return R.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}"])


# ---------------------------------------------------------------- safe values (must survive)
def order_id() -> str:
    return R.choice(
        [
            str(R.randint(100000, 9999999)),
            digits(10),
            digits(11),
            f"ORD-{R.randint(2023, 2024)}-{R.randint(1, 999999):06d}",
        ]
    )


def ts() -> str:
    return f"2024-05-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{R.randint(0, 999):03d}"


def epoch_ms() -> str:
    return str(R.randint(1714000000000, 1716000000000))


def epoch_s() -> str:
    return str(R.randint(1714000000, 1716000000))


def price() -> str:
    return f"{R.randint(1, 99999)}.{R.randint(0, 99):02d}"


def sku() -> str:
    return R.choice(
        [
            f"SKU-{R.randint(10000, 99999)}",
            f"{R.choice(['AB', 'XL', 'TV', 'PH'])}-{R.randint(100, 999)}-{R.choice(['S', 'M', 'XL'])}",
        ]
    )


def ean() -> str:
    body = "460" + "".join(R.choice(string.digits) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def trace() -> str:
    return uuid.UUID(int=R.getrandbits(128)).hex


def span() -> str:
    return f"{R.getrandbits(64):016x}"


def uid() -> str:
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def version() -> str:
    return R.choice(
        [
            f"{R.randint(1, 5)}.{R.randint(0, 20)}.{R.randint(0, 30)}",
            f"{R.randint(1, 3)}.{R.randint(0, 9)}.{R.randint(0, 9)}.{R.randint(100, 9999)}",
        ]
    )


def thread() -> str:
    return R.choice(
        [
            f"http-nio-8080-exec-{R.randint(1, 200)}",
            f"pool-{R.randint(1, 9)}-thread-{R.randint(1, 64)}",
            "main",
            f"kafka-consumer-{R.randint(1, 8)}",
            f"scheduling-{R.randint(1, 4)}",
        ]
    )


def host() -> str:
    return R.choice(
        [
            f"ip-10-0-{R.randint(0, 255)}-{R.randint(1, 254)}.eu-central-1.compute.internal",
            f"order-service-{R.randint(1000, 9999)}-{R.choice(['abcde', 'x7k2p', 'q9w3e'])}",
            "rabbit@mq-1",
        ]
    )


# ---------------------------------------------------------------- line builders
@dataclass
class Line:
    fmt: str
    line: str
    mask: list[tuple[str, str]] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


def logback(message: str, extra: dict[str, object] | None = None, stack: str | None = None, level: str = "INFO") -> str:
    doc: dict[str, object] = {
        "@timestamp": ts() + "+03:00",
        "@version": "1",
        "message": message,
        "logger_name": R.choice(LOGGERS),
        "thread_name": thread(),
        "level": level,
        "level_value": {"INFO": 20000, "WARN": 30000, "ERROR": 40000, "DEBUG": 10000}[level],
    }
    if extra:
        doc.update(extra)
    if stack:
        doc["stack_trace"] = stack
    return json.dumps(doc, ensure_ascii=R.random() < 0.2)


def serilog(template: str, props: dict[str, object], level: str | None = None) -> str:
    doc: dict[str, object] = {"@t": ts() + "Z", "@mt": template}
    if level:
        doc["@l"] = level
    doc.update(props)
    doc["SourceContext"] = R.choice(NET_LOGGERS)
    return json.dumps(doc, ensure_ascii=False)


def spring(message: str, level: str = "INFO") -> str:
    return (
        f"2024-05-{R.randint(1, 28):02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}."
        f"{R.randint(0, 999):03d}  {level:>5} {R.randint(1, 9)} --- [{thread()}] {R.choice(LOGGERS)[:40]:<40} : {message}"
    )


def dotnet(message: str, level: str = "info") -> str:
    return f"{level}: {R.choice(NET_LOGGERS)}[{R.randint(0, 20)}]\n      {message}".replace("\n", " ")


def rabbit(message: str) -> str:
    return f"2024-05-{R.randint(1, 28):02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{R.randint(0, 999999):06d}+00:00 [info] <0.{R.randint(100, 9999)}.0> {message}"


def access(ip: str, path: str, status: int = 200, ua: str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)") -> str:
    return (
        f"{ip} - - [{R.randint(1, 28):02d}/May/2024:{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d} +0300] "
        f'"GET {path} HTTP/1.1" {status} {R.randint(100, 99999)} "-" "{ua}" {R.randint(1, 900) / 1000:.3f}'
    )


def stack(message: str) -> str:
    return (
        f"java.lang.IllegalStateException: {message}\n\tat ru.shop.orders.OrderService.create(OrderService.java:{R.randint(20, 400)})\n"
        f"\tat ru.shop.orders.OrderController.post(OrderController.java:{R.randint(20, 200)})\n\tat java.base/java.lang.Thread.run(Thread.java:1583)"
    )


# Builders of lines WITH personal data. Each returns a Line.
def pii_order_confirmation_email() -> Line:
    first, last, _patr = person()
    e, o = email(first, last), order_id()
    msg = f"Order {o} confirmation sent to {e}"
    return Line("logback", logback(msg, {"orderId": o}), [("email", e)], [o])


def pii_order_sms_phone() -> Line:
    p, o, pr = phone(), str(R.randint(100000, 9999999)), price()
    msg = f"SMS about order {o} (total {pr} RUB) sent to {p}"
    return Line("spring", spring(msg), [("phone", p)], [o, pr])


def pii_declined_card() -> Line:
    c, o = card(), str(R.randint(100000, 9999999))
    msg = f"Payment declined for order {o}: card {c} insufficient funds"
    return Line("logback", logback(msg, {"orderId": o}, level="WARN"), [("card", c)], [o])


def pii_serilog_customer_name_phone() -> Line:
    first, last, patr = person()
    fio = f"{last} {first} {patr}".strip()
    cid = str(R.randint(10000, 999999))
    return Line(
        "serilog",
        serilog("Customer {CustomerId} updated profile", {"CustomerId": cid, "FullName": fio, "Phone": (p := phone())}),
        [("name", fio), ("phone", p)],
        [cid],
    )


def pii_invoice_inn() -> Line:
    i = R.choice([inn10(), inn12()])
    o = order_id()
    msg = R.choice(
        [
            f"Invoice for order {o} issued, ИНН покупателя {i}",
            f"Validating INN {i} for order {o}",
            f"Получен ИНН: {i}, заказ {o}",
        ]
    )
    return Line("spring", spring(msg), [("inn", i)], [o])


def pii_snils_check() -> Line:
    s = snils(R.random() < 0.7)
    msg = R.choice([f"СНИЛС клиента {s} подтверждён", f"snils={s} verified", f"Проверка СНИЛС {s}: OK"])
    return Line("spring", spring(msg), [("snils", s)], [])


def pii_passport_check() -> Line:
    p = passport()
    _first, _last, _patr = person()
    msg = R.choice([f"Паспорт {p} проверен", f"passport: {p} accepted", f"серия и номер паспорта {p}"])
    return Line("logback", logback(msg), [("passport", p)], [])


def pii_access_order_ip() -> Line:
    ip, o = public_ip(), str(R.randint(100000, 9999999))
    path = f"/api/v1/orders/{o}"
    return Line("access", access(ip, path), [("ip", ip)], [o])


def pii_db_password() -> Line:
    pw = password()
    user = R.choice(["svc-orders", "admin", "guest", "report"])
    msg = R.choice(
        [
            f"Connecting with user={user} password={pw}",
            f"DB login user={user}, pwd={pw}",
            f'config loaded: {{"username":"{user}","password":"{pw}"}}',
        ]
    )
    m = [("password", pw)]
    if "username" in msg:
        m.append(("name", user))
    return Line("spring", spring(msg, "DEBUG"), m, [])


def pii_bearer_token() -> Line:
    t = jwt()
    msg = R.choice([f"Incoming request Authorization: Bearer {t}", f"token={t} rejected: expired"])
    return Line("logback", logback(msg, level="WARN"), [("token", t)], [])


def pii_aws_credentials() -> Line:
    k, s = aws_key(), aws_secret()
    msg = f"Using credentials aws_access_key_id={k} aws_secret_access_key={s}"
    return Line("spring", spring(msg, "DEBUG"), [("token", k), ("token", s)], [])


def pii_serilog_delivery_address() -> Line:
    a, o = address(), str(R.randint(100000, 9999999))
    return Line(
        "serilog",
        serilog("Delivery scheduled for order {OrderId}", {"OrderId": o, "DeliveryAddress": a, "Courier": "CDEK"}),
        [("address", a)],
        [o],
    )


def pii_registration_name_birthdate() -> Line:
    d = birthdate()
    first, last, _patr = person()
    fio = f"{last} {first}"
    msg = R.choice(
        [f"Customer registered: ФИО: {fio}, дата рождения: {d}", f"customerName={first} {last}, birthDate={d}"]
    )
    name_value = fio if "ФИО" in msg else f"{first} {last}"
    return Line("spring", spring(msg), [("name", name_value), ("birthdate", d)], [])


def pii_refund_iban() -> Line:
    ib = iban()
    o = order_id()
    msg = f"Refund for order {o} to IBAN {ib} queued"
    return Line("logback", logback(msg), [("iban", ib)], [o])


def pii_contact_validation_stack() -> Line:
    e, p = email(), phone()
    msg = f"Validation failed for customer contact email={e} phone={p}"
    st = stack(f"Duplicate customer {e}")
    return Line("logback", logback(msg, stack=st, level="ERROR"), [("email", e), ("phone", p)], ["OrderService.java"])


def pii_access_cart_ipv6() -> Line:
    ip6, o = ipv6(), str(R.randint(100000, 9999999))
    return Line("access", access(ip6, f"/api/v1/cart/{o}"), [("ip", ip6)], [o])


def pii_rabbit_rejected_email() -> Line:
    e = email()
    _first, _last, _patr = person()
    cid = str(R.randint(10000, 999999))
    return Line(
        "rabbit",
        rabbit(f"Discarding message on queue 'notifications.email' for customer {cid}: recipient {e} rejected"),
        [("email", e)],
        [cid, "notifications.email"],
    )


def pii_rabbit_amqp_url_password() -> Line:
    user, pw = "orders", R.choice(["s3cr3tMQ", "Rabbit2024", "q1w2e3r4"])
    return Line(
        "rabbit",
        rabbit(f"connection <0.{R.randint(100, 999)}.0> failed: amqp://{user}:{pw}@mq-1.internal:5672/shop refused"),
        [("password", pw)],
        ["mq-1.internal"],
    )


def pii_access_url_encoded_contact() -> Line:
    e, p = email(), ru_phone()
    q = f"/api/v1/customers/search?email={e.replace('@', '%40')}&phone={p.replace('+', '%2B').replace(' ', '%20')}"
    return Line("access", access(private_ip(), q), [("email", e.split("@")[0]), ("phone", p[-5:])], [])


def pii_escaped_json_name() -> Line:
    first, last, patr = person()
    fio = f"{last} {first} {patr}".strip()
    escaped = json.dumps({"fio": fio, "orderId": (o := str(R.randint(100000, 999999)))}, ensure_ascii=True)
    return Line("logback", logback(f"Payload: {escaped}"), [("name", fio)], [o])


def pii_serilog_card_holder() -> Line:
    c = card()
    holder = f"{R.choice(LATIN_FIRST).upper()} {R.choice(LATIN_LAST).upper()}"
    return Line(
        "serilog",
        serilog("Card {Pan} tokenized", {"Pan": c, "CardHolder": holder, "Amount": (pr := price())}),
        [("card", c), ("name", holder)],
        [pr],
    )


def pii_access_session_cookie() -> Line:
    cookie = token()
    return Line("access", access(public_ip(), "/cart") + f' "JSESSIONID={cookie}"', [("token", cookie)], [])


def pii_dotnet_courier_phone() -> Line:
    p = ru_phone()
    o = order_id()
    return Line("dotnet", dotnet(f"Courier for order {o} will call {p}"), [("phone", p)], [o])


def pii_nested_json_login() -> Line:
    e = email()
    pw = password()
    inner = json.dumps({"login": e, "password": pw})
    outer = json.dumps({"@t": ts() + "Z", "@mt": "Request body {Body}", "Body": inner})
    return Line("serilog", outer, [("email", e), ("password", pw)], [])


def pii_api_key_header() -> Line:
    key = "sk_live_" + token()
    return Line("spring", spring(f"Stripe client initialised with x-api-key: {key}"), [("token", key[8:])], [])


def pii_lookup_email_stack() -> Line:
    first, last, _patr = person()
    st = stack(f"Customer {last} {first} not found")  # names in free text are not detectable: not labelled
    o = str(R.randint(100000, 999999))
    e = email(first, last)
    return Line("logback", logback(f"Lookup of {e} failed for order {o}", stack=st, level="ERROR"), [("email", e)], [o])


def pii_serilog_inn_names() -> Line:
    i = inn12()
    first, last, _patr = person()
    return Line(
        "serilog",
        serilog("Self-employed {Inn} registered", {"Inn": i, "LastName": last, "FirstName": first}),
        [("inn", i), ("name", last)],
        [],
    )


def pii_mdc_phone() -> Line:
    p = phone()
    return Line("logback", logback("OTP sent", {"mdc": {"phone": p, "requestId": (u := uid())}}), [("phone", p)], [u])


def pii_builders() -> list[Callable[[], Line]]:
    return [
        pii_order_confirmation_email,
        pii_order_sms_phone,
        pii_declined_card,
        pii_serilog_customer_name_phone,
        pii_invoice_inn,
        pii_snils_check,
        pii_passport_check,
        pii_access_order_ip,
        pii_db_password,
        pii_bearer_token,
        pii_aws_credentials,
        pii_serilog_delivery_address,
        pii_registration_name_birthdate,
        pii_refund_iban,
        pii_contact_validation_stack,
        pii_access_cart_ipv6,
        pii_rabbit_rejected_email,
        pii_rabbit_amqp_url_password,
        pii_access_url_encoded_contact,
        pii_escaped_json_name,
        pii_serilog_card_holder,
        pii_access_session_cookie,
        pii_dotnet_courier_phone,
        pii_nested_json_login,
        pii_api_key_header,
        pii_lookup_email_stack,
        pii_serilog_inn_names,
        pii_mdc_phone,
    ]


# Builders of lines WITHOUT personal data (hard negatives included).
def safe_order_status_ids() -> Line:
    o, pr = order_id(), price()
    return Line(
        "logback",
        logback(
            f"Order {o} status changed {R.choice(STATUSES)} -> {R.choice(STATUSES)}, total {pr}",
            {"orderId": o, "traceId": (t := trace()), "spanId": (s := span())},
        ),
        [],
        [o, pr, t, s],
    )


def safe_price_ean_sku() -> Line:
    e, ms = ean(), str(R.randint(1, 2000))
    return Line("spring", spring(f"Price recalculated for ean {e} sku {(k := sku())} in {ms} ms"), [], [e, k])


def safe_serilog_batch_epoch() -> Line:
    t = epoch_ms()
    return Line(
        "serilog",
        serilog(
            "Batch {BatchId} flushed at {Ts}",
            {"BatchId": (b := str(R.randint(1000, 99999))), "Ts": t, "Elapsed": R.randint(1, 999)},
        ),
        [],
        [t, b],
    )


def safe_health_probe() -> Line:
    ip = private_ip()
    return Line("access", access(ip, "/actuator/health", ua="kube-probe/1.29"), [], [ip])


def safe_started_version() -> Line:
    v = version()
    return Line(
        "spring",
        spring(
            f"Started OrderApplication v{v} in {R.randint(5, 40)}.{R.randint(100, 999)} seconds (process running for 12.3)"
        ),
        [],
        [v],
    )


def safe_rabbit_accepting_connection() -> Line:
    R.choice(QUEUES)  # keeps the random sequence of the committed corpus
    return Line(
        "rabbit",
        rabbit(
            f"accepting AMQP connection <0.{R.randint(100, 999)}.0> ({private_ip()}:{R.randint(30000, 60000)} -> {private_ip()}:5672)"
        ),
        [],
        [],
    )


def safe_order_update_stack() -> Line:
    o = order_id()
    st = stack(f"Order {o} cannot move from {R.choice(STATUSES)} to {R.choice(STATUSES)}")
    return Line(
        "logback", logback(f"Failed to update order {o}", stack=st, level="ERROR"), [], [o, "OrderService.java"]
    )


def safe_serilog_http_request() -> Line:
    u = uid()
    return Line(
        "serilog",
        serilog(
            "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed} ms",
            {
                "RequestMethod": "POST",
                "RequestPath": f"/api/orders/{u}",
                "StatusCode": R.choice([200, 201, 400, 404, 409, 500]),
                "Elapsed": round(R.random() * 300, 4),
                "RequestId": (r := f"0HMV{R.randint(10000, 99999)}:0000000{R.randint(1, 9)}"),
            },
        ),
        [],
        [u, r],
    )


def safe_ten_digit_order_number() -> Line:
    o = digits(10)
    return Line("spring", spring(f"Reserved stock for order number {o}, warehouse MSK-{R.randint(1, 9)}"), [], [o])


def safe_token_cache_epoch() -> Line:
    t = epoch_s()
    return Line("logback", logback(f"Token cache refreshed, expires_at={t}", {"ts": t}), [], [t])


def safe_rabbit_queue_depth() -> Line:
    q = R.choice(QUEUES)
    return Line(
        "rabbit",
        rabbit(f"Queue '{q}' in vhost 'shop' has {R.randint(0, 50000)} messages, {R.randint(0, 20)} consumers"),
        [],
        [q],
    )


def safe_dotnet_payment_captured() -> Line:
    o, pr = str(R.randint(100000, 9999999)), price()
    return Line(
        "dotnet", dotnet(f"Payment {R.randint(10000000, 99999999)} for order {o} captured: {pr} RUB"), [], [o, pr]
    )


def safe_hikari_timeout() -> Line:
    line = R.randint(10, 999)
    return Line(
        "spring",
        spring(
            f"HikariPool-1 - Connection is not available, request timed out after {R.randint(1000, 30000)}ms. at OrderRepository.java:{line}",
            "WARN",
        ),
        [],
        [f"OrderRepository.java:{line}"],
    )


def safe_invoice_eleven_digit_order() -> Line:
    o = digits(11)
    return Line(
        "logback",
        logback(f"Invoice {R.randint(100, 999)}/{R.randint(2023, 2024)} created for orderId={o}", {"orderId": o}),
        [],
        [o],
    )


def safe_access_catalog_query() -> Line:
    return Line(
        "access",
        access(private_ip(), f"/api/v1/catalog?page={R.randint(1, 50)}&size=20&sort=price,desc", ua="okhttp/4.12.0"),
        [],
        [],
    )


def safe_invalid_token_prose() -> Line:
    return Line(
        "spring",
        spring(f"Invalid token: signature verification failed for client {R.choice(['mobile-app', 'web'])}", "WARN"),
        [],
        [],
    )


def safe_pricing_job_host() -> Line:
    h = host()
    return Line(
        "logback",
        logback(f"Scheduled job pricing-sync finished on {h}, updated {R.randint(0, 50000)} prices", {"HOSTNAME": h}),
        [],
        [h],
    )


def safe_dotnet_webhook_retry() -> Line:
    R.randint(0, 9999)  # keeps the random sequence of the committed corpus
    return Line(
        "dotnet",
        dotnet(
            f"Retrying delivery webhook attempt {R.randint(1, 5)}/5 after {R.randint(100, 5000)} ms, correlation {uid()}"
        ),
        [],
        [],
    )


def safe_builders() -> list[Callable[[], Line]]:
    return [
        safe_order_status_ids,
        safe_price_ean_sku,
        safe_serilog_batch_epoch,
        safe_health_probe,
        safe_started_version,
        safe_rabbit_accepting_connection,
        safe_order_update_stack,
        safe_serilog_http_request,
        safe_ten_digit_order_number,
        safe_token_cache_epoch,
        safe_rabbit_queue_depth,
        safe_dotnet_payment_captured,
        safe_hikari_timeout,
        safe_invoice_eleven_digit_order,
        safe_access_catalog_query,
        safe_invalid_token_prose,
        safe_pricing_job_host,
        safe_dotnet_webhook_retry,
    ]


def main() -> int:
    pii, safe = pii_builders(), safe_builders()
    lines: list[Line] = []
    for _ in range(380):
        lines.append(R.choice(pii)())
    for _ in range(200):
        lines.append(R.choice(safe)())
    R.shuffle(lines)
    out = sys.stdout
    for item in lines:
        record = {
            "format": item.fmt,
            "line": item.line,
            "mask": [{"kind": k, "value": v} for k, v in item.mask],
            "keep": item.keep,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
