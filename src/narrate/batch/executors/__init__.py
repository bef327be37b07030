"""The executor registry: ``--executor`` is ``local`` (the default), ``dask://HOST:PORT``
or ``dask-local[:N]``."""

from __future__ import annotations

from ...errors import ConfigError
from .base import Executor
from .dask import DaskExecutor, LocalDaskExecutor
from .local import LocalExecutor

EXECUTORS: dict[str, type[Executor]] = {
    LocalExecutor.name: LocalExecutor,
    DaskExecutor.name: DaskExecutor,
    LocalDaskExecutor.name: LocalDaskExecutor,
}
DEFAULT = LocalExecutor.name


def create_executor(spec: str | None, jobs: int | None = None) -> Executor:
    """The executor that ``spec`` names; ``ConfigError`` (one line) when none does.

    ``jobs`` is the number of worker processes of a local pool (and, for
    ``dask-local`` without ``:N``, of the local cluster).
    """
    spec = (spec or DEFAULT).strip()
    scheme, sep, rest = spec.partition("://")
    if not sep:
        scheme, _, rest = spec.partition(":")
    cls = EXECUTORS.get(scheme)
    if cls is None:
        raise ConfigError(
            f"unknown executor {spec!r} (choose from: local, dask://HOST:PORT, dask-local[:N])"
        )
    return cls.from_spec(rest, jobs)


__all__ = ["DEFAULT", "EXECUTORS", "Executor", "create_executor"]
