"""What an MP3 holds: format, duration, tags, chapters, stored loudness, side files.

``inspect_mp3`` works on any MP3, not only narrate's, and says what is wrong with a
damaged one. A file it cannot describe at all (missing, empty, not an MP3, a cut ID3
tag) raises ``InputError`` naming the file; a file it can describe but whose audio is
damaged (cut short, junk between frames, fewer frames than its header promises) comes
back with those findings in ``problems``.

The audio is checked by walking the MPEG frame headers from the first frame to the
end of the file (memory-mapped, never read whole), independently of mutagen.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import ID3, CTOCFlags, ID3NoHeaderError

from .errors import InputError
from .lametag import read_lame_tag
from .tags import EpisodeTags, read_tags, tags_as_dict

#: Side files narrate writes beside an MP3, by kind (one home: these suffixes).
SIDE_SUFFIXES = {"srt": ".srt", "vtt": ".vtt", "chapters": ".chapters.json"}

#: TXXX descriptions that hold loudness facts (EBU R128, ReplayGain, peaks).
_LOUDNESS = re.compile(r"LOUD|LUFS|LRA|R128|REPLAYGAIN|PEAK|GAIN", re.I)

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"RIFF", "a RIFF/WAV file"),
    (0, b"fLaC", "a FLAC file"),
    (0, b"OggS", "an Ogg file"),
    (4, b"ftyp", "an MP4/M4A file"),
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"<?xml", "an XML file"),
)

# MPEG audio Layer III: bitrates (kbit/s) by index, sample rates by index.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 2.5: (11025, 12000, 8000)}
_VERSIONS = {0: 2.5, 2: 2, 3: 1}
_MODES = ("stereo", "joint stereo", "dual channel", "mono")


@dataclass(frozen=True)
class AudioFormat:
    codec: str  # e.g. "MPEG-1 Layer III"
    sample_rate: int
    channels: int
    mode: str  # "mono", "stereo", "joint stereo", "dual channel"
    bitrate: int  # bits per second (the average for VBR)
    bitrate_mode: str  # "CBR", "VBR", "ABR" or "UNKNOWN"
    encoder: str | None  # from the LAME/Info header, e.g. "LAME 3.100"


@dataclass(frozen=True)
class TocEntry:
    """One CTOC frame: a table of contents, possibly nested under another."""

    element_id: str
    title: str | None
    top_level: bool
    ordered: bool
    children: tuple[str, ...]


@dataclass(frozen=True)
class ChapterEntry:
    element_id: str
    title: str
    start: float  # seconds
    end: float
    toc: str | None  # the CTOC that lists it (None: listed by none)


@dataclass(frozen=True)
class SideFile:
    kind: str  # "srt", "vtt" or "chapters"
    path: Path
    bytes: int


@dataclass(frozen=True)
class Inspection:
    path: Path
    bytes: int
    format: AudioFormat
    duration: float  # seconds, as the header says (or as estimated from the size)
    frames: int  # MPEG frames found by walking the file
    audio_duration: float  # seconds of audio those frames hold
    tags: EpisodeTags
    id3_version: int  # 3 or 4; 2 for v2.2; 0 without an ID3v2 tag
    chapters: tuple[ChapterEntry, ...]  # in table-of-contents order
    tocs: tuple[TocEntry, ...]
    txxx: dict[str, str]  # every TXXX frame, description -> text
    side_files: tuple[SideFile, ...]
    problems: tuple[str, ...] = ()  # what is damaged; empty for a sound file

    @property
    def loudness(self) -> dict[str, str]:
        """The TXXX frames that hold loudness facts (integrated LUFS, true peak, gain...)."""
        return {k: v for k, v in self.txxx.items() if _LOUDNESS.search(k)}

    def as_dict(self) -> dict[str, Any]:
        tags = tags_as_dict(self.tags)
        for key in ("chapters", "duration", "bitrate", "sample_rate", "channels"):
            tags.pop(key, None)
        for key in ("bitrate_mode", "id3_version"):
            tags.pop(key, None)
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "format": {
                "codec": self.format.codec,
                "sample_rate": self.format.sample_rate,
                "channels": self.format.channels,
                "mode": self.format.mode,
                "bitrate": self.format.bitrate,
                "bitrate_mode": self.format.bitrate_mode,
                "encoder": self.format.encoder,
            },
            "duration": round(self.duration, 3),
            "frames": self.frames,
            "audio_duration": round(self.audio_duration, 3),
            "id3_version": self.id3_version,
            "tags": tags,
            "txxx": self.txxx,
            "loudness": self.loudness,
            "tocs": [
                {
                    "element_id": t.element_id,
                    "title": t.title,
                    "top_level": t.top_level,
                    "ordered": t.ordered,
                    "children": list(t.children),
                }
                for t in self.tocs
            ],
            "chapters": [
                {"element_id": c.element_id, "title": c.title, "start": c.start, "end": c.end,
                 "toc": c.toc}
                for c in self.chapters
            ],  # fmt: skip
            "side_files": [
                {"kind": s.kind, "path": str(s.path), "bytes": s.bytes} for s in self.side_files
            ],
            "problems": list(self.problems),
        }


# --------------------------------------------------------------------------- checks


def side_files(mp3: Path) -> tuple[SideFile, ...]:
    """The transcripts and JSON chapters that sit beside ``mp3`` (same stem)."""
    found = []
    for kind, suffix in SIDE_SUFFIXES.items():
        path = mp3.with_name(mp3.stem + suffix)
        if path.is_file():
            found.append(SideFile(kind, path, path.stat().st_size))
    return tuple(found)


def _id3_size(head: bytes) -> int | None:
    """Total bytes of the ID3v2 tag that ``head`` starts with (None: no tag)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return None
    size = 0
    for b in head[6:10]:
        size = (size << 7) | (b & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _what_it_is(head: bytes) -> str | None:
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the head
            return None
        text = head[: exc.start].decode("utf-8")
    return "a text file" if all(c.isprintable() or c in "\t\r\n" for c in text) else None


def _precheck(path: Path) -> int:
    """Fail early, with the reason, for what is plainly no MP3; return the ID3 size."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not an MP3 file")
        with path.open("rb") as f:
            head = f.read(64)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size == 0:
        raise InputError(f"{path}: empty file (0 bytes), not an MP3")
    tag = _id3_size(head) or 0
    if tag > size:
        raise InputError(
            f"{path}: truncated inside its ID3 tag (the tag says {tag} bytes, "
            f"the file has {size})"
        )
    if tag == size:
        raise InputError(f"{path}: holds an ID3 tag but no audio")
    kind = _what_it_is(head) if not tag else None
    if kind is not None:
        raise InputError(f"{path}: not an MP3 file ({kind})")
    return tag


@dataclass(frozen=True)
class _Walk:
    frames: int  # audio frames: a Xing/Info/VBRI frame in front carries none
    samples: int  # the samples those frames decode to, before any delay is trimmed
    sample_rate: int
    problems: tuple[str, ...]


def _header(data: mmap.mmap | bytes, pos: int) -> tuple[int, int, int] | None:
    """(frame length, samples, sample rate) of a Layer III frame header at ``pos``."""
    if pos + 4 > len(data):
        return None
    b1, b2 = data[pos + 1], data[pos + 2]
    if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version = _VERSIONS.get((b1 >> 3) & 3)
    layer = (b1 >> 1) & 3
    bitrate_i, rate_i = b2 >> 4, (b2 >> 2) & 3
    if version is None or layer != 1 or bitrate_i in (0, 15) or rate_i == 3:
        return None
    kbps = _BITRATES[1 if version == 1 else 2][bitrate_i]
    rate = _RATES[version][rate_i]
    samples = 1152 if version == 1 else 576
    length = samples // 8 * kbps * 1000 // rate + ((b2 >> 1) & 1)
    return length, samples, rate


def _trailer_start(data: mmap.mmap, size: int) -> int:
    """Where the tags after the audio begin (ID3v1 ``TAG``, APEv2), else ``size``."""
    end = size
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        tag_size = int.from_bytes(data[end - 20 : end - 16], "little")  # items + footer
        has_header = data[end - 9] & 0x80  # flags, bit 31
        end = max(0, end - tag_size - (32 if has_header else 0))
    return end


def _walk(path: Path, first: int, header: bool, promised_frames: int | None) -> _Walk:
    """Walk the frame headers from ``first`` to the end and say what is wrong.

    ``header``: the first frame is a Xing/Info/VBRI header, not audio; ``promised_frames``:
    the audio frames it promises.
    """
    problems: list[str] = []
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size = len(data)
        end = _trailer_start(data, size)
        pos, frames, samples, rate = first, 0, 0, 0
        while pos < end:
            head = _header(data, pos)
            if head is None:
                break
            length, n, rate = head
            if pos + length > end:
                problems.append(
                    f"truncated: the last audio frame is cut short "
                    f"({end - pos} of {length} bytes)"
                )
                pos = end
                break
            if header and pos == first:
                pos += length  # the header frame: no audio, and none of what it promises
                continue
            frames += 1
            samples += n
            pos += length
        if pos < end:
            seconds = samples / rate if rate else 0.0
            problems.append(
                f"damaged: no audio frame at byte {pos} of {size} "
                f"({seconds:.1f} s in); {end - pos} bytes cannot be played"
            )
    if promised_frames is not None and frames < promised_frames and rate:
        frame_samples = samples // frames if frames else 1152
        problems = [p for p in problems if not p.startswith("truncated:")]  # this says more
        problems.insert(
            0,
            f"truncated: its header promises {promised_frames * frame_samples / rate:.1f} s "
            f"({promised_frames} frames), the file holds {samples / rate:.1f} s ({frames})",
        )
    return _Walk(frames, samples, rate, tuple(problems))


def _xing_frames(path: Path, offset: int) -> tuple[bool, int | None]:
    """Whether the first frame is a Xing/Info or VBRI header, and the audio frames it
    promises (itself not counted: it holds no audio), if it gives a count."""
    with path.open("rb") as f:
        f.seek(offset)
        frame = f.read(200)
    for tag_at in (frame.find(b"Xing"), frame.find(b"Info")):
        if 0 <= tag_at <= 40 and len(frame) >= tag_at + 12:
            flags = int.from_bytes(frame[tag_at + 4 : tag_at + 8], "big")
            if flags & 1:
                return True, int.from_bytes(frame[tag_at + 8 : tag_at + 12], "big")
            return True, None
    if frame[36:40] == b"VBRI" and len(frame) >= 54:
        return True, int.from_bytes(frame[50:54], "big")
    return False, None


def _duration(path: Path, walk: _Walk, fallback: float) -> float:
    """Seconds of audio a gapless decoder gives: the frames' samples less the encoder delay
    and padding of the LAME tag (``narrate read --json``'s duration, to the sample);
    without a LAME tag, ``fallback`` (mutagen's estimate)."""
    try:
        tag = read_lame_tag(path)
    except OSError:
        tag = None
    if tag is None or not walk.sample_rate or walk.samples < tag.delay + tag.padding:
        return fallback
    return (walk.samples - tag.delay - tag.padding) / walk.sample_rate


def _first_frame(path: Path, start: int) -> int | None:
    """Offset of the first of two back-to-back Layer III frames at or after ``start``."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        limit = min(len(data), start + 1024 * 1024)
        pos = data.find(b"\xff", start, limit)
        while 0 <= pos < limit:
            head = _header(data, pos)
            if head is not None and _header(data, pos + head[0]) is not None:
                return pos
            if head is not None and pos + head[0] == len(data):
                return pos  # a file of one frame
            pos = data.find(b"\xff", pos + 1, limit)
    return None


# --------------------------------------------------------------------------- ID3


def _toc_and_txxx(path: Path) -> tuple[tuple[TocEntry, ...], dict[str, str], dict[str, str]]:
    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        return (), {}, {}
    except (MutagenError, OSError):
        return (), {}, {}  # read_tags has already said what is wrong, or the file is fine
    tocs = []
    parent: dict[str, str] = {}
    for f in tags.getall("CTOC"):
        title = f.sub_frames.get("TIT2") if f.sub_frames else None
        tocs.append(
            TocEntry(
                element_id=f.element_id,
                title=str(title) if title is not None else None,
                top_level=bool(f.flags & CTOCFlags.TOP_LEVEL),
                ordered=bool(f.flags & CTOCFlags.ORDERED),
                children=tuple(f.child_element_ids),
            )
        )
        for child in f.child_element_ids:
            parent.setdefault(child, f.element_id)
    tocs.sort(key=lambda t: (not t.top_level, t.element_id))
    txxx = {str(f.desc): "/".join(str(t) for t in f.text) for f in tags.getall("TXXX")}
    return tuple(tocs), txxx, parent


# --------------------------------------------------------------------------- entry


def inspect_mp3(path: Path) -> Inspection:
    """Describe the MP3 ``path``. Raises ``InputError`` when it is no readable MP3."""
    path = Path(path)
    tag_size = _precheck(path)
    first = _first_frame(path, tag_size)
    if first is None:
        raise InputError(f"{path}: not an MP3 file (no MPEG audio frames found)")
    tags = read_tags(path)  # the one gate for mutagen's errors
    from mutagen.mp3 import MP3  # the stream facts read_tags does not keep

    try:
        info = MP3(path).info
    except (MutagenError, OSError) as exc:  # pragma: no cover - read_tags read it just now
        raise InputError(f"{path}: not an MP3 file ({exc})") from None
    walk = _walk(path, first, *_xing_frames(path, first))
    tocs, txxx, parent = _toc_and_txxx(path)
    version = 1 if info.version == 1 else info.version
    fmt = AudioFormat(
        codec=f"MPEG-{version:g} Layer {'I' * info.layer}",
        sample_rate=int(info.sample_rate),
        channels=int(info.channels),
        mode=_MODES[info.mode] if 0 <= info.mode < len(_MODES) else "unknown",
        bitrate=int(info.bitrate),
        bitrate_mode=tags.bitrate_mode,
        encoder=info.encoder_info or None,
    )
    chapters = tuple(
        ChapterEntry(c.element_id, c.title, c.start, c.end, parent.get(c.element_id))
        for c in tags.chapters
    )
    return Inspection(
        path=path,
        bytes=path.stat().st_size,
        format=fmt,
        duration=_duration(path, walk, float(info.length)),
        frames=walk.frames,
        audio_duration=walk.samples / walk.sample_rate if walk.sample_rate else 0.0,
        tags=tags,
        id3_version=tags.id3_version,
        chapters=chapters,
        tocs=tocs,
        txxx=txxx,
        side_files=side_files(path),
        problems=walk.problems,
    )
