"""Which espeak-ng voice: its variants, the quote voice, a voice for a script or language.

Plain functions over the voice lists the adapter (``pyttsx3_engine``) gives them; the
adapter keeps the driver, the settings and what it has already asked.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from .base import (
    LANGUAGE_SCRIPTS,
    Voice,
    best_voice,
    scripts_for_language,
    unknown_voice,
    voice_language,
)

log = logging.getLogger(__name__)

# --quote-voice auto: the first of these espeak-ng variants that is installed.
QUOTE_VARIANTS = ("f3", "f2", "f4", "f1", "m3")


def list_variants(lib: Any) -> list[Voice]:
    """espeak-ng's voice variants ("f3", "m2", "klatt"), from pyttsx3's binding ``lib``."""
    spec = lib.VOICE()
    spec.languages = b"variant"
    return [
        Voice(id=v.identifier.decode().split("/")[-1], name=v.name.decode(),
              gender={1: "Male", 2: "Female"}.get(v.gender))
        for v in lib.ListVoices(spec) or []
    ]  # fmt: skip


def with_variant(voice: Voice, wanted: str, variants: list[Voice], engine: str) -> Voice:
    """``voice`` with the variant named after the "+" of ``wanted`` ("gmw/en+f3")."""
    variant = wanted.partition("+")[2]
    found = next((v for v in variants if v.id == variant), None)
    if found is None:
        raise unknown_voice(engine, wanted, "; variants: espeak-ng --voices=variant")
    return replace(voice, id=f"{voice.id}+{found.id}",
                   name=f"{voice.name}, {found.name}", gender=found.gender)  # fmt: skip


def quote_variant(base: str, variants: list[Voice]) -> str | None:
    """A contrasting variant of the voice ``base``: a woman's voice ("+f3") for
    espeak-ng's voices, which are all men's; None when none is installed."""
    installed = {v.id for v in variants}
    for variant in QUOTE_VARIANTS:
        if variant in installed and base:
            return f"{base}+{variant}"
    return None


def script_voice(voices: list[Voice], script: str, sample: str = "") -> str | None:
    """The voice for a span in ``script``: for the span's detected language when one
    reads the script (Farsi, not Arabic, for a Persian title), else for the first
    language listed for the script."""
    from ..segment.language import guess_span_language

    detected = guess_span_language(sample) if sample else None
    wanted = [detected] if detected and script in scripts_for_language(detected) else []
    wanted += [lang for lang, s in LANGUAGE_SCRIPTS.items() if script in s]
    for language in wanted:
        found = best_voice(voices, voice_language(language))
        if found is not None:
            return found.id
    return None


def language_voice(voices: list[Voice], language: str, default_id: str | None) -> str | None:
    """The voice for ``language`` ("fr" -> roa/fr, "zh" -> sit/cmn); None when the
    default voice speaks it as well as any; without one, a warning and None."""
    default = next((v for v in voices if v.id == default_id), None)
    found = best_voice(voices, language, default)
    if found is None:
        log.warning("espeak-ng has no voice for the language %s; the default voice "
                    "reads it", language)  # fmt: skip
        return None
    return None if default is not None and found.id == default.id else found.id


def voice_scripts(voices: list[Voice], voice_id: str | None) -> frozenset[str] | None:
    """What the voice ``voice_id`` reads, from its language; a variant reads what its
    voice does."""
    base = (voice_id or "").split("+")[0]
    return next((scripts_for_language(v.languages[0]) for v in voices
                 if v.id == base and v.languages), None)  # fmt: skip
