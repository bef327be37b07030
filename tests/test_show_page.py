"""The show page (index.html beside feed.xml) in a real headless Chromium.

Served from 127.0.0.1 on a random port by a small HTTP server that answers Range
requests (Python's http.server does not, and a browser needs them to seek). Chromium and
chromedriver come from Debian's packages (scripts/bootstrap.sh --dev installs them).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree, html
from PIL import Image

from narrate.cli import cli
from narrate.feed.page import PAGE_NAME, _vtt_text, clock

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> & "Quotes"'
REVIEW = (
    "Five Parts\n\nThe first part opens the review. It sets the scene.\n\n"
    "The second part goes on.\n\nThe third part is a little longer than the others are.\n\n"
    "The fourth part is where the chapter test seeks to.\n\nThe fifth part ends it.\n"
)


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler plus single-range ``Range: bytes=a-b`` requests (206)."""

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def send_head(self):  # type: ignore[override]
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(0, size - int(last or 0)), size - 1
        if start >= size or start > end:
            self.send_error(416)
            return None
        fh = open(path, "rb")  # noqa: SIM115 - copyfile() reads it, then the server closes it
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._left = end - start + 1
        return fh

    def copyfile(self, source, outputfile) -> None:
        left = getattr(self, "_left", None)
        if left is None:
            return super().copyfile(source, outputfile)
        while left > 0:
            chunk = source.read(min(64 * 1024, left))
            if not chunk:
                break
            outputfile.write(chunk)
            left -= len(chunk)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(RangeHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(*args: str | Path):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def ffprobe_duration(mp3: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return float(out)


def make_show(folder: Path, base: str, cache: Path) -> dict[str, Path]:
    """Two narrated episodes (tone engine, VTT + chapters), a cover, a config, a feed."""
    (folder / "other").mkdir(parents=True)
    review = folder.parent / "five.txt"
    review.write_text(REVIEW, encoding="utf-8")
    short = folder.parent / "short.txt"
    short.write_text("Short One\n\nJust one paragraph. Two sentences.\n", encoding="utf-8")
    five = folder / "five.mp3"
    run("read", review, "--engine", "tone", "-o", five, "--cache-dir", cache,
        "--transcript", "vtt", "--title", HOSTILE, "--date", "2024-03-01")  # fmt: skip
    one = folder.parent / "stage" / "short.mp3"  # published later, with feed add
    run("read", short, "--engine", "tone", "-o", one, "--cache-dir", cache,
        "--transcript", "vtt", "--date", "2024-02-01")  # fmt: skip
    Image.new("RGB", (1400, 1400), (30, 60, 120)).save(folder / "cover.png", "PNG")
    (folder / "podcast.toml").write_text(
        'title = "Narrated Reviews"\ndescription = "Reviews, read aloud."\n'
        'link = "https://example.org/"\nlanguage = "en"\nauthor = "Ann"\nowner_name = "Ann"\n'
        'owner_email = "ann@example.org"\nimage = "cover.png"\ncategory = "Arts"\n',
        encoding="utf-8",
    )
    feed = folder / "feed.xml"
    run("feed", "build", folder, "--base-url", base, "--config", folder / "podcast.toml")
    # A foreign item another tool wrote, for an MP3 on "another host" (a sub-folder here).
    foreign = folder / "other" / "theirs.mp3"
    shutil.copyfile(one, foreign)
    item = (
        f'<item><title>Their episode</title><enclosure url="{base}other/theirs.mp3" '
        f'length="{foreign.stat().st_size}" type="audio/mpeg"/><guid>urn:theirs:1</guid>'
        "<pubDate>Mon, 01 Jan 2024 08:00:00 +0000</pubDate></item>"
    )
    raw = feed.read_text(encoding="utf-8")
    feed.write_text(raw.replace("</channel>", item + "</channel>"), encoding="utf-8")
    for side in one.parent.iterdir():
        shutil.move(side, folder / side.name)
    one = folder / "short.mp3"
    run("feed", "add", one)  # regenerates the page from the feed: the foreign item too
    return {"five": five, "short": one, "theirs": foreign}


# --------------------------------------------------------------------------- static checks


def test_the_page_is_one_static_file_with_strictly_escaped_text(tmp_path: Path) -> None:
    folder = tmp_path / "pub"
    base = "http://127.0.0.1:9/"
    mp3s = make_show(folder, base, tmp_path / "cache")
    page = (folder / PAGE_NAME).read_text(encoding="utf-8")
    doc = html.fromstring(page)
    assert doc.xpath("//link[@rel='alternate']/@type") == ["application/rss+xml"]
    assert doc.xpath("//link[@rel='alternate']/@href") == ["feed.xml"]
    assert doc.xpath("//script/@src") == [] and len(doc.xpath("//script")) == 1
    assert doc.xpath("//link[@rel='stylesheet']") == []
    # Files beside the page are linked relatively (a copy opened from disk plays); the
    # icon and the captions are inline data: URLs; nothing points anywhere else.
    urls = doc.xpath("//@src | //@href")
    assert all(not u.startswith(("http:", "https:", "/")) for u in urls), urls
    assert doc.xpath("//link[@rel='icon']/@href")[0].startswith("data:image/svg+xml,")
    assert doc.xpath("//h1/text()") == ["Narrated Reviews"]
    assert doc.xpath("//header/img/@src") == ["cover.png"]
    # Newest first, the foreign item included; the hostile title is text, not markup.
    assert [h.text_content() for h in doc.xpath("//article/h2")] == [
        HOSTILE,
        "Short One",
        "Their episode",
    ]
    assert doc.xpath("//img[@src='x']") == [] and "<script>window" not in page
    assert doc.xpath("//audio/@preload") == ["metadata"] * 3
    assert doc.xpath("//audio/@src") == ["five.mp3", "short.mp3", "other/theirs.mp3"]
    tracks = doc.xpath("//audio/track/@src")
    assert [base64.b64decode(t.removeprefix("data:text/vtt;base64,")) for t in tracks] == [
        (folder / "five.vtt").read_bytes(), (folder / "short.vtt").read_bytes()]  # fmt: skip
    assert doc.xpath("//details//a/@href") == ["five.vtt", "short.vtt"]
    assert all(a.get("aria-label") for a in doc.xpath("//audio"))
    chapters = doc.xpath("//article[1]//ol[@class='chapters']/li/button")
    assert len(chapters) == 5
    assert all(b.get("type") == "button" and b.get("aria-label") for b in chapters)
    cues = _vtt_text((folder / "five.vtt").read_text(encoding="utf-8"))
    assert [p.text_content() for p in doc.xpath("//article[1]//details//p")][:-1] == list(cues)
    assert doc.xpath("//article[1]//details/summary/text()") == ["Transcript"]
    durations = doc.xpath("//article//span[starts-with(@aria-label, 'Duration')]/text()")
    assert durations[:2] == [clock(ffprobe_duration(mp3s["five"])),
                             clock(ffprobe_duration(mp3s["short"]))]  # fmt: skip
    assert doc.xpath("//article[1]//time/@datetime") == ["2024-03-01T12:00:00Z"]


def test_a_hand_written_index_html_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "pub"
    folder.mkdir()
    (folder / PAGE_NAME).write_text("<p>my own page</p>", encoding="utf-8")
    make_show(folder, "http://127.0.0.1:9/", tmp_path / "cache")
    assert (folder / PAGE_NAME).read_text(encoding="utf-8") == "<p>my own page</p>"


# --------------------------------------------------------------------------- the browser


@pytest.fixture
def browser(tmp_path: Path):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs chromium and chromedriver (scripts/bootstrap.sh --dev installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=900,1400",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, script: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(script)
    )


def test_the_show_page_in_headless_chromium(tmp_path: Path, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    folder = tmp_path / "pub"
    folder.mkdir()
    with serve(folder) as base:
        mp3s = make_show(folder, base, tmp_path / "cache")
        browser.get(base + PAGE_NAME)
        assert browser.title == "Narrated Reviews"
        # Every player loads its metadata and reports the MP3's duration.
        _wait(browser, "return [...document.querySelectorAll('audio')]"
                       ".every(a => a.readyState >= 1 && isFinite(a.duration))")  # fmt: skip
        durations = browser.execute_script(
            "return [...document.querySelectorAll('audio')].map(a => a.duration)"
        )
        expected = [ffprobe_duration(mp3s[k]) for k in ("five", "short", "theirs")]
        assert len(durations) == 3
        for got, want in zip(durations, expected, strict=True):
            assert abs(got - want) <= 0.1, (durations, expected)

        # The hostile title is text: nothing of it ran or became an element.
        h2 = browser.find_element(By.CSS_SELECTOR, "#episode-1-title")
        assert h2.text == HOSTILE
        assert browser.execute_script("return window.pwned === undefined")
        assert browser.find_elements(By.CSS_SELECTOR, "img[src='x']") == []

        # Clicking chapter 4 seeks the player to that chapter's start.
        buttons = browser.find_elements(By.CSS_SELECTOR, "#episode-1 ol.chapters button")
        starts = [float(b.get_attribute("data-start")) for b in buttons]
        assert len(starts) == 5 and starts[3] > 1
        arm = (
            "window.seekedAt = undefined; var p = document.getElementById('player-1');"
            "p.addEventListener('seeked', () => { window.seekedAt = p.currentTime },"
            " {once: true});"
        )
        browser.execute_script(arm)
        buttons[3].click()
        seeked = _wait(browser, "return window.seekedAt")
        assert abs(seeked - starts[3]) <= 0.05, (seeked, starts[3])

        # From the keyboard: Enter on a focused chapter button seeks as well.
        browser.execute_script("document.getElementById('player-1').pause()")
        browser.execute_script(arm)
        buttons[1].send_keys(Keys.ENTER)
        seeked = _wait(browser, "return window.seekedAt")
        assert abs(seeked - starts[1]) <= 0.05, (seeked, starts[1])

        # The transcript is folded until asked for.
        details = browser.find_element(By.CSS_SELECTOR, "#episode-1 details")
        assert details.get_attribute("open") is None
        details.find_element(By.TAG_NAME, "summary").click()
        assert details.get_attribute("open") is not None
        assert "The fourth part is where the chapter test seeks to." in details.text
        shot = os.environ.get("NARRATE_SHOW_PAGE_SCREENSHOT")
        if shot:  # used to make docs/show-page.png
            browser.execute_script("document.getElementById('player-1').pause()")
            browser.save_screenshot(shot)
    # The page is served as UTF-8 HTML and is well-formed enough for lxml's parser.
    assert etree.HTML((folder / PAGE_NAME).read_bytes()) is not None


def _console_errors(driver) -> list[str]:
    """Console messages of level SEVERE (errors: failed requests included) so far."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _plays_everything(driver) -> None:
    """Every player's audio, every caption track's cues and the cover load."""
    _wait(driver, "return [...document.querySelectorAll('audio')]"
                  ".every(a => a.readyState >= 1 && isFinite(a.duration))")  # fmt: skip
    driver.execute_script(
        "for (const a of document.querySelectorAll('audio'))"
        " for (const t of a.textTracks) t.mode = 'hidden';"
    )
    _wait(driver, "return [...document.querySelectorAll('audio')]"
                  ".filter(a => a.textTracks.length)"
                  ".every(a => (a.textTracks[0].cues || []).length > 0)")  # fmt: skip
    _wait(driver, "var i = document.querySelector('header img');"
                  " return i.complete && i.naturalWidth === 1400")  # fmt: skip


def test_the_page_has_no_console_error_and_plays_from_disk_too(tmp_path: Path, browser) -> None:
    from mutagen.id3 import ID3, TXXX

    folder = tmp_path / "pub"
    folder.mkdir()
    with serve(folder) as base:
        mp3s = make_show(folder, base, tmp_path / "cache")
        tags = ID3(mp3s["five"])
        tags.add(TXXX(encoding=3, desc="NARRATE_RATING", text=["4/5"]))
        tags.save(mp3s["five"], v2_version=3)
        run("feed", "add", mp3s["five"])  # the page again, with the rating
        browser.get(base + PAGE_NAME)
        _plays_everything(browser)
        assert _console_errors(browser) == []
        ratings = browser.execute_script(
            "return [...document.querySelectorAll('article')]"
            ".map(a => (a.querySelector('.rating') || {}).textContent || null)"
        )
        assert ratings == ["Rating: 4/5", None, None]
    # A copy of the folder, opened from disk: the same page plays its own files.
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    browser.get((copy / PAGE_NAME).as_uri())
    audio = browser.execute_script(
        "return [...document.querySelectorAll('audio')].map(a => a.currentSrc)"
    )
    assert audio[:2] == [(copy / "five.mp3").as_uri(), (copy / "short.mp3").as_uri()]
    _plays_everything(browser)
    assert _console_errors(browser) == []
