"""Write feeds: :func:`build_feed` regenerates one from a folder, :func:`add_episode` edits one."""

from __future__ import annotations

import logging
from pathlib import Path

from lxml import etree

from .. import __version__
from ..atomic import write_bytes_atomic
from ..errors import FeedError, InputError
from .config import ChannelConfig
from .episode import Episode, mp3_files, read_episode
from .rss import (
    ATOM_NS,
    AUDIO_TYPE,
    FEED_NAME,
    ITUNES_NS,
    NSMAP,
    PODCAST_NS,
    declared_uris,
    feed_base,
    find_ns,
    is_http_url,
    now,
    parse_feed,
    parse_rfc2822,
    public_url,
    rfc2822,
    sub,
)

logger = logging.getLogger(__name__)

CHAPTERS_TYPE = "application/json+chapters"
PSC_VERSION = "1.2"


def _base_url(base_url: str) -> str:
    value = (base_url or "").strip()
    if not is_http_url(value):
        raise FeedError(f"base URL must be an absolute http(s) URL: {base_url!r}")
    return value if value.endswith("/") else value + "/"


def _fill_item(item: etree._Element, ep: Episode, explicit: str, ns: dict[str, str]) -> None:
    """Write one episode's children into an (attached, empty) ``<item>``."""
    itunes = f"{{{ns['itunes']}}}"
    podcast = f"{{{ns['podcast']}}}"
    sub(item, "title", ep.title)
    if ep.description:
        sub(item, "description", ep.description)
    sub(item, "enclosure", url=ep.url, length=str(ep.length), type=AUDIO_TYPE)
    sub(item, "guid", ep.guid, isPermaLink="false")
    sub(item, "pubDate", rfc2822(ep.published))
    sub(item, itunes + "duration", str(ep.duration))
    if ep.number is not None:
        sub(item, itunes + "episode", str(ep.number))
    if ep.image_url:
        sub(item, itunes + "image", href=ep.image_url)
    sub(item, itunes + "explicit", explicit)
    for url, mime in ep.transcripts:
        sub(item, podcast + "transcript", url=url, type=mime, rel="captions")
    if ep.chapters_url:
        sub(item, podcast + "chapters", url=ep.chapters_url, type=CHAPTERS_TYPE)
    if ep.chapters:
        psc = f"{{{ns['psc']}}}"
        chapters = sub(item, psc + "chapters", version=PSC_VERSION)
        for start, title in ep.chapters:
            sub(chapters, psc + "chapter", start=start, title=title)


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
        data = local.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            write_bytes_atomic(target, data)
            logger.info("copied the channel image %s into %s", local, folder)
    return public_url(base, local.name)


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

    episodes: list[Episode] = []
    for mp3 in mp3_files(folder):
        try:
            episodes.append(read_episode(mp3, base))
        except InputError as exc:
            logger.warning("skipping %s: %s", mp3.name, exc)
    episodes.sort(key=lambda e: e.order_key, reverse=True)

    explicit = "true" if config.explicit else "false"
    image_url = _channel_image_url(config, folder, base)
    itunes = f"{{{ITUNES_NS}}}"
    podcast = f"{{{PODCAST_NS}}}"

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
        href=public_url(base, target.name),
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
    if config.podcast_guid:
        sub(channel, podcast + "guid", config.podcast_guid)
    if config.locked is not None:
        sub(
            channel, podcast + "locked", "yes" if config.locked else "no", owner=config.owner_email
        )
    for ep in episodes:
        _fill_item(sub(channel, "item"), ep, explicit, NSMAP)

    data = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    write_bytes_atomic(target, data)
    logger.info("wrote %s with %d episode(s)", target, len(episodes))
    return target


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
    tree = parse_feed(feed_path)
    root = tree.getroot()
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedError(f"{feed_path} is not an RSS 2.0 feed (no <rss><channel>)")
    base = _base_url(base_url) if base_url is not None else feed_base(channel, feed_path)
    ep = read_episode(mp3, base)
    ns = declared_uris(root)

    explicit_el = find_ns(channel, "itunes", "explicit")
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

    _fill_item(new, ep, explicit, ns)
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
    tree = parse_feed(Path(feed_path))
    channel = tree.getroot().find("channel")
    return len(channel.findall("item")) if channel is not None else 0
