"""Benchmark ``narrate batch`` against the raw espeak-ng | ffmpeg pipeline.

Run with the project's venv python (nothing else is used)::

    .venv/bin/python scripts/bench_batch.py [--reviews 20] [--jobs 2] [--no-distinct]

It writes N distinct reviews (the bundled sample's paragraphs rotated and shuffled,
each under its own title line) into a temporary folder, then times:

  (a) ``narrate batch DIR --jobs J --out-dir A --cache-dir <fresh empty dir>``
  (b) the same files one after another through
      ``espeak-ng -f FILE --stdout | ffmpeg -i - -ac 1 -ar 44100 -c:a libmp3lame -b:a 96k``
  (c) the no-op rerun of (a)

and prints the wall times, a/b, and the batch's peak RSS. Shuffled paragraphs repeat
the sample's sentences, which narrate's clip cache synthesizes once for the whole
batch; unless ``--no-distinct`` is given, a second round makes every sentence unique
(each one names its review), which shows the cost without that help.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "narrate" / "data" / "pain-and-glory.txt"
NUMBER_WORDS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    "twenty",
]  # fmt: skip


def make_reviews(folder: Path, count: int, distinct: bool) -> list[Path]:
    paragraphs = [p for p in SAMPLE.read_text(encoding="utf-8").strip().split("\n\n") if p.strip()]
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        k = i % len(paragraphs)
        order = paragraphs[k:] + paragraphs[:k]
        random.Random(i).shuffle(order)
        if distinct:
            word = NUMBER_WORDS[i % len(NUMBER_WORDS)] + ("" if i < len(NUMBER_WORDS) else f" {i}")
            # every sentence names its review: no clip can be shared between reviews
            order = [re.sub(r"([.!?])(\s|$)", rf", says review {word}\1\2", p) for p in order]
        path = folder / f"review-{i + 1:02d}.txt"
        path.write_text(f"Benchmark Review Number {i + 1}\n\n" + "\n\n".join(order) + "\n",
                        encoding="utf-8")  # fmt: skip
        paths.append(path)
    return paths


def run_child(cmd: list[str], **kw: object) -> tuple[float, int, subprocess.Popen[bytes]]:
    """Wall seconds, peak RSS (KiB) of the child and its waited-for descendants."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)  # type: ignore[call-overload]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, proc


def narrate_batch(src: Path, out: Path, cache: Path, jobs: int, report: Path) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "narrate", "-q", "batch", str(src), "--jobs", str(jobs),
           "--out-dir", str(out), "--cache-dir", str(cache), "--report", str(report)]  # fmt: skip
    seconds, rss, proc = run_child(cmd, stdout=subprocess.DEVNULL)
    if proc.returncode != 0:
        sys.exit(f"narrate batch failed with exit code {proc.returncode}")
    return seconds, rss


def raw_pipeline(paths: list[Path], out: Path) -> float:
    out.mkdir(parents=True)
    start = time.perf_counter()
    for path in paths:
        espeak = subprocess.Popen(["espeak-ng", "-f", str(path), "--stdout"],
                                  stdout=subprocess.PIPE)  # fmt: skip
        ffmpeg = subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", "-", "-ac", "1",
             "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k",
             str(out / path.with_suffix(".mp3").name)],
            stdin=espeak.stdout,
        )  # fmt: skip
        assert espeak.stdout is not None
        espeak.stdout.close()
        if espeak.wait() != 0 or ffmpeg.returncode != 0:
            sys.exit(f"the raw pipeline failed on {path}")
    return time.perf_counter() - start


def audio_minutes(report: Path) -> tuple[float, int, int]:
    data = json.loads(report.read_text(encoding="utf-8"))
    items = data["items"]
    return (
        data["summary"]["audio_seconds"] / 60,
        sum(i["clips_synthesized"] for i in items),
        sum(i["clips_synthesized"] + i["clips_cached"] for i in items),
    )


def round_(label: str, work: Path, count: int, jobs: int, distinct: bool) -> None:
    src = work / "reviews"
    paths = make_reviews(src, count, distinct)
    cache = work / "cache"
    cache.mkdir()
    a, rss = narrate_batch(src, work / "A", cache, jobs, work / "a.json")
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    minutes, synthesized, clips = audio_minutes(work / "a.json")
    b = raw_pipeline(paths, work / "B")
    c, _ = narrate_batch(src, work / "A", cache, jobs, work / "c.json")
    statuses = {i["status"] for i in json.loads((work / "c.json").read_text())["items"]}
    print(
        f"--- {label}: {count} reviews, {minutes:.1f} min of audio, "
        f"{synthesized} of {clips} clips synthesized (repeats come from the clip cache)"
    )
    print(f"(a) narrate batch --jobs {jobs}, fresh cache : {a:7.2f} s")
    print(f"(b) espeak-ng | ffmpeg, one by one     : {b:7.2f} s")
    print(f"    a/b                                : {a / b:7.2f}")
    print(f"(c) no-op rerun of (a)                 : {c:7.2f} s   (items: {sorted(statuses)})")
    print(f"    peak RSS of the batch (largest process): {rss / 1024:.0f} MiB "
          f"(getrusage RUSAGE_CHILDREN so far: {children_rss / 1024:.0f} MiB)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reviews", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-distinct", action="store_true", help="skip the unique-sentence round")
    args = ap.parse_args()
    for tool in ("espeak-ng", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed for the benchmark")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        round_("shuffled sample paragraphs", Path(tmp) / "shuffled", args.reviews, args.jobs,
               distinct=False)  # fmt: skip
        if not args.no_distinct:
            round_("every sentence unique", Path(tmp) / "distinct", args.reviews, args.jobs,
                   distinct=True)  # fmt: skip


if __name__ == "__main__":
    main()
