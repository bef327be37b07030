"""Footnotes: the markers come out of the sentence; the notes are read at the end.

The definitions of a document's footnotes (Markdown ``[^1]: …`` and ``^[…]``, read
by mdit-py-plugins' footnote plugin; an HTML page's footnotes section) become ONE
chapter at the end of the document, titled "Notes" (a heading block and a block of
``kind="notes"`` whose items are the notes, each read as its own sentence), or are
left out with ``--footnotes skip``. They are never a chapter each, in the middle.
Markers (``[^1]``, a ``<sup>`` link to a note, a note's back-link) are never read.
"""

from __future__ import annotations

from typing import Any

from .blocks import LIST_SEPARATOR, Block

NOTES_TITLE = "Notes"
FOOTNOTE_CHOICES = ("read", "skip")

_NOTE_CLASSES = ("footnotes", "footnote-list", "footnotes-list", "endnotes")
_REF_CLASSES = (
    "footnote-ref",
    "footnote-reference",
    "footnote",
    "footnote-backref",
    "reversefootnote",
)


def notes_blocks(notes: list[str]) -> list[Block]:
    """The "Notes" heading and the block of ``notes`` (nothing when there are none)."""
    notes = [n for n in notes if n]
    if not notes:
        return []
    return [
        Block(NOTES_TITLE, level=2, kind="notes"),
        Block(LIST_SEPARATOR.join(notes), items=tuple(notes), kind="notes"),
    ]


def _classes(tag: Any) -> list[str]:
    value = tag.get("class") or []
    return [value] if isinstance(value, str) else list(value)


def is_notes_section(tag: Any) -> bool:
    """An HTML element that holds a page's footnotes (Markdown renderers, pandoc, GitHub)."""
    if any(c in _NOTE_CLASSES for c in _classes(tag)):
        return True
    if str(tag.get("id", "")).lower() in ("footnotes", "endnotes"):
        return True
    return tag.get("role") == "doc-endnotes" or tag.has_attr("data-footnotes")


def is_note_mark(tag: Any) -> bool:
    """A footnote marker or back-link: a ``<sup>`` or ``<a>`` that points at a note."""
    if tag.name not in ("sup", "a"):
        return False
    if any(c in _REF_CLASSES for c in _classes(tag)):
        return True
    if tag.get("role") in ("doc-noteref", "doc-backlink") or tag.has_attr("data-footnote-ref"):
        return True
    links = [tag] if tag.name == "a" else tag.find_all("a")
    for link in links:
        href = str(link.get("href", ""))
        if href.startswith("#") and len(link.get_text(strip=True)) <= 4:
            return tag.name == "sup" or href.lower().startswith(("#fn", "#footnote", "#note"))
    return False
