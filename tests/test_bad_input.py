"""Every bad input of issue #3 through the real CLI: a sensible MP3 or one Error: line
naming the file and the problem; never a traceback, never a partial file at the output."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.tags import read_tags

SAMPLE_FIRST = (
    "Cult film director Salvador Mallo (Antonio Banderas) suffers from a long list of "
    "ailments that stops him from working."
)


def run(tmp_path: Path, *args: str, engine: str = "tone", stdin: bytes | None = None):
    out = tmp_path / "out" / "review.mp3"
    result = CliRunner().invoke(
        cli,
        ["read", *args, "--engine", engine, "-o", str(out), "--cache-dir", str(tmp_path / "c")],
        input=stdin,
    )
    assert "Traceback" not in result.stderr + result.stdout
    leftovers = list(out.parent.glob(".narrate-tmp-*")) if out.parent.exists() else []
    assert leftovers == []
    return result, out


def fails_with(tmp_path: Path, message: str, *args: str, stdin: bytes | None = None) -> None:
    result, out = run(tmp_path, *args, stdin=stdin)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.strip().splitlines() == [f"Error: {message}"]
    assert result.stdout == ""
    assert not out.exists()


def narrates(tmp_path: Path, *args: str, engine: str = "tone", chapters: int = 1) -> Path:
    result, out = run(tmp_path, *args, engine=engine)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"
    assert len(read_tags(out).chapters) == chapters
    return out


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b" \n\t\r\n\n   \n", "file contains only whitespace"),
        ("nul.txt", b"Some text\x00\x00\x01\x02 more", "looks like a binary file, not text"),
        ("random.txt", bytes(range(256)) * 40, "looks like a binary file, not text"),
        ("images.md", b"![a poster](poster.jpg)\n\n![another](b.png)\n", "no readable text"),
        (
            "nobody.html",
            b"<html><head><title>T</title><script>var x=1;</script></head><body>"
            b"<nav>Home | About</nav><footer>(c) 2024</footer></body></html>",
            "no readable text",
        ),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    fails_with(tmp_path, f"{path}: {problem}", str(path))


def test_missing_path_and_directory(tmp_path: Path) -> None:
    fails_with(tmp_path, f"{tmp_path / 'nope.txt'}: no such file", str(tmp_path / "nope.txt"))
    folder = tmp_path / "folder"
    folder.mkdir()
    fails_with(tmp_path, f"{folder}: is a directory, not a file", str(folder))


def test_empty_stdin(tmp_path: Path) -> None:
    fails_with(tmp_path, "<stdin>: input is empty", "-", stdin=b"")


def test_too_long_input(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 3000)
    fails_with(
        tmp_path, f"{path}: text is too long (more than 1,000 characters)", str(path),
        "--max-chars", "1000",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lexicon", "problem"),
    [
        ("[respell\nx = 1", "invalid TOML"),
        ('[respell]\n"Banderas" = 3\n', "[respell] 'Banderas': value must be a string, not int"),
        (
            '[voices]\n"a" = "b"\n',
            "unknown section [voices] (expected [respell] or [phonemes.espeak])",
        ),
    ],
)
def test_bad_lexicon(tmp_path: Path, lexicon: str, problem: str) -> None:
    review = tmp_path / "r.txt"
    review.write_text("Hello there.")
    lex = tmp_path / "lex.toml"
    lex.write_text(lexicon)
    result, out = run(tmp_path, str(review), "--lexicon", str(lex))
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    if problem == "invalid TOML":  # the rest is tomllib's own words
        assert line.startswith(f"Error: {lex}: invalid TOML: ")
    else:
        assert line == f"Error: {lex}: {problem}"
    assert not out.exists()


def test_huge_paragraph_without_punctuation_is_split_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "wall.txt"
    path.write_text(" ".join(f"word{i % 97}" for i in range(3000)))
    out = narrates(tmp_path, str(path), "--max-sentence-chars", "400")
    assert "word96" in (read_tags(out).lyrics or "")


def test_control_characters_emoji_and_rtl_with_the_real_engine(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(
        "A film \x07review\x1b with 🎬 popcorn 🍿 and stars ⭐⭐⭐.\n\n"
        "The Arabic title is مرحبا بالعالم, and the Hebrew one שלום עולם.\n\n"
        "🎬🍿\n",
        encoding="utf-8",
    )
    out = narrates(tmp_path, str(path), engine="pyttsx3", chapters=2)
    lyrics = read_tags(out).lyrics or ""
    assert "🎬 popcorn 🍿" in lyrics and "مرحبا بالعالم" in lyrics and "שלום עולם" in lyrics
    assert "\x07" not in lyrics and "\x1b" not in lyrics


def test_cp1252_sample_has_the_same_tags_as_utf8(tmp_path: Path) -> None:
    from importlib import resources

    text = (resources.files("narrate") / "data" / "pain-and-glory.txt").read_text("utf-8")
    legacy = tmp_path / "pain-and-glory.txt"
    legacy.write_bytes(text.encode("cp1252"))
    out = narrates(tmp_path, str(legacy), chapters=7)
    tags = read_tags(out)
    assert tags.title == "Pain and Glory"
    assert tags.lyrics == text.strip()
    assert "Pedro Almodóvar" in tags.lyrics and "‘Pain and Glory’" in tags.lyrics
    assert tags.description == text.split("\n\n")[0]
    assert tags.description.startswith(SAMPLE_FIRST)


@pytest.mark.parametrize("date", ["2024-5-3", "31/05/2024", "2024-02-30", "yesterday"])
def test_bad_date_is_a_usage_error(tmp_path: Path, date: str) -> None:
    review = tmp_path / "r.txt"
    review.write_text("Hello there.")
    result, out = run(tmp_path, str(review), "--date", date)
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Invalid value for '--date': ")
    assert last.endswith("(for example 2024-05-31 or 2024)")
    assert not out.exists()


def test_side_file_path_that_is_a_folder(tmp_path: Path) -> None:
    review = tmp_path / "r.txt"
    review.write_text("Hello there.")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "review.srt").mkdir()
    srt = tmp_path / "out" / "review.srt"
    fails_with(tmp_path, f"cannot write {srt}: it is a folder", str(review), "--transcript", "srt")


def test_non_text_encoding_is_refused(tmp_path: Path) -> None:
    review = tmp_path / "r.txt"
    review.write_text("Hello there.")
    result, out = run(tmp_path, str(review), "--encoding", "rot13")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {review}: ") and "rot13" in line
    assert not out.exists()


def test_plan_splits_a_200k_character_paragraph(tmp_path: Path) -> None:
    """The same code path as read: split into bounded sentences, not refused."""
    import json

    path = tmp_path / "wall.txt"
    text = " ".join(f"word{i % 997}" for i in range(30_000))[:200_000].strip()
    path.write_text(text)
    result = CliRunner().invoke(cli, ["plan", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    (segment,) = json.loads(result.stdout)["segments"]
    assert segment["sentences"] >= 200_000 // 400
    assert segment["chars"] >= len(text) - segment["sentences"]
