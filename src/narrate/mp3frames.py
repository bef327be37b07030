"""Is an MP3 whole? Walk its MPEG audio frames and compare with what its header promises.

A file cut short (an interrupted copy or upload) still has a header that gives the full
duration, so a player would show the full length and stop early. :func:`scan` counts the
frames that are really there and reads the Xing/Info (LAME, ffmpeg) or VBRI header of the
first frame; :func:`damage` says in one sentence what is wrong, or ``None``.

Stdlib only, reading through ``mmap`` so that a long file costs no memory.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

_BITRATES = {  # kbit/s by (MPEG-1?, layer) for indexes 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def audio_kbps(head: bytes) -> int | None:
    """The bitrate of the frame after the first in ``head`` (the bytes from an Info frame
    on): the audio's, which the Info frame may not share (at low bitrates it is made
    larger, to hold its tag). None when no Layer III frame header is there."""
    at = _frame_length(head, 0) if len(head) >= 4 else 0
    if not at or len(head) < at + 4:
        return None
    b1, b2 = head[at + 1], head[at + 2]
    if head[at] != 0xFF or b1 & 0xE0 != 0xE0 or (b1 >> 3) & 3 == 1 or (b1 >> 1) & 3 != 1:
        return None
    index = b2 >> 4
    return _BITRATES[((b1 >> 3) & 3 == 3, 3)][index - 1] if 1 <= index <= 14 else None


@dataclass(frozen=True)
class FrameScan:
    """What an MP3 holds: frames found, and what its Xing/Info/VBRI header claims."""

    size: int  # bytes of the file
    audio_start: int  # first frame, after an ID3v2 tag
    frames: int  # whole frames found, the Xing/Info frame included
    stream_bytes: int  # bytes of those frames
    partial_frame: int | None  # bytes of a last frame cut short (its header promises more)
    header: str | None  # "Xing", "Info" or "VBRI"
    header_frames: int | None  # audio frames the header promises (the header frame excluded)
    header_bytes: int | None  # bytes of the stream the header promises (header frame included)


def _frame_length(h: bytes | mmap.mmap, pos: int) -> int:
    """The byte length of the frame whose header is at ``pos``, or 0 if none is there."""
    b1, b2 = h[pos + 1], h[pos + 2]
    if h[pos] != 0xFF or b1 & 0xE0 != 0xE0:
        return 0
    version, layer = (b1 >> 3) & 3, 4 - ((b1 >> 1) & 3)
    br_index, sr_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer == 4 or br_index in (0, 15) or sr_index == 3:
        return 0
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][br_index - 1] * 1000
    rate = _RATES[version][sr_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if layer == 2 or mpeg1 else 72
    return per_frame * bitrate // rate + padding


def _id3v2_end(data: bytes | mmap.mmap) -> int:
    pos = 0
    while data[pos : pos + 3] == b"ID3" and len(data) >= pos + 10:  # tags may be stacked
        size = 0
        for byte in data[pos + 6 : pos + 10]:
            size = (size << 7) | (byte & 0x7F)
        pos += 10 + size + (10 if data[pos + 5] & 0x10 else 0)
    return pos


def _vbr_header(data: bytes | mmap.mmap, pos: int) -> tuple[str | None, int | None, int | None]:
    b1, b3 = data[pos + 1], data[pos + 3]
    mpeg1, mono = (b1 >> 3) & 3 == 3, b3 >> 6 == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    at = pos + 4 + side
    tag = bytes(data[at : at + 4])
    if tag in (b"Xing", b"Info"):
        flags = int.from_bytes(data[at + 4 : at + 8], "big")
        cursor = at + 8
        frames = total = None
        if flags & 1:
            frames = int.from_bytes(data[cursor : cursor + 4], "big")
            cursor += 4
        if flags & 2:
            total = int.from_bytes(data[cursor : cursor + 4], "big")
        return tag.decode(), frames, total
    at = pos + 4 + 32
    if bytes(data[at : at + 4]) == b"VBRI":
        total = int.from_bytes(data[at + 10 : at + 14], "big")
        frames = int.from_bytes(data[at + 14 : at + 18], "big")
        return "VBRI", frames, total
    return None, None, None


#: How far past the ID3v2 tag the first frame is looked for (some files have padding).
RESYNC_BYTES = 64 * 1024


def scan(path: Path) -> FrameScan:
    """Count the frames of an MP3. Raises ``OSError`` when it cannot be read."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return scan_bytes(b"")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _scan(data, size)


def scan_bytes(data: bytes) -> FrameScan:
    """:func:`scan` of an MP3 held in memory."""
    return _scan(data, len(data))


def _first_frame(data: bytes | mmap.mmap, start: int, size: int) -> int:
    """The first frame at or after ``start``: one whose next frame follows it (or EOF)."""
    for pos in range(start, min(size - 3, start + RESYNC_BYTES)):
        if data[pos] != 0xFF:
            continue
        length = _frame_length(data, pos)
        if length and (pos + length + 4 > size or _frame_length(data, pos + length)):
            return pos
    return start


def _scan(data: bytes | mmap.mmap, size: int) -> FrameScan:
    if size < 4:
        return FrameScan(size, 0, 0, 0, None, None, None, None)
    start = _first_frame(data, _id3v2_end(data), size)
    pos, frames, partial = start, 0, None
    header: tuple[str | None, int | None, int | None] = (None, None, None)
    while pos + 4 <= size:
        length = _frame_length(data, pos)
        if length == 0:
            break
        if pos + length > size:
            partial = size - pos
            break
        if frames == 0:
            header = _vbr_header(data, pos)
        frames += 1
        pos += length
    else:
        if 0 < size - pos < 4 and frames and _tail_is_frame_start(data, pos, size):
            partial = size - pos
    return FrameScan(size, start, frames, pos - start, partial, *header)


def _tail_is_frame_start(data: bytes | mmap.mmap, pos: int, size: int) -> bool:
    """A 1-3 byte tail that starts like a frame header: a frame cut right after its sync."""
    return data[pos] == 0xFF and (pos + 1 >= size or data[pos + 1] & 0xE0 == 0xE0)


def damage(facts: FrameScan) -> str | None:
    """One sentence on what is wrong with a scanned MP3, or ``None`` when it is whole."""
    if facts.frames == 0:
        return "it holds no MPEG audio frames"
    if facts.partial_frame is not None:
        return (
            f"it is cut short: its last frame has only {facts.partial_frame} byte(s), "
            f"after {facts.frames} whole frame(s)"
        )
    if facts.header_frames is not None:
        audio = facts.frames - 1  # the Xing/Info/VBRI frame carries no audio
        if audio < facts.header_frames:
            return (
                f"it is cut short: {audio} of the {facts.header_frames} audio frames "
                f"its {facts.header} header promises are there"
            )
    if facts.header_bytes is not None and facts.stream_bytes < facts.header_bytes:
        return (
            f"it is cut short: {facts.stream_bytes} of the {facts.header_bytes} bytes "
            f"its {facts.header} header promises are there"
        )
    return None
