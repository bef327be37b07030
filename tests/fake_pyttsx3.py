"""A stand-in for pyttsx3 and its espeak driver, for tests of the adapter's guards.

``FakeTTS`` is what ``pyttsx3.init()`` returns; ``FakeLib`` stands for pyttsx3's ctypes
binding of libespeak-ng. Each test gives the fake a ``speak(tts, text, filename)``
behaviour: what the driver does when ``runAndWait()`` is called (write the file, send
word events, say the utterance finished), so a test can make it misbehave the way the
real driver can: stop early, report too few words, never finish, write nothing.
"""

from __future__ import annotations

import re
import struct
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

RATE = 22050
SECONDS_PER_WORD = 0.3
Speak = Callable[["FakeTTS", str, str], None]


class FakeLib:
    """pyttsx3.drivers._espeak, as far as the adapter uses it."""

    PHONEMES = 0x100

    def __init__(self, rate: int = RATE) -> None:
        self.busy_answers: list[bool] = []  # what IsPlaying() says next, then False
        self.closing_stream = False  # espeak-ng's worker says "busy" to the driver's stop()
        self.is_playing_calls = 0
        self.synth_flags: list[int] = []
        self.dll = SimpleNamespace(espeak_ng_GetSampleRate=lambda: rate)

    def IsPlaying(self) -> bool:  # noqa: N802 - the binding's name
        self.is_playing_calls += 1
        return self.busy_answers.pop(0) if self.busy_answers else False

    def Info(self, path: object) -> bytes:  # noqa: N802
        return b"1.51-fake"

    def Synth(self, text: bytes, flags: int = 0) -> None:  # noqa: N802
        self.synth_flags.append(flags)


class EspeakDriver:
    """Named like pyttsx3's driver class, so the adapter treats the fake as espeak-ng.

    Like the real one, ``stop()`` asks the library whether it is playing and, if so,
    leaves the driver stopping: the utterance that runAndWait() starts next is cut.
    """

    def __init__(self, lib: FakeLib) -> None:
        self.lib = lib
        self.stopping = False

    def stop(self) -> None:
        if self.lib.closing_stream or self.lib.IsPlaying():
            self.stopping = True


class FakeTTS:
    def __init__(self, lib: FakeLib, speak: Speak) -> None:
        self.lib = lib
        self.speak = speak
        self.proxy = SimpleNamespace(_driver=EspeakDriver(lib))
        self.handlers: dict[str, list[Callable[..., Any]]] = defaultdict(list)
        self.props: dict[str, object] = {}
        self.pending: tuple[str, str] | None = None
        self.files: list[str] = []
        self.spoken: list[tuple[str, dict[str, object]]] = []  # text, properties then

    # -- the pyttsx3.Engine surface the adapter uses ----------------------------
    def connect(self, topic: str, cb: Callable[..., Any]) -> tuple[str, Callable[..., Any]]:
        self.handlers[topic].append(cb)
        return topic, cb

    def disconnect(self, token: tuple[str, Callable[..., Any]]) -> None:
        self.handlers[token[0]].remove(token[1])

    def setProperty(self, name: str, value: object) -> None:  # noqa: N802
        self.props[name] = value

    def getProperty(self, name: str) -> object:  # noqa: N802
        if name == "voices":
            return [SimpleNamespace(id="gmw/en", name="English", languages=["en"], gender=None)]
        return self.props.get(name)

    def save_to_file(self, text: str, filename: str) -> None:
        self.pending = (text, filename)
        self.files.append(filename)

    def runAndWait(self) -> None:  # noqa: N802
        self.proxy._driver.stop()  # as pyttsx3's queued end-of-loop command does
        assert self.pending is not None
        text, filename = self.pending
        self.spoken.append((text, dict(self.props)))
        self.speak(self, text, filename)

    # -- what a behaviour can do ------------------------------------------------
    def word_events(self, text: str, upto: int | None = None) -> None:
        """A started-word event at each word of ``text`` (the first ``upto`` of them)."""
        for m in list(re.finditer(r"\S+", text))[:upto]:
            self.event(m.start())

    def event(self, position: int) -> None:
        for cb in list(self.handlers["started-word"]):
            cb(name=None, location=position + 1, length=3)

    def finish(self, completed: bool = True) -> None:
        completed = completed and not self.proxy._driver.stopping
        self.proxy._driver.stopping = False
        for cb in list(self.handlers["finished-utterance"]):
            cb(name=None, completed=completed)

    def write(self, filename: str, text: str, words: int | None = None) -> None:
        """A WAV of a tone, SECONDS_PER_WORD per word, with the driver's 22050 Hz header."""
        n = len(text.split()) if words is None else words
        write_tone(Path(filename), n * SECONDS_PER_WORD)


def write_tone(path: Path, seconds: float) -> None:
    frames = round(seconds * RATE)
    samples = [8000 if (i // 25) % 2 == 0 else -8000 for i in range(frames)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{frames}h", *samples))


def speaks_well(tts: FakeTTS, text: str, filename: str) -> None:
    """What a sound driver does: the file, an event per word, then finished."""
    print(f"Audio saved to {filename}")  # the real driver prints this, too
    tts.write(filename, text)
    tts.word_events(text)
    tts.finish()


def prints_late(done: threading.Event) -> Speak:
    """Speaks well, then prints on its own thread after the utterance is over."""

    def speak(tts: FakeTTS, text: str, filename: str) -> None:
        def late() -> None:
            time.sleep(0.05)
            print(f"Audio saved to {filename}")
            done.set()

        speaks_well(tts, text, filename)
        threading.Thread(target=late).start()

    return speak


def later(speak: Speak, delay: float = 0.05) -> Speak:
    """runAndWait() returns at once and the utterance ends on another thread."""

    def run(tts: FakeTTS, text: str, filename: str) -> None:
        threading.Timer(delay, speak, args=(tts, text, filename)).start()

    return run
