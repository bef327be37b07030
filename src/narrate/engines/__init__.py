"""Engine registry: ``--engine`` is a choice over ``ENGINES``."""

from __future__ import annotations

from ..errors import EngineError
from ..settings import VoiceSettings
from .base import AudioChunk, Engine, Voice
from .piper_engine import PiperEngine
from .pyttsx3_engine import Pyttsx3Engine
from .tone import ToneEngine

ENGINES: dict[str, type[Engine]] = {
    Pyttsx3Engine.name: Pyttsx3Engine,
    PiperEngine.name: PiperEngine,
    ToneEngine.name: ToneEngine,
}


def create_engine(settings: VoiceSettings) -> Engine:
    try:
        cls = ENGINES[settings.engine]
    except KeyError:
        raise EngineError(
            f"unknown engine {settings.engine!r} (choose from: {', '.join(sorted(ENGINES))})"
        ) from None
    return cls(settings)


__all__ = ["ENGINES", "AudioChunk", "Engine", "Voice", "create_engine"]
