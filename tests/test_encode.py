"""The encode stage: parts encoded at once, joined gapless and sample-exact.

Checked with independent readers: ffmpeg decodes (gapless, from the LAME tag), ffprobe
and mutagen read the length, and the frames are counted by walking the file.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3

from narrate import encode
from narrate.encode import encode_mp3, upsampling
from narrate.lametag import crc16, read_lame_tag
from narrate.mp3join import crc16_combine, frame_bytes, lame_frames
from narrate.settings import AudioSettings

RATE = 22050
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def decode(path: Path) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, "<i2").astype(np.float64)


def resampled(pcm: bytes) -> np.ndarray:
    """The PCM at 44.1 kHz, by the resampler the encoder uses."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
         "-ar", "44100", "-f", "s16le", "-"],
        input=pcm, capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, "<i2").astype(np.float64)


def frames_of(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of every MPEG frame, walking the file header by header."""
    data = path.read_bytes()
    pos, out = 0, []
    while pos + 4 <= len(data):
        n = frame_bytes(data[pos : pos + 4])
        out.append((pos, n))
        pos += n
    assert pos == len(data)
    return out


def tones_and_pauses(seed: int, count: int = 12) -> tuple[bytes, list[tuple[int, int]]]:
    """Sine bursts between pauses of several lengths; returns PCM and the bursts' spans."""
    rng = np.random.default_rng(seed)
    parts, spans, pos = [], [], 0
    for i in range(count):
        n = int(rng.integers(2000, 30000))
        t = np.arange(n)
        parts.append((6000 * np.sin(2 * np.pi * (200 + 50 * i) * t / RATE)).astype("<i2"))
        spans.append((pos, pos + n))
        pos += n
        gap = int(rng.choice([3000, 8000, 17640, 20000]))  # some too short to cut in
        parts.append(np.zeros(gap, "<i2"))
        pos += gap
    return np.concatenate(parts).tobytes(), spans


def rechunk(pcm: bytes, seed: int) -> list[bytes]:
    """Blocks of random sizes: cuts must not depend on where blocks begin."""
    rng = np.random.default_rng(seed)
    blocks, i = [], 0
    while i < len(pcm):
        k = int(rng.integers(1, 5000)) * 2
        blocks.append(pcm[i : i + k])
        i += k
    return blocks


@pytest.mark.parametrize("samples", [1151, 1152, 1153, 5759, 5760, 5761, 22050, 22051])
def test_lame_frames_matches_the_encoder(tmp_path: Path, samples: int) -> None:
    pcm = (np.full(samples, 1000, "<i2")).tobytes()
    out = tmp_path / "a.mp3"
    encode_mp3([pcm], RATE, out, AudioSettings(), jobs=1)
    tag = read_lame_tag(out)
    assert tag is not None and tag.frames == lame_frames(2 * samples)
    assert len(decode(out)) == 2 * samples  # gapless: delay and padding trimmed


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc_of_a_join_from_the_crcs_of_its_parts(a: bytes, b: bytes) -> None:
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


def test_parts_join_gapless_and_sample_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(encode, "MIN_PART", 1.0)
    pcm, spans = tones_and_pauses(seed=1)
    ref = resampled(pcm)
    par, one = tmp_path / "par.mp3", tmp_path / "one.mp3"
    with caplog.at_level(logging.DEBUG, logger="narrate.encode"):
        encode_mp3(rechunk(pcm, 2), RATE, par, AudioSettings(), jobs=2,
                   expected_samples=len(pcm) // 2)  # fmt: skip
    assert any("encoded 3 parts" in r.getMessage() for r in caplog.records)
    encode_mp3(rechunk(pcm, 3), RATE, one, AudioSettings(), jobs=1)

    a, b = decode(par), decode(one)
    assert len(a) == len(b) == len(ref) == len(pcm)  # 2x the samples, 2 bytes each
    for start, end in spans:  # every burst where it was, as close as one encoder gets
        s, e = 2 * start, 2 * end
        sig = (ref[s:e] ** 2).sum()
        snr = 10 * np.log10(sig / ((a[s:e] - ref[s:e]) ** 2).sum())
        snr_one = 10 * np.log10(sig / ((b[s:e] - ref[s:e]) ** 2).sum())
        assert snr > 15 and snr > snr_one - 3
        lags = {lag: float(np.dot(a[s + 100 + lag : e - 100 + lag], ref[s + 100 : e - 100]))
                for lag in range(-3, 4)}  # fmt: skip
        assert max(lags, key=lags.__getitem__) == 0
    quiet = np.ones(len(ref), bool)
    for start, end in spans:
        quiet[max(0, 2 * start - 1200) : 2 * end + 2400] = False
    assert np.abs(a[quiet]).max() < 50  # the joins leave the pauses silent

    frames = frames_of(par)
    tag = read_lame_tag(par)
    assert tag is not None
    assert tag.frames == len(frames) - 1  # the Info frame describes the whole file
    assert tag.music_length == par.stat().st_size
    assert tag.music_crc == crc16(par.read_bytes()[frames[1][0] :])
    assert tag.delay == 576 and tag.frames * 1152 - tag.delay - tag.padding == len(ref)
    assert MP3(par).info.length == MP3(one).info.length  # mutagen's reading of the header


def test_no_cut_without_a_long_silence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    monkeypatch.setattr(encode, "MIN_PART", 1.0)
    t = np.arange(RATE * 6)
    pcm = (3000 * np.sin(2 * np.pi * 300 * t / RATE)).astype("<i2")
    pcm[RATE : RATE + 3000] = 0  # 0.14 s: too short for a cut
    out = tmp_path / "a.mp3"
    with caplog.at_level(logging.DEBUG, logger="narrate.encode"):
        encode_mp3(rechunk(pcm.tobytes(), 4), RATE, out, AudioSettings(), jobs=2,
                   expected_samples=len(t))  # fmt: skip
    assert not any("parts at once" in r.getMessage() for r in caplog.records)
    assert len(decode(out)) == 2 * len(t)


def test_rates_that_cannot_be_cut_exactly_use_one_encoder() -> None:
    assert upsampling(22050, AudioSettings()) == 2
    assert upsampling(44100, AudioSettings()) == 1
    assert upsampling(11025, AudioSettings()) == 4
    assert upsampling(16000, AudioSettings()) is None
    assert upsampling(24000, AudioSettings()) is None
    assert upsampling(22050, AudioSettings(sample_rate=22050)) is None  # MPEG-2 frames


def test_a_failing_encoder_names_the_file(tmp_path: Path) -> None:
    from narrate.errors import EncodeError

    with pytest.raises(EncodeError, match="could not encode review.mp3"):
        encode_mp3([b"\x01\x00" * 1000], RATE, tmp_path / "no" / "such" / "x.mp3",
                   AudioSettings(), name="review.mp3", jobs=1)  # fmt: skip


def test_bench_script_runs_help() -> None:
    out = subprocess.run([sys.executable, str(SCRIPTS / "bench.py"), "--help"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "--quick" in out and "--cases" in out


def test_bench_table_formats_rows() -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import bench
    finally:
        sys.path.remove(str(SCRIPTS))
    res = bench.Result(
        "x1", "read, x1 (453 words)", 453,
        bench.Series("narrate", [bench.Run(0.8, 80.0), bench.Run(1.0, 82.0)]),
        [bench.Series("espeak-ng | ffmpeg", [bench.Run(1.0, 60.0), bench.Run(1.0, 61.0)])],
    )  # fmt: skip
    rows = bench.table_rows([res])
    assert rows[2] == (
        "| read, x1 (453 words) | espeak-ng \\| ffmpeg | 1.00 s | 0.90 s | 0.90× "
        "| 0.80, 1.00 | 82 MiB | 61 MiB |"
    )


def test_read_in_parts_keeps_every_cue_on_its_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the pipeline: a review encoded as several parts decodes to exactly the
    timeline's length, and every cue's tone starts and stops where the timeline says."""
    from narrate.clips import ClipStore
    from narrate.pipeline import narrate
    from narrate.segment import load_document
    from narrate.settings import Settings, VoiceSettings

    monkeypatch.setattr(encode, "MIN_PART", 1.0)
    review = tmp_path / "review.txt"
    paragraphs = [f"Paragraph number {i} says a few words. Then a second one." for i in range(9)]
    review.write_text("Parts Review\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    settings = Settings(voice=VoiceSettings(engine="tone"))
    doc = load_document(review, settings)
    with caplog.at_level(logging.DEBUG, logger="narrate.encode"):
        result = narrate(doc, tmp_path / "out.mp3", settings, store=ClipStore(tmp_path / "c"))
    parts = [r.getMessage() for r in caplog.records if "parts at once" in r.getMessage()]
    assert parts and not parts[0].startswith("encoded 1 ")
    pcm = decode(result.output)
    assert len(pcm) == round(result.timeline.duration * 44100)

    def db(x: np.ndarray) -> float:
        return 20 * np.log10(max(float(np.sqrt(np.mean(x * x))), 1e-9) / 32768)

    edge, ms = 88, 44  # 2 ms of encoder ringing at each edge; 1-ms windows
    for cue in result.timeline.cues:  # the square wave is at -6 dBFS
        start, end = round(cue.start * 44100), round(cue.end * 44100)
        assert db(pcm[start + edge : start + edge + ms]) > -10
        assert db(pcm[start - edge - ms : start - edge]) < -40
        assert db(pcm[end - edge - ms : end - edge]) > -10
        assert db(pcm[end + edge : end + edge + ms]) < -25
