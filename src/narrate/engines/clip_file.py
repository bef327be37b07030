"""A clip file's real format, probed from its bytes (RIFF WAV or AIFF), and its PCM.

SAPI5 writes RIFF WAV and NSSS writes AIFF whatever the extension, and pyttsx3's espeak
driver writes a WAV header that always says 22050 Hz: nothing is taken from the name.
"""

from __future__ import annotations

import logging
import wave
from pathlib import Path

from ..errors import ClipError
from .base import AudioChunk

log = logging.getLogger(__name__)


def read_clip_file(path: Path, true_rate: int | None = None) -> AudioChunk:
    """Probe a clip's real format from its bytes (RIFF WAV or AIFF) and return its PCM.

    ``true_rate`` overrides a header known to lie (pyttsx3's espeak driver always writes
    22050 Hz, whatever espeak-ng produced).
    """
    head = path.read_bytes()[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        try:
            with wave.open(str(path), "rb") as w:
                rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
                data = w.readframes(w.getnframes())
        except (wave.Error, EOFError) as exc:
            raise ClipError(f"engine wrote a broken WAV file: {exc}") from exc
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        from pydub import AudioSegment

        try:
            seg = AudioSegment.from_file(str(path), format="aiff")
        except Exception as exc:
            raise ClipError(f"engine wrote a broken AIFF file: {exc}") from exc
        rate, width, channels, data = seg.frame_rate, seg.sample_width, seg.channels, seg.raw_data
    else:
        raise ClipError(f"engine wrote audio in an unknown format (starts {head[:4]!r})")
    if true_rate and true_rate != rate:
        log.debug("clip header says %d Hz, engine says %d Hz: trusting the engine", rate, true_rate)
        rate = true_rate
    if not data:
        raise ClipError("engine wrote an empty clip")
    return AudioChunk(rate, width, channels, data)
