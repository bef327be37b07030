"""Podcast feed: built from real MP3s, read back with podcastparser and feedparser."""

from __future__ import annotations

import calendar
import datetime
import io
import logging
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from narrate import __version__
from narrate.errors import ConfigError, FeedError
from narrate.feed import (
    ChannelConfig,
    Finding,
    add_episode,
    build_feed,
    check_feed,
    default_podcast_guid,
    episode_guid,
    load_channel_config,
)
from narrate.tags import Chapter, TagData, ms, read_tags, write_tags
from narrate.transcripts import format_timestamp

BASE = "https://example.com/pod/"
FEED_URL = BASE + "feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The Podcasting 2.0 namespace as narrate writes it (the GitHub URI podcastparser knows)
# and its equivalent podcastindex.org URI (read, and kept by add_episode).
PODCAST = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCASTINDEX = "https://podcastindex.org/namespace/1.0"
PSC = "http://podlove.org/simple-chapters"
HOSTILE = 'Tom & Jerry <b>"x"</b> ]]> 🎬 مرحبا'
# ID3 chapters of "beta gamma.mp3" (5 s); 3.0005 s rounds half up to 3001 ms.
BETA_CHAPTERS = (
    Chapter("chp0", "Opening", 0.25, 1.5),
    Chapter("chp1", HOSTILE, 1.5, 3.0005),
    Chapter("chp2", "", 3.0005, 4.75),
)


# --------------------------------------------------------------------------- fixtures


def _sine(path: Path, seconds: int) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-b:a",
            "96k",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def audio(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Untagged MP3s of 3 and 5 seconds, encoded once per session and copied per test."""
    folder = tmp_path_factory.mktemp("audio")
    return {3: _sine(folder / "three.mp3", 3), 5: _sine(folder / "five.mp3", 5)}


def ffprobe_duration(mp3: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def episode(audio: dict[int, Path], folder: Path, name: str, seconds: int = 3, **tags) -> Path:
    mp3 = folder / name
    shutil.copyfile(audio[seconds], mp3)
    tags.setdefault("title", Path(name).stem)
    write_tags(mp3, TagData(**tags))
    return mp3


def artwork(path: Path, size: tuple[int, int] = (1400, 1400), fmt: str = "JPEG") -> Path:
    Image.new("RGB", size, (200, 40, 40)).save(path, fmt)
    return path


def config(**overrides) -> ChannelConfig:
    values = dict(
        title="Narrated Reviews",
        description="Reviews, read aloud.",
        link="https://example.com/",
        language="en",
        author="Ann Author",
        owner_name="Ann Author",
        owner_email="ann@example.com",
        image="cover.jpg",
        category="TV & Film",
        subcategory="Film Reviews",
    )
    values.update(overrides)
    return ChannelConfig(**values)


def pp(feed: Path) -> dict:
    with open(feed, "rb") as fh:
        return podcastparser.parse(FEED_URL, fh)


def fp(feed: Path):
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def by_title(episodes: list[dict]) -> dict[str, dict]:
    return {e["title"]: e for e in episodes}


def noon_utc(day: str) -> int:
    y, m, d = (int(x) for x in day.split("-"))
    return calendar.timegm((y, m, d, 12, 0, 0))


def guid_of(mp3: Path, base: str = BASE) -> str:
    """The GUID narrate publishes for ``mp3`` under the folder URL ``base``."""
    return episode_guid(mp3, read_tags(mp3), base + quote(mp3.name))


def c14n(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_tail=False)


def items(feed: Path) -> list[etree._Element]:
    return etree.parse(str(feed)).getroot().find("channel").findall("item")


@pytest.fixture
def show(tmp_path: Path, audio: dict[int, Path]) -> Path:
    """A folder with three tagged episodes, side files and channel artwork."""
    folder = tmp_path / "show"
    folder.mkdir()
    artwork(folder / "cover.jpg")
    cover = artwork(tmp_path / "ep-cover.png", (600, 600), "PNG")
    episode(
        audio,
        folder,
        "alpha.mp3",
        3,
        title="Alpha review",
        date="2024-05-01",
        description="About alpha.",
        track=1,
    )
    episode(
        audio,
        folder,
        "beta gamma.mp3",
        5,
        title="Beta & Gamma",
        date="2024-06-01",
        description="About beta.",
        cover=cover,
        track=2,
        chapters=BETA_CHAPTERS,
    )
    episode(audio, folder, "delta.mp3", 3, title="Delta", date="2024-06-01", lyrics="word " * 200)
    for suffix in (".srt", ".vtt", ".chapters.json"):
        (folder / f"beta gamma{suffix}").write_text("x", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- build


def test_build_feed_is_read_by_podcastparser(show: Path) -> None:
    feed = build_feed(show, "https://example.com/pod", config(locked=True))
    assert feed == show / "feed.xml"
    data = pp(feed)

    assert data["title"] == "Narrated Reviews"
    assert data["description"] == "Reviews, read aloud."
    assert data["link"] == "https://example.com/"
    assert data["language"] == "en"
    assert data["generator"] == f"narrate {__version__}"
    assert data["cover_url"] == BASE + "cover.jpg"
    assert data["itunes_author"] == "Ann Author"
    assert data["itunes_owner"] == {"name": "Ann Author", "email": "ann@example.com"}
    assert data["itunes_categories"] == [["TV & Film", "Film Reviews"]]
    assert data["explicit"] is False
    assert data["type"] == "episodic"
    # podcast:locked is seen because the podcast namespace is written under the GitHub URI.
    assert data["import_prohibited"] is True

    eps = by_title(data["episodes"])
    assert sorted(eps) == ["Alpha review", "Beta & Gamma", "Delta"]
    for name, title, day in [
        ("alpha.mp3", "Alpha review", "2024-05-01"),
        ("beta gamma.mp3", "Beta & Gamma", "2024-06-01"),
        ("delta.mp3", "Delta", "2024-06-01"),
    ]:
        mp3 = show / name
        ep = eps[title]
        assert ep["enclosures"] == [
            {
                "url": BASE + name.replace(" ", "%20"),
                "file_size": mp3.stat().st_size,
                "mime_type": "audio/mpeg",
            }
        ]
        assert abs(ep["total_time"] - ffprobe_duration(mp3)) <= 1
        assert ep["guid"] == guid_of(mp3)
        assert ep["published"] == noon_utc(day)
        assert ep["explicit"] is False
    assert eps["Alpha review"]["total_time"] == 3
    assert eps["Beta & Gamma"]["total_time"] == 5
    assert eps["Alpha review"]["number"] == 1
    assert eps["Beta & Gamma"]["number"] == 2
    assert "number" not in eps["Delta"]
    assert eps["Alpha review"]["description"] == "About alpha."
    delta_description = eps["Delta"]["description"]
    assert delta_description.startswith("word word ")
    assert delta_description.endswith("…")
    assert len(delta_description) <= 401
    assert eps["Beta & Gamma"]["episode_art_url"] == BASE + "beta%20gamma.png"
    assert "episode_art_url" not in eps["Alpha review"]
    # podcast:transcript and podcast:chapters (podcastparser keeps the last transcript).
    beta = eps["Beta & Gamma"]
    assert beta["transcript_url"] == BASE + "beta%20gamma.vtt"
    assert beta["chapters_json_url"] == BASE + "beta%20gamma.chapters.json"
    for title in ("Alpha review", "Delta"):
        assert "transcript_url" not in eps[title]
        assert "chapters_json_url" not in eps[title]
        assert "chapters" not in eps[title]  # no ID3 chapters: no psc:chapters
    # psc:chapters: the ID3 chapters' starts and titles (podcastparser drops the fraction
    # of a second: its parse_time returns whole seconds).
    id3 = read_tags(show / "beta gamma.mp3").chapters
    assert [(c.title, ms(c.start)) for c in id3] == [
        ("Opening", 250),
        (HOSTILE, 1500),
        ("", 3001),
    ]
    assert beta["chapters"] == [{"start": ms(c.start) // 1000, "title": c.title} for c in id3]


def test_build_feed_is_read_by_feedparser(show: Path) -> None:
    guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    feed = build_feed(show, BASE, config(locked=False, podcast_guid=guid, copyright="© 2024 Ann"))
    parsed = fp(feed)

    assert parsed.version == "rss20"
    assert parsed.feed.title == "Narrated Reviews"
    assert parsed.feed.rights == "© 2024 Ann"
    assert parsed.feed.image.href == BASE + "cover.jpg"
    assert parsed.feed.podcast_guid == guid
    assert parsed.feed.podcast_locked == {"owner": "ann@example.com"}
    assert [t.term for t in parsed.feed.tags] == ["TV & Film", "Film Reviews"]
    assert parsed.feed.author_detail.email == "ann@example.com"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == FEED_URL

    entries = {e.title: e for e in parsed.entries}
    beta = entries["Beta & Gamma"]
    mp3 = show / "beta gamma.mp3"
    assert [(e.href, int(e.length), e.type) for e in beta.enclosures] == [
        (BASE + "beta%20gamma.mp3", mp3.stat().st_size, "audio/mpeg")
    ]
    assert beta.id == guid_of(mp3)
    assert beta.guidislink is False
    assert beta.published == "Sat, 01 Jun 2024 12:00:00 GMT"
    assert calendar.timegm(beta.published_parsed) == noon_utc("2024-06-01")
    assert abs(int(beta.itunes_duration) - ffprobe_duration(mp3)) <= 1
    assert beta.itunes_episode == "2"
    assert beta.image.href == BASE + "beta%20gamma.png"
    assert beta.summary == "About beta."
    # feedparser keeps only the last podcast:transcript; both are in the XML (see below).
    assert beta.podcast_transcript == {
        "url": BASE + "beta%20gamma.vtt",
        "type": "text/vtt",
        "rel": "captions",
        "language": "en",
    }
    assert beta.podcast_chapters == {
        "url": BASE + "beta%20gamma.chapters.json",
        "type": "application/json+chapters",
    }
    # feedparser reads the Podlove chapters to the millisecond.
    assert beta.psc_chapters["version"] == "1.2"
    assert [(c.title, c.start_parsed) for c in beta.psc_chapters.chapters] == [
        (c.title, datetime.timedelta(milliseconds=ms(c.start))) for c in BETA_CHAPTERS
    ]
    assert "podcast_transcript" not in entries["Alpha review"]
    assert "podcast_chapters" not in entries["Alpha review"]


def test_build_feed_xml_layout(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    raw = feed.read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"CDATA" not in raw
    root = etree.fromstring(raw)
    assert root.get("version") == "2.0"
    assert root.nsmap == {
        "itunes": ITUNES,
        "podcast": PODCAST,
        "atom": "http://www.w3.org/2005/Atom",
        "content": "http://purl.org/rss/1.0/modules/content/",
        "psc": PSC,
    }
    channel = root.find("channel")
    # Newest first; same date: file name descending.
    assert [i.findtext("title") for i in channel.findall("item")] == [
        "Delta",
        "Beta & Gamma",
        "Alpha review",
    ]
    beta = channel.findall("item")[1]
    transcripts = beta.findall(f"{{{PODCAST}}}transcript")
    assert [(t.get("url"), t.get("type"), t.get("rel")) for t in transcripts] == [
        (BASE + "beta%20gamma.srt", "application/x-subrip", "captions"),
        (BASE + "beta%20gamma.vtt", "text/vtt", "captions"),
    ]
    # Podlove Simple Chapters, inline: exact ID3 times, formatted like the VTT cue times.
    psc = beta.find(f"{{{PSC}}}chapters")
    assert psc.get("version") == "1.2"
    id3 = read_tags(show / "beta gamma.mp3").chapters
    assert [(c.get("start"), c.get("title")) for c in psc] == [
        (format_timestamp(c.start, "."), c.title) for c in id3
    ]
    assert [c.get("start") for c in psc] == ["00:00:00.250", "00:00:01.500", "00:00:03.001"]
    assert [c.tag for c in beta][-2:] == [f"{{{PODCAST}}}chapters", f"{{{PSC}}}chapters"]
    for other in channel.findall("item")[::2]:
        assert other.find(f"{{{PSC}}}chapters") is None
    assert channel.find(f"{{{ITUNES}}}category").get("text") == "TV & Film"
    assert channel.find(f"{{{ITUNES}}}category/{{{ITUNES}}}category").get("text") == "Film Reviews"
    assert channel.findtext(f"{{{ITUNES}}}explicit") == "false"
    # Not configured: the Podcasting 2.0 default, uuid5 of the feed URL.
    assert channel.findtext(f"{{{PODCAST}}}guid") == default_podcast_guid(FEED_URL)
    assert fp(feed).feed.podcast_guid == default_podcast_guid(FEED_URL)
    assert channel.find("image/url").text == BASE + "cover.jpg"
    assert channel.find("image/title").text == "Narrated Reviews"
    assert channel.findtext("pubDate") == "Sat, 01 Jun 2024 12:00:00 GMT"
    # The embedded cover was extracted beside the MP3.
    assert (show / "beta gamma.png").read_bytes() == read_tags(show / "beta gamma.mp3").cover[0]
    assert not list(show.glob(".narrate-tmp-*"))


def test_build_feed_output_and_explicit_serial(show: Path, tmp_path: Path) -> None:
    out = tmp_path / "public" / "podcast.rss"
    result = build_feed(show, BASE, config(explicit=True, type="serial"), output=out)
    assert result == out
    assert not (show / "feed.xml").exists()
    parsed = fp(out)
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == BASE + "podcast.rss"
    # feedparser maps only "yes" -> True and "clean" -> False; Apple's "true"/"false" -> None.
    assert parsed.feed.itunes_explicit is None
    data = pp(out)
    assert data["type"] == "serial"
    assert data["explicit"] is True
    assert {e["explicit"] for e in data["episodes"]} == {True}


def test_rebuild_after_adding_a_file_keeps_guids(show: Path, audio: dict[int, Path]) -> None:
    feed = build_feed(show, BASE, config())
    before = {e["title"]: e["guid"] for e in pp(feed)["episodes"]}
    episode(audio, show, "epsilon.mp3", title="Epsilon", date="2024-07-01")
    build_feed(show, BASE, config())
    after = [(e["title"], e["guid"]) for e in pp(feed)["episodes"]]
    assert [t for t, _ in after].count("Epsilon") == 1
    assert {t: g for t, g in after if t != "Epsilon"} == before
    assert len({g for _, g in after}) == 4


def test_episode_guid_uses_the_tag_then_the_full_url(show: Path, audio: dict) -> None:
    alpha = show / "alpha.mp3"
    namespace = uuid.UUID("8c5a3f0e-6b1d-5e52-9a57-2f4c1e0d7b93")
    expected = str(uuid.uuid5(namespace, BASE + "alpha.mp3"))
    assert guid_of(alpha) == expected
    (show / "delta.mp3").rename(show / "renamed.mp3")
    assert guid_of(alpha) == expected
    # The same file name on another host is another episode, with another GUID.
    assert guid_of(alpha, "https://other.example.net/") != expected
    # narrate read's default tag (uuid5 of the file name) is not published as it is.
    write_tags(alpha, TagData(title="Alpha", guid=str(uuid.uuid5(namespace, "alpha.mp3"))))
    assert guid_of(alpha) == expected
    tagged = episode(audio, show, "tagged.mp3", guid="urn:narrate:fixed-1")
    assert guid_of(tagged) == "urn:narrate:fixed-1"
    feed = build_feed(show, BASE, config())
    assert by_title(pp(feed)["episodes"])["tagged"]["guid"] == "urn:narrate:fixed-1"


def test_episode_without_date_uses_file_time(tmp_path: Path, audio: dict) -> None:
    artwork(tmp_path / "cover.jpg")
    mp3 = episode(audio, tmp_path, "undated.mp3", title="Undated")
    os.utime(mp3, (1_700_000_000, 1_700_000_000))
    feed = build_feed(tmp_path, BASE, config())
    assert pp(feed)["episodes"][0]["published"] == 1_700_000_000


def test_hostile_text_round_trips(tmp_path: Path, audio: dict) -> None:
    artwork(tmp_path / "cover.jpg")
    episode(
        audio,
        tmp_path,
        "Tom & Jerry #1.mp3",
        title=HOSTILE,
        date="2024-01-02",
        description="Fish & chips < 3 ]]> 🎬",
    )
    episode(audio, tmp_path, "bell.mp3", title="Bell\x07Ring", date="2024-01-01")
    cfg = config(title=HOSTILE, description='Say "hi" & <bye> ]]>', author="Ann & Bob")
    feed = build_feed(tmp_path, BASE, cfg)
    assert b"CDATA" not in feed.read_bytes()

    data = pp(feed)
    assert data["title"] == HOSTILE
    assert data["itunes_author"] == "Ann & Bob"
    eps = data["episodes"]
    assert [e["title"] for e in eps] == [HOSTILE, "BellRing"]  # XML-illegal \x07 dropped
    assert eps[0]["description"] == "Fish & chips < 3 ]]> 🎬"
    assert eps[0]["enclosures"][0]["url"] == BASE + "Tom%20%26%20Jerry%20%231.mp3"

    parsed = fp(feed)
    assert parsed.feed.title == HOSTILE
    assert parsed.entries[0].title == HOSTILE
    assert parsed.entries[0].enclosures[0].href == BASE + "Tom%20%26%20Jerry%20%231.mp3"
    root = etree.parse(str(feed)).getroot()
    assert root.find("channel/description").text == 'Say "hi" & <bye> ]]>'


@pytest.mark.parametrize(
    "bad", ["", "example.com/pod", "/pod/", "ftp://example.com/pod/", "https://", "file:///x"]
)
def test_bad_base_url_is_refused(show: Path, bad: str) -> None:
    with pytest.raises(FeedError) as info:
        build_feed(show, bad, config())
    assert str(info.value) == f"base URL must be an absolute http(s) URL: {bad!r}"
    assert not (show / "feed.xml").exists()
    with pytest.raises(FeedError) as info:
        add_episode(build_feed(show, BASE, config()), show / "alpha.mp3", base_url=bad)
    assert str(info.value) == f"base URL must be an absolute http(s) URL: {bad!r}"


def test_build_feed_skips_unreadable_mp3(show: Path, caplog) -> None:
    (show / "broken.mp3").write_bytes(b"not audio at all" * 100)
    with caplog.at_level(logging.WARNING, logger="narrate.feed"):
        feed = build_feed(show, BASE, config())
    assert len(pp(feed)["episodes"]) == 3
    assert any("skipping broken.mp3" in r.getMessage() for r in caplog.records)


def test_channel_image_outside_folder_is_copied(show: Path, tmp_path: Path) -> None:
    art = artwork(tmp_path / "show-art.png", (1500, 1500), "PNG")
    feed = build_feed(show, BASE, config(image=str(art)))
    assert (show / "show-art.png").read_bytes() == art.read_bytes()
    assert pp(feed)["cover_url"] == BASE + "show-art.png"
    url = "https://cdn.example.org/art.jpg"
    assert pp(build_feed(show, BASE, config(image=url)))["cover_url"] == url
    with pytest.raises(FeedError) as info:
        build_feed(show, BASE, config(image="missing.jpg"))
    assert str(info.value) == f"channel image not found: {show / 'missing.jpg'}"


def test_default_podcast_guid_matches_the_spec_example() -> None:
    expected = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert default_podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == expected
    assert default_podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == expected


# --------------------------------------------------------------------------- add_episode

FOREIGN = """\
    <item xmlns:x="urn:example:x">
      <title>Foreign &amp; handmade</title>
      <x:rating stars="5">great<![CDATA[ <b>bold</b> ]]></x:rating>
      <!-- keep me -->
      <enclosure url="https://other.example.net/a.mp3" length="1234" type="audio/mpeg"></enclosure>
      <guid>https://other.example.net/a</guid>
      <pubDate>Mon, 01 Jan 2024 08:00:00 +0000</pubDate>
    </item>
"""


def _inject(feed: Path, text: str, before: str = "  </channel>") -> None:
    raw = feed.read_text(encoding="utf-8")
    feed.write_text(raw.replace(before, text + before, 1), encoding="utf-8")


def test_add_episode_keeps_foreign_items(show: Path, audio: dict) -> None:
    feed = build_feed(show, BASE, config())
    _inject(feed, FOREIGN)
    _inject(feed, '<y:note xmlns:y="urn:example:y">channel-level</y:note>\n    ', "<item>")
    old = {i.findtext("guid"): c14n(i) for i in items(feed)}
    assert len(old) == 4

    new_mp3 = episode(audio, show, "zeta.mp3", 5, title="Zeta", date="2024-08-01")
    assert add_episode(feed, new_mp3) == feed  # base URL from atom:link rel="self"

    after = items(feed)
    new_guid = guid_of(new_mp3)
    assert [i.findtext("guid") for i in after].count(new_guid) == 1
    assert after[0].findtext("guid") == new_guid  # newest first
    assert {i.findtext("guid"): c14n(i) for i in after if i.findtext("guid") != new_guid} == old
    root = etree.parse(str(feed)).getroot()
    assert root.find("channel/{urn:example:y}note").text == "channel-level"
    assert root.findtext("channel/pubDate") == "Thu, 01 Aug 2024 12:00:00 GMT"

    data = pp(feed)
    eps = by_title(data["episodes"])
    assert sorted(eps) == [
        "Alpha review",
        "Beta & Gamma",
        "Delta",
        "Foreign & handmade",
        "Zeta",
    ]
    assert eps["Zeta"]["enclosures"][0] == {
        "url": BASE + "zeta.mp3",
        "file_size": new_mp3.stat().st_size,
        "mime_type": "audio/mpeg",
    }
    assert eps["Zeta"]["total_time"] == 5
    assert eps["Zeta"]["guid"] == new_guid
    assert eps["Foreign & handmade"]["enclosures"][0]["file_size"] == 1234
    assert fp(feed).entries[0].title == "Zeta"
    raw = feed.read_text(encoding="utf-8")
    assert "<![CDATA[ <b>bold</b> ]]>" in raw  # CDATA and comments kept as written
    assert "<!-- keep me -->" in raw
    assert not list(show.glob(".narrate-tmp-*"))


def test_add_episode_twice_refreshes_one_item(show: Path, audio: dict) -> None:
    feed = build_feed(show, BASE, config())
    _inject(feed, FOREIGN)
    foreign_before = c14n(items(feed)[-1])
    mp3 = episode(audio, show, "zeta.mp3", title="Zeta", date="2024-08-01")
    add_episode(feed, mp3, BASE)
    write_tags(mp3, TagData(title="Zeta (fixed)", date="2023-01-01"))
    add_episode(feed, mp3, BASE)

    guid = guid_of(mp3)
    found = [i for i in items(feed) if i.findtext("guid") == guid]
    assert len(found) == 1
    assert found[0].findtext("title") == "Zeta (fixed)"
    # The refreshed item moved to where its new date (2023) belongs: after the foreign item.
    assert [i.findtext("title") for i in items(feed)] == [
        "Delta",
        "Beta & Gamma",
        "Alpha review",
        "Foreign & handmade",
        "Zeta (fixed)",
    ]
    assert c14n(items(feed)[-2]) == foreign_before
    assert etree.parse(str(feed)).getroot().findtext("channel/pubDate") == (
        "Sat, 01 Jun 2024 12:00:00 GMT"  # newest remaining item, no longer Zeta's old date
    )
    assert len(pp(feed)["episodes"]) == 5
    # The foreign item's enclosure is on another host: not looked for in the folder.
    assert check_feed(feed, folder=show) == [
        Finding("warning", 'item 4 "Foreign & handmade" has no <itunes:duration>'),
        Finding("warning", 'item 4 "Foreign & handmade" has no <podcast:txt purpose="ai-content">'),
    ]


def test_add_episode_matches_by_enclosure_url(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    same_url = FOREIGN.replace("https://other.example.net/a.mp3", BASE + "alpha.mp3")
    _inject(feed, same_url)  # a hand-made item for alpha.mp3 under another guid
    assert len(items(feed)) == 4
    add_episode(feed, show / "alpha.mp3")
    alpha_guid = guid_of(show / "alpha.mp3")
    assert [(i.findtext("title"), i.findtext("guid")) for i in items(feed)][-1] == (
        "Alpha review",
        alpha_guid,
    )
    assert [i.findtext("title") for i in items(feed)] == ["Delta", "Beta & Gamma", "Alpha review"]
    assert check_feed(feed, folder=show) == []

    # Only the hand-made item refers to the file: it is replaced, not duplicated.
    root = etree.parse(str(feed)).getroot()
    channel = root.find("channel")
    channel.remove(channel.findall("item")[-1])
    feed.write_bytes(etree.tostring(root))
    _inject(feed, same_url)
    add_episode(feed, show / "alpha.mp3")
    urls = [i.find("enclosure").get("url") for i in items(feed)]
    assert urls.count(BASE + "alpha.mp3") == 1
    assert items(feed)[-1].findtext("guid") == alpha_guid


HAND_MADE_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n'
    "  <channel>\n"
    "    <title>Hand made</title>\n"
    '    <atom:link href="https://example.com/pod/feed.xml" rel="self"/>\n'
    "  </channel>\n"
    "</rss>\n"
)


def hand_made_feed(folder: Path) -> Path:
    """A minimal feed narrate did not write: only the atom namespace is declared."""
    feed = folder / "feed.xml"
    feed.write_text(HAND_MADE_FEED, encoding="utf-8")
    return feed


def test_add_episode_to_foreign_feed_declares_namespaces(tmp_path: Path, audio: dict) -> None:
    feed = hand_made_feed(tmp_path)
    mp3 = episode(audio, tmp_path, "one.mp3", title="One", date="2024-01-01")
    (tmp_path / "one.vtt").write_text("WEBVTT\n", encoding="utf-8")
    add_episode(feed, mp3)
    root = etree.parse(str(feed)).getroot()
    assert root.nsmap["itunes"] == ITUNES
    assert root.nsmap["podcast"] == PODCAST
    assert b"ns0" not in feed.read_bytes()
    item = root.find("channel/item")
    assert item.findtext(f"{{{ITUNES}}}duration") == "3"
    assert item.find(f"{{{PODCAST}}}transcript").get("url") == BASE + "one.vtt"
    assert [e["title"] for e in pp(feed)["episodes"]] == ["One"]


def test_add_episode_keeps_the_podcastindex_namespace_uri(show: Path) -> None:
    """A feed declaring the podcastindex.org URI keeps it: no second podcast prefix."""
    feed = build_feed(show, BASE, config())
    raw = feed.read_text(encoding="utf-8")
    other = raw.replace(f'xmlns:podcast="{PODCAST}"', f'xmlns:podcast="{PODCASTINDEX}"')
    # Keep only the channel, then add one episode to it.
    head, _, _ = other.partition("<item>")
    feed.write_text(head.rstrip() + "\n  </channel>\n</rss>\n", encoding="utf-8")
    add_episode(feed, show / "beta gamma.mp3")
    root = etree.parse(str(feed)).getroot()
    assert root.nsmap["podcast"] == PODCASTINDEX
    assert PODCAST not in root.nsmap.values()
    item = root.find("channel/item")
    assert item.find(f"{{{PODCASTINDEX}}}chapters").get("url") == (
        BASE + "beta%20gamma.chapters.json"
    )
    entry = fp(feed).entries[0]  # feedparser reads either URI
    assert entry.podcast_chapters["url"] == BASE + "beta%20gamma.chapters.json"
    ep = pp(feed)["episodes"][0]
    assert ep["title"] == "Beta & Gamma"
    # podcastparser 0.6.11 does not know this URI (why narrate writes the GitHub one) ...
    assert "transcript_url" not in ep
    assert "chapters_json_url" not in ep
    # ... but the inline Podlove chapters still reach it.
    assert [c["title"] for c in ep["chapters"]] == [c.title for c in BETA_CHAPTERS]


def test_add_episode_with_chapters_declares_psc(tmp_path: Path, audio: dict) -> None:
    feed = hand_made_feed(tmp_path)
    mp3 = episode(audio, tmp_path, "two.mp3", 5, date="2024-01-01", chapters=BETA_CHAPTERS)
    (tmp_path / "two.chapters.json").write_text("{}", encoding="utf-8")
    add_episode(feed, mp3)
    raw = feed.read_bytes()
    assert b"ns0" not in raw
    root = etree.fromstring(raw)
    assert root.nsmap["psc"] == PSC
    assert root.nsmap["podcast"] == PODCAST
    ep = pp(feed)["episodes"][0]
    assert ep["chapters_json_url"] == BASE + "two.chapters.json"
    assert ep["chapters"] == [
        {"start": ms(c.start) // 1000, "title": c.title} for c in read_tags(mp3).chapters
    ]
    # Refreshing it after the chapters changed replaces them.
    write_tags(mp3, TagData(title="two", date="2024-01-01", chapters=BETA_CHAPTERS[:1]))
    add_episode(feed, mp3)
    assert pp(feed)["episodes"][0]["chapters"] == [{"start": 0, "title": "Opening"}]
    assert len(etree.parse(str(feed)).getroot().findall(f".//{{{PSC}}}chapters")) == 1


def test_add_episode_errors(show: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    with pytest.raises(FeedError) as info:
        add_episode(missing, show / "alpha.mp3")
    assert str(info.value) == f"feed not found: {missing} (build it first)"
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel>", encoding="utf-8")
    with pytest.raises(FeedError) as info:
        add_episode(broken, show / "alpha.mp3")
    assert str(info.value).startswith(f"{broken} is not well-formed XML: ")
    no_self = tmp_path / "noself.xml"
    no_self.write_text("<rss version='2.0'><channel><title>x</title></channel></rss>")
    with pytest.raises(FeedError) as info:
        add_episode(no_self, show / "alpha.mp3")
    assert str(info.value) == (
        f'cannot tell the base URL of {no_self}: it has no atom:link rel="self"'
    )
    assert no_self.read_text() == "<rss version='2.0'><channel><title>x</title></channel></rss>"


# --------------------------------------------------------------------------- check_feed


def test_check_feed_good_feed_has_no_findings(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    assert check_feed(feed, folder=show) == []
    assert check_feed(feed) == []


def _edit(feed: Path, old: str, new: str) -> None:
    raw = feed.read_text(encoding="utf-8")
    assert old in raw
    feed.write_text(raw.replace(old, new, 1), encoding="utf-8")


def test_check_feed_duplicate_guid_and_url(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    first, second, third = items(feed)
    g1, g2 = first.findtext("guid"), second.findtext("guid")
    _edit(feed, g2, g1)
    _edit(feed, "beta%20gamma.mp3", "delta.mp3")
    assert check_feed(feed) == [
        Finding("error", f"item 2 \"Beta & Gamma\" repeats the guid '{g1}' of item 1"),
        Finding(
            "error",
            f"item 2 \"Beta & Gamma\" repeats the enclosure URL '{BASE}delta.mp3' of item 1",
        ),
    ]


def test_check_feed_missing_channel_elements(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    root = etree.parse(str(feed)).getroot()
    channel = root.find("channel")
    for tag in ("image", "category", "explicit", "author", "owner"):
        channel.remove(channel.find(f"{{{ITUNES}}}{tag}"))
    feed.write_bytes(etree.tostring(root))
    assert check_feed(feed) == [
        Finding("error", "channel has no <itunes:image> (artwork)"),
        Finding("error", "channel has no <itunes:category>"),
        Finding("error", "channel has no <itunes:explicit>"),
        Finding("warning", "channel has no <itunes:author>"),
        Finding("warning", "channel has no <itunes:owner> email"),
    ]


@pytest.mark.parametrize(
    ("size", "messages"),
    [
        ((1400, 1500), ["channel artwork cover.jpg is 1400x1500 px; it must be square"]),
        (
            (600, 600),
            [
                "channel artwork cover.jpg is 600x600 px; it must be between "
                "1400x1400 and 3000x3000 px"
            ],
        ),
        (
            (3001, 1000),
            [
                "channel artwork cover.jpg is 3001x1000 px; it must be square",
                "channel artwork cover.jpg is 3001x1000 px; it must be between "
                "1400x1400 and 3000x3000 px",
            ],
        ),
        ((3000, 3000), []),
    ],
)
def test_check_feed_artwork(show: Path, size: tuple[int, int], messages: list[str]) -> None:
    feed = build_feed(show, BASE, config())
    artwork(show / "cover.jpg", size)
    assert check_feed(feed) == [Finding("error", m) for m in messages]


def test_check_feed_artwork_format(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    Image.new("RGB", (1400, 1400)).save(show / "cover.jpg", "GIF")
    assert check_feed(feed) == [
        Finding("error", "channel artwork cover.jpg is GIF; it must be JPEG or PNG")
    ]


SQUARE = "channel artwork cover.jpg is {}x{} px; it must be square"
FORMAT = "channel artwork cover.jpg is {}; it must be JPEG or PNG"
SIZE = "channel artwork cover.jpg is {}x{} px; it must be between 1400x1400 and 3000x3000 px"


@pytest.mark.parametrize(
    ("fmt", "size", "mode", "options", "errors"),
    [
        ("PNG", (1400, 1400), "RGB", {}, []),
        ("PNG", (1400, 1500), "RGBA", {}, [SQUARE.format(1400, 1500)]),
        ("PNG", (1500, 1500), "P", {}, []),
        ("PNG", (3000, 3000), "L", {}, []),
        ("JPEG", (1400, 1400), "RGB", {}, []),
        ("JPEG", (600, 600), "L", {"progressive": True}, [SIZE.format(600, 600)]),
        (
            "JPEG",
            (3001, 1000),
            "CMYK",
            {"exif": b"Exif\x00\x00" + b"\x00" * 5000},
            [SQUARE.format(3001, 1000), SIZE.format(3001, 1000)],
        ),
        ("GIF", (1400, 1400), "RGB", {}, [FORMAT.format("GIF")]),
        ("WEBP", (600, 600), "RGB", {}, [FORMAT.format("WEBP")]),
    ],
)
def test_check_feed_artwork_is_read_from_its_header(
    show: Path, fmt: str, size: tuple, mode: str, options: dict, errors: list[str]
) -> None:
    """Pillow is not a runtime dependency: image headers are read by hand, and agree with it."""
    feed = build_feed(show, BASE, config())
    Image.new(mode, size).save(show / "cover.jpg", fmt, **options)
    with Image.open(show / "cover.jpg") as img:  # the independent reader
        assert (img.format, img.size) == (fmt, size)
    found = check_feed(feed)
    assert [f.message for f in found if f.level == "error"] == errors
    warnings = [f.message for f in found if f.level == "warning"]
    assert warnings == (["channel artwork cover.jpg uses the CMYK colour mode; use RGB"]
                        if mode == "CMYK" else [])  # fmt: skip
    (show / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00")
    assert check_feed(feed) == [
        Finding("error", "channel artwork cover.jpg cannot be read as an image: truncated JPEG")
    ]
    (show / "cover.jpg").write_bytes(b"plain text, not an image")
    assert check_feed(feed) == [
        Finding(
            "error",
            "channel artwork cover.jpg is not a JPEG or PNG image; it must be JPEG or PNG",
        )
    ]


def test_build_never_writes_a_feed_its_check_rejects(show: Path) -> None:
    artwork(show / "cover.jpg", (600, 600))
    with pytest.raises(FeedError) as info:
        build_feed(show, BASE, config())
    assert str(info.value) == (
        f"{show / 'feed.xml'} not written: feed check would reject it: " + SIZE.format(600, 600)
    )
    assert not (show / "feed.xml").exists()
    assert not list(show.glob(".narrate-tmp-*"))


def test_check_feed_enclosure_problems(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    size = (show / "alpha.mp3").stat().st_size
    root = etree.parse(str(feed)).getroot()
    delta, beta, alpha = root.find("channel").findall("item")
    alpha.find("enclosure").set("length", str(size + 1))
    beta.find("enclosure").set("type", "video/mp4")
    delta.find("enclosure").set("length", "-3")
    for tag in ("pubDate", f"{{{ITUNES}}}duration"):
        delta.remove(delta.find(tag))
    feed.write_bytes(etree.tostring(root))
    assert check_feed(feed, folder=show) == [
        Finding("warning", 'item 1 "Delta" has no <pubDate>'),
        Finding("warning", 'item 1 "Delta" has no <itunes:duration>'),
        Finding(
            "error", "item 1 \"Delta\" has an enclosure length that is not a positive integer: '-3'"
        ),
        Finding(
            "error",
            "item 2 \"Beta & Gamma\" has an enclosure type that is not audio/*: 'video/mp4'",
        ),
        Finding(
            "error",
            f'item 3 "Alpha review" has an enclosure length of {size + 1} bytes '
            f"but alpha.mp3 is {size} bytes",
        ),
    ]
    # Without the folder, sizes are not compared.
    assert Finding(
        "error",
        f'item 3 "Alpha review" has an enclosure length of {size + 1} '
        f"bytes but alpha.mp3 is {size} bytes",
    ) not in check_feed(feed)
    (show / "alpha.mp3").unlink()
    assert Finding("error", f"item 3 \"Alpha review\" has no file 'alpha.mp3' in {show}") in (
        check_feed(feed, folder=show)
    )


def test_check_feed_item_without_enclosure_and_bad_date(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    root = etree.parse(str(feed)).getroot()
    first = root.find("channel/item")
    first.remove(first.find("enclosure"))
    first.find("pubDate").text = "yesterday"
    feed.write_bytes(etree.tostring(root))
    assert check_feed(feed) == [
        Finding(
            "error", "item 1 \"Delta\" has a pubDate that is not an RFC 2822 date: 'yesterday'"
        ),
        Finding("error", 'item 1 "Delta" has no <enclosure>'),
    ]


def test_check_feed_not_well_formed(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss><channel><title>A & B</title></channel></rss>", encoding="utf-8")
    findings = check_feed(feed)
    assert len(findings) == 1
    assert findings[0].level == "error"
    assert findings[0].message.startswith("not well-formed XML: ")
    assert str(findings[0]).startswith("error: not well-formed XML: ")
    with pytest.raises(FeedError) as info:
        check_feed(tmp_path / "missing.xml")
    assert str(info.value).startswith(f"cannot read feed {tmp_path / 'missing.xml'}: ")


# --------------------------------------------------------------------------- config

EXAMPLE_TOML = """\
# Channel settings for `narrate feed`.
title = "Narrated Reviews"
description = "Book and film reviews, read aloud."
link = "https://example.com/reviews/"
language = "en-us"
author = "Ann Author"
owner_name = "Ann Author"
owner_email = "ann@example.com"
image = "cover.jpg"          # 1400-3000 px square JPEG/PNG, or an https:// URL
category = "TV & Film"       # an Apple Podcasts category
subcategory = "Film Reviews" # optional
explicit = false             # optional, default false
type = "episodic"            # optional: "episodic" (default) or "serial"
copyright = "© 2024 Ann Author"                        # optional
podcast_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"  # optional
locked = true                # optional: podcast:locked yes/no
"""


def test_load_channel_config_example(tmp_path: Path) -> None:
    path = tmp_path / "channel.toml"
    path.write_text(EXAMPLE_TOML, encoding="utf-8")
    artwork(tmp_path / "cover.jpg")
    cfg = load_channel_config(path)
    assert cfg == ChannelConfig(
        title="Narrated Reviews",
        description="Book and film reviews, read aloud.",
        link="https://example.com/reviews/",
        language="en-us",
        author="Ann Author",
        owner_name="Ann Author",
        owner_email="ann@example.com",
        image=str((tmp_path / "cover.jpg").resolve()),
        category="TV & Film",
        subcategory="Film Reviews",
        explicit=False,
        type="episodic",
        copyright="© 2024 Ann Author",
        podcast_guid="917393e3-1b1e-5cef-ace4-edaa54e1f810",
        locked=True,
    )


def test_load_channel_config_minimal_keeps_relative_image(tmp_path: Path) -> None:
    path = tmp_path / "channel.toml"
    keys = (
        "title",
        "description",
        "link",
        "language",
        "author",
        "owner_name",
        "owner_email",
        "image",
        "category",
    )
    lines = [line for line in EXAMPLE_TOML.splitlines() if line.split(" ")[0] in keys]
    path.write_text("\n".join(lines), encoding="utf-8")
    cfg = load_channel_config(path)  # cover.jpg is not beside the config: stays relative
    assert cfg.image == "cover.jpg"
    assert (
        cfg.subcategory,
        cfg.explicit,
        cfg.type,
        cfg.copyright,
        cfg.podcast_guid,
        cfg.locked,
    ) == (None, False, "episodic", None, None, None)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title = "Narrated Reviews"\n', "", "missing required key 'title'"),
        (
            "locked = true",
            "titel = 'x'\nlocked = true",
            "unknown key 'titel' (did you mean 'title'?)",
        ),
        ("locked = true", "whatever = 1\nlocked = true", "unknown key 'whatever'"),
        (
            "explicit = false",
            'explicit = "no"',
            "key 'explicit' must be true or false, not a string",
        ),
        (
            'title = "Narrated Reviews"',
            "title = 42",
            "key 'title' must be a string, not an integer",
        ),
        ('title = "Narrated Reviews"', 'title = "  "', "key 'title' must not be empty"),
        (
            'type = "episodic"',
            'type = "weekly"',
            "key 'type' must be 'episodic' or 'serial', not 'weekly'",
        ),
        (
            'owner_email = "ann@example.com"',
            'owner_email = "ann at example"',
            "key 'owner_email' is not a valid email address: 'ann at example'",
        ),
        (
            'link = "https://example.com/reviews/"',
            'link = "example.com"',
            "key 'link' must be an absolute http(s) URL: 'example.com'",
        ),
        (
            'language = "en-us"',
            'language = "English"',
            "key 'language' must be a language code like 'en' or 'en-us': 'English'",
        ),
        (
            'category = "TV & Film"',
            'category = "Movies"',
            "key 'category' is not an Apple Podcasts category: 'Movies'",
        ),
        (
            'subcategory = "Film Reviews"',
            'subcategory = "Books"',
            "key 'subcategory' is not a sub-category of 'TV & Film': 'Books'",
        ),
        (
            'podcast_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"',
            'podcast_guid = "abc"',
            "key 'podcast_guid' must be a UUID: 'abc'",
        ),
        (
            'image = "cover.jpg"',
            'image = "cover.gif"',
            "key 'image' must be a .jpg, .jpeg or .png file or an http(s) URL: 'cover.gif'",
        ),
    ],
)
def test_load_channel_config_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "channel.toml"
    assert old in EXAMPLE_TOML
    path.write_text(EXAMPLE_TOML.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_channel_config(path)
    assert str(info.value) == f"{path}: {message}"


def test_load_channel_config_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "channel.toml"
    path.write_text('title = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_channel_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 1" in message
    assert "\n" not in message
    with pytest.raises(ConfigError) as info:
        load_channel_config(tmp_path / "none.toml")
    assert str(info.value) == f"{tmp_path / 'none.toml'}: cannot read: No such file or directory"


def test_config_drives_a_checkable_feed(tmp_path: Path, show: Path) -> None:
    path = show / "channel.toml"
    path.write_text(EXAMPLE_TOML, encoding="utf-8")
    feed = build_feed(show, BASE, load_channel_config(path))
    assert check_feed(feed, folder=show) == []
    data = pp(feed)
    assert data["language"] == "en-us"
    assert data["cover_url"] == BASE + "cover.jpg"
    assert io.BytesIO(feed.read_bytes()).read(5) == b"<?xml"
