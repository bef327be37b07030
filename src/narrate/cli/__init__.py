"""Command line: parse options, call the core, print results.

One module per command group; ``app`` holds the group and ``gate`` the one place where
errors become ``Error: ...`` lines. Importing this package registers every command.
"""

from __future__ import annotations

from . import (  # noqa: F401 - registers the commands
    batch,
    cache,
    check,
    config,
    feed,
    inspect,
    profiles,
    publish,
    read,
    voices,
)
from .app import cli
from .gate import guarded_main

config.install_envvars()  # after every command is registered: NARRATE_<KEY> for each option


def main() -> None:
    guarded_main(cli.main, prog_name="narrate")


__all__ = ["cli", "main"]
