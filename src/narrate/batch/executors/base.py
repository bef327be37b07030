"""The executor interface: what runs a batch's work items, and where.

An executor takes plain, picklable :class:`WorkItem` s and yields typed events (item
progress, heartbeats) and one :class:`ItemResult` per item, whatever runs them: a
pool of local processes, or a Dask cluster. A ``FatalError`` in any item stops the
run and is raised from :meth:`Executor.run`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..model import Event, WorkItem


class Executor(ABC):
    """Runs work items. Use as a context manager: it starts on enter, ends on exit."""

    #: the ``--executor`` value's scheme: ``local``, ``dask`` (``dask://HOST:PORT``) ...
    name: ClassVar[str] = ""

    @classmethod
    @abstractmethod
    def from_spec(cls, rest: str, jobs: int | None) -> Executor:
        """The executor for an ``--executor`` value, given what follows the scheme
        (``HOST:PORT`` of ``dask://HOST:PORT``, ``N`` of ``dask-local:N``, else "")."""

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:  # noqa: B027 - optional hook
        """Connect or start what runs the items."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release it."""

    @abstractmethod
    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` where the items run (engines start there, never here)."""

    def check_storage(self, folders: Sequence[Path]) -> None:  # noqa: B027 - optional
        """Raise ``OutputError`` naming any worker that cannot see ``folders``."""

    @abstractmethod
    def run(self, items: Sequence[WorkItem]) -> Iterator[Event]:
        """Narrate ``items``; yield progress events and exactly one result per item.

        Closing the iterator early (or an exception in it, Ctrl-C included) stops
        every worker and leaves no temporary behind.
        """
