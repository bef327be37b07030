"""``narrate inspect``: any MP3 described, checked against ffprobe; damaged files named."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mutagen.id3 import CHAP, CTOC, ID3, TIT2, TXXX, CTOCFlags
from PIL import Image

from narrate.cli import cli
from narrate.cli.inspect import clock
from narrate.errors import InputError
from narrate.inspect import inspect_mp3
from narrate.lametag import read_lame_tag
from narrate.tags import read_tags


def ffmpeg(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=3", *args, str(path)], check=True)  # fmt: skip
    return path


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-print_format", "json",
         "-show_streams", "-show_format", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stereo VBR MP3 from plain ffmpeg, with an ID3v1 tag at its end: not narrate's."""
    return ffmpeg(tmp_path_factory.mktemp("foreign") / "sine.mp3", "-ac", "2", "-q:a", "2",
                  "-write_id3v1", "1", "-metadata", "title=Plain Sine",
                  "-metadata", "artist=Somebody Else")  # fmt: skip


@pytest.fixture(scope="module")
def cbr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ffmpeg(tmp_path_factory.mktemp("cbr") / "cbr.mp3", "-ac", "1", "-b:a", "96k")


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, ["inspect", *map(str, args)])


def test_a_foreign_mp3_is_described_as_ffprobe_sees_it(foreign: Path) -> None:
    r = inspect_mp3(foreign)
    probe = ffprobe(foreign)
    stream = probe["streams"][0]
    assert r.problems == ()
    assert r.format.codec == "MPEG-1 Layer III"
    assert (r.format.sample_rate, r.format.channels) == (int(stream["sample_rate"]), 2)
    assert r.format.mode in ("stereo", "joint stereo")
    assert r.format.bitrate_mode == "VBR"
    # Every packet ffprobe decodes; the Xing/Info frame in front of them is no audio.
    assert r.frames == int(stream["nb_read_packets"])
    assert abs(r.duration - float(probe["format"]["duration"])) < 0.05
    assert (r.tags.title, r.tags.artist) == ("Plain Sine", "Somebody Else")
    assert r.chapters == () and r.side_files == () and r.loudness == {}


def test_a_narrated_mp3_with_side_files(tone_review: Path, tmp_path: Path) -> None:
    out = tmp_path / "ep.mp3"
    args = ["read", str(tone_review), "--engine", "tone", "--cache-dir", str(tmp_path / "c"),
            "-o", str(out), "--transcript", "srt,vtt", "--chapters-json", "--author", "Ann"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    r = inspect_mp3(out)
    tags = read_tags(out)
    assert r.problems == ()
    assert [c.title for c in r.chapters] == [c.title for c in tags.chapters]
    assert len(r.chapters) == 3 and all(c.toc == "toc" for c in r.chapters)
    assert [(t.element_id, t.top_level, len(t.children)) for t in r.tocs] == [("toc", True, 3)]
    assert [s.kind for s in r.side_files] == ["srt", "vtt", "chapters"]
    assert r.txxx["NARRATE_ENGINE"].startswith("tone")
    assert abs(r.audio_duration - r.duration) < 0.1
    shown = run(out)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[1] == "  format    MPEG-1 Layer III, 44100 Hz, mono, 96 kb/s CBR"
    assert "    artist      Ann" in lines
    assert "  chapters  3" in lines
    assert "    top-level table of contents 'toc': 3 entries" in lines
    first = r.chapters[0]
    assert f"       1  {clock(first.start)}  {clock(first.end)}  {first.title}" in lines
    assert f"    srt      {out.with_suffix('.srt')}  ({out.with_suffix('.srt').stat().st_size} bytes)" in lines  # noqa: E501
    assert shown.stderr == ""


def test_loudness_frames_are_shown_apart(cbr: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "loud.mp3"
    shutil.copyfile(cbr, mp3)
    tags = ID3(mp3)
    tags.add(TXXX(desc="NARRATE_LOUDNESS_I", text=["-16.0 LUFS"]))
    tags.add(TXXX(desc="REPLAYGAIN_TRACK_GAIN", text=["-2.10 dB"]))
    tags.add(TXXX(desc="NARRATE_TRUE_PEAK", text=["-1.5 dBTP"]))
    tags.add(TXXX(desc="SOMETHING_ELSE", text=["x"]))
    tags.save(mp3)
    r = inspect_mp3(mp3)
    assert r.loudness == {"NARRATE_LOUDNESS_I": "-16.0 LUFS",
                          "REPLAYGAIN_TRACK_GAIN": "-2.10 dB",
                          "NARRATE_TRUE_PEAK": "-1.5 dBTP"}  # fmt: skip
    lines = run(mp3).stdout.splitlines()
    at = lines.index("  loudness")
    assert sorted(line.split()[0] for line in lines[at + 1 : at + 4]) == [
        "NARRATE_LOUDNESS_I", "NARRATE_TRUE_PEAK", "REPLAYGAIN_TRACK_GAIN"]  # fmt: skip
    assert "    NARRATE_LOUDNESS_I      -16.0 LUFS" in lines
    assert lines[lines.index("  TXXX") + 1].split() == ["SOMETHING_ELSE", "x"]


def test_nested_tables_of_contents(cbr: Path, tmp_path: Path) -> None:
    """A top-level CTOC of two CTOCs (as for more than 255 chapters): order and parents kept."""
    mp3 = tmp_path / "nested.mp3"
    shutil.copyfile(cbr, mp3)
    tags = ID3(mp3)
    ids = [f"chp{i}" for i in range(6)]
    for i, eid in enumerate(ids):
        tags.add(CHAP(element_id=eid, start_time=i * 500, end_time=(i + 1) * 500,
                      sub_frames=[TIT2(text=[f"Part {i + 1}"])]))  # fmt: skip
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=["toc1", "toc2"]))  # fmt: skip
    tags.add(CTOC(element_id="toc1", flags=CTOCFlags.ORDERED, child_element_ids=ids[:3],
                  sub_frames=[TIT2(text=["First half"])]))  # fmt: skip
    tags.add(CTOC(element_id="toc2", flags=CTOCFlags.ORDERED, child_element_ids=ids[3:]))
    tags.save(mp3)
    r = inspect_mp3(mp3)
    assert [c.title for c in r.chapters] == [f"Part {i}" for i in range(1, 7)]
    assert [c.toc for c in r.chapters] == ["toc1"] * 3 + ["toc2"] * 3
    assert [(t.element_id, t.top_level, t.title) for t in r.tocs] == [
        ("toc", True, None), ("toc1", False, "First half"), ("toc2", False, None)]  # fmt: skip
    lines = run(mp3).stdout.splitlines()
    assert "    table of contents 'toc1' 'First half': 3 entries" in lines
    assert "       4  0:01.500  0:02.000  Part 4  [toc2]" in lines


def test_json_is_the_same_facts(foreign: Path, tmp_path: Path) -> None:
    result = run(foreign, tmp_path / "missing.mp3", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data[0]["path"] == str(foreign)
    assert data[0]["format"]["channels"] == 2
    assert data[0]["tags"]["title"] == "Plain Sine"
    assert data[0]["frames"] == inspect_mp3(foreign).frames
    assert data[0]["problems"] == []
    assert data[1] == {"path": str(tmp_path / "missing.mp3"),
                       "error": f"{tmp_path / 'missing.mp3'}: file not found"}  # fmt: skip
    assert result.stderr == f"Error: {tmp_path / 'missing.mp3'}: file not found\n"


# ---------------------------------------------------------------- damaged files


def _damaged(tmp_path: Path, cbr: Path, png: Path) -> dict[str, tuple[Path, str]]:
    size = cbr.stat().st_size
    cases: dict[str, tuple[Path, str]] = {}

    def case(name: str, data: bytes, message: str) -> None:
        path = tmp_path / f"{name}.mp3"
        path.write_bytes(data)
        cases[name] = (path, f"Error: {path}: {message}")

    whole = cbr.read_bytes()
    case("empty", b"", "empty file (0 bytes), not an MP3")
    case("text", b"Just some words,\nnot audio at all.\n", "not an MP3 file (a text file)")
    case("garbage", random.Random(7).randbytes(20000),
         "not an MP3 file (no MPEG audio frames found)")  # fmt: skip
    case("png", png.read_bytes(), "not an MP3 file (a PNG image)")
    wav = tmp_path / "tone.wav"
    ffmpeg(wav, "-t", "0.2")
    case("wav", wav.read_bytes(), "not an MP3 file (a RIFF/WAV file)")
    frames = inspect_mp3(cbr).frames
    half = whole[: size // 2]
    cut = tmp_path / "half.mp3"
    cut.write_bytes(half)
    kept = inspect_mp3(cut)
    case("half", half, f"truncated: its header promises {frames * 1152 / 44100:.1f} s "
                       f"({frames} frames), the file holds {kept.audio_duration:.1f} s "
                       f"({kept.frames})")  # fmt: skip
    case("junk", whole + b"\x00junk" * 100,
         f"damaged: no audio frame at byte {size} of {size + 500} "
         f"({frames * 1152 / 44100:.1f} s in); 500 bytes cannot be played")  # fmt: skip
    tag = ID3()
    tag.add(TXXX(desc="BIG", text=["x" * 5000]))
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(whole)
    tag.save(tagged)
    case("tagcut", tagged.read_bytes()[:3000],
         f"truncated inside its ID3 tag (the tag says {ID3(tagged).size} bytes, "
         "the file has 3000)")  # fmt: skip
    return cases


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    Image.new("RGB", (8, 8), (200, 30, 30)).save(path, format="PNG")
    return path


def test_each_damaged_file_is_one_exact_error_line(tmp_path: Path, cbr: Path, png: Path) -> None:
    for name, (path, line) in _damaged(tmp_path, cbr, png).items():
        result = run(path)
        assert result.exit_code == 1, name
        assert result.stderr.splitlines() == [line], name
        assert "Traceback" not in result.output


def test_other_files_are_still_shown_after_a_damaged_one(tmp_path: Path, foreign: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    result = run(empty, foreign, tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(f"{foreign}  (")
    assert result.stderr.splitlines() == [
        f"Error: {empty}: empty file (0 bytes), not an MP3",
        f"Error: {tmp_path}: is a folder, not an MP3 file",
    ]


def test_core_raises_input_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        inspect_mp3(tmp_path / "none.mp3")
    assert str(info.value) == f"{tmp_path / 'none.mp3'}: file not found"


def test_inspect_agrees_with_read_on_duration_and_with_the_header_on_frames(
    tone_review: Path, tmp_path: Path
) -> None:
    """The Info frame is no audio frame (mediainfo, mp3guessenc and the Xing header count
    without it), and the duration is the gapless one that ``read --json`` gives."""
    out = tmp_path / "ep.mp3"
    args = ["read", str(tone_review), "--engine", "tone", "--json",
            "--cache-dir", str(tmp_path / "c"), "-o", str(out)]  # fmt: skip
    made = CliRunner().invoke(cli, args)
    assert made.exit_code == 0, made.output
    said = json.loads(made.stdout)
    shown = json.loads(run("--json", out).stdout)[0]
    tag = read_lame_tag(out)
    assert tag is not None and tag.frames is not None
    assert shown["frames"] == tag.frames
    assert shown["duration"] == said["duration"]
    assert f"({said['duration']:.3f} s), {tag.frames} audio frames" in run(out).stdout


def test_a_long_tag_name_keeps_a_gap_before_its_value(cbr: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "range.mp3"
    shutil.copyfile(cbr, mp3)
    tags = ID3(mp3)
    tags.add(TXXX(desc="NARRATE_LOUDNESS_RANGE_LU", text=["1.4"]))
    tags.add(TXXX(desc="A_VERY_LONG_NAME_OF_SOMETHING_ELSE", text=["x"]))
    tags.save(mp3)
    lines = run(mp3).stdout.splitlines()
    assert "    NARRATE_LOUDNESS_RANGE_LU 1.4" in lines
    assert "    A_VERY_LONG_NAME_OF_SOMETHING_ELSE x" in lines
