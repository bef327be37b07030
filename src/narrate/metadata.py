"""What a post says of itself: the episode metadata found in its header, never spoken.

Plain frozen data, filled by the readers (:mod:`narrate.loading`) from YAML/TOML/JSON
front matter, a Pelican/MultiMarkdown header block, HTML ``<meta>`` or a feed item;
explicit flags and config win over it where the settings are resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Metadata:
    """Every field is ``None`` (or ``False``) when the post does not say it."""

    title: str | None = None  # plain text: Markdown rendered, entities decoded
    date: str | None = None  # ISO 8601: "2019-08-23" or "2019-08-23T10:00:00+02:00"
    author: str | None = None  # one name, or several joined with ", "
    description: str | None = None
    cover: Path | None = None  # a local image file that exists
    language: str | None = None  # as the post writes it ("fr", "de-DE", "en_US")
    rating: str | None = None  # as the post writes it ("4/5", "★★★½", "B+")
    draft: bool = False  # draft: true, or published: false
    link: str | None = None  # the post's own URL (a feed item's link)
