"""The local executor: a small pool of *spawn* processes on this machine.

espeak-ng cannot be initialised twice in one process, and forking after it was hangs,
so workers are spawned. Each keeps one engine per voice settings for its whole life
and narrates one item at a time, reporting progress after every clip through its own
pipe as typed messages (:class:`ItemProgress`, :class:`ItemResult`, and a fatal error
as :class:`ErrorData`). A worker whose engine makes no progress for
``settings.timeout`` seconds is killed, its item fails ("timed out after N s in
paragraph K") and a fresh worker takes over. Any stop (Ctrl-C, SIGTERM, a fatal
error) sends SIGTERM (a worker unwinds, removing its temporaries and its ffmpeg),
then SIGKILL; whatever a killed worker leaves in the output folders is swept.

Why not pebble or loky: pebble's ProcessPool kills a task after a fixed total time,
not after N seconds without progress, and has no channel for per-clip progress; loky
reuses workers but cannot kill and replace one hung worker. Either would still need
this pipe, the inactivity clock, the SIGTERM-then-SIGKILL stop and the sweep, so it
would not be less code.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ...atomic import remove_stale_temporaries
from ...engines.base import ENGINE_THREADS_ENV
from ...errors import ConfigError, FatalError
from ..item import narrate_item
from ..model import FAILED, ErrorData, Event, Heartbeat, ItemProgress, ItemResult, WorkItem
from ..probe import spawned
from ..workers import close_engines
from .base import Executor

log = logging.getLogger(__name__)

_POLL = 0.2  # seconds between the parent's checks of its workers
_GRACE = 2.0  # seconds a stopped worker gets to clean up before it is killed

Message = ItemProgress | ItemResult | ErrorData  # worker -> parent


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds: atomic temporaries are removed


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # the parent was killed: do not linger
            os._exit(1)


def _worker_main(conn: Connection, log_level: int, parent: int, threads: int = 0) -> None:
    """A pool process: narrate the items the parent sends until it sends ``None``.

    ``threads``: how many threads its engine may use (ONNX Runtime for Piper), so that
    the pool's workers share the CPUs instead of each taking them all.
    """
    if threads:
        os.environ.setdefault(ENGINE_THREADS_ENV, str(threads))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sends SIGTERM
    signal.signal(signal.SIGTERM, _exit_on_term)
    logging.basicConfig(level=log_level, format="narrate: %(message)s", stream=sys.stderr)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    send: Callable[[Message], None] = conn.send
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
                send(ErrorData.of(exc))
                break
            send(result)
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


class LocalExecutor(Executor):
    """``--executor local``: ``jobs`` spawn processes (default: one per CPU)."""

    name = "local"

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    @classmethod
    def from_spec(cls, rest: str, jobs: int | None) -> LocalExecutor:
        if rest:
            raise ConfigError(f"unknown executor 'local:{rest}' (local takes no address)")
        return cls(jobs)

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return spawned(function, *args)

    def run(self, items: Sequence[WorkItem]) -> Iterator[Event]:
        return _run(items, self.jobs)


def _run(items: Sequence[WorkItem], jobs: int) -> Iterator[Event]:
    ctx = multiprocessing.get_context("spawn")
    pending = deque(items)
    workers: list[_Worker] = []
    level = logging.getLogger().getEffectiveLevel()
    folders = sorted({item.output.parent for item in items})
    ended: list[ItemResult] = []  # results to yield (bookkeeping happens in helpers)

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
        threads = max(1, (os.cpu_count() or 1) // jobs)
        p = ctx.Process(target=_worker_main, args=(child_conn, level, os.getpid(), threads),
                        name="narrate-worker", daemon=True)  # fmt: skip
        p.start()
        child_conn.close()
        w = _Worker(p, parent_conn)
        workers.append(w)
        return w

    def finish(w: _Worker, result: ItemResult) -> None:
        w.item = None
        ended.append(result)

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
        w.item, w.since, w.last, w.phase, w.paragraph = item, now, now, "start", 0
        try:
            w.conn.send(item)
        except OSError:
            lost(w, f"worker process died (exit code {w.process.exitcode})")

    def handle(w: _Worker, message: Message) -> Event | None:
        w.last = time.monotonic()
        if isinstance(message, ItemProgress):
            w.phase, w.paragraph = message.phase, message.paragraph
            return message
        if isinstance(message, ItemResult):
            finish(w, message)
            return None
        raise message.error()  # ErrorData: a fatal error, as data

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
                        event = handle(w, w.conn.recv())
                        if event is not None:
                            yield event
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
            while ended:
                yield ended.pop(0)
            yield Heartbeat()
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
