"""End to end: a review full of ratings, money, runtimes, numerals and links, narrated
by the real engines; the checks of every clip hold and the recognizer hears the words
narrate.ear says, chapter by chapter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.clips import speech_units, verify
from narrate.segment import load_document
from narrate.settings import Settings, TextSettings
from narrate.tags import read_tags

DATA = Path(__file__).parent / "data"
REVIEW = DATA / "ratings-review.md"
FRENCH = DATA / "note-critique.md"

SPOKEN = [
    ["Rating: three and a half stars"],
    [
        "Sylvester Stallone directed Rocky four on a budget of twenty-eight million dollars, "
        "and it made over three hundred million dollars around the world.",
        "It runs one hour thirty-one minutes, which feels short for a film about the eighties "
        "and the Cold War.",
    ],
    [
        "The soundtrack, featuring Survivor and James Brown, is loud.",
        "Compared with Rocky three, the training scenes are better, and the villain is colder "
        "than anything since World War two.",
    ],
    [
        "You can stream it at justwatch dot com today, or write to ann at example dot org "
        "with your own take."
    ],
    ["My verdict: eight point five out of ten.", "Grade: B-plus"],
]
FRENCH_SPOKEN = [
    ["Note: quatre sur cinq"],
    [
        "Le film, réalisé pour douze millions de dollars, dure deux heures treize minutes.",
        "Louis quatorze y danse, et la musique de Lully est partout.",
    ],
    ["Voir allocine point fr pour les séances, ou écrivez à ann arobase example point org."],
    ["Ma note: trois étoiles et demie"],
]


def _speech(path: Path, settings: Settings | None = None) -> list[list[str]]:
    doc = load_document(path, settings or Settings())
    return [[s.speech for s in seg.sentences] for seg in doc.segments]


def test_the_review_is_said_as_a_critic_says_it() -> None:
    assert _speech(REVIEW) == SPOKEN
    doc = load_document(REVIEW, Settings())
    assert doc.language == "en"
    # The display text is the author's own: stars, figures and the URL as written.
    assert "Rating: ★★★½" in doc.display_text
    assert "$28M" in doc.display_text and "https://www.justwatch.com/us/movie/rocky-iv" in (
        doc.display_text
    )


def test_a_french_review_is_said_in_french() -> None:
    doc = load_document(FRENCH, Settings())
    assert doc.language == "fr"
    assert _speech(FRENCH) == FRENCH_SPOKEN


def test_links_skip_leaves_the_url_out_and_keeps_the_e_mail() -> None:
    settings = Settings(text=TextSettings(links="skip"))
    assert _speech(REVIEW, settings)[3] == [
        "You can stream it at today, or write to ann at example dot org with your own take."
    ]


def test_links_option_and_config_key(tmp_path: Path) -> None:
    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "narrate", *map(str, args)], capture_output=True, text=True
        )

    read = ("read", REVIEW, "--engine", "tone", "-o", tmp_path / "a.mp3",
            "--cache-dir", tmp_path / "c")  # fmt: skip
    bad = run(*read, "--links", "spell")
    assert bad.returncode == 2
    assert "Error: Invalid value for '--links': 'spell' is not one of 'say', 'skip'." in (
        bad.stderr
    )
    config = tmp_path / "narrate.toml"
    config.write_text('links = "spel"\n', encoding="utf-8")
    wrong = run("--config", config, *read)
    assert (wrong.returncode, wrong.stdout) == (1, "")
    assert wrong.stderr.splitlines()[-1] == (
        f"Error: {config}: key 'links': 'spel' is not one of 'say', 'skip'."
    )
    config.write_text('links = "skip"\n', encoding="utf-8")
    ok = run("--config", config, *read)
    assert ok.returncode == 0, ok.stderr
    shown = run("--config", config, "config")
    assert shown.returncode == 0, shown.stderr
    assert any(line.startswith('links = "skip"') for line in shown.stdout.splitlines())


def test_every_expanded_sentence_fits_the_plausibility_bounds() -> None:
    """The clip check counts the words actually spoken: at the engines' measured pace
    (about 2.6 words a second at 175 wpm), every expanded sentence is plausible."""
    for path in (REVIEW, FRENCH):
        for seg in load_document(path, Settings()).segments:
            for s in seg.sentences:
                seconds = speech_units(s.speech) / 2.6
                verify(22050, int(seconds * 22050), s.speech)
                assert speech_units(s.speech) >= speech_units(s.display) - 2


def _narrate(tmp_path: Path, review: Path, engine: str) -> Path:
    out = tmp_path / f"{engine}.mp3"
    result = CliRunner().invoke(cli, ["read", str(review), "-o", str(out), "--engine", engine,
                                      "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("engine", ["pyttsx3", "piper"])
def test_both_engines_narrate_it_and_keep_the_display_text(tmp_path: Path, engine: str) -> None:
    out = _narrate(tmp_path, REVIEW, engine)
    tags = read_tags(out)
    assert len(tags.chapters) == 5
    assert tags.lyrics == load_document(REVIEW, Settings()).display_text


def test_a_french_review_narrates_with_espeak(tmp_path: Path) -> None:
    out = _narrate(tmp_path, FRENCH, "pyttsx3")
    assert len(read_tags(out).chapters) == 4


def test_the_recognizer_hears_the_spoken_words_in_their_chapters(tmp_path: Path) -> None:
    """pocketsphinx on the Piper render, against the speech (what narrate.ear says):
    every chapter passes, so "three and a half stars" is heard in chapter 1, "eight
    point five out of ten" in chapter 5, and so on."""
    out = _narrate(tmp_path, REVIEW, "piper")
    result = CliRunner().invoke(cli, ["check", str(out), "--text", str(REVIEW), "--json"])
    assert result.exit_code == 0, result.output
    rows = {f["check"]: f for f in json.loads(result.output)[0]["findings"]}
    content = {k: v["status"] for k, v in rows.items() if k.startswith("content")}
    assert content == {f"content: chapter {n}": "pass" for n in range(1, 6)}


def test_the_intro_is_read_for_the_ear_in_the_document_language() -> None:
    settings = Settings(text=TextSettings(intro="{title}. Ma note : 4/5."))
    doc = load_document(FRENCH, settings)
    assert [s.speech for s in doc.segments[0].sentences] == [
        "Louis quatorze au cinéma.",
        "Ma note: quatre sur cinq.",
    ]
    assert doc.segments[0].display == "Louis XIV au cinéma. Ma note : 4/5."
