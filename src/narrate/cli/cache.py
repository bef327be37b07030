"""``narrate cache``: the clip cache."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..clips import ClipStore
from .app import cli
from .format import plural


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
        click.echo(f"{store.root}\t{plural(count, 'clip')}\t{size / 1e6:.1f} MB")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached clip."""
    store = ClipStore(cache_dir)
    click.echo(f"removed {plural(store.clear(), 'clip')} from {store.root}")
