"""Spoken intro and outro: templates checked up front, each its own chapter in the MP3."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrate.errors import InputError
from narrate.pipeline import default_description, narrate
from narrate.segment import load_document
from narrate.segment.intro import (
    FIELDS,
    INTRO,
    INTRO_TITLE,
    OUTRO,
    OUTRO_TITLE,
    add_intro_outro,
    check_template,
    template_fields,
)
from narrate.settings import Settings, TagSettings, TextSettings, VoiceSettings


def _settings(intro: str | None = None, outro: str | None = None, **tags: object) -> Settings:
    return Settings(
        voice=VoiceSettings(engine="tone"),
        text=TextSettings(intro=intro, outro=outro),
        tags=TagSettings(**tags),  # type: ignore[arg-type]
    )


FIELD_LIST = "fields: title, author, album, genre, date, year, rating"


def test_template_fields_in_order() -> None:
    assert template_fields("{title}. A review by {author}, {year}.") == ("title", "author", "year")
    assert template_fields("No fields, {{braces}} kept.") == ()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{autor}", f"unknown field {{autor}} ({FIELD_LIST})"),
        ("{}", f"unknown field {{}} ({FIELD_LIST})"),
        ("{0}", f"unknown field {{0}} ({FIELD_LIST})"),
        ("{title.upper}", "unknown field {title.upper} (fields: title, author, album, genre, "
                          "date, year, rating)"),
        ("{title!r}", "write the field as {title}, without ! or :"),
        ("{title:>20}", "write the field as {title}, without ! or :"),
        ("{title", "expected '}' before end of string (write {{ and }} for literal braces)"),
        ("title}", "Single '}' encountered in format string (write {{ and }} for literal "
                   "braces)"),
    ],
)  # fmt: skip
def test_bad_templates_are_refused_with_the_reason(template: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_template(template)
    assert str(info.value) == message


def test_empty_template_means_none() -> None:
    assert check_template("") is None
    assert check_template("   ") is None
    assert check_template(None) is None


def test_intro_and_outro_are_chapters_of_their_own(tone_review: Path) -> None:
    settings = _settings("{title}. A review by {author}.", "Narrated for {album}.",
                         author="Ann Reader", album="Weekly Reviews")  # fmt: skip
    doc = load_document(tone_review, settings)
    titles = [s.title for s in doc.segments]
    assert titles[0] == INTRO_TITLE and titles[-1] == OUTRO_TITLE
    assert len(titles) == 5
    assert [s.index for s in doc.segments] == [0, 1, 2, 3, 4]
    assert [s.kind for s in doc.segments] == [INTRO, "paragraph", "paragraph", "paragraph", OUTRO]
    assert doc.segments[0].display == "A Quiet Test Review. A review by Ann Reader."
    assert doc.segments[-1].display == "Narrated for Weekly Reviews."
    assert [s.display for s in doc.segments[0].sentences] == [
        "A Quiet Test Review.",
        "A review by Ann Reader.",
    ]
    # The description is still the review's first paragraph, not the intro.
    assert default_description(doc) == (
        "The first paragraph opens here. It has a second sentence too."
    )


def test_off_by_default(tone_review: Path) -> None:
    doc = load_document(tone_review, _settings())
    assert [s.kind for s in doc.segments] == ["paragraph"] * 3
    assert add_intro_outro(doc, _settings()) is doc


@pytest.mark.parametrize(
    ("intro", "outro", "message"),
    [
        ("{title}. A review by {author}.", None,
         "--intro uses {author}, but --author is not set"),
        (None, "From {album}.", "--outro uses {album}, but --album is not set"),
        ("{title}", "By {author}", "--outro uses {author}, but --author is not set"),
    ],
)  # fmt: skip
def test_a_field_without_a_value_fails_before_synthesis(
    tone_review: Path, intro: str | None, outro: str | None, message: str
) -> None:
    with pytest.raises(InputError) as info:
        load_document(tone_review, _settings(intro, outro))
    assert str(info.value) == f"{tone_review}: {message}"


def test_year_and_date_come_from_the_date_tag(tone_review: Path) -> None:
    doc = load_document(tone_review, _settings("Recorded {date}, in {year}.", date="2024-05-31"))
    assert doc.segments[0].display == "Recorded 2024-05-31, in 2024."


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_is_a_valid_template_or_refused_with_valueerror(text: str) -> None:
    """No template crashes the check with anything but ValueError; valid ones format."""
    try:
        names = template_fields(text)
    except ValueError:
        return
    assert set(names) <= set(FIELDS)
    text.format(**dict.fromkeys(FIELDS, "x"))


def _ffprobe_chapters(mp3: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", str(mp3)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)["chapters"]


def test_the_mp3_carries_introduction_and_credits_chapters(
    tone_review: Path, tmp_path: Path, clip_store: object
) -> None:
    settings = _settings("{title}. A review by {author}.", "Thanks for listening.",
                         author="Ann Reader")  # fmt: skip
    doc = load_document(tone_review, settings)
    result = narrate(doc, tmp_path / "out.mp3", settings, store=clip_store)  # type: ignore[arg-type]
    chapters = _ffprobe_chapters(result.output)
    titles = [c["tags"]["title"] for c in chapters]  # type: ignore[index]
    assert titles == [
        "Introduction",
        "The first paragraph opens here. It…",
        "Another paragraph speaks briefly.",
        "The closing paragraph arrives. Then it…",
        "Credits",
    ]
    cues = [c.text for c in result.timeline.cues]
    assert cues[:2] == ["A Quiet Test Review.", "A review by Ann Reader."]
    assert cues[-1] == "Thanks for listening."


# ---------------------------------------------------------------- through the CLI


def _cli(*args: object) -> object:
    from click.testing import CliRunner

    from narrate.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_refuses_a_bad_template_before_reading_anything(tmp_path: Path) -> None:
    result = _cli("read", tmp_path / "missing.txt", "--engine", "tone", "--intro", "{autor}")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr.splitlines()[-1] == (  # type: ignore[attr-defined]
        "Error: Invalid value for '--intro': unknown field {autor} "
        "(fields: title, author, album, genre, date, year, rating)"
    )


def test_cli_missing_field_fails_before_any_synthesis(
    tone_review: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "tone.log"
    monkeypatch.setenv("NARRATE_TONE_LOG", str(log))
    result = _cli("read", tone_review, "--engine", "tone", "--cache-dir", tmp_path / "cache",
                  "-o", tmp_path / "out.mp3", "--outro", "Read by {author}.")  # fmt: skip
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr.splitlines()[-1] == (  # type: ignore[attr-defined]
        f"Error: {tone_review}: --outro uses {{author}}, but --author is not set"
    )
    assert not log.exists()  # the engine was never called
    assert not (tmp_path / "out.mp3").exists()


def test_plan_shows_the_intro_and_outro_chapters(tone_review: Path) -> None:
    result = _cli("plan", tone_review, "--json", "--intro", "{title}.", "--outro", "The end.")
    rows = json.loads(result.stdout)["segments"]  # type: ignore[attr-defined]
    assert [r["title"] for r in rows][0] == "Introduction"
    assert [r["title"] for r in rows][-1] == "Credits"
    assert [r["index"] for r in rows] == [0, 1, 2, 3, 4]
