"""Read the tags, chapters and stream facts of any MP3 (narrate's or another's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import ID3, TXXX, CTOCFlags, ID3NoHeaderError, PictureType
from mutagen.mp3 import MP3

from ..errors import InputError
from .data import (
    TXXX_ENGINE,
    TXXX_FINGERPRINT,
    TXXX_GUID,
    TXXX_SOURCE,
    TXXX_VOICE,
    Chapter,
    EpisodeTags,
)
from .lyrics import KNOWN_FRAMES, uslt_frames
from .toc import ordered_ids
from .write import io_cause


def _text(tags: ID3, key: str) -> str | None:
    frame = tags.get(key)
    if frame is None or not frame.text:
        return None
    return "/".join(str(t) for t in frame.text)


def _txxx(tags: ID3) -> dict[str, str]:
    """The TXXX frames by description (each frame's values joined with "/")."""
    return {f.desc: "/".join(str(t) for t in f.text) for f in tags.getall("TXXX")}


def _by_lang(frames: list[Any], lang: str | None) -> Any | None:
    """Prefer a frame with an empty description in ``lang``, then any empty description."""
    plain = [f for f in frames if not f.desc]
    for pool in (plain, frames):
        for f in pool:
            if lang is None or f.lang == lang:
                return f
    return plain[0] if plain else None


def _chapters(tags: ID3) -> tuple[Chapter, ...]:
    """Chapters in table-of-contents order; chapters no table lists follow, by start."""
    chaps = {f.element_id: f for f in tags.getall("CHAP")}
    tocs = {
        f.element_id: (bool(f.flags & CTOCFlags.TOP_LEVEL), f.child_element_ids)
        for f in tags.getall("CTOC")
    }
    order = ordered_ids(tocs, chaps)
    listed = set(order)
    order += sorted((c for c in chaps if c not in listed), key=lambda c: chaps[c].start_time)
    out = []
    for eid in order:
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
        audio = MP3(mp3, known_frames=KNOWN_FRAMES)
        lyrics = uslt_frames(audio.tags) if audio.tags is not None else []
        if lyrics is None:  # a USLT frame only mutagen can parse
            audio = MP3(mp3)
            lyrics = audio.tags.getall("USLT") if audio.tags is not None else []
    except (MutagenError, OSError) as exc:
        cause = io_cause(exc) if not isinstance(exc, OSError) else exc
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
    uslt = _by_lang(lyrics, lang3 or "eng")
    pics = tags.getall("APIC")
    pic = next((p for p in pics if p.type == PictureType.COVER_FRONT), pics[0] if pics else None)
    txxx = _txxx(tags)
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
        txxx=tuple(txxx.items()),
    )


def read_txxx(mp3: Path) -> dict[str, str]:
    """The TXXX frames of ``mp3`` by description, reading nothing else.

    Quick, for looking over a folder of MP3s: the other frames stay unparsed and the
    audio unread (a whole ``read_tags`` is most of a no-op batch rerun, profiled).
    Raises ``InputError`` when the file cannot be read.
    """
    try:
        tags = ID3(mp3, known_frames={"TXXX": TXXX})
    except ID3NoHeaderError:
        return {}
    except (MutagenError, OSError) as exc:
        raise InputError(f"{mp3}: cannot read its tags ({exc})") from exc
    return _txxx(tags)


@dataclass(frozen=True)
class Summary:
    """What a batch needs to call an MP3 up to date: its TXXX frames, how many chapters
    it has, and how long it plays."""

    txxx: dict[str, str]
    chapters: int
    duration: float


def read_summary(mp3: Path) -> Summary:
    """``Summary`` of ``mp3``: the TXXX frames parsed, the others left raw (chapters are
    counted, not read), the length from the MP3's header. Raises ``InputError`` when
    it cannot be read or is no MP3."""
    try:
        audio = MP3(mp3, known_frames={"TXXX": TXXX})
    except (MutagenError, OSError) as exc:
        raise InputError(f"{mp3}: cannot read its tags ({exc})") from exc
    tags = audio.tags
    if tags is None:
        return Summary({}, 0, float(audio.info.length))
    chapters = sum(1 for raw in getattr(tags, "unknown_frames", ()) if raw[:4] == b"CHAP")
    return Summary(_txxx(tags), chapters, float(audio.info.length))


def read_source(mp3: Path) -> str | None:
    """The review ``mp3`` says it was made from (its TXXX), reading nothing else."""
    return read_txxx(mp3).get(TXXX_SOURCE) or None


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
