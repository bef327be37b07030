"""The config file: defaults for the options of ``narrate read``, ``batch`` and ``plan``.

One ``narrate.toml`` is used, the first of: the file ``--config`` (or
``NARRATE_CONFIG``) names, ``./narrate.toml``, and ``narrate.toml`` in the user config
folder (platformdirs). It holds flat ``key = value`` lines whose keys are the long
option names without the dashes (``rate = 150``, ``sentence-pause = 0.3``,
``intro = "{title}. A review by {author}."``).

This module finds and reads the file and checks every key against a *schema* the
caller gives (the CLI derives it from its options): an unknown key or a value of the
wrong TOML type is a :class:`ConfigError` naming the file and the key. Relative paths
are resolved against the config file's folder, so one file works from anywhere.
Precedence (flag > environment > config file > built-in) is applied by the CLI.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError
from .files import CONFIG_MAX_BYTES, TooLarge, read_capped, too_large_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_NAME = "narrate.toml"
#: A table of podcast settings that ``narrate publish`` reads from the same file.
SHOW_TABLE = "podcast"
CONFIG_ENV = "NARRATE_CONFIG"

#: The TOML types a key may hold, by the kind of value its option takes.
KINDS = ("str", "int", "float", "bool", "path", "list", "choice")

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


@dataclass(frozen=True)
class Key:
    """What one config key may hold.

    ``kind`` is one of :data:`KINDS` (``list`` takes a string or a list of strings
    and gives them comma-joined, as the option takes them; ``choice`` a string or
    an integer, for choices like ``id3-version = 4``). ``check`` validates
    the typed value further (ranges, choices) and raises ``ValueError`` with the
    reason; the value kept is the typed one, which the option converts again.
    """

    kind: str
    check: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ConfigFile:
    """The config file in force: ``path`` is None when there is none."""

    path: Path | None
    values: Mapping[str, Any] = field(default_factory=dict)  # key -> checked value


def user_config_path() -> Path:
    """``narrate.toml`` in the user config folder (e.g. ``~/.config/narrate/``)."""
    return Path(platformdirs.user_config_dir("narrate", appauthor=False)) / CONFIG_NAME


def find_config(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file to use: ``explicit`` (which must exist), else the first found."""
    if explicit is not None:
        if not explicit.exists():
            raise ConfigError(f"{explicit}: config file not found")
        return explicit
    for candidate in ((cwd or Path()) / CONFIG_NAME, user_config_path()):
        if candidate.is_file():
            return candidate
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """Parse the TOML file ``path``; every failure is one ``ConfigError`` naming it."""
    try:
        raw = read_capped(path, CONFIG_MAX_BYTES)
    except TooLarge as exc:
        raise ConfigError(too_large_message(str(path), "config file", exc.limit)) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None


def _type_name(value: Any) -> str:
    return next((n for t, n in _TYPE_NAMES.items() if type(value) is t), type(value).__name__)


def _typed(value: Any, kind: str, base: Path) -> Any:
    """``value`` as ``kind`` wants it, or ``ValueError`` saying what was expected."""
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind == "choice":
        ok = isinstance(value, (str, int)) and not isinstance(value, bool)
    elif kind == "list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, str)
    if not ok:
        wanted = {
            "path": "a string (a path)",
            "list": "a string or a list of strings",
            "choice": "a string",
        }.get(
            kind, _TYPE_NAMES[{"int": int, "float": float, "bool": bool}.get(kind, str)]
        )
        raise ValueError(f"must be {wanted}, not {_type_name(value)}")
    if kind == "float":
        return float(value)
    if kind == "path":
        if not value.strip():
            raise ValueError("must not be empty")
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else base / path)
    return value


def load_config(path: Path, schema: Mapping[str, Key]) -> ConfigFile:
    """Read and check the config file ``path`` against ``schema`` (key -> :class:`Key`)."""
    data = read_toml(path)
    if isinstance(data.get(SHOW_TABLE), dict):  # the show's settings: narrate publish's
        data = {k: v for k, v in data.items() if k != SHOW_TABLE}
    return check_config(path, data, schema)


def check_config(path: Path, data: Mapping[str, Any], schema: Mapping[str, Key]) -> ConfigFile:
    """Check the keys ``data`` read from ``path`` (or a table of it) against ``schema``."""
    base = path.parent
    values: dict[str, Any] = {}
    for key, value in data.items():
        spec = schema.get(key)
        if spec is None:
            close = difflib.get_close_matches(key.replace("_", "-"), list(schema), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{path}: unknown key '{key}'{hint}")
        try:
            values[key] = checked = _typed(value, spec.kind, base)
            if spec.check is not None:
                spec.check(checked)
        except ValueError as exc:
            raise ConfigError(f"{path}: key '{key}': {exc}") from None
    return ConfigFile(path, values)
