"""The tagging stage: ID3v2 metadata, cover art and chapters for a finished MP3.

``write_tags`` replaces every ID3 tag of an encoded MP3 with a fresh ID3v2.3 or
ID3v2.4 tag: text frames, a comment, the full display text as unsynchronised
lyrics, a front cover, narrate's own TXXX frames, and one CHAP frame per
chapter listed in order by one top-level CTOC frame. ``read_tags`` reads all of
it back (and whatever an MP3 from elsewhere holds).

Times are rounded to whole milliseconds by ``ms`` everywhere (ID3 chapters,
JSON chapters, SRT/VTT cues), so all of them agree exactly.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    TSSE,
    TXXX,
    USLT,
    CTOCFlags,
    Encoding,
    PictureType,
)
from mutagen.id3._tags import save_frame
from mutagen.mp3 import MP3

from .errors import CoverError, EncodeError, InputError, OutputError
from .files import TooLarge, read_capped, too_large_message

log = logging.getLogger(__name__)

__all__ = [
    "COVER_MAX_BYTES",
    "Chapter",
    "EpisodeTags",
    "TagData",
    "TXXX_ENGINE",
    "TXXX_FINGERPRINT",
    "TXXX_GUID",
    "TXXX_SOURCE",
    "TXXX_VOICE",
    "load_cover",
    "ms",
    "read_tags",
    "tags_as_dict",
    "write_tags",
]

TXXX_ENGINE = "NARRATE_ENGINE"
TXXX_VOICE = "NARRATE_VOICE"
TXXX_GUID = "PODCAST_GUID"
TXXX_FINGERPRINT = "NARRATE_FINGERPRINT"  # what the MP3 was made from (narrate batch)
TXXX_SOURCE = "NARRATE_SOURCE"  # which review it was made from (narrate batch)
TOC_ID = "toc"
NO_OFFSET = 0xFFFFFFFF
MAX_MS = 0xFFFFFFFF  # CHAP times are 32-bit unsigned milliseconds
COVER_MAX_BYTES = 16 * 1024 * 1024
_COVER_WARN_BYTES = 1024 * 1024

_ONE = Decimal(1)
_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
_LANG_RE = re.compile(r"[a-zA-Z]{3}\Z")
_ELEMENT_ID_RE = re.compile(r"[\x21-\x7e]{1,64}\Z")  # printable ASCII, no spaces

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_OTHER_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def ms(seconds: float) -> int:
    """Seconds -> whole milliseconds. The one rounding rule of narrate.

    Rounds the float's shortest decimal form half up, so ``ms(3.0005) == 3001`` even
    though the binary float is a hair below 3.0005. Idempotent: ``ms(ms(x) / 1000) ==
    ms(x)``. Negative and non-finite values are errors (``ValueError``).
    """
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"time must be a finite number of seconds >= 0, got {seconds!r}")
    return int(Decimal(repr(seconds)).scaleb(3).quantize(_ONE, rounding=ROUND_HALF_UP))


#: Namespace of episode GUIDs derived from an MP3's file name.
EPISODE_GUID_NAMESPACE = uuid.UUID("8c5a3f0e-6b1d-5e52-9a57-2f4c1e0d7b93")


def guid_for_name(name: str) -> str:
    """The stable episode GUID for an MP3 file name: same name, same GUID, forever."""
    return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, unicodedata.normalize("NFC", name)))


@dataclass(frozen=True)
class Chapter:
    element_id: str  # e.g. "chp0"
    title: str
    start: float  # seconds
    end: float  # seconds


@dataclass(frozen=True)
class TagData:
    title: str
    artist: str | None = None
    album: str | None = None
    genre: str = "Speech"
    date: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    description: str | None = None  # COMM (lang = language, desc "")
    lyrics: str | None = None  # full display text -> USLT
    cover: Path | None = None  # JPEG or PNG -> APIC type 3 (front cover)
    encoder: str | None = None  # e.g. "narrate 0.1.0 + ffmpeg/LAME" -> TSSE
    engine: str | None = None  # TXXX NARRATE_ENGINE
    voice: str | None = None  # TXXX NARRATE_VOICE
    guid: str | None = None  # TXXX PODCAST_GUID
    track: int | None = None  # TRCK
    language: str = "eng"  # ISO 639-2: TLAN, and the language of COMM and USLT
    chapters: tuple[Chapter, ...] = ()
    fingerprint: str | None = None  # TXXX NARRATE_FINGERPRINT
    source: str | None = None  # TXXX NARRATE_SOURCE


@dataclass(frozen=True)
class EpisodeTags:
    title: str | None
    artist: str | None
    album: str | None
    genre: str | None
    date: str | None
    description: str | None
    lyrics: str | None
    encoder: str | None
    engine: str | None
    voice: str | None
    guid: str | None
    track: int | None
    cover: tuple[bytes, str] | None  # (data, mime)
    chapters: tuple[Chapter, ...]  # in CTOC order
    duration: float  # seconds
    bitrate: int  # bits per second
    sample_rate: int
    channels: int
    bitrate_mode: str  # "CBR", "VBR", "ABR" or "UNKNOWN"
    id3_version: int  # 3 or 4; 2 for an old v2.2 tag; 0 when the file has no ID3v2 tag
    language: str | None = None  # TLAN
    fingerprint: str | None = None  # TXXX NARRATE_FINGERPRINT
    source: str | None = None  # TXXX NARRATE_SOURCE


# --------------------------------------------------------------------------- cover


def load_cover(path: Path) -> tuple[bytes, str]:
    """Return ``(data, mime)`` of a JPEG or PNG cover, detected by magic bytes.

    Anything else raises ``CoverError`` naming the file.
    """
    path = Path(path)
    try:
        data = read_capped(path, COVER_MAX_BYTES)
    except TooLarge as exc:
        raise CoverError(too_large_message(str(path), "cover image", exc.limit)) from exc
    except FileNotFoundError as exc:
        raise CoverError(f"{path}: cover image not found") from exc
    except IsADirectoryError as exc:
        raise CoverError(f"{path}: cover image is a folder, not a file") from exc
    except OSError as exc:
        raise CoverError(f"{path}: cannot read cover image: {exc.strerror or exc}") from exc
    if not data:
        raise CoverError(f"{path}: cover image is empty")
    if data.startswith(_PNG_MAGIC):
        mime = "image/png"
        # Signature, then an IHDR chunk of 13 bytes; the last chunk is IEND.
        if len(data) < 33 or data[12:16] != b"IHDR" or data.rfind(b"IEND") < 33:
            raise CoverError(f"{path}: cover image is a truncated or damaged PNG")
    elif data.startswith(_JPEG_MAGIC):
        mime = "image/jpeg"
        # A JPEG ends with an EOI marker (some cameras append data after it).
        if len(data) < 4 or data.rfind(b"\xff\xd9") < 3:
            raise CoverError(f"{path}: cover image is a truncated or damaged JPEG")
    else:
        kind = next((name for magic, name in _OTHER_IMAGES if data.startswith(magic)), None)
        if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            kind = "WebP"
        what = f"a {kind} image" if kind else "not an image narrate can read"
        raise CoverError(f"{path}: cover image is {what}; use a JPEG or PNG file")
    if len(data) > _COVER_WARN_BYTES:
        log.warning("%s: cover image is %d bytes; podcast apps prefer < 1 MB", path, len(data))
    return data, mime


# --------------------------------------------------------------------------- write


def check_date(value: str) -> str:
    """Return ``value`` if it is a real date written YYYY, YYYY-MM or YYYY-MM-DD.

    Raises ``ValueError`` with a one-line reason otherwise (e.g. "2024-5-3").
    """
    if not _DATE_RE.match(value):
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        _dt.date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not a real date") from exc
    return value


def _check(data: TagData) -> None:
    """Reject TagData that cannot be written faithfully (``ValueError``)."""
    if data.date is not None:
        check_date(data.date)
    if not _LANG_RE.match(data.language):
        raise ValueError(f"language must be a 3-letter ISO 639-2 code, got {data.language!r}")
    if data.track is not None and (isinstance(data.track, bool) or data.track < 1):
        raise ValueError(f"track must be a positive integer, got {data.track!r}")
    seen: set[str] = set()
    for ch in data.chapters:
        if not _ELEMENT_ID_RE.match(ch.element_id) or ch.element_id == TOC_ID:
            raise ValueError(f"bad chapter element id {ch.element_id!r}")
        if ch.element_id in seen:
            raise ValueError(f"duplicate chapter element id {ch.element_id!r}")
        seen.add(ch.element_id)
        start, end = ms(ch.start), ms(ch.end)
        if end < start:
            raise ValueError(f"chapter {ch.element_id} ends ({ch.end}) before it starts")
        if end > MAX_MS:
            raise ValueError(f"chapter {ch.element_id} ends too late for ID3 ({ch.end} s)")


class _ChapterOrderedID3(ID3):
    """An ID3 tag that writes its CTOC and then its CHAP frames in chapter order, last.

    mutagen orders frames by size, and ffmpeg-based players list CHAP frames in file
    order (ignoring the CTOC), so without this they would show chapters shuffled.
    """

    def _write(self, config: Any) -> bytearray:
        keys = [k for k in self if k.startswith(("CTOC:", "CHAP:"))]
        frames = [self.pop(k) for k in keys]
        try:
            head = super()._write(config)
        finally:
            for key, frame in zip(keys, frames, strict=True):
                self[key] = frame
        return head + b"".join(save_frame(f, config=config) for f in frames)


def _build(data: TagData, cover: tuple[bytes, str] | None, enc: Encoding) -> ID3:
    tags = _ChapterOrderedID3()
    lang = data.language.lower()
    tags.add(TIT2(encoding=enc, text=[data.title]))
    if data.artist:
        tags.add(TPE1(encoding=enc, text=[data.artist]))
    if data.album:
        tags.add(TALB(encoding=enc, text=[data.album]))
    if data.genre:
        tags.add(TCON(encoding=enc, text=[data.genre]))
    if data.date:
        tags.add(TDRC(encoding=enc, text=[data.date]))
    if data.track is not None:
        tags.add(TRCK(encoding=enc, text=[str(data.track)]))
    tags.add(TLAN(encoding=enc, text=[lang]))
    if data.encoder:
        tags.add(TSSE(encoding=enc, text=[data.encoder]))
    if data.description:
        tags.add(COMM(encoding=enc, lang=lang, desc="", text=[data.description]))
    if data.lyrics:
        tags.add(USLT(encoding=enc, lang=lang, desc="", text=data.lyrics))
    for desc, value in (
        (TXXX_ENGINE, data.engine),
        (TXXX_VOICE, data.voice),
        (TXXX_GUID, data.guid),
        (TXXX_FINGERPRINT, data.fingerprint),
        (TXXX_SOURCE, data.source),
    ):
        if value:
            tags.add(TXXX(encoding=enc, desc=desc, text=[value]))
    if cover is not None:
        blob, mime = cover
        tags.add(APIC(encoding=enc, mime=mime, type=PictureType.COVER_FRONT, desc="", data=blob))
    if data.chapters:
        tags.add(
            CTOC(
                element_id=TOC_ID,
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[ch.element_id for ch in data.chapters],
                sub_frames=[],
            )
        )
    for ch in data.chapters:
        tags.add(
            CHAP(
                element_id=ch.element_id,
                start_time=ms(ch.start),
                end_time=ms(ch.end),
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[TIT2(encoding=enc, text=[ch.title])],
            )
        )
    return tags


def _io_cause(exc: BaseException) -> OSError | None:
    for cand in (*getattr(exc, "args", ())[:1], exc.__cause__, exc.__context__):
        if isinstance(cand, OSError):
            return cand
    return None


def write_tags(mp3: Path, data: TagData, id3_version: int = 3) -> None:
    """Replace all ID3 tags (v1 and v2) of ``mp3``, which already holds encoded audio.

    Raises ``ValueError`` for a bad ``id3_version`` or malformed ``data``,
    ``CoverError`` for a bad cover, ``OutputError`` when the file cannot be read or
    written, ``EncodeError`` when it is not an MP3 or mutagen fails otherwise.
    """
    mp3 = Path(mp3)
    if id3_version not in (3, 4):
        raise ValueError(f"id3_version must be 3 or 4, got {id3_version!r}")
    _check(data)
    cover = load_cover(data.cover) if data.cover is not None else None
    enc = Encoding.UTF16 if id3_version == 3 else Encoding.UTF8
    tags = _build(data, cover, enc)
    if id3_version == 3:
        tags.update_to_v23()  # TDRC -> TYER (+ TDAT), also inside CHAP/CTOC
    try:
        MP3(mp3)  # refuse to tag something that is not an MP3
        tags.save(mp3, v1=0, v2_version=id3_version)
    except (MutagenError, OSError) as exc:
        cause = _io_cause(exc) if not isinstance(exc, OSError) else exc
        if cause is not None:
            raise OutputError(f"{mp3}: cannot write tags: {cause.strerror or cause}") from exc
        raise EncodeError(f"{mp3}: cannot write tags: {exc}") from exc
    log.debug("%s: wrote ID3v2.%d tag with %d chapter(s)", mp3, id3_version, len(data.chapters))


# --------------------------------------------------------------------------- read


def _text(tags: ID3, key: str) -> str | None:
    frame = tags.get(key)
    if frame is None or not frame.text:
        return None
    return "/".join(str(t) for t in frame.text)


def _by_lang(frames: list[Any], lang: str | None) -> Any | None:
    """Prefer a frame with an empty description in ``lang``, then any empty description."""
    plain = [f for f in frames if not f.desc]
    for pool in (plain, frames):
        for f in pool:
            if lang is None or f.lang == lang:
                return f
    return plain[0] if plain else None


def _ordered_ids(tags: ID3, chaps: dict[str, Any]) -> list[str]:
    tocs = {f.element_id: f for f in tags.getall("CTOC")}
    children = {c for t in tocs.values() for c in t.child_element_ids}
    roots = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    roots += [t for eid, t in tocs.items() if eid not in children and t not in roots]
    order: list[str] = []
    visiting: set[str] = set()

    def walk(ids: Iterable[str]) -> None:
        for eid in ids:
            if eid in chaps and eid not in order:
                order.append(eid)
            elif eid in tocs and eid not in visiting:
                visiting.add(eid)
                walk(tocs[eid].child_element_ids)

    for root in roots:
        visiting.add(root.element_id)
        walk(root.child_element_ids)
    rest = sorted((c for c in chaps if c not in order), key=lambda c: chaps[c].start_time)
    return order + rest


def _chapters(tags: ID3) -> tuple[Chapter, ...]:
    chaps = {f.element_id: f for f in tags.getall("CHAP")}
    out = []
    for eid in _ordered_ids(tags, chaps):
        f = chaps[eid]
        title = f.sub_frames.get("TIT2") if f.sub_frames else None
        out.append(
            Chapter(
                element_id=eid,
                title=str(title) if title is not None else "",
                start=f.start_time / 1000,
                end=f.end_time / 1000,
            )
        )
    return tuple(out)


def _track(value: str | None) -> int | None:
    if not value:
        return None
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def read_tags(mp3: Path) -> EpisodeTags:
    """Read the tags and stream facts of any MP3. Missing frames come back as ``None``.

    Raises ``InputError`` naming the file when it is unreadable or not an MP3.
    """
    mp3 = Path(mp3)
    try:
        audio = MP3(mp3)
    except (MutagenError, OSError) as exc:
        cause = _io_cause(exc) if not isinstance(exc, OSError) else exc
        if isinstance(cause, FileNotFoundError):
            raise InputError(f"{mp3}: file not found") from exc
        if cause is not None:
            raise InputError(f"{mp3}: cannot read: {cause.strerror or cause}") from exc
        raise InputError(f"{mp3}: not an MP3 file ({exc})") from exc
    info = audio.info
    tags = audio.tags if audio.tags is not None else ID3()
    lang = _text(tags, "TLAN")
    lang3 = lang[:3].lower() if lang else None
    comm = _by_lang(
        [f for f in tags.getall("COMM") if not str(f.desc).startswith("iTun")], lang3 or "eng"
    )
    uslt = _by_lang(tags.getall("USLT"), lang3 or "eng")
    pics = tags.getall("APIC")
    pic = next((p for p in pics if p.type == PictureType.COVER_FRONT), pics[0] if pics else None)
    txxx = {f.desc: "/".join(str(t) for t in f.text) for f in tags.getall("TXXX")}
    date = tags.get("TDRC")  # mutagen turns v2.3 TYER/TDAT into TDRC on load
    return EpisodeTags(
        title=_text(tags, "TIT2"),
        artist=_text(tags, "TPE1"),
        album=_text(tags, "TALB"),
        genre=_text(tags, "TCON"),
        date=date.text[0].text if date is not None and date.text else None,
        description=("/".join(comm.text) or None) if comm is not None else None,
        lyrics=(uslt.text or None) if uslt is not None else None,
        encoder=_text(tags, "TSSE"),
        engine=txxx.get(TXXX_ENGINE) or None,
        voice=txxx.get(TXXX_VOICE) or None,
        guid=txxx.get(TXXX_GUID) or None,
        track=_track(_text(tags, "TRCK")),
        cover=(bytes(pic.data), pic.mime) if pic is not None else None,
        chapters=_chapters(tags),
        duration=float(info.length),
        bitrate=int(info.bitrate),
        sample_rate=int(info.sample_rate),
        channels=int(info.channels),
        bitrate_mode=str(info.bitrate_mode).rsplit(".", 1)[-1],  # "BitrateMode.CBR"
        id3_version=tags.version[1] if audio.tags is not None else 0,
        language=lang,
        fingerprint=txxx.get(TXXX_FINGERPRINT) or None,
        source=txxx.get(TXXX_SOURCE) or None,
    )


def tags_as_dict(t: EpisodeTags) -> dict[str, Any]:
    """A JSON-serialisable summary for ``narrate read --json`` (cover as mime + size)."""
    return {
        "title": t.title,
        "artist": t.artist,
        "album": t.album,
        "genre": t.genre,
        "date": t.date,
        "description": t.description,
        "lyrics": t.lyrics,
        "language": t.language,
        "encoder": t.encoder,
        "engine": t.engine,
        "voice": t.voice,
        "guid": t.guid,
        "track": t.track,
        "cover": {"mime": t.cover[1], "bytes": len(t.cover[0])} if t.cover else None,
        "chapters": [
            {"element_id": c.element_id, "title": c.title, "start": c.start, "end": c.end}
            for c in t.chapters
        ],
        "duration": t.duration,
        "bitrate": t.bitrate,
        "sample_rate": t.sample_rate,
        "channels": t.channels,
        "bitrate_mode": t.bitrate_mode,
        "id3_version": t.id3_version,
    }
