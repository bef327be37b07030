"""What a post's own metadata puts on its episode, under what the flags and config say.

Explicit settings (``--author``, ``--date``, ``--description``, ``--cover``, a
manifest or config) win; a field they leave unset comes from the post's header
(:class:`~narrate.metadata.Metadata`), and only then from narrate's defaults (today,
the first paragraph). The title's rule lives in :func:`narrate.segment.document_title`.

ID3 timestamps (TDRC in v2.4; TYER + TDAT + TIME in v2.3) have no time zone, so a
date with a zone is written as the same instant in UTC, which is how narrate's feed
reads a zone-less time back; the date exactly as the post wrote it is kept in the
TXXX frame ``NARRATE_DATE``, and the rating in ``NARRATE_RATING``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace

from ..metadata import Metadata
from ..settings import TagSettings

TXXX_RATING = "NARRATE_RATING"  # the post's rating, as written ("4/5", "★★★½")
TXXX_POST_DATE = "NARRATE_DATE"  # the post's date as written, with its zone


def post_tags(tags: TagSettings, meta: Metadata) -> TagSettings:
    """``tags`` with what it leaves unset filled from the post's ``meta``."""
    return replace(
        tags,
        author=tags.author or meta.author,
        date=tags.date or id3_timestamp(meta.date),
        description=tags.description if tags.description is not None else meta.description,
        cover=tags.cover or meta.cover,
    )


def post_frames(meta: Metadata) -> tuple[tuple[str, str], ...]:
    """The TXXX frames (description, value) of what the post says and ID3 has no frame for."""
    pairs = ((TXXX_RATING, meta.rating), (TXXX_POST_DATE, meta.date))
    return tuple((desc, value) for desc, value in pairs if value)


def id3_timestamp(iso: str | None) -> str | None:
    """An ISO 8601 date for an ID3 timestamp: ``YYYY[-MM[-DD]]`` as it is, a time to
    the second, a zone converted to UTC (``2017-02-26T10:00:00+02:00`` ->
    ``2017-02-26T08:00:00``)."""
    if iso is None or "T" not in iso:
        return iso
    moment = _dt.datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")
