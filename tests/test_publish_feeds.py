"""``narrate publish`` from a blog's feed, served by a real http.server on 127.0.0.1.

The feeds are shaped like the defaults of WordPress (RSS 2.0, content:encoded in CDATA,
dc:creator), Hugo (RSS 2.0, the whole post XML-escaped in <description>), Jekyll's
jekyll-feed (Atom, content type="html" escaped, xml:base) and Ghost (RSS 2.0, CDATA
everywhere, media:content), with entities and relative links. The server answers
conditional requests with 304 and also serves 404, 500, a slow answer and non-XML.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from narrate.publishing.fetch import USER_AGENT
from narrate.tags import read_tags

BASE = "https://example.org/pod/"
# Modelled on each generator's default feed template; "{base}" is the test server's URL.
DATA = Path(__file__).parent / "data" / "feeds"
SHOW = """title = "Feed Reviews"
description = "Reviews, read aloud."
link = "https://blog.example/"
language = "en"
author = "Ann Author"
owner_name = "Ann Author"
owner_email = "ann@example.org"
image = "cover.png"
category = "TV & Film"
"""

WORDPRESS = (DATA / "wordpress.xml").read_text(encoding="utf-8")

HUGO = (DATA / "hugo.xml").read_text(encoding="utf-8")

JEKYLL = (DATA / "jekyll.xml").read_text(encoding="utf-8")

GHOST = (DATA / "ghost.xml").read_text(encoding="utf-8")

FEEDS = {"/wp.xml": WORDPRESS, "/hugo.xml": HUGO, "/jekyll.xml": JEKYLL, "/ghost.xml": GHOST}
ETAG = '"v1"'


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """Serves the feeds with an ETag (304 on a match), and the failures."""

    seen: list[tuple[str, dict[str, str]]] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        FeedHandler.seen.append((self.path, dict(self.headers)))
        base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        if self.path in FEEDS:
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            body = FEEDS[self.path].replace("{base}", base).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", ETAG)
            self.send_header("Last-Modified", "Mon, 03 Jun 2024 09:12:44 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/500":
            self.send_error(500, "Internal Server Error")
        elif self.path == "/slow":
            time.sleep(4)
            self.send_error(500)
        elif self.path == "/page":
            body = b"<!DOCTYPE html><html><body><p>Not a feed { at all</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404, "Not Found")


@contextlib.contextmanager
def serve() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def show(tmp_path: Path) -> Path:
    Image.new("RGB", (1400, 1400), (90, 20, 20)).save(tmp_path / "cover.png")
    (tmp_path / "show.toml").write_text(SHOW, encoding="utf-8")
    return tmp_path / "show.toml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "NARRATE_LOCK_DIR": str(tmp_path / "locks"),
            "NARRATE_FEED_CACHE": str(tmp_path / "feeds")}  # fmt: skip


def publish(show: Path, env: dict, out: Path, *sources: str,
            extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:  # fmt: skip
    cmd = [sys.executable, "-m", "narrate", "publish", *sources, "--out", str(out),
           "--base-url", BASE, "--config", str(show), "--engine", "tone", "--cache-dir",
           str(show.parent / "cache"), "--jobs", "2", *extra]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_publish_from_four_blog_feeds_over_http(show: Path, env: dict, tmp_path: Path) -> None:
    out = tmp_path / "public"
    FeedHandler.seen.clear()
    with serve() as server:
        urls = [server + name.lstrip("/") for name in FEEDS]
        first = ok(publish(show, env, out, *urls))
        assert first.stderr.splitlines()[-1] == "5 posts: 5 narrated, 0 up to date, 0 failed"
        # One GET per feed, naming narrate, nothing else asked of the network.
        assert sorted(p for p, _ in FeedHandler.seen) == sorted(FEEDS)
        assert {h["User-Agent"] for _, h in FeedHandler.seen} == {USER_AGENT}
        assert all("If-None-Match" not in h for _, h in FeedHandler.seen)

        feed = out / "feed.xml"
        channel = etree.parse(str(feed)).getroot().find("channel")
        got = [(i.findtext("title"), i.findtext("link"), i.findtext("pubDate"))
               for i in channel.findall("item")]  # fmt: skip
        assert got == [  # newest first, each dated and linked by its post
            ("Tom & Jerry – The Movie", "https://reel.example/2024/06/tom-jerry/",
             "Mon, 03 Jun 2024 09:12:44 GMT"),
            ("Dune: Part Two & the desert", "https://frame.example/posts/dune-two/",
             "Sun, 02 Jun 2024 08:00:00 GMT"),
            ("Hamlet, in the round", "https://stalls.example/hamlet-round/",
             "Sat, 01 Jun 2024 19:30:00 GMT"),
            ("Past Lives: a review", "https://notes.example/2024/05/20/past-lives.html",
             "Mon, 20 May 2024 06:30:00 GMT"),
            ("Quiet Days", "https://reel.example/2024/05/quiet-days/",
             "Fri, 10 May 2024 18:00:00 GMT"),
        ]  # fmt: skip
        tags = {t.title: t for t in map(read_tags, sorted(out.glob("*.mp3")))}
        assert {t: tags[t].artist for t in tags} == {
            "Tom & Jerry – The Movie": "Bea Critic", "Quiet Days": "Bea Critic",
            "Dune: Part Two & the desert": None, "Past Lives: a review": "Cal Writer",
            "Hamlet, in the round": "Dee Stage"}  # fmt: skip
        assert {t: tags[t].source for t in tags}["Past Lives: a review"] == (
            "https://notes.example/2024/05/20/past-lives.html")  # fmt: skip
        # Entities decoded, CDATA read, links and images never spoken.
        words = {t: tags[t].lyrics or "" for t in tags}
        assert "The chase still works & the jokes land." in words["Tom & Jerry – The Movie"]
        assert "The score & the sound carry it." in words["Dune: Part Two & the desert"]
        assert "The ending — no spoilers — stays with you." in words["Past Lives: a review"]
        assert "Go if you can." in words["Hamlet, in the round"]
        for text in words.values():
            assert "href" not in text and "/posts/" not in text and ".jpg" not in text
        # The show's cover for posts without their own; feed check is clean.
        assert {i.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}image").get("href")
                for i in channel.findall("item")} == {BASE + "cover.png"}  # fmt: skip
        check = subprocess.run([sys.executable, "-m", "narrate", "feed", "check", str(feed),
                                "--folder", str(out)], capture_output=True, text=True, env=env)
        assert (check.returncode, check.stdout) == (0, "")
        with open(feed, "rb") as fh:
            pp = podcastparser.parse(BASE + "feed.xml", fh)
        assert [e["link"] for e in pp["episodes"]] == [g[1] for g in got]
        fp = feedparser.parse(feed.read_bytes())
        assert not fp.bozo and [e.link for e in fp.entries] == [g[1] for g in got]

        # A cron rerun: conditional GETs answered 304, nothing narrated or rewritten.
        before = snapshot(out)
        FeedHandler.seen.clear()
        again = ok(publish(show, env, out, *urls))
        assert again.stderr.splitlines()[-1] == "5 posts: 0 narrated, 5 up to date, 0 failed"
        assert [h.get("If-None-Match") for _, h in FeedHandler.seen] == [ETAG] * 4
        assert {h.get("If-Modified-Since") for _, h in FeedHandler.seen} == {
            "Mon, 03 Jun 2024 09:12:44 GMT"}  # fmt: skip
        assert snapshot(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing.xml", "{url}: HTTP 404 Not Found"),
        ("500", "{url}: HTTP 500 Internal Server Error"),
        ("slow", "{url}: no answer within 1 s"),
        ("page", "{url}: is not an RSS or Atom feed"),
    ],
)
def test_a_feed_that_fails_leaves_the_folder_as_it_was(
    show: Path, env: dict, tmp_path: Path, path: str, message: str
) -> None:
    out = tmp_path / "public"
    with serve() as server:
        ok(publish(show, env, out, server + "hugo.xml"))
        before = snapshot(out)
        url = server + path
        # The good feed is read first, then the bad one stops the run: nothing written.
        proc = publish(show, env, out, server + "hugo.xml", url, extra=("--fetch-timeout", "1"))
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and proc.stdout == ""
    expected = "Error: " + message.format(url=url)
    assert lines[-1] == expected or lines[-1].startswith(expected + " (")
    assert [line for line in lines if line.startswith("Error:")] == [lines[-1]]
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == before


def test_a_refused_connection_and_a_feed_file(show: Path, env: dict, tmp_path: Path) -> None:
    out = tmp_path / "public"
    with serve() as server:
        dead = server  # closed below: nothing listens on that port any more
    proc = publish(show, env, out, dead + "wp.xml", extra=("--fetch-timeout", "2"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].startswith(f"Error: {dead}wp.xml: cannot connect: ")
    assert not out.exists()
    # The same WordPress feed as a file: one post per item, links kept.
    saved = tmp_path / "saved.xml"
    saved.write_text(WORDPRESS.replace("{base}", "https://reel.example/"), encoding="utf-8")
    ok(publish(show, env, out, str(saved)))
    links = [i.findtext("link") for i in
             etree.parse(str(out / "feed.xml")).getroot().iter("item")]  # fmt: skip
    assert links == ["https://reel.example/2024/06/tom-jerry/",
                     "https://reel.example/2024/05/quiet-days/"]  # fmt: skip
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item>", encoding="utf-8")
    proc = publish(show, env, out, str(bad))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].startswith(f"Error: {bad.as_uri()}: is not a well-formed "
                                                   "feed (")  # fmt: skip


def test_since_and_limit_bound_a_back_catalogue(show: Path, env: dict, tmp_path: Path) -> None:
    files = []
    for name, text in zip(("wp", "hugo", "jekyll", "ghost"), FEEDS.values(), strict=True):
        files.append(tmp_path / f"{name}.xml")
        files[-1].write_text(text.replace("{base}", "https://blog.example/"), encoding="utf-8")
    out = tmp_path / "public"
    proc = ok(publish(show, env, out, *map(str, files), extra=("--since", "2024-06-01")))
    assert proc.stderr.splitlines()[-1] == (
        "3 posts: 3 narrated, 0 up to date, 0 failed; skipped: 2 before --since"
    )
    titles = [i.findtext("title") for i in etree.parse(str(out / "feed.xml")).iter("item")]
    assert titles == ["Tom & Jerry – The Movie", "Dune: Part Two & the desert",
                      "Hamlet, in the round"]  # fmt: skip
    proc = ok(publish(show, env, out, *map(str, files), extra=("--limit", "1")))
    assert proc.stderr.splitlines()[-1] == (
        "1 post: 0 narrated, 1 up to date, 0 failed; skipped: 4 past --limit"
    )
    # --limit narrates no older post, and takes no episode away.
    titles = [i.findtext("title") for i in etree.parse(str(out / "feed.xml")).iter("item")]
    assert len(titles) == 3


def test_a_tls_failure_is_one_error_line(show: Path, env: dict, tmp_path: Path) -> None:
    """An https server whose certificate no one vouches for (self-signed, made here)."""
    import shutil
    import ssl

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    out = tmp_path / "public"
    url = f"https://127.0.0.1:{server.server_address[1]}/wp.xml"
    try:
        proc = publish(show, env, out, url, extra=("--fetch-timeout", "5"))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert proc.returncode == 1 and proc.stdout == ""
    last = proc.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {url}: TLS failure: [SSL: CERTIFICATE_VERIFY_FAILED] "), last
    assert "Traceback" not in proc.stderr
    assert not out.exists()
