"""The LAME/Info tag CRC, checked by an independent implementation (mp3guessenc).

ffmpeg sums the first 190 bytes of the Info frame for the tag CRC, which is right for
MPEG-1 stereo only. narrate rewrites the CRC after encoding; mp3guessenc (which
implements the LAME tag spec on its own) must then say "Tag verification: passed"
for every MPEG version, channel mode and bitrate, and decoders that honour the
encoder delay and padding must give back exactly the samples that went in.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from narrate.errors import EncodeError, OutputError
from narrate.lametag import crc16, finish_lame_tag, read_lame_tag
from narrate.pipeline import narrate
from narrate.segment import load_document
from narrate.settings import AudioSettings, Settings, VoiceSettings
from narrate.tags import TagData, write_tags

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg not installed (scripts/bootstrap.sh)"
)
needs_guessenc = pytest.mark.skipif(
    shutil.which("mp3guessenc") is None, reason="mp3guessenc not installed (apt mp3guessenc)"
)


def encode(path: Path, rate: int, channels: int, bitrate: str, seconds: float = 1.5) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"sine=frequency=440:sample_rate={rate}:duration={seconds}", "-ac", str(channels),
         "-c:a", "libmp3lame", "-b:a", bitrate, "-write_xing", "1", "-id3v2_version", "0",
         "-write_id3v1", "0", str(path)],
        check=True,
    )  # fmt: skip
    return path


def guessenc(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["mp3guessenc", str(path)], capture_output=True, text=True, check=False
    ).stdout
    fields = dict(re.findall(r"^\s+([A-Za-z][^:\n]*?)\s*:\s*(.*)$", out, re.M))
    assert "Tag verification" in fields, out
    return fields


def decoded_samples(path: Path, decoder: str) -> int:
    if decoder == "ffmpeg":
        cmd = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"]
    else:
        cmd = ["mpg123", "-q", "-s", str(path)]
    return len(subprocess.run(cmd, capture_output=True, check=True).stdout) // 2


def test_crc16_is_crc16_arc() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogued check value of CRC-16/ARC
    assert crc16(b"") == 0
    assert crc16(b"6789", crc16(b"12345")) == 0xBB3D  # it can be continued


# MPEG-1 (48, 44.1, 32 kHz), MPEG-2 (24, 22.05, 16 kHz) and MPEG-2.5 (11.025, 8 kHz).
FORMATS = [
    (rate, channels, bitrate)
    for rate, bitrates in (
        (48000, ("64k", "320k")),
        (44100, ("96k", "128k")),
        (32000, ("48k",)),
        (24000, ("32k",)),
        (22050, ("64k", "160k")),
        (16000, ("24k",)),
        (11025, ("16k",)),
        (8000, ("8k",)),
    )
    for bitrate in bitrates
    for channels in (1, 2)
]


@needs_guessenc
@pytest.mark.parametrize(("rate", "channels", "bitrate"), FORMATS)
def test_fixed_crc_passes_an_independent_check(
    tmp_path: Path, rate: int, channels: int, bitrate: str
) -> None:
    mp3 = encode(tmp_path / "x.mp3", rate, channels, bitrate)
    before = guessenc(mp3)
    original = mp3.read_bytes()
    tag = read_lame_tag(mp3)
    assert tag is not None and tag.frame_offset == 0
    # Our reading of the tag agrees with mp3guessenc's, field by field ...
    assert before["Encoder delay (start)"] == f"{tag.delay} samples"
    assert before["Encoder padding (end)"] == f"{tag.padding} samples"
    assert tag.music_length == len(original)
    # ... and so does our verdict on ffmpeg's CRC, before the fix.
    assert tag.crc_ok == (before["Tag verification"] == "passed")
    if channels == 2 and rate >= 32000:  # MPEG-1 stereo: ffmpeg's 190 bytes are right
        assert tag.crc_ok and tag.crc_end == 190
    assert before["Bitrate strategy"] == "unknown"  # ffmpeg leaves the method at 0
    assert finish_lame_tag(mp3) is True
    after = guessenc(mp3)
    assert after["Tag verification"] == "passed"
    kbps = int(bitrate.removesuffix("k"))
    assert after["Bitrate strategy"] == (
        f"CBR, {kbps} kbps" if kbps < 255 else "CBR, 255 kbps or higher"
    )
    fixed_tag = read_lame_tag(mp3)
    assert fixed_tag is not None
    assert (fixed_tag.method, fixed_tag.bitrate, fixed_tag.frame_kbps) == (1, min(255, kbps), kbps)
    fixed = mp3.read_bytes()
    changed = [i for i, (a, b) in enumerate(zip(original, fixed, strict=True)) if a != b]
    lame = tag.crc_end - 34
    # only the method, the bitrate and the CRC fields
    assert set(changed) <= {lame + 9, lame + 20, tag.crc_end, tag.crc_end + 1}
    assert finish_lame_tag(mp3) is False and mp3.read_bytes() == fixed  # idempotent


def test_mono_crc_covers_exactly_the_bytes_before_the_field(tmp_path: Path) -> None:
    mp3 = encode(tmp_path / "m.mp3", 44100, 1, "96k")
    finish_lame_tag(mp3)
    tag = read_lame_tag(mp3)
    assert tag is not None and tag.crc_ok
    assert tag.crc_end == 4 + 17 + 120 + 34  # header, mono side info, Xing fields, LAME
    data = bytearray(mp3.read_bytes())
    data[tag.crc_end - 1] ^= 0x01  # the last byte covered (the music CRC) ...
    damaged = tmp_path / "d.mp3"
    damaged.write_bytes(bytes(data))
    assert not read_lame_tag(damaged).crc_ok  # type: ignore[union-attr]
    data[tag.crc_end - 1] ^= 0x01
    data[tag.crc_end + 2] ^= 0x01  # ... and the first byte after the field is not
    damaged.write_bytes(bytes(data))
    assert read_lame_tag(damaged).crc_ok  # type: ignore[union-attr]


@needs_guessenc
def test_fix_after_an_id3_tag_is_in_front(tmp_path: Path) -> None:
    mp3 = encode(tmp_path / "t.mp3", 22050, 1, "64k")
    write_tags(mp3, TagData(title="Tagged first", lyrics="x" * 5000))
    tag = read_lame_tag(mp3)
    assert tag is not None and tag.frame_offset > 5000 and not tag.crc_ok
    assert guessenc(mp3)["Tag verification"] == "failed"
    assert finish_lame_tag(mp3) is True
    assert guessenc(mp3)["Tag verification"] == "passed"


def test_errors_name_the_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 20)
    with pytest.raises(EncodeError, match=r"^notes\.mp3: the encoder wrote no LAME/Info tag$"):
        finish_lame_tag(text)
    bare = tmp_path / "bare.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-ac", "1",
         "-write_xing", "0", str(bare)],
        check=True,
    )  # fmt: skip
    assert read_lame_tag(bare) is None
    with pytest.raises(EncodeError, match="no LAME/Info tag"):
        finish_lame_tag(bare)
    with pytest.raises(OutputError, match=r"missing\.mp3: cannot finish the MP3 header"):
        finish_lame_tag(tmp_path / "missing.mp3")


# ------------------------------------------------------------------------ narrate read

PARAGRAPHS = (
    "The first paragraph opens here. It has a second sentence too.",
    "Another paragraph speaks briefly.",
    "The closing paragraph arrives. Then it ends. Finally done.",
)


@needs_guessenc
@pytest.mark.skipif(shutil.which("mpg123") is None, reason="mpg123 not installed")
@pytest.mark.parametrize("sample_rate", [22050, 44100])
def test_narrated_mp3_is_gapless_to_the_sample(
    tmp_path: Path, clip_store, sample_rate: int
) -> None:
    review = tmp_path / "review.txt"
    review.write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    settings = Settings(
        voice=VoiceSettings(engine="tone"), audio=AudioSettings(sample_rate=sample_rate)
    )
    result = narrate(load_document(review, settings), tmp_path / "o.mp3", settings,
                     store=clip_store)  # fmt: skip
    fields = guessenc(result.output)
    assert fields["Tag verification"] == "passed"
    assert fields["Encoding mode"] == "mono"
    assert fields["Bitrate strategy"] == f"CBR, {settings.audio.bitrate.removesuffix('k')} kbps"
    test = subprocess.run(["mpg123", "-t", str(result.output)], capture_output=True, text=True)
    assert re.search(r"^MPEG \S+ L III cbr\d+ ", test.stderr, re.M), test.stderr
    # The tone engine's 22,050 Hz stream, resampled by exactly 1 or 2: not one sample
    # more or less after the decoders trim the encoder delay and padding.
    samples = round(result.duration * sample_rate)
    assert samples == result.duration * sample_rate
    for decoder in ("ffmpeg", "mpg123"):
        assert decoded_samples(result.output, decoder) == samples, decoder
