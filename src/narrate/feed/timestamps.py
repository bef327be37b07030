"""Chapters as ``(00:00) Title`` lines in an episode's description.

Spotify reads chapters only from Podlove chapters or from timestamps in the episode
description, and Apple reads description timestamps too. Their rules, met here: at
least three timestamps, the first at ``00:00``, each chapter at least 30 s long, each
title under 40 characters. A chapter shorter than 30 s is folded into the one before it
(the first one, into the one after it, which then starts at ``00:00``); when fewer than
three chapters are left, the description gets no timestamps at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MIN_CHAPTERS = 3
MIN_SECONDS = 30.0
MAX_TITLE_CHARS = 39  # "under 40 characters"

#: One timestamp line as written (and recognised, e.g. by the show page).
LINE = re.compile(r"^\((?:\d+:)?\d{2}:\d{2}\) \S")


def stamp(seconds: float) -> str:
    """``MM:SS``, or ``H:MM:SS`` from an hour on (whole seconds, rounded down)."""
    whole = max(0, int(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def short_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis."""
    flat = " ".join(title.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def chapter_lines(chapters: Sequence[tuple[float, float, str]], duration: float) -> list[str]:
    """The description lines for chapters ``(start, end, title)`` in seconds, in order,
    of an episode ``duration`` seconds long; ``[]`` when the rules cannot be met."""
    spans: list[list] = []  # [start, end, title]
    ordered = sorted(chapters, key=lambda c: c[0])
    for n, (start, end, title) in enumerate(ordered):
        nxt = ordered[n + 1][0] if n + 1 < len(ordered) else duration
        end = min(max(end, start), nxt) if end > start else nxt
        spans.append([start, end, title])
    merged: list[list] = []
    for span in spans:
        if merged and merged[-1][1] - merged[-1][0] < MIN_SECONDS and len(merged) == 1:
            # a short first chapter: the next one takes its place from 00:00
            merged[-1] = [merged[-1][0], span[1], span[2]]
        elif merged and span[1] - span[0] < MIN_SECONDS:
            merged[-1][1] = span[1]  # a short chapter joins the one before it
        else:
            merged.append(list(span))
    if merged:
        merged[0][0] = 0.0
    if len(merged) < MIN_CHAPTERS or any(e - s < MIN_SECONDS for s, e, _ in merged):
        return []
    titles = [short_title(t) or f"Chapter {n}" for n, (_, _, t) in enumerate(merged, start=1)]
    return [f"({stamp(s)}) {t}" for (s, _, _), t in zip(merged, titles, strict=True)]


def strip_lines(description: str) -> str:
    """A description without its timestamp lines (the show page lists chapters itself)."""
    kept = [line for line in description.splitlines() if not LINE.match(line.strip())]
    return "\n".join(kept).strip()


def timestamps_problem(description: str) -> str | None:
    """What is wrong with the timestamp lines of a description (None: none, or fine)."""
    lines = [line.strip() for line in description.splitlines() if LINE.match(line.strip())]
    if not lines:
        return None
    if len(lines) < MIN_CHAPTERS:
        return f"are fewer than {MIN_CHAPTERS}"
    if not lines[0].startswith("(00:00)"):
        return "do not start at 00:00"
    if any(len(line.split(") ", 1)[1]) > MAX_TITLE_CHARS for line in lines):
        return f"have a title of {MAX_TITLE_CHARS + 1} characters or more"
    return None
