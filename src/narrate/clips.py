"""Clip stage: synthesize one sentence, verify the audio, trim it, cache it.

A clip is one sentence's speech as mono 16-bit PCM in a WAV file, with the engine's
own leading and trailing silence cut off so that the pauses narrate adds are exact.
Clips live in a content-addressed cache: the key covers everything that can change
the audio (text for the ear, engine and its version, voice, rate, volume, trimming
threshold, narrate's version), so a rerun or an edit re-synthesizes only what changed.
"""

from __future__ import annotations

import array
import hashlib
import json
import logging
import os
import re
import sys
import unicodedata
import wave
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .atomic import atomic_path
from .engines.base import AudioChunk, Engine, language_for_script
from .errors import ClipError, OutputError
from .settings import AudioSettings

log = logging.getLogger(__name__)

CACHE_ENV = "NARRATE_CACHE_DIR"
MIN_SECONDS_PER_WORD = 0.08  # faster than any narration at the highest rate
MAX_SECONDS_PER_WORD = 2.0
_CLIP_NAME = re.compile(r"[0-9a-f]{64}")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
# A URL, e-mail address or path: an engine may spell it character by character.
_SPELLED = re.compile(r"\S*(?:://|www\.|@|\w/\w)\S*")
_UNSIGNED_8 = bytes((b + 128) % 256 for b in range(256))
# Scripts written without spaces between words: each letter counts as a word.
NO_SPACE_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"})
_NOT_SCRIPTS = frozenset(
    {"MODIFIER", "FEMININE", "MASCULINE", "SUPERSCRIPT", "SUBSCRIPT", "CIRCLED",
     "PARENTHESIZED", "SQUARED", "MATHEMATICAL", "DOUBLE-STRUCK", "SCRIPT", "BLACK-LETTER"}
)  # fmt: skip
_SCRIPT_NAMES = {"CJK": "Chinese/Japanese (Han)"}


@dataclass(frozen=True)
class Clip:
    path: Path
    sample_rate: int
    frames: int
    cached: bool = False

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrate", appauthor=False)) / "clips"


def clip_key(engine: Engine, speech: str, audio: AudioSettings) -> str:
    v = engine.settings
    material = json.dumps(
        {
            "text": speech,
            "engine": engine.name,
            "engine_version": engine.version(),
            "renderer": engine.renderer(),
            "voice": v.voice,
            "speaker": v.speaker,
            "rate": v.rate,
            "volume": v.volume,
            "trim_db": audio.silence_threshold_db,
            "narrate": __version__,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ClipStore:
    """A content-addressed folder of trimmed clips: ``<root>/<key[:2]>/<key>.wav``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_cache_dir()

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Clip | None:
        path = self.path_for(key)
        if not path.is_file():  # no half-made Wave_read left to a __del__ a Ctrl-C can hit
            return None
        try:
            with wave.open(str(path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getnframes() == 0:
                    return None
                return Clip(path, w.getframerate(), w.getnframes(), cached=True)
        except (OSError, wave.Error, EOFError):
            return None

    def put(self, key: str, rate: int, pcm: bytes) -> Clip:
        path = self.path_for(key)
        try:
            with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(pcm)
        except OSError as exc:
            raise OutputError(f"cannot write to the clip cache {self.root}: {exc}") from exc
        return Clip(path, rate, len(pcm) // 2, cached=False)

    def entries(self) -> Iterator[Path]:
        """Every clip file in the cache: regular files and links named like clips.

        A folder that happens to be named like a clip is not one, and a link is
        counted as itself (it may dangle), never followed.
        """
        if not self.root.is_dir():
            return
        for p in self.root.glob("*/*.wav"):
            # Only names the store gives (<key[:2]>/<key>.wav): a folder given by mistake
            # as the cache (~/Music) keeps its own WAV files.
            if _CLIP_NAME.fullmatch(p.stem) and p.stem[:2] == p.parent.name and (
                p.is_symlink() or p.is_file()
            ):
                yield p

    def info(self) -> tuple[int, int]:
        """(number of clips, total bytes)."""
        count = size = 0
        for p in self.entries():
            count += 1
            size += p.lstat().st_size
        return count, size

    def clear(self) -> int:
        count = 0
        for p in self.entries():
            p.unlink(missing_ok=True)
            count += 1
        return count


def to_mono16(chunks: Iterable[AudioChunk]) -> tuple[int, bytes]:
    """Join one clip's chunks into mono 16-bit PCM at the engine's rate."""
    from pydub import AudioSegment

    parts: list[bytes] = []
    rate: int | None = None
    for c in chunks:
        if rate is None:
            rate = c.sample_rate
        if (c.sample_width, c.channels, c.sample_rate) != (2, 1, rate):
            seg = AudioSegment(
                # pydub takes 8-bit samples as signed; WAV's (and AudioChunk's) are not
                data=c.data.translate(_UNSIGNED_8) if c.sample_width == 1 else c.data,
                sample_width=c.sample_width,
                frame_rate=c.sample_rate,
                channels=c.channels,
            )
            seg = seg.set_channels(1).set_sample_width(2).set_frame_rate(rate)
            parts.append(seg.raw_data)
        else:
            parts.append(c.data)
    if rate is None:
        raise ClipError("engine produced no audio")
    return rate, b"".join(parts)


def _samples(pcm: bytes) -> array.array:
    a = array.array("h")
    a.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":  # pragma: no cover
        a.byteswap()
    return a


def threshold(db: float) -> int:
    return max(1, int(32768 * 10 ** (db / 20)))


def speech_bounds(pcm: bytes, db: float) -> tuple[int, int]:
    """First and one-past-last frame louder than ``db`` dBFS; (0, 0) when all is silence."""
    a = _samples(pcm)
    t = threshold(db)
    n = len(a)
    start = 0
    while start < n and -t < a[start] < t:
        start += 1
    if start == n:
        return 0, 0
    end = n
    while end > start and -t < a[end - 1] < t:
        end -= 1
    return start, end


def script_of(ch: str) -> str | None:
    """The script of a letter, as the first word of its Unicode name ("LATIN", "CJK")."""
    if not ch.isalpha():
        return None
    words = unicodedata.name(ch, "").replace("KATAKANA-HIRAGANA", "KATAKANA").split()
    if words[:1] in (["FULLWIDTH"], ["HALFWIDTH"]):
        words = words[1:]
    if not words or words[0] in _NOT_SCRIPTS:
        return None
    return words[0]


def letter_scripts(text: str) -> Counter[str]:
    """How many letters of ``text`` each script has."""
    return Counter(s for s in map(script_of, text) if s is not None)


def speech_units(text: str) -> int:
    """Words, counting each letter of a script written without spaces as one."""
    letters = sum(script_of(ch) in NO_SPACE_SCRIPTS for ch in text)
    if not letters:
        return len(text.split())
    spaced = "".join(" " if script_of(ch) in NO_SPACE_SCRIPTS else ch for ch in text)
    return letters + sum(any(c.isalnum() for c in w) for w in spaced.split())


def check_script(engine: Engine, speech: str) -> None:
    """Refuse a text most of whose letters are in a script the engine's voice cannot read."""
    readable = engine.scripts()
    if readable is None:
        return
    counts = letter_scripts(speech)
    foreign = {script: n for script, n in counts.items() if script not in readable}
    if 2 * sum(foreign.values()) <= sum(counts.values()):
        return
    script = max(foreign, key=lambda s: foreign[s])
    name = _SCRIPT_NAMES.get(script, script.title())
    language = language_for_script(script)
    hint = (
        f"narrate voices --language {language} lists the voices that can"
        if language
        else "narrate voices lists the voices there are"
    )
    voice = engine.voice_label()
    raise ClipError(
        f"the text is in {name} script, which the {engine.name} voice {voice!r} "
        f"cannot read ({hint})"
    )


def verify(rate: int, frames: int, speech: str) -> None:
    """Refuse audio whose length cannot be the speech of ``speech``.

    The upper bound also counts every digit, every letter of an all-capital token, and
    every letter of a URL, e-mail address or path as a word of its own: engines read
    "ISBN 9780306406157" and "https://example.com/a" symbol by symbol. Scripts
    written without spaces (Chinese, Japanese, Thai) count a word per letter.
    """
    words = max(1, speech_units(speech))
    symbols = sum(ch.isdigit() for ch in speech) + sum(len(t) for t in _ACRONYM.findall(speech))
    symbols += sum(ch.isalpha() for t in _SPELLED.findall(speech) for ch in t)
    seconds = frames / rate
    if not 4000 <= rate <= 192000:
        raise ClipError(f"implausible sample rate {rate} Hz")
    low = MIN_SECONDS_PER_WORD * words - 0.3
    high = MAX_SECONDS_PER_WORD * (words + symbols) + 2.0
    if not low <= seconds <= high:
        raise ClipError(
            f"{seconds:.2f} s of audio for {words} words is not plausible "
            f"(expected {max(low, 0):.1f}-{high:.1f} s)"
        )


def render_clip(
    engine: Engine, speech: str, store: ClipStore, audio: AudioSettings, *, paragraph: int
) -> Clip:
    """Return the trimmed clip of ``speech``, from the cache or from the engine.

    A failed or implausible attempt is retried once; then ``ClipError`` names the paragraph.
    """
    try:
        check_script(engine, speech)
    except ClipError as exc:
        raise ClipError(f"paragraph {paragraph + 1}: {exc}", paragraph=paragraph) from None
    key = clip_key(engine, speech, audio)
    cached = store.get(key)
    if cached is not None:
        return cached
    reason = ""
    for attempt in (1, 2):
        try:
            rate, pcm = to_mono16(engine.synthesize(speech))
            start, end = speech_bounds(pcm, audio.silence_threshold_db)
            if end <= start:
                raise ClipError("engine produced only silence")
            verify(rate, end - start, speech)
            return store.put(key, rate, pcm[start * 2 : end * 2])
        except ClipError as exc:
            reason = str(exc)
            log.warning("paragraph %d: attempt %d failed: %s", paragraph + 1, attempt, reason)
    snippet = speech if len(speech) <= 40 else speech[:37] + "..."
    raise ClipError(
        f"paragraph {paragraph + 1}: no usable audio for {snippet!r} after 2 attempts: {reason}",
        paragraph=paragraph,
    )
