"""This process's engines, one per voice, kept as long as the process lives.

A worker (a pool process, a Dask worker) narrates many items and answers the probes
(``probe``) with the same engines: espeak-ng can be initialised only once per process.
Apart from ``item`` and ``probe``, which both use it, so that neither imports the other.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..settings import VoiceSettings

_ENGINES: dict[VoiceSettings, Any] = {}


def worker_engine(voice: VoiceSettings) -> Any:
    """This process's engine for ``voice``: created on first use, then reused."""
    engine = _ENGINES.get(voice)
    if engine is None:
        from ..engines import create_engine

        engine = _ENGINES[voice] = create_engine(voice)
    return engine


def close_engines() -> None:
    while _ENGINES:
        _, engine = _ENGINES.popitem()
        with contextlib.suppress(Exception):
            engine.close()
