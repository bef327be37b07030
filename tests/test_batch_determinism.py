"""Fresh-cache batches of the same reviews, in shuffled orders, on every executor, decode
to the same PCM (issue 21: espeak-ng remembered what each worker had said before)."""

from __future__ import annotations

import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

# Short, and unlike each other: loud, questions, numbers, long clauses.
REVIEWS = {
    "loud": "Loud Review\n\nAAAH! STOP! It is LOUD!\n\nWhy so loud? Nobody knows.\n",
    "quiet": "Quiet Review\n\nA hush falls, and stays.\n\nIt is calm.\n",
    "numbers": "Numbers Review\n\nIn 1987 it cost $4.50.\n\nNow it costs 12 pounds, or more.\n",
    "long": "Long Review\n\nThis sentence goes on, with clause after clause, for quite a while "
    "before it ends.\n\nThen a short one.\n",
    "question": "Question Review\n\nIs it good? Is it bad?\n\nYes.\n",
    "plain": "Plain Review\n\nThe film is long, but it never drags.\n\nSee it.\n",
}


def batch(cwd: Path, order: list[str], out: str, *executor: str) -> dict[str, bytes]:
    """Run ``narrate batch`` on the reviews named so that they sort in ``order``, with an
    empty cache; each MP3's decoded PCM by review."""
    folder = cwd / f"in-{out}"
    folder.mkdir()
    for rank, name in enumerate(order):
        (folder / f"{rank}-{name}.txt").write_text(REVIEWS[name], encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "narrate", "batch", str(folder), "--out-dir", out,
         "--cache-dir", f"cache-{out}", "--profile", "draft", *executor],
        cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"}, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    pcm = {}
    for name in order:
        mp3 = cwd / out / f"{name}-review.mp3"  # named for the title
        pcm[name] = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
    return pcm


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="needs dask")
def test_shuffled_batches_on_every_executor_decode_to_the_same_pcm(tmp_path: Path) -> None:
    rng = random.Random(21)
    runs = {}
    for out, executor in (
        ("jobs1", ("--jobs", "1")),
        ("jobs1-again", ("--jobs", "1")),
        ("jobs2", ("--jobs", "2")),
        ("dask", ("--executor", "dask-local:2")),
    ):
        order = list(REVIEWS)
        rng.shuffle(order)
        runs[out] = batch(tmp_path, order, out, *executor)
    first = runs["jobs1"]
    assert all(len(first[name]) > 22050 for name in REVIEWS)  # a second of speech or more
    for out, pcm in runs.items():
        differ = sorted(name for name in REVIEWS if pcm[name] != first[name])
        assert differ == [], out
