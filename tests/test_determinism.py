"""The same sentence and settings give byte-identical clips, whatever the process said before.

espeak-ng carries state from one utterance to the next (see ``engines/espeak_fresh``);
pyttsx3's adapter says every clip with a fresh instance of the library. These tests say
sentences after many different histories in one process and compare the samples, and
compare them with the ``espeak-ng`` command (a new process: no history at all).
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import wave

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.clips import clip_key, to_mono16
from narrate.engines import create_engine
from narrate.engines.base import Engine
from narrate.settings import AudioSettings, VoiceSettings

# Loud, quiet, short, long, questions, exclamations, numbers, phoneme input: the kinds
# of utterance that leave espeak-ng's flutter phase, gain and cycle count elsewhere.
POOL = (
    "It has two sentences.",
    "Wow!",
    "Is it really over?",
    "This is a considerably longer sentence, with several clauses, that goes on for a "
    "while before it ends.",
    "AAAH! STOP! NOW!",
    "In 1987 it cost $4.50, or 3 pounds.",
    "The film is long, but it never drags.",
    "Say [[h@'loU]] to the cast.",
)


@pytest.fixture(scope="module")
def espeak() -> Engine:
    engine = create_engine(VoiceSettings(engine="pyttsx3"))
    yield engine
    engine.close()


def pcm(engine: Engine, text: str) -> bytes:
    return to_mono16(engine.synthesize(text))[1]


def espeak_command(text: str, voice: str) -> bytes:
    """What ``espeak-ng`` writes for ``text`` in a process of its own."""
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "175", "-a", "100", "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(io.BytesIO(out)) as w:
        return w.readframes(w.getnframes())


def test_espeak_ng_itself_remembers_what_it_said(
    espeak: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the fix exists: pyttsx3's own instance says a sentence differently after a
    long one (the flutter phase and the gain carry over). If espeak-ng ever stops doing
    that, this fails, and the fresh instance per clip may go."""
    monkeypatch.setattr(espeak, "_fresh", None)  # the driver's long-lived instance
    first = pcm(espeak, POOL[0])
    pcm(espeak, POOL[3])
    assert pcm(espeak, POOL[0]) != first


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs the espeak-ng command")
def test_every_clip_is_what_the_espeak_command_says(espeak: Engine) -> None:
    voice = espeak._voice_id  # type: ignore[attr-defined]
    assert voice
    for text in POOL:
        pcm(espeak, POOL[3])  # a history before each
        assert pcm(espeak, text) == espeak_command(text, voice), text


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=st.permutations(range(len(POOL))), target=st.integers(0, len(POOL) - 1))
def test_a_sentence_after_any_history_gives_the_same_samples(
    espeak: Engine, reference: dict[int, bytes], order: list[int], target: int
) -> None:
    for i in order:
        assert pcm(espeak, POOL[i]) == reference[i], POOL[i]
    assert pcm(espeak, POOL[target]) == reference[target]


@pytest.fixture(scope="module")
def reference(espeak: Engine) -> dict[int, bytes]:
    return {i: pcm(espeak, text) for i, text in enumerate(POOL)}


@pytest.mark.parametrize("seed", range(3))
def test_seeded_shuffles_of_many_sentences_agree(espeak: Engine, seed: int) -> None:
    """Forty sentences, each said in three shuffled orders: each gives one result."""
    words = ("the", "a", "film", "cast", "long", "scene", "night", "it", "was", "never", "so")
    rng = random.Random(seed)
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 14))).capitalize() + rng.choice(".!?")
             for _ in range(40)]  # fmt: skip
    seen: dict[str, bytes] = {}
    for _ in range(3):
        rng.shuffle(texts)
        for text in texts:
            assert seen.setdefault(text, pcm(espeak, text)) == pcm(espeak, text), text


def test_the_cache_key_names_how_the_clip_was_made(espeak: Engine) -> None:
    """Clips made by the driver's long-lived instance are never served for fresh ones."""
    audio = AudioSettings()
    assert espeak.renderer() == "espeak-ng fresh instance per clip"
    fresh = clip_key(espeak, "Hello.", audio)
    old = espeak.renderer
    try:
        espeak.renderer = lambda: ""  # type: ignore[method-assign]
        assert clip_key(espeak, "Hello.", audio) != fresh
    finally:
        espeak.renderer = old  # type: ignore[method-assign]


def test_the_cache_key_holds_the_speaker() -> None:
    tone = [create_engine(VoiceSettings(engine="tone", speaker=s)) for s in (None, 0, 1)]
    keys = {clip_key(e, "Hello.", AudioSettings()) for e in tone}
    assert len(keys) == 3


def test_piper_clips_do_not_depend_on_what_it_said_before() -> None:
    """Piper's noise is off (its model draws it unseeded): it stays history-free."""
    piper = create_engine(VoiceSettings(engine="piper"))
    try:
        texts = [POOL[0], POOL[2], POOL[6]]
        first = {t: pcm(piper, t) for t in texts}
        for order in ([2, 0, 1], [1, 2, 0]):
            for i in order:
                assert pcm(piper, texts[i]) == first[texts[i]], texts[i]
    finally:
        piper.close()


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs the espeak-ng command")
@pytest.mark.parametrize("variant", ["whisper", "f2"])
def test_breathy_voices_do_not_depend_on_the_noise_drawn_before(
    espeak: Engine, variant: str
) -> None:
    """Breathy variants mix noise from the C library's rand() (espeak-ng 1.51), which the
    whole process shares: draws made elsewhere must not change a clip."""
    import ctypes

    libc = ctypes.CDLL(None)
    voice = f"{espeak._voice_id}+{variant}"  # type: ignore[attr-defined]
    fresh = espeak._fresh  # type: ignore[attr-defined]
    said = []
    for draws in (0, 7, 1000):
        for _ in range(draws):
            libc.rand()
        said.append(fresh.say(POOL[0], voice, 175, 1.0).pcm)
    assert said[0] == said[1] == said[2] == espeak_command(POOL[0], voice)


def test_without_a_private_copy_the_driver_speaks_and_the_key_says_so(
    espeak: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path
) -> None:
    """Where no copy of the library can be loaded (a noexec temporary folder), clips come
    from the driver's instance, with a warning, under a cache key of their own."""
    import ctypes
    import logging

    from narrate.engines import espeak_fresh, pyttsx3_engine
    from narrate.errors import DependencyError

    real = ctypes.CDLL

    def refuse_copies(name, *args, **kwargs):
        if str(name).endswith("libespeak-ng-private.so"):
            raise OSError("failed to map segment from shared object")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(espeak_fresh.ctypes, "CDLL", refuse_copies)
    with pytest.raises(DependencyError, match=r"^cannot load a copy of libespeak-ng from "):
        espeak_fresh.FreshEspeak(espeak_fresh.loaded_library(), tmp_path)
    with caplog.at_level(logging.WARNING, logger=pyttsx3_engine.__name__):
        engine = create_engine(VoiceSettings(engine="pyttsx3"))
    try:
        assert engine.renderer() == ""
        assert [r.getMessage() for r in caplog.records] == [
            "espeak-ng clips will depend on what was said before them: cannot load a copy "
            f"of libespeak-ng from {engine._tmpdir}: failed to map segment from shared object"  # type: ignore[attr-defined]
        ]
        assert pcm(engine, POOL[0])  # the driver still speaks
    finally:
        engine.close()


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_while_espeak_calls_back_stops_the_clip_and_reaches_its_handler(
    espeak: Engine, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    signum: str,
) -> None:
    """A handler that raises inside a ctypes callback raised where ctypes prints and goes
    on: Ctrl-C was lost and the review was narrated to the end. The signal is raised
    here from inside the first callback, deterministically, not by a timer."""
    import signal

    import narrate.engines.espeak_fresh as fresh

    sig = getattr(signal, signum)
    real = ctypes_string_at = fresh.ctypes.string_at
    calls: list[int] = []

    def string_at_and_signal(*args: object) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            signal.raise_signal(sig)  # its handler runs inside the callback
        return real(*args)

    class Stop(Exception):
        pass

    def stop(signum: int, frame: object) -> None:
        raise Stop(signum)

    before = signal.signal(sig, stop)
    monkeypatch.setattr(fresh.ctypes, "string_at", string_at_and_signal)
    try:
        with pytest.raises(Stop):
            pcm(espeak, "A sentence long enough to be called back more than once. " * 20)
    finally:
        signal.signal(sig, before)
        monkeypatch.setattr(fresh.ctypes, "string_at", ctypes_string_at)
    assert len(calls) == 1  # synthesis stopped at the next callback
    assert "Exception ignored" not in capfd.readouterr().err
    assert pcm(espeak, "It has two sentences.") == pcm(espeak, "It has two sentences.")
