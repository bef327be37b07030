"""No word is ever lost on the way to the plan: Markdown, HTML and plain text.

Property tests build documents from random words in random (and very deep)
nesting of quotes, lists and block elements, then check that the words of the
plan (every sentence's display text, and a title taken from the text) are the
input's words, in order. Depth goes far past markdown-it's default limit (20
levels), which used to drop the rest of a block silently.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.loading import Block, html_blocks, markdown_blocks, split_paragraphs
from narrate.loading.markdown import FLAT_DEPTH
from narrate.segment import load_document
from narrate.settings import Settings

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
WORDS = st.lists(WORD, min_size=1, max_size=6)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def plan_words(path: Path) -> list[str]:
    """The words of the plan for ``path``: every sentence's display text, in order."""
    doc = load_document(path, Settings())
    return [w for seg in doc.segments for s in seg.sentences for w in s.display.split()]


def assert_all_words(path: Path, text: str, expected: list[str]) -> None:
    """Write ``text`` to ``path`` and check that the plan holds ``expected``."""
    path.write_text(text, encoding="utf-8")
    got = plan_words(path)
    if got != expected:  # the only words allowed elsewhere: a title taken from the text
        doc = load_document(path, Settings())
        assert doc.title.split() + got == expected


# ------------------------------------------------------------------------- markdown

MD_CONTAINER = st.sampled_from(["> ", "- ", "* ", "1. ", "3) "])


@st.composite
def markdown_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Blocks of one or two lines, each behind a random chain of containers (up to
    150 deep, mixed quotes and lists), separated by blank lines."""
    lines: list[str] = []
    words: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        depth = draw(st.one_of(st.integers(0, 4), st.integers(15, 150)))
        chain = "".join(draw(st.lists(MD_CONTAINER, min_size=depth, max_size=depth)))
        first = draw(WORDS)
        lines.append(chain + " ".join(first))
        words += first
        if draw(st.booleans()):  # a lazy continuation line of the same paragraph
            more = draw(WORDS)
            lines.append(" ".join(more))
            words += more
        lines.append("")
    return "\n".join(lines), words


@PROPERTY
@given(markdown_documents())
def test_every_markdown_word_reaches_the_plan(tmp_path: Path, doc: tuple[str, list[str]]) -> None:
    assert_all_words(tmp_path / "review.md", *doc)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("quotes on one line", ">" * 5000 + " deep end\n\nafter"),
        ("a quote a line deeper", "\n".join(">" * i + f" w{i}" for i in range(1, 400))),
        ("bullet lists", "\n".join("  " * i + f"- w{i}" for i in range(400))),
        ("ordered lists", "\n".join("   " * i + f"1. w{i}" for i in range(200))),
        ("quotes and lists", "\n".join("> - " * i + f"w{i}" for i in range(1, 200))),
        ("paragraphs deep", "\n\n".join(">" * 100 + f" w{i}" for i in range(50))),
    ],
)
def test_deep_markdown_keeps_every_word(name: str, text: str) -> None:
    _, blocks = markdown_blocks(text + "\n\nafter")
    expected = [w for line in text.split("\n") for w in line.split() if w.strip(">-1.")]
    got = " ".join(b.text for b in blocks).split()
    assert got == [*expected, "after"], name


def test_deep_markdown_is_read_flat_past_the_depth_as_paragraphs_and_items() -> None:
    """Past FLAT_DEPTH levels the structure is flattened, but a list marker still
    starts a new item and a blank line a new paragraph."""
    deep = ">" * FLAT_DEPTH
    text = f"{deep} one\n{deep} two\n{deep}\n{deep} - three\n{deep}   - four\n"
    _, blocks = markdown_blocks(text)
    assert blocks == [Block(t, kind="quote") for t in ("one two", "three", "four")]
    # Shallow, the same lines keep their structure: a list block of two items.
    shallow = text.replace(deep, ">")
    assert markdown_blocks(shallow)[1] == [
        Block("one two", kind="quote"),
        dataclasses.replace(Block.list_of(["three", "four"]), kind="quote"),
    ]


def test_nesting_at_the_old_limit_keeps_the_tail_of_the_block() -> None:
    """The reported case: 21 levels of list lost the deepest item and the rest."""
    text = "\n".join("  " * i + f"- item{i}" for i in range(25)) + "\n- last"
    _, blocks = markdown_blocks(text)
    assert blocks == [Block.list_of([f"item{i}" for i in range(25)] + ["last"])]


# ----------------------------------------------------------------------------- html

HTML_CONTAINERS = [
    ("<div>", "</div>"),
    ("<blockquote>", "</blockquote>"),
    ("<section>", "</section>"),
    ("<ul><li>", "</li></ul>"),
    ("<ol><li>", "</li></ol>"),
    ("<span>", "</span>"),
    ("<em>", "</em>"),
]


@st.composite
def html_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    parts: list[str] = ["<html><body>"]
    words: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        depth = draw(st.one_of(st.integers(0, 4), st.integers(20, 300)))
        chain = draw(st.lists(st.sampled_from(HTML_CONTAINERS), min_size=depth, max_size=depth))
        text = draw(WORDS)
        wrapper = draw(st.sampled_from([("<p>", "</p>"), ("<div>", "</div>"), ("", "")]))
        parts += [o for o, _ in chain] + [wrapper[0], f" {' '.join(text)} ", wrapper[1]]
        parts += [c for _, c in reversed(chain)]
        words += text
    parts.append("</body></html>")
    return "".join(parts), words


@PROPERTY
@given(html_documents())
def test_every_html_word_reaches_the_plan(tmp_path: Path, doc: tuple[str, list[str]]) -> None:
    assert_all_words(tmp_path / "review.html", *doc)


def test_ten_thousand_divs_deep_keeps_every_word() -> None:
    """Was quadratic in depth (about 20 s, and 105 s on a loaded machine); now linear."""
    n = 10_000
    doc = "<html><body>" + "".join(f"<div>w{i} " for i in range(n)) + "end"
    doc += "</div>" * n + "</body></html>"
    _, blocks = html_blocks(doc)
    words = " ".join(b.text for b in blocks).split()
    assert words == [f"w{i}" for i in range(n)] + ["end"]


def test_deep_html_drops_only_what_it_drops() -> None:
    """Dropped and hidden parts inside deep nesting stay dropped; the rest stays."""
    n = 3000
    doc = "<body>" + "<div>" * n + "<p>kept</p><nav>menu</nav><p hidden>secret</p>"
    doc += '<ul><li>one</li><li aria-hidden="true">x</li><li>two</li></ul>'
    doc += "</div>" * n + "<p>after</p></body>"
    _, blocks = html_blocks(doc)
    assert blocks == [Block("kept"), Block.list_of(["one", "two"]), Block("after")]


# ------------------------------------------------------------------------------ txt

SEPARATOR = st.sampled_from(["\n\n", "\n \n", "\n\t\n", "\r\n\r\n", "\n  \t \n\n", "\x0c"])


@st.composite
def txt_documents(draw: st.DrawFn) -> tuple[str, list[str], int]:
    paragraphs: list[str] = []
    words: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        lines = draw(st.lists(WORDS, min_size=1, max_size=3))
        paragraphs.append("\n".join(" ".join(line) + "." for line in lines))
        words += [w for line in lines for w in [*line[:-1], line[-1] + "."]]
    seps = [draw(SEPARATOR) for _ in paragraphs[1:]]
    text = paragraphs[0] + "".join(s + p for s, p in zip(seps, paragraphs[1:], strict=True))
    return text, words, len(paragraphs)


@PROPERTY
@given(txt_documents())
def test_every_txt_word_reaches_the_plan(tmp_path: Path, doc: tuple[str, list[str], int]) -> None:
    text, words, paragraphs = doc
    path = tmp_path / "review.txt"
    path.write_bytes(text.encode("utf-8"))
    assert plan_words(path) == words
    # ... and each paragraph is its own chapter: every separator above splits.
    assert len(load_document(path, Settings()).segments) == paragraphs


# -------------------------------------------------- a whitespace-only line splits


@pytest.mark.parametrize("line", [" ", "\t", "   \t  ", "\u00a0", "\u3000", " \x0b "])
def test_a_whitespace_only_line_alone_splits_two_txt_paragraphs(line: str) -> None:
    text = f"First paragraph.\n{line}\nSecond paragraph."
    assert split_paragraphs(text) == [Block("First paragraph."), Block("Second paragraph.")]


@pytest.mark.parametrize("line", [" ", "\t", "   \t  "])
def test_a_whitespace_only_line_alone_splits_two_markdown_paragraphs(line: str) -> None:
    text = f"First paragraph.\n{line}\nSecond paragraph."
    assert markdown_blocks(text)[1] == [Block("First paragraph."), Block("Second paragraph.")]


def test_a_whitespace_only_line_alone_makes_two_chapters(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text("One is here.\n  \t\nTwo is here.\n \nThree is here.", encoding="utf-8")
    doc = load_document(path, Settings())
    assert [seg.display for seg in doc.segments] == [
        "One is here.",
        "Two is here.",
        "Three is here.",
    ]
