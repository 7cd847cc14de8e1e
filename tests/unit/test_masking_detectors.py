"""Each detector with values it must mask, values whose check digits fail, and hard negatives beside it."""

from __future__ import annotations

import pytest

from logwarden.masking.masker import Masker


@pytest.fixture
def masker() -> Masker:
    return Masker()


def masked(masker: Masker, text: str) -> str:
    return masker.mask_text(text)


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("contact ivan.petrov@mail.ru please", "ivan.petrov@mail.ru", "email"),
        ("mailto:o'brien+shop@example.co.uk", "o'brien+shop@example.co.uk", "email"),
        ("почта: мария@почта.рф", "мария@почта.рф", "email"),
        ("phone +7 (912) 345-67-89", "345-67-89", "phone"),
        ("call 8 912 345 67 89 now", "912 345 67 89", "phone"),
        ("sms to 89123456789 sent", "89123456789", "phone"),
        ("tel:+79123456789", "79123456789", "phone"),
        ("courier 8-800-555-35-35", "555-35-35", "phone"),
        ("uk +44 20 7946 0958", "7946 0958", "phone"),
        ("us +1 (415) 555-2671", "555-2671", "phone"),
        ("pay 4111 1111 1111 1111 ok", "4111 1111 1111 1111", "card"),
        ("mir 2200-0000-0000-0004", "2200-0000-0000-0004", "card"),
        ("amex 378282246310005", "378282246310005", "card"),
        ("ИНН 7707083893", "7707083893", "inn"),
        ("ip 500100732259 registered", "500100732259", "inn"),
        ("СНИЛС 112-233-445 95", "112-233-445 95", "snils"),
        ("snils=11223344595", "11223344595", "snils"),
        ("паспорт 4510 123456", "4510 123456", "passport"),
        ("passport: 45 10 123456", "45 10 123456", "passport"),
        ("iban DE89 3704 0044 0532 0130 00", "3704 0044 0532", "iban"),
        ("from 85.140.1.20:443", "85.140.1.20", "ip"),
        ("client 2a00:1450:4010:c05::65 connected", "2a00:1450:4010:c05::65", "ip"),
    ],
)
def test_detectors_mask_valid_values(masker: Masker, text: str, secret: str, kind: str) -> None:
    out = masked(masker, text)
    assert secret not in out
    assert masker.take_counts().get(kind, 0) >= 1


@pytest.mark.parametrize(
    "text",
    [
        "payment 4111 1111 1111 1112 declined",  # Luhn fails
        "ИНН клиента не указан, запрос 7707083894",  # INN check digits fail; the nearest word is "запрос"
        "ref 112-233-445 96 ignored",  # SNILS check fails
        "batch 500100732258 loaded",  # INN-12 check fails
        "Order 100045 created, total 1299.00 RUB",
        "order 7707083893 shipped",  # passes the INN check but is named as an order
        "orderId=89123456789",  # phone-shaped order number
        "epoch 1714567890123 and ts 1714567890",
        "request 123e4567-e89b-12d3-a456-426614174000 done",
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
        "sku AB-123-XL ean 4006381333931 barcode 4600682000709",
        "version 1.2.3.4 build 20240501",
        "at ru.shop.OrderService.create(OrderService.java:123)",
        "2024-05-01 12:00:00.123 INFO took 35 ms",
        "price 4111111111 RUB",
        "duration_ms=1714567890 status=200",
        "Object ru.shop.Order@6d06d69c",
        "invalid token: expired",
    ],
)
def test_hard_negatives_survive_byte_identical(masker: Masker, text: str) -> None:
    assert masked(masker, text) is text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter2 user=bob", "hunter2"),
        ('{"password":"p@ss w0rd"}', "p@ss w0rd"),
        ("Authorization: Bearer abc.DEF123-xyz", "abc.DEF123-xyz"),
        ('"authorization":"Basic dXNlcjpwYXNzd29yZA=="', "dXNlcjpwYXNzd29yZA=="),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl here", "eyJzdWIiOiIxIn0"),
        ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("amqp://orders:s3cr3t@rabbit:5672/shop", "s3cr3t"),
        ("Cookie: JSESSIONID=ABCDEF0123456789; theme=dark", "ABCDEF0123456789"),
        ("x-api-key: sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
        ("пароль: Секрет123", "Секрет123"),
    ],
)
def test_secrets(masker: Masker, text: str, secret: str) -> None:
    assert secret not in masked(masker, text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("ФИО: Иванов Иван Иванович, заказ 1001", "Иванов Иван Иванович"),
        ("customerName=Ivan Petrov", "Ivan Petrov"),
        ('{"firstName":"Anna","lastName":"Smith"}', "Smith"),
        ("фамилия=Сидорова", "Сидорова"),
        ("address: г. Москва, ул. Ленина, д. 1, кв. 5; status=NEW", "ул. Ленина"),
        ("birthDate=1990-05-12", "1990-05-12"),
        ("дата рождения: 12.05.1990", "12.05.1990"),
        ('{"customer":{"id":7,"name":"Иван Петров"}}', "Иван Петров"),
    ],
)
def test_named_fields_in_text(masker: Masker, text: str, secret: str) -> None:
    assert secret not in masked(masker, text)


def test_a_naming_word_masks_even_a_mistyped_value(masker: Masker) -> None:
    # "card", "ИНН", "СНИЛС" say what the number is: a typo in it is still that person's number
    assert "4111 1111 1111 1112" not in masked(masker, "card 4111 1111 1111 1112")
    assert "7707083894" not in masked(masker, "ИНН 7707083894")


def test_context_word_keeps_the_order_number_beside_a_phone(masker: Masker) -> None:
    out = masked(masker, "order 7707083893 for phone 89123456789")
    assert "7707083893" in out
    assert "89123456789" not in out


def test_hidden_in_escapes_and_url_encoding(masker: Masker) -> None:
    assert "ivan" not in masked(masker, "GET /api?email=ivan%40mail.ru HTTP/1.1")
    assert "79161234567" not in masked(masker, "q=%2B79161234567")
    escaped = r'{"msg":"{\"fio\":\"\u0418\u0432\u0430\u043d\u043e\u0432\"}"}'
    out = masked(masker, escaped)
    assert "Иванов" not in out and r"\u0418\u0432" not in out
    nested = r'{"message":"{\"password\":\"hunter2\",\"orderId\":42}"}'
    assert "hunter2" not in masked(masker, nested)


def test_json_stays_json_when_a_bare_number_is_masked(masker: Masker) -> None:
    import json

    out = masked(masker, '{"phone":79123456789,"inn":7707083893,"id":1}')
    assert json.loads(out) == {"phone": "[PHONE]", "inn": "[INN]", "id": 1}


def test_a_value_ending_before_an_escaped_quote_keeps_the_escape(masker: Masker) -> None:
    import json

    # A JSON document inside a JSON string: the masked value must not take the backslash of the closing \".
    line = json.dumps({"message": json.dumps({"msg": "login password=hunter2 for ivan"})[:-2] + ' password=abc"}'})
    out = masked(masker, line)
    assert "hunter2" not in out and "abc" not in out
    assert json.loads(json.loads(out)["message"])["msg"] == "login password=[PASSWORD] for ivan password=[PASSWORD]"


def test_partial_card_keeps_the_last_four(masker: Masker) -> None:
    assert masked(masker, "card 4111 1111 1111 1111") == "card [CARD ****1111]"


def test_private_ips_masked_by_default_and_kept_when_configured() -> None:
    from logwarden.masking.config import MaskingConfig

    internal = "upstream 10.0.12.7:8080 and 192.168.1.10 and 127.0.0.1 link-local fe80::1ff:fe23:4567:890a"
    assert Masker().mask_text(internal) == "upstream [IP]:8080 and [IP] and [IP] link-local [IP]"
    assert Masker(MaskingConfig(mask_private_ips=False)).mask_text(internal) is internal
