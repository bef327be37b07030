"""The LAME/Info tag of an encoded MP3: read it, and make its method and CRC right.

The first frame of narrate's MP3s is an Info frame (the Xing header of a CBR file),
followed by the LAME extension: encoder, encoder delay and padding, music length and
two CRC-16s. Gapless players trim the delay and padding from the decoded audio, and
those that check the tag's own CRC (mp3guessenc's "Tag verification") ignore the
whole tag when it is wrong, so their audio plays the delay (about 25 ms) behind the
chapter and cue times.

The tag CRC is CRC-16/ARC (polynomial 0x8005, reflected, initial value 0) over every
byte of the frame before the CRC field: the "first 190 bytes" of the LAME tag
specification, where the Info tag sits at byte 36 (an MPEG-1 stereo frame). ffmpeg
always sums 190 bytes, so for a mono frame (Info tag at byte 21, or 13 for MPEG-2)
its CRC also covers the field itself and bytes of the audio after it.

ffmpeg also leaves the tag's bitrate method at 0 ("unknown") and its bitrate byte at 0,
so ``mpg123 -t`` calls narrate's constant-bitrate files "vbr" and mp3guessenc says
"Bitrate strategy: unknown". ``finish_lame_tag`` writes method 1 (CBR) with the frames'
bitrate, then the CRC, in place; the encode stage calls it once on every MP3 it makes
(every one is CBR).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import EncodeError, OutputError
from .mp3frames import audio_kbps

log = logging.getLogger(__name__)

__all__ = ["LameTag", "crc16", "finish_lame_tag", "read_lame_tag"]

_XING_IDS = (b"Xing", b"Info")
_LAME_TAG_BYTES = 36  # the LAME extension after the Xing fields, its tag CRC last
_CRC_AT = 34  # offset of the tag CRC inside the LAME extension
_METHOD_AT = 9  # tag revision (high nibble) and bitrate method (low nibble)
_BITRATE_AT = 20  # the CBR bitrate in kbit/s (255: 255 or more), an ABR's target
METHOD_CBR = 1
_HEAD_BYTES = 4096  # an Info frame is at most 1441 bytes (320 kbit/s at 32 kHz, MPEG-1)


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, the checksum of the LAME tag (and of its music data)."""
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


@dataclass(frozen=True)
class LameTag:
    """The LAME extension of an MP3's Info frame, as stored in the file."""

    frame_offset: int  # where the Info frame starts in the file (after any ID3v2 tag)
    crc_end: int  # bytes of the frame the tag CRC covers (the CRC field's offset)
    encoder: str  # e.g. "Lavc59.37" or "LAME3.100"
    method: int  # bitrate method: 0 unknown, 1 CBR, 2 ABR, 3-6 VBR, 8 CBR 2-pass
    bitrate: int  # the tag's bitrate byte, kbit/s
    frame_kbps: int | None  # the audio frames' bitrate (a CBR file's), from the 2nd frame
    delay: int  # encoder delay, samples
    padding: int  # encoder padding, samples
    frames: int | None  # audio frames, from the Xing header
    music_length: int  # bytes from the Info frame to the end of the audio
    music_crc: int
    tag_crc: int
    expected_crc: int  # the CRC of the first ``crc_end`` bytes of the frame

    @property
    def crc_ok(self) -> bool:
        return self.tag_crc == self.expected_crc


def _id3v2_size(head: bytes) -> int:
    """Bytes taken by an ID3v2 tag at the start of ``head`` (0 when there is none)."""
    if len(head) < 10 or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return 0
    size = 0
    for b in head[6:10]:
        size = (size << 7) | b
    return 10 + size + (10 if head[5] & 0x10 else 0)  # a footer adds 10 more


def _xing_offset(header: bytes) -> int | None:
    """Offset of the Xing/Info header in a Layer III frame, or None if not Layer III."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = (header[1] >> 1) & 3  # 1: Layer III
    if version == 1 or layer != 1:
        return None
    mono = (header[3] >> 6) & 3 == 3
    side = {(True, True): 17, (True, False): 32, (False, True): 9, (False, False): 17}[
        (version == 3, mono)
    ]  # side information bytes: (MPEG-1?, mono?)
    protected = not header[1] & 1  # a 16-bit CRC follows the header
    return 4 + (2 if protected else 0) + side


def _parse(frame: bytes, offset: int) -> LameTag | None:
    at = _xing_offset(frame)
    if at is None or frame[at : at + 4] not in _XING_IDS:
        return None
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    pos = at + 8
    frames = None
    if flags & 1:
        frames = int.from_bytes(frame[pos : pos + 4], "big")
        pos += 4
    pos += (4 if flags & 2 else 0) + (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
    lame = frame[pos : pos + _LAME_TAG_BYTES]
    if len(lame) < _LAME_TAG_BYTES or not lame[:4].isalnum():
        return None  # a bare Xing header, without the LAME extension
    delay_padding = int.from_bytes(lame[21:24], "big")
    crc_end = pos + _CRC_AT
    return LameTag(
        frame_offset=offset,
        crc_end=crc_end,
        encoder=lame[:9].rstrip(b"\x00 ").decode("latin-1"),
        method=lame[_METHOD_AT] & 0x0F,
        bitrate=lame[_BITRATE_AT],
        frame_kbps=audio_kbps(frame),
        delay=delay_padding >> 12,
        padding=delay_padding & 0xFFF,
        frames=frames,
        music_length=int.from_bytes(lame[28:32], "big"),
        music_crc=int.from_bytes(lame[32:34], "big"),
        tag_crc=int.from_bytes(lame[34:36], "big"),
        expected_crc=crc16(frame[:crc_end]),
    )


def _read_head(path: Path) -> tuple[bytes, int]:
    """The first bytes of the first frame of ``path``, and where that frame starts."""
    with path.open("rb") as f:
        head = f.read(10)
        offset = _id3v2_size(head)
        f.seek(offset)
        return f.read(_HEAD_BYTES), offset


def read_lame_tag(path: Path) -> LameTag | None:
    """The LAME tag of the MP3 at ``path``; None when its first frame carries none.

    Raises ``OSError`` when the file cannot be read.
    """
    frame, offset = _read_head(Path(path))
    return _parse(frame, offset)


def finish_lame_tag(path: Path) -> bool:
    """Make the LAME tag of the CBR MP3 at ``path`` say CBR at its bitrate, with a right CRC.

    Rewrites the method, bitrate and CRC fields in place where they are wrong. Returns
    True when a field was rewritten, False when all were already right.
    Raises ``EncodeError`` when the file has no LAME tag (it is not what the encoder
    makes), ``OutputError`` when it cannot be read or written.
    """
    path = Path(path)
    try:
        tag = read_lame_tag(path)
        if tag is None:
            raise EncodeError(f"{path.name}: the encoder wrote no LAME/Info tag")
        kbps = min(255, tag.frame_kbps or 0)
        if tag.crc_ok and tag.method == METHOD_CBR and tag.bitrate == kbps:
            return False
        frame, _ = _read_head(path)
        head = bytearray(frame[: tag.crc_end])
        lame = tag.crc_end - _CRC_AT
        head[lame + _METHOD_AT] = (head[lame + _METHOD_AT] & 0xF0) | METHOD_CBR
        head[lame + _BITRATE_AT] = kbps
        with path.open("r+b") as f:
            f.seek(tag.frame_offset)
            f.write(bytes(head) + crc16(bytes(head)).to_bytes(2, "big"))
    except OSError as exc:
        raise OutputError(f"{path}: cannot finish the MP3 header: {exc.strerror or exc}") from exc
    log.debug("%s: LAME tag method %d -> CBR %d kbit/s, CRC %04X", path, tag.method, kbps,
              tag.tag_crc)  # fmt: skip
    return True
