"""Reading a review: bytes from a path or stdin -> decoded text -> readable blocks.

The stages, each with one gate that turns trouble into a one-line ``InputError``:

1. :func:`read_bytes` reads the file (or stdin). Errors name the file: ``no such
   file``, ``is a directory, not a file``, ``permission denied``, ``file is empty``.
2. :func:`decode_bytes` finds the encoding: an explicit ``TextSettings.encoding``
   wins; otherwise a byte-order mark that does not lie (UTF-8/16/32), strict UTF-8,
   UTF-8 with a few stray bytes (warned, with their offsets), an HTML ``<meta
   charset>``, then a guess among legacy code pages that refuses to guess when
   unsure (see :mod:`narrate.loading.decode` and :mod:`narrate.loading.guess`).
3. :func:`narrate.loading.frontmatter.split_header` cuts off a post's header (YAML,
   TOML, JSON front matter or a Pelican/MultiMarkdown ``Key: value`` block) in txt, md
   and mdx; :func:`narrate.loading.metafields.read_metadata` turns it (and a Jekyll
   date in the file name) into ``LoadedText.metadata``. The header is never a block.
4. :func:`extract_blocks` turns the body into :class:`Block` s with the format's reader
   (:data:`READERS`: txt, md, mdx, html). Display text keeps the original
   characters; runs of ASCII whitespace and line breaks are joined into one space,
   and control characters other than whitespace are removed (they are not
   readable). A Markdown or HTML list (bullet or numbered, nested lists included) is
   one block whose items are its lines.

Limits: a whole input may hold at most ``TextSettings.max_chars`` characters. A
longer one is refused with ``"<name>: text is too long (more than N characters)"``;
a file bigger than ``4 * max_chars`` bytes is refused with the same message before
it is read (no encoding needs more than four bytes per character).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..metadata import Metadata
from ..settings import TextSettings
from .blocks import LIST_SEPARATOR, PROSE_ONLY, Block, ReadOptions, clean_text, join_whitespace
from .decode import decode_bytes
from .frontmatter import Header, split_header
from .html import html_blocks, html_language
from .htmlmeta import html_header
from .markdown import markdown_blocks
from .mdx import mdx_blocks
from .metafields import Context, read_metadata
from .reading import STDIN_NAME, read_bytes, source_name, too_long
from .txt import split_paragraphs

__all__ = [
    "FORMATS",
    "HEADER_FORMATS",
    "LIST_SEPARATOR",
    "STDIN_NAME",
    "Block",
    "LoadedText",
    "ReadOptions",
    "READERS",
    "clean_text",
    "decode_bytes",
    "extract_blocks",
    "guess_format",
    "html_blocks",
    "join_whitespace",
    "load_text",
    "markdown_blocks",
    "read_bytes",
    "source_name",
    "split_paragraphs",
]

log = logging.getLogger(__name__)

FORMATS = ("txt", "md", "mdx", "html")

_FORMAT_ALIASES = {
    "txt": "txt",
    "text": "txt",
    "plain": "txt",
    "md": "md",
    "markdown": "md",
    "rmd": "md",
    "mdx": "mdx",
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
    ".rmd": "md",  # R Markdown: Markdown prose with R chunks (code blocks, not read)
    ".mdx": "mdx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}


@dataclass(frozen=True)
class LoadedText:
    """What :func:`load_text` found: the readable blocks and where they came from."""

    name: str  # the path as given, or "<stdin>"; used in every message
    format: str  # txt, md, mdx or html
    encoding: str  # the codec the bytes were decoded with
    title: str | None  # a title found in the header, else in the markup (<h1>, <title>)
    blocks: tuple[Block, ...]
    metadata: Metadata = field(default_factory=Metadata)  # the post's header, never spoken
    declared_language: str | None = None  # what the markup declares: <html lang="fr">


def guess_format(source: Path | str, override: str | None = None) -> str:
    """``txt``, ``md``, ``mdx`` or ``html``: ``override`` if given, else from the extension."""
    name = source_name(source)
    if override:
        fmt = _FORMAT_ALIASES.get(override.strip().lower().lstrip("."))
        if fmt is None:
            raise InputError(
                f"{name}: unknown format {override!r} (expected txt, md, mdx or html)"
            )
        return fmt
    if str(source) == "-":
        return "txt"
    return _EXTENSIONS.get(Path(source).suffix.lower(), "txt")


#: (text, what to read besides prose, the header's title) -> (title, blocks).
Reader = Callable[[str, ReadOptions, "str | None"], "tuple[str | None, list[Block]]"]


def _txt_blocks(
    text: str, options: ReadOptions = PROSE_ONLY, title: str | None = None
) -> tuple[str | None, list[Block]]:
    return title, split_paragraphs(text)


def _html_blocks(
    text: str, options: ReadOptions = PROSE_ONLY, title: str | None = None
) -> tuple[str | None, list[Block]]:
    found, blocks = html_blocks(text, options)
    return title or found, blocks


#: Format -> its reader.
READERS: dict[str, Reader] = {
    "txt": _txt_blocks,
    "md": markdown_blocks,
    "mdx": mdx_blocks,
    "html": _html_blocks,
}
#: The formats whose files may open with a header (front matter, a Pelican block).
HEADER_FORMATS = frozenset({"txt", "md", "mdx"})


def extract_blocks(
    text: str, fmt: str, options: ReadOptions = PROSE_ONLY, title: str | None = None
) -> tuple[str | None, list[Block]]:
    """Blocks (and a title) of decoded ``text`` (a post's body) in format ``fmt``.

    ``title`` is the header's: a leading level-1 heading that says the same is then
    not read twice, and one that differs stays a heading.
    """
    return READERS[fmt](text, options, title)


def read_options(settings: TextSettings) -> ReadOptions:
    """What the readers read besides prose, from the text settings."""
    return ReadOptions(footnotes=settings.footnotes != "skip", alt_text=settings.alt_text)


def load_text(
    source: Path | str, settings: TextSettings, *, stdin: BinaryIO | None = None
) -> LoadedText:
    """Read, decode and extract ``source``; raise ``InputError`` for anything unreadable.

    Messages (``<name>`` is the path as given, or ``<stdin>``): those of reading
    (:mod:`narrate.loading.reading`: no such file, too long, stdin closed ...), and::

        <name>: looks like a binary file, not text
        <name>: unknown encoding '<enc>'
        <name>: cannot be decoded as <enc>
        <name>: cannot tell the encoding (it reads as <a> or <b>); name it with --encoding
        <name>: not UTF-8, and no encoding narrate knows reads it cleanly; name it with ...
        <name>: file contains only whitespace
        <name>: unknown format '<fmt>' (expected txt, md, mdx or html)
        <name>: no readable text
    """
    name = source_name(source)
    fmt = guess_format(source, settings.format)
    data = read_bytes(source, max_chars=settings.max_chars, stdin=stdin)
    text, codec = decode_bytes(data, name, encoding=settings.encoding, fmt=fmt)
    del data
    if len(text) > settings.max_chars:
        raise too_long(name, settings.max_chars)
    if not text.strip():
        raise InputError(f"{name}: file contains only whitespace")
    path = None if str(source) == "-" else Path(source)
    context = Context(name, path, settings.site_root)
    headings: set[str] = set()
    if fmt in HEADER_FORMATS:
        header = split_header(text, name)
        meta = read_metadata(header.fields, context)
        text = header.body
        log.debug("%s: %s header, %d lines", name, header.kind or "no", header.lines)
    elif fmt == "html":
        # Jekyll and Hugo read a YAML or TOML header on an .html page too; a page's own
        # <meta> fills in what its header does not say.
        header = split_header(text, name)
        if header.kind not in ("yaml", "toml"):
            header = Header("", {}, text)
        text = header.body
        fields, headings = html_header(text)
        meta = read_metadata({**fields, **header.fields}, context)
    else:
        meta = read_metadata({}, context)
    if fmt == "html":  # the page's <meta> title wins over its <h1>, which is then read
        found, blocks = extract_blocks(text, fmt, read_options(settings))
        title = meta.title or found
        if meta.title and found in headings and found.split() != meta.title.split():
            blocks = [Block(found, level=1), *blocks]
    else:
        title, blocks = extract_blocks(text, fmt, read_options(settings), meta.title)
    if not any(_readable(b.text) for b in blocks):
        raise InputError(f"{name}: no readable text")
    log.debug("%s: %s, %s, %d blocks", name, fmt, codec, len(blocks))
    declared = html_language(text) if fmt == "html" else None
    return LoadedText(name=name, format=fmt, encoding=codec, title=title, blocks=tuple(blocks),
                      metadata=meta, declared_language=declared)  # fmt: skip


def _readable(text: str) -> bool:
    """Whether ``text`` shows anything: a character that is not a space or format mark."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)
