"""A deterministic engine for exact tests of timing and stitching.

Each sentence becomes ``leading`` s of silence, then a square-wave tone of
``seconds_per_char * len(text)`` seconds, then ``trailing`` s of silence, so the
trimmed length of every clip is known to the sample.

Test hooks (for ``narrate batch``, whose workers are separate processes):

* a sentence containing ``[hang]`` (a review's ``[[hang]]`` after speech
  normalization) never returns: the engine sleeps forever;
* a sentence containing ``[fail]`` raises ``ClipError``;
* a sentence containing ``[slow]`` takes ``SLOW_SECONDS`` longer (an item that keeps
  progressing but takes longer in all than ``batch --timeout``);
* when the environment variable ``NARRATE_TONE_LOG`` names a file, every call
  appends its text as one line to it, so tests can count engine calls across processes.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator

from ..errors import ClipError
from ..settings import VoiceSettings
from .base import AudioChunk, Engine, Voice

SAMPLE_RATE = 22050
HALF_PERIOD = 25  # samples: a 441 Hz square wave
# The second voice, "tone-low" (for the quote voice's tests): 220.5 Hz, the same lengths.
HALF_PERIODS = {"tone": HALF_PERIOD, "tone-low": 2 * HALF_PERIOD}
HANG_MARKER = "[hang]"
FAIL_MARKER = "[fail]"
SLOW_MARKER = "[slow]"
SLOW_SECONDS = 0.25
LOG_ENV = "NARRATE_TONE_LOG"


class ToneEngine(Engine):
    name = "tone"
    seconds_per_char = 0.02  # ~0.12 s a word of prose: plausible to clips.verify
    leading = 0.2
    trailing = 0.3
    calls = 0  # counted across instances in this process, for tests

    def __init__(self, settings: VoiceSettings) -> None:
        super().__init__(settings)
        if settings.voice:
            self.find_voice(settings.voice)  # its one voice, "tone", or UnknownVoiceError

    def voices(self) -> list[Voice]:
        return [Voice(id="tone", name="Square tone", languages=("zxx",), gender=None),
                Voice(id="tone-low", name="Low square tone", languages=("zxx",), gender=None)]

    def current_voice(self) -> Voice:
        return self.find_voice(self.settings.voice or "tone")

    def version(self) -> str:
        return f"tone-{self.seconds_per_char}-{self.leading}-{self.trailing}"

    @classmethod
    def tone_frames(cls, text: str) -> int:
        return round(cls.seconds_per_char * len(text) * SAMPLE_RATE)

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        if not text.strip():
            raise ClipError("tone engine: empty text")
        type(self).calls += 1
        log_file = os.environ.get(LOG_ENV)
        if log_file:
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(" ".join(text.split()) + "\n")
        if HANG_MARKER in text:
            while True:
                time.sleep(3600)
        if FAIL_MARKER in text:
            raise ClipError("tone engine: failure requested by the text")
        if SLOW_MARKER in text:
            time.sleep(SLOW_SECONDS)
        volume = self.settings.volume
        half = HALF_PERIODS[self.current_voice().id]
        amplitude = int(0.5 * 32767 * volume)
        silence = b"\x00\x00"
        yield AudioChunk(SAMPLE_RATE, 2, 1, silence * round(self.leading * SAMPLE_RATE))
        n = self.tone_frames(text)
        step = 8192
        for start in range(0, n, step):
            count = min(step, n - start)
            # A square wave never crosses zero, so trimming finds its edges to the sample.
            samples = (
                amplitude if ((start + i) // half) % 2 == 0 else -amplitude
                for i in range(count)
            )
            yield AudioChunk(SAMPLE_RATE, 2, 1, struct.pack(f"<{count}h", *samples))
        yield AudioChunk(SAMPLE_RATE, 2, 1, silence * round(self.trailing * SAMPLE_RATE))
