"""HTML: the article's headings, paragraphs, lists and other text blocks."""

from __future__ import annotations

from typing import Any, NamedTuple

from .blocks import Block, clean_text, join_whitespace, take_leading_h1

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


_TOP = _Context(None, None, False)


def _hidden(tag: Any) -> bool:
    return tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true"


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

    blocks: list[Block] = []
    parts: list[str] = []
    items: list[str] = []  # the items of the list being read
    current: object = None  # the block element the gathered text belongs to
    current_list: object = None  # the outermost <ul>/<ol> around it, if any
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
        if up.dropped or tag.name in _HTML_DROP or _hidden(tag):
            return _Context(None, None, True)
        block = tag if tag.name in _HTML_BLOCKS else up.block
        in_list = up.outer_list
        outer_list = in_list if in_list is not None else (tag if tag.name in _HTML_LISTS else None)
        return _Context(block, outer_list, False)

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

    fallback = root if isinstance(root, Tag) else None
    for node in root.descendants:
        if isinstance(node, Tag):
            context = contexts[id(node)] = context_of(node)
            if not context.dropped and (node.name == "br" or node.name in _HTML_CELLS):
                parts.append(" ")
            continue
        if not isinstance(node, NavigableString) or isinstance(node, skip_types):
            continue
        context = contexts.get(id(node.parent), _TOP)
        if context.dropped:
            continue
        block = context.block if context.block is not None else fallback
        outer_list = context.outer_list
        if block is not current or outer_list is not current_list:
            flush()
            if outer_list is not current_list:
                flush_list()
            current, current_list = block, outer_list
        parts.append(str(node))
    flush()
    flush_list()

    title, blocks = take_leading_h1(None, blocks)
    if title is None:
        title = (root_h1 if root_h1 and root_h1 not in {b.text for b in blocks} else None) or (
            page_title or any_h1
        )
    return title, blocks
