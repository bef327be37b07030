"""Levels of a decoded file: one decode through ebur128 gives loudness and true peak,
and the same PCM gives RMS, sample peak, the noise floor and the head and tail silence."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..loudness import FULL_SCALE, SILENCE_DB, Loudness, db, decode_file

WINDOW = 0.01  # seconds: the resolution of head, tail and noise floor
NOISE_SPAN = 0.5  # seconds: the noise floor is the RMS of the quietest span this long
SOUND_DB = -50.0  # a 10 ms window louder than this is sound, not room tone


@dataclass(frozen=True)
class Levels:
    loudness: Loudness
    noise_floor: float  # dBFS
    head: float  # seconds of silence before the first sound
    tail: float  # seconds after the last
    decode_errors: tuple[str, ...]


class _Windows:
    """Mean square of consecutive ``size``-sample windows of a stream of s16le blocks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.carry = np.zeros(0)
        self.means: list[np.ndarray] = []

    def add(self, block: bytes) -> None:
        a = np.concatenate([self.carry, np.frombuffer(block, "<i2") / FULL_SCALE])
        n = len(a) // self.size * self.size
        if n:
            self.means.append((a[:n].reshape(-1, self.size) ** 2).mean(axis=1))
        self.carry = a[n:]

    def result(self) -> np.ndarray:
        return np.concatenate(self.means) if self.means else np.zeros(0)


def measure_levels(path: Path, rate: int) -> Levels:
    """Decode ``path`` once (at ``rate``, its own) and measure everything level-related."""
    windows = _Windows(max(1, round(WINDOW * rate)))
    decoded = decode_file(path, on_block=windows.add, rate=rate)
    ms = windows.result()
    span = max(1, round(NOISE_SPAN / WINDOW))
    if len(ms) >= span:
        c = np.concatenate([[0.0], np.cumsum(ms)])
        quietest = float(((c[span:] - c[:-span]) / span).min())
    else:
        quietest = float(ms.mean()) if len(ms) else 0.0
    sound = np.flatnonzero(ms > 10 ** (SOUND_DB / 10))
    duration = decoded.loudness.duration
    if len(sound):
        head = sound[0] * WINDOW
        tail = max(0.0, duration - (sound[-1] + 1) * WINDOW)
    else:
        head = tail = duration
    return Levels(
        loudness=decoded.loudness,
        noise_floor=db(math.sqrt(quietest)) if quietest > 0 else SILENCE_DB,
        head=head,
        tail=tail,
        decode_errors=tuple(decoded.errors),
    )
