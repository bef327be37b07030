"""Narrate one item: a pure function of a :class:`WorkItem`, whatever runs it.

It holds the output's lock while it works (a file lock by default; the executor may
give another, e.g. a cluster's), re-checks under it that the output is still this
review's and not up to date, and reports typed :class:`ItemProgress` events.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from ..errors import FatalError, ItemError, OutputError
from .fingerprint import up_to_date
from .model import FAILED, OK, EventCallback, ItemProgress, ItemResult, WorkItem
from .names import holder_of, not_ours
from .workers import worker_engine

log = logging.getLogger(__name__)

# lock(item, on_wait) -> a context manager that holds the lock of item's output
Lock = Callable[[WorkItem, Callable[[], None]], AbstractContextManager[Any]]

@contextlib.contextmanager
def file_lock(item: WorkItem, on_wait: Callable[[], None]) -> Iterator[None]:
    """The output's lock file in ``<out_dir>/.narrate-locks``; ``on_wait()`` each second
    while another run holds it."""
    from filelock import FileLock, Timeout

    item.lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(item.lock_path))
    said = False
    while True:
        try:
            lock.acquire(timeout=1.0)
            break
        except Timeout:
            if not said:
                log.info("%s: another run is writing %s; waiting", item.label, item.output.name)
                said = True
            on_wait()
    try:
        yield
    finally:
        lock.release()


def narrate_item(
    item: WorkItem,
    *,
    engine: Any = None,
    on_event: EventCallback | None = None,
    lock: Lock = file_lock,
) -> ItemResult:
    """Narrate one item into ``item.output``; return what happened. Pure of any pool.

    Holds the output's lock while it works and re-checks, under it, that the output is
    still this review's (a concurrent run may have just given the name to another: the
    item then fails, nothing is overwritten), that its paths are usable, and that it is
    not up to date (another run may have just made it). ``ItemError`` s, problems of the
    item's own output paths and unexpected errors become a failed result; other
    ``FatalError`` s propagate. ``on_event(ItemProgress)`` is called before synthesis
    (phase ``"synth"``), after every clip (phase ``"encode"`` after the last) and while
    waiting for the lock (``"wait"``). Without ``engine`` the process's own engine for
    the item's voice is used (and kept).
    """
    from ..pipeline import check_output, narrate
    from ..segment import load_document
    from ..tags import read_tags

    started = time.monotonic()
    on_event = on_event or (lambda event: None)

    def emit(phase: str, paragraph: int = 0, done: int = 0, total: int = 0) -> None:
        on_event(ItemProgress(item.index, phase, paragraph, done, total))

    label = item.label or str(item.source)

    def failed(reason: str) -> ItemResult:
        reason = reason.replace(str(item.source), label)
        return ItemResult(label, item.shown_output, FAILED, reason, title=item.title,
                          seconds=time.monotonic() - started, index=item.index)  # fmt: skip

    try:
        with contextlib.ExitStack() as held:
            try:
                os.makedirs(item.output.parent, exist_ok=True)
                held.enter_context(lock(item, lambda: emit("wait")))
            except OSError as exc:
                raise OutputError(
                    f"cannot write to {item.output.parent}: {exc.strerror or exc}"
                ) from exc
            if item.source_id:
                owner = holder_of(item.output)
                if owner is not None and owner != item.source_id:
                    return failed(not_ours(item.output.name, owner, item.output)
                                  + " (another run just wrote it); not overwritten")  # fmt: skip
            try:
                check_output(item.output, item.settings)
            except OutputError as exc:  # this item's own paths: the others may be fine
                return failed(str(exc))
            done = up_to_date(item)
            if done is not None:
                return replace(done, seconds=time.monotonic() - started)
            emit("load")
            doc = load_document(item.source, item.settings, title=item.title)
            paragraph_of = [seg.index + 1 for seg in doc.segments for _ in seg.sentences]
            total = len(paragraph_of)
            emit("synth", paragraph_of[0] if paragraph_of else 1, 0, total)
            eng = engine or worker_engine(item.settings.voice)

            def on_clip(n: int, count: int, clip: Any) -> None:
                if n < count:
                    emit("synth", paragraph_of[n], n, count)
                else:
                    emit("encode", paragraph_of[-1], n, count)

            result = narrate(doc, item.output, item.settings, engine=eng, on_clip=on_clip,
                             fingerprint=item.fingerprint,
                             source=item.source_id or None)  # fmt: skip
            # The MP3's own length, as "up to date" (and the feed) read it later.
            try:
                duration = read_tags(item.output).duration
            except ItemError:
                duration = result.duration
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

