"""ID3 chapters as the frames hold them: CHAP times, and CTOCs (nested ones too) that
must reach every CHAP. Read with mutagen directly, not through ``read_tags``, which
repairs what it reads (it orders CHAPs that no CTOC lists)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import ID3, CTOCFlags, ID3NoHeaderError

from ..errors import InputError


@dataclass(frozen=True)
class RawChapter:
    element_id: str
    start: int  # ms
    end: int  # ms


@dataclass(frozen=True)
class ChapterProblems:
    count: int
    problems: tuple[str, ...]


def _load(path: Path) -> ID3 | None:
    try:
        return ID3(path)
    except ID3NoHeaderError:
        return None
    except (MutagenError, OSError) as exc:
        raise InputError(f"{path}: cannot read its ID3 tag: {exc}") from exc


def chapter_problems(path: Path, duration: float) -> ChapterProblems:
    """Every way the chapters of ``path`` are wrong, each naming its chapter(s)."""
    tags = _load(path)
    if tags is None:
        return ChapterProblems(0, ())
    chaps = {f.element_id: RawChapter(f.element_id, f.start_time, f.end_time)
             for f in tags.getall("CHAP")}  # fmt: skip
    tocs = {f.element_id: f for f in tags.getall("CTOC")}
    problems: list[str] = []
    if not chaps:
        return ChapterProblems(0, ("a CTOC but no CHAP frame",) if tocs else ())
    roots = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    if not roots:
        problems.append("no top-level CTOC lists the chapters")
    elif len(roots) > 1:
        problems.append(f"{len(roots)} top-level CTOCs (one is allowed)")
    order: list[str] = []
    seen: set[str] = set()

    def walk(toc_id: str) -> None:
        if toc_id in seen:
            problems.append(f"CTOC {toc_id!r} is listed twice (a loop)")
            return
        seen.add(toc_id)
        for child in tocs[toc_id].child_element_ids:
            if child in tocs:
                walk(child)
            elif child in chaps:
                order.append(child)
            else:
                problems.append(f"CTOC {toc_id!r} lists {child!r}, which is no CHAP or CTOC")

    for root in roots:
        walk(root.element_id)
    missed = [c for c in chaps if c not in order]
    if missed and roots:
        problems.append("no CTOC reaches CHAP " + ", ".join(repr(c) for c in missed))
    twice = sorted({c for c in order if order.count(c) > 1})
    if twice:
        problems.append("CHAP listed twice: " + ", ".join(repr(c) for c in twice))
    # In CTOC order; what no CTOC lists is already wrong, and is only checked for its times.
    listed = [chaps[c] for c in dict.fromkeys(order)] if roots else sorted(
        chaps.values(), key=lambda c: c.start)  # fmt: skip
    limit = round(duration * 1000) + 50  # MP3 durations are known to about a frame
    for ch in (chaps[c] for c in missed if roots):
        if ch.end < ch.start or ch.end > limit:
            problems.append(f"CHAP {ch.element_id!r} has impossible times")
    for i, ch in enumerate(listed):
        if ch.end < ch.start:
            problems.append(f"chapter {i + 1} ({ch.element_id}) ends before it starts")
        if ch.end > limit:
            problems.append(f"chapter {i + 1} ({ch.element_id}) ends at {ch.end / 1000:.3f} s, "
                            f"after the file ({duration:.3f} s)")  # fmt: skip
        if i:
            prev = listed[i - 1]
            if ch.start < prev.start:
                problems.append(f"chapters {i} and {i + 1} ({prev.element_id}, "
                                f"{ch.element_id}) are out of order")  # fmt: skip
            elif ch.start < prev.end:
                problems.append(f"chapters {i} and {i + 1} overlap ({prev.element_id} ends at "
                                f"{prev.end / 1000:.3f} s, {ch.element_id} starts at "
                                f"{ch.start / 1000:.3f} s)")  # fmt: skip
    return ChapterProblems(len(chaps), tuple(problems))
