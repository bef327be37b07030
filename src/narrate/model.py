"""Plain data that flows between the pipeline stages.

Text side: ``Document`` -> ``Segment`` (one paragraph, one chapter) -> ``Sentence``
(one engine call). Audio side: ``Timeline`` -> ``ChapterTiming`` -> ``Cue``.
All of it is frozen, picklable data so it can cross process boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sentence:
    """One engine call. ``display`` is shown to people; ``speech`` is sent to the engine."""

    display: str
    speech: str


@dataclass(frozen=True)
class Segment:
    """One paragraph: one chapter in the MP3."""

    index: int
    title: str
    display: str
    sentences: tuple[Sentence, ...]
    heading: str | None = None

    @property
    def speech(self) -> str:
        return " ".join(s.speech for s in self.sentences)


@dataclass(frozen=True)
class Document:
    title: str
    segments: tuple[Segment, ...]
    source: str = ""

    @property
    def display_text(self) -> str:
        return "\n\n".join(s.display for s in self.segments)


@dataclass(frozen=True)
class Cue:
    """One sentence's place in the finished audio, in seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class ChapterTiming:
    """Where one paragraph's speech starts and ends in the finished audio, in seconds."""

    index: int
    title: str
    start: float
    end: float
    cues: tuple[Cue, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Timeline:
    duration: float
    chapters: tuple[ChapterTiming, ...]

    @property
    def cues(self) -> tuple[Cue, ...]:
        return tuple(c for ch in self.chapters for c in ch.cues)
