"""pyttsx3 adapter: espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS.

pyttsx3 2.99's espeak driver has traps that this adapter closes rather than avoids:

* ``runAndWait()`` can return before synthesis ends (``save_to_file`` never marks the
  driver busy, and espeak-ng runs asynchronously), after which the next
  ``save_to_file`` takes over the file name and a paragraph is silently lost.
  Here every call waits for its own ``finished-utterance`` event, writes to a file
  name no other call uses, and checks that the file is new and that espeak's word
  events reached the end of the text.
* The driver's ``stop()`` cancels whatever espeak-ng is doing whenever
  ``espeak_IsPlaying()`` says "busy", and it is called by every ``runAndWait()`` (through
  the queued end-of-loop command) just before the new utterance starts. espeak-ng's
  worker thread, ~150 ms after its last command, briefly marks itself busy while it
  closes its (unused) audio stream (``close_stream()`` in fifo.c). A ``runAndWait()``
  that lands in that window leaves the driver "stopping", and its loop then cancels the
  utterance it has just started and reports it ``completed=False``: the transient
  "stopped before the end of the text" that a retry used to hide. This adapter never
  wants an utterance cancelled (each one waits for its own end), so the driver's
  ``stop()`` is switched off here (see ``pyttsx3_driver.never_cancel``).
* espeak-ng reports a multi-word dictionary entry ("at once", "e.g.", "has been") with
  word events in its first word only, so the last event of a text ending in one falls
  on (or one character off) the entry's first word. The end-of-text check then asks
  espeak-ng itself whether that span is one entry: see ``espeak_words``.
* The WAV header is hard-coded to 22050 Hz: the real rate is asked of espeak-ng.
* The driver prints "Audio saved to ..." on stdout: that is captured and logged.
* SAPI5 writes RIFF WAV and NSSS writes AIFF whatever the extension: the format of
  every clip is probed from its bytes (``clip_file``).
* espeak-ng carries state from one utterance to the next (pitch flutter phase,
  automatic gain, roughness cycle, noise generator), so the driver's instance says a
  sentence differently after different sentences. On espeak, every clip is therefore
  said by a freshly loaded instance of the same library (``espeak_fresh``): the same
  text and settings give the same samples whatever the process said before. pyttsx3
  still lists the voices and reports the version; the word events of the fresh
  instance feed the end-of-text check as the driver's did.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ClipError, DependencyError, EngineError
from ..settings import VoiceSettings
from .base import AudioChunk, Engine, Voice
from .clip_file import read_clip_file
from .espeak_fresh import FreshEspeak, loaded_library
from .espeak_voices import (
    language_voice,
    list_variants,
    quote_variant,
    script_voice,
    voice_scripts,
    with_variant,
)
from .espeak_words import Utterance, last_word_start, reached_the_end
from .pyttsx3_driver import (
    StdoutToLog,
    allow_phoneme_input,
    never_cancel,
    poll_faster,
    silence_driver_prints,
)

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng; "
    "macOS: brew install espeak-ng) or run scripts/bootstrap.sh"
)


def _espeak_lib() -> Any:
    """pyttsx3's ctypes binding of libespeak-ng: the one place this adapter reaches it."""
    from pyttsx3.drivers import _espeak

    return _espeak


def _fresh_espeak(folder: Path) -> FreshEspeak | None:
    """A fresh instance of libespeak-ng per clip; None (the driver's one instance, whose
    clips depend on what it said before) only where the library's file cannot be found."""
    try:
        return FreshEspeak(loaded_library(), folder)
    except DependencyError as exc:
        log.warning("espeak-ng clips will depend on what was said before them: %s", exc)
        return None


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
            with contextlib.redirect_stdout(StdoutToLog()):
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
        silence_driver_prints(self._tts.proxy._driver)
        if self._is_espeak:
            allow_phoneme_input(_espeak_lib())
            never_cancel(self._tts.proxy._driver)
            poll_faster(self._tts.proxy._driver)
        self._done = threading.Event()
        self._completed = False
        self._words: list[int] = []
        self._scripts_by_voice: dict[str | None, frozenset[str] | None] = {}
        self._variants: list[Voice] | None = None
        self._tokens = [
            self._tts.connect("finished-utterance", self._on_finished),
            self._tts.connect("started-word", self._on_word),
        ]
        self._tmpdir = Path(tempfile.mkdtemp(prefix="narrate-pyttsx3-"))
        self._fresh = _fresh_espeak(self._tmpdir) if self._is_espeak else None
        if Pyttsx3Engine._default_voice is None:  # the driver's own, before anyone changed it
            Pyttsx3Engine._default_voice = str(self._tts.getProperty("voice") or "") or None
        self._voice_id = self._resolve_voice(settings.voice) or Pyttsx3Engine._default_voice
        self._apply_settings()

    # pyttsx3.init() hands every caller in a process the same driver, so properties are
    # shared: the instance that last applied its settings is remembered, and another
    # instance re-applies its own before it speaks.
    _owner: Pyttsx3Engine | None = None
    # The voice a VoiceSettings without one speaks with: the driver's default, which
    # another instance's voice must not replace.
    _default_voice: str | None = None

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
        self._words.append(int(location) - 1)  # espeak counts characters from 1

    # -- helpers ---------------------------------------------------------------------
    def _set(self, prop: str, value: object) -> None:
        # Queued, and applied before the next utterance. No runAndWait() here: in 2.99 a
        # runAndWait() with no utterance queued never returns once the driver is idle.
        try:
            with contextlib.redirect_stdout(StdoutToLog()):
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
        return self.find_voice(wanted).id if wanted else None

    def variants(self) -> list[Voice]:
        """espeak-ng's voice variants ("f3", "m2", "klatt"): any voice id + "+" + one of
        these is that voice with the variant's pitch and timbre ("gmw/en+f3")."""
        if not self._is_espeak:
            return []
        if self._variants is None:
            self._variants = list_variants(_espeak_lib())
        return self._variants

    def find_voice(self, wanted: str) -> Voice:
        """A voice by id or name, or ``VOICE+VARIANT`` (an espeak-ng variant of it)."""
        base, plus, _ = wanted.partition("+")
        if not plus or not self._is_espeak:
            return super().find_voice(wanted)
        return with_variant(super().find_voice(base), wanted, self.variants(), self.name)

    def current_voice(self) -> Voice | None:
        return next((v for v in self.voices() if v.id == self._voice_id), None) or (
            self.find_voice(self._voice_id) if self._voice_id else None
        )

    def quote_voice(self, narrator: str | None) -> str:
        """A contrasting espeak-ng variant of the narrator's voice: a woman's voice
        ("+f3") for espeak-ng's voices, which are all men's."""
        base = (self._resolve_voice(narrator) or Pyttsx3Engine._default_voice or "").split("+")[0]
        return quote_variant(base, self.variants()) or super().quote_voice(narrator)

    def voice_for_script(self, script: str, sample: str = "") -> str | None:
        """espeak-ng's voice for a span in ``script``: for the span's detected language
        when one reads the script (Farsi, not Arabic, for a Persian title), else for the
        first language listed for the script."""
        return script_voice(self.voices(), script, sample)

    def voice_for_language(self, language: str) -> str | None:
        """espeak-ng's voice for ``language`` ("fr" -> roa/fr, "zh" -> sit/cmn); None when
        the default voice speaks it as well as any; without one, a warning and None."""
        return language_voice(self.voices(), language, Pyttsx3Engine._default_voice)

    def use_voice(self, voice: str | None) -> None:
        if voice == self.settings.voice:
            return
        voice_id = self._resolve_voice(voice) or Pyttsx3Engine._default_voice
        self.settings = replace(self.settings, voice=voice)
        if voice_id != self._voice_id:
            self._voice_id = voice_id
            Pyttsx3Engine._owner = None  # the next utterance applies the voice

    def scripts(self) -> frozenset[str] | None:
        """What espeak-ng's current voice reads, from its language; None elsewhere."""
        if not self._is_espeak:
            return None
        # Asked for every clip, and listing espeak-ng's voices costs 4 ms: 10% of a
        # short review's run (profiled). The answer only changes with the voice.
        known = self._scripts_by_voice
        if self._voice_id not in known:
            known[self._voice_id] = voice_scripts(self.voices(), self._voice_id)
        return known[self._voice_id]

    def version(self) -> str:
        espeak = ""
        if self._is_espeak:
            with contextlib.suppress(Exception):
                espeak = (_espeak_lib().Info(None) or b"").decode()
        return f"pyttsx3-{self._pyttsx3_version}/{self._driver}/{espeak}"

    def renderer(self) -> str:
        # Every espeak-ng clip from a fresh instance of the library (see espeak_fresh).
        return "espeak-ng fresh instance per clip" if self._fresh is not None else ""

    def _wait_idle(self, limit: float = 5.0) -> None:
        """Wait until espeak-ng's own thread has wound down from the previous utterance.

        Otherwise the driver's runAndWait() sees it "playing", cancels it, and reports the
        *next* utterance as stopped before its end.
        """
        if not self._is_espeak:
            return
        is_playing = _espeak_lib().IsPlaying
        deadline = time.monotonic() + limit
        while is_playing() and time.monotonic() < deadline:
            time.sleep(0.002)

    def _espeak_rate(self) -> int | None:
        if not self._is_espeak:
            return None
        with contextlib.suppress(Exception):
            rate = int(_espeak_lib().dll.espeak_ng_GetSampleRate())
            if rate > 0:
                return rate
        return None

    # -- synthesis ---------------------------------------------------------------
    def _utter(self, text: str) -> Utterance:
        """Speak ``text`` into a file of its own and wait for this utterance's own end."""
        if self._fresh is not None:
            try:
                volume = max(0.0, min(1.0, self.settings.volume))
                said = self._fresh.say(text, self._voice_id, self.settings.rate, volume)
            except OSError as exc:
                raise ClipError(f"speech engine failed: {exc}") from exc
            return Utterance(None, True, True, said.words, AudioChunk(said.rate, 2, 1, said.pcm))
        if Pyttsx3Engine._owner is not self:
            self._apply_settings()
        self._wait_idle()
        # A name never used before: no other call can take this file over.
        path = self._tmpdir / f"{uuid.uuid4().hex}.wav"
        self._done.clear()
        self._completed = False
        self._words = []
        try:
            with contextlib.redirect_stdout(StdoutToLog()):
                self._tts.save_to_file(text, str(path))
                self._tts.runAndWait()
                # runAndWait may return early (see module doc): wait for this utterance's end.
                finished = self._done.wait(timeout=self.timeout)
        except Exception as exc:
            with contextlib.suppress(OSError):
                path.unlink()
            raise ClipError(f"speech engine failed: {exc}") from exc
        return Utterance(path, finished, self._completed, tuple(self._words))

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        if not text.strip():
            raise ClipError("nothing to say")
        said = self._utter(text)
        try:
            if not said.finished:
                raise ClipError("speech engine did not finish in time")
            if not said.completed:
                raise ClipError("speech engine stopped before the end of the text")
            if said.chunk is not None:
                if not said.chunk.data:
                    raise ClipError("speech engine wrote no audio")
            elif not said.path or not said.path.exists() or said.path.stat().st_size == 0:
                raise ClipError("speech engine wrote no audio")
            if self._is_espeak and not reached_the_end(text, said.words, self._utter):
                raise ClipError(
                    f"speech engine stopped before the last word (reached character "
                    f"{max(said.words, default=-1) + 1}, the last word starts at "
                    f"{last_word_start(text) + 1})"
                )
            chunk = said.chunk or read_clip_file(said.path, true_rate=self._espeak_rate())
        finally:
            if said.path is not None:
                with contextlib.suppress(OSError):
                    said.path.unlink()
        yield chunk

    def close(self) -> None:
        for token in self._tokens:
            with contextlib.suppress(Exception):
                self._tts.disconnect(token)
        self._tokens = []
        if Pyttsx3Engine._owner is self:
            Pyttsx3Engine._owner = None
        shutil.rmtree(self._tmpdir, ignore_errors=True)
