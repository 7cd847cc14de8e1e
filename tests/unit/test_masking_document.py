"""Documents: identifier fields untouched, labels masked by key name (Latin and Cyrillic), free text scanned."""

from __future__ import annotations

from typing import Any

from logwarden import schema
from logwarden.masking.config import MaskingConfig
from logwarden.masking.masker import Masker, default_masker


def test_document_without_personal_data_is_returned_as_is() -> None:
    doc: dict[str, Any] = {
        schema.MESSAGE: "Order 100045 status changed NEW -> PAID",
        schema.ORDER_ID: "100045",
        schema.LABELS: {"tenant": "shop", "attempt": 2, "tags": ["a", "b"]},
    }
    masker = Masker()
    assert masker.mask_document(doc) is doc
    assert masker.take_counts() == {}


def test_identifier_fields_are_never_masked_even_when_they_look_personal() -> None:
    # GIVEN ids that pass the INN and phone rules
    doc = {
        schema.ORDER_ID: "7707083893",
        schema.CUSTOMER_ID: "89123456789",
        schema.TRACE_ID: "a" * 32,
        schema.MESSAGE: "call 89123456789",
    }
    # WHEN masked
    out = Masker().mask_document(doc)
    # THEN only the message changes
    assert out[schema.ORDER_ID] == "7707083893"
    assert out[schema.CUSTOMER_ID] == "89123456789"
    assert out[schema.MESSAGE] == "call [PHONE]"
    assert out[schema.MASKED] == ["phone"]


def test_labels_masked_by_key_name_in_latin_and_cyrillic() -> None:
    doc = {
        schema.MESSAGE: "Customer updated",
        schema.LABELS: {
            "customerName": "Ivan Petrov",
            "ФИО": "Иванов Иван Иванович",
            "адрес": "г. Москва, ул. Ленина, д. 1",
            "birthDate": "1990-05-12",
            "password": "hunter2",
            "x-api-key": "abc123def456ghi789",
            "orderId": "7707083893",
            "customer": {"id": 17, "name": "Анна Смирнова", "phone": 79123456789},
            "address": {"city": "Москва", "street": "Тверская", "house": 7},
            "contacts": [{"email": "anna@mail.ru"}, "note for 8 (912) 345-67-89"],
            "retries": 3,
            "ok": True,
        },
    }
    out = Masker().mask_document(doc)
    labels = out[schema.LABELS]
    assert labels["customerName"] == "[NAME]"
    assert labels["ФИО"] == "[NAME]"
    assert labels["адрес"] == "[ADDRESS]"
    assert labels["birthDate"] == "[BIRTHDATE]"
    assert labels["password"] == "[PASSWORD]"
    assert labels["x-api-key"] == "[TOKEN]"
    assert labels["orderId"] == "7707083893"
    assert labels["customer"] == {"id": 17, "name": "[NAME]", "phone": "[PHONE]"}
    assert labels["address"] == {"city": "[ADDRESS]", "street": "[ADDRESS]", "house": "[ADDRESS]"}
    assert labels["contacts"] == [{"email": "[EMAIL]"}, "note for [PHONE]"]
    assert labels["retries"] == 3 and labels["ok"] is True
    assert out[schema.MASKED] == ["address", "birthdate", "email", "name", "password", "phone", "token"]
    # the input is not modified
    assert doc[schema.LABELS]["password"] == "hunter2"  # type: ignore[index]


def test_personal_data_in_key_names_is_masked() -> None:
    out = Masker().mask_document({schema.LABELS: {"ivan@mail.ru": 3}})
    assert out[schema.LABELS] == {"[EMAIL]": 3}


def test_free_text_fields_and_unknown_fields_are_scanned() -> None:
    doc = {
        schema.ERROR_MESSAGE: "Duplicate customer ivan@mail.ru",
        schema.STACK_TRACE: "java.lang.IllegalStateException: card 4111 1111 1111 1111\n\tat A.b(A.java:12)",
        schema.URL_PATH: "/api/customers/ivan@mail.ru",
        "http.request.body": '{"password":"x1y2z3"}',
        schema.EVENT_KIND: "ru.shop.Mailer@example.com",  # written by the pipeline: never scanned
        schema.LOGGER: "ru.shop.Mailer@example.com",  # lifted from the record: scanned like any text
    }
    out = Masker().mask_document(doc)
    assert out[schema.ERROR_MESSAGE] == "Duplicate customer [EMAIL]"
    assert "4111" not in out[schema.STACK_TRACE] and "(A.java:12)" in out[schema.STACK_TRACE]
    assert out[schema.URL_PATH] == "/api/customers/[EMAIL]"
    assert out["http.request.body"] == '{"password":"[PASSWORD]"}'
    assert out[schema.EVENT_KIND] == doc[schema.EVENT_KIND]
    assert out[schema.LOGGER] == "[EMAIL]"


def test_fields_the_parser_lifts_are_masked_when_they_hold_personal_data_and_kept_when_they_are_ids() -> None:
    # GIVEN the lifted schema fields as services really fill them: ids, a token for a trace id, contacts for ids
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpdmFuLnBldHJvdkBtYWlsLnJ1In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    doc = {
        schema.CUSTOMER_ID: "ivan.petrov@mail.ru",
        schema.ORDER_ID: "+7 912 345-67-89",
        schema.TRACE_ID: jwt,
        schema.THREAD: "http-nio-8080-exec-3",
        schema.SPAN_ID: "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",
        schema.HOST: "crm-api-7f9c4d6b8-x2l5q",
        schema.SERVICE: "crm-api",
        schema.ERROR_TYPE: "java.lang.IllegalStateException",
        schema.ORDER_STATUS: "PRICED",
        schema.LOGGER: "ru.crm.OrderService",
    }
    kept = {
        schema.CUSTOMER_ID: "5521",
        schema.ORDER_ID: "79958318034",
        schema.TRACE_ID: "4bf92f3577b34da6a3ce929d0e0e4736",
    }
    # WHEN they are masked
    out = Masker().mask_document(doc)
    ids = Masker().mask_document(kept)
    # THEN the personal values are gone, everything else is as it was
    assert out[schema.CUSTOMER_ID] == "[EMAIL]" and out[schema.ORDER_ID] == "[PHONE]"
    assert "eyJ" not in out[schema.TRACE_ID] and "ghp_" not in out[schema.SPAN_ID]
    assert "10.0.1.23" not in Masker().mask_document({schema.HOST: "10.0.1.23"})[schema.HOST]
    assert all(out[name] == doc[name] for name in doc if name not in kept and name != schema.SPAN_ID)
    assert {name: ids[name] for name in kept} == kept


def test_allow_list_fields_are_kept() -> None:
    doc = {"labels": {"x": "ivan@mail.ru"}, "client.id": "ivan@mail.ru"}
    out = Masker(MaskingConfig(allow_fields=frozenset({"client.id"}))).mask_document(doc)
    assert out["client.id"] == "ivan@mail.ru"
    assert out["labels"] == {"x": "[EMAIL]"}


def test_take_counts_reports_and_resets() -> None:
    masker = Masker()
    masker.mask_document({schema.MESSAGE: "a@b.ru c@d.ru", schema.LABELS: {"password": "x1"}})
    assert masker.take_counts() == {"email": 2, "password": 1}
    assert masker.take_counts() == {}


def test_masked_list_is_merged_with_an_earlier_one() -> None:
    out = Masker().mask_document({schema.MESSAGE: "a@b.ru", schema.MASKED: ["phone"]})
    assert out[schema.MASKED] == ["email", "phone"]


def test_default_masker_is_shared() -> None:
    assert default_masker() is default_masker()


def test_disabled_kind_is_left_alone() -> None:
    from logwarden.masking.kinds import Kind

    masker = Masker(MaskingConfig(disabled_kinds=frozenset({Kind.IP})))
    assert masker.mask_text("from 85.140.1.20 a@b.ru") == "from 85.140.1.20 [EMAIL]"


def test_a_value_masked_by_its_key_is_masked_where_the_message_quotes_it() -> None:
    # GIVEN a Serilog event whose template rendered the customer's name and address into the message
    doc = {
        "message": "Customer Мария Сидорова moved to Казань, ул. Садовая, д. 5 (order ORD-1)",
        "labels": {"CustomerName": "Мария Сидорова", "DeliveryAddress": "Казань, ул. Садовая, д. 5"},
        "order.id": "ORD-1",
    }
    masked = Masker().mask_document(doc)
    # THEN neither survives anywhere, and the order id does
    assert "Сидорова" not in masked["message"] and "Садовая" not in masked["message"]
    assert "ORD-1" in masked["message"] and masked["order.id"] == "ORD-1"
    assert doc["message"].startswith("Customer Мария")  # the input is untouched


def test_a_placeholder_ends_the_context_of_the_word_before_it() -> None:
    # found by the idempotence property: the second pass must not read "ПАСПОРТ" as speaking of the next number
    once = Masker().mask_text("ПАСПОРТ:00000000000000000000000000000000:0000000001")
    assert Masker().mask_text(once) == once
