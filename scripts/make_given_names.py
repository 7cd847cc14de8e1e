#!/usr/bin/env python3
"""Build layers/logwarden/logwarden/masking/given_names.json: the given names that let the masker find a full name
in free text without a cue word (``Ivan Petrov called``, ``Тихонов Бронислав``), from public data sets.

Sources (read from the archives as the registries serve them; nothing else of them is copied):

- Cyrillic given names, by gender: ``russian-names`` 0.1.2 (PyPI, MIT; its ``_data.zip``: common and rare male and
  female names), ``mimesis`` 22.2.0 (PyPI, MIT; ``datasets/ru/person.json``, ``names``) and the OpenCorpora
  dictionary (CC BY-SA 3.0) as ``pymorphy3-dicts-ru`` 2.4.417150.4580142 ships it (PyPI), read through
  ``pymorphy3`` 2.0.6: every lemma tagged ``Name`` (some 12,000 given names, the rare, old and non-Russian ones that
  people in Russia bear too: Ипат, Нифонт, Фахридин). A name that OpenCorpora also knows as an ordinary word, a
  place, an organisation or a brand (``Роман``, ``Лир``, ``Энгельс``) is flagged as also a word.
- Latin given names: the US Census Bureau's 1990 first-name frequencies (public domain), as shipped by ``names``
  0.3.0 (PyPI, MIT; ``dist.male.first``, ``dist.female.first``): every name borne by at least 0.005 % of people.
  Plus the Cyrillic names transliterated the ways Russian names are written in Latin letters (ICAO 9303 as in
  passports and on cards, BGN/PCGN, the common English spellings: ``Dmitriy``, ``Dmitry``, ``Dmitrii``).
- Which names are also ordinary words (``Mark``, ``Will``, ``Grant``; ``Роман``, ``Вера``, ``Мир``): SCOWL 2020.12.07
  (Debian ``scowl``; sizes 10 and 20, the commonest English words) and the Russian Hunspell dictionary (Debian
  ``hunspell-ru`` 7.5.0, Lebedev's; its lower-case stems that decline), and month names. Such a name counts only
  beside a surname whose ending says it is one. Only that flag is taken from them.
- Which capitalised words are no surname (``Station``, ``Service``, ``Airport``): SCOWL sizes 10 and 20, less the
  1000 commonest US surnames of the same Census files (``dist.all.last``), so ``Smith`` or ``Brown`` still count.

Fetch the sources into one folder, then run this script on it::

    pip download --no-deps -d SRC names==0.3.0 russian-names==0.1.2 mimesis==22.2.0
    pip install pymorphy3==2.0.6 pymorphy3-dicts-ru==2.4.417150.4580142   # into the Python that runs the script
    cd SRC && apt-get download scowl=2020.12.07-2 hunspell-ru=1:7.5.0-1
    dpkg -x scowl_*.deb scowl && dpkg -x hunspell-ru_*.deb hunspell-ru && cd -
    python scripts/make_given_names.py SRC

The output is deterministic (sorted lists) and committed.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "layers" / "logwarden" / "logwarden" / "masking" / "given_names.json"
CENSUS_SHARE = 0.005  # per cent of people bearing a first name, at least
TOP_SURNAMES = 1000
SCOWL_SIZES = ("10", "20")
MONTHS_DAYS_EN = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
# Month names in the cases a date puts them ("8 Марта", "1 Августа" read like the given names Марта, Августа).
MONTHS_RU = (
    "январь", "января", "февраль", "февраля", "март", "марта", "апрель", "апреля", "май", "мая", "июнь", "июня", "июль",
    "июля", "август", "августа", "сентябрь", "сентября", "октябрь", "октября", "ноябрь", "ноября", "декабрь", "декабря",
)  # fmt: skip


def russian_names(source: Path) -> tuple[set[str], set[str]]:
    with zipfile.ZipFile(source / "russian_names-0.1.2-py3-none-any.whl") as wheel:
        inner = zipfile.ZipFile(io.BytesIO(wheel.read("russian_names/_data.zip")))
        lines = inner.read("base.txt").decode("utf-8").split("\n")
    # base.txt: male rare, male common, two patronymic lines, male surnames, then the same for women.
    return set(lines[0].split()) | set(lines[1].split()), set(lines[5].split()) | set(lines[6].split())


def mimesis_names(source: Path) -> tuple[set[str], set[str]]:
    with zipfile.ZipFile(source / "mimesis-22.2.0-py3-none-any.whl") as wheel:
        names = json.loads(wheel.read("mimesis/datasets/ru/person.json"))["names"]
    return set(names["male"]), set(names["female"])


# OpenCorpora grammemes of personal names: a name parsed also without them is an ordinary word, a place, an
# organisation or a brand (Роман, Энгельс, Беслан), and counts only beside a surname that says it is one.
_PERSONAL = frozenset({"Name", "Surn", "Patr"})


def opencorpora_names() -> tuple[set[str], set[str], set[str]]:
    """Given names of the OpenCorpora dictionary by gender, and those that are also ordinary words."""
    import pymorphy3  # only this script needs it; about a minute to walk the dictionary

    morph = pymorphy3.MorphAnalyzer()
    male: set[str] = set()
    female: set[str] = set()
    for _word, tag, normal, _paradigm, index in morph.dictionary.iter_known_words():
        if index == 0 and "Name" in tag and normal.isalpha() and len(normal) > 2:
            (female if "femn" in tag else male).add(normal.capitalize())
    words = {
        name
        for name in male | female
        if any(p.is_known and not (_PERSONAL & p.tag.grammemes) for p in morph.parse(name.lower()))
    }
    return male, female - male, words


def census(source: Path) -> tuple[set[str], set[str], set[str]]:
    """First names borne by at least CENSUS_SHARE per cent, by gender, and the TOP_SURNAMES commonest surnames."""
    with tarfile.open(source / "names-0.3.0.tar.gz") as archive:

        def rows(name: str) -> list[list[str]]:
            member = archive.extractfile(f"names-0.3.0/names/{name}")
            if member is None:
                raise SystemExit(f"names-0.3.0.tar.gz has no {name}")
            return [line.split() for line in member.read().decode("ascii").splitlines() if line.strip()]

        male = {row[0].capitalize() for row in rows("dist.male.first") if float(row[1]) >= CENSUS_SHARE}
        female = {row[0].capitalize() for row in rows("dist.female.first") if float(row[1]) >= CENSUS_SHARE}
        surnames = {row[0].lower() for row in rows("dist.all.last")[:TOP_SURNAMES]}
    return male, female, surnames


def scowl_words(source: Path) -> set[str]:
    """The commonest English words, lower-case (SCOWL sizes 10 and 20, words and abbreviations)."""
    folder = source / "scowl" / "usr" / "share" / "dict" / "scowl"
    words: set[str] = set()
    for size in SCOWL_SIZES:
        for name in (f"english-words.{size}", f"american-words.{size}", f"english-abbreviations.{size}"):
            path = folder / name
            if path.exists():
                words.update(w for w in path.read_text(encoding="utf-8").split() if w.isalpha() and w.isascii())
    return {word.lower() for word in words if word.islower() or word.isupper()}


def hunspell_stems(source: Path) -> set[str]:
    """Lower-case stems of the Russian Hunspell dictionary: the Russian words that are not proper names."""
    path = source / "hunspell-ru" / "usr" / "share" / "hunspell" / "ru_RU.dic"
    stems = set()
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        word, _, flags = line.strip().partition("/")
        # A stem without affix flags is no inflecting word: a fragment of a compound ("иван" of "иван-чай") or an
        # indeclinable; only words that decline count.
        if word and word[0].islower() and flags:
            stems.add(word)
    return stems


# ---------------------------------------------------------------- transliteration
# One letter may be written several ways; each scheme picks one per letter. A name gets every spelling the three
# schemes give, so "Юрий" is Iurii (ICAO), Yuriy (BGN/PCGN) and Yuri, Yury (common English).
_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ц": "ts", "ч": "ch", "ш": "sh",
    "ы": "y", "ъ": "", "ь": "", "э": "e",
}  # fmt: skip
_SCHEMES = (
    # ICAO 9303 (Russian passports since 2013, bank cards)
    {"е": "e", "ё": "e", "й": "i", "х": "kh", "щ": "shch", "ю": "iu", "я": "ia", "ъ": "ie"},
    # BGN/PCGN
    {"е": "e", "ё": "yo", "й": "y", "х": "kh", "щ": "shch", "ю": "yu", "я": "ya"},
    # common English spellings
    {"е": "e", "ё": "yo", "й": "y", "х": "h", "щ": "sch", "ю": "yu", "я": "ya"},
)
_VOWELS = "аеёиоуыэюяъь"


def transliterations(name: str) -> set[str]:
    out = set()
    lower = name.lower()
    for index, scheme in enumerate(_SCHEMES):
        table = {**_COMMON, **scheme}
        letters = []
        for position, letter in enumerate(lower):
            if letter == "е" and index == 1 and (position == 0 or lower[position - 1] in _VOWELS):
                letters.append("ye")  # BGN/PCGN: initial and after a vowel
            elif letter == "ь" and position + 1 < len(lower) and lower[position + 1] in "еёюяи":
                letters.append("" if index == 0 else "y" if lower[position + 1] == "и" else "")
            else:
                letters.append(table.get(letter, letter))
        word = "".join(letters)
        out.add(word)
        if word.endswith(("iy", "ii")):
            out.update({word[:-2] + "y", word[:-2] + "i", word[:-2] + "iy", word[:-2] + "ii"})
        if "ks" in word:
            out.add(word.replace("ks", "x"))
    return {word.capitalize() for word in out if word.isascii() and word.isalpha() and len(word) > 1}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    source = Path(sys.argv[1])
    rn_male, rn_female = russian_names(source)
    mm_male, mm_female = mimesis_names(source)
    oc_male, oc_female, oc_words = opencorpora_names()
    cyr_male = {n for n in rn_male | mm_male | oc_male if n.isalpha()}
    cyr_female = {n for n in rn_female | mm_female | oc_female if n.isalpha()} - cyr_male
    stems = hunspell_stems(source) | set(MONTHS_RU)
    cyrillic = cyr_male | cyr_female
    # A name that is an ordinary word in any of its spellings (ё or е) needs a surname that says it is one.
    cyr_ambiguous = {n for n in cyrillic if n.lower() in stems or n.lower().replace("ё", "е") in stems} | oc_words

    census_male, census_female, surnames = census(source)
    common = scowl_words(source)
    translit = {t for n in cyrillic for t in transliterations(n)}
    # Spelt in Latin letters, a rare name (one that only OpenCorpora lists: Bayan, Nur, Ipat) is no stronger evidence
    # than a name that is also a word: it counts beside a surname whose ending says it is one ("Ipat Egorov"),
    # never beside any capitalised word ("Bayan Nur", a city).
    rare = cyrillic - {n for n in rn_male | mm_male | rn_female | mm_female}
    known_spellings = {t for n in cyrillic - rare for t in transliterations(n)}
    rare_spellings = {t for n in rare for t in transliterations(n)} - known_spellings
    latin = census_male | census_female | translit
    translit_ambiguous = {t for n in cyr_ambiguous for t in transliterations(n)}
    latin_ambiguous = (
        {n for n in latin if n.lower() in common or n.lower() in MONTHS_DAYS_EN}
        | translit_ambiguous
        | (rare_spellings - census_male - census_female)
    )
    not_surnames = {word for word in common if len(word) > 1} - surnames

    data = {
        "about": "Given names for finding full names in free text without a cue word; built by "
        "scripts/make_given_names.py, which names the sources, versions and licences.",
        "sources": [
            {"name": "russian-names", "version": "0.1.2", "registry": "PyPI", "licence": "MIT",
             "path": "russian_names/_data.zip:base.txt", "used": "Cyrillic given names, common and rare"},
            {"name": "mimesis", "version": "22.2.0", "registry": "PyPI", "licence": "MIT",
             "path": "mimesis/datasets/ru/person.json (names)", "used": "Cyrillic given names"},
            {"name": "pymorphy3-dicts-ru (OpenCorpora)", "version": "2.4.417150.4580142", "registry": "PyPI",
             "licence": "CC BY-SA 3.0 (OpenCorpora dictionary data); MIT (package)",
             "path": "lemmas tagged Name, read with pymorphy3 2.0.6",
             "used": "Cyrillic given names, rare and non-Russian ones included; which of them are also words"},
            {"name": "names", "version": "0.3.0", "registry": "PyPI", "licence": "MIT code; the data public domain "
             "(US Census Bureau, 1990)", "path": "names/dist.male.first, dist.female.first, dist.all.last",
             "used": f"Latin given names borne by >= {CENSUS_SHARE} % of people; the {TOP_SURNAMES} commonest "
             "surnames (only to keep them out of not_surnames)"},
            {"name": "scowl", "version": "2020.12.07-2", "registry": "Debian", "licence": "SCOWL (permissive, "
             "copyright notice kept in the package)", "path": f"english-/american-words and -abbreviations, sizes "
             f"{', '.join(SCOWL_SIZES)}", "used": "not_surnames; which Latin names are also words"},
            {"name": "hunspell-ru", "version": "1:7.5.0-1", "registry": "Debian", "licence": "BSD-style "
             "(Alexander I. Lebedev)", "path": "ru_RU.dic (lower-case stems)",
             "used": "which Cyrillic names are also words (only that flag)"},
        ],
        "cyrillic_male": sorted(cyr_male),
        "cyrillic_female": sorted(cyr_female),
        "cyrillic_ambiguous": sorted(cyr_ambiguous),
        "latin": sorted(latin - latin_ambiguous),
        "latin_ambiguous": sorted(latin_ambiguous),
        "not_surnames": sorted(not_surnames),
    }  # fmt: skip
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"{OUT}: {len(cyrillic)} Cyrillic names ({len(cyr_ambiguous)} also words), "
        f"{len(latin)} Latin ({len(latin_ambiguous)} also words), {len(not_surnames)} words that are no surname"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
