"""The tagging stage: ID3v2 metadata, cover art and chapters for a finished MP3.

``write_tags`` replaces every ID3 tag of an encoded MP3 with a fresh ID3v2.3 or
ID3v2.4 tag: text frames, a comment, the full display text as unsynchronised
lyrics, a front cover, narrate's own TXXX frames, and one CHAP frame per chapter,
listed in order by a table of contents of CTOC frames (nested past 255 chapters, see
``toc``). ``read_tags`` reads all of it back (and whatever an MP3 from elsewhere
holds). ``check_tag_data`` says before synthesis whether a tag can hold it all.

Modules: ``data`` (the dataclasses and ``ms``), ``cover``, ``toc`` (the CTOC
layout), ``limits`` (what ID3 can hold), ``write``, ``read``.

Times are rounded to whole milliseconds by ``ms`` everywhere (ID3 chapters,
JSON chapters, SRT/VTT cues), so all of them agree exactly.
"""

from .cover import COVER_MAX_BYTES, load_cover
from .data import (
    EPISODE_GUID_NAMESPACE,
    TXXX_ENGINE,
    TXXX_FINGERPRINT,
    TXXX_GUID,
    TXXX_LRA,
    TXXX_LUFS,
    TXXX_PROFILE,
    TXXX_SOURCE,
    TXXX_TRUE_PEAK,
    TXXX_VOICE,
    Chapter,
    EpisodeTags,
    TagData,
    check_date,
    end_ms,
    guid_for_name,
    ms,
)
from .limits import ID3_MAX_BYTES, MAX_MS, check_tag_data, tag_size_bound
from .read import Summary, read_source, read_summary, read_tags, read_txxx, tags_as_dict
from .toc import MAX_ENTRIES, TOC_ID, toc_tree
from .write import NO_OFFSET, write_tags

__all__ = [
    "COVER_MAX_BYTES",
    "EPISODE_GUID_NAMESPACE",
    "ID3_MAX_BYTES",
    "MAX_ENTRIES",
    "MAX_MS",
    "NO_OFFSET",
    "TOC_ID",
    "TXXX_ENGINE",
    "TXXX_FINGERPRINT",
    "TXXX_GUID",
    "TXXX_LRA",
    "TXXX_LUFS",
    "TXXX_PROFILE",
    "TXXX_SOURCE",
    "TXXX_TRUE_PEAK",
    "TXXX_VOICE",
    "Chapter",
    "EpisodeTags",
    "TagData",
    "check_date",
    "check_tag_data",
    "end_ms",
    "guid_for_name",
    "load_cover",
    "ms",
    "read_source",
    "read_summary",
    "Summary",
    "read_txxx",
    "read_tags",
    "tag_size_bound",
    "tags_as_dict",
    "toc_tree",
    "write_tags",
]
