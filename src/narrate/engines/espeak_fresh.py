"""One utterance from a freshly loaded libespeak-ng: the same text gives the same samples.

espeak-ng keeps state from one utterance to the next that no API call resets, so a
sentence's samples depend on everything the process said before it (issue 21). In
espeak-ng 1.51 (``wavegen.c``), all of it static:

* ``Flutter_ix`` (a static local of ``AdvanceParameters``): the phase of the pitch
  flutter table, advanced every 64 voiced samples for the life of the process. It moves
  every pitch period of the next utterance, and with it the clip's length.
* ``agc`` (a static local of ``Wavegen``): the automatic gain that a clipped sample
  lowers and that climbs back one step per 8 voiced samples. An utterance that clipped
  near its end starts the next one quieter.
* ``cycle_count`` (``Wavegen``): the glottal-cycle counter whose phase decides which
  cycles the voice's roughness (``modulation_tab``) makes quieter.
* the C library's ``rand()`` (espeak-ng 1.52 and later: its own generator, seeded from
  the clock at start-up): the noise of breathy voices and of the Klatt variants.
* ``wdata``, ``peaks``, ``hspect`` and the echo buffer carry the voice's last frame over.

None is exported (``nm -D`` lists the API only), ``espeak_Terminate`` and
``espeak_Initialize`` reset none of them, and a voice with ``flutter 0`` still differs
after a loud sentence (``agc``). So each utterance gets a new instance of the library:
a private copy of the very ``.so`` pyttsx3 loaded is opened (a different path, so the
dynamic loader maps it afresh, with every static at its initial value), initialised in
synchronous mode (no thread of its own), given the voice, rate and volume, made to
speak, terminated and closed. Every clip then sounds as the first utterance of a new
process does, which is what the ``espeak-ng`` command writes. The noise generator is
not the library's own in 1.51 (the C library's ``rand()``, shared by the process) and is
seeded from the clock at start-up from 1.52 (espeak-ng PR #1530): each utterance seeds
it (``srand(1)``, the C library's start-up state, and ``espeak_ng_SetRandSeed`` where
it exists), so breathy voices (``+whisper``, ``+f2``...) are history-free too.

It costs about 1.5 ms a clip, mostly the wait for the worker thread that every
initialisation starts and every termination joins, and loading the phoneme data and
dictionary again (measured on the sample review: see the README).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ClipError, DependencyError

# espeak_lib.h (stable since espeak 1.48)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # else a failed initialisation calls exit(1)
_CHARS_UTF8 = 1
_PHONEMES = 0x100  # read [[...]] as phoneme mnemonics, as the espeak-ng command does
_ENDPAUSE = 0x1000  # the pause at the end of the text, as pyttsx3's driver asks
_RATE, _VOLUME = 1, 2
_EVENT_LIST_TERMINATED, _EVENT_WORD = 0, 1
NOISE_SEED = 1  # glibc's rand() before any srand(): what a new process draws
SYNTH_FLAGS = _CHARS_UTF8 | _PHONEMES | _ENDPAUSE


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),  # a union of int, char* and char[8]
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class Said:
    """One utterance: 16-bit mono samples at ``rate`` and each word event's position."""

    rate: int
    pcm: bytes
    words: tuple[int, ...]  # 0-based text position of each word event (as pyttsx3 gives)


def loaded_library() -> Path:
    """The file of the libespeak-ng this process has loaded (pyttsx3's binding of it)."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DependencyError(f"cannot read /proc/self/maps: {exc}") from exc
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)  # address perms offset dev inode [path]
        if len(fields) == 6 and "/libespeak-ng.so" in fields[5] and Path(fields[5]).is_file():
            return Path(fields[5])
    raise DependencyError("libespeak-ng is not loaded in this process")


class FreshEspeak:
    """Says each text with a new instance of libespeak-ng, copied once into ``folder``."""

    def __init__(self, library: Path, folder: Path) -> None:
        self._copy = folder / "libespeak-ng-private.so"
        try:
            shutil.copyfile(library, self._copy)
        except OSError as exc:
            raise DependencyError(f"cannot copy {library} to {self._copy}: {exc}") from exc
        try:  # e.g. a temporary folder mounted noexec: the loader refuses to map it
            _close(ctypes.CDLL(str(self._copy)))
        except OSError as exc:
            raise DependencyError(
                f"cannot load a copy of libespeak-ng from {folder}: {exc}"
            ) from exc
        # Two threads opening the one copy would share one instance of the library.
        self._lock = threading.Lock()

    def say(self, text: str, voice: str | None, rate: int, volume: float) -> Said:
        samples = bytearray()
        words: list[int] = []
        # ctypes prints and swallows what a callback raises: a Ctrl-C (or any error)
        # arriving while the library calls back is kept, synthesis is stopped (a
        # callback that returns 1 aborts it), and it is raised again once espeak_Synth
        # has returned.
        raised: list[BaseException] = []
        pending_signals: list[list[int]] = []

        def on_synth(wav: object, count: int, events: object) -> int:
            if pending_signals and pending_signals[0]:
                return 1  # a Ctrl-C or SIGTERM came: stop; it is handled after the call
            try:
                if count > 0:
                    samples.extend(ctypes.string_at(wav, count * 2))  # type: ignore[call-overload]
                i = 0
                while events[i].type != _EVENT_LIST_TERMINATED:  # type: ignore[index]
                    if events[i].type == _EVENT_WORD:  # type: ignore[index]
                        words.append(events[i].text_position - 1)  # type: ignore[index]
                    i += 1
            except BaseException as exc:  # noqa: BLE001 - re-raised after the C call
                raised.append(exc)
                return 1
            return 0

        callback = _CALLBACK(on_synth)  # kept alive until the library is closed
        with self._lock, _signals_deferred() as pending:
            pending_signals.append(pending)
            sample_rate = self._say(text, voice, rate, volume, callback)
        if raised:
            raise raised[0]
        return Said(int(sample_rate), bytes(samples), tuple(words))

    def _say(self, text: str, voice: str | None, rate: int, volume: float,
             callback: object) -> int:  # fmt: skip
        lib = ctypes.CDLL(str(self._copy))
        try:
            sample_rate = lib.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_DONT_EXIT
            )
            if sample_rate <= 0:
                raise ClipError("espeak-ng could not start (espeak_Initialize failed)")
            try:
                _seed_noise(lib)
                lib.espeak_SetSynthCallback(callback)
                if voice and lib.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
                    raise ClipError(f"espeak-ng refused the voice {voice!r}")
                # As pyttsx3's driver sets them, so the voice sounds as it always has.
                lib.espeak_SetParameter(_RATE, int(rate), 0)
                lib.espeak_SetParameter(_VOLUME, int(round(volume * 100, 2)), 0)
                data = text.encode("utf-8") + b"\0"
                status = lib.espeak_Synth(
                    data, ctypes.c_size_t(len(data)), 0, 1, 0, SYNTH_FLAGS, None, None
                )
                if status != 0:
                    raise ClipError(f"espeak-ng could not say the text (status {status})")
            finally:
                lib.espeak_Terminate()
        finally:
            _close(lib)
        return int(sample_rate)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM while the library calls back into Python.

    A signal handler that raises inside a ctypes callback (Python's own for Ctrl-C, the
    CLI's for SIGTERM) raises where ctypes can only print the traceback and carry on,
    so the interrupt was lost and the run went on. While held, a signal is only noted
    (the callback then stops synthesis); the handler it was meant for runs once the
    library has returned. Off the main thread (a Dask worker's task thread) Python
    delivers no signals, so nothing is held there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    before = {sig: signal.getsignal(sig) for sig in held}

    def note(signum: int, frame: object) -> None:
        pending.append(signum)

    for sig in held:
        signal.signal(sig, note)
    try:
        yield pending
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(pending):
            handler = before[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def _seed_noise(lib: ctypes.CDLL) -> None:
    """Start the noise of breathy and Klatt voices where a new process starts it."""
    _libc().srand(NOISE_SEED)  # espeak-ng 1.51 draws from the C library's rand()
    try:
        set_seed = lib.espeak_ng_SetRandSeed  # 1.52 and later: its own generator
    except AttributeError:
        return
    set_seed(ctypes.c_long(NOISE_SEED))


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None)


def _close(lib: ctypes.CDLL) -> None:
    """Unload the copy, so that the next ``CDLL`` maps it afresh."""
    import _ctypes

    _ctypes.dlclose(lib._handle)
