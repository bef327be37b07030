"""Title rules: the document title from a file name or a title line, chapter titles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..loading import STDIN_NAME, Block, LoadedText
from ..settings import Settings
from .sentences import safe_cut

TITLE_LINE_MAX = 80
TITLE_WORDS = 6
TITLE_CHARS = 60
UNTITLED = "Untitled"
SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor"}
    | {"of", "on", "or", "over", "per", "the", "to", "vs", "via", "with"}
)

_TITLE_END = ".!?,;:\u2026"
_CLOSERS = "\"'\u2019\u201d\u00bb)]"
_CJK_PUNCTUATION = "\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a"  # 、。，！？；：


_JEKYLL_DATE = re.compile(r"(?:\d{4}-\d{1,2}-\d{1,2}-|(?:19|20)\d{6}[-_])(?=.)")


def title_from_filename(name: str) -> str:
    """``"reviews/pain-and-glory.txt"`` -> ``"Pain and Glory"``; stdin -> ``"Untitled"``.

    A Jekyll date prefix is not part of the title (``2017-02-26-get-out-review.md`` ->
    "Get Out Review"), nor is a compact one (``20200917-book_of_why`` -> "Book of Why"),
    and a page bundle's ``index.md`` is named by its folder. A name
    with spaces is a title already (Obsidian, Quartz): ``Nosferatu - Der Untote.md`` keeps
    its words, dash and case.
    """
    if name == STDIN_NAME:
        return UNTITLED
    path = Path(name)
    stem = path.stem
    if stem.lower() in ("index", "_index") and path.parent.name not in ("", ".", ".."):
        stem = path.parent.name
    stem = _JEKYLL_DATE.sub("", stem, count=1)
    if " " in stem.strip() and "_" not in stem:  # written as a title ("Nosferatu - Der Untote")
        return " ".join(stem.split())
    words = re.sub(r"[-_\s]+", " ", stem).split()
    out = []
    for i, word in enumerate(words):
        if i > 0 and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out) or UNTITLED


def _unspaced_cut(text: str, words: int) -> int | None:
    """Where ``words`` words of ``text`` end when it is written without spaces (Chinese,
    Japanese, Thai: two letters count as a word); None for text with no such letter."""
    from ..clips import NO_SPACE_SCRIPTS, script_of

    if not any(script_of(ch) in NO_SPACE_SCRIPTS for ch in text):
        return None
    units = 0.0
    in_word = False
    for i, ch in enumerate(text):
        if script_of(ch) in NO_SPACE_SCRIPTS:
            units += 0.5
            in_word = False
        elif ch.isalnum():
            units += not in_word
            in_word = True
        else:
            in_word = False
        if units > words:
            return i
    return None


def opening_words(text: str, words: int = TITLE_WORDS, max_chars: int = TITLE_CHARS) -> str:
    """The first ``words`` words of ``text`` (fewer if over ``max_chars``), "…" when cut.
    In a script written without spaces two letters count as a word."""
    cut_at = _unspaced_cut(text, words)
    if cut_at is not None:
        title = text[: safe_cut(text, 0, min(cut_at, max_chars - 1))].rstrip()
        return title.rstrip(_TITLE_END + _CJK_PUNCTUATION + "\u2013\u2014-") + "\u2026"
    parts = text.split()
    head = parts[:words]
    cut = len(parts) > len(head)
    title = " ".join(head)
    while len(title) > max_chars and len(head) > 1:
        head.pop()
        title = " ".join(head)
        cut = True
    if len(title) > max_chars:
        title = title[: safe_cut(title, 0, max_chars - 1)]
        cut = True
    if cut:
        title = title.rstrip(_TITLE_END + "\u2013\u2014-") + "\u2026"
    return title


def title_line(blocks: Sequence[Block]) -> str | None:
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


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    return " ".join(title.split()) or None


def document_title(
    loaded: LoadedText, settings: Settings, title: str | None = None
) -> tuple[str, list[Block]]:
    """The document title rule, the one home that ``read`` and ``batch`` both call.

    ``title`` if given, else ``settings.tags.title``, else the post header's title,
    else a plain-text title line, else the Markdown/HTML title, else one made from the
    file name. Returns the title and the blocks left to narrate (a title line is never
    a chapter; with a header title, a first line is a title line only when it says
    the same, so no other words are lost).
    """
    blocks = list(loaded.blocks)
    found = loaded.title
    if loaded.format == "txt":
        line = title_line(blocks)
        header = loaded.metadata.title
        if line is not None and (header is None or line.split() == header.split()):
            found = header or line
            blocks = blocks[1:]
    chosen = (
        clean_title(title)
        or clean_title(settings.tags.title)
        or clean_title(found)
        or title_from_filename(loaded.name)
    )
    return chosen, blocks


def heading_title(text: str) -> str:
    """A chapter title from a heading: all its words, cut only past 80 characters."""
    return opening_words(text, words=len(text.split()), max_chars=TITLE_LINE_MAX)
