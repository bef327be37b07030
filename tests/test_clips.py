"""The clip stage's own guards: joining chunks, the cache's reader, its key."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest

from narrate.clips import ClipStore, clip_key, to_mono16
from narrate.engines.base import AudioChunk
from narrate.engines.tone import ToneEngine
from narrate.errors import ClipError, OutputError
from narrate.settings import AudioSettings, VoiceSettings


def test_no_chunks_is_no_audio() -> None:
    with pytest.raises(ClipError, match="^engine produced no audio$"):
        to_mono16(iter(()))


def test_chunks_of_other_formats_become_mono16_at_the_first_rate() -> None:
    mono = AudioChunk(22050, 2, 1, struct.pack("<4h", 1000, -1000, 2000, -2000))
    stereo = AudioChunk(22050, 2, 2, struct.pack("<4h", 1000, 3000, -1000, -3000))
    eight_bit = AudioChunk(22050, 1, 1, bytes([128 + 16, 128 - 16]))  # unsigned, as in WAV
    faster = AudioChunk(44100, 2, 1, struct.pack("<4h", 500, 500, 500, 500))
    rate, pcm = to_mono16([mono, stereo, eight_bit, faster])
    assert rate == 22050
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert samples[:4] == (1000, -1000, 2000, -2000)
    assert samples[4:6] == (2000, -2000)  # stereo averaged
    assert samples[6:8] == (16 * 256, -16 * 256)  # 8-bit widened
    assert len(samples) == 10  # 4 frames at 44.1 kHz are 2 at 22.05 kHz


def write_wav(path: Path, *, channels: int = 1, width: int = 2, frames: int = 100) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(22050)
        w.writeframes(b"\x01" * frames * channels * width)


@pytest.mark.parametrize(
    ("kind", "found"),
    [("mono16", True), ("stereo", False), ("8-bit", False), ("empty", False), ("junk", False)],
)
def test_the_cache_returns_only_what_it_could_have_written(
    tmp_path: Path, kind: str, found: bool
) -> None:
    store = ClipStore(tmp_path)
    key = "ab" + "0" * 62
    path = store.path_for(key)
    if kind == "junk":
        path.parent.mkdir(parents=True)
        path.write_bytes(b"not a wav file at all")
    else:
        write_wav(
            path,
            channels=2 if kind == "stereo" else 1,
            width=1 if kind == "8-bit" else 2,
            frames=0 if kind == "empty" else 100,
        )
    clip = store.get(key)
    if found:
        assert clip is not None
        assert (clip.path, clip.sample_rate, clip.frames, clip.cached) == (path, 22050, 100, True)
    else:
        assert clip is None


def test_an_unwritable_cache_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ClipStore(blocker / "cache")
    with pytest.raises(OutputError) as info:
        store.put("cd" + "0" * 62, 22050, b"\x00\x01" * 10)
    assert str(info.value) == f"cannot write to {blocker / 'cache' / 'cd'}: Not a directory"


@pytest.mark.parametrize(
    "change",
    [
        {"voice": "tone"},
        {"rate": 176},
        {"volume": 0.5},
    ],
)
def test_every_voice_setting_is_in_the_key(change: dict[str, object]) -> None:
    audio = AudioSettings()
    base = clip_key(ToneEngine(VoiceSettings(engine="tone")), "Hello there.", audio)
    changed = clip_key(ToneEngine(VoiceSettings(engine="tone", **change)), "Hello there.", audio)  # type: ignore[arg-type]
    assert changed != base


def test_text_trim_and_engine_version_are_in_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = ToneEngine(VoiceSettings(engine="tone"))
    audio = AudioSettings()
    base = clip_key(engine, "Hello there.", audio)
    assert clip_key(engine, "Hello there!", audio) != base
    assert clip_key(engine, "Hello there.", AudioSettings(silence_threshold_db=-40)) != base
    monkeypatch.setattr(ToneEngine, "version", lambda self: "tone-other")
    assert clip_key(engine, "Hello there.", audio) != base
