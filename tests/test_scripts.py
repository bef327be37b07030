"""A text in a script the voice cannot read is refused with the reason, not a length."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.clips import ClipStore, letter_scripts, render_clip, speech_units, verify
from narrate.engines import create_engine
from narrate.engines.base import scripts_for_language
from narrate.errors import ClipError
from narrate.settings import AudioSettings, VoiceSettings

CANNOT = "which the pyttsx3 voice {voice!r} cannot read (narrate voices --language {lang} lists"


@pytest.mark.parametrize(
    ("text", "tlan", "voice"),
    [
        ("寄生虫是一部关于阶级的电影。", "zho", "sit/cmn"),
        ("これは家族の映画です。", "jpn", "jpx/ja"),
        ("기생충은 좋은 영화입니다.", "kor", "ko"),
        ("هذا فيلم جميل جدا عن العائلة.", "ara", "sem/ar"),
        ("Это очень хороший фильм о семье.", "rus", "zle/ru"),
        ("Μια πολύ καλή ταινία για την οικογένεια.", "ell", "grk/el"),
        ("זה סרט טוב מאוד על משפחה.", "heb", "sem/he"),
        ("นี่คือภาพยนตร์ที่ดีมาก", "tha", "tai/th"),
        ("यह परिवार के बारे में एक अच्छी फिल्म है।", "hin", "inc/hi"),
    ],
)
def test_a_review_in_another_script_is_read_by_its_languages_voice(
    tmp_path: Path, text: str, tlan: str, voice: str
) -> None:
    """Once refused ("the text is in Han script, which the voice cannot read"): the
    review's language is detected, and it picks a voice that reads the script."""
    from mutagen.id3 import ID3

    from narrate.tags import TXXX_VOICE

    review = tmp_path / "review.txt"
    review.write_text(f"A Review\n\n{text}\n", encoding="utf-8")
    out = tmp_path / "review.mp3"
    result = CliRunner().invoke(
        cli, ["read", str(review), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.stderr
    tags = ID3(out)
    assert (tags["TLAN"].text, tags[f"TXXX:{TXXX_VOICE}"].text) == ([tlan], [voice])


def test_a_few_foreign_letters_are_read_as_well_as_the_voice_can(tmp_path: Path) -> None:
    engine = create_engine(VoiceSettings())
    text = "Bong Joon-ho's film 기생충 is about class."
    clip = render_clip(engine, text, ClipStore(tmp_path), AudioSettings(), paragraph=0)
    assert clip.duration > 1.0


def test_a_voice_of_the_script_reads_it(tmp_path: Path) -> None:
    engine = create_engine(VoiceSettings(voice="sit/cmn"))
    assert engine.scripts() == {"LATIN", "CJK"}
    text = "寄生虫是一部关于阶级的电影。"
    clip = render_clip(engine, text, ClipStore(tmp_path), AudioSettings(), paragraph=3)
    assert clip.duration > 1.5  # 13 syllables: more than "1 word" allowed (at most 4 s)


def test_the_named_voice_is_in_the_message(tmp_path: Path) -> None:
    engine = create_engine(VoiceSettings(voice="roa/fr"))
    with pytest.raises(ClipError) as info:
        render_clip(engine, "هذا فيلم جميل.", ClipStore(tmp_path), AudioSettings(), paragraph=4)
    assert str(info.value) == (
        "paragraph 5: the text is in Arabic script, "
        + CANNOT.format(voice="roa/fr", lang="ar")
        + " the voices that can)"
    )
    assert info.value.paragraph == 4


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("Plain English words here.", 4),
        ("寄生虫", 3),
        ("寄生虫是一部电影。", 8),
        ("A film called 寄生虫 is good.", 8),
        ("これは映画です", 7),
        ("ภาพยนตร์", 7),  # 7 letters and a mark
        ("Это хороший фильм.", 3),
        ("Ｆｕｌｌｗｉｄｔｈ letters", 2),
    ],
)
def test_plausibility_counts_letters_of_scripts_without_spaces(text: str, units: int) -> None:
    assert speech_units(text) == units


def test_a_long_clip_of_chinese_is_plausible_but_not_without_limit() -> None:
    text = "寄生虫是一部关于阶级的电影。"  # 13 characters: 13 words' worth
    verify(22050, round(13.6 * 22050), text)  # was "13.60 s of audio for 1 words"
    with pytest.raises(ClipError, match=r"^40\.00 s of audio for 13 words is not plausible"):
        verify(22050, 40 * 22050, text)


def test_scripts_of_letters() -> None:
    assert letter_scripts("Café 寄生虫 ｶﾀｶﾅ ª²") == {"LATIN": 4, "CJK": 3, "KATAKANA": 4}
    assert scripts_for_language("en_US") == {"LATIN"}
    assert scripts_for_language("ja") == {"LATIN", "CJK", "HIRAGANA", "KATAKANA"}
    assert create_engine(VoiceSettings(engine="tone")).scripts() is None
