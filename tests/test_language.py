"""The document's language: where it comes from, what it picks (voice, splitter, ID3)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrate.segment import load_document
from narrate.segment.language import (
    choose_language,
    detect_language,
    id3_language,
    language_from_file_name,
    normalize_tag,
)
from narrate.segment.sentences import split_sentences, splitter_language
from narrate.settings import Settings, TextSettings
from narrate.tags import TXXX_VOICE

# Short review paragraphs written for these tests (two or three sentences each).
REVIEWS = {
    "fr": (
        "Douleur et gloire\n\n"
        "Un film lent et patient, qui récompense ceux qui acceptent de s'y plonger. "
        "Le deuxième acte traîne, mais la fin frappe fort.\n\n"
        "Almodóvar au plus intime, et Banderas n'a jamais été aussi bon.\n"
    ),
    "de": (
        "Leid und Herrlichkeit\n\n"
        "Ein langsamer, geduldiger Film, der jeden belohnt, der sich darauf einlässt. "
        "Der zweite Akt zieht sich, aber das Ende sitzt.\n\n"
        "Almodóvar so persönlich wie nie, und Banderas war nie besser.\n"
    ),
    "es": (
        "Dolor y gloria\n\n"
        "Una película lenta y paciente que recompensa a quien se deja llevar. "
        "El segundo acto se alarga, pero el final golpea con fuerza.\n\n"
        "Almodóvar en su faceta más personal, y Banderas nunca estuvo mejor.\n"
    ),
    "zh": (
        "痛苦与荣耀\n\n"
        "这是一部节奏缓慢却耐心的电影，愿意沉下心来的观众会有收获。第二幕有些拖沓，但结尾很有力量。\n\n"
        "阿莫多瓦最私人的作品，班德拉斯从未如此出色。\n"
    ),
    "en": (
        "Pain and Glory\n\n"
        "A slow, patient film that rewards anyone willing to sit with it. "
        "The second act drags, but the ending lands with real force.\n\n"
        "Almodóvar at his most personal, and Banderas has never been better.\n"
    ),
}
# espeak-ng's voice and the ISO 639-2 code for each language.
EXPECTED = {
    "fr": ("roa/fr", "fra"),
    "de": ("gmw/de", "deu"),
    "es": ("roa/es", "spa"),
    "zh": ("sit/cmn", "zho"),
}


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("fr", "fr"), ("FR", "fr"), ("de-DE", "de-de"), ("en_US", "en-us"), (" es ", "es"),
        ("zh-Hans-CN", "zh-hans-cn"), ("eng", "en"), ("fre", "fr"), ("deu", "de"),
        ("cmn", "cmn"), ("xx", None), ("qaa", None), ("", None), ("e", None),
        ("../../etc", None), ("fr;rm", None), ("fr-", None), ("français", None),
        ("a" * 40, None), ("fr-" + "a" * 9, None),
    ],
)  # fmt: skip
def test_tags_are_normalised_to_lowercase_bcp47(value: str, tag: str | None) -> None:
    assert normalize_tag(value) == tag


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("review.fr.md", "fr"), ("post.zh.md", "zh"), ("a.de.txt", "de"),
        ("x.zh-cn.html", "zh-cn"), ("a.en_US.md", "en-us"), ("review.md", None),
        ("2019.01.md", None), ("v1.2.txt", None), ("notes.xx.md", None), ("fr.md", None),
        ("some.draft.md", None),
    ],
)  # fmt: skip
def test_language_from_the_file_name_suffix(name: str, language: str | None) -> None:
    assert language_from_file_name(name) == language


@pytest.mark.parametrize(
    ("language", "code"),
    [(None, "eng"), ("en", "eng"), ("en-gb", "eng"), ("fr", "fra"), ("fr-ca", "fra"),
     ("de-de", "deu"), ("es", "spa"), ("zh", "zho"), ("zh-hans-cn", "zho"), ("cmn", "zho"),
     ("el", "ell"), ("fa", "fas"), ("ru", "rus"), ("ja", "jpn")],
)  # fmt: skip
def test_id3_language_is_iso_639_2(language: str | None, code: str) -> None:
    assert id3_language(language) == code


def test_the_first_source_that_says_a_language_wins() -> None:
    french = REVIEWS["fr"]
    assert choose_language(option="de", metadata="es", file_name="a.zh.md", text=french) == (
        choose_language(option="de")
    )
    got = choose_language(option="de", metadata="es", file_name="a.zh.md", text=french)
    assert (got.language, got.source) == ("de", "option")
    got = choose_language(metadata="es-ES", declared="de", file_name="a.zh.md", text=french)
    assert (got.language, got.source) == ("es-es", "metadata")
    got = choose_language(declared="de-AT", file_name="a.zh.md", text=french)
    assert (got.language, got.source) == ("de-at", "html lang")
    got = choose_language(file_name="a.zh.md", text=french)
    assert (got.language, got.source) == ("zh", "file name")
    got = choose_language(file_name="a.md", text=french)
    assert (got.language, got.source) == ("fr", "detected")
    got = choose_language(file_name="a.md", text="Ok.")
    assert (got.language, got.source) == (None, "none")


def test_a_metadata_value_that_is_no_language_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got = choose_language(metadata="Französisch", file_name="a.md", text=REVIEWS["de"])
    assert (got.language, got.source) == ("de", "detected")
    assert "a.md: the language 'Französisch' is not a language tag; ignored" in caplog.text


@pytest.mark.parametrize("language", sorted(REVIEWS))
def test_each_review_is_detected(language: str) -> None:
    assert detect_language(REVIEWS[language]) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("画面很美，内核空洞。", "zh"),  # short Han alone: Chinese, never Japanese
        ("一部杰作。", "zh"),
        ("ゆっくりとした忍耐強い映画で、腰を据えて観る人に報いてくれる。", "ja"),
        ("Медленный, терпеливый фильм, который вознаграждает зрителя.", "ru"),
        ("Un film lento e paziente che premia chi ha la pazienza di seguirlo.", "it"),
        ("Ok!", None),  # too little to tell
        ("1234 5678 ★★★", None),
    ],
)
def test_detection_on_short_lines(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_detection_never_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.segment import language as lang

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("the detector opened a socket")

    lang._detector.cache_clear()
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    try:
        assert detect_language(REVIEWS["es"]) == "es"
    finally:
        lang._detector.cache_clear()


@pytest.mark.parametrize(
    ("page", "language"),
    [
        ('<!DOCTYPE html><html lang="de-DE"><head><title>t</title></head><body>', "de-DE"),
        ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml" xml:lang="es">',
         "es"),
        ('<!-- saved --><HTML LANG="zh-Hans"><body>', "zh-Hans"),
        ("<html><body>", None), ('<html lang="">', None), ("<p>a fragment", None),
    ],
)  # fmt: skip
def test_html_lang_is_read(page: str, language: str | None) -> None:
    from narrate.loading.html import html_language

    assert html_language(page) == language


def test_a_saved_page_declares_its_language(tmp_path: Path) -> None:
    page = tmp_path / "critique.html"
    body = REVIEWS["fr"].replace("\n\n", "</p><p>")
    page.write_text(f'<html lang="fr-FR"><body><article><p>{body}</p></article></body></html>',
                    encoding="utf-8")  # fmt: skip
    assert load_document(page, Settings()).language == "fr-fr"
    page.write_text(f'<html lang="de"><body><article><p>{body}</p></article></body></html>',
                    encoding="utf-8")  # fmt: skip
    assert load_document(page, Settings()).language == "de"  # what the page says wins


@pytest.mark.parametrize(
    ("name", "option", "language"),
    [("critique.txt", None, "fr"), ("critique.de.txt", None, "de"),
     ("critique.txt", "es", "es")],
)  # fmt: skip
def test_load_document_sets_the_language(
    tmp_path: Path, name: str, option: str | None, language: str
) -> None:
    path = tmp_path / name
    path.write_text(REVIEWS["fr"], encoding="utf-8")
    settings = Settings(text=TextSettings(language=option))
    assert load_document(path, settings).language == language


def test_the_language_picks_the_sentence_rules() -> None:
    assert splitter_language("fr-ca") == "fr"
    assert splitter_language("sv") == "en"
    assert splitter_language(None) == "en"
    german = "Der Film kam am 3. Oktober 2019 in die Kinos. Er läuft ca. zwei Std. und lohnt."
    assert split_sentences(german, "de") == [
        "Der Film kam am 3. Oktober 2019 in die Kinos.", "Er läuft ca. zwei Std. und lohnt."
    ]  # fmt: skip
    assert split_sentences(german) == [  # English rules cut at the German ordinal
        # (never after "ca.", which narrate.ear says in full with what follows it)
        "Der Film kam am 3.", "Oktober 2019 in die Kinos.", "Er läuft ca. zwei Std.",
        "und lohnt.",
    ]
    chinese = "第二幕有些拖沓，但结尾很有力量。阿莫多瓦最私人的作品。班德拉斯从未如此出色！"
    assert split_sentences(chinese, "zh") == [
        "第二幕有些拖沓，但结尾很有力量。", "阿莫多瓦最私人的作品。", "班德拉斯从未如此出色！"
    ]  # fmt: skip


def _narrate(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_a_review_is_read_in_its_language(tmp_path: Path, language: str) -> None:
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS[language], encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    voice, code = EXPECTED[language]
    tags = ID3(out)
    assert tags["TLAN"].text == [code]
    assert [f.lang for f in tags.getall("USLT")] == [code]
    assert [f.lang for f in tags.getall("COMM")] == [code]
    assert tags[f"TXXX:{TXXX_VOICE}"].text == [voice]


def test_an_english_review_keeps_the_default_voice_and_eng(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["en"], encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    tags = ID3(out)
    assert tags["TLAN"].text == ["eng"]
    assert tags[f"TXXX:{TXXX_VOICE}"].text == ["default"]


def test_voice_wins_over_the_language(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["fr"], encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--voice", "gmw/de",
                    "--cache-dir", str(tmp_path / "c")], tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    tags = ID3(out)
    assert tags[f"TXXX:{TXXX_VOICE}"].text == ["gmw/de"]
    assert tags["TLAN"].text == ["fra"]


def test_piper_with_no_voice_for_the_language_refuses_before_synthesis(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["fr"], encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--engine", "piper",
                    "--cache-dir", str(tmp_path / "c")], tmp_path)  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: no installed Piper voice speaks French (fr): add one with --voice PATH.onnx "
        "(a Piper voice with its .onnx.json beside it), or use --engine pyttsx3"
    )
    assert not out.exists()
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").rglob("*.wav"))


@pytest.mark.parametrize(
    ("value", "shown"),
    [("xx", "'xx'"), ("../../etc/passwd", "'../../etc/passwd'"), ("", "''"),
     ("fr;rm -rf /", "'fr;rm -rf /'"), ("a" * 60, "'" + "a" * 37 + "...'")],
)  # fmt: skip
def test_a_hostile_language_is_refused_before_anything(
    tmp_path: Path, value: str, shown: str
) -> None:
    run = _narrate(["read", "--language", value, "-o", str(tmp_path / "x.mp3"),
                    "--cache-dir", str(tmp_path / "c")], tmp_path)  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--language': {shown} is not a language tag "
        "(an ISO 639 code, for example fr, de-DE or zh)"
    )
    assert not (tmp_path / "c").exists()


def test_language_in_narrate_toml(tmp_path: Path) -> None:
    (tmp_path / "narrate.toml").write_text('language = "de"\n', encoding="utf-8")
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["fr"], encoding="utf-8")
    run = _narrate(["plan", str(path), "--json"], tmp_path)
    assert run.returncode == 0, run.stderr
    import json

    assert json.loads(run.stdout)["language"] == "de"
    run = _narrate(["plan", str(path), "--json", "--language", "es"], tmp_path)
    assert json.loads(run.stdout)["language"] == "es"


def test_one_batch_worker_reads_each_review_in_its_own_language(tmp_path: Path) -> None:
    """One worker process keeps one engine for every item: each review still gets its
    own language's voice, and the next review does not inherit it (the English review
    after the French one is read by the default voice, as it would be alone)."""
    folder = tmp_path / "posts"
    folder.mkdir()
    texts = {"a-fr": REVIEWS["fr"], "b-en": REVIEWS["en"], "c-de": REVIEWS["de"],
             "d-en": REVIEWS["en"].replace("Pain and Glory", "Glory and Pain")}  # fmt: skip
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run = _narrate(["batch", str(folder), "--out-dir", str(out), "--jobs", "1",
                    "--profile", "draft", "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    got = {}
    for mp3 in out.glob("*.mp3"):
        tags = ID3(mp3)
        got[str(tags["TIT2"])] = (tags["TLAN"].text[0], tags[f"TXXX:{TXXX_VOICE}"].text[0])
    assert got == {
        "Douleur et gloire": ("fra", "roa/fr"),
        "Pain and Glory": ("eng", "default"),
        "Leid und Herrlichkeit": ("deu", "gmw/de"),
        "Glory and Pain": ("eng", "default"),
    }


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("---\ntitle: Pain and Glory\nlang: de-DE\n---\n", "de-de"),
        ("---\ntitle: Pain and Glory\nlanguage: en_US\n---\n", "en-us"),
        ('+++\ntitle = "Pain and Glory"\nlocale = "es"\n+++\n', "es"),
        ("Title: Pain and Glory\nLang: zh\n\n", "zh"),
        ("---\ntitle: Pain and Glory\nlang: Klingon\n---\n", "fr"),  # no tag: detected
    ],
)  # fmt: skip
def test_the_post_header_names_the_language(tmp_path: Path, header: str, language: str) -> None:
    path = tmp_path / "review.md"
    body = REVIEWS["fr"].split("\n\n", 1)[1]
    path.write_text(header + "\n" + body, encoding="utf-8")
    assert load_document(path, Settings()).language == language


def test_the_post_header_picks_voice_and_tlan(tmp_path: Path) -> None:
    path = tmp_path / "review.md"
    path.write_text("---\ntitle: Leid und Herrlichkeit\nlang: de-DE\n---\n\n"
                    + REVIEWS["de"].split("\n\n", 1)[1], encoding="utf-8")  # fmt: skip
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    tags = ID3(out)
    assert (tags["TLAN"].text, tags[f"TXXX:{TXXX_VOICE}"].text) == (["deu"], ["gmw/de"])


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('language = "xx"', "Error: narrate.toml: key 'language': 'xx' is not a language tag "
         "(an ISO 639 code, for example fr, de-DE or zh)"),
        ("language = 3", "Error: narrate.toml: key 'language': must be a string, not an "
         "integer"),
        ('quote-voice = ""', "Error: narrate.toml: key 'quote-voice': '' is not a voice (give "
         "a voice name or id from narrate voices, or auto)"),
    ],
)  # fmt: skip
def test_a_bad_language_or_quote_voice_in_narrate_toml(
    tmp_path: Path, line: str, error: str
) -> None:
    (tmp_path / "narrate.toml").write_text(line + "\n", encoding="utf-8")
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["fr"], encoding="utf-8")
    run = _narrate(["read", str(path), "--cache-dir", str(tmp_path / "c")], tmp_path)
    assert run.returncode == 1  # a config error, as every bad narrate.toml key is
    assert run.stderr.strip().splitlines()[-1] == error
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("这是一部节奏缓慢却耐心的电影，愿意沉下心来的观众会有收获。", "这是一部节奏缓慢却耐心的…"),
        ("阿莫多瓦最私人的作品。", "阿莫多瓦最私人的作品。"),  # short: whole
        ("これは家族の映画です。とても良い。", "これは家族の映画です。とて…"),
        ("Bong Joon-ho 的 寄生虫 是一部关于阶级的电影", "Bong Joon-ho 的 寄生虫 是一…"),
        ("ภาพยนตร์ที่ดีมากและยาวมากเกินไปสำหรับชื่อเรื่อง", "ภาพยนตร์ที่ดีมาก…"),
        ("One two three four five six, seven", "One two three four five six…"),
    ],
)
def test_chapter_titles_of_text_written_without_spaces(text: str, title: str) -> None:
    """Six words of Chinese are not one 30-letter "word": two letters count as a word."""
    from narrate.segment.titles import opening_words

    assert opening_words(text) == title


def test_a_chinese_review_has_short_chapter_titles(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(REVIEWS["zh"], encoding="utf-8")
    doc = load_document(path, Settings())
    assert [s.title for s in doc.segments] == [
        "这是一部节奏缓慢却耐心的…", "阿莫多瓦最私人的作品，班德…"
    ]  # fmt: skip
