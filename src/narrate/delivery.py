"""Delivery at a loudness target: tune one gain on a sample, encode once, measured.

The gain is tuned on a sample (sentences spread over the narration, some two minutes,
synthesized before the rest) through the gain and limiter the encoders will apply,
measured but not encoded: ffmpeg's filters on two minutes of PCM, a fraction of a
second. LAME lowers the level a little more (0.44 LU on espeak-ng at 96 kbit/s, alike
on every part of a narration); that is predicted by bitrate, then checked by encoding
a 20 s excerpt at the gain found. The whole narration then streams into the encoders as
it is synthesized, and each encoder measures what it is given: the finished file's
level is that, less LAME's loss, with no second decode. Only when it is still off
target is the whole encoded again from the clip cache with a corrected gain: the rare
fallback. Measuring and limiting are ``loudness``'s.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import Piece, Rollout, pcm_stream
from .encode import encode_mp3
from .lametag import finish_lame_tag
from .loudness import (
    MAX_GAIN_DB,
    Loudness,
    gain_for,
    loudness_of,
    master_filter,
    measure_file,
    measure_filters,
    measure_pcm,
    parse_blocks,
)
from .settings import AudioSettings, LoudnessTarget

log = logging.getLogger(__name__)

TOLERANCE = 0.3  # LU (or dB RMS) off target that is good enough: ebur128 reports 0.1
PROBE_TOLERANCE = 0.15  # the probes aim closer, so that the encoded file lands inside
MAX_ENCODES = 2
MAX_PROBES = 4
MIN_SLOPE = 0.1  # level gained per dB of gain: the limiter never flattens it more than this
EXCERPT_SECONDS = 20.0  # of the sample, encoded to learn LAME's loss (the same all along)

# The level LAME takes off speech (LU; dB RMS alike), by bitrate (kbit/s), measured on
# espeak-ng at -16 LUFS: only a first guess, checked on an excerpt of each narration.
LAME_LOSS = {64: 0.44, 96: 0.44, 128: 0.44, 160: 0.35, 192: 0.26}


def predicted_loss(bitrate_kbps: int) -> float:
    return LAME_LOSS[min(LAME_LOSS, key=lambda b: abs(b - bitrate_kbps))]


Replay = Callable[[], Iterable[bytes]]  # the same PCM, from the start, at each call
# Encode blocks through these ffmpeg filters (gain and limiter): the measured loudness
# of what the encoder was given.
Encode = Callable[[Iterable[bytes], str], Loudness]
# The level LAME takes off (LUFS, dB RMS) after these filters, learnt on an excerpt.
LameLoss = Callable[[str], tuple[float, float]]


@dataclass(frozen=True)
class Delivery:
    """How a normalized file was made, and its level once encoded."""

    gain_db: float
    measured: Loudness  # of the MP3: measured as encoded, less LAME's loss
    source: Loudness  # of the sample, before the gain
    encodes: int  # times the whole PCM was encoded
    probes: int  # gains tried on the sample
    lame_loss: float = 0.0  # LU (or dB RMS) LAME took off, learnt on an excerpt


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


def _encoded(pre: Loudness, loss: tuple[float, float]) -> Loudness:
    """What the MP3 measures: what the encoder was given, less LAME's loss."""
    rms = None if pre.rms is None else pre.rms - loss[1]
    return replace(pre, integrated=round(pre.integrated - loss[0], 2), rms=rms)


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
    limiter ``filters`` and returns the loudness of what the encoder was given;
    ``lame_loss(filters)`` encodes an excerpt of the sample and returns the level LAME
    took off (LUFS, dB RMS). The gain is tuned for LAME's loss at ``bitrate_kbps`` as
    predicted, then that is checked on the excerpt at the gain found.
    """
    # Its peaks where the limiter sees them: at the MP3's rate, once resampled.
    source = measure_pcm(sample(), rate, master=f"aresample={out_rate}", out_rate=out_rate)
    start = level_of(source, target)
    gain = gain_for(source, target)
    points: list[tuple[float, float]] = []
    guess = predicted_loss(bitrate_kbps)
    loss = (guess, guess)

    def master(g: float) -> str:
        return master_filter(g, target.ceiling, out_rate)

    def linear(g: float) -> bool:  # the limiter holds these peaks: under it, it cannot act
        return (source.peak or 0.0) + g <= target.ceiling

    def probe(g: float) -> float:
        return level_of(measure_pcm(sample(), rate, master=master(g), out_rate=out_rate,
                                    levels=target.measure == "rms"), target)  # fmt: skip

    if start > -69.0:
        gain, points = _tune(probe, gain, target.level + guess, linear, (0.0, start))
        loss = lame_loss(master(gain))  # at the gain found: LAME's loss depends on the level
        lost = loss[0] if target.measure == "lufs" else loss[1]
        if abs(lost - guess) > PROBE_TOLERANCE:
            gain, more = _tune(probe, gain, target.level + lost, linear, points[-1])
            points += more
    encodes = 0
    stream: Iterable[bytes] = whole()
    while True:
        encodes += 1
        measured = _encoded(encode(stream, master(gain)), loss)
        level = level_of(measured, target)
        log.info("loudness: gain %+.2f dB -> %.1f (target %.1f; %d probes; LAME took %.2f)",
                 gain, level, target.level, len(points), loss[0])  # fmt: skip
        if abs(target.level - level) <= TOLERANCE or level <= -69.0 or encodes == MAX_ENCODES:
            break
        gain = min(MAX_GAIN_DB, gain + (target.level - level) / _slope(points))
        stream = whole()
    return Delivery(gain, measured, source, encodes, len(points), loss[0])


def _first(blocks: Iterable[bytes], frames: int) -> Iterator[bytes]:
    left = 2 * frames
    for block in blocks:
        if left <= 0:
            return
        yield block[:left]
        left -= len(block)


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

    def encode_measured(blocks: Iterable[bytes], master: str) -> Loudness:
        logs = encode(blocks, f"{master},{meter}")
        return loudness_of([parse_blocks(text) for text in logs], audio.sample_rate)

    def lame_loss(master: str) -> tuple[float, float]:
        with tempfile.TemporaryDirectory(prefix="narrate-excerpt-") as folder:
            path = Path(folder) / "excerpt.mp3"
            logs = encode_mp3(_first(pcm_stream(sample, rate), round(EXCERPT_SECONDS * rate)),
                              rate, path, audio, name=name, jobs=1,
                              filters=f"{master},{meter}")  # fmt: skip
            given = loudness_of([parse_blocks(logs[0])], audio.sample_rate)
            got = measure_file(path, true_peak=False)
        rms = 0.0 if given.rms is None or got.rms is None else given.rms - got.rms
        return given.integrated - got.integrated, rms

    assert audio.loudness is not None
    return deliver(lambda: pcm_stream(sample, rate), rollout.stream, rate, audio.loudness,
                   encode_measured, lame_loss, int(audio.bitrate.rstrip("k")),
                   audio.sample_rate)  # fmt: skip
