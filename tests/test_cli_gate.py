"""The CLI's one error gate, driven as a user drives it: real processes, real file
descriptors, real signals. Every case asserts the exact ``Error:`` line and exit code,
and that no traceback reaches the user."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import narrate as narrate_pkg
from conftest import TONE_REVIEW
from narrate.cli import cli

NARRATE = [sys.executable, "-m", "narrate"]


def narrate(tmp_path: Path, *args: str, **kw) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NARRATE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NARRATE_DEBUG", None)
    env.update(kw.pop("env", {}))
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run([*NARRATE, *args], text=True, cwd=tmp_path, env=env, timeout=300, **kw)


def only_error(proc: subprocess.CompletedProcess[str], line: str, code: int = 1) -> None:
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1:] == [f"Error: {line}"], proc.stderr
    assert proc.returncode == code


@pytest.fixture
def review(tmp_path: Path) -> Path:
    path = tmp_path / "review.txt"
    path.write_text(TONE_REVIEW, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- output names


@pytest.mark.parametrize("length", [252, 255, 300, 1000])
def test_output_name_over_the_file_system_limit(tmp_path: Path, review: Path, length: int) -> None:
    name = "a" * (length - 4) + ".mp3"
    proc = narrate(tmp_path, "read", "review.txt", "--engine", "tone", "-o", name)
    only_error(proc, f"{name}: the file name is too long ({length} bytes; at most 218 fit here)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.txt"]  # nothing synthesized


def test_side_file_name_counts_too(tmp_path: Path, review: Path) -> None:
    name = "b" * 210 + ".mp3"  # fits as .mp3, not as .chapters.json beside it
    proc = narrate(
        tmp_path, "read", "review.txt", "--engine", "tone", "-o", name, "--chapters-json"
    )
    only_error(proc, f"{name}: the file name is too long (214 bytes; at most 208 fit here)")


def test_output_path_over_path_max(tmp_path: Path, review: Path) -> None:
    deep = "/".join(["d" * 200] * 21) + "/x.mp3"
    proc = narrate(tmp_path, "read", "review.txt", "--engine", "tone", "-o", deep)
    only_error(proc, f"{Path(deep).parent}: file name too long")


def test_a_long_name_that_fits_is_written(tmp_path: Path, review: Path) -> None:
    name = "c" * 214 + ".mp3"
    proc = narrate(tmp_path, "read", "review.txt", "--engine", "tone", "-o", name)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / name).stat().st_size > 1000


# ------------------------------------------------------------ an output that is an input


@pytest.mark.parametrize(
    "spelling", ["review.mp3", "./review.mp3", "sub/../review.mp3", "link.mp3"]
)
def test_output_that_resolves_to_the_input_is_refused(tmp_path: Path, spelling: str) -> None:
    (tmp_path / "sub").mkdir()
    review = tmp_path / "review.mp3"
    review.write_text(TONE_REVIEW, encoding="utf-8")
    (tmp_path / "link.mp3").symlink_to(review)
    proc = narrate(tmp_path, "read", "review.mp3", "--format", "txt", "--engine", "tone",
                   "-o", spelling)  # fmt: skip
    only_error(
        proc, f"{Path(spelling)}: is one of the input files; writing it would replace the input"
    )
    assert review.read_text(encoding="utf-8") == TONE_REVIEW


def test_side_file_that_is_the_lexicon_is_refused(tmp_path: Path, review: Path) -> None:
    lexicon = tmp_path / "out.srt"
    lexicon.write_text('[respell]\n"Quiet" = "kwy-et"\n', encoding="utf-8")
    proc = narrate(tmp_path, "read", "review.txt", "--engine", "tone", "-o", "out.mp3",
                   "--transcript", "srt", "--lexicon", "out.srt")  # fmt: skip
    only_error(proc, "out.srt: is one of the input files; writing it would replace the input")
    assert lexicon.read_text(encoding="utf-8").startswith("[respell]")


# ------------------------------------------------------------------- stdout and stdin


def test_stdout_on_a_full_device(tmp_path: Path, review: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = narrate(tmp_path, "read", "review.txt", "--engine", "tone", "-o", "r.mp3",
                       stdout=full, stderr=subprocess.PIPE)  # fmt: skip
    only_error(proc, "cannot write to standard output: no space left on device")
    assert (tmp_path / "r.mp3").stat().st_size > 1000  # the work itself was done


def test_stdout_closed(tmp_path: Path, review: Path) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m narrate read review.txt --engine tone -o r.mp3 >&-",
        shell=True, capture_output=False, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "NARRATE_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    only_error(proc, "standard output is closed; redirect it to a file or /dev/null instead")
    assert not (tmp_path / "r.mp3").exists()  # no work whose result would be lost


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["read", "--help"]])
def test_help_and_version_into_a_full_device(tmp_path: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = narrate(tmp_path, *args, stdout=full, stderr=subprocess.PIPE)
    only_error(proc, "cannot write to standard output: no space left on device")


@pytest.mark.parametrize(
    "command", ["voices --engine tone --json", "plan big.txt --json", "config"]
)
def test_stdout_pipe_closed_by_the_reader(tmp_path: Path, command: str) -> None:
    paragraphs = (f"Paragraph {i} has words in it." for i in range(3000))
    (tmp_path / "big.txt").write_text("Big\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    proc = subprocess.run(
        f"{sys.executable} -m narrate {command} | head -c 1",
        shell=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout in ("[", "{", "#")
    assert proc.stderr == ""
    # `| true` has closed the pipe long before narrate (0.3 s to start) writes a byte
    proc = subprocess.run(
        f"{sys.executable} -m narrate {command} | true; echo ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert (proc.stdout, proc.stderr) == ("1\n", "")


# ---------------------------------------------------------------------------- cache


def test_cache_info_and_clear_with_a_dangling_link_and_a_folder_named_like_a_clip(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    (cache / "ab").mkdir(parents=True)
    key1, key2, key3 = ("ab" + c * 62 for c in "123")
    (cache / "ab" / f"{key1}.wav").write_bytes(b"RIFF" + b"\0" * 40)
    (cache / "ab" / f"{key2}.wav").symlink_to(tmp_path / "gone.wav")
    (cache / "ab" / f"{key3}.wav").mkdir(parents=True)  # a folder named like a clip
    (cache / "ab" / "mine.wav").write_bytes(b"RIFF")  # not a name the store gives
    (cache / "cd" / f"{key1}.wav").parent.mkdir()
    (cache / "cd" / f"{key1}.wav").write_bytes(b"RIFF")  # a clip name in the wrong folder
    info = narrate(tmp_path, "cache", "info", "--cache-dir", "cache")
    assert info.returncode == 0, info.stderr
    clips, size = info.stdout.rstrip("\n").split("\t")[1:]
    assert clips == "2 clips"
    cleared = narrate(tmp_path, "cache", "clear", "--cache-dir", "cache")
    assert (cleared.returncode, cleared.stdout) == (0, "removed 2 clips from cache\n")
    left = sorted(str(p.relative_to(cache)) for p in cache.rglob("*"))
    assert left == ["ab", f"ab/{key3}.wav", "ab/mine.wav", "cd", f"cd/{key1}.wav"]


def test_cache_info_of_one_clip_says_clip(tmp_path: Path) -> None:
    (tmp_path / "cache" / "ab").mkdir(parents=True)
    (tmp_path / "cache" / "ab" / f"ab{'0' * 62}.wav").write_bytes(b"x" * 10)
    info = narrate(tmp_path, "cache", "info", "--cache-dir", "cache")
    assert info.stdout == "cache\t1 clip\t0.0 MB\n"


# ------------------------------------------------------------------ signals, --debug


def test_ctrl_c_during_read_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    text = "\n\n".join(f"Paragraph number {i} is here to be read aloud slowly." for i in range(400))
    (tmp_path / "long.txt").write_text("Long\n\n" + text, encoding="utf-8")
    env = {**os.environ, "NARRATE_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([*NARRATE, "read", "long.txt", "-o", "out/long.mp3"], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a safety net: the test waits for work to start
        while not any((tmp_path / "cache").rglob("*.wav")) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "Error: interrupted"
    assert proc.returncode == 130
    # No MP3, no temporary. The folder itself may never have been made: the loudness
    # sample is synthesized before the MP3's temporary is opened.
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(tmp_path: Path, how: str) -> None:
    args = ["--debug"] if how == "flag" else []
    env = {"NARRATE_DEBUG": "1"} if how == "env" else {}
    proc = narrate(tmp_path, *args, "read", "missing.txt", env=env)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "narrate.errors.InputError: missing.txt: no such file" in proc.stderr


def test_without_debug_the_same_error_is_one_line(tmp_path: Path) -> None:
    proc = narrate(tmp_path, "read", "missing.txt", env={"NARRATE_DEBUG": "0"})
    assert proc.stderr == "Error: missing.txt: no such file\n"
    assert proc.returncode == 1


def test_a_bug_is_one_line_that_says_so(tmp_path: Path, review: Path, monkeypatch) -> None:
    import narrate.segment

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(narrate.segment, "load_document", broken)
    result = CliRunner().invoke(cli, ["read", str(review), "--engine", "tone"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: internal error (ValueError: boom); please report it, "
        "with the output of the same command run with --debug"
    )


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (PermissionError(13, "Permission denied", "/x/y.mp3"), "/x/y.mp3: permission denied"),
        (OSError(28, "No space left on device"), "no space left on device"),
        (OSError(36, "File name too long", "n" * 8), "nnnnnnnn: file name too long"),
        (FileNotFoundError(2, "No such file or directory", "a", None, "b"),
         "a -> b: no such file or directory"),
        (MemoryError(), "out of memory"),
    ],
)  # fmt: skip
def test_os_errors_a_user_can_cause_are_one_line(
    tmp_path: Path, review: Path, monkeypatch, error: BaseException, line: str
) -> None:
    import narrate.segment

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(narrate.segment, "load_document", failing)
    result = CliRunner().invoke(cli, ["read", str(review), "--engine", "tone"])
    assert (result.exit_code, result.output) == (1, f"Error: {line}\n")


@pytest.mark.parametrize("redirect", ["<&-", "</dev/null"])
def test_stdin_closed_or_empty(tmp_path: Path, redirect: str) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m narrate read - --engine tone {redirect}",
        shell=True, capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "NARRATE_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    reason = "standard input is closed" if redirect == "<&-" else "input is empty"
    only_error(proc, f"<stdin>: {reason}")
    assert not (tmp_path / "audio").exists()


def test_batch_report_never_replaces_an_input(tmp_path: Path, review: Path) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[item]]\npath = "review.txt"\n', encoding="utf-8")
    for report, line in [
        ("review.txt", "review.txt: the report file name must end in .json"),
        ("m.toml", "m.toml: the report file name must end in .json"),
    ]:
        proc = narrate(tmp_path, "batch", "--engine", "tone", "--manifest", "m.toml",
                       "--report", report, "--out-dir", "out")  # fmt: skip
        only_error(proc, line)
    json_review = tmp_path / "r.json"
    json_review.write_text(TONE_REVIEW, encoding="utf-8")
    proc = narrate(tmp_path, "batch", "--engine", "tone", "r.json", "--report", "r.json",
                   "--out-dir", "out")  # fmt: skip
    only_error(proc, "r.json: is one of the input files; writing it would replace the input")
    assert review.read_text(encoding="utf-8") == TONE_REVIEW
    assert manifest.read_text(encoding="utf-8").startswith("[[item]]")
    assert json_review.read_text(encoding="utf-8") == TONE_REVIEW
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("given", "report"),
    [("r.json", "{abs}/r.json"), ("{abs}/r.json", "r.json"), ("r.json", "./r.json"),
     ("r.json", "sub/../r.json"), ("r.json", "link.json"), ("sub/../r.json", "{abs}/r.json")],
)  # fmt: skip
def test_batch_report_spelled_any_way_never_replaces_an_input(
    tmp_path: Path, given: str, report: str
) -> None:
    """The report and an input compare as files, not as spellings (an absolute path, a
    ``..`` or a symlink to the review is the review)."""
    (tmp_path / "sub").mkdir()
    json_review = tmp_path / "r.json"
    json_review.write_text(TONE_REVIEW, encoding="utf-8")
    (tmp_path / "link.json").symlink_to(json_review)
    given, report = (x.format(abs=tmp_path) for x in (given, report))
    proc = narrate(tmp_path, "batch", "--engine", "tone", given, "--report", report,
                   "--out-dir", "out")  # fmt: skip
    line = f"{Path(report)}: is one of the input files; writing it would replace the input"
    only_error(proc, line)
    assert json_review.read_text(encoding="utf-8") == TONE_REVIEW
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["manifest", "stdin"])
def test_batch_report_never_replaces_an_input_named_by_a_manifest_or_stdin(
    tmp_path: Path, how: str
) -> None:
    """The inputs the report is checked against are the items to narrate, wherever they
    were named: a review listed in the manifest, or read from ``-`` on stdin, and the
    report given as its absolute path, is refused before any work."""
    json_review = tmp_path / "r.json"
    json_review.write_text(TONE_REVIEW, encoding="utf-8")
    (tmp_path / "m.toml").write_text('[[item]]\npath = "r.json"\n', encoding="utf-8")
    named = ("--manifest", "m.toml") if how == "manifest" else ("-",)
    proc = narrate(tmp_path, "batch", "--engine", "tone", *named, "--report", str(json_review),
                   "--out-dir", "out", input="r.json\n" if how == "stdin" else "")  # fmt: skip
    line = f"{json_review}: is one of the input files; writing it would replace the input"
    only_error(proc, line)
    assert json_review.read_text(encoding="utf-8") == TONE_REVIEW
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("output", ["pod/ep.mp3", "pod/podcast.toml", "pod/feed"])
def test_feed_output_must_be_an_xml_or_rss_file(tmp_path: Path, output: str) -> None:
    (tmp_path / "pod").mkdir()
    (tmp_path / "pod" / "ep.mp3").write_bytes(b"ID3")
    config = (Path(narrate_pkg.__file__).parent / "data" / "example-podcast.toml").read_text(
        encoding="utf-8"
    )
    (tmp_path / "pod" / "podcast.toml").write_text(config, encoding="utf-8")
    proc = narrate(tmp_path, "feed", "build", "pod", "--base-url", "https://e.org/p/",
                   "--config", "pod/podcast.toml", "-o", output)  # fmt: skip
    only_error(proc, f"{output}: the feed file name must end in .xml or .rss")
    assert (tmp_path / "pod" / "ep.mp3").read_bytes() == b"ID3"
    assert (tmp_path / "pod" / "podcast.toml").read_text(encoding="utf-8") == config
