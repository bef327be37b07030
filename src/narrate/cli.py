"""Command line: parse options, call the core, print results.

stdout carries results only (a path, a table, JSON); progress and messages go to
stderr. Every ``NarrateError`` becomes one ``Error: ...`` line and a non-zero exit.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

import click

from . import __version__
from .atomic import remove_stale_temporaries
from .clips import ClipStore
from .engines import ENGINES, create_engine
from .errors import NarrateError
from .settings import (
    DEFAULT_ENGINE,
    AudioSettings,
    Settings,
    TagSettings,
    TextSettings,
    VoiceSettings,
)

SAMPLE = "pain-and-glory.txt"
DEFAULT_OUT_DIR = Path("audio")
TRANSCRIPT_KINDS = ("srt", "vtt")


class NarrateGroup(click.Group):
    """Turns narrate's own errors into one ``Error:`` line on stderr, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NarrateError as exc:
            raise click.ClickException(str(exc)) from None


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="narrate: %(message)s", stream=sys.stderr, force=True)


@click.group(cls=NarrateGroup)
@click.version_option(__version__, prog_name="narrate")
@click.option("-v", "--verbose", count=True, help="More messages on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn written reviews into finished, chaptered audio."""
    _setup_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


# ----------------------------------------------------------------------------- options


def _transcripts(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in value.split(",") if k.strip()))
    bad = [k for k in kinds if k not in TRANSCRIPT_KINDS]
    if bad:
        raise click.BadParameter(f"unknown transcript format {bad[0]!r} (use srt, vtt or srt,vtt)")
    return kinds


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .tags import check_date

    if value is None:
        return None
    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (for example 2024-05-31 or 2024)") from None


NARRATION_OPTIONS: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
    click.option("--engine", type=click.Choice(sorted(ENGINES)), default=DEFAULT_ENGINE,
                 show_default=True, help="Text-to-speech engine."),
    click.option("--voice", help="Voice id or name (see: narrate voices)."),
    click.option("--rate", type=click.IntRange(60, 450), default=VoiceSettings.rate,
                 show_default=True, help="Speaking rate, words per minute."),
    click.option("--volume", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True),
    click.option("--pause", type=click.FloatRange(0.0, 30.0), default=AudioSettings.pause,
                 show_default=True, help="Seconds between paragraphs."),
    click.option("--sentence-pause", type=click.FloatRange(0.0, 10.0),
                 default=AudioSettings.sentence_pause, show_default=True,
                 help="Seconds between sentences."),
    click.option("--head", type=click.FloatRange(0.0, 30.0), default=AudioSettings.head,
                 show_default=True, help="Seconds of room tone before the first word."),
    click.option("--tail", type=click.FloatRange(0.0, 30.0), default=AudioSettings.tail,
                 show_default=True, help="Seconds of room tone after the last word."),
    click.option("--bitrate", type=click.Choice(["64k", "96k", "128k", "160k", "192k"]),
                 default=AudioSettings.bitrate, show_default=True, help="Constant MP3 bitrate."),
    click.option("--id3-version", type=click.Choice(["3", "4"]), default="3", show_default=True),
    click.option("--author", help="Artist tag."),
    click.option("--album", help="Album tag."),
    click.option("--genre", default=TagSettings.genre, show_default=True),
    click.option("--date", callback=_date, help="Date tag, YYYY-MM-DD or YYYY [default: today]."),
    click.option("--description", help="Description tag [default: the first paragraph]."),
    click.option("--cover", type=click.Path(path_type=Path, dir_okay=False),
                 help="Cover art, JPEG or PNG."),
    click.option("--format", "text_format", type=click.Choice(["txt", "md", "html"]),
                 help="Input format [default: from the extension]."),
    click.option("--encoding", help="Input encoding [default: detected]."),
    click.option("--lexicon", type=click.Path(path_type=Path, dir_okay=False),
                 help="Pronunciation lexicon (TOML)."),
    click.option("--max-sentence-chars", type=click.IntRange(40, 5000),
                 default=TextSettings.max_sentence_chars, show_default=True,
                 help="Longer sentences are split before they reach the engine."),
    click.option("--max-chars", type=click.IntRange(1), default=TextSettings.max_chars,
                 show_default=True, help="Refuse inputs longer than this many characters."),
    click.option("--transcript", "transcripts", callback=_transcripts, metavar="srt,vtt",
                 help="Also write transcripts next to the MP3."),
    click.option("--chapters-json", is_flag=True,
                 help="Also write Podcasting 2.0 JSON chapters next to the MP3."),
    click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
                 help="Clip cache folder [default: the user cache folder]."),
    click.option("--timeout", type=click.FloatRange(1.0), default=Settings.timeout,
                 show_default=True,
                 help="Seconds one sentence may take in the engine before it fails "
                      "(batch: the stuck worker is stopped and replaced)."),
]  # fmt: skip


def narration_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``read`` and ``batch`` share; they arrive as one ``settings`` argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kw: Any) -> Any:
        kw["settings"] = settings_from_options(kw)
        return f(*args, **kw)

    for option in reversed(NARRATION_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def settings_from_options(kw: dict[str, Any]) -> Settings:
    """Pop the shared options out of ``kw`` and build the one Settings object."""
    p = kw.pop
    return Settings(
        voice=VoiceSettings(engine=p("engine"), voice=p("voice"), rate=p("rate"),
                            volume=p("volume")),
        text=TextSettings(format=p("text_format"), encoding=p("encoding"), lexicon=p("lexicon"),
                          max_sentence_chars=p("max_sentence_chars"), max_chars=p("max_chars")),
        audio=AudioSettings(pause=p("pause"), sentence_pause=p("sentence_pause"),
                            head=p("head"), tail=p("tail"), bitrate=p("bitrate")),
        tags=TagSettings(author=p("author"), album=p("album"), genre=p("genre"), date=p("date"),
                         description=p("description"), cover=p("cover"),
                         id3_version=int(p("id3_version"))),
        transcripts=p("transcripts"),
        chapters_json=p("chapters_json"),
        cache_dir=p("cache_dir"),
        timeout=p("timeout"),
    )  # fmt: skip


def _source(stack: ExitStack, value: str | None) -> Path | str:
    """The input path, ``-`` for stdin, or the embedded sample review."""
    if value is None:
        return stack.enter_context(resources.as_file(resources.files("narrate") / "data" / SAMPLE))
    return value if value == "-" else Path(value)


def _progress(quiet: bool) -> Callable[[int, int, Any], None] | None:
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, clip: Any) -> None:
        click.echo(f"\rnarrating: sentence {done}/{total}", nl=done == total, err=True)

    return show


def _minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


# ----------------------------------------------------------------------------- commands


@cli.command()
@click.argument("review", required=False, metavar="[REVIEW]")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="MP3 to write [default: audio/<slug-of-title>.mp3].",
)
@click.option("--title", help="Title [default: from the review or its file name].")
@click.option(
    "--json", "as_json", is_flag=True, help="Print path, duration, chapters, tags as JSON."
)
@narration_options
@click.pass_context
def read(ctx: click.Context, review: str | None, output: Path | None, title: str | None,
         as_json: bool, settings: Settings) -> None:  # fmt: skip
    """Narrate REVIEW (a .txt, .md or .html file, or - for stdin) into one MP3.

    With no REVIEW, narrates the bundled sample review.
    """
    from .pipeline import narrate, output_name
    from .segment import load_document
    from .tags import read_tags, tags_as_dict

    settings = settings.with_overrides(tags={"title": title})
    with ExitStack() as stack:
        doc = load_document(_source(stack, review), settings, title=title)
    target = output or DEFAULT_OUT_DIR / output_name(doc.title)
    # What a killed earlier run left beside the target (never a live process's file).
    remove_stale_temporaries(target.parent, older_than=24 * 3600)
    result = narrate(doc, target, settings, on_clip=_progress(ctx.obj["quiet"]))
    if as_json:
        info = tags_as_dict(read_tags(result.output))
        click.echo(json.dumps({
            "path": str(result.output),
            "duration": round(result.duration, 3),
            "chapters": [
                {"title": c.title, "start": round(c.start, 3), "end": round(c.end, 3)}
                for c in result.timeline.chapters
            ],
            "tags": info,
            "side_files": [str(p) for p in result.side_files],
            "clips": {"synthesized": result.clips_synthesized, "cached": result.clips_cached},
        }, ensure_ascii=False, indent=2))  # fmt: skip
    else:
        click.echo(str(result.output))
    if not ctx.obj["quiet"]:
        click.echo(
            f"{result.title}: {_minutes(result.duration)} ({result.duration:.1f} s), "
            f"{result.chapters} chapters -> {result.output}",
            err=True,
        )


@cli.command()
@click.argument("review", required=False, metavar="[REVIEW]")
@click.option("--title", help="Title [default: from the review or its file name].")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@narration_options
def plan(review: str | None, title: str | None, as_json: bool, settings: Settings) -> None:
    """Show the segments REVIEW becomes, without synthesizing anything."""
    from .segment import load_document, plan_rows

    with ExitStack() as stack:
        doc = load_document(_source(stack, review), settings, title=title)
    rows = plan_rows(doc, settings)
    if as_json:
        click.echo(json.dumps({"title": doc.title, "segments": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"# {doc.title}")
    click.echo(f"{'#':>3}  {'sentences':>9}  {'chars':>6}  {'est.':>6}  title")
    for r in rows:
        click.echo(
            f"{r['index']:>3}  {r['sentences']:>9}  {r['chars']:>6}  "
            f"{_minutes(r['est_seconds']):>6}  {r['title']}"
        )
    total = sum(r["est_seconds"] for r in rows)
    click.echo(f"total: {len(rows)} chapters, about {_minutes(total)}")


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML ([defaults] + [[item]] tables) or CSV manifest of the reviews.",
)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Folder for the MP3s.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1),
    default=None,
    help="Worker processes [default: the number of CPUs].",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write every item's result to this JSON file.",
)
@narration_options
@click.pass_context
def batch(ctx: click.Context, paths: tuple[str, ...], manifest: Path | None, out_dir: Path,
          jobs: int | None, report_path: Path | None, settings: Settings) -> None:  # fmt: skip
    """Narrate many reviews into OUT_DIR, in parallel; a rerun redoes only what changed.

    PATHS are files, folders (searched recursively for .txt, .md, .markdown, .html and
    .htm), globs, or - to read a list of paths from stdin. Prints each MP3's path;
    a summary goes to stderr. Exits with 1 when any item failed.
    """
    import os
    import signal
    import threading

    from . import batch as batching

    if not paths and manifest is None:
        raise click.UsageError("give the reviews to narrate as PATHS, with --manifest, or both")
    entries = batching.load_manifest(manifest) if manifest is not None else []
    if paths:
        entries += batching.collect_paths(paths, sys.stdin)
    quiet = ctx.obj["quiet"]
    live = not quiet and sys.stderr.isatty()
    drawn = [0]

    def show(p: batching.Progress) -> None:
        line = batching.format_progress(p)
        click.echo("\r" + line.ljust(drawn[0]), nl=False, err=True)
        drawn[0] = len(line)

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # `kill <pid>` stops the run as Ctrl-C does: workers, temporaries

    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, terminate) if main else None
    try:
        result = batching.run_batch(entries, settings, out_dir, jobs=jobs or os.cpu_count(),
                                    on_progress=show if live else None)  # fmt: skip
    except batching.BatchAborted as exc:
        if report_path is not None:
            batching.write_report(report_path, exc.result)
        raise
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        if drawn[0]:
            click.echo("\r" + " " * drawn[0] + "\r", nl=False, err=True)
    if report_path is not None:
        batching.write_report(report_path, result)
    for r in result.items:
        if r.status != batching.FAILED:
            click.echo(r.output)
    if not quiet:
        click.echo(batching.format_summary(result), err=True)
    else:
        for r in result.failed:
            click.echo(f"failed: {r.source}: {r.reason}", err=True)
    if not result.ok:
        ctx.exit(1)


@cli.command()
@click.option(
    "--engine", type=click.Choice(sorted(ENGINES)), default=DEFAULT_ENGINE, show_default=True
)
@click.option("--language", help="Only voices whose language starts with this (e.g. en).")
@click.option("--json", "as_json", is_flag=True)
def voices(engine: str, language: str | None, as_json: bool) -> None:  # fmt: skip
    """List the voices of an engine."""
    with create_engine(VoiceSettings(engine=engine)) as eng:
        found = eng.voices()
    if language:
        found = [v for v in found if any(lang.startswith(language) for lang in v.languages)]
    if as_json:
        click.echo(json.dumps([v.as_dict() for v in found], ensure_ascii=False, indent=2))
        return
    for v in found:
        click.echo(f"{v.id}\t{v.name}\t{','.join(v.languages)}\t{v.gender or ''}")


@cli.group()
def cache() -> None:
    """Manage the clip cache."""


@cache.command("info")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True)
def cache_info(cache_dir: Path | None, as_json: bool) -> None:
    """Where the cache is and how much it holds."""
    store = ClipStore(cache_dir)
    count, size = store.info()
    if as_json:
        click.echo(json.dumps({"path": str(store.root), "clips": count, "bytes": size}))
    else:
        click.echo(f"{store.root}\t{count} clips\t{size / 1e6:.1f} MB")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached clip."""
    store = ClipStore(cache_dir)
    click.echo(f"removed {store.clear()} clips from {store.root}")


# ----------------------------------------------------------------------------- feed


@cli.group("feed")
def feed_group() -> None:
    """Publish a folder of narrated MP3s as a podcast feed (RSS 2.0, Apple, Podcasting 2.0)."""


@feed_group.command("build")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--base-url",
    required=True,
    metavar="URL",
    help="Public http(s) URL of FOLDER, e.g. https://example.org/pod/.",
)
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Channel settings (TOML); see narrate/data/example-podcast.toml.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Feed file to write [default: FOLDER/feed.xml].",
)
@click.pass_context
def feed_build(
    ctx: click.Context, folder: Path, base_url: str, config_path: Path, output: Path | None
) -> None:
    """Write a feed of every MP3 in FOLDER (newest first) and print its path.

    Transcripts (<stem>.srt, <stem>.vtt), JSON chapters (<stem>.chapters.json) and
    covers beside each MP3 are published too; ID3 chapters become inline chapters.
    """
    from .feed import build_feed, count_items, load_channel_config

    config = load_channel_config(config_path)
    target = build_feed(folder, base_url, config, output=output)
    click.echo(str(target))
    if not ctx.obj["quiet"]:
        count = count_items(target)
        click.echo(f"{count} episode{'' if count == 1 else 's'}", err=True)


@feed_group.command("add")
@click.argument("mp3", type=click.Path(path_type=Path))
@click.option(
    "--feed",
    "feed_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Feed to update [default: feed.xml beside MP3].",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Public URL of the MP3's folder [default: from the feed's atom:link rel=\"self\"].",
)
def feed_add(mp3: Path, feed_path: Path | None, base_url: str | None) -> None:
    """Add MP3 to an existing feed, or refresh its item; other items are left as they are."""
    from .feed import FEED_NAME, add_episode

    click.echo(str(add_episode(feed_path or mp3.parent / FEED_NAME, mp3, base_url)))


@feed_group.command("check")
@click.argument("feed_path", metavar="FEED", type=click.Path(path_type=Path))
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    help="Audio folder: also compare each enclosure length with its file there.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def feed_check(ctx: click.Context, feed_path: Path, folder: Path | None, as_json: bool) -> None:
    """List what Apple Podcasts or a Podcasting 2.0 index would reject in FEED.

    One finding per line ("error: ..." or "warning: ..."); exit status 1 when there is
    any error.
    """
    from .feed import check_feed

    findings = check_feed(feed_path, folder=folder)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    if as_json:
        report = {
            "feed": str(feed_path),
            "ok": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "findings": [f.as_dict() for f in findings],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    if not ctx.obj["quiet"]:
        click.echo(f"{feed_path}: {errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        ctx.exit(1)


def main() -> None:
    cli(prog_name="narrate")
