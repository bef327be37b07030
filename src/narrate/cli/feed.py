"""``narrate feed``: publish narrated MP3s as a podcast feed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import cli
from .format import plural


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
    The show page, index.html, is written beside the feed (a hand-written one is kept).
    """
    from ..feed import build_feed, count_items, load_channel_config

    config = load_channel_config(config_path)
    target = build_feed(folder, base_url, config, output=output)
    click.echo(str(target))
    if not ctx.obj["quiet"]:
        count = count_items(target)
        click.echo(plural(count, "episode"), err=True)


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
    """Add MP3 to an existing feed, or refresh its item; other items are left as they are.

    The show page, index.html beside the feed, is written again from the whole feed.
    """
    from ..feed import FEED_NAME, add_episode

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
    from ..feed import check_feed

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
        click.echo(
            f"{feed_path}: {plural(errors, 'error')}, {plural(warnings, 'warning')}", err=True
        )
    if errors:
        ctx.exit(1)
