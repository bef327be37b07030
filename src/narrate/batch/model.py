"""The batch's plain data: what is asked, what is to be done, what happened.

Everything here is a frozen dataclass of plain values, so it pickles: work items,
results, progress events and errors cross process (and, on Dask, host) boundaries
as data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .. import __version__
from ..errors import ClipError, FatalError, ItemError, NarrateError
from ..settings import Settings

OK = "ok"
UP_TO_DATE = "up to date"
FAILED = "failed"
DRAFT = "draft"  # the post says draft: true / published: false; not narrated

LOCK_DIR = ".narrate-locks"

@dataclass(frozen=True)
class Entry:
    """One requested input before planning: a source and its manifest values."""

    source: Path
    label: str  # the path as the user gave it, for messages
    options: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the entry is already known to fail
    # where each manifest option was set, for messages: {"voice": "m.toml: item 2"}
    origins: Mapping[str, str] = field(default_factory=dict)
    # what the MP3 records as its review (TXXX NARRATE_SOURCE); "" = the source's path
    # relative to the output folder (see names.source_id). A feed item's own URL, say.
    identity: str = ""


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
    # the folder of the output's lock file; None: LOCK_DIR inside the output folder
    # (narrate publish keeps it out of the folder it publishes)
    lock_dir: Path | None = None

    @property
    def shown_output(self) -> str:
        return self.output_label or str(self.output)

    @property
    def lock_path(self) -> Path:
        """A short, safe lock file name for the output, whatever its name (case-blind)."""
        if self.lock_dir is not None:  # one folder for many outputs: the path names it
            name = str(self.output.parent) + "/" + self.output.name.casefold()
            key = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
            return self.lock_dir / f"{key[:40]}.lock"
        key = hashlib.sha256(self.output.name.casefold().encode("utf-8")).hexdigest()
        return self.output.parent / LOCK_DIR / f"{key[:40]}.lock"


@dataclass(frozen=True)
class ItemResult:
    source: str
    output: str | None
    status: str  # OK, UP_TO_DATE, DRAFT or FAILED
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
    settled: tuple[ItemResult, ...]  # up to date, drafts, or failed before any work

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
    workers: tuple[WorkerState, ...] = ()  # what each running item is on, in run order


@dataclass(frozen=True)
class WorkerState:
    """One running item, for the progress display: which review, and where it is."""

    index: int
    title: str
    phase: str  # "load", "synth", "encode" or "wait" (see ItemProgress)
    paragraph: int = 0
    done: int = 0  # sentences spoken
    total: int = 0


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
                "draft": self.count(DRAFT),
                "audio_seconds": round(self.audio_seconds, 3),
                "elapsed": round(self.elapsed, 3),
            },
            "items": [r.as_dict() for r in self.items],
        }


ProgressCallback = Callable[[Progress], None]


# --------------------------------------------------------- events and errors


@dataclass(frozen=True)
class ItemProgress:
    """Where one running item is: phase ``load``, ``synth``, ``encode`` or ``wait``
    (for another run's lock), the paragraph being spoken, clips done of total."""

    index: int
    phase: str
    paragraph: int = 0
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class Heartbeat:
    """Nothing new: lets the caller refresh the elapsed time and the ETA."""


@dataclass(frozen=True)
class ErrorData:
    """An error as data, to cross a process boundary: ``item`` (skip this item) or
    ``fatal`` (stop the run), its one-line message and, for a clip, its paragraph."""

    kind: Literal["item", "fatal"]
    message: str
    paragraph: int | None = None

    @classmethod
    def of(cls, exc: NarrateError) -> ErrorData:
        kind: Literal["item", "fatal"] = "fatal" if isinstance(exc, FatalError) else "item"
        return cls(kind, str(exc), getattr(exc, "paragraph", None))

    def error(self) -> NarrateError:
        if self.kind == "fatal":
            return FatalError(self.message)
        if self.paragraph is not None:
            return ClipError(self.message, paragraph=self.paragraph)
        return ItemError(self.message)


Event = ItemProgress | ItemResult | Heartbeat
EventCallback = Callable[[ItemProgress], None]
