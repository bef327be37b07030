"""espeak-ng's word events against the end-of-text check, on the real engine.

espeak-ng reports one word event for a multi-word dictionary entry ("at once"), so a
sentence ending in one used to be refused as truncated. The check must accept every
such ending and still refuse every text whose last words were not spoken.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.clips import ClipStore, render_clip, speech_bounds, to_mono16
from narrate.engines import create_engine
from narrate.engines.pyttsx3_engine import Pyttsx3Engine
from narrate.errors import ClipError
from narrate.settings import AudioSettings, VoiceSettings

DATA = Path(__file__).parent / "data" / "espeak-en-multiword.txt"
ENTRIES = [
    line for line in DATA.read_text("utf-8").splitlines() if line and not line.startswith("#")
]
PROSE = "It works as a tragedy {}."


@pytest.fixture(scope="module")
def engine() -> Iterator[Pyttsx3Engine]:
    e = create_engine(VoiceSettings())
    assert isinstance(e, Pyttsx3Engine)
    yield e
    e.close()


def speech_frames(engine: Pyttsx3Engine, text: str) -> int:
    _, pcm = to_mono16(engine.synthesize(text))
    start, end = speech_bounds(pcm, -50)
    return end - start


def test_the_corpus_is_espeaks_whole_english_list() -> None:
    assert len(set(ENTRIES)) == len(ENTRIES) == 197
    for entry in ("at once", "e . g .", "e.g.", "has been", "coup de grâce", "http ://"):
        assert entry in ENTRIES
    listed = ENTRIES[: ENTRIES.index("a.k.a.")]  # then the written forms
    assert len(listed) == 191
    assert all(len(e.replace("-", " ").split()) > 1 for e in listed)


@pytest.mark.parametrize("frame", [PROSE, "{}"], ids=["after-prose", "alone"])
def test_every_multiword_entry_may_end_a_text(engine: Pyttsx3Engine, frame: str) -> None:
    """False failures on every multi-word entry of espeak-ng's English data: 0."""
    refused = {}
    for entry in ENTRIES:
        text = frame.format(entry)
        try:
            frames = speech_frames(engine, text)
        except ClipError as exc:
            refused[text] = str(exc)
            continue
        assert frames > 0.1 * 22050, text
    assert refused == {}


def lose_words_from(engine: Pyttsx3Engine, text: str, cut: int):
    """Make ``engine`` behave as if espeak stopped at ``cut`` when it says ``text``."""
    real = engine._utter

    def utter(said: str):
        heard = real(said)
        if said == text:
            heard = dataclasses.replace(heard, words=tuple(w for w in heard.words if w < cut))
        return heard

    return utter


def test_every_entry_after_lost_words_is_still_refused(
    engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same sentences with the entry itself unspoken: each one is refused."""
    accepted = []
    for entry in ENTRIES:
        text = PROSE.format(entry)
        monkeypatch.setattr(engine, "_utter", lose_words_from(engine, text, text.index(entry)))
        try:
            list(engine.synthesize(text))
        except ClipError as exc:
            assert str(exc).startswith("speech engine stopped before the last word"), exc
        else:
            accepted.append(text)
        monkeypatch.undo()
    assert accepted == []


@pytest.mark.parametrize(
    ("text", "lost_from"),
    [
        ("It works as a tragedy at once and the ending lands.", "and"),
        ("It works as a tragedy at once and the ending lands.", "lands"),
        ("It works as a tragedy at once.", "tragedy"),
        ("Nobody had been there before.", "been"),
        ("She has been there, at once.", "there"),
    ],
)
def test_lost_words_are_refused_with_the_position(
    engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch, text: str, lost_from: str
) -> None:
    monkeypatch.setattr(engine, "_utter", lose_words_from(engine, text, text.index(lost_from)))
    with pytest.raises(ClipError) as info:
        list(engine.synthesize(text))
    last = text.rindex(" ") + 2
    assert str(info.value).startswith("speech engine stopped before the last word (reached")
    assert str(info.value).endswith(f"the last word starts at {last})")


@pytest.mark.parametrize(
    "text",
    [
        "It works as a tragedy at once.",
        "It works as a tragedy at once",
        "It was (at once).",
        'He said "at once".',
        "AT ONCE!",
        "at once at once.",
        "It was 3 p. m.",
        "The score was 3 - 2.",
        "The scene works, and she knows it has been.",
        "They had to.",
    ],
)
def test_ordinary_endings_make_a_clip(tmp_path: Path, engine: Pyttsx3Engine, text: str) -> None:
    clip = render_clip(engine, text, ClipStore(tmp_path), AudioSettings(), paragraph=0)
    assert clip.duration > 0.3
