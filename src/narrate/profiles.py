"""Delivery profiles: the numbers a finished MP3 must meet, and how narrate gets there.

A profile names a format (bitrate, sample rate, channels), a loudness target and
the limits ``narrate check`` holds a file to. ``apply_profile`` turns one into
settings; options the user gave explicitly keep their values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import ConfigError
from .settings import LoudnessTarget, Settings

DEFAULT_PROFILE = "podcast"

#: The tags every published file must carry (EpisodeTags field names).
REQUIRED_TAGS = ("title", "date", "genre")


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    bitrate: str  # CBR, e.g. "96k"
    sample_rate: int
    channels: int
    head: float  # seconds of room tone narrate puts before the first word
    tail: float  # ... and after the last
    loudness: LoudnessTarget | None  # None: no normalization
    # What narrate check asserts (None: not checked).
    lufs: tuple[float, float] | None = None  # integrated loudness range, LUFS
    true_peak_max: float | None = None  # dBTP
    rms: tuple[float, float] | None = None  # dBFS
    peak_max: float | None = None  # dBFS (true peak, which is never below the sample peak)
    noise_floor_max: float | None = None  # dBFS
    head_range: tuple[float, float] | None = None  # seconds of silence before the first sound
    tail_range: tuple[float, float] | None = None
    max_duration: float | None = None  # seconds

    @property
    def bitrate_kbps(self) -> int:
        return int(self.bitrate.rstrip("k"))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, LoudnessTarget):
                value = {"measure": value.measure, "level": value.level, "ceiling": value.ceiling}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def _podcast(name: str, lufs: float, summary: str) -> Profile:
    return Profile(
        name=name,
        summary=summary,
        bitrate="96k",
        sample_rate=44100,
        channels=1,
        head=0.5,
        tail=1.0,
        # The MP3 must stay under -1 dBTP: the limiter holds sample peaks at the engine's
        # rate, and peaks between samples and LAME's noise stand up to half a dB over
        # them (measured: -1.4 dBTP at a -1.5 dB ceiling), so it holds them 1 dB lower.
        loudness=LoudnessTarget("lufs", lufs, ceiling=-2.0),
        lufs=(lufs - 1.0, lufs + 1.0),
        true_peak_max=-1.0,
    )


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _podcast("podcast", -16.0, "Podcast: -16 LUFS, -1 dBTP, MP3 96 kbps CBR mono 44.1 kHz"),
        _podcast("mono-19", -19.0, "Mono speech at -19 LUFS, -1 dBTP, MP3 96 kbps CBR"),
        Profile(
            name="acx",
            summary="Audible/ACX: RMS -23..-18 dBFS, peak -3 dBFS, MP3 192 kbps CBR",
            bitrate="192k",
            sample_rate=44100,
            channels=1,
            head=0.75,
            tail=2.0,
            loudness=LoudnessTarget("rms", -21.0, ceiling=-4.0),  # -3 dB true peak, as above
            rms=(-23.0, -18.0),
            peak_max=-3.0,
            noise_floor_max=-60.0,
            head_range=(0.5, 1.0),
            tail_range=(1.0, 5.0),
            max_duration=120 * 60.0,
        ),
        Profile(
            name="draft",
            summary="Fast preview: the engine's own level, no normalization",
            bitrate="96k",
            sample_rate=44100,
            channels=1,
            head=0.5,
            tail=1.0,
            loudness=None,
        ),
    )
}

#: Audio settings a profile sets; an explicit option of the same name wins.
_PROFILE_FIELDS = ("bitrate", "sample_rate", "head", "tail")


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ConfigError(f"unknown profile {name!r} (known: {known})") from None


def apply_profile(
    settings: Settings, profile: Profile | str, explicit: Collection[str] = ()
) -> Settings:
    """``settings`` made to deliver ``profile``; fields named in ``explicit`` are kept.

    So are those kept by an earlier call (``settings.audio.explicit``): a manifest
    item's profile, applied over the command line's, keeps ``--bitrate`` and the like.
    """
    p = get_profile(profile) if isinstance(profile, str) else profile
    kept = tuple(f for f in _PROFILE_FIELDS if f in explicit or f in settings.audio.explicit)
    audio: dict[str, Any] = {f: getattr(p, f) for f in _PROFILE_FIELDS if f not in kept}
    audio.update(profile=p.name, loudness=p.loudness, explicit=kept)
    return settings.with_overrides(audio=audio)


def effective_profile(settings: Settings) -> Profile:
    """The profile ``settings`` came from, with the values the user overrode in it."""
    a = settings.audio
    return replace(get_profile(a.profile), bitrate=a.bitrate, sample_rate=a.sample_rate,
                   head=a.head, tail=a.tail, loudness=a.loudness)  # fmt: skip
