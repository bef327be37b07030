"""Which part of an HTML page is the article: the rest is the site around it.

``<article>``, else ``<main>``, else an element with ``role="main"`` is the article
(of several, the one with the most text, outside ``<aside>``, ``<nav>``, ``<header>``
and ``<footer>``).
A page with none of those but with a site's furniture around its text, in elements
named menu, sidebar, widget, comments, share ... (``<nav>``, ``<header>``,
``<footer>`` and ``<aside>`` the reader drops by their tag), is a saved page of an
older theme: its article is found by
readability-lxml, a maintained port of Mozilla's Readability, which scores blocks
by their text and link density. A page with no such furniture (a plain document)
is read whole, and so is one where the extractor finds fewer than
:data:`MIN_ARTICLE_WORDS` words (a short post), or fails.

Measured on 33 real saved pages of a WordPress blog (Wayback captures, no
``<article>``/``<main>``): the body read whole gave 13,971 of the posts' 14,214
words plus 10,497 words of menus, sidebars, share menus and footer; readability
gave 13,917 post words and 18 others. trafilatura gave 12,761 and 1,575.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 20
_FURNITURE_TAGS = ("nav", "header", "footer", "aside")
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\u2013\u2014\u00bb\u00b7:]|::|-)\s+")
_FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|sidebar|footer|header|masthead|widgets?"
    r"|comments?|share|sharing|social|related|breadcrumbs?|banner|cookies?)(?:$|[-_\s\d])",
    re.I,
)


def _named_furniture(tag: Any) -> bool:
    names = [str(tag.get("id", ""))] + list(tag.get("class") or [])
    return any(_FURNITURE.search(name) for name in names if name)


def _has_furniture(body: Any) -> bool:
    """Whether the page has furniture the reader would not drop by its tag alone:
    an element named like one, outside ``<nav>``, ``<header>``, ``<footer>`` and
    ``<aside>`` (which the HTML reader drops anyway)."""

    def named(tag: Any) -> bool:
        if tag.name in _FURNITURE_TAGS or not _named_furniture(tag):
            return False
        return tag.find_parent(_FURNITURE_TAGS) is None

    return body.find(named) is not None


def page_title(soup: Any) -> str | None:
    """The page's ``<title>``, without the site's name when a heading names the page.

    "Volver | A Film Diary" with a heading "Volver" is "Volver"; with no such heading
    the whole title stays.
    """
    from .blocks import clean_text, join_whitespace

    if soup.title is None:
        return None
    title = join_whitespace(clean_text(soup.title.get_text(" ")))
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(title) if p.strip()]
    if len(parts) > 1:
        headings = {
            join_whitespace(clean_text(h.get_text(" "))) for h in soup.find_all(["h1", "h2", "h3"])
        }
        named = [p for p in parts if p in headings]
        if named:
            return named[0]
    return title or None


def _extracted(text: str) -> Any | None:
    """The body of readability's article, or None when it finds too little or fails."""
    from bs4 import BeautifulSoup
    from readability import Document

    try:
        summary = Document(text).summary(html_partial=True)
    except (Exception, RecursionError):  # readability's own errors, lxml's, deep trees
        log.debug("readability could not extract an article", exc_info=True)
        return None
    soup = BeautifulSoup(summary, "lxml")
    root = soup.body or soup
    for tag in root.find_all(_named_furniture):  # share buttons kept inside the article
        tag.decompose()
    if len(root.get_text(" ").split()) < MIN_ARTICLE_WORDS:
        return None
    return root


def _largest(soup: Any, *args: Any, **kwargs: Any) -> Any | None:
    """Of the elements found, the one with the most text, leaving out those inside the
    site's furniture (a related post's ``<article>`` card in an ``<aside>``)."""
    found = [
        tag
        for tag in soup.find_all(*args, **kwargs)
        if tag.find_parent(_FURNITURE_TAGS) is None
    ]
    if len(found) <= 1:
        return found[0] if found else None
    return max(found, key=lambda tag: len(tag.get_text()))


def article_root(soup: Any, text: str) -> Any:
    """The element of the parsed page ``soup`` (source ``text``) to read as the article."""
    for args, kwargs in ((("article",), {}), (("main",), {}), ((), {"role": "main"})):
        found = _largest(soup, *args, **kwargs)
        if found is not None:
            return found
    body = soup.body or soup
    if not _has_furniture(body):
        return body
    extracted = _extracted(text)
    return extracted if extracted is not None else body
