"""Tables: one block, each row read as one sentence of "header: value" pairs.

A Markdown or HTML table is one :class:`Block` of ``kind="table"`` whose items are
its rows, so it is one chapter (or part of its section's chapter), never a chapter
per row. A row reads as ``"Film: Pain and Glory; Score: 5"``: each cell after its
column's header, the pairs joined by ``"; "``. A cell with no header, or the same
text as its header, reads alone; an empty cell is left out. A table with a header
row and no body reads its header row as its one item.

An HTML table any of whose cells holds block elements (paragraphs, lists, other
tables) lays a page out rather than holding data: :func:`is_data_table` says no,
and its cells are read as the page's ordinary blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .blocks import LIST_SEPARATOR, Block, clean_text, join_whitespace

_LAYOUT = frozenset(
    {"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
     "section", "article", "figure", "pre", "dl"}
)  # fmt: skip


def row_text(header: Sequence[str], cells: Sequence[str]) -> str:
    """One row as one sentence of ``header: value`` pairs (see the module docstring)."""
    pairs: list[str] = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        head = header[i] if i < len(header) else ""
        pairs.append(f"{head}: {cell}" if head and head != cell else cell)
    return "; ".join(pairs)


def table_block(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Block | None:
    """The table's block, or None when no cell holds text."""
    items = [text for row in rows if (text := row_text(header, row))]
    if not items:
        items = [text] if (text := "; ".join(c for c in header if c)) else []
    if not items:
        return None
    return Block(LIST_SEPARATOR.join(items), items=tuple(items), kind="table")


def _cell_text(cell: Any) -> str:
    return join_whitespace(clean_text(cell.get_text(" ")))


def is_data_table(table: Any) -> bool:
    """Whether the bs4 ``<table>`` holds data (no block element in any cell)."""
    return table.find(list(_LAYOUT)) is None


def html_table_block(table: Any, cell_text: Any = _cell_text) -> Block | None:
    """The block of a data ``<table>`` (a bs4 Tag); ``cell_text`` reads one cell.

    The header is the ``<thead>`` row, else a first row made only of ``<th>`` cells.
    """
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid = [[cell_text(td) for td in tr.find_all(["td", "th"], recursive=False)] for tr in rows]
    header: list[str] = []
    if rows:
        first = rows[0]
        cells = first.find_all(["td", "th"], recursive=False)
        if first.find_parent("thead") is not None or (cells and all(c.name == "th" for c in cells)):
            header, grid = grid[0], grid[1:]
    return table_block(header, grid)
