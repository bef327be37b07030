"""The show page: ``index.html`` beside ``feed.xml``, regenerated from the feed itself.

Read from the feed (not the folder), so items narrate did not write show up too. One
static file: no CDN, no external script, style or font; a Content-Security-Policy allows
only its own inline script (by hash) and style. Every text and URL from the feed goes
through lxml's HTML serializer, which escapes it; only http(s) URLs (or plain relative
ones) become ``src``/``href``. Each episode has a labelled ``<audio>`` player, its chapters
as buttons that seek the player, and its transcript folded in ``<details>``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from lxml import etree, html
from lxml.html import builder as E

from .. import __version__
from ..atomic import write_text_atomic
from ..errors import FeedError
from .rss import feed_base, find_ns, local_name_of, parse_rfc2822
from .timestamps import strip_lines

logger = logging.getLogger(__name__)

PAGE_NAME = "index.html"
GENERATOR = f"narrate {__version__}"
_MARK = 'name="generator" content="narrate'  # a page narrate wrote (safe to replace)

SCRIPT = """
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-start]");
  if (!button) return;
  var player = document.getElementById(button.getAttribute("data-player"));
  if (!player) return;
  player.currentTime = parseFloat(button.getAttribute("data-start"));
  var playing = player.play();
  if (playing && playing.catch) playing.catch(function () {});
});
""".strip()

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1d1d1f}
header{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header img{width:8rem;height:8rem;object-fit:cover;border-radius:.5rem}
h1{margin:.2rem 0}h2{margin:0 0 .2rem;font-size:1.25rem}
article{border-top:1px solid #ddd;padding:1rem 0}
.meta{color:#555;margin:0 0 .5rem}audio{width:100%}
ol.chapters{padding-left:1.5rem}
ol.chapters button{font:inherit;background:none;border:0;padding:.1rem 0;color:#0645ad;
cursor:pointer;text-align:left}
button:focus-visible,summary:focus-visible,a:focus-visible{outline:3px solid #f90}
.transcript p{margin:.3rem 0}.rating{font-weight:600}
""".strip()


#: The page's icon, inline: a browser then never asks for /favicon.ico (a 404 twice).
ICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="7" fill="#0645ad"/><path d="M6 4.5v7l6-3.5z" fill="#fff"/></svg>',
    safe="",
)


@dataclass(frozen=True)
class PageEpisode:
    title: str
    published: str | None  # ISO 8601, for <time datetime>
    date_text: str | None  # for people
    duration: str | None  # "m:ss" or "h:mm:ss"
    description: str | None
    audio_url: str | None
    vtt_url: str | None
    chapters: tuple[tuple[float, str], ...]
    transcript: tuple[str, ...]  # cue texts, when the VTT file is beside the feed
    rating: str | None = None  # the post's rating, as written
    vtt_link: str | None = None  # where the VTT file is (vtt_url may be its data: URL)


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL (or a relative one without a scheme) as it is; anything else: None."""
    url = (url or "").strip()
    if not url or any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    if not parts.scheme and not parts.netloc and not url.startswith("//"):
        return url
    return None


def _seconds(text: str | None) -> float | None:
    """itunes:duration or a Podlove start (seconds, MM:SS, HH:MM:SS[.mmm]) in seconds."""
    text = (text or "").strip()
    if not re.fullmatch(r"\d+(:\d{1,2}){0,2}(\.\d+)?", text):
        return None
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _vtt_text(raw: str) -> tuple[str, ...]:
    """The cue texts of a WebVTT file (timings, ids, notes and tags left out)."""
    cues: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        if "-->" not in block or lines[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        at = next(i for i, line in enumerate(lines) if "-->" in line)
        text = " ".join(" ".join(lines[at + 1 :]).split())
        text = re.sub(r"<[^>]*>", "", text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if text:
            cues.append(text)
    return tuple(cues)


def _relative(url: str | None, base: str | None) -> str | None:
    """A URL under the page's own folder URL as a relative one (works from file:// too)."""
    if url and base and url.startswith(base) and len(url) > len(base):
        rest = url[len(base) :]
        if not rest.startswith("/") and ".." not in rest.split("/"):
            return rest
    return url


def _rating(folder: Path, url: str | None, base: str | None) -> str | None:
    """The rating in the TXXX frames of the MP3 an enclosure URL points to, if local."""
    if not url or not base or not url.startswith(base):
        return None
    local = folder / local_name_of(url)
    if "/" in url[len(base) :] or not local.is_file():
        return None
    from ..tags import read_tags
    from .episode import RATING_FRAMES

    try:
        txxx = {d.upper(): v.strip() for d, v in read_tags(local).txxx}
    except Exception:  # a damaged MP3 has no rating to show
        return None
    return next((txxx[k] for k in RATING_FRAMES if txxx.get(k)), None)


def _data_url(text: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def _episodes(
    channel: etree._Element,
    folder: Path,
    base: str | None,
    ratings: Mapping[str, str | None] | None = None,
) -> list[PageEpisode]:
    out: list[tuple[float, int, PageEpisode]] = []
    for n, item in enumerate(channel.findall("item")):
        title = " ".join((item.findtext("title") or "").split()) or "Untitled episode"
        when = parse_rfc2822(item.findtext("pubDate"))
        duration_el = find_ns(item, "itunes", "duration")
        seconds = _seconds(duration_el.text if duration_el is not None else None)
        enclosure = item.find("enclosure")
        audio = _safe_url(enclosure.get("url")) if enclosure is not None else None
        vtt_url = None
        for el in item.iter(tag=etree.Element):
            if etree.QName(el).localname == "transcript" and el.get("type") == "text/vtt":
                vtt_url = _safe_url(el.get("url"))
                break
        transcript: tuple[str, ...] = ()
        vtt_link = _relative(vtt_url, base)
        if vtt_url and base and vtt_url.startswith(base):
            local = folder / local_name_of(vtt_url)
            if local.is_file() and local.stat().st_size < 8 * 1024 * 1024:
                raw = local.read_text(encoding="utf-8", errors="replace")
                transcript = _vtt_text(raw)
                vtt_url = _data_url(raw, "text/vtt")
        chapters = []
        psc = find_ns(item, "psc", "chapters")
        for chapter in psc if psc is not None else ():
            start = _seconds(chapter.get("start"))
            if start is not None:
                name = " ".join((chapter.get("title") or "").split())
                chapters.append((start, name or f"Chapter {len(chapters) + 1}"))
        ep = PageEpisode(
            title=title,
            published=when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
            date_text=f"{when.day} {when:%B %Y}" if when else None,
            duration=clock(seconds) if seconds is not None else None,
            description=" ".join(strip_lines(item.findtext("description") or "").split())
            or None,
            audio_url=_relative(audio, base),
            vtt_url=vtt_url,
            chapters=tuple(chapters),
            transcript=transcript,
            rating=(
                ratings.get(audio or "") if ratings is not None else _rating(folder, audio, base)
            ),
            vtt_link=vtt_link,
        )
        out.append((when.timestamp() if when else float("-inf"), n, ep))
    out.sort(key=lambda t: (-t[0], t[1]))  # newest first; undated last, in feed order
    return [ep for _, _, ep in out]


def _article(n: int, ep: PageEpisode, language: str) -> etree._Element:
    art = E.E.article(id=f"episode-{n}", **{"aria-labelledby": f"episode-{n}-title"})
    art.append(E.H2(ep.title, id=f"episode-{n}-title"))
    meta = E.P(E.CLASS("meta"))
    if ep.published:
        meta.append(E.E.time(ep.date_text or ep.published, datetime=ep.published))
    if ep.duration:
        span = E.SPAN(ep.duration, **{"aria-label": f"Duration {ep.duration}"})
        if len(meta):
            meta[-1].tail = " · "
        meta.append(span)
    if ep.rating:
        span = E.SPAN(f"Rating: {ep.rating}", E.CLASS("rating"))
        if len(meta):
            meta[-1].tail = " · "
        meta.append(span)
    if len(meta):
        art.append(meta)
    if ep.description:
        art.append(E.P(ep.description))
    player_id = f"player-{n}"
    if ep.audio_url:
        audio = E.E.audio(
            id=player_id,
            controls="controls",
            preload="metadata",
            src=ep.audio_url,
            **{"aria-label": f"Play {ep.title}"},
        )
        if ep.vtt_url:
            audio.append(
                E.E.track(kind="captions", src=ep.vtt_url, srclang=language, label="Transcript")
            )
        audio.append(E.A("Download the episode", href=ep.audio_url))
        art.append(audio)
    if ep.chapters and ep.audio_url:
        nav = E.E.nav(**{"aria-label": f"Chapters of {ep.title}"})
        items = E.OL(E.CLASS("chapters"))
        for start, name in ep.chapters:
            items.append(
                E.LI(
                    E.BUTTON(
                        f"{clock(start)} {name}",
                        type="button",
                        **{
                            "data-start": f"{start:.3f}",
                            "data-player": player_id,
                            "aria-label": f"Play from {clock(start)}: {name}",
                        },
                    )
                )
            )
        nav.append(items)
        art.append(nav)
    if ep.transcript or ep.vtt_url:
        details = E.E.details(E.E.summary("Transcript"))
        body = E.DIV(E.CLASS("transcript"))
        for cue in ep.transcript:
            body.append(E.P(cue))
        if ep.vtt_link:
            body.append(E.P(E.A("Transcript as WebVTT", href=ep.vtt_link)))
        details.append(body)
        art.append(details)
    return art


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; img-src http: https: data: file: 'self';"
        " media-src http: https: data: file: 'self';"
        f" style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    )


def render_page(
    feed_path: Path,
    root: etree._Element,
    folder: Path | None = None,
    ratings: Mapping[str, str | None] | None = None,
) -> str:
    """The HTML of the show page of the parsed feed ``root`` (published as ``feed_path``).

    ``ratings`` gives each episode's rating by enclosure URL, when the caller has read
    them; else they are read from the MP3s beside the feed."""
    channel = root.find("channel")
    folder = Path(folder) if folder is not None else Path(feed_path).parent
    try:
        base: str | None = feed_base(channel, feed_path)
    except FeedError:  # no atom:link: transcripts are linked, not inlined
        base = None
    title = " ".join((channel.findtext("title") or "").split()) or "Podcast"
    language = (channel.findtext("language") or "en").strip() or "en"
    description = " ".join((channel.findtext("description") or "").split())
    image = find_ns(channel, "itunes", "image")
    cover = _safe_url(image.get("href") if image is not None else channel.findtext("image/url"))
    cover = _relative(cover, base)

    head = E.HEAD(
        E.META(charset="utf-8"),
        E.META(name="viewport", content="width=device-width, initial-scale=1"),
        E.META(**{"http-equiv": "Content-Security-Policy", "content": _csp()}),
        E.META(name="generator", content=GENERATOR),
        E.TITLE(title),
        E.LINK(rel="icon", href=ICON),
        E.LINK(
            rel="alternate", type="application/rss+xml", title=title, href=Path(feed_path).name
        ),
        E.STYLE(STYLE),
    )
    header = E.E.header()
    if cover:
        header.append(E.IMG(src=cover, alt=f"Cover of {title}", width="160", height="160"))
    intro = E.DIV(E.H1(title))
    if description:
        intro.append(E.P(description))
    intro.append(E.P(E.A("Subscribe with the RSS feed", href=Path(feed_path).name)))
    header.append(intro)
    main = E.E.main(**{"aria-label": "Episodes"})
    for n, ep in enumerate(_episodes(channel, folder, base, ratings), start=1):
        main.append(_article(n, ep, language))
    page = E.HTML(head, E.BODY(header, main, E.E.script(SCRIPT)), lang=language)
    return "<!DOCTYPE html>\n" + html.tostring(page, encoding="unicode") + "\n"


def write_page(
    feed_path: Path,
    root: etree._Element,
    folder: Path | None = None,
    ratings: Mapping[str, str | None] | None = None,
) -> Path | None:
    """Write ``index.html`` beside the feed; leave a hand-written one alone (warning)."""
    target = Path(feed_path).with_name(PAGE_NAME)
    if target.exists():
        try:
            ours = _MARK in target.read_text(encoding="utf-8", errors="replace")[:4096]
        except OSError:
            ours = False
        if not ours:
            logger.warning("%s was not written by narrate: the show page is not updated", target)
            return None
    text = render_page(feed_path, root, folder, ratings)
    try:
        same = target.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:  # an unchanged page keeps its file (and its time: nothing to upload)
        write_text_atomic(target, text)
        logger.info("wrote the show page %s", target)
    return target
