"""Did espeak-ng say the whole text? Its word events, checked against the text.

espeak-ng reports a multi-word dictionary entry ("at once", "e.g.", "has been") with
word events in its first word only, so the last event of a text ending in one falls on
(or one character off) the entry's first word. The end-of-text check then asks
espeak-ng itself whether that span is one entry, by saying it alone: see
``reached_the_end``. The adapter (``pyttsx3_engine``) hands in its own way of speaking.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .base import AudioChunk

log = logging.getLogger(__name__)

_PHONEMES = re.compile(r"\[\[[^\]]*\]\]")
_TOKEN = re.compile(r"\S*\w\S*")
_CHUNK = re.compile(r"\S+")
_ENDS_CLAUSE = re.compile(r"[.!?;:,]\W*$")
_PROBE_END = "Done."  # said after a probed span: no multi-word entry starts with it


@dataclass(frozen=True)
class Utterance:
    """What one save_to_file/runAndWait round left: its file and the driver's events."""

    path: Path | None  # the driver's file; None when ``chunk`` holds the audio
    finished: bool  # the driver said finished-utterance in time
    completed: bool  # ... and that it was not cut short
    words: tuple[int, ...]  # 0-based text position of each word event
    chunk: AudioChunk | None = None  # a fresh espeak-ng instance's samples


Utter = Callable[[str], Utterance]


def _spans(text: str, pattern: re.Pattern[str] = _TOKEN) -> list[tuple[int, int]]:
    """(start, end) of each ``pattern`` match outside ``[[...]]`` phoneme input."""
    masked = _PHONEMES.sub(lambda m: " " * len(m.group()), text)
    return [m.span() for m in pattern.finditer(masked)]


def last_word_start(text: str) -> int:
    """Where espeak's last word event must start: the last token outside ``[[...]]``.

    Word events carry the start of each word (their length is capped at 31 characters,
    so only starts are compared). espeak-ng reports no words inside phoneme input.
    """
    spans = _spans(text)
    return spans[-1][0] if spans else 0


def _tail_from(text: str, position: int) -> str | None:
    """The text from the first whitespace-delimited chunk that ends after ``position``.

    espeak's word positions can be one character off either way (a multi-word entry's
    event may land just inside its first word or on the space before it).
    """
    for start, end in _spans(text, _CHUNK):
        if position < end:
            return text[start:]
    return None


def _is_one_word(text: str, utter: Utter) -> bool:
    """Whether espeak-ng, saying ``text`` on its own, reports no word after its first.

    That is how it reports a multi-word dictionary entry: every event (one, or two
    for an entry whose phonemes hold a word break, "bon voyage") falls in its first
    word; an event on the space before the second word counts as the second word.
    A sentence is said after it (``_PROBE_END``), and its word event must come, so
    that an engine that loses the end of what it says cannot pass for one word.
    """
    first_end = _spans(text, _CHUNK)[0][1]
    end = "" if _ENDS_CLAUSE.search(text) else "."
    probe = f"{text}{end} {_PROBE_END}"
    sentinel = len(probe) - len(_PROBE_END) - 1  # positions may be one early
    said = utter(probe)
    if said.path is not None:
        with contextlib.suppress(OSError):
            said.path.unlink()
    log.debug("espeak reports word events at %s for %r", said.words, probe)
    between = [w for w in said.words if first_end <= w < sentinel]
    heard_the_end = any(w >= sentinel for w in said.words)
    return said.finished and said.completed and heard_the_end and not between


def reached_the_end(text: str, words: tuple[int, ...], utter: Utter) -> bool:
    """Whether espeak's word events cover the whole of ``text``.

    The last event must land in the last word, give or take the one character that
    espeak's positions can be off (words are at least two characters apart, so it is
    never the word before). Or it must fall in the first word of a trailing span that
    espeak-ng reads as one word: a multi-word dictionary entry ("at once", "has
    been", "p. m."), whose event falls on its first word. Whether the span is one is
    asked of espeak-ng itself, by saying it alone with ``utter``: a truncated text
    leaves later words that espeak reports, a multi-word entry does not.
    """
    reached = max(words, default=-1)
    if reached >= last_word_start(text) - 1:
        return True
    tail = _tail_from(text, reached)
    return tail is not None and len(_spans(tail, _CHUNK)) > 1 and _is_one_word(tail, utter)
