"""HTML: the article's headings, paragraphs, lists and other text blocks."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from typing import Any, NamedTuple

from .article import article_root, page_title
from .blocks import PROSE_ONLY, Block, ReadOptions, clean_text, join_whitespace, take_leading_h1
from .footnotes import is_note_mark, is_notes_section, notes_blocks
from .markup import strip_template_syntax
from .tables import html_table_block, is_data_table

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


class _Context(NamedTuple):
    block: Any  # the nearest block element (a bs4 Tag), or None
    outer_list: Any  # the outermost <ul>/<ol>, or None
    dropped: bool  # inside a dropped or hidden element
    quote: bool = False  # inside a <blockquote>


_TOP = _Context(None, None, False)
_DROPPED = _Context(None, None, True)


def _hidden(tag: Any) -> bool:
    return tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true"


def _text_of(tag: Any) -> str:
    """The text of an element, its footnote marks and back-links left out."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []
    marks: set[int] = set()
    for node in tag.descendants:
        if isinstance(node, Tag):
            if id(node.parent) in marks or is_note_mark(node) or node.name in _HTML_DROP:
                marks.add(id(node))
            elif node.name == "br" or node.name in _HTML_BLOCKS or node.name in _HTML_CELLS:
                parts.append(" ")
        elif type(node) is NavigableString and id(node.parent) not in marks:
            parts.append(str(node))
    return join_whitespace(clean_text("".join(parts)))


def read_html(root: Any, options: ReadOptions = PROSE_ONLY) -> tuple[list[Block], list[str]]:
    """The blocks of the bs4 element ``root`` and the texts of its footnotes.

    Dropped: the elements of ``_HTML_DROP``, ``hidden`` and ``aria-hidden`` ones,
    footnote marks (:func:`~narrate.loading.footnotes.is_note_mark`) and every
    attribute; an ``<img>``'s alt text is read only with ``options.alt_text``. A data
    ``<table>`` is one block of ``kind="table"``; text inside a ``<blockquote>`` is in
    blocks of ``kind="quote"``; a footnotes section's items are returned apart.
    """
    from bs4 import Comment, NavigableString, Tag
    from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

    blocks: list[Block] = []
    notes: list[str] = []
    parts: list[str] = []
    items: list[str] = []  # the items of the list being read
    current: object = None  # the block element the gathered text belongs to
    current_list: object = None  # the outermost <ul>/<ol> around it, if any
    current_quote = False
    skip_types = (Comment, CData, Declaration, Doctype, ProcessingInstruction)

    # Each element's context, filled in document order (a parent before its
    # children), keyed by id: the nearest block element, the outermost list, and
    # whether it is dropped (or inside a dropped one). Finding the owner of a text
    # node is one look-up, never a walk up the tree: linear in a 10,000-deep one.
    # (bs4's ``decompose``/``decomposed`` are avoided: ``decomposed`` searches the
    # subtree, which makes a deep document quadratic.)
    contexts: dict[int, _Context] = {id(root): _Context(None, None, False)}

    def context_of(tag: Tag) -> _Context:
        up = contexts.get(id(tag.parent), _TOP)
        if up.dropped or tag.name in _HTML_DROP or _hidden(tag) or is_note_mark(tag):
            return _DROPPED
        block = tag if tag.name in _HTML_BLOCKS else up.block
        in_list = up.outer_list
        outer_list = in_list if in_list is not None else (tag if tag.name in _HTML_LISTS else None)
        return _Context(block, outer_list, False, up.quote or tag.name == "blockquote")

    def flush() -> None:
        if parts and current is not None:
            content = join_whitespace(clean_text("".join(parts)))
            if content:
                if current_list is not None:
                    items.append(content)
                else:
                    name = getattr(current, "name", "")
                    kind = "quote" if current_quote else "paragraph"
                    blocks.append(Block(content, level=_HEADINGS.get(name, 0), kind=kind))
        parts.clear()

    def flush_list() -> None:
        if items:
            block = Block.list_of(items)
            blocks.append(replace(block, kind="quote") if current_quote else block)
            items.clear()

    def take_table(tag: Tag, context: _Context) -> bool:
        """Read a data table at once, as one block; True when ``tag`` was one."""
        if tag.name != "table" or not is_data_table(tag):
            return False
        flush()
        table = html_table_block(tag, _text_of)
        if table is not None:
            if context.outer_list is not None:
                items.extend(table.items)
            else:
                flush_list()
                blocks.append(replace(table, kind="table"))
        return True

    fallback = root if isinstance(root, Tag) else None

    def take_text(context: _Context, text: str) -> None:
        nonlocal current, current_list, current_quote
        block = context.block if context.block is not None else fallback
        outer_list = context.outer_list
        if block is not current or outer_list is not current_list:
            flush()
            if outer_list is not current_list:
                flush_list()
            current, current_list, current_quote = block, outer_list, context.quote
        parts.append(text)

    for node in root.descendants:
        if isinstance(node, Tag):
            if not contexts.get(id(node.parent), _TOP).dropped and is_notes_section(node):
                found = [_text_of(li) for li in node.find_all("li")] or [_text_of(node)]
                notes.extend(n for n in found if n)
                contexts[id(node)] = _DROPPED
                continue
            context = contexts[id(node)] = context_of(node)
            if context.dropped:
                continue
            if take_table(node, context):
                contexts[id(node)] = _DROPPED
            elif node.name == "br" or node.name in _HTML_CELLS:
                parts.append(" ")
            elif node.name == "img" and options.alt_text and str(node.get("alt", "")).strip():
                take_text(context, f" {node['alt']} ")
            continue
        if not isinstance(node, NavigableString) or isinstance(node, skip_types):
            continue
        context = contexts.get(id(node.parent), _TOP)
        if not context.dropped:
            take_text(context, str(node))
    flush()
    flush_list()
    return blocks, notes


def html_fragment_blocks(
    fragment: str, options: ReadOptions = PROSE_ONLY
) -> tuple[list[Block], list[str]]:
    """The blocks and footnote texts of a piece of HTML (raw HTML inside Markdown)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "lxml")
    return read_html(soup.body or soup, options)


def html_inline_text(fragment: str, options: ReadOptions = PROSE_ONLY) -> str:
    """The text of inline HTML (a Markdown paragraph with tags in it), as one line."""
    blocks, _ = html_fragment_blocks(fragment, options)
    return " ".join(b.text for b in blocks)


def html_blocks(text: str, options: ReadOptions = PROSE_ONLY) -> tuple[str | None, list[Block]]:
    """HTML: the article's headings, paragraphs, lists and other text blocks.

    The article is read (:func:`~narrate.loading.article.article_root`: ``<article>``,
    else ``<main>``, else what readability finds on a page with a site around its
    text, else ``<body>``); script, style, nav,
    header, footer, aside, form, noscript (and other non-prose elements, ``<pre>``,
    ``hidden`` and ``aria-hidden`` ones) are dropped. A ``<ul>`` or ``<ol>`` (with the
    lists nested in it) is one block; the text of each block element inside it (an
    ``<li>``, or a ``<p>`` in one) is an item. Footnotes are read at the end, as one
    "Notes" chapter (unless ``options.footnotes`` is off). The title is a leading
    ``<h1>``, else an ``<h1>`` in a dropped part of the article (such as its
    ``<header>``), else ``<title>``, else the first ``<h1>`` anywhere.
    """
    from bs4 import BeautifulSoup, Tag

    text = strip_template_syntax(text)
    soup = BeautifulSoup(text, "lxml")
    title_tag = page_title(soup)
    root = article_root(soup, text)

    def h1_text(scope: Tag | BeautifulSoup | None) -> str | None:
        h1 = scope.find("h1") if scope is not None else None
        if h1 is None:
            return None
        return join_whitespace(clean_text(h1.get_text(" "))) or None

    root_h1 = h1_text(root)
    any_h1 = h1_text(soup)
    blocks, notes = read_html(root, options)
    if options.footnotes:
        blocks.extend(notes_blocks(notes))

    title, blocks = take_leading_h1(None, blocks)
    if title is None:
        title = (root_h1 if root_h1 and root_h1 not in {b.text for b in blocks} else None) or (
            title_tag or any_h1
        )
    return title, blocks


class _HtmlLang(HTMLParser):
    """Stops at the first ``<html>`` start tag and keeps its ``lang`` (or ``xml:lang``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag in ("html", "body", "head"):  # past <html>: it had no lang
            values = dict(attrs)
            self.lang = (values.get("lang") or values.get("xml:lang") or "").strip() or None
            self.done = True


def html_language(text: str, limit: int = 65_536) -> str | None:
    """The language an HTML page declares, ``<html lang="fr">``, as written; None without.
    Only the page's start is parsed (the attribute is on its first element)."""
    parser = _HtmlLang()
    head = text[:limit]
    for start in range(0, len(head), 4096):  # fed in pieces: it stops at <html>
        parser.feed(head[start : start + 4096])
        if parser.done:
            break
    return parser.lang if parser.done else None
