"""The one capped read: every file narrate reads goes through :func:`read_capped`.

A size cap is checked *while* reading, never after: the file is read in chunks and
the read stops as soon as it holds more than the cap, so ``/dev/zero``, a FIFO fed
forever or a file that grows while it is read cannot fill memory. The file's size
from ``stat`` is not trusted (it is 0 for devices and pipes); it only refuses a
regular file that is already too big before a single byte is read.

OS errors (no such file, permission denied, a folder ...) are left to the caller,
which knows what the file is for and says so in its own one-line message. A file
over the cap raises :class:`TooLarge`, a plain exception that carries the cap; the
caller turns it into its own ``NarrateError`` with :func:`too_large_message`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16

# Caps for the files narrate reads besides the review itself (whose cap comes from
# ``TextSettings.max_chars``). Each is far above any sane file of its kind.
LEXICON_MAX_BYTES = 16 * 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CONFIG_MAX_BYTES = 1024 * 1024
FEED_MAX_BYTES = 64 * 1024 * 1024
IMAGE_MAX_BYTES = 16 * 1024 * 1024  # a channel image copied beside the feed


class TooLarge(Exception):
    """The input holds more than ``limit`` bytes (raised before reading more)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes")
        self.limit = limit


def too_large_message(name: str, what: str, limit: int) -> str:
    """``"<name>: <what> is too large (more than N bytes)"``: the one wording."""
    return f"{name}: {what} is too large (more than {limit:,} bytes)"


def read_stream_capped(stream: BinaryIO, limit: int) -> bytes:
    """All of ``stream``, read in chunks; :class:`TooLarge` once past ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)


def read_capped(path: Path | str, limit: int) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them, else :class:`TooLarge`.

    Raises ``OSError`` (``FileNotFoundError``, ``IsADirectoryError``,
    ``PermissionError`` ...) as ``open`` and ``read`` do, for the caller to word.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size > limit:
            raise TooLarge(limit)  # a regular file already too big: not a byte read
        return read_stream_capped(fh, limit)


def file_identity(path: Path | str) -> tuple[int, int] | None:
    """(device, inode) of an existing file, so links and ``..`` spellings compare equal;
    None when there is no such file."""
    try:
        st = Path(path).stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def is_one_of(path: Path | str, others: object) -> bool:
    """Whether ``path`` is an existing file that is also one of ``others`` (paths)."""
    mine = file_identity(path)
    return mine is not None and any(file_identity(o) == mine for o in others)  # type: ignore[attr-defined]

