"""Every guard of the pyttsx3 adapter, each driven by a fake driver that trips it.

The real espeak-ng rarely misbehaves on demand, so these tests put ``fake_pyttsx3``
behind ``pyttsx3.init()`` and make it stop early, report too few words, never finish,
say it was cut short, write no file or an empty one, or write into another call's file.
Each test fails when its guard is taken out of the adapter.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fake_pyttsx3 import (
    RATE,
    SECONDS_PER_WORD,
    FakeLib,
    FakeTTS,
    Speak,
    later,
    prints_late,
    speaks_well,
)
from narrate.engines import pyttsx3_engine
from narrate.engines.pyttsx3_engine import Pyttsx3Engine
from narrate.errors import ClipError
from narrate.settings import VoiceSettings

TEXT = "One two three four five six."  # words start at 0, 4, 8, 14, 19 and 24
Make = Callable[..., tuple[Pyttsx3Engine, FakeTTS, FakeLib]]


@pytest.fixture
def make(monkeypatch: pytest.MonkeyPatch) -> Iterator[Make]:
    import pyttsx3

    engines: list[Pyttsx3Engine] = []
    lib = FakeLib()
    monkeypatch.setattr(pyttsx3_engine, "_espeak_lib", lambda: lib)
    # The fake driver speaks: no fresh instance of the real library per clip.
    monkeypatch.setattr(pyttsx3_engine, "_fresh_espeak", lambda folder: None)

    def build(
        speak: Speak = speaks_well,
        tts: FakeTTS | None = None,
        lib_rate: int = RATE,
        **voice: object,
    ):
        if tts is None:
            lib.dll.espeak_ng_GetSampleRate = lambda: lib_rate
            tts = FakeTTS(lib, speak)
        monkeypatch.setattr(pyttsx3, "init", lambda driver=None: tts)
        engine = Pyttsx3Engine(VoiceSettings(**voice))  # type: ignore[arg-type]
        engine.timeout = 0.5
        engines.append(engine)
        return engine, tts, lib

    yield build
    for engine in engines:
        engine.close()


def say(engine: Pyttsx3Engine, text: str = TEXT) -> tuple[int, int]:
    chunks = list(engine.synthesize(text))
    assert len(chunks) == 1
    return chunks[0].sample_rate, chunks[0].frames


def test_a_driver_that_behaves_gives_each_text_its_own_clip(
    make: Make, capfd: pytest.CaptureFixture[str]
) -> None:
    engine, tts, _ = make()
    for text in ("Short one.", TEXT, "Three words here."):
        rate, frames = say(engine, text)
        assert rate == RATE
        assert frames == round(len(text.split()) * SECONDS_PER_WORD * RATE)
    assert len(set(tts.files)) == len(tts.files) == 3  # a new file name for every call
    assert not any(Path(f).exists() for f in tts.files)  # and each one is removed
    assert capfd.readouterr().out == ""  # the driver's "Audio saved to ..." went to the log


def test_driver_prints_after_the_utterance_stay_off_stdout(
    make: Make, capfd: pytest.CaptureFixture[str]
) -> None:
    """espeak's thread may print "Audio saved to ..." after synthesize() has returned."""
    printed = threading.Event()
    engine, _, _ = make(prints_late(printed))
    say(engine)
    assert printed.wait(5)
    assert capfd.readouterr().out == ""


def test_runandwait_returning_early_does_not_lose_the_clip(make: Make) -> None:
    """pyttsx3 2.99's trap: runAndWait() returns before the driver has written the file."""
    engine, _, _ = make(later(speaks_well))
    for text in ("Short one.", TEXT, "Three words here."):
        assert say(engine, text)[1] == round(len(text.split()) * SECONDS_PER_WORD * RATE)


def stops_early(tts: FakeTTS, text: str, filename: str) -> None:
    """Every utterance ends after half its words (and the file holds only those)."""
    half = len(text.split()) // 2
    tts.write(filename, text, words=half)
    tts.word_events(text, upto=half)
    tts.finish()


def loses_the_last_word(tts: FakeTTS, text: str, filename: str) -> None:
    """Every utterance, the one the adapter asks to check a tail included, ends a word short."""
    tts.write(filename, text, words=len(text.split()) - 1)
    tts.word_events(text, upto=len(text.split()) - 1)
    tts.finish()


def says_one_word(tts: FakeTTS, text: str, filename: str) -> None:
    """Every utterance is cut after its first word."""
    tts.write(filename, text, words=1)
    tts.word_events(text, upto=1)
    tts.finish()


def reports_no_words(tts: FakeTTS, text: str, filename: str) -> None:
    tts.write(filename, text)
    tts.finish()


def never_finishes(tts: FakeTTS, text: str, filename: str) -> None:
    tts.write(filename, text)
    tts.word_events(text)


def cut_short(tts: FakeTTS, text: str, filename: str) -> None:
    tts.write(filename, text)
    tts.word_events(text)
    tts.finish(completed=False)


def writes_no_file(tts: FakeTTS, text: str, filename: str) -> None:
    tts.word_events(text)
    tts.finish()


def writes_an_empty_file(tts: FakeTTS, text: str, filename: str) -> None:
    Path(filename).write_bytes(b"")
    tts.word_events(text)
    tts.finish()


def writes_bytes(data: bytes) -> Speak:
    def speak(tts: FakeTTS, text: str, filename: str) -> None:
        Path(filename).write_bytes(data)
        tts.word_events(text)
        tts.finish()

    speak.__name__ = f"writes_{data[:4].decode()}"
    return speak


def writes_no_samples(tts: FakeTTS, text: str, filename: str) -> None:
    with wave.open(filename, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
    tts.word_events(text)
    tts.finish()


def raises(tts: FakeTTS, text: str, filename: str) -> None:
    raise RuntimeError("driver broke")


@pytest.mark.parametrize(
    ("speak", "message"),
    [
        (
            stops_early,
            "speech engine stopped before the last word "
            "(reached character 9, the last word starts at 25)",
        ),
        (
            loses_the_last_word,
            "speech engine stopped before the last word "
            "(reached character 20, the last word starts at 25)",
        ),
        (
            says_one_word,
            "speech engine stopped before the last word "
            "(reached character 1, the last word starts at 25)",
        ),
        (
            reports_no_words,
            "speech engine stopped before the last word "
            "(reached character 0, the last word starts at 25)",
        ),
        (never_finishes, "speech engine did not finish in time"),
        (cut_short, "speech engine stopped before the end of the text"),
        (writes_no_file, "speech engine wrote no audio"),
        (writes_an_empty_file, "speech engine wrote no audio"),
        (writes_no_samples, "engine wrote an empty clip"),
        (writes_bytes(b"JUNK" * 20), "engine wrote audio in an unknown format (starts b'JUNK')"),
        (writes_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "engine wrote a broken WAV file: "),
        (writes_bytes(b"FORM\x00\x00\x00\x04AIFF"), "engine wrote a broken AIFF file: "),
        (raises, "speech engine failed: driver broke"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_each_misbehaviour_is_refused_with_its_reason(
    make: Make, speak: Speak, message: str
) -> None:
    engine, tts, _ = make(speak)
    with pytest.raises(ClipError) as info:
        say(engine)
    if message.endswith(": "):  # the rest is the parser's own words
        assert str(info.value).startswith(message)
    else:
        assert str(info.value) == message
    assert not any(Path(f).exists() for f in tts.files)  # nothing is left behind


def test_a_driver_writing_into_another_calls_file_loses_nothing_silently(make: Make) -> None:
    """The other half of the trap: a stale file name takes the next utterance's audio."""

    def into_the_first_name(tts: FakeTTS, text: str, filename: str) -> None:
        speaks_well(tts, text, tts.files[0])

    engine, tts, _ = make(into_the_first_name)
    assert say(engine, "Short one.")[1] == round(2 * SECONDS_PER_WORD * RATE)
    with pytest.raises(ClipError, match="^speech engine wrote no audio$"):
        say(engine, TEXT)  # its audio went to the first call's name, never to its own


def test_an_event_one_character_early_still_reaches_the_last_word(make: Make) -> None:
    """espeak's positions can be one off ("It was 3 p. m."); never two, the word before."""

    def early_by(offset: int) -> Speak:
        def speak(tts: FakeTTS, text: str, filename: str) -> None:
            tts.write(filename, text)
            tts.word_events(text, upto=len(text.split()) - 1)
            tts.event(text.rindex(" ") + 1 - offset)
            tts.finish()

        return speak

    engine, _, _ = make(early_by(1))
    assert say(engine)[1] > 0
    engine.close()
    engine, _, _ = make(early_by(2))
    with pytest.raises(ClipError, match=r"\(reached character 23, the last word starts at 25\)"):
        say(engine)


def multiword_entry(events_in_probe: str = "at", probe_ends: str = "finished") -> Speak:
    """Like espeak-ng: "at once" is one dictionary entry, one word event at "at"."""

    def speak(tts: FakeTTS, text: str, filename: str) -> None:
        tts.write(filename, text)
        probing = "Done." in text
        for i, word in enumerate(text.split()):
            start = len(" ".join(text.split()[:i])) + (1 if i else 0)
            if word.strip(".").lower() != "once" or (probing and events_in_probe == "once"):
                tts.event(start)
            elif probing and events_in_probe == "space":  # on the space before "once"
                tts.event(start - 1)
        if not probing or probe_ends == "finished":
            tts.finish()
        elif probe_ends == "cut short":
            tts.finish(completed=False)

    return speak


def test_a_text_ending_in_a_multiword_entry_is_asked_of_the_engine(make: Make) -> None:
    engine, tts, _ = make(multiword_entry(events_in_probe="at"))
    text = "It works as a tragedy at once."
    assert say(engine, text)[1] > 0
    assert [t for t, _ in tts.spoken] == [text, "at once. Done."]


@pytest.mark.parametrize(
    "speak",
    [
        multiword_entry(events_in_probe="once"),
        multiword_entry(events_in_probe="space"),
        multiword_entry(probe_ends="cut short"),
        multiword_entry(probe_ends="never"),
    ],
    ids=["said-as-two-words", "second-word-event-on-the-space", "probe-cut-short",
         "probe-never-finishes"],  # fmt: skip
)
def test_a_span_not_heard_as_one_word_is_refused(make: Make, speak: Speak) -> None:
    engine, _, _ = make(speak)
    with pytest.raises(ClipError) as info:
        say(engine, "It works as a tragedy at once.")
    assert str(info.value) == (
        "speech engine stopped before the last word "
        "(reached character 23, the last word starts at 26)"
    )


def test_it_waits_for_espeak_to_wind_down_before_the_next_utterance(make: Make) -> None:
    """An utterance started while espeak-ng still plays the last one is cut short."""

    def cut_if_playing(tts: FakeTTS, text: str, filename: str) -> None:
        if tts.lib.IsPlaying():
            tts.proxy._driver.stopping = True
        speaks_well(tts, text, filename)

    engine, _, lib = make(cut_if_playing)
    lib.busy_answers = [True] * 3
    assert say(engine)[1] > 0
    assert lib.is_playing_calls == 5  # three "busy", the adapter's "idle", the fake's own


def test_the_drivers_stop_cannot_cancel_the_next_utterance(make: Make) -> None:
    """espeak-ng says "busy" for a moment while it closes its idle stream (~150 ms after
    the last command); the driver's stop() then cancelled the next utterance."""
    engine, tts, lib = make()
    lib.closing_stream = True
    assert say(engine)[1] > 0
    assert not tts.proxy._driver.stopping


def test_each_engine_speaks_with_its_own_settings(make: Make) -> None:
    slow, tts, _ = make(rate=120, volume=0.5)
    fast, _, _ = make(tts=tts, rate=300)
    for engine in (slow, fast, slow):
        say(engine, "Short one.")
    assert [(p["rate"], p["volume"]) for _, p in tts.spoken] == [(120, 0.5), (300, 1.0), (120, 0.5)]


def test_the_sample_rate_comes_from_espeak_not_the_header(make: Make) -> None:
    engine, _, _ = make(lib_rate=16000)
    assert say(engine)[0] == 16000


def test_phoneme_input_is_switched_on(make: Make) -> None:
    _, _, lib = make()
    pyttsx3_engine._espeak_lib().Synth(b"[[h@'loU]]", flags=0x11)
    assert lib.synth_flags == [0x111]


def test_close_lets_go_of_the_driver(make: Make) -> None:
    engine, tts, _ = make()
    say(engine)
    engine.close()
    assert not any(tts.handlers.values())
    assert not engine._tmpdir.exists()


def test_empty_text_is_refused_before_the_driver(make: Make) -> None:
    engine, tts, _ = make()
    with pytest.raises(ClipError, match="^nothing to say$"):
        say(engine, " \n ")
    assert tts.spoken == []
