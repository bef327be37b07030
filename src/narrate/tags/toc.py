"""The ID3 table of contents (CTOC frames) of any number of chapters, and reading it back.

A CTOC frame lists at most 255 entries (its entry count is one byte). The layout:

* Up to 255 chapters: one top-level, ordered CTOC ``toc`` lists every CHAP.
* More: the top-level CTOC lists child CTOCs, in order, and each child lists at most
  255 CHAPs. The children are the document's sections (a Markdown/HTML heading and
  the chapters up to the next one, ``Chapter.section``) when it has more than one and
  they make at most 255 tables; a section of more than 255 chapters is split into
  parts. Otherwise the children are fixed groups of 255 chapters ("Chapters 1–255").
  Past 255 tables (over 65,025 chapters) the tables are grouped the same way again,
  level by level, so every CTOC stays within 255 entries.

Every child CTOC is ordered and has a TIT2 title. The CHAP frames themselves are
written after the CTOCs in chapter order (see ``narrate.tags.write``), for players that
read CHAP frames in file order and ignore the CTOCs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .data import Chapter

MAX_ENTRIES = 255  # entries of one CTOC frame
TOC_ID = "toc"  # the top-level CTOC; child tables are toc1, toc2, ...


@dataclass(frozen=True)
class Toc:
    """One CTOC frame: its element id, its TIT2 title (None for the top level), and the
    element ids it lists, in order."""

    element_id: str
    title: str | None
    children: tuple[str, ...]
    top_level: bool = False


def _chunks(items: Sequence[str], size: int = MAX_ENTRIES) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def _section_tables(chapters: Sequence[Chapter]) -> list[tuple[str, tuple[str, ...]]] | None:
    """(title, chapter ids) per section, a long section in parts; None if no sections."""
    runs: list[list[Chapter]] = []
    for ch in chapters:
        if runs and ch.section == runs[-1][0].section:
            runs[-1].append(ch)
        else:
            runs.append([ch])
    if len(runs) < 2 or any(run[0].section is None for run in runs):
        return None
    tables = []
    for run in runs:
        parts = _chunks([c.element_id for c in run])
        for k, ids in enumerate(parts, start=1):
            title = run[0].title if len(parts) == 1 else f"{run[0].title} ({k}/{len(parts)})"
            tables.append((title, ids))
    return tables if len(tables) <= MAX_ENTRIES else None


def _fixed_tables(chapters: Sequence[Chapter]) -> list[tuple[str, tuple[str, ...]]]:
    tables = []
    for k, ids in enumerate(_chunks([c.element_id for c in chapters])):
        first = k * MAX_ENTRIES + 1
        tables.append((f"Chapters {first}\u2013{first + len(ids) - 1}", ids))
    return tables


def toc_tree(chapters: Sequence[Chapter]) -> list[Toc]:
    """The CTOC frames for ``chapters`` (in order), the top-level one first."""
    if not chapters:
        return []
    ids = [c.element_id for c in chapters]
    if len(ids) <= MAX_ENTRIES:
        return [Toc(TOC_ID, None, tuple(ids), top_level=True)]
    tables = _section_tables(chapters) or _fixed_tables(chapters)
    nodes: list[Toc] = []
    level: list[Toc] = []
    for title, children in tables:
        level.append(Toc(f"{TOC_ID}{len(nodes) + len(level) + 1}", title, children))
    while len(level) > MAX_ENTRIES:  # over 65,025 chapters: group the tables again
        nodes.extend(level)
        groups = _chunks([t.element_id for t in level])
        level = [
            Toc(f"{TOC_ID}{len(nodes) + k + 1}", f"Part {k + 1}", group)
            for k, group in enumerate(groups)
        ]
    nodes.extend(level)
    top = Toc(TOC_ID, None, tuple(t.element_id for t in level), top_level=True)
    return [top, *nodes]


def ordered_ids(
    tocs: dict[str, tuple[bool, Sequence[str]]], chapter_ids: Iterable[str]
) -> list[str]:
    """Chapter ids in table-of-contents order, walking nested CTOCs depth first.

    ``tocs`` maps a CTOC's element id to (top-level flag, child ids). Top-level tables
    come first, then tables nobody lists; a cycle or a repeated entry is walked once.
    Chapters no table lists are left out (the caller appends them).
    """
    chapters = set(chapter_ids)
    listed = {c for _, children in tocs.values() for c in children}
    roots = [eid for eid, (top, _) in tocs.items() if top]
    roots += [eid for eid in tocs if eid not in listed and eid not in roots]
    order: list[str] = []
    seen: set[str] = set()
    visiting: set[str] = set()
    stack: list[str] = list(reversed(roots))  # iterative: no recursion limit to hit
    while stack:
        eid = stack.pop()
        if eid in chapters:
            if eid not in seen:
                seen.add(eid)
                order.append(eid)
        elif eid in tocs and eid not in visiting:
            visiting.add(eid)
            stack.extend(reversed(tocs[eid][1]))
    return order
