"""``narrate publish``: a blog (folder of posts, or its feed) to a podcast folder."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .app import cli
from .format import plural
from .options import NARRATION_OPTIONS, settings_from_options

PUBLISH_TRANSCRIPTS = ("srt", "vtt")


def _show_options(ctx: click.Context, show: Any, kw: dict[str, Any]) -> set[str]:
    """Narration options from the show file, where no flag or NARRATE_* set them (the
    show file is more particular than narrate.toml, so it wins over it). Returns the
    names it set."""
    from ..config import check_config
    from .config import option_key, schema

    if not show.narration:
        return set()
    checked = check_config(show.path, show.narration, schema(ctx.find_root()))
    by_key = {option_key(p): p for p in ctx.command.params if isinstance(p, click.Option)}
    names = set()
    for key, value in checked.values.items():
        param = by_key.get(key)
        if param is None or param.name not in kw:
            from ..errors import ConfigError

            raise ConfigError(f"{show.path}: key '{key}' is not an option of narrate publish")
        if ctx.get_parameter_source(param.name) in (ParameterSource.DEFAULT,
                                                    ParameterSource.DEFAULT_MAP):  # fmt: skip
            kw[param.name] = param.process_value(ctx, value)
            names.add(param.name)
    return names


def _publish_command(f: Any) -> Any:
    for option in reversed(NARRATION_OPTIONS):
        f = option(f)
    return f


@cli.command("publish")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The folder to upload: MP3s, side files, feed.xml and index.html.")
@click.option("--base-url", required=True, metavar="URL",
              help="Public http(s) URL of --out, e.g. https://example.org/pod/.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The show file: podcast settings (TOML, as for feed build) and narration "
                   "options, in one file [default: a [podcast] table in narrate.toml].")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only posts dated on or after this day.")
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Only the N newest posts.")
@click.option("--prune", is_flag=True,
              help="Remove the episodes of posts that left SOURCE (kept by default).")
@click.option("-j", "--jobs", type=click.IntRange(1), default=None,
              help="Worker processes [default: the number of CPUs].")
@click.option("--executor", default="local", show_default=True, metavar="SPEC",
              help="What narrates: local, dask://HOST:PORT or dask-local[:N].")
@click.option("--fetch-timeout", type=click.FloatRange(1.0, 600.0), default=30.0,
              show_default=True, help="Seconds to wait for a feed URL.")
@_publish_command
@click.pass_context
def publish(ctx: click.Context, sources: tuple[str, ...], out: Path, base_url: str,
            config_path: Path | None, since: _dt.datetime | None, limit: int | None,
            prune: bool, jobs: int | None, executor: str, fetch_timeout: float,
            **kw: Any) -> None:  # fmt: skip
    """Narrate a blog's new and changed posts and publish them as a podcast in OUT.

    SOURCE is a folder of posts (searched recursively) or the blog's RSS/Atom feed, as a
    path or an http(s) URL; several may be given. Drafts and list pages are skipped.
    Writes OUT/feed.xml and OUT/index.html (each episode dated by its post and linked to
    it) and prints the feed's path. A rerun narrates only new or edited posts; an episode
    whose post is gone stays unless --prune. Exits with 1 when a post failed.
    """
    from ..errors import ConfigError
    from ..profiles import apply_profile
    from ..publishing import load_show
    from ..publishing import publish as run_publish
    from .progress import batch_progress

    if not sources:
        raise click.UsageError("give the blog to publish: a folder of posts, or its feed")
    if config_path is None:
        found = (ctx.obj.get("config") or None) and ctx.obj["config"].path
        if found is None:
            raise ConfigError("give the show file with --config SHOW.toml (podcast settings)")
        config_path = found
    show = load_show(config_path)
    from_show = _show_options(ctx, show, kw)
    # A podcast gets transcripts and JSON chapters unless asked otherwise (Podcasting 2.0).
    for name, value in (("transcripts", PUBLISH_TRANSCRIPTS), ("chapters_json", True)):
        if name not in from_show and ctx.get_parameter_source(name) is ParameterSource.DEFAULT:
            kw[name] = value
    profile = kw.pop("profile")
    explicit = {name for name in kw if name in from_show or ctx.get_parameter_source(name)
                not in (None, ParameterSource.DEFAULT)}  # fmt: skip
    settings = apply_profile(settings_from_options(kw), profile, explicit)
    quiet = ctx.obj["quiet"]
    with batch_progress(quiet) as show_progress:
        result = run_publish(
            sources, out, base_url, show, settings, since=since.date() if since else None,
            limit=limit, prune=prune, jobs=jobs or os.cpu_count(), executor=executor,
            fetch_timeout=fetch_timeout, on_progress=show_progress,
        )  # fmt: skip
    click.echo(str(result.feed))
    if not quiet:
        sel = result.selection
        line = (f"{plural(len(sel.posts), 'post')}: {result.narrated} narrated, "
                f"{result.up_to_date} up to date, {len(result.failed)} failed")  # fmt: skip
        parts = [text for n, text in (
            (sel.drafts, plural(sel.drafts, "draft")),
            (sel.sections, plural(sel.sections, "list page")),
            (sel.before_since, f"{sel.before_since} before --since"),
            (sel.over_limit, f"{sel.over_limit} past --limit"),
        ) if n]  # fmt: skip
        if parts:
            line += "; skipped: " + ", ".join(parts)
        if result.kept:
            line += f"; {plural(len(result.kept), 'episode')} kept whose post is gone"
        if result.pruned:
            line += f"; {plural(len(result.pruned), 'episode')} pruned"
        click.echo(line, err=True)
    for post, reason in result.failed:
        click.echo(f"failed: {post}: {reason}", err=True)
    if result.failed:
        ctx.exit(1)
    sys.stdout.flush()
