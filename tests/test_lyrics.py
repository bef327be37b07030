"""narrate's fast USLT reader gives exactly what mutagen's own parser gives."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3, USLT, Encoding

from narrate.tags import read_tags
from narrate.tags.lyrics import KNOWN_FRAMES, uslt_frames

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


@pytest.fixture
def base(silent_mp3: Path) -> Path:
    return silent_mp3


def tagged(base: Path, tmp: Path, frames: list[USLT], version: int) -> Path:
    mp3 = tmp / f"t{version}.mp3"
    shutil.copy(base, mp3)
    tag = ID3()
    for f in frames:
        tag.add(f)
    tag.save(mp3, v2_version=version)
    return mp3


def same(mine: list[USLT], theirs: list[USLT]) -> None:
    """Equal frames; mutagen drops some frames with an empty text (and keeps others)."""
    assert [(f.encoding, f.lang, f.desc, f.text) for f in mine if f.text] == [
        (f.encoding, f.lang, f.desc, f.text) for f in theirs if f.text
    ]


ENCODINGS = {
    3: [Encoding.LATIN1, Encoding.UTF16],
    4: [Encoding.LATIN1, Encoding.UTF16, Encoding.UTF16BE, Encoding.UTF8],
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=300),
    desc=st.text(max_size=20),
    version=st.sampled_from([3, 4]),
    pick=st.integers(min_value=0, max_value=3),
)
def test_fast_reader_matches_mutagen(
    base: Path, tmp_path: Path, text: str, desc: str, version: int, pick: int
) -> None:
    enc = ENCODINGS[version][pick % len(ENCODINGS[version])]
    if enc == Encoding.LATIN1:
        text = text.encode("latin-1", "replace").decode("latin-1")
        desc = desc.encode("latin-1", "replace").decode("latin-1")
    frames = [USLT(encoding=enc, lang="eng", desc=desc, text=text),
              USLT(encoding=enc, lang="fra", desc=desc + "x", text=text[::-1])]  # fmt: skip
    mp3 = tagged(base, tmp_path, frames, version)
    mine = uslt_frames(ID3(mp3, known_frames=KNOWN_FRAMES))
    assert mine is not None
    same(mine, ID3(mp3).getall("USLT"))


def test_nul_astral_and_empty_texts(base: Path, tmp_path: Path) -> None:
    for version in (3, 4):
        for text in ("", "a\x00b", "😀𝄞" * 50, "\x00"):
            frames = [USLT(encoding=Encoding.UTF16, lang="eng", desc="", text=text)]
            mp3 = tagged(base, tmp_path, frames, version)
            mine = uslt_frames(ID3(mp3, known_frames=KNOWN_FRAMES))
            assert mine is not None
            same(mine, ID3(mp3).getall("USLT"))
            theirs = [f.text for f in ID3(mp3).getall("USLT")]
            assert read_tags(mp3).lyrics == ((theirs or [""])[0] or None)


def test_a_frame_it_cannot_read_goes_to_mutagen(base: Path, tmp_path: Path) -> None:
    mp3 = tagged(base, tmp_path, [USLT(encoding=1, lang="eng", desc="", text="Hello")], 3)
    data = mp3.read_bytes()
    at = data.find(b"USLT")
    size = int.from_bytes(data[at + 4 : at + 8], "big")
    body = data[at + 10 : at + 10 + size]
    packed = len(body).to_bytes(4, "big") + zlib.compress(body)  # an ID3v2.3 compressed frame
    frame = b"USLT" + len(packed).to_bytes(4, "big") + b"\x00\x80" + packed
    tag = data[:at] + frame + data[at + 10 + size : 10 + ID3(mp3).size]
    head = tag[:6] + syncsafe(len(tag) - 10) + tag[10:]
    mp3.write_bytes(head + data[10 + ID3(mp3).size :])
    assert uslt_frames(ID3(mp3, known_frames=KNOWN_FRAMES)) is None
    assert ID3(mp3).getall("USLT")[0].text == "Hello"
    assert read_tags(mp3).lyrics == "Hello"


def syncsafe(n: int) -> bytes:
    return bytes((n >> s) & 0x7F for s in (21, 14, 7, 0))
