"""Build a whole feed from a folder of MP3s: :func:`build_feed`."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from lxml import etree

from .. import __version__
from ..atomic import write_bytes_atomic
from ..errors import FeedError, InputError
from ..files import IMAGE_MAX_BYTES, TooLarge, read_capped, too_large_message
from ..tags import guid_for_name
from .config import ChannelConfig, default_podcast_guid
from .episode import Episode, PostInfo, mp3_files, read_episode, url_guid
from .items import ai_content, author_person, fill_item
from .page import write_page
from .publish import feed_lock, write_checked
from .rss import (
    ATOM_NS,
    FEED_NAME,
    ITUNES_NS,
    NSMAP,
    PODCAST_NS,
    is_http_url,
    now,
    public_url,
    rfc2822,
    sub,
    validate_base_url,
    xml_text,
)

logger = logging.getLogger(__name__)


def _channel_image_url(config: ChannelConfig, folder: Path, base: str) -> str:
    if is_http_url(config.image):
        return config.image
    local = Path(config.image).expanduser()
    if not local.is_absolute():
        local = folder / local
    if not local.is_file():
        raise FeedError(f"channel image not found: {local}")
    if local.resolve().parent != folder.resolve():
        target = folder / local.name
        try:
            data = read_capped(local, IMAGE_MAX_BYTES)
        except TooLarge as exc:
            raise FeedError(too_large_message(str(local), "channel image", exc.limit)) from exc
        if not target.is_file() or target.read_bytes() != data:
            write_bytes_atomic(target, data)
            logger.info("copied the channel image %s into %s", local, folder)
    return public_url(base, local.name)


FEED_SUFFIXES = (".xml", ".rss")


def build_feed(
    folder: Path,
    base_url: str,
    config: ChannelConfig,
    *,
    output: Path | None = None,
    posts: Mapping[str, PostInfo] | None = None,
    state: str | None = None,
) -> Path:
    """Write a feed of every MP3 in ``folder`` to ``folder/feed.xml`` (or ``output``).

    ``state`` is written as a comment at the top of the feed (:func:`feed_state` reads
    it): what the caller built the feed from, to know later that nothing changed.

    MP3s that are damaged or whose tags cannot be read are skipped with a warning; an MP3
    whose GUID another one already has (a copy) is published under a GUID of its own, with
    a warning. ``posts`` gives, by MP3 file name, what the post it was narrated from says
    (its date and link; its episode then also shows the show's cover when it has none).
    The feed is checked before it is written and never written when the check finds an
    error; a feed (and page) that would differ from the file there only in its
    ``lastBuildDate`` is not written again. Returns the feed path.
    """
    base = validate_base_url(base_url)
    folder = Path(folder)
    if not folder.is_dir():
        raise FeedError(f"not a folder: {folder}")
    target = Path(output) if output is not None else folder / FEED_NAME
    if target.suffix.lower() not in FEED_SUFFIXES:  # never an episode, a side file, the config
        raise FeedError(f"{target}: the feed file name must end in .xml or .rss")

    explicit = "true" if config.explicit else "false"
    image_url = _channel_image_url(config, folder, base)
    episodes = _distinct(_read_all(folder, base))
    if posts:
        episodes = [_from_post(ep, posts.get(ep.name), image_url) for ep in episodes]
    episodes.sort(key=lambda e: e.order_key, reverse=True)
    itunes = f"{{{ITUNES_NS}}}"
    podcast = f"{{{PODCAST_NS}}}"

    self_url = public_url(base, target.name)
    rss = etree.Element("rss", nsmap=NSMAP)
    rss.set("version", "2.0")
    channel = sub(rss, "channel")
    sub(channel, "title", config.title)
    sub(channel, "link", config.link)
    sub(channel, "description", config.description)
    sub(channel, "language", config.language)
    if config.copyright:
        sub(channel, "copyright", config.copyright)
    if episodes:
        sub(channel, "pubDate", rfc2822(max(e.published for e in episodes)))
    sub(channel, "lastBuildDate", rfc2822(now()))
    sub(channel, "generator", f"narrate {__version__}")
    sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=self_url,
        rel="self",
        type="application/rss+xml",
    )
    sub(channel, itunes + "author", config.author)
    owner = sub(channel, itunes + "owner")
    sub(owner, itunes + "name", config.owner_name)
    sub(owner, itunes + "email", config.owner_email)
    sub(channel, itunes + "image", href=image_url)
    image = sub(channel, "image")
    sub(image, "url", image_url)
    sub(image, "title", config.title)
    sub(image, "link", config.link)
    category = sub(channel, itunes + "category", text=config.category)
    if config.subcategory:
        sub(category, itunes + "category", text=config.subcategory)
    sub(channel, itunes + "explicit", explicit)
    sub(channel, itunes + "type", config.type)
    sub(channel, podcast + "guid", config.podcast_guid or default_podcast_guid(self_url))
    if config.locked is not None:
        sub(
            channel, podcast + "locked", "yes" if config.locked else "no", owner=config.owner_email
        )
    sub(channel, podcast + "medium", config.medium)
    sub(channel, podcast + "image", href=image_url, alt=config.cover_alt)
    author_person(channel, config.author, NSMAP)
    ai_content(channel, NSMAP)
    for ep in episodes:
        fill_item(sub(channel, "item"), ep, explicit, NSMAP, language=config.language)

    if state is not None:
        rss.addprevious(etree.Comment(f" {STATE_MARK}{xml_text(state)} "))
    data = etree.tostring(
        rss.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    ratings = {ep.url: ep.rating for ep in episodes}
    with feed_lock(target):
        if _same_but_build_date(target, data):
            logger.info("%s is up to date (%d episode(s))", target, len(episodes))
            write_page(target, rss, folder, ratings)  # written only when it differs
            return target
        write_checked(target, data, folder=folder)
        write_page(target, rss, folder, ratings)
    logger.info("wrote %s with %d episode(s)", target, len(episodes))
    return target


_BUILD_DATE = re.compile(rb"<lastBuildDate>[^<]*</lastBuildDate>")
STATE_MARK = "narrate-state: "
_STATE = re.compile(rb"<!-- " + re.escape(STATE_MARK.encode()) + rb"([^ <>]{1,200}) -->")


def feed_state(target: Path) -> str | None:
    """The state comment a feed was built with (see :func:`build_feed`), if any."""
    try:
        with open(target, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return None
    found = _STATE.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _same_but_build_date(target: Path, data: bytes) -> bool:
    """Whether the feed at ``target`` already says ``data``, all but its lastBuildDate."""
    try:
        current = target.read_bytes()
    except OSError:
        return False
    return _BUILD_DATE.sub(b"", current) == _BUILD_DATE.sub(b"", data)


def _from_post(ep: Episode, post: PostInfo | None, image_url: str) -> Episode:
    """An episode dated and linked by its post, with the show's cover when it has none."""
    if post is None:
        return ep
    return replace(
        ep,
        published=post.published or ep.published,
        link=post.link or ep.link,
        image_url=ep.image_url or image_url,
        rating=post.rating or ep.rating,
    )


def _read_all(folder: Path, base: str) -> list[Episode]:
    episodes: list[Episode] = []
    for mp3 in mp3_files(folder):
        try:
            episodes.append(read_episode(mp3, base))
        except InputError as exc:
            logger.warning("skipping %s: %s", mp3.name, exc)
    return episodes


def _distinct(episodes: list[Episode]) -> list[Episode]:
    """Give every episode a GUID of its own: a copy of an MP3 carries the original's tag.

    The first file (by name) keeps a shared GUID; each later one is published under the
    GUID of its own URL, with a warning. Names are the order, so a rebuild agrees.
    """
    by_name_guid = {guid_for_name(e.name): e.name for e in episodes}
    seen: dict[str, str] = {}
    out: list[Episode] = []
    for ep in sorted(episodes, key=lambda e: e.name):
        original = by_name_guid.get(ep.guid)
        if original is not None and original != ep.name:
            logger.warning(
                "%s carries the GUID narrate gave %s: is it a copy? Published as its own episode",
                ep.name,
                original,
            )
        if ep.guid in seen:
            own = url_guid(ep.url)
            logger.warning(
                "%s has the same GUID as %s (a copy?); publishing it under a GUID of its own",
                ep.name,
                seen[ep.guid],
            )
            ep = replace(ep, guid=own)
        if ep.guid in seen:
            logger.warning("skipping %s: its GUID is already taken by %s", ep.name, seen[ep.guid])
            continue
        seen[ep.guid] = ep.name
        out.append(ep)
    return out
