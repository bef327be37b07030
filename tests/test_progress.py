"""Progress bars: drawn on a terminal, never into a pipe, silenced by --quiet."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.batch import Progress
from narrate.batch.model import WorkerState
from narrate.cli.progress import batch_progress, read_progress

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _narrate(args: list[str], *, tty: bool) -> tuple[str, str]:
    """Run narrate with stderr on a pseudo-terminal (``tty``) or a pipe: (stdout, stderr)."""
    command = [sys.executable, "-m", "narrate", *args]
    env = {**os.environ, "COLUMNS": "120"}
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, check=True)  # fmt: skip
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, env=env)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    assert proc.wait() == 0
    return out, b"".join(chunks).decode()


@pytest.fixture
def read_args(tone_review: Path, tmp_path: Path) -> list[str]:
    return ["read", str(tone_review), "--engine", "tone", "--cache-dir", str(tmp_path / "c"),
            "-o", str(tmp_path / "out.mp3")]  # fmt: skip


def test_a_terminal_gets_a_bar(read_args: list[str], tmp_path: Path) -> None:
    out, err = _narrate(read_args, tty=True)
    assert out == f"{tmp_path / 'out.mp3'}\n"  # stdout carries the result only
    plain = ESCAPES.sub("", err)
    last = [line for line in re.split(r"[\r\n]+", plain) if "narrating" in line][-1]
    assert re.search(r"narrating .*━.* 6/6 sentences \d+\.\d min audio 0:00:\d\d ETA", last), last
    assert "A Quiet Test Review: 0:" in plain  # the log line is still there, after the bar


def test_a_pipe_gets_only_the_log_lines(read_args: list[str], tmp_path: Path) -> None:
    out, err = _narrate(read_args, tty=False)
    assert out == f"{tmp_path / 'out.mp3'}\n"
    assert "\r" not in err and "\x1b" not in err and "━" not in err
    assert err.splitlines() == [
        line for line in err.splitlines() if line.startswith("A Quiet Test Review: 0:")
    ]
    assert len(err.splitlines()) == 1


def test_quiet_silences_the_bar(read_args: list[str]) -> None:
    _, err = _narrate(["-q", *read_args], tty=True)
    assert err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_batch_shows_overall_progress_and_each_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "160")
    workers = (
        WorkerState(0, "First Review", "synth", paragraph=2, done=3, total=10),
        WorkerState(4, "Fifth Review", "encode", paragraph=7, done=12, total=12),
    )
    with batch_progress(quiet=False) as show:
        assert show is not None
        show(Progress(2, 9, 150.0, 65.0, 125.0, running=2, workers=workers))
    text = ESCAPES.sub("", screen.getvalue())
    assert re.search(r"narrating .* 2/9 +2\.5 min audio 1:05 elapsed, ETA 2:05", text), text
    assert re.search(r"  First Review: speaking paragraph 2 .* 3/10", text), text
    assert re.search(r"  Fifth Review: encoding .* 12/12", text), text


def test_batch_drops_a_worker_line_when_its_item_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "160")
    with batch_progress(quiet=False) as show:
        assert show is not None
        show(Progress(0, 1, 0.0, 1.0, None, 1, (WorkerState(0, "Only One", "load"),)))
        show(Progress(1, 1, 60.0, 2.0, 0.0, 0, ()))
    final = ESCAPES.sub("", screen.getvalue()).rsplit("narrating", 1)[-1]
    assert "Only One" not in final
    assert re.search(r" 1/1 +1\.0 min audio", final), final


def test_nothing_is_drawn_without_a_terminal_or_with_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with batch_progress(quiet=False) as show, read_progress(quiet=False) as on_clip:
        assert show is None and on_clip is None
    monkeypatch.setattr(sys, "stderr", _Terminal())
    with batch_progress(quiet=True) as show, read_progress(quiet=True) as on_clip:
        assert show is None and on_clip is None
    assert pipe.getvalue() == ""
