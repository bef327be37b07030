"""The RSS vocabulary narrate writes and reads: namespaces, element helpers, dates, URLs."""

from __future__ import annotations

import datetime as _dt
import email.utils
import ipaddress
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from ..errors import FeedError
from ..files import FEED_MAX_BYTES, TooLarge, read_capped, too_large_message

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The Podcasting 2.0 namespace has two URIs that its spec declares equivalent (clients
# must accept both): the original GitHub document URI, written here, and the newer
# PODCASTINDEX_NS. We write the GitHub one because gPodder's podcastparser (0.6.11, used by
# gPodder and others) only recognises that URI: under the podcastindex.org URI it ignores
# podcast:transcript, podcast:chapters and podcast:locked. feedparser keys on the prefix
# and reads either; both are read here, and add_episode keeps whichever a feed declares.
PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCASTINDEX_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
PSC_NS = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters, inline chapters
NSMAP = {
    "itunes": ITUNES_NS,
    "podcast": PODCAST_NS,
    "atom": ATOM_NS,
    "content": CONTENT_NS,
    "psc": PSC_NS,
}

# Other spellings of the same namespaces found in the wild (read, and reused when a feed
# being updated already uses them). The first one is the one written.
ALIASES = {
    "itunes": (ITUNES_NS, "http://www.itunes.com/DTDs/Podcast-1.0.dtd"),
    "podcast": (
        PODCAST_NS,
        PODCASTINDEX_NS,
        "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    ),
    "atom": (ATOM_NS, "http://www.w3.org/2005/Atom/"),
    "content": (CONTENT_NS,),
    "psc": (PSC_NS, PSC_NS + "/"),
}

#: Podcasting 2.0 ``podcast:txt purpose="ai-content"``: narrate's voices are synthetic.
AI_PURPOSE = "ai-content"

FEED_NAME = "feed.xml"
AUDIO_TYPE = "audio/mpeg"

_INVALID_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters a URL path may carry as they are (RFC 3986 pchar plus "/"); the rest is encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def validate_base_url(value: str | None) -> str:
    """The folder URL episodes are published under, checked and normalised: the one rule.

    Accepts only an absolute http(s) URL that can be a folder: a valid host (IDNA-encoded
    when it is not ASCII), an optional port, no user name or password, no query, no
    fragment, no white space. Characters that are not allowed in a URL path are
    percent-encoded (existing ``%XX`` escapes are kept), and a ``/`` is added at the end.
    Raises :class:`FeedError` with one line saying what is wrong.
    """
    text = value if isinstance(value, str) else ""

    def bad(problem: str) -> FeedError:
        return FeedError(f"base URL {problem}: {value!r}")

    text = text.strip()
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        raise bad("must not contain spaces or control characters (write a space as %20)")
    try:
        urlsplit(text)
    except ValueError:
        raise bad("has an invalid host name") from None
    if not is_http_url(text):
        raise bad("must be an absolute http(s) URL")
    if "\\" in text:
        raise bad("must not contain a backslash")
    parts = urlsplit(text)
    if parts.fragment or text.endswith("#"):
        raise bad("must not have a fragment (#...)")
    if parts.query or "?" in text:
        raise bad("must not have a query (?...)")
    if "@" in parts.netloc:
        raise bad("must not contain a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise bad("has an invalid port") from None
    host = parts.hostname or ""
    ipv6 = ":" in host
    if ipv6:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad("has an invalid host name") from None
    else:
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            raise bad("has an invalid host name") from None
        if not _HOST.fullmatch(host):
            raise bad("has an invalid host name")
    if _BAD_ESCAPE.search(parts.path):
        raise bad("has a '%' that is not followed by two hex digits")
    netloc = (f"[{host}]" if ipv6 else host) + (f":{port}" if port is not None else "")
    path = quote(unicodedata.normalize("NFC", parts.path), safe=_PATH_SAFE)
    if not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{netloc}{path}"


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, and no white space or control character."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def public_url(base: str, name: str) -> str:
    """The URL of the file ``name`` published in the folder URL ``base`` (ends in ``/``)."""
    return base + quote(name)


def local_name_of(url: str) -> str:
    """The file name a published URL points to (percent-decoded)."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def xml_text(value: str) -> str:
    """User text made safe for XML 1.0: drop control characters XML cannot carry."""
    return _INVALID_XML_CHARS.sub("", unicodedata.normalize("NFC", value))


def sub(parent: etree._Element, tag: str, content: str | None = None, /, **attrs: str) -> Any:
    """Append ``<tag attrs>content</tag>``; lxml escapes, we drop XML-illegal characters."""
    el = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if content is not None:
        el.text = xml_text(content)
    return el


def rfc2822(moment: _dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(_dt.timezone.utc), usegmt=True)


def parse_rfc2822(text: str | None) -> _dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def read_feed(feed_path: Path) -> bytes:
    """The bytes of a feed file, capped while reading (:class:`FeedError` past the cap).

    OS errors are raised as they are, for the caller's message."""
    try:
        return read_capped(feed_path, FEED_MAX_BYTES)
    except TooLarge as exc:
        raise FeedError(too_large_message(str(feed_path), "feed", exc.limit)) from exc


def parse_feed(feed_path: Path) -> etree._ElementTree:
    """Parse a feed file safely (no entities, no network, no DTD); CDATA is kept."""
    parser = etree.XMLParser(
        strip_cdata=False, resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        raw = read_feed(feed_path)
    except OSError as exc:
        raise FeedError(f"cannot read feed {feed_path}: {exc.strerror or exc}") from exc
    try:
        return etree.fromstring(raw, parser, base_url=str(feed_path)).getroottree()
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{feed_path} is not well-formed XML: {exc}") from exc


def find_ns(el: etree._Element, role: str, local: str) -> etree._Element | None:
    """The first child ``role:local`` under any spelling of the role's namespace."""
    for uri in ALIASES[role]:
        found = el.find(f"{{{uri}}}{local}")
        if found is not None:
            return found
    return None


def declared_uris(root: etree._Element) -> dict[str, str]:
    """URI to use per role: the spelling the feed already declares, else the standard one."""
    declared = set(root.nsmap.values())
    return {
        role: next((u for u in uris if u in declared), uris[0]) for role, uris in ALIASES.items()
    }


def feed_base(channel: etree._Element, feed_path: Path) -> str:
    """The folder URL of a feed, from its ``atom:link rel="self"``."""
    for link in channel.iter(*(f"{{{u}}}link" for u in ALIASES["atom"])):
        href = (link.get("href") or "").strip()
        if link.get("rel") == "self" and is_http_url(href):
            return href[: href.rfind("/") + 1]
    raise FeedError(f'cannot tell the base URL of {feed_path}: it has no atom:link rel="self"')


def has_ai_content(parent: etree._Element) -> bool:
    """Whether ``parent`` says its audio is AI-made (``podcast:txt purpose="ai-content"``
    of ``true``, under any spelling of the namespace)."""
    for uri in ALIASES["podcast"]:
        for el in parent.findall(f"{{{uri}}}txt"):
            if el.get("purpose") == AI_PURPOSE and (el.text or "").strip().lower() == "true":
                return True
    return False
