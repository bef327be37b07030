"""``narrate voices``: what an engine can speak with."""

from __future__ import annotations

import json

import click

from ..engines import ENGINES, create_engine
from ..settings import DEFAULT_ENGINE, VoiceSettings
from .app import cli


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
        extra = [
            f"{v.quality or ''}",
            f"{v.sample_rate} Hz" if v.sample_rate else "",
            f"{v.speakers} speaker{'s' if v.speakers != 1 else ''}" if v.speakers else "",
        ]
        tail = "\t" + "\t".join(extra) if any(extra) else ""
        click.echo(f"{v.id}\t{v.name}\t{','.join(v.languages)}\t{v.gender or ''}{tail}")
