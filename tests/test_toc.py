"""Any number of chapters: the CTOC hierarchy, read back by ffprobe, mutagen, eyeD3, us.

An ID3 CTOC frame lists at most 255 entries. Past that narrate writes a top-level CTOC
of child CTOCs (the document's sections, else groups of 255), and every reader must
still list every chapter, in order.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import eyed3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3, CTOCFlags

from narrate.tags import (
    MAX_ENTRIES,
    TOC_ID,
    Chapter,
    TagData,
    check_tag_data,
    read_tags,
    toc_tree,
    write_tags,
)
from narrate.tags.toc import ordered_ids

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)


def chapters(n: int, section_size: int | None = None) -> tuple[Chapter, ...]:
    return tuple(
        Chapter(
            f"chp{i}",
            f"Section {i // section_size} opens" if section_size and i % section_size == 0
            else f"Paragraph {i} 😀",
            i * 0.5,
            (i + 1) * 0.5,
            section=i // section_size if section_size else None,
        )
        for i in range(n)
    )  # fmt: skip


def flat(tree, chapter_ids) -> list[str]:
    return ordered_ids({t.element_id: (t.top_level, t.children) for t in tree}, chapter_ids)


# --------------------------------------------------------------------------- the layout


def test_up_to_255_chapters_is_one_flat_table() -> None:
    for n in (1, 2, 254, 255):
        (top,) = toc_tree(chapters(n))
        assert (top.element_id, top.top_level, top.title) == (TOC_ID, True, None)
        assert top.children == tuple(f"chp{i}" for i in range(n))
    assert toc_tree(()) == []


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(256, [255, 1]), (510, [255, 255]), (1400, [255] * 5 + [125])],
)
def test_without_sections_children_are_groups_of_255(n: int, sizes: list[int]) -> None:
    top, *kids = toc_tree(chapters(n))
    assert top.top_level and top.children == tuple(k.element_id for k in kids)
    assert [len(k.children) for k in kids] == sizes
    assert [k.element_id for k in kids] == [f"toc{i}" for i in range(1, len(kids) + 1)]
    assert kids[0].title == "Chapters 1–255"
    assert kids[-1].title == f"Chapters {255 * (len(kids) - 1) + 1}–{n}"
    assert not any(k.top_level for k in kids)


def test_sections_become_the_child_tables() -> None:
    top, *kids = toc_tree(chapters(1400, section_size=200))
    assert [k.title for k in kids] == [f"Section {s} opens" for s in range(7)]
    assert all(len(k.children) == 200 for k in kids)
    assert top.children == tuple(k.element_id for k in kids)


def test_a_long_section_is_split_into_parts() -> None:
    chs = chapters(700, section_size=600)  # sections of 600 and 100
    _, *kids = toc_tree(chs)
    assert [(k.title, len(k.children)) for k in kids] == [
        ("Section 0 opens (1/3)", 255),
        ("Section 0 opens (2/3)", 255),
        ("Section 0 opens (3/3)", 90),
        ("Section 1 opens", 100),
    ]


def test_too_many_sections_fall_back_to_groups() -> None:
    _, *kids = toc_tree(chapters(600, section_size=2))  # 300 sections > 255 tables
    assert [len(k.children) for k in kids] == [255, 255, 90]


def test_past_65025_chapters_the_tables_nest_again() -> None:
    n = 255 * 255 + 1
    chs = chapters(n)
    tree = toc_tree(chs)
    assert all(len(t.children) <= MAX_ENTRIES for t in tree)
    top = tree[0]
    assert top.top_level and len(top.children) == 2
    assert flat(tree, {c.element_id for c in chs}) == [c.element_id for c in chs]
    assert len({t.element_id for t in tree}) == len(tree)


@st.composite
def sectioned(draw: st.DrawFn) -> tuple[Chapter, ...]:
    runs = draw(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8))
    with_sections = draw(st.booleans())
    out = []
    for s, size in enumerate(runs):
        for _ in range(size):
            i = len(out)
            out.append(Chapter(f"chp{i}", f"t{i}", i, i + 1, s if with_sections else None))
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(sectioned())
def test_every_table_fits_and_lists_every_chapter_once_in_order(chs) -> None:
    tree = toc_tree(chs)
    ids = [c.element_id for c in chs]
    assert all(1 <= len(t.children) <= MAX_ENTRIES for t in tree)
    assert [t.top_level for t in tree] == [True] + [False] * (len(tree) - 1)
    assert flat(tree, set(ids)) == ids
    listed = [c for t in tree for c in t.children if c in set(ids)]
    assert sorted(listed) == sorted(ids)  # each chapter in exactly one table
    assert not {t.element_id for t in tree} & set(ids)
    check_tag_data(TagData(title="t", chapters=chs))


def test_a_chapter_id_that_is_a_table_id_is_refused() -> None:
    chs = (*chapters(300)[:-1], Chapter("toc1", "clash", 149.5, 150.0))
    with pytest.raises(ValueError, match="bad chapter element id 'toc1': a table of contents"):
        check_tag_data(TagData(title="t", chapters=chs))
    check_tag_data(TagData(title="t", chapters=(Chapter("toc1", "fine", 0, 1),)))  # flat


# --------------------------------------------------------------------- real MP3 readers


def ffprobe_chapters(path: Path) -> list[tuple[int, int, str]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [(c["start"], c["end"], c["tags"]["title"]) for c in json.loads(out)["chapters"]]


def eyed3_order(path: Path) -> list[tuple[str, int, int, str]]:
    """eyeD3's own parse, walked from its top-level table of contents."""
    tag = eyed3.load(str(path)).tag
    tocs = {t.element_id: t for t in tag.table_of_contents}
    chaps = {c.element_id: c for c in tag.chapters}
    (top,) = [t for t in tocs.values() if t.toplevel]
    out = []

    def visit(eid: bytes) -> None:
        if eid in chaps:
            c = chaps[eid]
            out.append((eid.decode(), c.times.start, c.times.end, c.title))
        else:
            assert tocs[eid].ordered
            for child in tocs[eid].child_ids:
                visit(child)

    visit(top.element_id)
    return out


@pytest.mark.parametrize("version", [3, 4])
@pytest.mark.parametrize("section_size", [None, 200])
def test_1400_chapters_every_reader_lists_all_in_order(
    silent_mp3: Path, version: int, section_size: int | None
) -> None:
    mp3 = silent_mp3
    chs = chapters(1400, section_size)
    write_tags(mp3, TagData(title="Many", chapters=chs), id3_version=version)
    expected = [(round(c.start * 1000), round(c.end * 1000), c.title) for c in chs]

    assert [(round(c.start * 1000), round(c.end * 1000), c.title)
            for c in read_tags(mp3).chapters] == expected  # fmt: skip
    assert ffprobe_chapters(mp3) == expected  # ffmpeg reads CHAP frames in file order
    assert [e[1:] for e in eyed3_order(mp3)] == expected
    assert [e[0] for e in eyed3_order(mp3)] == [c.element_id for c in chs]

    tag = ID3(mp3)
    assert tag.version[1] == version
    tocs = tag.getall("CTOC")
    assert all(len(t.child_element_ids) <= 255 for t in tocs)
    (top,) = [t for t in tocs if t.flags & CTOCFlags.TOP_LEVEL]
    kids = {t.element_id: t for t in tocs if t is not top}
    assert list(top.child_element_ids) == list(kids)
    assert all(t.flags & CTOCFlags.ORDERED for t in tocs)
    titles = [str(kids[k].sub_frames["TIT2"]) for k in top.child_element_ids]
    if section_size:
        assert titles == [f"Section {s} opens" for s in range(7)]
    else:
        assert titles[0] == "Chapters 1–255" and len(titles) == 6
    # CHAP frames lie in the file in chapter order, after all the CTOC frames.
    raw = mp3.read_bytes()[: 10 + tag.size]
    at = [m.start() for m in re.finditer(rb"CHAP.{6}chp(\d+)\x00", raw, re.S)]
    ids = [int(m.group(1)) for m in re.finditer(rb"CHAP.{6}chp(\d+)\x00", raw, re.S)]
    assert ids == list(range(1400))
    assert max(m.start() for m in re.finditer(rb"CTOC.{6}toc\d*\x00", raw, re.S)) < at[0]
