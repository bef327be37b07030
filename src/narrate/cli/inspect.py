"""``narrate inspect``: what MP3 files hold, for people or as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..inspect import Inspection, inspect_mp3
from .app import cli
from .format import minutes, plural

_SHOWN_TAGS = ("title", "artist", "album", "genre", "date", "track", "language", "encoder",
               "description", "lyrics")  # fmt: skip
_CUT = 70


def clock(seconds: float) -> str:
    """``m:ss.mmm`` (``h:mm:ss.mmm`` from an hour on): chapter times to the millisecond."""
    whole_ms = round(seconds * 1000)
    s, ms = divmod(whole_ms, 1000)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}" if h else f"{m}:{s:02d}.{ms:03d}"


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _CUT else line[: _CUT - 1] + "…"


def _size(n: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def describe(r: Inspection) -> list[str]:
    """The lines ``narrate inspect`` prints for one file."""
    f = r.format
    kbps = f"{f.bitrate / 1000:.0f} kb/s {f.bitrate_mode}"
    lines = [
        f"{r.path}  ({_size(r.bytes)})",
        f"  format    {f.codec}, {f.sample_rate} Hz, {f.mode}, {kbps}"
        + (f", {f.encoder}" if f.encoder else ""),
        f"  duration  {minutes(r.duration)} ({r.duration:.3f} s), "
        f"{plural(r.frames, 'audio frame')}",
    ]
    tag = f"ID3v2.{r.id3_version}" if r.id3_version else "no ID3v2 tag"
    lines.append(f"  tags      {tag}")
    values: dict[str, Any] = {k: getattr(r.tags, k) for k in _SHOWN_TAGS}
    for key, value in values.items():
        if value not in (None, ""):
            lines.append(f"    {key:<12}{_short(str(value))}")
    if r.tags.cover is not None:
        data, mime = r.tags.cover
        lines.append(f"    {'cover':<12}{mime}, {_size(len(data))}")
    loudness = r.loudness
    if loudness:
        lines.append("  loudness")
        lines += [f"    {k:<23} {_short(v)}" for k, v in loudness.items()]  # a gap after any key
    other = {k: v for k, v in r.txxx.items() if k not in loudness}
    if other:
        lines.append("  TXXX")
        lines += [f"    {k:<23} {_short(v)}" for k, v in other.items()]
    lines.append(f"  chapters  {len(r.chapters)}" if r.chapters else "  chapters  none")
    for t in r.tocs:
        kind = "top-level table of contents" if t.top_level else "table of contents"
        title = f" {t.title!r}" if t.title else ""
        entries = plural(len(t.children), "entry", "entries")
        lines.append(f"    {kind} {t.element_id!r}{title}: {entries}")
    nested = len(r.tocs) > 1
    for i, c in enumerate(r.chapters, 1):
        where = f"  [{c.toc}]" if nested and c.toc else ""
        lines.append(f"    {i:>4}  {clock(c.start)}  {clock(c.end)}  {_short(c.title)}{where}")
    if r.side_files:
        lines.append("  side files")
        lines += [f"    {s.kind:<9}{s.path}  ({_size(s.bytes)})" for s in r.side_files]
    else:
        lines.append("  side files  none")
    return lines


@cli.command("inspect")
@click.argument("files", nargs=-1, required=True, metavar="FILE.mp3...",
                type=click.Path(path_type=Path))  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="The same facts as JSON (a list).")
@click.pass_context
def inspect_command(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Show what each MP3 holds: format, duration, tags, chapters, loudness, side files.

    Works on any MP3. A file that is damaged (cut short, junk between frames, not an
    MP3 at all) gets an "Error: FILE: ..." line on stderr, and the exit status is 1.
    """
    reports: list[dict[str, Any]] = []
    failed = False
    shown = 0
    for path in files:
        try:
            r = inspect_mp3(path)
        except InputError as exc:
            failed = True
            click.echo(f"Error: {exc}", err=True)
            reports.append({"path": str(path), "error": str(exc)})
            continue
        reports.append(r.as_dict())
        if not as_json:
            click.echo("\n".join(["", *describe(r)] if shown else describe(r)))
            shown += 1
        for problem in r.problems:
            failed = True
            click.echo(f"Error: {r.path}: {problem}", err=True)
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
    if failed:
        ctx.exit(1)
