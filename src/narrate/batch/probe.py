"""Ask the engines, where they run, what they are: their version and their voices.

Engines never start in the batch's own process: espeak-ng can be initialised only
once per process and must not be before a fork. The questions run through a
``call(function, *args)`` that the executor provides (a short-lived *spawn* process
here, a worker on a cluster), so the answers come from the engines that will speak.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError, FatalError, UnknownVoiceError
from ..settings import VoiceSettings
from .model import ErrorData

Call = Callable[..., Any]  # call(function, *args) -> function(*args), run elsewhere
# Set in a process whose engines live as long as it does (a Dask worker): the probes
# then ask those engines instead of starting and closing their own.
USE_WORKER_ENGINES = False


def _engine(voice: VoiceSettings) -> Any:
    if USE_WORKER_ENGINES:
        from .item import worker_engine

        return worker_engine(voice)
    from ..engines import create_engine

    return create_engine(voice)


def _close(engine: Any) -> None:
    if not USE_WORKER_ENGINES:
        with contextlib.suppress(Exception):
            engine.close()


@dataclass(frozen=True)
class VoiceProblem:
    """Why one voice cannot be used: ``unknown`` (the engine has no such voice) or
    the engine cannot start at all (``error``)."""

    unknown: bool
    error: ErrorData


def init_child(log_level: int) -> None:
    logging.basicConfig(level=log_level, format="narrate: %(message)s", stream=sys.stderr)


def spawned(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in one short-lived spawn process (engines start there, never
    here); an exception raised there is raised here."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    try:
        with ProcessPoolExecutor(1, mp_context=ctx, initializer=init_child,
                                 initargs=(level,)) as pool:  # fmt: skip
            return pool.submit(function, *args).result()
    except BrokenProcessPool:
        raise EngineError("the speech engine crashed while it was starting") from None


def engine_versions(names: Sequence[str]) -> list[str | ErrorData]:
    """Start each engine once and ask its adapter for its version (run where engines run)."""
    out: list[str | ErrorData] = []
    for name in names:
        try:
            engine = _engine(VoiceSettings(engine=name))
        except FatalError as exc:
            out.append(ErrorData.of(exc))
            continue
        try:
            out.append(engine.version())
        finally:
            _close(engine)
    return out


_VERSIONS: dict[str, str] = {}


def engine_version(engine: str, call: Call = spawned) -> str:
    """What the engine's adapter reports as its version (``Engine.version()``), asked
    through ``call`` (in a spawn process: once per process and engine). Raises
    ``FatalError`` when the engine cannot start."""
    if call is spawned and engine in _VERSIONS:
        return _VERSIONS[engine]
    (found,) = call(engine_versions, [engine])
    if isinstance(found, ErrorData):
        raise found.error()
    if call is spawned:
        _VERSIONS[engine] = found
    return found


def voice_problems(wanted: Sequence[VoiceSettings]) -> list[VoiceProblem | None]:
    """Start each engine with each voice once (run where engines run)."""
    engines: list[Any] = []  # kept alive: pyttsx3 must not initialise espeak-ng twice
    out: list[VoiceProblem | None] = []
    try:
        for voice in wanted:
            try:
                engines.append(_engine(voice))
            except FatalError as exc:
                unknown = isinstance(exc, UnknownVoiceError)
                out.append(VoiceProblem(unknown, ErrorData.of(exc)))
                if not unknown:
                    break  # the engine itself cannot start: no use asking it again
            else:
                out.append(None)
    finally:
        for engine in engines:
            _close(engine)
    return out


def check_voices(wanted: Iterable[tuple[VoiceSettings, str]], call: Call = spawned) -> None:
    """Raise ``UnknownVoiceError`` (message prefixed with where the voice was set, e.g.
    ``m.toml: item 2``) for the first voice its engine does not know.

    Costs a process start, so it is asked only about voices that were set (the default
    voice always exists).
    """
    first: dict[tuple[str, str | None], str] = {}
    for voice, where in wanted:
        if voice.voice:
            first.setdefault((voice.engine, voice.voice), where)
    if not first:
        return
    keys = list(first)
    try:
        problems = call(voice_problems, [VoiceSettings(engine=e, voice=v) for e, v in keys])
    except EngineError:
        raise EngineError("the speech engine crashed while looking up the voices") from None
    for key, problem in zip(keys, problems, strict=False):
        if problem is None:
            continue
        message = problem.error.message
        if problem.unknown:
            where = first[key]
            raise UnknownVoiceError(f"{where}: {message}" if where else message)
        raise problem.error.error()
