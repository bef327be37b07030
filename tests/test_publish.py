"""``narrate publish`` on a site folder: exactly the posts, then kept in step.

Real parts: the CLI in a subprocess, the tone engine (narration is not the point here;
one pyttsx3 run at the end), mutagen, podcastparser and feedparser on the feed, SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from narrate.feed.episode import check_complete
from narrate.feed.page import _vtt_text
from narrate.feed.rss import local_name_of
from narrate.tags import read_tags

BASE = "https://example.org/pod/"
SHOW = """title = "Site Reviews"
description = "Reviews, read aloud."
link = "https://example.org/"
language = "en"
author = "Ann Author"
owner_name = "Ann Author"
owner_email = "ann@example.org"
image = "cover.png"
category = "TV & Film"
"""


def post(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(paragraphs or ("It opens well. It ends well.",))
    text = f"{title}\n\n{body}\n" if name.endswith(".txt") else f"# {title}\n\n{body}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Locks and fetched feeds in the test's own cache (never the published folder)."""
    return {**os.environ, "NARRATE_LOCK_DIR": str(tmp_path / "locks"),
            "NARRATE_FEED_CACHE": str(tmp_path / "feeds")}  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    content = root / "content"
    post(content / "posts", "alpha.md", "Alpha Review", "Alpha opens. It is short.")
    post(content / "posts", "beta.md", "Beta Review", "Beta is second.", "It has two parts.")
    post(content / "posts" / "2024", "gamma.txt", "Gamma Review", "Gamma is plain text.")
    (content / "posts" / "_index.md").write_text("---\ntitle: Posts\n---\n", encoding="utf-8")
    (content / "index.md").write_text(
        "# All reviews\n\n- [Alpha](/posts/alpha/)\n- [Beta](/posts/beta/)\n", encoding="utf-8"
    )
    (content / ".hidden.md").write_text("# Hidden\n\nNever read.\n", encoding="utf-8")
    Image.new("RGB", (1400, 1400), (10, 20, 30)).save(root / "cover.png")
    (root / "show.toml").write_text(SHOW, encoding="utf-8")
    return root


def publish(site: Path, env: dict, *extra: str, out: Path | None = None, engine: str = "tone",
            verbose: bool = False) -> subprocess.CompletedProcess:  # fmt: skip
    out = out or site / "public"
    cmd = [sys.executable, "-m", "narrate", *(["-v"] if verbose else []), "publish",
           str(site / "content"), "--out", str(out),
           "--base-url", BASE, "--config", str(site / "show.toml"), "--engine", engine,
           "--cache-dir", str(site.parent / "cache"), "--jobs", "1", *extra]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def state(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def items(feed: Path) -> list[etree._Element]:
    return etree.parse(str(feed)).getroot().find("channel").findall("item")


def by_title(feed: Path) -> dict[str, etree._Element]:
    return {i.findtext("title"): i for i in items(feed)}


def test_publish_a_site_then_keep_it_in_step(site: Path, env: dict) -> None:
    out = site / "public"
    first = ok(publish(site, env))
    feed = out / "feed.xml"
    assert first.stdout == f"{feed}\n"
    assert first.stderr.splitlines()[-1] == (
        "3 posts: 3 narrated, 0 up to date, 0 failed; skipped: 2 list pages"
    )
    # Exactly the posts: no list page, no hidden file; nothing hidden in the folder.
    assert sorted(by_title(feed)) == ["Alpha Review", "Beta Review", "Gamma Review"]
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["cover.png", "feed.xml", "index.html"]
        + [f"{s}-review{x}" for s in ("alpha", "beta", "gamma")
           for x in (".mp3", ".srt", ".vtt", ".chapters.json")]
    )  # fmt: skip
    assert [r.source for r in map(read_tags, sorted(out.glob("*.mp3")))] == [
        "../content/posts/alpha.md", "../content/posts/beta.md",
        "../content/posts/2024/gamma.txt"]  # fmt: skip
    check = ok(subprocess.run([sys.executable, "-m", "narrate", "feed", "check", str(feed),
                               "--folder", str(out)], capture_output=True, text=True, env=env))
    assert check.stdout == ""  # no error, no warning
    guids = {t: i.findtext("guid") for t, i in by_title(feed).items()}

    # A second run with nothing changed: nothing narrated, not one file rewritten.
    before = state(out)
    second = ok(publish(site, env, verbose=True))
    assert second.stderr.splitlines()[-1] == (
        "3 posts: 0 narrated, 3 up to date, 0 failed; skipped: 2 list pages"
    )
    # ... decided from the posts and the MP3s' TXXX alone: no batch plan, no engine.
    assert "narrate: nothing changed: 3 post(s) up to date" in second.stderr.splitlines()
    assert f"narrate: {out / 'feed.xml'} is up to date" in second.stderr.splitlines()
    assert state(out) == before

    # An edited post is narrated again, alone, and keeps its GUID (and its file name).
    beta = site / "content" / "posts" / "beta.md"
    beta.write_text(beta.read_text(encoding="utf-8").replace("Beta is second.",
                    "Beta is second, and now longer."), encoding="utf-8")  # fmt: skip
    third = ok(publish(site, env))
    assert third.stderr.splitlines()[-1] == (
        "3 posts: 1 narrated, 2 up to date, 0 failed; skipped: 2 list pages"
    )
    after = state(out)
    changed = sorted(n for n in after if after[n] != before.get(n))
    assert changed == ["beta-review.chapters.json", "beta-review.mp3", "beta-review.srt",
                       "beta-review.vtt", "feed.xml", "index.html"]  # fmt: skip
    assert {t: i.findtext("guid") for t, i in by_title(feed).items()} == guids
    assert "now longer" in (read_tags(out / "beta-review.mp3").lyrics or "")

    # A post that left the site keeps its episode; with --prune it goes, side files too.
    (site / "content" / "posts" / "2024" / "gamma.txt").unlink()
    kept = ok(publish(site, env))
    assert kept.stderr.splitlines()[-1] == ("2 posts: 0 narrated, 2 up to date, 0 failed; "
                                            "skipped: 2 list pages; 1 episode kept whose post "
                                            "is gone")  # fmt: skip
    assert sorted(by_title(feed)) == ["Alpha Review", "Beta Review", "Gamma Review"]
    pruned = ok(publish(site, env, "--prune"))
    assert pruned.stderr.splitlines()[-1].endswith("; 1 episode pruned")
    assert sorted(by_title(feed)) == ["Alpha Review", "Beta Review"]
    assert not list(out.glob("gamma-review*"))
    assert {t: i.findtext("guid") for t, i in by_title(feed).items()} == {
        t: g for t, g in guids.items() if t != "Gamma Review"}  # fmt: skip

    # Real parsers read the result.
    with open(feed, "rb") as fh:
        parsed = podcastparser.parse(BASE + "feed.xml", fh)
    assert sorted(e["title"] for e in parsed["episodes"]) == ["Alpha Review", "Beta Review"]
    fp = feedparser.parse(feed.read_bytes())
    assert not fp.bozo and len(fp.entries) == 2
    assert [n for n in os.listdir(out) if n.startswith(".")] == []


def test_the_disclosure_is_spoken_reworded_or_off_only_when_asked(site: Path, env: dict) -> None:
    out = site / "public"
    ok(publish(site, env, "--outro", "Thanks for listening."))
    cues = _vtt_text((out / "alpha-review.vtt").read_text(encoding="utf-8"))
    assert cues[-2:] == ("Thanks for listening.", "This review was read by a synthetic voice.")
    show = site / "show.toml"
    show.write_text(SHOW + 'disclosure = "Read by a computer voice {not a field}."\n',
                    encoding="utf-8")  # fmt: skip
    ok(publish(site, env))
    cues = _vtt_text((out / "alpha-review.vtt").read_text(encoding="utf-8"))
    assert cues[-1] == "Read by a computer voice {not a field}."
    show.write_text(SHOW + 'disclosure = ""\n', encoding="utf-8")
    refused = publish(site, env)
    assert (refused.returncode, refused.stderr.splitlines()[-1]) == (1, (
        f"Error: {show}: key 'disclosure' is empty; to speak no disclosure, write "
        "disclosure = false"))  # fmt: skip
    show.write_text(SHOW + "disclosure = false\n", encoding="utf-8")
    ok(publish(site, env))
    assert "synthetic" not in (out / "alpha-review.vtt").read_text(encoding="utf-8")
    assert "computer voice" not in (out / "alpha-review.vtt").read_text(encoding="utf-8")


def test_one_file_holds_the_show_and_the_narration_options(site: Path, env: dict) -> None:
    (site / "show.toml").write_text(SHOW + "\n[narrate]\nrate = 200\ntranscript = \"vtt\"\n",
                                    encoding="utf-8")  # fmt: skip
    ok(publish(site, env))
    out = site / "public"
    assert sorted(p.suffix for p in out.glob("alpha-review.*")) == [".json", ".mp3", ".vtt"]
    # The same, as a narrate.toml with a [podcast] table (given with narrate's --config).
    toml = site / "narrate.toml"
    table = "\n".join(f"{line}" for line in SHOW.splitlines())
    toml.write_text(f"rate = 200\ntranscript = \"srt\"\n\n[podcast]\n{table}\n", encoding="utf-8")
    out2 = site / "public2"
    cmd = [sys.executable, "-m", "narrate", "--config", str(toml), "publish",
           str(site / "content"), "--out", str(out2), "--base-url", BASE, "--engine", "tone",
           "--cache-dir", str(site.parent / "cache"), "--jobs", "1"]  # fmt: skip
    ok(subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600))
    assert sorted(p.suffix for p in out2.glob("alpha-review.*")) == [".json", ".mp3", ".srt"]
    assert etree.parse(str(out2 / "feed.xml")).getroot().findtext("channel/title") == (
        "Site Reviews")  # fmt: skip


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _assert_feed_sound(out: Path) -> None:
    """The feed, if there is one, lists only MP3s that are there and complete."""
    feed = out / "feed.xml"
    if not feed.is_file():
        return
    for item in items(feed):
        mp3 = out / local_name_of(item.find("enclosure").get("url"))
        assert mp3.is_file(), mp3
        check_complete(mp3)
        assert int(item.find("enclosure").get("length")) == mp3.stat().st_size


def test_a_killed_publish_is_finished_by_the_next_run(site: Path, env: dict) -> None:
    posts = site / "content" / "posts"
    for n in range(6):
        post(posts, f"extra-{n}.md", f"Extra {n}", *(f"Paragraph {k} of extra {n} is here."
                                                      for k in range(4)))  # fmt: skip
    out = site / "public"
    ok(publish(site, env, "--limit", "1"))  # a feed exists before the killed run
    cmd = [sys.executable, "-m", "narrate", "publish", str(site / "content"), "--out", str(out),
           "--base-url", BASE, "--config", str(site / "show.toml"), "--engine", "tone",
           "--cache-dir", str(site.parent / "cache"), "--jobs", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    start = len(list(out.glob("*.mp3")))
    deadline = time.monotonic() + 300
    kids: list[int] = []
    while time.monotonic() < deadline and len(list(out.glob("*.mp3"))) < start + 2:
        kids = _children(proc.pid) or kids
        _assert_feed_sound(out)
        time.sleep(0.05)
    kids = _children(proc.pid) or kids
    proc.send_signal(signal.SIGKILL)
    for pid in kids:  # its workers, by their own ids
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(30)
    _assert_feed_sound(out)
    assert len(items(out / "feed.xml")) == 1  # the killed run wrote no feed
    done = ok(publish(site, env))
    assert done.stderr.splitlines()[-1].startswith("9 posts: ")
    assert len(items(out / "feed.xml")) == 9
    _assert_feed_sound(out)
    assert [n for n in os.listdir(out) if n.startswith(".")] == []
    again = ok(publish(site, env))
    assert again.stderr.splitlines()[-1].startswith("9 posts: 0 narrated, 9 up to date")


def test_pyttsx3_end_to_end(site: Path, env: dict) -> None:
    for name in ("beta.md", "2024/gamma.txt"):
        (site / "content" / "posts" / name).unlink()
    out = site / "public"
    ok(publish(site, env, engine="pyttsx3"))
    mp3 = out / "alpha-review.mp3"
    check_complete(mp3)
    tags = read_tags(mp3)
    assert tags.engine.startswith("pyttsx3 ") and tags.duration > 2
    assert [c.title for c in tags.chapters][-1] == "Credits"
    assert "This review was read by a synthetic voice." in (out / "alpha-review.vtt").read_text(
        encoding="utf-8")  # fmt: skip
    item = by_title(out / "feed.xml")["Alpha Review"]
    assert item.find("enclosure").get("url") == BASE + "alpha-review.mp3"
    before = state(out)
    ok(publish(site, env, engine="pyttsx3"))
    assert state(out) == before


def test_front_matter_posts_yaml_toml_drafts(site: Path, env: dict) -> None:
    """Needs the readers to fill Metadata from front matter (issue 18, engineer meta)."""
    pytest.importorskip("narrate.loading.frontmatter")
    content = site / "content" / "posts"
    for name in ("alpha.md", "beta.md", "2024/gamma.txt"):
        (content / name).unlink()
    (content / "yaml-post.md").write_text(
        "---\ntitle: \"Yaml &amp; Co\"\ndate: 2024-03-01T20:30:00+02:00\nauthor: Bea Critic\n"
        "rating: 4/5\ndraft: false\n---\n\nThe YAML post is read. It has a rating.\n",
        encoding="utf-8",
    )
    (content / "toml-post.md").write_text(
        '+++\ntitle = "Toml Post"\ndate = 2024-02-01\nauthors = ["Cal", "Dee"]\n'
        'image = "poster.png"\n+++\n\nThe TOML post is read too.\n',
        encoding="utf-8",
    )
    Image.new("RGB", (600, 600), (200, 10, 10)).save(content / "poster.png")
    (content / "draft.md").write_text("---\ntitle: Draft\ndraft: true\n---\n\nNot yet.\n",
                                      encoding="utf-8")  # fmt: skip
    (content / "unpublished.md").write_text(
        "---\ntitle: Later\npublished: false\n---\n\nNot yet either.\n", encoding="utf-8"
    )
    proc = ok(publish(site, env))
    assert proc.stderr.splitlines()[-1] == (
        "2 posts: 2 narrated, 0 up to date, 0 failed; skipped: 2 drafts, 2 list pages"
    )
    feed = site / "public" / "feed.xml"
    got = [(i.findtext("title"), i.findtext("pubDate")) for i in items(feed)]
    assert got == [("Yaml & Co", "Fri, 01 Mar 2024 18:30:00 GMT"),
                   ("Toml Post", "Thu, 01 Feb 2024 12:00:00 GMT")]  # fmt: skip
    assert {t.title: t.artist for t in map(read_tags, (site / "public").glob("*.mp3"))} == {
        "Yaml & Co": "Bea Critic", "Toml Post": "Cal, Dee"}  # fmt: skip
    # The cover: the post's own (embedded, then published beside its MP3), else the show's.
    covers = {i.findtext("title"): i.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}image")
              .get("href") for i in items(feed)}  # fmt: skip
    assert covers == {"Yaml & Co": BASE + "cover.png", "Toml Post": BASE + "toml-post.png"}
    page = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="rating"') == 1 and "Rating: 4/5" in page


def test_publish_on_a_dask_cluster(site: Path, env: dict) -> None:
    pytest.importorskip("distributed")
    (site / "content" / "posts" / "beta.md").unlink()
    (site / "content" / "posts" / "2024" / "gamma.txt").unlink()
    out = site / "public"
    first = ok(publish(site, env, "--executor", "dask-local:1"))
    assert first.stderr.splitlines()[-1] == (
        "1 post: 1 narrated, 0 up to date, 0 failed; skipped: 2 list pages"
    )
    check_complete(out / "alpha-review.mp3")
    assert [n for n in os.listdir(out) if n.startswith(".")] == []
    before = state(out)
    again = ok(publish(site, env, "--executor", "dask-local:1", verbose=True))
    assert "narrate: nothing changed: 1 post(s) up to date" in again.stderr.splitlines()
    assert state(out) == before


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("_index.md", "---\ntitle: Posts\n---\n\nAll my reviews, newest first, with more words "
         "than any list page would ever need to have in it at all, really, truly, yes.\n",
         "section"),
        ("index.md", "# Reviews\n\n- [Alpha](/alpha/)\n- [Beta](/beta/)\n", "section"),
        ("index.html", "<h1>Posts</h1><ul>{% for post in site.posts %}<li><a href="
         '"{{ post.url }}">{{ post.title }}</a></li>{% endfor %}</ul>\n', "section"),
        ("posts/short-film/index.md", "---\ntitle: Short Film\n---\n\nA short review of a "
         "short film. Twelve minutes, one room, two actors. Worth it.\n", "post"),
        ("posts/listy/index.md", "# Top films\n\nMy favourites of the year, with a word on "
         "each of them below, as promised to many readers who asked for a longer list than "
         "last year.\n\n- Alpha: tender\n- Beta: loud\n", "post"),
        ("posts/plain.md", "# Plain\n\n- only\n- a list\n", "post"),
    ],
)
def test_section_and_list_pages_are_told_from_posts(tmp_path: Path, path: str, text: str,
                                                    kind: str) -> None:  # fmt: skip
    from narrate.publishing import folder_posts
    from narrate.settings import TextSettings

    target = tmp_path / "site" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    [found] = folder_posts(tmp_path / "site", TextSettings())
    assert (found.source, found.kind) == (target, kind)


def test_bad_input_is_one_error_line_before_anything_is_written(site: Path, env: dict) -> None:
    out = site / "public"
    show = site / "show.toml"
    post_file = site / "content" / "posts" / "alpha.md"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "narrate", "publish", *args],
                              capture_output=True, text=True, env=env, timeout=120)  # fmt: skip

    common = ["--out", str(out), "--engine", "tone"]
    cases = [
        (run(str(site / "nope"), *common, "--base-url", BASE, "--config", str(show)),
         f"Error: {site / 'nope'}: no such folder, file or URL"),
        (run(str(post_file), *common, "--base-url", BASE, "--config", str(show)),
         f"Error: {post_file}: not a folder of posts or a feed (.xml, .rss, .atom, or an "
         "http(s) URL)"),
        (run(str(site / "content"), *common, "--base-url", "ftp://x/", "--config", str(show)),
         "Error: base URL must be an absolute http(s) URL: 'ftp://x/'"),
        (run(str(site / "content"), *common, "--base-url", BASE),
         "Error: give the show file with --config SHOW.toml (podcast settings)"),
        (run(str(site / "content"), *common, "--base-url", BASE, "--config", str(post_file)),
         f"Error: {post_file}: invalid TOML: Expected '=' after a key in a key/value pair "
         "(at line 3, column 7)"),
    ]  # fmt: skip
    for proc, line in cases:
        assert (proc.returncode, proc.stdout, proc.stderr.splitlines()) == (1, "", [line])
    show.write_text(SHOW.replace('owner_email = "ann@example.org"\n', ""), encoding="utf-8")
    proc = run(str(site / "content"), *common, "--base-url", BASE, "--config", str(show))
    assert proc.stderr.splitlines() == [f"Error: {show}: missing required key 'owner_email'"]
    show.write_text(SHOW + "\n[narrate]\nrate = 9000\n", encoding="utf-8")
    proc = run(str(site / "content"), *common, "--base-url", BASE, "--config", str(show))
    assert proc.returncode == 1 and proc.stderr.splitlines()[0].startswith(
        f"Error: {show}: key 'rate': ")  # fmt: skip
    assert not out.exists()
