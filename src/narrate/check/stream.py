"""The stream of an MP3: codec, sample rate, channels (ffprobe), and its bitrate mode,
read from the frame headers themselves (every frame's bitrate, and a Xing or Info tag)."""

from __future__ import annotations

import json
import mmap
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..encode import FFMPEG_HINT
from ..errors import DependencyError, InputError

_BITRATES = {  # kbps by index, layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Probe:
    codec: str | None
    sample_rate: int
    channels: int
    duration: float  # seconds


@dataclass(frozen=True)
class Frames:
    """What the MPEG audio frame headers say."""

    count: int  # audio frames (the Xing/Info frame not counted)
    bitrates: dict[int, int]  # kbps -> number of frames
    tag: str | None  # "Xing" (written by VBR encoders), "Info" (CBR) or None

    @property
    def mode(self) -> str:
        if len(self.bitrates) > 1 or self.tag == "Xing":
            return "VBR"
        return "CBR" if self.bitrates else "none"

    @property
    def kbps(self) -> float:
        """The one bitrate of a CBR stream; the mean over frames otherwise."""
        total = sum(self.bitrates.values())
        return sum(k * n for k, n in self.bitrates.items()) / total if total else 0.0


def probe(path: Path) -> Probe:
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        raise DependencyError(f"ffprobe not found; {FFMPEG_HINT}")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        reason = (out.stderr.strip().splitlines() or ["not a media file"])[-1]
        raise InputError(f"{path}: cannot read: {reason.split(': ', 1)[-1]}")
    data = json.loads(out.stdout or "{}")
    audio = next((s for s in data.get("streams", []) if s.get("codec_type") == "audio"), None)
    if audio is None:
        raise InputError(f"{path}: holds no audio stream")
    duration = audio.get("duration") or data.get("format", {}).get("duration") or 0
    return Probe(
        codec=audio.get("codec_name"),
        sample_rate=int(audio.get("sample_rate") or 0),
        channels=int(audio.get("channels") or 0),
        duration=float(duration),
    )


def _id3v2_size(buf: mmap.mmap | bytes) -> int:
    if len(buf) < 10 or buf[:3] != b"ID3":
        return 0
    size = 0
    for b in buf[6:10]:
        size = (size << 7) | (b & 0x7F)
    return 10 + size + (10 if buf[5] & 0x10 else 0)


def _header(h: int) -> tuple[int, int, int] | None:
    """(frame length, kbps, version bits) of a layer III header, or None."""
    if (h >> 21) & 0x7FF != 0x7FF or (h >> 17) & 3 != 1:
        return None
    version = (h >> 19) & 3
    br_index, rate_index = (h >> 12) & 15, (h >> 10) & 3
    if version == 1 or br_index in (0, 15) or rate_index == 3:
        return None
    kbps = _BITRATES[1 if version == 3 else 2][br_index]
    rate = _RATES[version][rate_index]
    per = 144 if version == 3 else 72
    return per * kbps * 1000 // rate + ((h >> 9) & 1), kbps, version


def scan_frames(path: Path) -> Frames:
    """Walk every MPEG audio frame header of ``path`` (resyncing over junk)."""
    with open(path, "rb") as fh:
        try:
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return Frames(0, {}, None)
    with buf:
        pos, end = _id3v2_size(buf), len(buf)
        if end >= 128 and buf[end - 128 : end - 125] == b"TAG":
            end -= 128
        counts: Counter[int] = Counter()
        tag = None
        first = True
        while pos + 4 <= end:
            parsed = _header(int.from_bytes(buf[pos : pos + 4], "big"))
            if parsed is None or pos + parsed[0] > end:
                nxt = buf.find(b"\xff", pos + 1, end)
                if nxt < 0:
                    break
                pos = nxt
                continue
            length, kbps, _ = parsed
            if first:
                first = False
                head = bytes(buf[pos : pos + min(length, 64)])
                tag = next((t for t in ("Xing", "Info") if t.encode() in head), None)
                if tag is not None:
                    pos += length
                    continue
            counts[kbps] += 1
            pos += length
    return Frames(sum(counts.values()), dict(counts), tag)
