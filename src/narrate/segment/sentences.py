"""Sentences: pysbd splitting mapped back onto the display text, fitted to a bound."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from ..ear import for_the_ear
from ..loading import Block
from ..model import Sentence
from ..speech import Lexicon, apply_lexicon, normalize_for_speech

log = logging.getLogger(__name__)

_PYSBD_MAX = 10_000  # pysbd is quadratic on long runs; longer paragraphs are windowed
_PYSBD_WINDOW = 5_000
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d\u00bb)\]]*\s+")
_CLAUSE = re.compile(r"[,;:]\s+|\s*[\u2014\u2015]+\s*|\s[\u2013\-]{1,2}\s+")
_SPACE = re.compile(r"\s+")

Speak = Callable[[str], str]


def _joins_previous(ch: str) -> bool:
    """A combining mark, ZWJ or variation selector: never cut just before one."""
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in "\u200d\ufe0e\ufe0f"
    )


def safe_cut(text: str, start: int, end: int) -> int:
    """``end`` moved back (but past ``start``) so it does not split a character cluster."""
    if end >= len(text):
        return len(text)
    while end > start + 1 and _joins_previous(text[end]):
        end -= 1
    return max(end, start + 1)


# ----------------------------------------------------------------------- sentences

_segmenters: dict[str, Any] = {}
# The languages pysbd 0.3 has rules for; any other is split with the English rules.
PYSBD_LANGUAGES = frozenset(
    ("en", "hi", "mr", "zh", "es", "am", "ar", "el", "ru", "hy", "bg", "ur", "fa", "pl",
     "it", "ja", "da", "nl", "fr", "my", "de", "kk", "sk")
)  # fmt: skip


def splitter_language(language: str | None) -> str:
    """The pysbd rules for a document language ("fr-ca" -> "fr"; unknown or None -> "en")."""
    first = (language or "en").split("-")[0]
    return first if first in PYSBD_LANGUAGES else "en"


def _segmenter(language: str | None = None) -> Any:
    rules = splitter_language(language)
    if rules not in _segmenters:
        import pysbd

        _segmenters[rules] = pysbd.Segmenter(language=rules, clean=False)
    return _segmenters[rules]


def _slices(text: str, cuts: Sequence[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [s for a, b in zip(bounds, bounds[1:], strict=False) if (s := text[a:b].strip())]


def _regex_cuts(text: str) -> list[int]:
    return [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]


def _pysbd_cuts(text: str, language: str | None = None) -> list[int] | None:
    """Sentence starts found by pysbd, located in ``text``; None if pysbd misbehaves."""
    try:
        found = _segmenter(language).segment(text)
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


# pysbd ends a sentence after these review abbreviations ("Kill Bill: Vol. 2", "Song
# feat. Drake"); the text for the ear says them in full, so the sentence must stay whole.
_ABBREVIATION_END = re.compile(
    r"(?<![\w.])(?:(?P<any>feat|ft|vs|dir|approx|aprox|env|réal|ca|bzw|z\.\s?B|d\.\s?h|p\.\s?ej)"
    r"|(?P<num>vol|pt|no|nr|núm|bd|n°|nº)|(?P<roman>[IVXLC]+))\.\Z",
    re.IGNORECASE,
)
_NEXT_NUMBER = re.compile(r"\s*(?:\d|[IVX]+\b)")
_NEXT_LOWER = re.compile(r"\s*[a-zäöüßàâçéèêëîïôûùüÿñáíóú]")


def _keeps_cut(text: str, cut: int) -> bool:
    """Whether a sentence cut at ``cut`` stands (not just after "Vol." before "2")."""
    m = _ABBREVIATION_END.search(text[:cut].rstrip())
    if m is None:
        return True
    if m.group("any"):
        return False
    if m.group("num"):
        return _NEXT_NUMBER.match(text, cut) is None
    return _NEXT_LOWER.match(text, cut) is None  # "Ludwig XIV. war König"


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Display sentences of one paragraph; together they hold every character of it.
    ``language``: the document's, which picks pysbd's rules (:func:`splitter_language`)."""
    if len(text) <= _PYSBD_MAX:
        cuts = _pysbd_cuts(text, language)
        cuts = _regex_cuts(text) if cuts is None else cuts
        return _slices(text, [c for c in cuts if _keeps_cut(text, c)])
    # Long paragraph: window it at likely sentence ends and run pysbd per window.
    out: list[str] = []
    start = prev = 0
    for cut in [*_regex_cuts(text), len(text)]:
        if cut - start > _PYSBD_WINDOW and prev > start:
            out.extend(_split_window(text[start:prev], language))
            start = prev
        prev = cut
    out.extend(_split_window(text[start:], language))
    return out


def _split_window(text: str, language: str | None = None) -> list[str]:
    if len(text) > _PYSBD_MAX:  # one run with no sentence end: one (long) sentence
        return _slices(text, [])
    return split_sentences(text, language)


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
            j = safe_cut(speech, i, i + bound)
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
            cut = safe_cut(text, prev, cut) if prev < cut < len(text) else cut
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


class Speaker:
    """``display -> speech``: :func:`~narrate.ear.for_the_ear` (in the document's
    language), then :func:`normalize_for_speech`, then :func:`apply_lexicon`.

    Called with only the text it reads it out of context; :meth:`at` gives the reader
    of one sentence that knows where the sentence stands (a heading, a paragraph's
    first or last sentence), which decides whether a bare "9/10" is a rating.
    """

    def __init__(
        self,
        lexicon: Lexicon | None,
        engine: str,
        language: str | None = None,
        links: str = "say",
        **where: bool,
    ) -> None:
        self.lexicon, self.engine, self.language, self.links = lexicon, engine, language, links
        self.where = where

    def __call__(self, display: str) -> str:
        ear = for_the_ear(display, self.language, links=self.links, **self.where)
        return apply_lexicon(normalize_for_speech(ear), self.lexicon, self.engine)

    def at(self, **where: bool) -> Speaker:
        """The same reader for a sentence at ``where`` (heading/first/last/bold)."""
        return Speaker(self.lexicon, self.engine, self.language, self.links, **where)


def make_speaker(
    lexicon: Lexicon | None, engine: str, language: str | None = None, links: str = "say"
) -> Speaker:
    """The reader of display text for ``engine`` in ``language`` (see :class:`Speaker`)."""
    return Speaker(lexicon, engine, language, links)


def paragraph_sentences(
    text: str, bound: int, speak: Speak, language: str | None = None, *, heading: bool = False
) -> list[Sentence]:
    """The speakable sentences of one display paragraph, each speech within ``bound``."""
    bound = max(1, bound)
    found = split_sentences(text, language)
    out: list[Sentence] = []
    for i, sentence in enumerate(found):
        reader = speak
        if isinstance(speak, Speaker):
            reader = speak.at(heading=heading, first=i == 0, last=i == len(found) - 1)
        out.extend(
            Sentence(display, speech)
            for display, speech in fit_sentence(sentence, bound, reader)
            if speech
        )
    return out


_SPEECH_END = re.compile(r"[.!?][\"')\]]*\Z")


def _full_stop(speech: str) -> str:
    """``speech`` ending a sentence: a full stop added (or put for ``, ; :``)."""
    if _SPEECH_END.search(speech):
        return speech
    if speech[-1] in ",;:":
        return speech[:-1] + "."
    return speech + "."


def item_sentences(
    text: str, bound: int, speak: Speak, language: str | None = None
) -> list[Sentence]:
    """The sentences of one list item; the last speech ends a sentence (see above).

    Pieces are fitted to ``bound - 1`` so the full stop never breaks the bound (with
    ``bound == 1`` there is no room, and no full stop).
    """
    bound = max(1, bound)
    sentences = paragraph_sentences(text, bound - 1 if bound > 1 else bound, speak, language)
    if bound > 1 and sentences:
        last = sentences[-1]
        sentences[-1] = Sentence(last.display, _full_stop(last.speech))
    return sentences


def block_sentences(
    block: Block, bound: int, speak: Speak, language: str | None = None
) -> list[Sentence]:
    """The sentences of a paragraph, or of a list: each item on its own."""
    if block.is_list:
        return [s for item in block.items for s in item_sentences(item, bound, speak, language)]
    return paragraph_sentences(block.text, bound, speak, language)
