"""The rows of ``narrate plan``: per chapter, sentences, characters and an estimate."""

from __future__ import annotations

from typing import Any

from ..model import Document
from ..settings import Settings

DEFAULT_WPM = 175


def plan_rows(doc: Document, settings: Settings) -> list[dict[str, Any]]:
    """One row per chapter for ``narrate plan``.

    ``chars`` counts the characters sent to the engine (all sentences' speech);
    ``est_seconds`` is words / (``settings.voice.rate`` or 175 wpm), plus the
    sentence pauses inside the chapter, the paragraph pause after it (the tail after
    the last one) and the head before the first, rounded to 0.1 s.
    """
    wpm = settings.voice.rate or DEFAULT_WPM
    audio = settings.audio
    rows: list[dict[str, Any]] = []
    last = len(doc.segments) - 1
    for i, seg in enumerate(doc.segments):
        words = sum(len(s.speech.split()) for s in seg.sentences)
        seconds = words * 60.0 / wpm + audio.sentence_pause * max(0, len(seg.sentences) - 1)
        seconds += audio.head if i == 0 else 0.0
        seconds += audio.tail if i == last else audio.pause
        rows.append(
            {
                "index": seg.index,
                "title": seg.title,
                "sentences": len(seg.sentences),
                "chars": sum(len(s.speech) for s in seg.sentences),
                "est_seconds": round(seconds, 1),
            }
        )
    return rows
