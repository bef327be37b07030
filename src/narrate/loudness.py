"""Loudness: measure it (ffmpeg's ebur128 filter, ITU-R BS.1770-4 / EBU R128), and set it.

Measuring streams: PCM blocks are piped into ffmpeg's ``ebur128`` and ``astats`` filters
(no K-weighting written here). ebur128 logs the loudness of every 400 ms block (M) and
3 s window (S), every 100 ms; the gating of BS.1770 and the loudness range of EBU Tech
3342 over those blocks is arithmetic (``Blocks``): the loudness sample's probes through
the limiter, and the finished file's head, are measured so.
What the encoders are given is measured in this process instead, with libebur128
(``meter``): ffmpeg's meter in every encoder cost five times as much.
Setting it is one gain and ffmpeg's look-ahead limiter (``master_filter``), run inside
the encoding ffmpeg: exactly as many samples come out as go in, so chapter times do
not move. Tuning the gain to a profile's target, and encoding at it, is ``delivery``'s.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .encode import ffmpeg_path, last_error
from .errors import EncodeError, InputError
from .settings import LoudnessTarget

FULL_SCALE = 32768.0
SILENCE_DB = -120.0  # what digital silence reads as (instead of -inf)
MAX_GAIN_DB = 30.0  # never raise a near-silent input by more than this
_SUMMARY_RE = {
    "integrated": re.compile(r"^\s*I:\s*(-?[\d.]+|-?inf)\s*LUFS", re.M),
    "lra": re.compile(r"^\s*LRA:\s*(-?[\d.]+|-?inf)\s*LU\b", re.M),
    "true_peak": re.compile(r"^\s*Peak:\s*(-?[\d.]+|-?inf)\s*dBFS", re.M),
}


@dataclass(frozen=True)
class Loudness:
    """What one measurement found. dB values are floored at ``SILENCE_DB``."""

    integrated: float  # LUFS (BS.1770-4 gated)
    lra: float | None  # LU (EBU R128 loudness range); None when not measured
    true_peak: float | None  # dBTP; None when not measured
    rms: float | None  # dBFS, unweighted, over everything (full-scale square wave = 0)
    peak: float | None  # dBFS, sample peak; either None when not measured
    frames: int
    rate: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def as_dict(self) -> dict[str, float | None]:
        return {
            "integrated_lufs": self.integrated,
            "true_peak_dbtp": self.true_peak,
            "lra_lu": self.lra,
            "rms_dbfs": None if self.rms is None else round(self.rms, 2),
            "peak_dbfs": None if self.peak is None else round(self.peak, 2),
        }


def db(ratio: float) -> float:
    """Amplitude ratio -> dB, floored at ``SILENCE_DB``."""
    return 20 * math.log10(ratio) if ratio > 10 ** (SILENCE_DB / 20) else SILENCE_DB


class PcmStats:
    """Running RMS and sample peak of s16le blocks (fed with ``add``)."""

    def __init__(self) -> None:
        self.frames = 0
        self.energy = 0
        self.max_abs = 0

    def add(self, block: bytes) -> np.ndarray:
        a = np.frombuffer(block, "<i2")
        if a.size:
            # Integer arithmetic: a float dot product goes to the BLAS library, whose
            # spinning threads cost more than the sum (4.8 s of a 9 s run, measured).
            w = a.astype(np.int64)
            self.energy += int(np.dot(w, w))
            self.max_abs = max(self.max_abs, int(w.max()), -int(w.min()))
            self.frames += a.size
        return a

    @property
    def rms(self) -> float:
        return db(math.sqrt(self.energy / self.frames) / FULL_SCALE) if self.frames else SILENCE_DB

    @property
    def peak(self) -> float:
        return db(self.max_abs / FULL_SCALE)


def _number(pattern: re.Pattern[str], text: str) -> float | None:
    m = pattern.search(text)
    if not m:
        return None
    value = float(m.group(1))
    return max(value, SILENCE_DB) if value != -math.inf else SILENCE_DB


def parse_ebur128(log_text: str) -> dict[str, float | None]:
    """The summary numbers of ffmpeg's ebur128 filter (the last summary in ``log_text``)."""
    summary = log_text[log_text.rfind("Summary:") :]
    return {k: _number(p, summary) for k, p in _SUMMARY_RE.items()}


def _ebur128_filter(true_peak: bool) -> str:
    return "ebur128=framelog=verbose" + (":peak=true" if true_peak else "")


# ebur128 logs each 100 ms block at info level; astats says RMS, peak and length at the
# end, when they are wanted (a third more time than ebur128 alone).
_EBUR128 = "ebur128=framelog=info"
_ASTATS = "astats=measure_perchannel=none:measure_overall=RMS_level+Peak_level+Number_of_samples"


def measure_filters(levels: bool = True) -> str:
    """ffmpeg filters measuring loudness (``parse_blocks`` reads their log); with
    ``levels``, RMS and sample peak too."""
    return f"{_EBUR128},{_ASTATS}" if levels else _EBUR128
_BLOCK_RE = re.compile(r"\bM:\s*(-?[\d.]+|-?inf|nan)\s+S:\s*(-?[\d.]+|-?inf|nan)")
_ASTATS_RE = {
    "rms": re.compile(r"RMS level dB:\s*(-?[\d.]+|-?inf)"),
    "peak": re.compile(r"Peak level dB:\s*(-?[\d.]+|-?inf)"),
    "frames": re.compile(r"Number of samples:\s*(\d+)"),
}
ABSOLUTE_GATE = -70.0  # LUFS (BS.1770-4)
RELATIVE_GATE = -10.0  # LU under the level of the blocks over the absolute gate
RANGE_GATE = -20.0  # LU, for the loudness range (EBU Tech 3342)


def master_filter(gain_db: float, ceiling_db: float, rate: int) -> str:
    """ffmpeg filters for one gain, the resampling to the MP3's ``rate``, then a
    look-ahead limiter holding the peaks under ``ceiling_db``.

    ``alimiter`` with its delay compensated (``latency``) and without its auto-level
    keeps every sample in place and changes nothing under the ceiling. It holds sample
    peaks, at the MP3's rate: at the engine's (22.05 kHz), a Piper voice's peaks between
    samples stood 1.2 dB over them in the MP3; at 44.1 kHz, none stood over them.
    """
    limit = min(1.0, max(0.0625, 10 ** (ceiling_db / 20)))
    return (f"volume={gain_db:.4f}dB,aresample={rate},"
            f"alimiter=limit={limit:.6f}:level=0:latency=1")  # fmt: skip


def _value(text: str) -> float:
    return SILENCE_DB if text in ("-inf", "inf", "nan") else max(float(text), SILENCE_DB)


@dataclass
class Blocks:
    """What ffmpeg's ebur128 and astats logged about one stream (see ``parse_blocks``)."""

    momentary: list[float]  # LUFS of each 400 ms block, every 100 ms
    short_term: list[float]  # LUFS of each 3 s window, every 100 ms
    energy: float | None = None  # sum of squared samples (full scale 1), if measured
    max_abs: float | None = None  # sample peak, full scale 1, if measured
    frames: int = 0


def parse_blocks(log_text: str) -> Blocks:
    """The blocks and totals in the log of an ffmpeg run through ``measure_filters``."""
    m: list[float] = []
    s: list[float] = []
    for found in _BLOCK_RE.finditer(log_text):
        m.append(_value(found.group(1)))
        s.append(_value(found.group(2)))
    if "Overall" not in log_text:  # no astats: loudness only
        return Blocks(m, s, frames=len(m))
    summary = log_text[log_text.rfind("Overall") :]
    found = {k: p.search(summary) for k, p in _ASTATS_RE.items()}
    if found["frames"] is None or found["rms"] is None or found["peak"] is None:
        raise EncodeError("ffmpeg measured no audio")
    frames = int(found["frames"].group(1))
    rms = _value(found["rms"].group(1))
    return Blocks(m, s, frames * 10 ** (rms / 10), 10 ** (_value(found["peak"].group(1)) / 20),
                  frames)  # fmt: skip


def _energy(lufs: np.ndarray) -> np.ndarray:
    return 10 ** ((lufs + 0.691) / 10)


def _lufs(energy: float) -> float:
    return -0.691 + 10 * math.log10(energy) if energy > 0 else SILENCE_DB


def gated_loudness(momentary: Sequence[float]) -> float:
    """Integrated loudness (BS.1770-4) of 400 ms blocks given by their loudness."""
    m = np.asarray(momentary, dtype=np.float64)
    m = m[m > ABSOLUTE_GATE]
    if not m.size:
        return ABSOLUTE_GATE
    gate = _lufs(float(_energy(m).mean())) + RELATIVE_GATE
    kept = m[m > gate]
    return max(ABSOLUTE_GATE, _lufs(float(_energy(kept).mean())))


def loudness_range(short_term: Sequence[float]) -> float:
    """Loudness range (EBU Tech 3342): 10th to 95th percentile of the gated 3 s windows."""
    s = np.asarray(short_term, dtype=np.float64)
    s = s[s > ABSOLUTE_GATE]
    if not s.size:
        return 0.0
    kept = s[s > _lufs(float(_energy(s).mean())) + RANGE_GATE]
    low, high = np.percentile(kept, [10, 95])
    return float(high - low)


def loudness_of(parts: Sequence[Blocks], rate: int) -> Loudness:
    """The loudness of streams measured apart and played one after another.

    The blocks that would straddle two parts are missing: parts are cut inside
    pauses, where such blocks are silent and gated out.
    """
    levels = all(p.energy is not None and p.max_abs is not None for p in parts)
    frames = sum(p.frames for p in parts)
    rms = peak = None
    if levels:
        energy = sum(p.energy or 0.0 for p in parts)
        rms = db(math.sqrt(energy / frames)) if frames else SILENCE_DB
        peak = db(max((p.max_abs or 0.0 for p in parts), default=0.0))
    else:
        frames = frames * rate // 10  # blocks are 100 ms apart
    return Loudness(
        integrated=round(gated_loudness([v for p in parts for v in p.momentary]), 2),
        lra=round(loudness_range([v for p in parts for v in p.short_term]), 2),
        true_peak=None,
        rms=rms,
        peak=peak,
        frames=frames,
        rate=rate,
    )


def run_measure(cmd: list[str], blocks: Iterable[bytes], what: str) -> str:
    """Feed ``blocks`` to ``cmd`` (an ffmpeg reading pipe:0) and return its log."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        assert proc.stdin is not None
        try:
            for block in blocks:
                proc.stdin.write(block)
            proc.stdin.close()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if code != 0:
        raise EncodeError(f"ffmpeg could not {what}: {last_error(text) or f'exit code {code}'}")
    return text


def measure_pcm(blocks: Iterable[bytes], rate: int, *, master: str = "",
                out_rate: int | None = None, levels: bool = True) -> Loudness:  # fmt: skip
    """Measure mono s16le ``blocks`` at ``rate`` as they come (nothing is held).

    ``master``: ffmpeg filters to put the PCM through first (``master_filter``, which
    resamples to ``out_rate``), so that what is measured is what the encoder is given.
    ``levels``: measure RMS and sample peak too (else they are None).
    """
    chain = f"{master},{measure_filters(levels)}" if master else measure_filters(levels)
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-v", "level+info",
           "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-af", chain,
           "-f", "null", "-"]  # fmt: skip
    text = run_measure(cmd, blocks, "measure loudness")
    return loudness_of([parse_blocks(text)], out_rate or rate)


@dataclass
class Decoded:
    """One decode of a file through ebur128: the loudness and the decoder's complaints."""

    loudness: Loudness
    errors: list[str] = field(default_factory=list)


def decode_file(
    path: Path, *, on_block: Callable[[bytes], None] | None = None, rate: int | None = None,
    true_peak: bool = True,
) -> Decoded:
    """Decode ``path`` (mono mix) through ebur128 with true peak; stream PCM to ``on_block``.

    ``on_block`` (a callable taking bytes) sees every decoded block, so a caller can
    compute more from the same one decode. ``rate``: decode at this rate (default: the
    file's own). ``true_peak=False`` leaves it unmeasured (``None``): half the time.
    """
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-v", "level+info",
           "-i", str(path), "-vn", "-af", _ebur128_filter(true_peak), "-ac", "1"]  # fmt: skip
    if rate:
        cmd += ["-ar", str(rate)]
    cmd += ["-f", "s16le", "pipe:1"]
    stats = PcmStats()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        try:
            carry = b""
            while chunk := proc.stdout.read(1 << 16):
                chunk = carry + chunk
                cut = len(chunk) & ~1
                carry = chunk[cut:]
                stats.add(chunk[:cut])
                if on_block is not None:
                    on_block(chunk[:cut])
        finally:
            proc.stdout.close()
            code = proc.wait()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    file_rate = _stream_rate(text)
    found = parse_ebur128(text)
    errors = [
        line.split("] ", 2)[-1].strip()
        for line in text.splitlines()
        if "[error]" in line or "[fatal]" in line
    ]
    if code != 0 or found["integrated"] is None:
        raise InputError(f"{path}: cannot decode: {errors[-1] if errors else 'not audio'}")
    return Decoded(
        Loudness(
            integrated=found["integrated"],
            lra=found["lra"] or 0.0,
            true_peak=found["true_peak"] if true_peak else None,
            rms=stats.rms,
            peak=stats.peak,
            frames=stats.frames,
            rate=rate or file_rate,
        ),
        errors,
    )


def _stream_rate(text: str) -> int:
    m = re.search(r"Output #0.*?Audio: pcm_s16le, (\d+) Hz", text, re.S)
    return int(m.group(1)) if m else 0


def measure_file(path: Path, *, true_peak: bool = True) -> Loudness:
    """Integrated loudness, true peak (unless not wanted), LRA, RMS and peak of a file."""
    return decode_file(path, true_peak=true_peak).loudness


def gain_for(measured: Loudness, target: LoudnessTarget) -> float:
    """The one gain (dB) that brings ``measured`` to ``target``'s level."""
    level = measured.integrated if target.measure == "lufs" else measured.rms
    if level is None or level <= -69.0:  # ebur128 reads silence as -70 LUFS: nothing to bring up
        return 0.0
    return min(MAX_GAIN_DB, target.level - level)


_INSTANCE_RE = re.compile(r"^\[Parsed_(ebur128|astats)_(\d+) @", re.M)


def measure_gains(blocks: Iterable[bytes], rate: int, gains: Sequence[float], ceiling_db: float,
                  out_rate: int, *, levels: bool = False) -> list[Loudness]:  # fmt: skip
    """``blocks`` measured through ``master_filter`` at each of ``gains``, in one ffmpeg
    (one process start, one read of the PCM): the loudness the encoder would be given."""
    n = len(gains)
    graph = f"[0:a]asplit={n}" + "".join(f"[s{i}]" for i in range(n)) + ";" + ";".join(
        f"[s{i}]{master_filter(g, ceiling_db, out_rate)},{measure_filters(levels)}[o{i}]"
        for i, g in enumerate(gains))  # fmt: skip
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-v", "level+info",
           "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
           "-filter_complex", graph]  # fmt: skip
    for i in range(n):
        cmd += ["-map", f"[o{i}]", "-f", "null", "-"]
    text = run_measure(cmd, blocks, "measure loudness")
    by_filter: dict[tuple[str, int], list[str]] = {}
    for line in text.splitlines():
        m = _INSTANCE_RE.match(line)
        if m:
            by_filter.setdefault((m.group(1), int(m.group(2))), []).append(line)
    meters = sorted(k for k in by_filter if k[0] == "ebur128")
    stats = sorted(k for k in by_filter if k[0] == "astats")
    if len(meters) != n:
        raise EncodeError("ffmpeg measured no audio")
    out = []
    for i in range(n):
        lines = by_filter[meters[i]] + (by_filter[stats[i]] if len(stats) == n else [])
        out.append(loudness_of([parse_blocks("\n".join(lines))], out_rate))
    return out


def measure_head(mp3: Path, seconds: float) -> float:
    """Integrated loudness of the first ``seconds`` of ``mp3``, decoded (gapless: from its
    first sample on, as the encoder was given it)."""
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-v", "level+info",
           "-t", f"{seconds:.3f}", "-i", str(mp3), "-af", measure_filters(False),
           "-f", "null", "-"]  # fmt: skip
    text = run_measure(cmd, [], "measure loudness")
    return gated_loudness(parse_blocks(text).momentary)
