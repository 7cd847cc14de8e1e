"""template.yaml is generated from template.src.yaml (scripts/generate_template.py): current, and by the rules."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, TEMPLATE


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_template", ROOT / "scripts" / "generate_template.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _generator()


def body(text: str) -> str:
    """What the generator writes for ``text``, without the header every generated file starts with."""
    out: str = generator.generate(text)
    assert out.startswith(generator.HEADER)
    return out[len(generator.HEADER) :]


def test_template_yaml_is_what_its_source_gives() -> None:
    source = (ROOT / "template.src.yaml").read_text(encoding="utf-8")
    assert TEMPLATE.read_text(encoding="utf-8") == generator.generate(source), "run `make template`"


def test_the_source_writes_repeated_blocks_once() -> None:
    source = (ROOT / "template.src.yaml").read_text(encoding="utf-8")
    assert source.count("#%for") >= 10
    # each of the ten log groups' subscriptions is in the template, and written once in the source
    template = TEMPLATE.read_text(encoding="utf-8")
    assert [template.count(f"  LogGroupSubscription{n}:\n") for n in range(1, 11)] == [1] * 10
    assert source.count("LogGroupSubscription") == template.count("LogGroupSubscription") // 10


def test_a_block_is_written_once_per_row_and_a_line_with_an_empty_value_is_left_out() -> None:
    source = (
        "# kept as it is\n"
        "#% a note for the source only\n"
        "  #%for Name | Condition\n"
        "  #%row First |\n"
        "  #%row Second | HasSecond; Third | HasThird\n"
        "  {{Name}}Alarm:\n"
        "    Condition: {{Condition}}\n"
        "    Description: {{Name}} and {{Name}}\n"
        "  #%end\n"
        "Outputs: {}\n"
    )
    assert body(source) == (
        "# kept as it is\n"
        "  FirstAlarm:\n"
        "    Description: First and First\n"
        "  SecondAlarm:\n"
        "    Condition: HasSecond\n"
        "    Description: Second and Second\n"
        "  ThirdAlarm:\n"
        "    Condition: HasThird\n"
        "    Description: Third and Third\n"
        "Outputs: {}\n"
    )


def test_a_source_without_blocks_is_copied_as_it_is() -> None:
    text = 'Resources:\n  A:\n    Type: AWS::SNS::Topic  # {Sub: "${AWS::Region}"}\n'
    assert body(text) == text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("#%for A\n#%row x\n{{B}}\n#%end\n", r"line 3: \{\{B\}\} is not a column"),
        ("A: {{A}}\n", r"line 1: \{\{\.\.\.\}\} outside a block"),
        ("#%for A | B\n#%row x\n{{A}}\n#%end\n", "line 2: 1 values for 2 columns"),
        ("#%for A\n#%row x\n#%for B\n", r"line 3: #%for inside the block of line 1"),
        ("#%for A\n#%row x\n{{A}}\n", "line 1: #%for without #%end"),
        ("#%for A\n#%row x\n{{A}}\n#%row y\n#%end\n", "line 4: #%row after the block's first line"),
        ("#%for A\n{{A}}\n#%end\n", "line 3: the block of line 1 needs rows and lines"),
        ("#%end\n", "line 1: #%end outside a block"),
        ("#%for A-B\n", "line 1: column names are words"),
    ],
)
def test_what_the_generator_cannot_follow_is_an_error(source: str, message: str) -> None:
    with pytest.raises(generator.SourceError, match=message):
        generator.generate(source)


def test_check_fails_when_template_yaml_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, template = tmp_path / "template.src.yaml", tmp_path / "template.yaml"
    source.write_text("#%for N\n#%row 1; 2\nTopic{{N}}: {}\n#%end\n", encoding="utf-8")
    monkeypatch.setattr(generator, "SOURCE", source)
    monkeypatch.setattr(generator, "TEMPLATE", template)
    assert generator.main([]) == 0
    assert template.read_text(encoding="utf-8") == generator.HEADER + "Topic1: {}\nTopic2: {}\n"
    assert generator.main(["--check"]) == 0
    template.write_text(template.read_text(encoding="utf-8") + "Topic3: {}\n", encoding="utf-8")
    assert generator.main(["--check"]) == 1
