"""A post's header on its episode: read back from the MP3 with mutagen; the flags win."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrate.tags import read_tags
from narrate.tags.post import id3_timestamp

# The smallest valid PNG (1x1, grey): a real cover for load_cover.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)
BODY = "The film opens well.\n\nThe ending is strong.\n"


def _narrate(post: Path, *args: str, engine: str = "tone") -> subprocess.CompletedProcess[str]:
    out = post.parent / "out.mp3"
    return subprocess.run(
        [sys.executable, "-m", "narrate", "read", str(post), "-o", str(out), "--engine",
         engine, "--cache-dir", str(post.parent / "cache"), *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def _site(tmp_path: Path) -> Path:
    """A Hugo-like site: content/posts/<post>.md, static/images/cover.png."""
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "cover.png").write_bytes(PNG)
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    return posts


@pytest.mark.parametrize("version", ["3", "4"])
def test_the_header_reaches_the_id3_tag(tmp_path: Path, version: str) -> None:
    posts = _site(tmp_path)
    post = posts / "2017-02-26-get-out.md"
    post.write_text(
        "+++\n"
        'title = "Get Out &amp; *Stay* Out"\n'
        "date = 2017-02-26T23:30:00-02:00\n"
        'authors = ["Ann Lee", "Bo Chen"]\n'
        'description = "A sharp horror film."\n'
        'image = "/images/cover.png"\n'
        'rating = "★★★½"\n'
        "+++\n" + BODY,
        encoding="utf-8",
    )
    run = _narrate(post, "--id3-version", version, "--intro", "{title}, rated {rating}, {date}.")
    assert run.returncode == 0, run.stderr
    mp3 = tmp_path / "content" / "posts" / "out.mp3"
    tags = read_tags(mp3)
    assert tags.title == "Get Out & Stay Out"
    assert tags.artist == "Ann Lee, Bo Chen"
    assert tags.date == "2017-02-27 01:30:00"  # mutagen writes ID3 timestamps with a space
    assert tags.description == "A sharp horror film."
    assert tags.cover == (PNG, "image/png")
    assert dict(tags.txxx)["NARRATE_RATING"] == "★★★½"
    assert dict(tags.txxx)["NARRATE_DATE"] == "2017-02-26T23:30:00-02:00"
    assert tags.lyrics == (
        "Get Out & Stay Out, rated ★★★½, 2017-02-26.\n\nThe film opens well.\n\n"
        "The ending is strong.")  # the post's own day, not the UTC one of TDRC
    raw = ID3(mp3, translate=False)
    if version == "3":  # TYER 2017, TDAT DDMM, TIME HHMM (in UTC)
        assert [str(raw[k]) for k in ("TYER", "TDAT", "TIME")] == ["2017", "2702", "0130"]
    else:
        assert str(raw["TDRC"]) == "2017-02-27 01:30:00"
    assert [c.title for c in tags.chapters][0] == "Introduction"
    assert "+++" not in run.stderr


def test_flags_win_over_the_header(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    (posts / "mine.png").write_bytes(PNG)
    post = posts / "p.md"
    post.write_text("---\ntitle: Header\nauthor: Header Author\ndate: 2001-02-03\n"
                    "description: Header text.\ncover: /images/cover.png\n---\n"
                    + BODY)  # fmt: skip
    run = _narrate(post, "--title", "Flag", "--author", "Flag Author", "--date", "2020-01-01",
                   "--description", "Flag text.", "--cover", str(posts / "mine.png"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    tags = read_tags(posts / "out.mp3")
    assert (tags.title, tags.artist, tags.date, tags.description) == (
        "Flag", "Flag Author", "2020-01-01", "Flag text.")  # fmt: skip
    assert tags.cover == (PNG, "image/png")
    assert dict(tags.txxx)["NARRATE_DATE"] == "2001-02-03"  # the post's own, still kept


@pytest.mark.parametrize(
    ("cover", "where", "warning"),
    [
        ("cover.png", "beside", None),
        ("cover.png", "bundle", None),
        ("/images/cover.png", "site-root", None),
        ("https://ex.org/c.png", "", "the cover https://ex.org/c.png is a URL; narrate does not "
                                    "download it (save it and pass --cover)"),
        ("missing.png", "", "the cover missing.png was not found beside the post (name the "
                            "site's folder with --site-root)"),
        ("notes.txt", "beside", "the header's cover is not used: {dir}/notes.txt: cover image "
                                "is not an image narrate can read; use a JPEG or PNG file"),
    ],
)  # fmt: skip
def test_covers_are_found_or_warned_never_refused(
    tmp_path: Path, cover: str, where: str, warning: str | None
) -> None:
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    post = posts / "p.md"
    extra: list[str] = []
    if where == "beside":
        target = posts / cover
    elif where == "bundle":
        target = posts / "p" / cover
    elif where == "site-root":
        target = tmp_path / "elsewhere" / "static" / "images" / "cover.png"
        extra = ["--site-root", str(tmp_path / "elsewhere")]
    if where:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"plain text" if cover.endswith(".txt") else PNG)
    post.write_text(f"---\ntitle: T\ncover: {cover}\n---\n" + BODY)
    run = _narrate(post, *extra)
    messages = [line for line in run.stderr.splitlines() if line.startswith("narrate: ")]
    assert run.returncode == 0, run.stderr
    tags = read_tags(posts / "out.mp3")
    if warning is None:
        assert tags.cover == (PNG, "image/png")
        assert messages == []
    else:
        assert tags.cover is None
        assert messages == [f"narrate: {post}: {warning.format(dir=posts)}"]


def test_the_episode_is_dated_by_the_file_name_without_a_header(tmp_path: Path) -> None:
    post = tmp_path / "2019-8-3-a-film.md"
    post.write_text(BODY)
    assert _narrate(post).returncode == 0
    tags = read_tags(tmp_path / "out.mp3")
    assert (tags.title, tags.date) == ("A Film", "2019-08-03")


@pytest.mark.parametrize(
    ("iso", "stamp"),
    [("2019", "2019"), ("2019-08", "2019-08"), ("2019-08-23", "2019-08-23"),
     ("2019-08-23T10:00:00", "2019-08-23T10:00:00"),
     ("2019-08-23T10:00:00+02:00", "2019-08-23T08:00:00"),
     ("2019-12-31T23:00:00-05:00", "2020-01-01T04:00:00"), (None, None)],
)  # fmt: skip
def test_id3_timestamps_are_the_same_instant_in_utc(iso: str | None, stamp: str | None) -> None:
    assert id3_timestamp(iso) == stamp


def test_a_real_pyttsx3_narration_of_a_pelican_post(tmp_path: Path) -> None:
    """espeak-ng end to end: nothing of the header is heard, all of it is in the tags."""
    post = tmp_path / "post.txt"
    post.write_text("Title: A Quiet Film\nDate: 2010-12-03 10:20\nAuthor: Jean Dupont\n"
                    "Summary: Short and kind.\nRating: 4/5\n\n" + BODY)  # fmt: skip
    run = _narrate(post, "--json", engine="pyttsx3")
    assert run.returncode == 0, run.stderr
    tags = read_tags(tmp_path / "out.mp3")
    assert (tags.title, tags.artist, tags.date, tags.description) == (
        "A Quiet Film", "Jean Dupont", "2010-12-03 10:20:00", "Short and kind.")  # fmt: skip
    assert dict(tags.txxx)["NARRATE_RATING"] == "4/5"
    assert [c.title for c in tags.chapters] == ["The film opens well.", "The ending is strong."]
    assert tags.lyrics == "The film opens well.\n\nThe ending is strong."
    assert 1.5 < tags.duration < 6.0
