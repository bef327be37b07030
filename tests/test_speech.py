"""Speech normalization and the pronunciation lexicon."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.errors import LexiconError
from narrate.speech import (
    Lexicon,
    apply_lexicon,
    has_speakable,
    load_lexicon,
    normalize_for_speech,
    uses_espeak_phonemes,
)

DATA = Path(__file__).resolve().parents[1] / "src" / "narrate" / "data"
SAMPLE_LEXICON = DATA / "pain-and-glory.lexicon.toml"
ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")


def espeak_phonemes(text: str) -> str:
    """What espeak-ng would say, as phoneme mnemonics (``espeak-ng -q -x``)."""
    assert ESPEAK is not None
    done = subprocess.run(
        [ESPEAK, "-q", "-x", "--", text], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


# ------------------------------------------------------------------ normalization


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("‘Pain and Glory’ is…", "'Pain and Glory' is..."),
        ("“Quoted” and „low“ and «guillemets»", '"Quoted" and "low" and "guillemets"'),
        ("can´t and can`t", "can't and can't"),
        ("authentic - every movement", "authentic, every movement"),
        ("authentic — every movement", "authentic, every movement"),
        ("authentic—every movement", "authentic, every movement"),
        ("a – b ― c ‒ d -- e", "a, b, c, d, e"),
        ("1990–2000 and pages 10‒20", "1990 to 2000 and pages 10 to 20"),
        ("1990-2000, a 9-5 job, 3-4 times", "1990 to 2000, a 9 to 5 job, 3 to 4 times"),
        ("on 2019-10-05, COVID-19", "on 2019 10 05, COVID-19"),
        ("*really* good, f*** it", "really good, f it"),
        ("end. — Next", "end. Next"),
        ("He said—”", 'He said"'),
        ("— Opening dash", "Opening dash"),
        ("self-reflective 30-year −5", "self-reflective 30-year -5"),
        ("a\u00a0b\u202fc\u2009d\u3000e", "a b c d e"),
        ("zero\u200bwidth\u00adsoft\ufeffbom\u200djoin", "zerowidthsoftbomjoin"),
        ("ctrl\x07\x1b chars\x00", "ctrl chars"),
        ("  lots \t of \n\n space  ", "lots of space"),
        ("I loved it 😍 really 🎬!", "I loved it really!"),
        ("👍🏽 great ⭐⭐⭐", "great"),
        ("1️⃣ one", "1 one"),
        ("wiki [[link]] text", "wiki [link] text"),
        ("1,000 people in 2019 paid $5.50 (30%)", "1,000 people in 2019 paid $5.50 (30%)"),
        ("שלום עולם, مرحبا بالعالم", "שלום עולם, مرحبا بالعالم"),
        ("\u200fRTL mark", "RTL mark"),
        ("🎬🍿", ""),
        ("* * *", ""),
        ("", ""),
    ],
)
def test_normalize_examples(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


def test_normalize_composes_nfc() -> None:
    assert normalize_for_speech("Almodo\u0301var") == "Almodóvar"
    assert normalize_for_speech("Almodo\u200d\u0301var") == "Almodóvar"


_TRICKY = (
    "aZé1٣\u0301 .,;:!?-–—―‒…'\"‘’“”«»`´[]()*#&%$€°"
    "\u00a0\u2009\u202f\u200b\u200d\u00ad\ufeff\u200e\u200f\ufe0f\x00\x07\x1b\x85\u2028\t\n\r"
    "😍🎬👍🏽⭐ש م가가"
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=_TRICKY, max_size=40), st.text(max_size=40)))
def test_normalize_idempotent_and_never_empties(text: str) -> None:
    once = normalize_for_speech(text)
    assert normalize_for_speech(once) == once
    if has_speakable(text):
        assert once
        assert has_speakable(once)
    else:
        assert once == ""
    assert "[[" not in once and "]]" not in once
    assert once == once.strip() and "  " not in once


@needs_espeak
def test_espeak_reads_normalized_text_without_spelling_symbols() -> None:
    raw = (
        "It’s “great” — really… 1990-2000 😍 * * * authentic - every movement "
        "the 1990–2000 era, can`t"
    )
    # The raw text makes espeak-ng say "dash", an emoji name, "asterisk" and "t".
    raw_ph = espeak_phonemes(raw)
    assert "d'aS" in raw_ph and "sm'aIlIN" in raw_ph and "'ast@r" in raw_ph
    spoken = espeak_phonemes(normalize_for_speech(raw))
    for spelled in ("d'aS", "kw'oUt", "sm'aIlIN", "'ast@r", "'ElIpsIs", "gr'eIv", "t'i:"):
        assert spelled not in spoken, spelled
    assert spoken.count("t@ t'u: T'aUz@nd") == 2  # 1990-2000 -> "1990 to 2000"


# ---------------------------------------------------------------------- lexicon


@pytest.fixture
def sample_lexicon() -> Lexicon:
    return load_lexicon(SAMPLE_LEXICON)


def test_sample_lexicon_loads(sample_lexicon: Lexicon) -> None:
    assert sample_lexicon.respell["Almodóvar"] == "al-mo-doh-var"
    assert sample_lexicon.phonemes["espeak"]["Banderas"] == "band'e@r@s"
    assert set(sample_lexicon.phonemes) == {"espeak"}
    assert pickle.loads(pickle.dumps(sample_lexicon)) == sample_lexicon


def test_engine_families(monkeypatch: pytest.MonkeyPatch) -> None:
    import narrate.speech as speech

    assert uses_espeak_phonemes("espeak")
    assert uses_espeak_phonemes("espeak-ng")
    assert not uses_espeak_phonemes("tone")
    assert not uses_espeak_phonemes("sapi5")
    lex = load_lexicon(SAMPLE_LEXICON)
    # Without the adapter's espeakPHONEMES flag, pyttsx3 would get respellings only.
    monkeypatch.setattr(speech, "PYTTSX3_READS_PHONEMES", False)
    assert not uses_espeak_phonemes("pyttsx3", platform="linux")
    assert apply_lexicon("Banderas", lex, "pyttsx3") == "ban-dair-us"
    monkeypatch.setattr(speech, "PYTTSX3_READS_PHONEMES", True)
    assert uses_espeak_phonemes("pyttsx3", platform="linux")
    assert not uses_espeak_phonemes("pyttsx3", platform="win32")
    assert not uses_espeak_phonemes("pyttsx3", platform="darwin")
    monkeypatch.setattr(sys, "platform", "linux")
    assert apply_lexicon("Banderas", lex, "pyttsx3") == "[[band'e@r@s]]"
    monkeypatch.setattr(sys, "platform", "win32")
    assert apply_lexicon("Banderas", lex, "pyttsx3") == "ban-dair-us"


def test_apply_lexicon_phonemes_and_respell(sample_lexicon: Lexicon) -> None:
    text = normalize_for_speech("Salvador Mallo (Antonio Banderas) and Almodóvar.")
    assert apply_lexicon(text, sample_lexicon, "espeak") == (
        "[[s,alv@d'O@]] [[m'ajoU]] ( [[ant'oUnjoU]] [[band'e@r@s]]) and [[,alm@d'oUvA@]]."
    )
    assert apply_lexicon(text, sample_lexicon, "sapi5") == (
        "sal-va-dor mah-yo (Antonio ban-dair-us) and al-mo-doh-var."
    )
    assert apply_lexicon(text, None, "espeak") == text


def test_apply_lexicon_whole_words_and_possessives(sample_lexicon: Lexicon) -> None:
    def say(text: str, engine: str = "espeak") -> str:
        return apply_lexicon(normalize_for_speech(text), sample_lexicon, engine)

    assert say("Banderas’ finest") == "[[band'e@r@s]]' finest"
    assert say("Banderas's finest") == "[[band'e@r@sI2z]] finest"
    assert say("Salvador’s inability") == "[[s,alv@d'O@z]] inability"
    assert say("Salvador’s inability", "other") == "sal-va-dor's inability"
    assert say("Banderasx and xBanderas and Banderas_2") == "Banderasx and xBanderas and Banderas_2"
    assert say("Banderas-style") == "[[band'e@r@s]]-style"


def test_apply_lexicon_case_rules(tmp_path: Path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text(
        '[respell]\n"Banderas" = "ban-dair-us"\n"tequila" = "te-kee-la"\n'
        '"Tequila" = "TEQ"\n"Salvador Mallo" = "the director"\n"Salvador" = "sal"\n',
        encoding="utf-8",
    )
    lex = load_lexicon(path)
    # An entry with capitals matches exactly that spelling only.
    assert apply_lexicon("Banderas banderas BANDERAS", lex, "x") == "ban-dair-us banderas BANDERAS"
    # An all-lowercase entry matches any case; an exact-case entry wins over it.
    assert apply_lexicon("tequila TEQUILA Tequila", lex, "x") == "te-kee-la te-kee-la TEQ"
    # Longer entries win.
    assert apply_lexicon("Salvador Mallo and Salvador", lex, "x") == "the director and sal"


def test_lexicon_never_changes_display(tmp_path: Path) -> None:
    from narrate.segment import load_document
    from narrate.settings import Settings

    plain = load_document(DATA / "pain-and-glory.txt", Settings())
    with_lex = load_document(
        DATA / "pain-and-glory.txt",
        Settings().with_overrides(voice={"engine": "espeak"}, text={"lexicon": SAMPLE_LEXICON}),
    )
    assert [s.display for s in plain.segments] == [s.display for s in with_lex.segments]
    assert [[x.display for x in s.sentences] for s in plain.segments] == [
        [x.display for x in s.sentences] for s in with_lex.segments
    ]
    assert "[[band'e@r@s]]" in with_lex.segments[0].speech
    assert "Banderas" in with_lex.segments[0].display


@needs_espeak
def test_espeak_reads_bracketed_phonemes(sample_lexicon: Lexicon) -> None:
    # With phoneme input (the espeak-ng CLI sets espeakPHONEMES) [[...]] is spoken as
    # the phonemes themselves, including right after "(" once the space is added.
    spoken = espeak_phonemes(
        apply_lexicon("Mallo (Antonio Banderas) and Almodóvar's film", sample_lexicon, "espeak")
    )
    for phonemes in ("m'ajoU", "ant'oUnjoU", "band'e@r@s", ",alm@d'oUvA@z"):
        assert phonemes in spoken
    assert "ant'oUnjoU" not in espeak_phonemes("x ([[ant'oUnjoU]] y")  # why the space exists


# --------------------------------------------------------------- lexicon errors


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[respell]\n"Banderas" = 3\n', "[respell] 'Banderas': value must be a string, not int"),
        (
            '[phonemes.espeak]\n"Mallo" = ["m"]\n',
            "[phonemes.espeak] 'Mallo': value must be a string, not list",
        ),
        (
            '[voices]\n"a" = "b"\n',
            "unknown section [voices] (expected [respell] or [phonemes.espeak])",
        ),
        ('title = "x"\n', "unknown section [title] (expected [respell] or [phonemes.espeak])"),
        ('[phonemes.sapi]\n"a" = "b"\n', "unknown section [phonemes.sapi]"),
        ('[respell.extra]\n"a" = "b"\n', "unknown section [respell.extra]"),
        ('[respell]\n"--" = "dash"\n', "[respell] '--': key must contain a letter or digit"),
        (
            '[respell]\n"Banderas" = "🎬"\n',
            "[respell] 'Banderas': respelling must contain a letter or digit",
        ),
        ('[phonemes.espeak]\n"Mallo" = "  "\n', "[phonemes.espeak] 'Mallo': phonemes are empty"),
        (
            '[phonemes.espeak]\n"Mallo" = "m]]aj[[o"\n',
            "[phonemes.espeak] 'Mallo': phonemes must not contain '[' or ']'",
        ),
        ("phonemes = 1\n", "[phonemes] must hold tables such as [phonemes.espeak]"),
    ],
)
def test_lexicon_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.lexicon.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    assert str(info.value) == f"{path}: {message}"


def test_lexicon_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[respell]\n"Banderas" = \n"x" = "y"\n', encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 2" in message and "\n" not in message


def test_lexicon_not_utf8_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes('[respell]\n"Almodóvar" = "x"\n'.encode("cp1252"))
    with pytest.raises(LexiconError, match=r"invalid TOML: not UTF-8 text$"):
        load_lexicon(path)
    missing = tmp_path / "nope.toml"
    with pytest.raises(LexiconError) as info:
        load_lexicon(missing)
    assert str(info.value) == f"{missing}: lexicon file not found"


def test_lexicon_keys_are_normalized(tmp_path: Path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text('[respell]\n"O’Brien" = "oh-bry-en"\n', encoding="utf-8")
    lex = load_lexicon(path)
    assert apply_lexicon(normalize_for_speech("Mr O’Brien’s"), lex, "x") == "Mr oh-bry-en's"
