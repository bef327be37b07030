"""The plain data of the tagging stage, and its one rounding rule (``ms``)."""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

TXXX_ENGINE = "NARRATE_ENGINE"
TXXX_VOICE = "NARRATE_VOICE"
TXXX_GUID = "PODCAST_GUID"
TXXX_FINGERPRINT = "NARRATE_FINGERPRINT"  # what the MP3 was made from (narrate batch)
TXXX_SOURCE = "NARRATE_SOURCE"  # which review it was made from (narrate batch)
TXXX_PROFILE = "NARRATE_PROFILE"  # the delivery profile (narrate.profiles)
TXXX_LUFS = "NARRATE_LOUDNESS_LUFS"  # integrated loudness, measured on the encoded MP3
TXXX_TRUE_PEAK = "NARRATE_TRUE_PEAK_DBTP"
TXXX_LRA = "NARRATE_LOUDNESS_RANGE_LU"

_ONE = Decimal(1)
_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
_TIMESTAMP_RE = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?\Z")


def ms(seconds: float) -> int:
    """Seconds -> whole milliseconds. The one rounding rule of narrate.

    Rounds the float's shortest decimal form half up, so ``ms(3.0005) == 3001`` even
    though the binary float is a hair below 3.0005. Idempotent: ``ms(ms(x) / 1000) ==
    ms(x)``. Negative and non-finite values are errors (``ValueError``).
    """
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"time must be a finite number of seconds >= 0, got {seconds!r}")
    value = seconds * 1000
    if abs(value % 1 - 0.5) > 1e-3 and value < 1e12:
        # Far from a tie, the float and its shortest decimal form round alike (their
        # difference is below 1e-3 ms up to 1e12 ms): the fast path for long timelines.
        return math.floor(value + 0.5)
    return int(Decimal(repr(seconds)).scaleb(3).quantize(_ONE, rounding=ROUND_HALF_UP))


def end_ms(seconds: float, audio_end: float) -> int:
    """``ms`` for a time that may be the audio's end: never past ``audio_end``.

    A chapter ending at the last sample (``audio_end``) ends at the whole millisecond at
    or before it: rounded half up, it could point up to 0.5 ms past the audio.
    """
    last = math.floor(Decimal(repr(float(audio_end))).scaleb(3))
    return min(ms(seconds), last)


#: Namespace of episode GUIDs derived from an MP3's file name.
EPISODE_GUID_NAMESPACE = uuid.UUID("8c5a3f0e-6b1d-5e52-9a57-2f4c1e0d7b93")


def guid_for_name(name: str) -> str:
    """The stable episode GUID for an MP3 file name: same name, same GUID, forever."""
    return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, unicodedata.normalize("NFC", name)))


def check_date(value: str) -> str:
    """Return ``value`` if it is a real date written YYYY, YYYY-MM or YYYY-MM-DD, or
    a date and time YYYY-MM-DDTHH:MM[:SS] (an ID3 timestamp: no zone).

    Raises ``ValueError`` with a one-line reason otherwise (e.g. "2024-5-3").
    """
    stamp = _TIMESTAMP_RE.match(value)
    if stamp:
        check_date(stamp.group(1))
        hour, minute, second = (int(g or 0) for g in stamp.groups()[1:])
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"date {value!r} is not a real time of day")
        return value
    if not _DATE_RE.match(value):
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        _dt.date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not a real date") from exc
    return value


@dataclass(frozen=True)
class Chapter:
    element_id: str  # e.g. "chp0"
    title: str
    start: float  # seconds
    end: float  # seconds
    # The document section (Markdown/HTML heading) the chapter belongs to: chapters of
    # one section share a number. Past 255 chapters, sections become the child tables
    # of the ID3 table of contents (see ``narrate.tags.toc``). Not read back.
    section: int | None = None


@dataclass(frozen=True)
class TagData:
    title: str
    artist: str | None = None
    album: str | None = None
    genre: str = "Speech"
    date: str | None = None  # "YYYY-MM-DD", "YYYY-MM", "YYYY" or "YYYY-MM-DDTHH:MM:SS" (UTC)
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
    measured: tuple[tuple[str, str], ...] = ()  # more TXXX frames (desc, value): loudness
    post: tuple[tuple[str, str], ...] = ()  # TXXX frames of the post's own metadata (rating)


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
    chapters: tuple[Chapter, ...]  # in table-of-contents order
    duration: float  # seconds
    bitrate: int  # bits per second
    sample_rate: int
    channels: int
    bitrate_mode: str  # "CBR", "VBR", "ABR" or "UNKNOWN"
    id3_version: int  # 3 or 4; 2 for an old v2.2 tag; 0 when the file has no ID3v2 tag
    language: str | None = None  # TLAN
    fingerprint: str | None = None  # TXXX NARRATE_FINGERPRINT
    source: str | None = None  # TXXX NARRATE_SOURCE
    txxx: tuple[tuple[str, str], ...] = ()  # every TXXX frame (desc, value)
