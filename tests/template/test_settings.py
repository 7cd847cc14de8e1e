"""template.yaml, the code and the docs against the one declaration of settings (logwarden/settings.py).

Both ways: every variable the template gives a function is a setting that function reads (and, run through the
function's own configuration, is actually read), and every setting a function cannot start without is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from conftest import LAMBDA_ENV, ROOT, function_environment, function_folder, of_type, template_variables

from logwarden import settings
from logwarden.bootstrap.config import BootstrapConfig, request_checks
from logwarden.config import AnomalyCheckConfig, ChatNotifyConfig, DrainConfig, IngestConfig

CONFIG_OF: dict[str, Callable[[Mapping[str, str]], object]] = {
    settings.INGEST_CLOUDWATCH: IngestConfig.from_env,
    settings.INGEST_MQ: IngestConfig.from_env,
    settings.INGEST_KINESIS: IngestConfig.from_env,
    settings.DRAIN_DEADLETTER: DrainConfig.from_env,
    settings.ANOMALY_CHECK: AnomalyCheckConfig.from_env,
    settings.CHAT_NOTIFY: ChatNotifyConfig.from_env,
    settings.BOOTSTRAP: lambda env: (BootstrapConfig.from_env(env), request_checks(env)),
}
NAME = re.compile(r"\b(?:LOGWARDEN|OPENSEARCH)_[A-Z0-9_]*[A-Z0-9_]")
# Named in code or docs, but not settings: the engine's own variables (set for the local engine's process) and the
# template checks' switches (tests only).
NOT_SETTINGS = {
    "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
    "OPENSEARCH_JAVA_HOME",
    "OPENSEARCH_JAVA_OPTS",
    "OPENSEARCH_PATH_CONF",
    "LOGWARDEN_DEMO_PASSWORD",  # hands a password to the engine's hash tool, never read as a setting
}


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers which names were looked up. Walking it (as the masking family's reader does)
    counts as reading every LOGWARDEN_MASKING_ name in it."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        self.read.update(n for n in self._values if n.startswith("LOGWARDEN_MASKING_"))
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return of_type(sam, "AWS::Serverless::Function")


def test_every_function_is_a_declared_reader(sam: dict[str, Any]) -> None:
    assert {function_folder(f) for f in _functions(sam).values()} == set(settings.FUNCTIONS)


@pytest.mark.parametrize("reader", settings.FUNCTIONS)
def test_the_template_gives_a_function_only_settings_it_declares(sam: dict[str, Any], reader: str) -> None:
    [function] = [f for f in _functions(sam).values() if function_folder(f) == reader]
    given = set(template_variables(function, sam))
    undeclared = {name for name in given if reader not in _declared_readers(name)}
    assert undeclared == set(), f"{reader} is given settings it does not read: {sorted(undeclared)}"


@pytest.mark.parametrize("reader", settings.FUNCTIONS)
def test_the_template_gives_a_function_every_setting_it_needs(sam: dict[str, Any], reader: str) -> None:
    [function] = [f for f in _functions(sam).values() if function_folder(f) == reader]
    given = set(template_variables(function, sam))
    needed = {s.name for s in settings.SETTINGS if reader in s.required_by}
    assert needed - given == set()


@pytest.mark.parametrize("reader", settings.FUNCTIONS)
def test_a_function_reads_every_setting_the_template_gives_it(sam: dict[str, Any], reader: str) -> None:
    # GIVEN the function's environment exactly as the template resolves it, plus what Lambda itself sets
    [function] = [f for f in _functions(sam).values() if function_folder(f) == reader]
    env = RecordingEnv({**LAMBDA_ENV, **function_environment(function, sam)})
    # WHEN the function's configuration is built from it (as at cold start)
    CONFIG_OF[reader](env)
    # THEN every logwarden setting the template gives is read, and nothing undeclared for this function is
    given = {n for n in template_variables(function, sam) if settings.declared(n).owner == "logwarden"}
    assert given - env.read == set(), f"{reader} ignores {sorted(given - env.read)}"
    read = {n for n in env.read if NAME.fullmatch(n)}
    assert {n for n in read if reader not in _declared_readers(n)} == set()


def _declared_readers(name: str) -> tuple[str, ...]:
    try:
        return settings.declared(name).readers
    except KeyError:
        return ()


def test_config_md_is_generated_from_the_declaration() -> None:
    # `python -m logwarden.settings > docs/CONFIG.md` after changing layers/logwarden/logwarden/settings.py
    assert (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8") == settings.render_markdown()


def _named_in(paths: list[Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in paths:
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _sources() -> list[Any]:
    code = [
        *(ROOT / "layers" / "logwarden" / "logwarden").rglob("*.py"),
        *(ROOT / "tools" / "logwarden_tools").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
    ]
    return [p for p in code if p.name != "settings.py"]


def test_every_name_in_code_docs_and_template_is_declared() -> None:
    docs = [ROOT / "README.md", ROOT / "template.yaml", *(ROOT / "docs").glob("*.md")]
    named = _named_in([*_sources(), *docs])
    prefixes = [n for n in named if n.endswith("_")]  # "LOGWARDEN_MASKING_" as a prefix in prose or code

    def known(name: str) -> bool:
        if name in NOT_SETTINGS or name in settings.BY_NAME:
            return True
        if name in prefixes:
            return any(s.name.startswith(name) for s in settings.SETTINGS)
        try:
            settings.declared(name)
        except KeyError:
            return False
        return True

    unknown = {name: sorted(where) for name, where in named.items() if not known(name)}
    assert unknown == {}


def test_every_declared_setting_is_read_somewhere() -> None:
    named = _named_in(_sources())
    text = "\n".join(p.read_text(encoding="utf-8") for p in _sources())
    unread = [
        s.name
        for s in settings.SETTINGS
        if s.owner == "logwarden" and s.name not in named and s.name.removeprefix("LOGWARDEN_MASKING_") not in text
    ]
    assert unread == []
