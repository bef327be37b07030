"""Casting: which of the engine's voices speaks each sentence of a document.

* The **narrator** reads the document: ``--voice``, else the engine's voice for the
  document's language (:meth:`Engine.voice_for_language`; Piper refuses a language it
  has no installed voice for), else the engine's default.
* The **quote voice** (``--quote-voice VOICE``, or ``auto`` for a contrasting voice of
  the same language chosen by the adapter) reads the sentences of block quotes, which
  segmentation marks ``Sentence.voice == "quote"``. Off, they are the narrator's.
* A **span in another script** that the narrator cannot read (a Farsi song title in an
  English review) becomes a sentence piece of its own, read by the engine's voice for
  that script (``Sentence.voice`` = that voice's id); with none, it is left out of the
  speech with a warning naming the paragraph. A review is never refused for one title.

Everything here is decided before the first clip is synthesized.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, replace

from .clips import script_of
from .engines import Engine
from .errors import UnknownVoiceError
from .model import Document, Segment, Sentence
from .settings import Settings

log = logging.getLogger(__name__)

QUOTE = "quote"  # Sentence.voice of a block quote's sentences
AUTO = "auto"  # --quote-voice auto: the adapter picks a contrasting voice
_SCRIPT_NAMES = {"CJK": "Han"}
_OPENING = "\"'«“„‘‚‹([{ "  # punctuation that belongs to the span cut off after it
_CLOSING = "\"'»”’›)]} "  # ... and before it


@dataclass(frozen=True)
class Cast:
    """The voices of one narration: ids of the engine's voices (None: its default)."""

    narrator: str | None
    quote: str | None = None
    quotes_apart: bool = False  # whether quotes have a voice of their own (VTT speakers)

    def voice_of(self, sentence: Sentence) -> str | None:
        """The engine voice that speaks ``sentence``."""
        if sentence.voice is None:
            return self.narrator
        if sentence.voice == QUOTE:
            return self.quote if self.quotes_apart else self.narrator
        return sentence.voice

    def speaker_of(self, sentence: Sentence) -> str:
        """Who speaks ``sentence`` in a transcript: ``Quote`` or ``Narrator``."""
        return "Quote" if self.quotes_apart and sentence.voice == QUOTE else "Narrator"


def narrator_voice(engine: Engine, doc: Document, settings: Settings) -> str | None:
    """``--voice``, else the engine's voice for the document's language, else None."""
    if settings.voice.voice is not None:
        return settings.voice.voice
    if doc.language is None:
        return None
    return engine.voice_for_language(doc.language)


def cast_voices(engine: Engine, doc: Document, settings: Settings) -> tuple[Document, Cast]:
    """Choose the voices of ``doc`` on ``engine`` (left speaking as the narrator), and
    give spans in scripts the narrator cannot read to voices that can, or leave them out.

    Raises ``UnknownVoiceError`` (a ``NarrateError``) for a voice the engine lacks.
    """
    narrator = narrator_voice(engine, doc, settings)
    engine.use_voice(narrator)
    wanted = settings.voice.quote_voice
    quote = None
    if wanted is not None:
        try:
            if wanted != AUTO:
                quote = engine.find_voice(wanted).id  # refused even when nothing quotes
            elif any(s.voice == QUOTE for seg in doc.segments for s in seg.sentences):
                quote = engine.quote_voice(narrator)
        except UnknownVoiceError as exc:
            message = str(exc)
            raise UnknownVoiceError(
                message if message.startswith("--quote-voice") else f"--quote-voice: {message}"
            ) from None
    cast = Cast(narrator, quote, quotes_apart=wanted is not None)
    return give_foreign_spans(engine, doc), cast


# ------------------------------------------------------------- spans in other scripts


def _joins(ch: str) -> bool:
    """A character that stays with the letters around it: marks, ZWNJ/ZWJ."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf")


def foreign_runs(text: str, readable: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, script) of each run of letters in a script not in ``readable``.

    A run holds the spaces, marks and punctuation between letters of its script, never
    a letter of another script, and ends on its last letter (with the marks after it).
    """
    runs: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        script = script_of(text[i])
        if script is None or script in readable:
            i += 1
            continue
        start = end = i
        j = i
        while j < n:
            other = script_of(text[j])
            if other == script:
                end = j + 1
            elif other is not None:
                break
            j += 1
        while end < n and _joins(text[end]):
            end += 1
        runs.append((start, end, script))
        i = end
    return runs


def _speakable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _split(
    sentence: Sentence, runs: list[tuple[int, int, str]], voices: dict[str, str | None],
    paragraph: int, engine: Engine,
) -> list[Sentence]:  # fmt: skip
    """``sentence`` cut into pieces at ``runs``: each run read by its script's voice, or
    left out (with a warning) where there is none."""
    text = sentence.speech
    pieces: list[tuple[str, str | None]] = []  # (speech, voice), None: the sentence's own
    pos = 0
    kept: list[str] = []
    for start, end, script in runs:
        kept.append(text[pos:start].rstrip(_OPENING) + " ")
        span = text[start:end]
        voice = voices[script]
        if voice is None:
            name = _SCRIPT_NAMES.get(script, script.title())
            log.warning(
                "paragraph %d: %r left out of the speech: no %s voice reads %s script",
                paragraph + 1, span, engine.name, name,
            )  # fmt: skip
            kept.append(" ")
        else:
            pieces.append((" ".join("".join(kept).split()), sentence.voice))
            pieces.append((span, voice))
            kept = []
        pos = end
        while pos < len(text) and text[pos] in _CLOSING:
            pos += 1
    kept.append(text[pos:])
    pieces.append((" ".join("".join(kept).split()), sentence.voice))
    out: list[Sentence] = []
    for speech, voice in pieces:
        if _speakable(speech):
            out.append(Sentence("" if out else sentence.display, speech, voice))
    return out


def give_foreign_spans(engine: Engine, doc: Document) -> Document:
    """``doc`` with every span the narrator's voice cannot read given to a voice that
    can, or left out (see the module docstring). Unchanged when the engine reads all."""
    readable = engine.scripts()
    if readable is None:
        return doc
    voices: dict[str, str | None] = {}
    segments: list[Segment] = []
    changed = False
    for seg in doc.segments:
        sentences: list[Sentence] = []
        for sentence in seg.sentences:
            runs = foreign_runs(sentence.speech, readable)
            if not runs:
                sentences.append(sentence)
                continue
            changed = True
            for _, _, script in runs:
                if script not in voices:
                    voices[script] = engine.voice_for_script(
                        script, "".join(sentence.speech[a:b] for a, b, s in runs if s == script)
                    )
            sentences.extend(_split(sentence, runs, voices, seg.index, engine))
            log.info("paragraph %d: %s", seg.index + 1, ", ".join(
                f"{sentence.speech[a:b]!r} read by {voices[s] or 'nobody'}" for a, b, s in runs))
        segments.append(replace(seg, sentences=tuple(sentences)))
    if not changed:
        return doc
    return replace(doc, segments=tuple(segments))
