"""The Podcast Index's own parser, podcast-partytime (npm), reads what narrate writes.

partytime keys on the ``podcast:`` prefix (gPodder's podcastparser on the GitHub URI):
the feed must satisfy both. Installed into .venv/node by scripts/bootstrap.sh --dev.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import test_feed
from narrate.feed import add_episode, build_feed, default_podcast_guid
from test_feed import BASE, BETA_CHAPTERS, FOREIGN, HOSTILE, _inject, config, episode, items

audio = test_feed.audio
show = test_feed.show
ROOT = Path(__file__).resolve().parent.parent
MODULES = Path(os.environ.get("NARRATE_NODE_MODULES", ROOT / ".venv" / "node" / "node_modules"))
SCRIPT = Path(__file__).parent / "js" / "partytime_parse.js"


def partytime(feed: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the podcast-partytime check needs Node.js")
    if not (MODULES / "podcast-partytime" / "package.json").is_file():
        pytest.skip("podcast-partytime is not in .venv/node (scripts/bootstrap.sh --dev)")
    proc = subprocess.run(
        [node, str(SCRIPT), str(feed)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NODE_PATH": str(MODULES)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_partytime_reads_a_built_and_updated_feed(show: Path, audio: dict) -> None:
    feed = build_feed(show, BASE, config(title=HOSTILE, locked=True))
    _inject(feed, FOREIGN)
    add_episode(feed, episode(audio, show, "zeta one.mp3", 5, title=HOSTILE, date="2024-08-01"))
    data = partytime(feed)
    assert data["title"] == HOSTILE
    assert data["guid"] == default_podcast_guid(BASE + "feed.xml")
    assert data["locked"] is True
    written = {i.findtext("guid"): i for i in items(feed)}
    assert [i["guid"] for i in data["items"]] == list(written)
    by_guid = {i["guid"]: i for i in data["items"]}
    for guid, item in written.items():
        enclosure = item.find("enclosure")
        got = by_guid[guid]
        assert got["url"] == enclosure.get("url")
        assert got["length"] == int(enclosure.get("length"))
        assert got["title"] == item.findtext("title")
    titles = [i["title"] for i in data["items"]]
    assert titles[0] == HOSTILE and "Foreign & handmade" in titles
    beta = next(i for i in data["items"] if i["title"] == "Beta & Gamma")
    assert beta["duration"] == 5
    # partytime reads application/x-subrip and reports it under its own name.
    assert beta["transcripts"] == [[BASE + "beta%20gamma.srt", "application/srt"],
                                   [BASE + "beta%20gamma.vtt", "text/vtt"]]  # fmt: skip
    assert beta["chapters"] == BASE + "beta%20gamma.chapters.json"
    assert len(BETA_CHAPTERS) == 3


def test_partytime_reads_the_2026_tags(show: Path, audio: dict) -> None:
    episode(audio, show, "eps.mp3", title="Eps", artist="Bea Critic", date="2024-07-01",
            language="fra")  # fmt: skip
    (show / "eps.vtt").write_text("WEBVTT\n", encoding="utf-8")
    feed = build_feed(show, BASE, config())
    data = partytime(feed)
    assert data["medium"] == "podcast"
    assert data["people"] == [{"name": "Ann Author", "role": "Author", "group": "Writing"}]
    eps = next(i for i in data["items"] if i["title"] == "Eps")
    assert eps["people"] == [{"name": "Bea Critic", "role": "Author", "group": "Writing"}]
    assert eps["transcripts"] == [[BASE + "eps.vtt", "text/vtt"]]
    assert eps["languages"] == ["fr"]
    # partytime 5.0.0 drops <podcast:txt>true</podcast:txt>: its XML parser turns the
    # text "true" into a boolean, which its getText() does not return (any other text,
    # "True" included, is read). The tag is the one the spec gives; pinned here so that a
    # partytime that reads it makes this fail and is noticed.
    assert data["txt"] == [] and all(i["txt"] == [] for i in data["items"])
    assert feed.read_text(encoding="utf-8").count(
        '<podcast:txt purpose="ai-content">true</podcast:txt>') == 1 + len(data["items"])
