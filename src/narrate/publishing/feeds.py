"""Posts from a blog's RSS 2.0 or Atom feed, read by feedparser.

feedparser (maintained, used for two decades on real feeds) is what reads the feed: it
copes with what generators really write (RSS 0.9x to 2.0, Atom 0.3/1.0, CDATA, entities,
undeclared namespaces, wrong encodings) and resolves relative links in the content
against the item's own URL; a hand-written parser would meet each of those again.

Each item or entry is one post: its full content (``content:encoded``, Atom
``content``, else the description) is written as a small HTML page to narrate's user
cache folder, so narrate's own HTML reader reads it like a saved post, and the batch's
fingerprint sees its bytes. The page is rewritten only when its bytes change.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import hashlib
import html
import logging
import xml.sax
from pathlib import Path
from typing import Any

from ..atomic import write_bytes_if_changed
from ..errors import SourceError
from ..metadata import Metadata
from .posts import POST, Post

log = logging.getLogger(__name__)


def _iso(parsed: Any) -> str | None:
    """A feedparser date (a UTC ``struct_time``) as ISO 8601 with its zone."""
    if not parsed:
        return None
    try:
        moment = _dt.datetime.fromtimestamp(calendar.timegm(parsed), _dt.timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None
    return moment.isoformat()


def _content(entry: Any) -> str:
    """The fullest HTML of an entry: content:encoded / Atom content, else the summary."""
    best = ""
    for part in entry.get("content") or ():
        value = part.get("value") or ""
        if len(value) > len(best):
            best = value
    if not best.strip():
        best = entry.get("summary") or entry.get("description") or ""
    kind = ""
    for part in entry.get("content") or ():
        if part.get("value") == best:
            kind = part.get("type") or ""
    if kind == "text/plain":
        best = "".join(f"<p>{html.escape(p)}</p>" for p in best.split("\n\n") if p.strip())
    return best


def _page(title: str | None, body: str, language: str | None) -> bytes:
    lang = f' lang="{html.escape(language)}"' if language else ""
    head = f"<title>{html.escape(title)}</title>" if title else ""
    return (
        f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8">{head}</head>\n'
        f"<body><article>\n{body}\n</article></body></html>\n"
    ).encode()


def parse_feed_posts(data: bytes, url: str, store: Path) -> list[Post]:
    """The posts of a feed's bytes (``url``: where it came from, for links and messages).

    Each post's content page is written under ``store``. Raises :class:`SourceError` when
    the bytes are not an RSS or Atom feed.
    """
    import feedparser

    parsed = feedparser.parse(
        data,
        response_headers={"content-location": url} if "://" in url else None,
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    problem = parsed.get("bozo_exception")
    if not parsed.get("version"):
        detail = f" ({' '.join(str(problem).split())})" if problem else ""
        raise SourceError(f"{url}: is not an RSS or Atom feed{detail}")
    if isinstance(problem, xml.sax.SAXParseException):  # cut short, or broken markup
        raise SourceError(f"{url}: is not a well-formed feed ({' '.join(str(problem).split())})")
    feed_language = (parsed.feed.get("language") or "").strip() or None
    folder = store / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    posts: list[Post] = []
    seen: set[str] = set()
    for n, entry in enumerate(parsed.entries, start=1):
        link = (entry.get("link") or "").strip() or None
        identity = link or (entry.get("id") or "").strip()
        title = " ".join((entry.get("title") or "").split()) or None
        if not identity:
            identity = f"{url}#item-{n}"
        if identity in seen:
            log.warning("%s: item %d repeats the link %s; skipped", url, n, identity)
            continue
        seen.add(identity)
        body = _content(entry)
        language = (entry.get("language") or "").strip() or feed_language
        page = folder / (hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24] + ".html")
        write_bytes_if_changed(page, _page(title, body, language))
        date = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        author = (entry.get("author") or "").strip() or None
        summary = entry.get("summary") if entry.get("content") else None
        metadata = Metadata(
            title=title,
            date=date,
            author=author,
            description=_plain(summary) if summary else None,
            language=language,
            link=link,
        )
        posts.append(Post(page, f"{url} item {n}", identity, metadata, POST))
    return posts


def _plain(fragment: str) -> str | None:
    """An HTML fragment as one line of text (a feed's summary, for the description)."""
    from lxml import html as lxml_html

    try:
        text = lxml_html.fromstring(f"<div>{fragment}</div>").text_content()
    except Exception:
        return None
    flat = " ".join(text.split())
    return flat or None
