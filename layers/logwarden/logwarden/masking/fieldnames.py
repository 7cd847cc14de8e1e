"""Which field names hold personal data or secrets, in Latin and Cyrillic, in any naming style.

A name is normalised (lower case; ``_``, ``-``, ``.``, spaces and quotes dropped) so ``customer_name``,
``customerName``, ``Customer-Name`` and ``customer name`` are one key. Exact names are checked first, then
name endings; names that end in a "this is metadata" word (``...Id``, ``...Type``, ``...Count``,
``...Expires``) are never sensitive, so ``tokenType``, ``cardType`` and ``emailVerified`` stay readable.
"""

from __future__ import annotations

from typing import Final

from logwarden.masking.kinds import Kind
from logwarden.memo import memoised

_DROP: Final = str.maketrans("", "", "_-. \"'\\:")

_EXACT: Final[dict[str, Kind]] = {
    **dict.fromkeys(("inn", "инн", "taxid", "taxpayerid", "иннклиента"), Kind.INN),
    **dict.fromkeys(("snils", "снилс"), Kind.SNILS),
    **dict.fromkeys(
        (
            "passport",
            "паспорт",
            "passportnumber",
            "passportno",
            "passportseries",
            "passportseriesnumber",
            "passportseriesandnumber",
            "серияпаспорта",
            "номерпаспорта",
            "серияиномерпаспорта",
            "iddocument",
            "identitydocument",
            "iddoc",
            "docnumber",
            "documentnumber",
            "docseries",
            "documentseries",
            "docseriesnumber",
            "номердокумента",
            "сериядокумента",
        ),
        Kind.PASSPORT,
    ),
    "iban": Kind.IBAN,
    **dict.fromkeys(("pan", "card", "карта", "creditcard", "ccnumber", "cc"), Kind.CARD),
    **dict.fromkeys(("email", "mail", "почта", "емейл", "имейл"), Kind.EMAIL),
    **dict.fromkeys(("phone", "tel", "telephone", "mobile", "msisdn", "телефон", "тел", "мобильный"), Kind.PHONE),
    **dict.fromkeys(
        (
            "sid",
            "session",
            "jsessionid",
            "phpsessid",
            "aspnetcoresession",
            "connectsid",
            "cookie",
            "setcookie",
            "auth",
            "authorization",
            "proxyauthorization",
            "credentials",
            "creds",
            "accesskey",
            "awsaccesskeyid",
        ),
        Kind.TOKEN,
    ),
    **dict.fromkeys(
        ("pass", "pin", "pincode", "cvv", "cvc", "cvv2", "cvc2", "otp", "smscode", "кодподтверждения"),
        Kind.PASSWORD,
    ),
    **dict.fromkeys(("dob", "birth", "др", "датарожд"), Kind.BIRTHDATE),
    **dict.fromkeys(("имя", "login", "логин", "cardholder", "holder", "получатель", "покупатель"), Kind.NAME),
    **dict.fromkeys(
        ("street", "улица", "apartment", "квартира", "flat", "postcode", "postalcode", "zip", "zipcode", "индекс"),
        Kind.ADDRESS,
    ),
}

# Ending -> kind, checked longest first.
_SUFFIXES: Final[dict[str, Kind]] = {
    **dict.fromkeys(("password", "passwd", "pwd", "passphrase", "пароль", "pincode", "cvv", "cvc"), Kind.PASSWORD),
    **dict.fromkeys(
        (
            "token",
            "secret",
            "apikey",
            "cookie",
            "authorization",
            "sessionid",
            "privatekey",
            "secretkey",
            "accesskey",
            "secretaccesskey",
            "credentials",
            "токен",
            "секрет",
        ),
        Kind.TOKEN,
    ),
    **dict.fromkeys(("email", "emailaddress", "mail", "почта", "email1", "email2"), Kind.EMAIL),
    **dict.fromkeys(
        ("phone", "phonenumber", "phoneno", "telephone", "mobile", "msisdn", "телефон", "phone1", "phone2"), Kind.PHONE
    ),
    **dict.fromkeys(
        (
            "firstname",
            "lastname",
            "middlename",
            "fullname",
            "surname",
            "givenname",
            "familyname",
            "patronymic",
            "fio",
            "фио",
            "фамилия",
            "отчество",
            "username",
            "holdername",
            "cardholder",
            "displayname",
        ),
        Kind.NAME,
    ),
    **dict.fromkeys(
        ("address", "адрес", "street", "улица", "addressline1", "addressline2", "адресдоставки"), Kind.ADDRESS
    ),
    **dict.fromkeys(("birthdate", "dateofbirth", "birthday", "dob", "рождения", "датарождения"), Kind.BIRTHDATE),
    **dict.fromkeys(("inn", "инн"), Kind.INN),
    **dict.fromkeys(("snils", "снилс"), Kind.SNILS),
    **dict.fromkeys(("passport", "паспорт", "passportnumber", "passportno"), Kind.PASSPORT),
    **dict.fromkeys(("iban",), Kind.IBAN),
    **dict.fromkeys(("cardnumber", "cardno", "cardpan", "номеркарты"), Kind.CARD),
}
_SUFFIXES_LONGEST_FIRST: Final = tuple(sorted(_SUFFIXES.items(), key=lambda item: -len(item[0])))

# Endings that mark metadata about a secret or an identifier, not the value itself.
_METADATA_SUFFIXES: Final = (
    "id",
    "ids",
    "uuid",
    "type",
    "kind",
    "count",
    "length",
    "len",
    "status",
    "enabled",
    "required",
    "expires",
    "expired",
    "expiry",
    "expiresin",
    "expiresat",
    "ttl",
    "valid",
    "verified",
    "format",
    "policy",
    "changed",
    "provided",
    "present",
    "source",
    "version",
    "mask",
    "masked",
    "name",  # "tokenName", "cookieName": the name of a thing, not its value
    "scheme",
    "header",
    "field",
    "param",
    "url",
    "uri",
    "path",
    "file",
    "store",
    "attempts",
    "retries",
    "hint",
    "strength",
    "reset",
    "flag",
    "ok",
    "check",
    "error",
    "errors",
    "publickeytoken",  # .NET assembly identities: "PublicKeyToken=30ad4fe6b2a6aeed" is a public key's hash
)
# The key "name" alone is a person's name only inside one of these objects.
_PERSON_WORDS: Final = frozenset(
    (
        "customer",
        "client",
        "user",
        "person",
        "recipient",
        "receiver",
        "sender",
        "payer",
        "buyer",
        "contact",
        "holder",
        "owner",
        "courier",
        "passenger",
        "employee",
        "patient",
        "consignee",
        "клиент",
        "клиента",
        "покупатель",
        "покупателя",
        "получатель",
        "получателя",
        "отправитель",
        "отправителя",
        "пользователь",
        "пользователя",
    )
)
# "...address" keys that hold network addresses, not where someone lives.
_NETWORK_WORDS: Final = (
    "ip",
    "mac",
    "remote",
    "local",
    "server",
    "host",
    "bind",
    "socket",
    "broker",
    "node",
    "peer",
    "web",
    "inet",
    "proxy",
    "gateway",
    "listen",
    "advertised",
    "wallet",
    "contract",
    "network",
    "net",
    "endpoint",
    "service",
    "memory",
    "mem",
    "base",
)


def normalise(name: str) -> str:
    return name.lower().translate(_DROP)


def is_person_word(name: str) -> bool:
    return normalise(name) in _PERSON_WORDS


_METADATA_EXEMPT: Final = (
    "firstname",
    "lastname",
    "middlename",
    "fullname",
    "surname",
    "givenname",
    "familyname",
    "holdername",
    "username",
    "displayname",
    "sessionid",
)
_NAME_PREFIXES: Final = ("имя", "фамил", "отчеств")  # a key that starts with one of these holds a name
_ADDRESS_STEM: Final = "адрес"
_CONTAINED: Final = (
    ("password", Kind.PASSWORD),
    ("passwd", Kind.PASSWORD),
    ("пароль", Kind.PASSWORD),
    ("secret", Kind.TOKEN),
    ("token", Kind.TOKEN),
    ("рожд", Kind.BIRTHDATE),
    ("passport", Kind.PASSPORT),
    ("паспорт", Kind.PASSPORT),
    ("фамил", Kind.NAME),
)


@memoised(8192)
def classify_key(name: str) -> Kind | None:
    """The kind of data a field or key of this name holds, or None when its name says nothing."""
    key = normalise(name)
    if not key or len(key) > 64:
        return None
    kind = _EXACT.get(key)
    if kind is not None:
        return kind
    if key.endswith("name") and key[:-4] in _PERSON_WORDS:
        return Kind.NAME
    if key.startswith(_NAME_PREFIXES):
        return Kind.NAME
    if key.endswith(_METADATA_SUFFIXES) and not key.endswith(_METADATA_EXEMPT):
        return None
    for suffix, kind in _SUFFIXES_LONGEST_FIRST:
        if key.endswith(suffix):
            if kind is Kind.ADDRESS and any(word in key for word in _NETWORK_WORDS):
                return None
            return kind
    for stem, kind in _CONTAINED:
        if stem in key:
            return kind
    if _ADDRESS_STEM in key and "ip" not in key and "почт" not in key:
        return Kind.ADDRESS
    return None


def classify_nested_key(name: str, parent: str | None) -> Kind | None:
    """Like ``classify_key``, but the generic ``name`` / ``имя`` counts inside a person-like parent object."""
    kind = classify_key(name)
    if kind is None and parent is not None and normalise(name) == "name" and is_person_word(parent):
        return Kind.NAME
    return kind


_IDENTIFIER_SUFFIXES: Final = (
    "id",
    "ids",
    "uuid",
    "guid",
    "number",
    "no",
    "nr",
    "num",
    "code",
    "sku",
    "ean",
    "gtin",
    "barcode",
    "ts",
    "timestamp",
    "time",
    "at",
    "version",
    "count",
    "seq",
    "offset",
    "номер",
)


@memoised(8192)
def is_identifier_key(name: str) -> bool:
    """``orderId``, ``invoice_number``, ``ts``: a bare number under such a key is an id or a time, never personal."""
    return classify_key(name) is None and normalise(name).endswith(_IDENTIFIER_SUFFIXES)


def key_vocabulary() -> tuple[list[str], list[str]]:
    """The words that make a normalised key personal at its end (every exact name and ending, and
    ``<person word>name``), and the stems that do so anywhere in it (a key's first word counts as one): what the
    masker's prefilter looks for."""
    endings = {*_EXACT, *_SUFFIXES, *(f"{word}name" for word in _PERSON_WORDS)}
    stems = {*(stem for stem, _kind in _CONTAINED), *_NAME_PREFIXES, _ADDRESS_STEM}
    return sorted(endings), sorted(stems)


def latin_vocabulary() -> tuple[list[str], list[str]]:
    """:func:`key_vocabulary`'s Latin words and stems: all that an ASCII key can hold."""
    words, stems = key_vocabulary()
    return [word for word in words if word.isascii()], [stem for stem in stems if stem.isascii()]
