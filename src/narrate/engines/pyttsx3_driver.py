"""Patches to pyttsx3 2.99's drivers, each closing one trap (see ``pyttsx3_engine``).

Each takes the driver (or pyttsx3's binding of libespeak-ng) and changes it in place;
the adapter applies them once per engine. StdoutToLog turns the driver's prints into logs.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from typing import Any

log = logging.getLogger(__name__)


class StdoutToLog(io.TextIOBase):
    """Stands in for sys.stdout while the driver runs, so its prints become log records."""

    def write(self, s: str) -> int:
        if s.strip():
            log.debug("pyttsx3 driver said: %s", s.strip())
        return len(s)


def _driver_print(*args: Any, **kwargs: Any) -> None:
    log.debug("pyttsx3 driver said: %s", " ".join(str(a) for a in args))


def silence_driver_prints(driver: object) -> None:
    """Route the driver module's print() calls to the log, from any thread, for good.

    A module-level name shadows the builtin for that module only. redirect_stdout alone
    is not enough: espeak's thread prints "Audio saved to ..." after the main thread
    may have left the redirect (e.g. while a batch worker unwinds on SIGTERM).
    """
    module = sys.modules.get(type(driver).__module__)
    if module is not None:
        module.print = _driver_print  # type: ignore[attr-defined]


def allow_phoneme_input(_espeak: Any) -> None:
    """Let espeak-ng read ``[[...]]`` as phoneme mnemonics, as its command line does.

    The driver calls ``_espeak.Synth`` without the ``espeakPHONEMES`` flag, so lexicon
    phonemes would be spelled out letter by letter. The driver looks ``Synth`` up on the
    module at call time, so wrapping it there adds the flag to every call. ``_espeak``
    is pyttsx3's ctypes binding of libespeak-ng.
    """
    synth = _espeak.Synth
    if getattr(synth, "_narrate_phonemes", False):
        return

    def synth_with_phonemes(*args: Any, **kwargs: Any) -> Any:
        kwargs["flags"] = kwargs.get("flags", 0) | _espeak.PHONEMES
        return synth(*args, **kwargs)

    synth_with_phonemes._narrate_phonemes = True  # type: ignore[attr-defined]
    _espeak.Synth = synth_with_phonemes


def never_cancel(driver: object) -> None:
    """Switch off the espeak driver's ``stop()``, which cancels at the wrong moments.

    pyttsx3 calls it only from ``Engine.stop()`` (never used here) and from the end-of-loop
    command every ``runAndWait()`` queues. There it asks ``espeak_IsPlaying()`` and, on a
    "busy" answer, marks the driver stopping, which cancels the *next* utterance. Nothing
    of this adapter's is ever playing at that point: a "busy" answer is espeak-ng's
    worker closing its idle audio stream.
    """
    if type(driver).__name__ != "EspeakDriver":
        return

    def stop() -> None:
        log.debug("pyttsx3 espeak driver stop() ignored: no utterance is cancelled")

    driver.stop = stop  # type: ignore[attr-defined]


LOOP_POLL = 0.001  # seconds between the espeak driver loop's looks at its state


def poll_faster(driver: object) -> None:
    """Make the espeak driver's loop look every millisecond instead of every 10 ms.

    espeak-ng synthesizes on its own thread (``AUDIO_OUTPUT_RETRIEVAL``) while pyttsx3's
    loop sleeps 10 ms between looks, and once more after the utterance has ended: 8 ms
    lost a clip, a fifth of a short review's run (profiled). The loop is pyttsx3 2.99's
    own otherwise.
    """
    if type(driver).__name__ != "EspeakDriver":
        return

    def start_loop() -> None:
        first = True
        driver._looping = True  # type: ignore[attr-defined]
        while driver._looping:  # type: ignore[attr-defined]
            if first:
                driver._proxy.setBusy(False)  # type: ignore[attr-defined]
                first = False
                if driver._text_to_say:  # type: ignore[attr-defined]
                    driver._start_synthesis(driver._text_to_say)  # type: ignore[attr-defined]
            driver.iterate()  # type: ignore[attr-defined]
            if driver._looping:  # type: ignore[attr-defined]
                time.sleep(LOOP_POLL)

    driver.startLoop = start_loop  # type: ignore[attr-defined]
