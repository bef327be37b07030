"""pyttsx3 adapter: espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS.

pyttsx3 2.99's espeak driver has traps that this adapter closes rather than avoids:

* ``runAndWait()`` can return before synthesis ends (``save_to_file`` never marks the
  driver busy, and espeak-ng runs asynchronously), after which the next
  ``save_to_file`` takes over the file name and a paragraph is silently lost.
  Here every call waits for its own ``finished-utterance`` event, writes to a file
  name no other call uses, and checks that the file is new and that espeak's word
  events reached the end of the text.
* The WAV header is hard-coded to 22050 Hz: the real rate is asked of espeak-ng.
* The driver prints "Audio saved to ..." on stdout: that is captured and logged.
* SAPI5 writes RIFF WAV and NSSS writes AIFF whatever the extension: the format of
  every clip is probed from its bytes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import logging
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ClipError, DependencyError, EngineError, UnknownVoiceError
from ..settings import VoiceSettings
from .base import AudioChunk, Engine, Voice

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng; "
    "macOS: brew install espeak-ng) or run scripts/bootstrap.sh"
)


class _StdoutToLog(io.TextIOBase):
    """Stands in for sys.stdout while the driver runs, so its prints become log records."""

    def write(self, s: str) -> int:
        if s.strip():
            log.debug("pyttsx3 driver said: %s", s.strip())
        return len(s)


def _driver_print(*args: Any, **kwargs: Any) -> None:
    log.debug("pyttsx3 driver said: %s", " ".join(str(a) for a in args))


def _silence_driver_prints(driver: object) -> None:
    """Route the driver module's print() calls to the log, from any thread, for good.

    A module-level name shadows the builtin for that module only. redirect_stdout alone
    is not enough: espeak's thread prints "Audio saved to ..." after the main thread
    may have left the redirect (e.g. while a batch worker unwinds on SIGTERM).
    """
    module = sys.modules.get(type(driver).__module__)
    if module is not None:
        module.print = _driver_print  # type: ignore[attr-defined]


def _allow_phoneme_input() -> None:
    """Let espeak-ng read ``[[...]]`` as phoneme mnemonics, as its command line does.

    The driver calls ``_espeak.Synth`` without the ``espeakPHONEMES`` flag, so lexicon
    phonemes would be spelled out letter by letter. The driver looks ``Synth`` up on the
    module at call time, so wrapping it there adds the flag to every call.
    """
    from pyttsx3.drivers import _espeak

    synth = _espeak.Synth
    if getattr(synth, "_narrate_phonemes", False):
        return

    def synth_with_phonemes(*args: Any, **kwargs: Any) -> Any:
        kwargs["flags"] = kwargs.get("flags", 0) | _espeak.PHONEMES
        return synth(*args, **kwargs)

    synth_with_phonemes._narrate_phonemes = True  # type: ignore[attr-defined]
    _espeak.Synth = synth_with_phonemes


_PHONEMES = re.compile(r"\[\[[^\]]*\]\]")
_TOKEN = re.compile(r"\S*\w\S*")


def _last_word_start(text: str) -> int:
    """Where espeak's last word event must start: the last token outside ``[[...]]``.

    Word events carry the start of each word (their length is capped at 31 characters,
    so only starts are compared). espeak-ng reports no words inside phoneme input.
    """
    masked = _PHONEMES.sub(lambda m: " " * len(m.group()), text)
    starts = [m.start() for m in _TOKEN.finditer(masked)]
    return starts[-1] if starts else 0


def _driver_name() -> str | None:
    return "espeak" if sys.platform.startswith("linux") else None


class Pyttsx3Engine(Engine):
    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings) -> None:
        super().__init__(settings)
        try:
            import pyttsx3
        except ImportError as exc:  # pragma: no cover - a broken install
            raise DependencyError(f"pyttsx3 is not installed: {exc}") from exc
        try:
            with contextlib.redirect_stdout(_StdoutToLog()):
                self._tts = pyttsx3.init(_driver_name())
        except (ImportError, OSError, RuntimeError) as exc:
            raise DependencyError(
                f"the speech engine could not start: {exc}; {INSTALL_HINT}"
            ) from exc
        except Exception as exc:  # the one gate for everything else pyttsx3 may raise
            raise EngineError(f"the speech engine could not start: {exc}") from exc
        try:
            self._pyttsx3_version = importlib.metadata.version("pyttsx3")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            self._pyttsx3_version = "?"
        self._driver = getattr(self._tts.proxy._driver, "__class__", type(None)).__name__
        self._is_espeak = self._driver == "EspeakDriver"
        _silence_driver_prints(self._tts.proxy._driver)
        if self._is_espeak:
            _allow_phoneme_input()
        self._done = threading.Event()
        self._completed = False
        self._word_start = -1
        self._tokens = [
            self._tts.connect("finished-utterance", self._on_finished),
            self._tts.connect("started-word", self._on_word),
        ]
        self._tmpdir = Path(tempfile.mkdtemp(prefix="narrate-pyttsx3-"))
        self._voice_id = self._resolve_voice(settings.voice)
        self._apply_settings()

    # pyttsx3.init() hands every caller in a process the same driver, so properties are
    # shared: the instance that last applied its settings is remembered, and another
    # instance re-applies its own before it speaks.
    _owner: Pyttsx3Engine | None = None

    def _apply_settings(self) -> None:
        self._set("rate", self.settings.rate)
        self._set("volume", max(0.0, min(1.0, self.settings.volume)))
        if self._voice_id:
            self._set("voice", self._voice_id)
        Pyttsx3Engine._owner = self

    # -- events (called on espeak's thread) ---------------------------------------
    def _on_finished(self, name: Any = None, completed: bool = True) -> None:
        self._completed = bool(completed)
        self._done.set()

    def _on_word(self, name: Any = None, location: int = 0, length: int = 0) -> None:
        self._word_start = max(self._word_start, int(location) - 1)

    # -- helpers ---------------------------------------------------------------------
    def _set(self, prop: str, value: object) -> None:
        # Queued, and applied before the next utterance. No runAndWait() here: in 2.99 a
        # runAndWait() with no utterance queued never returns once the driver is idle.
        try:
            with contextlib.redirect_stdout(_StdoutToLog()):
                self._tts.setProperty(prop, value)
        except Exception as exc:
            raise EngineError(f"the speech engine refused {prop}={value!r}: {exc}") from exc

    def voices(self) -> list[Voice]:
        out = []
        for v in self._tts.getProperty("voices") or []:
            langs = []
            for lang in getattr(v, "languages", None) or []:
                if isinstance(lang, bytes):
                    lang = lang.decode("utf-8", "replace").lstrip("\x00\x01\x02\x03\x04\x05")
                langs.append(str(lang))
            out.append(
                Voice(id=str(v.id), name=str(v.name), languages=tuple(langs), gender=v.gender)
            )
        return out

    def _resolve_voice(self, wanted: str | None) -> str | None:
        if not wanted:
            return None
        voices = self.voices()
        for key in (lambda v: v.id, lambda v: v.name):
            for v in voices:
                if key(v) == wanted:
                    return v.id
        low = wanted.lower()
        for key in (lambda v: v.id.lower(), lambda v: v.name.lower()):
            for v in voices:
                if key(v) == low:
                    return v.id
        raise UnknownVoiceError(
            f"unknown voice {wanted!r} for engine {self.name} (list voices with: narrate voices)"
        )

    def version(self) -> str:
        espeak = ""
        if self._is_espeak:
            with contextlib.suppress(Exception):
                from pyttsx3.drivers import _espeak

                espeak = (_espeak.Info(None) or b"").decode()
        return f"pyttsx3-{self._pyttsx3_version}/{self._driver}/{espeak}"

    def _wait_idle(self, limit: float = 5.0) -> None:
        """Wait until espeak-ng's own thread has wound down from the previous utterance.

        Otherwise the driver's runAndWait() sees it "playing", cancels it, and reports the
        *next* utterance as stopped before its end.
        """
        if not self._is_espeak:
            return
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + limit
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.002)

    def _espeak_rate(self) -> int | None:
        if not self._is_espeak:
            return None
        with contextlib.suppress(Exception):
            from pyttsx3.drivers import _espeak

            rate = int(_espeak.dll.espeak_ng_GetSampleRate())
            if rate > 0:
                return rate
        return None

    # -- synthesis ---------------------------------------------------------------
    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        if not text.strip():
            raise ClipError("nothing to say")
        if Pyttsx3Engine._owner is not self:
            self._apply_settings()
        self._wait_idle()
        # A name never used before: no other call can take this file over.
        path = self._tmpdir / f"{uuid.uuid4().hex}.wav"
        self._done.clear()
        self._completed = False
        self._word_start = -1
        try:
            with contextlib.redirect_stdout(_StdoutToLog()):
                self._tts.save_to_file(text, str(path))
                self._tts.runAndWait()
                # runAndWait may return early (see module doc): wait for this utterance's end.
                finished = self._done.wait(timeout=self.timeout)
        except Exception as exc:
            raise ClipError(f"speech engine failed: {exc}") from exc
        try:
            if not finished:
                raise ClipError("speech engine did not finish in time")
            if not self._completed:
                raise ClipError("speech engine stopped before the end of the text")
            if not path.exists() or path.stat().st_size == 0:
                raise ClipError("speech engine wrote no audio")
            last = _last_word_start(text)
            if self._is_espeak and self._word_start < last:
                raise ClipError(
                    f"speech engine stopped before the last word (reached character "
                    f"{self._word_start + 1}, the last word starts at {last + 1})"
                )
            chunk = read_clip_file(path, true_rate=self._espeak_rate())
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        yield chunk

    def close(self) -> None:
        for token in self._tokens:
            with contextlib.suppress(Exception):
                self._tts.disconnect(token)
        self._tokens = []
        if Pyttsx3Engine._owner is self:
            Pyttsx3Engine._owner = None
        shutil.rmtree(self._tmpdir, ignore_errors=True)


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
