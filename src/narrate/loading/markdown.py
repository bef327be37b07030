"""Markdown: headings, paragraphs, lists, quotes, tables and footnotes as blocks."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from .blocks import PROSE_ONLY, Block, ReadOptions, clean_text, join_whitespace, take_leading_h1
from .footnotes import notes_blocks
from .html import html_fragment_blocks, html_inline_text
from .markup import strip_site_syntax
from .tables import table_block

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token


# markdown-it stops parsing at ``maxNesting`` block levels and silently drops the
# rest of the container (commonmark's default is 20: ten nested lists). Here the
# containers deeper than FLAT_DEPTH levels are read flat instead (see
# :func:`_read_deep_flat`), so nothing is lost and the parser's recursion stays
# bounded. Each nested tokenize call is at most two levels deeper than its parent,
# so MAX_NESTING is never reached by blocks; it still bounds inline nesting.
FLAT_DEPTH = 60
MAX_NESTING = 100
_CONTAINER_MARKS = re.compile(r"^[ \t]*(?:(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)*")
_ITEM_MARK = re.compile(r"(?:[-+*]|\d{1,9}[.)])[ \t]*\Z")
_HEADING_MARK = re.compile(r"^#{1,6}(?:[ \t]+|$)")


def _flat_paragraphs(lines: list[str]) -> list[str]:
    """The text of deeply nested lines, container marks removed, as paragraphs.

    A blank line (after the marks) ends a paragraph, and so does a list marker,
    which starts an item: every word stays, in order.
    """
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        marks = _CONTAINER_MARKS.match(line)
        prefix = marks.group(0) if marks else ""
        rest = _HEADING_MARK.sub("", line[len(prefix) :]).strip()
        if current and (not rest or _ITEM_MARK.search(prefix)):
            paragraphs.append(current)
            current = []
        if rest:
            current.append(rest)
    if current:
        paragraphs.append(current)
    return ["\n".join(p) for p in paragraphs]


def _read_deep_flat(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Block rule, tried first: past FLAT_DEPTH levels, the rest of the container is
    read as plain paragraphs (inline markup still parsed) instead of nested deeper.

    The container ends where CommonMark ends it: at a line less indented than the
    container's content after a blank line (a list item's range runs to the end of
    the document, so the rule must stop there itself, or the paragraph after a deep
    list would be read as one of its items).
    """
    if silent or state.level < FLAT_DEPTH:
        return False
    for line in range(start + 1, end):
        if (state.isEmpty(line - 1) and not state.isEmpty(line)
                and state.sCount[line] < state.blkIndent):  # fmt: skip
            end = line
            break
    lines = state.getLines(start, end, state.blkIndent, False).split("\n")
    for paragraph in _flat_paragraphs(lines):
        state.push("paragraph_open", "p", 1).map = [start, end]
        token = state.push("inline", "", 0)
        token.content = paragraph
        token.map = [start, end]
        token.children = []
        state.push("paragraph_close", "p", -1)
    state.line = end
    return True


def make_parser() -> MarkdownIt:
    """CommonMark with tables, strikethrough and footnotes, reading any depth of nesting.

    Footnotes come from mdit-py-plugins (the plugin set maintained with markdown-it-py):
    its parser knows reference and inline notes, multi-paragraph notes and where a
    ``[^1]`` is only text, which a hand-written pattern would get wrong.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.admon import admon_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(admon_plugin)  # MkDocs' "!!! note" admonitions
    md.core.ruler.before("footnote_tail", "narrate_every_note", _keep_every_note)
    first = md.block.ruler.get_all_rules()[0]
    md.block.ruler.before(first, "narrate_deep_flat", _read_deep_flat)
    return md


def _keep_every_note(state: StateCore) -> None:
    """Core rule, before the plugin moves the notes to the end: a note defined but
    never referenced (or referenced only from raw HTML) is kept too, after the others,
    so its words are read with the notes rather than lost."""
    notes = state.env.get("footnotes")
    if not notes:
        return
    refs, listed = notes.setdefault("refs", {}), notes.setdefault("list", {})
    for key, note_id in refs.items():
        if note_id < 0:
            refs[key] = len(listed)
            listed[len(listed)] = {"label": key[1:], "count": 0}


def _markdown_inline(md: MarkdownIt, children: list[Token], options: ReadOptions) -> str:
    """The text of an inline token: markup, footnote marks and link targets left out.

    Inline HTML (tags inside the paragraph) is rendered with the rest of the
    paragraph and read by the HTML reader, so it reads as an .html file would;
    a paragraph whose tags only format text (``<b>``, ``<span>``, ``<a>``, ``<br>``,
    comments ...) is read directly, which reads the same at a third of the cost.
    """
    children = [c for c in children if c.type != "footnote_ref"]
    if any(c.type == "html_inline" and not _FORMATTING.match(c.content) for c in children):
        return html_inline_text(md.renderer.renderInline(children, md.options, {}), options)
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or _BREAK.match(child.content):
            parts.append(" ")
        elif child.type == "image" and options.alt_text and child.content.strip():
            parts.append(f" {child.content} ")
        # images, markup open/close tokens: nothing
    return join_whitespace(clean_text("".join(parts)))


def inline_text(text: str, options: ReadOptions = PROSE_ONLY) -> str:
    """One line of Markdown (a title from a post's header) as plain text: emphasis,
    links, inline HTML and site syntax read as in a paragraph, entities decoded
    ("Pain &amp; *Glory*&#160;2019" is "Pain & Glory\u00a02019")."""
    md = make_parser()
    tokens = md.parseInline(strip_site_syntax(clean_text(text)).strip())
    return _markdown_inline(md, tokens[0].children or [] if tokens else [], options)


_TAG = re.compile(r"(<[^<>]*>)")
# Inline tags that only format the text between them (or break a line, or comment);
# a hidden or aria-hidden one goes to the HTML reader, which drops its text.
_FORMATTING = re.compile(
    r"<(?![^<>]*hidden)(?:/?(?:a|abbr|b|bdi|bdo|big|br|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|small"
    r"|span|strike|strong|sub|time|tt|u|var|wbr)\b[^<>]*|!--.*?--)>\Z",
    re.I | re.S,
)
_BREAK = re.compile(r"<br\b", re.I)
_QUOTE_OPEN = re.compile(r"<blockquote\b", re.I)
_QUOTE_CLOSE = re.compile(r"</blockquote\s*>", re.I)
_MD_MARKS = re.compile(r"[*_`\\\[\]!]")


def _markdown_in_html(md: MarkdownIt, fragment: str, env: dict) -> str:
    """An HTML block with the Markdown in its text rendered, as pandoc and most site
    generators do: ``<a href="…">`` then ``![alt](img.png)`` on the next line is an
    image, not text. Text between tags without a Markdown mark is left as it is."""
    parts = _TAG.split(fragment)
    for i in range(0, len(parts), 2):  # the text between tags (tags are odd)
        if _MD_MARKS.search(parts[i]):
            parts[i] = md.renderInline(parts[i], env)
    return "".join(parts)


def markdown_blocks(
    text: str, options: ReadOptions = PROSE_ONLY, title: str | None = None
) -> tuple[str | None, list[Block]]:
    """Markdown: headings, paragraphs, lists, quotes, tables and footnotes.

    Site-generator syntax (shortcodes, Liquid, kramdown attributes, wikilinks: see
    :mod:`narrate.loading.markup`) is taken out first. Emphasis, link and code markup
    is stripped (the link and code text is kept, the link target never); images are
    not read (their alt text is, with ``options.alt_text``); code blocks are not read.
    Raw HTML goes through the HTML reader. A list (its nested lists included) is one
    block; every paragraph, heading or table row inside it is an item. A block quote's
    blocks have ``kind="quote"``; a table is one block of ``kind="table"`` whose items
    are its rows; footnote definitions are read at the end as one "Notes" chapter
    (unless ``options.footnotes`` is off), and their marks never. The title is
    ``title`` (the post header's, cut off before this by
    :mod:`narrate.loading.frontmatter`), else a leading level-1 heading. A leading
    level-1 heading is not a block when it is the title (no header title, or the same
    text as it); otherwise it stays a heading, so its words are read.
    """
    text = clean_text(text)
    text = strip_site_syntax(text)

    md = make_parser()
    blocks: list[Block] = []
    notes: list[str] = []
    note: list[str] = []  # the paragraphs of the footnote being read
    header: list[str] = []  # the table being read: its header cells, rows, current row
    rows: list[list[str]] = []
    row: list[str] = []
    context: list[Token] = []
    items: list[str] = []  # the items of the list being read
    lists = 0  # how deep inside lists the current token is
    quotes = 0  # how deep inside block quotes (Markdown ">")
    raw_quotes = 0  # <blockquote>s opened in raw HTML blocks and not yet closed
    in_note = False

    def add(content: str, level: int = 0) -> None:
        if in_note:
            note.append(content)
        elif lists:
            items.append(content)
        else:
            quoted = quotes or raw_quotes
            blocks.append(Block(content, level=level, kind="quote" if quoted else "paragraph"))

    env: dict = {}
    for tok in md.parse(text, env):
        if tok.nesting == 1:
            context.append(tok)
            if tok.type == "tr_open":
                row = []
            elif tok.type == "table_open":
                header, rows = [], []
            elif tok.type in _MD_LISTS:
                lists += 1
            elif tok.type == "blockquote_open":
                quotes += 1
            elif tok.type == "footnote_open":
                in_note = True
        elif tok.nesting == -1:
            if context:
                context.pop()
            if tok.type == "tr_close":
                if any(c.type == "thead_open" for c in context):
                    header = row
                else:
                    rows.append(row)
            elif tok.type == "table_close":
                table = table_block(header, rows)
                if table is not None and lists:
                    items.extend(table.items)
                elif table is not None:
                    blocks.append(table)
            elif tok.type in _MD_LIST_ENDS:
                lists -= 1
                if not lists and items:
                    block = Block.list_of(items)
                    quoted = quotes or raw_quotes
                    blocks.append(replace(block, kind="quote") if quoted else block)
                    items.clear()
            elif tok.type == "blockquote_close":
                quotes -= 1
            elif tok.type == "footnote_close":
                in_note = False
                notes.append(" ".join(note))
                note.clear()
        elif tok.type == "inline":
            content = _markdown_inline(md, tok.children or [], options)
            parent = context[-1] if context else None
            if parent is not None and parent.type == "heading_open":
                if content:
                    add(content, level=int(parent.tag[1:] or 1))
            elif parent is not None and parent.type in ("th_open", "td_open"):
                row.append(content)
            elif content:
                add(content)
        elif tok.type == "html_block":
            fragment = _markdown_in_html(md, tok.content, env)
            found, html_notes = html_fragment_blocks(fragment, options)
            notes.extend(html_notes)
            for block in found:
                if lists or in_note:
                    for item in block.items or (block.text,):
                        add(item)
                elif (quotes or raw_quotes) and block.kind == "paragraph":
                    blocks.append(replace(block, kind="quote"))
                else:
                    blocks.append(block)
            opened = len(_QUOTE_OPEN.findall(tok.content)) - len(_QUOTE_CLOSE.findall(tok.content))
            raw_quotes = max(0, raw_quotes + opened)
        # fence, code_block, hr: not read aloud
    if options.footnotes:
        blocks.extend(notes_blocks(notes))
    return take_leading_h1(title, blocks)


_MD_LISTS = ("bullet_list_open", "ordered_list_open")
_MD_LIST_ENDS = ("bullet_list_close", "ordered_list_close")
