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

INSTALL = "the Dask executors need the dask extra: pip install 'narrate-reviews[dask]'"
RETRIES = 2  # an item whose task raised is tried this many more times
LEASE = {  # the cluster's locks: a lost worker's lock is freed after this long
    "distributed.scheduler.locks.lease-timeout": "10s",
    "distributed.scheduler.locks.lease-validation-interval": "1s",
}
_POLL = 0.2


def distributed_module() -> Any:
    try:
        import distributed
    except ImportError:
        raise DependencyError(INSTALL) from None
    # Dask's own chatter (INFO: workers joining, comms closing) is not the user's news.
    for name in ("distributed", "tornado"):
        if logging.getLogger(name).getEffectiveLevel() < logging.ERROR:
            logging.getLogger(name).setLevel(logging.ERROR)
    return distributed


# ------------------------------------------------------------- on the client


class DaskExecutor(Executor):
    """``--executor dask://HOST:PORT``: the workers of a running Dask scheduler."""

    name = "dask"

    def __init__(self, address: str) -> None:
        self.address = address
        self.client: Any = None

    @classmethod
    def from_spec(cls, rest: str, jobs: int | None) -> Executor:
        distributed_module()  # a missing extra is said before any work
        if not rest:
            raise ConfigError("--executor dask://HOST:PORT needs the scheduler's address")
        return cls(rest)

    def start(self) -> None:
        distributed = distributed_module()
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
        from .dask_tasks import with_worker_engines

        return self.client.submit(with_worker_engines, function, *args, pure=False).result()

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
            from .dask_tasks import probe_storage

            answers = self.client.run(probe_storage, [str(p) for p in paths], token)
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
        distributed = distributed_module()
        from .dask_tasks import EnginePlugin, narrate_task

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
        distributed_module()
        if rest and not (rest.isdigit() and int(rest) > 0):
            raise ConfigError(f"dask-local:{rest}: N must be a whole number of workers, 1 or more")
        return cls(int(rest) if rest else max(1, jobs or os.cpu_count() or 1))

    def start(self) -> None:
        distributed = distributed_module()
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


__all__ = ["INSTALL", "LEASE", "DaskExecutor", "LocalDaskExecutor"]
