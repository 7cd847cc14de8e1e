"""``logwarden mask``: one line out per line in, same order, byte-identical when clean; --explain on stderr."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from logwarden.masking.masker import Masker
from logwarden_tools.cli import main as cli_main
from logwarden_tools.commands.mask import mask_stream


def test_lines_keep_order_and_clean_lines_are_byte_identical() -> None:
    source = io.BytesIO(
        b"plain line 12345\r\nmail ivan@mail.ru\n\xff\xfe not utf-8 at all\n\nlast without newline 8 (912) 345-67-89"
    )
    sink, explain = io.BytesIO(), io.BytesIO()
    totals = mask_stream(source, sink, Masker(), explain)
    assert sink.getvalue().split(b"\n") == [
        b"plain line 12345\r",
        b"mail [EMAIL]",
        b"\xff\xfe not utf-8 at all",
        b"",
        b"last without newline [PHONE]",
    ]
    assert explain.getvalue().decode() == "line 2: email\nline 5: phone\n"
    assert totals == {"email": 1, "phone": 1}


def test_cli_reads_a_file_and_explains_without_values(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "app.log"
    log.write_text("ok\npassword=hunter2 card 4111111111111111\n", encoding="utf-8")
    assert cli_main(["mask", str(log), "--explain"]) == 0
    out, err = capsysbinary.readouterr()
    assert out == b"ok\npassword=[PASSWORD] card [CARD ****1111]\n"
    assert b"line 2: card, password" in err
    assert b"hunter2" not in err and b"4111" not in err


def test_cli_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["mask", str(tmp_path / "absent.log")]) == 2
    assert "absent.log" in capsys.readouterr().err


def test_piped_lines_come_out_as_they_come_in_not_when_the_input_ends(tmp_path: Path) -> None:
    # `tail -f app.log | logwarden mask`: a batch ends when no more input is waiting.
    import select
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "logwarden_tools.cli", "mask"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"mail ivan@mail.ru\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the masked line did not come out while the input stayed open"
        assert process.stdout.readline() == b"mail [EMAIL]\n"
        process.stdin.write(b"ok\n")
        process.stdin.close()
        assert process.stdout.read() == b"ok\n"
    finally:
        process.kill()
        process.wait()


def test_long_lines_are_batched_by_size_and_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from logwarden_tools.commands import mask as command

    monkeypatch.setattr(command, "_BATCH_BYTES", 64)
    lines = [f"line {n} mail user{n}@mail.ru {'x' * 40}\n".encode() for n in range(50)]
    sink = io.BytesIO()
    totals = mask_stream(io.BytesIO(b"".join(lines)), sink, Masker())
    out = sink.getvalue().splitlines()
    assert len(out) == 50
    assert all(line.startswith(f"line {n} mail [EMAIL] ".encode()) for n, line in enumerate(out))
    assert totals == {"email": 50}
    assert len(list(command._line_batches(io.BytesIO(b"".join(lines))))) == 50  # one 60-byte line per batch
