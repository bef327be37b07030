"""Paragraphs and sentences: from a review file to a :class:`~narrate.model.Document`.

Rules (see :func:`load_document`):

* Paragraphs are separated by blank lines; the lines of one paragraph are joined
  with a space; CRLF/CR are normalized; whitespace-only paragraphs vanish. In
  Markdown and HTML every paragraph, whole list, quote or table row is a paragraph,
  and a heading starts a new chapter: it becomes that chapter's title, its
  ``heading``, the start of its ``display`` and its first spoken sentence.
* A list's display puts each item on its own line. Each item is spoken as its own
  sentence(s); when an item's speech does not end in ``. ! ?`` it gets a full stop
  (a trailing ``, ; :`` becomes one) so the engine pauses. The display is untouched.
* The document title is the ``title`` argument, else ``settings.tags.title``, else a
  title line, else the Markdown/HTML title, else one made from the file name. A
  *title line* is a plain-text first paragraph that is a single line of at most 80
  characters, contains a letter, does not end in ``. ! ? , ; : …`` and is not the
  only paragraph. A title line is never a chapter (even when ``title`` is given).
* Each chapter's ``title`` is its heading, else the paragraph's first six words
  (fewer if longer than 60 characters), with "…" when cut.
* Sentences come from pysbd (English, ``clean=False``) on the display text and are
  mapped back onto it, so no character is lost. A sentence whose speech is longer
  than ``settings.text.max_sentence_chars`` is split at clause punctuation
  (``, ; :`` and dashes), then between words, then, for a single over-long "word",
  hard (between two letters/digits when possible, never before a combining mark).
  Every ``Sentence.speech`` is within the bound. ``Sentence.display`` values are
  consecutive, stripped slices of the chapter's display text.
* Unspeakable text (no letter or digit after :func:`normalize_for_speech`, e.g. only
  emoji or ``* * *``) is never an engine call. Such a sentence is left out of
  ``sentences`` but stays in ``display``. A paragraph with no speakable sentence is
  not a chapter: its display text is appended to the previous chapter's display
  (or, at the start, put before the next chapter's), joined by a blank line, so the
  display text of the document keeps every word in order. If nothing at all is
  speakable the input is refused: ``"<name>: no readable text"``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..loading import load_text
from ..model import Document
from ..settings import Settings
from ..speech import load_lexicon
from .chapters import build_segments
from .intro import add_intro_outro
from .language import choose_language
from .plan import DEFAULT_WPM, plan_rows
from .sentences import (
    Speak,
    block_sentences,
    fit_sentence,
    item_sentences,
    make_speaker,
    paragraph_sentences,
    split_sentences,
)
from .titles import (
    TITLE_CHARS,
    TITLE_LINE_MAX,
    TITLE_WORDS,
    UNTITLED,
    clean_title,
    document_title,
    opening_words,
    title_from_filename,
    title_line,
)

__all__ = [
    "DEFAULT_WPM",
    "TITLE_CHARS",
    "TITLE_LINE_MAX",
    "TITLE_WORDS",
    "UNTITLED",
    "Speak",
    "block_sentences",
    "build_segments",
    "clean_title",
    "document_title",
    "fit_sentence",
    "item_sentences",
    "load_document",
    "make_speaker",
    "opening_words",
    "paragraph_sentences",
    "plan_rows",
    "split_sentences",
    "title_from_filename",
    "title_line",
]

log = logging.getLogger(__name__)


def load_document(
    source: Path | str,
    settings: Settings,
    *,
    title: str | None = None,
    stdin: BinaryIO | None = None,
) -> Document:
    """Read ``source`` (``"-"`` = stdin) and cut it into chapters and sentences.

    Raises ``InputError`` for unreadable input (messages in
    :func:`narrate.loading.load_text`, plus ``"<name>: no readable text"`` when
    nothing is speakable) and ``LexiconError`` for a bad ``settings.text.lexicon``.
    """
    loaded = load_text(source, settings.text, stdin=stdin)
    lexicon = load_lexicon(settings.text.lexicon) if settings.text.lexicon else None
    doc_title, blocks = document_title(loaded, settings, title)
    choice = choose_language(
        option=settings.text.language,
        metadata=loaded.metadata.language,
        declared=loaded.declared_language,
        file_name=loaded.name,
        text="\n".join(b.text for b in blocks),
    )
    log.debug("%s: language %s (%s)", loaded.name, choice.language, choice.source)
    segments = build_segments(blocks, settings, lexicon, choice.language)
    if not segments:
        raise InputError(f"{loaded.name}: no readable text")
    log.debug(
        "%s: %d chapters, %d sentences",
        loaded.name,
        len(segments),
        sum(len(s.sentences) for s in segments),
    )
    doc = Document(title=doc_title, segments=tuple(segments), source=loaded.name,
                   metadata=loaded.metadata, language=choice.language)  # fmt: skip
    return add_intro_outro(doc, settings)
