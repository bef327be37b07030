"""Write a feed safely: one writer at a time, never a feed that its own check rejects."""

from __future__ import annotations

import contextlib
import logging
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


def lock_path(feed_path: Path) -> Path:
    """The lock file of a feed: hidden, beside it (``.feed.xml.lock``)."""
    feed_path = Path(feed_path)
    return feed_path.with_name(f".{feed_path.name}.lock")


@contextlib.contextmanager
def feed_lock(feed_path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the feed's lock for a whole read-modify-write (across processes)."""
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path = lock_path(feed_path)
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        with lock:
            yield
    except filelock.Timeout:
        raise FeedError(
            f"{feed_path} is being updated by another process (lock {path.name} held "
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
