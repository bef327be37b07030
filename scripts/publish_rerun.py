#!/usr/bin/env python3
"""Measure ``narrate publish`` on a rerun with nothing changed (issue 20: < 1 s, 100 posts).

Makes a site of N Markdown posts (YAML front matter, three paragraphs each), publishes it
once with the tone engine (the narration is not what is measured), then times R reruns
of the same command as a user runs it (a fresh ``python -m narrate`` process each) and
checks that no MP3 was rewritten. Prints each time and the median.

    python scripts/publish_rerun.py [--posts 100] [--rounds 5] [--work /tmp/publish-rerun]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SHOW = """title = "Rerun Reviews"
description = "Reviews, read aloud."
link = "https://example.org/"
language = "en"
author = "Ann Author"
owner_name = "Ann Author"
owner_email = "ann@example.org"
image = "cover.png"
category = "TV & Film"
"""


def make_site(root: Path, posts: int) -> None:
    from PIL import Image

    (root / "content" / "posts").mkdir(parents=True)
    for n in range(posts):
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
        (root / "content" / "posts" / f"review-{n:03d}.md").write_text(
            f"---\ntitle: Review number {n}\ndate: {day}\nauthor: Ann Author\n---\n\n"
            f"The film number {n} opens quietly. It builds a world in a few scenes.\n\n"
            "The middle drags a little, but the actors hold it together.\n\n"
            "In the end it is worth seeing. Four out of five.\n",
            encoding="utf-8",
        )
    Image.new("RGB", (1400, 1400), (20, 40, 80)).save(root / "cover.png")
    (root / "show.toml").write_text(SHOW, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/publish-rerun"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep a site published before")
    args = ap.parse_args()
    out = args.work / "public"
    if not (args.reuse and out.is_dir()):
        shutil.rmtree(args.work, ignore_errors=True)
        make_site(args.work, args.posts)
    cmd = [sys.executable, "-m", "narrate", "-q", "publish", str(args.work / "content"),
           "--out", str(out), "--base-url", "https://example.org/pod/",
           "--config", str(args.work / "show.toml"), "--engine", "tone",
           "--cache-dir", str(args.work / "cache"), "--jobs", str(args.jobs)]  # fmt: skip
    started = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    print(f"first run: {args.posts} posts published in {time.monotonic() - started:.1f} s")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("*.mp3")}
    assert len(before) == args.posts, len(before)
    times, cpu = [], []
    for _ in range(args.rounds):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - started)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time (user + system) is what the run costs on an idle machine; the wall
        # time also counts waiting for a core on a busy one (see the load average).
        cpu.append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
        print(f"rerun: {times[-1]:.3f} s wall, {cpu[-1]:.3f} s CPU")
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("*.mp3")}
    assert after == before, "a rerun rewrote an MP3"
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert not hidden, hidden
    load = os.getloadavg()[0]
    print(f"median rerun of {args.posts} posts: {statistics.median(times):.3f} s wall "
          f"(min {min(times):.3f} s; load average {load:.1f}), "
          f"{statistics.median(cpu):.3f} s CPU; no MP3 rewritten")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
