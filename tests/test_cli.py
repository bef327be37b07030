"""The command line through click's CliRunner: exit codes, stdout, one-line errors."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from narrate import __version__
from narrate.cli import cli
from narrate.clips import ClipStore
from narrate.engines.tone import ToneEngine
from narrate.tags import ms, read_tags

SAMPLE_TITLE = "Pain and Glory"
SAMPLE_SENTENCES = 22
TONE_SENTENCES = [
    "The first paragraph opens here.",
    "It has a second sentence too.",
    "Another paragraph speaks briefly.",
    "The closing paragraph arrives.",
    "Then it ends.",
    "Finally done.",
]
ESPEAK_HINT = (
    "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng; "
    "macOS: brew install espeak-ng) or run scripts/bootstrap.sh"
)


@pytest.fixture
def run(tmp_path: Path):
    def invoke(*args: str | Path, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _fails(result: Result, line: str, code: int = 1) -> None:
    """Exit ``code``, ``line`` as the last line of stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)  # handled, not an escaped exception
    assert result.stderr.rstrip("\n").splitlines()[-1] == line
    assert result.stdout == ""
    assert "Traceback" not in result.output


def _sample_text() -> str:
    return (resources.files("narrate") / "data" / "pain-and-glory.txt").read_text("utf-8")


def _minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


# ----------------------------------------------------------------------------- errors


def test_missing_espeak(run, tmp_path, tone_review, cache, monkeypatch) -> None:
    import pyttsx3

    def init(*args: object, **kwargs: object) -> None:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", init)
    line = (
        "Error: the speech engine could not start: This means you probably do not have "
        f"eSpeak or eSpeak-ng installed!; {ESPEAK_HINT}"
    )
    out = tmp_path / "out.mp3"
    _fails(run("read", tone_review, "-o", out, "--cache-dir", cache), line)
    assert not out.exists()
    _fails(run("voices"), line)


def test_missing_ffmpeg(run, tmp_path, tone_review, cache, monkeypatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    calls = ToneEngine.calls
    out = tmp_path / "out.mp3"
    result = run("read", tone_review, "--engine", "tone", "-o", out, "--cache-dir", cache)
    _fails(
        result,
        "Error: ffmpeg not found; install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; "
        "macOS: brew install ffmpeg) or run scripts/bootstrap.sh",
    )
    assert ToneEngine.calls == calls  # refused before any synthesis
    assert not out.exists()


def test_unknown_voice(run, tmp_path, tone_review, cache) -> None:
    out = tmp_path / "out.mp3"
    result = run("read", tone_review, "--voice", "nope", "-o", out, "--cache-dir", cache)
    _fails(
        result,
        "Error: unknown voice 'nope' for engine pyttsx3 (list voices with: narrate voices)",
    )
    assert "narrate voices" in result.stderr
    assert not out.exists()


def test_the_tone_engine_refuses_a_voice_it_does_not_have(run, tmp_path, tone_review, cache):
    out = tmp_path / "out.mp3"
    args = ["--engine", "tone", "-o", out, "--cache-dir", cache]
    for voice in ("tone", "square TONE"):  # its one voice, by id or name, in any case
        ok = run("read", tone_review, "--voice", voice, *args)
        assert ok.exit_code == 0, ok.stderr
    out.unlink()
    calls = ToneEngine.calls
    line = ("Error: unknown voice 'nosuch' for engine tone "
            "(list voices with: narrate voices --engine tone)")  # fmt: skip
    _fails(run("read", tone_review, "--voice", "nosuch", *args), line)
    assert (ToneEngine.calls, out.exists()) == (calls, False)  # refused before any synthesis

def test_missing_input(run, tmp_path, cache) -> None:
    missing = tmp_path / "missing.txt"
    result = run("read", missing, "--engine", "tone", "-o", tmp_path / "o.mp3",
                 "--cache-dir", cache)  # fmt: skip
    _fails(result, f"Error: {missing}: no such file")


def test_unreadable_input(run, tmp_path, cache) -> None:
    # Root reads anything with permission bits; a path through a regular file fails for all.
    (tmp_path / "plain.txt").write_text("x")
    bad = tmp_path / "plain.txt" / "review.txt"
    result = run("read", bad, "--engine", "tone", "-o", tmp_path / "o.mp3", "--cache-dir", cache)
    _fails(result, f"Error: {bad}: cannot be read (Not a directory)")


def test_binary_input(run, tmp_path, cache) -> None:
    binary = tmp_path / "review.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    result = run("read", binary, "--engine", "tone", "-o", tmp_path / "o.mp3",
                 "--cache-dir", cache)  # fmt: skip
    _fails(result, f"Error: {binary}: looks like a binary file, not text")


def test_directory_input(run, tmp_path, cache) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run("read", folder, "--engine", "tone", "-o", tmp_path / "o.mp3",
                 "--cache-dir", cache)  # fmt: skip
    _fails(result, f"Error: {folder}: is a directory, not a file")
    _fails(run("plan", folder), f"Error: {folder}: is a directory, not a file")


def test_empty_input(run, tmp_path, cache) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "o.mp3"
    result = run("read", empty, "--engine", "tone", "-o", out, "--cache-dir", cache)
    _fails(result, f"Error: {empty}: file is empty")
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n\t\n")
    result = run("read", blank, "--engine", "tone", "-o", out, "--cache-dir", cache)
    _fails(result, f"Error: {blank}: file contains only whitespace")
    assert not out.exists()


def test_unwritable_output_folder(run, tmp_path, tone_review, cache) -> None:
    # Root ignores permission bits: make the output "folder" a regular file instead.
    blocker = tmp_path / "somefile.txt"
    blocker.write_text("not a folder")
    result = run("read", tone_review, "--engine", "tone", "-o", blocker / "out.mp3",
                 "--cache-dir", cache)  # fmt: skip
    _fails(result, f"Error: cannot write to {blocker}: {blocker} is not a folder")
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.txt", "somefile.txt"]


def test_output_is_a_directory(run, tmp_path, tone_review, cache) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("read", tone_review, "--engine", "tone", "-o", folder, "--cache-dir", cache)
    _fails(
        result,
        f"Error: Invalid value for '-o' / '--output': File '{folder}' is a directory.",
        code=2,
    )


def test_bad_cover(run, tmp_path, tone_review, cache) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_text("this is text, not a JPEG\n")
    out = tmp_path / "out.mp3"
    calls = ToneEngine.calls
    result = run("read", tone_review, "--engine", "tone", "--cover", cover, "-o", out,
                 "--cache-dir", cache)  # fmt: skip
    _fails(
        result,
        f"Error: {cover}: cover image is not an image narrate can read; use a JPEG or PNG file",
    )
    assert ToneEngine.calls == calls  # refused before any synthesis
    assert not out.exists()


# ---------------------------------------------------------------------------- read


def test_read_prints_only_the_path(run, tmp_path, tone_review, cache) -> None:
    out = tmp_path / "episodes" / "X.mp3"
    result = run("read", tone_review, "--engine", "tone", "-o", out, "--cache-dir", cache)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"
    tags = read_tags(out)
    assert tags.title == "A Quiet Test Review"
    assert len(tags.chapters) == 3
    frames = sum(ToneEngine.tone_frames(s) for s in TONE_SENTENCES)
    frames += round(22050 * (0.5 + 2 * 0.8 + 3 * 0.25 + 1.0))  # head, pauses, tail
    duration = frames / 22050
    assert result.stderr.splitlines()[-1] == (
        f"A Quiet Test Review: {_minutes(duration)} ({duration:.1f} s), 3 chapters -> {out}"
    )
    assert "Traceback" not in result.output


def test_read_default_output_path(run, tmp_path, tone_review, cache, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("read", tone_review, "--engine", "tone", "--cache-dir", cache)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == str(Path("audio") / "a-quiet-test-review.mp3") + "\n"
    assert read_tags(tmp_path / "audio" / "a-quiet-test-review.mp3").title == (
        "A Quiet Test Review"
    )


def test_empty_stdin(run, tmp_path, cache) -> None:
    result = run("read", "-", "--engine", "tone", "-o", tmp_path / "o.mp3",
                 "--cache-dir", cache, input="")  # fmt: skip
    _fails(result, "Error: <stdin>: input is empty")


def test_read_quiet_and_stdin(run, tmp_path, tone_review, cache) -> None:
    out = tmp_path / "stdin.mp3"
    result = run("-q", "read", "-", "--engine", "tone", "-o", out, "--cache-dir", cache,
                 input=tone_review.read_text())  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"
    assert result.stderr == ""
    assert read_tags(out).title == "A Quiet Test Review"


def test_read_sample_json(run, tmp_path, cache) -> None:
    out = tmp_path / "sample.mp3"
    calls = ToneEngine.calls
    result = run("read", "--engine", "tone", "--json", "-o", out, "--cache-dir", cache,
                 "--date", "2024-05-31", "--author", "A. Critic")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert ToneEngine.calls == calls + SAMPLE_SENTENCES
    assert data["path"] == str(out)
    assert data["clips"] == {"synthesized": SAMPLE_SENTENCES, "cached": 0}
    assert data["side_files"] == []
    chapters = data["chapters"]
    assert len(chapters) == 7
    assert chapters[0]["title"] == "Cult film director Salvador Mallo (Antonio…"
    assert chapters[0]["start"] == 0.0  # contiguous chapters, as in the ID3 tag
    assert all(a["end"] == b["start"] for a, b in zip(chapters, chapters[1:], strict=False))
    assert data["duration"] == pytest.approx(chapters[-1]["end"], abs=0.0015)
    tags = data["tags"]
    assert tags["title"] == SAMPLE_TITLE
    assert tags["artist"] == "A. Critic"
    assert tags["date"] == "2024-05-31"
    assert tags["genre"] == "Speech"
    assert tags["engine"] == "tone tone-0.02-0.2-0.3"
    assert tags["voice"] == "default"
    assert tags["encoder"] == f"narrate {__version__} (ffmpeg/LAME)"
    assert tags["lyrics"] == _sample_text().strip()
    assert tags["description"] == _sample_text().split("\n\n")[0].strip()
    assert tags["bitrate_mode"] == "CBR"
    assert (tags["channels"], tags["sample_rate"]) == (1, 44100)
    assert round(tags["bitrate"] / 1000) == 96
    assert [c["title"] for c in tags["chapters"]] == [c["title"] for c in chapters]
    for tagged, listed in zip(tags["chapters"], chapters, strict=True):
        assert tagged["start"] == pytest.approx(listed["start"], abs=0.0011)
        assert tagged["end"] == pytest.approx(listed["end"], abs=0.0011)
    assert [ms(c.start) for c in read_tags(out).chapters] == [
        round(c["start"] * 1000) for c in tags["chapters"]
    ]

    calls = ToneEngine.calls
    again = run("read", "--engine", "tone", "--json", "-o", out, "--cache-dir", cache,
                "--date", "2024-05-31", "--author", "A. Critic")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["clips"] == {"synthesized": 0, "cached": SAMPLE_SENTENCES}
    assert json.loads(again.stdout)["chapters"] == chapters
    assert ToneEngine.calls == calls


def test_read_sample_with_the_stock_tone_engine(run, tmp_path, cache) -> None:
    out = tmp_path / "sample.mp3"
    result = run("read", "--engine", "tone", "-o", out, "--cache-dir", cache)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"
    assert len(read_tags(out).chapters) == 7


def test_read_side_files(run, tmp_path, tone_review, cache) -> None:
    out = tmp_path / "ep.mp3"
    result = run("read", tone_review, "--engine", "tone", "-o", out, "--cache-dir", cache,
                 "--transcript", "srt,vtt", "--chapters-json", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    expected = [str(tmp_path / n) for n in ("ep.srt", "ep.vtt", "ep.chapters.json")]
    assert json.loads(result.stdout)["side_files"] == expected
    assert all(Path(p).is_file() for p in expected)
    bad = run("read", tone_review, "--engine", "tone", "-o", out, "--cache-dir", cache,
              "--transcript", "txt")  # fmt: skip
    _fails(
        bad,
        "Error: Invalid value for '--transcript': unknown transcript format 'txt' "
        "(use srt, vtt or srt,vtt)",
        code=2,
    )


# ---------------------------------------------------------------------------- plan


def test_plan_text(run, tone_review) -> None:
    calls = ToneEngine.calls
    result = run("plan", tone_review, "--engine", "tone")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "# A Quiet Test Review",
        "  #  sentences   chars    est.  title",
        "  0          2      60    0:05  The first paragraph opens here. It…",
        "  1          1      33    0:02  Another paragraph speaks briefly.",
        "  2          3      56    0:05  The closing paragraph arrives. Then it…",
        "total: 3 chapters, about 0:12",
    ]
    assert ToneEngine.calls == calls  # nothing synthesized


def test_plan_json(run, tone_review) -> None:
    result = run("plan", tone_review, "--json", "--rate", "150", "--pause", "2")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == "A Quiet Test Review"
    # est = words * 60 / 150 + sentence pauses + head (first) / pause or tail (after).
    assert data["segments"] == [
        {"index": 0, "title": "The first paragraph opens here. It…", "sentences": 2,
         "chars": 60, "est_seconds": round(11 * 0.4 + 0.25 + 0.5 + 2.0, 1),
         "speech": ["The first paragraph opens here.", "It has a second sentence too."]},
        {"index": 1, "title": "Another paragraph speaks briefly.", "sentences": 1,
         "chars": 33, "est_seconds": round(4 * 0.4 + 2.0, 1),
         "speech": ["Another paragraph speaks briefly."]},
        {"index": 2, "title": "The closing paragraph arrives. Then it…", "sentences": 3,
         "chars": 56, "est_seconds": round(9 * 0.4 + 2 * 0.25 + 1.0, 1),
         "speech": ["The closing paragraph arrives.", "Then it ends.", "Finally done."]},
    ]  # fmt: skip


def test_plan_sample(run) -> None:
    result = run("plan", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == SAMPLE_TITLE
    assert len(data["segments"]) == 7
    assert sum(s["sentences"] for s in data["segments"]) == SAMPLE_SENTENCES


# --------------------------------------------------------------------------- voices


def test_voices_json_pyttsx3(run) -> None:
    result = run("voices", "--json")
    assert result.exit_code == 0, result.stderr
    voices = json.loads(result.stdout)
    assert len(voices) > 1
    for v in voices:
        assert set(v) == {"id", "name", "languages", "gender"}
        assert isinstance(v["id"], str) and v["id"]
        assert isinstance(v["name"], str) and v["name"]
        assert isinstance(v["languages"], list)
        assert v["gender"] is None or isinstance(v["gender"], str)
    assert any(lang.startswith("en") for v in voices for lang in v["languages"])


def test_voices_language_filter(run) -> None:
    result = run("voices", "--language", "en")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        vid, name, langs, _gender = line.split("\t")
        assert vid and name
        assert any(lang.startswith("en") for lang in langs.split(","))


def test_voices_tone(run) -> None:
    result = run("voices", "--engine", "tone", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"id": "tone", "name": "Square tone", "languages": ["zxx"], "gender": None},
        {"id": "tone-low", "name": "Low square tone", "languages": ["zxx"], "gender": None},
    ]
    text = run("voices", "--engine", "tone")
    assert text.stdout == "tone\tSquare tone\tzxx\t\ntone-low\tLow square tone\tzxx\t\n"


# ---------------------------------------------------------------------------- cache


def test_cache_info_and_clear(run, tmp_path, tone_review, cache) -> None:
    empty = run("cache", "info", "--cache-dir", cache, "--json")
    assert empty.exit_code == 0, empty.stderr
    assert json.loads(empty.stdout) == {"path": str(cache), "clips": 0, "bytes": 0}

    made = run("read", tone_review, "--engine", "tone", "-o", tmp_path / "o.mp3",
               "--cache-dir", cache)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    wavs = sorted(cache.glob("*/*.wav"))
    assert len(wavs) == len(TONE_SENTENCES)
    size = sum(p.stat().st_size for p in wavs)
    # Each clip is a 44-byte WAV header plus its trimmed tone, 2 bytes a frame.
    assert size == sum(44 + 2 * ToneEngine.tone_frames(s) for s in TONE_SENTENCES)

    info = run("cache", "info", "--cache-dir", cache, "--json")
    assert json.loads(info.stdout) == {"path": str(cache), "clips": 6, "bytes": size}
    text = run("cache", "info", "--cache-dir", cache)
    assert text.stdout == f"{cache}\t6 clips\t{size / 1e6:.1f} MB\n"

    cleared = run("cache", "clear", "--cache-dir", cache)
    assert cleared.exit_code == 0, cleared.stderr
    assert cleared.stdout == f"removed 6 clips from {cache}\n"
    assert ClipStore(cache).info() == (0, 0)
    assert json.loads(run("cache", "info", "--cache-dir", cache, "--json").stdout)["clips"] == 0


def test_version(run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(rf"narrate, version {re.escape(__version__)}\n", result.stdout)


def test_read_sweeps_what_a_killed_run_left_but_not_a_live_ones(
    run, tmp_path, tone_review, cache
) -> None:
    import os
    import subprocess

    from narrate.atomic import TMP_PREFIX

    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = out / f"{TMP_PREFIX}{dead.pid}-abc.mp3"  # its process is gone
    live = out / f"{TMP_PREFIX}{os.getpid()}-def.mp3"  # this process is alive
    left.write_bytes(b"half an mp3")
    live.write_bytes(b"being written")
    result = run("read", tone_review, "--engine", "tone", "-o", out / "x.mp3", "--cache-dir", cache)
    assert result.exit_code == 0, result.stderr
    assert not left.exists()
    assert live.read_bytes() == b"being written"
