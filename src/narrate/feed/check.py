"""Check a feed for what Apple Podcasts or a Podcasting 2.0 index would reject."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree

from ..errors import FeedError
from .rss import (
    ALIASES,
    feed_base,
    find_ns,
    has_ai_content,
    is_http_url,
    local_name_of,
    parse_rfc2822,
    read_feed,
)
from .timestamps import timestamps_problem

ARTWORK_MIN_PX = 1400
ARTWORK_MAX_PX = 3000
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "message": self.message}


def _image_header(path: Path) -> tuple[str, int, int, str]:
    """(format, width, height, mode) of a PNG or JPEG from its header bytes.

    Read by hand so that checking a feed needs no imaging library at run time.
    Other formats come back with a size of 0x0 (and their name when it is a common one);
    unreadable or truncated files raise ``OSError``.
    """
    with open(path, "rb") as fh:
        head = fh.read(33)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
            modes = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
            return "PNG", width, height, modes.get(head[25], "unknown")
        if head[:2] != b"\xff\xd8":
            others = {b"GIF8": "GIF", b"BM": "BMP", b"RIFF": "WEBP", b"II*\x00": "TIFF"}
            name = next((n for magic, n in others.items() if head.startswith(magic)), "unknown")
            return name, 0, 0, "unknown"
        fh.seek(2)
        while True:  # walk the JPEG segments up to the first start-of-frame
            marker = fh.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                raise OSError("truncated or corrupt JPEG")
            kind = marker[1]
            if kind == 0xFF:
                fh.seek(-1, 1)
                continue
            if kind in (0x01, *range(0xD0, 0xD8)):  # markers without a length
                continue
            length = fh.read(2)
            if len(length) < 2:
                raise OSError("truncated JPEG")
            size = int.from_bytes(length, "big")
            if kind in _JPEG_SOF:
                frame = fh.read(6)
                if len(frame) < 6:
                    raise OSError("truncated JPEG")
                height, width = int.from_bytes(frame[1:3], "big"), int.from_bytes(frame[3:5], "big")
                mode = {1: "L", 3: "RGB", 4: "CMYK"}.get(frame[5], "unknown")
                return "JPEG", width, height, mode
            if size < 2:
                raise OSError("corrupt JPEG segment")
            fh.seek(size - 2, 1)


def _check_artwork(path: Path, label: str) -> Iterable[Finding]:
    try:
        fmt, width, height, mode = _image_header(path)
    except OSError as exc:
        yield Finding("error", f"{label} cannot be read as an image: {exc}")
        return
    if fmt not in ("JPEG", "PNG"):
        kind = "not a JPEG or PNG image" if fmt == "unknown" else fmt
        yield Finding("error", f"{label} is {kind}; it must be JPEG or PNG")
        return
    if width != height:
        yield Finding("error", f"{label} is {width}x{height} px; it must be square")
    if not all(ARTWORK_MIN_PX <= side <= ARTWORK_MAX_PX for side in (width, height)):
        yield Finding(
            "error",
            f"{label} is {width}x{height} px; it must be between "
            f"{ARTWORK_MIN_PX}x{ARTWORK_MIN_PX} and {ARTWORK_MAX_PX}x{ARTWORK_MAX_PX} px",
        )
    if mode not in ("RGB", "RGBA", "P", "L", "LA"):
        yield Finding("warning", f"{label} uses the {mode} colour mode; use RGB")


def _check_podcast_images(parent: etree._Element, label: str, warning) -> None:
    for uri in ALIASES["podcast"]:
        for image in parent.findall(f"{{{uri}}}image"):
            if not (image.get("alt") or "").strip():
                warning(f"{label} has a <podcast:image> without alt text")


def check_feed(feed_path: Path, *, folder: Path | None = None) -> list[Finding]:
    """List the problems of a feed. ``folder`` (the audio folder) enables file-size checks
    of the enclosures published beside the feed.

    Channel artwork is checked (JPEG/PNG, square, size) when a file of the same name as
    the published image exists in ``folder`` (default: the feed folder). A feed that is
    not well-formed XML yields one error finding; a feed that cannot be read raises
    :class:`FeedError`.
    """
    feed_path = Path(feed_path)
    try:
        raw = read_feed(feed_path)
    except OSError as exc:
        raise FeedError(f"cannot read feed {feed_path}: {exc.strerror or exc}") from exc
    return check_xml(raw, feed_path, folder=folder)


def check_xml(raw: bytes, feed_path: Path, *, folder: Path | None = None) -> list[Finding]:
    """:func:`check_feed` on the bytes of a feed that is (or is about to be) ``feed_path``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        return [Finding("error", f"not well-formed XML: {exc}")]

    findings: list[Finding] = []

    def error(message: str) -> None:
        findings.append(Finding("error", message))

    def warning(message: str) -> None:
        findings.append(Finding("warning", message))

    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        error(f"not an RSS 2.0 feed: the root is <{root.tag}>, with no <channel>")
        return findings

    for tag in ("title", "description", "language"):
        if not (channel.findtext(tag) or "").strip():
            error(f"channel has no <{tag}>")
    image = find_ns(channel, "itunes", "image")
    image_href = (image.get("href") or "").strip() if image is not None else ""
    if not image_href:
        error("channel has no <itunes:image> (artwork)")
    if find_ns(channel, "itunes", "category") is None:
        error("channel has no <itunes:category>")
    explicit = find_ns(channel, "itunes", "explicit")
    if explicit is None:
        error("channel has no <itunes:explicit>")
    elif (explicit.text or "").strip().lower() not in ("true", "false"):
        error(f"channel <itunes:explicit> must be 'true' or 'false', not {explicit.text!r}")
    author = find_ns(channel, "itunes", "author")
    if author is None or not (author.text or "").strip():
        warning("channel has no <itunes:author>")
    owner = find_ns(channel, "itunes", "owner")
    email_el = find_ns(owner, "itunes", "email") if owner is not None else None
    if email_el is None or not (email_el.text or "").strip():
        warning("channel has no <itunes:owner> email")

    if not has_ai_content(channel):
        warning(
            'channel has no <podcast:txt purpose="ai-content">true</podcast:txt>: '
            "synthetic voices must be disclosed"
        )
    _check_podcast_images(channel, "channel", warning)

    local_dir = Path(folder) if folder is not None else feed_path.parent
    if image_href:
        name = local_name_of(image_href)
        art = local_dir / name if name else None
        if art is not None and art.is_file():
            findings.extend(_check_artwork(art, f"channel artwork {name}"))

    # Enclosures are compared with files in ``folder`` only when published under the
    # feed's own folder URL (from atom:link rel="self"), or always without that link.
    try:
        base: str | None = feed_base(channel, feed_path)
    except FeedError:
        base = None
    seen_guids: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for n, item in enumerate(channel.findall("item"), start=1):
        title = " ".join((item.findtext("title") or "").split())
        label = f'item {n} "{title}"' if title else f"item {n}"
        if not title:
            error(f"{label} has no <title>")
        guid = (item.findtext("guid") or "").strip()
        if not guid:
            error(f"{label} has no <guid> (Apple Podcasts requires one)")
        elif guid in seen_guids:
            error(f"{label} repeats the guid {guid!r} of item {seen_guids[guid]}")
        else:
            seen_guids[guid] = n
        pub = item.findtext("pubDate")
        if pub is None or not pub.strip():
            warning(f"{label} has no <pubDate>")
        elif parse_rfc2822(pub) is None:
            error(f"{label} has a pubDate that is not an RFC 2822 date: {pub.strip()!r}")
        if find_ns(item, "itunes", "duration") is None:
            warning(f"{label} has no <itunes:duration>")
        if not has_ai_content(item):
            warning(f'{label} has no <podcast:txt purpose="ai-content">')
        _check_podcast_images(item, label, warning)
        for uri in ALIASES["podcast"]:
            for transcript in item.findall(f"{{{uri}}}transcript"):
                if not (transcript.get("language") or "").strip():
                    warning(f"{label} has a <podcast:transcript> without its language")
        problem = timestamps_problem(item.findtext("description") or "")
        if problem:
            warning(f"{label} has chapter timestamps in its description that {problem}")

        enclosure = item.find("enclosure")
        if enclosure is None:
            error(f"{label} has no <enclosure>")
            continue
        url = (enclosure.get("url") or "").strip()
        if not is_http_url(url):
            error(f"{label} has an enclosure url that is not an absolute http(s) URL: {url!r}")
        elif url in seen_urls:
            error(f"{label} repeats the enclosure URL {url!r} of item {seen_urls[url]}")
        else:
            seen_urls[url] = n
        mime = (enclosure.get("type") or "").strip()
        if not mime.startswith("audio/"):
            error(f"{label} has an enclosure type that is not audio/*: {mime!r}")
        length_text = (enclosure.get("length") or "").strip()
        length = int(length_text) if length_text.isdigit() else 0
        if length <= 0:
            error(
                f"{label} has an enclosure length that is not a positive integer: "
                f"{enclosure.get('length')!r}"
            )
        elif folder is not None and url and (base is None or url.startswith(base)):
            name = local_name_of(url)
            local = Path(folder) / name
            if not local.is_file():
                error(f"{label} has no file {name!r} in {folder}")
            elif local.stat().st_size != length:
                error(
                    f"{label} has an enclosure length of {length} bytes but {name} "
                    f"is {local.stat().st_size} bytes"
                )
    return findings
