"""2026's feed standards, written by default and read back by real parsers.

AI disclosure (``podcast:txt purpose="ai-content"``), chapters as ``(00:00) Title`` lines
in the description, ``podcast:person``/``podcast:image``/``podcast:medium``, transcript
languages, and a GUID on every item (an error in ``feed check`` when missing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from narrate.feed import ChannelConfig, add_episode, build_feed, check_feed
from narrate.feed.rss import PODCAST_NS
from narrate.feed.timestamps import MAX_TITLE_CHARS, chapter_lines, short_title, timestamps_problem
from narrate.tags import Chapter, TagData, write_tags

BASE = "https://example.com/pod/"
P = f"{{{PODCAST_NS}}}"
# 120 s: a short intro (folded into the first long chapter, which then starts at 00:00),
# a short chapter (folded into the one before it) and a long title (cut under 40).
CHAPTERS = (
    Chapter("chp0", "Introduction", 0.0, 4.0),
    Chapter("chp1", "The story", 4.0, 40.0),
    Chapter("chp2", "Aside", 40.0, 52.0),
    Chapter("chp3", "The acting", 52.0, 85.0),
    Chapter("chp4", "Why it works, and why it will last for years", 85.0, 120.0),
)
LINES = ["(00:00) The story", "(00:52) The acting", "(01:25) Why it works, and why it will last…"]


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "long.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
         "sine=frequency=220:duration=120", "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)],
        check=True,
    )  # fmt: skip
    return path


def config(**overrides) -> ChannelConfig:
    values = dict(
        title="Narrated Reviews", description="Reviews, read aloud.",
        link="https://example.com/", language="en-gb", author="Ann Author",
        owner_name="Ann Author", owner_email="ann@example.com", image="cover.jpg",
        category="TV & Film",
    )  # fmt: skip
    values.update(overrides)
    return ChannelConfig(**values)


@pytest.fixture
def show(tmp_path: Path, long_mp3: Path) -> Path:
    folder = tmp_path / "show"
    folder.mkdir()
    Image.new("RGB", (1400, 1400), (1, 2, 3)).save(folder / "cover.jpg", "JPEG")
    cover = tmp_path / "ep.png"
    Image.new("RGB", (600, 600), (9, 9, 9)).save(cover, "PNG")
    mp3 = folder / "film.mp3"
    shutil.copyfile(long_mp3, mp3)
    write_tags(mp3, TagData(title="Film & Co", artist="Bea Critic", date="2024-05-01",
                            description="A review.", chapters=CHAPTERS, cover=cover,
                            language="fra"))  # fmt: skip
    (folder / "film.vtt").write_text("WEBVTT\n", encoding="utf-8")
    plain = folder / "plain.mp3"
    shutil.copyfile(long_mp3, plain)
    write_tags(plain, TagData(title="Plain", date="2024-04-01", chapters=CHAPTERS[:2]))
    (folder / "plain.srt").write_text("1\n", encoding="utf-8")
    return folder


def _items(feed: Path) -> dict[str, etree._Element]:
    root = etree.parse(str(feed)).getroot()
    return {i.findtext("title"): i for i in root.find("channel").findall("item")}


def test_the_built_feed_carries_the_2026_tags(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    channel = etree.parse(str(feed)).getroot().find("channel")
    txt = channel.find(P + "txt")
    assert (txt.get("purpose"), txt.text) == ("ai-content", "true")
    assert channel.findtext(P + "medium") == "podcast"
    image = channel.find(P + "image")
    assert image.attrib == {"href": BASE + "cover.jpg", "alt": "Cover of Narrated Reviews"}
    person = channel.find(P + "person")
    assert (person.text, person.get("role"), person.get("group")) == ("Ann Author", "author",
                                                                       "writing")  # fmt: skip
    film, plain = _items(feed)["Film & Co"], _items(feed)["Plain"]
    for item in (film, plain):
        txt = item.find(P + "txt")
        assert (txt.get("purpose"), txt.text) == ("ai-content", "true")
    assert film.findtext("description") == "A review.\n\n" + "\n".join(LINES)
    assert plain.findtext("description") is None  # two chapters: no timestamps
    assert [(p.text, p.get("role")) for p in film.findall(P + "person")] == [
        ("Bea Critic", "author")]  # fmt: skip
    assert plain.findall(P + "person") == []
    assert film.find(P + "image").attrib == {"href": BASE + "film.png", "alt": "Cover of Film & Co"}
    # The transcript's language: the MP3's own (TLAN fra), or the show's when that is
    # the same language said more precisely (TLAN eng, show en-gb).
    assert film.find(P + "transcript").get("language") == "fr"
    assert plain.find(P + "transcript").get("language") == "en-gb"
    assert check_feed(feed, folder=show) == []


def test_podcastparser_and_feedparser_read_the_new_tags(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    with open(feed, "rb") as fh:
        pp = podcastparser.parse(BASE + "feed.xml", fh)
    film = {e["title"]: e for e in pp["episodes"]}["Film & Co"]
    assert film["persons"] == [{"name": "Bea Critic", "role": "author", "group": "writing",
                                "href": None, "img": None}]  # fmt: skip
    assert film["description"].splitlines()[-3:] == LINES  # the lines survive, one per line
    assert film["transcript_url"] == BASE + "film.vtt"
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo
    entry = {e.title: e for e in parsed.entries}["Film & Co"]
    assert entry.summary.splitlines()[-3:] == LINES
    assert entry.podcast_transcript["language"] == "fr"


def test_feed_add_writes_the_same_tags_and_discloses_an_older_feed(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    # An older feed, from before the disclosure: no podcast:txt anywhere.
    raw = re.sub(rb"\s*<podcast:txt[^>]*>true</podcast:txt>", b"", feed.read_bytes())
    feed.write_bytes(raw)
    assert b"podcast:txt" not in raw
    assert [f.message for f in check_feed(feed)][:1] == [
        'channel has no <podcast:txt purpose="ai-content">true</podcast:txt>: synthetic '
        "voices must be disclosed"
    ]
    add_episode(feed, show / "film.mp3")
    channel = etree.parse(str(feed)).getroot().find("channel")
    assert [t.text for t in channel.findall(P + "txt")] == ["true"]
    film = _items(feed)["Film & Co"]
    assert film.findtext("description") == "A review.\n\n" + "\n".join(LINES)
    assert film.find(P + "txt").text == "true"
    assert film.find(P + "transcript").get("language") == "fr"
    messages = [f.message for f in check_feed(feed)]
    assert messages == ['item 2 "Plain" has no <podcast:txt purpose="ai-content">']


def test_an_item_without_a_guid_is_an_error(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    raw = re.sub(rb"<guid[^>]*>[^<]*</guid>", b"", feed.read_bytes(), count=1)
    feed.write_bytes(raw)
    errors = [f for f in check_feed(feed) if f.level == "error"]
    assert [str(f) for f in errors] == [
        'error: item 1 "Film & Co" has no <guid> (Apple Podcasts requires one)'
    ]


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("(00:00) A\n(00:40) B", "are fewer than 3"),
        ("(00:05) A\n(00:40) B\n(01:20) C", "do not start at 00:00"),
        ("(00:00) A\n(00:40) B\n(01:20) " + "x" * 40, "have a title of 40 characters or more"),
        ("(00:00) A\n(00:40) B\n(01:20) C", None),
        ("No timestamps here.", None),
    ],
)
def test_feed_check_judges_description_timestamps(description: str, problem: str | None) -> None:
    assert timestamps_problem(description) == problem


def test_chapter_lines_examples() -> None:
    spans = [(c.start, c.end, c.title) for c in CHAPTERS]
    assert chapter_lines(spans, 120.0) == LINES
    assert chapter_lines(spans[:3], 52.0) == []  # two long chapters are not enough
    hour = [(0.0, 1800.0, "One"), (1800.0, 3600.0, "Two"), (3600.0, 3700.0, "Three")]
    assert chapter_lines(hour, 3700.0) == ["(00:00) One", "(30:00) Two", "(1:00:00) Three"]
    assert short_title("x" * 60) == "x" * 38 + "…"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.5, 400.0), st.text(min_size=0, max_size=80)),
        min_size=0, max_size=12,
    )  # fmt: skip
)
def test_chapter_lines_always_meet_the_rules(parts: list[tuple[float, str]]) -> None:
    spans, start = [], 0.0
    for length, title in parts:
        spans.append((start, start + length, title))
        start += length
    lines = chapter_lines(spans, start)
    if not lines:
        return
    assert len(lines) >= 3
    assert lines[0].startswith("(00:00) ")
    assert timestamps_problem("\n".join(lines)) is None
    seconds = []
    for line in lines:
        stamp, title = line[1:].split(") ", 1)
        assert 0 < len(title) <= MAX_TITLE_CHARS and "\n" not in title
        fields = [int(x) for x in stamp.split(":")]
        seconds.append(sum(v * 60**i for i, v in enumerate(reversed(fields))))
    gaps = [b - a for a, b in zip(seconds, [*seconds[1:], int(start)], strict=True)]
    assert all(g >= 29 for g in gaps), (lines, start)  # whole seconds, rounded down
