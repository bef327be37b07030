"""Reading input: bytes, encodings, formats and the one-line errors for bad input."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.loading import (
    Block,
    decode_bytes,
    guess_format,
    html_blocks,
    load_text,
    markdown_blocks,
    split_paragraphs,
)
from narrate.settings import TextSettings

DATA = Path(__file__).resolve().parents[1] / "src" / "narrate" / "data"
SAMPLE = DATA / "pain-and-glory.txt"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


def error_of(source: Path | str, settings: TextSettings | None = None, **kw: object) -> str:
    with pytest.raises(InputError) as info:
        load_text(source, settings or TextSettings(), **kw)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoded", "codec"),
    [
        (SAMPLE_TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE_TEXT.encode("utf-8"), "utf-8-sig"),
        (SAMPLE_TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + SAMPLE_TEXT.encode("utf-16-be"), "utf-16"),
        (SAMPLE_TEXT.encode("utf-32"), "utf-32"),
        (SAMPLE_TEXT.encode("utf-16-le"), "utf-16"),  # no BOM: recognised by its NULs
        (SAMPLE_TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_sample_decodes_identically(encoded: bytes, codec: str) -> None:
    text, used = decode_bytes(encoded, "x.txt")
    assert text == SAMPLE_TEXT
    assert used == codec
    assert "Almodóvar" in text and "‘Pain and Glory’" in text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Café crème.", "cp1252"),  # short: charset-normalizer said cp1006
        ("“Hi”", "cp1252"),
        ("naïve", "latin-1"),
        ("Café crème brûlée, naïve résumé — “quoted”…", "cp1252"),
        ("Zażółć gęślą jaźń, to jest polski tekst.", "cp1250"),
        (
            "Привет мир, как дела? Это тест русского текста, который должен быть распознан.",
            "cp1251",
        ),
        ("Ελληνικά κείμενα για δοκιμή της ανίχνευσης.", "cp1253"),
    ],
)
def test_legacy_encodings(text: str, encoding: str) -> None:
    decoded, _ = decode_bytes(text.encode(encoding), "x.txt")
    assert decoded == text


def test_ascii_and_utf8_win_over_detector() -> None:
    assert decode_bytes(b"plain ascii text", "x") == ("plain ascii text", "utf-8")
    assert decode_bytes("é".encode(), "x") == ("é", "utf-8")


def test_explicit_encoding_overrides() -> None:
    data = "Almodóvar’s".encode("cp1252")
    assert decode_bytes(data, "x", encoding="cp1252")[0] == "Almodóvar’s"
    assert decode_bytes(data, "x", encoding="latin-1")[0] == "Almodóvar\x92s"
    assert decode_bytes(codecs.BOM_UTF8 + b"hi", "x", encoding="utf-8")[0] == "hi"
    with pytest.raises(InputError, match=r"^x: cannot be decoded as utf-8$"):
        decode_bytes(data, "x", encoding="utf-8")
    with pytest.raises(InputError, match=r"^x: unknown encoding 'klingon'$"):
        decode_bytes(data, "x", encoding="klingon")


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "utf-8\x00", "\udcff"])
def test_non_text_encoding_is_unknown(tmp_path: Path, encoding: str) -> None:
    # codecs.lookup knows rot13 and base64, but they turn bytes into bytes, not text.
    with pytest.raises(InputError) as info:
        decode_bytes(b"aGVsbG8=", "x", encoding=encoding)
    assert str(info.value) == f"x: unknown encoding {encoding!r}"
    path = tmp_path / "r.txt"
    path.write_bytes(b"aGVsbG8=")
    message = error_of(path, TextSettings(encoding=encoding))
    assert message == f"{path}: unknown encoding {encoding!r}"


@pytest.mark.parametrize(
    ("data", "encoding"), [(b"abc", "undefined"), (b"abc\\x", "punycode"), (b"xn--abc-", "idna")]
)
def test_text_codec_failing_with_unicode_error(data: bytes, encoding: str) -> None:
    # These raise a plain UnicodeError, not a UnicodeDecodeError.
    with pytest.raises(InputError, match=rf"^x: cannot be decoded as {encoding}$"):
        decode_bytes(data, "x", encoding=encoding)


@pytest.mark.parametrize("charset", ["base64", "rot13", "undefined", "idna"])
def test_html_meta_charset_that_cannot_decode(charset: str) -> None:
    page = f'<meta charset="{charset}"><p>Almodóvar’s</p>'
    text, codec = decode_bytes(page.encode("cp1252"), "x.html", fmt="html")
    assert "Almodóvar’s" in text and codec == "cp1252"


def test_html_meta_charset() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Almodóvar’s</p></body>'
    text, codec = decode_bytes(page.encode("cp1252"), "x.html", fmt="html")
    assert "Almodóvar’s" in text and codec == "cp1252"


# ----------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("name", "override", "expected"),
    [
        ("r.txt", None, "txt"),
        ("r.md", None, "md"),
        ("r.MARKDOWN", None, "md"),
        ("r.html", None, "html"),
        ("r.htm", None, "html"),
        ("r.rst", None, "txt"),
        ("r", None, "txt"),
        ("-", None, "txt"),
        ("r.txt", "markdown", "md"),
        ("r.md", "HTML", "html"),
        ("-", "md", "md"),
    ],
)
def test_guess_format(name: str, override: str | None, expected: str) -> None:
    assert guess_format(name, override) == expected


def test_unknown_format_override() -> None:
    with pytest.raises(InputError) as info:
        guess_format("r.txt", "pdf")
    assert str(info.value) == "r.txt: unknown format 'pdf' (expected txt, md, mdx or html)"


def test_plain_paragraphs() -> None:
    text = "One\r\nwrapped  line.\r\n\r\n \t \n\nTwo\rthree.\n\n\n\x0cFour\u2029Five"
    assert split_paragraphs(text) == [
        Block("One wrapped line.", lines=2),
        Block("Two three.", lines=2),
        Block("Four"),
        Block("Five"),
    ]


def test_plain_keeps_nbsp_drops_controls() -> None:
    assert split_paragraphs("10\u00a0km\x07 away\x1b.") == [Block("10\u00a0km away.")]


MARKDOWN = """---
layout: post
title: "Pain and Glory: a review"
---

# Pain and Glory

Cult film director **Salvador Mallo** (*Antonio Banderas*) suffers from a long
list of ailments. See [the trailer](https://example.com/trailer) and `the_code`.
![poster](poster.jpg)

<!-- editor: check the date -->

## The performances

- Banderas is **superb**.
- Penélope Cruz shines.

```python
print("code is not read")
```

    indented code is not read either

<div class="ad">Buy tickets now</div>

| Film | Score |
|------|-------|
| Pain and Glory | 5 |

## Verdict

> It is ~~bad~~ well worth seeing.

![only an image](still.png)
"""


def _markdown_with_header(text: str) -> tuple[str | None, list[Block]]:
    """``markdown_blocks`` of a post's body, with the title of its header (as load_text)."""
    from narrate.loading.frontmatter import split_header
    from narrate.loading.metafields import Context, read_metadata

    header = split_header(text)
    meta = read_metadata(header.fields, Context("t.md", None))
    return markdown_blocks(header.body, title=meta.title)


def test_markdown_blocks() -> None:
    title, blocks = _markdown_with_header(MARKDOWN)
    assert title == "Pain and Glory: a review"  # front matter wins over the leading h1 ...
    assert blocks == [
        Block("Pain and Glory", level=1),  # ... which differs from it, so it stays
        Block(
            "Cult film director Salvador Mallo (Antonio Banderas) suffers from a long "
            "list of ailments. See the trailer and the_code."
        ),
        Block("The performances", level=2),
        Block(
            "Banderas is superb.\nPenélope Cruz shines.",
            items=("Banderas is superb.", "Penélope Cruz shines."),
        ),
        Block("Buy tickets now"),  # raw HTML is read as an .html file's would be
        Block("Film: Pain and Glory; Score: 5", items=("Film: Pain and Glory; Score: 5",),
              kind="table"),
        Block("Verdict", level=2),
        Block("It is bad well worth seeing.", kind="quote"),
    ]
    joined = " ".join(b.text for b in blocks)
    for absent in ("code is not read", "poster", "editor", "http", "**", "#"):
        assert absent not in joined


def test_markdown_leading_h1_is_the_title() -> None:
    title, blocks = markdown_blocks("# Pain and Glory\n\nText here.\n\n# Second\n\nMore.")
    assert title == "Pain and Glory"
    assert blocks == [Block("Text here."), Block("Second", level=1), Block("More.")]


def test_markdown_front_matter_title_keeps_a_different_h1() -> None:
    text = "---\ntitle: Review\n---\n# Pain *and* Glory\n\nText here.\n"
    title, blocks = _markdown_with_header(text)
    assert title == "Review"
    assert blocks == [Block("Pain and Glory", level=1), Block("Text here.")]
    # The same text as the front-matter title: the h1 is the title, not read twice.
    title, blocks = _markdown_with_header(text.replace("Review", '"Pain  and Glory"'))
    assert title == "Pain and Glory"
    assert blocks == [Block("Text here.")]


def test_markdown_list_is_one_block() -> None:
    text = (
        "## Acting\n\n- first\n- second *item*\n  - nested\n- third\n\n"
        "1. One.\n2. Two\n\n   more of two\n\nAfter.\n\n* other list\n\n+ third list\n"
    )
    _, blocks = markdown_blocks(text)
    assert blocks == [
        Block("Acting", level=2),
        Block(
            "first\nsecond item\nnested\nthird",
            items=("first", "second item", "nested", "third"),
        ),
        Block("One.\nTwo\nmore of two", items=("One.", "Two", "more of two")),
        Block("After."),
        Block("other list", items=("other list",)),
        Block("third list", items=("third list",)),
    ]
    assert all(b.is_list for b in blocks if b.items) and not blocks[0].is_list


HTML = """<!DOCTYPE html>
<html><head><title>Pain and Glory review | Film Blog</title>
<style>p { color: red }</style><script>var hidden = "script text";</script></head>
<body>
<header><h1>Film Blog</h1><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main>
<article>
  <header><h1>Pain and Glory</h1><p class="byline">By A. Critic</p></header>
  <p>Cult film director <b>Salvador Mallo</b> (<i>Antonio Banderas</i>) suffers&nbsp;from a
     long list of ailments. As his film is <a href="#">receiving</a> a retrospective.</p>
  <h2>Performances</h2>
  <p>This is one of Banderas&rsquo; finest roles.<br>Truly.</p>
  <ul><li>Raw and honest</li><li>Sweet <em>and</em> funny</li></ul>
  <pre>code is not read</pre>
  <figure><img src="a.jpg" alt="poster alt text"><figcaption>The poster.</figcaption></figure>
  <aside>Related: other films</aside>
  <form><label>Search</label><input name="q"><button>Go</button></form>
  <!-- a comment -->
  <noscript>Enable JavaScript</noscript>
  <p hidden>Hidden paragraph</p>
</article>
<section><p>Comments are outside the article.</p></section>
</main>
<footer>Copyright 2019 Film Blog</footer>
</body></html>"""


def test_html_blocks_prefer_article() -> None:
    title, blocks = html_blocks(HTML)
    assert title == "Pain and Glory"  # the article's <h1>, though its <header> is dropped
    assert blocks == [
        Block(
            "Cult film director Salvador Mallo (Antonio Banderas) suffers\u00a0from a "
            "long list of ailments. As his film is receiving a retrospective."
        ),
        Block("Performances", level=2),
        Block("This is one of Banderas’ finest roles. Truly."),
        Block("Raw and honest\nSweet and funny", items=("Raw and honest", "Sweet and funny")),
        Block("The poster."),
    ]
    joined = " ".join(b.text for b in blocks)
    for absent in (
        "script text",
        "color",
        "Home",
        "Film Blog",
        "Copyright",
        "Related",
        "Search",
        "Enable",
        "comment",
        "Hidden",
        "code is not read",
        "poster alt",
        "Comments",
        "By A.",
    ):
        assert absent not in joined


def test_html_main_then_body_and_title_fallbacks() -> None:
    title, blocks = html_blocks(
        "<html><head><title> The  Title </title></head><body><nav>Menu</nav>"
        "<main><p>Main text.</p><div>Loose <span>div</span> text</div></main>"
        "<footer>Foot</footer></body></html>"
    )
    assert title == "The Title"
    assert blocks == [Block("Main text."), Block("Loose div text")]
    title, blocks = html_blocks("<p>First.</p><h1>Heading</h1><p>Second.</p>")
    assert title == "Heading"
    assert blocks == [Block("First."), Block("Heading", level=1), Block("Second.")]


def test_html_list_is_one_block() -> None:
    _, blocks = html_blocks(
        "<article><h2>Acting</h2><ul>\n<li>first</li>\n<li>second <b>item</b>"
        "<ol><li>nested</li></ol> tail</li><li><p>para one</p><p>para two</p></li></ul>"
        "<p>Between.</p><ol><li>Other list</li></ol><ul><li>Third list</li></ul></article>"
    )
    assert blocks == [
        Block("Acting", level=2),
        Block(
            "first\nsecond item\nnested\ntail\npara one\npara two",
            items=("first", "second item", "nested", "tail", "para one", "para two"),
        ),
        Block("Between."),
        Block("Other list", items=("Other list",)),
        Block("Third list", items=("Third list",)),
    ]


# -------------------------------------------------------------- load and errors


def test_load_text_sample() -> None:
    loaded = load_text(SAMPLE, TextSettings())
    assert loaded.format == "txt" and loaded.encoding == "utf-8" and loaded.title is None
    assert [b.text for b in loaded.blocks] == SAMPLE_TEXT.strip().split("\n\n")
    assert loaded.name == str(SAMPLE)


def test_load_text_stdin() -> None:
    loaded = load_text("-", TextSettings(), stdin=io.BytesIO(SAMPLE_TEXT.encode("utf-16")))
    assert loaded.name == "<stdin>"
    assert [b.text for b in loaded.blocks] == SAMPLE_TEXT.strip().split("\n\n")
    assert error_of("-", stdin=io.BytesIO(b"")) == "<stdin>: input is empty"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert error_of(path) == f"{path}: no such file"


def test_directory(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: is a directory, not a file"


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("hello", encoding="utf-8")

    def deny(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)  # root may read a chmod 000 file anyway
    assert error_of(path) == f"{path}: permission denied"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert error_of(path) == f"{path}: file is empty"


@pytest.mark.parametrize("content", [b" \n\t\r\n  ", b"\xef\xbb\xbf \n", "\u00a0\u3000\n".encode()])
def test_whitespace_only(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    assert error_of(path) == f"{path}: file contains only whitespace"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        b"text with a NUL \x00 byte in the middle of it, and more text",
        bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xC0, 0xC1]) * 5,  # nothing decodes this
    ],
)
def test_binary(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(content)
    assert error_of(path) == f"{path}: looks like a binary file, not text"


def test_too_long(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 30, encoding="utf-8")
    settings = TextSettings(max_chars=100)
    assert error_of(path, settings) == f"{path}: text is too long (more than 100 characters)"
    path.write_text("word " * 100, encoding="utf-8")  # > 4 bytes per allowed char: not read
    assert error_of(path, settings) == f"{path}: text is too long (more than 100 characters)"
    message = error_of("-", settings, stdin=io.BytesIO(b"x" * 1000))
    assert message == "<stdin>: text is too long (more than 100 characters)"


def test_fifty_megabytes_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    paragraph = (SAMPLE_TEXT.split("\n\n")[0] + "\n\n").encode()
    with path.open("wb") as fh:
        for _ in range(50_000_000 // len(paragraph) + 1):
            fh.write(paragraph)
    assert path.stat().st_size >= 50_000_000
    limit = TextSettings().max_chars
    assert limit == 2_000_000  # 50 MB of text is over the default limit
    assert error_of(path) == f"{path}: text is too long (more than 2,000,000 characters)"


def test_markdown_only_images(tmp_path: Path) -> None:
    path = tmp_path / "images.md"
    path.write_text("![a](a.png)\n\n![b](b.png)\n\n<!-- note -->\n", encoding="utf-8")
    assert error_of(path) == f"{path}: no readable text"


def test_html_without_body_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>Title only</title><script>var x = 1;</script></head>"
        "<body><nav>Home</nav><footer>Foot</footer><img src='a.png'></body></html>",
        encoding="utf-8",
    )
    assert error_of(path) == f"{path}: no readable text"


def test_emoji_rtl_and_control_characters_load(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(
        "Great film 😍🎬.\n\nשלום עולם. مرحبا بالعالم.\n\nBell\x07 and escape\x1b here.\n\n🍿🍿",
        encoding="utf-8",
    )
    loaded = load_text(path, TextSettings())
    assert [b.text for b in loaded.blocks] == [
        "Great film 😍🎬.",
        "שלום עולם. مرحبا بالعالم.",
        "Bell and escape here.",
        "🍿🍿",
    ]


# ------------------------------------------------------------ capped reading, stdin


def test_dev_zero_is_refused_after_the_cap() -> None:
    settings = TextSettings(max_chars=1000)
    assert error_of("/dev/zero", settings) == (
        "/dev/zero: text is too long (more than 1,000 characters)"
    )


def test_endless_stream_is_refused_after_the_cap() -> None:
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf: bytearray) -> int:  # type: ignore[override]
            Endless.reads += 1
            buf[:] = b"a" * len(buf)
            return len(buf)

    settings = TextSettings(max_chars=100_000)
    stream = io.BufferedReader(Endless())
    assert error_of("-", settings, stdin=stream) == (
        "<stdin>: text is too long (more than 100,000 characters)"
    )
    assert Endless.reads < 100  # it stopped right after the cap, not at memory's end


@pytest.mark.parametrize("stdin", [None, "closed"])
def test_closed_stdin(monkeypatch: pytest.MonkeyPatch, stdin: str | None) -> None:
    from narrate.loading.reading import StdinClosedError

    if stdin == "closed":
        fake = io.TextIOWrapper(io.BytesIO(b"text"))
        fake.buffer.close()
        monkeypatch.setattr("sys.stdin", fake)
    else:
        monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(StdinClosedError) as info:
        load_text("-", TextSettings())
    assert str(info.value) == "<stdin>: standard input is closed"
