"""Read USLT (the full text) without mutagen's byte-by-byte UTF-16 decoding.

mutagen decodes a UTF-16 text up to its terminator one byte at a time, about 2 µs a
byte: 4 s for the USLT of a 2M-character review in ID3v2.3, paid by every
``read_tags`` (``feed build``, batch up-to-date checks). Loading with
``KNOWN_FRAMES`` leaves USLT frames raw in ``unknown_frames``; ``uslt_frames``
decodes them with ``bytes.find`` and the codec in one call each.
"""

from __future__ import annotations

from mutagen.id3 import ID3, USLT, Frames

KNOWN_FRAMES = {k: v for k, v in Frames.items() if k != "USLT"}

_CODECS = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}


def _terminated(data: bytes, start: int, wide: bool) -> int:
    """Index of the terminator at or after ``start`` (``len(data)`` if there is none)."""
    if not wide:
        i = data.find(b"\x00", start)
        return len(data) if i < 0 else i
    i = data.find(b"\x00\x00", start)
    while i >= 0 and (i - start) % 2:  # a terminator is code-unit aligned
        i = data.find(b"\x00\x00", i + 1)
    return len(data) if i < 0 else i


def _parse(raw: bytes, version: int) -> USLT | None:
    """One raw USLT frame (header included); None for flags this reader leaves to mutagen."""
    size_bytes, flags, data = raw[4:8], raw[8:10], raw[10:]
    if flags != b"\x00\x00" or len(data) < 4 or data[0] not in _CODECS:
        return None  # compressed, encrypted, unsynchronised...
    if version == 4 and any(b & 0x80 for b in size_bytes):
        return None
    enc = data[0]
    codec, wide = _CODECS[enc], enc in (1, 2)
    lang = data[1:4].decode("latin-1")
    end = _terminated(data, 4, wide)
    desc = data[4:end].decode(codec, "replace")
    start = end + (2 if wide else 1)
    stop = _terminated(data, start, wide)
    text = data[start:stop].decode(codec, "replace") if start < len(data) else ""
    return USLT(encoding=enc, lang=lang, desc=desc, text=text)


def uslt_frames(tags: ID3) -> list[USLT] | None:
    """The USLT frames of a tag loaded with ``KNOWN_FRAMES``; None when one of them
    needs mutagen's own parser (load again without ``KNOWN_FRAMES``)."""
    out = []
    for raw in getattr(tags, "unknown_frames", []):
        if raw[:4] == b"USLT":
            frame = _parse(raw, tags.version[1])
            if frame is None:
                return None
            out.append(frame)
    return out
