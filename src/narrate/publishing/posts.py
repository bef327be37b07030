"""A blog's posts: found in a folder, told apart from drafts and list pages, selected.

Plain data: a :class:`Post` is the file to narrate, what the MP3 records as its review
(``identity``; empty for a file, whose path relative to the output folder is used), and
the post's :class:`~narrate.metadata.Metadata`.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..metadata import Metadata

log = logging.getLogger(__name__)

POST, DRAFT, SECTION = "post", "draft", "section"
#: An ``index`` page with fewer words of prose than this only lists other pages.
LIST_PAGE_WORDS = 40
PUBLISH_HOUR_UTC = 12  # a date-only post is dated 12:00 UTC, as the feed publishes it


@dataclass(frozen=True)
class Post:
    source: Path  # the file narrated: the post, or a feed item's page in the cache
    label: str  # for messages: the path as found, or "<feed> item N"
    identity: str  # "" for a file in a folder; a feed item's URL (or id)
    metadata: Metadata
    kind: str = POST  # POST, DRAFT or SECTION
    # what narrate's reader made of it, when it was read to find the metadata (reused
    # to tell whether it changed); None when not read yet
    loaded: Any = field(default=None, compare=False, repr=False)

    @property
    def moment(self) -> _dt.datetime | None:
        return post_moment(self.metadata.date)


def post_moment(date: str | None) -> _dt.datetime | None:
    """A post's date as an aware datetime: a date-only one at 12:00 UTC; None if unreadable."""
    text = (date or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = _dt.date.fromisoformat(text)
            return _dt.datetime(day.year, day.month, day.day, PUBLISH_HOUR_UTC,
                                tzinfo=_dt.timezone.utc)  # fmt: skip
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


_LINK = re.compile(r"\]\(|\]\[|<a\s|\{\{<\s*ref|\[\[")  # Markdown, HTML, Hugo, wiki links


def _is_list_page(path: Path, blocks: Sequence) -> bool:
    """An ``index`` page with no prose, or a list of links with few words besides (a page
    bundle's ``index.md`` is a post, even a short one, even with a list in it)."""
    if path.stem.lower() != "index":
        return False
    words = sum(len(b.text.split()) for b in blocks if not b.level and not b.items)
    if words == 0:
        return True
    items = sum(len(b.items) for b in blocks)
    if words >= LIST_PAGE_WORDS or not items:
        return False
    try:
        links = len(_LINK.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False
    return links >= items


def folder_posts(folder: Path, text_settings) -> list[Post]:
    """Every post under ``folder`` (recursively; hidden files and folders left out), its
    metadata read by narrate's readers; drafts and list pages marked as such. A file
    that cannot be read is still a post: the batch reports why it fails."""
    from ..batch import collect_paths
    from ..errors import NarrateError
    from ..loading import load_text

    posts: list[Post] = []
    for entry in collect_paths([str(folder)]):
        path = entry.source
        if path.name.lower().startswith("_index."):  # Hugo's section pages: never read
            posts.append(Post(path, str(path), "", Metadata(), SECTION))
            continue
        try:
            loaded = load_text(path, text_settings)
        except NarrateError as exc:  # the batch says why; an unreadable index is a list
            log.debug("%s: %s", path, exc)
            kind = SECTION if path.stem.lower() == "index" else POST
            posts.append(Post(path, str(path), "", Metadata(), kind))
            continue
        metadata = loaded.metadata
        if metadata.draft:
            kind = DRAFT
        elif _is_list_page(path, loaded.blocks):
            kind = SECTION
        else:
            kind = POST
        posts.append(Post(path, str(path), "", metadata, kind, loaded))
    return posts


@dataclass(frozen=True)
class Selection:
    posts: tuple[Post, ...]  # to publish, newest first
    drafts: int = 0
    sections: int = 0
    before_since: int = 0  # older than --since (or undated)
    over_limit: int = 0  # past the N newest

    def summary(self) -> str:
        parts = [f"{len(self.posts)} post(s)"]
        for count, what in ((self.drafts, "draft(s)"), (self.sections, "list page(s)"),
                            (self.before_since, "before --since"),
                            (self.over_limit, "past --limit")):  # fmt: skip
            if count:
                parts.append(f"{count} {what} skipped")
        return ", ".join(parts)


def select(posts: Sequence[Post], since: _dt.date | None = None,
           limit: int | None = None) -> Selection:  # fmt: skip
    """The posts to publish, newest first (undated ones last, by label)."""
    kept = [p for p in posts if p.kind == POST]
    drafts = sum(p.kind == DRAFT for p in posts)
    sections = sum(p.kind == SECTION for p in posts)
    before = 0
    if since is not None:
        start = _dt.datetime(since.year, since.month, since.day, tzinfo=_dt.timezone.utc)
        dated = [p for p in kept if p.moment is not None and p.moment >= start]
        before = len(kept) - len(dated)
        kept = dated
    floor = _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)
    kept.sort(key=lambda p: p.label)
    kept.sort(key=lambda p: p.moment or floor, reverse=True)
    over = 0
    if limit is not None and len(kept) > limit:
        over = len(kept) - limit
        kept = kept[:limit]
    return Selection(tuple(kept), drafts, sections, before, over)
