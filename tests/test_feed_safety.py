"""Feed correctness on hostile ground: concurrent writers, other publishers' items, copies,
bad base URLs, damaged MP3s, and a runtime that has only the declared dependencies.

Fixtures and helpers come from test_feed (real ffmpeg MP3s, real mutagen tags).
"""

from __future__ import annotations

import ast
import logging
import shutil
import subprocess
import sys
import threading
import uuid
from importlib import metadata
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

import narrate
import test_feed
from narrate.cli import cli
from narrate.errors import FeedError, InputError
from narrate.feed import add as add_module
from narrate.feed import add_episode, build_feed, check_feed
from narrate.feed import publish as publish_module
from narrate.feed.episode import url_guid
from narrate.feed.publish import lock_path
from narrate.mp3frames import damage, scan, scan_bytes
from narrate.tags import TagData, guid_for_name, read_tags, write_tags
from test_feed import (
    BASE,
    FOREIGN,
    _inject,
    artwork,
    c14n,
    config,
    episode,
    guid_of,
    items,
    pp,
)

OTHER = "https://other.example.net/"
# The fixtures of test_feed, shared here by name.
audio = test_feed.audio
show = test_feed.show


def run(*args: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in args])


def fails(result, line: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.rstrip("\n").splitlines()[-1] == line
    assert result.stdout == ""
    assert "Traceback" not in result.output


def minimal_toml(folder: Path) -> Path:
    toml = folder / "podcast.toml"
    toml.write_text(
        'title = "T"\ndescription = "D"\nlink = "https://example.com/"\nlanguage = "en"\n'
        'author = "A"\nowner_name = "A"\nowner_email = "a@example.com"\nimage = "cover.jpg"\n'
        'category = "Arts"\n',
        encoding="utf-8",
    )
    return toml


def errors(feed: Path, folder: Path | None = None) -> list[str]:
    return [f.message for f in check_feed(feed, folder=folder) if f.level == "error"]


# --------------------------------------------------------------------------- the lock


def test_ten_concurrent_feed_adds_keep_every_item(tmp_path: Path, audio: dict) -> None:
    folder = tmp_path / "pub"
    folder.mkdir()
    artwork(folder / "cover.jpg")
    episode(audio, folder, "first.mp3", title="First", date="2024-01-01")
    feed = build_feed(folder, BASE, config())
    mp3s = [
        episode(audio, folder, f"ep{n:02d}.mp3", title=f"Episode {n}", date=f"2024-02-{n + 1:02d}")
        for n in range(10)
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "narrate", "feed", "add", str(mp3)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mp3 in mp3s
    ]
    results = [(p.wait(timeout=240), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0] * 10, [r[2] for r in results]
    titles = [i.findtext("title") for i in items(feed)]
    assert len(titles) == 11
    assert titles == [f"Episode {n}" for n in range(9, -1, -1)] + ["First"]  # newest first
    assert len({i.findtext("guid") for i in items(feed)}) == 11
    assert check_feed(feed, folder=folder) == []
    assert not list(folder.glob(".narrate-tmp-*"))


def _assert_locked(feed: Path) -> None:
    """Another process (another open file) cannot take the feed's lock right now."""
    with pytest.raises(filelock.Timeout):
        filelock.FileLock(str(lock_path(feed)), timeout=0).acquire()


def test_feed_add_holds_the_lock_from_read_to_write(
    show: Path, audio: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = build_feed(show, BASE, config())
    seen: list[str] = []
    real_parse, real_write = add_module.parse_feed, publish_module.write_bytes_atomic

    def parse(path: Path):
        _assert_locked(feed)
        seen.append("read")
        return real_parse(path)

    def write(path: Path, data: bytes) -> None:
        _assert_locked(feed)
        seen.append("write")
        real_write(path, data)

    monkeypatch.setattr(add_module, "parse_feed", parse)
    monkeypatch.setattr(publish_module, "write_bytes_atomic", write)
    add_episode(feed, episode(audio, show, "zeta.mp3", title="Zeta", date="2024-08-01"))
    assert seen == ["read", "write"]
    filelock.FileLock(str(lock_path(feed)), timeout=0).acquire()  # released afterwards
    build_feed(show, BASE, config())
    assert seen == ["read", "write", "write"]


def test_the_published_folder_holds_no_lock_or_hidden_file(
    show: Path, audio: dict, tmp_path: Path
) -> None:
    feed = build_feed(show, BASE, config())
    add_episode(feed, episode(audio, show, "zeta.mp3", title="Zeta", date="2024-08-01"))
    assert [p.name for p in show.iterdir() if p.name.startswith(".")] == []
    assert not lock_path(feed).is_relative_to(show.resolve())
    # One feed, one lock, however it is named: through a symlink, or with "..".
    link = tmp_path / "link"
    link.symlink_to(show, target_is_directory=True)
    names = [link / "feed.xml", show / ".." / show.name / "feed.xml"]
    assert {lock_path(n) for n in names} == {lock_path(feed)}
    assert lock_path(feed) != lock_path(tmp_path / "other" / "feed.xml")
    with filelock.FileLock(str(lock_path(link / "feed.xml")), timeout=0):
        _assert_locked(feed)


def test_a_held_lock_makes_feed_add_wait_then_fail_with_one_line(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = build_feed(show, BASE, config())
    monkeypatch.setattr(publish_module, "LOCK_TIMEOUT", 0.2)
    before = feed.read_bytes()
    held = threading.Event()
    done = threading.Event()

    def hold() -> None:
        with filelock.FileLock(str(lock_path(feed))):
            held.set()
            done.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        held.wait(30)
        fails(
            run("feed", "add", show / "alpha.mp3"),
            f"Error: {feed} is being updated by another process (its lock {lock_path(feed)} "
            "was held for 0.2 s)",
        )
    finally:
        done.set()
        thread.join()
    assert feed.read_bytes() == before


# --------------------------------------------------------------------------- matching


def _foreign(url: str, guid: str | None, title: str = "Theirs") -> str:
    guid_el = f"<guid>{guid}</guid>" if guid is not None else ""
    return (
        f'    <item><title>{title}</title><enclosure url="{url}" length="999" '
        f'type="audio/mpeg"/>{guid_el}<pubDate>Mon, 01 Jan 2024 08:00:00 +0000</pubDate>'
        "</item>\n"
    )


@pytest.mark.parametrize(
    "guid_kind", ["name-derived", "their-url", "none", "same-tag-guid", "our-url-guid"]
)
def test_feed_add_never_replaces_another_hosts_item_of_the_same_name(
    show: Path, guid_kind: str
) -> None:
    alpha = show / "alpha.mp3"
    if guid_kind == "same-tag-guid":  # both publishers tagged the episode by hand alike
        write_tags(alpha, TagData(title="Alpha review", date="2024-05-01", guid="urn:x:alpha"))
    feed = build_feed(show, BASE, config())
    guid = {
        "name-derived": guid_for_name("alpha.mp3"),  # what older narrate versions wrote
        "their-url": url_guid(OTHER + "alpha.mp3"),
        "none": None,
        "same-tag-guid": "urn:x:alpha",
        "our-url-guid": guid_of(alpha),  # a hand-made item that copied our GUID
    }[guid_kind]
    _inject(feed, _foreign(OTHER + "alpha.mp3", guid))
    theirs = c14n(items(feed)[-1])

    add_episode(feed, alpha)
    after = items(feed)
    assert [c14n(i) for i in after].count(theirs) == 1  # the other publisher's item survives
    ours = [i for i in after if i.find("enclosure").get("url") == BASE + "alpha.mp3"]
    assert len(ours) == 1
    assert len(after) == 4
    # An item without a GUID is an error (Apple requires one): theirs, never ours.
    missing = ['item 4 "Theirs" has no <guid> (Apple Podcasts requires one)']
    assert errors(feed, show) == (missing if guid is None else [])
    assert len({e["guid"] for e in pp(feed)["episodes"]}) == 4


def test_feed_add_replaces_a_renamed_files_item_by_its_guid(show: Path) -> None:
    alpha = show / "alpha.mp3"
    write_tags(alpha, TagData(title="Alpha review", date="2024-05-01", guid="urn:x:alpha"))
    feed = build_feed(show, BASE, config())
    renamed = alpha.rename(show / "alpha-2024.mp3")
    add_episode(feed, renamed)
    urls = [i.find("enclosure").get("url") for i in items(feed)]
    assert BASE + "alpha.mp3" not in urls  # the old name's item was this episode
    assert urls.count(BASE + "alpha-2024.mp3") == 1
    assert len(urls) == 3
    assert errors(feed, show) == []


def test_feed_add_matches_the_full_url_not_the_file_name(show: Path) -> None:
    feed = build_feed(show, BASE, config())
    _inject(feed, FOREIGN.replace("https://other.example.net/a.mp3", BASE + "sub/alpha.mp3"))
    _inject(feed, _foreign(BASE + "alpha.mp3?x=1", "urn:q"))
    add_episode(feed, show / "alpha.mp3")
    urls = [i.find("enclosure").get("url") for i in items(feed)]
    assert sorted(urls) == sorted(
        [BASE + "delta.mp3", BASE + "beta%20gamma.mp3", BASE + "alpha.mp3",
         BASE + "sub/alpha.mp3", BASE + "alpha.mp3?x=1"]
    )  # fmt: skip


# --------------------------------------------------------------------------- copies


def _narrated(mp3: Path, title: str, **tags) -> Path:
    """Tag an MP3 the way narrate read does: GUID from its own file name."""
    write_tags(mp3, TagData(title=title, guid=guid_for_name(mp3.name), **tags))
    return mp3


@pytest.mark.parametrize("copies", [1, 2, 3])
def test_byte_copies_of_an_episode_give_a_feed_that_passes_its_check(
    show: Path, copies: int, caplog: pytest.LogCaptureFixture
) -> None:
    alpha = _narrated(show / "alpha.mp3", "Alpha review", date="2024-05-01")
    beta = show / "beta gamma.mp3"
    write_tags(beta, TagData(title="Beta", guid="urn:x:beta", date="2024-06-01"))
    for n in range(copies):
        shutil.copyfile(alpha, show / f"alpha copy{f' {n + 1}' if n else ''}.mp3")
        shutil.copyfile(beta, show / f"beta copy{f' {n + 1}' if n else ''}.mp3")
    with caplog.at_level(logging.WARNING, logger="narrate.feed"):
        feed = build_feed(show, BASE, config())
    guids = [i.findtext("guid") for i in items(feed)]
    assert len(guids) == 3 + 2 * copies
    assert len(set(guids)) == len(guids)
    assert check_feed(feed, folder=show) == []
    assert "urn:x:beta" in guids  # the first file (by name) keeps a GUID set by hand
    assert guids.count(guid_for_name("alpha.mp3")) <= 1
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "alpha copy.mp3 carries the GUID narrate gave alpha.mp3" in messages
    # feed add of another copy never takes the place of the first copy's item.
    extra = show / "alpha copy 9.mp3"
    shutil.copyfile(alpha, extra)
    add_episode(feed, extra)
    assert len(items(feed)) == 4 + 2 * copies
    assert check_feed(feed, folder=show) == []


def test_feed_add_refuses_to_make_a_valid_feed_invalid(
    show: Path, audio: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard: a broken item writer (here: a repeated GUID) never reaches the feed."""
    feed = build_feed(show, BASE, config())
    before = feed.read_bytes()
    taken = items(feed)[0].findtext("guid")
    real = add_module.fill_item

    def broken(item, ep, explicit, ns, **kw) -> None:
        real(item, ep, explicit, ns, **kw)
        item.find("guid").text = taken

    monkeypatch.setattr(add_module, "fill_item", broken)
    zeta = episode(audio, show, "zeta.mp3", title="Zeta", date="2024-08-01")
    with pytest.raises(FeedError) as info:
        add_episode(feed, zeta)
    assert str(info.value) == (
        f"{feed} not written: feed check would reject it: "
        f"item 2 \"Delta\" repeats the guid '{taken}' of item 1"
    )
    assert feed.read_bytes() == before
    # The same check passes a feed that was already broken, if the add adds no new error.
    monkeypatch.setattr(add_module, "fill_item", real)
    _inject(feed, _foreign(OTHER + "x.mp3", None, title=""))
    add_episode(feed, zeta)
    assert errors(feed) == ["item 5 has no <title>",
                            "item 5 has no <guid> (Apple Podcasts requires one)"]  # fmt: skip


def test_a_second_error_of_a_kind_the_feed_already_has_is_refused(
    show: Path, audio: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors are counted per kind, not compared as a set: a feed with one item without a
    <title> must not take a second one."""
    feed = build_feed(show, BASE, config())
    _inject(feed, _foreign(OTHER + "x.mp3", None, title=""))
    before = feed.read_bytes()
    untitled_before = [e for e in errors(feed) if e.endswith("has no <title>")]
    assert len(untitled_before) == 1
    real = add_module.fill_item

    def untitled(item, ep, explicit, ns, **kw) -> None:
        real(item, ep, explicit, ns, **kw)
        item.remove(item.find("title"))

    monkeypatch.setattr(add_module, "fill_item", untitled)
    zeta = episode(audio, show, "zeta.mp3", title="Zeta", date="2024-08-01")
    with pytest.raises(FeedError) as info:
        add_episode(feed, zeta)
    message = str(info.value)
    assert message.startswith(f"{feed} not written: feed check would reject it: item ")
    assert message.endswith(" has no <title>")
    assert feed.read_bytes() == before


# --------------------------------------------------------------------------- base URL

BAD_BASE_URLS = [
    ("https://example.com/my pod/", "must not contain spaces or control characters "
     "(write a space as %20)"),
    ("https://exa mple.com/pod/", "must not contain spaces or control characters "
     "(write a space as %20)"),
    ("https://example.com/pod\t/", "must not contain spaces or control characters "
     "(write a space as %20)"),
    ("https://example.com/pod#top", "must not have a fragment (#...)"),
    ("https://example.com/pod/#", "must not have a fragment (#...)"),
    ("https://example.com/pod?x=1", "must not have a query (?...)"),
    ("https://example.com/pod/?", "must not have a query (?...)"),
    ("https://example.com:99999/pod/", "has an invalid port"),
    ("https://example.com:http/pod/", "has an invalid port"),
    ("https://example.com:-1/pod/", "has an invalid port"),
    ("https://user:secret@example.com/pod/", "must not contain a user name or password"),
    ("https://exa_mple.com/pod/", "has an invalid host name"),
    ("https://-example.com/pod/", "has an invalid host name"),
    ("https://example..com/pod/", "has an invalid host name"),
    ("http://[::zz]/pod/", "has an invalid host name"),
    ("https://example.com/100%/", "has a '%' that is not followed by two hex digits"),
    ("https://example.com\\pod/", "must not contain a backslash"),
    ("ftp://example.com/pod/", "must be an absolute http(s) URL"),
    ("//example.com/pod/", "must be an absolute http(s) URL"),
    ("example.com/pod/", "must be an absolute http(s) URL"),
    ("https:///pod/", "must be an absolute http(s) URL"),
    ("", "must be an absolute http(s) URL"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "problem"), BAD_BASE_URLS)
def test_bad_base_urls_give_one_exact_error_line(show: Path, url: str, problem: str) -> None:
    toml = minimal_toml(show)
    line = f"Error: base URL {problem}: {url!r}"
    fails(run("feed", "build", show, "--base-url", url, "--config", toml), line)
    assert not (show / "feed.xml").exists()
    feed = build_feed(show, BASE, config())
    before = feed.read_bytes()
    fails(run("feed", "add", show / "alpha.mp3", "--base-url", url), line)
    assert feed.read_bytes() == before


@pytest.mark.parametrize(
    ("url", "enclosure"),
    [
        ("https://example.com/pod", "https://example.com/pod/alpha.mp3"),
        ("  https://EXAMPLE.com/pod/  ", "https://example.com/pod/alpha.mp3"),
        ("http://example.com:8080/", "http://example.com:8080/alpha.mp3"),
        ("https://example.com/caf%C3%A9/", "https://example.com/caf%C3%A9/alpha.mp3"),
        ("https://example.com/café/", "https://example.com/caf%C3%A9/alpha.mp3"),
        ("https://example.com/a[1]/", "https://example.com/a%5B1%5D/alpha.mp3"),
        ("https://bücher.example/Über/", "https://xn--bcher-kva.example/%C3%9Cber/alpha.mp3"),
        ("http://[::1]:8000/pod", "http://[::1]:8000/pod/alpha.mp3"),
    ],
)
def test_good_base_urls_are_percent_encoded_folders(show: Path, url: str, enclosure: str) -> None:
    feed = build_feed(show, url, config())
    eps = {e["title"]: e for e in pp(feed)["episodes"]}
    assert eps["Alpha review"]["enclosures"][0]["url"] == enclosure
    assert check_feed(feed, folder=show) == []


# --------------------------------------------------------------------------- damaged MP3s


@pytest.fixture(scope="module")
def encodings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One second of tone in three layouts: CBR with an Info header, VBR with a Xing
    header, and CBR without any (ffmpeg -write_xing 0)."""
    folder = tmp_path_factory.mktemp("enc")
    variants = {
        "info": ["-ac", "1", "-ar", "44100", "-b:a", "96k"],
        "xing": ["-ac", "2", "-ar", "48000", "-q:a", "4"],
        "plain": ["-ac", "2", "-ar", "22050", "-b:a", "32k", "-write_xing", "0"],
    }
    out = {}
    for name, args in variants.items():
        path = folder / f"{name}.mp3"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
             "sine=frequency=440:duration=1", *args, str(path)],
            check=True,
        )  # fmt: skip
        out[name] = path.read_bytes()
    return out


def test_whole_mp3s_are_whole(encodings: dict[str, bytes]) -> None:
    for name, data in encodings.items():
        facts = scan_bytes(data)
        assert damage(facts) is None, name
        assert facts.stream_bytes + facts.audio_start == len(data)
    assert scan_bytes(encodings["info"]).header == "Info"
    assert scan_bytes(encodings["xing"]).header == "Xing"
    assert scan_bytes(encodings["plain"]).header is None
    # An independent reader agrees on the length: ffprobe's frame count.
    assert damage(scan_bytes(b"")) == "it holds no MPEG audio frames"
    assert damage(scan_bytes(b"ID3" + b"\x00" * 200)) == "it holds no MPEG audio frames"


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_cut_of_an_mp3_with_a_header_is_found(encodings: dict[str, bytes], data) -> None:
    name = data.draw(st.sampled_from(["info", "xing"]))
    whole = encodings[name]
    start = scan_bytes(whole).audio_start
    cut = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))
    problem = damage(scan_bytes(whole[:cut]))
    assert problem is not None
    assert problem.startswith(("it is cut short", "it holds no MPEG audio frames"))
    if cut > start + 2000:
        assert problem.startswith("it is cut short")


def test_a_cut_inside_a_frame_is_found_without_a_header(encodings: dict[str, bytes]) -> None:
    whole = encodings["plain"]
    facts = scan_bytes(whole)
    frame = facts.stream_bytes // facts.frames
    found = missed = 0
    for cut in range(facts.audio_start + 1, len(whole)):
        if damage(scan_bytes(whole[:cut])) is None:
            missed += 1
        else:
            found += 1
    # Only cuts at a frame boundary leave a shorter but whole CBR stream: nothing to see.
    assert missed == facts.frames - 1
    assert found == len(whole) - facts.audio_start - 1 - missed
    assert frame > 50


def count_only_and_one_frame_short(whole: bytes) -> tuple[bytes, int]:
    """``whole`` (a CBR file whose first frame is an Info header) with that header
    cut down to a frame count (flags 1: no byte count to catch a short file by), and the
    last audio frame removed; and the count the header promises."""
    from narrate.mp3frames import _frame_length

    facts = scan_bytes(whole)
    data = bytearray(whole)
    at = data.index(b"Info", facts.audio_start)
    data[at + 4 : at + 8] = (1).to_bytes(4, "big")
    promised = int.from_bytes(data[at + 8 : at + 12], "big")
    pos, last = facts.audio_start, facts.audio_start
    while pos < len(data) and (length := _frame_length(data, pos)):
        last, pos = pos, pos + length
    assert pos == len(data)  # ended on a frame boundary: the cut below is one whole frame
    return bytes(data[:last]), promised


def test_a_count_only_header_one_frame_short_is_found(
    encodings: dict[str, bytes], tmp_path: Path
) -> None:
    """The Info frame holds no audio: counted as one, a file one frame short looks whole
    (and ``feed build`` would publish it)."""
    from narrate.inspect import inspect_mp3

    short, promised = count_only_and_one_frame_short(encodings["info"])
    facts = scan_bytes(short)
    assert (facts.header, facts.header_frames, facts.header_bytes) == ("Info", promised, None)
    assert damage(facts) == (
        f"it is cut short: {promised - 1} of the {promised} audio frames "
        "its Info header promises are there"
    )
    path = tmp_path / "short.mp3"
    path.write_bytes(short)
    r = inspect_mp3(path)
    assert r.frames == promised - 1
    assert r.problems == (
        f"truncated: its header promises {promised * 1152 / 44100:.1f} s ({promised} frames), "
        f"the file holds {(promised - 1) * 1152 / 44100:.1f} s ({promised - 1})",
    )


def test_feed_build_skips_a_truncated_mp3_and_feed_add_refuses_it(
    show: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alpha = show / "alpha.mp3"
    whole = alpha.read_bytes()
    alpha.write_bytes(whole[: len(whole) * 2 // 3])
    facts = scan(alpha)
    problem = damage(facts)
    assert problem is not None and problem.startswith("it is cut short")
    with caplog.at_level(logging.WARNING, logger="narrate.feed"):
        feed = build_feed(show, BASE, config())
    assert [i.findtext("title") for i in items(feed)] == ["Delta", "Beta & Gamma"]
    assert f"skipping alpha.mp3: alpha.mp3 is damaged: {problem}" in [
        r.getMessage() for r in caplog.records
    ]
    assert check_feed(feed, folder=show) == []
    before = feed.read_bytes()
    with pytest.raises(InputError) as info:
        add_episode(feed, alpha)
    assert str(info.value) == f"alpha.mp3 is damaged: {problem}"
    fails(run("feed", "add", alpha), f"Error: alpha.mp3 is damaged: {problem}")
    assert feed.read_bytes() == before
    alpha.write_bytes(whole)
    add_episode(feed, alpha)
    assert len(items(feed)) == 3
    assert read_tags(alpha).duration > 2.9


# --------------------------------------------------------------------------- imports


def test_feed_commands_run_without_pillow(show: Path) -> None:
    """Pillow is a dev dependency only: build and check work when it cannot be imported."""
    artwork(show / "cover.jpg", (1400, 1500))  # an error that only the image check sees
    script = (
        "import sys; sys.modules['PIL'] = None\n"
        "from narrate.cli import main\n"
        "sys.argv = ['narrate', 'feed', 'build', sys.argv[1], '--base-url', sys.argv[2],"
        " '--config', sys.argv[3]]\n"
        "main()\n"
    )
    toml = minimal_toml(show)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(show), BASE, str(toml)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        f"Error: {show / 'feed.xml'} not written: feed check would reject it: "
        "channel artwork cover.jpg is 1400x1500 px; it must be square"
    )


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _requirement_name(req: str) -> str:
    return req.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip()


def test_every_module_narrate_imports_is_a_declared_runtime_dependency() -> None:
    """A plain pip install must have all its commands import (extras: only their own)."""
    dist = metadata.distribution(metadata.packages_distributions()["narrate"][0])
    runtime, extras = set(), set()
    for req in dist.requires or []:
        name = _requirement_name(req).lower().replace("_", "-")
        marker = req.split(";", 1)[1] if ";" in req else ""
        if "extra ==" not in marker:
            runtime.add(name)
        elif "extra == \"dev\"" not in marker and "extra == 'dev'" not in marker:
            extras.add(name)
    providers = metadata.packages_distributions()
    root = Path(narrate.__file__).parent
    undeclared = {}
    for module in sorted(root.rglob("*.py")):
        for name in _top_level_imports(module):
            if name in sys.stdlib_module_names or name in ("narrate", "__future__"):
                continue
            dists = {d.lower().replace("_", "-") for d in providers.get(name, [name])}
            if not dists & (runtime | extras) and name not in ("tomli",):
                undeclared.setdefault(name, []).append(str(module.relative_to(root)))
    assert undeclared == {}


def test_no_pillow_anywhere_in_the_feed_package() -> None:
    root = Path(narrate.__file__).parent / "feed"
    assert all("PIL" not in _top_level_imports(p) for p in root.rglob("*.py"))
    assert uuid.UUID(url_guid(BASE + "x.mp3")).version == 5


# --------------------------------------------------------------------------- hostile feeds


@pytest.mark.parametrize(
    "url", ["http://[::zz]/a.mp3", "javascript:alert(1)", "http://exa mple.com/a.mp3", ""]
)
def test_check_and_the_show_page_survive_hostile_enclosure_urls(show: Path, url: str) -> None:
    feed = build_feed(show, BASE, config())
    _inject(feed, _foreign(url, "urn:hostile"))
    assert errors(feed, show) == [
        f"item 4 \"Theirs\" has an enclosure url that is not an absolute http(s) URL: {url!r}"
    ]
    add_episode(feed, show / "alpha.mp3")  # the page is written again, with that item
    page = (show / "index.html").read_text(encoding="utf-8")
    doc = html.fromstring(page)
    srcs = doc.xpath("//audio/@src")
    assert len(doc.xpath("//article")) == 4
    # ours beside the page, relative (a copy opened from disk plays them too)
    assert sorted(srcs) == ["alpha.mp3", "beta%20gamma.mp3", "delta.mp3"]
    assert "javascript:" not in "".join(doc.xpath("//@src | //@href"))
