"""Side files: SRT and WebVTT transcripts and Podcasting 2.0 JSON chapters.

Every function returns a plain string; callers write it atomically. All times go
through ``narrate.tags.ms``, the same rounding the ID3 chapters use, so a
chapter's first cue starts and its last cue ends exactly where the chapter does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import ChapterTiming, Cue, Timeline
from .tags import Chapter, end_ms, ms

if TYPE_CHECKING:
    from .settings import Settings

__all__ = [
    "CHAPTERS_JSON_TYPE",
    "TRANSCRIPT_TYPES",
    "chapters_from_timeline",
    "chapters_json",
    "format_timestamp",
    "parse_timestamp",
    "side_file_paths",
    "to_srt",
    "to_vtt",
]

TRANSCRIPT_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}
CHAPTERS_JSON_TYPE = "application/json+chapters"
CHAPTERS_JSON_VERSION = "1.2.0"


def format_timestamp(seconds: float, sep: str = ",") -> str:
    """``HH:MM:SS,mmm`` (SRT, ``sep=","``) or ``HH:MM:SS.mmm`` (WebVTT, ``sep="."``).

    Hours grow past two digits when needed.
    """
    total = ms(seconds)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def parse_timestamp(text: str) -> int:
    """The inverse of ``format_timestamp``: ``HH:MM:SS,mmm`` or ``HH:MM:SS.mmm`` -> ms."""
    hms, millis = text.replace(",", ".").rsplit(".", 1)
    hours, minutes, secs = (int(p) for p in hms.split(":"))
    return ((hours * 60 + minutes) * 60 + secs) * 1000 + int(millis)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _checked(cues: Sequence[Cue]) -> list[tuple[int, int, str]]:
    """Round, validate and flatten cues; cues with no text are dropped."""
    return [(s, e, text) for s, e, text, _ in _checked_speakers(cues)]


def _checked_speakers(cues: Sequence[Cue]) -> list[tuple[int, int, str, str | None]]:
    out: list[tuple[int, int, str, str | None]] = []
    last_start = 0
    for cue in cues:
        start, end = ms(cue.start), ms(cue.end)
        if end < start:
            raise ValueError(f"cue ends before it starts: {cue!r}")
        if start < last_start:
            raise ValueError(f"cues are not in time order at {cue!r}")
        last_start = start
        text = _one_line(cue.text)
        if text:
            out.append((start, end, text, cue.speaker))
    return out


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip: numbered cues from 1, ``HH:MM:SS,mmm`` times, one line of text each."""
    blocks = [
        f"{n}\n{format_timestamp(s / 1000)} --> {format_timestamp(e / 1000)}\n{text}\n"
        for n, (s, e, text) in enumerate(_checked(cues), start=1)
    ]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    # WebVTT cue text: "&" and "<" must be escaped; ">" is escaped so "-->" cannot appear.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: ``WEBVTT`` header, numbered cues, ``HH:MM:SS.mmm`` times, escaped text;
    a cue with a speaker is one voice span, ``<v Quote>text``."""
    blocks = ["WEBVTT\n"]
    for n, (s, e, text, speaker) in enumerate(_checked_speakers(cues), start=1):
        voice = f"<v {_vtt_escape(speaker)}>" if speaker else ""
        blocks.append(
            f"{n}\n{format_timestamp(s / 1000, '.')} --> {format_timestamp(e / 1000, '.')}\n"
            f"{voice}{_vtt_escape(text)}\n"
        )
    return "\n".join(blocks)


def chapters_json(chapters: Sequence[ChapterTiming], *, title: str | None = None) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0); times in seconds, rounded to ms."""
    doc: dict[str, Any] = {"version": CHAPTERS_JSON_VERSION}
    if title:
        doc["title"] = title
    end = chapters[-1].end if chapters else 0.0  # the last ends at the audio's end
    doc["chapters"] = [
        {"startTime": ms(ch.start) / 1000, "endTime": end_ms(ch.end, end) / 1000,
         "title": ch.title}
        for ch in chapters
    ]  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def chapters_from_timeline(timeline: Timeline) -> tuple[Chapter, ...]:
    """ID3 chapters ``chp0``.. ``chpN`` (in timeline order), times rounded to ms."""
    return tuple(
        Chapter(
            element_id=f"chp{i}",
            title=ch.title,
            start=ms(ch.start) / 1000,
            end=end_ms(ch.end, timeline.duration) / 1000,
            section=ch.section,
        )
        for i, ch in enumerate(timeline.chapters)
    )


def side_file_paths(output: Path, settings: Settings) -> dict[str, Path]:
    """The side files ``settings`` ask for beside the MP3 ``output``, by kind."""
    paths = {kind: output.with_suffix(f".{kind}") for kind in settings.transcripts}
    if settings.chapters_json:
        paths["chapters"] = output.with_suffix(".chapters.json")
    return paths
