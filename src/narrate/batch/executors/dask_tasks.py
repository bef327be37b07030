"""What runs on the Dask workers: the engine plugin, the item task, the probes.

Imported only when a Dask executor runs (it needs the ``narrate-reviews[dask]`` extra).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import distributed
from distributed.diagnostics.plugin import WorkerPlugin

from ...settings import VoiceSettings
from ..model import ErrorData, ItemProgress, ItemResult, WorkItem

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Lock()  # per worker process: an engine speaks one item at a time


class EnginePlugin(WorkerPlugin):
    """Starts the run's engines once in each worker process; closes them at its end."""

    idempotent = True

    def __init__(self, voices: Sequence[VoiceSettings]) -> None:
        self.voices = tuple(voices)

    def setup(self, worker: Any) -> None:
        from ..workers import worker_engine

        for voice in self.voices:
            try:
                worker_engine(voice)
            except Exception as exc:  # the item that needs it fails with the reason
                log.warning("narrate: %s could not start its engine: %s", worker.address, exc)

    def teardown(self, worker: Any) -> None:
        from ..workers import close_engines

        close_engines()


def _cluster_lock(item: WorkItem, on_wait: Callable[[], None]) -> Any:
    name = "narrate-" + hashlib.sha256(str(item.lock_path).encode("utf-8")).hexdigest()[:40]

    @contextlib.contextmanager
    def held() -> Iterator[None]:
        lock = distributed.Lock(name)
        while not lock.acquire(timeout=1.0):
            on_wait()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                lock.release()

    return held()


def narrate_task(item: WorkItem, topic: str) -> ItemResult | ErrorData:
    """One item, as a Dask task: a result, or a fatal error as data (never raised, so
    it is not retried)."""
    from ...errors import FatalError
    from ..item import narrate_item

    worker = distributed.get_worker()

    def emit(event: ItemProgress) -> None:
        with contextlib.suppress(Exception):
            worker.log_event(topic, dataclasses.asdict(event))

    with _ONE_AT_A_TIME:
        try:
            return narrate_item(item, on_event=emit, lock=_cluster_lock)
        except FatalError as exc:
            return ErrorData.of(exc)


def with_worker_engines(function: Callable[..., Any], *args: Any) -> Any:
    """Run a probe with this worker's own long-lived engines (espeak-ng cannot start
    twice in one process, and a Dask worker may not spawn children)."""
    from .. import probe

    probe.USE_WORKER_ENGINES = True
    with _ONE_AT_A_TIME:
        return function(*args)


def probe_storage(folders: Sequence[str], token: str) -> str | None:
    """On a worker: read the client's probe file in each folder, write one back."""
    me = uuid.uuid4().hex
    for folder in folders:
        probe = Path(folder) / f".narrate-probe-{token}"
        try:
            if probe.read_text(encoding="utf-8") != token:
                return f"cannot see the files in {folder} (the probe file differs)"
            (Path(folder) / f".narrate-probe-{token}-{me}").write_text(me, encoding="utf-8")
        except OSError as exc:
            return f"cannot see {folder} ({exc.strerror or exc})"
    return me
