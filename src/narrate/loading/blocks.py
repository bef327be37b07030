"""What every format turns into: :class:`Block` s of clean display text.

Display text keeps the original characters; runs of ASCII whitespace and line
breaks are joined into one space, and control characters other than whitespace are
removed (they are not readable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LIST_SEPARATOR = "\n"


@dataclass(frozen=True)
class Block:
    """One readable block: a paragraph, a whole list, a table row or a heading.

    ``text`` is display text: original characters, whitespace runs joined.
    ``level`` is 1..6 for a heading and 0 for everything else. ``lines`` is how many
    source lines a plain-text paragraph spanned (1 for markup formats). For a list,
    ``items`` holds the display text of each item (nested items in reading order)
    and ``text`` is the items joined by :data:`LIST_SEPARATOR` (a line break).
    """

    text: str
    level: int = 0
    lines: int = 1
    items: tuple[str, ...] = ()
    # What the block is in the source: "paragraph" (also headings and lists), "quote"
    # (a block quote: the quote voice reads it), "table" or "notes" (footnotes).
    kind: str = "paragraph"

    @property
    def is_heading(self) -> bool:
        return self.level > 0

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    @classmethod
    def list_of(cls, items: list[str]) -> Block:
        """A list block of the (non-empty) display texts ``items``."""
        return cls(LIST_SEPARATOR.join(items), items=tuple(items))


@dataclass(frozen=True)
class ReadOptions:
    """What a reader reads besides the prose: footnote texts (at the end, as "Notes")
    and the alt text of images (off: images are not spoken)."""

    footnotes: bool = True
    alt_text: bool = False


PROSE_ONLY = ReadOptions()  # the defaults: footnotes read, alt text not


def _control_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0)]:
        ch = chr(cp)
        if ch in "\t\n":
            continue
        if ch in "\x0b\x85":
            table[cp] = "\n"
        elif ch == "\x0c":
            table[cp] = "\n\n"  # a form feed is a page break: a paragraph break
        elif ch == "\r":
            table[cp] = "\n"
        elif "\x1c" <= ch <= "\x1f":
            table[cp] = " "  # information separators: whitespace to Python
        else:
            table[cp] = None
    table[0x2028] = "\n"
    table[0x2029] = "\n\n"
    return table


_CONTROLS = _control_table()
_WS_RUN = re.compile(r"[ \t\n]+")


def clean_text(text: str) -> str:
    """Normalize line breaks (CRLF, CR, NEL, U+2028/9) and drop non-whitespace controls."""
    return text.replace("\r\n", "\n").translate(_CONTROLS)


def join_whitespace(text: str) -> str:
    """Join lines and runs of ASCII whitespace into single spaces; keep NBSP and kin."""
    return _WS_RUN.sub(" ", text).strip()


def take_leading_h1(title: str | None, blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """The title and the blocks, without a leading ``<h1>``/``#`` that is the title.

    With no ``title`` yet, a leading level-1 heading becomes it. With one (from front
    matter), the heading is dropped only when it says the same thing; a different
    heading stays a block, so no words are lost.
    """
    if blocks and blocks[0].level == 1:
        h1 = blocks[0].text
        if title is None:
            return h1, blocks[1:]
        if h1.split() == title.split():
            return title, blocks[1:]
    return title, blocks
