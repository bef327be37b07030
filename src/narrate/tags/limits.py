"""What an ID3 tag can hold, checked before anything is written (or synthesized).

* CHAP times are 32-bit unsigned milliseconds: nothing may end after 2**32 - 1 ms
  (49.7 days).
* Chapter element ids are 1 to 64 printable ASCII characters without spaces, unique,
  and none is the id of a CTOC frame (``toc``, ``toc1``, ...).
* The whole ID3v2 tag's size is a 28-bit syncsafe number: at most 268,435,455 bytes
  after its header (in ID3v2.4 each frame's size too). ``tag_size_bound`` adds up the
  most each frame can take (4 bytes a character, whatever the encoding), so a tag
  within the bound always fits.

``check_tag_data`` raises ``ValueError`` with a one-line reason a person can act on.
"""

from __future__ import annotations

import re

from .data import Chapter, TagData, check_date, ms
from .toc import toc_tree

MAX_MS = 0xFFFFFFFF  # CHAP times are 32-bit unsigned milliseconds
ID3_MAX_BYTES = (1 << 28) - 1  # a syncsafe 28-bit size
MAX_ELEMENT_ID = 64

_LANG_RE = re.compile(r"[a-zA-Z]{3}\Z")
_ELEMENT_ID_RE = re.compile(rf"[\x21-\x7e]{{1,{MAX_ELEMENT_ID}}}\Z")  # printable ASCII

_FRAME = 10  # an ID3v2 frame header
_TEXT = _FRAME + 1 + 4  # + encoding byte, BOM and terminator (UTF-16)
_CHAR = 4  # the most bytes one str character takes in UTF-16 or UTF-8


def _text_bytes(text: str | None) -> int:
    return 0 if text is None else _TEXT + _CHAR * len(text)


def tag_size_bound(data: TagData, cover_bytes: int = 0) -> int:
    """The most bytes (after the 10-byte tag header) the ID3v2 tag of ``data`` can take."""
    size = sum(
        _text_bytes(t)
        for t in (data.title, data.artist, data.album, data.genre, data.date, data.language,
                  data.encoder, str(data.track) if data.track is not None else None)
    )  # fmt: skip
    for text in (data.description, data.lyrics):  # COMM, USLT: + language, empty desc
        size += _text_bytes(text) + 3 + 4 if text is not None else 0
    extra = [value for _, value in (*data.measured, *data.post)]
    for value in (data.engine, data.voice, data.guid, data.fingerprint, data.source, *extra):
        size += _text_bytes(value) + _TEXT + 20 * _CHAR if value else 0  # TXXX + desc
    if data.cover is not None or cover_bytes:
        size += _FRAME + 1 + len("image/jpeg") + 1 + 1 + 4 + cover_bytes
    for ch in data.chapters:  # CHAP: id, 4 times, a TIT2 sub-frame
        size += _FRAME + len(ch.element_id) + 1 + 16 + _text_bytes(ch.title)
    for toc in toc_tree(data.chapters):  # CTOC: id, flags, count, child ids, TIT2
        size += _FRAME + len(toc.element_id) + 1 + 2 + _text_bytes(toc.title)
        size += sum(len(c) + 1 for c in toc.children)
    return size


def _check_chapters(chapters: tuple[Chapter, ...]) -> None:
    seen: set[str] = set()
    latest = 0
    for ch in chapters:
        if not _ELEMENT_ID_RE.match(ch.element_id):
            raise ValueError(f"bad chapter element id {ch.element_id!r}")
        if ch.element_id in seen:
            raise ValueError(f"duplicate chapter element id {ch.element_id!r}")
        seen.add(ch.element_id)
        start, end = ms(ch.start), ms(ch.end)
        if end < start:
            raise ValueError(f"chapter {ch.element_id} ends ({ch.end}) before it starts")
        latest = max(latest, end)
    if latest > MAX_MS:
        raise ValueError(
            f"the audio would last at least {latest / 86_400_000:.1f} days; ID3 chapter "
            f"times end at {MAX_MS / 86_400_000:.1f} days (shorter pauses or less text)"
        )
    clash = seen & {t.element_id for t in toc_tree(chapters)}
    if clash:
        raise ValueError(f"bad chapter element id {min(clash)!r}: a table of contents has it")


def check_tag_data(data: TagData, cover_bytes: int = 0) -> None:
    """Reject TagData that cannot be written faithfully (``ValueError``).

    ``cover_bytes`` is the cover's size when known (the bound counts it).
    """
    if data.date is not None:
        check_date(data.date)
    if not _LANG_RE.match(data.language):
        raise ValueError(f"language must be a 3-letter ISO 639-2 code, got {data.language!r}")
    if data.track is not None and (isinstance(data.track, bool) or data.track < 1):
        raise ValueError(f"track must be a positive integer, got {data.track!r}")
    _check_chapters(data.chapters)
    size = tag_size_bound(data, cover_bytes)
    if size > ID3_MAX_BYTES:
        raise ValueError(
            f"the ID3 tag could take {size} bytes, over the {ID3_MAX_BYTES} an ID3v2 tag "
            f"holds ({len(data.chapters)} chapters, {len(data.lyrics or '')} characters "
            "of text); narrate it in parts"
        )
