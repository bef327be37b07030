"""The site a post belongs to: its generator's config file, for what the post leaves out.

A post's header often names no author because the site's config does, once for all
posts (Hugo ``params.author``, Zola ``[extra.author]``, Jekyll and Hexo ``author:``).
The config is the first of :data:`CONFIG_NAMES` in ``--site-root`` or, without it, in
the post's folder or one of its :data:`MAX_UP` parents (not past a repository's root,
the home folder or the temporary folder), parsed by the same parsers as a
header (PyYAML, tomllib). Only the author is taken from it; a config that does not
parse is no config (no warning: it is not the post's).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import yaml

CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml",
                "config.yml", "_config.yml", "_config.yaml")  # fmt: skip
MAX_UP = 6  # folders above the post's that may be the site's
MAX_CONFIG_BYTES = 1024 * 1024
_AUTHOR_KEYS = ("author", "authors")
# Tables whose "author" keys name a taxonomy, a menu entry or a URL pattern, not a person
# (Hugo's `[taxonomies] author = "authors"`).
_NOT_ABOUT_PEOPLE = frozenset(
    {"taxonomies", "permalinks", "menu", "menus", "outputs", "outputFormats", "related"}
)


def site_config(post: Path, site_root: Path | None = None) -> dict[str, Any]:
    """The parsed config of the site ``post`` is in, or ``{}``."""
    places = [site_root] if site_root is not None else [post.parent, *post.parent.parents][
        : MAX_UP + 1]  # fmt: skip
    for place in places:
        if site_root is None and _never_a_site(place):
            break
        for name in CONFIG_NAMES:
            found = _read(place / name)
            if found is not None:
                return found
        if site_root is None and (place / ".git").exists():
            break  # a repository's root: its site is no further up
    return {}


def _never_a_site(place: Path) -> bool:
    """The filesystem root, the home folder and the temporary folder hold no site."""
    import tempfile

    resolved = place.resolve()
    return resolved in {Path(resolved.anchor), Path.home().resolve(),
                        Path(tempfile.gettempdir()).resolve()}  # fmt: skip


def _read(path: Path) -> dict[str, Any] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file() or stat.st_size > MAX_CONFIG_BYTES:
        return None
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parse(path: Path, mtime_ns: int, size: int) -> dict[str, Any] | None:
    """The config at ``path`` (cached while it is unchanged: a batch reads it once)."""
    try:
        text = path.read_text("utf-8")
        value = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeError, ValueError, yaml.YAMLError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def site_author(config: dict[str, Any]) -> Any:
    """The first ``author``/``authors`` value, top level first, then its tables (Hugo's
    ``params``, ``params.profile``, Zola's ``extra``), at most three tables deep."""
    level: list[dict[str, Any]] = [config]
    for _ in range(3):
        for table in level:
            for key in _AUTHOR_KEYS:
                if table.get(key):
                    return table[key]
        level = [v for t in level for k, v in t.items()
                 if isinstance(v, dict) and k not in _NOT_ABOUT_PEOPLE][:50]  # fmt: skip
    return None
