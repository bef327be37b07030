"""Nothing breaks with length: every limit on the way, and `narrate read` on long inputs.

The limits: CHAP times are 32-bit milliseconds, element ids 1-64 characters, the
whole ID3v2 tag at most 2**28 - 1 bytes (USLT and COMM of a 2M-character text fit),
JSON chapters at 1,400 entries, SRT/VTT at 20,000 cues (hours past 99). What can be
refused is refused before any synthesis. The end-to-end runs use the tone engine.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import eyed3
import pytest
import srt
import webvtt
from click.testing import CliRunner
from mutagen.id3 import ID3, CTOCFlags

from narrate.cli import cli
from narrate.engines.tone import ToneEngine
from narrate.errors import InputError
from narrate.model import ChapterTiming, Cue, Document, Segment, Sentence, Timeline
from narrate.pipeline import DESCRIPTION_CHARS, narrate
from narrate.settings import AudioSettings, Settings, VoiceSettings
from narrate.tags import (
    ID3_MAX_BYTES,
    MAX_MS,
    Chapter,
    TagData,
    check_tag_data,
    read_tags,
    tag_size_bound,
    write_tags,
)
from narrate.tags.lyrics import KNOWN_FRAMES
from narrate.transcripts import chapters_json, parse_timestamp, to_srt, to_vtt

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)


@pytest.fixture
def mp3(silent_mp3: Path) -> Path:
    return silent_mp3


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def id3_tag_bytes(path: Path) -> int:
    return 10 + ID3(path).size - 10  # mutagen's size includes the 10-byte header


# ------------------------------------------------------------------------ tag limits


def big_text(chars: int) -> str:
    unit = "Café naïve — 😀 mixed scripts مرحبا and plain English words. "
    return (unit * (chars // len(unit) + 1))[:chars]


@pytest.mark.parametrize("version", [3, 4])
def test_two_million_character_lyrics_and_comment(mp3: Path, version: int) -> None:
    text = big_text(2_000_000)
    comment = text[:DESCRIPTION_CHARS]
    data = TagData(title="Long", description=comment, lyrics=text,
                   chapters=(Chapter("chp0", "All", 0.0, 1.0),))  # fmt: skip
    write_tags(mp3, data, id3_version=version)
    tags = read_tags(mp3)
    assert tags.lyrics == text and tags.description == comment
    # mutagen's own USLT parse takes 4 s for 2M characters of UTF-16: v2.4 only here
    raw = ID3(mp3) if version == 4 else ID3(mp3, known_frames=KNOWN_FRAMES)
    assert raw.version[1] == version
    if version == 4:
        assert raw.getall("USLT")[0].text == text
    size = raw.size
    assert size <= tag_size_bound(data) + 10 <= ID3_MAX_BYTES
    assert size > 2 * 2_000_000 if version == 3 else size > 2_000_000  # UTF-16 / UTF-8
    probe = ffprobe(mp3)
    assert [c["tags"]["title"] for c in probe["chapters"]] == ["All"]
    assert eyed3.load(str(mp3)).tag.lyrics[0].text == text


def test_a_tag_over_256_mib_is_refused_before_it_is_built() -> None:
    too_long = "x" * (ID3_MAX_BYTES // 4 + 1)  # 4 bytes a character at most
    with pytest.raises(ValueError, match=r"^the ID3 tag could take \d+ bytes, over the "
                       r"268435455 an ID3v2 tag holds \(0 chapters, 67108864 characters"):
        check_tag_data(TagData(title="t", lyrics=too_long))  # fmt: skip


@pytest.mark.parametrize("version", [3, 4])
def test_size_bound_holds_for_hostile_text(mp3: Path, version: int) -> None:
    hostile = "😀𝄞" * 500 + "é" * 300 + "\x00" * 3
    chs = tuple(Chapter(f"chp{i}", hostile[: i % 61], i, i + 1, i // 100) for i in range(700))
    data = TagData(title=hostile, artist=hostile, album=hostile, description=hostile,
                   lyrics=hostile * 10, engine=hostile, voice=hostile, guid=hostile,
                   fingerprint=hostile, source=hostile, track=7, date="2024-05-31",
                   encoder=hostile, chapters=chs)  # fmt: skip
    write_tags(mp3, data, id3_version=version)
    assert ID3(mp3).size - 10 <= tag_size_bound(data)
    assert len(read_tags(mp3).chapters) == 700


def test_chap_times_are_32_bit_milliseconds(mp3: Path) -> None:
    last = MAX_MS / 1000
    chs = (Chapter("chp0", "a", 0.0, 1.0), Chapter("chp1", "b", 1.0, last))
    write_tags(mp3, TagData(title="t", chapters=chs))
    assert [(c.start, c.end) for c in read_tags(mp3).chapters] == [(0.0, 1.0), (1.0, last)]
    assert ffprobe(mp3)["chapters"][-1]["end"] == MAX_MS
    over = (Chapter("chp0", "a", 0.0, (MAX_MS + 1) / 1000),)
    with pytest.raises(ValueError, match=r"^the audio would last at least 49\.7 days; ID3 "
                       r"chapter times end at 49\.7 days \(shorter pauses or less text\)$"):
        check_tag_data(TagData(title="t", chapters=over))  # fmt: skip


def test_element_ids_are_1_to_64_printable_characters(mp3: Path) -> None:
    longest = "c" * 64
    write_tags(mp3, TagData(title="t", chapters=(Chapter(longest, "a", 0, 1),)))
    assert read_tags(mp3).chapters[0].element_id == longest
    for bad in ("c" * 65, "", "chp 1", "chp\x7f", "chpé"):
        with pytest.raises(ValueError, match="bad chapter element id"):
            check_tag_data(TagData(title="t", chapters=(Chapter(bad, "a", 0, 1),)))


# ----------------------------------------------------------------------- side files


def long_timeline(chapters: int, cues_per_chapter: int, step: float) -> Timeline:
    spoken = []
    t = 0.5
    for i in range(chapters):
        cues = []
        for j in range(cues_per_chapter):
            cues.append(Cue(t, t + step * 0.75, f"Cue {i}.{j} <&> 😀"))
            t += step
        spoken.append(ChapterTiming(i, f"Chapter {i}", 0.0, 0.0, tuple(cues)))
    return Timeline.contiguous(t + 1.0, spoken)


def test_20000_cues_in_srt_and_vtt_past_99_hours() -> None:
    tl = long_timeline(1000, 20, 20.0)  # 20,000 cues over 111 hours
    cues = tl.cues
    assert len(cues) == 20_000
    text = to_srt(cues)
    parsed = list(srt.parse(text))  # an independent SubRip parser
    assert [p.index for p in parsed] == list(range(1, 20_001))
    assert [round(p.start.total_seconds() * 1000) for p in parsed] == [
        round(c.start * 1000) for c in cues
    ]
    assert parsed[-1].content == "Cue 999.19 <&> 😀"
    assert re.search(r"\n111:06:20,500 --> 111:06:35,500\n", text)
    vtt = to_vtt(cues)
    parsed_vtt = webvtt.from_buffer(io.StringIO(vtt))  # an independent WebVTT parser
    assert len(parsed_vtt) == 20_000
    assert parsed_vtt[-1].start == "111:06:20.500"
    assert parsed_vtt[-1].text == "Cue 999.19 &lt;&amp;&gt; 😀"  # escaped, as WebVTT wants
    assert [parse_timestamp(c.start) for c in parsed_vtt][:3] == [500, 20500, 40500]


def test_1400_json_chapters_are_contiguous_and_complete() -> None:
    tl = long_timeline(1400, 1, 3.0)
    doc = json.loads(chapters_json(tl.chapters, title="Long"))
    entries = doc["chapters"]
    assert len(entries) == 1400
    assert entries[0]["startTime"] == 0.0 and entries[-1]["endTime"] == 4201.5
    assert all(a["endTime"] == b["startTime"] for a, b in zip(entries, entries[1:], strict=False))
    assert [e["title"] for e in entries] == [f"Chapter {i}" for i in range(1400)]


# ------------------------------------------------------------- refused before synthesis


class NeverSpeaks(ToneEngine):
    def synthesize(self, text: str):  # noqa: ANN201 - a test double
        raise AssertionError("synthesis started")


def test_audio_too_long_for_id3_is_refused_before_synthesis(tmp_path: Path) -> None:
    sentence = (Sentence("Go.", "Go."),)
    segments = tuple(Segment(i, f"P{i}", "Go.", sentence) for i in range(150_000))
    doc = Document("Endless", segments, source="endless.txt")
    settings = Settings(voice=VoiceSettings(engine="tone"), audio=AudioSettings(pause=30.0))
    engine = NeverSpeaks(settings.voice)
    with pytest.raises(InputError, match=r"^endless\.txt: the audio would last at least "
                       r"52\.1 days; ID3 chapter times end at 49\.7 days"):
        narrate(doc, tmp_path / "endless.mp3", settings, engine=engine)  # fmt: skip
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------- narrate read, end to end


def read_cli(*args: str | Path) -> None:
    result = CliRunner().invoke(cli, ["read", "--engine", "tone", *map(str, args)])
    assert result.exit_code == 0, result.output


def all_readers_agree(mp3: Path, titles: list[str]) -> list:
    """ffprobe, mutagen (raw frames), eyeD3 and read_tags: every chapter, in order."""
    ours = read_tags(mp3).chapters
    assert [c.title for c in ours] == titles
    bounds = [(round(c.start * 1000), round(c.end * 1000)) for c in ours]
    assert bounds[0][0] == 0 and all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    probe = ffprobe(mp3)
    assert [(c["start"], c["end"], c["tags"]["title"]) for c in probe["chapters"]] == [
        (*b, t) for b, t in zip(bounds, titles, strict=True)
    ]
    assert bounds[-1][1] == round(float(probe["format"]["duration"]) * 1000) or abs(
        bounds[-1][1] - float(probe["format"]["duration"]) * 1000
    ) < 60  # the stream's length as ffprobe estimates it, within about two frames
    tag = ID3(mp3, known_frames=KNOWN_FRAMES)  # USLT left raw: only the chapters matter
    chaps = {f.element_id: f for f in tag.getall("CHAP")}
    tocs = {f.element_id: f for f in tag.getall("CTOC")}
    assert all(len(t.child_element_ids) <= 255 for t in tocs.values())

    def walk(eid: str) -> list[str]:
        if eid in chaps:
            return [eid]
        return [c for child in tocs[eid].child_element_ids for c in walk(child)]

    (top,) = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    order = walk(top.element_id)
    assert [str(chaps[e].sub_frames["TIT2"]) for e in order] == titles
    e3 = eyed3.load(str(mp3)).tag
    e3_chaps = {c.element_id.decode(): c.title for c in e3.chapters}
    assert [e3_chaps[e] for e in order] == titles
    return [tocs[k] for k in top.child_element_ids if k in tocs]


def test_read_a_1000_paragraph_review(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ToneEngine, "seconds_per_char", 0.01)
    lines = ["# A Long Review", ""]
    titles = []
    for s in range(10):
        lines += [f"## Section {s + 1}", ""]
        titles.append(f"Section {s + 1}")
        for p in range(100):
            text = f"Paragraph {s * 100 + p + 1} says a little."
            lines += [text, ""]
            if p:
                titles.append(text)
    review = tmp_path / "long.md"
    review.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "long.mp3"
    read_cli(review, "-o", out, "--cache-dir", tmp_path / "cache", "--pause", "0.1",
             "--head", "0.1", "--tail", "0.1", "--chapters-json",
             "--transcript", "srt,vtt")  # fmt: skip
    ours = read_tags(out).chapters
    assert len(ours) == len(titles) == 1000
    kids = all_readers_agree(out, titles)
    # The sections are the child tables of the table of contents.
    assert [str(k.sub_frames["TIT2"]) for k in kids] == [f"Section {s}" for s in range(1, 11)]
    assert [len(k.child_element_ids) for k in kids] == [100] * 10
    data = json.loads(out.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert [(round(c["startTime"] * 1000), round(c["endTime"] * 1000), c["title"])
            for c in data["chapters"]] == [
        (round(c.start * 1000), round(c.end * 1000), c.title) for c in ours
    ]  # fmt: skip
    cues = list(srt.parse(out.with_suffix(".srt").read_text(encoding="utf-8")))
    assert len(cues) == 1010  # one a paragraph, and one a heading
    assert len(webvtt.read(str(out.with_suffix(".vtt")))) == 1010


LONG_WORDS = ("pneumonoultramicroscopicsilicovolcanoconiosis", "supercalifragilisticexpialidocious",
              "hippopotomonstrosesquippedaliophobia", "floccinaucinihilipilifications",
              "antidisestablishmentarianistically", "pseudopseudohypoparathyroidisms",
              "counterrevolutionariesinternational", "electroencephalographically")  # fmt: skip


def test_read_one_200000_character_paragraph(tmp_path: Path, monkeypatch) -> None:
    # Long words keep the tone engine's 2.5 ms a character plausible speech for the
    # clip checks while the audio stays short enough to make and encode fast.
    monkeypatch.setattr(ToneEngine, "seconds_per_char", 0.0025)
    sentences, chars, i = [], 0, 0
    while chars < 200_000:
        s = f"Sentence {i} " + " ".join(LONG_WORDS[(i + k) % 8] for k in range(7)) + "."
        sentences.append(s)
        chars += len(s) + 1
        i += 1
    cut = " ".join(sentences)[:199_970].rsplit(" ", 1)[0].rstrip(".")
    paragraph = cut + " " + "z" * (200_000 - len(cut) - 2) + "."
    assert len(paragraph) == 200_000
    review = tmp_path / "para.txt"
    review.write_text(f"One Long Paragraph\n\n{paragraph}\n", encoding="utf-8")
    out = tmp_path / "para.mp3"
    read_cli(review, "-o", out, "--cache-dir", tmp_path / "cache", "--sentence-pause", "0.05",
             "--chapters-json", "--transcript", "srt")  # fmt: skip
    tags = read_tags(out)
    (chapter,) = tags.chapters
    assert chapter.title.startswith("Sentence 0 pneumono") and chapter.title.endswith("…")
    all_readers_agree(out, [chapter.title])
    assert tags.lyrics == paragraph
    assert tags.description and len(tags.description) <= DESCRIPTION_CHARS
    assert paragraph.startswith(tags.description[:-1])
    cues = list(srt.parse(out.with_suffix(".srt").read_text(encoding="utf-8")))
    assert len(cues) >= len(sentences) - 1
    assert " ".join(c.content for c in cues) == " ".join(paragraph.split())
    assert round(cues[-1].end.total_seconds() * 1000) < round(chapter.end * 1000)


def test_a_limit_only_the_real_times_pass_is_an_error_not_a_traceback(
    tmp_path: Path, tone_review: Path, clip_store, monkeypatch
) -> None:
    """The plan's times are lower bounds: past the check before synthesis, the tag's own
    check still turns a limit into one error line, and no MP3 is left."""
    import narrate.tags.limits as limits
    from narrate.segment import load_document

    settings = Settings(voice=VoiceSettings(engine="tone"))
    doc = load_document(tone_review, settings)
    monkeypatch.setattr(limits, "MAX_MS", 4500)  # the silences: 3.85 s; the audio: more
    calls = ToneEngine.calls
    with pytest.raises(InputError, match=r"review\.txt: the audio would last at least 0\.0 days"):
        narrate(doc, tmp_path / "out" / "r.mp3", settings, store=clip_store)
    assert ToneEngine.calls == calls + 6  # refused after synthesis, by the tag's own check
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
