"""Loudness measured in this process, as the PCM passes: libebur128 (pyebur128).

BS.1770-4 K-weighting and gating, EBU Tech 3342 loudness range and the 4x oversampled
true peak are libebur128's; nothing of them is written here. Fed 16-bit samples as they
are (libebur128 scales them itself), it measures 52 minutes of 22.05 kHz speech in
about 0.5 s of CPU, where ffmpeg's ``ebur128`` filter, run inside each encoder on the
44.1 kHz stream, cost 2.8 s, and a float conversion first 1.9 s.

Loudness scales with a gain exactly (a gain moves every block alike; the gates are
relative, and the absolute gate of -70 LUFS lies far under them for speech), so a
stream measured before the gain says what the encoders were given at any gain: the
limiter after the gain lowers only peaks, and its small part of the level is read off
the finished file (``delivery``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np

from .loudness import ABSOLUTE_GATE, SILENCE_DB, Loudness, PcmStats, db


def _samples(block: bytes) -> np.ndarray:
    """The whole 16-bit samples of ``block``, in the machine's byte order (libebur128's)."""
    return np.frombuffer(block, "<i2", count=len(block) // 2).astype(np.int16, copy=False)


def _global(state: object, frames: int) -> float:
    import pyebur128 as r128

    value = r128.get_loudness_global(state) if frames else -math.inf
    return max(ABSOLUTE_GATE, value) if math.isfinite(value) else ABSOLUTE_GATE


def measure_source(blocks: Iterable[bytes], rate: int) -> Loudness:
    """Loudness, true peak, RMS and sample peak of mono s16le ``blocks``, in this process.

    So that tuning starts without an ffmpeg (a process start costs more than measuring
    two minutes of speech). The true peak bounds what the limiter sees once the audio
    is resampled to the MP3's rate.
    """
    import pyebur128 as r128

    mode = (r128.MeasurementMode.MODE_I | r128.MeasurementMode.MODE_LRA
            | r128.MeasurementMode.MODE_TRUE_PEAK)  # fmt: skip
    state = r128.R128State(1, rate, mode)
    stats = PcmStats()
    for block in blocks:
        stats.add(block)
        a = _samples(block)
        if a.size:
            state.add_frames(a, a.size)
    return Loudness(
        integrated=_global(state, stats.frames),
        lra=r128.get_loudness_range(state) if stats.frames else 0.0,
        true_peak=db(r128.get_true_peak(state, 0)) if stats.frames else SILENCE_DB,
        rms=stats.rms,
        peak=stats.peak,
        frames=stats.frames,
        rate=rate,
    )


def _plus(level: float, gain_db: float) -> float:
    return level if level <= SILENCE_DB else level + gain_db


class StreamMeter:
    """The loudness of a stream as it passes (``metered``), and of its first seconds,
    which it keeps (``head_pcm``: some 20 s, under a megabyte).

    ``levels``: RMS too (the RMS targets'). What it reports at a gain (``at``) is what
    the gain makes of the stream, before any limiter: integrated loudness and RMS move
    by the gain. Neither the peaks nor the loudness range are reported: the limiter
    after the gain changes them.
    """

    def __init__(self, rate: int, head_seconds: float, *, levels: bool = False) -> None:
        import pyebur128 as r128

        modes = r128.MeasurementMode
        self.rate = rate
        self.state = r128.R128State(1, rate, modes.MODE_I)
        self.head = r128.R128State(1, rate, modes.MODE_I)
        self.head_frames = 0
        self.head_wanted = round(head_seconds * rate)
        self.head_pcm: list[bytes] = []  # the stream's first seconds, as they came
        self.frames = 0
        self.stats = PcmStats() if levels else None

    def add(self, block: bytes) -> None:
        a = _samples(block)
        if not a.size:
            return
        self.state.add_frames(a, a.size)
        self.frames += a.size
        if self.head_frames < self.head_wanted:
            h = a[: self.head_wanted - self.head_frames]
            self.head.add_frames(h, h.size)
            self.head_frames += h.size
            self.head_pcm.append(h.tobytes())
        if self.stats is not None:
            self.stats.add(block)

    def metered(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """``blocks``, unchanged, each measured as it goes by."""
        for block in blocks:
            self.add(block)
            yield block

    def at(self, gain_db: float) -> Loudness:
        """The stream's loudness after ``gain_db``."""
        integrated = _global(self.state, self.frames)
        return Loudness(
            integrated=round(integrated + gain_db, 2) if integrated > ABSOLUTE_GATE
            else ABSOLUTE_GATE,
            lra=None,
            true_peak=None,
            rms=None if self.stats is None else _plus(self.stats.rms, gain_db),
            peak=None,
            frames=self.frames,
            rate=self.rate,
        )

    def head_at(self, gain_db: float) -> float:
        """Integrated loudness of the stream's first ``head_seconds`` after ``gain_db``."""
        level = _global(self.head, self.head_frames)
        return level + gain_db if level > ABSOLUTE_GATE else ABSOLUTE_GATE

    @property
    def head_seconds(self) -> float:
        return self.head_frames / self.rate
