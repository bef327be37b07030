"""Write a feed safely: one writer at a time, never a feed that its own check rejects."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import filelock

from ..atomic import write_bytes_atomic
from ..errors import FeedError
from .check import check_xml

logger = logging.getLogger(__name__)

#: Seconds to wait for another narrate process that is updating the same feed.
LOCK_TIMEOUT = 120.0


#: Overrides the folder of the feeds' lock files (tests; a shared disk for several hosts).
LOCK_DIR_ENV = "NARRATE_LOCK_DIR"


def lock_dir() -> Path:
    """Where feed locks live: never in the published folder, which holds only what is
    published. ``NARRATE_LOCK_DIR``, else ``locks`` in narrate's user cache folder."""
    explicit = os.environ.get(LOCK_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrate", appauthor=False)) / "locks"


def lock_path(feed_path: Path) -> Path:
    """The lock file of a feed: named by a digest of the feed's real path (symlinks and
    ``..`` resolved, so every way of naming one feed takes one lock), in :func:`lock_dir`.

    Every process on this host that writes the feed takes the same lock; processes on
    other hosts sharing the folder over a network disk do too when ``NARRATE_LOCK_DIR``
    names a folder on that disk.
    """
    real = Path(os.path.realpath(Path(feed_path).absolute()))
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    return lock_dir() / f"feed-{digest}.lock"


@contextlib.contextmanager
def feed_lock(feed_path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the feed's lock for a whole read-modify-write (across processes)."""
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path = lock_path(feed_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeedError(f"cannot lock {feed_path}: {path.parent}: {exc.strerror or exc}") from exc
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        with lock:
            yield
    except filelock.Timeout:
        raise FeedError(
            f"{feed_path} is being updated by another process (its lock {path} was held "
            f"for {timeout:g} s)"
        ) from None
    except OSError as exc:
        raise FeedError(f"cannot lock {feed_path}: {exc.strerror or exc}") from exc


def _key(message: str) -> str:
    """An error message with item numbers left out (inserting an item renumbers the rest)."""
    return re.sub(r"\bitem \d+\b", "item", message)


def _errors(findings: list) -> Counter[str]:
    return Counter(_key(f.message) for f in findings if f.level == "error")


def write_checked(
    feed_path: Path, data: bytes, *, folder: Path | None, before: bytes | None = None
) -> None:
    """Check ``data`` as :func:`check_feed` would, then write it atomically to ``feed_path``.

    Refuses (:class:`FeedError`, nothing written) when the check finds an error that the
    feed ``before`` (the one being updated, if any) did not have.
    """
    findings = check_xml(data, feed_path, folder=folder)
    new = _errors(findings)
    if before is not None:
        new -= _errors(check_xml(before, feed_path, folder=folder))
    if new:
        first = next(f.message for f in findings if f.level == "error" and _key(f.message) in new)
        more = sum(new.values()) - 1
        extra = f" (and {more} more)" if more else ""
        raise FeedError(f"{feed_path} not written: feed check would reject it: {first}{extra}")
    write_bytes_atomic(feed_path, data)
