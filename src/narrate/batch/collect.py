"""Collect the inputs of a batch: files, folders (recursive), globs and ``-``."""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .model import Entry

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".rmd", ".mdx")
_GLOB_CHARS = re.compile(r"[*?\[]")

def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _walk(folder: Path) -> list[Path]:
    """Supported files under ``folder``, recursively, skipping hidden files and folders."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            Path(root) / f for f in sorted(files) if not f.startswith(".") and _supported(Path(f))
        )
    return found


def collect_paths(args: Iterable[str], stdin: TextIO | None = None) -> list[Entry]:
    """Entries for files, folders (recursive), globs and ``-`` (paths on ``stdin``).

    A named file is taken whatever its extension; folders and globs give only .txt,
    .md, .markdown, .html, .htm, .rmd and .mdx files. A path that does not exist, or a glob that
    matches nothing, becomes a failed entry. The same file named twice is taken once.
    """
    entries: list[Entry] = []
    seen: set[Path] = set()

    def add(path: Path, error: str | None = None) -> None:
        key = path.absolute()
        if error is None and key in seen:
            return
        seen.add(key)
        entries.append(Entry(source=path, label=str(path), error=error))

    def expand(arg: str) -> None:
        path = Path(arg)
        if path.is_dir():
            for p in _walk(path):
                add(p)
        elif path.exists():
            add(path)
        elif _GLOB_CHARS.search(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                add(path, f"{arg}: no files match")
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    for p in _walk(mp):
                        add(p)
                elif _supported(mp):
                    add(mp)
        else:
            add(path, f"{arg}: no such file")

    for arg in args:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin
            for line in stream:
                if line.strip():
                    expand(line.strip())
        else:
            expand(arg)
    return entries


