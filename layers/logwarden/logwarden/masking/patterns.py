"""Patterns shared by the detectors (``text``) and the prefilter, which must agree on them exactly."""

from __future__ import annotations

from typing import Final

# A superset of every token family text._API_KEY finds (gitleaks' and detect-secrets' rules): the literal prefixes
# of Stripe, GitHub, Slack, GitLab, Google, OpenAI, Anthropic, SendGrid, npm, PyPI, Shopify, DigitalOcean, Hugging
# Face and Heroku keys, a Mailchimp key's data centre after hex digits ("...a8-us18"), a Twilio key (SK and 32 hex
# digits), a PEM private key header. Written for both Python's re and Hyperscan.
API_KEY_GATE: Final = (
    r"[sr]k_(?:live|test|prod)_|gh[pousr]_|github_pat_|xox[abeoprs][-.]|xapp-|gl(?:pat|dt|ft|rt|cbt|imt|agent|oas|ffct"
    r"|ptt|soat)-|AIza|sk-(?:proj|ant|svcacct|admin)-|SG\.|npm_|pypi-AgEI|shp(?:at|ss|ca|pa)_|do[opr]_v1_|hf_|api_org_"
    r"|HRKU-|[0-9a-f]{8}-us[0-9]|SK[0-9a-fA-F]{32}|PRIVATE KEY"
)

# Where a Latin name may stand in free text: after a cue word (a customer, recipient, contact... and a capital), or
# as an initial and a surname ("I. Ivanov", "J.R. Smith"). Cue words are spelled in their cases so that the pattern
# means the same to Hyperscan (the prefilter's gate) as to re (text._maybe_latin_name).
LATIN_CUE_GATE: Final = (
    r"(?:[Cc]ustomer|CUSTOMER|[Rr]ecipient|RECIPIENT|[Cc]ontact|[Cc]lient|CLIENT|[Bb]uyer|[Cc]onsignee|[Pp]ayer"
    r"|[Cc]ardholder|[Hh]anded to|[Ss]igned by|[Dd]ear|Mrs?\.?|Ms\.?|Dr\.?|Miss)[ \t:=\-]{1,4}(?:person[ \t:=\-]{1,4})?"
    r"[\\\"']{0,2}[A-Z][a-z']"  # a name word: a capital and a small letter ("CUST-100130" is none)
)
# An initial and a surname, or a surname and initials; PYTHON_ form: the same with a look-behind (Hyperscan has none),
# which lets the engine start only at a capital.
_INITIALS_TAIL: Final = r"[A-Z]\.[ ]?(?:[A-Z]\.[ ]?)?[A-Z][a-z']|[A-Z][a-z']+ [A-Z]\.[ ]?[A-Z]\."
LATIN_INITIALS_GATE: Final = (
    r"(?:^|[^A-Za-z0-9_.])[A-Z]\.[ ]?(?:[A-Z]\.[ ]?)?[A-Z][a-z']|[A-Z][a-z']+ [A-Z]\.[ ]?[A-Z]\."
)
PYTHON_LATIN_INITIALS_GATE: Final = (
    r"(?<![A-Za-z0-9_.])[A-Z]\.[ ]?(?:[A-Z]\.[ ]?)?[A-Z][a-z']|[A-Z][a-z']+ [A-Z]\.[ ]?[A-Z]\."
)
LATIN_NAME_GATE: Final = LATIN_CUE_GATE + "|" + LATIN_INITIALS_GATE

# Endings of Russian surnames written in Latin letters (Petrov, Ivanova, Vishnevsky, Shevchenko, Gogoladze): a
# surname first ("Petrov Ivan") or after a given name that is also a word ("Mark Petrov") needs one (names.py).
LATIN_SURNAME_ENDINGS: Final = (
    r"(?:(?:ov|ev|yov|iov|in|yn)a?|(?:sk|tsk|zk)(?:y|ii|iy|i|aya|aia|a)|enko|(?:ch)?uk|yuk|vich|ovna|evna|yan|dze"
    r"|shvili)"
)
# Where a Latin name without a cue may stand: two capitalised words side by side, perhaps with a middle initial
# between ("Laura Smith", "Petrov Ivan", "John F. Kennedy"), neither touching an identifier ("ru.shop.Ivan",
# "Started OrderApplication"); a superset of what names.find_latin reports. PYTHON_ form: the same with a look-behind
# and a look-ahead (Hyperscan has neither), so that the engine starts only at a capital.
_PAIR_TAIL: Final = r"[a-z]{1,30}[ ](?:[A-Z]\.[ ])?(?:Mc|Mac|O'|D')?[A-Z][a-z]{1,30}"
LATIN_PAIR_GATE: Final = r"(?:^|[^A-Za-z0-9_.\-/@#$\\'])[A-Z]" + _PAIR_TAIL + r"(?:[^A-Za-z]|$)"
PYTHON_LATIN_PAIR_GATE: Final = r"[A-Z](?<![A-Za-z0-9_.\-/@#$\\'].)" + _PAIR_TAIL + r"(?![A-Za-z])"
# The same for text that is not ASCII, where the prefilter cannot fold accents first as text._maybe_bare_latin_name
# does (names.fold_latin: José García reads Jose Garcia): every letter of Latin-1 and Latin Extended-A/B stands for a
# capital and a small letter alike, and "Mc", "Mac", "O'", "D'" for a capital and one or two letters or an apostrophe.
# Its boundaries admit any letter that is not ASCII, so on the folded text's every match it matches the text itself.
_ACCENTED: Final = "\u00c0-\u024f"
_ACCENTED_CAPITAL: Final = f"[A-Z{_ACCENTED}]"
_ACCENTED_SMALL: Final = f"[a-z{_ACCENTED}]"
ACCENTED_LATIN_PAIR_GATE: Final = (
    rf"(?:^|[^A-Za-z0-9_.\-/@#$\\']){_ACCENTED_CAPITAL}{_ACCENTED_SMALL}{{1,30}}[ ](?:{_ACCENTED_CAPITAL}\.[ ])?"
    rf"(?:{_ACCENTED_CAPITAL}[a-z'{_ACCENTED}]{{1,2}})?{_ACCENTED_CAPITAL}{_ACCENTED_SMALL}{{1,30}}(?:[^A-Za-z]|$)"
)

# Cyrillic cues, tested by text on the lower-cased line and by the prefilter on the line as it is (see
# prefilter._any_case): what text._CYRILLIC_CUE's alternatives begin with, and the words every address cue holds.
CYRILLIC_CUE_STEMS: Final = ("клиент", "получател", "покупател", "заказчик", "отправител", "адресат", "плательщик",
                             "пользовател", "курьер", "менеджер", "контакт", "фио", "на имя", "оформлен", "уважаем",
                             "доверенност")  # fmt: skip
ADDRESS_CUE_WORDS: Final = ("адрес", "address")
# What text._maybe_passport looks for (its passport phrase is searched only where one of these is).
PASSPORT_WORDS: Final = ("ерия", "ЕРИЯ", "аспорт", "АСПОРТ", "assport")
# A street part of a Russian address ("ул.", "пр-кт.", "шоссе."); every address found around one starts there.
STREET: Final = r"(?:ул|пр|пр-кт|просп|пер|ш|бул|наб|пл|алл|ал|туп|проезд|пр-д|линия|тракт|шоссе)\."
