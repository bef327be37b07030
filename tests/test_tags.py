"""Tests of narrate.tags against real MP3s made by ffmpeg, checked with ffprobe too."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import CHAP, ID3, TIT2, CTOCFlags
from PIL import Image

from narrate.errors import CoverError, EncodeError, InputError, OutputError
from narrate.tags import (
    Chapter,
    TagData,
    load_cover,
    ms,
    read_tags,
    tags_as_dict,
    write_tags,
)

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed",
)

HOSTILE = 'Tom & Jerry <b>"quoted"</b> ]]> 😀 — مرحبا بالعالم'

CHAPTERS = (
    Chapter("chp0", "Opening & <intro>", 0.0, 1.2344),
    Chapter("chp1", "Middle 😀", 1.2344, 3.0005),
    Chapter("chp2", "مرحبا بالعالم", 3.0005, 5.0),
)


FFMPEG_SINE = shlex.split(
    "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=5 -ac 1 -ar 44100 -b:a 96k"
)
FFPROBE = shlex.split(
    "ffprobe -v error -print_format json -show_chapters -show_format -show_streams"
)


def make_mp3(path: Path, *extra: str) -> Path:
    subprocess.run(
        [*FFMPEG_SINE, *extra, str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def base_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_mp3(tmp_path_factory.mktemp("audio") / "base.mp3")


@pytest.fixture
def mp3(base_mp3: Path, tmp_path: Path) -> Path:
    target = tmp_path / "episode.mp3"
    shutil.copyfile(base_mp3, target)
    return target


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    Image.new("RGB", (16, 16), (200, 30, 30)).save(path, format="PNG")
    return path


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "cover.jpg"
    Image.new("RGB", (16, 16), (30, 30, 200)).save(path, format="JPEG")
    return path


def ffprobe(path: Path) -> dict:
    return json.loads(subprocess.run([*FFPROBE, str(path)], check=True, capture_output=True).stdout)


def full_data(cover: Path | None = None) -> TagData:
    return TagData(
        title=HOSTILE,
        artist="Ana Reviewer",
        album="Film Reviews",
        date="2024-05-07",
        description="A review of <Pain & Glory>.",
        lyrics="First paragraph.\n\nSecond paragraph: " + HOSTILE,
        cover=cover,
        encoder="narrate 0.1.0 + ffmpeg/LAME",
        engine="tone",
        voice="en-GB",
        guid="urn:narrate:1234",
        track=12,
        chapters=CHAPTERS,
    )


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("version", [3, 4])
def test_full_round_trip_read_tags(mp3: Path, png: Path, version: int) -> None:
    write_tags(mp3, full_data(png), id3_version=version)

    assert mp3.read_bytes()[:4] == b"ID3" + bytes([version])
    t = read_tags(mp3)
    assert t.id3_version == version
    assert t.title == HOSTILE
    assert t.artist == "Ana Reviewer"
    assert t.album == "Film Reviews"
    assert t.genre == "Speech"
    assert t.date == "2024-05-07"
    assert t.description == "A review of <Pain & Glory>."
    assert t.lyrics == "First paragraph.\n\nSecond paragraph: " + HOSTILE
    assert t.encoder == "narrate 0.1.0 + ffmpeg/LAME"
    assert t.engine == "tone"
    assert t.voice == "en-GB"
    assert t.guid == "urn:narrate:1234"
    assert t.track == 12
    assert t.language == "eng"
    assert t.cover == (png.read_bytes(), "image/png")
    assert t.chapters == (
        Chapter("chp0", "Opening & <intro>", 0.0, 1.234),
        Chapter("chp1", "Middle 😀", 1.234, 3.001),
        Chapter("chp2", "مرحبا بالعالم", 3.001, 5.0),
    )


@pytest.mark.parametrize("version", [3, 4])
def test_full_round_trip_ffprobe(mp3: Path, jpeg: Path, version: int) -> None:
    write_tags(mp3, full_data(jpeg), id3_version=version)

    probe = ffprobe(mp3)
    tags = probe["format"]["tags"]
    assert tags["title"] == HOSTILE
    assert tags["artist"] == "Ana Reviewer"
    assert tags["album"] == "Film Reviews"
    assert tags["genre"] == "Speech"
    assert tags["date"] == "2024-05-07"  # v2.3: ffmpeg merges TYER + TDAT back
    assert tags["track"] == "12"
    assert tags["comment"] == "A review of <Pain & Glory>."
    assert tags["lyrics-eng"] == "First paragraph.\n\nSecond paragraph: " + HOSTILE
    assert tags["encoder"] == "narrate 0.1.0 + ffmpeg/LAME"
    assert tags["NARRATE_ENGINE"] == "tone"
    assert tags["NARRATE_VOICE"] == "en-GB"
    assert tags["PODCAST_GUID"] == "urn:narrate:1234"
    assert tags["language"] == "eng"
    # ffprobe lists CHAP frames in file order; they must come out in chapter order.
    chapters = [
        (c["start"], c["end"], c["time_base"], c["tags"]["title"]) for c in probe["chapters"]
    ]
    assert chapters == [
        (0, 1234, "1/1000", "Opening & <intro>"),
        (1234, 3001, "1/1000", "Middle 😀"),
        (3001, 5000, "1/1000", "مرحبا بالعالم"),
    ]
    pictures = [s for s in probe["streams"] if s["disposition"].get("attached_pic") == 1]
    assert len(pictures) == 1
    assert pictures[0]["codec_name"] == "mjpeg"
    assert pictures[0]["tags"]["comment"] == "Cover (front)"


def test_many_chapters_keep_their_order_in_ffprobe(mp3: Path) -> None:
    # Titles of decreasing length: mutagen alone would write the smallest frame first.
    chapters = tuple(Chapter(f"chp{i}", "x" * (30 - i), i * 0.4, (i + 1) * 0.4) for i in range(12))
    write_tags(mp3, TagData(title="t", chapters=chapters), id3_version=3)

    starts = [c["start"] for c in ffprobe(mp3)["chapters"]]
    assert starts == [i * 400 for i in range(12)]
    assert [c.element_id for c in read_tags(mp3).chapters] == [f"chp{i}" for i in range(12)]


@pytest.mark.parametrize("version", [3, 4])
def test_raw_frames(mp3: Path, version: int) -> None:
    write_tags(mp3, full_data(), id3_version=version)

    raw = ID3(mp3, translate=False)
    assert raw.version == (2, version, 0)
    if version == 3:
        assert str(raw["TYER"]) == "2024"
        assert str(raw["TDAT"]) == "0705"  # DDMM
        assert "TDRC" not in raw
    else:
        assert str(raw["TDRC"]) == "2024-05-07"
        assert "TYER" not in raw
    uslt = raw.getall("USLT")
    assert [(f.lang, f.desc) for f in uslt] == [("eng", "")]
    comm = raw.getall("COMM")
    assert [(f.lang, f.desc, f.text) for f in comm] == [
        ("eng", "", ["A review of <Pain & Glory>."])
    ]
    assert {f.desc: f.text for f in raw.getall("TXXX")} == {
        "NARRATE_ENGINE": ["tone"],
        "NARRATE_VOICE": ["en-GB"],
        "PODCAST_GUID": ["urn:narrate:1234"],
    }
    toc = raw["CTOC:toc"]
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]
    chap = raw["CHAP:chp1"]
    assert (chap.start_time, chap.end_time) == (1234, 3001)
    assert (chap.start_offset, chap.end_offset) == (0xFFFFFFFF, 0xFFFFFFFF)
    assert str(chap.sub_frames["TIT2"]) == "Middle 😀"


def test_year_only_date(mp3: Path) -> None:
    write_tags(mp3, TagData(title="t", date="2023"), id3_version=3)
    raw = ID3(mp3, translate=False)
    assert str(raw["TYER"]) == "2023"
    assert "TDAT" not in raw
    assert read_tags(mp3).date == "2023"
    assert ffprobe(mp3)["format"]["tags"]["date"] == "2023"


@pytest.mark.parametrize("version", [3, 4])
def test_cover_round_trip(mp3: Path, png: Path, jpeg: Path, version: int) -> None:
    for cover, mime in ((png, "image/png"), (jpeg, "image/jpeg")):
        write_tags(mp3, TagData(title="t", cover=cover), id3_version=version)
        t = read_tags(mp3)
        assert t.cover == (cover.read_bytes(), mime)
        (apic,) = ID3(mp3).getall("APIC")
        assert (apic.type, apic.mime) == (3, mime)
        assert tags_as_dict(t)["cover"] == {"mime": mime, "bytes": cover.stat().st_size}


def test_rewrite_replaces_all_tags(mp3: Path, png: Path) -> None:
    write_tags(mp3, full_data(png), id3_version=4)
    with mp3.open("ab") as fh:  # a stale ID3v1 tag
        fh.write(b"TAG" + b"Old title".ljust(30, b"\0") + b"\0" * 94 + b"\x0c")
    size_with_v1 = mp3.stat().st_size

    write_tags(mp3, TagData(title="Second"), id3_version=3)

    t = read_tags(mp3)
    assert t.title == "Second"
    assert (t.artist, t.album, t.date, t.description, t.lyrics) == (None,) * 5
    assert (t.engine, t.voice, t.guid, t.track, t.cover) == (None,) * 5
    assert t.chapters == ()
    assert t.id3_version == 3
    assert mp3.read_bytes()[-128:-125] != b"TAG"
    assert mp3.stat().st_size < size_with_v1
    assert "chapters" not in ffprobe(mp3) or ffprobe(mp3)["chapters"] == []


def test_stream_facts(mp3: Path) -> None:
    write_tags(mp3, TagData(title="t"))
    t = read_tags(mp3)
    assert t.duration == pytest.approx(5.0, abs=0.1)
    assert t.bitrate == pytest.approx(96000, abs=100)
    assert (t.sample_rate, t.channels, t.bitrate_mode) == (44100, 1, "CBR")


def test_tags_as_dict_is_json(mp3: Path, png: Path) -> None:
    write_tags(mp3, full_data(png), id3_version=4)
    d = tags_as_dict(read_tags(mp3))
    back = json.loads(json.dumps(d, ensure_ascii=False))
    assert back["title"] == HOSTILE
    assert back["cover"] == {"mime": "image/png", "bytes": png.stat().st_size}
    assert back["chapters"][1] == {
        "element_id": "chp1",
        "title": "Middle 😀",
        "start": 1.234,
        "end": 3.001,
    }
    assert back["id3_version"] == 4
    assert back["bitrate_mode"] == "CBR"


# --------------------------------------------------------------------------- foreign files


def test_read_untagged_mp3(tmp_path: Path) -> None:
    path = make_mp3(tmp_path / "plain.mp3", "-id3v2_version", "0", "-write_xing", "0")
    assert path.read_bytes()[:3] != b"ID3"
    t = read_tags(path)
    assert t.id3_version == 0
    assert (t.title, t.artist, t.date, t.cover, t.track, t.lyrics) == (None,) * 6
    assert t.chapters == ()
    assert t.duration == pytest.approx(5.0, abs=0.2)


def test_read_chapters_without_ctoc_sorted_by_start(mp3: Path) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["x"]))
    for eid, start, end in (("b", 2000, 4000), ("a", 0, 2000)):
        tags.add(
            CHAP(
                element_id=eid,
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=3, text=[eid.upper()])],
            )
        )
    tags.save(mp3)
    assert read_tags(mp3).chapters == (Chapter("a", "A", 0.0, 2.0), Chapter("b", "B", 2.0, 4.0))


def test_read_tags_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 50)
    missing = tmp_path / "missing.mp3"
    with pytest.raises(InputError, match="not an MP3 file") as err:
        read_tags(text)
    assert str(err.value).startswith(f"{text}: ")
    with pytest.raises(InputError) as err:
        read_tags(missing)
    assert str(err.value) == f"{missing}: file not found"


# --------------------------------------------------------------------------- write errors


def test_write_tags_errors(mp3: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="id3_version must be 3 or 4"):
        write_tags(mp3, TagData(title="t"), id3_version=2)
    missing = tmp_path / "missing.mp3"
    with pytest.raises(OutputError) as err:
        write_tags(missing, TagData(title="t"))
    assert str(err.value).startswith(f"{missing}: cannot write tags")
    assert not missing.exists()
    text = tmp_path / "text.mp3"
    text.write_text("hello\n" * 100)
    with pytest.raises(EncodeError) as err:
        write_tags(text, TagData(title="t"))
    assert str(err.value).startswith(f"{text}: cannot write tags")
    assert text.read_text() == "hello\n" * 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (TagData(title="t", date="07/05/2024"), "date must be"),
        (TagData(title="t", date="2024-02-30"), "not a real date"),
        (TagData(title="t", language="english"), "language must be"),
        (TagData(title="t", track=0), "track must be"),
        (
            TagData(title="t", chapters=(Chapter("c", "a", 0, 1), Chapter("c", "b", 1, 2))),
            "duplicate chapter element id",
        ),
        (TagData(title="t", chapters=(Chapter("has space", "a", 0, 1),)), "bad chapter"),
        (TagData(title="t", chapters=(Chapter("c", "a", 2, 1),)), "ends"),
    ],
)
def test_bad_tag_data(mp3: Path, data: TagData, message: str) -> None:
    before = mp3.read_bytes()
    with pytest.raises(ValueError, match=message):
        write_tags(mp3, data)
    assert mp3.read_bytes() == before


# --------------------------------------------------------------------------- covers


def test_load_cover_detects_by_magic_not_extension(tmp_path: Path, png: Path, jpeg: Path) -> None:
    swapped = tmp_path / "really-a-png.jpg"
    shutil.copyfile(png, swapped)
    assert load_cover(swapped) == (png.read_bytes(), "image/png")
    assert load_cover(jpeg) == (jpeg.read_bytes(), "image/jpeg")


def test_cover_errors(tmp_path: Path, png: Path, jpeg: Path) -> None:
    gif = tmp_path / "cover.gif"
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    text = tmp_path / "cover.png.txt"
    text.write_text("not an image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.png"
    short_png = tmp_path / "short.png"
    short_png.write_bytes(png.read_bytes()[:40])
    short_jpeg = tmp_path / "short.jpg"
    short_jpeg.write_bytes(jpeg.read_bytes()[:100])
    expected = {
        gif: f"{gif}: cover image is a GIF image; use a JPEG or PNG file",
        text: f"{text}: cover image is not an image narrate can read; use a JPEG or PNG file",
        empty: f"{empty}: cover image is empty",
        missing: f"{missing}: cover image not found",
        tmp_path: f"{tmp_path}: cover image is a folder, not a file",
        short_png: f"{short_png}: cover image is a truncated or damaged PNG",
        short_jpeg: f"{short_jpeg}: cover image is a truncated or damaged JPEG",
    }
    for path, message in expected.items():
        with pytest.raises(CoverError) as err:
            load_cover(path)
        assert str(err.value) == message


def test_bad_cover_leaves_mp3_alone(mp3: Path, tmp_path: Path) -> None:
    before = mp3.read_bytes()
    with pytest.raises(CoverError, match="cover image not found"):
        write_tags(mp3, TagData(title="t", cover=tmp_path / "nope.png"))
    assert mp3.read_bytes() == before


# --------------------------------------------------------------------------- rounding


def test_ms_rounds_half_up_and_rejects_bad_times() -> None:
    assert [ms(0), ms(0.0004), ms(0.0005), ms(1.2344), ms(3.0005), ms(0.1 + 0.2)] == [
        0,
        0,
        1,
        1234,
        3001,
        300,
    ]
    for bad in (-0.001, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite number of seconds"):
            ms(bad)


def test_read_source_reads_the_source_txxx_alone(silent_mp3: Path, tmp_path: Path) -> None:
    """What batch asks of every MP3 in its folder: whose it is, as read_tags tells it."""
    from mutagen.id3 import TXXX

    from narrate.tags import TXXX_SOURCE, read_source, read_tags

    assert read_source(silent_mp3) is None  # no ID3 tag at all
    tags = ID3()
    tags.add(TXXX(encoding=3, desc=TXXX_SOURCE, text=["reviews/a.txt"]))
    tags.add(TXXX(encoding=3, desc="other", text=["x"]))
    tags.save(silent_mp3)
    assert read_source(silent_mp3) == read_tags(silent_mp3).source == "reviews/a.txt"
    with pytest.raises(InputError, match="cannot read its tags"):
        read_source(tmp_path)  # a folder
