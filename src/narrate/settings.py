"""The one settings object that flows from the CLI (or a manifest) through every stage."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_ENGINE = "pyttsx3"


@dataclass(frozen=True)
class VoiceSettings:
    """What the engine needs; also part of every clip's cache key."""

    engine: str = DEFAULT_ENGINE
    voice: str | None = None
    rate: int = 175  # words per minute (espeak-ng's own default)
    volume: float = 1.0  # 0.0 .. 1.0
    speaker: int | None = None  # a multi-speaker voice's speaker (Piper)
    quote_voice: str | None = None  # --quote-voice: a voice id or name, "auto", None = off


@dataclass(frozen=True)
class TextSettings:
    """How input text becomes segments."""

    format: str | None = None  # txt, md, html; None = guess from the extension
    encoding: str | None = None  # None = detect
    lexicon: Path | None = None
    max_sentence_chars: int = 400  # longer sentences are split at clause/word bounds
    max_chars: int = 2_000_000  # documented hard limit for a whole input (~30 h of speech)
    intro: str | None = None  # template spoken before the first paragraph (see segment/intro.py)
    outro: str | None = None  # template spoken after the last paragraph
    footnotes: str = "read"  # "read": footnotes at the end, as "Notes"; "skip": not read
    alt_text: bool = False  # read the alt text of images
    links: str = "say"  # a bare URL: "say" its site ("justwatch dot com") or "skip" it
    language: str | None = None  # --language (lowercase BCP 47): wins over the post's own
    site_root: Path | None = None  # where a header's "/images/cover.jpg" is found


@dataclass(frozen=True)
class LoudnessTarget:
    """What normalization aims at (see narrate.profiles, which sets it from a profile)."""

    measure: str  # "lufs": integrated loudness (BS.1770); "rms": unweighted RMS, dBFS
    level: float  # LUFS or dBFS
    ceiling: float  # dBFS the limiter holds sample peaks under, below the MP3's true-peak limit


@dataclass(frozen=True)
class AudioSettings:
    """Stitching and encoding."""

    pause: float = 0.8  # between paragraphs, seconds
    sentence_pause: float = 0.25  # between sentences of one paragraph
    head: float = 0.5  # room tone before the first word
    tail: float = 1.0  # room tone after the last word
    bitrate: str = "96k"
    sample_rate: int = 44100
    silence_threshold_db: float = -50.0  # trimming threshold, dBFS
    profile: str = "draft"  # the delivery profile these settings come from (narrate.profiles)
    loudness: LoudnessTarget | None = None  # None: the level the engine speaks at
    # Fields above the user set over the profile; a profile applied later keeps them.
    explicit: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagSettings:
    """Metadata written into the MP3. ``None`` means: derive it."""

    title: str | None = None
    author: str | None = None
    album: str | None = None
    genre: str = "Speech"
    date: str | None = None  # ISO date; None = today
    description: str | None = None
    cover: Path | None = None
    id3_version: int = 3

    def resolved_date(self) -> str:
        return self.date or _dt.date.today().isoformat()


@dataclass(frozen=True)
class Settings:
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    text: TextSettings = field(default_factory=TextSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    tags: TagSettings = field(default_factory=TagSettings)
    transcripts: tuple[str, ...] = ()  # subset of ("srt", "vtt")
    chapters_json: bool = False
    cache_dir: Path | None = None  # None = the user cache folder
    timeout: float = 120.0  # seconds allowed for one engine call

    def with_overrides(self, **sections: dict[str, Any]) -> Settings:
        """Return a copy with fields of named sections replaced, e.g. ``voice={"rate": 150}``."""
        changes: dict[str, Any] = {}
        for name, values in sections.items():
            if name in ("voice", "text", "audio", "tags"):
                changes[name] = replace(getattr(self, name), **values)
            else:
                changes[name] = values
        return replace(self, **changes)
