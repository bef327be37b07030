"""Reading a review's bytes from a path or stdin, capped while reading.

Messages (``<name>`` is the path as given, or ``<stdin>``)::

    <name>: no such file
    <name>: is a directory, not a file
    <name>: permission denied
    <name>: cannot be read (<OS reason>)
    <name>: file is empty                  (<stdin>: input is empty)
    <name>: text is too long (more than <max_chars> characters)
    <stdin>: standard input is closed
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..files import TooLarge, read_capped, read_stream_capped

STDIN_NAME = "<stdin>"


class StdinClosedError(InputError):
    """``-`` was given but the process has no standard input (``<&-``)."""


def source_name(source: Path | str) -> str:
    """The name used in messages: the path as given, or ``<stdin>`` for ``-``."""
    return STDIN_NAME if str(source) == "-" else str(source)


def too_long(name: str, limit: int) -> InputError:
    return InputError(f"{name}: text is too long (more than {limit:,} characters)")


def _stdin_stream() -> BinaryIO:
    """``sys.stdin.buffer``, or :class:`StdinClosedError` when there is no stdin."""
    stdin = sys.stdin
    stream = getattr(stdin, "buffer", None) if stdin is not None else None
    if stream is None or getattr(stream, "closed", False):
        raise StdinClosedError(f"{STDIN_NAME}: standard input is closed")
    return stream


def read_bytes(source: Path | str, *, max_chars: int, stdin: BinaryIO | None = None) -> bytes:
    """The raw bytes of ``source`` (``"-"`` = ``stdin`` or ``sys.stdin.buffer``).

    At most ``4 * max_chars`` bytes are read (no encoding needs more than four bytes
    per character); the cap is checked while reading, so ``/dev/zero`` or an endless
    pipe is refused after that many bytes.
    """
    name = source_name(source)
    byte_limit = 4 * max_chars
    try:
        if str(source) == "-":
            stream = stdin if stdin is not None else _stdin_stream()
            try:
                data = read_stream_capped(stream, byte_limit)
            except ValueError as exc:  # "I/O operation on closed file"
                raise StdinClosedError(f"{name}: standard input is closed") from exc
            empty = "input is empty"
        else:
            data = read_capped(Path(source), byte_limit)
            empty = "file is empty"
    except TooLarge as exc:
        raise too_long(name, max_chars) from exc
    except FileNotFoundError as exc:
        raise InputError(f"{name}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{name}: is a directory, not a file") from exc
    except PermissionError as exc:
        raise InputError(f"{name}: permission denied") from exc
    except OSError as exc:
        if str(source) == "-" and exc.errno == 9:  # EBADF: fd 0 closed under us
            raise StdinClosedError(f"{name}: standard input is closed") from exc
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise InputError(f"{name}: {empty}")
    return data
