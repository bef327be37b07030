#!/usr/bin/env python3
"""Benchmark narrate against the raw pipeline and the tutorial pipeline, on this machine.

Run with the project's venv python (``scripts/bootstrap.sh --dev`` installs psutil)::

    .venv/bin/python scripts/bench.py            # every case; writes docs/benchmarks.md
    .venv/bin/python scripts/bench.py --quick    # a subset in under a minute; prints only
    .venv/bin/python scripts/bench.py --cases x1,x20 --write   # re-measure some cases

Inputs are built from the shipped sample review: ``xN`` is the sample N times over as
one review, every copy's sentences made distinct (so the clip cache cannot help), and
every narrate run starts with an empty clip cache of its own. Baselines, writing the
same output format (mono 44.1 kHz CBR MP3 at 96 kbit/s):

* raw: ``espeak-ng -f T --stdout | ffmpeg -i - -ac 1 -ar 44100 -c:a libmp3lame -b:a 96k``;
  for a batch, the raw pipeline run on each review one after another;
* tutorial: the pipeline tutorials teach, pyttsx3 per paragraph plus pydub ``+=``,
  with the one wait that pyttsx3 2.99 needs so that it does not crash.

narrate and its baselines alternate, round by round; the report gives the median time
of each, the median of the round-by-round ratios (and each ratio), and the peak memory
of the whole process tree (narrate or the shell, with every ffmpeg, espeak-ng and
worker under it), summed over the tree at each moment and sampled every 20 ms.
Results are kept in docs/benchmarks.json, so a run of some cases updates only theirs;
docs/benchmarks.md and the README's table are written from that file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "narrate" / "data" / "pain-and-glory.txt"
DOCS = ROOT / "docs"
RESULTS = DOCS / "benchmarks.json"
MARKDOWN = DOCS / "benchmarks.md"
README = ROOT / "README.md"
README_START = "<!-- bench:start (written by scripts/bench.py) -->"
README_END = "<!-- bench:end -->"
SAMPLE_EVERY = 0.02  # seconds between memory samples of the process tree
MP3_ARGS = "-ac 1 -ar 44100 -c:a libmp3lame -b:a 96k"
# Python's bytecode cache on, as on a user's machine (pip compiles on install): a shell
# with PYTHONDONTWRITEBYTECODE set would charge every run for compiling narrate.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# The raw piper API, as its README shows it: the voice loaded once, each text streamed
# into ffmpeg. Same length scale as narrate's at 175 wpm, so both speak as long.
RAW_PIPER = '''\
import subprocess, sys
from piper import PiperVoice
from piper.config import SynthesisConfig

voice = PiperVoice.load(sys.argv[1])
syn = SynthesisConfig(length_scale=float(sys.argv[2]))
args = sys.argv[3:]
for text, out in zip(args[::2], args[1::2]):
    ff = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar",
                           str(voice.config.sample_rate), "-ac", "1", "-i", "-",
                           *"MP3ARGS".split(), out], stdin=subprocess.PIPE)
    for chunk in voice.synthesize(open(text, encoding="utf-8").read(), syn):
        ff.stdin.write(chunk.audio_int16_bytes)
    ff.stdin.close()
    if ff.wait():
        sys.exit("ffmpeg failed")
'''.replace("MP3ARGS", MP3_ARGS)

TUTORIAL = '''\
import os, sys, threading
import pyttsx3
from pydub import AudioSegment

text = open(sys.argv[1], encoding="utf-8").read()
paragraphs = [p.strip() for p in text.split("\\n\\n") if p.strip()]
engine = pyttsx3.init()
done = threading.Event()
engine.connect("finished-utterance", lambda name, completed: done.set())
audio = AudioSegment.silent(duration=500)
for i, paragraph in enumerate(paragraphs):
    name = f"{sys.argv[2]}.{i}.wav"
    done.clear()
    engine.save_to_file(paragraph, name)
    engine.runAndWait()
    done.wait()  # pyttsx3 2.99: runAndWait() can return before the file exists
    audio += AudioSegment.from_wav(name) + AudioSegment.silent(duration=800)
    os.remove(name)
audio.export(sys.argv[2], format="mp3", bitrate="96k", parameters=["-ac", "1", "-ar", "44100"])
'''


# -- measuring -------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mib: float  # RSS summed over the tree: shared pages count once per process
    ok: bool = True
    error: str = ""
    peak_pss_mib: float = 0.0  # PSS summed: shared pages split among their sharers


def tree_memory(proc: object) -> tuple[int, int]:
    """Bytes resident (RSS, PSS) in ``proc`` and all its descendants right now."""
    import psutil

    rss = pss = 0
    try:
        procs = [proc, *proc.children(recursive=True)]  # type: ignore[attr-defined]
    except psutil.Error:
        return 0, 0
    for p in procs:
        with contextlib.suppress(psutil.Error):  # it ended between listing and sampling
            full = p.memory_full_info()
            rss += full.rss
            pss += getattr(full, "pss", full.rss)
    return rss, pss


def measure(cmd: Sequence[str] | str, *, shell: bool = False, cwd: Path | None = None) -> Run:
    """Wall time of ``cmd`` and the peak RSS and PSS of its whole process tree."""
    import psutil

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, shell=shell, cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err, env=ENV,
        )  # fmt: skip
        ps = psutil.Process(proc.pid)
        peak = peak_pss = 0
        while proc.poll() is None:
            rss, pss = tree_memory(ps)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").strip().splitlines() or ["?"]
            return Run(seconds, peak / 2**20, ok=False, error=lines[-1][:200],
                       peak_pss_mib=peak_pss / 2**20)  # fmt: skip
    return Run(seconds, peak / 2**20, peak_pss_mib=peak_pss / 2**20)


def measure_seq(cmds: Sequence[str]) -> Run:
    """Several shell commands one after another, as one run (the raw batch baseline)."""
    total, peak, pss = 0.0, 0.0, 0.0
    for cmd in cmds:
        r = measure(cmd, shell=True)
        peak, pss = max(peak, r.peak_mib), max(pss, r.peak_pss_mib)
        if not r.ok:
            return Run(total + r.seconds, peak, ok=False, error=r.error, peak_pss_mib=pss)
        total += r.seconds
    return Run(total, peak, peak_pss_mib=pss)


# -- inputs ----------------------------------------------------------------------------


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8").strip()


def distinct(text: str, tag: str) -> str:
    """``text`` with every sentence changed by ``tag``: no clip of it is in any cache."""
    return re.sub(r"([.!?])(\s|$)", rf" ({tag})\1\2", text)


def repeated(copies: int) -> str:
    """The sample ``copies`` times over as one review, every copy's sentences distinct."""
    s = sample_text()
    return "\n\n".join([s] + [distinct(s, f"take {i}") for i in range(2, copies + 1)]) + "\n"


def make_reviews(folder: Path, count: int) -> list[Path]:
    """``count`` reviews of the sample's paragraphs, shuffled, every sentence unique."""
    paragraphs = [p for p in sample_text().split("\n\n")[1:] if p.strip()]  # no title line
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        order = paragraphs[:]
        random.Random(i).shuffle(order)
        body = "\n\n".join(distinct(p, f"review {i + 1}") for p in order)
        path = folder / f"review-{i + 1:02d}.txt"
        path.write_text(f"Benchmark Review Number {i + 1}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def words(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").split())


# -- commands --------------------------------------------------------------------------


def narrate_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "narrate", "-q", *args]


def raw_cmd(text: Path, out: Path) -> str:
    t, o = shlex.quote(str(text)), shlex.quote(str(out))
    return f"espeak-ng -f {t} --stdout | ffmpeg -v error -y -i - {MP3_ARGS} {o}"


def piper_available() -> bool:
    try:
        from narrate.engines import ENGINES
    except ImportError:
        return False
    return "piper" in ENGINES


# -- cases -----------------------------------------------------------------------------


@dataclass
class Series:
    label: str
    runs: list[Run] = field(default_factory=list)

    def median(self) -> float | None:
        ok = [r.seconds for r in self.runs if r.ok]
        return statistics.median(ok) if ok else None

    def peak(self) -> float | None:
        ok = [r.peak_mib for r in self.runs if r.ok]
        return max(ok) if ok else None

    def peak_pss(self) -> float | None:
        ok = [r.peak_pss_mib for r in self.runs if r.ok and r.peak_pss_mib]
        return max(ok) if ok else None


@dataclass
class Result:
    case: str
    job: str
    words: int
    narrate: Series
    baselines: list[Series]
    measured: str = ""
    note: str = ""
    accuracy: list[dict] = field(default_factory=list)  # per round, podcast rows only
    load: list[float] = field(default_factory=list)  # 1-minute load average, per round


def alternate(rounds: int, steps: Sequence[tuple[Series, Callable[[int], Run]]]) -> None:
    """Run each step once per round, in order, so that load changes hit all alike."""
    for i in range(rounds):
        for series, step in steps:
            r = step(i)
            series.runs.append(r)
            status = "" if r.ok else f"  FAILED: {r.error}"
            print(
                f"    {series.label:<34} round {i + 1}: {r.seconds:7.2f} s "
                f"{r.peak_mib:6.0f} MiB{status}",
                file=sys.stderr,
            )


def raw_piper_cmd(pairs: Sequence[tuple[Path, Path]]) -> list[str]:
    """The raw piper API on each (text, mp3) pair, one after another, the voice loaded once."""
    from narrate.engines.piper_engine import LENGTH_SCALE_AT_175, installed_voices

    voice = installed_voices()[0]
    base = float(voice.config.get("inference", {}).get("length_scale") or 1.0)
    flat = [str(x) for pair in pairs for x in pair]
    return [sys.executable, "-c", RAW_PIPER, str(voice.model), str(base * LENGTH_SCALE_AT_175),
            *flat]  # fmt: skip


PESQ_SECONDS = 120.0  # of the start: PESQ of an hour-long pair would take minutes


def accuracy(podcast: Path, draft: Path) -> dict:
    """How a podcast render measures: ffmpeg's ebur128 on the MP3 (I, true peak, LRA),
    what its TXXX frames say against that, and PESQ-WB against the draft render of the
    same text (same timeline: they align sample for sample), over ``PESQ_SECONDS``."""
    err = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(podcast), "-af",
         "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = err[err.rindex("Summary:") :]

    def num(label: str) -> float:
        return float(re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary).group(1))

    from narrate.tags import read_tags

    txxx = dict(read_tags(podcast).txxx)
    row = {"lufs": num("I"), "dbtp": num("Peak"), "lra": num("LRA"),
           "txxx_lufs": float(txxx["NARRATE_LOUDNESS_LUFS"]),
           "txxx_lra": float(txxx["NARRATE_LOUDNESS_RANGE_LU"])
           if "NARRATE_LOUDNESS_RANGE_LU" in txxx else None, "pesq": None}  # fmt: skip
    try:
        from pesq import pesq
    except ImportError:
        return row
    cut = ["-t", str(PESQ_SECONDS)]
    ref = decode_pcm([*cut, "-i", str(draft)], 16000)
    deg = decode_pcm([*cut, "-i", str(podcast)], 16000)
    n = min(len(ref), len(deg))
    row["pesq"] = float(pesq(16000, ref[:n] / 32768, deg[:n] / 32768, "wb"))
    return row


def case_read(work: Path, copies: int, rounds: int, *, tutorial: bool, engine: str,
              baselines: bool = True) -> list[Result]:  # fmt: skip
    """``read`` in the draft profile against the baselines (none of which normalizes),
    and in the default podcast profile against draft: the cost of loudness, and how
    the podcast render measures (``accuracy``)."""
    text = work / f"x{copies}.txt"
    text.write_text(repeated(copies), encoding="utf-8")
    nar = Series(f"narrate read --engine {engine} --profile draft")
    pod = Series(f"narrate read --engine {engine} (podcast, the default)")
    steps: list[tuple[Series, Callable[[int], Run]]] = []
    rows: list[dict] = []
    load: list[float] = []

    def run_narrate(i: int, out: str, *profile: str) -> Run:
        cache = work / f"cache-{engine}-{copies}-{i}"  # empty: nothing comes from a cache
        r = measure(narrate_cmd("read", str(text), "-o", str(work / out), *profile,
                                "--engine", engine, "--cache-dir", str(cache)))  # fmt: skip
        shutil.rmtree(cache, ignore_errors=True)
        return r

    def run_draft(i: int) -> Run:
        load.append(os.getloadavg()[0])
        return run_narrate(i, "n.mp3", "--profile", "draft")

    def run_podcast(i: int) -> Run:
        r = run_narrate(i, "p.mp3")
        if r.ok:
            rows.append(accuracy(work / "p.mp3", work / "n.mp3"))
            print(f"    accuracy: {rows[-1]}", file=sys.stderr)
        return r

    steps.append((nar, run_draft))
    steps.append((pod, run_podcast))
    bases = []
    if not baselines:  # --podcast-only: draft and podcast, the cost of loudness alone
        pass
    elif engine == "pyttsx3":
        raw = Series("espeak-ng | ffmpeg")
        steps.append((raw, lambda i: measure(raw_cmd(text, work / "raw.mp3"), shell=True)))
        bases.append(raw)
    else:
        raw = Series("raw piper API | ffmpeg")
        steps.append((raw, lambda i: measure(raw_piper_cmd([(text, work / "raw.mp3")]))))
        bases.append(raw)
    if tutorial and baselines:
        script = work / "tutorial.py"
        script.write_text(TUTORIAL, encoding="utf-8")
        tut = Series("pyttsx3 + pydub += (tutorial)")
        out = str(work / "tut.mp3")
        steps.append((tut, lambda i: measure([sys.executable, str(script), str(text), out])))
        bases.append(tut)
    alternate(rounds, steps)
    job = f"read, x{copies} ({words(text):,} words)" + ("" if engine == "pyttsx3" else ", Piper")
    case = f"x{copies}" + ("" if engine == "pyttsx3" else f"-{engine}")
    kept = [Result(case, job, words(text), nar, bases, load=load)] if bases else []
    return [*kept,
            Result(f"{case}-podcast", f"{job}, podcast profile", words(text), pod, [nar],
                   accuracy=rows, load=load)]  # fmt: skip


def case_batch(work: Path, count: int, rounds: int, jobs: int = 2,
               engine: str = "pyttsx3") -> Result:  # fmt: skip
    src = work / f"batch{count}"
    paths = make_reviews(src, count)
    nar = Series(f"narrate batch --jobs {jobs} --profile draft")
    if engine == "pyttsx3":
        raw = Series("espeak-ng | ffmpeg, one after another")
    else:
        raw = Series("raw piper API | ffmpeg, one after another")

    def run_narrate(i: int) -> Run:
        cache, out = work / f"bcache{i}", work / f"bout{i}"
        r = measure(narrate_cmd("batch", str(src), "--jobs", str(jobs), "--out-dir", str(out),
                                "--engine", engine, "--profile", "draft",
                                "--cache-dir", str(cache)))  # fmt: skip
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        return r

    def run_raw(i: int) -> Run:
        out = work / "braw"
        out.mkdir(exist_ok=True)
        if engine != "pyttsx3":
            return measure(raw_piper_cmd([(p, out / f"{p.stem}.mp3") for p in paths]))
        return measure_seq([raw_cmd(p, out / f"{p.stem}.mp3") for p in paths])

    alternate(rounds, [(nar, run_narrate), (raw, run_raw)])
    total = sum(words(p) for p in paths)
    suffix = "" if engine == "pyttsx3" else f"-{engine}"
    job = f"batch of {count} reviews ({total:,} words)" + ("" if engine == "pyttsx3" else ", Piper")
    return Result(f"batch{count}{suffix}", job, total, nar, [raw])


def case_noop(work: Path, count: int, rounds: int, jobs: int = 2) -> Result:
    src = work / f"noop{count}"
    make_reviews(src, count)
    cache, out = work / "ncache", work / "nout"
    args = narrate_cmd("batch", str(src), "--jobs", str(jobs), "--out-dir", str(out),
                       "--cache-dir", str(cache))  # fmt: skip
    first = measure(args)
    print(f"    (first run of the {count}-review batch: {first.seconds:.1f} s)", file=sys.stderr)
    nar = Series(f"narrate batch --jobs {jobs}, nothing to do")
    load: list[float] = []

    def rerun(i: int) -> Run:
        load.append(os.getloadavg()[0])
        return measure(args) if first.ok else first

    alternate(rounds, [(nar, rerun)])
    total = sum(words(p) for p in src.glob("*.txt"))
    return Result(f"noop{count}", f"no-op rerun of a {count}-review batch", total, nar, [],
                  load=load)


# -- LAME quality on speech --------------------------------------------------------------

QUALITIES = (3, 5, 7)  # LAME's default, and the two faster settings that keep its psymodel


def decode_pcm(args: Sequence[str], rate: int) -> object:
    import numpy as np

    out = subprocess.run(
        ["ffmpeg", "-v", "error", *args, "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, "<i2").astype(np.float64)


def case_quality(work: Path) -> dict:
    """Encoder time and objective quality of LAME -q 3/5/7 at 96 kbit/s on espeak-ng speech.

    SNR and segmental SNR (20-ms frames with speech) against the 44.1 kHz source,
    log-spectral distance over 0.3-10 kHz (espeak-ng's speech ends near 11 kHz), and
    wide-band PESQ (ITU-T P.862.2, 16 kHz) when the ``pesq`` package is installed.
    """
    import numpy as np

    try:
        from pesq import pesq
    except ImportError:
        pesq = None
    text = work / "x1.txt"
    text.write_text(repeated(1), encoding="utf-8")
    wav = work / "speech.wav"
    subprocess.run(["espeak-ng", "-f", str(text), "-w", str(wav)], check=True)
    ref = decode_pcm(["-i", str(wav)], 44100)
    ref16 = decode_pcm(["-i", str(wav)], 16000)
    rows = []
    for q in QUALITIES:
        mp3 = work / f"q{q}.mp3"
        cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(wav), *MP3_ARGS.split(),
               "-compression_level", str(q), str(mp3)]  # fmt: skip
        times = []
        for _ in range(3):
            before = os.times()
            subprocess.run(cmd, check=True)
            after = os.times()
            times.append(after.children_user - before.children_user
                         + after.children_system - before.children_system)  # fmt: skip
        got = decode_pcm(["-i", str(mp3)], 44100)
        n = min(len(got), len(ref))
        a, r = got[:n], ref[:n]
        snr = 10 * np.log10((r**2).sum() / ((a - r) ** 2).sum())
        frame = 882
        err = (a - r) ** 2
        seg = [
            10 * np.log10((r[i : i + frame] ** 2).sum() / max(err[i : i + frame].sum(), 1e-9))
            for i in range(0, n - frame, frame)
            if (r[i : i + frame] ** 2).mean() > 1e4
        ]

        def spectrum(x: object) -> object:
            frames = np.lib.stride_tricks.sliding_window_view(x, 2048)[::1024] * np.hanning(2048)
            return np.abs(np.fft.rfft(frames, axis=1))[:, 14:465] + 1e-3  # 0.3-10 kHz

        s, t = spectrum(a), spectrum(r)
        energy = (t**2).sum(axis=1)
        speech = energy > np.percentile(energy, 30)
        lsd = float(np.sqrt(((20 * np.log10(s[speech] / t[speech])) ** 2).mean(axis=1)).mean())
        row = {"q": q, "cpu": statistics.median(times), "snr": float(snr),
               "segsnr": float(np.mean(seg)), "lsd": lsd, "pesq": None}  # fmt: skip
        if pesq is not None:
            got16 = decode_pcm(["-i", str(mp3)], 16000)
            m = min(len(got16), len(ref16))
            row["pesq"] = float(pesq(16000, ref16[:m], got16[:m], "wb"))
        rows.append(row)
        print(f"    LAME -q {q}: {row}", file=sys.stderr)
    seconds = len(ref) / 44100
    return {"measured": "", "audio_seconds": seconds, "rows": rows}


def quality_table(q: dict) -> list[str]:
    lines = [
        (
            f"LAME's quality setting on {q['audio_seconds']:.0f} s of espeak-ng speech (the "
            "sample review), 96 kbit/s mono 44.1 kHz; encoder CPU time is the median of 3 "
            "runs. narrate encodes with -q 7 (`LAME_QUALITY` in src/narrate/encode.py)."
        ),
        "",
        "| LAME -q | encoder CPU | SNR | segmental SNR | log-spectral distance, 0.3-10 kHz "
        "| PESQ-WB (max 4.64) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in q["rows"]:
        p = "—" if r["pesq"] is None else f"{r['pesq']:.3f}"
        lines.append(f"| {r['q']} | {r['cpu']:.2f} s | {r['snr']:.2f} dB | {r['segsnr']:.2f} dB "
                     f"| {r['lsd']:.2f} dB | {p} |")  # fmt: skip
    return lines


# -- report ----------------------------------------------------------------------------


def ratios(res: Result, base: Series) -> list[float]:
    return [
        a.seconds / b.seconds
        for a, b in zip(res.narrate.runs, base.runs, strict=False)
        if a.ok and b.ok
    ]


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f} s"


def fmt_mib(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f} MiB"


def fmt_mem(series: Series) -> str:
    """Peak PSS of the tree, with the peak RSS sum (which counts shared pages again) after."""
    pss, rss = series.peak_pss(), series.peak()
    if pss is None:
        return fmt_mib(rss)
    return f"{pss:.0f} MiB ({rss:.0f})"


def cell(label: str) -> str:
    return label.replace("|", "\\|")


def table_rows(results: Sequence[Result]) -> list[str]:
    head = [
        "| job | baseline | baseline | narrate | ratio (median of rounds) | rounds' ratios "
        "| peak memory, narrate tree: PSS (RSS) | peak memory, baseline tree: PSS (RSS) |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    rows = []
    for res in results:
        n = res.narrate
        failed = [r.error for r in n.runs if not r.ok]
        nar = fmt_s(n.median()) if not failed else f"failed: {failed[0]}"
        if not res.baselines:
            rows.append(f"| {res.job} | | | {nar} | | | {fmt_mem(n)} | |")
        for base in res.baselines:
            rs = ratios(res, base)
            ratio = f"{statistics.median(rs):.2f}×" if rs else "—"
            each = ", ".join(f"{r:.2f}" for r in rs)
            rows.append(
                f"| {res.job} | {cell(base.label)} | {fmt_s(base.median())} | {nar} | {ratio} "
                f"| {each} | {fmt_mem(n)} | {fmt_mem(base)} |"
            )
    return head + rows


def accuracy_table(by_case: dict[str, Result]) -> list[str]:
    """Each podcast row: its cost against draft and how its MP3 measures (every round)."""
    rows = [r for r in ordered(by_case) if r.case.endswith("-podcast") and r.accuracy]
    if not rows:
        return []
    lines = [
        "The podcast profile against draft, same text, same round, each with an empty "
        "cache: its cost (the ratio of wall times) and how its MP3 measures, by ffmpeg's "
        "ebur128 filter on the MP3 (integrated loudness, true peak; target -16 LUFS, "
        "at most -1 dBTP), what its TXXX frames say against that, and PESQ-WB of the "
        f"podcast render against the draft render (the first {PESQ_SECONDS:.0f} s; 4.64 "
        "is a file against itself). Ranges are over the rounds; the load is the "
        "1-minute load average as each round began (2 cores, shared).",
        "",
        "| job | cost (median) | rounds' ratios | LUFS | dBTP | TXXX LUFS − ebur128 | "
        "TXXX LRA − ebur128 | PESQ-WB | load |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]

    def span(values: list[float], fmt: str = "{:.1f}") -> str:
        lo, hi = min(values), max(values)
        return fmt.format(lo) if abs(hi - lo) < 1e-9 else f"{fmt.format(lo)} .. {fmt.format(hi)}"

    def lra_column(acc: list[dict]) -> str:
        tagged = [a["txxx_lra"] - a["lra"] for a in acc if a.get("txxx_lra") is not None]
        if tagged:
            return span(tagged, "{:+.1f}")
        return f"not tagged (ebur128: {span([a['lra'] for a in acc])})"

    for res in rows:
        rs = ratios(res, res.baselines[0])
        acc = res.accuracy
        pesqs = [a["pesq"] for a in acc if a["pesq"] is not None]
        lines.append(
            f"| {res.job} | {statistics.median(rs):.2f}× | {', '.join(f'{r:.2f}' for r in rs)} "
            f"| {span([a['lufs'] for a in acc])} | {span([a['dbtp'] for a in acc])} "
            f"| {span([a['txxx_lufs'] - a['lufs'] for a in acc], '{:+.1f}')} "
            f"| {lra_column(acc)} "
            f"| {span(pesqs, '{:.2f}') if pesqs else '—'} "
            f"| {', '.join(f'{x:.1f}' for x in res.load)} |"
        )
    return lines


def scaling_line(by_case: dict[str, Result]) -> str:
    a, b = by_case.get("x20"), by_case.get("x200")
    if not (a and b and a.narrate.median() and b.narrate.median()):
        return ""
    line = f"x200 / x20 time: narrate {b.narrate.median() / a.narrate.median():.2f}"
    ra, rb = a.baselines[0].median() if a.baselines else None, None
    if b.baselines:
        rb = b.baselines[0].median()
    if ra and rb:
        line += f", raw pipeline {rb / ra:.2f}"
    return line + " (10 is linear)."


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = platform.python_version()
    return f"{os.cpu_count()} CPUs ({cpu or platform.machine()}), Python {py}"


def load_results() -> dict[str, Result]:
    if not RESULTS.exists():
        return {}
    out = {}
    for case, d in json.loads(RESULTS.read_text(encoding="utf-8")).items():
        if case == "quality":
            continue
        def series(s: dict) -> Series:
            return Series(s["label"], [Run(**r) for r in s["runs"]])

        out[case] = Result(d["case"], d["job"], d["words"], series(d["narrate"]),
                           [series(b) for b in d["baselines"]], d.get("measured", ""),
                           d.get("note", ""), d.get("accuracy", []),
                           d.get("load", []))  # fmt: skip
    return out


ORDER = ["x1", "x20", "x200", "batch20", "noop50", "x1-podcast", "x20-podcast", "x200-podcast",
         "x1-piper", "x20-piper", "x200-piper", "batch20-piper", "x1-piper-podcast",
         "x20-piper-podcast", "x200-piper-podcast"]


def ordered(by_case: dict[str, Result]) -> list[Result]:
    return sorted(by_case.values(), key=lambda r: (ORDER + [r.case]).index(r.case))


def load_quality() -> dict | None:
    if not RESULTS.exists():
        return None
    return json.loads(RESULTS.read_text(encoding="utf-8")).get("quality")


def markdown(by_case: dict[str, Result], quality: dict | None = None) -> str:
    measured = sorted({r.measured for r in by_case.values() if r.measured})
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench.py` (do not edit by hand; rerun it). Every narrate run "
        "starts with an empty clip cache, and every copy of the sample review has its "
        "own sentences, so nothing comes from the cache. narrate and its baselines run "
        "alternately, round by round; a ratio below 1 means narrate is faster. narrate "
        "runs in the draft profile against the baselines, since none of them normalizes "
        "loudness; the podcast rows (the default profile: a sample synthesized first and "
        "probed, one gain and a limiter in the encoders, which measure what they encode) "
        "have narrate's draft run of the same round as their baseline, so their ratio is "
        "the cost of normalization. Peak memory is "
        "the whole process tree (narrate or the shell, with every ffmpeg, espeak-ng and "
        "worker), summed at each moment: PSS, which splits shared pages among the "
        "processes that share them, and in brackets RSS, which counts each ffmpeg's "
        "40 MiB of shared libraries again for every ffmpeg running at once.",
        "",
        f"Machine: {machine()}. Measured: {', '.join(measured) or '?'}.",
        "",
        *table_rows(ordered(by_case)),
        "",
    ]
    missing = [c for c in ORDER if c not in by_case and not c.endswith("-podcast")]
    if missing:
        lines += [f"Not measured yet: {', '.join(missing)} (run `scripts/bench.py --cases "
                  f"{','.join(missing)} --write`).", ""]  # fmt: skip
    acc = accuracy_table(by_case)
    if acc:
        lines += [*acc, ""]
    scale = scaling_line(by_case)
    if scale:
        lines += [scale, ""]
    loads = [f"{r.case} {', '.join(f'{x:.1f}' for x in r.load)}" for r in ordered(by_case)
             if r.load and not r.case.endswith("-podcast")]  # fmt: skip
    if loads:
        lines += ["1-minute load average as each round began (2 cores, shared with other "
                  "work; the ratios are same-round pairs): " + "; ".join(loads) + ".", ""]
    notes = [f"- {r.job}: {r.note}" for r in ordered(by_case) if r.note]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    if quality:
        lines += [*quality_table(quality), ""]
    lines += [
        "Baselines: raw is `espeak-ng -f T --stdout | ffmpeg -i - " + MP3_ARGS + " out.mp3` "
        "(for a batch, once per review, one after another); the tutorial pipeline is "
        "pyttsx3's `save_to_file` per paragraph joined with pydub `+=` and exported by "
        "pydub (the script is `TUTORIAL` in scripts/bench.py); the raw piper API is "
        "`PiperVoice.load` once and `synthesize` of each whole text streamed into the "
        "same ffmpeg, at narrate's length scale for 175 wpm so that both speak as long "
        "(`RAW_PIPER`).",
        "",
    ]
    return "\n".join(lines)


def readme_table(by_case: dict[str, Result]) -> str:
    lines = [
        "| job | baseline | baseline | narrate | ratio | peak memory (narrate tree): PSS (RSS) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for res in ordered(by_case):
        n = res.narrate
        failed = [r.error for r in n.runs if not r.ok]
        nar = fmt_s(n.median()) if not failed else "failed"
        if not res.baselines:
            lines.append(f"| {res.job} | | | {nar} | | {fmt_mem(n)} |")
        for base in res.baselines:
            rs = ratios(res, base)
            ratio = f"{statistics.median(rs):.2f}×" if rs else "—"
            lines.append(f"| {res.job} | {cell(base.label)} | {fmt_s(base.median())} | {nar} "
                         f"| {ratio} | {fmt_mem(n)} |")  # fmt: skip
    return "\n".join(lines)


def write_readme(table: str) -> bool:
    text = README.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    README.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}", encoding="utf-8")
    return True


# -- main ------------------------------------------------------------------------------


def plan(args: argparse.Namespace) -> list[str]:
    if args.cases:
        return [c.strip() for c in args.cases.split(",") if c.strip()]
    if args.quick:
        return ["x1"]
    cases = ["x1", "x20", "x200", "batch20", "noop50", "quality"]
    if piper_available():
        cases += ["x1-piper", "x20-piper", "batch20-piper"]
    return cases


def run_case(case: str, work: Path, args: argparse.Namespace) -> list[Result]:
    quick = args.quick
    if m := re.fullmatch(r"x(\d+)(?:-(\w+))?", case):
        copies, engine = int(m.group(1)), m.group(2) or "pyttsx3"
        default = 1 if copies >= 100 or (copies >= 10 and engine != "pyttsx3") else (
            2 if copies >= 10 else 5)
        rounds = args.rounds or (2 if quick else default)
        return case_read(work, copies, rounds, tutorial=copies <= 20 and engine == "pyttsx3",
                         engine=engine, baselines=not args.podcast_only)  # fmt: skip
    if m := re.fullmatch(r"batch(\d+)(?:-(\w+))?", case):
        return [case_batch(work, int(m.group(1)), args.rounds or (1 if m.group(2) else 2),
                           engine=m.group(2) or "pyttsx3")]  # fmt: skip
    if m := re.fullmatch(r"noop(\d+)", case):
        return [case_noop(work, int(m.group(1)), args.rounds or (2 if quick else 3))]
    sys.exit(f"unknown case {case!r} (x<N>, x<N>-<engine>, batch<N>, noop<N>)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a subset in under a minute; prints only")
    ap.add_argument("--cases", help="comma-separated: x1,x20,x200,batch20,noop50,quality,...")
    ap.add_argument("--rounds", type=int, help="rounds per case [default: by input size]")
    ap.add_argument("--podcast-only", action="store_true",
                    help="read cases: only draft and podcast (no baselines), the cost of "
                         "loudness; the baselines' last figures are kept")  # fmt: skip
    ap.add_argument("--render", action="store_true",
                    help="only rewrite docs/ and README from docs/benchmarks.json")  # fmt: skip
    ap.add_argument("--write", action="store_true",
                    help="update docs/ and README even with --quick or --cases")  # fmt: skip
    args = ap.parse_args()
    for tool in ("espeak-ng", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/bootstrap.sh first")
    try:
        import psutil  # noqa: F401
    except ImportError:
        sys.exit("psutil is needed: scripts/bootstrap.sh --dev (or pip install psutil)")
    cases = [] if args.render else plan(args)
    write = args.render or args.write or not (args.quick or args.cases)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    fresh: dict[str, Result] = {}
    quality: dict | None = None
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        for case in cases:
            if case.endswith("-piper") and not piper_available():
                print(f"{case}: skipped (no piper engine in this narrate)", file=sys.stderr)
                continue
            print(f"{case}:", file=sys.stderr)
            work = Path(tmp) / case
            work.mkdir()
            if case == "quality":
                quality = case_quality(work)
                quality["measured"] = stamp
                print("\n".join(quality_table(quality)))
                continue
            for res in run_case(case, work, args):
                res.measured = stamp
                fresh[res.case] = res
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(table_rows(ordered(fresh))))
    print("\n".join(accuracy_table(fresh)))
    if scaling_line(fresh):
        print(scaling_line(fresh))
    if write:
        merged = {**load_results(), **fresh}
        quality = quality or load_quality()
        DOCS.mkdir(exist_ok=True)
        data: dict = {k: asdict(v) for k, v in merged.items()}
        if quality:
            data["quality"] = quality
        RESULTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        MARKDOWN.write_text(markdown(merged, quality), encoding="utf-8")
        where = "docs/benchmarks.md" + (" and README.md" if write_readme(readme_table(merged))
                                        else "")  # fmt: skip
        print(f"wrote {where}", file=sys.stderr)


if __name__ == "__main__":
    main()
