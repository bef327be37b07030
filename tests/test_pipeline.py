"""The pipeline end to end with the deterministic tone engine: exact to the sample.

The tone engine yields silence, a square wave of ``ToneEngine.tone_frames(text)``
frames at 22050 Hz, then silence; so every clip length, every cue and chapter time
and the layout of loud and silent audio in the MP3 are known in advance.
"""

from __future__ import annotations

import array
import json
import struct
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import narrate.assemble as assemble
import narrate.pipeline as pipeline
from narrate.assemble import SILENCE_BLOCK_FRAMES, Piece, arrange, pcm_stream, timeline
from narrate.atomic import TMP_PREFIX
from narrate.clips import Clip, ClipStore, clip_key, render_clip, speech_bounds, threshold, verify
from narrate.engines.base import AudioChunk, Engine, Voice
from narrate.engines.tone import HALF_PERIOD, SAMPLE_RATE, ToneEngine
from narrate.errors import ClipError, OutputError
from narrate.model import ChapterTiming, Cue, Document, Segment, Sentence, Timeline
from narrate.pipeline import narrate
from narrate.segment import load_document
from narrate.settings import AudioSettings, Settings, VoiceSettings
from narrate.tags import ms, read_tags
from narrate.transcripts import parse_timestamp

RATE = SAMPLE_RATE  # 22050: the tone engine's rate is the stream's rate
OUT_RATE = 44100
MP3_FRAME = 1152
AMPLITUDE = int(0.5 * 32767)

# Distinct room-tone lengths, each a whole number of frames at 22050 Hz.
HEAD, PAUSE, SENTENCE_PAUSE, TAIL = 0.5, 0.7, 0.3, 0.9
HEAD_F, PAUSE_F, SENTENCE_PAUSE_F, TAIL_F = 11025, 15435, 6615, 19845

PARAGRAPHS = [
    ["The first paragraph opens here.", "It has a second sentence too."],
    ["Another paragraph speaks briefly."],
    ["The closing paragraph arrives.", "Then it ends.", "Finally done."],
]


def _settings(bitrate: str = "64k", **extra: object) -> Settings:
    return Settings(
        voice=VoiceSettings(engine="tone"),
        audio=AudioSettings(
            head=HEAD, pause=PAUSE, sentence_pause=SENTENCE_PAUSE, tail=TAIL, bitrate=bitrate
        ),
        **extra,  # type: ignore[arg-type]
    )


def _decode(mp3: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64)


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(x * x))) if len(x) else 0.0
    return 20 * np.log10(max(rms, 1e-9) / 32768)


def _expected_timeline(doc: Document) -> Timeline:
    """Cue and chapter times from frame arithmetic alone.

    Chapters are contiguous: the first starts at 0, the others where their first cue
    starts; each ends where the next starts, and the last at the end of the audio.
    """
    pos = HEAD_F
    spoken = []
    for p, seg in enumerate(doc.segments):
        if p:
            pos += PAUSE_F
        cues = []
        for s, sentence in enumerate(seg.sentences):
            if s:
                pos += SENTENCE_PAUSE_F
            n = ToneEngine.tone_frames(sentence.speech)
            cues.append(Cue(pos / RATE, (pos + n) / RATE, sentence.display))
            pos += n
        spoken.append((seg, tuple(cues)))
    duration = (pos + TAIL_F) / RATE
    chapters = []
    for i, (seg, cues) in enumerate(spoken):
        start = cues[0].start if i else 0.0
        end = spoken[i + 1][1][0].start if i + 1 < len(spoken) else duration
        chapters.append(ChapterTiming(seg.index, seg.title, start, end, cues))
    return Timeline(duration, tuple(chapters))


@pytest.fixture
def narrated(tmp_path: Path, tone_review: Path, clip_store: ClipStore):
    settings = _settings()
    doc = load_document(tone_review, settings)
    result = narrate(doc, tmp_path / "out.mp3", settings, store=clip_store)
    return doc, result


# ------------------------------------------------------------------------------ trimming


def _pcm(*samples: int) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def test_threshold_of_minus_50_db() -> None:
    assert threshold(-50.0) == 103
    assert threshold(-200.0) == 1  # never 0: digital silence is always silence


@pytest.mark.parametrize(
    ("samples", "bounds"),
    [
        ((0, 0, 0, 0), (0, 0)),  # all digital silence
        ((0, 50, -102, 102, 0), (0, 0)),  # all below the threshold
        ((), (0, 0)),  # nothing at all
        ((0, 0, 50, 103, 0, -5, -103, 102, 0), (3, 7)),  # +-threshold counts as loud
        ((-20000, 0, 0), (0, 1)),
        ((0, 0, 20000), (2, 3)),
        ((30000,), (0, 1)),
        ((0, 104, 0, 0, 0, 0, -104, 0), (1, 7)),  # inner silence is kept
    ],
)
def test_speech_bounds_on_crafted_pcm(samples: tuple[int, ...], bounds: tuple[int, int]) -> None:
    assert speech_bounds(_pcm(*samples), -50.0) == bounds


def test_speech_bounds_ignores_a_dangling_odd_byte() -> None:
    assert speech_bounds(_pcm(0, 500, 0) + b"\x7f", -50.0) == (1, 2)


def test_speech_bounds_threshold_follows_db() -> None:
    pcm = _pcm(0, 500, 2000, 500, 0)
    assert speech_bounds(pcm, -50.0) == (1, 4)
    assert speech_bounds(pcm, -30.0) == (2, 3)  # threshold 1036
    assert speech_bounds(pcm, -20.0) == (0, 0)  # threshold 3276


def test_cached_clips_hold_exactly_the_tone(tone_review: Path, clip_store: ClipStore) -> None:
    settings = _settings()
    doc = load_document(tone_review, settings)
    engine = ToneEngine(settings.voice)
    narrate(doc, tone_review.with_name("out.mp3"), settings, engine=engine, store=clip_store)
    speeches = [s.speech for seg in doc.segments for s in seg.sentences]
    assert speeches == [s for para in PARAGRAPHS for s in para]
    assert clip_store.info()[0] == len(speeches)
    for speech in speeches:
        clip = clip_store.get(clip_key(engine, speech, settings.audio))
        assert clip is not None and clip.cached
        assert clip.sample_rate == RATE
        assert clip.frames == ToneEngine.tone_frames(speech)
        with wave.open(str(clip.path), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
            data = array.array("h", w.readframes(w.getnframes()))
        assert len(data) == ToneEngine.tone_frames(speech)
        # Leading and trailing silence gone: the clip starts and ends on the square wave.
        assert data[0] == AMPLITUDE
        assert abs(data[-1]) == AMPLITUDE
        assert set(data) == {AMPLITUDE, -AMPLITUDE}


def test_render_clip_trims_to_tone_frames(clip_store: ClipStore) -> None:
    audio = AudioSettings()
    engine = ToneEngine(VoiceSettings(engine="tone"))
    text = "A sentence of moderate length for the tone."
    clip = render_clip(engine, text, clip_store, audio, paragraph=0)
    assert clip.frames == ToneEngine.tone_frames(text) == round(0.02 * len(text) * RATE)
    assert clip.duration == ToneEngine.tone_frames(text) / RATE
    assert not clip.cached
    again = render_clip(engine, text, clip_store, audio, paragraph=0)
    assert again.cached and again.frames == clip.frames and again.path == clip.path


# ---------------------------------------------------------------------- arrange / timeline


def test_arrange_lays_exact_pauses(tmp_path: Path) -> None:
    a = Clip(tmp_path / "a.wav", RATE, 1000)
    b = Clip(tmp_path / "b.wav", RATE, 2000)
    c = Clip(tmp_path / "c.wav", 2 * RATE, 3000)  # another rate: frames are rescaled
    audio = AudioSettings(head=HEAD, pause=PAUSE, sentence_pause=SENTENCE_PAUSE, tail=TAIL)
    pieces = arrange([[a, b], [c]], audio, RATE)
    assert pieces == [
        Piece(HEAD_F),
        Piece(1000, a, 0, 0),
        Piece(SENTENCE_PAUSE_F),
        Piece(2000, b, 0, 1),
        Piece(PAUSE_F),
        Piece(1500, c, 1, 0),
        Piece(TAIL_F),
    ]


def test_timeline_times_are_frame_sums(narrated) -> None:
    doc, result = narrated
    expected = _expected_timeline(doc)
    assert result.timeline == expected  # every start, end, cue time and text, exactly
    assert result.duration == expected.duration
    tone = sum(ToneEngine.tone_frames(s) for para in PARAGRAPHS for s in para)
    sentence_gaps = sum(len(p) - 1 for p in PARAGRAPHS)
    total = HEAD_F + tone + PAUSE_F * (len(PARAGRAPHS) - 1) + SENTENCE_PAUSE_F * sentence_gaps
    assert result.duration == (total + TAIL_F) / RATE
    assert [ch.title for ch in result.timeline.chapters] == [
        "The first paragraph opens here. It…",
        "Another paragraph speaks briefly.",
        "The closing paragraph arrives. Then it…",
    ]
    chapters = result.timeline.chapters
    assert chapters[0].start == 0.0 and chapters[0].speech_start == HEAD
    assert [c.end for c in chapters[:-1]] == [c.start for c in chapters[1:]]
    assert [c.start for c in chapters[1:]] == [c.cues[0].start for c in chapters[1:]]
    assert chapters[-1].end == result.duration
    assert [c.text for c in result.timeline.cues] == [s for p in PARAGRAPHS for s in p]
    assert result.chapters == 3
    assert result.clips_synthesized == 6 and result.clips_cached == 0


def test_pcm_stream_matches_pieces(tmp_path: Path, clip_store: ClipStore) -> None:
    engine = ToneEngine(VoiceSettings(engine="tone"))
    clip = render_clip(engine, "Twenty chars of text", clip_store, AudioSettings(), paragraph=0)
    pieces = [Piece(SILENCE_BLOCK_FRAMES + 5), Piece(clip.frames, clip, 0, 0), Piece(7)]
    blocks = list(pcm_stream(pieces, RATE))
    assert [len(b) // 2 for b in blocks] == [SILENCE_BLOCK_FRAMES, 5, clip.frames, 7]
    samples = np.frombuffer(b"".join(blocks), dtype="<i2")
    lead = SILENCE_BLOCK_FRAMES + 5
    assert not samples[:lead].any() and not samples[lead + clip.frames :].any()
    assert np.all(np.abs(samples[lead : lead + clip.frames]) == AMPLITUDE)
    doc = Document("t", (Segment(0, "t", "Twenty chars of text", (Sentence("x", "y"),)),))
    tl = timeline(doc, pieces, RATE)
    assert tl.duration == (lead + clip.frames + 7) / RATE
    assert (tl.chapters[0].start, tl.chapters[0].end) == (0.0, tl.duration)
    assert tl.chapters[0].speech_start == lead / RATE
    assert tl.chapters[0].speech_end == (lead + clip.frames) / RATE


# -------------------------------------------------------------------------------- the MP3


def test_mp3_audio_is_where_the_timeline_says(narrated, tmp_path: Path) -> None:
    doc, result = narrated
    tl = result.timeline
    pcm = _decode(result.output)
    assert abs(len(pcm) - tl.duration * OUT_RATE) <= MP3_FRAME

    def at(t: float) -> int:
        return round(t * OUT_RATE)

    edge = at(0.002)  # encoder/resampler ringing at the edges of each tone
    quiet_after = at(0.030)  # MP3 post-echo after a tone ends: about 25 ms at -35 dB
    quiet_before = at(0.015)  # MP3 pre-echo before a tone starts: about 10 ms
    cues = tl.cues
    for cue in cues:
        inside = pcm[at(cue.start) + edge : at(cue.end) - edge]
        assert len(inside) > 0.1 * OUT_RATE
        assert _db(inside) > -8.0, cue  # the square wave is at -6 dBFS
        # Onset and offset to within 2 ms: 1-ms windows just inside are loud ...
        assert _db(pcm[at(cue.start) + edge : at(cue.start) + edge + at(0.001)]) > -10.0
        assert _db(pcm[at(cue.end) - edge - at(0.001) : at(cue.end) - edge]) > -10.0
        # ... and 1-ms windows just outside are far quieter.
        assert _db(pcm[at(cue.start) - edge - at(0.001) : at(cue.start) - edge]) < -40.0
        assert _db(pcm[at(cue.end) + edge : at(cue.end) + edge + at(0.001)]) < -25.0
    gaps = [(0.0, cues[0].start)]
    gaps += [(a.end, b.start) for a, b in zip(cues, cues[1:], strict=False)]
    gaps.append((cues[-1].end, tl.duration))
    for start, end in gaps:
        silent = pcm[at(start) + (quiet_after if start else 0) : at(end) - quiet_before]
        assert len(silent) > 0.2 * OUT_RATE
        assert _db(silent) < -80.0, (start, end)

    tags = read_tags(result.output)
    from_tags = [(ms(c.start), ms(c.end)) for c in tags.chapters]
    expected = [(ms(c.start), ms(c.end)) for c in tl.chapters]
    assert from_tags == expected == [(0, 2700), (2700, 4060), (4060, ms(tl.duration))]
    assert [c.title for c in tags.chapters] == [c.title for c in tl.chapters]
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(result.output)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    from_probe = [
        (round(float(c["start_time"]) * 1000), round(float(c["end_time"]) * 1000))
        for c in probe["chapters"]
    ]
    assert from_probe == expected
    assert [c["tags"]["title"] for c in probe["chapters"]] == [c.title for c in tl.chapters]


@pytest.mark.parametrize("bitrate", ["64k", "128k"])
def test_mp3_is_mono_44100_cbr(
    bitrate: str, tmp_path: Path, tone_review: Path, clip_store: ClipStore
) -> None:
    settings = _settings(bitrate)
    doc = load_document(tone_review, settings)
    result = narrate(doc, tmp_path / f"{bitrate}.mp3", settings, store=clip_store)
    tags = read_tags(result.output)
    assert tags.channels == 1
    assert tags.sample_rate == 44100
    assert tags.bitrate_mode == "CBR"
    assert round(tags.bitrate / 1000) == int(bitrate[:-1])
    assert abs(tags.duration - result.duration) < 0.1
    stream = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(result.output)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )["streams"]
    audio = [s for s in stream if s["codec_type"] == "audio"]
    assert len(audio) == 1
    assert audio[0]["codec_name"] == "mp3"
    assert (audio[0]["channels"], audio[0]["sample_rate"]) == (1, "44100")
    assert audio[0]["bit_rate"] == str(int(bitrate[:-1]) * 1000)


# ---------------------------------------------------------------------------------- cache


def test_cache_reuse_edit_and_rate(tmp_path: Path, tone_review: Path, clip_store: ClipStore):
    settings = _settings()
    out = tmp_path / "out.mp3"
    calls = ToneEngine.calls
    first = narrate(load_document(tone_review, settings), out, settings, store=clip_store)
    assert (first.clips_synthesized, first.clips_cached) == (6, 0)
    assert ToneEngine.calls == calls + 6

    calls = ToneEngine.calls
    second = narrate(load_document(tone_review, settings), out, settings, store=clip_store)
    assert (second.clips_synthesized, second.clips_cached) == (0, 6)
    assert ToneEngine.calls == calls
    assert second.timeline == first.timeline

    tone_review.write_text(
        tone_review.read_text().replace("speaks briefly.", "speaks rather briefly."),
        encoding="utf-8",
    )
    calls = ToneEngine.calls
    edited = narrate(load_document(tone_review, settings), out, settings, store=clip_store)
    assert (edited.clips_synthesized, edited.clips_cached) == (1, 5)
    assert ToneEngine.calls == calls + 1
    grown = ToneEngine.tone_frames("Another paragraph speaks rather briefly.") - (
        ToneEngine.tone_frames("Another paragraph speaks briefly.")
    )
    assert grown == round(0.14 * RATE)
    assert edited.duration == (round(first.duration * RATE) + grown) / RATE

    slower = settings.with_overrides(voice={"rate": 150})
    calls = ToneEngine.calls
    redone = narrate(load_document(tone_review, slower), out, slower, store=clip_store)
    assert (redone.clips_synthesized, redone.clips_cached) == (6, 0)
    assert ToneEngine.calls == calls + 6
    assert clip_store.info()[0] == 6 + 1 + 6


# ------------------------------------------------------------------- verify and the retry


def _tone_chunks(frames: int, lead: int = 500, trail: int = 700) -> Iterator[AudioChunk]:
    samples = [AMPLITUDE if (i // HALF_PERIOD) % 2 == 0 else -AMPLITUDE for i in range(frames)]
    yield AudioChunk(RATE, 2, 1, b"\x00\x00" * lead)
    yield AudioChunk(RATE, 2, 1, struct.pack(f"<{frames}h", *samples))
    yield AudioChunk(RATE, 2, 1, b"\x00\x00" * trail)


class _TestEngine(Engine):
    name = "test"

    def __init__(self, settings: VoiceSettings | None = None) -> None:
        super().__init__(settings or VoiceSettings(engine="test"))
        self.calls: list[str] = []

    def voices(self) -> list[Voice]:
        return [Voice("test", "Test")]

    @staticmethod
    def plausible_frames(text: str) -> int:
        return round(0.3 * len(text.split()) * RATE)


class FlakyEngine(_TestEngine):
    """Fails its first call, then speaks at 0.3 s per word."""

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        self.calls.append(text)
        if len(self.calls) == 1:
            raise ClipError("engine hiccup")
        yield from _tone_chunks(self.plausible_frames(text))


class ShortEngine(_TestEngine):
    """Speaks sentences under 40 words plausibly, longer ones in 50 ms."""

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        self.calls.append(text)
        words = len(text.split())
        yield from _tone_chunks(round(0.05 * RATE) if words >= 40 else self.plausible_frames(text))


class SilentEngine(_TestEngine):
    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        self.calls.append(text)
        yield AudioChunk(RATE, 2, 1, b"\x00\x00" * RATE)


LONG = " ".join(["word"] * 40) + "."


def _doc(*paragraphs: str) -> Document:
    segments = tuple(
        Segment(i, f"Paragraph {i + 1}", text, (Sentence(text, text),))
        for i, text in enumerate(paragraphs)
    )
    return Document("Doc", segments, source="doc.txt")


def test_verify_bounds() -> None:
    verify(RATE, round(2.95 * RATE), LONG)  # 40 words: 2.9 s .. 82 s
    verify(RATE, round(81.9 * RATE), LONG)
    with pytest.raises(ClipError, match=r"^2\.85 s of audio for 40 words is not plausible"):
        verify(RATE, round(2.85 * RATE), LONG)
    with pytest.raises(ClipError, match="not plausible"):
        verify(RATE, round(82.1 * RATE), LONG)
    with pytest.raises(ClipError, match=r"^0\.05 s of audio for 40 words"):
        verify(RATE, round(0.05 * RATE), LONG)
    with pytest.raises(ClipError, match="implausible sample rate 3000 Hz"):
        verify(3000, 3000, "One word.")


def test_verify_counts_digits_and_acronyms_as_words() -> None:
    """espeak-ng reads an ISBN digit by digit: 7.25 s for "ISBN 9780306406157." is fine."""
    isbn = "ISBN 9780306406157."  # 2 words + 4 capitals + 13 digits: up to 40 s
    verify(RATE, round(7.25 * RATE), isbn)
    verify(RATE, round(39.9 * RATE), isbn)
    with pytest.raises(ClipError, match=r"^40\.10 s of audio for 2 words is not plausible"):
        verify(RATE, round(40.1 * RATE), isbn)
    with pytest.raises(ClipError, match=r"expected 0\.0-6\.0 s"):
        verify(RATE, round(7.25 * RATE), "isbn number.")


def test_a_failed_call_is_retried_once(clip_store: ClipStore) -> None:
    engine = FlakyEngine()
    text = "Five words in this sentence."
    clip = render_clip(engine, text, clip_store, AudioSettings(), paragraph=0)
    assert engine.calls == [text, text]
    assert clip.frames == FlakyEngine.plausible_frames(text) == round(1.5 * RATE)
    assert clip_store.info()[0] == 1


def test_retry_inside_narrate(tmp_path: Path, clip_store: ClipStore) -> None:
    engine = FlakyEngine()
    settings = Settings(voice=VoiceSettings(engine="test"))
    result = narrate(
        _doc("Only one paragraph here."), tmp_path / "o.mp3", settings, engine=engine,
        store=clip_store,
    )  # fmt: skip
    assert len(engine.calls) == 2
    assert (result.clips_synthesized, result.clips_cached) == (1, 0)
    chapter = result.timeline.chapters[0]
    # default head 0.5 s = 11025 frames; 4 words at 0.3 s = 26460 frames
    assert (chapter.speech_start, chapter.speech_end) == (11025 / RATE, (11025 + 26460) / RATE)
    assert (chapter.start, chapter.end) == (0.0, result.duration)
    assert result.output.is_file()


def test_implausible_audio_names_the_paragraph(tmp_path: Path, clip_store: ClipStore) -> None:
    engine = ShortEngine()
    settings = Settings(voice=VoiceSettings(engine="test"))
    doc = _doc("A fine first paragraph.", "A fine second one.", LONG, "Never reached here.")
    out = tmp_path / "o.mp3"
    with pytest.raises(ClipError) as info:
        narrate(doc, out, settings, engine=engine, store=clip_store)
    message = str(info.value)
    assert message.startswith("paragraph 3: no usable audio for 'word word word word word ")
    assert message.endswith(
        "after 2 attempts: 0.05 s of audio for 40 words is not plausible (expected 2.9-82.0 s)"
    )
    assert info.value.paragraph == 2
    assert engine.calls == [doc.segments[0].speech, doc.segments[1].speech, LONG, LONG]
    assert not out.exists()
    assert not list(tmp_path.glob(TMP_PREFIX + "*"))


@pytest.mark.parametrize("paragraph", [0, 4])
def test_render_clip_error_is_one_based(paragraph: int, clip_store: ClipStore) -> None:
    with pytest.raises(ClipError, match=rf"^paragraph {paragraph + 1}: ") as info:
        render_clip(ShortEngine(), LONG, clip_store, AudioSettings(), paragraph=paragraph)
    assert info.value.paragraph == paragraph
    assert clip_store.info() == (0, 0)


def test_only_silence_is_a_clip_error(tmp_path: Path, clip_store: ClipStore) -> None:
    engine = SilentEngine()
    settings = Settings(voice=VoiceSettings(engine="test"))
    with pytest.raises(ClipError) as info:
        narrate(_doc("Say something."), tmp_path / "o.mp3", settings, engine=engine,
                store=clip_store)  # fmt: skip
    assert str(info.value) == (
        "paragraph 1: no usable audio for 'Say something.' after 2 attempts: "
        "engine produced only silence"
    )
    assert info.value.paragraph == 0
    assert len(engine.calls) == 2
    assert clip_store.info() == (0, 0)


# ---------------------------------------------------------------------------- atomic output


def _interrupting(after: int):
    """A pcm_stream that raises KeyboardInterrupt after ``after`` blocks in all (the
    narration's stream calls it once per piece)."""
    real = assemble.pcm_stream
    sent = 0

    def stream(pieces, rate):
        nonlocal sent
        for block in real(pieces, rate):
            if sent == after:
                raise KeyboardInterrupt
            sent += 1
            yield block

    return stream


@pytest.mark.parametrize("previous", [None, b"ID3 the previous episode \x00\xff" * 100])
def test_interrupted_encoding_leaves_target_alone(
    previous: bytes | None,
    tmp_path: Path,
    tone_review: Path,
    clip_store: ClipStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "episode.mp3"
    if previous is not None:
        target.write_bytes(previous)
    monkeypatch.setattr(assemble, "pcm_stream", _interrupting(after=5))
    settings = _settings(transcripts=("srt",))
    doc = load_document(tone_review, settings)
    with pytest.raises(KeyboardInterrupt):
        narrate(doc, target, settings, store=clip_store)
    if previous is None:
        assert not target.exists()
        assert list(out_dir.iterdir()) == []
    else:
        assert target.read_bytes() == previous
        assert list(out_dir.iterdir()) == [target]
    assert not list(out_dir.glob(TMP_PREFIX + "*"))


def test_failed_tagging_leaves_no_file(
    tmp_path: Path, tone_review: Path, clip_store: ClipStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "write_tags", boom)
    settings = _settings()
    target = tmp_path / "out" / "episode.mp3"
    with pytest.raises(OSError, match="disk full"):
        narrate(load_document(tone_review, settings), target, settings, store=clip_store)
    assert list(target.parent.iterdir()) == []


# ------------------------------------------------------------------------------ side files


def _srt_cues(text: str) -> list[tuple[int, int, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        number, times, line = block.split("\n")
        start, end = times.split(" --> ")
        cues.append((parse_timestamp(start), parse_timestamp(end), line))
        assert int(number) == len(cues)
    return cues


def test_side_files(tmp_path: Path, tone_review: Path, clip_store: ClipStore) -> None:
    settings = _settings(transcripts=("srt", "vtt"), chapters_json=True)
    out = tmp_path / "out" / "my.episode.mp3"
    doc = load_document(tone_review, settings)
    result = narrate(doc, out, settings, store=clip_store)
    srt, vtt, chapters = (
        out.with_name("my.episode" + s) for s in (".srt", ".vtt", ".chapters.json")
    )
    assert set(result.side_files) == {srt, vtt, chapters}
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["my.episode.mp3", "my.episode.srt", "my.episode.vtt", "my.episode.chapters.json"]
    )
    tl = result.timeline
    cues = _srt_cues(srt.read_text(encoding="utf-8"))
    assert [c[2] for c in cues] == [s for p in PARAGRAPHS for s in p]
    assert [(c[0], c[1]) for c in cues] == [(ms(c.start), ms(c.end)) for c in tl.cues]
    tag_chapters = read_tags(out).chapters
    i = 0
    for n, (ch, tag) in enumerate(zip(tl.chapters, tag_chapters, strict=True)):
        first, last = cues[i], cues[i + len(ch.cues) - 1]
        assert (first[0], last[1]) == (ms(ch.speech_start), ms(ch.speech_end))
        assert (ms(tag.start), ms(tag.end)) == (ms(ch.start), ms(ch.end))
        assert first[0] == ms(tag.start) if n else ms(tag.start) == 0
        i += len(ch.cues)
    assert i == len(cues)
    assert ms(tag_chapters[-1].end) == ms(tl.duration)

    vtt_text = vtt.read_text(encoding="utf-8")
    assert vtt_text.startswith("WEBVTT\n")
    assert _srt_cues(vtt_text.split("\n", 2)[2]) == cues

    data = json.loads(chapters.read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    assert data["title"] == "A Quiet Test Review"
    assert data["chapters"] == [
        {"startTime": ms(c.start) / 1000, "endTime": ms(c.end) / 1000, "title": c.title}
        for c in tl.chapters
    ]
    assert not list(out.parent.glob(TMP_PREFIX + "*"))


def test_no_side_files_by_default(narrated, tmp_path: Path) -> None:
    _, result = narrated
    assert result.side_files == ()
    assert not list(tmp_path.glob("out.*.json")) and not list(tmp_path.glob("out.s*"))
    assert result.output == tmp_path / "out.mp3" and result.output.is_file()


def test_a_side_file_never_overwrites_the_mp3(
    tmp_path: Path, tone_review: Path, clip_store: ClipStore
) -> None:
    settings = _settings(transcripts=("srt",))
    out = tmp_path / "ep.srt"
    with pytest.raises(OutputError) as info:
        narrate(load_document(tone_review, settings), out, settings, store=clip_store)
    assert str(info.value) == f"{out}: the output file name must end in .mp3"
    assert not out.exists()
