"""Leftovers of the hostile battery: deep lists, stray bytes in words, thin legacy text."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.loading import decode_bytes
from narrate.loading.decode import WORD_LETTERS
from narrate.segment import load_document
from narrate.settings import Settings

# ------------------------------------------------- a paragraph after a very deep list


@pytest.mark.parametrize("depth", [5, 59, 60, 61, 150, 1000])
@pytest.mark.parametrize(
    ("kind", "line"),
    [("bullets", lambda i: "  " * i + f"- w{i}"),
     ("numbers", lambda i: "   " * i + f"1. w{i}"),
     ("quoted bullets", lambda i: "> " + "  " * i + f"- w{i}")],
)  # fmt: skip
def test_a_paragraph_after_a_deep_list_is_its_own_chapter(
    tmp_path: Path, depth: int, kind: str, line
) -> None:
    post = tmp_path / "deep.md"
    post.write_text("\n".join(line(i) for i in range(depth))
                    + "\n\nAfter the list, a paragraph.\n")  # fmt: skip
    doc = load_document(post, Settings())
    assert [s.display.split("\n")[-1] for s in doc.segments] == [
        f"w{depth - 1}", "After the list, a paragraph."]  # fmt: skip
    assert doc.segments[0].display.split("\n") == [f"w{i}" for i in range(depth)]
    assert [s.speech for s in doc.segments[1].sentences] == ["After the list, a paragraph."]


def test_text_indented_into_a_deep_item_stays_in_it(tmp_path: Path) -> None:
    post = tmp_path / "deep.md"
    post.write_text("\n".join("  " * i + f"- w{i}" for i in range(200))
                    + "\n\n" + "  " * 150 + "still item 150.\n\nAfter.\n")  # fmt: skip
    doc = load_document(post, Settings())
    assert doc.segments[0].display.split("\n")[-1] == "still item 150."
    assert doc.segments[1].display == "After."


# ------------------------------------------------- one stray byte inside a UTF-8 word

BODY = "Une critique naïve et honnête du film. "
IN_WORD = [b for b in range(0x80, 0x100)
           if bytes([b]).decode("cp1252", "replace") not in WORD_LETTERS]  # fmt: skip


@pytest.mark.parametrize("byte", IN_WORD, ids=lambda b: f"{b:02x}")
def test_a_stray_byte_inside_a_word_that_reads_as_no_letter_is_dropped(
    byte: int, caplog: pytest.LogCaptureFixture
) -> None:
    data = BODY.encode() + b"Elle est na\xc3\xafv" + bytes([byte]) + b"e."
    with caplog.at_level(logging.WARNING, logger="narrate"):
        assert decode_bytes(data, "x.txt") == (BODY + "Elle est naïve.", "utf-8")
    offset = len(BODY.encode()) + len("Elle est naïv".encode())
    assert caplog.messages == [
        f"x.txt: not valid UTF-8 at byte {offset}: dropped that byte (inside a word, it reads "
        "as no letter) (name the encoding with --encoding if that is wrong)"
    ]


@pytest.mark.parametrize("letter", sorted(WORD_LETTERS))
def test_a_stray_cp1252_letter_inside_a_word_is_kept(letter: str) -> None:
    data = BODY.encode() + b"cr" + letter.encode("cp1252") + b"me"
    assert decode_bytes(data, "x.txt") == (BODY + f"cr{letter}me", "utf-8")


def test_a_stray_byte_between_words_is_still_read_as_cp1252(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = 2 * BODY.encode() + b"\xff \x93quoted\x94"
    with caplog.at_level(logging.WARNING, logger="narrate"):
        assert decode_bytes(data, "x.txt") == (2 * BODY + "ÿ “quoted”", "utf-8")
    assert len(caplog.messages) == 1 and "read those bytes as cp1252" in caplog.messages[0]


def test_naive_through_the_cli_is_spoken_whole(tmp_path: Path) -> None:
    post = tmp_path / "r.txt"
    post.write_bytes(b"A na\xc3\xafv\xffe review, honestly.\n")
    run = subprocess.run([sys.executable, "-m", "narrate", "plan", str(post), "--speech"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == ["A naïve review, honestly."]
    assert run.stderr.splitlines() == [
        f"narrate: {post}: not valid UTF-8 at byte 7: dropped that byte (inside a word, it "
        "reads as no letter) (name the encoding with --encoding if that is wrong)"]  # fmt: skip


# ------------------------------------------------- thin legacy evidence: refuse, never guess


@pytest.mark.parametrize(
    ("text", "how", "options"),
    [
        ("ěščřžýáíé", "cp1250", "cp1251 or koi8_r"),
        ("Łukasz Żółw", "cp1250", "big5, cp1250 or iso8859_2"),
        ("Łukasz Żółw", "iso8859-2", "big5, cp1250 or iso8859_2"),
        ("Żółw", "cp1250", "big5, cp1250 or iso8859_2"),
        ("ĚŠČŘŽÝÁÍÉ", "cp1250", None),
    ],
)
def test_thin_legacy_text_is_refused_with_the_encoding_hint(
    tmp_path: Path, text: str, how: str, options: str | None
) -> None:
    reason = (f"cannot tell the encoding (it reads as {options}); name it with --encoding"
              if options else "not UTF-8, and no encoding narrate knows reads it cleanly; "
              "name it with --encoding")  # fmt: skip
    with pytest.raises(InputError) as info:
        decode_bytes(text.encode(how), "t.txt")
    assert str(info.value) == f"t.txt: {reason}"
    post = tmp_path / "t.txt"
    post.write_bytes(text.encode(how))
    run = subprocess.run([sys.executable, "-m", "narrate", "plan", str(post)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (1, "", f"Error: {post}: {reason}\n")
    good = subprocess.run(
        [sys.executable, "-m", "narrate", "plan", str(post), "--encoding", how, "--speech"],
        capture_output=True, text=True, check=False)  # fmt: skip
    assert good.returncode == 0 and good.stdout.splitlines()[1:] == [text]


@pytest.mark.parametrize(
    ("text", "how", "codec"),
    [("Привет мир", "koi8-r", "koi8_r"), ("Хороший фильм", "cp1251", "cp1251"),
     ("Šťastný člověk", "cp1250", "cp1250"), ("日本の映画", "shift_jis", "cp932"),
     ("Schöne Grüße aus Köln", "cp1252", "cp1252"), ("Café crème", "cp1252", "cp1252")],
)  # fmt: skip
def test_short_text_with_clear_evidence_is_still_read(text: str, how: str, codec: str) -> None:
    assert decode_bytes(text.encode(how), "t.txt") == (text, codec)
