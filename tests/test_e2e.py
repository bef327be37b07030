"""End to end on the bundled sample review, with the real engine (pyttsx3 -> espeak-ng),
real ffmpeg, real mutagen, and independent checks: ffprobe reads the tags, and every
chapter's audio is compared with a direct ``espeak-ng --stdout`` render of its text.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import wave
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from narrate.clips import ClipStore, clip_key
from narrate.engines import create_engine
from narrate.model import Document
from narrate.segment import load_document
from narrate.settings import Settings
from narrate.tags import ms, read_tags
from narrate.transcripts import parse_timestamp

RATE = 22050  # espeak-ng's native rate: the reference renders and the decode use it
HEAD, PAUSE, SENTENCE_PAUSE, TAIL = 0.5, 0.8, 0.25, 1.0
THRESHOLD = int(32768 * 10 ** (-50 / 20))
SAMPLE = resources.files("narrate") / "data" / "pain-and-glory.txt"


def espeak_render(text: str) -> np.ndarray:
    """The sentence as espeak-ng itself says it (same voice and rate), silence trimmed."""
    out = subprocess.run(
        ["espeak-ng", "-s", "175", "--stdout", text], capture_output=True, check=True
    ).stdout
    with wave.open(io.BytesIO(out)) as w:
        assert w.getframerate() == RATE
        a = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    loud = np.flatnonzero(np.abs(a.astype(np.int32)) >= THRESHOLD)
    return a[loud[0] : loud[-1] + 1]


def decode(mp3: Path, rate: int) -> np.ndarray:
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(pcm, "<i2").astype(np.float64)


def envelope(a: np.ndarray, hop: int = RATE // 100) -> np.ndarray:
    n = len(a) // hop
    frames = a[: n * hop].astype(np.float64).reshape(n, hop)
    return np.sqrt((frames**2).mean(axis=1))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of 10 ms RMS envelopes, after stretching b's envelope to a's length.

    espeak-ng's library and command-line renders of one sentence can differ in length by
    a few percent (its timing is not fully deterministic), so the reference is stretched
    uniformly; a different sentence never correlates.
    """
    ea, eb = envelope(a), envelope(b)
    if min(len(ea), len(eb)) < 10:
        return -1.0
    eb = np.interp(np.linspace(0, len(eb) - 1, len(ea)), np.arange(len(eb)), eb)
    return float(np.corrcoef(ea, eb)[0, 1])


def similarity_matrix(chapters: list[np.ndarray], refs: list[np.ndarray]) -> np.ndarray:
    return np.array([[similarity(c, r) for r in refs] for c in chapters])


def assert_each_chapter_is_its_paragraph(m: np.ndarray) -> None:
    """Chapter i sounds like paragraph i, and more like it than like any other paragraph."""
    for i in range(len(m)):
        assert m[i, i] > 0.6, f"chapter {i + 1} does not match its paragraph (r={m[i, i]:.3f})"
        others = np.delete(m[i], i)
        assert m[i, i] > others.max() + 0.3, f"chapter {i + 1} matches another paragraph better"


@pytest.fixture(scope="module")
def doc() -> Document:
    with resources.as_file(SAMPLE) as path:
        return load_document(path, Settings())


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the real CLI once, in its own process, as a user would (no REVIEW: the sample)."""
    work = tmp_path_factory.mktemp("e2e")
    proc = subprocess.run(
        [sys.executable, "-m", "narrate", "read", "--cache-dir", str(work / "cache"),
         "--transcript", "srt,vtt", "--chapters-json", "--author", "Narrate Tests",
         "--album", "Film reviews", "--date", "2019-08-23"],
        cwd=work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return {"dir": work, "proc": proc, "mp3": work / "audio" / "pain-and-glory.mp3"}


@pytest.fixture(scope="module")
def refs(doc: Document) -> list[list[np.ndarray]]:
    """Every sentence of every paragraph rendered directly by the espeak-ng command."""
    return [[espeak_render(s.speech) for s in seg.sentences] for seg in doc.segments]


@pytest.fixture(scope="module")
def spoken(narrated: dict) -> list[list[np.ndarray]]:
    """The MP3's audio of every sentence, cut at the SRT cue times, grouped by chapter."""
    audio = decode(narrated["mp3"], RATE)
    chapters = read_tags(narrated["mp3"]).chapters
    srt = narrated["mp3"].with_suffix(".srt").read_text()
    cues = []
    for block in srt.strip().split("\n\n"):
        start, end = block.splitlines()[1].split(" --> ")
        cues.append((parse_timestamp(start) / 1000, parse_timestamp(end) / 1000))
    return [
        [
            audio[round(a * RATE) : round(b * RATE)]
            for a, b in cues
            if c.start - 0.0005 <= a and b <= c.end + 0.0005
        ]
        for c in chapters
    ]


def test_stdout_is_only_the_path(narrated: dict) -> None:
    assert narrated["proc"].stdout == "audio/pain-and-glory.mp3\n"
    assert "Audio saved to" not in narrated["proc"].stderr
    assert "7 chapters" in narrated["proc"].stderr
    assert narrated["mp3"].is_file()


def test_mono_44k_cbr_at_bitrate(narrated: dict) -> None:
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(narrated["mp3"])],
        capture_output=True, text=True, check=True).stdout)  # fmt: skip
    audio = [s for s in probe["streams"] if s["codec_type"] == "audio"]
    assert len(audio) == 1
    assert audio[0]["codec_name"] == "mp3"
    assert audio[0]["channels"] == 1
    assert audio[0]["sample_rate"] == "44100"
    assert audio[0]["bit_rate"] == "96000"
    t = read_tags(narrated["mp3"])
    assert (t.channels, t.sample_rate, t.bitrate, t.bitrate_mode) == (1, 44100, 96000, "CBR")


def clip_frames(doc: Document, cache: Path) -> list[list[int]]:
    """Frames of the cached clip of every sentence: the material narrate stitched.

    (espeak-ng's library render of a sentence can differ from a fresh render by a few
    milliseconds, so exact positions are checked against the clips actually used.)
    """
    settings = Settings()
    store = ClipStore(cache)
    with create_engine(settings.voice) as engine:
        out = []
        for seg in doc.segments:
            row = []
            for s in seg.sentences:
                clip = store.get(clip_key(engine, s.speech, settings.audio))
                assert clip is not None and clip.sample_rate == RATE
                row.append(clip.frames)
            out.append(row)
    return out


def test_chapters_match_paragraphs_and_clip_lengths(narrated: dict, doc: Document) -> None:
    """Chapter and total times are clips + exact pauses + room tone, from the frame counts."""
    t = read_tags(narrated["mp3"])
    assert len(doc.segments) == 7
    assert [c.title for c in t.chapters] == [s.title for s in doc.segments]
    gap, pause = round(SENTENCE_PAUSE * RATE), round(PAUSE * RATE)
    pos = round(HEAD * RATE)
    expected = []
    for i, frames in enumerate(clip_frames(doc, narrated["dir"] / "cache")):
        if i:
            pos += pause
        length = sum(frames) + gap * (len(frames) - 1)
        expected.append((pos / RATE, (pos + length) / RATE))
        pos += length
    total = pos / RATE + TAIL
    # Chapters are contiguous: from 0, each from its speech's start to the next one's,
    # the last to the end of the audio.
    starts = [0.0] + [a for a, _ in expected[1:]]
    bounds = list(zip(starts, [*starts[1:], total], strict=True))
    assert [(ms(c.start), ms(c.end)) for c in t.chapters] == [(ms(a), ms(b)) for a, b in bounds]
    assert ms(t.chapters[-1].end) == ms(total)
    srt = cue_times(narrated["mp3"].with_suffix(".srt").read_text())
    k = 0
    for (a, b), seg in zip(expected, doc.segments, strict=True):  # cues: on the speech
        assert (srt[k][0], srt[k + len(seg.sentences) - 1][1]) == (ms(a), ms(b))
        k += len(seg.sentences)
    decoded = decode(narrated["mp3"], 44100)
    assert abs(len(decoded) - total * 44100) <= 1152  # within one MP3 frame
    # mutagen cannot read the encoder delay/padding from ffmpeg's "Lavc" Info tag, so its
    # length includes them (1105 + padding samples): within two frames of the real one.
    assert abs(t.duration - total) <= 2 * 1152 / 44100
    # and the speech really is there: loud at each chapter's start and end, quiet between
    for a, b in expected:
        inside = decoded[round((a + 0.005) * 44100) : round((b - 0.005) * 44100)]
        assert np.abs(inside).max() > 3000
    for (_, a_end), (b_start, _) in zip(expected, expected[1:], strict=False):
        between = decoded[round((a_end + 0.01) * 44100) : round((b_start - 0.01) * 44100)]
        assert np.abs(between).max() < 200


def test_ffprobe_lists_the_same_chapters_and_tags(narrated: dict) -> None:
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", "-show_format",
         str(narrated["mp3"])], capture_output=True, text=True, check=True).stdout)  # fmt: skip
    t = read_tags(narrated["mp3"])
    assert [c["tags"]["title"] for c in probe["chapters"]] == [c.title for c in t.chapters]
    assert [(int(c["start"]), int(c["end"])) for c in probe["chapters"]] == [
        (ms(c.start), ms(c.end)) for c in t.chapters
    ]
    tags = probe["format"]["tags"]
    assert tags["title"] == "Pain and Glory" == t.title
    assert tags["artist"] == "Narrate Tests" == t.artist
    assert tags["album"] == "Film reviews" == t.album
    assert tags["genre"] == "Speech" == t.genre
    assert tags["date"] == "2019-08-23" == t.date
    assert t.id3_version == 3
    assert t.description and t.description.startswith("Cult film director Salvador Mallo")
    assert t.lyrics and "Pedro Almodóvar" in t.lyrics and t.lyrics.endswith("well worth seeing.")
    assert t.engine and t.engine.startswith("pyttsx3")


def test_every_chapter_sounds_like_its_own_paragraph(
    spoken: list[list[np.ndarray]], refs: list[list[np.ndarray]]
) -> None:
    """The lost-paragraph trap: a lost, duplicated or swapped paragraph fails here."""
    assert len(spoken) == len(refs) == 7
    assert [len(p) for p in spoken] == [len(p) for p in refs]
    firsts = similarity_matrix([p[0] for p in spoken], [p[0] for p in refs])
    assert_each_chapter_is_its_paragraph(firsts)
    for i, (said, ref) in enumerate(zip(spoken, refs, strict=True)):
        for k, (a, b) in enumerate(zip(said, ref, strict=True)):
            assert similarity(a, b) > 0.6, f"paragraph {i + 1}, sentence {k + 1} differs"


def test_the_check_catches_a_swapped_or_lost_paragraph(refs: list[list[np.ndarray]]) -> None:
    """The comparison above can fail: feed it what the naive pyttsx3 loop produces."""
    firsts = [p[0] for p in refs]
    swapped = [firsts[1], firsts[0], *firsts[2:]]
    with pytest.raises(AssertionError, match="chapter 1"):
        assert_each_chapter_is_its_paragraph(similarity_matrix(swapped, firsts))
    lost = [firsts[1], firsts[1], *firsts[2:]]  # paragraph 1 gone, its neighbour said twice
    with pytest.raises(AssertionError, match="chapter 1"):
        assert_each_chapter_is_its_paragraph(similarity_matrix(lost, firsts))


def cue_times(text: str) -> list[tuple[int, int]]:
    """(start, end) in ms of every cue of an SRT or WebVTT file."""
    return [
        (parse_timestamp(a), parse_timestamp(b.split()[0]))
        for line in text.splitlines()
        if " --> " in line
        for a, b in [line.split(" --> ")]
    ]


def test_transcripts_and_json_chapters_agree_with_id3(narrated: dict, doc: Document) -> None:
    mp3 = narrated["mp3"]
    t = read_tags(mp3)
    data = json.loads(mp3.with_suffix(".chapters.json").read_text())
    assert data["version"] == "1.2.0"
    assert [(c["startTime"], c["endTime"], c["title"]) for c in data["chapters"]] == [
        (ms(c.start) / 1000, ms(c.end) / 1000, c.title) for c in t.chapters
    ]
    srt = cue_times(mp3.with_suffix(".srt").read_text())
    vtt_text = mp3.with_suffix(".vtt").read_text()
    assert vtt_text.startswith("WEBVTT")
    assert cue_times(vtt_text) == srt
    assert len(srt) == sum(len(s.sentences) for s in doc.segments)  # one cue per sentence
    k = 0
    for chapter, seg in zip(t.chapters, doc.segments, strict=True):
        mine = srt[k : k + len(seg.sentences)]
        k += len(seg.sentences)
        assert chapter.start <= mine[0][0] / 1000 and mine[-1][1] / 1000 <= chapter.end
        assert mine[0][0] == ms(chapter.start) if k > len(seg.sentences) else chapter.start == 0
        gaps = [b[0] - a[1] for a, b in zip(mine, mine[1:], strict=False)]
        assert all(abs(g - SENTENCE_PAUSE * 1000) <= 1 for g in gaps)
