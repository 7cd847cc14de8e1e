"""`logwarden bootstrap --print DIR`: every document it would send, one JSON file per object, for review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logwarden_tools.cli import main


def test_print_writes_one_file_per_object_without_touching_a_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bootstrap", "--print", str(tmp_path), "--param", "prefix=applogs", "--param", "retention_warn=60d"])
    assert code == 0
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    kinds = {f.split("/")[0] for f in files}
    assert kinds == {"index_template", "ism_policy", "role", "role_mapping", "audit", "saved_object"}
    assert len([f for f in files if f.startswith("index_template/")]) == 5
    assert len([f for f in files if f.startswith("ism_policy/")]) == 4
    warn = json.loads((tmp_path / "ism_policy" / "logwarden-applogs-warn.json").read_text())
    assert warn["policy"]["ism_template"][0]["index_patterns"][0] == "applogs-shop-warn"
    assert (tmp_path / "saved_objects.ndjson").read_text().count("\n") == 12
    assert "wrote" in capsys.readouterr().out


def test_a_bad_parameter_exits_2_and_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bootstrap", "--print", str(tmp_path), "--param", "retention_info=a month"]) == 2
    assert "retention_info" in capsys.readouterr().err
