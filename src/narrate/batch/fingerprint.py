"""Fingerprints: a digest of everything an MP3 is made from, kept in the MP3 itself.

An item whose MP3 already carries its fingerprint (``TXXX:NARRATE_FINGERPRINT``) and
its review (``TXXX:NARRATE_SOURCE``) is "up to date" and never reaches an engine. The
MP3 is renamed into place complete with its tags, so the record can never disagree
with the file, whatever kills a run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..settings import Settings
from .model import UP_TO_DATE, ItemResult, WorkItem


def _sha256_file(path: Path | None) -> str | None:
    if path is None:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(
    source: Path,
    settings: Settings,
    title: str,
    output_name: str,
    version: str | None = None,
) -> str:
    """A digest of everything the MP3 is made from.

    Covers the bytes of the input, lexicon and cover, every setting that reaches the
    audio or the tags (the delivery profile's name and values among them; not the
    cache folder or the timeout; paths by content, so a moved folder stays up to
    date), the title and output name, narrate's version and
    the engine's ``version`` as its adapter reports it with this voice
    (``Engine.version()``: Piper's holds the voice file's hash; asked of the adapter
    when not given; never a guess from what is on ``PATH``). A missing
    cover raises ``CoverError``; an unreadable input or lexicon ``OSError``.
    """
    cover = settings.tags.cover
    if cover is not None:
        from ..tags import load_cover

        load_cover(cover)  # a bad cover fails the item here, before any synthesis
    if version is None:
        from .probe import engine_version

        version = engine_version(settings.voice)
    plain = replace(
        settings,
        cache_dir=None,
        timeout=0.0,
        tags=replace(settings.tags, cover=None, title=title),
        text=replace(settings.text, lexicon=None),
    )
    plain_settings = dataclasses.asdict(plain)
    # Which fields were explicit is no part of the audio: their values, and the
    # profile's name (settings.audio.profile), are.
    plain_settings["audio"].pop("explicit")
    material = {
        "narrate": __version__,
        "engine": version,
        "input": _sha256_file(source),
        "lexicon": _sha256_file(settings.text.lexicon),
        "cover": _sha256_file(cover),
        "settings": plain_settings,
        "title": title,
        "output": output_name,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def up_to_date(item: WorkItem) -> ItemResult | None:
    """An "up to date" result when ``item.output`` already holds what ``item`` would make."""
    try:
        if not item.fingerprint or not item.output.is_file():
            return None
    except OSError:
        return None
    from ..tags import TXXX_FINGERPRINT, TXXX_SOURCE, read_summary
    from ..transcripts import side_file_paths

    try:
        # TXXX frames, the chapters' count and the length only: a whole read_tags
        # (text frames decoded, lyrics, cover) was most of a no-op rerun, profiled.
        summary = read_summary(item.output)
    except Exception:  # an unreadable MP3 is simply made again
        return None
    if summary.txxx.get(TXXX_FINGERPRINT) != item.fingerprint:
        return None
    if item.source_id and summary.txxx.get(TXXX_SOURCE) != item.source_id:
        return None
    if not all(p.is_file() for p in side_file_paths(item.output, item.settings).values()):
        return None
    return ItemResult(
        source=item.label or str(item.source),
        output=item.shown_output,
        status=UP_TO_DATE,
        title=item.title,
        duration=summary.duration,
        chapters=summary.chapters,
        index=item.index,
    )
