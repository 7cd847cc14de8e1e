"""#21, class 3: full names in free text without a cue word (masking/names.py, masking/given_names.json).

A known given name beside a surname-shaped word, in either order, is a name; Title Case that is no name (products,
cities, loggers and types, headers, months, "Customer Service") is kept. The values below are written here; none is
taken from the independent corpus (tests/data/masking_independent), which stays a scoring set.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.masking import names, text
from logwarden.masking.masker import Masker
from logwarden.masking.prefilter import prefilter

MASKER = Masker()
DATA = json.loads(resources.files("logwarden.masking").joinpath("given_names.json").read_text("utf-8"))


def mask(line: str) -> str:
    return MASKER.mask_text(line)


def assert_masked(line: str, name: str) -> None:
    out = mask(line)
    for word in name.split():  # as a word: a short given name ("Зак") may be part of another ("Заказ")
        assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", out), (line, out)
    assert "[NAME]" in out, out


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Ivan Petrov called about order 1234567", "Ivan Petrov"),
        ("Petrov Ivan called about order 1234567", "Petrov Ivan"),
        ("Refund for order 1234567 requested by Laura Smith", "Laura Smith"),
        ("Ticket #4412 opened by Dmitriy Sokolov, priority high", "Dmitriy Sokolov"),
        ("Ticket #4412 opened by Iurii Vasilev", "Iurii Vasilev"),
        ("Ivanova Natalia asked to reschedule", "Ivanova Natalia"),
        ("John F. Kennedy left a review", "John F. Kennedy"),
        ("Mary Ann Smith left a review", "Mary Ann Smith"),
        ("review by Sean O'Neil-Smith: 5 stars", "O'Neil-Smith"),
        ("Mark Petrov asked for a refund", "Mark Petrov"),  # a given name that is a word needs a surname ending
        ("Тихонов Бронислав не отвечает на звонки", "Тихонов Бронислав"),
        ("Заказ 1234567: Бронислав Тихонов не отвечает на звонки", "Бронислав Тихонов"),
        ("Новый отзыв от Анны Ивановой к заказу 1234567", "Анны Ивановой"),
        ("Напоминание отправлено Сергею Кузнецову", "Сергею Кузнецову"),
        ("Заказ выдан Ивановой Марии после проверки документа", "Ивановой Марии"),
        ("Доставка перенесена по просьбе Игоря Шевченко", "Игоря Шевченко"),
        ("Чат: Тамара Гогоберидзе: где мой заказ?", "Тамара Гогоберидзе"),
        ("Отзыв оставил Роман Полянский", "Роман Полянский"),
        ("Возврат запросил Вишневский Андрей", "Вишневский Андрей"),
        ("Заказ 1234567 оформил Артем Семенов", "Артем Семенов"),  # ё written as е
        ("Заказ 1234567 оформил Laura Smith", "Laura Smith"),  # a Latin name in a Cyrillic line
        ('{"@m": "Refund requested by Laura Smith", "SourceContext": "Shop.Orders.OrderHandler"}', "Laura Smith"),
        # Rare, old and non-Russian given names that people in Russia bear (OpenCorpora's list), in any case
        ("Напоминание отправлено Евлампию Сидорову", "Евлампию Сидорову"),
        ("Заказ 1234567 оформил Фахридин Юсупов", "Фахридин Юсупов"),
        ("Курьер передал посылку Пелагее Зуевой", "Пелагее Зуевой"),
        ("Тимофеев Агафон не отвечает на звонки", "Тимофеев Агафон"),
        # and spelt in Latin letters, beside a surname whose ending says it is one
        ("Ticket #4412 opened by Fakhridin Yusupov", "Fakhridin Yusupov"),
        ("Refund requested by Timofeev Agafon", "Timofeev Agafon"),
        # with accented letters, looked up by their plain ones
        ("Refund for order 1234567 requested by José García", "José García"),
        ("Ticket #4412 opened by Zoë Saldaña, priority high", "Zoë Saldaña"),
        ("Заказ 1234567 оформил Ramón Pérez", "Ramón Pérez"),
    ],
)
def test_full_names_without_a_cue_are_masked(line: str, name: str) -> None:
    assert_masked(line, name)


def test_an_escaped_cyrillic_name_is_masked_in_its_decoded_form() -> None:
    escaped = json.dumps({"Message": "Заявитель: Тихонов Бронислав"}, ensure_ascii=True)
    out = mask(escaped)
    assert "Тихонов" not in out and "\\u0422\\u0438\\u0445" not in out, out
    assert "[NAME]" in out


@pytest.mark.parametrize(
    "line",
    [
        "Customer Service replied to ticket 1234567",
        "Client Portal v2 started",
        "Shipment 1234567 left the hub in Victoria Station",
        "Warehouse Sofia Airport received 12 parcels",
        "Handler Shop.Orders.OrderCreatedHandler registered for OrderCreated",
        "at ru.shop.customers.CustomerService.find(CustomerService.java:42)",
        "logger ru.shop.Ivan.Petrov started",
        "System.Collections.Generic.KeyNotFoundException: The given key was not present",
        "Started OrderApplication v1.5.0 in 19.7 seconds",
        "Accept-Language: ru-RU, User-Agent: Mozilla/5.0 (Windows NT 10.0) Chrome/120.0",
        "Max Retries exceeded for order 1234567",
        "Will Retry in 30 seconds",
        "Grant Type client_credentials rejected",
        "Report for May June July ready",
        "Monday Tuesday Wednesday schedule loaded",
        "Download /files/Laura Smith.pdf failed",
        "GET https://shop.example.com/users/Laura_Smith returned 404",
        "Laura_Smith and laura.smith are account names",
        "Anna Service and Victoria Park are branch names",
        "Товар «Детский Мир» добавлен в корзину",
        "Святой Николай: подарочный набор",
        "Склад в городе Нижний Новгород принял отгрузку",
        "Склад Ростов Великий принял заказ 1234567",
        "Красный Октябрь: шоколад в наличии",
        # a rare given name in Latin letters beside a word that does not say "surname": a place
        "Delivery zone Tengiz Oblast closed for the holidays",
        "Route via Ulan Bator delayed",
        # a city that is also a given name, before its region's adjective
        "Доставка во Владимир Владимирской области задержана",
        "Доставка в г. Энгельс Саратовской обл. задержана",
        "Склад Беслан Северный закрыт на инвентаризацию",
        # accented words that are no name
        "Route via São Paulo and Zürich delayed",
        "Café René reopened after the holidays",
        "Product Crème Brûlée is out of stock",
    ],
)
def test_title_case_that_is_no_name_is_kept(line: str) -> None:
    assert mask(line) is line


# ---------------------------------------------------------------- the class, not the examples
_CYR_LETTERS = "абвгдеклмнопрстуфхцчшщ"
_STEMS = st.text(alphabet=_CYR_LETTERS, min_size=3, max_size=8).map(lambda s: s[0].upper() + s[1:])
_SURNAME_ENDINGS = ("ов", "ев", "ин", "ова", "ева", "ина", "енко", "швили", "дзе", "ян")
CYR_GIVEN = sorted(set(DATA["cyrillic_male"]) - set(DATA["cyrillic_ambiguous"]))
CYR_GIVEN_FEMALE = sorted(set(DATA["cyrillic_female"]) - set(DATA["cyrillic_ambiguous"]))
# A given name that is also a log or tech word ("Ruby") counts only before a surname, never after one.
LATIN_GIVEN = [name for name in DATA["latin"] if not names.is_no_surname(name)]
_LATIN_STEMS = st.text(alphabet="bcdfgklmnprstvz", min_size=2, max_size=6).map(lambda s: s[0].upper() + s[1:])


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from(CYR_GIVEN + CYR_GIVEN_FEMALE),
    stem=_STEMS,
    ending=st.sampled_from(_SURNAME_ENDINGS),
    surname_first=st.booleans(),
)
def test_any_listed_cyrillic_given_name_with_any_surname_ending_is_masked(
    first: str, stem: str, ending: str, surname_first: bool
) -> None:
    surname = stem + ending
    name = f"{surname} {first}" if surname_first else f"{first} {surname}"
    assert_masked(f"Заказ 1234567: {name} не отвечает на звонки", name)


@settings(max_examples=100, deadline=None)
@given(first=st.sampled_from(CYR_GIVEN), stem=_STEMS)
def test_a_male_name_is_masked_in_every_case(first: str, stem: str) -> None:
    for first_form in names.case_forms(first, female=False):
        for surname_form in ("ов", "ова", "ову", "овым", "ове"):
            name = f"{first_form} {stem}{surname_form}"
            assert_masked(f"Напоминание отправлено {name} вчера", name)


@settings(max_examples=200, deadline=None)
@given(first=st.sampled_from(LATIN_GIVEN), stem=_LATIN_STEMS, ending=st.sampled_from(("ov", "eva", "sky", "enko")))
def test_any_listed_latin_given_name_with_a_russian_surname_is_masked_in_either_order(
    first: str, stem: str, ending: str
) -> None:
    surname = stem + ending
    assert_masked(f"{first} {surname} called about order 1234567", f"{first} {surname}")
    assert_masked(f"Refund requested by {surname} {first}", f"{surname} {first}")


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from(LATIN_GIVEN),
    word=st.sampled_from(sorted(w for w in DATA["not_surnames"] if w.isalpha() and len(w) > 2)),
)
def test_a_given_name_before_a_common_word_is_kept(first: str, word: str) -> None:
    line = f"Warehouse {first} {word.capitalize()} received 12 parcels"
    assert mask(line) is line


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from(LATIN_GIVEN),
    last=_LATIN_STEMS.map(lambda s: s + "ov"),
    joint=st.sampled_from(("ru.shop.{}.{}", "{}_{}", "/users/{}/{}", "{}{}Service", "{}.{}@example", "{}-{}-1")),
)
def test_names_inside_identifiers_and_paths_are_kept(first: str, last: str, joint: str) -> None:
    line = "logger " + joint.format(first, last) + " started"
    assert mask(line) is line


# ---------------------------------------------------------------- the data and the prefilter
def test_the_given_name_list_says_where_it_comes_from() -> None:
    assert {source["name"] for source in DATA["sources"]} >= {"russian-names", "mimesis", "names", "scowl"}
    assert all(source["version"] and source["licence"] for source in DATA["sources"])
    assert len(DATA["cyrillic_male"]) > 300 and len(DATA["cyrillic_female"]) > 300 and len(DATA["latin"]) > 1500


def test_the_names_are_loaded_once() -> None:
    assert names._load() is names._load()


def test_case_forms_of_given_names() -> None:
    assert {"Ивана", "Ивану", "Иваном", "Иване"} <= names.case_forms("Иван", female=False)
    assert {"Сергея", "Сергею", "Сергеем", "Сергее"} <= names.case_forms("Сергей", female=False)
    assert {"Юрия", "Юрию", "Юрием", "Юрии"} <= names.case_forms("Юрий", female=False)
    assert {"Павла", "Льва", "Петра"} <= names.case_forms("Павел", False) | names.case_forms("Лев", False) | (
        names.case_forms("Пётр", False)
    )
    assert {"Анны", "Анне", "Анну", "Анной"} <= names.case_forms("Анна", female=True)
    assert {"Ольги", "Марии", "Марией", "Любови", "Любви"} <= names.case_forms("Ольга", True) | names.case_forms(
        "Мария", True
    ) | names.case_forms("Любовь", True)
    assert "Семен" in names.case_forms("Семён", female=False)


_PIECES = st.sampled_from(
    [
        "Laura ", "Smith", "Petrov ", "Ivan", "Ivanova", " ", ".", "_", "-", "/", "'", "O'Neil", "McDonald", "F. ",
        "Customer Service", "Order", "Station", "ru.shop.", "Mark ", "Max ", "Тихонов ", "Бронислав", "Анне ",
        "Ивановой", "1234567", ": ", '"', "\\u0410", "Started OrderApplication", "x",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.lists(_PIECES, max_size=14).map("".join), min_size=1, max_size=8))
def test_names_are_found_the_same_with_and_without_the_prefilter(lines: list[str]) -> None:
    for line in lines:
        found = prefilter(line.encode("ascii")) if line.isascii() else None
        assert sorted(text.scan(line, True, found)) == sorted(text.scan_unfiltered(line)), line
    assert Masker().mask_lines(lines) == [Masker().mask_text(line) for line in lines]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_folding_keeps_every_offset_and_every_ascii_character(line: str) -> None:
    folded = names.fold_latin(line)
    if folded is None:
        assert not any("\u00c0" <= char <= "\u024f" for char in line)
        return
    assert len(folded) == len(line)
    for before, after in zip(line, folded, strict=True):
        assert after == before if before.isascii() or not before.isalpha() else after.isascii() or after == before
