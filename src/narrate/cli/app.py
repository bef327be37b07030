"""The ``narrate`` command group and the one gate between the core's errors and the user.

stdout carries results only (a path, a table, JSON); progress and messages go to
stderr. Every error a user can cause becomes one ``Error: ...`` line and a non-zero
exit, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..config import CONFIG_ENV
from .gate import naming_envvars, run_guarded

#: What runs before any subcommand parses its options, given the context and ``--config``.
#: ``cli.config`` adds the reading of the config file (option defaults) here: the group
#: does not import the modules that register commands on it.
BEFORE_SUBCOMMAND: list[Callable[[click.Context, Path | None], None]] = []


class NarrateGroup(click.Group):
    """A group whose commands run behind narrate's error gate (see ``gate.py``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with naming_envvars():  # the group's own options (NARRATE_DEBUG)
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        with naming_envvars():  # the options of the commands under it
            return run_guarded(lambda: super(NarrateGroup, self).invoke(ctx), ctx)


def setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="narrate: %(message)s", stream=sys.stderr, force=True)


@click.group(cls=NarrateGroup)
@click.version_option(__version__, prog_name="narrate")
@click.option("-v", "--verbose", count=True, help="More messages on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--debug",
    is_flag=True,
    envvar="NARRATE_DEBUG",
    help="Show the full traceback of an error, for bug reports (also NARRATE_DEBUG=1).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=CONFIG_ENV,
    help="Option defaults (TOML) [default: ./narrate.toml, else the user config folder's; "
    f"also {CONFIG_ENV}]. See: narrate config.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool,
        config_file: Path | None) -> None:  # fmt: skip
    """Turn written reviews into finished, chaptered audio."""
    setup_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.obj["debug"] = debug
    for hook in BEFORE_SUBCOMMAND:
        hook(ctx, config_file)
