"""Manifests: TOML ``[defaults]`` + ``[[item]]`` tables, or CSV with a header row.

Every mistake is one ``ConfigError`` line naming the manifest and the item, raised
before any work.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import MANIFEST_MAX_BYTES, TooLarge, read_capped, too_large_message
from ..profiles import get_profile
from ..tags import check_date
from .model import Entry

MANIFEST_KEYS = (
    "path", "title", "author", "album", "date", "description",
    "cover", "voice", "rate", "lexicon", "output", "profile",
)  # fmt: skip
_ITEM_ONLY_KEYS = ("path", "output")
_PATH_KEYS = ("path", "cover", "lexicon")
_TEXT_KEYS = ("title", "author", "album", "description", "voice", "output")
RATE_RANGE = (60, 450)

def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _check_values(
    raw: Mapping[str, Any], where: str, base: Path, *, item: bool, csv_text: bool = False
) -> dict[str, Any]:
    """Validate one manifest item (or the defaults) and convert its values."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in MANIFEST_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}")
        if not item and key in _ITEM_ONLY_KEYS:
            raise ConfigError(f"{where}: {key!r} belongs in an item, not in [defaults]")
        if key == "rate":
            if csv_text and isinstance(value, str):
                if not value.strip():
                    continue
                try:
                    value = int(value.strip())
                except ValueError:
                    raise ConfigError(
                        f"{where}: 'rate' must be a whole number, got {value!r}"
                    ) from None
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{where}: 'rate' must be a whole number, got {_describe(value)}")
            low, high = RATE_RANGE
            if not low <= value <= high:
                raise ConfigError(f"{where}: 'rate' must be between {low} and {high}, got {value}")
            out[key] = value
            continue
        if key == "date":
            if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
                value = value.isoformat()
            if isinstance(value, str) and not value.strip():
                continue
            if not isinstance(value, str) or not _valid_date(value.strip()):
                raise ConfigError(
                    f"{where}: 'date' must be a date like 2024-05-31 or 2024, "
                    f"got {_describe(value)}"
                )
            value = value.strip()
            out[key] = value
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key!r} must be a string, got {_describe(value)}")
        if not value.strip():
            continue  # an empty value (a blank CSV cell) means "not set"
        if key in _PATH_KEYS:
            path = base / value.strip()
            if not path.exists():
                raise ConfigError(f"{where}: {key} {value.strip()!r} does not exist")
            if path.is_dir():
                raise ConfigError(f"{where}: {key} {value.strip()!r} is a folder, not a file")
            out[key] = path
        elif key == "profile":
            try:
                out[key] = get_profile(value.strip()).name
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        elif key in _TEXT_KEYS:
            out[key] = value if key == "description" else value.strip()
    if item and "path" not in out:
        raise ConfigError(f"{where}: missing 'path'")
    return out


def _valid_date(value: str) -> bool:
    try:
        check_date(value)
    except ValueError:
        return False
    return True


def _read_manifest(path: Path) -> str:
    name = str(path)
    try:
        data = read_capped(path, MANIFEST_MAX_BYTES)
    except TooLarge as exc:
        raise ConfigError(too_large_message(name, "manifest", exc.limit)) from None
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such manifest file") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: is a folder, not a manifest file") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the manifest: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: the manifest is not UTF-8 text") from None


def _entry(
    values: dict[str, Any], defaults: Mapping[str, Any], where: str, defaults_where: str = ""
) -> Entry:
    options = {**defaults, **values}
    source = options.pop("path")
    origins = {key: (where if key in values else defaults_where) for key in options}
    return Entry(source=source, label=str(source), options=options, origins=origins)


def load_manifest(path: Path) -> list[Entry]:
    """Entries from a TOML manifest (or CSV when the name ends in .csv).

    TOML: an optional ``[defaults]`` table and ``[[item]]`` tables with the keys of
    ``MANIFEST_KEYS``. CSV: a header row of those names, one item per row, empty
    cells unset. Relative paths resolve against the manifest's folder. Every mistake
    raises ``ConfigError`` with one line naming the manifest and the item (TOML:
    ``item N``, counting from 1) or the line (CSV: ``line N``).
    """
    path = Path(path)
    text = _read_manifest(path)
    base = path.parent
    if path.suffix.lower() == ".csv":
        return _load_csv(text, str(path), base)
    return _load_toml(text, str(path), base)


def _load_toml(text: str, name: str, base: Path) -> list[Entry]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: invalid TOML: {exc}") from None
    for key in doc:
        if key not in ("defaults", "item"):
            raise ConfigError(
                f"{name}: unknown key {key!r} (a manifest has [defaults] and [[item]] tables)"
            )
    defaults_raw = doc.get("defaults", {})
    if not isinstance(defaults_raw, dict):
        raise ConfigError(f"{name}: 'defaults' must be a table: write [defaults]")
    defaults = _check_values(defaults_raw, f"{name}: [defaults]", base, item=False)
    defaults_where = f"{name}: [defaults]"
    items = doc.get("item", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{name}: 'item' must be an array of tables: write [[item]]")
    if not items:
        raise ConfigError(f"{name}: no items (add [[item]] tables, each with a path)")
    entries = []
    for n, raw in enumerate(items, start=1):
        where = f"{name}: item {n}"
        values = _check_values(raw, where, base, item=True)
        entries.append(_entry(values, defaults, where, defaults_where))
    return entries


def _load_csv(text: str, name: str, base: Path) -> list[Entry]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    entries: list[Entry] = []
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header = [c.strip() for c in row]
                for col in header:
                    if col not in MANIFEST_KEYS:
                        raise ConfigError(f"{name}: line {line}: unknown column {col!r}")
                    if header.count(col) > 1:
                        raise ConfigError(f"{name}: line {line}: column {col!r} appears twice")
                if "path" not in header:
                    raise ConfigError(f"{name}: line {line}: no 'path' column in the header")
                continue
            if len(row) > len(header):
                raise ConfigError(
                    f"{name}: line {line}: {len(row)} fields, but the header has {len(header)}"
                )
            raw = dict(zip(header, row, strict=False))
            where = f"{name}: line {line}"
            values = _check_values(raw, where, base, item=True, csv_text=True)
            entries.append(_entry(values, {}, where))
    except csv.Error as exc:
        raise ConfigError(f"{name}: line {reader.line_num}: bad CSV: {exc}") from None
    if header is None:
        raise ConfigError(f"{name}: empty CSV manifest (expected a header row with 'path')")
    if not entries:
        raise ConfigError(f"{name}: no items (one row per review after the header)")
    return entries


