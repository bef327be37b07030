"""Add or refresh one episode in an existing feed: :func:`add_episode`."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from lxml import etree

from ..errors import FeedError, InputError
from .episode import Episode, read_episode, url_guid
from .items import ai_content, fill_item
from .page import write_page
from .publish import feed_lock, write_checked
from .rss import (
    declared_uris,
    feed_base,
    find_ns,
    has_ai_content,
    local_name_of,
    now,
    parse_feed,
    parse_rfc2822,
    read_feed,
    rfc2822,
    validate_base_url,
)

logger = logging.getLogger(__name__)


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
    to the folder of the feed's ``atom:link rel="self"``; the MP3 must then be in the
    feed file's folder (``FeedError`` otherwise). Returns ``feed_path``.
    """
    mp3 = Path(mp3)
    feed_path = Path(feed_path)
    base = validate_base_url(base_url) if base_url is not None else None
    if not feed_path.is_file():
        raise FeedError(f"feed not found: {feed_path} (build it first)")
    if not mp3.is_file():
        raise InputError(f"MP3 not found: {mp3}")
    with feed_lock(feed_path):  # the whole read-modify-write
        _add(feed_path, mp3, base)
    return feed_path


def _is_other_episode(item: etree._Element, ep: Episode, base: str, mp3: Path) -> bool:
    """An item with ``ep``'s GUID that is not ``ep``: its enclosure is another file that
    still exists (a copy beside it), or on another host (another publisher's)."""
    urls = [(enc.get("url") or "").strip() for enc in item.findall("enclosure")]
    urls = [u for u in urls if u]
    if not urls or ep.url in urls:
        return False
    for url in urls:
        if not url.startswith(base):
            return True
        name = local_name_of(url)
        if name and "/" not in url[len(base) :] and (mp3.parent / name).is_file():
            return True
    return False


def _guid(item: etree._Element) -> str:
    return (item.findtext("guid") or "").strip()


def _fresh_guid(ep: Episode, items: list[etree._Element], base: str, mp3: Path) -> str:
    """The first of uuid5(URL), uuid5(URL#2), ... that no other episode's item holds."""
    n = 1
    while True:
        guid = url_guid(ep.url if n == 1 else f"{ep.url}#{n}")
        if not any(_guid(i) == guid and _is_other_episode(i, ep, base, mp3) for i in items):
            return guid
        n += 1


def _add(feed_path: Path, mp3: Path, base: str | None) -> None:
    original = read_feed(feed_path)
    tree = parse_feed(feed_path)
    root = tree.getroot()
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedError(f"{feed_path} is not an RSS 2.0 feed (no <rss><channel>)")
    if base is None:
        base = feed_base(channel, feed_path)
        if not mp3.absolute().parent.samefile(feed_path.absolute().parent):
            # its enclosure URL would be the feed's folder URL + its name: no file there
            raise FeedError(
                f"{mp3} is not in the feed's folder {feed_path.parent}: move it there (with "
                "its side files), or give --base-url, the URL its own folder is served from"
            )
    ep = read_episode(mp3, base)
    ns = declared_uris(root)

    explicit_el = find_ns(channel, "itunes", "explicit")
    explicit_text = (explicit_el.text or "").strip().lower() if explicit_el is not None else ""
    explicit = "true" if explicit_text in ("true", "yes", "explicit") else "false"

    # Every item that is this episode: same GUID, or same full enclosure URL (an item
    # written by hand or under an older GUID); never a bare file name. All are replaced by
    # one fresh item. An item with the GUID but another live file (a copy, or another
    # host's file of the same name) is another episode: this one then takes a GUID of its own.
    items = channel.findall("item")
    if any(_guid(i) == ep.guid and _is_other_episode(i, ep, base, mp3) for i in items):
        logger.warning(
            "%s has the GUID of another episode in %s (a copy?); adding it under a GUID "
            "of its own",
            mp3.name,
            feed_path,
        )
        ep = replace(ep, guid=_fresh_guid(ep, items, base, mp3))
    stale = [
        i
        for i in items
        if any((enc.get("url") or "").strip() == ep.url for enc in i.findall("enclosure"))
        or (_guid(i) == ep.guid and not _is_other_episode(i, ep, base, mp3))
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
            if (when := parse_rfc2822(i.findtext("pubDate"))) is not None and when < ep.published
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

    if not has_ai_content(channel):  # a feed from before the disclosure: the show says it too
        first = channel.find("item")
        tag = ai_content(etree.Element("x"), ns)
        if first is not None:
            tag.tail = first.getprevious().tail if first.getprevious() is not None else None
            first.addprevious(tag)
        else:
            channel.append(tag)
    language = (channel.findtext("language") or "").strip() or None
    fill_item(new, ep, explicit, ns, language=language)
    indent = ws.rsplit("\n", 1)[1] if "\n" in ws and ws.strip() == "" else None
    _layout(new, indent)

    last_build = channel.find("lastBuildDate")
    if last_build is not None:
        last_build.text = rfc2822(now())
    pub = channel.find("pubDate")
    if pub is not None:  # the channel's pubDate is that of its newest item
        dates = [d for i in channel.findall("item") if (d := parse_rfc2822(i.findtext("pubDate")))]
        if dates:
            pub.text = rfc2822(max(dates))

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
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    write_checked(feed_path, data, folder=None, before=original)
    write_page(feed_path, root, mp3.parent)


def _free_prefix(root: etree._Element, prefix: str) -> str:
    used = set(root.nsmap)
    candidate, n = prefix, 1
    while candidate in used:
        n += 1
        candidate = f"{prefix}{n}"
    return candidate


def count_items(feed_path: Path) -> int:
    """The number of ``<item>`` elements (episodes) in a feed."""
    tree = parse_feed(Path(feed_path))
    channel = tree.getroot().find("channel")
    return len(channel.findall("item")) if channel is not None else 0
