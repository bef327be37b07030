"""Invariants of narrate.ear, for the whole class of input rather than one example."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.ear import for_the_ear
from narrate.ear.lang import words_for
from narrate.ear.numerals import roman_value
from narrate.ear.ratings import DENOMINATORS
from narrate.ear.words import cardinal

LANGUAGES = st.sampled_from([None, "en", "en-gb", "fr", "fr-ca", "de", "de-ch", "es", "es-mx"])
ANY_LANGUAGE = st.sampled_from([None, "en", "fr", "de", "es", "it", "zh", "pt-br", "ja"])
FLAGS = st.fixed_dictionaries(
    {k: st.booleans() for k in ("first", "last", "heading", "bold", "rating")}
)
_SLASH_BETWEEN_DIGITS = re.compile(r"\d\s*/\s*\d")

# Prose with none of the notations: lowercase letters of many scripts, spaces and
# sentence punctuation (no digits, no "." that could make a site name, no "@", no
# capitals that could start a Roman numeral, no star signs).
_PROSE_CHARS = st.characters(
    categories=("Ll", "Lo", "Zs"), include_characters=",;:!?'\"()-", exclude_characters="ªº"
)


@settings(max_examples=300, deadline=None)
@given(st.text(_PROSE_CHARS, max_size=120), ANY_LANGUAGE, FLAGS)
def test_text_without_notations_is_returned_unchanged(text: str, language, flags) -> None:
    words = set(re.findall(r"\w+", text))
    # "vs" and "v" are abbreviations of versus even without a dot
    if words & {"vs", "v", "feat", "bzw", "usw"}:
        return
    assert for_the_ear(text, language, **flags) == text


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(DENOMINATORS)),
    st.data(),
    LANGUAGES,
    st.sampled_from(["Rating: ", "Note : ", "Bewertung: ", "Calificación: ", "Verdict: "]),
    st.sampled_from(["", ".", "!", " overall."]),
    st.sampled_from(["/", " / "]),
)
def test_a_rating_after_a_cue_never_keeps_its_slash(d, data, language, cue, end, slash) -> None:
    n = data.draw(st.integers(0, d))
    said = for_the_ear(f"{cue}{n}{slash}{d}{end}", language)
    w = words_for(language)
    assert not _SLASH_BETWEEN_DIGITS.search(said)
    assert said == cue + w.out_of.format(n=cardinal(n, w), d=cardinal(d, w)) + end


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 9), st.sampled_from([5, 10]), st.integers(1, 9), LANGUAGES)
def test_a_decimal_rating_is_said_with_the_decimal_word(whole, d, tenth, language) -> None:
    if whole + tenth / 10 > d:
        return
    w = words_for(language)
    for sep in (".", ","):
        said = for_the_ear(f"It gets {whole}{sep}{tenth}/{d}.", language)
        assert not _SLASH_BETWEEN_DIGITS.search(said)
        point = ("punto" if sep == "." else "coma") if w.code == "es" else w.point
        number = f"{cardinal(whole, w)} {point} {cardinal(tenth, w)}"
        assert said == "It gets " + w.out_of.format(n=number, d=cardinal(d, w)) + "."


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10),
    st.booleans(),
    st.integers(0, 10),
    st.sampled_from(["★", "⭐", "⭐\ufe0f", "✪"]),
    st.sampled_from(["", " "]),
    LANGUAGES,
)
def test_a_run_of_stars_is_said_in_words(filled, half, empty, star, gap, language) -> None:
    if filled + half + empty < 2:
        return
    run = gap.join([star] * filled + ["½"] * half + ["☆"] * empty)
    said = for_the_ear(f"Rating: {run}", language)
    assert said.startswith("Rating: ")
    assert not any(ch in said for ch in "★⭐✪☆½\ufe0f")
    assert re.search(r"star|étoile|Stern|estrella", said)
    if not half and filled > 1:
        w = words_for(language)
        assert cardinal(filled, w) in said


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 28), st.integers(1900, 2099), ANY_LANGUAGE, FLAGS)
def test_dates_are_never_ratings(month, day, year, language, flags) -> None:
    for date in (f"{month:02d}/{day:02d}/{year}", f"{day}/{month}/{year}", f"{year}/{month}/{day}"):
        text = f"It opened on {date} in Paris."
        assert for_the_ear(text, language, **flags) == text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True), min_size=1, max_size=3
    ),
    st.sampled_from(["com", "org", "net", "io", "fr", "de", "es"]),
    st.sampled_from(["", "/", "/a/b", "/film/x-1?id=3#top", "/index.html"]),
    st.sampled_from(["https://", "http://", "https://www.", "www."]),
    LANGUAGES,
)
def test_a_url_is_said_as_its_site_and_never_spelled(parts, tld, path, scheme, language) -> None:
    w = words_for(language)
    host = ".".join([*parts, tld])
    said = for_the_ear(f"See {scheme}{host}{path} now.", language)
    assert said == f"See {f' {w.dot} '.join([*parts, tld])} now."
    skipped = for_the_ear(f"See {scheme}{host}{path} now.", language, links="skip")
    assert skipped == "See now."


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 39), st.sampled_from(["Rocky", "Part", "Chapter", "Final Fantasy"]))
def test_roman_numerals_after_a_title_are_cardinals(n, word) -> None:
    numeral = (
        "".join(sym * count for sym, count in (("XXX", n // 30), ("X", n % 30 // 10)) if count)
        + ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][n % 10]
    )
    assert roman_value(numeral) == n
    if len(numeral) == 1 and word in ("Rocky", "Final Fantasy"):
        return  # a lone V or X after an ordinary name stays ("Malcolm X"): see numerals.py
    w = words_for("en")
    assert for_the_ear(f"{word} {numeral} is good.", "en") == f"{word} {cardinal(n, w)} is good."


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["it", "zh", "pt-br", "ja", "nl"]),
    st.sampled_from(
        [
            "Voto: 4/5",
            "★★★½",
            "Costo $63M.",
            "Dura 2h 13min.",
            "Rocky IV",
            "feat. Drake",
            "gli anni '90",
            "Grade: B+",
            "60fps",
            "2.39:1",
            "24/7",
        ]
    ),
)
def test_a_language_without_words_keeps_its_notations(language, text) -> None:
    """No English words in an Italian or Chinese review: its own voice reads them."""
    assert for_the_ear(text, language) == text
    assert for_the_ear(f"{text} https://www.example.com/x", language) == f"{text} example dot com"
