"""The engine adapter interface (modelled on piper's voice.py and beets' replaygain backends)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..errors import UnknownVoiceError
from ..settings import DEFAULT_ENGINE, VoiceSettings


@dataclass(frozen=True)
class AudioChunk:
    """A run of interleaved little-endian PCM samples (8-bit ones unsigned, as in WAV)."""

    sample_rate: int
    sample_width: int  # bytes per sample: 2 = 16-bit
    channels: int
    data: bytes

    @property
    def frames(self) -> int:
        return len(self.data) // (self.sample_width * self.channels)

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None
    quality: str | None = None  # Piper: x_low, low, medium, high
    sample_rate: int | None = None
    speakers: int | None = None  # a multi-speaker voice takes --speaker 0..speakers-1

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "languages": list(self.languages),
            "gender": self.gender,
        }
        for key in ("quality", "sample_rate", "speakers"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


# How many threads an engine may use (ONNX Runtime's intra-op threads for Piper);
# unset: all CPUs. ``narrate batch`` sets it in each worker to share the CPUs.
ENGINE_THREADS_ENV = "NARRATE_ENGINE_THREADS"

# The scripts espeak-ng's voices read, by language (the part of a code before "-" or
# "_"). Piper phonemizes with espeak-ng, so its voices read the same. Every voice also
# reads Latin (espeak-ng switches to English rules for it); a language not listed
# reads Latin only. The first language listed for a script is the one suggested for it.
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    lang: frozenset(scripts.split())
    for lang, scripts in {
        "cmn": "CJK",
        "zh": "CJK",
        "yue": "CJK",
        "hak": "CJK",
        "ja": "CJK HIRAGANA KATAKANA",
        "ko": "HANGUL",
        "ar": "ARABIC",
        "fa": "ARABIC",
        "ur": "ARABIC",
        "sd": "ARABIC",
        "ug": "ARABIC",
        "ru": "CYRILLIC",
        "uk": "CYRILLIC",
        "be": "CYRILLIC",
        "bg": "CYRILLIC",
        "mk": "CYRILLIC",
        "sr": "CYRILLIC",
        "kk": "CYRILLIC",
        "ky": "CYRILLIC",
        "tt": "CYRILLIC",
        "ba": "CYRILLIC",
        "cv": "CYRILLIC",
        "nog": "CYRILLIC",
        "el": "GREEK",
        "grc": "GREEK",
        "he": "HEBREW",
        "hi": "DEVANAGARI",
        "mr": "DEVANAGARI",
        "ne": "DEVANAGARI",
        "kok": "DEVANAGARI",
        "bn": "BENGALI",
        "as": "BENGALI",
        "bpy": "BENGALI",
        "gu": "GUJARATI",
        "pa": "GURMUKHI",
        "or": "ORIYA",
        "ta": "TAMIL",
        "te": "TELUGU",
        "kn": "KANNADA",
        "ml": "MALAYALAM",
        "si": "SINHALA",
        "th": "THAI",
        "my": "MYANMAR",
        "shn": "MYANMAR",
        "ka": "GEORGIAN",
        "hy": "ARMENIAN",
        "hyw": "ARMENIAN",
        "am": "ETHIOPIC",
        "chr": "CHEROKEE",
    }.items()
}


def scripts_for_language(code: str) -> frozenset[str]:
    """The scripts a voice of language ``code`` ("en-gb", "en_US", "cmn") reads."""
    lang = code.replace("_", "-").split("-")[0].lower()
    return LANGUAGE_SCRIPTS.get(lang, frozenset()) | {"LATIN"}


def language_for_script(script: str) -> str | None:
    """A language whose voices read ``script``, for ``narrate voices --language``."""
    return next((lang for lang, s in LANGUAGE_SCRIPTS.items() if script in s), None)


# Language codes a voice may carry, as the document's language names them: espeak-ng's
# Mandarin is "cmn", a document's Chinese is "zh".
_VOICE_LANGUAGE_ALIASES = {"cmn": "zh", "yue": "zh-yue"}


def voice_language(code: str) -> str:
    """A voice's language code as a lowercase BCP 47 tag ("en_US" -> "en-us", "cmn" -> "zh")."""
    tag = code.replace("_", "-").lower()
    first, _, rest = tag.partition("-")
    first = _VOICE_LANGUAGE_ALIASES.get(first, first)
    return f"{first}-{rest}" if rest else first


def language_match(voice: Voice, language: str) -> int:
    """How well ``voice`` speaks ``language`` (a lowercase BCP 47 tag): 3 exactly, 2 the
    language's main variety ("fr" by "fr-fr"), 1 another variety, 0 not at all."""
    first = language.split("-")[0]
    best = 0
    for code in voice.languages:
        tag = voice_language(code)
        if tag == language:
            return 3
        if tag.split("-")[0] == first:
            best = max(best, 2 if "-" not in language and tag in (first, f"{first}-{first}")
                       else 1)  # fmt: skip
    return best


def best_voice(voices: list[Voice], language: str, current: Voice | None = None) -> Voice | None:
    """The voice of ``voices`` that speaks ``language`` best; ``current`` when it is as good
    as any; None when none speaks it. Ties go to the shorter language tag, then to the
    first listed."""
    scored = [(language_match(v, language), v) for v in voices]
    top = max((score for score, _ in scored), default=0)
    if top == 0:
        return None
    if current is not None and language_match(current, language) == top:
        return current
    candidates = [v for score, v in scored if score == top]
    return min(candidates, key=lambda v: min((len(c) for c in v.languages), default=99))


def unknown_voice(engine: str, wanted: str, alternative: str = "") -> UnknownVoiceError:
    """The refusal of a voice an engine does not have: it names the voice and the
    command that lists the engine's voices (``alternative``: what else may be given)."""
    command = "narrate voices" + ("" if engine == DEFAULT_ENGINE else f" --engine {engine}")
    return UnknownVoiceError(
        f"unknown voice {wanted!r} for engine {engine} (list voices with: {command}{alternative})"
    )


class Engine(ABC):
    """One text-to-speech backend.

    An engine is created once per process (espeak-ng cannot be initialised twice) and
    then asked for many sentences. ``synthesize`` yields the audio of exactly the text
    it was given, or raises; it never returns audio of another call.
    """

    name: str = ""
    #: Seconds one synthesize() call may take before the engine gives up on it.
    timeout: float = 120.0

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings

    @abstractmethod
    def voices(self) -> list[Voice]:
        """Every voice this engine offers."""

    @abstractmethod
    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield the audio for ``text``; raise ``ClipError`` when nothing usable came out."""

    def find_voice(self, wanted: str) -> Voice:
        """The voice whose id or name is ``wanted`` (exactly, else ignoring case); raises
        ``UnknownVoiceError`` when there is none."""
        voices = self.voices()
        for fold in (str, str.lower):
            for key in ("id", "name"):
                for v in voices:
                    if fold(getattr(v, key)) == fold(wanted):
                        return v
        raise unknown_voice(self.name, wanted)

    def version(self) -> str:
        """A string that changes when the engine's output may change (part of the cache key)."""
        return "0"

    def renderer(self) -> str:
        """How a clip is made, as far as it changes the samples (part of the cache key).

        Changed when the same text and settings start giving other samples, so that no
        clip made the old way is served for the new (e.g. pyttsx3's espeak-ng clips,
        made since issue 21 by a fresh instance of the library each).
        """
        return ""

    def voice_label(self) -> str:
        """The voice as tags and messages name it."""
        return self.settings.voice or "default"

    def scripts(self) -> frozenset[str] | None:
        """The scripts the current voice reads (``script_of`` names), or None for any."""
        return None

    def current_voice(self) -> Voice | None:
        """The voice the next synthesize() speaks with, when the engine can tell."""
        wanted = self.settings.voice
        if wanted is None:
            return None
        try:
            return self.find_voice(wanted)
        except UnknownVoiceError:
            return None

    def voice_for_language(self, language: str) -> str | None:
        """The voice (id, or None for the engine's default) to read ``language`` with.

        None when the default voice speaks it as well as any; else the best match. The
        answer never depends on the voice the engine last spoke with (a batch worker's
        engine reads review after review). An engine with no voice for the language
        says so here; this one has only its default.
        """
        return None

    def voice_for_script(self, script: str, sample: str = "") -> str | None:
        """The voice that reads a span of ``script`` (``script_of`` names; ``sample`` is
        the span's text), or None when this engine has none."""
        return None

    def quote_voice(self, narrator: str | None) -> str:
        """``--quote-voice auto``: a voice of the narrator's language that sounds unlike
        it. This default takes another listed voice of the same language."""
        current = self.find_voice(narrator) if narrator else self.current_voice()
        languages = current.languages if current is not None else ()
        for v in self.voices():
            if current is not None and v.id == current.id:
                continue
            if not languages or any(language_match(v, voice_language(c)) for c in languages):
                return v.id
        raise UnknownVoiceError(
            f"--quote-voice auto: the {self.name} engine has no second voice for "
            f"{', '.join(languages) or 'this language'}; name one with --quote-voice VOICE"
        )

    def use_voice(self, voice: str | None) -> None:
        """Speak the next synthesize() calls with ``voice`` (an id or name of
        ``voices()``; None: the engine's default). Unknown: ``UnknownVoiceError``."""
        if voice is not None:
            self.find_voice(voice)
        self.settings = replace(self.settings, voice=voice)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release whatever the engine holds."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
