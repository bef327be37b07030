"""Every file narrate reads has a size cap, checked while reading: through the CLI.

``/dev/zero`` has no end and ``stat`` says its size is 0, so only a cap checked
while reading stops it; a sparse regular file one byte over the cap is refused
from its size, before a byte is read. Each case has its exact ``Error:`` line.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.files import (
    CONFIG_MAX_BYTES,
    FEED_MAX_BYTES,
    LEXICON_MAX_BYTES,
    MANIFEST_MAX_BYTES,
    TooLarge,
    read_capped,
    read_stream_capped,
)
from narrate.tags import COVER_MAX_BYTES

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "narrate" / "data" / "pain-and-glory.txt"
ZERO = "/dev/zero"


def sparse(path: Path, size: int) -> str:
    with path.open("wb") as fh:
        fh.truncate(size)
    return str(path)


def error_line(tmp_path: Path, args: list[str], stdin: bytes | None = None) -> str:
    result = CliRunner().invoke(cli, args, input=stdin)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def read_args(tmp_path: Path, *extra: str) -> list[str]:
    out = tmp_path / "out" / "review.mp3"
    return ["read", *extra, "--engine", "tone", "-o", str(out), "--cache-dir", str(tmp_path / "c")]


# The readers: (what, CLI arguments for a file at PATH, cap, message noun).
READERS = [
    ("lexicon", lambda t, p: ["plan", "--lexicon", p, str(SAMPLE)], LEXICON_MAX_BYTES, "lexicon"),
    ("cover", lambda t, p: read_args(t, "--cover", p, str(SAMPLE)), COVER_MAX_BYTES, "cover image"),
    (
        "manifest",
        lambda t, p: ["batch", "--manifest", p, "--engine", "tone", "--out-dir", str(t / "o")],
        MANIFEST_MAX_BYTES,
        "manifest",
    ),
    (
        "feed config",
        lambda t, p: ["feed", "build", "--config", p, "--base-url", "https://e.x/p/", str(t)],
        CONFIG_MAX_BYTES,
        "channel config",
    ),
    ("feed check", lambda t, p: ["feed", "check", p], FEED_MAX_BYTES, "feed"),
    (
        "config file",
        lambda t, p: ["--config", p, "plan", str(SAMPLE)],
        CONFIG_MAX_BYTES,
        "config file",
    ),
]


@pytest.mark.parametrize(("what", "args", "cap", "noun"), READERS, ids=[r[0] for r in READERS])
def test_dev_zero_is_refused_at_the_cap(tmp_path: Path, what, args, cap: int, noun: str) -> None:
    assert error_line(tmp_path, args(tmp_path, ZERO)) == (
        f"Error: {ZERO}: {noun} is too large (more than {cap:,} bytes)"
    )


@pytest.mark.parametrize(("what", "args", "cap", "noun"), READERS, ids=[r[0] for r in READERS])
def test_a_regular_file_over_the_cap_is_refused(
    tmp_path: Path, what, args, cap: int, noun: str
) -> None:
    path = sparse(tmp_path / "big.file", cap + 1)
    assert error_line(tmp_path, args(tmp_path, path)) == (
        f"Error: {path}: {noun} is too large (more than {cap:,} bytes)"
    )


def test_feed_add_refuses_a_feed_over_the_cap(tmp_path: Path) -> None:
    mp3 = tmp_path / "ep.mp3"
    result = CliRunner().invoke(cli, read_args(tmp_path, str(SAMPLE))[:-4] + ["-o", str(mp3)])
    assert result.exit_code == 0, result.stderr
    feed = sparse(tmp_path / "feed.xml", FEED_MAX_BYTES + 1)
    args = ["feed", "add", str(mp3), "--feed", feed, "--base-url", "https://e.x/p/"]
    assert error_line(tmp_path, args) == (
        f"Error: {feed}: feed is too large (more than {FEED_MAX_BYTES:,} bytes)"
    )


@pytest.mark.parametrize("source", ["zero", "sparse"])
def test_review_over_the_cap(tmp_path: Path, source: str) -> None:
    path = ZERO if source == "zero" else sparse(tmp_path / "big.txt", 4 * 1000 + 1)
    args = read_args(tmp_path, "--max-chars", "1000", path)
    assert error_line(tmp_path, args) == (
        f"Error: {path}: text is too long (more than 1,000 characters)"
    )


def test_stdin_over_the_cap(tmp_path: Path) -> None:
    args = read_args(tmp_path, "--max-chars", "1000", "-")
    assert error_line(tmp_path, args, stdin=b"word " * 1000) == (
        "Error: <stdin>: text is too long (more than 1,000 characters)"
    )


@pytest.mark.parametrize("command", ["plan", "read"])
def test_closed_stdin_is_one_error_line(tmp_path: Path, command: str) -> None:
    """``narrate read - <&-``: no standard input at all (fd 0 closed)."""
    args = [sys.executable, "-m", "narrate", command, "-"]
    if command == "read":
        args += ["--engine", "tone", "-o", str(tmp_path / "x.mp3")]
    proc = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(0),  # noqa: PLW1509 - the point of the test
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.strip().splitlines() == ["Error: <stdin>: standard input is closed"]


# ------------------------------------------------------------------ the one read


def test_read_stops_right_after_the_cap() -> None:
    class Counting(io.RawIOBase):
        given = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[override]
            n = len(buf)
            buf[:n] = b"x" * n
            Counting.given += n
            return n

    with pytest.raises(TooLarge) as info:
        read_stream_capped(Counting(), 1_000_000)
    assert info.value.limit == 1_000_000
    assert 1_000_000 < Counting.given <= 1_000_000 + 65_536


def test_read_capped_reads_up_to_the_cap_exactly(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 1000)
    assert read_capped(path, 1000) == b"a" * 1000
    with pytest.raises(TooLarge):
        read_capped(path, 999)
    with pytest.raises(TooLarge):
        read_capped(ZERO, 200_000)
    with pytest.raises(IsADirectoryError):
        read_capped(tmp_path, 10)
    with pytest.raises(FileNotFoundError):
        read_capped(tmp_path / "missing", 10)
