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
from .workers import worker_engine

Call = Callable[..., Any]  # call(function, *args) -> function(*args), run elsewhere
# Set in a process whose engines live as long as it does (a Dask worker): the probes
# then ask those engines instead of starting and closing their own.
USE_WORKER_ENGINES = False


def _engine(voice: VoiceSettings) -> Any:
    if USE_WORKER_ENGINES:
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


Answer = str | VoiceProblem  # a voice's version, or why it cannot be used


def _start_each(wanted: Sequence[VoiceSettings], ask: Callable[[Any], Any]) -> list[Any]:
    """Start the engine with each voice once and ``ask`` it; a ``VoiceProblem`` for a
    voice that cannot start. After an engine that cannot start at all, nothing more is
    asked (the list is then shorter). Every engine stays alive to the end: pyttsx3 must
    not initialise espeak-ng twice."""
    engines: list[Any] = []
    out: list[Any] = []
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
                out.append(ask(engines[-1]))
    finally:
        for engine in engines:
            _close(engine)
    return out


def _version(engine: Any) -> str:
    """The adapter's version and, when set, its renderer (``Engine.renderer``): an MP3
    made before the way clips are made changed is no longer up to date."""
    renderer = engine.renderer()
    return f"{engine.version()} ({renderer})" if renderer else str(engine.version())


def voice_versions(wanted: Sequence[VoiceSettings]) -> list[Answer]:
    """Each voice's ``Engine.version()`` as its adapter reports it with that voice
    (run where engines run): Piper's names the voice file's hash, speaker and pace."""
    return _start_each(wanted, _version)


_VERSIONS: dict[VoiceSettings, str] = {}


def _answers(voices: Sequence[VoiceSettings], call: Call) -> dict[VoiceSettings, Answer]:
    """Each distinct voice's version, or the problem of a voice its engine does not
    know, asked through ``call`` in one go; raises ``FatalError`` when the engine cannot
    start. Through ``spawned``, each version is asked once per process."""
    cached = call is spawned
    found: dict[VoiceSettings, Answer] = {}
    wanted = []
    for voice in dict.fromkeys(voices):
        if cached and voice in _VERSIONS:
            found[voice] = _VERSIONS[voice]
        else:
            wanted.append(voice)
    if wanted:
        for voice, answer in zip(wanted, call(voice_versions, wanted), strict=False):
            if isinstance(answer, VoiceProblem) and not answer.unknown:
                raise answer.error.error()
            found[voice] = answer
            if cached and isinstance(answer, str):
                _VERSIONS[voice] = answer
    return found


def engine_versions(voices: Sequence[VoiceSettings], call: Call = spawned) -> list[str | None]:
    """What the engine's adapter reports as its version (``Engine.version()``) with each
    of ``voices``; None for a voice its engine does not know (``check_voices`` names
    it). Raises ``FatalError`` when the engine cannot start."""
    found = _answers(voices, call)
    return [a if isinstance(a, str) else None for a in (found[v] for v in voices)]


def engine_version(voice: VoiceSettings, call: Call = spawned) -> str:
    """:func:`engine_versions` of one voice; raises ``UnknownVoiceError`` for a voice
    its engine does not know."""
    answer = _answers([voice], call)[voice]
    if isinstance(answer, VoiceProblem):
        raise UnknownVoiceError(answer.error.message)
    return answer


def voice_problems(wanted: Sequence[VoiceSettings]) -> list[VoiceProblem | None]:
    """Start each engine with each voice once (run where engines run)."""
    return [a if isinstance(a, VoiceProblem) else None for a in _start_each(wanted, _none)]


def _none(engine: Any) -> None:
    return None


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
