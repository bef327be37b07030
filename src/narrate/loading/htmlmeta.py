"""An HTML page's own header: the ``<meta>`` tags a site writes for its posts.

Saved pages (a Jekyll ``_site`` page, a Hugo ``docs/`` page) carry their post's metadata
in Open Graph and plain ``<meta>`` tags, and the date often in a ``<time>`` element.
They are read with the HTML parser narrate reads pages with, into the same keys as a
post's front matter, so one table (:mod:`narrate.loading.metafields`) parses them.
"""

from __future__ import annotations

from typing import Any

#: <meta property|name|itemprop> (lower case) -> the front-matter key it gives; the
#: first one a page has wins per key.
META_KEYS: tuple[tuple[str, str], ...] = (
    ("og:title", "title"),
    ("twitter:title", "title"),
    ("article:published_time", "date"),
    ("og:article:published_time", "date"),
    ("datepublished", "date"),
    ("dc.date.issued", "date"),
    ("dc.date", "date"),
    ("date", "date"),
    ("article:author", "author"),
    ("og:article:author", "author"),
    ("author", "author"),
    ("og:description", "description"),
    ("description", "description"),
    ("og:url", "link"),
)


def html_header(text: str) -> tuple[dict[str, Any], set[str]]:
    """The page's metadata as front-matter keys, and the texts of its ``<h1>`` elements."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(name, str) and isinstance(content, str) and content.strip():
            found.setdefault(name.strip().lower(), content.strip())
    fields: dict[str, Any] = {}
    for meta, key in META_KEYS:
        if meta in found and key not in fields:
            fields[key] = found[meta]
    if "date" not in fields:
        for time in soup.find_all("time"):
            classes = " ".join(time.get("class") or [])
            stamp = time.get("datetime")
            if isinstance(stamp, str) and stamp.strip() and (
                "published" in classes or time.get("itemprop") == "datePublished"
            ):
                fields["date"] = stamp.strip()
                break
    canonical = soup.find("link", rel="canonical")
    if "link" not in fields and canonical is not None and canonical.get("href"):
        fields["link"] = canonical["href"]
    h1s = {" ".join(h.get_text(" ").split()) for h in soup.find_all("h1")}
    return fields, h1s
