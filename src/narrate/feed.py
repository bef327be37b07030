"""Publish a folder of narrated MP3s as a podcast RSS feed (Apple Podcasts + Podcasting 2.0).

Three entry points, all plain data in and out:

* :func:`build_feed` scans ``folder/*.mp3`` and writes a complete ``feed.xml``;
* :func:`add_episode` adds or refreshes one episode in an existing feed and leaves
  every other item alone, including items and namespaces narrate did not write;
* :func:`check_feed` lists what Apple Podcasts or a Podcasting 2.0 index would reject.

Choices made here (documented for users of the feed):

* Items are written **newest first** (publication date, then file name, both descending),
  the usual order for RSS; for a ``serial`` show clients order by ``itunes:episode``.
* A date-only tag (``YYYY-MM-DD``) is published at **12:00 UTC** that day, so the calendar
  date is the same for listeners from UTC-11 to UTC+11. An MP3 without a date tag is
  published at its file modification time.
* ``itunes:episode`` is written only when the MP3 has a track number (TRCK): numbering
  by position would renumber old episodes whenever an older-dated one is added.
* The episode GUID is the MP3's ``PODCAST_GUID`` tag, else a UUID5 of the file *name*, so
  it never changes when the feed is rebuilt or another file is added or renamed.
* An episode cover embedded in the MP3 is extracted to ``<stem>.jpg``/``<stem>.png``
  beside it and published as ``itunes:image``.
* Side files beside the MP3 are published as ``podcast:transcript`` (``<stem>.srt``,
  ``<stem>.vtt``) and ``podcast:chapters`` (``<stem>.chapters.json``); the MP3's ID3
  chapters are also written inline as Podlove Simple Chapters (``psc:chapters``), with
  the same millisecond times, for clients that read no JSON chapters.
* The Podcasting 2.0 namespace is written under its GitHub URI (see ``PODCAST_NS``).
* :func:`build_feed` regenerates the whole feed from the folder; use :func:`add_episode`
  to keep hand-written items.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import email.utils
import logging
import re
import sys
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from . import __version__
from .atomic import write_bytes_atomic
from .errors import ConfigError, FeedError, InputError
from .tags import EpisodeTags, guid_for_name, read_tags
from .transcripts import format_timestamp

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

logger = logging.getLogger(__name__)

__all__ = [
    "APPLE_CATEGORIES",
    "ChannelConfig",
    "Finding",
    "add_episode",
    "build_feed",
    "check_feed",
    "count_items",
    "default_podcast_guid",
    "episode_guid",
    "load_channel_config",
]

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The Podcasting 2.0 namespace has two URIs that its spec declares equivalent (clients
# must accept both): the original GitHub document URI, written here, and the newer
# PODCASTINDEX_NS. We write the GitHub one because gPodder's podcastparser (0.6.11, used by
# gPodder and others) only recognises that URI: under the podcastindex.org URI it ignores
# podcast:transcript, podcast:chapters and podcast:locked. feedparser keys on the prefix
# and reads either; both are read here, and add_episode keeps whichever a feed declares.
PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCASTINDEX_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
PSC_NS = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters, inline chapters
NSMAP = {
    "itunes": ITUNES_NS,
    "podcast": PODCAST_NS,
    "atom": ATOM_NS,
    "content": CONTENT_NS,
    "psc": PSC_NS,
}

# Other spellings of the same namespaces found in the wild (read, and reused when a feed
# being updated already uses them). The first one is the one written.
_ALIASES = {
    "itunes": (ITUNES_NS, "http://www.itunes.com/DTDs/Podcast-1.0.dtd"),
    "podcast": (
        PODCAST_NS,
        PODCASTINDEX_NS,
        "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    ),
    "atom": (ATOM_NS, "http://www.w3.org/2005/Atom/"),
    "content": (CONTENT_NS,),
    "psc": (PSC_NS, PSC_NS + "/"),
}

FEED_NAME = "feed.xml"
AUDIO_TYPE = "audio/mpeg"
TRANSCRIPT_FILES = (  # (suffix after the stem, podcast:transcript type); rel="captions"
    (".srt", "application/x-subrip"),
    (".vtt", "text/vtt"),
)
CHAPTERS_SUFFIX = ".chapters.json"
CHAPTERS_TYPE = "application/json+chapters"
PSC_VERSION = "1.2"
DESCRIPTION_CHARS = 400
PUBLISH_HOUR_UTC = 12
ARTWORK_MIN_PX = 1400
ARTWORK_MAX_PX = 3000

#: Fixed namespace of episode GUIDs derived from file names (never change it).
#: Podcasting 2.0 namespace for ``podcast:guid`` (uuid5 of the feed URL without scheme).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

#: Apple Podcasts categories and their sub-categories.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": (
        "Books",
        "Design",
        "Fashion & Beauty",
        "Food",
        "Performing Arts",
        "Visual Arts",
    ),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

_INVALID_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class ChannelConfig:
    """The show-level settings of a feed, usually read from a TOML file."""

    title: str
    description: str
    link: str
    language: str
    author: str
    owner_name: str
    owner_email: str
    image: str  # absolute http(s) URL, or a local JPEG/PNG published as base_url + file name
    category: str
    subcategory: str | None = None
    explicit: bool = False
    type: str = "episodic"  # or "serial"
    copyright: str | None = None
    podcast_guid: str | None = None
    locked: bool | None = None


_REQUIRED_KEYS = (
    "title",
    "description",
    "link",
    "language",
    "author",
    "owner_name",
    "owner_email",
    "image",
    "category",
)
_OPTIONAL_STR_KEYS = ("subcategory", "type", "copyright", "podcast_guid")
_BOOL_KEYS = ("explicit", "locked")
_ALL_KEYS = _REQUIRED_KEYS + _OPTIONAL_STR_KEYS + _BOOL_KEYS


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date/time"


def load_channel_config(path: Path) -> ChannelConfig:
    """Read and validate a channel TOML file (flat keys, see :class:`ChannelConfig`).

    Raises :class:`ConfigError` with one line naming the file and the key at fault. A
    relative ``image`` path is resolved against the config file's folder when the file
    exists there, else left relative (then :func:`build_feed` looks in the audio folder).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        msg = " ".join(str(exc).split())
        raise ConfigError(f"{path}: invalid TOML: {msg}") from exc

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: key '{key}' {problem}")

    for key in data:
        if key not in _ALL_KEYS:
            close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{path}: unknown key '{key}'{hint}")
    for key in _REQUIRED_KEYS:
        if key not in data:
            raise ConfigError(f"{path}: missing required key '{key}'")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise fail(key, f"must be true or false, not {_toml_type(value)}")
        else:
            if not isinstance(value, str):
                raise fail(key, f"must be a string, not {_toml_type(value)}")
            value = value.strip()
            if not value:
                raise fail(key, "must not be empty")
        values[key] = value

    if not _is_http_url(values["link"]):
        raise fail("link", f"must be an absolute http(s) URL: {values['link']!r}")
    if not _LANGUAGE.fullmatch(values["language"]):
        raise fail(
            "language", f"must be a language code like 'en' or 'en-us': {values['language']!r}"
        )
    if not _EMAIL.fullmatch(values["owner_email"]):
        raise fail("owner_email", f"is not a valid email address: {values['owner_email']!r}")
    category = values["category"]
    if category not in APPLE_CATEGORIES:
        raise fail("category", f"is not an Apple Podcasts category: {category!r}")
    sub = values.get("subcategory")
    if sub is not None and sub not in APPLE_CATEGORIES[category]:
        raise fail("subcategory", f"is not a sub-category of {category!r}: {sub!r}")
    kind = values.get("type", "episodic")
    if kind not in ("episodic", "serial"):
        raise fail("type", f"must be 'episodic' or 'serial', not {kind!r}")
    guid = values.get("podcast_guid")
    if guid is not None:
        try:
            values["podcast_guid"] = str(uuid.UUID(guid))
        except ValueError:
            raise fail("podcast_guid", f"must be a UUID: {guid!r}") from None
    image = values["image"]
    if not _is_http_url(image):
        if not image.lower().endswith(_IMAGE_SUFFIXES):
            raise fail("image", f"must be a .jpg, .jpeg or .png file or an http(s) URL: {image!r}")
        local = Path(image).expanduser()
        if not local.is_absolute() and (path.parent / local).is_file():
            values["image"] = str((path.parent / local).resolve())
    return ChannelConfig(**values)


def default_podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid`` for a feed URL (uuid5, scheme and slashes dropped)."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


# --------------------------------------------------------------------------- helpers


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _base_url(base_url: str) -> str:
    value = (base_url or "").strip()
    if not _is_http_url(value):
        raise FeedError(f"base URL must be an absolute http(s) URL: {base_url!r}")
    return value if value.endswith("/") else value + "/"


def _url(base: str, name: str) -> str:
    return base + quote(name)


def _xml_text(value: str) -> str:
    """User text made safe for XML 1.0: drop control characters XML cannot carry."""
    return _INVALID_XML_CHARS.sub("", unicodedata.normalize("NFC", value))


def _rfc2822(moment: _dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(_dt.timezone.utc), usegmt=True)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def _publish_time(date: str | None, mp3: Path) -> _dt.datetime:
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


def episode_guid(mp3: Path, tags: EpisodeTags) -> str:
    """The item GUID: the MP3's PODCAST_GUID tag, else uuid5 over the file name (NFC)."""
    if tags.guid and tags.guid.strip():
        return tags.guid.strip()
    return guid_for_name(Path(mp3).name)


# --------------------------------------------------------------------------- episodes


@dataclass(frozen=True)
class _Episode:
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

    @property
    def order_key(self) -> tuple[_dt.datetime, str]:
        return (self.published, self.name)


_COVER_SUFFIX = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png"}


def _episode_image(mp3: Path, tags: EpisodeTags, base: str) -> str | None:
    """Extract the embedded cover beside the MP3 (if any) and return its public URL."""
    if tags.cover is not None:
        data, mime = tags.cover
        suffix = _COVER_SUFFIX.get((mime or "").lower())
        if suffix is None:
            suffix = ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"
        target = mp3.with_name(mp3.stem + suffix)
        try:
            current = target.read_bytes() if target.is_file() else None
        except OSError:
            current = None
        if current != data:
            write_bytes_atomic(target, data)
            logger.info("extracted the cover of %s to %s", mp3.name, target.name)
        return _url(base, target.name)
    for suffix in (".jpg", ".png"):
        side = mp3.with_name(mp3.stem + suffix)
        if side.is_file():
            return _url(base, side.name)
    return None


def _episode(mp3: Path, base: str) -> _Episode:
    tags = read_tags(mp3)
    title = (tags.title or "").strip() or mp3.stem
    if tags.description and tags.description.strip():
        description: str | None = tags.description.strip()
    elif tags.lyrics and tags.lyrics.strip():
        description = _summary(tags.lyrics)
    else:
        description = None
    transcripts = tuple(
        (_url(base, mp3.stem + suffix), mime)
        for suffix, mime in TRANSCRIPT_FILES
        if mp3.with_name(mp3.stem + suffix).is_file()
    )
    chapters = mp3.with_name(mp3.stem + CHAPTERS_SUFFIX)
    return _Episode(
        name=mp3.name,
        title=title,
        description=description,
        url=_url(base, mp3.name),
        length=mp3.stat().st_size,
        guid=episode_guid(mp3, tags),
        published=_publish_time(tags.date, mp3),
        duration=_whole_seconds(tags.duration),
        number=tags.track if tags.track and tags.track > 0 else None,
        image_url=_episode_image(mp3, tags, base),
        transcripts=transcripts,
        chapters_url=_url(base, chapters.name) if chapters.is_file() else None,
        # Podlove starts are Normal Play Time, HH:MM:SS.mmm: the WebVTT cue format, rounded
        # by tags.ms like every time narrate writes, so they equal the SRT/VTT/JSON times.
        chapters=tuple((format_timestamp(c.start, "."), c.title) for c in tags.chapters),
    )


def _mp3_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() == ".mp3" and not p.name.startswith(".") and p.is_file()
    )


def _sub(parent: etree._Element, tag: str, content: str | None = None, /, **attrs: str) -> Any:
    """Append ``<tag attrs>content</tag>``; lxml escapes, we drop XML-illegal characters."""
    el = etree.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    if content is not None:
        el.text = _xml_text(content)
    return el


def _fill_item(item: etree._Element, ep: _Episode, explicit: str, ns: dict[str, str]) -> None:
    """Write one episode's children into an (attached, empty) ``<item>``."""
    itunes = f"{{{ns['itunes']}}}"
    podcast = f"{{{ns['podcast']}}}"
    _sub(item, "title", ep.title)
    if ep.description:
        _sub(item, "description", ep.description)
    _sub(item, "enclosure", url=ep.url, length=str(ep.length), type=AUDIO_TYPE)
    _sub(item, "guid", ep.guid, isPermaLink="false")
    _sub(item, "pubDate", _rfc2822(ep.published))
    _sub(item, itunes + "duration", str(ep.duration))
    if ep.number is not None:
        _sub(item, itunes + "episode", str(ep.number))
    if ep.image_url:
        _sub(item, itunes + "image", href=ep.image_url)
    _sub(item, itunes + "explicit", explicit)
    for url, mime in ep.transcripts:
        _sub(item, podcast + "transcript", url=url, type=mime, rel="captions")
    if ep.chapters_url:
        _sub(item, podcast + "chapters", url=ep.chapters_url, type=CHAPTERS_TYPE)
    if ep.chapters:
        psc = f"{{{ns['psc']}}}"
        chapters = _sub(item, psc + "chapters", version=PSC_VERSION)
        for start, title in ep.chapters:
            _sub(chapters, psc + "chapter", start=start, title=title)


# --------------------------------------------------------------------------- build


def _channel_image_url(config: ChannelConfig, folder: Path, base: str) -> str:
    if _is_http_url(config.image):
        return config.image
    local = Path(config.image).expanduser()
    if not local.is_absolute():
        local = folder / local
    if not local.is_file():
        raise FeedError(f"channel image not found: {local}")
    if local.resolve().parent != folder.resolve():
        target = folder / local.name
        data = local.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            write_bytes_atomic(target, data)
            logger.info("copied the channel image %s into %s", local, folder)
    return _url(base, local.name)


def build_feed(
    folder: Path, base_url: str, config: ChannelConfig, *, output: Path | None = None
) -> Path:
    """Write a feed of every MP3 in ``folder`` to ``folder/feed.xml`` (or ``output``).

    MP3s whose tags cannot be read are skipped with a warning. Returns the feed path.
    """
    folder = Path(folder)
    base = _base_url(base_url)
    if not folder.is_dir():
        raise FeedError(f"not a folder: {folder}")
    target = Path(output) if output is not None else folder / FEED_NAME

    episodes: list[_Episode] = []
    for mp3 in _mp3_files(folder):
        try:
            episodes.append(_episode(mp3, base))
        except InputError as exc:
            logger.warning("skipping %s: %s", mp3.name, exc)
    episodes.sort(key=lambda e: e.order_key, reverse=True)

    explicit = "true" if config.explicit else "false"
    image_url = _channel_image_url(config, folder, base)
    itunes = f"{{{ITUNES_NS}}}"
    podcast = f"{{{PODCAST_NS}}}"

    rss = etree.Element("rss", nsmap=NSMAP)
    rss.set("version", "2.0")
    channel = _sub(rss, "channel")
    _sub(channel, "title", config.title)
    _sub(channel, "link", config.link)
    _sub(channel, "description", config.description)
    _sub(channel, "language", config.language)
    if config.copyright:
        _sub(channel, "copyright", config.copyright)
    if episodes:
        _sub(channel, "pubDate", _rfc2822(max(e.published for e in episodes)))
    _sub(channel, "lastBuildDate", _rfc2822(_now()))
    _sub(channel, "generator", f"narrate {__version__}")
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=_url(base, target.name),
        rel="self",
        type="application/rss+xml",
    )
    _sub(channel, itunes + "author", config.author)
    owner = _sub(channel, itunes + "owner")
    _sub(owner, itunes + "name", config.owner_name)
    _sub(owner, itunes + "email", config.owner_email)
    _sub(channel, itunes + "image", href=image_url)
    image = _sub(channel, "image")
    _sub(image, "url", image_url)
    _sub(image, "title", config.title)
    _sub(image, "link", config.link)
    category = _sub(channel, itunes + "category", text=config.category)
    if config.subcategory:
        _sub(category, itunes + "category", text=config.subcategory)
    _sub(channel, itunes + "explicit", explicit)
    _sub(channel, itunes + "type", config.type)
    if config.podcast_guid:
        _sub(channel, podcast + "guid", config.podcast_guid)
    if config.locked is not None:
        _sub(
            channel, podcast + "locked", "yes" if config.locked else "no", owner=config.owner_email
        )
    for ep in episodes:
        _fill_item(_sub(channel, "item"), ep, explicit, NSMAP)

    data = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    write_bytes_atomic(target, data)
    logger.info("wrote %s with %d episode(s)", target, len(episodes))
    return target


# --------------------------------------------------------------------------- add


def _parse(feed_path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(
        strip_cdata=False, resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        return etree.parse(str(feed_path), parser)
    except OSError as exc:
        raise FeedError(f"cannot read feed {feed_path}: {exc}") from exc
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{feed_path} is not well-formed XML: {exc}") from exc


def _find_ns(el: etree._Element, role: str, local: str) -> etree._Element | None:
    for uri in _ALIASES[role]:
        found = el.find(f"{{{uri}}}{local}")
        if found is not None:
            return found
    return None


def _declared_uris(root: etree._Element) -> dict[str, str]:
    """URI to use per role: the spelling the feed already declares, else the standard one."""
    declared = set(root.nsmap.values())
    return {
        role: next((u for u in uris if u in declared), uris[0]) for role, uris in _ALIASES.items()
    }


def _parse_rfc2822(text: str | None) -> _dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _feed_base(channel: etree._Element, feed_path: Path) -> str:
    for link in channel.iter(*(f"{{{u}}}link" for u in _ALIASES["atom"])):
        href = (link.get("href") or "").strip()
        if link.get("rel") == "self" and _is_http_url(href):
            return href[: href.rfind("/") + 1]
    raise FeedError(f'cannot tell the base URL of {feed_path}: it has no atom:link rel="self"')


def _layout(item: etree._Element, indent: str | None) -> None:
    """Indent a fresh item's children one level below ``indent`` (None: compact)."""
    if indent is None or len(item) == 0:
        return
    step = indent[: len(indent) // 2] if len(indent) >= 2 else "  "
    inner = "\n" + indent + step
    item.text = inner
    for child in item:
        child.tail = inner
    item[-1].tail = "\n" + indent


def _remove_keeping_layout(el: etree._Element) -> None:
    """Remove ``el``; the whitespace after it takes the place of the whitespace before it."""
    parent = el.getparent()
    prev = el.getprevious()
    before = prev.tail if prev is not None else parent.text
    after = el.tail
    if (before or "").strip() == "" and (after or "").strip() == "":
        if prev is not None:
            prev.tail = after
        else:
            parent.text = after
    parent.remove(el)


def add_episode(feed_path: Path, mp3: Path, base_url: str | None = None) -> Path:
    """Add or refresh one MP3's item in an existing feed, leaving all other items intact.

    Items with the episode's GUID or enclosure URL are replaced by one fresh item, which
    goes before the first item with an older pubDate (newest first). ``base_url`` defaults
    to the folder of the feed's ``atom:link rel="self"``. Returns ``feed_path``.
    """
    feed_path = Path(feed_path)
    mp3 = Path(mp3)
    if not feed_path.is_file():
        raise FeedError(f"feed not found: {feed_path} (build it first)")
    if not mp3.is_file():
        raise InputError(f"MP3 not found: {mp3}")
    tree = _parse(feed_path)
    root = tree.getroot()
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedError(f"{feed_path} is not an RSS 2.0 feed (no <rss><channel>)")
    base = _base_url(base_url) if base_url is not None else _feed_base(channel, feed_path)
    ep = _episode(mp3, base)
    ns = _declared_uris(root)

    explicit_el = _find_ns(channel, "itunes", "explicit")
    explicit_text = (explicit_el.text or "").strip().lower() if explicit_el is not None else ""
    explicit = "true" if explicit_text in ("true", "yes", "explicit") else "false"

    # Every item that is this episode: same GUID, or same enclosure URL (an item written
    # by hand or under an older GUID). All are replaced by one fresh item.
    items = channel.findall("item")
    stale = [
        i
        for i in items
        if (i.findtext("guid") or "").strip() == ep.guid
        or any((enc.get("url") or "").strip() == ep.url for enc in i.findall("enclosure"))
    ]
    if stale:
        # Drop the old item(s) (each with its trailing whitespace) and insert the new one
        # where its date belongs, so a changed date also moves it.
        for old in stale:
            _remove_keeping_layout(old)
        items = [i for i in items if not any(i is old for old in stale)]
        logger.info("refreshing %s in %s (%d item(s) replaced)", mp3.name, feed_path, len(stale))
    else:
        logger.info("adding %s to %s", mp3.name, feed_path)

    new = etree.Element("item")
    older = next(
        (
            i
            for i in items
            if (when := _parse_rfc2822(i.findtext("pubDate"))) is not None and when < ep.published
        ),
        None,
    )
    if older is not None:  # newest first: before the first older item
        before = older.getprevious()
        ws = (before.tail if before is not None else channel.text) or ""
        new.tail = ws
        older.addprevious(new)
    elif items or len(channel):  # after the last item (or the last channel element)
        last = items[-1] if items else channel[-1]
        before = last.getprevious()
        ws = (before.tail if before is not None else channel.text) or ""
        new.tail = last.tail
        last.tail = ws
        last.addnext(new)
    else:
        ws = channel.text or ""
        new.tail = ws
        channel.append(new)

    _fill_item(new, ep, explicit, ns)
    indent = ws.rsplit("\n", 1)[1] if "\n" in ws and ws.strip() == "" else None
    _layout(new, indent)

    last_build = channel.find("lastBuildDate")
    if last_build is not None:
        last_build.text = _rfc2822(_now())
    pub = channel.find("pubDate")
    if pub is not None:  # the channel's pubDate is that of its newest item
        dates = [d for i in channel.findall("item") if (d := _parse_rfc2822(i.findtext("pubDate")))]
        if dates:
            pub.text = _rfc2822(max(dates))

    keep = sorted({p for el in root.iter() if isinstance(el.tag, str) for p in el.nsmap if p})
    wanted = {prefix: ns[prefix] for prefix in ("itunes", "podcast")}
    if ep.chapters:
        wanted["psc"] = ns["psc"]
    missing = {
        _free_prefix(root, prefix): uri
        for prefix, uri in wanted.items()
        if uri not in root.nsmap.values()
    }
    etree.cleanup_namespaces(tree, top_nsmap=missing or None, keep_ns_prefixes=keep)
    write_bytes_atomic(feed_path, etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    return feed_path


def _free_prefix(root: etree._Element, prefix: str) -> str:
    used = set(root.nsmap)
    candidate, n = prefix, 1
    while candidate in used:
        n += 1
        candidate = f"{prefix}{n}"
    return candidate


def count_items(feed_path: Path) -> int:
    """The number of ``<item>`` elements (episodes) in a feed."""
    tree = _parse(Path(feed_path))
    channel = tree.getroot().find("channel")
    return len(channel.findall("item")) if channel is not None else 0


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "message": self.message}


def _local_name_of(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _image_header(path: Path) -> tuple[str, int, int, str]:
    """(format, width, height, mode) of a PNG or JPEG from its header, without Pillow.

    Other formats come back with a size of 0x0 (and their name when it is a common one);
    unreadable or truncated files raise ``OSError``.
    """
    with open(path, "rb") as fh:
        head = fh.read(33)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
            modes = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
            return "PNG", width, height, modes.get(head[25], "unknown")
        if head[:2] != b"\xff\xd8":
            others = {b"GIF8": "GIF", b"BM": "BMP", b"RIFF": "WEBP", b"II*\x00": "TIFF"}
            name = next((n for magic, n in others.items() if head.startswith(magic)), "unknown")
            return name, 0, 0, "unknown"
        fh.seek(2)
        while True:  # walk the JPEG segments up to the first start-of-frame
            marker = fh.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                raise OSError("truncated or corrupt JPEG")
            kind = marker[1]
            if kind == 0xFF:
                fh.seek(-1, 1)
                continue
            if kind in (0x01, *range(0xD0, 0xD8)):  # markers without a length
                continue
            length = fh.read(2)
            if len(length) < 2:
                raise OSError("truncated JPEG")
            size = int.from_bytes(length, "big")
            if kind in _JPEG_SOF:
                frame = fh.read(6)
                if len(frame) < 6:
                    raise OSError("truncated JPEG")
                height, width = int.from_bytes(frame[1:3], "big"), int.from_bytes(frame[3:5], "big")
                mode = {1: "L", 3: "RGB", 4: "CMYK"}.get(frame[5], "unknown")
                return "JPEG", width, height, mode
            if size < 2:
                raise OSError("corrupt JPEG segment")
            fh.seek(size - 2, 1)


def _image_facts(path: Path) -> tuple[str, int, int, str]:
    """(format, width, height, mode): with Pillow when installed, else from the header."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow is optional: PNG and JPEG headers are enough
        return _image_header(path)
    try:
        with Image.open(path) as img:
            return img.format or "unknown", img.size[0], img.size[1], img.mode
    except UnidentifiedImageError as exc:
        raise OSError(str(exc)) from exc


def _check_artwork(path: Path, label: str) -> Iterable[Finding]:
    try:
        fmt, width, height, mode = _image_facts(path)
    except OSError as exc:
        yield Finding("error", f"{label} cannot be read as an image: {exc}")
        return
    if fmt not in ("JPEG", "PNG"):
        kind = "not a JPEG or PNG image" if fmt == "unknown" else fmt
        yield Finding("error", f"{label} is {kind}; it must be JPEG or PNG")
        if not width:  # read without Pillow: nothing more is known
            return
    if width != height:
        yield Finding("error", f"{label} is {width}x{height} px; it must be square")
    if not all(ARTWORK_MIN_PX <= side <= ARTWORK_MAX_PX for side in (width, height)):
        yield Finding(
            "error",
            f"{label} is {width}x{height} px; it must be between "
            f"{ARTWORK_MIN_PX}x{ARTWORK_MIN_PX} and {ARTWORK_MAX_PX}x{ARTWORK_MAX_PX} px",
        )
    if mode not in ("RGB", "RGBA", "P", "L", "LA"):
        yield Finding("warning", f"{label} uses the {mode} colour mode; use RGB")


def check_feed(feed_path: Path, *, folder: Path | None = None) -> list[Finding]:
    """List the problems of a feed. ``folder`` (the audio folder) enables file-size checks
    of the enclosures published beside the feed.

    Channel artwork is checked with Pillow when a file of the same name as the published
    image exists in ``folder`` (default: the feed's folder). A feed that is not well-formed
    XML yields one error finding; a feed that cannot be read raises :class:`FeedError`.
    """
    feed_path = Path(feed_path)
    try:
        raw = feed_path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read feed {feed_path}: {exc.strerror or exc}") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        return [Finding("error", f"not well-formed XML: {exc}")]

    findings: list[Finding] = []

    def error(message: str) -> None:
        findings.append(Finding("error", message))

    def warning(message: str) -> None:
        findings.append(Finding("warning", message))

    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        error(f"not an RSS 2.0 feed: the root is <{root.tag}>, with no <channel>")
        return findings

    for tag in ("title", "description", "language"):
        if not (channel.findtext(tag) or "").strip():
            error(f"channel has no <{tag}>")
    image = _find_ns(channel, "itunes", "image")
    image_href = (image.get("href") or "").strip() if image is not None else ""
    if not image_href:
        error("channel has no <itunes:image> (artwork)")
    if _find_ns(channel, "itunes", "category") is None:
        error("channel has no <itunes:category>")
    explicit = _find_ns(channel, "itunes", "explicit")
    if explicit is None:
        error("channel has no <itunes:explicit>")
    elif (explicit.text or "").strip().lower() not in ("true", "false"):
        error(f"channel <itunes:explicit> must be 'true' or 'false', not {explicit.text!r}")
    author = _find_ns(channel, "itunes", "author")
    if author is None or not (author.text or "").strip():
        warning("channel has no <itunes:author>")
    owner = _find_ns(channel, "itunes", "owner")
    email_el = _find_ns(owner, "itunes", "email") if owner is not None else None
    if email_el is None or not (email_el.text or "").strip():
        warning("channel has no <itunes:owner> email")

    local_dir = Path(folder) if folder is not None else feed_path.parent
    if image_href:
        name = _local_name_of(image_href)
        art = local_dir / name if name else None
        if art is not None and art.is_file():
            findings.extend(_check_artwork(art, f"channel artwork {name}"))

    # Enclosures are compared with files in ``folder`` only when published under the
    # feed's own folder URL (from atom:link rel="self"), or always without that link.
    try:
        base: str | None = _feed_base(channel, feed_path)
    except FeedError:
        base = None
    seen_guids: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for n, item in enumerate(channel.findall("item"), start=1):
        title = " ".join((item.findtext("title") or "").split())
        label = f'item {n} "{title}"' if title else f"item {n}"
        if not title:
            error(f"{label} has no <title>")
        guid = (item.findtext("guid") or "").strip()
        if not guid:
            warning(f"{label} has no <guid>")
        elif guid in seen_guids:
            error(f"{label} repeats the guid {guid!r} of item {seen_guids[guid]}")
        else:
            seen_guids[guid] = n
        pub = item.findtext("pubDate")
        if pub is None or not pub.strip():
            warning(f"{label} has no <pubDate>")
        elif _parse_rfc2822(pub) is None:
            error(f"{label} has a pubDate that is not an RFC 2822 date: {pub.strip()!r}")
        if _find_ns(item, "itunes", "duration") is None:
            warning(f"{label} has no <itunes:duration>")

        enclosure = item.find("enclosure")
        if enclosure is None:
            error(f"{label} has no <enclosure>")
            continue
        url = (enclosure.get("url") or "").strip()
        if not _is_http_url(url):
            error(f"{label} has an enclosure url that is not an absolute http(s) URL: {url!r}")
        elif url in seen_urls:
            error(f"{label} repeats the enclosure URL {url!r} of item {seen_urls[url]}")
        else:
            seen_urls[url] = n
        mime = (enclosure.get("type") or "").strip()
        if not mime.startswith("audio/"):
            error(f"{label} has an enclosure type that is not audio/*: {mime!r}")
        length_text = (enclosure.get("length") or "").strip()
        length = int(length_text) if length_text.isdigit() else 0
        if length <= 0:
            error(
                f"{label} has an enclosure length that is not a positive integer: "
                f"{enclosure.get('length')!r}"
            )
        elif folder is not None and url and (base is None or url.startswith(base)):
            name = _local_name_of(url)
            local = Path(folder) / name
            if not local.is_file():
                error(f"{label} has no file {name!r} in {folder}")
            elif local.stat().st_size != length:
                error(
                    f"{label} has an enclosure length of {length} bytes but {name} "
                    f"is {local.stat().st_size} bytes"
                )
    return findings
