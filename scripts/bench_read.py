#!/usr/bin/env python3
"""Benchmark `narrate read` against the raw `espeak-ng --stdout | ffmpeg` pipeline.

Both produce the same output format (mono 44.1 kHz CBR 96k MP3) from the same text, in
one run, on this machine; narrate starts with an empty clip cache. Prints wall times,
the ratio, and peak memory (max RSS of the narrate process itself; ffmpeg runs beside
it in both cases). Usage:

    .venv/bin/python scripts/bench_read.py [--repeat N] [--runs K]

--repeat N narrates the sample review N times over as one long review (N=1: the sample),
every copy's sentences made distinct so the clip cache cannot help the first run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path


def run(cmd: list[str] | str, *, shell: bool = False, cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, shell=shell, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {cmd}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    rss = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return wall, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for tool in ("espeak-ng", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/bootstrap.sh first")
    sample = (resources.files("narrate") / "data" / "pain-and-glory.txt").read_text("utf-8")
    work = Path(tempfile.mkdtemp(prefix="narrate-bench-"))
    text = work / "review.txt"
    # Each copy's sentences are made distinct, so nothing comes from the clip cache.
    copies = [sample.strip()] + [
        re.sub(r"([.!?])(\s|$)", rf" (take {i})\1\2", sample.strip())
        for i in range(2, args.repeat + 1)
    ]
    text.write_text("\n\n".join(copies) + "\n", "utf-8")
    words = len(text.read_text("utf-8").split())
    narrate_cmd = [sys.executable, "-m", "narrate", "read", str(text), "-o", str(work / "n.mp3")]
    raw_cmd = (
        f"espeak-ng -s 175 -f '{text}' --stdout | ffmpeg -v error -y -i - "
        f"-ac 1 -ar 44100 -c:a libmp3lame -b:a 96k '{work / 'raw.mp3'}'"
    )
    results: dict[str, list[tuple[float, int]]] = {"narrate": [], "raw": [], "cached": []}
    for i in range(args.runs):
        cache = work / f"cache{i}"
        env_cmd = [*narrate_cmd, "--cache-dir", str(cache)]
        results["narrate"].append(run(env_cmd))
        results["cached"].append(run(env_cmd))  # same cache: every clip reused
        results["raw"].append(run(raw_cmd, shell=True))
    best = {k: min(w for w, _ in v) for k, v in results.items()}
    peak = {k: max(r for _, r in v) for k, v in results.items()}
    print(f"input: {words} words ({args.repeat}x the sample review), best of {args.runs} runs")
    print(f"raw espeak-ng | ffmpeg : {best['raw']:7.2f} s")
    print(
        f"narrate read (no cache): {best['narrate']:7.2f} s   "
        f"ratio {best['narrate'] / best['raw']:.2f}x   peak RSS {peak['narrate'] / 1024:.0f} MiB"
    )
    print(
        f"narrate read (cached)  : {best['cached']:7.2f} s   "
        f"ratio {best['cached'] / best['raw']:.2f}x   peak RSS {peak['cached'] / 1024:.0f} MiB"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
