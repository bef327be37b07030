"""``narrate batch``: many reviews, in parallel, resumable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..settings import Settings
from .app import cli
from .options import DEFAULT_OUT_DIR, narration_options


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

    from .. import batch as batching

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
