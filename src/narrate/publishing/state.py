"""What the output folder already holds, read cheaply: which MP3 is which post's, whether
every post's MP3 is current, and a digest of everything the feed is made from.

These spare a rerun with nothing changed the batch plan, the engines and the feed build;
the rules themselves (fingerprints, side files, feed contents) stay the batch's and the
feed's. Any doubt answers "not current", and the full run decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..settings import Settings
from .posts import Post
from .show import Show


@dataclass(frozen=True)
class Holders:
    """The MP3s of the output folder by the post they record (``NARRATE_SOURCE``), and
    the engine version each engine's MP3s record (``NARRATE_ENGINE``)."""

    by_source: dict[str, Path]
    engines: dict[str, set[str]]
    txxx: dict[Path, dict[str, str]] = field(default_factory=dict)  # each MP3's TXXX

    def versions(self, voices: Sequence[Any]) -> list[str | None]:
        """``versions`` for ``plan_batch`` with no engine asked: a voice's version is the
        one its engine's MP3s record, when they all agree; else None (the item is then
        planned as work, and the real run asks the engine)."""
        found = [self.engines.get(voice.engine, set()) for voice in voices]
        return [next(iter(f)) if len(f) == 1 else None for f in found]


def holders_of(out_dir: Path) -> Holders:
    """Who holds each MP3 of ``out_dir``: only their TXXX frames are read."""
    from ..feed.episode import mp3_files
    from ..tags import read_txxx
    from ..tags.data import TXXX_ENGINE, TXXX_SOURCE

    by_source: dict[str, Path] = {}
    engines: dict[str, set[str]] = {}
    frames: dict[Path, dict[str, str]] = {}
    if not out_dir.is_dir():
        return Holders(by_source, engines, frames)
    for mp3 in mp3_files(out_dir):
        try:
            txxx = read_txxx(mp3)
        except Exception:  # an unreadable MP3 belongs to no post
            continue
        frames[mp3] = txxx
        source = txxx.get(TXXX_SOURCE)
        if source:
            by_source.setdefault(source, mp3)
            name, _, version = (txxx.get(TXXX_ENGINE) or "").partition(" ")
            if version:
                engines.setdefault(name, set()).add(version)
    return Holders(by_source, engines, frames)


def all_up_to_date(posts: Sequence[Post], entries: Sequence[Any], settings: Settings,
                    out_dir: Path, holders: Holders) -> bool:  # fmt: skip
    """Whether every entry's MP3 already carries the fingerprint the batch would give it,
    with the engine version the MP3s record: then nothing is planned, nothing starts.

    The batch's own rules (entry settings, title, fingerprint, side files) decide; this
    only spares reading each post twice and each MP3's whole tag. Any doubt is a "no",
    and the batch plans the run as usual."""
    from ..batch import fingerprint, source_id
    from ..batch.plan import entry_settings
    from ..loading import load_text
    from ..pipeline import side_file_paths
    from ..segment import document_title
    from ..tags.data import TXXX_FINGERPRINT

    for post, entry in zip(posts, entries, strict=True):
        held = holders.by_source.get(entry.identity or source_id(entry.source, out_dir))
        if held is None or entry.options.get("output") != held.name:
            return False
        s = entry_settings(settings, entry)
        [version] = holders.versions([s.voice])
        if version is None:
            return False
        try:
            loaded = post.loaded if post.loaded is not None and s.text == settings.text else (
                load_text(entry.source, s.text))  # fmt: skip
            title = document_title(loaded, s)[0]
            s = s.with_overrides(tags={"title": title})
            fp = fingerprint(entry.source, s, title, held.name, version)
        except Exception:  # whatever it is, the batch will say it properly
            return False
        if holders.txxx.get(held, {}).get(TXXX_FINGERPRINT) != fp:
            return False
        if not all(p.is_file() for p in side_file_paths(held, s).values()):
            return False
    return True


def folder_state(out_dir: Path, base: str, show: Show, info: dict[str, Any]) -> str:
    """A digest of everything the feed and page are made from: narrate's version, the
    base URL, the show's settings (and its image file), the posts' dates, links and
    ratings, and every file of the folder (name, size, time). Kept in the feed, so an
    unchanged folder is not read again (no MP3's tags, no transcript)."""
    import hashlib
    import json

    from .. import __version__
    from ..feed.page import PAGE_NAME
    from ..feed.rss import FEED_NAME

    def stat(path: Path) -> list[int]:
        try:
            st = path.stat()
        except OSError:
            return []
        return [st.st_size, st.st_mtime_ns]

    files = sorted(
        (p.name, *stat(p)) for p in out_dir.iterdir() if p.name not in (FEED_NAME, PAGE_NAME)
    )
    image = Path(show.channel.image)
    material = {
        "narrate": __version__,
        "base": base,
        "show": repr(show.channel),
        "image": stat(image) if image.is_absolute() else [],
        "posts": sorted((name, repr(i)) for name, i in info.items()),
        "files": files,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
