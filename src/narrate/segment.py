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
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError
from .loading import STDIN_NAME, Block, load_text
from .model import Document, Segment, Sentence
from .settings import Settings
from .speech import Lexicon, apply_lexicon, load_lexicon, normalize_for_speech

log = logging.getLogger(__name__)

TITLE_LINE_MAX = 80
TITLE_WORDS = 6
TITLE_CHARS = 60
DEFAULT_WPM = 175
UNTITLED = "Untitled"
SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor"}
    | {"of", "on", "or", "over", "per", "the", "to", "vs", "via", "with"}
)

_PYSBD_MAX = 10_000  # pysbd is quadratic on long runs; longer paragraphs are windowed
_PYSBD_WINDOW = 5_000
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d\u00bb)\]]*\s+")
_CLAUSE = re.compile(r"[,;:]\s+|\s*[\u2014\u2015]+\s*|\s[\u2013\-]{1,2}\s+")
_SPACE = re.compile(r"\s+")
_TITLE_END = ".!?,;:\u2026"
_CLOSERS = "\"'\u2019\u201d\u00bb)]"

Speak = Callable[[str], str]


# -------------------------------------------------------------------------- titles


def title_from_filename(name: str) -> str:
    """``"reviews/pain-and-glory.txt"`` -> ``"Pain and Glory"``; stdin -> ``"Untitled"``."""
    if name == STDIN_NAME:
        return UNTITLED
    words = re.sub(r"[-_\s]+", " ", Path(name).stem).split()
    out = []
    for i, word in enumerate(words):
        if i > 0 and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out) or UNTITLED


def _joins_previous(ch: str) -> bool:
    """A combining mark, ZWJ or variation selector: never cut just before one."""
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in "\u200d\ufe0e\ufe0f"
    )


def _safe_cut(text: str, start: int, end: int) -> int:
    """``end`` moved back (but past ``start``) so it does not split a character cluster."""
    if end >= len(text):
        return len(text)
    while end > start + 1 and _joins_previous(text[end]):
        end -= 1
    return max(end, start + 1)


def opening_words(text: str, words: int = TITLE_WORDS, max_chars: int = TITLE_CHARS) -> str:
    """The first ``words`` words of ``text`` (fewer if over ``max_chars``), "…" when cut."""
    parts = text.split()
    head = parts[:words]
    cut = len(parts) > len(head)
    title = " ".join(head)
    while len(title) > max_chars and len(head) > 1:
        head.pop()
        title = " ".join(head)
        cut = True
    if len(title) > max_chars:
        title = title[: _safe_cut(title, 0, max_chars - 1)]
        cut = True
    if cut:
        title = title.rstrip(_TITLE_END + "\u2013\u2014-") + "\u2026"
    return title


def _title_line(blocks: Sequence[Block]) -> str | None:
    if len(blocks) < 2 or blocks[0].is_heading or blocks[0].lines != 1:
        return None
    text = blocks[0].text
    bare = text.rstrip(_CLOSERS)
    if (
        len(text) > TITLE_LINE_MAX
        or not bare
        or bare[-1] in _TITLE_END
        or not any(ch.isalpha() for ch in text)
    ):
        return None
    return text


# ----------------------------------------------------------------------- sentences

_segmenter_instance: Any = None


def _segmenter() -> Any:
    global _segmenter_instance
    if _segmenter_instance is None:
        import pysbd

        _segmenter_instance = pysbd.Segmenter(language="en", clean=False)
    return _segmenter_instance


def _slices(text: str, cuts: Sequence[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [s for a, b in zip(bounds, bounds[1:], strict=False) if (s := text[a:b].strip())]


def _regex_cuts(text: str) -> list[int]:
    return [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]


def _pysbd_cuts(text: str) -> list[int] | None:
    """Sentence starts found by pysbd, located in ``text``; None if pysbd misbehaves."""
    try:
        found = _segmenter().segment(text)
    except Exception:  # pysbd has regex corner cases; the regex splitter takes over
        log.debug("pysbd failed on %.40r", text, exc_info=True)
        return None
    cuts: list[int] = []
    pos = 0
    for piece in found:
        piece = str(piece).strip()
        if not piece:
            continue
        at = text.find(piece, pos)
        if at < 0:
            return None
        if at > 0:
            cuts.append(at)
        pos = at + len(piece)
    return cuts


def split_sentences(text: str) -> list[str]:
    """Display sentences of one paragraph; together they hold every character of it."""
    if len(text) <= _PYSBD_MAX:
        cuts = _pysbd_cuts(text)
        return _slices(text, _regex_cuts(text) if cuts is None else cuts)
    # Long paragraph: window it at likely sentence ends and run pysbd per window.
    out: list[str] = []
    start = prev = 0
    for cut in [*_regex_cuts(text), len(text)]:
        if cut - start > _PYSBD_WINDOW and prev > start:
            out.extend(_split_window(text[start:prev]))
            start = prev
        prev = cut
    out.extend(_split_window(text[start:]))
    return out


def _split_window(text: str) -> list[str]:
    if len(text) > _PYSBD_MAX:  # one run with no sentence end: one (long) sentence
        return _slices(text, [])
    return split_sentences(text)


def _spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Pieces of ``text`` cut after each match of ``pattern``, stripped, as spans."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        if 0 < m.end() < len(text):
            spans.append((start, m.end()))
            start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _speakable(speech: str) -> bool:
    return "[[" in speech or any(ch.isalnum() for ch in speech)


def _cut_speech(speech: str, bound: int) -> list[tuple[int, int]]:
    """Spans of ``speech``, each at most ``bound`` long: cut at the last space that
    fits, else hard; not inside an espeak ``[[...]]`` group that starts later."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(speech)
    while i < n:
        while i < n and speech[i] == " ":
            i += 1
        if i >= n:
            break
        if n - i <= bound:
            spans.append((i, n))
            break
        j = speech.rfind(" ", i + 1, i + bound + 1)
        if j <= i:
            j = _safe_cut(speech, i, i + bound)
        opened = speech.rfind("[[", i + 1, j)
        if opened > i and speech.find("]]", opened, j) < 0:
            j = opened
        end = j
        while end > i and speech[end - 1] == " ":
            end -= 1
        spans.append((i, end))
        i = j
    return spans


def _hard_cut(text: str, speech: str, bound: int) -> list[tuple[str, str]]:
    """Split one over-long, space-free display "word" by cutting its *speech*.

    The speech pieces join (with spaces) to exactly ``speech``, so no letter or digit
    changes; the display is shared out in proportion (whole, in order), so a piece
    can get an empty display when the speech is much longer than the display.
    """
    spans = [sp for sp in _cut_speech(speech, bound) if _speakable(speech[sp[0] : sp[1]])]
    if not spans:
        return [(text, "")]
    out: list[tuple[str, str]] = []
    prev = 0
    for k, (a, b) in enumerate(spans):
        if k == len(spans) - 1:
            cut = len(text)
        else:
            cut = max(prev, min(len(text), round(b / len(speech) * len(text))))
            cut = _safe_cut(text, prev, cut) if prev < cut < len(text) else cut
        out.append((text[prev:cut], speech[a:b]))
        prev = cut
    return out


def fit_sentence(
    text: str, bound: int, speak: Speak, *, _level: int = 0, _speech: str | None = None
) -> list[tuple[str, str]]:
    """Split one display sentence into ``(display, speech)`` pieces, speech <= bound."""
    speech = speak(text) if _speech is None else _speech
    if len(speech) <= bound:
        return [(text, speech)]
    if _level >= 2:
        return _hard_cut(text, speech, bound)
    spans = _spans(text, _CLAUSE if _level == 0 else _SPACE)
    if len(spans) <= 1:
        return fit_sentence(text, bound, speak, _level=_level + 1, _speech=speech)

    out: list[tuple[str, str]] = []
    pack: list[tuple[int, int, str]] = []
    used = 0

    def flush() -> None:
        if not pack:
            return
        if len(pack) == 1:
            a, b, s = pack[0]
            out.append((text[a:b], s))
        else:
            joined = text[pack[0][0] : pack[-1][1]]
            joined_speech = speak(joined)
            if len(joined_speech) <= bound:
                out.append((joined, joined_speech))
            else:  # joining changed the speech (a dash at a seam): keep the pieces
                out.extend((text[a:b], s) for a, b, s in pack)
        pack.clear()

    for a, b in spans:
        piece = text[a:b]
        piece_speech = speak(piece)
        if len(piece_speech) > bound:
            flush()
            used = 0
            out.extend(fit_sentence(piece, bound, speak, _level=_level + 1, _speech=piece_speech))
            continue
        cost = len(piece_speech) + (1 if used and piece_speech else 0)
        if pack and used + cost > bound:
            flush()
            used, cost = 0, len(piece_speech)
        pack.append((a, b, piece_speech))
        used += cost
    flush()
    return out


def make_speaker(lexicon: Lexicon | None, engine: str) -> Speak:
    """``display -> speech``: :func:`normalize_for_speech` then :func:`apply_lexicon`."""

    def speak(display: str) -> str:
        return apply_lexicon(normalize_for_speech(display), lexicon, engine)

    return speak


def paragraph_sentences(text: str, bound: int, speak: Speak) -> list[Sentence]:
    """The speakable sentences of one display paragraph, each speech within ``bound``."""
    bound = max(1, bound)
    return [
        Sentence(display, speech)
        for sentence in split_sentences(text)
        for display, speech in fit_sentence(sentence, bound, speak)
        if speech
    ]


_SPEECH_END = re.compile(r"[.!?][\"')\]]*\Z")


def _full_stop(speech: str) -> str:
    """``speech`` ending a sentence: a full stop added (or put for ``, ; :``)."""
    if _SPEECH_END.search(speech):
        return speech
    if speech[-1] in ",;:":
        return speech[:-1] + "."
    return speech + "."


def item_sentences(text: str, bound: int, speak: Speak) -> list[Sentence]:
    """The sentences of one list item; the last speech ends a sentence (see above).

    Pieces are fitted to ``bound - 1`` so the full stop never breaks the bound (with
    ``bound == 1`` there is no room, and no full stop).
    """
    bound = max(1, bound)
    sentences = paragraph_sentences(text, bound - 1 if bound > 1 else bound, speak)
    if bound > 1 and sentences:
        last = sentences[-1]
        sentences[-1] = Sentence(last.display, _full_stop(last.speech))
    return sentences


def block_sentences(block: Block, bound: int, speak: Speak) -> list[Sentence]:
    """The sentences of a paragraph, or of a list: each item on its own."""
    if block.is_list:
        return [s for item in block.items for s in item_sentences(item, bound, speak)]
    return paragraph_sentences(block.text, bound, speak)


# ------------------------------------------------------------------------ segments


@dataclass
class _Draft:
    title: str
    parts: list[str]
    sentences: list[Sentence]
    heading: str | None = None
    trailing: list[str] = field(default_factory=list)


def build_segments(
    blocks: Sequence[Block], settings: Settings, lexicon: Lexicon | None = None
) -> list[Segment]:
    """Chapters from blocks (see the module docstring for the rules)."""
    bound = settings.text.max_sentence_chars
    speak = make_speaker(lexicon, settings.voice.engine)
    drafts: list[_Draft] = []
    orphans: list[str] = []  # unspeakable text before the first chapter
    heading: Block | None = None

    def add(parts: list[str], sentences: list[Sentence], title: str, head: str | None) -> None:
        if not sentences:
            if drafts:
                drafts[-1].parts.extend(parts)
            else:
                orphans.extend(parts)
            return
        drafts.append(_Draft(title, [*orphans, *parts], sentences, head))
        orphans.clear()

    def heading_title(text: str) -> str:
        return opening_words(text, words=len(text.split()), max_chars=TITLE_LINE_MAX)

    for block in blocks:
        if block.is_heading:
            if heading is not None:  # a heading with nothing under it: a chapter of its own
                add(
                    [heading.text],
                    paragraph_sentences(heading.text, bound, speak),
                    heading_title(heading.text),
                    heading.text,
                )
            heading = block
            continue
        sentences = block_sentences(block, bound, speak)
        if heading is not None:
            head_sentences = paragraph_sentences(heading.text, bound, speak)
            add(
                [heading.text, block.text],
                head_sentences + sentences,
                heading_title(heading.text),
                heading.text,
            )
            heading = None
        else:
            add([block.text], sentences, opening_words(block.text), None)
    if heading is not None:
        add(
            [heading.text],
            paragraph_sentences(heading.text, bound, speak),
            heading_title(heading.text),
            heading.text,
        )

    return [
        Segment(
            index=i,
            title=d.title,
            display="\n\n".join(d.parts),
            sentences=tuple(d.sentences),
            heading=d.heading,
        )
        for i, d in enumerate(drafts)
    ]


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    return " ".join(title.split()) or None


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
    blocks = list(loaded.blocks)
    found_title = loaded.title
    if loaded.format == "txt":
        line = _title_line(blocks)
        if line is not None:
            found_title = line
            blocks = blocks[1:]
    segments = build_segments(blocks, settings, lexicon)
    if not segments:
        raise InputError(f"{loaded.name}: no readable text")
    doc_title = (
        _clean_title(title)
        or _clean_title(settings.tags.title)
        or _clean_title(found_title)
        or title_from_filename(loaded.name)
    )
    log.debug(
        "%s: %d chapters, %d sentences",
        loaded.name,
        len(segments),
        sum(len(s.sentences) for s in segments),
    )
    return Document(title=doc_title, segments=tuple(segments), source=loaded.name)


# ---------------------------------------------------------------------------- plan


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
