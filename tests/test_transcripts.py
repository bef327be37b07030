"""Tests of narrate.transcripts: SRT, WebVTT, JSON chapters, and agreement with ID3."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.model import ChapterTiming, Cue, Timeline
from narrate.tags import Chapter, TagData, end_ms, ms, read_tags, write_tags
from narrate.transcripts import (
    TRANSCRIPT_TYPES,
    chapters_from_timeline,
    chapters_json,
    format_timestamp,
    parse_timestamp,
    to_srt,
    to_vtt,
)

CUES = (
    Cue(0.5, 1.2344, "Hello\nworld."),
    Cue(1.5, 3.0005, "Tom & Jerry <b>go</b> --> home."),
    Cue(3.25, 4.0, "مرحبا 😀 ]]>"),
)

TIMESTAMP = re.compile(r"(\d{2,}:\d{2}:\d{2}[,.]\d{3}) --> (\d{2,}:\d{2}:\d{2}[,.]\d{3})")


def timeline_of(groups: list[list[tuple[float, float]]], tail: float = 1.0) -> Timeline:
    """Contiguous chapters around these cues, as the audio stage builds them."""
    spoken = []
    for i, spans in enumerate(groups):
        cues = tuple(Cue(s, e, f"Sentence {i}.{j}") for j, (s, e) in enumerate(spans))
        spoken.append(ChapterTiming(i, f"Chapter {i}", 0.0, 0.0, cues))
    end = spoken[-1].cues[-1].end if spoken else 0.0
    return Timeline.contiguous(end + tail, spoken)


def cue_times(text: str) -> list[tuple[int, int]]:
    return [(parse_timestamp(a), parse_timestamp(b)) for a, b in TIMESTAMP.findall(text)]


# --------------------------------------------------------------------------- formats


def test_to_srt_exact() -> None:
    assert to_srt(CUES) == (
        "1\n00:00:00,500 --> 00:00:01,234\nHello world.\n"
        "\n"
        "2\n00:00:01,500 --> 00:00:03,001\nTom & Jerry <b>go</b> --> home.\n"
        "\n"
        "3\n00:00:03,250 --> 00:00:04,000\nمرحبا 😀 ]]>\n"
    )


def test_to_vtt_exact_and_escaped() -> None:
    assert to_vtt(CUES) == (
        "WEBVTT\n"
        "\n"
        "1\n00:00:00.500 --> 00:00:01.234\nHello world.\n"
        "\n"
        "2\n00:00:01.500 --> 00:00:03.001\nTom &amp; Jerry &lt;b&gt;go&lt;/b&gt; --&gt; home.\n"
        "\n"
        "3\n00:00:03.250 --> 00:00:04.000\nمرحبا 😀 ]]&gt;\n"
    )


def test_blank_cues_are_dropped_and_numbering_stays_continuous() -> None:
    cues = [Cue(0, 1, "One."), Cue(1, 2, " \n\t "), Cue(2, 3, "Two\r\n  lines.")]
    assert to_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:01,000\nOne.\n\n2\n00:00:02,000 --> 00:00:03,000\nTwo lines.\n"
    )
    assert to_vtt([]) == "WEBVTT\n"
    assert to_srt([]) == ""


def test_long_and_odd_timestamps() -> None:
    assert format_timestamp(0) == "00:00:00,000"
    assert format_timestamp(59.9995) == "00:01:00,000"
    assert format_timestamp(3723.004, ".") == "01:02:03.004"
    assert format_timestamp(360_000.25) == "100:00:00,250"
    assert parse_timestamp("100:00:00,250") == 360_000_250


def test_bad_cues_raise() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        to_srt([Cue(2, 1, "x")])
    with pytest.raises(ValueError, match="not in time order"):
        to_vtt([Cue(2, 3, "x"), Cue(1, 4, "y")])
    with pytest.raises(ValueError, match="finite number of seconds"):
        to_srt([Cue(-1, 1, "x")])


def test_transcript_types() -> None:
    assert TRANSCRIPT_TYPES == {"srt": "application/x-subrip", "vtt": "text/vtt"}


def test_chapters_json() -> None:
    tl = timeline_of([[(0.5, 1.2344), (1.5, 3.0005)], [(3.9, 5.25)]])
    doc = json.loads(chapters_json(tl.chapters, title="Pain & Glory 😀"))
    assert doc == {
        "version": "1.2.0",
        "title": "Pain & Glory 😀",
        "chapters": [
            {"startTime": 0.0, "endTime": 3.9, "title": "Chapter 0"},
            {"startTime": 3.9, "endTime": 6.25, "title": "Chapter 1"},
        ],
    }
    assert "title" not in json.loads(chapters_json(tl.chapters))
    assert "😀" in chapters_json(tl.chapters, title="😀")  # UTF-8, not \\u escapes


def test_chapters_from_timeline() -> None:
    tl = timeline_of([[(0.5, 1.2344)], [(1.5004, 3.0005)], [(3.2505, 4.0)]], tail=1.0005)
    assert chapters_from_timeline(tl) == (
        Chapter("chp0", "Chapter 0", 0.0, 1.5),
        Chapter("chp1", "Chapter 1", 1.5, 3.251),
        Chapter("chp2", "Chapter 2", 3.251, 5.0),  # the audio ends at 5.0005: never past it
    )
    assert chapters_from_timeline(Timeline(0.0, ())) == ()


# --------------------------------------------------------------------------- properties

times_ms = st.integers(min_value=0, max_value=400 * 3_600_000)


@given(times_ms)
def test_timestamp_round_trip(value: int) -> None:
    for sep in (",", "."):
        text = format_timestamp(value / 1000, sep)
        assert re.fullmatch(rf"\d{{2,}}:[0-5]\d:[0-5]\d{re.escape(sep)}\d{{3}}", text)
        assert parse_timestamp(text) == value


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False))
def test_ms_is_idempotent_and_close(seconds: float) -> None:
    value = ms(seconds)
    assert ms(value / 1000) == value
    assert abs(value - seconds * 1000) <= 0.5 + 1e-6 * max(1.0, seconds)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    """Random chapters of random cues with awkward float times, in time order."""
    t = draw(st.floats(min_value=0, max_value=10))
    groups = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        spans = []
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            t += draw(st.floats(min_value=0, max_value=3))
            start = t
            t += draw(st.floats(min_value=0.0001, max_value=8))
            spans.append((start, t))
        groups.append(spans)
    return timeline_of(groups)


@settings(max_examples=60, deadline=None)
@given(timelines())
def test_cues_meet_chapter_bounds_everywhere(tl: Timeline) -> None:
    chapters = chapters_from_timeline(tl)
    bounds = [(ms(c.start), ms(c.end)) for c in chapters]
    json_bounds = [
        (round(c["startTime"] * 1000), round(c["endTime"] * 1000))
        for c in json.loads(chapters_json(tl.chapters))["chapters"]
    ]
    assert json_bounds == bounds
    # Contiguous: from 0 to the end of the audio, each chapter ending where the next starts.
    assert bounds[0][0] == 0 and bounds[-1][1] == end_ms(tl.duration, tl.duration)
    assert [e for _, e in bounds[:-1]] == [s for s, _ in bounds[1:]]
    for text in (to_srt(tl.cues), to_vtt(tl.cues)):
        times = cue_times(text)
        assert [s for s, _ in times] == sorted(s for s, _ in times)
        assert all(s <= e for s, e in times)
        i = 0
        for n, (ch, (start, end)) in enumerate(zip(tl.chapters, bounds, strict=True)):
            mine = times[i : i + len(ch.cues)]
            i += len(ch.cues)
            # Cues are on the speech, inside the chapter; a chapter after the first
            # starts exactly where its first cue does.
            assert (mine[0][0], mine[-1][1]) == (ms(ch.speech_start), ms(ch.speech_end))
            assert start <= mine[0][0] and mine[-1][1] <= end
            if n:
                assert mine[0][0] == start
        assert i == len(times)


# --------------------------------------------------------------------------- with ID3


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_id3_json_and_cues_agree(tmp_path: Path) -> None:
    mp3 = tmp_path / "x.mp3"
    subprocess.run(
        [*shlex.split("ffmpeg -v error -f lavfi -i sine=duration=5 -ac 1 -b:a 96k"), str(mp3)],
        check=True,
    )
    tl = timeline_of([[(0.1234567, 0.9), (1.0, 2.0004999)], [(2.5005, 4.9999)]], tail=0.0001)
    write_tags(mp3, TagData(title="t", chapters=chapters_from_timeline(tl)), id3_version=3)

    id3 = [(round(c.start * 1000), round(c.end * 1000)) for c in read_tags(mp3).chapters]
    probe_cmd = [*shlex.split("ffprobe -v error -print_format json -show_chapters"), str(mp3)]
    probe = json.loads(subprocess.run(probe_cmd, check=True, capture_output=True).stdout)
    ffprobe_bounds = [(c["start"], c["end"]) for c in probe["chapters"]]
    doc = json.loads(chapters_json(tl.chapters))["chapters"]
    json_bounds = [(round(c["startTime"] * 1000), round(c["endTime"] * 1000)) for c in doc]
    cues = cue_times(to_srt(tl.cues))
    cue_bounds = [(cues[0][0], cues[1][1]), (cues[2][0], cues[2][1])]
    assert id3 == ffprobe_bounds == json_bounds == [(0, 2501), (2501, 5000)]
    assert cue_bounds == [(123, 2000), (2501, 5000)]


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_ms_fast_path_agrees_with_decimal_rounding(seconds: float) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    exact = int(Decimal(repr(seconds)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert ms(seconds) == exact
    for near in (exact / 1000, (exact + 0.5) / 1000, (exact - 0.4999) / 1000):
        if near >= 0:
            assert ms(near) == int(
                Decimal(repr(near)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )


@settings(max_examples=300, deadline=None)
@given(
    samples=st.lists(st.integers(1, 10**7), min_size=1, max_size=4),
    rate=st.sampled_from([8000, 22050, 24000, 44100, 48000]),
)
def test_no_chapter_ends_past_the_last_sample(samples: list[int], rate: int) -> None:
    """ID3 and JSON chapters: the last ends at the whole ms at or before the audio's end
    (half up, it could be 0.5 ms past it); the others keep the half-up rule, and none
    passes the last one's end (in audio under a millisecond, half up would)."""
    from fractions import Fraction

    bounds = [sum(samples[: i + 1]) / rate for i in range(len(samples))]
    spoken = [ChapterTiming(i, f"C{i}", 0.0, 0.0, (Cue(b - 1e-6 if i else 0.0, b, "x."),))
              for i, b in enumerate(bounds)]  # fmt: skip
    tl = Timeline(bounds[-1], tuple(
        ChapterTiming(i, c.title, 0.0 if i == 0 else bounds[i - 1], bounds[i], c.cues)
        for i, c in enumerate(spoken)))  # fmt: skip
    audio_end_ms = Fraction(sum(samples) * 1000, rate)
    id3 = chapters_from_timeline(tl)
    js = json.loads(chapters_json(tl.chapters))["chapters"]
    last_ms = int(audio_end_ms)  # floor
    assert round(id3[-1].end * 1000) == last_ms == round(js[-1]["endTime"] * 1000)
    for ch, j, b in zip(id3[:-1], js[:-1], bounds[:-1], strict=True):
        assert round(ch.end * 1000) == min(ms(b), last_ms) == round(j["endTime"] * 1000)
