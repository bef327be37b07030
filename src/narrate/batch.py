"""``narrate batch``: many reviews in one run, in parallel, resumable, never half-done.

The stages, all plain data in and out (``cli.py`` only parses, calls and prints):

1. **Collect** :class:`Entry` s from paths (:func:`collect_paths`: files, folders
   searched recursively, globs, ``-`` for a list of paths on stdin) and/or a manifest
   (:func:`load_manifest`: TOML ``[defaults]`` + ``[[item]]`` tables, or CSV with a
   header row). Manifest mistakes raise one-line ``ConfigError`` s before any work.
2. **Plan** (:func:`plan_batch`): per entry, its settings (manifest item > manifest
   ``[defaults]`` > command-line options), its title (read from the file without
   segmenting it), an output name in ``out_dir`` and a *fingerprint* of everything
   the MP3 is made from. A name is the slug of the title, or the next free ``-2``,
   ``-3`` ... when another item of the run or another review's MP3 in the folder has
   it (entries are sorted by source path, and an MP3 records the review it was made
   from, so a rerun, or tomorrow's run, gives every review the same name and never
   overwrites another review's audio). An entry whose MP3 already carries that
   fingerprint is "up to date" and never reaches an engine; an unreadable input, a
   bad cover, an unsafe or unusable output name fails here. So does an unknown
   voice, for the whole run, before any work (:func:`check_voices`).
3. **Run** (:func:`run_items`): a small pool of "spawn" processes (espeak-ng cannot be
   initialised twice in one process, and forking after it was hangs). Each worker
   keeps one engine per voice settings for its whole life and narrates one
   :class:`WorkItem` at a time with :func:`narrate_item`, a pure top-level function
   of the item, reporting progress after every clip through its own pipe. A worker
   whose engine makes no progress for ``settings.timeout`` seconds is killed, its
   item fails ("timed out after N s in paragraph K") and a fresh worker takes over.

Fingerprints and sources live in the MP3 itself (ID3 ``TXXX:NARRATE_FINGERPRINT`` and
``TXXX:NARRATE_SOURCE``, the review's path relative to the output folder, so moving
reviews and audio together changes nothing): the MP3 is renamed into place complete
with its tags, so the record of what it was made from can never disagree with the
file, whatever kills a run, and two runs share no state file.

Concurrency: every output is written under a lock file in ``<out_dir>/.narrate-locks``
(a second run waits for it, then finds the MP3 up to date, or, if a concurrent run
gave the name to another review, fails the item rather than overwrite it). Temporaries
carry their process id, so the start-up sweep removes only those of dead processes,
and the parent sweeps a worker's own after killing it. Clip cache writes are atomic
renames of content-addressed files, safe to share.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as _dt
import glob
import hashlib
import io
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TextIO

from . import __version__, errors
from .atomic import remove_stale_temporaries, write_text_atomic
from .clips import ClipStore
from .errors import (
    ConfigError,
    CoverError,
    EngineError,
    FatalError,
    ItemError,
    OutputError,
    UnknownVoiceError,
)
from .settings import Settings, VoiceSettings
from .tags import check_date

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MANIFEST_KEYS = (
    "path", "title", "author", "album", "date", "description",
    "cover", "voice", "rate", "lexicon", "output",
)  # fmt: skip
_ITEM_ONLY_KEYS = ("path", "output")
_PATH_KEYS = ("path", "cover", "lexicon")
_TEXT_KEYS = ("title", "author", "album", "description", "voice", "output")
RATE_RANGE = (60, 450)

OK = "ok"
UP_TO_DATE = "up to date"
FAILED = "failed"

LOCK_DIR = ".narrate-locks"
MAX_NAME_BYTES = 200  # an MP3 name; its side files add up to 14 more (".chapters.json")
_POLL = 0.2  # seconds between the parent's checks of its workers
_GRACE = 2.0  # seconds a stopped worker gets to clean up before it is killed
_GLOB_CHARS = re.compile(r"[*?\[]")
# A title that looks like a path: "../x", "What ../ means", "..\\x", "a/..", "..",
# "/abs", "\\abs", "C:\\x", "C:/x".
_PATHLIKE_TITLE = re.compile(r"\.\.[\\/]|[\\/]\.\.$|^\.\.$|^[\\/]|^[A-Za-z]:[\\/]")


# ------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Entry:
    """One requested input before planning: a source and its manifest values."""

    source: Path
    label: str  # the path as the user gave it, for messages
    options: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the entry is already known to fail
    # where each manifest option was set, for messages: {"voice": "m.toml: item 2"}
    origins: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkItem:
    """One review to narrate: plain, picklable data (it crosses process boundaries)."""

    source: Path  # absolute
    output: Path  # absolute, inside the output folder
    settings: Settings
    title: str
    fingerprint: str = ""
    label: str = ""  # the source as the user gave it, for messages
    output_label: str = ""  # the output as the user will look for it (out dir as given)
    index: int = 0  # position in the run (sorted by source path)
    source_id: str = ""  # the review, as recorded in the MP3 (see source_id()); "" = none

    @property
    def shown_output(self) -> str:
        return self.output_label or str(self.output)

    @property
    def lock_path(self) -> Path:
        """A short, safe lock file name for the output, whatever its name (case-blind)."""
        key = hashlib.sha256(self.output.name.casefold().encode("utf-8")).hexdigest()
        return self.output.parent / LOCK_DIR / f"{key[:40]}.lock"


@dataclass(frozen=True)
class ItemResult:
    source: str
    output: str | None
    status: str  # OK, UP_TO_DATE or FAILED
    reason: str | None = None
    title: str | None = None
    duration: float = 0.0  # seconds of audio
    chapters: int = 0
    clips_synthesized: int = 0
    clips_cached: int = 0
    seconds: float = 0.0  # wall time spent on the item
    index: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "output": self.output,
            "status": self.status,
            "reason": self.reason,
            "title": self.title,
            "duration": round(self.duration, 3),
            "chapters": self.chapters,
            "clips_synthesized": self.clips_synthesized,
            "clips_cached": self.clips_cached,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class BatchPlan:
    work: tuple[WorkItem, ...]  # to narrate
    settled: tuple[ItemResult, ...]  # up to date, or failed before any work

    @property
    def total(self) -> int:
        return len(self.work) + len(self.settled)


@dataclass(frozen=True)
class Progress:
    done: int  # items finished (any status)
    total: int
    audio_seconds: float  # audio produced by this run so far
    elapsed: float
    eta: float | None  # seconds, None while unknown
    running: int = 0


@dataclass(frozen=True)
class BatchResult:
    items: tuple[ItemResult, ...]
    elapsed: float
    out_dir: Path

    def count(self, status: str) -> int:
        return sum(1 for r in self.items if r.status == status)

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if r.status == FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def audio_seconds(self) -> float:
        return sum(r.duration for r in self.items if r.status == OK)

    def as_dict(self) -> dict[str, Any]:
        return {
            "narrate": __version__,
            "out_dir": str(self.out_dir),
            "summary": {
                "total": len(self.items),
                "ok": self.count(OK),
                "up_to_date": self.count(UP_TO_DATE),
                "failed": self.count(FAILED),
                "audio_seconds": round(self.audio_seconds, 3),
                "elapsed": round(self.elapsed, 3),
            },
            "items": [r.as_dict() for r in self.items],
        }


ProgressCallback = Callable[[Progress], None]
ResultCallback = Callable[[ItemResult], None]
EventCallback = Callable[..., None]


# ---------------------------------------------------------------------- collect


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
    .md, .markdown, .html and .htm files. A path that does not exist, or a glob that
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


# --------------------------------------------------------------------- manifest


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
        data = path.read_bytes()
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


# ------------------------------------------------------------------------- plan


def resolve_title(source: Path, settings: Settings) -> str:
    """The title ``load_document`` would give ``source``, without segmenting it.

    Raises ``InputError`` for an unreadable input.
    """
    from .loading import load_text
    from .segment import _clean_title, _title_line, title_from_filename

    loaded = load_text(source, settings.text)
    found = loaded.title
    if loaded.format == "txt":
        found = _title_line(list(loaded.blocks)) or found
    return (
        _clean_title(settings.tags.title) or _clean_title(found) or title_from_filename(loaded.name)
    )


def _shown(value: str, limit: int = 120) -> str:
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def check_output_name(value: str, out_dir: Path) -> str:
    """``value`` as an MP3 file name inside ``out_dir``; ``ValueError`` says why not."""
    v = value.strip()
    shown = _shown(value)
    if "\x00" in v:
        raise ValueError(f"output {shown} contains a NUL character")
    if re.match(r"[A-Za-z]:", v):
        raise ValueError(
            f"output {shown} has a drive letter; it must stay inside the output folder"
        )
    if v.startswith(("/", "\\")):
        raise ValueError(
            f"output {shown} is an absolute path; it must stay inside the output folder"
        )
    parts = re.split(r"[\\/]", v)
    if ".." in parts:
        raise ValueError(f"output {shown} would be written outside the output folder")
    if len(parts) > 1:
        raise ValueError(f"output {shown} must be a file name, not a path")
    if not v or v.startswith("."):
        raise ValueError(f"output {shown} must be a file name that does not start with a dot")
    name = v if v.lower().endswith(".mp3") else v + ".mp3"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise ValueError(
            f"output {shown} is too long ({size} bytes as a file name; at most {MAX_NAME_BYTES})"
        )
    root = out_dir.resolve()
    try:
        inside = (root / name).resolve().parent == root
    except OSError as exc:
        raise ValueError(f"output {shown} cannot be used: {exc.strerror or exc}") from None
    if not inside:
        raise ValueError(f"output {shown} would be written outside the output folder")
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
    from .tags import read_tags

    try:
        return read_tags(path).source or ""
    except Exception:  # unreadable or not an MP3: not ours to overwrite
        return ""


def _not_ours(name: str, owner: str, path: Path) -> str:
    """Why ``name`` (whose holder is ``owner``, not this item's review) is not free."""
    if owner:
        return f"{name} already holds the audio of another review ({owner})"
    if path.is_dir():
        return f"{name} is a folder"
    return f"{name} already exists and was not made from this review"


def _sha256_file(path: Path | None) -> str | None:
    if path is None:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_VERSIONS: dict[str, str] = {}


def _engine_versions(names: Sequence[str]) -> list[str]:
    """In a spawned process: start each engine once and ask its adapter for its version."""
    from .engines import create_engine

    out = []
    for name in names:
        engine = create_engine(VoiceSettings(engine=name))
        try:
            out.append(engine.version())
        finally:
            with contextlib.suppress(Exception):
                engine.close()
    return out


def engine_version(engine: str) -> str:
    """What the engine's adapter reports as its version (``Engine.version()``).

    Asked of the adapter itself, in one short-lived *spawn* process (as
    :func:`check_voices`: espeak-ng must not be initialised in this process), once per
    process and engine. A ``FatalError`` (the engine cannot start) propagates.
    """
    if engine not in _VERSIONS:
        (_VERSIONS[engine],) = _spawned(_engine_versions, [engine])
    return _VERSIONS[engine]


def fingerprint(
    source: Path,
    settings: Settings,
    title: str,
    output_name: str,
    engine_version_: str | None = None,
) -> str:
    """A digest of everything the MP3 is made from.

    Covers the bytes of the input, lexicon and cover, every setting that reaches the
    audio or the tags (not the cache folder or the timeout; paths by content, so a
    moved folder stays up to date), the title and output name, narrate's version and
    the engine's version as its adapter reports it (``engine_version_``, asked of the
    adapter when not given; never a guess from what is on ``PATH``). A missing cover
    raises ``CoverError``; an unreadable input or lexicon ``OSError``.
    """
    cover = settings.tags.cover
    if cover is not None:
        from .tags import load_cover

        load_cover(cover)  # a bad cover fails the item here, before any synthesis
    plain = replace(
        settings,
        cache_dir=None,
        timeout=0.0,
        tags=replace(settings.tags, cover=None, title=title),
        text=replace(settings.text, lexicon=None),
    )
    material = {
        "narrate": __version__,
        "engine": engine_version_ or engine_version(settings.voice.engine),
        "input": _sha256_file(source),
        "lexicon": _sha256_file(settings.text.lexicon),
        "cover": _sha256_file(cover),
        "settings": dataclasses.asdict(plain),
        "title": title,
        "output": output_name,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _item_settings(base: Settings, options: Mapping[str, Any]) -> Settings:
    tags = {k: options[k] for k in ("title", "author", "album", "date", "description", "cover")
            if k in options}  # fmt: skip
    voice = {k: options[k] for k in ("voice", "rate") if k in options}
    text = {"lexicon": options["lexicon"]} if "lexicon" in options else {}
    return base.with_overrides(tags=tags, voice=voice, text=text)


def _absolute(settings: Settings) -> Settings:
    """Paths made absolute, so an item means the same in any process or folder."""
    t, x = settings.tags, settings.text
    return replace(
        settings,
        tags=replace(t, cover=t.cover.absolute() if t.cover else None),
        text=replace(x, lexicon=x.lexicon.absolute() if x.lexicon else None),
        cache_dir=ClipStore(settings.cache_dir).root.absolute(),
    )


def up_to_date(item: WorkItem) -> ItemResult | None:
    """An "up to date" result when ``item.output`` already holds what ``item`` would make."""
    try:
        if not item.fingerprint or not item.output.is_file():
            return None
    except OSError:
        return None
    from .pipeline import side_file_paths
    from .tags import read_tags

    try:
        tags = read_tags(item.output)
    except Exception:  # an unreadable MP3 is simply made again
        return None
    if tags.fingerprint != item.fingerprint:
        return None
    if item.source_id and tags.source != item.source_id:
        return None
    if not all(p.is_file() for p in side_file_paths(item.output, item.settings).values()):
        return None
    return ItemResult(
        source=item.label or str(item.source),
        output=item.shown_output,
        status=UP_TO_DATE,
        title=item.title,
        duration=tags.duration,
        chapters=len(tags.chapters),
        index=item.index,
    )


@dataclass
class _Draft:
    index: int
    entry: Entry
    settings: Settings
    title: str
    wanted: str
    explicit: bool
    source_id: str
    name: str = ""


_NUMBERED = re.compile(r"(.*?)(?:-(\d+))?\.mp3", re.IGNORECASE)


class _Names:
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
            raise ValueError(f"output {_shown(name)} is also the output of another item")
        owner = self.holder(name)
        if owner is not None and owner != source:
            raise ValueError(
                _not_ours(name, owner, self.out_dir / name) + "; choose another output name"
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


def plan_batch(entries: Sequence[Entry], settings: Settings, out_dir: Path) -> BatchPlan:
    """Decide, for every entry, its output and whether it must be narrated at all.

    Reads every input (to find its title) and the MP3s already in ``out_dir`` (to know
    whose they are), but starts no engine and writes nothing. Whatever is wrong with
    one entry fails that entry only.
    """
    from .pipeline import check_output, output_name

    shown_dir = Path(out_dir)
    out_dir = shown_dir.absolute()
    base = _absolute(settings)
    order = _order(entries)
    settled: list[ItemResult] = []
    drafts: list[_Draft] = []

    def fail(index: int, entry: Entry, reason: str, title: str | None = None) -> None:
        log.debug("%s: %s", entry.label, reason)
        settled.append(ItemResult(entry.label, None, FAILED, reason, title=title, index=index))

    for index, i in enumerate(order):
        e = entries[i]
        if e.error:
            fail(index, e, e.error)
            continue
        s = _absolute(_item_settings(base, e.options))
        try:
            title = resolve_title(e.source, s)
        except ItemError as exc:
            fail(index, e, str(exc))
            continue
        if _PATHLIKE_TITLE.search(title):
            fail(index, e, f"title {title!r} looks like a path; it cannot name an output file",
                 title)  # fmt: skip
            continue
        wanted = e.options.get("output")
        if wanted is not None:
            try:
                wanted = check_output_name(wanted, out_dir)
            except ValueError as exc:
                fail(index, e, str(exc), title)
                continue
        else:
            wanted = output_name(title)
        s = s.with_overrides(tags={"title": title})
        drafts.append(_Draft(index, e, s, title, wanted, e.options.get("output") is not None,
                             source_id(e.source, out_dir)))  # fmt: skip

    names = _Names(out_dir)
    named: list[_Draft] = []
    for d in sorted(drafts, key=lambda d: (not d.explicit, d.index)):
        try:
            if d.explicit:
                d.name = names.explicit(d.wanted, d.source_id)
            else:
                d.name = names.slug(d.wanted, d.source_id)
                if d.name != d.wanted:
                    log.info("%s: %s is taken, writing %s",
                             d.entry.label, d.wanted, d.name)  # fmt: skip
            if len(d.name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
                raise ValueError(f"output {_shown(d.name)} is too long for a file name")
            check_output(out_dir / d.name, d.settings)
        except (ValueError, OutputError) as exc:
            fail(d.index, d.entry, str(exc), d.title)
            continue
        except OSError as exc:
            fail(d.index, d.entry, f"output {_shown(d.name or d.wanted)} cannot be used: "
                 f"{exc.strerror or exc}", d.title)  # fmt: skip
            continue
        named.append(d)

    work: list[WorkItem] = []
    for d in sorted(named, key=lambda d: d.index):
        try:
            fp = fingerprint(d.entry.source, d.settings, d.title, d.name)
        except CoverError as exc:
            fail(d.index, d.entry, str(exc), d.title)
            continue
        except OSError as exc:
            fail(d.index, d.entry, f"{exc.filename or d.entry.label}: cannot be read "
                 f"({exc.strerror or exc})", d.title)  # fmt: skip
            continue
        item = WorkItem(
            source=d.entry.source.absolute(),
            output=out_dir / d.name,
            settings=d.settings,
            title=d.title,
            fingerprint=fp,
            label=d.entry.label,
            output_label=str(shown_dir / d.name),
            index=d.index,
            source_id=d.source_id,
        )
        done = up_to_date(item)
        if done is not None:
            settled.append(done)
        else:
            work.append(item)
    return BatchPlan(tuple(work), tuple(sorted(settled, key=lambda r: r.index)))


def _order(entries: Sequence[Entry]) -> list[int]:
    """Entry indexes sorted by source path: the run's order, the same in every run."""
    return sorted(range(len(entries)), key=lambda i: (str(entries[i].source.absolute()), i))


# --------------------------------------------------------------- one item (pure)

_ENGINES: dict[VoiceSettings, Any] = {}


def worker_engine(voice: VoiceSettings) -> Any:
    """This process's engine for ``voice``: created on first use, then reused."""
    engine = _ENGINES.get(voice)
    if engine is None:
        from .engines import create_engine

        engine = _ENGINES[voice] = create_engine(voice)
    return engine


def close_engines() -> None:
    while _ENGINES:
        _, engine = _ENGINES.popitem()
        with contextlib.suppress(Exception):
            engine.close()


def _waiting_lock(item: WorkItem, emit: EventCallback) -> Any:
    from filelock import FileLock, Timeout

    item.lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(item.lock_path))
    said = False
    while True:
        try:
            lock.acquire(timeout=1.0)
            return lock
        except Timeout:
            if not said:
                log.info("%s: another run is writing %s; waiting", item.label, item.output.name)
                said = True
            emit("progress", "wait", 0, 0, 0)


def narrate_item(
    item: WorkItem, *, engine: Any = None, on_event: EventCallback | None = None
) -> ItemResult:
    """Narrate one item into ``item.output``; return what happened. Pure of any pool.

    Holds the output's lock while it works and re-checks, under it, that the output is
    still this review's (a concurrent run may have just given the name to another: the
    item then fails, nothing is overwritten), that its paths are usable, and that it is
    not up to date (another run may have just made it). ``ItemError`` s, problems of the
    item's own output paths and unexpected errors become a failed result; other
    ``FatalError`` s propagate. ``on_event("progress", phase, paragraph, done,
    total)`` is called before synthesis (phase ``"synth"``), after every clip (phase
    ``"encode"`` after the last) and while waiting for the lock (``"wait"``). Without
    ``engine`` the process's own engine for the item's voice is used (and kept).
    """
    from .pipeline import check_output, narrate
    from .segment import load_document
    from .tags import read_tags

    started = time.monotonic()
    emit = on_event or (lambda *a: None)
    label = item.label or str(item.source)

    def failed(reason: str) -> ItemResult:
        reason = reason.replace(str(item.source), label)
        return ItemResult(label, item.shown_output, FAILED, reason, title=item.title,
                          seconds=time.monotonic() - started, index=item.index)  # fmt: skip

    try:
        try:
            os.makedirs(item.output.parent, exist_ok=True)
            lock = _waiting_lock(item, emit)
        except OSError as exc:
            raise OutputError(
                f"cannot write to {item.output.parent}: {exc.strerror or exc}"
            ) from exc
        try:
            if item.source_id:
                owner = holder_of(item.output)
                if owner is not None and owner != item.source_id:
                    return failed(_not_ours(item.output.name, owner, item.output)
                                  + " (another run just wrote it); not overwritten")  # fmt: skip
            try:
                check_output(item.output, item.settings)
            except OutputError as exc:  # this item's own paths: the others may be fine
                return failed(str(exc))
            done = up_to_date(item)
            if done is not None:
                return replace(done, seconds=time.monotonic() - started)
            emit("progress", "load", 0, 0, 0)
            doc = load_document(item.source, item.settings, title=item.title)
            paragraph_of = [seg.index + 1 for seg in doc.segments for _ in seg.sentences]
            total = len(paragraph_of)
            emit("progress", "synth", paragraph_of[0] if paragraph_of else 1, 0, total)
            eng = engine or worker_engine(item.settings.voice)

            def on_clip(n: int, count: int, clip: Any) -> None:
                if n < count:
                    emit("progress", "synth", paragraph_of[n], n, count)
                else:
                    emit("progress", "encode", paragraph_of[-1], n, count)

            result = narrate(doc, item.output, item.settings, engine=eng, on_clip=on_clip,
                             fingerprint=item.fingerprint,
                             source=item.source_id or None)  # fmt: skip
            # The MP3's own length, as "up to date" (and the feed) read it later.
            try:
                duration = read_tags(item.output).duration
            except ItemError:
                duration = result.duration
        finally:
            lock.release()
    except ItemError as exc:
        return failed(str(exc))
    except FatalError:
        raise
    except Exception as exc:  # a bug must not take the batch down: fail this item only
        log.debug("%s: unexpected error", label, exc_info=True)
        return failed(f"unexpected error: {type(exc).__name__}: {exc}")
    return ItemResult(
        source=label,
        output=item.shown_output,
        status=OK,
        title=result.title,
        duration=duration,
        chapters=result.chapters,
        clips_synthesized=result.clips_synthesized,
        clips_cached=result.clips_cached,
        seconds=time.monotonic() - started,
        index=item.index,
    )


# ------------------------------------------------------------------------- pool


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds: atomic temporaries are removed


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # the parent was killed: do not linger
            os._exit(1)


def _worker_main(conn: Connection, log_level: int, parent: int) -> None:
    """A pool process: narrate the items the parent sends until it sends ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sends SIGTERM
    signal.signal(signal.SIGTERM, _exit_on_term)
    logging.basicConfig(level=log_level, format="narrate: %(message)s", stream=sys.stderr)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()

    def send(*message: Any) -> None:
        conn.send(message)

    try:
        while True:
            try:
                item = conn.recv()
            except EOFError:
                break
            if item is None:
                break
            try:
                result = narrate_item(item, on_event=send)
            except FatalError as exc:
                send("fatal", type(exc).__name__, str(exc))
                break
            send("done", result)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        pass
    finally:
        close_engines()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    item: WorkItem | None = None
    since: float = 0.0  # when the item was sent
    last: float = 0.0  # last message about the item
    phase: str = ""
    paragraph: int = 0
    done: int = 0
    total: int = 0


def _fatal(name: str, message: str) -> FatalError:
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, FatalError)):
        cls = FatalError
    return cls(message)


def run_items(
    items: Sequence[WorkItem],
    *,
    jobs: int | None = None,
    on_result: ResultCallback | None = None,
    on_tick: Callable[[Sequence[tuple[int, int]]], None] | None = None,
) -> list[ItemResult]:
    """Narrate ``items`` in a pool of ``jobs`` spawn processes; return their results.

    ``on_result`` is called once per item as it ends; ``on_tick`` about five times a
    second with ``(done, total)`` clips of every running item. A ``FatalError`` in any
    worker stops all of them and is raised here; so is ``KeyboardInterrupt``. A worker
    that has to be stopped gets SIGTERM (it unwinds, removing its temporaries and its
    ffmpeg), then SIGKILL; whatever a killed worker leaves in the output folders is
    swept, so no stop leaves a temporary behind.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    ctx = multiprocessing.get_context("spawn")
    pending = deque(items)
    workers: list[_Worker] = []
    results: list[ItemResult] = []
    level = logging.getLogger().getEffectiveLevel()
    folders = sorted({item.output.parent for item in items})

    def sweep(stopped: Iterable[_Worker]) -> None:
        """Remove the temporaries of workers that did not end cleanly (SIGKILL skips
        their clean-up; a worker's ffmpeg may outlive it by a moment)."""
        pids = [w.process.pid for w in stopped if w.process.exitcode not in (0, None)]
        if not pids:
            return
        for folder in folders:
            removed = remove_stale_temporaries(folder, pids=pids)
            if removed:
                log.debug("removed %d temporary file(s) of stopped workers", removed)

    def stop(stopping: Sequence[_Worker], grace: float = _GRACE) -> None:
        """End these workers: SIGTERM, up to ``grace`` s to unwind, SIGKILL; then sweep."""
        for w in stopping:
            if w.process.is_alive():
                with contextlib.suppress(Exception):
                    w.process.terminate()
        deadline = time.monotonic() + grace
        for w in stopping:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(5)
        sweep(stopping)

    def start() -> _Worker:
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        p = ctx.Process(target=_worker_main, args=(child_conn, level, os.getpid()),
                        name="narrate-worker", daemon=True)  # fmt: skip
        p.start()
        child_conn.close()
        w = _Worker(p, parent_conn)
        workers.append(w)
        return w

    def finish(w: _Worker, result: ItemResult) -> None:
        w.item = None
        results.append(result)
        if on_result:
            on_result(result)

    def drop(w: _Worker) -> None:
        stop([w])
        with contextlib.suppress(OSError):
            w.conn.close()
        workers.remove(w)

    def lost(w: _Worker, reason: str) -> None:
        item = w.item
        drop(w)
        if item is not None:
            finish(w, ItemResult(item.label, item.shown_output, FAILED, reason, title=item.title,
                                 seconds=time.monotonic() - w.since, index=item.index))  # fmt: skip

    def assign(w: _Worker) -> None:
        item = pending.popleft()
        now = time.monotonic()
        w.item, w.since, w.last, w.phase = item, now, now, "start"
        w.paragraph = w.done = w.total = 0
        try:
            w.conn.send(item)
        except OSError:
            lost(w, f"worker process died (exit code {w.process.exitcode})")

    def handle(w: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        w.last = time.monotonic()
        if kind == "progress":
            _, w.phase, w.paragraph, w.done, w.total = message
        elif kind == "done":
            finish(w, message[1])
        elif kind == "fatal":
            raise _fatal(message[1], message[2])

    try:
        while pending or any(w.item for w in workers):
            busy = sum(1 for w in workers if w.item)
            while pending and len(workers) < min(jobs, busy + len(pending)):
                start()
            for w in list(workers):
                if w.item is None and pending:
                    assign(w)
            ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers], _POLL)
            for w in list(workers):
                try:
                    while w in workers and w.conn.poll():
                        handle(w, w.conn.recv())
                except (EOFError, OSError):
                    lost(w, f"worker process died (exit code {w.process.exitcode})")
                    continue
                if w in workers and w.process.sentinel in ready:
                    w.process.join(1)
                    lost(w, f"worker process died (exit code {w.process.exitcode})")
            now = time.monotonic()
            for w in list(workers):
                if w.item is None or w.phase != "synth":
                    continue
                limit = w.item.settings.timeout
                if now - w.last > limit:
                    log.warning(
                        "%s: no progress for %g s; stopping its worker", w.item.label, limit
                    )
                    lost(w, f"timed out after {limit:g} s in paragraph {max(1, w.paragraph)}")
            if on_tick:
                on_tick([(w.done, w.total) for w in workers if w.item])
    except BaseException:
        stop(workers, grace=3.0)
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.close()
        workers.clear()
        raise
    finally:
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        deadline = time.monotonic() + 5
        for w in workers:  # idle workers end on None at once, closing their engines
            w.process.join(max(0.0, deadline - time.monotonic()))
        stop(workers)
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.close()
    return results


# -------------------------------------------------------------------- the batch


class BatchAborted(FatalError):
    """A run stopped by a ``FatalError``. ``result`` still has every item: those that
    ended, and the others as failed ("not narrated: ..."), for the report."""

    def __init__(self, error: FatalError, result: BatchResult) -> None:
        super().__init__(str(error))
        self.error = error
        self.result = result


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that is a file or cannot be written (``OutputError``)."""
    out_dir = Path(out_dir)
    for parent in (out_dir, *out_dir.absolute().parents):
        if parent.exists():
            if not parent.is_dir():
                what = "is a file, not a folder" if parent == out_dir else f"{parent} is a file"
                raise OutputError(f"{out_dir}: {what}")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write to {out_dir}: permission denied")
            return


def _init_child(log_level: int) -> None:
    logging.basicConfig(level=log_level, format="narrate: %(message)s", stream=sys.stderr)


def _voice_problems(wanted: Sequence[VoiceSettings]) -> list[tuple[str, str] | None]:
    """Start each engine with each voice once; ``(error class, message)`` or ``None``."""
    from .engines import create_engine

    engines: list[Any] = []  # kept alive: pyttsx3 must not initialise espeak-ng twice
    out: list[tuple[str, str] | None] = []
    try:
        for voice in wanted:
            try:
                engines.append(create_engine(voice))
            except FatalError as exc:
                out.append((type(exc).__name__, str(exc)))
                if not isinstance(exc, UnknownVoiceError):
                    break  # the engine itself cannot start: no use asking it again
            else:
                out.append(None)
    finally:
        for engine in engines:
            with contextlib.suppress(Exception):
                engine.close()
    return out


def _spawned(function: Callable[..., Any], *args: Any, doing: str = "starting") -> Any:
    """``function(*args)`` in one short-lived spawn process (engines start there, never
    here); a ``FatalError`` raised there is raised here."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    try:
        with ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_child,
                                 initargs=(level,)) as pool:  # fmt: skip
            return pool.submit(function, *args).result()
    except BrokenProcessPool:
        raise EngineError(f"the speech engine crashed while {doing}") from None


def check_voices(wanted: Iterable[tuple[VoiceSettings, str]]) -> None:
    """Raise ``UnknownVoiceError`` (message prefixed with where the voice was set, e.g.
    ``m.toml: item 2``) for the first voice its engine does not know.

    The engines start in one short-lived *spawn* process, never in this one: espeak-ng
    can be initialised only once per process, and must not be when the process forks
    later; the workers, spawned too, start their own. Costs a process start, so it is
    asked only about voices that were set (the default voice always exists).
    """
    first: dict[tuple[str, str | None], str] = {}
    for voice, where in wanted:
        if voice.voice:
            first.setdefault((voice.engine, voice.voice), where)
    if not first:
        return
    keys = list(first)
    problems = _spawned(_voice_problems, [VoiceSettings(engine=e, voice=v) for e, v in keys],
                        doing="looking up the voices")  # fmt: skip
    for key, problem in zip(keys, problems, strict=False):
        if problem is None:
            continue
        name, message = problem
        if name == UnknownVoiceError.__name__:
            where = first[key]
            raise UnknownVoiceError(f"{where}: {message}" if where else message)
        raise _fatal(name, message)


def run_batch(
    entries: Sequence[Entry],
    settings: Settings,
    out_dir: Path,
    *,
    jobs: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchResult:
    """Plan and narrate ``entries`` into ``out_dir``; return every item's result.

    Raises ``ConfigError`` when there is nothing to do. A ``FatalError`` that makes
    every item impossible (an unknown voice, found before any work; a missing tool;
    an unwritable folder) is raised as ``BatchAborted``, which carries the result so
    far; item failures are in the result.
    """
    if not entries:
        raise ConfigError(
            "nothing to narrate: no " + ", ".join(SUPPORTED_SUFFIXES) + " files in the given paths"
        )
    started = time.monotonic()
    out_dir = Path(out_dir)
    results: list[ItemResult] = []
    plan = BatchPlan((), ())
    try:
        check_out_dir(out_dir)
        plan = plan_batch(entries, settings, out_dir)
        results.extend(plan.settled)
        order = _order(entries)
        check_voices(
            (w.settings.voice, entries[order[w.index]].origins.get("voice", "")) for w in plan.work
        )
        removed = remove_stale_temporaries(out_dir)  # only those of dead processes
        if removed:
            log.info("removed %d unfinished file(s) left in %s by a killed run", removed, out_dir)
        finished = [len(results)]
        audio = [0.0]
        work_done = [0]
        last_tick = [0.0]

        def report(running: Sequence[tuple[int, int]] = (), force: bool = False) -> None:
            if on_progress is None:
                return
            now = time.monotonic()
            if not force and now - last_tick[0] < 0.2:
                return
            last_tick[0] = now
            elapsed = now - started
            fraction = work_done[0] + sum(d / t for d, t in running if t)
            left = len(plan.work) - fraction
            eta = elapsed * left / fraction if fraction > 0 else (0.0 if not left else None)
            on_progress(Progress(finished[0], plan.total, audio[0], elapsed, eta, len(running)))

        def on_result(r: ItemResult) -> None:
            results.append(r)
            finished[0] += 1
            work_done[0] += 1
            if r.status == OK:
                audio[0] += r.duration
            if r.status == FAILED:
                log.info("%s: failed: %s", r.source, r.reason)
            report(force=True)

        report(force=True)
        if plan.work:
            run_items(plan.work, jobs=jobs, on_result=on_result, on_tick=report)
        report(force=True)
    except FatalError as exc:
        ended = {r.index for r in results}
        titles = {w.index: w.title for w in plan.work}
        for index, i in enumerate(_order(entries)):
            if index not in ended:
                results.append(ItemResult(entries[i].label, None, FAILED,
                                          f"not narrated: the run stopped: {exc}",
                                          title=titles.get(index), index=index))  # fmt: skip
        results.sort(key=lambda r: r.index)
        result = BatchResult(tuple(results), time.monotonic() - started, out_dir)
        raise BatchAborted(exc, result) from exc
    results.sort(key=lambda r: r.index)
    return BatchResult(tuple(results), time.monotonic() - started, out_dir)


# ---------------------------------------------------------------------- output


def write_report(path: Path, result: BatchResult) -> None:
    """The result as JSON, written atomically."""
    write_text_atomic(Path(path), json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")


def clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_progress(p: Progress) -> str:
    eta = "--:--" if p.eta is None else clock(p.eta)
    return (
        f"narrating: {p.done}/{p.total} items, {p.audio_seconds / 60:.1f} min of audio, "
        f"{clock(p.elapsed)} elapsed, ETA {eta}"
    )


def format_summary(result: BatchResult) -> str:
    """A table, one row per item (status, source, output or reason), then the totals."""
    width = max([len(r.source) for r in result.items] + [6])
    width = min(width, 60)
    rows = [f"{'status':<10}  {'source':<{width}}  output / reason"]
    for r in result.items:
        detail = r.reason if r.status == FAILED else f"{r.output}  ({clock(r.duration)})"
        rows.append(f"{r.status:<10}  {r.source:<{width}}  {detail}")
    rows.append(
        f"{len(result.items)} items: {result.count(OK)} ok, {result.count(UP_TO_DATE)} up to "
        f"date, {result.count(FAILED)} failed; {result.audio_seconds / 60:.1f} min of audio "
        f"in {clock(result.elapsed)}"
    )
    return "\n".join(rows)
