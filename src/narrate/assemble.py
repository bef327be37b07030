"""Assembly stage: lay clips and exact pauses on one timeline, and stream the PCM.

``arrange`` turns the clips of every paragraph into a flat list of pieces (silence
or clip) measured in frames. Both the timeline (chapter and cue times) and the PCM
stream are derived from that one list, so what the tags say is where the audio is.
Cues are exactly on the speech; chapters are contiguous (see ``timeline``).
The stream reads one clip at a time from disk: memory stays flat whatever the length.
"""

from __future__ import annotations

import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .clips import Clip
from .model import ChapterTiming, Cue, Document, Sentence, Timeline
from .settings import AudioSettings

SILENCE_BLOCK_FRAMES = 8192
SAMPLE_EVERY = 4  # a loudness sample takes every 4th sentence (with the pause after it)
SAMPLE_CLIPS = 100  # and no more sentences than this (some 7 minutes), whatever the length
SAMPLE_ALL_UNDER = 4 * SAMPLE_EVERY  # sentences: a shorter narration is its own sample


@dataclass(frozen=True)
class Piece:
    frames: int
    clip: Clip | None = None  # None: silence
    paragraph: int = -1
    sentence: int = -1


def _frames(seconds: float, rate: int) -> int:
    return max(0, round(seconds * rate))


def lay_out(
    placed: Iterable[tuple[int, int, Clip]], audio: AudioSettings, rate: int
) -> Iterator[Piece]:
    """Pieces for clips given as (paragraph, sentence, clip), in order, as they come.

    Lazy, so synthesis of the next clip and encoding of the previous ones overlap.
    """
    yield Piece(_frames(audio.head, rate))
    last = None
    for p, s, clip in placed:
        if last is not None:
            pause = audio.pause if p != last else audio.sentence_pause
            yield Piece(_frames(pause, rate))
        last = p
        frames = (
            clip.frames
            if clip.sample_rate == rate
            else round(clip.frames * rate / clip.sample_rate)
        )
        yield Piece(frames, clip, p, s)
    yield Piece(_frames(audio.tail, rate))


def arrange(clips: Sequence[Sequence[Clip]], audio: AudioSettings, rate: int) -> list[Piece]:
    """All pieces at once, for clips grouped by paragraph."""
    placed = ((p, s, clip) for p, para in enumerate(clips) for s, clip in enumerate(para))
    return list(lay_out(placed, audio, rate))


def timeline(
    doc: Document,
    pieces: Sequence[Piece],
    rate: int,
    speaker: Callable[[Sentence], str | None] | None = None,
) -> Timeline:
    """Chapters and cues of ``doc`` laid out as ``pieces`` are (rate: frames a second).

    Cues sit exactly on each sentence's audio. Chapters are contiguous
    (``Timeline.contiguous``): the first starts at 0 (the room tone before it is part
    of it), every later chapter starts exactly where its first sentence starts, each
    ends where the next starts (the pause after a paragraph belongs to that
    paragraph), and the last ends at the end of the audio. A sentence with no display
    text of its own (a piece cut off for another voice) extends the cue before it.
    ``speaker`` names who speaks
    each sentence (the cues' ``speaker``), when the transcript is to say it.
    """
    pos = 0
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for piece in pieces:
        if piece.clip is not None:
            spans.setdefault(piece.paragraph, []).append((piece.sentence, pos, pos + piece.frames))
        pos += piece.frames
    headed = any(seg.heading is not None for seg in doc.segments)
    section = 0
    spoken = []
    for seg in doc.segments:
        section += seg.heading is not None and seg.index > 0
        cue_list: list[Cue] = []
        for s, start, end in spans.get(seg.index, []):
            sentence = seg.sentences[s]
            if not sentence.display and cue_list:  # a piece of the sentence before it
                cue_list[-1] = replace(cue_list[-1], end=end / rate)
                continue
            cue_list.append(Cue(start / rate, end / rate, sentence.display,
                                speaker(sentence) if speaker else None))  # fmt: skip
        cues = tuple(cue_list)
        if cues:
            where = section if headed else None
            spoken.append(ChapterTiming(seg.index, seg.title, 0.0, 0.0, cues, where))
    return Timeline.contiguous(pos / rate, spoken)


def planned_timeline(doc: Document, audio: AudioSettings) -> Timeline:
    """The timeline of ``doc`` with every clip 0 s long: known before any synthesis.

    Its chapters, titles and sections are the real ones and its times lower bounds of
    the real ones (only the pauses and room tone), for checks before synthesis.
    """
    rate = audio.sample_rate
    silent = Clip(Path(), rate, 0)
    placed = (
        (seg.index, s, silent) for seg in doc.segments for s in range(len(seg.sentences))
    )
    return timeline(doc, list(lay_out(placed, audio, rate)), rate)


def loudness_sample(pieces: Sequence[Piece]) -> list[Piece]:
    """Every n-th sentence of ``pieces`` with the pause after it: a part that sounds alike.

    n is ``SAMPLE_EVERY``, or more for long inputs, so that the sample stays under
    ``SAMPLE_CLIPS`` sentences (a few minutes of speech) however long the narration.
    Under ``SAMPLE_ALL_UNDER`` sentences n is 1: every 4th of a few sentences is one or
    two of them, which need not sound like the rest (measured: a four-paragraph
    Markdown review landed 0.8 LU off and was encoded twice), and the whole is cheap.
    """
    spoken = [i for i, piece in enumerate(pieces) if piece.clip is not None]
    every = (1 if len(spoken) < SAMPLE_ALL_UNDER
             else max(SAMPLE_EVERY, -(-len(spoken) // SAMPLE_CLIPS)))  # fmt: skip
    picked: list[Piece] = []
    for i in spoken[::every]:
        picked.append(pieces[i])
        if i + 1 < len(pieces) and pieces[i + 1].clip is None:
            picked.append(pieces[i + 1])
    return picked


def _clip_pcm(clip: Clip, rate: int, frames: int) -> bytes:
    with wave.open(str(clip.path), "rb") as w:
        data = w.readframes(w.getnframes())
    if clip.sample_rate != rate:
        from pydub import AudioSegment

        seg = AudioSegment(data=data, sample_width=2, frame_rate=clip.sample_rate, channels=1)
        data = seg.set_frame_rate(rate).raw_data
    want = frames * 2
    return data[:want].ljust(want, b"\x00")


def pcm_stream(pieces: Sequence[Piece], rate: int) -> Iterator[bytes]:
    """Yield mono 16-bit PCM for ``pieces``, one clip or one block of silence at a time."""
    block = b"\x00\x00" * SILENCE_BLOCK_FRAMES
    for piece in pieces:
        if piece.clip is None:
            left = piece.frames
            while left > 0:
                n = min(left, SILENCE_BLOCK_FRAMES)
                yield block if n == SILENCE_BLOCK_FRAMES else block[: n * 2]
                left -= n
        else:
            yield _clip_pcm(piece.clip, rate, piece.frames)
