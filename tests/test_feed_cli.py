"""``narrate feed build|add|check`` through click's CliRunner, from narration to feed.xml.

Episodes are made the way a user makes them: ``narrate read --engine tone`` (with
transcripts and JSON chapters), then the feed is built, checked and read back with
podcastparser (gPodder) and feedparser.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner, Result
from lxml import etree
from PIL import Image

from narrate.cli import cli
from narrate.engines.tone import ToneEngine
from narrate.feed import ChannelConfig, load_channel_config
from narrate.tags import TagData, ms, read_tags, write_tags
from narrate.transcripts import parse_timestamp

BASE = "https://example.org/pod/"
PODCAST = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PSC = "http://podlove.org/simple-chapters"
EXAMPLE = resources.files("narrate") / "data" / "example-podcast.toml"
REVIEWS = {
    "first-look": "First Look\n\nA bright opening line. It keeps going.\n\nA calm ending.\n",
    "second-look": "Second Look\n\nOnly one paragraph here. It has two sentences.\n",
}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result


def fails(result: Result, line: str, code: int = 1) -> None:
    """Exit ``code``, ``line`` as the last line of stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)  # handled, not an escaped exception
    assert result.stderr.rstrip("\n").splitlines()[-1] == line
    assert result.stdout == ""
    assert "Traceback" not in result.output


def cover(path: Path, size: int = 1400) -> Path:
    Image.new("RGB", (size, size), (30, 60, 120)).save(path, "PNG")
    return path


def narrate_tone(review: Path, mp3: Path, cache: Path, *extra: str) -> Path:
    ok(run("read", review, "--engine", "tone", "-o", mp3, "--cache-dir", cache,
           "--transcript", "srt,vtt", "--chapters-json", *extra))  # fmt: skip
    return mp3


def pp(feed: Path) -> dict:
    with open(feed, "rb") as fh:
        return podcastparser.parse(BASE + feed.name, fh)


def cues(text: str) -> list[tuple[int, int]]:
    """(start, end) in ms of every cue of an SRT or WebVTT file."""
    return [
        (parse_timestamp(a), parse_timestamp(b.split()[0]))
        for line in text.splitlines()
        if " --> " in line
        for a, b in [line.split(" --> ")]
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two narrated episodes (tone engine) with side files, made once per module."""
    work = tmp_path_factory.mktemp("made")
    for n, (stem, text) in enumerate(REVIEWS.items(), start=1):
        review = work / f"{stem}.txt"
        review.write_text(text, encoding="utf-8")
        narrate_tone(review, work / "audio" / f"{stem}.mp3", work / "cache",
                     "--date", f"2024-0{n}-15")  # fmt: skip
    return work / "audio"


@pytest.fixture
def show(made: Path, tmp_path: Path) -> Path:
    """A copy of the episodes, the example config and a cover.png: ready to build."""
    folder = tmp_path / "show"
    shutil.copytree(made, folder)
    cover(folder / "cover.png")
    shutil.copyfile(str(EXAMPLE), folder / "podcast.toml")
    return folder


def build(show: Path, *extra: str | Path) -> Result:
    return run("feed", "build", show, "--base-url", BASE, "--config", show / "podcast.toml", *extra)


# ----------------------------------------------------------------------------- build


def test_build_prints_the_feed_path_and_episode_count(show: Path) -> None:
    result = ok(build(show))
    feed = show / "feed.xml"
    assert result.stdout == f"{feed}\n"
    assert result.stderr == "2 episodes\n"
    data = pp(feed)
    assert data["title"] == "Narrated Film Reviews"
    assert data["cover_url"] == BASE + "cover.png"
    assert [e["title"] for e in data["episodes"]] == ["Second Look", "First Look"]
    for ep, stem in zip(data["episodes"], ["second-look", "first-look"], strict=True):
        assert ep["enclosures"][0]["url"] == f"{BASE}{stem}.mp3"
        assert ep["enclosures"][0]["file_size"] == (show / f"{stem}.mp3").stat().st_size
        assert ep["transcript_url"] == f"{BASE}{stem}.vtt"
        assert ep["chapters_json_url"] == f"{BASE}{stem}.chapters.json"
        id3 = read_tags(show / f"{stem}.mp3").chapters
        assert ep["chapters"] == [{"start": ms(c.start) // 1000, "title": c.title} for c in id3]
    assert not list(show.glob(".narrate-tmp-*"))


def test_build_quiet_and_output(show: Path, tmp_path: Path) -> None:
    out = tmp_path / "public" / "podcast.rss"
    result = ok(run("-q", "feed", "build", show, "--base-url", BASE.rstrip("/"),
                    "--config", show / "podcast.toml", "-o", out))  # fmt: skip
    assert (result.stdout, result.stderr) == (f"{out}\n", "")
    assert not (show / "feed.xml").exists()
    parsed = feedparser.parse(out.read_bytes())
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == BASE + "podcast.rss"


def test_build_one_episode_is_singular(show: Path) -> None:
    (show / "first-look.mp3").unlink()
    assert ok(build(show)).stderr == "1 episode\n"


@pytest.mark.parametrize("bad", ["ftp://x", "example.org/pod/", ""])
def test_build_bad_base_url(show: Path, bad: str) -> None:
    result = run("feed", "build", show, "--base-url", bad, "--config", show / "podcast.toml")
    fails(result, f"Error: base URL must be an absolute http(s) URL: {bad!r}")
    assert not (show / "feed.xml").exists()


def test_build_errors(show: Path, tmp_path: Path) -> None:
    config = show / "podcast.toml"
    fails(
        run("feed", "build", tmp_path / "nope", "--base-url", BASE, "--config", config),
        f"Error: not a folder: {tmp_path / 'nope'}",
    )
    missing = tmp_path / "missing.toml"
    fails(
        run("feed", "build", show, "--base-url", BASE, "--config", missing),
        f"Error: {missing}: cannot read: No such file or directory",
    )
    config.write_text(config.read_text().replace('category = "TV & Film"', 'category = "Film"'))
    fails(build(show), f"Error: {config}: key 'category' is not an Apple Podcasts category: 'Film'")
    (show / "cover.png").unlink()
    config.write_text(EXAMPLE.read_text("utf-8"))
    fails(build(show), f"Error: channel image not found: {show / 'cover.png'}")
    # Options click itself requires: a usage error, exit 2.
    result = run("feed", "build", show, "--config", config)
    assert result.exit_code == 2
    assert "Error: Missing option '--base-url'." in result.stderr
    assert not (show / "feed.xml").exists()


def test_bad_base_url_in_a_real_process(show: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "narrate", "feed", "build", str(show), "--base-url", "ftp://x",
         "--config", str(show / "podcast.toml")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == "Error: base URL must be an absolute http(s) URL: 'ftp://x'\n"


# ----------------------------------------------------------------------------- add


def test_add_defaults_to_the_feed_beside_the_mp3(show: Path, tmp_path: Path) -> None:
    ok(build(show))
    feed = show / "feed.xml"
    review = tmp_path / "third.txt"
    review.write_text("Third Look\n\nA third review. Short and sweet.\n", encoding="utf-8")
    mp3 = narrate_tone(review, show / "third-look.mp3", tmp_path / "cache", "--date", "2024-03-01")
    result = ok(run("feed", "add", mp3))
    assert (result.stdout, result.stderr) == (f"{feed}\n", "")
    eps = pp(feed)["episodes"]
    assert [e["title"] for e in eps] == ["Third Look", "Second Look", "First Look"]
    assert eps[0]["enclosures"][0]["url"] == BASE + "third-look.mp3"  # base from atom:link
    assert eps[0]["transcript_url"] == BASE + "third-look.vtt"
    assert [c["title"] for c in eps[0]["chapters"]] == [c.title for c in read_tags(mp3).chapters]

    # Again, after the tags changed: the one item is refreshed, not duplicated.
    tags = read_tags(mp3)
    write_tags(mp3, TagData(title="Third Look (fixed)", date="2024-03-01", chapters=tags.chapters))
    ok(run("feed", "add", mp3))
    assert [e["title"] for e in pp(feed)["episodes"]] == [
        "Third Look (fixed)",
        "Second Look",
        "First Look",
    ]
    assert ok(run("feed", "check", feed, "--folder", show)).stdout == ""


def test_add_with_feed_and_base_url(show: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere.xml"
    ok(build(show, "-o", out))
    result = ok(run("feed", "add", show / "first-look.mp3", "--feed", out,
                    "--base-url", "https://cdn.example.net/a"))  # fmt: skip
    assert result.stdout == f"{out}\n"
    urls = [e["enclosures"][0]["url"] for e in pp(out)["episodes"]]
    # The same file under another folder URL is another item (items are matched by GUID
    # or full URL, never by file name), with a GUID of its own: the feed stays valid.
    assert sorted(urls) == sorted([BASE + "second-look.mp3", BASE + "first-look.mp3",
                                   "https://cdn.example.net/a/first-look.mp3"])  # fmt: skip
    assert len({e["guid"] for e in pp(out)["episodes"]}) == 3
    assert ok(run("feed", "check", out)).stdout == ""


def test_add_errors(show: Path, tmp_path: Path) -> None:
    mp3 = show / "first-look.mp3"
    fails(run("feed", "add", mp3), f"Error: feed not found: {show / 'feed.xml'} (build it first)")
    ok(build(show))
    before = (show / "feed.xml").read_bytes()
    fails(
        run("feed", "add", mp3, "--base-url", "ftp://x"),
        "Error: base URL must be an absolute http(s) URL: 'ftp://x'",
    )
    fails(run("feed", "add", show / "none.mp3"), f"Error: MP3 not found: {show / 'none.mp3'}")
    # its enclosure URL would name a file the uploaded folder does not have
    outside = tmp_path / "elsewhere" / "first-look.mp3"
    outside.parent.mkdir()
    shutil.copy(mp3, outside)
    fails(run("feed", "add", outside, "--feed", show / "feed.xml"),
          f"Error: {outside} is not in the feed's folder {show}: move it there (with its "
          "side files), or give --base-url, the URL its own folder is served from")  # fmt: skip
    assert (show / "feed.xml").read_bytes() == before


# ----------------------------------------------------------------------------- check


def test_check_a_good_feed(show: Path) -> None:
    ok(build(show))
    feed = show / "feed.xml"
    result = ok(run("feed", "check", feed, "--folder", show))
    assert (result.stdout, result.stderr) == ("", f"{feed}: 0 errors, 0 warnings\n")
    result = ok(run("feed", "check", feed, "--json"))
    assert json.loads(result.stdout) == {
        "feed": str(feed),
        "ok": True,
        "errors": 0,
        "warnings": 0,
        "findings": [],
    }


def test_check_reports_errors_and_warnings(show: Path) -> None:
    ok(build(show))
    feed = show / "feed.xml"
    root = etree.parse(str(feed)).getroot()
    first, second = root.find("channel").findall("item")
    second.remove(second.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration"))
    feed.write_bytes(etree.tostring(root))
    result = ok(run("feed", "check", feed))  # warnings only: exit 0
    assert result.stdout == 'warning: item 2 "First Look" has no <itunes:duration>\n'

    size = (show / "second-look.mp3").stat().st_size
    first.find("enclosure").set("length", "12")
    first.find("enclosure").set("type", "text/plain")
    feed.write_bytes(etree.tostring(root))
    result = run("feed", "check", feed, "--folder", show)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "error: item 1 \"Second Look\" has an enclosure type that is not audio/*: 'text/plain'",
        f'error: item 1 "Second Look" has an enclosure length of 12 bytes '
        f"but second-look.mp3 is {size} bytes",
        'warning: item 2 "First Look" has no <itunes:duration>',
    ]
    assert result.stderr == f"{feed}: 2 errors, 1 warning\n"
    assert "Traceback" not in result.output

    result = run("feed", "check", feed, "--folder", show, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["ok"], report["errors"], report["warnings"]) == (False, 2, 1)
    assert report["findings"][2] == {
        "level": "warning",
        "message": 'item 2 "First Look" has no <itunes:duration>',
    }


def test_check_unreadable_and_broken_feeds(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    fails(
        run("feed", "check", missing),
        f"Error: cannot read feed {missing}: No such file or directory",
    )
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel>", encoding="utf-8")
    result = run("feed", "check", broken)
    assert result.exit_code == 1
    assert result.stdout.startswith("error: not well-formed XML: ")
    assert len(result.stdout.splitlines()) == 1


# ----------------------------------------------------------------------------- example


def test_example_config_is_valid_and_realistic(tmp_path: Path) -> None:
    with resources.as_file(EXAMPLE) as path:
        config = load_channel_config(path)
    assert config == ChannelConfig(
        title="Narrated Film Reviews",
        description="Short film reviews, read aloud. Every episode has chapters and a transcript.",
        link="https://example.org/reviews/",
        language="en",
        author="Ann Author",
        owner_name="Ann Author",
        owner_email="ann@example.org",
        image="cover.png",  # no cover.png beside the packaged file: found in the audio folder
        category="TV & Film",
        subcategory="Film Reviews",
        explicit=False,
        type="episodic",
        copyright="© 2025 Ann Author",
    )
    # Every commented-out optional key is valid once uncommented.
    text = EXAMPLE.read_text("utf-8").replace("# podcast_guid =", "podcast_guid =")
    copy = tmp_path / "podcast.toml"
    copy.write_text(text.replace("# locked =", "locked ="), encoding="utf-8")
    cover(tmp_path / "cover.png")
    config = load_channel_config(copy)
    assert (config.podcast_guid, config.locked) == ("00000000-0000-0000-0000-000000000000", True)
    assert config.image == str(tmp_path / "cover.png")


# ----------------------------------------------------------------------------- end to end


def test_sample_review_to_feed_times_agree(tmp_path: Path, monkeypatch) -> None:
    """narrate read --engine tone (the bundled sample) + feed build: every time agrees.

    SRT and VTT cues start exactly at the ID3 chapter starts (after the first), which equal the JSON
    chapter times and the feed's psc:chapter starts (in ms); podcastparser sees the same
    chapters (whole seconds) and both side-file URLs.
    """
    # About 0.12 s a word, which clips.verify accepts as speech for all 22 sentences.
    monkeypatch.setattr(ToneEngine, "seconds_per_char", 0.02)
    folder = tmp_path / "pod"
    folder.mkdir()
    mp3 = folder / "pain-and-glory.mp3"
    ok(run("read", "--engine", "tone", "-o", mp3, "--transcript", "srt,vtt", "--chapters-json",
           "--cache-dir", tmp_path / "cache"))  # fmt: skip
    cover(folder / "cover.png")
    with resources.as_file(EXAMPLE) as example:
        result = ok(run("feed", "build", folder, "--base-url", BASE, "--config", example))
    feed = folder / "feed.xml"
    assert result.stdout == f"{feed}\n"
    assert ok(run("feed", "check", feed, "--folder", folder)).stdout == ""

    id3 = read_tags(mp3).chapters
    assert len(id3) == 7
    bounds = [(ms(c.start), ms(c.end)) for c in id3]

    # JSON chapters
    data = json.loads(mp3.with_suffix(".chapters.json").read_text("utf-8"))
    times = [(round(c["startTime"] * 1000), round(c["endTime"] * 1000)) for c in data["chapters"]]
    assert times == bounds
    assert [c["title"] for c in data["chapters"]] == [c.title for c in id3]

    # SRT and VTT: the same cues, on the speech; chapters are contiguous, and each one
    # after the first starts exactly where its first cue starts.
    srt = cues(mp3.with_suffix(".srt").read_text("utf-8"))
    vtt = cues(mp3.with_suffix(".vtt").read_text("utf-8"))
    assert srt == vtt
    assert len(srt) == 22  # one cue per sentence of the sample
    assert bounds[0][0] == 0 and [e for _, e in bounds[:-1]] == [s for s, _ in bounds[1:]]
    for n, (start, end) in enumerate(bounds):
        inside = [cue for cue in srt if start <= cue[0] and cue[1] <= end]
        assert inside, (start, end)
        assert inside[0][0] == start if n else inside[0][0] == 500  # after the room tone
        assert inside[-1][1] < end
    assert sum(1 for cue in srt for b in bounds if b[0] <= cue[0] and cue[1] <= b[1]) == len(srt)

    # The feed: psc:chapter starts in ms, and what podcastparser exposes.
    item = etree.parse(str(feed)).getroot().find("channel/item")
    psc = item.find(f"{{{PSC}}}chapters")
    assert [parse_timestamp(c.get("start")) for c in psc] == [s for s, _ in bounds]
    assert [c.get("title") for c in psc] == [c.title for c in id3]
    assert item.find(f"{{{PODCAST}}}chapters").get("type") == "application/json+chapters"
    (ep,) = pp(feed)["episodes"]
    assert ep["title"] == "Pain and Glory"
    assert ep["transcript_url"] == BASE + "pain-and-glory.vtt"
    assert ep["chapters_json_url"] == BASE + "pain-and-glory.chapters.json"
    assert ep["chapters"] == [{"start": ms(c.start) // 1000, "title": c.title} for c in id3]
    assert ep["enclosures"] == [
        {"url": BASE + "pain-and-glory.mp3", "file_size": mp3.stat().st_size,
         "mime_type": "audio/mpeg"}
    ]  # fmt: skip
    assert abs(ep["total_time"] - read_tags(mp3).duration) <= 1


def test_an_episode_narrated_today_is_never_dated_in_the_future(show: Path, tmp_path: Path) -> None:
    """A date-only tag means 12:00 UTC, unless the MP3 was made before that moment."""
    import email.utils
    import os
    import time

    review = tmp_path / "today.txt"
    review.write_text("Today\n\nA review narrated this morning.\n", encoding="utf-8")
    mp3 = narrate_tone(review, show / "today.mp3", tmp_path / "cache", "--date", "2030-01-01")
    made_at = time.mktime((2029, 12, 31, 20, 0, 0, 0, 0, -1))  # hours before the tag's noon
    os.utime(mp3, (made_at, made_at))
    ok(build(show))
    parsed = pp(show / "feed.xml")
    (episode,) = [e for e in parsed["episodes"] if e["title"] == "Today"]
    assert episode["published"] == int(made_at)
    # an older, date-only episode keeps 12:00 UTC of its day
    old = [e for e in parsed["episodes"] if e["title"] != "Today"]
    assert all(time.gmtime(e["published"]).tm_hour == 12 for e in old)
    text = (show / "feed.xml").read_text()
    assert (
        email.utils.format_datetime(
            __import__("datetime").datetime.fromtimestamp(
                int(made_at), __import__("datetime").timezone.utc
            ),
            usegmt=True,
        )
        in text
    )


def test_feed_path_that_is_a_folder(show: Path) -> None:
    (show / "feed.xml").mkdir()
    fails(build(show), f"Error: cannot write {show / 'feed.xml'}: Is a directory")


def test_a_copy_and_a_truncated_episode_still_give_a_feed_that_passes_check(show: Path) -> None:
    """Narrated MP3s carry narrate's GUID tag: a byte copy carries its original's."""
    shutil.copyfile(show / "first-look.mp3", show / "first-look copy.mp3")
    whole = (show / "second-look.mp3").read_bytes()
    (show / "second-look.mp3").write_bytes(whole[: len(whole) - 700])
    result = ok(build(show))
    assert "skipping second-look.mp3: second-look.mp3 is damaged: it is cut short" in (
        result.stderr
    )
    assert "first-look copy.mp3 carries the GUID narrate gave first-look.mp3" in result.stderr
    feed = show / "feed.xml"
    assert ok(run("feed", "check", feed, "--folder", show)).stdout == ""
    episodes = pp(feed)["episodes"]
    assert sorted(e["enclosures"][0]["url"] for e in episodes) == [
        BASE + "first-look%20copy.mp3",
        BASE + "first-look.mp3",
    ]
    assert len({e["guid"] for e in episodes}) == 2
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo
    assert len({e.id for e in parsed.entries}) == 2
