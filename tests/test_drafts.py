"""Drafts: ``narrate batch`` skips a post whose header says it is not published."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from narrate.batch import DRAFT, OK, BatchResult, ItemResult
from narrate.cli.batch import format_summary

BODY = "The film opens well.\n\nThe ending is strong.\n"


def test_batch_skips_drafts_and_says_so(tmp_path: Path) -> None:
    posts = tmp_path / "content"
    posts.mkdir()
    (posts / "a-draft.md").write_text("---\ntitle: A Draft\ndraft: true\n---\n" + BODY)
    (posts / "b-unpublished.md").write_text("+++\ntitle = 'Not Yet'\npublished = false\n+++\n"
                                            + BODY)  # fmt: skip
    (posts / "c-pelican.txt").write_text("Title: Hidden\nStatus: draft\n\n" + BODY)
    (posts / "d-live.md").write_text("---\ntitle: Live\ndraft: false\n---\n" + BODY)
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "narrate", "batch", str(posts), "--out-dir", str(out),
         "--engine", "tone", "--jobs", "1", "--cache-dir", str(tmp_path / "cache"),
         "--report", str(tmp_path / "report.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.glob("*.mp3")) == ["live.mp3"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(i["source"].rsplit("/", 1)[-1], i["status"], i["reason"], i["title"])
            for i in report["items"]] == [
        ("a-draft.md", "draft", "draft: not published", "A Draft"),
        ("b-unpublished.md", "draft", "draft: not published", "Not Yet"),
        ("c-pelican.txt", "draft", "draft: not published", "Hidden"),
        ("d-live.md", "ok", None, "Live"),
    ]  # fmt: skip
    assert report["summary"]["draft"] == 3
    assert report["summary"]["failed"] == 0
    last = (run.stdout + run.stderr).strip().splitlines()[-1]
    assert last.startswith("4 items: 1 ok, 0 up to date, 0 failed, 3 skipped as drafts; ")


def test_summary_rows_of_drafts(tmp_path: Path) -> None:
    result = BatchResult(
        (ItemResult("a.md", "out/a.mp3", OK, duration=61),
         ItemResult("b.md", None, DRAFT, "draft: not published", title="B")),
        elapsed=3, out_dir=tmp_path,
    )  # fmt: skip
    lines = format_summary(result).splitlines()
    assert lines[2].split(None, 2) == ["draft", "b.md", "draft: not published"]
    assert lines[-1] == (
        "2 items: 1 ok, 0 up to date, 0 failed, 1 skipped as drafts; 1.0 min of audio in 0:03")
