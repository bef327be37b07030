"""Write a fresh ID3v2.3 or ID3v2.4 tag, with chapters and their table of contents."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIME,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    TSSE,
    TXXX,
    USLT,
    CTOCFlags,
    Encoding,
    PictureType,
)
from mutagen.id3._tags import save_frame
from mutagen.mp3 import MP3

from ..errors import EncodeError, OutputError
from .cover import load_cover
from .data import (
    TXXX_ENGINE,
    TXXX_FINGERPRINT,
    TXXX_GUID,
    TXXX_SOURCE,
    TXXX_VOICE,
    TagData,
    ms,
)
from .limits import check_tag_data
from .toc import toc_tree

log = logging.getLogger(__name__)

NO_OFFSET = 0xFFFFFFFF


class _ChapterOrderedID3(ID3):
    """An ID3 tag that writes its CTOCs and then its CHAP frames in chapter order, last.

    mutagen orders frames by size, and ffmpeg-based players list CHAP frames in file
    order (ignoring the CTOC), so without this they would show chapters shuffled.
    """

    def _write(self, config: Any) -> bytearray:
        keys = [k for k in self if k.startswith(("CTOC:", "CHAP:"))]
        frames = [self.pop(k) for k in keys]
        try:
            head = super()._write(config)
        finally:
            for key, frame in zip(keys, frames, strict=True):
                self[key] = frame
        return head + b"".join(save_frame(f, config=config) for f in frames)


def _build(data: TagData, cover: tuple[bytes, str] | None, enc: Encoding) -> ID3:
    tags = _ChapterOrderedID3()
    lang = data.language.lower()
    tags.add(TIT2(encoding=enc, text=[data.title]))
    if data.artist:
        tags.add(TPE1(encoding=enc, text=[data.artist]))
    if data.album:
        tags.add(TALB(encoding=enc, text=[data.album]))
    if data.genre:
        tags.add(TCON(encoding=enc, text=[data.genre]))
    if data.date:
        tags.add(TDRC(encoding=enc, text=[data.date]))
    if data.track is not None:
        tags.add(TRCK(encoding=enc, text=[str(data.track)]))
    tags.add(TLAN(encoding=enc, text=[lang]))
    if data.encoder:
        tags.add(TSSE(encoding=enc, text=[data.encoder]))
    if data.description:
        tags.add(COMM(encoding=enc, lang=lang, desc="", text=[data.description]))
    if data.lyrics:
        tags.add(USLT(encoding=enc, lang=lang, desc="", text=data.lyrics))
    for desc, value in (
        (TXXX_ENGINE, data.engine),
        (TXXX_VOICE, data.voice),
        (TXXX_GUID, data.guid),
        (TXXX_FINGERPRINT, data.fingerprint),
        (TXXX_SOURCE, data.source),
        *data.measured,
        *data.post,
    ):
        if value:
            tags.add(TXXX(encoding=enc, desc=desc, text=[value]))
    if cover is not None:
        blob, mime = cover
        tags.add(APIC(encoding=enc, mime=mime, type=PictureType.COVER_FRONT, desc="", data=blob))
    for toc in toc_tree(data.chapters):  # the top level first, then the child tables
        tags.add(
            CTOC(
                element_id=toc.element_id,
                flags=CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if toc.top_level else 0),
                child_element_ids=list(toc.children),
                sub_frames=[TIT2(encoding=enc, text=[toc.title])] if toc.title else [],
            )
        )
    for ch in data.chapters:
        tags.add(
            CHAP(
                element_id=ch.element_id,
                start_time=ms(ch.start),
                end_time=ms(ch.end),
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[TIT2(encoding=enc, text=[ch.title])],
            )
        )
    return tags


def _add_v23_time(tags: ID3, date: str | None, enc: Encoding) -> None:
    """ID3v2.3's TIME (HHMM) for a timestamp: mutagen leaves it out at minute 0."""
    if date and "T" in date and "TIME" not in tags:
        hour, minute = date.split("T", 1)[1].split(":")[:2]
        tags.add(TIME(encoding=enc, text=[f"{hour}{minute}"]))


def io_cause(exc: BaseException) -> OSError | None:
    """The OSError behind a mutagen error, if there is one."""
    for cand in (*getattr(exc, "args", ())[:1], exc.__cause__, exc.__context__):
        if isinstance(cand, OSError):
            return cand
    return None


def write_tags(mp3: Path, data: TagData, id3_version: int = 3) -> None:
    """Replace all ID3 tags (v1 and v2) of ``mp3``, which already holds encoded audio.

    Raises ``ValueError`` for a bad ``id3_version`` or malformed ``data``,
    ``CoverError`` for a bad cover, ``OutputError`` when the file cannot be read or
    written, ``EncodeError`` when it is not an MP3 or mutagen fails otherwise.
    """
    mp3 = Path(mp3)
    if id3_version not in (3, 4):
        raise ValueError(f"id3_version must be 3 or 4, got {id3_version!r}")
    cover = load_cover(data.cover) if data.cover is not None else None
    check_tag_data(data, len(cover[0]) if cover else 0)
    enc = Encoding.UTF16 if id3_version == 3 else Encoding.UTF8
    tags = _build(data, cover, enc)
    if id3_version == 3:
        tags.update_to_v23()  # TDRC -> TYER (+ TDAT), also inside CHAP/CTOC
        _add_v23_time(tags, data.date, enc)
    try:
        MP3(mp3)  # refuse to tag something that is not an MP3
        tags.save(mp3, v1=0, v2_version=id3_version)
    except (MutagenError, OSError) as exc:
        cause = io_cause(exc) if not isinstance(exc, OSError) else exc
        if cause is not None:
            raise OutputError(f"{mp3}: cannot write tags: {cause.strerror or cause}") from exc
        raise EncodeError(f"{mp3}: cannot write tags: {exc}") from exc
    log.debug("%s: wrote ID3v2.%d tag with %d chapter(s)", mp3, id3_version, len(data.chapters))
