"""``narrate batch``: many reviews, in parallel, resumable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..settings import Settings
from .app import cli
from .format import minutes, plural
from .options import DEFAULT_OUT_DIR, narration_options
from .progress import batch_progress

if TYPE_CHECKING:  # the batch package is imported only when the command runs
    from ..batch import BatchResult


def format_summary(result: BatchResult) -> str:
    """A table, one row per item (status, source, output or reason), then the totals."""
    from ..batch import DRAFT, FAILED, OK, UP_TO_DATE

    width = max([len(r.source) for r in result.items] + [6])
    width = min(width, 60)
    rows = [f"{'status':<10}  {'source':<{width}}  output / reason"]
    for r in result.items:
        detail = (r.reason if r.status in (FAILED, DRAFT)
                  else f"{r.output}  ({minutes(r.duration)})")  # fmt: skip
        rows.append(f"{r.status:<10}  {r.source:<{width}}  {detail}")
    drafts = result.count(DRAFT)
    rows.append(
        f"{plural(len(result.items), 'item')}: {result.count(OK)} ok, "
        f"{result.count(UP_TO_DATE)} up to date, {result.count(FAILED)} failed"
        f"{f', {drafts} skipped as drafts' if drafts else ''}; "
        f"{result.audio_seconds / 60:.1f} min of audio in {minutes(result.elapsed)}"
    )
    return "\n".join(rows)


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
    "--executor",
    default="local",
    show_default=True,
    metavar="SPEC",
    help="What runs the items: local (a pool of --jobs processes).",
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
          jobs: int | None, executor: str, report_path: Path | None,
          settings: Settings) -> None:  # fmt: skip
    """Narrate many reviews into OUT_DIR, in parallel; a rerun redoes only what changed.

    PATHS are files, folders (searched recursively for .txt, .md, .markdown, .html and
    .htm), globs, or - to read a list of paths from stdin. Prints each MP3's path;
    a summary goes to stderr. Exits with 1 when any item failed.
    """
    import os
    import signal
    import threading

    from .. import batch as batching

    if not paths and manifest is None:
        raise click.UsageError("give the reviews to narrate as PATHS, with --manifest, or both")
    entries = batching.load_manifest(manifest) if manifest is not None else []
    if paths:
        entries += batching.collect_paths(paths, sys.stdin)
    if report_path is not None:  # before any work: the report never replaces an input
        inputs = [e.source for e in entries] + ([manifest] if manifest is not None else [])
        batching.check_report_path(report_path, inputs)
    quiet = ctx.obj["quiet"]

    runner = batching.create_executor(executor, jobs or os.cpu_count())  # checked before work

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # `kill <pid>` stops the run as Ctrl-C does: workers, temporaries

    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, terminate) if main else None
    try:
        with batch_progress(quiet) as show:  # a bar only for a person at a terminal
            result = batching.run_batch(entries, settings, out_dir, executor=runner,
                                        on_progress=show)  # fmt: skip
    except batching.BatchAborted as exc:
        if report_path is not None:
            batching.write_report(report_path, exc.result)
        raise
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
    if report_path is not None:
        batching.write_report(report_path, result)
    for r in result.items:
        if r.status != batching.FAILED:
            click.echo(r.output)
    if not quiet:
        click.echo(format_summary(result), err=True)
    else:
        for r in result.failed:
            click.echo(f"failed: {r.source}: {r.reason}", err=True)
    if not result.ok:
        ctx.exit(1)
