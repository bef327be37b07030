"""The pyttsx3 adapter against the real espeak-ng: the traps of pyttsx3 2.99 stay closed."""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from importlib import resources

import pytest

from narrate.clips import speech_bounds, to_mono16
from narrate.engines import ENGINES, create_engine
from narrate.engines.base import Engine
from narrate.engines.pyttsx3_engine import Pyttsx3Engine
from narrate.errors import ClipError, UnknownVoiceError
from narrate.settings import VoiceSettings

SAMPLE = resources.files("narrate") / "data" / "pain-and-glory.txt"


def cli_frames(text: str, *extra: str) -> int:
    """Trimmed length of ``text`` as the espeak-ng command says it."""
    out = subprocess.run(
        ["espeak-ng", "-s", "175", *extra, "--stdout", text], capture_output=True, check=True
    ).stdout
    with wave.open(io.BytesIO(out)) as w:
        pcm = w.readframes(w.getnframes())
    start, end = speech_bounds(pcm, -50)
    return end - start


def engine_frames(engine: Engine, text: str) -> tuple[int, int]:
    rate, pcm = to_mono16(engine.synthesize(text))
    start, end = speech_bounds(pcm, -50)
    return rate, end - start


@pytest.fixture(scope="module")
def engine() -> Pyttsx3Engine:
    e = create_engine(VoiceSettings())
    assert isinstance(e, Pyttsx3Engine)
    return e


def test_registry_holds_adapters() -> None:
    assert ENGINES["pyttsx3"] is Pyttsx3Engine
    assert all(issubclass(cls, Engine) and cls.name == name for name, cls in ENGINES.items())


def test_paragraphs_in_a_row_each_get_their_own_audio(
    engine: Pyttsx3Engine, capfd: pytest.CaptureFixture[str]
) -> None:
    """The naive save_to_file/runAndWait loop loses paragraph 1 of the sample; this cannot."""
    paragraphs = [p.replace("\n", " ") for p in SAMPLE.read_text("utf-8").split("\n\n")]
    lengths = []
    for p in paragraphs[:3]:
        rate, frames = engine_frames(engine, p)
        assert rate == 22050  # asked of espeak-ng, not taken from the driver's header
        lengths.append(frames)
    for p, frames in zip(paragraphs[:3], lengths, strict=True):
        # each clip is its own paragraph: within 3 % of a direct espeak-ng render
        assert abs(frames - cli_frames(p)) < 0.03 * frames, p[:40]
    assert len(set(lengths)) == 3
    out = capfd.readouterr().out
    assert "Audio saved to" not in out
    assert out == ""


def test_phoneme_input_is_spoken_as_phonemes(engine: Pyttsx3Engine) -> None:
    """Lexicon phonemes reach espeak-ng as phonemes, not as letters read one by one."""
    _, frames = engine_frames(engine, "[[band'e@r@s]]")
    assert abs(frames - cli_frames("[[band'e@r@s]]")) < 0.05 * frames
    _, spelled = engine_frames(engine, "band'e@r@s")
    assert spelled > 1.2 * frames


def test_voices_and_unknown_voice(engine: Pyttsx3Engine) -> None:
    voices = engine.voices()
    assert len(voices) > 20
    english = [v for v in voices if any(lang.startswith("en") for lang in v.languages)]
    assert english, voices[:5]
    by_name = create_engine(VoiceSettings(voice=english[0].name))
    assert by_name._voice_id == english[0].id
    with pytest.raises(UnknownVoiceError) as info:
        create_engine(VoiceSettings(voice="no-such-voice"))
    assert str(info.value) == (
        "unknown voice 'no-such-voice' for engine pyttsx3 (list voices with: narrate voices)"
    )


def test_rate_changes_the_length(engine: Pyttsx3Engine) -> None:
    text = "It moves at a nice leisurely pace and creates such a palatable atmosphere."
    _, normal = engine_frames(engine, text)
    slow = create_engine(VoiceSettings(rate=120))
    _, slower = engine_frames(slow, text)
    _, again = engine_frames(engine, text)  # the first instance re-applies its own rate
    assert slower > 1.3 * normal
    assert abs(again - normal) < 0.03 * normal


def test_empty_text_is_refused(engine: Pyttsx3Engine) -> None:
    with pytest.raises(ClipError, match="nothing to say"):
        list(engine.synthesize("   "))


@pytest.mark.parametrize(
    "text",
    [
        "The disease is called pneumonoultramicroscopicsilicovolcanoconiosis.",
        "Er war Donaudampfschifffahrtsgesellschaftskapitaen.",
        "ISBN 9780306406157.",
        "It costs $1,234,567.89 in 2019-2020.",
        "Emoji at the end 🍿",
    ],
)
def test_long_words_and_numbers_pass_the_checks(tmp_path, text: str) -> None:
    """espeak caps word-event lengths at 31 characters and reads long numbers digit by
    digit: neither may be mistaken for lost text."""
    from narrate.clips import ClipStore, render_clip
    from narrate.settings import AudioSettings

    engine = create_engine(VoiceSettings())
    clip = render_clip(engine, text, ClipStore(tmp_path), AudioSettings(), paragraph=0)
    assert abs(clip.frames - cli_frames(text)) < 0.05 * clip.frames


def test_the_drivers_stop_never_cancels_an_utterance(
    engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """espeak-ng marks itself busy for a moment while it closes its idle audio stream
    (~150 ms after an utterance). pyttsx3's end-of-loop stop() asked just then, and its
    loop cancelled the next utterance: "stopped before the end of the text"."""
    from pyttsx3.drivers import _espeak

    real = _espeak.IsPlaying

    def is_playing() -> bool:
        if sys._getframe(1).f_code.co_name == "stop":  # the driver's stop(): the window
            return True
        return real()

    monkeypatch.setattr(_espeak, "IsPlaying", is_playing)
    for text in ("First one.", "The second one is longer.", "A third."):
        rate, frames = engine_frames(engine, text)
        assert abs(frames - cli_frames(text)) < 0.05 * frames


def test_the_default_voice_is_not_taken_over_by_another_engines_voice(
    engine: Pyttsx3Engine,
) -> None:
    """pyttsx3 gives every engine in a process one driver: a French engine's voice must
    not stay on for an engine that asked for the default."""
    text = "It moves at a nice leisurely pace."
    french = create_engine(VoiceSettings(voice="roa/fr"))
    _, in_french = engine_frames(french, text)
    _, default = engine_frames(engine, text)
    assert abs(default - cli_frames(text)) < 0.03 * default
    assert abs(in_french - cli_frames(text, "-v", "fr")) < 0.03 * in_french
    french.close()
