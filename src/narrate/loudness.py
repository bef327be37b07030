"""Loudness: measure it (ffmpeg's ebur128 filter, ITU-R BS.1770-4 / EBU R128), and set it.

Measuring streams: PCM blocks are piped into ``ffmpeg -af ebur128`` (no K-weighting
or gating written here), and the same blocks give the unweighted RMS and sample peak.
Setting it is one gain and a look-ahead true-peak limiter, as a stream transform
``Iterator[bytes] -> Iterator[bytes]`` of mono s16le PCM that keeps every sample
in its place: exactly as many samples come out as go in, so chapter times do not move.
Tuning the gain to a profile's target, and encoding at it, is ``delivery``'s job.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .encode import ffmpeg_path
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
    lra: float  # LU (EBU R128 loudness range)
    true_peak: float | None  # dBTP; None when not measured
    rms: float  # dBFS, unweighted, over everything (full-scale square wave = 0)
    peak: float  # dBFS, sample peak
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
            "rms_dbfs": round(self.rms, 2),
            "peak_dbfs": round(self.peak, 2),
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


def measure_pcm(blocks: Iterable[bytes], rate: int, *, true_peak: bool = False) -> Loudness:
    """Measure mono s16le ``blocks`` at ``rate`` as they come (nothing is held)."""
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-f", "s16le",
           "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-af", _ebur128_filter(true_peak),
           "-f", "null", "-"]  # fmt: skip
    stats = PcmStats()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        assert proc.stdin is not None
        try:
            for block in blocks:
                stats.add(block)
                proc.stdin.write(block)
            proc.stdin.close()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    found = parse_ebur128(text)
    if code != 0 or found["integrated"] is None:
        last = text.strip().splitlines()[-1:] or [f"exit code {code}"]
        raise EncodeError(f"ffmpeg could not measure loudness: {last[0]}")
    return Loudness(
        integrated=found["integrated"],
        lra=found["lra"] or 0.0,
        true_peak=found["true_peak"] if true_peak else None,
        rms=stats.rms,
        peak=stats.peak,
        frames=stats.frames,
        rate=rate,
    )


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
    if level <= -69.0:  # ebur128 reads silence as -70 LUFS: nothing to bring up
        return 0.0
    return min(MAX_GAIN_DB, target.level - level)


# ------------------------------------------------------------------------------ limiter

OVERSAMPLE = 4
_HALF_TAPS = 8  # interpolation filter: 16 taps per phase
_CHUNK = 1 << 16


def _phase_filters() -> np.ndarray:
    """Windowed-sinc filters for the values between samples at 1/4, 2/4 and 3/4."""
    k = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1)
    rows = []
    for p in range(1, OVERSAMPLE):
        t = p / OVERSAMPLE - k
        window = np.i0(8.0 * np.sqrt(np.clip(1 - (t / (_HALF_TAPS + 1)) ** 2, 0, 1))) / np.i0(8.0)
        rows.append(np.sinc(t) * window)
    return np.array(rows)


_FILTERS = _phase_filters()


def true_peaks(x: np.ndarray) -> np.ndarray:
    """Per sample, the largest |value| of the signal at it and 4x-oversampled on both sides."""
    peak = np.abs(x)
    if len(x) < 2 * _HALF_TAPS:
        return peak
    between = np.zeros_like(peak)  # the peak between sample n and n+1
    n = len(x) - 2 * _HALF_TAPS + 1  # y[i] lies between x[i + HALF - 1] and the next one
    for h in _FILTERS:
        y = h[0] * x[:n]
        for k in range(1, 2 * _HALF_TAPS):
            y += h[k] * x[k : k + n]
        seg = between[_HALF_TAPS - 1 : _HALF_TAPS - 1 + n]
        np.maximum(seg, np.abs(y), out=seg)
    np.maximum(peak, between, out=peak)
    np.maximum(peak[1:], between[:-1], out=peak[1:])
    return peak


def sliding_min(a: np.ndarray, width: int) -> np.ndarray:
    """``m[j] = min(a[j : j + width])`` for every full window (van Herk / Gil-Werman)."""
    n = len(a)
    pad = (-n) % width
    b = np.concatenate([a, np.full(pad, np.inf)]).reshape(-1, width)
    ahead = np.minimum.accumulate(b, axis=1).ravel()
    behind = np.minimum.accumulate(b[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(behind[: n - width + 1], ahead[width - 1 : n])


def _box(a: np.ndarray, n: int) -> np.ndarray:
    """Running mean of ``n`` values, for every full window (``len(a) - n + 1`` values)."""
    c = np.concatenate([[0.0], np.cumsum(a)])
    return (c[n:] - c[:-n]) / n


@dataclass
class LimiterStats:
    frames: int = 0
    limited: int = 0  # samples whose gain the limiter lowered by more than 0.1 dB
    max_reduction_db: float = 0.0


class Limiter:
    """Gain, then a look-ahead limiter that holds 4x-oversampled peaks under ``ceiling_db``.

    The limiter's gain never exceeds what each sample needs: it is the minimum
    over a window (``attack`` seconds ahead, ``hold`` behind) smoothed by a
    triangle of ``attack`` seconds (two running means), and a weighted mean of values no larger than
    what a sample needs is no larger either. Gain moves over ``attack`` seconds at
    the least, so the limiter cuts a peak rather than distorting it.
    """

    def __init__(self, rate: int, gain_db: float, ceiling_db: float, *,
                 attack: float = 0.008, hold: float = 0.02) -> None:  # fmt: skip
        self.gain = 10 ** (gain_db / 20)
        self.ceiling = 10 ** (ceiling_db / 20)
        self.attack = max(2, round(attack * rate))
        self.hold = max(1, round(hold * rate))
        self.back = self.attack + self.hold + _HALF_TAPS + 2
        self.ahead = self.attack + _HALF_TAPS + 2
        self.box = (self.attack + 1) // 2  # two boxes of this length: a triangle <= attack
        self.stats = LimiterStats()

    def _gains(self, x: np.ndarray, n0: int, n1: int) -> np.ndarray | None:
        """Gains for ``x[n0:n1]``; ``None`` when none of them is below 1."""
        peak = true_peaks(x)
        if peak.max() <= self.ceiling:
            return None
        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12))
        span = self.hold + self.attack
        m = sliding_min(need, span)  # m[j] = min need[j .. j + span - 1]
        lo = n0 - 2 * (self.box - 1)  # first h index the smoothing needs
        h = m[lo - self.hold : n1 - self.hold]  # h[i] = min need[i - hold .. i + attack - 1]
        return _box(_box(h, self.box), self.box)

    def _emit(self, x: np.ndarray, n0: int, n1: int) -> bytes:
        out = x[n0:n1]
        g = self._gains(x, n0, n1)
        self.stats.frames += n1 - n0
        if g is not None:
            out = out * g
            reduced = g < 10 ** (-0.1 / 20)
            self.stats.limited += int(reduced.sum())
            self.stats.max_reduction_db = max(self.stats.max_reduction_db, -db(float(g.min())))
        return np.clip(np.rint(out * FULL_SCALE), -32768, 32767).astype("<i2").tobytes()

    def process(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        buf = np.zeros(self.back)  # before the stream: silence
        for block in blocks:
            a = np.frombuffer(block, "<i2")
            if not a.size:
                continue
            buf = np.concatenate([buf, a * (self.gain / FULL_SCALE)])
            while len(buf) >= self.back + _CHUNK + self.ahead:
                yield self._emit(buf[: self.back + _CHUNK + self.ahead], self.back,
                                 self.back + _CHUNK)  # fmt: skip
                buf = buf[_CHUNK:]
        buf = np.concatenate([buf, np.zeros(self.ahead)])  # after it: silence too
        if len(buf) > self.back + self.ahead:
            yield self._emit(buf, self.back, len(buf) - self.ahead)


def normalize(
    blocks: Iterable[bytes], rate: int, gain_db: float, ceiling_db: float,
    stats: LimiterStats | None = None,
) -> Iterator[bytes]:  # fmt: skip
    """``blocks`` (mono s16le) raised by ``gain_db`` with true peaks held under ``ceiling_db``.

    Exactly as many samples come out as go in. ``stats``, when given, is filled in.
    """
    limiter = Limiter(rate, gain_db, ceiling_db)
    yield from limiter.process(blocks)
    if stats is not None:
        stats.__dict__.update(limiter.stats.__dict__)
