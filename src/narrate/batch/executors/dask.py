"""Dask executors: ``dask://HOST:PORT`` (a running scheduler) and ``dask-local[:N]``.

The items are the same plain :class:`WorkItem` s as with the local pool, submitted
as tasks with retries. Each worker process loads its engine once (a ``WorkerPlugin``)
and narrates one item at a time; a worker lost mid-item has its item rerun on
another, and since an MP3 is renamed into place only when complete, a lost worker
never leaves a partial file at a final path. Progress reaches the client as worker
events (``log_event``), rebuilt into :class:`ItemProgress`. The per-output locks are
the cluster's (``distributed.Lock``), not lock files on a network filesystem.

Outputs and the clip cache must be on storage every worker sees: at start, each
worker reads a probe file the client wrote in the output folder and writes one back;
a worker that cannot is named in a one-line ``OutputError``.

Not on Dask: the per-item ``--timeout`` kill (a task thread cannot be killed; the
engine's own time limits still apply).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ...atomic import remove_stale_temporaries
from ...errors import ConfigError, DependencyError, EngineError, OutputError
from ...settings import VoiceSettings
from ..model import ErrorData, Event, Heartbeat, ItemProgress, ItemResult, WorkItem
from .base import Executor

log = logging.getLogger(__name__)

INSTALL = "the Dask executors need the dask extra: pip install 'narrate[dask]'"
RETRIES = 2  # an item whose task raised is tried this many more times
LEASE = {  # the cluster's locks: a lost worker's lock is freed after this long
    "distributed.scheduler.locks.lease-timeout": "10s",
    "distributed.scheduler.locks.lease-validation-interval": "1s",
}
_POLL = 0.2
_ONE_AT_A_TIME = threading.Lock()  # per worker process: an engine speaks one item at a time


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DependencyError(INSTALL) from None
    # Dask's own chatter (INFO: workers joining, comms closing) is not the user's news.
    for name in ("distributed", "tornado"):
        if logging.getLogger(name).getEffectiveLevel() < logging.ERROR:
            logging.getLogger(name).setLevel(logging.ERROR)
    return distributed


# ------------------------------------------------------------ on the workers


try:  # the module imports without the extra; the executors then say what to install
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - exercised by the missing-extra test
    _WorkerPlugin = object  # type: ignore[assignment,misc]


class EnginePlugin(_WorkerPlugin):  # type: ignore[misc,valid-type]
    """Starts the run's engines once in each worker process; closes them at its end."""

    idempotent = True

    def __init__(self, voices: Sequence[VoiceSettings]) -> None:
        self.voices = tuple(voices)

    def setup(self, worker: Any) -> None:
        from ..item import worker_engine

        for voice in self.voices:
            try:
                worker_engine(voice)
            except Exception as exc:  # the item that needs it fails with the reason
                log.warning("narrate: %s could not start its engine: %s", worker.address, exc)

    def teardown(self, worker: Any) -> None:
        from ..item import close_engines

        close_engines()


def _cluster_lock(item: WorkItem, on_wait: Callable[[], None]) -> Any:
    distributed = _distributed()
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

    distributed = _distributed()
    worker = distributed.get_worker()

    def emit(event: ItemProgress) -> None:
        with contextlib.suppress(Exception):
            worker.log_event(topic, dataclasses.asdict(event))

    with _ONE_AT_A_TIME:
        try:
            return narrate_item(item, on_event=emit, lock=_cluster_lock)
        except FatalError as exc:
            return ErrorData.of(exc)


def _with_worker_engines(function: Callable[..., Any], *args: Any) -> Any:
    """Run a probe with this worker's own long-lived engines (espeak-ng cannot start
    twice in one process, and a Dask worker may not spawn children)."""
    from .. import probe

    probe.USE_WORKER_ENGINES = True
    with _ONE_AT_A_TIME:
        return function(*args)


def _probe_storage(folders: Sequence[str], token: str) -> str | None:
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


# ------------------------------------------------------------- on the client


class DaskExecutor(Executor):
    """``--executor dask://HOST:PORT``: the workers of a running Dask scheduler."""

    name = "dask"

    def __init__(self, address: str) -> None:
        self.address = address
        self.client: Any = None

    @classmethod
    def from_spec(cls, rest: str, jobs: int | None) -> Executor:
        _distributed()  # a missing extra is said before any work
        if not rest:
            raise ConfigError("--executor dask://HOST:PORT needs the scheduler's address")
        return cls(rest)

    def start(self) -> None:
        distributed = _distributed()
        try:
            self.client = distributed.Client(f"tcp://{self.address}", timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        if not self.client.scheduler_info().get("workers"):
            with contextlib.suppress(Exception):
                self.client.wait_for_workers(1, timeout=10)

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
            self.client = None

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(_with_worker_engines, function, *args, pure=False).result()

    def check_storage(self, folders: Sequence[Path]) -> None:
        token = uuid.uuid4().hex
        paths = [Path(f).absolute() for f in folders]
        made = []
        try:
            for folder in paths:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    probe = folder / f".narrate-probe-{token}"
                    probe.write_text(token, encoding="utf-8")
                except OSError as exc:
                    raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
                made.append(probe)
            answers = self.client.run(_probe_storage, [str(p) for p in paths], token)
            for worker, answer in sorted(answers.items()):
                seen = answer is not None and all(
                    (f / f".narrate-probe-{token}-{answer}").is_file() for f in paths
                )
                if not seen:
                    why = answer if answer and " " in answer else "its files are not seen here"
                    raise OutputError(
                        f"Dask worker {worker} {why}: outputs and the clip cache must be on "
                        "storage that every worker shares"
                    )
        finally:
            for folder in paths:
                for p in folder.glob(f".narrate-probe-{token}*"):
                    with contextlib.suppress(OSError):
                        p.unlink()

    def run(self, items: Sequence[WorkItem]) -> Iterator[Event]:
        distributed = _distributed()
        client = self.client
        voices = sorted({i.settings.voice for i in items}, key=repr)
        plugin = EnginePlugin(voices)
        client.register_plugin(plugin, name="narrate-engines-" + _digest(voices))
        topic = f"narrate-progress-{uuid.uuid4().hex}"
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        client.subscribe_topic(topic, lambda event: events.put(event[1]))
        futures = {
            client.submit(narrate_task, item, topic, key=f"narrate-{topic[-12:]}-{item.index}",
                          retries=RETRIES, pure=False): item
            for item in items
        }  # fmt: skip
        pending = set(futures)
        try:
            while pending:
                try:
                    done, pending = distributed.wait(pending, timeout=_POLL,
                                                     return_when="FIRST_COMPLETED")  # fmt: skip
                except TimeoutError:
                    done = set()
                while True:
                    try:
                        yield _progress(events.get_nowait())
                    except queue.Empty:
                        break
                for future in done:
                    yield self._result(future, futures[future])
                yield Heartbeat()
        finally:
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(topic)
            if pending:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending), force=True)
            for folder in sorted({i.output.parent for i in items}):
                remove_stale_temporaries(folder)  # of this host's lost workers

    @staticmethod
    def _result(future: Any, item: WorkItem) -> ItemResult:
        try:
            outcome = future.result()
        except Exception as exc:  # the task failed on every try, or its workers died
            reason = f"failed on the cluster: {type(exc).__name__}: {exc}"
            return ItemResult(item.label, item.shown_output, "failed", reason,
                              title=item.title, index=item.index)  # fmt: skip
        if isinstance(outcome, ErrorData):
            raise outcome.error()
        return outcome


class LocalDaskExecutor(DaskExecutor):
    """``--executor dask-local[:N]``: a ``LocalCluster`` of N worker processes here
    (default: ``--jobs``), one thread each, for trying Dask on one machine."""

    name = "dask-local"

    def __init__(self, workers: int) -> None:
        super().__init__("")
        self.workers = workers
        self.cluster: Any = None

    @classmethod
    def from_spec(cls, rest: str, jobs: int | None) -> Executor:
        _distributed()
        if rest and not (rest.isdigit() and int(rest) > 0):
            raise ConfigError(f"dask-local:{rest}: N must be a whole number of workers, 1 or more")
        return cls(int(rest) if rest else max(1, jobs or os.cpu_count() or 1))

    def start(self) -> None:
        distributed = _distributed()
        import dask

        with dask.config.set(LEASE):
            self.cluster = distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR,
            )  # fmt: skip
        self.client = distributed.Client(self.cluster)

    def close(self) -> None:
        super().close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
            self.cluster = None


_PROGRESS_FIELDS = tuple(f.name for f in dataclasses.fields(ItemProgress))


def _progress(message: dict[str, Any]) -> ItemProgress:
    """A worker event (a dict, plus the ``worker`` Dask adds) back into its dataclass."""
    return ItemProgress(**{k: message[k] for k in _PROGRESS_FIELDS if k in message})


def _digest(voices: Sequence[VoiceSettings]) -> str:
    return hashlib.sha256(repr(voices).encode("utf-8")).hexdigest()[:12]


__all__ = ["INSTALL", "DaskExecutor", "EnginePlugin", "LocalDaskExecutor", "narrate_task"]
