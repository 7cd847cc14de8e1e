"""Fake customers with valid-looking personal data: checksums pass, so the masker has to work for real."""

from __future__ import annotations

import random
from dataclasses import dataclass

from logwarden.masking.checksums import card_ok, inn_ok, snils_ok

_FIRST = ("Иван", "Мария", "Алексей", "Ольга", "Дмитрий", "Анна", "Sergey", "Elena", "John", "Svetlana")
_LAST = ("Петров", "Сидорова", "Кузнецов", "Смирнова", "Волков", "Орлова", "Ivanov", "Popova", "Smith", "Морозова")
_LATIN = {
    "Иван": "ivan",
    "Мария": "maria",
    "Алексей": "alexey",
    "Ольга": "olga",
    "Дмитрий": "dmitry",
    "Анна": "anna",
}
_STREETS = ("ул. Ленина", "пр. Мира", "ул. Садовая", "Тверская ул.", "ул. Гагарина", "Lenina st.")
_CITIES = ("Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск")
_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "example.com", "corp.example.org")


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    address: str
    birth_date: str
    card: str
    passport: str
    snils: str
    inn: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def personal_values(self) -> tuple[str, ...]:
        """Every value that must never reach an index, in the forms the services write them."""
        return (self.email, self.phone, self.address, self.birth_date, self.card, self.passport, self.snils, self.inn)


def _complete(rng: random.Random, prefix: str, length: int, valid: object) -> str:
    """Random digits after ``prefix`` until the checksum passes (at most a few hundred tries)."""
    check = valid  # Callable[[str], bool]
    while True:
        candidate = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        if check(candidate):  # type: ignore[operator]
            return candidate


def make_customer(rng: random.Random, number: int) -> Customer:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    login = _LATIN.get(first, first.lower()) + "." + str(rng.randint(10, 9999))
    digits = "".join(rng.choice("0123456789") for _ in range(7))
    phone = rng.choice(
        (
            f"+7 (9{digits[:2]}) {digits[2:5]}-{digits[5:7]}-{rng.randint(10, 99)}",
            f"8 9{digits[:2]} {digits[2:5]}-{digits[5:7]}-{rng.randint(10, 99)}",
            f"+79{digits}{rng.randint(10, 99)}",
        )
    )
    card_digits = _complete(rng, rng.choice(("4", "5", "2200", "2204")), 16, card_ok)
    card = " ".join(card_digits[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.5 else card_digits
    snils_digits = _complete(rng, "", 11, snils_ok)
    return Customer(
        customer_id=f"CUST-{100000 + number}",
        first_name=first,
        last_name=last,
        email=f"{login}@{rng.choice(_DOMAINS)}",
        phone=phone,
        address=f"{rng.choice(_CITIES)}, {rng.choice(_STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}",
        birth_date=f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        card=card,
        passport=f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(100000, 999999)}",
        snils=f"{snils_digits[:3]}-{snils_digits[3:6]}-{snils_digits[6:9]} {snils_digits[9:]}",
        inn=_complete(rng, "77", 12, inn_ok),
    )
