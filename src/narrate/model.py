"""Plain data that flows between the pipeline stages.

Text side: ``Document`` -> ``Segment`` (one paragraph, one chapter) -> ``Sentence``
(one engine call). Audio side: ``Timeline`` -> ``ChapterTiming`` -> ``Cue``.
All of it is frozen, picklable data so it can cross process boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .metadata import Metadata


@dataclass(frozen=True)
class Sentence:
    """One engine call. ``display`` is shown to people; ``speech`` is sent to the engine."""

    display: str
    speech: str
    # Whose voice speaks it: None is the narrator (the document's voice); "quote" is the
    # quote voice (--quote-voice); any other value is an engine voice id, for a span in
    # a script the narrator's voice cannot read.
    voice: str | None = None


@dataclass(frozen=True)
class Segment:
    """One paragraph: one chapter in the MP3."""

    index: int
    title: str
    display: str
    sentences: tuple[Sentence, ...]
    heading: str | None = None
    kind: str = "paragraph"  # "intro" or "outro" for the spoken intro and outro (intro.py)

    @property
    def speech(self) -> str:
        return " ".join(s.speech for s in self.sentences)


@dataclass(frozen=True)
class Document:
    title: str
    segments: tuple[Segment, ...]
    source: str = ""
    # What the post says of itself (front matter, header block, <meta>): never spoken.
    metadata: Metadata = field(default_factory=Metadata)
    # The document's language as a lowercase BCP 47 tag ("fr", "de", "en-gb"); None when
    # nothing said or detected one (the engine's default voice then reads it).
    language: str | None = None

    @property
    def display_text(self) -> str:
        return "\n\n".join(s.display for s in self.segments)


@dataclass(frozen=True)
class Cue:
    """One sentence's place in the finished audio, in seconds."""

    start: float
    end: float
    text: str
    # Who speaks it, for a WebVTT voice span (<v Narrator>, <v Quote>); None: no span.
    speaker: str | None = None


@dataclass(frozen=True)
class ChapterTiming:
    """One paragraph's chapter in the finished audio, in seconds.

    ``start``/``end`` are the chapter's bounds as the ID3 and JSON chapters give them.
    Chapters are contiguous (see :meth:`Timeline.contiguous`): the first starts
    at 0, every later one starts exactly where its speech starts (after the pause), each
    ends where the next one starts, and the last ends at the end of the audio. The
    cues, and so ``speech_start``/``speech_end``, are exactly on the speech.
    """

    index: int
    title: str
    start: float
    end: float
    cues: tuple[Cue, ...] = field(default_factory=tuple)
    # Which Markdown/HTML section (a heading and what follows it, up to the next one)
    # the chapter is in; None when the document has no headings.
    section: int | None = None

    @property
    def speech_start(self) -> float:
        return self.cues[0].start if self.cues else self.start

    @property
    def speech_end(self) -> float:
        return self.cues[-1].end if self.cues else self.end


@dataclass(frozen=True)
class Timeline:
    duration: float
    chapters: tuple[ChapterTiming, ...]

    @classmethod
    def contiguous(cls, duration: float, chapters: Sequence[ChapterTiming]) -> Timeline:
        """The timeline of ``chapters`` (in order, each with cues), re-bounded.

        The one rule for chapter bounds: the first chapter starts at 0, every later one
        exactly where its first cue starts, each ends where the next starts, and the
        last ends at ``duration``. No instant of the audio is outside a chapter. The
        ``start`` and ``end`` given are ignored.
        """
        starts = [0.0] + [ch.cues[0].start for ch in chapters[1:]]
        ends = starts[1:] + [duration]
        return cls(
            duration,
            tuple(
                ChapterTiming(ch.index, ch.title, start, end, ch.cues, ch.section)
                for ch, start, end in zip(chapters, starts, ends, strict=True)
            ),
        )

    @property
    def cues(self) -> tuple[Cue, ...]:
        return tuple(c for ch in self.chapters for c in ch.cues)
