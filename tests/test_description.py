"""The episode description (COMM, and the feed's item description): the first body paragraph.

A heading is a chapter title, never the start of the description, whatever the input
format or the heading's kind (ATX, setext, HTML, several headings in a row).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.pipeline import DESCRIPTION_CHARS, default_description, narrate
from narrate.segment import load_document
from narrate.settings import Settings, VoiceSettings
from narrate.tags import read_tags

BODY = "Bong Joon-ho's film is a comedy until it is not."
LATER = "The second paragraph says more."

CASES = {
    "atx.md": f"# Parasite\n\n## The setup\n\n{BODY}\n\n{LATER}\n",
    "setext.md": f"Parasite\n========\n\nThe setup\n---------\n\n{BODY}\n\n{LATER}\n",
    "stacked.md": f"# Parasite\n\n## Part one\n\n### The setup\n\n{BODY}\n\n## Two\n\n{LATER}\n",
    "front.md": f"---\ntitle: Parasite\n---\n\n# A different heading\n\n{BODY}\n\n{LATER}\n",
    "rule.md": f"# Parasite\n\n## The setup\n\n* * *\n\n{BODY}\n\n{LATER}\n",
    "page.html": (
        "<html><head><title>Parasite</title></head><body><article><h1>Parasite</h1>"
        f"<h2>The setup</h2><p>{BODY}</p><h2>Next</h2><p>{LATER}</p></article></body></html>"
    ),
    "plain.txt": f"Parasite\n\n{BODY}\n\n{LATER}\n",
    "untitled.txt": f"{BODY}\n\n{LATER}\n",
}


def _doc(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, Settings(voice=VoiceSettings(engine="tone")))


@pytest.mark.parametrize("name", sorted(CASES))
def test_description_is_the_first_body_paragraph(tmp_path: Path, name: str) -> None:
    doc = _doc(tmp_path, name, CASES[name])
    assert default_description(doc) == BODY


def test_only_headings_fall_back_to_the_first_chapter(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "h.md", "# Parasite\n\n## The setup\n\n## The twist\n")
    assert default_description(doc) == "The setup"


def test_long_first_paragraph_is_cut_at_a_word(tmp_path: Path) -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    doc = _doc(tmp_path, "long.md", f"# T\n\n## Heading\n\n{words}\n")
    text = default_description(doc)
    assert len(text) <= DESCRIPTION_CHARS and text.endswith("…")
    assert text.startswith("word0 word1 ") and not text.startswith("Heading")
    assert words.startswith(text[:-1]) and text[-2].isdigit()


def test_mp3_comment_skips_the_heading(tmp_path: Path, clip_store) -> None:
    settings = Settings(voice=VoiceSettings(engine="tone"))
    doc = _doc(tmp_path, "atx.md", CASES["atx.md"])
    out = tmp_path / "out.mp3"
    narrate(doc, out, settings, store=clip_store)
    tags = read_tags(out)
    assert tags.description == BODY
    assert tags.chapters[0].title == "The setup"
