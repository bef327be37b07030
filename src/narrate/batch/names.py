"""Output names: safe, inside the output folder, and never another review's MP3.

A name is the slug of the title, or the next free ``-2``, ``-3`` ... when another item
of the run or another review's MP3 in the folder has it. An MP3 records the review it
was made from (its path relative to the output folder), so a rerun gives every
review the same name and never overwrites another review's audio.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

MAX_NAME_BYTES = 200  # an MP3 name; its side files add up to 14 more (".chapters.json")
# A title that looks like a path: "../x", "What ../ means", "..\\x", "a/..", "..",
# "/abs", "\\abs", "C:\\x", "C:/x".
PATHLIKE_TITLE = re.compile(r"\.\.[\\/]|[\\/]\.\.$|^\.\.$|^[\\/]|^[A-Za-z]:[\\/]")


def shown(value: str, limit: int = 120) -> str:
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def check_output_name(value: str, out_dir: Path) -> str:
    """``value`` as an MP3 file name inside ``out_dir``; ``ValueError`` says why not."""
    v = value.strip()
    what = shown(value)
    if "\x00" in v:
        raise ValueError(f"output {what} contains a NUL character")
    if re.match(r"[A-Za-z]:", v):
        raise ValueError(
            f"output {what} has a drive letter; it must stay inside the output folder"
        )
    if v.startswith(("/", "\\")):
        raise ValueError(
            f"output {what} is an absolute path; it must stay inside the output folder"
        )
    parts = re.split(r"[\\/]", v)
    if ".." in parts:
        raise ValueError(f"output {what} would be written outside the output folder")
    if len(parts) > 1:
        raise ValueError(f"output {what} must be a file name, not a path")
    if not v or v.startswith("."):
        raise ValueError(f"output {what} must be a file name that does not start with a dot")
    name = v if v.lower().endswith(".mp3") else v + ".mp3"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise ValueError(
            f"output {what} is too long ({size} bytes as a file name; at most {MAX_NAME_BYTES})"
        )
    root = out_dir.resolve()
    try:
        inside = (root / name).resolve().parent == root
    except OSError as exc:
        raise ValueError(f"output {what} cannot be used: {exc.strerror or exc}") from None
    if not inside:
        raise ValueError(f"output {what} would be written outside the output folder")
    return name


def source_id(source: Path, out_dir: Path) -> str:
    """How an MP3 in ``out_dir`` records the review it was made from.

    The review's path relative to the output folder (``../reviews/a.txt``), so moving
    reviews and audio together keeps it; an absolute path when there is none.
    """
    src, out = Path(source).resolve(), Path(out_dir).resolve()
    try:
        return Path(os.path.relpath(src, out)).as_posix()
    except ValueError:  # another drive (Windows)
        return src.as_posix()


def holder_of(path: Path) -> str | None:
    """Whose ``path`` is: ``None`` when nothing is there, else the review its MP3 was
    made from, or ``""`` when it does not say (a folder, another program's file...)."""
    try:
        if not os.path.lexists(path):
            return None
        if not path.is_file():
            return ""
    except OSError:
        return ""
    from ..tags import read_source

    try:
        return read_source(path) or ""
    except Exception:  # unreadable or not an MP3: not ours to overwrite
        return ""


def not_ours(name: str, owner: str, path: Path) -> str:
    """Why ``name`` (whose holder is ``owner``, not this item's review) is not free."""
    if owner:
        return f"{name} already holds the audio of another review ({owner})"
    if path.is_dir():
        return f"{name} is a folder"
    return f"{name} already exists and was not made from this review"



_NUMBERED = re.compile(r"(.*?)(?:-(\d+))?\.mp3", re.IGNORECASE)


class Names:
    """Chooses output names: free in this run, and free in the folder for this review."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.taken: set[str] = set()  # casefolded names given in this run
        self._holders: dict[str, str | None] = {}
        # The folder's MP3s by stem without any "-N": where a review's own may be.
        self._family: dict[str, list[tuple[int, str]]] = {}
        with contextlib.suppress(OSError):
            for name in os.listdir(out_dir):
                m = _NUMBERED.fullmatch(name)
                if m:
                    n = int(m.group(2)) if m.group(2) else 1
                    self._family.setdefault(m.group(1).casefold(), []).append((n, name))
                    if m.group(2):  # "part-2.mp3" may be the plain name of "Part 2"
                        stem = name[:-4].casefold()
                        self._family.setdefault(stem, []).append((1, name))

    def holder(self, name: str) -> str | None:
        if name not in self._holders:
            self._holders[name] = holder_of(self.out_dir / name)
        return self._holders[name]

    def explicit(self, name: str, source: str) -> str:
        """``name`` itself; ``ValueError`` when it is another item's or review's."""
        if name.casefold() in self.taken:
            raise ValueError(f"output {shown(name)} is also the output of another item")
        owner = self.holder(name)
        if owner is not None and owner != source:
            raise ValueError(
                not_ours(name, owner, self.out_dir / name) + "; choose another output name"
            )
        self.taken.add(name.casefold())
        return name

    def slug(self, name: str, source: str) -> str:
        """``name``, or ``<stem>-2.mp3``, ``-3`` ...: the first this review already
        has in the folder, else the first that is free both in this run and there."""
        stem = name[:-4]

        def numbered(n: int) -> str:
            return name if n == 1 else f"{stem}-{n}.mp3"

        mine = sorted(
            (n, found)
            for n, found in self._family.get(stem.casefold(), [])
            if found.casefold() == numbered(n).casefold()
        )
        for n, found in mine:
            if found.casefold() not in self.taken and self.holder(found) == source:
                chosen = numbered(n)
                break
        else:
            n = 1
            while numbered(n).casefold() in self.taken or self.holder(numbered(n)) is not None:
                n += 1
            chosen = numbered(n)
        self.taken.add(chosen.casefold())
        return chosen


