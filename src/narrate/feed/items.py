"""One episode's ``<item>``, the same whether a feed is built or updated."""

from __future__ import annotations

from lxml import etree

from .episode import Episode
from .rss import AUDIO_TYPE, rfc2822, sub

CHAPTERS_TYPE = "application/json+chapters"
PSC_VERSION = "1.2"


def fill_item(item: etree._Element, ep: Episode, explicit: str, ns: dict[str, str]) -> None:
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
