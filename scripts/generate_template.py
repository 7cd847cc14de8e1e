#!/usr/bin/env python3
"""template.yaml from template.src.yaml, where the blocks that repeat are written once.

    .venv/bin/python scripts/generate_template.py          # write template.yaml (`make template`)
    .venv/bin/python scripts/generate_template.py --check  # fail when template.yaml is not what the source gives

The source is the SAM template plus one construct, a block written once per row of its table:

    #%for Function         | Condition
    #%row IngestCloudWatch |
    #%row IngestMq         | HasMqBroker
      {{Function}}ErrorsAlarm:
        Type: AWS::CloudWatch::Alarm
        Condition: {{Condition}}
    #%end

``{{Column}}`` is replaced by the row's value; a line whose value is empty is left out (here: a function that
always exists gets no ``Condition``). One ``#%row`` line may hold several rows separated by ``;``. Lines that
start ``#%`` and a space are notes for the source's readers and are left out; every other line, comments
included, is copied as it is. Blocks do not nest; anything else the generator cannot follow is an error.

Why not Fn::ForEach (AWS::LanguageExtensions), which would let template.yaml itself say each block once: with
cfn-lint 1.58 and SAM CLI 1.170 (scripts/check-template.sh) no spelling of a per-copy ``Condition`` passes both.
``Condition: !Sub "HasLogGroup${N}"``, the form the CloudFormation documentation shows, passes cfn-lint but makes
`sam build --language-extensions` and `sam validate --language-extensions` fail ("unhashable type: 'dict'");
``Condition: HasLogGroup${N}`` builds, but cfn-lint does not expand a plain string and reports every copy
(E3015, E3005). Without that flag `sam build` and `sam validate` (but for `--lint`, which is cfn-lint) reject
any Fn::ForEach: aws-sam-translator, which scripts/translate_template.py, tests/template and the rehearsal run
too, fails on it ("'list' object has no attribute 'get'"). checkov reads none of the copies (139 of the 169
resources) and, with a list of transforms, no longer applies the SAM Globals (CKV_AWS_173 fails on six
functions). Generated, template.yaml stays the plain SAM template every one of them reads.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "template.src.yaml"
TEMPLATE = ROOT / "template.yaml"
HEADER = (
    "# Generated from template.src.yaml (where the blocks that repeat are written once) by\n"
    "# scripts/generate_template.py: edit the source, then `make template`; tests/template fails while they differ.\n"
)

_DIRECTIVE = re.compile(r"^\s*#%(for|row|end)\b\s*(.*?)\s*$")
_NOTE = re.compile(r"^\s*#%(\s|$)")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class SourceError(ValueError):
    """The source breaks a rule of the generator; the message names the line."""


def _fields(text: str) -> list[str]:
    return [field.strip() for field in text.split("|")]


def _render(body: list[tuple[int, str]], names: list[str], rows: list[list[str]]) -> list[str]:
    out: list[str] = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for number, line in body:
            used = _PLACEHOLDER.findall(line)
            unknown = sorted(set(used) - set(values))
            if unknown:
                raise SourceError(f"line {number}: {{{{{unknown[0]}}}}} is not a column of its block")
            if any(values[name] == "" for name in used):
                continue
            for name in set(used):
                line = line.replace(f"{{{{{name}}}}}", values[name])
            out.append(line)
    return out


def _columns(text: str, number: int) -> list[str]:
    """The column names of a ``#%for`` line."""
    names = _fields(text)
    if not all(re.fullmatch(r"\w+", name) for name in names):
        raise SourceError(f"line {number}: column names are words separated by |")
    return names


def _rows(text: str, names: list[str], number: int) -> list[list[str]]:
    """The rows of a ``#%row`` line (``;`` between rows), each with a value per column."""
    rows = [_fields(r) for r in text.split(";")]
    for row in rows:
        if len(row) != len(names):
            raise SourceError(f"line {number}: {len(row)} values for {len(names)} columns")
    return rows


def _block(body: list[tuple[int, str]], names: list[str], rows: list[list[str]], number: int, start: int) -> list[str]:
    """The lines of a block ended at ``#%end`` on line ``number``: its body once per row."""
    if not rows or not body:
        raise SourceError(f"line {number}: the block of line {start} needs rows and lines")
    return _render(body, names, rows)


def generate(source: str) -> str:
    """The template the source describes: every block expanded, notes left out, the generated-file header first."""
    out: list[str] = []
    names: list[str] | None = None  # inside a block: its columns
    rows: list[list[str]] = []
    body: list[tuple[int, str]] = []
    start = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        directive = _DIRECTIVE.match(line)
        if directive:
            kind, text = directive.groups()
            if kind == "for":
                if names is not None:
                    raise SourceError(f"line {number}: #%for inside the block of line {start} (blocks do not nest)")
                names, rows, body, start = _columns(text, number), [], [], number
            elif names is None:
                raise SourceError(f"line {number}: #%{kind} outside a block")
            elif kind == "row":
                if body:
                    raise SourceError(f"line {number}: #%row after the block's first line (rows come first)")
                rows.extend(_rows(text, names, number))
            else:
                out.extend(_block(body, names, rows, number, start))
                names = None
        elif _NOTE.match(line):
            continue
        elif names is not None:
            body.append((number, line))
        elif _PLACEHOLDER.search(line):
            raise SourceError(f"line {number}: {{{{...}}}} outside a block")
        else:
            out.append(line)
    if names is not None:
        raise SourceError(f"line {start}: #%for without #%end")
    return HEADER + "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with template.yaml instead of writing it")
    args = parser.parse_args(argv)
    source = SOURCE.read_text(encoding="utf-8")
    template = generate(source)
    if args.check:
        if TEMPLATE.read_text(encoding="utf-8") != template:
            print("template.yaml is not what template.src.yaml gives: run `make template`", file=sys.stderr)
            return 1
        return 0
    TEMPLATE.write_text(template, encoding="utf-8")
    lines = (len(source.splitlines()), len(template.splitlines()))
    print(f"{SOURCE.name} ({lines[0]} lines) -> {TEMPLATE.name} ({lines[1]} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
