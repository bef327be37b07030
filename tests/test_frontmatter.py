"""A post's header: every kind found and parsed by its real parser, never spoken."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from narrate.loading import load_text
from narrate.loading.frontmatter import MAX_HEADER_CHARS, split_header
from narrate.loading.metafields import Context, date_from_name, read_metadata
from narrate.metadata import Metadata
from narrate.segment import load_document, title_from_filename
from narrate.settings import Settings, TextSettings

BODY = "The film is great.\n\nIt ends well.\n"
BODY_BLOCKS = ["The film is great.", "It ends well."]

# Every header kind, each carrying the same post's metadata, and what it must give.
HEADERS = {
    "yaml": (
        "---\n"
        "title: \"Get Out &amp; *Stay* Out\"\n"
        "date: 2017-02-26T10:30:00+02:00\n"
        "author: Ann Lee\n"
        "description: A [sharp](https://x.org) horror film.\n"
        "lang: en-GB\n"
        "rating: 4/5\n"
        "tags: [horror, comedy]\n"
        "---\n"
    ),
    "yaml-blank-lines-and-ruby-keys": (
        "\n---\n\n"
        ":title: \"Get Out &amp; *Stay* Out\"\n\n"
        ":date: 2017-02-26 10:30:00 +02:00\n"
        ":author:\n  name: Ann Lee\n"
        ":summary: A [sharp](https://x.org) horror film.\n"
        ":language: en-GB\n"
        ":score: 4/5\n"
        "...\n"
    ),
    "toml": (
        "+++\n"
        "title = \"Get Out &amp; *Stay* Out\"\n"
        "date = 2017-02-26T10:30:00+02:00\n"
        "authors = [\"Ann Lee\"]\n"
        "tags = [\"horror\", \"comedy\"]\n"
        "params.excerpt = \"A [sharp](https://x.org) horror film.\"\n"
        "[extra]\n"
        "locale = \"en-GB\"\n"
        "stars = \"4/5\"\n"
        "+++\n"
    ),
    "json": (
        "{\n"
        "  \"title\": \"Get Out &amp; *Stay* Out\",\n"
        "  \"pubDate\": \"2017-02-26T10:30:00+02:00\",\n"
        "  \"author\": {\"name\": \"Ann Lee\"},\n"
        "  \"subtitle\": \"A [sharp](https://x.org) horror film.\",\n"
        "  \"lang\": \"en-GB\",\n"
        "  \"grade\": \"4/5\"\n"
        "}\n"
    ),
    "eleventy-json-fence": (
        "---json\n"
        "{\"title\": \"Get Out &amp; *Stay* Out\", \"date\": \"2017-02-26T10:30:00+02:00\",\n"
        " \"authors\": [{\"name\": \"Ann Lee\"}], \"summary\": \"A [sharp](https://x.org) "
        "horror film.\", \"lang\": \"en-GB\", \"rating\": \"4/5\"}\n"
        "---\n"
    ),
    "pelican": (
        "Title: Get Out &amp; *Stay* Out\n"
        "Date: 2017-02-26 10:30 +0200\n"
        "Author: Ann Lee\n"
        "Summary: A [sharp](https://x.org)\n"
        "    horror film.\n"
        "Lang: en-GB\n"
        "Rating: 4/5\n"
        "Tags: horror, comedy\n"
    ),
}
EXPECTED = Metadata(
    title="Get Out & Stay Out",
    date="2017-02-26T10:30:00+02:00",
    author="Ann Lee",
    description="A sharp horror film.",
    language="en-GB",
    rating="4/5",
)


@pytest.mark.parametrize("kind", sorted(HEADERS))
@pytest.mark.parametrize("suffix", [".md", ".txt", ".mdx", ".Rmd"])
def test_every_header_kind_gives_the_same_metadata_and_is_never_read(
    tmp_path: Path, kind: str, suffix: str
) -> None:
    post = tmp_path / f"post{suffix}"
    separator = "\n" if kind == "pelican" else ""
    post.write_text(HEADERS[kind] + separator + BODY, encoding="utf-8")
    loaded = load_text(post, TextSettings())
    assert loaded.metadata == EXPECTED
    assert [b.text for b in loaded.blocks] == BODY_BLOCKS
    doc = load_document(post, Settings())
    assert doc.title == "Get Out & Stay Out"
    assert doc.metadata == EXPECTED
    assert doc.display_text == "The film is great.\n\nIt ends well."
    assert [s.speech for seg in doc.segments for s in seg.sentences] == BODY_BLOCKS


@pytest.mark.parametrize(
    ("header", "date"),
    [
        ("date: 2019-08-23", "2019-08-23"),
        ("date: 2019-08-23 21:05:00", "2019-08-23T21:05:00"),
        ("date: 2019-08-23T21:05:00Z", "2019-08-23T21:05:00+00:00"),
        ("date: 2019-08-23 21:05:00 -0700", "2019-08-23T21:05:00-07:00"),
        ("date: '2019-08-23T21:05:00.123+05:30'", "2019-08-23T21:05:00+05:30"),
        ("date: 2019", "2019"),
        ("date: '2019-08'", "2019-08"),
        ("published: 2020-01-02", "2020-01-02"),
        ("pubDate: Fri, 23 Aug 2019 10:00:00 +0200", "2019-08-23T10:00:00+02:00"),
        ("date: August 3, 2019", "2019-08-03"),
        ("date: 2019-08-23\npublished: 2020-01-02", "2019-08-23"),  # date wins
        ("publishDate: 2024-11-21", "2024-11-21"),
        ("pubDatetime: 2022-09-21T05:17:19Z", "2022-09-21T05:17:19+00:00"),
        ("datePublished: '2021-01-02'", "2021-01-02"),
    ],
)
def test_dates_keep_their_time_and_zone(tmp_path: Path, header: str, date: str) -> None:
    post = tmp_path / "p.md"
    post.write_text(f"---\n{header}\n---\n{BODY}", encoding="utf-8")
    assert load_text(post, TextSettings()).metadata.date == date


def test_toml_dates_of_every_kind(tmp_path: Path) -> None:
    for value, date in [("2019-08-23", "2019-08-23"),
                        ("2019-08-23T07:32:00", "2019-08-23T07:32:00"),
                        ("1979-05-27T00:32:00-07:00", "1979-05-27T00:32:00-07:00")]:  # fmt: skip
        post = tmp_path / "p.md"
        post.write_text(f"+++\ndate = {value}\n+++\n{BODY}", encoding="utf-8")
        assert load_text(post, TextSettings()).metadata.date == date


def test_a_date_that_is_no_date_is_warned_and_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    post = tmp_path / "2018-03-04-x.md"
    post.write_text(f"---\ndate: sometime soon\n---\n{BODY}", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        meta = load_text(post, TextSettings()).metadata
    assert meta.date == "2018-03-04"  # the file name's date then
    assert [r.getMessage() for r in caplog.records] == [
        f"{post}: the header's date 'sometime soon' is not a date; it is not used"
    ]


@pytest.mark.parametrize(
    ("name", "title", "date"),
    [
        ("2017-02-26-get-out-review.md", "Get Out Review", "2017-02-26"),
        ("2017-2-6-get-out.md", "Get Out", "2017-02-06"),
        ("2017-02-30-no-such-day.md", "No Such Day", None),
        ("2019-08-23-a-bundle/index.md", "A Bundle", "2019-08-23"),
        ("the-2017-review.md", "The 2017 Review", None),
        ("2017-02-26.md", "2017 02 26", "2017-02-26"),
        ("Nosferatu - Der Untote.md", "Nosferatu - Der Untote", None),
        ("28 Years Later.md", "28 Years Later", None),
        ("2019-08-23-Le  Film du jour.md", "Le Film du jour", "2019-08-23"),
        ("20200917-book_of_why/index.md", "Book of Why", "2020-09-17"),
        ("20200917_book.md", "Book", "2020-09-17"),
        ("20201399-no-such-day/index.md", "No Such Day", None),
        ("2014/09/13/dataclysm/index.md", "Dataclysm", "2014-09-13"),
        ("2014/09/13/dataclysm.md", "Dataclysm", "2014-09-13"),
        ("2014/13/13/no-such-month.md", "No Such Month", None),
        ("12/09/13/short-year.md", "Short Year", None),
    ],
)
def test_file_names_give_title_and_date(tmp_path: Path, name: str, title: str,
                                        date: str | None) -> None:  # fmt: skip
    post = tmp_path / name
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(BODY, encoding="utf-8")
    doc = load_document(post, Settings())
    assert doc.title == title
    assert doc.metadata.date == date
    assert date_from_name(post) == date
    assert title_from_filename(str(post)) == title


@pytest.mark.parametrize(
    ("header", "author"),
    [
        ("author: Ann", "Ann"),
        ("authors: [Ann, Bo]", "Ann, Bo"),
        ("authors:\n  - name: Ann\n  - name: Bo", "Ann, Bo"),
        ("author:\n  name: Ann\n  url: https://ann.org", "Ann"),
        ("author: '**Ann**'", "Ann"),
        ("author: [[1]]", None),
    ],
)
def test_authors(tmp_path: Path, header: str, author: str | None) -> None:
    post = tmp_path / "p.md"
    post.write_text(f"---\n{header}\n---\n{BODY}", encoding="utf-8")
    assert load_text(post, TextSettings()).metadata.author == author


@pytest.mark.parametrize(
    ("header", "draft"),
    [
        ("draft: true", True),
        ("draft: false", False),
        ("published: false", True),
        ("published: true", False),
        ("published: 2019-01-01", False),
        ("status: draft", True),
        ("title: x", False),
    ],
)
def test_drafts(tmp_path: Path, header: str, draft: bool) -> None:
    post = tmp_path / "p.md"
    post.write_text(f"---\n{header}\n---\n{BODY}", encoding="utf-8")
    assert load_text(post, TextSettings()).metadata.draft is draft


@pytest.mark.parametrize(
    ("header", "rating"),
    [("rating: 4.5", "4.5"), ("score: 8", "8"), ("stars: ★★★½", "★★★½"), ("grade: B+", "B+"),
     ("rating: [1, 2]", None), ("rating: true", None)],
)  # fmt: skip
def test_ratings_as_written(tmp_path: Path, header: str, rating: str | None) -> None:
    post = tmp_path / "p.md"
    post.write_text(f"---\n{header}\n---\n{BODY}", encoding="utf-8")
    assert load_text(post, TextSettings()).metadata.rating == rating


def test_title_entities_and_markdown_become_plain_text(tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text("---\ntitle: 'Amour&#160;: _la_ `fin` <em>du</em> monde'\n---\n" + BODY,
                    encoding="utf-8")  # fmt: skip
    assert load_document(post, Settings()).title == "Amour : la fin du monde"


def test_a_header_title_keeps_a_different_leading_heading(tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text("---\ntitle: Header Title\n---\n# Another Heading\n\nBody words.\n")
    doc = load_document(post, Settings())
    assert doc.title == "Header Title"
    assert [s.speech for seg in doc.segments for s in seg.sentences] == [
        "Another Heading", "Body words."]  # fmt: skip
    post.write_text("---\ntitle: Same  Title\n---\n# Same Title\n\nBody words.\n")
    doc = load_document(post, Settings())
    assert [s.speech for seg in doc.segments for s in seg.sentences] == ["Body words."]


def test_a_txt_header_title_beats_a_title_line(tmp_path: Path) -> None:
    post = tmp_path / "p.txt"
    post.write_text("Title: From The Header\n\nA first line\n\nThe body.\n")
    doc = load_document(post, Settings())
    assert doc.title == "From The Header"
    assert [s.speech for seg in doc.segments for s in seg.sentences] == [
        "A first line", "The body."]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Note: this is prose, not a header.\n\nMore prose.\n",  # no key narrate reads
        "Title: x\nand then a line of prose\n\nMore prose.\n",  # not every line is Key: value
        "Title: a\nTitle: b\n\nMore prose.\n",  # a key twice
    ],
)
def test_prose_that_looks_like_a_pelican_header_stays_prose(text: str) -> None:
    header = split_header(text)
    assert (header.kind, header.fields, header.body) == ("", {}, text)


# --- hostile headers: never a crash; read as text with one warning, or one Error line.

def _blocks(tmp_path: Path, text: str, name: str = "p.md") -> list[str]:
    post = tmp_path / name
    post.write_text(text, encoding="utf-8")
    return [b.text for b in load_text(post, TextSettings()).blocks]


@pytest.mark.parametrize(
    ("text", "warning", "blocks"),
    [
        ("---\nJust a line of prose.\n---\nBody.\n",
         "the --- header is not a set of keys and values; it is read as text",
         ["Just a line of prose.", "Body."]),
        ("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n",
         "the --- header is nested too deeply; it is read as text", None),
        ("---\nnote: " + "x" * MAX_HEADER_CHARS + "\n---\nBody.\n",
         "the --- header is longer than 65,536 characters; it is read as text", None),
        ('---json\n{"title": "x",}\n---\nBody.\n',
         "the ---json header is not valid JSON (Expecting property name enclosed in double "
         "quotes: line 1 column 15 (char 14)); it is read as text", None),
    ],
)  # fmt: skip
def test_a_header_no_parser_accepts_is_read_as_text_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, warning: str,
    blocks: list[str] | None,
) -> None:  # fmt: skip
    with caplog.at_level(logging.WARNING):
        got = _blocks(tmp_path, text)
    assert [r.getMessage() for r in caplog.records] == [f"{tmp_path / 'p.md'}: {warning}"]
    if blocks is not None:
        assert got == blocks
    assert got[-1].endswith("Body.")


@pytest.mark.parametrize(
    ("text", "warning", "meta"),
    [
        ("---\ntitle: Amour: la fin\ndate: 2020-01-02\ntags:\n  - a\n  - b\n---\nBody.\n",
         "the --- header is not valid YAML (mapping values are not allowed here at line 2)",
         Metadata(title="Amour: la fin", date="2020-01-02")),
        ('+++\ntitle = "My review"\ndate = 2020-10-31T1:00:00\ndraft = false\n[extra]\n'
         'rating = "4/5"\n+++\nBody.\n',
         "the +++ header is not valid TOML (Expected newline or end of document after a "
         "statement (at line 2, column 18))",
         Metadata(title="My review", date="2020-10-31T01:00:00", rating="4/5")),
        ("---\ntitle: [unclosed\nauthor: Ann\n---\nBody.\n",
         "the --- header is not valid YAML (expected ',' or ']', but got ':' at line 3)",
         Metadata(title="[unclosed", author="Ann")),
        ("+++\ntitle = \n+++\nBody.\n",
         "the +++ header is not valid TOML (Invalid value (at line 1, column 9))", Metadata()),
    ],
)  # fmt: skip
def test_a_header_its_parser_refuses_whole_is_read_line_by_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, warning: str, meta: Metadata
) -> None:
    post = tmp_path / "p.md"
    post.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        loaded = load_text(post, TextSettings())
    assert [r.getMessage() for r in caplog.records] == [
        f"{post}: {warning}; its lines are read one by one"]  # fmt: skip
    assert [b.text for b in loaded.blocks] == ["Body."]
    assert loaded.metadata == meta


def test_an_unclosed_fence_is_no_header(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert _blocks(tmp_path, "---\ntitle: Open\n\nBody.\n") == ["title: Open", "Body."]
        assert _blocks(tmp_path, "+++\ntitle = 'Open'\n\nBody.\n", "q.txt") == [
            "+++ title = 'Open'", "Body."]  # fmt: skip
    assert caplog.records == []


def test_a_yaml_alias_bomb_costs_nothing(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("title: [" + ",".join(["*h"] * 9) + "]")
    lines.append("author: *h")
    post = tmp_path / "p.md"
    post.write_text("---\n" + "\n".join(lines) + "\n---\nBody.\n")
    loaded = load_text(post, TextSettings())
    assert loaded.metadata == Metadata()
    assert [b.text for b in loaded.blocks] == ["Body."]


@pytest.mark.parametrize(
    "text",
    ["---\ntitle: Only a header\n---\n", "+++\ntitle = 'x'\n+++\n\n\n", '{"title": "x"}\n',
     "Title: x\nDate: 2019-01-01\n"],
)  # fmt: skip
def test_a_header_that_is_the_whole_file_is_one_error_line(tmp_path: Path, text: str) -> None:
    import subprocess
    import sys

    post = tmp_path / "p.md"
    post.write_text(text)
    run = subprocess.run([sys.executable, "-m", "narrate", "plan", str(post)],
                         capture_output=True, text=True)  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (
        1, "", f"Error: {post}: no readable text\n")


def test_json_that_is_not_a_header_is_read(tmp_path: Path) -> None:
    assert _blocks(tmp_path, '{"a": 1} and more on the line.\n\nBody.\n') == [
        '{"a": 1} and more on the line.', "Body."]  # fmt: skip
    assert _blocks(tmp_path, "{not json at all}\n\nBody.\n") == ["{not json at all}", "Body."]


def test_context_free_table_lookups() -> None:
    ctx = Context("x", None)
    assert read_metadata({"Title": "A", "TITLE": "B"}, ctx).title == "A"
    assert read_metadata({"params": {"author": "In Params"}}, ctx).author == "In Params"
    assert read_metadata({"author": "Top", "extra": {"author": "Ex"}}, ctx).author == "Top"
    assert read_metadata({"link": "https://ex.org/p/"}, ctx).link == "https://ex.org/p/"
    assert read_metadata({"url": "/p/"}, ctx).link is None


# --- a saved HTML page's <meta> tags, and the site's config for what a post leaves out

PAGE = (
    "<html><head><title>Greyhound | Film notes</title>"
    '<meta property="og:title" content="Greyhound &amp; Co" />'
    '<meta property="og:article:published_time" content="2025-11-04T23:29:37&#43;0900">'
    '<meta property="og:article:author" content="Campbell Alden">'
    '<meta name="description" content="A war story.">'
    '<meta property="og:url" content="https://ex.org/film/greyhound/" />'
    "</head><body><article><h1>Recommendation</h1><p>I enjoyed it a lot.</p></article>"
    "</body></html>"
)


def test_a_saved_page_gives_its_meta_tags(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(PAGE, encoding="utf-8")
    doc = load_document(page, Settings())
    assert doc.metadata == Metadata(
        title="Greyhound & Co", date="2025-11-04T23:29:37+09:00", author="Campbell Alden",
        description="A war story.", link="https://ex.org/film/greyhound/")  # fmt: skip
    assert doc.title == "Greyhound & Co"
    # The page's <h1> is not its title now: it is read, as a heading.
    assert [s.speech for seg in doc.segments for s in seg.sentences] == [
        "Recommendation", "I enjoyed it a lot."]  # fmt: skip


def test_a_page_dated_by_its_time_element(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text('<article><h1>T</h1><time class="dt-published" '
                    'datetime="2024-07-03T00:00:00-04:00">Jul 3</time><p>Words.</p></article>')
    assert load_text(page, TextSettings()).metadata.date == "2024-07-03T00:00:00-04:00"


@pytest.mark.parametrize(
    ("name", "config", "author"),
    [
        ("config.toml", 'title = "Site"\n[params.profile]\nauthor = "Tushar Chandra"\n',
         "Tushar Chandra"),
        ("config.toml", '[extra.author]\nname = "Kåre von Geijer"\n', "Kåre von Geijer"),
        ("_config.yml", "title: Blog\nauthor: 神威V2.1\n", "神威V2.1"),
        ("hugo.yml", "params:\n  author:\n    name: Isaac Halvorson\n", "Isaac Halvorson"),
        ("_config.yml", "author: [unclosed\n", None),
        ("_config.yml", "title: No author here\n", None),
        # Hugo's taxonomy of authors, its menus and permalinks name no one
        ("hugo.toml", '[taxonomies]\nauthor = "authors"\ntag = "tags"\n', None),
        ("hugo.toml", '[permalinks]\nauthors = "/by/:slug/"\n[params]\nauthor = "Ann"\n', "Ann"),
        ("config.toml", '[menu]\nauthor = "About"\n', None),
    ],
)  # fmt: skip
def test_a_post_without_an_author_takes_its_sites(
    tmp_path: Path, name: str, config: str, author: str | None
) -> None:
    (tmp_path / name).write_text(config, encoding="utf-8")
    post = tmp_path / "content" / "books" / "p.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: T\n---\nBody.\n")
    assert load_text(post, TextSettings()).metadata.author == author
    post.write_text("---\ntitle: T\nauthor: Own Name\n---\nBody.\n")
    assert load_text(post, TextSettings()).metadata.author == "Own Name"


def test_the_site_root_option_names_the_sites_folder(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "config.toml").write_text('author = "Root Author"\n')
    post = tmp_path / "elsewhere" / "p.md"
    post.parent.mkdir()
    post.write_text("Body.\n")
    assert load_text(post, TextSettings()).metadata.author is None
    found = load_text(post, TextSettings(site_root=tmp_path / "site")).metadata.author
    assert found == "Root Author"


def test_the_site_is_not_looked_for_past_a_repository_root(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('author = "Not This Site"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    post = repo / "posts" / "p.md"
    post.parent.mkdir()
    post.write_text("Body.\n")
    assert load_text(post, TextSettings()).metadata.author is None
    (repo / "_config.yml").write_text("author: This Site\n")
    assert load_text(post, TextSettings()).metadata.author == "This Site"


@pytest.mark.parametrize(
    "header",
    [
        "---\nlayout: post\ntitle: My Review\ndate: 2020-01-02\nauthor: Ann\n---\n",
        '+++\ntitle = "My Review"\ndate = 2020-01-02\nauthor = "Ann"\n+++\n',
        "\n---\nlayout: post\ntitle: My Review\ndate: 2020-01-02\nauthor: Ann\n---\n",
    ],
)
def test_an_html_page_with_a_site_generators_header_never_speaks_it(
    tmp_path: Path, header: str
) -> None:
    """Jekyll and Hugo read front matter on .html pages too: it was spoken, and the
    page's first chapter was named '--- layout: post title: …'."""
    page = tmp_path / "review.html"
    page.write_text(
        header + '<html><head><meta name="description" content="Short."></head><body>'
        "<p>This film is great.</p><p>Second paragraph here.</p></body></html>\n",
        encoding="utf-8",
    )
    doc = load_document(page, Settings())
    speech = [s.speech for seg in doc.segments for s in seg.sentences]
    assert speech == ["This film is great.", "Second paragraph here."]
    assert doc.metadata.title == "My Review"
    assert doc.metadata.date == "2020-01-02"
    assert doc.metadata.author == "Ann"
    assert doc.metadata.description == "Short."  # the page's <meta> fills in the rest
