"""The real-post measure's classifier (scripts/measure_posts.py), on tiny synthetic posts.

No engine runs here: these are the pure functions that turn one narrate run's speech and
tags into classes, so a wrong count in the before/after report is caught here first.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "measure_posts.py"
_spec = importlib.util.spec_from_file_location("measure_posts", SCRIPT)
assert _spec is not None and _spec.loader is not None
mp = importlib.util.module_from_spec(_spec)
sys.modules["measure_posts"] = mp
_spec.loader.exec_module(mp)

SOURCE = """+++
title = "Get Out"
date = 2017-02-26
author = "Ann Critic"
+++

Jordan Peele's debut is sharp.[^1] See [the trailer](https://youtu.be/x).

Rating: 4/5 #film #horror

[^1]: His first feature as director.
"""

EXPECTED = {"title": "Get Out", "date": "2017-02-26", "author": "Ann Critic", "language": "en"}
GOOD_TAGS = {
    "title": "Get Out",
    "date": "2017-02-26",
    "artist": "Ann Critic",
    "language": "eng",
    "voice": "gmw/en",
}
CLEAN_SPEECH = [
    {
        "title": "Jordan Peele's debut…",
        "speech": ["Jordan Peele's debut is sharp.", "See the trailer."],
    },
    {"title": "Rating", "speech": ["Rating: 4/5"]},
    {"title": "Notes", "speech": ["His first feature as director."]},
]


def outcome(segments, tags=None, exit_code=0):
    return mp.Outcome(
        exit_code=exit_code, tags=dict(GOOD_TAGS if tags is None else tags), segments=segments
    )


def test_a_clean_run_is_clean():
    details = mp.classify(EXPECTED, outcome(CLEAN_SPEECH), SOURCE)
    assert details["classes"] == ["clean"]
    assert details["markup"] == []
    assert details["metadata"] == {}


def test_the_old_way_falls_in_every_class_it_should():
    speech = [
        {"title": "plus plus plus", "speech": ['+++ title = "Get Out" date = 2017-02-26 +++']},
        {
            "title": "Jordan",
            "speech": ["Jordan Peele's debut is sharp.[^1] See the trailer (https://youtu.be/x)."],
        },
        {"title": "Rating", "speech": ["Rating: 4/5 #film #horror"]},
        {"title": "[^1]: His first", "speech": ["[^1]: His first feature as director."]},
    ]
    tags = dict(
        GOOD_TAGS,
        title="2017 02 26 Get Out",
        date="2026-12-05",
        artist="",
        language="eng",
        voice="default",
    )
    details = mp.classify(dict(EXPECTED, language="fr"), outcome(speech, tags), SOURCE)
    assert details["classes"] == ["wrong language", "markup spoken", "metadata missing"]
    kinds = sorted({h["kind"] for h in details["markup"]})
    assert kinds == ["bare domain", "fence", "footnote marker", "hashtag", "header line", "url"]
    assert sorted(details["metadata"]) == ["author", "date", "title"]
    assert details["metadata"]["date"] == {"expected": "2017-02-26", "got": "2026-12-05"}


def test_refused_is_refused_and_nothing_else_is_judged_from_tags():
    details = mp.classify(EXPECTED, outcome([], tags={}, exit_code=1), SOURCE)
    assert details["classes"] == ["refused"]


def test_a_footnote_chapter_before_prose_is_markup():
    speech = [
        {"title": "Jordan", "speech": ["Jordan Peele's debut is sharp."]},
        {"title": "His first feature…", "speech": ["His first feature as director."]},
        {"title": "Rating", "speech": ["Rating: 4/5"]},
    ]
    hits = mp.markup_hits(speech, SOURCE)
    assert [(h["kind"], h["chapter"]) for h in hits] == [
        ("footnote chapter mid-text", "His first feature…")
    ]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("{{< youtube 5xH0HfJHsaY >}}", "shortcode/liquid"),
        ("{% include toc %}", "shortcode/liquid"),
        ('A picture {:width="350"} here.', "kramdown attributes"),
        ("See [[Danny Boyle|Boyle]] again.", "wikilink"),
        ("![poster](a.jpg) The film.", "image syntax"),
        ("<figure> A caption.", "html tag"),
        ("Ten&#160;years.", "entity"),
        ("It is on www.justwatch.com now.", "url"),
        ("| Year | 2017 |", "table pipe"),
        ("Run `make` first.", "backtick"),
        ("It was **great**.", "emphasis marker"),
        ("It was _great_.", "emphasis marker"),
        ("Verfügbar bei justwatch.com", "bare domain"),
        ("[expand] Dans le film on suit Alexia.", "bracket shortcode"),
        ("C'est la fin. [/expand]", "bracket shortcode"),
        ("\\( r_{YX.Z} \\) represents the effect.", "latex"),
    ],
)
def test_each_kind_of_markup_is_caught(sentence, kind):
    hits = mp.markup_hits([{"title": "t", "speech": [sentence]}])
    assert kind in {h["kind"] for h in hits}


@pytest.mark.parametrize(
    "sentence",
    [
        "ASP.NET Core and Node.js are fine.",
        "Rocky IV is 4 out of 5, says the snake_case fan.",
        "A <emoji> in angle brackets is not a tag.",
        "justwatch dot com",
        "He wrote it [sic] twice, [eight point two out of ten].",
        "It cost $5 and 20% more.",
    ],
)
def test_prose_that_looks_close_is_not_markup(sentence):
    assert mp.markup_hits([{"title": "t", "speech": [sentence]}]) == []


def test_pelican_and_ruby_headers_are_read():
    assert mp.header_lines("Title: A\nDate: 2020-01-02\n\nBody: text") == [
        ("Title", "A"),
        ("Date", "2020-01-02"),
    ]
    assert mp.header_lines("---\n:title: Get Out\n:date: 2017-02-26\n---\nx") == [
        ("title", "Get Out"),
        ("date", "2017-02-26"),
    ]
    assert mp.header_lines("Just prose: with a colon.\n\nMore.") == []


def test_voice_language():
    assert mp.language_of_voice("roa/fr") == "fr"
    assert mp.language_of_voice("sit/cmn") == "zh"
    assert mp.language_of_voice("en_US-joe-medium") == "en"
    assert mp.language_of_voice("default") is None


def test_a_wikilink_that_kept_one_pair_of_brackets_is_markup():
    source = "[[Horror]] | Regisseur: [[Danny Boyle|Boyle]]\n\nProse.\n"
    spoken = [{"title": "t", "speech": ["[Horror]. Regisseur: Boyle."]}]
    assert [h["kind"] for h in mp.markup_hits(spoken, source)] == ["wikilink"]
    clean = [{"title": "t", "speech": ["Horror. Regisseur: Boyle."]}]
    assert mp.markup_hits(clean, source) == []


def test_an_indented_footnote_definition_mid_text_is_found():
    source = "One.[^a]\n\n[^a]:\n    And I gotta say, it holds up.\n\nTwo.\n"
    spoken = [
        {"title": "One", "speech": ["One."]},
        {"title": "[^a]:", "speech": ["[^a]: And I gotta say, it holds up."]},
        {"title": "Two", "speech": ["Two."]},
    ]
    kinds = [h["kind"] for h in mp.markup_hits(spoken, source)]
    assert kinds == ["footnote marker", "footnote chapter mid-text"]


def test_an_author_named_only_by_the_site_config_is_told_apart():
    expected = dict(EXPECTED, author_from="site")
    tags = dict(GOOD_TAGS, artist="")
    details = mp.classify(expected, outcome(CLEAN_SPEECH, tags), SOURCE)
    assert details["classes"] == ["metadata missing"]
    assert details["metadata"] == {"author": {"expected": "Ann Critic", "got": "", "from": "site"}}
    assert mp.missing_post_metadata(details) is False
    details = mp.classify(EXPECTED, outcome(CLEAN_SPEECH, tags), SOURCE)
    assert mp.missing_post_metadata(details) is True


def test_an_author_the_post_does_not_name_must_not_be_made_up():
    expected = {k: v for k, v in EXPECTED.items() if k != "author"}
    details = mp.classify(
        expected, outcome(CLEAN_SPEECH, dict(GOOD_TAGS, artist="authors")), SOURCE
    )
    assert details["classes"] == ["metadata missing"]
    assert details["metadata"] == {"author": {"expected": None, "got": "authors", "from": "post"}}
    details = mp.classify(expected, outcome(CLEAN_SPEECH, dict(GOOD_TAGS, artist="")), SOURCE)
    assert details["classes"] == ["clean"]
