"""Show-level settings of a feed (``ChannelConfig``), read and validated from a TOML file."""

from __future__ import annotations

import difflib
import json
import re
import sys
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import CONFIG_MAX_BYTES, TooLarge, read_capped, too_large_message
from .rss import is_http_url

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Podcasting 2.0 namespace for ``podcast:guid`` (uuid5 of the feed URL without scheme).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def _load_categories() -> dict[str, tuple[str, ...]]:
    raw = resources.files(__package__).joinpath("apple-categories.json").read_text("utf-8")
    return {name: tuple(subs) for name, subs in json.loads(raw).items()}


#: Apple Podcasts categories and their sub-categories (from ``apple-categories.json``).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = _load_categories()

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


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
    medium: str = "podcast"  # podcast:medium
    image_alt: str | None = None  # podcast:image alt text [default: "Cover of <title>"]

    @property
    def cover_alt(self) -> str:
        return self.image_alt or f"Cover of {self.title}"


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
_OPTIONAL_STR_KEYS = ("subcategory", "type", "copyright", "podcast_guid", "medium", "image_alt")
#: The Podcasting 2.0 ``podcast:medium`` values (and their "list" forms, ending in L).
MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog")
_BOOL_KEYS = ("explicit", "locked")
_ALL_KEYS = _REQUIRED_KEYS + _OPTIONAL_STR_KEYS + _BOOL_KEYS
#: Every key of a channel config (a show file's other keys are narration options).
CHANNEL_KEYS = frozenset(_ALL_KEYS)


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
        raw = read_capped(path, CONFIG_MAX_BYTES)
    except TooLarge as exc:
        raise ConfigError(too_large_message(str(path), "channel config", exc.limit)) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        msg = " ".join(str(exc).split())
        raise ConfigError(f"{path}: invalid TOML: {msg}") from exc
    return channel_config(path, data)


def channel_config(path: Path, data: dict[str, Any]) -> ChannelConfig:
    """Validate the channel keys ``data`` read from ``path`` (see :func:`load_channel_config`)."""

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

    if not is_http_url(values["link"]):
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
    medium = values.get("medium", "podcast")
    if medium not in MEDIUMS + tuple(m + "L" for m in MEDIUMS):
        raise fail("medium", f"must be one of {', '.join(MEDIUMS)}, not {medium!r}")
    guid = values.get("podcast_guid")
    if guid is not None:
        try:
            values["podcast_guid"] = str(uuid.UUID(guid))
        except ValueError:
            raise fail("podcast_guid", f"must be a UUID: {guid!r}") from None
    image = values["image"]
    if not is_http_url(image):
        if not image.lower().endswith(IMAGE_SUFFIXES):
            raise fail("image", f"must be a .jpg, .jpeg or .png file or an http(s) URL: {image!r}")
        local = Path(image).expanduser()
        if not local.is_absolute() and (path.parent / local).is_file():
            values["image"] = str((path.parent / local).resolve())
    return ChannelConfig(**values)


def default_podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid`` for a feed URL (uuid5, scheme and slashes dropped)."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))
