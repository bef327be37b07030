"""Reading a review: bytes from a path or stdin -> decoded text -> readable blocks.

The stages, each with one gate that turns trouble into a one-line ``InputError``:

1. :func:`read_bytes` reads the file (or stdin). Errors name the file: ``no such
   file``, ``is a directory, not a file``, ``permission denied``, ``file is empty``.
2. :func:`decode_bytes` finds the encoding: an explicit ``TextSettings.encoding``
   wins; otherwise a byte-order mark (UTF-8/16/32), then strict UTF-8, then (for
   HTML) a ``<meta charset>``, then charset-normalizer with a bias towards cp1252,
   which is what legacy Western text almost always is (see :func:`_detect`).
3. :func:`extract_blocks` turns text into :class:`Block` s for the format (txt, md,
   html). Display text keeps the original characters; runs of ASCII whitespace and
   line breaks are joined into one space, and control characters other than
   whitespace are removed (they are not readable). A Markdown or HTML list (bullet
   or numbered, nested lists included) is one block whose items are its lines.

Limits: a whole input may hold at most ``TextSettings.max_chars`` characters. A
longer one is refused with ``"<name>: text is too long (more than N characters)"``;
a file bigger than ``4 * max_chars`` bytes is refused with the same message before
it is read (no encoding needs more than four bytes per character).
"""

from __future__ import annotations

import codecs
import logging
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .errors import InputError
from .settings import TextSettings

if TYPE_CHECKING:
    from markdown_it.token import Token

log = logging.getLogger(__name__)

STDIN_NAME = "<stdin>"
FORMATS = ("txt", "md", "html")

_FORMAT_ALIASES = {
    "txt": "txt",
    "text": "txt",
    "plain": "txt",
    "md": "md",
    "markdown": "md",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
}
_EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".mdown": "md",
    ".mkd": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}


LIST_SEPARATOR = "\n"


@dataclass(frozen=True)
class Block:
    """One readable block: a paragraph, a whole list, a table row or a heading.

    ``text`` is display text: original characters, whitespace runs joined.
    ``level`` is 1..6 for a heading and 0 for everything else. ``lines`` is how many
    source lines a plain-text paragraph spanned (1 for markup formats). For a list,
    ``items`` holds the display text of each item (nested items in reading order)
    and ``text`` is the items joined by :data:`LIST_SEPARATOR` (a line break).
    """

    text: str
    level: int = 0
    lines: int = 1
    items: tuple[str, ...] = ()

    @property
    def is_heading(self) -> bool:
        return self.level > 0

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    @classmethod
    def list_of(cls, items: list[str]) -> Block:
        """A list block of the (non-empty) display texts ``items``."""
        return cls(LIST_SEPARATOR.join(items), items=tuple(items))


@dataclass(frozen=True)
class LoadedText:
    """What :func:`load_text` found: the readable blocks and where they came from."""

    name: str  # the path as given, or "<stdin>"; used in every message
    format: str  # txt, md or html
    encoding: str  # the codec the bytes were decoded with
    title: str | None  # a title found in the markup (front matter, <h1>, <title>)
    blocks: tuple[Block, ...]


# --------------------------------------------------------------------------- reading


def source_name(source: Path | str) -> str:
    """The name used in messages: the path as given, or ``<stdin>`` for ``-``."""
    return STDIN_NAME if str(source) == "-" else str(source)


def _too_long(name: str, limit: int) -> InputError:
    return InputError(f"{name}: text is too long (more than {limit:,} characters)")


def read_bytes(source: Path | str, *, max_chars: int, stdin: BinaryIO | None = None) -> bytes:
    """Read the raw bytes of ``source`` (``"-"`` = ``stdin`` or ``sys.stdin.buffer``)."""
    name = source_name(source)
    byte_limit = 4 * max_chars
    if str(source) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = stream.read(byte_limit + 1)
        except OSError as exc:
            raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
        empty = "input is empty"
    else:
        data = _read_file(Path(source), name, byte_limit, max_chars)
        empty = "file is empty"
    if not data:
        raise InputError(f"{name}: {empty}")
    if len(data) > byte_limit:
        raise _too_long(name, max_chars)
    return data


def _read_file(path: Path, name: str, byte_limit: int, max_chars: int) -> bytes:
    """At most ``byte_limit + 1`` bytes of ``path``; OS errors become one-line InputErrors."""
    try:
        if path.is_dir():
            raise InputError(f"{name}: is a directory, not a file")
        if path.stat().st_size > byte_limit:
            raise _too_long(name, max_chars)  # refused before reading a huge file
        with path.open("rb") as fh:
            return fh.read(byte_limit + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{name}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{name}: is a directory, not a file") from exc
    except PermissionError as exc:
        raise InputError(f"{name}: permission denied") from exc
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc


# -------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Detector answers that mean "some Latin-script single-byte code page": for these we
# decode as cp1252 whenever cp1252 accepts the bytes (as browsers do for latin-1).
_LATIN_FAMILY = frozenset(
    {
        "ascii",
        "latin_1",
        "iso8859_15",
        "cp1252",
        "cp1250",
        "cp1254",
        "cp1257",
        "cp1258",
        "cp437",
        "cp850",
        "cp852",
        "cp858",
        "cp775",
        "mac_roman",
        "mac_latin2",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_16",
    }
)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _binary(name: str) -> InputError:
    return InputError(f"{name}: looks like a binary file, not text")


def _codec_name(encoding: str) -> str | None:
    """The codec's name, or None if ``encoding`` names no *text* codec.

    ``codecs.lookup`` also knows bytes-to-bytes codecs (rot13, base64, hex, zlib ...)
    that ``bytes.decode`` refuses; those count as unknown here. A name with a NUL or a
    lone surrogate (from a badly encoded command line) raises ValueError: unknown too.
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _plausible_cp1252(text: str) -> bool:
    """Whether a cp1252 reading looks like Western text rather than mojibake.

    Western European prose has a small share of non-ASCII letters (é, ñ, ö ...);
    Cyrillic, Greek or Hebrew bytes read as cp1252 are nearly all accented letters.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    non_ascii = sum(1 for c in letters if ord(c) > 0x7F)
    return non_ascii / len(letters) <= 0.4


_IN_WORD_OK = "\u2019\u2018\u02bc\u2010\u2011\u00b7"  # apostrophes, hyphens, l·l


def _garbled(text: str) -> int:
    """How many non-ASCII symbols sit inside words (``Za¿ó³æ``): a mojibake sign."""
    text = text[:200_000]
    return sum(
        1
        for prev, ch, nxt in zip(text, text[1:], text[2:], strict=False)
        if ord(ch) > 0x7F
        and not ch.isalpha()
        and ch not in _IN_WORD_OK
        and prev.isalpha()
        and nxt.isalpha()
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """Decode BOM-less UTF-16 when the NUL bytes sit where ASCII's high bytes would."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd >= 0.6 * half and even < 0.1 * half:
        codec = "utf-16-le"
    elif even >= 0.6 * half and odd < 0.1 * half:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _detect(data: bytes) -> tuple[str, str] | None:
    """Guess a legacy encoding with charset-normalizer, preferring cp1252."""
    from charset_normalizer import from_bytes

    try:
        cp1252: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        cp1252 = None

    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        guess = _codec_name(best.encoding) or best.encoding
        text = str(best)
        log.debug("charset-normalizer guessed %s (alternatives: %s)", guess, matches)
        if cp1252 is None or text == cp1252:
            return text, ("cp1252" if text == cp1252 else guess)
        if guess in _LATIN_FAMILY:
            # Both readings are Latin text; keep cp1252 unless it garbles words more
            # (Polish "Zażółć" read as cp1252 is "Za¿ó³æ").
            if _plausible_cp1252(cp1252) and _garbled(cp1252) <= _garbled(text):
                return cp1252, "cp1252"
            return text, guess
        if _plausible_cp1252(cp1252):
            # Short texts make the detector pick odd code pages (cp1006, cp1125, ...).
            return cp1252, "cp1252"
        return text, guess
    if cp1252 is not None and _plausible_cp1252(cp1252):
        return cp1252, "cp1252"
    return None


def decode_bytes(
    data: bytes, name: str, *, encoding: str | None = None, fmt: str = "txt"
) -> tuple[str, str]:
    """Decode ``data``; return ``(text, codec)``. A leading BOM is never part of the text."""
    if encoding:
        codec = _codec_name(encoding)
        if codec is None:
            raise InputError(f"{name}: unknown encoding {encoding!r}")
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        try:
            text = data.decode(codec)
        except ValueError as exc:  # UnicodeError; idna, punycode and undefined raise it bare
            shown = " ".join(encoding.split())
            raise InputError(f"{name}: cannot be decoded as {shown}") from exc
        return text.removeprefix("\ufeff"), codec

    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                break  # a BOM-like start, but not that encoding: treat as unmarked
            if "\x00" in text:
                raise _binary(name)
            return text.removeprefix("\ufeff"), codec

    if b"\x00" in data:
        text16 = _utf16_without_bom(data)
        if text16 is not None:
            return text16, "utf-16"
        raise _binary(name)

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    if fmt == "html":
        found = _META_CHARSET.search(data[:4096])
        if found:
            codec = _codec_name(found.group(1).decode("ascii", "replace"))
            if codec in ("latin-1", "iso8859-1", "ascii"):
                codec = "cp1252"  # what browsers do
            if codec:
                try:
                    return data.decode(codec), codec
                except ValueError:  # UnicodeError, also the bare one of idna or undefined
                    log.debug("%s: declared charset %s does not fit", name, codec)

    detected = _detect(data)
    if detected is None:
        raise _binary(name)
    text, codec = detected
    log.debug("%s: decoded as %s", name, codec)
    return text, codec


# ------------------------------------------------------------------------ clean text


def _control_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0)]:
        ch = chr(cp)
        if ch in "\t\n":
            continue
        if ch in "\x0b\x85":
            table[cp] = "\n"
        elif ch == "\x0c":
            table[cp] = "\n\n"  # a form feed is a page break: a paragraph break
        elif ch == "\r":
            table[cp] = "\n"
        elif "\x1c" <= ch <= "\x1f":
            table[cp] = " "  # information separators: whitespace to Python
        else:
            table[cp] = None
    table[0x2028] = "\n"
    table[0x2029] = "\n\n"
    return table


_CONTROLS = _control_table()
_WS_RUN = re.compile(r"[ \t\n]+")


def clean_text(text: str) -> str:
    """Normalize line breaks (CRLF, CR, NEL, U+2028/9) and drop non-whitespace controls."""
    return text.replace("\r\n", "\n").translate(_CONTROLS)


def join_whitespace(text: str) -> str:
    """Join lines and runs of ASCII whitespace into single spaces; keep NBSP and kin."""
    return _WS_RUN.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[Block]:
    """Plain text: paragraphs are separated by blank (or whitespace-only) lines."""
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            joined = join_whitespace(" ".join(lines))
            if joined:
                blocks.append(Block(joined, lines=len(lines)))
            lines.clear()

    for line in clean_text(text).split("\n"):
        if line.strip():
            lines.append(line)
        else:
            flush()
    flush()
    return blocks


# -------------------------------------------------------------------------- markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FM_TITLE = re.compile(r"^title\s*:\s*(.+?)\s*$", re.M)


def _markdown_inline(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        # images, html_inline (tags, comments) and markup open/close tokens: nothing
    return join_whitespace(clean_text("".join(parts)))


def markdown_blocks(text: str) -> tuple[str | None, list[Block]]:
    """Markdown: headings, paragraphs, lists, quotes and table rows.

    Emphasis, link and code markup is stripped (the link and code text is kept);
    images, HTML blocks and inline tags, comments and code blocks are not read. A
    list (its nested lists included) is one block; every paragraph, heading or table
    row inside it is an item. The title is a YAML front-matter ``title:``, else a
    leading level-1 heading. A leading level-1 heading is not a block when it is the
    title (no front-matter title, or the same text as it); otherwise it stays a
    heading, so its words are read.
    """
    from markdown_it import MarkdownIt

    text = clean_text(text)
    title: str | None = None
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FM_TITLE.search(front.group(1))
        if found:
            title = found.group(1).strip().strip("\"'").strip() or None
        text = text[front.end() :]

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks: list[Block] = []
    row: list[str] = []
    context: list[Token] = []
    items: list[str] = []  # the items of the list being read
    lists = 0  # how deep inside lists the current token is

    def add(content: str, level: int = 0) -> None:
        if lists:
            items.append(content)
        else:
            blocks.append(Block(content, level=level))

    for tok in md.parse(text):
        if tok.nesting == 1:
            context.append(tok)
            if tok.type == "tr_open":
                row = []
            elif tok.type in _MD_LISTS:
                lists += 1
        elif tok.nesting == -1:
            if context:
                context.pop()
            if tok.type == "tr_close" and any(row):
                add(", ".join(c for c in row if c))
            elif tok.type in _MD_LIST_ENDS:
                lists -= 1
                if not lists and items:
                    blocks.append(Block.list_of(items))
                    items.clear()
        elif tok.type == "inline":
            content = _markdown_inline(tok.children or [])
            parent = context[-1] if context else None
            if parent is not None and parent.type == "heading_open":
                if content:
                    add(content, level=int(parent.tag[1:] or 1))
            elif parent is not None and parent.type in ("th_open", "td_open"):
                row.append(content)
            elif content:
                add(content)
        # fence, code_block, html_block, hr: not read aloud
    return _take_leading_h1(title, blocks)


_MD_LISTS = ("bullet_list_open", "ordered_list_open")
_MD_LIST_ENDS = ("bullet_list_close", "ordered_list_close")


def _take_leading_h1(title: str | None, blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """The title and the blocks, without a leading ``<h1>``/``#`` that is the title.

    With no ``title`` yet, a leading level-1 heading becomes it. With one (from front
    matter), the heading is dropped only when it says the same thing; a different
    heading stays a block, so no words are lost.
    """
    if blocks and blocks[0].level == 1:
        h1 = blocks[0].text
        if title is None:
            return h1, blocks[1:]
        if h1.split() == title.split():
            return title, blocks[1:]
    return title, blocks


# ------------------------------------------------------------------------------ html

_HTML_DROP = (
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "noscript",
    "template",
    "svg",
    "iframe",
    "button",
    "select",
    "textarea",
    "dialog",
    "pre",
    "object",
    "embed",
    "canvas",
    "audio",
    "video",
)
_HTML_BLOCKS = frozenset(
    {
        "html",
        "body",
        "article",
        "main",
        "section",
        "div",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "caption",
        "address",
        "details",
        "summary",
        "hr",
        "center",
    }
)
_HTML_CELLS = frozenset({"td", "th"})
_HTML_LISTS = frozenset({"ul", "ol"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


def html_blocks(text: str) -> tuple[str | None, list[Block]]:
    """HTML: the article's headings, paragraphs, lists and other text blocks.

    ``<article>`` (else ``<main>``, else ``<body>``) is read; script, style, nav,
    header, footer, aside, form, noscript (and other non-prose elements, ``<pre>``,
    ``hidden`` and ``aria-hidden`` ones) are dropped. A ``<ul>`` or ``<ol>`` (with the
    lists nested in it) is one block; the text of each block element inside it (an
    ``<li>``, or a ``<p>`` in one) is an item. The title is a leading ``<h1>``,
    else an ``<h1>`` in a dropped part of the article (such as its ``<header>``),
    else ``<title>``, else the first ``<h1>`` anywhere.
    """
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag
    from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(text, "lxml")
    page_title = None
    if soup.title is not None:
        page_title = join_whitespace(clean_text(soup.title.get_text(" "))) or None
    root = soup.find("article") or soup.find("main") or soup.body or soup

    def h1_text(scope: Tag | BeautifulSoup | None) -> str | None:
        h1 = scope.find("h1") if scope is not None else None
        if h1 is None:
            return None
        return join_whitespace(clean_text(h1.get_text(" "))) or None

    root_h1 = h1_text(root)
    any_h1 = h1_text(soup)

    for tag in root.find_all(_HTML_DROP):
        if not tag.decomposed:
            tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
            tag.decompose()

    blocks: list[Block] = []
    parts: list[str] = []
    items: list[str] = []  # the items of the list being read
    current: object = None  # the block element the gathered text belongs to
    current_list: object = None  # the outermost <ul>/<ol> around it, if any
    skip_types = (Comment, CData, Declaration, Doctype, ProcessingInstruction)

    def owner(node: NavigableString | Tag) -> tuple[Tag | None, Tag | None]:
        """The nearest block element around ``node`` and the outermost list."""
        block: Tag | None = None
        outer_list: Tag | None = None
        parent = node.parent
        while parent is not None and parent is not root:
            if block is None and parent.name in _HTML_BLOCKS:
                block = parent
            if parent.name in _HTML_LISTS:
                outer_list = parent
            parent = parent.parent
        if block is None and isinstance(root, Tag):
            block = root
        return block, outer_list

    def flush() -> None:
        if parts and current is not None:
            content = join_whitespace(clean_text("".join(parts)))
            if content:
                if current_list is not None:
                    items.append(content)
                else:
                    name = getattr(current, "name", "")
                    blocks.append(Block(content, level=_HEADINGS.get(name, 0)))
        parts.clear()

    def flush_list() -> None:
        if items:
            blocks.append(Block.list_of(items))
            items.clear()

    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name == "br" or node.name in _HTML_CELLS:
                parts.append(" ")
            continue
        if not isinstance(node, NavigableString) or isinstance(node, skip_types):
            continue
        block, outer_list = owner(node)
        if block is not current or outer_list is not current_list:
            flush()
            if outer_list is not current_list:
                flush_list()
            current, current_list = block, outer_list
        parts.append(str(node))
    flush()
    flush_list()

    title, blocks = _take_leading_h1(None, blocks)
    if title is None:
        title = (root_h1 if root_h1 and root_h1 not in {b.text for b in blocks} else None) or (
            page_title or any_h1
        )
    return title, blocks


# ---------------------------------------------------------------------------- public


def guess_format(source: Path | str, override: str | None = None) -> str:
    """``txt``, ``md`` or ``html``: ``override`` if given, else from the extension."""
    name = source_name(source)
    if override:
        fmt = _FORMAT_ALIASES.get(override.strip().lower().lstrip("."))
        if fmt is None:
            raise InputError(f"{name}: unknown format {override!r} (expected txt, md or html)")
        return fmt
    if str(source) == "-":
        return "txt"
    return _EXTENSIONS.get(Path(source).suffix.lower(), "txt")


def extract_blocks(text: str, fmt: str) -> tuple[str | None, list[Block]]:
    """Blocks (and a markup title) of decoded ``text`` in format ``fmt``."""
    if fmt == "md":
        return markdown_blocks(text)
    if fmt == "html":
        return html_blocks(text)
    return None, split_paragraphs(text)


def load_text(
    source: Path | str, settings: TextSettings, *, stdin: BinaryIO | None = None
) -> LoadedText:
    """Read, decode and extract ``source``; raise ``InputError`` for anything unreadable.

    Messages (``<name>`` is the path as given, or ``<stdin>``)::

        <name>: no such file
        <name>: is a directory, not a file
        <name>: permission denied
        <name>: cannot be read (<OS reason>)
        <name>: file is empty                  (<stdin>: input is empty)
        <name>: looks like a binary file, not text
        <name>: unknown encoding '<enc>'
        <name>: cannot be decoded as <enc>
        <name>: text is too long (more than <max_chars> characters)
        <name>: file contains only whitespace
        <name>: unknown format '<fmt>' (expected txt, md or html)
        <name>: no readable text
    """
    name = source_name(source)
    fmt = guess_format(source, settings.format)
    data = read_bytes(source, max_chars=settings.max_chars, stdin=stdin)
    text, codec = decode_bytes(data, name, encoding=settings.encoding, fmt=fmt)
    del data
    if len(text) > settings.max_chars:
        raise _too_long(name, settings.max_chars)
    if not text.strip():
        raise InputError(f"{name}: file contains only whitespace")
    title, blocks = extract_blocks(text, fmt)
    if not any(_readable(b.text) for b in blocks):
        raise InputError(f"{name}: no readable text")
    log.debug("%s: %s, %s, %d blocks", name, fmt, codec, len(blocks))
    return LoadedText(name=name, format=fmt, encoding=codec, title=title, blocks=tuple(blocks))


def _readable(text: str) -> bool:
    """Whether ``text`` shows anything: a character that is not a space or format mark."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)
