"""The batch command's text for people: the summary table."""

from __future__ import annotations

from pathlib import Path

from narrate import batch
from narrate.cli.batch import format_summary


def test_summary_text(tmp_path: Path) -> None:
    result = batch.BatchResult(
        (
            batch.ItemResult("a.txt", "out/a.mp3", batch.OK, duration=61),
            batch.ItemResult("b.txt", None, batch.FAILED, "b.txt: file is empty"),
        ),
        elapsed=3,
        out_dir=tmp_path,
    )
    lines = format_summary(result).splitlines()
    assert lines[1].split() == ["ok", "a.txt", "out/a.mp3", "(1:01)"]
    assert lines[2].split(None, 2) == ["failed", "b.txt", "b.txt: file is empty"]
    assert lines[-1] == "2 items: 1 ok, 0 up to date, 1 failed; 1.0 min of audio in 0:03"


def test_summary_of_one_item_says_item(tmp_path) -> None:
    result = batch.BatchResult(
        (batch.ItemResult("a.txt", "out/a.mp3", batch.OK, duration=6),), elapsed=1,
        out_dir=tmp_path,
    )  # fmt: skip
    assert format_summary(result).splitlines()[-1] == (
        "1 item: 1 ok, 0 up to date, 0 failed; 0.1 min of audio in 0:01"
    )
