"""Formatting for people: durations, counts. Only the CLI formats."""

from __future__ import annotations


def minutes(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on)."""
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 chapter``, ``2 chapters``, ``0 chapters``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
