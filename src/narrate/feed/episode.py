"""One episode as the feed publishes it, read from an MP3 and its side files."""

from __future__ import annotations

import datetime as _dt
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_bytes_if_changed
from ..errors import InputError
from ..mp3frames import damage, scan
from ..tags import EPISODE_GUID_NAMESPACE, EpisodeTags, guid_for_name, read_tags
from ..transcripts import format_timestamp
from .rss import public_url
from .timestamps import chapter_lines

logger = logging.getLogger(__name__)

TRANSCRIPT_FILES = (  # (suffix after the stem, podcast:transcript type); rel="captions"
    (".srt", "application/x-subrip"),
    (".vtt", "text/vtt"),
)
CHAPTERS_SUFFIX = ".chapters.json"
DESCRIPTION_CHARS = 400
PUBLISH_HOUR_UTC = 12
#: TXXX frames that may hold a post's rating, as written (the first one found wins).
RATING_FRAMES = ("NARRATE_RATING", "RATING")

def feed_language(tlan: str | None) -> str | None:
    """The BCP 47 tag of an ID3 ``TLAN`` value (``"eng"`` -> ``"en"``), if it is one."""
    from ..segment.language import normalize_tag

    code = (tlan or "").strip()
    return normalize_tag(code) if code else None


def publish_time(date: str | None, mp3: Path) -> _dt.datetime:
    """The pubDate of an episode: its date tag, or the file's mtime.

    A date-only tag is published at 12:00 UTC of that day, except when that moment is
    later than the MP3 itself (narrated that morning, or "today" in a time zone ahead
    of UTC): then the file's time is used, so no episode appears from the future.
    """
    mtime = _dt.datetime.fromtimestamp(int(mp3.stat().st_mtime), _dt.timezone.utc)
    text = (date or "").strip()
    if text:
        try:
            if re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
                parts = [int(p) for p in text.split("-")] + [1, 1]
                noon = _dt.datetime(
                    parts[0], parts[1], parts[2], PUBLISH_HOUR_UTC, tzinfo=_dt.timezone.utc
                )
                return mtime if mtime < noon <= mtime + _dt.timedelta(days=2) else noon
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.timezone.utc)
            return moment.replace(microsecond=0)
        except ValueError:
            logger.warning("%s: unreadable date tag %r; using the file time", mp3.name, text)
    return mtime


def _summary(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _whole_seconds(duration: float) -> int:
    return max(0, int(duration + 0.5))


def url_guid(url: str) -> str:
    """A GUID of an episode's own: uuid5 over its full enclosure URL."""
    return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, url))


def episode_guid(mp3: Path, tags: EpisodeTags, url: str) -> str:
    """The item GUID: the MP3's own PODCAST_GUID tag, else uuid5 over the enclosure URL.

    ``narrate read`` tags each MP3 with a GUID derived from its file name; that default is
    not published as it is, because the same file name on two hosts (or two folders) would
    then give two publishers' items one GUID, and ``feed add`` would replace the other's
    item. A GUID set by hand (or a copy's, which is another name's) is kept as it is.
    """
    tag = (tags.guid or "").strip()
    if tag and tag != guid_for_name(Path(mp3).name):
        return tag
    return url_guid(url)


def check_complete(mp3: Path) -> None:
    """Raise :class:`InputError` when an MP3 is cut short or holds no audio frames."""
    try:
        problem = damage(scan(mp3))
    except OSError as exc:
        raise InputError(f"cannot read {mp3.name}: {exc.strerror or exc}") from exc
    if problem:
        raise InputError(f"{mp3.name} is damaged: {problem}")


@dataclass(frozen=True)
class Episode:
    name: str
    title: str
    description: str | None
    url: str
    length: int
    guid: str
    published: _dt.datetime
    duration: int
    number: int | None
    image_url: str | None
    transcripts: tuple[tuple[str, str], ...]  # (url, type)
    chapters_url: str | None
    chapters: tuple[tuple[str, str], ...] = ()  # inline (start "HH:MM:SS.mmm", title)
    author: str | None = None  # the post's author (the MP3's artist)
    language: str | None = None  # ISO 639-1, from the MP3's TLAN (None: the show's)
    rating: str | None = None  # as the post writes it
    timestamps: tuple[str, ...] = ()  # "(00:00) Title" lines for the description
    link: str | None = None  # the post's own URL

    @property
    def order_key(self) -> tuple[_dt.datetime, str]:
        return (self.published, self.name)


@dataclass(frozen=True)
class PostInfo:
    """What the post an episode was narrated from says of it, for the feed."""

    published: _dt.datetime | None = None
    link: str | None = None
    rating: str | None = None  # as the post writes it


_COVER_SUFFIX = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png"}


def _episode_image(mp3: Path, tags: EpisodeTags, base: str) -> str | None:
    """Extract the embedded cover beside the MP3 (if any) and return its public URL."""
    if tags.cover is not None:
        data, mime = tags.cover
        suffix = _COVER_SUFFIX.get((mime or "").lower())
        if suffix is None:
            suffix = ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"
        target = mp3.with_name(mp3.stem + suffix)
        if write_bytes_if_changed(target, data):
            logger.info("extracted the cover of %s to %s", mp3.name, target.name)
        return public_url(base, target.name)
    for suffix in (".jpg", ".png"):
        side = mp3.with_name(mp3.stem + suffix)
        if side.is_file():
            return public_url(base, side.name)
    return None


def read_episode(mp3: Path, base: str) -> Episode:
    """One MP3 as an episode published under the folder URL ``base``.

    Raises :class:`InputError` when the MP3 is damaged (see :func:`check_complete`) or its
    tags cannot be read: such a file is never published.
    """
    check_complete(mp3)
    tags = read_tags(mp3)
    url = public_url(base, mp3.name)
    title = (tags.title or "").strip() or mp3.stem
    if tags.description and tags.description.strip():
        description: str | None = tags.description.strip()
    elif tags.lyrics and tags.lyrics.strip():
        description = _summary(tags.lyrics)
    else:
        description = None
    transcripts = tuple(
        (public_url(base, mp3.stem + suffix), mime)
        for suffix, mime in TRANSCRIPT_FILES
        if mp3.with_name(mp3.stem + suffix).is_file()
    )
    chapters = mp3.with_name(mp3.stem + CHAPTERS_SUFFIX)
    txxx = {desc.upper(): value for desc, value in tags.txxx}
    rating = next((txxx[k].strip() for k in RATING_FRAMES if txxx.get(k, "").strip()), None)
    return Episode(
        name=mp3.name,
        title=title,
        description=description,
        url=url,
        length=mp3.stat().st_size,
        guid=episode_guid(mp3, tags, url),
        published=publish_time(tags.date, mp3),
        duration=_whole_seconds(tags.duration),
        number=tags.track if tags.track and tags.track > 0 else None,
        image_url=_episode_image(mp3, tags, base),
        transcripts=transcripts,
        chapters_url=public_url(base, chapters.name) if chapters.is_file() else None,
        # Podlove starts are Normal Play Time, HH:MM:SS.mmm: the WebVTT cue format, rounded
        # by tags.ms like every time narrate writes, so they equal the SRT/VTT/JSON times.
        chapters=tuple((format_timestamp(c.start, "."), c.title) for c in tags.chapters),
        author=(tags.artist or "").strip() or None,
        language=feed_language(tags.language),
        rating=rating,
        timestamps=tuple(
            chapter_lines([(c.start, c.end, c.title) for c in tags.chapters], tags.duration)
        ),
    )


def mp3_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() == ".mp3" and not p.name.startswith(".") and p.is_file()
    )
