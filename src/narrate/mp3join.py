"""Join MP3s encoded part by part into one gapless file, and the frame arithmetic it needs.

narrate encodes a long narration as several parts at once (one LAME encoder per core),
each cut inside a pause. Every part is a complete LAME stream: an Info frame (the
Xing header of a CBR file, with the LAME tag), then audio frames. Decoded on its own,
a part plays ``DECODER_DELAY`` samples of encoder delay, its audio, then the padding
that fills its last frame. Joined, the parts keep only the first part's Info frame;
its Xing and LAME fields are rewritten to describe the whole file (frames, bytes, seek
table, the first part's delay, the last part's padding, music length and music CRC),
so a gapless decoder trims exactly one delay and one padding.

The padding of a part and the delay of the next (together ``junction_samples``) stay
in the joined audio, inside the pause. The encode stage removes exactly that many
samples of silence from the pause, so the joined file decodes to as many samples as
the PCM stream had, with every chapter and cue where the timeline says.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import EncodeError
from .lametag import _xing_offset, read_lame_tag

LAME_ENCODER_DELAY = 576  # what LAME puts ahead of the audio, and writes in the LAME tag
DECODER_DELAY = LAME_ENCODER_DELAY + 529  # what a gapless decoder skips (ffmpeg: 1105)
MPEG1_FRAME = 1152  # samples per frame of MPEG-1 Layer III (32, 44.1 and 48 kHz)


def lame_frames(samples: int, frame: int = MPEG1_FRAME) -> int:
    """Audio frames LAME writes for ``samples`` input samples (after its flush).

    LAME encodes its 576-sample delay, the samples, then pads the last frame with at
    least 576 samples of silence (lame_encode_flush in LAME 3.100).
    """
    total = samples + LAME_ENCODER_DELAY
    pad = frame - total % frame
    if pad < LAME_ENCODER_DELAY:
        pad += frame
    return (total + pad) // frame


def junction_samples(samples: int, frame: int = MPEG1_FRAME) -> int:
    """Samples a part of ``samples`` adds to the joined audio besides its own.

    Its padding (frames * frame - delay - samples) plus the next part's delay.
    """
    return lame_frames(samples, frame) * frame - samples


@dataclass(frozen=True)
class Part:
    """One encoded part: its file and what its own LAME tag says about it."""

    path: Path
    samples: int  # output samples it encodes
    frames: int  # audio frames, Info frame not counted
    audio_offset: int  # where its first audio frame starts (after the Info frame)
    audio_bytes: int
    music_crc: int
    delay: int


def read_part(path: Path, samples: int) -> Part:
    tag = read_lame_tag(path)
    if tag is None or tag.frames is None:
        raise EncodeError(f"{path.name}: the encoder wrote no Info frame")
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(tag.frame_offset)
        header = f.read(4)
    info_bytes = frame_bytes(header)
    audio_offset = tag.frame_offset + info_bytes
    expect = lame_frames(samples)
    if tag.frames != expect:  # the arithmetic the pause trimming rests on
        raise EncodeError(
            f"the MP3 encoder wrote {tag.frames} frames for {samples} samples, not {expect}"
        )
    return Part(path, samples, tag.frames, audio_offset, size - audio_offset, tag.music_crc,
                tag.delay)  # fmt: skip


_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)


def frame_bytes(header: bytes) -> int:
    """Length of the MPEG-1 Layer III frame starting with the 4-byte ``header``."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xFE != 0xFA:
        raise EncodeError("not an MPEG-1 Layer III frame")
    bitrate = _BITRATES[header[2] >> 4] * 1000
    rate = _RATES[(header[2] >> 2) & 3]
    return 144 * bitrate // rate + ((header[2] >> 1) & 1)


# -- CRC-16/ARC of a concatenation, from the CRCs of its parts ----------------------------


def _shift_matrix() -> list[int]:
    """The linear map 'feed one zero byte' on a 16-bit CRC state, as 16 column images."""
    from .lametag import crc16

    return [crc16(b"\x00", 1 << bit) for bit in range(16)]


def _apply(matrix: Sequence[int], vec: int) -> int:
    out = 0
    bit = 0
    while vec:
        if vec & 1:
            out ^= matrix[bit]
        vec >>= 1
        bit += 1
    return out


def _square(matrix: Sequence[int]) -> list[int]:
    return [_apply(matrix, matrix[bit]) for bit in range(16)]


def crc16_combine(crc_a: int, crc_b: int, len_b: int) -> int:
    """CRC-16/ARC (initial value 0) of A + B, from crc(A), crc(B) and the length of B."""
    matrix = _shift_matrix()
    while len_b:
        if len_b & 1:
            crc_a = _apply(matrix, crc_a)
        len_b >>= 1
        if len_b:
            matrix = _square(matrix)
    return crc_a ^ crc_b


# -- joining ------------------------------------------------------------------------------


def join_parts(parts: Sequence[Part], out: Path) -> None:
    """Write ``parts`` to ``out`` as one MP3 whose Info frame describes all of it.

    The parts after the first are appended to it (and removed as they are).
    """
    first, last = parts[0], parts[-1]
    frames = sum(p.frames for p in parts)
    size = first.audio_offset + sum(p.audio_bytes for p in parts)
    # ffmpeg writes at most 1152 + 529 samples of padding, where LAME's flush can pad up
    # to 1727: the padding that makes the file decode to exactly its samples is written.
    padding = last.frames * MPEG1_FRAME - LAME_ENCODER_DELAY - last.samples
    crc = first.music_crc
    for p in parts[1:]:
        crc = crc16_combine(crc, p.music_crc, p.audio_bytes)
    if first.path != out:
        shutil.copyfile(first.path, out)
    with out.open("r+b") as dst:
        dst.seek(0, os.SEEK_END)
        for p in parts[1:]:
            with p.path.open("rb") as src:
                src.seek(p.audio_offset)
                shutil.copyfileobj(src, dst, 1 << 20)
            if p.path != out:
                p.path.unlink()
        dst.seek(0)
        info = bytearray(dst.read(first.audio_offset))
        _rewrite_info(info, frames, size, first.delay, padding, crc)
        dst.seek(0)
        dst.write(info)


def _rewrite_info(
    info: bytearray, frames: int, size: int, delay: int, padding: int, crc: int
) -> None:
    """Set the Xing and LAME fields of the Info frame ``info`` (its tag CRC is left stale:
    ``lametag.finish_lame_tag`` is the one home of that rule)."""
    at = _xing_offset(bytes(info[:4]))
    if at is None or info[at : at + 4] not in (b"Xing", b"Info"):
        raise EncodeError("the first part has no Info frame")
    flags = int.from_bytes(info[at + 4 : at + 8], "big")
    if flags & 7 != 7:
        raise EncodeError("the first part's Info frame lacks frames, bytes or seek table")
    info[at + 8 : at + 12] = frames.to_bytes(4, "big")
    info[at + 12 : at + 16] = size.to_bytes(4, "big")
    head = len(info)
    per_frame = (size - head) / frames
    toc = bytes(
        min(255, int(256 * (head + per_frame * (i * frames // 100)) / size)) for i in range(100)
    )
    info[at + 16 : at + 116] = b"\x00" + toc[1:]
    lame = at + 116 + (4 if flags & 8 else 0)
    if delay >= 1 << 12 or padding >= 1 << 12:
        raise EncodeError("encoder delay or padding too large for the LAME tag")
    info[lame + 21 : lame + 24] = ((delay << 12) | padding).to_bytes(3, "big")
    info[lame + 28 : lame + 32] = size.to_bytes(4, "big")
    info[lame + 32 : lame + 34] = crc.to_bytes(2, "big")
