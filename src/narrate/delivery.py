"""Delivery at a loudness target: tune one gain on a sample, encode once, measured.

The gain is tuned on a sample (sentences spread over the narration, some two minutes,
synthesized before the rest): its loudness and true peak are measured in this process
(libebur128), then it goes once through the gain and limiter the encoders will apply
at three gains side by side, in one ffmpeg, measured but not encoded; the gain is read
off those points. LAME lowers the level a little more (0.44 LU on espeak-ng at 96
kbit/s, alike on every part of a narration), predicted by bitrate. The whole narration
then streams into the encoders as it is synthesized, and each encoder measures what it
is given; LAME's actual loss is read off the first 20 s of the finished file, so the
file's level is known with no second decode of it. Only when it is still off target is
the whole encoded again from the clip cache with a corrected gain: the rare fallback.
Measuring and limiting are ``loudness``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import Piece, Rollout, pcm_stream
from .encode import encode_mp3
from .lametag import finish_lame_tag
from .loudness import (
    MAX_GAIN_DB,
    Blocks,
    Loudness,
    gain_for,
    gated_loudness,
    loudness_of,
    master_filter,
    measure_filters,
    measure_gains,
    measure_head,
    measure_source,
    parse_blocks,
)
from .settings import AudioSettings, LoudnessTarget

log = logging.getLogger(__name__)

TOLERANCE = 0.3  # LU (or dB RMS) off target that is good enough: ebur128 reports 0.1
PROBE_TOLERANCE = 0.15  # the probes aim closer, so that the encoded file lands inside
MAX_ENCODES = 2
MAX_PROBES = 3  # probes of three gains each
PROBE_SPREAD = 1.5  # dB between the gains of a probe
MIN_SLOPE = 0.1  # level gained per dB of gain: the limiter never flattens it more than this
EXCERPT_SECONDS = 20.0  # of the finished file, decoded to read LAME's loss (alike all along)

# The level LAME takes off speech (LU; dB RMS alike), by bitrate (kbit/s), measured on
# espeak-ng at -16 LUFS: only a first guess, checked on an excerpt of each narration.
LAME_LOSS = {64: 0.44, 96: 0.44, 128: 0.44, 160: 0.35, 192: 0.26}


def predicted_loss(bitrate_kbps: int) -> float:
    return LAME_LOSS[min(LAME_LOSS, key=lambda b: abs(b - bitrate_kbps))]


Replay = Callable[[], Iterable[bytes]]  # the same PCM, from the start, at each call
# Encode blocks through these ffmpeg filters (gain and limiter): what each part's
# encoder was given, measured.
Encode = Callable[[Iterable[bytes], str], list[Blocks]]
# The loudness of the finished file's first so many 100 ms blocks.
LameLoss = Callable[[int], float]


@dataclass(frozen=True)
class Delivery:
    """How a normalized file was made, and its level once encoded."""

    gain_db: float
    measured: Loudness  # of the MP3: measured as encoded, less LAME's loss
    source: Loudness  # of the sample, before the gain
    encodes: int  # times the whole PCM was encoded
    probes: int  # gains tried on the sample
    lame_loss: float = 0.0  # LU LAME took off, read off the file's first 20 s


def level_of(measured: Loudness, target: LoudnessTarget) -> float:
    level = measured.integrated if target.measure == "lufs" else measured.rms
    assert level is not None  # measured with levels=True whenever the target is RMS
    return level


def _slope(points: list[tuple[float, float]]) -> float:
    """Level per dB of gain through the last two (gain, level) points, within bounds."""
    if len(points) < 2:
        return 1.0
    (g0, l0), (g1, l1) = points[-2:]
    slope = (l1 - l0) / (g1 - g0) if abs(g1 - g0) > 1e-6 else 1.0
    return min(1.0, max(MIN_SLOPE, slope))


def _read_off(points: list[tuple[float, float]], want: float) -> tuple[float, bool]:
    """The gain at level ``want`` on the curve through ``points`` (piecewise linear), and
    whether it lies between them (else it is extrapolated from the nearest two)."""
    pts = sorted(points)
    for (g0, l0), (g1, l1) in zip(pts, pts[1:], strict=False):
        if min(l0, l1) <= want <= max(l0, l1):
            return (g0 if abs(l1 - l0) < 1e-9 else g0 + (want - l0) * (g1 - g0) / (l1 - l0)), True
    end = pts[-2:] if want > pts[-1][1] else pts[:2]
    return min(MAX_GAIN_DB, end[-1][0] + (want - end[-1][1]) / _slope(end)), False


def _tune(probe: Callable[[list[float]], list[float]], gain: float, want: float
          ) -> tuple[float, list[tuple[float, float]]]:  # fmt: skip
    """Gain at which ``probe`` reads ``want``: three gains from the first guess up in one
    probe (the limiter only ever lowers the level, so the gain that reaches it in
    a straight line is the least), read off between them; when ``want`` lies outside,
    once more around the extrapolated gain."""
    points: list[tuple[float, float]] = []
    steps: tuple[float, ...] = (0.0, PROBE_SPREAD, 2 * PROBE_SPREAD)
    for _ in range(MAX_PROBES):
        gains = [min(MAX_GAIN_DB, gain + d) for d in steps]
        points += zip(gains, probe(gains), strict=True)
        log.debug("loudness probe: %s (want %.2f)",
                  ", ".join(f"{g:+.2f} dB -> {lv:.2f}" for g, lv in points[-3:]), want)  # fmt: skip
        gain, inside = _read_off(points, want)
        if inside:
            break
        steps = (-PROBE_SPREAD / 2, 0.0, PROBE_SPREAD / 2)
    return gain, points


def _encoded(pre: Loudness, loss: float) -> Loudness:
    """What the MP3 measures: what the encoder was given, less LAME's loss."""
    rms = None if pre.rms is None else pre.rms - loss
    return replace(pre, integrated=round(pre.integrated - loss, 2), rms=rms)


def deliver(
    sample: Replay,
    whole: Callable[[], Iterator[bytes]],
    rate: int,
    target: LoudnessTarget,
    encode: Encode,
    lame_loss: LameLoss,
    bitrate_kbps: int = 96,
    out_rate: int = 44100,
) -> Delivery:
    """Encode ``whole()`` at ``target``'s level, tuned on ``sample()`` (a part like it).

    ``whole()``'s first call may go on synthesizing as the encoders consume it; later
    calls replay the same PCM. ``encode(blocks, filters)`` encodes through the gain and
    limiter ``filters`` and returns what each part's encoder was given (``Blocks``, in
    order); ``lame_loss(n)`` returns the loudness of the first ``n`` 100 ms blocks of
    the finished file, to compare with what the encoder was given there.
    """
    source = measure_source(sample(), rate)
    start = level_of(source, target)
    guess = predicted_loss(bitrate_kbps)
    gain = gain_for(source, target) + guess
    points: list[tuple[float, float]] = []

    def linear(g: float) -> bool:  # the limiter cannot act: no peak reaches the ceiling
        # (the resampler's ringing can stand a few hundredths of a dB over the true peak)
        return (source.true_peak or 0.0) + g <= target.ceiling - 0.5

    def probe(gains: list[float]) -> list[float]:
        found = measure_gains(sample(), rate, gains, target.ceiling, out_rate,
                              levels=target.measure == "rms")  # fmt: skip
        return [level_of(f, target) for f in found]

    if start > -69.0 and not linear(gain):
        gain, points = _tune(probe, gain, target.level + guess)
    encodes = 0
    stream: Iterable[bytes] = whole()
    while True:
        encodes += 1
        parts = encode(stream, master_filter(gain, target.ceiling, out_rate))
        pre = loudness_of(parts, out_rate)
        head = parts[0].momentary[: round(EXCERPT_SECONDS * 10)]
        loss = gated_loudness(head) - lame_loss(len(head)) if pre.integrated > -69.0 else 0.0
        measured = _encoded(pre, loss)
        level = level_of(measured, target)
        log.info("loudness: gain %+.2f dB -> %.1f (target %.1f; %d gains tried; LAME took "
                 "%.2f)", gain, level, target.level, len(points), loss)  # fmt: skip
        if abs(target.level - level) <= TOLERANCE or level <= -69.0 or encodes == MAX_ENCODES:
            break
        # The slope of the sample's curve near this gain: the whole's curve runs beside it.
        near = sorted(sorted(points, key=lambda pt: abs(pt[0] - gain))[:2])
        gain = min(MAX_GAIN_DB, gain + (target.level - level) / _slope(near))
        stream = whole()
    return Delivery(gain, measured, source, encodes, len(points), loss)


def encode_at_level(
    rollout: Rollout, sample: Sequence[Piece], tmp: Path, audio: AudioSettings, name: str,
    expected: int | None = None,
) -> Delivery | None:  # fmt: skip
    """Encode the narration ``rollout`` lays out into ``tmp``; with a loudness target, at it.

    Synthesis feeds the encoders as it goes. With a target, the gain is tuned first on
    ``sample`` (pieces spread over the narration, synthesized before the rest), and the
    encoders apply it with the limiter.
    """
    rate = rollout.rate
    meter = measure_filters(levels=audio.loudness is not None and audio.loudness.measure == "rms")

    def encode(blocks: Iterable[bytes], filters: str | None = None) -> list[str]:
        logs = encode_mp3(blocks, rate, tmp, audio, name=name, expected_samples=expected,
                          filters=filters)  # fmt: skip
        finish_lame_tag(tmp)  # ffmpeg leaves the method unknown, the mono CRC wrong
        return logs

    if audio.loudness is None:
        encode(rollout.stream())
        return None

    def encode_measured(blocks: Iterable[bytes], master: str) -> list[Blocks]:
        return [parse_blocks(text) for text in encode(blocks, f"{master},{meter}")]

    def lame_loss(blocks: int) -> float:  # the finished file's first blocks, decoded
        return measure_head(tmp, blocks / 10)

    assert audio.loudness is not None
    return deliver(lambda: pcm_stream(sample, rate), rollout.stream, rate, audio.loudness,
                   encode_measured, lame_loss, int(audio.bitrate.rstrip("k")),
                   audio.sample_rate)  # fmt: skip
