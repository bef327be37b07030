"""What ``narrate plan`` shows: per chapter, sentences, characters, an estimate and the
exact speech; the post's metadata; the speech as text to proofread."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..model import Document
from ..settings import Settings

DEFAULT_WPM = 175


def plan_rows(doc: Document, settings: Settings) -> list[dict[str, Any]]:
    """One row per chapter for ``narrate plan``.

    ``chars`` counts the characters sent to the engine (all sentences' speech);
    ``speech`` is each sentence exactly as the engine gets it, one engine call each;
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
                "speech": [s.speech for s in seg.sentences],
            }
        )
    return rows


def plan_metadata(doc: Document, settings: Settings) -> dict[str, Any]:
    """The post's own metadata (every field; the cover as a path), and what was chosen
    from it: the document's language and the voice named for it (None: the engine's)."""
    found: dict[str, Any] = dataclasses.asdict(doc.metadata)
    if doc.metadata.cover is not None:
        found["cover"] = str(doc.metadata.cover)
    found["chosen"] = {"language": doc.language, "voice": settings.voice.voice}
    return found


def speech_text(doc: Document) -> str:
    """Every engine call's text, one sentence a line, under a line per chapter
    (``== 1. Title ==``), chapters a blank line apart."""
    parts: list[str] = []
    for seg in doc.segments:
        lines = [f"== {seg.index + 1}. {seg.title} =="]
        lines += [s.speech for s in seg.sentences]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
