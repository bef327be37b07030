"""``narrate publish``: a blog's posts in, a podcast folder out, kept in step.

1. Read every SOURCE first (a folder of posts, or a blog's feed by path or URL): a
   source that cannot be read stops the run before the output folder is touched.
2. Select the posts (drafts and list pages skipped; ``--since``, ``--limit``).
3. Plan them with the batch engine, asking no engine: the engine's version is the one
   each MP3 records (``TXXX:NARRATE_ENGINE``). When every post's MP3 already carries its
   fingerprint, nothing starts (no engine, no pool): a rerun costs reading the posts and
   the MP3s' tags. Otherwise the batch runs (parallel, resumable, the clip cache, Dask),
   planning again with the engine's real version.
4. Write ``feed.xml`` and ``index.html``: every MP3 of the folder is an episode (one
   whose post left the SOURCE stays, unless ``--prune``), dated and linked by its post.

State lives in the MP3s (``NARRATE_SOURCE``: which post; ``NARRATE_FINGERPRINT``: what it
was made from) and the feed itself; locks and fetched feeds live in the user cache.
An edited post keeps its MP3's file name, so its enclosure URL and GUID stay.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SourceError
from ..settings import Settings
from .posts import POST, Post, Selection, folder_posts, select
from .show import Show, outro_with_disclosure
from .state import Holders, all_up_to_date, folder_state, holders_of

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".xml", ".rss", ".atom")
SIDE_SUFFIXES = (".srt", ".vtt", ".chapters.json", ".jpg", ".png")


@dataclass(frozen=True)
class PublishResult:
    feed: Path
    selection: Selection
    narrated: int = 0
    up_to_date: int = 0
    failed: tuple[tuple[str, str], ...] = ()  # (post, reason)
    kept: tuple[str, ...] = ()  # MP3s whose post left the SOURCE, still published
    pruned: tuple[str, ...] = ()  # MP3s removed by --prune
    outputs: tuple[str, ...] = field(default_factory=tuple)  # MP3 of each selected post


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def check_sources(sources: Sequence[str]) -> None:
    """Each SOURCE is a folder, a feed file or an http(s) URL (before anything is read)."""
    if not sources:
        raise ConfigError("give the blog to publish: a folder of posts, or its feed (path or URL)")
    for source in sources:
        if is_url(source):
            continue
        path = Path(source)
        if path.is_dir():
            continue
        if not path.exists():
            raise SourceError(f"{source}: no such folder, file or URL")
        if path.suffix.lower() not in FEED_SUFFIXES:
            raise SourceError(
                f"{source}: not a folder of posts or a feed (.xml, .rss, .atom, or an http(s) URL)"
            )


def read_sources(sources: Sequence[str], settings: Settings, fetch_timeout: float) -> list[Post]:
    """Every post of every SOURCE, in order; :class:`SourceError` for one that fails."""
    from .fetch import cache_dir

    posts: list[Post] = []
    for source in sources:
        if is_url(source):
            from .feeds import parse_feed_posts
            from .fetch import fetch_feed

            fetched = fetch_feed(source, fetch_timeout)
            posts += parse_feed_posts(fetched.body, source, cache_dir() / "posts")
        elif Path(source).is_dir():
            posts += folder_posts(Path(source), settings.text)
        else:
            from ..files import FEED_MAX_BYTES, TooLarge, read_capped
            from .feeds import parse_feed_posts

            try:
                data = read_capped(Path(source), FEED_MAX_BYTES)
            except TooLarge:
                raise SourceError(f"{source}: the feed is too large") from None
            except OSError as exc:
                raise SourceError(f"{source}: cannot read: {exc.strerror or exc}") from None
            url = Path(source).absolute().as_uri()
            posts += parse_feed_posts(data, url, cache_dir() / "posts")
    return posts


def _date_option(date: str | None) -> str | None:
    from ..tags import check_date

    text = (date or "").strip()[:10]
    try:
        return check_date(text) if text else None
    except ValueError:
        return None


def _entries(posts: Sequence[Post], out_dir: Path, holders: Holders) -> list[Any]:
    from ..batch import Entry, source_id

    entries = []
    for post in posts:
        meta = post.metadata
        options: dict[str, Any] = {}
        if meta.title:
            options["title"] = meta.title
        if meta.author:
            options["author"] = meta.author
        if meta.description:
            options["description"] = meta.description
        if meta.cover is not None:
            options["cover"] = Path(meta.cover)
        date = _date_option(meta.date)
        if date:
            options["date"] = date
        held = holders.by_source.get(post.identity or source_id(post.source, out_dir))
        if held is not None:  # an edited post keeps its file name: its URL and GUID stay
            options["output"] = held.name
        entries.append(Entry(post.source, post.label, options, identity=post.identity))
    return entries


def _old_items(feed: Path) -> dict[str, Any]:
    """What the feed there says of each enclosure (by file name): pubDate and link."""
    from ..feed.episode import PostInfo
    from ..feed.rss import local_name_of, parse_feed, parse_rfc2822

    if not feed.is_file():
        return {}
    try:
        channel = parse_feed(feed).getroot().find("channel")
    except Exception:
        return {}
    found = {}
    for item in channel.findall("item") if channel is not None else ():
        enclosure = item.find("enclosure")
        if enclosure is None:
            continue
        name = local_name_of(enclosure.get("url") or "")
        link = (item.findtext("link") or "").strip() or None
        found[name] = PostInfo(parse_rfc2822(item.findtext("pubDate")), link)
    return found


def _prune(mp3: Path) -> None:
    for suffix in SIDE_SUFFIXES:
        side = mp3.with_name(mp3.stem + suffix)
        if side.is_file():
            side.unlink()
    mp3.unlink()


def publish(
    sources: Sequence[str],
    out_dir: Path,
    base_url: str,
    show: Show,
    settings: Settings,
    *,
    since: _dt.date | None = None,
    limit: int | None = None,
    prune: bool = False,
    jobs: int | None = None,
    executor: str | None = None,
    fetch_timeout: float = 30.0,
    on_progress: Any = None,
) -> PublishResult:
    """Publish the posts of ``sources`` as a podcast in ``out_dir`` (see the module doc)."""
    from ..atomic import remove_stale_temporaries
    from ..batch import FAILED, OK, UP_TO_DATE, check_out_dir, plan_batch, source_id
    from ..batch.executors import create_executor
    from ..feed import build_feed
    from ..feed.build import feed_state
    from ..feed.page import PAGE_NAME
    from ..feed.publish import lock_dir
    from ..feed.rss import FEED_NAME, validate_base_url

    base = validate_base_url(base_url)
    check_sources(sources)
    check_out_dir(out_dir)
    runner = create_executor(executor, jobs or os.cpu_count())  # checked before any work
    outro = outro_with_disclosure(settings.text.outro, show.disclosure)
    settings = replace(settings, text=replace(settings.text, outro=outro))

    posts = read_sources(sources, settings, fetch_timeout)  # may fail: nothing touched yet
    selection = select(posts, since, limit)
    log.info("%s", selection.summary())

    out_dir.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_temporaries(out_dir)
    if removed:
        log.info("removed %d unfinished file(s) left in %s by a killed run", removed, out_dir)
    holders = holders_of(out_dir)
    entries = _entries(selection.posts, out_dir, holders)
    locks = lock_dir() / "items"

    narrated = up = 0
    failed: list[tuple[str, str]] = []
    outputs: list[str] = []
    if entries and all_up_to_date(selection.posts, entries, settings, out_dir, holders):
        log.info("nothing changed: %d post(s) up to date", len(entries))
        up = len(entries)
        outputs = [str(out_dir / holders.by_source[e.identity or source_id(e.source, out_dir)]
                       .name) for e in entries]  # fmt: skip
    elif entries:
        plan = plan_batch(entries, settings, out_dir, versions=holders.versions,
                          lock_dir=locks)  # fmt: skip
        results = list(plan.settled)
        if plan.work:
            from ..batch import run_batch

            result = run_batch(entries, settings, out_dir, executor=runner,
                               on_progress=on_progress, lock_dir=locks)  # fmt: skip
            results = list(result.items)
            holders = holders_of(out_dir)  # what the run made
        for r in results:
            if r.status == FAILED:
                failed.append((r.source, r.reason or "failed"))
            else:
                narrated += r.status == OK
                up += r.status == UP_TO_DATE
                outputs.append(r.output or "")

    # Which MP3 is which post's, now; the others' posts left the SOURCE (or are drafts).
    present = {p.identity or source_id(p.source, out_dir): p for p in posts if p.kind == POST}
    gone = sorted(mp3.name for sid, mp3 in holders.by_source.items() if sid not in present)
    pruned: list[str] = []
    if prune:
        for name in gone:
            _prune(out_dir / name)
            pruned.append(name)
        gone = []

    feed = out_dir / FEED_NAME
    info = _old_items(feed)
    from ..feed.episode import PostInfo

    for sid, mp3 in holders.by_source.items():
        post = present.get(sid)
        if post is not None:
            info[mp3.name] = PostInfo(post.moment, post.metadata.link, post.metadata.rating)
    info = {name: i for name, i in info.items() if (out_dir / name).is_file()}
    state = folder_state(out_dir, base, show, info)
    if feed_state(feed) == state and (out_dir / PAGE_NAME).is_file():
        log.info("%s is up to date", feed)  # nothing it is made from changed
    else:
        build_feed(out_dir, base, show.channel, posts=info, state=state)
        settled = folder_state(out_dir, base, show, info)
        if settled != state:  # the build itself added files (the show's or a post's cover)
            build_feed(out_dir, base, show.channel, posts=info, state=settled)
    return PublishResult(feed, selection, narrated, up, tuple(failed), tuple(gone),
                         tuple(pruned), tuple(outputs))  # fmt: skip
