"""``narrate.toml`` as option defaults, and ``narrate config``.

The rule (flag > environment > config file > built-in) is click's own: every option of
the commands in :data:`CONFIGURED` reads ``NARRATE_<KEY>`` from the environment, and
the config file becomes the context's ``default_map``, which click consults after the
command line and the environment and before the built-in default. ``narrate config``
asks click (``ctx.get_parameter_source``) where each value came from, so the rule
lives in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..config import CONFIG_ENV, ConfigFile, Key, find_config, load_config
from ..errors import ConfigError
from .app import BEFORE_SUBCOMMAND, cli
from .gate import name_envvar

#: The commands whose options the config file and NARRATE_* set (paths under ``narrate``).
CONFIGURED: tuple[tuple[str, ...], ...] = (
    ("read",),
    ("batch",),
    ("plan",),
    ("feed", "build"),
    ("feed", "add"),
    ("publish",),
)
#: Options that name one run's input or output: never taken from the file or environment.
PER_RUN = frozenset({"output", "title", "as_json", "config_path", "feed_path", "help",
                     "out", "since", "limit"})  # fmt: skip
#: Options whose value is a comma-separated list (a TOML list is welcome too).
LISTS = frozenset({"transcripts"})
ENV_PREFIX = "NARRATE_"


def option_key(param: click.Parameter) -> str:
    """The config key of an option: its long name without the dashes (``sentence-pause``)."""
    longs = [o for o in param.opts if o.startswith("--")]
    return (longs[0] if longs else param.opts[0]).lstrip("-")


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace("-", "_")


def _command(path: tuple[str, ...]) -> click.Command | None:
    cmd: click.Command | None = cli
    for name in path:
        if not isinstance(cmd, click.Group):
            return None
        cmd = cmd.commands.get(name)
    return cmd


def configured_options() -> Iterator[tuple[tuple[str, ...], click.Option]]:
    """(command path, option) for every option the config file may set."""
    for path in CONFIGURED:
        cmd = _command(path)
        if cmd is None:
            continue
        for param in cmd.params:
            if isinstance(param, click.Option) and param.name not in PER_RUN and param.opts:
                yield path, param


def install_envvars() -> None:
    """Give every configured option its ``NARRATE_<KEY>`` environment variable."""
    for _, param in configured_options():
        if param.envvar is None:
            param.envvar = env_name(option_key(param))


def _kind(param: click.Option) -> str:
    if param.is_flag:
        return "bool"
    if param.name in LISTS:
        return "list"
    t = param.type
    if isinstance(t, click.Choice):
        return "choice"
    if isinstance(t, click.Path):
        return "path"
    if isinstance(t, (click.types.IntParamType, click.IntRange)):
        return "int"
    if isinstance(t, (click.types.FloatParamType, click.FloatRange)):
        return "float"
    return "str"


def _checker(path: tuple[str, ...], param: click.Option, parent: click.Context) -> Any:
    def check(value: Any) -> None:
        cmd = _command(path)
        assert cmd is not None
        ctx = click.Context(cmd, info_name=path[-1], parent=parent)
        try:
            param.process_value(ctx, value)
        except click.BadParameter as exc:
            raise ValueError(exc.message) from None

    return check


def schema(parent: click.Context) -> dict[str, Key]:
    keys: dict[str, Key] = {}
    for path, param in configured_options():
        keys.setdefault(option_key(param), Key(_kind(param), _checker(path, param, parent)))
    return keys


def default_map(config: ConfigFile) -> dict[str, Any]:
    """The config file's values as click's nested ``default_map``, by command path."""
    tree: dict[str, Any] = {}
    for path, param in configured_options():
        key = option_key(param)
        if key in config.values:
            node = tree
            for name in path:
                node = node.setdefault(name, {})
            node[param.name] = config.values[key]
    return tree


def load_defaults(ctx: click.Context, explicit: Path | None) -> None:
    """Read the config file (when the command uses one) into ``ctx.default_map``."""
    wanted = {path[0] for path in CONFIGURED} | {"config"}
    if ctx.resilient_parsing or ctx.invoked_subcommand not in wanted:
        return
    try:
        found = find_config(explicit)
    except ConfigError as exc:
        if ctx.get_parameter_source("config_file") is ParameterSource.ENVIRONMENT:
            raise ConfigError(f"{exc} (from the environment variable {CONFIG_ENV})") from None
        raise
    config = load_config(found, schema(ctx)) if found is not None else ConfigFile(None)
    ctx.default_map = default_map(config)
    ctx.ensure_object(dict)["config"] = config


BEFORE_SUBCOMMAND.append(load_defaults)


# ----------------------------------------------------------------------------- narrate config


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def effective_settings(ctx: click.Context) -> list[dict[str, Any]]:
    """Every configured key: its value now, where it came from, which commands use it."""
    config: ConfigFile = ctx.obj.get("config") or ConfigFile(None)
    rows: dict[str, dict[str, Any]] = {}
    contexts: dict[tuple[str, ...], click.Context] = {}
    for path, param in configured_options():
        key = option_key(param)
        if key in rows:
            rows[key]["commands"].append(" ".join(path))
            continue
        if path not in contexts:
            parent = ctx.find_root()
            for name in path[:-1]:
                sub = _command((name,))
                assert sub is not None
                parent = click.Context(sub, info_name=name, parent=parent)
            cmd = _command(path)
            assert cmd is not None
            contexts[path] = cmd.make_context(path[-1], [], parent=parent, resilient_parsing=True)
        sub_ctx = contexts[path]
        source = sub_ctx.get_parameter_source(param.name)  # type: ignore[arg-type]
        if source is ParameterSource.ENVIRONMENT:
            try:  # parsed resiliently, a bad value is None: converted again, it fails
                param.process_value(sub_ctx, param.resolve_envvar_value(sub_ctx))
            except click.BadParameter as exc:
                raise ConfigError(name_envvar(exc).format_message()) from None
            origin = f"environment {param.envvar}"
        elif source is ParameterSource.DEFAULT_MAP:
            origin = f"config {config.path}"
        else:
            origin = "built-in"
        rows[key] = {
            "key": key,
            "value": _plain(sub_ctx.params.get(param.name)),  # type: ignore[arg-type]
            "source": origin,
            "env": param.envvar,
            "commands": [" ".join(path)],
        }
    return list(rows.values())


@cli.command("config")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def config_command(ctx: click.Context, as_json: bool) -> None:
    """Print the effective option defaults and where each came from.

    The output is itself a valid narrate.toml. Precedence: a flag on the command line,
    then the environment (NARRATE_<KEY>), then the config file, then the built-in default.
    """
    config: ConfigFile = ctx.obj.get("config") or ConfigFile(None)
    rows = effective_settings(ctx)
    if as_json:
        report = {"config_file": str(config.path) if config.path else None, "settings": rows}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"# config file: {config.path or 'none'}")
    width = max(len(r["key"]) for r in rows) + 3 + 24
    for r in rows:
        line = f"{r['key']} = {_toml(r['value'])}" if r["value"] is not None else f"# {r['key']} ="
        click.echo(f"{line.ljust(width)}  # {r['source']}")

