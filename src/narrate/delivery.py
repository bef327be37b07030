"""Delivery at a loudness target: tune one gain on a sample, encode once, measured.

The gain is tuned on a sample (sentences spread over the narration, some two minutes,
synthesized before the rest): its loudness and true peak are measured in this process
(libebur128), then it goes once through the gain and limiter the encoders will apply
at three gains side by side, in one ffmpeg, measured but not encoded; the gain is read
off those points. LAME lowers the level a little more (0.44 LU on espeak-ng at 96
kbit/s, alike on every part of a narration), predicted by bitrate.

The whole narration then streams into the encoders as it is synthesized, through the
gain and the limiter only, and is measured in this process on its way there
(``meter``: libebur128 on the 16-bit samples, a fifth of the CPU that ffmpeg's meter
in every encoder cost). What the limiter takes off the whole is what it took off the
sample brought to the same level (on espeak-ng at -16 LUFS, some 2.9 LU: its peaks
stand near full scale): a voice's peaks stand alike over its loudness, where the same
gain on a whole 1.2 LU quieter than its sample (Piper, x1) had the estimate 0.8 LU off,
and the first 20 s alone 0.2 LU off on x20. What LAME takes off is read off the
finished file's first 20 s against the same 20 s through the gain and limiter, so the
file's level is known with no second decode of it. Only when it is still off target is
the whole encoded again from the clip cache, at the gain that takes the sample, shifted
to the whole's level, to the target: the rare fallback. Measuring and limiting are
``loudness``'s and ``meter``'s.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import Piece, Rollout, pcm_stream
from .encode import encode_mp3
from .lametag import finish_lame_tag
from .loudness import MAX_GAIN_DB, Loudness, gain_for, master_filter, measure_gains, measure_head
from .meter import StreamMeter, measure_source
from .settings import AudioSettings, LoudnessTarget

log = logging.getLogger(__name__)

TOLERANCE = 0.3  # LU (or dB RMS) off target that is good enough: ebur128 reports 0.1
PROBE_TOLERANCE = 0.15  # the probes aim closer, so that the encoded file lands inside
MAX_ENCODES = 2
MAX_PROBES = 3  # probes of three gains each
PROBE_SPREAD = 1.5  # dB between the gains of a probe
# How far past the probed gains the sample's curve is drawn on straight, not probed again
# (the whole's level is seldom more than this off its sample's: 0.11 dB on x1 espeak-ng).
EXTRAPOLATE_DB = PROBE_SPREAD / 2
MIN_SLOPE = 0.1  # level gained per dB of gain: the limiter never flattens it more than this
READ_AHEAD_BYTES = 8 << 20  # PCM synthesized while the gain is tuned, at most (3 min)
EXCERPT_SECONDS = 20.0  # of the finished file, decoded to read LAME's loss (alike all along)

# The level LAME takes off speech (LU; dB RMS alike), by bitrate (kbit/s), measured on
# espeak-ng at -16 LUFS: only a first guess, checked on an excerpt of each narration.
LAME_LOSS = {64: 0.44, 96: 0.44, 128: 0.44, 160: 0.35, 192: 0.26}


def predicted_loss(bitrate_kbps: int) -> float:
    return LAME_LOSS[min(LAME_LOSS, key=lambda b: abs(b - bitrate_kbps))]


Replay = Callable[[], Iterable[bytes]]  # the same PCM, from the start, at each call
# Encode blocks through these ffmpeg filters (gain and limiter).
Encode = Callable[[Iterable[bytes], str], object]
# The integrated loudness of the finished file's first so many seconds.
HeadLoudness = Callable[[float], float]
# Blocks measured through the gain and limiter at each of some gains (``measure_gains``).
Probe = Callable[[Iterable[bytes], list[float]], list[Loudness]]


@dataclass(frozen=True)
class Delivery:
    """How a normalized file was made, and its level once encoded."""

    gain_db: float
    measured: Loudness  # of the MP3: the stream at the gain, less limiter's and LAME's loss
    source: Loudness  # of the sample, before the gain
    encodes: int  # times the whole PCM was encoded
    probes: int  # gains tried on the sample
    lame_loss: float = 0.0  # LU LAME took off, read off the file's first 20 s
    limiter_loss: float = 0.0  # LU the limiter took off the sample at this gain


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


def _tune(probe: Callable[[list[float]], list[float]], gain: float, want: float) -> float:
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
    return gain


def _between(probed: dict[float, Loudness], gain: float) -> Loudness | None:
    """The sample through the limiter at ``gain``: measured, or linear between the two
    probed gains around it, or beyond the nearest two by at most ``EXTRAPOLATE_DB``;
    else None."""
    if gain in probed:
        return probed[gain]
    below = [g for g in probed if g < gain]
    above = [g for g in probed if g > gain]
    if below and above:
        g0, g1 = max(below), min(above)
    elif len(probed) >= 2 and min(abs(g - gain) for g in probed) <= EXTRAPOLATE_DB:
        g0, g1 = sorted(sorted(probed, key=lambda g: abs(g - gain))[:2])  # the nearest two
    else:
        return None
    a, b = probed[g0], probed[g1]
    t = (gain - g0) / (g1 - g0)

    def mix(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else x + t * (y - x)

    integrated = mix(a.integrated, b.integrated)
    assert integrated is not None
    return replace(a, integrated=integrated, rms=mix(a.rms, b.rms))


def _encoded(pre: Loudness, source: Loudness, limited: Loudness | None, shift: float,
             lame: float) -> tuple[Loudness, float]:  # fmt: skip
    """What the MP3 measures, and what the limiter took off it.

    ``pre``: the whole stream at its gain, before the limiter. ``limited``: the sample
    through gain and limiter at the gain ``shift`` that brought it to the same level
    (``source``: the sample before any gain; None: the limiter could not act on it).
    The limiter takes off what it took off the sample at that level, and LAME ``lame``.

    Not the loudness range: the limiter narrows it by 0.1 to 0.3 LU, which the sample
    does not tell (estimated from it, 6 real posts came out up to 0.3 LU off), and
    measuring it after the limiter, in each encoder, cost more than all the rest."""
    if limited is None:
        limited = replace(source, integrated=source.integrated + shift,
                          rms=None if source.rms is None else source.rms + shift)  # fmt: skip
    took = source.integrated + shift - limited.integrated
    rms = None
    if pre.rms is not None and source.rms is not None and limited.rms is not None:
        rms = pre.rms - (source.rms + shift - limited.rms) - lame
    return replace(pre, integrated=round(pre.integrated - took - lame, 2), rms=rms), took


def deliver(
    sample: Replay,
    whole: Callable[[], Iterator[bytes]],
    rate: int,
    target: LoudnessTarget,
    encode: Encode,
    head_loudness: HeadLoudness,
    bitrate_kbps: int = 96,
    out_rate: int = 44100,
    probe_gains: Probe | None = None,
) -> Delivery:
    """Encode ``whole()`` at ``target``'s level, tuned on ``sample()`` (a part like it).

    ``whole()``'s first call may go on synthesizing as the encoders consume it; later
    calls replay the same PCM. ``encode(blocks, filters)`` encodes through the gain and
    limiter ``filters``; ``head_loudness(seconds)`` returns the integrated loudness of
    the finished file's first ``seconds``. ``probe_gains(blocks, gains)`` measures
    blocks through the same gain and limiter (default: ``measure_gains``, in ffmpeg).
    """
    levels = target.measure == "rms"

    def through(blocks: Iterable[bytes], gains: list[float]) -> list[Loudness]:
        return measure_gains(blocks, rate, gains, target.ceiling, out_rate, levels=levels)

    measure = probe_gains or through
    source = measure_source(sample(), rate)
    start = level_of(source, target)
    guess = predicted_loss(bitrate_kbps)
    gain = gain_for(source, target) + guess
    probed: dict[float, Loudness] = {}

    def linear(g: float) -> bool:  # the limiter cannot act: no peak reaches the ceiling
        # (the resampler's ringing can stand a few hundredths of a dB over the true peak)
        return (source.true_peak or 0.0) + g <= target.ceiling - 0.5

    def probe(gains: list[float]) -> list[float]:
        found = measure(sample(), gains)
        probed.update(zip(gains, found, strict=True))
        return [level_of(f, target) for f in found]

    def sample_at(g: float) -> Loudness:
        """The sample through gain ``g`` and the limiter: probed, or read between two
        probed gains, or probed now."""
        found = _between(probed, g)
        if found is None:
            found = probed[g] = measure(sample(), [g])[0]
        return found

    def tune() -> float:
        if start > -69.0 and not linear(gain):
            return _tune(probe, gain, target.level + guess)
        return gain

    # Synthesis goes on while the gain is tuned (an ffmpeg, in a thread): what it makes
    # waits here, a few minutes of it at most, for the encoders.
    stream: Iterable[bytes] = whole()
    with ThreadPoolExecutor(1) as pool:
        tuned = pool.submit(tune)
        ahead, size = [], 0
        rest = iter(stream)
        while not tuned.done() and size < READ_AHEAD_BYTES:
            block = next(rest, None)
            if block is None:
                break
            ahead.append(block)
            size += len(block)
        gain = tuned.result()
    stream = itertools.chain(ahead, rest)
    encodes = 0
    while True:
        encodes += 1
        meter = StreamMeter(rate, EXCERPT_SECONDS, levels=levels)
        encode(meter.metered(stream), master_filter(gain, target.ceiling, out_rate))
        pre = meter.at(gain)
        lame = took = 0.0
        measured = pre
        if pre.integrated > -69.0:
            # The sample at the level the whole had before the limiter: its gain there.
            shift = level_of(pre, target) - start
            limited = None if linear(shift) else sample_at(shift)
            # The head through gain and limiter, and the file's head: two ffmpegs at once.
            with ThreadPoolExecutor(1) as pool:
                given = pool.submit(measure, meter.head_pcm, [gain])
                made = head_loudness(meter.head_seconds)
                lame = given.result()[0].integrated - made
            measured, took = _encoded(pre, source, limited, shift, lame)
        level = level_of(measured, target)
        log.info("loudness: gain %+.2f dB -> %.1f (target %.1f; %d gains tried; the limiter "
                 "took %.2f, LAME %.2f)", gain, level, target.level, len(probed), took,
                 lame)  # fmt: skip
        if abs(target.level - level) <= TOLERANCE or level <= -69.0 or encodes == MAX_ENCODES:
            break
        # The whole stands ``shift - gain`` over the sample: the gain that takes the sample
        # to the target through the limiter, less that, takes the whole there.
        curve = sorted((g, level_of(found, target)) for g, found in probed.items())
        want = target.level + lame
        if len(curve) >= 2:
            to, inside = _read_off(curve, want)
            if not inside:  # once more, probed where the curve was extrapolated to
                probed[to] = measure(sample(), [to])[0]
                curve.append((to, level_of(probed[to], target)))
                to, _ = _read_off(sorted(curve), want)
        else:  # the limiter was idle on the sample: level follows gain
            to = shift + target.level - level
        gain = min(MAX_GAIN_DB, gain + to - shift)
        stream = whole()
    return Delivery(gain, measured, source, encodes, len(probed), lame, took)


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

    def encode(blocks: Iterable[bytes], filters: str | None = None) -> None:
        encode_mp3(blocks, rate, tmp, audio, name=name, expected_samples=expected,
                   filters=filters)  # fmt: skip
        finish_lame_tag(tmp)  # ffmpeg leaves the method unknown, the mono CRC wrong

    if audio.loudness is None:
        encode(rollout.stream())
        return None
    return deliver(lambda: pcm_stream(sample, rate), rollout.stream, rate, audio.loudness,
                   encode, lambda seconds: measure_head(tmp, seconds),
                   int(audio.bitrate.rstrip("k")), audio.sample_rate)  # fmt: skip
