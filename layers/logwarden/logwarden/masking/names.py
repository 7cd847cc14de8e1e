"""Full names in free text without a cue word: a known given name beside a word shaped like a surname.

"Ivan Petrov called", "Petrov Ivan", "Laura Smith", "Тихонов Бронислав", "Ивановой Анне": no cue word says a name
stands there, so the given name does. ``given_names.json`` (built by ``scripts/make_given_names.py`` from public data
sets; the sources, versions and licences are in the file) lists Cyrillic given names by gender, Latin ones (US Census
first names and Russian names transliterated), the names that are also ordinary words (``Mark``, ``Grant``, ``Роман``,
``Мир``) and the common English words that are no surname (``Station``, ``Service``).

A name is a given name and a surname side by side, in either order:

- Cyrillic: the surname's ending says it is one (``-ов``, ``-ева``, ``-ина``, ``-енко``, ``-швили``... in any case);
  an adjective-like ending (``-ский``, ``-цкая``) counts after a given name, or before one that is no word, and the
  weakest (``-ой``, ``-ий``, ``-ая``, ``-ко``) only after a given name that is no word. So "Детский Мир" (a shop)
  and "Святой Николай" stay.
- Latin: after a given name, any capitalised word that is no common English word, log or tech word, month or day
  ("Laura Smith", not "Victoria Station", "Anna Service"); a given name that is also a word ("Mark", "Max") and a
  surname first ("Petrov Ivan") need a Russian surname ending (``-ov``, ``-eva``, ``-sky``, ``-enko``...).

Words that touch an identifier (``ru.shop.Ivan``, ``/Ivan Petrov.pdf``, ``Ivan_Petrov``) are no name: a name stands
between spaces, punctuation or quotes. The data is loaded once, on first use.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Final

from logwarden.masking.patterns import LATIN_SURNAME_ENDINGS

# Words of log lines that are no surname, beyond the common English words of the data file: software and
# commerce vocabulary, products, protocols and places as they follow a given name in Title Case text.
_LOG_WORDS: Final = frozenset(
    (
        "api", "apis", "app", "apps", "sdk", "json", "xml", "yaml", "http", "https", "rest", "soap", "grpc", "sql",
        "nosql", "db", "jdbc", "orm", "dto", "dao", "impl", "async", "sync", "cron", "webhook", "webhooks", "oauth",
        "jwt", "saml", "sso", "ldap", "smtp", "imap", "ftp", "sftp", "ssh", "tls", "ssl", "vpn", "dns", "cdn", "url",
        "uri", "uuid", "guid", "id", "ids", "aws", "azure", "gcp", "lambda", "sqs", "sns", "ec2", "rds", "redis",
        "kafka", "rabbit", "rabbitmq", "amqp", "mq", "postgres", "postgresql", "mysql", "mongo", "mongodb", "oracle",
        "opensearch", "elasticsearch", "elastic", "kibana", "grafana", "prometheus", "loki", "gitlab",
        "github", "jira", "slack", "teams", "zoom", "docker", "kubernetes", "helm", "nginx", "apache", "tomcat",
        "jetty", "netty", "spring", "boot", "hibernate", "gson", "serilog", "npgsql", "dapper", "polly",
        "hangfire", "quartz", "swagger", "postman", "linux", "windows", "macos", "ios", "android", "chrome", "firefox",
        "safari", "edge", "opera", "mozilla", "webkit", "gecko", "java", "kotlin", "python", "ruby", "rust", "golang",
        "node", "npm", "maven", "gradle", "dotnet", "net", "core", "asp", "blazor", "razor", "admin", "admins", "login",
        "logout", "signup", "signin", "plugin", "plugins", "origin", "config", "configs", "settings", "metadata",
        "middleware", "handler", "handlers", "controller", "controllers", "service", "services", "client", "clients",
        "server", "servers", "gateway", "gateways", "worker", "workers", "job", "jobs", "queue", "queues", "topic",
        "topics", "cache", "pool", "pools", "session", "sessions", "request", "requests", "response", "responses",
        "retry", "retries", "timeout", "timeouts", "exception", "exceptions", "error", "errors", "warning", "warnings",
        "info", "debug", "trace", "status", "state", "code", "codes", "token", "tokens", "key", "keys", "secret",
        "secrets", "module", "modules", "library", "framework", "driver", "drivers", "adapter", "adapters", "provider",
        "providers", "factory", "builder", "repository", "repositories", "store", "storage", "database", "table",
        "index", "schema", "query", "queries", "event", "events", "message", "messages", "listener", "consumer",
        "producer", "publisher", "subscriber", "scheduler", "runner", "test", "tests", "mock", "proxy", "router",
        "filter", "validator", "serializer", "parser", "logger", "logs", "metrics", "monitor", "monitoring", "health",
        "check", "checks", "alert", "alerts", "report", "reports", "dashboard", "console", "portal", "user", "users",
        "account", "accounts", "profile", "profiles", "auth", "security", "web", "mobile", "desktop", "cloud",
        "cluster", "instance", "container", "function", "bucket", "stack", "version", "release", "build", "builds",
        "update", "updates", "upgrade", "migration", "backup", "import", "export", "upload", "download", "file",
        "files", "document", "documents", "folder", "path", "link", "page", "pages", "site", "home", "help", "support",
        "desk", "center", "centre", "team", "department", "office", "shop", "shops", "store", "stores", "market",
        "marketplace", "mall", "cart", "checkout", "order", "orders", "payment", "payments", "invoice", "invoices",
        "billing", "refund", "refunds", "delivery", "deliveries", "shipping", "shipment", "shipments", "courier",
        "couriers", "warehouse", "warehouses", "stock", "inventory", "product", "products", "catalog", "catalogue",
        "price", "prices", "pricing", "discount", "discounts", "coupon", "promo", "bonus", "card", "cards", "bank",
        "banking", "pay", "wallet", "credit", "debit", "loyalty", "program", "subscription", "subscriptions",
        "notification", "notifications", "email", "mail", "sms", "phone", "chat", "bot", "assistant", "agent",
        "operator", "customer", "customers", "partner", "partners", "vendor", "vendors", "supplier", "suppliers",
        "contract", "contracts", "pickup", "parcel", "parcels", "tracking", "sku", "skus", "inc", "ltd", "llc", "plc",
        "gmbh", "ag", "corp", "corporation", "company", "co", "group", "holding", "holdings", "foundation", "institute",
        "university", "college", "school", "hospital", "clinic", "hotel", "hotels", "airlines", "airways", "motors",
        "systems", "solutions", "technologies", "tech", "labs", "software", "studio", "media", "capital", "trust",
        "insurance", "express", "logistics", "street", "st", "road", "rd", "avenue", "ave", "boulevard", "blvd", "lane",
        "drive", "square", "park", "place", "plaza", "bridge", "station", "airport", "port", "harbor", "harbour", "bay",
        "beach", "island", "islands", "lake", "river", "mountain", "mount", "valley", "hills", "falls", "city", "town",
        "county", "state", "province", "region", "district", "heights", "north", "south", "east", "west", "central",
        "upper", "lower", "new", "old", "saint", "santa", "san", "fort", "point",
    )
)  # fmt: skip
_MONTHS_DAYS: Final = frozenset(
    (
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    )
)  # fmt: skip

_CYR_STRONG: Final = re.compile(
    r"[А-ЯЁ][а-яё]{1,30}(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ых|ы|ую)?|енко|(?:ук|юк)(?:а|у|ом|е)?"
    r"|(?:ич)(?:а|у|ем|е)?|(?:ян|янц)(?:а|у|ом|е)?|дзе|швили|[ыи]х)"
    r"(?:-[А-ЯЁ][а-яё]{1,30})?"
)
_CYR_ADJECTIVAL: Final = re.compile(r"[А-ЯЁ][а-яё]{1,30}(?:ск|цк)(?:ий|ая|ой|ого|ому|им|ом|ую|ие|их)")
_CYR_WEAK: Final = re.compile(r"[А-ЯЁ][а-яё]{0,30}(?:ой|ий|ая|ко|ец)")
_LAT_STRONG: Final = re.compile(r"[A-Z][a-z]{1,30}" + LATIN_SURNAME_ENDINGS)
# The East Slavic endings alone: what a surname first needs before a given name that is also a word or rare in Latin
# letters ("Egorov Ipat", "Petrov Mark"; not "Bayan Nur", a city).
_LAT_SLAVIC: Final = re.compile(
    r"[A-Z][a-z]{1,30}(?:(?:ov|ev|yov|iov|in|yn)a?|(?:sk|tsk|zk)(?:y|ii|iy|i|aya|aia|a)|enko|vich|ovna|evna)"
)

_STRONG: Final = 3
_ADJECTIVAL: Final = 2
_WEAK: Final = 1


@dataclass(frozen=True, slots=True)
class _Names:
    cyrillic: dict[str, bool]  # every case form of a Cyrillic given name -> whether it is also an ordinary word
    latin: dict[str, bool]  # Latin given names -> whether the name is also a word
    not_surnames: frozenset[str]  # lower-case


_LOADED: _Names | None = None


def _load() -> _Names:
    global _LOADED  # loaded once, on first use
    if _LOADED is None:
        data = json.loads(resources.files("logwarden.masking").joinpath("given_names.json").read_text("utf-8"))
        ambiguous = set(data["cyrillic_ambiguous"])
        cyrillic: dict[str, bool] = {}
        for female, key in ((False, "cyrillic_male"), (True, "cyrillic_female")):
            for name in data[key]:
                for form in case_forms(name, female):
                    cyrillic[form] = cyrillic.get(form, False) or name in ambiguous
        latin = dict.fromkeys(data["latin"], False) | dict.fromkeys(data["latin_ambiguous"], True)
        _LOADED = _Names(cyrillic, latin, frozenset(data["not_surnames"]) | _LOG_WORDS | _MONTHS_DAYS)
    return _LOADED


def is_no_surname(word: str) -> bool:
    """A common English, log or tech word, month or day: never a surname, nor a given name after a surname."""
    return word.lower() in _load().not_surnames


# A vowel that drops when the name declines: Павел - Павла, Пётр - Петра, Лев - Льва, Любовь - Любви.
_FLEETING: Final = {"Павел": "Павл", "Пётр": "Петр", "Лев": "Льв", "Любовь": "Любв"}
_HUSHING: Final = "жчшщц"
_VELAR_HUSHING: Final = "гкхжчшщ"


def case_forms(name: str, female: bool) -> set[str]:
    """The forms of a Russian given name in the six cases (genitive, dative, accusative, instrumental,
    prepositional), with ``е`` for ``ё`` too: "Анна" - Анны, Анне, Анну, Анной; "Сергей" - Сергея, Сергею..."""
    forms = {name}
    stem, last = name[:-1], name[-1]
    if last in "ая" and len(name) > 2:
        if name.endswith("ия"):
            forms |= {stem + "и", stem + "ю", stem + "ей"}
        elif last == "я":
            forms |= {stem + "и", stem + "е", stem + "ю", stem + "ей", stem + "ёй"}
        else:
            forms |= {stem + ("и" if stem[-1] in _VELAR_HUSHING else "ы"), stem + "е", stem + "у", stem + "ой"}
            if stem[-1] in _HUSHING:
                forms.add(stem + "ей")
    elif female:
        if last == "ь":
            forms |= {stem + "и", stem + "ью"}
        if name in _FLEETING:
            forms.add(_FLEETING[name] + "и")
    elif name.endswith("ий"):
        forms |= {stem + "я", stem + "ю", stem + "ем", stem + "и"}
    elif last in "йь":
        forms |= {stem + "я", stem + "ю", stem + "ем", stem + "е"}
    elif last not in "аеёиоуыэюя":
        base = _FLEETING.get(name, name)
        forms |= {base + "а", base + "у", base + ("ем" if last in _HUSHING else "ом"), base + "е"}
    return forms | {form.replace("ё", "е") for form in forms}


def _cyrillic_tier(word: str) -> int:
    if _CYR_STRONG.fullmatch(word):
        return _STRONG
    if _CYR_ADJECTIVAL.fullmatch(word):
        return _ADJECTIVAL
    return _WEAK if _CYR_WEAK.fullmatch(word) else 0


def _cyrillic_pair(first: str, second: str, names: _Names) -> bool:
    """Whether two adjacent capitalised Cyrillic words are a given name and a surname, in either order."""
    given = names.cyrillic.get(first)
    if given is not None:  # given name first: Анна Иванова, Бронислав Тихонов
        tier = _cyrillic_tier(second)
        if tier in (_STRONG, _ADJECTIVAL) or (tier == _WEAK and not given):
            return True
    given = names.cyrillic.get(second)
    if given is not None:  # surname first: Тихонов Бронислав
        tier = _cyrillic_tier(first)
        return tier == _STRONG or (tier == _ADJECTIVAL and not given)
    return False


def _latin_pair(first: str, second: str, names: _Names) -> bool:
    """Whether two adjacent capitalised Latin words are a given name and a surname, in either order."""
    if second.lower() in names.not_surnames:
        return False
    given = names.latin.get(first)
    if given is not None:  # given name first: Laura Smith, Ivan Petrov, Mary Ann
        return _LAT_STRONG.fullmatch(second) is not None or (not given and not names.latin.get(second, False))
    # surname first: Petrov Ivan, Ivanova Anna
    given = names.latin.get(second)
    if given is None or first.lower() in names.not_surnames:
        return False
    return (_LAT_SLAVIC if given else _LAT_STRONG).fullmatch(first) is not None


def _cyrillic_more(word: str, names: _Names) -> bool:
    """A word that continues a name found beside it: another surname or given name, a patronymic."""
    return word in names.cyrillic or _cyrillic_tier(word) > 0


def _latin_more(word: str, names: _Names) -> bool:
    return word.lower() not in names.not_surnames and not names.latin.get(word, False)


# Runs of capitalised words between spaces; a word touching an identifier character is no name (ru.shop.Ivan,
# Ivan_Petrov, /Ivan Petrov.pdf, Ivan-2). The initial of a middle name may stand between ("John F. Kennedy"). The
# capital is matched before the look-behind, so the engine skips ahead to capitals rather than trying every position.
_CYR_WORD: Final = r"[а-яё]{1,30}(?:-[А-ЯЁ][а-яё]{1,30})?"
_CYR_RUN: Final = re.compile(rf"[А-ЯЁ](?<![\w.\-/@#$\\].){_CYR_WORD}(?:[ ][А-ЯЁ]{_CYR_WORD}){{1,30}}(?![\w\-/@]|\.\w)")
_LAT_WORD: Final = r"(?:c[A-Z]|ac[A-Z]|'[A-Z])?[a-z]{1,30}(?:-[A-Z][a-z]{1,30})?"  # McDonald, O'Neil, Smith-Jones
_LAT_RUN: Final = re.compile(
    rf"[A-Z](?<![\w.\-/@#$\\'].){_LAT_WORD}(?:[ ](?:[A-Z]\.[ ])?[A-Z]{_LAT_WORD}){{1,30}}(?![\w\-/@]|\.\w|')"
)


# A lower-case noun of places after an adjective-like word: that word is a region's or a street's adjective, not a
# surname ("Владимир Владимирской области", "Энгельс Саратовской обл.", "Лев Толстовский проспект").
_PLACE_NOUN: Final = re.compile(
    r" (?:област|обл\.|кра[йяюе]|район|округ|губерни|уезд|улиц|ул\.|проспект|пр-т|шоссе|переул|бульвар|площад"
    r"|набережн|проезд|тракт)"
)


def find_cyrillic(text: str) -> list[tuple[int, int]]:
    """Start and end of each Cyrillic full name without a cue in ``text``."""
    names = _load()
    found = _find(text, _CYR_RUN, names, names.cyrillic, _cyrillic_pair, _cyrillic_more)
    return [span for span in (_without_place_adjective(text, s, e) for s, e in found) if span is not None]


def _without_place_adjective(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name without a last word that is the adjective of a place noun after it; None if one word is left."""
    if not _PLACE_NOUN.match(text, end):
        return start, end
    cut = text.rfind(" ", start, end)
    if not _CYR_ADJECTIVAL.fullmatch(text, cut + 1, end):
        return start, end
    if text.find(" ", start, cut) < 0:
        return None  # two words: a place and its region, not a given name and a surname
    return start, cut


def find_latin(text: str) -> list[tuple[int, int]]:
    """Start and end of each Latin full name without a cue in ``text`` (``José García`` as ``Jose Garcia``)."""
    names = _load()
    return _find(fold_latin(text) or text, _LAT_RUN, names, names.latin, _latin_pair, _latin_more)


def _ascii_letter(char: str) -> str | None:
    base = unicodedata.normalize("NFKD", char)[0]
    if base.isascii() and base.isalpha():
        return base
    return _NO_DECOMPOSITION.get(char)


# Letters that Unicode does not decompose into an ASCII letter and an accent.
_NO_DECOMPOSITION: Final = {
    "ß": "s", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "a", "Æ": "A", "œ": "o", "Œ": "O",
    "þ": "t", "Þ": "T", "ð": "d", "Ð": "D", "ı": "i", "ħ": "h", "Ħ": "H",
}  # fmt: skip
# Latin-1 and Latin Extended-A/B letters, each to one ASCII letter of the same case, so offsets stay as they are.
_FOLD: Final = {
    code: letter for code in range(0xC0, 0x250) if chr(code).isalpha() and (letter := _ascii_letter(chr(code)))
}
_ACCENTED: Final = re.compile("[\u00c0-\u024f]")


def fold_latin(text: str) -> str | None:
    """``text`` with its accented Latin letters as plain ones, offset for offset (``José García`` - ``Jose Garcia``);
    None when it has none. Names are looked up, and shaped, by their plain letters."""
    if _ACCENTED.search(text) is None:
        return None
    return text.translate(_FOLD)


def _find(
    text: str,
    run: re.Pattern[str],
    names: _Names,
    given: dict[str, bool],
    pair: Callable[[str, str, _Names], bool],
    more: Callable[[str, _Names], bool],
) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in run.finditer(text):
        # Most runs of capitalised words hold no given name at all ("Started OrderApplication", "Customer Service").
        words = match.group().split(" ")
        if not any(word in given for word in words):
            continue
        starts = []
        position = match.start()
        for word in words:
            starts.append(position)
            position += len(word) + 1
        # A middle initial ("F.") stands between the words of a pair.
        kept = [(word, start) for word, start in zip(words, starts, strict=True) if not word.endswith(".")]
        index = 0
        while index < len(kept) - 1:
            if not pair(kept[index][0], kept[index + 1][0], names):
                index += 1
                continue
            first, last = index, index + 1
            while first > 0 and kept[first - 1][0] in given:
                first -= 1  # a given name before: Анна Мария Иванова
            while last + 1 < len(kept) and more(kept[last + 1][0], names):
                last += 1  # a surname or patronymic after: Иван Петрович Сидоров, John Fitzgerald Kennedy
            found.append((kept[first][1], kept[last][1] + len(kept[last][0])))
            index = last + 1
    return found
