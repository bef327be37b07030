"""Run a batch: plan it, check it, hand the work to an executor, collect the results.

A ``FatalError`` that makes every item impossible (an unknown voice, found before any
work; a missing tool; an unwritable folder) ends the run as :class:`BatchAborted`,
which still carries every item's result for the report.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from ..atomic import remove_stale_temporaries, write_text_atomic
from ..clips import ClipStore
from ..errors import ConfigError, FatalError, OutputError
from ..files import is_one_of
from ..settings import Settings
from .collect import SUPPORTED_SUFFIXES
from .executors import Executor, create_executor
from .model import (
    FAILED,
    OK,
    BatchPlan,
    BatchResult,
    Entry,
    ItemProgress,
    ItemResult,
    Progress,
    ProgressCallback,
    WorkerState,
)
from .plan import order, plan_batch
from .probe import check_voices, engine_versions

log = logging.getLogger(__name__)



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




def run_batch(
    entries: Sequence[Entry],
    settings: Settings,
    out_dir: Path,
    *,
    jobs: int | None = None,
    executor: str | Executor | None = None,
    on_progress: ProgressCallback | None = None,
    lock_dir: Path | None = None,
) -> BatchResult:
    """Plan and narrate ``entries`` into ``out_dir``; return every item's result.

    ``executor`` is an ``--executor`` value (default ``local``, a pool of ``jobs``
    processes) or an :class:`Executor`. Raises ``ConfigError`` when there is nothing to
    do, and ``BatchAborted`` (carrying the result so far) for a ``FatalError``; item
    failures are in the result.
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
        runner = executor if isinstance(executor, Executor) else create_executor(executor, jobs)
        with runner:
            plan = plan_batch(entries, settings, out_dir, lock_dir=lock_dir,
                              versions=lambda v: engine_versions(v, runner.call))  # fmt: skip
            results.extend(plan.settled)
            _run_plan(plan, entries, runner, out_dir, started, results, on_progress)
    except FatalError as exc:
        ended = {r.index for r in results}
        titles = {w.index: w.title for w in plan.work}
        for index, i in enumerate(order(entries)):
            if index not in ended:
                results.append(ItemResult(entries[i].label, None, FAILED,
                                          f"not narrated: the run stopped: {exc}",
                                          title=titles.get(index), index=index))  # fmt: skip
        results.sort(key=lambda r: r.index)
        result = BatchResult(tuple(results), time.monotonic() - started, out_dir)
        raise BatchAborted(exc, result) from exc
    results.sort(key=lambda r: r.index)
    return BatchResult(tuple(results), time.monotonic() - started, out_dir)


def _run_plan(
    plan: BatchPlan,
    entries: Sequence[Entry],
    runner: Executor,
    out_dir: Path,
    started: float,
    results: list[ItemResult],
    on_progress: ProgressCallback | None,
) -> None:
    """Check the voices, sweep, run the work; append each result to ``results``."""
    where = order(entries)
    check_voices(
        ((w.settings.voice, entries[where[w.index]].origins.get("voice", "")) for w in plan.work),
        runner.call,
    )
    cache = plan.work[0].settings.cache_dir if plan.work else None
    runner.check_storage([out_dir] + ([ClipStore(cache).root] if plan.work else []))
    removed = remove_stale_temporaries(out_dir)  # only those of dead processes
    if removed:
        log.info("removed %d unfinished file(s) left in %s by a killed run", removed, out_dir)
    finished = len(results)
    audio = 0.0
    work_done = 0
    last_tick = 0.0
    running: dict[int, ItemProgress] = {}
    titles = {w.index: w.title or w.label for w in plan.work}

    def report(force: bool = False) -> None:
        nonlocal last_tick
        if on_progress is None:
            return
        now = time.monotonic()
        if not force and now - last_tick < 0.2:
            return
        last_tick = now
        elapsed = now - started
        fraction = work_done + sum(e.done / e.total for e in running.values() if e.total)
        left = len(plan.work) - fraction
        eta = elapsed * left / fraction if fraction > 0 else (0.0 if not left else None)
        workers = tuple(
            WorkerState(i, titles.get(i, ""), e.phase, e.paragraph, e.done, e.total)
            for i, e in sorted(running.items())
        )
        on_progress(Progress(finished, plan.total, audio, elapsed, eta, len(running), workers))

    report(force=True)
    if plan.work:
        with contextlib.closing(iter(runner.run(plan.work))) as events:
            for event in events:
                if isinstance(event, ItemProgress):
                    running[event.index] = event
                elif isinstance(event, ItemResult):
                    running.pop(event.index, None)
                    results.append(event)
                    finished += 1
                    work_done += 1
                    if event.status == OK:
                        audio += event.duration
                    if event.status == FAILED:
                        log.info("%s: failed: %s", event.source, event.reason)
                    report(force=True)
                    continue
                report()
    report(force=True)


def check_report_path(path: Path, inputs: Sequence[Path]) -> None:
    """Refuse a report that would replace a review, the manifest or an MP3 (before work)."""
    if Path(path).suffix.lower() != ".json":
        raise OutputError(f"{path}: the report file name must end in .json")
    if is_one_of(path, inputs):
        raise OutputError(
            f"{path}: is one of the input files; writing it would replace the input"
        )
    if Path(path).is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")


def write_report(path: Path, result: BatchResult) -> None:
    """The result as JSON, written atomically."""
    write_text_atomic(Path(path), json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
