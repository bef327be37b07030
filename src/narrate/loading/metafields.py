"""From a post's header fields to :class:`~narrate.metadata.Metadata`: one table.

Without an author of its own, a post takes its site's (:mod:`.siteconfig`).

:data:`TABLE` maps each header key narrate reads to the :class:`Metadata` field it
fills and the parser of its value (the model of Pelican's ``readers.py``). Keys are
matched without regard to case (``pubDate`` = ``pubdate``); a key missing at the top
level is looked up in Hugo's ``params`` and Zola's ``extra`` tables. For each field the
first key of the table that gives a value wins, so ``date`` beats ``published``.

Values a parser cannot use (a title that is a list, a date that is no date) are
skipped; a date that is no date, a cover that is a URL, missing, or not a JPEG/PNG is
also named in a warning. Nothing here ever refuses a post. Containers are never turned
into text wholesale, so a YAML alias bomb costs nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import CoverError
from ..metadata import Metadata

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """Where the post is: for messages, a date in its file name, and its cover."""

    name: str  # the path as given, or "<stdin>"
    path: Path | None  # the post's file (None for stdin)
    site_root: Path | None = None  # --site-root: where "/images/x.jpg" is found


Parser = Callable[[Any, Context], Any]

_SCALARS = (str, int, float)
_JEKYLL_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:-|\Z)")
_COMPACT_NAME = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})(?:[-_]|\Z)")
_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{2})?\Z")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)


def _text(value: Any) -> str | None:
    """Plain text of a scalar: Markdown inside read as a paragraph's (entities decoded,
    site syntax dropped), on one line."""
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        return None
    from .markdown import inline_text

    return " ".join(inline_text(str(value)).split()) or None


def title_field(value: Any, ctx: Context) -> str | None:
    return _text(value)


def date_field(value: Any, ctx: Context) -> str | None:
    """ISO 8601 as the post means it: a date, or a date and time with its own zone."""
    found = _iso_date(value)
    if found is None and isinstance(value, (str, dt.date)) and not isinstance(value, bool):
        log.warning("%s: the header's date %r is not a date; it is not used", ctx.name, value)
    return found


def _iso_date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        if not 1000 <= value.year <= 9999:
            return None
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat() if 1000 <= value.year <= 9999 else None
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)  # a year
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _PARTIAL_DATE.match(text):
        return text
    from dateutil import parser

    try:
        parsed = parser.parse(text)
    except (ValueError, OverflowError):
        return None
    if not 1000 <= parsed.year <= 9999:
        return None
    if parsed.tzinfo is None and parsed.time() == dt.time() and ":" not in text:
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def person_field(value: Any, ctx: Context) -> str | None:
    """``author: A``, ``authors: [A, B]`` (joined with ", "), ``author: {name: A}``."""
    if isinstance(value, dict):
        return _text(value.get("name"))
    if isinstance(value, list):
        names = [person_field(v, ctx) for v in value if isinstance(v, (dict, *_SCALARS))]
        return ", ".join(n for n in names if n) or None
    return _text(value)


def cover_field(value: Any, ctx: Context) -> Path | None:
    """A local JPEG or PNG named by the header (``cover: {image: …}``, ``images: [...]``)."""
    if isinstance(value, dict):
        value = value.get("image") or value.get("src") or value.get("url")
    elif isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str) or not value.strip():
        return None
    return find_cover(value.strip(), ctx)


def find_cover(ref: str, ctx: Context) -> Path | None:
    """The file ``ref`` names, beside the post, in its page bundle or under the site root.

    A URL, a file found nowhere, or one that is not a JPEG/PNG is a warning, never an
    error: the episode then has no cover (or ``--cover``'s).
    """
    from ..tags import load_cover

    if _URL.match(ref):
        log.warning("%s: the cover %s is a URL; narrate does not download it "
                    "(save it and pass --cover)", ctx.name, ref)  # fmt: skip
        return None
    for path in _cover_candidates(ref, ctx):
        if path.is_file():
            try:
                load_cover(path)
            except CoverError as exc:
                log.warning("%s: the header's cover is not used: %s", ctx.name, exc)
                return None
            return path
    log.warning("%s: the cover %s was not found beside the post%s", ctx.name, ref,
                "" if ctx.site_root else " (name the site's folder with --site-root)")  # fmt: skip
    return None


def _cover_candidates(ref: str, ctx: Context) -> list[Path]:
    rel = ref.split("?", 1)[0].split("#", 1)[0].lstrip("/")
    if not rel:
        return []
    places: list[Path] = []
    if ctx.path is not None:
        post = ctx.path.parent
        if not ref.startswith("/"):
            places += [post, post / ctx.path.stem]  # beside it; its page bundle
        # A site's own folders, seen from the post: /images/x.jpg in static/ or the root.
        for up in list(post.parents)[:6]:
            places += [up / "static", up / "assets", up / "public", up]
    if ctx.site_root is not None:
        root = ctx.site_root
        places = [root, root / "static", root / "public", root / "assets", *places]
    seen: set[Path] = set()
    out = []
    for place in places:
        path = place / rel
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def language_field(value: Any, ctx: Context) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip() and len(value.strip()) <= 35:
        return value.strip()
    return None


def as_written(value: Any, ctx: Context) -> str | None:
    """A rating as the post writes it ("4/5", "★★★½", "B+", 4.5 -> "4.5")."""
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        return None
    return " ".join(str(value).split()) or None


def draft_flag(value: Any, ctx: Context) -> bool | None:
    """``draft: true`` (or "yes")."""
    if isinstance(value, bool):
        return value or None
    if isinstance(value, str) and value.strip().lower() in ("true", "yes"):
        return True
    return None


def unpublished(value: Any, ctx: Context) -> bool | None:
    """``published: false`` (or "no") marks a draft; ``published: <date>`` does not."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no")):
        return True
    return None


def draft_status(value: Any, ctx: Context) -> bool | None:
    """Pelican's ``Status: draft`` (or hidden)."""
    if isinstance(value, str) and value.strip().lower() in ("draft", "hidden"):
        return True
    return None


def link_field(value: Any, ctx: Context) -> str | None:
    if isinstance(value, str) and re.match(r"https?://\S+\Z", value.strip()):
        return value.strip()
    return None


#: Header key (lower case) -> (Metadata field, parser). Order matters: per field, the
#: first key that gives a value wins.
TABLE: tuple[tuple[str, str, Parser], ...] = (
    ("title", "title", title_field),
    ("date", "date", date_field),
    ("published", "date", date_field),
    ("pubdate", "date", date_field),
    ("publishdate", "date", date_field),  # Astro, Hugo
    ("pubdatetime", "date", date_field),  # AstroPaper
    ("datepublished", "date", date_field),
    ("date_published", "date", date_field),
    ("author", "author", person_field),
    ("authors", "author", person_field),
    ("description", "description", title_field),
    ("summary", "description", title_field),
    ("excerpt", "description", title_field),
    ("subtitle", "description", title_field),
    ("image", "cover", cover_field),
    ("cover", "cover", cover_field),
    ("featured", "cover", cover_field),
    ("featured_image", "cover", cover_field),
    ("featuredimage", "cover", cover_field),
    ("img", "cover", cover_field),
    ("images", "cover", cover_field),
    ("poster", "cover", cover_field),  # a film review's poster
    ("thumbnail", "cover", cover_field),
    ("lang", "language", language_field),
    ("language", "language", language_field),
    ("locale", "language", language_field),
    ("rating", "rating", as_written),
    ("score", "rating", as_written),
    ("stars", "rating", as_written),
    ("grade", "rating", as_written),
    ("draft", "draft", draft_flag),
    ("published", "draft", unpublished),
    ("status", "draft", draft_status),
    ("link", "link", link_field),
    ("canonical_url", "link", link_field),
    ("canonicalurl", "link", link_field),
    ("url", "link", link_field),
)
_FIELDS = {f.name for f in fields(Metadata)}
assert {f for _, f, _ in TABLE} <= _FIELDS
_NESTED = ("params", "extra")  # Hugo's and Zola's tables of a post's own fields


def _lookup(header: dict[str, Any]) -> dict[str, Any]:
    """Header keys in lower case; ``params``/``extra`` keys where the top level lacks them."""
    out: dict[str, Any] = {}
    for key, value in header.items():
        out.setdefault(str(key).lower(), value)
    for table in _NESTED:
        inner = out.get(table)
        if isinstance(inner, dict):
            for key, value in inner.items():
                out.setdefault(str(key).lower(), value)
    return out


def read_metadata(header: dict[str, Any], ctx: Context) -> Metadata:
    """The :class:`Metadata` of a post from its header fields and its file name."""
    found: dict[str, Any] = {}
    values = _lookup(header)
    for key, name, parse in TABLE:
        if name in found or key not in values:
            continue
        parsed = parse(values[key], ctx)
        if parsed is not None:
            found[name] = parsed
    meta = Metadata(**found)
    if meta.date is None and ctx.path is not None:
        meta = replace(meta, date=date_from_name(ctx.path))
    if meta.author is None and ctx.path is not None:  # the site's author, named once
        from .siteconfig import site_author, site_config

        author = site_author(site_config(ctx.path, ctx.site_root))
        if author is not None:
            meta = replace(meta, author=person_field(author, ctx))
    return meta


def date_from_name(path: Path) -> str | None:
    """The day a post's path gives, for a post whose header names none.

    A Jekyll-style ``2017-2-26-slug.md``, or a bundle ``2017-02-26-slug/index.md``;
    a compact ``20200917-slug`` (name or bundle); or the ``2014/09/13/`` folders of a
    permalink path (``2014/09/13/slug/index.html``, ``2014/09/13/slug.md``).
    """
    folder = path.parent
    stem = path.stem
    if stem.lower() in ("index", "_index") and folder.name:
        stem, folder = folder.name, folder.parent
    match = _JEKYLL_NAME.match(stem) or _COMPACT_NAME.match(stem)
    if match is None:
        parts = folder.parts[-3:]
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
            groups: tuple[str, ...] = parts
        else:
            return None
    else:
        groups = match.groups()
    try:
        return dt.date(*(int(g) for g in groups)).isoformat()
    except ValueError:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None
