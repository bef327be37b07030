"""Fetch a blog's feed by URL: one GET, a timeout, conditional, one clean error.

The only network access narrate makes, and only for a URL the user names. A cron job is
cheap: the validators of the last answer (``ETag``, ``Last-Modified``) and its body are
kept in narrate's user cache folder (never in the published folder), sent back as
``If-None-Match`` / ``If-Modified-Since``, and a ``304 Not Modified`` reuses the body.
A 4xx or 5xx, a timeout, a TLS failure or a refused connection is a :class:`SourceError`
of one line; nothing is cached then.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..atomic import write_bytes_atomic
from ..errors import SourceError
from ..files import FEED_MAX_BYTES

log = logging.getLogger(__name__)

USER_AGENT = f"narrate/{__version__} (narrate publish; podcast from a blog feed)"
DEFAULT_TIMEOUT = 30.0
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "*/*;q=0.1"
)


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    not_modified: bool  # the server answered 304: body is the cached one


def cache_dir() -> Path:
    """Where fetched feeds and their validators are kept (narrate's user cache)."""
    explicit = os.environ.get("NARRATE_FEED_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrate", appauthor=False)) / "feeds"


def _paths(url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    root = cache_dir()
    return root / f"{key}.xml", root / f"{key}.json"


def _cached(url: str) -> tuple[bytes | None, dict[str, str]]:
    body_path, meta_path = _paths(url)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = body_path.read_bytes()
    except (OSError, ValueError):
        return None, {}
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None, {}
    return body, {k: v for k, v in meta.items() if k in ("etag", "last_modified") and v}


def _store(url: str, body: bytes, etag: str | None, modified: str | None) -> None:
    body_path, meta_path = _paths(url)
    try:
        write_bytes_atomic(body_path, body)
        meta = {"url": url, "etag": etag, "last_modified": modified}
        write_bytes_atomic(meta_path, json.dumps(meta).encode("utf-8"))
    except Exception as exc:  # a cache that cannot be written only costs the next run
        log.warning("cannot keep the validators of %s: %s", url, exc)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def fetch_feed(url: str, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """GET ``url`` once (conditionally when it was fetched before) within ``timeout`` s."""
    cached, validators = _cached(url)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if cached is not None:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    request = urllib.request.Request(url, headers=headers, method="GET")
    # No proxy from the environment: nothing but the named URL is ever contacted.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > FEED_MAX_BYTES:
                    raise SourceError(
                        f"{url}: the feed is larger than {FEED_MAX_BYTES // (1024 * 1024)} MB"
                    )
                chunks.append(chunk)
            body = b"".join(chunks)
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and cached is not None:
            log.info("%s: not modified since the last run", url)
            return Fetched(url, cached, True)
        raise SourceError(f"{url}: HTTP {exc.code} {exc.reason}".rstrip()) from None
    except TimeoutError:
        raise SourceError(f"{url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise SourceError(f"{url}: no answer within {timeout:g} s") from None
        if isinstance(reason, ssl.SSLError):
            raise SourceError(f"{url}: TLS failure: {_reason(reason)}") from None
        raise SourceError(f"{url}: cannot connect: {_reason(reason)}") from None
    except ssl.SSLError as exc:
        raise SourceError(f"{url}: TLS failure: {_reason(exc)}") from None
    except OSError as exc:  # reset by peer, cut short...
        raise SourceError(f"{url}: the connection failed: {_reason(exc)}") from None
    if etag or modified:
        _store(url, body, etag, modified)
    return Fetched(url, body, False)
