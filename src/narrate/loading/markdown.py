"""Markdown: headings, paragraphs, lists, quotes and table rows as blocks."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .blocks import Block, clean_text, join_whitespace, take_leading_h1

if TYPE_CHECKING:
    from markdown_it.token import Token

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
    return take_leading_h1(title, blocks)


_MD_LISTS = ("bullet_list_open", "ordered_list_open")
_MD_LIST_ENDS = ("bullet_list_close", "ordered_list_close")
