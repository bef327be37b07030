"""Delivery at a loudness target: tune one gain, then encode through gain and limiter.

The gain is tuned first (on a sample through the encoder, or on the whole PCM), so
that the whole narration is encoded once; the finished file is measured, and encoded
again only when it is still off target. Measuring and limiting are ``loudness``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .loudness import MAX_GAIN_DB, LimiterStats, Loudness, gain_for, measure_pcm, normalize
from .settings import LoudnessTarget

log = logging.getLogger(__name__)

TOLERANCE = 0.3  # LU (or dB RMS) off target that is good enough: ebur128 reports 0.1
PROBE_TOLERANCE = 0.2  # the probes aim closer, so that the encoded file lands inside
MAX_ENCODES = 2
MAX_PROBES = 4
MIN_SLOPE = 0.1  # level gained per dB of gain: the limiter never flattens it more than this

Replay = Callable[[], Iterable[bytes]]  # the same PCM, from the start, at each call


@dataclass(frozen=True)
class Delivery:
    """How a normalized file was made, and what it measured once encoded."""

    gain_db: float
    measured: Loudness  # of the encoded file
    source: Loudness  # of the PCM before the gain
    limiter: LimiterStats
    encodes: int  # times the whole PCM was encoded
    probes: int  # times the gain was tried first (on the sample, or on the whole PCM)
    sampled: bool = False  # whether the probes were on a sample, through the encoder


def level_of(measured: Loudness, target: LoudnessTarget) -> float:
    return measured.integrated if target.measure == "lufs" else measured.rms


def _slope(points: list[tuple[float, float]]) -> float:
    """Level per dB of gain through the last two (gain, level) points, within bounds."""
    if len(points) < 2:
        return 1.0
    (g0, l0), (g1, l1) = points[-2:]
    slope = (l1 - l0) / (g1 - g0) if abs(g1 - g0) > 1e-6 else 1.0
    return min(1.0, max(MIN_SLOPE, slope))


def _step(points: list[tuple[float, float]], want: float) -> float:
    """The secant's next gain toward level ``want``."""
    gain, level = points[-1]
    return min(MAX_GAIN_DB, gain + (want - level) / _slope(points))


def _tune(probe: Callable[[float], float], gain: float, want: float,
          linear: Callable[[float], bool],
          prior: tuple[float, float]) -> tuple[float, list[tuple[float, float]]]:  # fmt: skip
    """Gain that brings ``probe(gain)`` to ``want``, by the secant method.

    ``linear(gain)``: whether the limiter cannot act at that gain, so that the level
    follows the gain dB for dB and one step from a probe is exact. ``prior``: a
    (gain, level) point known beforehand, for the first step's slope only.
    """
    points: list[tuple[float, float]] = []
    while len(points) < MAX_PROBES:
        points.append((gain, probe(gain)))
        log.debug("loudness probe: gain %+.2f dB -> %.2f (want %.2f)", gain, points[-1][1], want)
        if abs(want - points[-1][1]) <= PROBE_TOLERANCE:
            break
        gain = _step(points if len(points) > 1 else [prior, *points], want)
        if linear(gain) and linear(points[-1][0]):
            break
    return gain, points


def deliver(
    replay: Replay,
    rate: int,
    target: LoudnessTarget,
    source: Loudness,
    encode: Callable[[Iterator[bytes]], None],
    measure: Callable[[], Loudness],
    sample: Replay | None = None,
    encode_sample: Callable[[Iterator[bytes]], Loudness] | None = None,
) -> Delivery:
    """Encode ``replay()`` (the same PCM each call) at ``target``'s level, measured encoded.

    With ``sample`` (a part of the PCM that sounds like the whole) and
    ``encode_sample`` (encode blocks and measure the result), the gain is tuned on the
    sample through the encoder: LAME itself lowers the level (about 0.5 LU on
    espeak-ng at 96 kbit/s: it drops high bands that K-weighting counts), and the
    limiter's cuts lower it more. The sample's level stands at a distance from the
    whole's, measured before any gain, so each probe costs a fraction of the whole.
    Without a sample the gain is tuned on the whole PCM, unencoded. Then the whole
    goes through gain and limiter into the encoder once, the file is measured
    (``measure``), and only when it is still off target is the gain corrected and the
    PCM encoded again.
    """
    gain = gain_for(source, target)
    start = level_of(source, target)
    points: list[tuple[float, float]] = []
    sampled = False

    def linear(g: float) -> bool:
        return source.peak + g <= target.ceiling - 3.0

    if start > -69.0 and sample is not None and encode_sample is not None:
        distance = start - level_of(measure_pcm(sample(), rate), target)
        if start - distance > -69.0:  # a sample too short to gate reads as silence
            sampled = True
            gain, points = _tune(
                lambda g: level_of(encode_sample(normalize(sample(), rate, g, target.ceiling)),
                                   target),
                gain, target.level - distance, linear, (0.0, start - distance))  # fmt: skip
    if start > -69.0 and not sampled and not linear(gain):
        gain, points = _tune(
            lambda g: level_of(measure_pcm(normalize(replay(), rate, g, target.ceiling), rate),
                               target),
            gain, target.level, linear, (0.0, start))  # fmt: skip
    encodes = 0
    while True:
        encodes += 1
        stats = LimiterStats()
        encode(normalize(replay(), rate, gain, target.ceiling, stats))
        measured = measure()
        level = level_of(measured, target)
        log.info("loudness: gain %+.2f dB -> %.1f (target %.1f; %d probes%s), limiter on %.1f%% "
                 "of samples, at most %.1f dB", gain, level, target.level, len(points),
                 " on a sample" if sampled else "", 100 * stats.limited / max(1, stats.frames),
                 stats.max_reduction_db)  # fmt: skip
        if abs(target.level - level) <= TOLERANCE or level <= -69.0 or encodes == MAX_ENCODES:
            break
        gain = min(MAX_GAIN_DB, gain + (target.level - level) / _slope(points))
    return Delivery(gain, measured, source, stats, encodes, len(points), sampled)
