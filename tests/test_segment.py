"""Paragraphs, sentences, titles and the plan: from a review file to a Document."""

from __future__ import annotations

import codecs
import dataclasses
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.errors import InputError
from narrate.loading import Block
from narrate.model import Document, Sentence
from narrate.segment import (
    build_segments,
    fit_sentence,
    item_sentences,
    load_document,
    make_speaker,
    opening_words,
    paragraph_sentences,
    plan_rows,
    split_sentences,
    title_from_filename,
)
from narrate.settings import Settings
from narrate.speech import normalize_for_speech

DATA = Path(__file__).resolve().parents[1] / "src" / "narrate" / "data"
SAMPLE = DATA / "pain-and-glory.txt"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SAMPLE_PARAGRAPHS = SAMPLE_TEXT.strip().split("\n\n")
SAMPLE_TITLES = [
    "Cult film director Salvador Mallo (Antonio…",
    "‘Pain and Glory’ is a self-reflective…",
    "It could have fallen into so…",
    "This is one of Banderas’ finest…",
    "It is raw and honest but…",
    "It moves at a nice leisurely…",
    "Already being tipped as Spain's entry…",
]


def nfd_alnum(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if c.isalnum())


def without_source(doc: Document) -> Document:
    return dataclasses.replace(doc, source="")


@pytest.fixture(scope="module")
def sample_doc() -> Document:
    return load_document(SAMPLE, Settings())


# ------------------------------------------------------------------------ sample


def test_sample_review(sample_doc: Document) -> None:
    assert sample_doc.title == "Pain and Glory"
    assert sample_doc.source == str(SAMPLE)
    assert len(sample_doc.segments) == 7
    assert [s.index for s in sample_doc.segments] == list(range(7))
    assert [s.title for s in sample_doc.segments] == SAMPLE_TITLES
    assert [s.display for s in sample_doc.segments] == SAMPLE_PARAGRAPHS
    assert [s.heading for s in sample_doc.segments] == [None] * 7
    assert [len(s.sentences) for s in sample_doc.segments] == [2, 4, 5, 2, 3, 4, 2]
    assert sample_doc.display_text == SAMPLE_TEXT.strip()


def test_sample_sentences(sample_doc: Document) -> None:
    first = sample_doc.segments[0].sentences
    assert first[0] == Sentence(
        "Cult film director Salvador Mallo (Antonio Banderas) suffers from a long list of "
        "ailments that stops him from working.",
        "Cult film director Salvador Mallo (Antonio Banderas) suffers from a long list of "
        "ailments that stops him from working.",
    )
    second = sample_doc.segments[1].sentences[0]
    assert second.display.startswith("‘Pain and Glory’ is")
    assert second.speech.startswith("'Pain and Glory' is")
    fourth = sample_doc.segments[3].sentences[1]
    assert "authentic - every movement" in fourth.display
    assert "authentic, every movement" in fourth.speech
    for seg in sample_doc.segments:  # sentence displays are the paragraph, in order
        assert " ".join(s.display for s in seg.sentences) == seg.display


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("cp1252"),
        lambda t: t.encode("utf-16"),  # with BOM
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["cp1252", "utf-16-bom", "utf-8-bom", "crlf"],
)
def test_reencoded_sample_is_identical(tmp_path: Path, encode, sample_doc: Document) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pain-and-glory.txt"
    path.write_bytes(encode(SAMPLE_TEXT))
    assert without_source(load_document(path, Settings())) == without_source(sample_doc)


def test_stdin_and_title_argument(sample_doc: Document) -> None:
    doc = load_document("-", Settings(), stdin=io.BytesIO(SAMPLE_TEXT.encode("cp1252")))
    assert doc.title == "Untitled" and doc.source == "<stdin>"
    assert doc.segments == sample_doc.segments
    doc = load_document(SAMPLE, Settings(), title="  My   Review ")
    assert doc.title == "My Review"
    tagged = Settings().with_overrides(tags={"title": "From Tags"})
    assert load_document(SAMPLE, tagged).title == "From Tags"


# ------------------------------------------------------------------------ titles


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("pain-and-glory.txt", "Pain and Glory"),
        ("reviews/the-lord_of_the-rings.md", "The Lord of the Rings"),
        ("a-tale-of-two-cities.html", "A Tale of Two Cities"),
        ("in_the--mood  for_love.txt", "In the Mood for Love"),
        ("DVD-review", "DVD Review"),
        ("<stdin>", "Untitled"),
    ],
)
def test_title_from_filename(name: str, title: str) -> None:
    assert title_from_filename(name) == title


def test_opening_words() -> None:
    assert opening_words("One two three.") == "One two three."
    assert opening_words("One two three four five six") == "One two three four five six"
    assert opening_words("One two three four five six, seven") == "One two three four five six…"
    assert (
        opening_words("Well, the film, is: great; says who") == "Well, the film, is: great; says…"
    )
    long_words = "Supercalifragilistic " * 5
    assert opening_words(long_words) == "Supercalifragilistic Supercalifragilistic…"
    assert opening_words("x" * 100) == "x" * 59 + "…"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_title_line(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path, "r.txt", "Pain and Glory\n\nFirst. Second.\n\nThird."), Settings()
    )
    assert doc.title == "Pain and Glory"
    assert [s.display for s in doc.segments] == ["First. Second.", "Third."]
    # Given a title, the title line is still not a chapter.
    doc = load_document(tmp_path / "r.txt", Settings(), title="Other")
    assert doc.title == "Other" and len(doc.segments) == 2


@pytest.mark.parametrize(
    "first",
    [
        "A sentence that ends with a full stop.",
        "Is this a question?",
        "A quoted ending.”",
        "Wrapped first paragraph that\nspans two lines",
        "x" * 81,
        "🎬🍿",
    ],
)
def test_not_a_title_line(tmp_path: Path, first: str) -> None:
    doc = load_document(write(tmp_path, "my-review.txt", f"{first}\n\nBody text."), Settings())
    assert doc.title == "My Review"
    assert doc.segments[-1].display.endswith("Body text.")
    assert " ".join(s.display for s in doc.segments).split() == f"{first} Body text.".split()


def test_only_paragraph_is_not_a_title(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "short.txt", "Loved it"), Settings())
    assert doc.title == "Short"
    assert [s.display for s in doc.segments] == ["Loved it"]


# --------------------------------------------------------------------- paragraphs


def test_paragraph_rules(tmp_path: Path) -> None:
    text = "  First line\r\nwrapped  here.\r\n\r\n \t\n\n\nSecond\rpara.\n\n\u00a0\n\nThird.\n"
    doc = load_document(write(tmp_path, "p.txt", text), Settings())
    assert [s.display for s in doc.segments] == [
        "First line wrapped here.",
        "Second para.",
        "Third.",
    ]


def test_markdown_document(tmp_path: Path) -> None:
    md = (
        "# Pain and Glory\n\nIntro *paragraph* with [a link](http://x).\n\n"
        "## Performances\n\nBanderas is **superb**.\n\nSecond paragraph.\n\n"
        "## Empty section\n\n## Verdict\n\n- Worth seeing.\n\n```\ncode()\n```\n"
    )
    doc = load_document(write(tmp_path, "review.md", md), Settings())
    assert doc.title == "Pain and Glory"
    assert [(s.title, s.heading, s.display) for s in doc.segments] == [
        ("Intro paragraph with a link.", None, "Intro paragraph with a link."),
        ("Performances", "Performances", "Performances\n\nBanderas is superb."),
        ("Second paragraph.", None, "Second paragraph."),
        ("Empty section", "Empty section", "Empty section"),
        ("Verdict", "Verdict", "Verdict\n\nWorth seeing."),
    ]
    assert [x.speech for x in doc.segments[1].sentences] == ["Performances", "Banderas is superb."]
    assert "code" not in doc.display_text


def test_html_document(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Site | Review</title><script>alert('x')</script></head><body>"
        "<nav>Home</nav><article><h1>Pain and Glory</h1><p>First <b>para</b>.</p>"
        "<h2>Cast</h2><p>Banderas.</p><ul><li>One</li><li>Two</li></ul></article>"
        "<footer>Copyright</footer></body></html>"
    )
    doc = load_document(write(tmp_path, "page.html", html), Settings())
    assert doc.title == "Pain and Glory"
    assert [(s.title, s.display) for s in doc.segments] == [
        ("First para.", "First para."),
        ("Cast", "Cast\n\nBanderas."),
        ("One Two", "One\nTwo"),  # a list is one chapter
    ]
    assert [(x.display, x.speech) for x in doc.segments[2].sentences] == [
        ("One", "One."),
        ("Two", "Two."),
    ]
    for absent in ("alert", "Home", "Copyright", "Site"):
        assert absent not in doc.display_text


def test_markdown_list_is_one_chapter(tmp_path: Path) -> None:
    md = (
        "## Acting\n\n- first\n- second\n\n1. Alpha. Beta\n2. *Gamma!*\n3. “Quoted”\n"
        "4. Pros:\n5. 🎬\n\n## Verdict\n\n- See it.\n"
    )
    doc = load_document(write(tmp_path, "l.md", md), Settings())
    assert [(s.title, s.heading, s.display) for s in doc.segments] == [
        ("Acting", "Acting", "Acting\n\nfirst\nsecond"),
        ("Alpha. Beta Gamma! “Quoted” Pros: 🎬", None, "Alpha. Beta\nGamma!\n“Quoted”\nPros:\n🎬"),
        ("Verdict", "Verdict", "Verdict\n\nSee it."),
    ]
    # Each item is a sentence of its own; one without an end gets a full stop in its
    # speech only, so the engine pauses after it.
    assert [(x.display, x.speech) for x in doc.segments[0].sentences] == [
        ("Acting", "Acting"),
        ("first", "first."),
        ("second", "second."),
    ]
    assert [(x.display, x.speech) for x in doc.segments[1].sentences] == [
        ("Alpha.", "Alpha."),
        ("Beta", "Beta."),
        ("Gamma!", "Gamma!"),
        ("“Quoted”", '"Quoted".'),
        ("Pros:", "Pros."),
    ]
    assert [(x.display, x.speech) for x in doc.segments[2].sentences] == [
        ("Verdict", "Verdict"),
        ("See it.", "See it."),
    ]


@pytest.mark.parametrize("bound", [1, 2, 3, 5, 8, 400])
def test_list_item_full_stop_keeps_the_bound(bound: int) -> None:
    items = ["one two three", "four", "five six seven eight"]
    speak = make_speaker(None, "espeak")
    (seg,) = build_segments([Block.list_of(items)], small(bound))
    assert list(seg.sentences) == [x for i in items for x in item_sentences(i, bound, speak)]
    for item in items:
        sentences = item_sentences(item, bound, speak)
        assert all(0 < len(x.speech) <= bound for x in sentences)
        assert "".join(x.display for x in sentences).replace(" ", "") == item.replace(" ", "")
        if bound > 1:  # room for the full stop after every item
            assert sentences[-1].speech.endswith(".")
            assert not sentences[-1].display.endswith(".")


def test_front_matter_title_keeps_a_different_h1(tmp_path: Path) -> None:
    md = "---\ntitle: My Review\n---\n\n# Pain and Glory\n\nText here.\n"
    doc = load_document(write(tmp_path, "fm.md", md), Settings())
    assert doc.title == "My Review"
    (seg,) = doc.segments
    assert (seg.title, seg.heading, seg.display) == (
        "Pain and Glory",
        "Pain and Glory",
        "Pain and Glory\n\nText here.",
    )
    assert [x.speech for x in seg.sentences] == ["Pain and Glory", "Text here."]
    same = load_document(
        write(tmp_path, "same.md", md.replace("My Review", "Pain and Glory")), Settings()
    )
    assert same.title == "Pain and Glory"
    assert [x.display for x in same.segments] == ["Text here."]


# ------------------------------------------------------------------ unspeakable


def test_unspeakable_sentence_kept_in_display(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path, "e.txt", "Great film. 🎬🍿! Loved it.\n\nMore."), Settings()
    )
    seg = doc.segments[0]
    assert seg.display == "Great film. 🎬🍿! Loved it."
    assert [s.display for s in seg.sentences] == ["Great film.", "Loved it."]


def test_a_paragraph_of_stars_is_a_rating_and_spoken(tmp_path: Path) -> None:
    text = "First paragraph.\n\n⭐⭐⭐⭐\n\nLast paragraph."
    doc = load_document(write(tmp_path, "m.txt", text), Settings())
    assert [s.display for s in doc.segments] == ["First paragraph.", "⭐⭐⭐⭐", "Last paragraph."]
    assert [[x.speech for x in s.sentences] for s in doc.segments] == [
        ["First paragraph."],
        ["four stars"],
        ["Last paragraph."],
    ]


def test_unspeakable_paragraphs_merge(tmp_path: Path) -> None:
    text = "🎬🍿🎬🍿\n\nFirst paragraph.\n\n* * *\n\nSecond paragraph.\n\n😍🎬"
    doc = load_document(write(tmp_path, "m.txt", text), Settings())
    assert [s.display for s in doc.segments] == [
        "🎬🍿🎬🍿\n\nFirst paragraph.\n\n* * *",
        "Second paragraph.\n\n😍🎬",
    ]
    assert [s.title for s in doc.segments] == ["First paragraph.", "Second paragraph."]
    assert doc.display_text.split() == text.split()


def test_nothing_speakable(tmp_path: Path) -> None:
    path = write(tmp_path, "emoji.txt", "🎬🍿\n\n* * *\n\n⭐")
    with pytest.raises(InputError) as info:
        load_document(path, Settings())
    assert str(info.value) == f"{path}: no readable text"


def test_rtl_emoji_and_controls(tmp_path: Path) -> None:
    text = "Great film 😍 really.\n\nשלום עולם. مرحبا بالعالم.\n\nBell\x07 and\x1b escape."
    doc = load_document(write(tmp_path, "x.txt", text), Settings())
    assert [s.display for s in doc.segments] == [
        "Great film 😍 really.",
        "שלום עולם. مرحبا بالعالم.",
        "Bell and escape.",
    ]
    assert [x.speech for x in doc.segments[1].sentences] == ["שלום עולם.", "مرحبا بالعالم."]
    assert doc.segments[0].sentences[0].speech == "Great film really."


# ---------------------------------------------------------------- long sentences


def small(bound: int) -> Settings:
    return Settings().with_overrides(text={"max_sentence_chars": bound})


def test_long_sentence_split_at_clauses() -> None:
    text = (
        "It could have fallen into many pitfalls, and it sidesteps them; films about art "
        "take everything seriously: crisis — the character breaks, every movement - every "
        "choice adds up"
    )
    pieces = fit_sentence(text, 60, make_speaker(None, "espeak"))
    assert all(len(speech) <= 60 for _, speech in pieces)
    assert pieces == [
        ("It could have fallen into many pitfalls,", "It could have fallen into many pitfalls"),
        ("and it sidesteps them;", "and it sidesteps them;"),
        (
            "films about art take everything seriously: crisis —",
            "films about art take everything seriously: crisis",
        ),
        (
            "the character breaks, every movement - every choice adds up",
            "the character breaks, every movement, every choice adds up",
        ),
    ]
    assert " ".join(d for d, _ in pieces).split() == text.split()


def test_two_hundred_thousand_chars_without_punctuation(tmp_path: Path) -> None:
    paragraph = " ".join(f"word{i % 997}" for i in range(30_000))[:200_000].strip()
    assert len(paragraph) >= 199_990
    path = write(tmp_path, "long.txt", paragraph)
    doc = load_document(path, Settings())
    (seg,) = doc.segments
    assert seg.display == paragraph
    assert all(0 < len(s.speech) <= 400 for s in seg.sentences)
    assert " ".join(s.speech for s in seg.sentences).split() == paragraph.split()
    assert " ".join(s.display for s in seg.sentences) == paragraph


def test_single_200k_word_is_cut_hard() -> None:
    word = "abcdefghij" * 20_000
    sentences = paragraph_sentences(word, 400, make_speaker(None, "espeak"))
    assert len(sentences) == 500
    assert all(len(s.speech) <= 400 for s in sentences)
    assert "".join(s.speech for s in sentences) == word
    assert "".join(s.display for s in sentences) == word


def test_tiny_bound_and_long_lexicon_entry(tmp_path: Path) -> None:
    lex = write(tmp_path, "l.toml", '[respell]\n"a" = "a very long respelling"\n')
    doc = load_document(
        write(tmp_path, "t.txt", "Say a word."),
        Settings().with_overrides(text={"max_sentence_chars": 5, "lexicon": lex}),
    )
    speeches = [s.speech for s in doc.segments[0].sentences]
    assert all(len(s) <= 5 for s in speeches)
    assert "".join(speeches).replace(" ", "") == "Sayaverylongrespellingword."


def test_split_sentences_long_paragraph_windows() -> None:
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(2_000))
    sentences = split_sentences(paragraph)
    assert len(sentences) == 2_000
    assert " ".join(sentences) == paragraph


# ------------------------------------------------------------------------- plan


def test_plan_rows(sample_doc: Document) -> None:
    rows = plan_rows(sample_doc, Settings())
    assert [r["index"] for r in rows] == list(range(7))
    assert [r["title"] for r in rows] == SAMPLE_TITLES
    assert [r["sentences"] for r in rows] == [2, 4, 5, 2, 3, 4, 2]
    assert rows[0]["chars"] == sum(len(s.speech) for s in sample_doc.segments[0].sentences)
    s = Settings().with_overrides(voice={"rate": 120})
    seg = sample_doc.segments[0]
    words = len(seg.speech.split())
    expected = words * 60 / 120 + 0.25 * (len(seg.sentences) - 1) + 0.5 + 0.8
    assert plan_rows(sample_doc, s)[0]["est_seconds"] == round(expected, 1)
    last = sample_doc.segments[-1]
    expected_last = len(last.speech.split()) * 60 / 120 + 0.25 * (len(last.sentences) - 1) + 1.0
    assert plan_rows(sample_doc, s)[-1]["est_seconds"] == round(expected_last, 1)
    assert 60 < sum(r["est_seconds"] for r in rows) < 400


# ------------------------------------------------------------------- properties

_LETTERS = "abcXYZéßøĳ١٢שלוםمرحبا가한字"
_PUNCT = ".,;:!?…—–-‘’“”\"'()*#&%"
_ODD = "😍🎬👍🏽\u200b\u200d\u00ad\u200f\x07\x1b"
_word = st.text(alphabet=_LETTERS + _PUNCT + _ODD + "0123456789", min_size=1, max_size=10)
_space = st.sampled_from([" ", "  ", "\t", "\u00a0", " \u2009 ", "\x1f"])
_line_break = st.sampled_from(["\n", "\r\n", "\r"])
_para_break = st.sampled_from(["\n\n", "\r\n\r\n", "\n \t\n", "\r\r", "\n\n\n\u00a0\n"])


@st.composite
def _paragraph(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.lists(_word, min_size=1, max_size=8), min_size=1, max_size=3))
    out = []
    for line in lines:
        pieces = [line[0]]
        for word in line[1:]:
            pieces += [draw(_space), word]
        out.append("".join(pieces))
    text = out[0]
    for line in out[1:]:
        text += draw(_line_break) + line
    return text


@st.composite
def _document(draw: st.DrawFn) -> str:
    paragraphs = draw(st.lists(_paragraph(), min_size=1, max_size=5))
    paragraphs[0] = "Opening word. " + paragraphs[0] + "."  # never a title line
    text = paragraphs[0]
    for p in paragraphs[1:]:
        text += draw(_para_break) + p
    return draw(st.sampled_from(["", "\n", "  \r\n"])) + text + draw(st.sampled_from(["", "\n"]))


def _readable_words(text: str) -> list[str]:
    """The words of the input, as a reader sees them: controls that are not spaces gone."""
    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    return kept.split()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_property_words_preserved(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("prop") / "review.txt"
    path.write_bytes(text.encode("utf-8"))
    doc = load_document(path, Settings())
    shown = [w for seg in doc.segments for w in seg.display.split()]
    assert shown == _readable_words(text)
    assert [s.index for s in doc.segments] == list(range(len(doc.segments)))
    assert all(seg.sentences for seg in doc.segments)


# Markdown: words that markup cannot touch (they start with a letter, and hold no
# markup characters), so the expected readable words are known without a parser.
_MD_LETTERS = "abcXYZéßøĳשלוםمرحبا가한字"
_md_word = st.builds(
    lambda head, tail, end: head + tail + end,
    st.sampled_from(_MD_LETTERS),
    st.text(alphabet=_MD_LETTERS + "0123456789’", max_size=6),
    st.sampled_from(["", "", "", ".", ",", "!", "?", ":", "…", "”"]),
)
_md_words = st.lists(_md_word, min_size=1, max_size=6)


@st.composite
def _md_inline(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A line of words, some wrapped in emphasis; the markup and the words shown."""
    words = draw(_md_words)
    marks = draw(
        st.lists(
            st.sampled_from(["", "", "*", "**", "_"]), min_size=len(words), max_size=len(words)
        )
    )
    return " ".join(f"{m}{w}{m}" for m, w in zip(marks, words, strict=True)), words


_MD_KINDS = ("para", "para", "h1", "h2", "ul", "ol")


@st.composite
def _md_block(draw: st.DrawFn, kind: str | None = None) -> tuple[str, str, list[list[str]]]:
    """(kind, markdown, words of each line or item): a paragraph, a heading or a list."""
    kind = kind or draw(st.sampled_from(_MD_KINDS))
    if kind in ("h1", "h2"):
        line, words = draw(_md_inline())
        return kind, ("# " if kind == "h1" else "## ") + line, [words]
    lines = draw(st.lists(_md_inline(), min_size=1, max_size=4 if kind != "para" else 3))
    marker = {"para": "", "ul": "- ", "ol": "1. "}[kind]
    return kind, "\n".join(marker + m for m, _ in lines), [ws for _, ws in lines]


@dataclasses.dataclass
class _MdCase:
    text: str
    words: list[str]  # the words shown, in order
    title: list[str] | None  # the words of a leading h1 taken as the title
    ends: set[int]  # word counts at which a block or a list item ends
    chapters: int


@st.composite
def _md_document(draw: st.DrawFn) -> _MdCase:
    """A Markdown review, often with a leading ``# H1`` and a front-matter title."""
    lead = [draw(_md_block("h1"))] if draw(st.booleans()) else []
    blocks = lead + draw(st.lists(_md_block(), min_size=1, max_size=5))
    front: list[str] | None = None
    if draw(st.booleans()):
        front = draw(_md_words)
        if blocks[0][0] == "h1" and draw(st.booleans()):
            front = blocks[0][2][0]  # the front matter repeats the h1
    title = None
    text = "\n\n".join(m for _, m, _ in blocks) + "\n"
    if front is not None:
        # A JSON string is a YAML string: quoted, so "a:" is a title, not a syntax error.
        text = "---\ntitle: " + json.dumps(" ".join(front)) + "\n---\n\n" + text
    if blocks[0][0] == "h1" and (front is None or front == blocks[0][2][0]):
        title = blocks[0][2][0]
        blocks = blocks[1:]
    if not blocks:  # nothing but the title: not readable
        blocks = [("para", "Body.", [["Body."]])]
        text += "\nBody.\n"
    words: list[str] = []
    ends: set[int] = set()
    chapters = 0
    for i, (kind, _, lines) in enumerate(blocks):
        for line in lines:
            words += line
            if kind != "para":  # each heading and each list item is spoken on its own
                ends.add(len(words))
        ends.add(len(words))
        before = blocks[i - 1][0] if i else None
        if kind in ("ul", "ol") and before == kind:
            continue  # two lists of one kind, a blank line apart, are one (loose) list
        if not (before in ("h1", "h2") and kind not in ("h1", "h2")):
            chapters += 1  # a paragraph or a list after a heading is in its chapter
    return _MdCase(text, words, title, ends, chapters)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_md_document())
def test_property_markdown_words_preserved(
    tmp_path_factory: pytest.TempPathFactory, case: _MdCase
) -> None:
    path = tmp_path_factory.mktemp("prop") / "review.md"
    path.write_bytes(case.text.encode("utf-8"))
    doc = load_document(path, Settings())
    # Every word is shown, in order; a leading h1 that is the title is the title.
    shown = [w for seg in doc.segments for w in seg.display.split()]
    assert shown == case.words
    if case.title is not None:
        assert doc.title.split() == case.title
    # A list is one chapter, and every heading and list item ends a sentence.
    assert len(doc.segments) == case.chapters
    assert [s.index for s in doc.segments] == list(range(len(doc.segments)))
    spoken_ends = set()
    count = 0
    for seg in doc.segments:
        assert seg.sentences
        assert [w for x in seg.sentences for w in x.display.split()] == seg.display.split()
        for x in seg.sentences:
            count += len(x.display.split())
            spoken_ends.add(count)
    assert case.ends <= spoken_ends


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_paragraph(), min_size=1, max_size=3), st.integers(min_value=3, max_value=60))
def test_property_speech_within_bound(paragraphs: list[str], bound: int) -> None:
    blocks = [Block(" ".join(p.split())) for p in paragraphs]
    segments = build_segments(blocks, small(bound))
    for seg in segments:
        speeches = [s.speech for s in seg.sentences]
        assert all(0 < len(s) <= bound for s in speeches)
        normalized = normalize_for_speech(seg.display)
        joined = " ".join(speeches)
        # No letter or digit is lost, added or moved ...
        assert nfd_alnum(joined) == nfd_alnum(normalized)
        # ... and when no word needed a hard cut, the words themselves are the same.
        if all(len(w) <= bound for w in normalized.split()):
            words = re.compile(r"\w+")
            assert words.findall(unicodedata.normalize("NFD", joined)) == words.findall(
                unicodedata.normalize("NFD", normalized)
            )


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Kill Bill: Vol. 2 is out. Next.", ["Kill Bill: Vol. 2 is out.", "Next."]),
        ("Song feat. Drake and ft. Jay is good.", ["Song feat. Drake and ft. Jay is good."]),
        ("It runs approx. 3 hours. Next.", ["It runs approx. 3 hours.", "Next."]),
        ("Dune: Pt. 2 comes. Next.", ["Dune: Pt. 2 comes.", "Next."]),
        ("He said No. Then left.", ["He said No.", "Then left."]),
        ("I loved part II. It is great.", ["I loved part II.", "It is great."]),
    ],
)
def test_no_sentence_ends_at_an_abbreviation_the_ear_says_in_full(
    text: str, sentences: list[str]
) -> None:
    assert split_sentences(text) == sentences
