"""Assembly stage: lay clips and exact pauses on one timeline, and stream the PCM.

``arrange`` turns the clips of every paragraph into a flat list of pieces (silence
or clip) measured in frames. Both the timeline (chapter and cue times) and the PCM
stream are derived from that one list, so what the tags say is where the audio is.
Cues are exactly on the speech; chapters are contiguous (see ``timeline``).
The stream reads one clip at a time from disk: memory stays flat whatever the length.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .clips import Clip
from .model import ChapterTiming, Cue, Document, Sentence, Timeline
from .settings import AudioSettings

SILENCE_BLOCK_FRAMES = 8192
SAMPLE_SECONDS = 120.0  # of speech at most: a loudness sample spread over the narration
SAMPLE_EVERY = 4  # sentence, at least
SAMPLE_ALL_UNDER = 16  # sentences: a shorter narration is all its own sample


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


def spread(paragraphs: Sequence[tuple[int, int, int]], wpm: int,
           seconds: float = SAMPLE_SECONDS) -> set[tuple[int, int]]:  # fmt: skip
    """Every n-th sentence, for at most about ``seconds`` of speech spread over the whole.

    ``paragraphs``: (paragraph index, sentences, words) of each paragraph; n is at least
    ``SAMPLE_EVERY``, more as the words at ``wpm`` ask. Returns (paragraph, sentence)
    pairs.
    """
    words = sum(w for _, _, w in paragraphs)
    flat = [(p, s) for p, n, _ in paragraphs for s in range(n)]
    # At least every 4th: the sample is synthesized before the encoders start, while the
    # rest overlaps with them. Under SAMPLE_ALL_UNDER sentences, all: a few sentences need
    # not sound like the rest (a four-paragraph review once landed 0.8 LU off).
    least = 1 if len(flat) < SAMPLE_ALL_UNDER else SAMPLE_EVERY
    every = max(least, math.ceil(words * 60 / max(1, wpm) / seconds))
    return set(flat[every // 2 :: every] or flat[:1])


def sample_pieces(placed: Sequence[tuple[int, int, Clip]], doc: Document,
                  audio: AudioSettings, rate: int) -> list[Piece]:  # fmt: skip
    """The clips ``placed`` (paragraph, sentence, clip), each with the pause after it."""
    sizes = {seg.index: len(seg.sentences) for seg in doc.segments}
    pieces: list[Piece] = []
    for p, s, clip in placed:
        frames = clip.frames if clip.sample_rate == rate else round(
            clip.frames * rate / clip.sample_rate)  # fmt: skip
        pieces.append(Piece(frames, clip, p, s))
        pause = audio.sentence_pause if s + 1 < sizes.get(p, 0) else audio.pause
        pieces.append(Piece(_frames(pause, rate)))
    return pieces


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


class Rollout:
    """Pieces as they are laid out (lazily), kept: the PCM can be replayed from the start.

    ``pieces`` holds every piece laid out so far (the whole timeline, once ``stream``
    has been read to its end). Clips are read from disk as they are streamed.
    """

    def __init__(self, laid: Iterator[Piece], rate: int) -> None:
        self._laid = laid
        self.rate = rate
        self.pieces: list[Piece] = []

    def _piece(self, i: int) -> Piece | None:
        while i >= len(self.pieces):
            piece = next(self._laid, None)
            if piece is None:
                return None
            self.pieces.append(piece)
        return self.pieces[i]

    def stream(self) -> Iterator[bytes]:
        """All the PCM, from the start: the pieces laid out so far, then the rest as laid."""
        i = 0
        while (piece := self._piece(i)) is not None:
            yield from pcm_stream([piece], self.rate)
            i += 1
