"""One episode's ``<item>``, the same whether a feed is built or updated."""

from __future__ import annotations

from lxml import etree

from .episode import Episode
from .rss import AI_PURPOSE, AUDIO_TYPE, rfc2822, sub

CHAPTERS_TYPE = "application/json+chapters"
PSC_VERSION = "1.2"


def ai_content(parent: etree._Element, ns: dict[str, str]) -> etree._Element:
    """``<podcast:txt purpose="ai-content">true</podcast:txt>`` under ``parent``."""
    return sub(parent, f"{{{ns['podcast']}}}txt", "true", purpose=AI_PURPOSE)


def author_person(parent: etree._Element, name: str, ns: dict[str, str]) -> etree._Element:
    """``podcast:person`` for the writer of a review (role Author, group Writing)."""
    return sub(parent, f"{{{ns['podcast']}}}person", name, role="author", group="writing")


def item_description(ep: Episode) -> str | None:
    """The description, then the chapter timestamps (one per line), if any."""
    parts = [p for p in (ep.description, "\n".join(ep.timestamps)) if p]
    return "\n\n".join(parts) or None


def fill_item(
    item: etree._Element,
    ep: Episode,
    explicit: str,
    ns: dict[str, str],
    *,
    language: str | None = None,
) -> None:
    """Write one episode's children into an (attached, empty) ``<item>``.

    ``language`` is the show's, for the transcripts of an episode whose MP3 names none.
    """
    itunes = f"{{{ns['itunes']}}}"
    podcast = f"{{{ns['podcast']}}}"
    sub(item, "title", ep.title)
    if ep.link:
        sub(item, "link", ep.link)
    description = item_description(ep)
    if description:
        sub(item, "description", description)
    sub(item, "enclosure", url=ep.url, length=str(ep.length), type=AUDIO_TYPE)
    sub(item, "guid", ep.guid, isPermaLink="false")
    sub(item, "pubDate", rfc2822(ep.published))
    sub(item, itunes + "duration", str(ep.duration))
    if ep.number is not None:
        sub(item, itunes + "episode", str(ep.number))
    if ep.image_url:
        sub(item, itunes + "image", href=ep.image_url)
        sub(item, podcast + "image", href=ep.image_url, alt=f"Cover of {ep.title}")
    sub(item, itunes + "explicit", explicit)
    if ep.author:
        author_person(item, ep.author, ns)
    ai_content(item, ns)
    spoken = ep.language
    if language and (spoken is None or language.split("-")[0].lower() == spoken):
        spoken = language  # the show's tag says more ("en-gb" for an MP3's "eng")
    for url, mime in ep.transcripts:
        attrs = {"url": url, "type": mime, "rel": "captions"}
        if spoken:
            attrs["language"] = spoken
        sub(item, podcast + "transcript", **attrs)
    if ep.chapters_url:
        sub(item, podcast + "chapters", url=ep.chapters_url, type=CHAPTERS_TYPE)
    if ep.chapters:
        psc = f"{{{ns['psc']}}}"
        chapters = sub(item, psc + "chapters", version=PSC_VERSION)
        for start, title in ep.chapters:
            sub(chapters, psc + "chapter", start=start, title=title)
