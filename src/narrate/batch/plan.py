"""Plan a batch: per entry its settings, title, output name and fingerprint.

Settings: manifest item > manifest ``[defaults]`` > command-line options; a manifest
``profile`` replaces ``--profile`` but keeps the options given explicitly (``--bitrate``,
``--head``, ``--tail``), as ``--profile`` itself does. The title
comes from :func:`narrate.segment.document_title`, the rule ``read`` uses too. An
entry whose MP3 already carries its fingerprint is settled as "up to date"; an
unreadable input, a bad cover, an unsafe or unusable output name fails here, that
entry only. A draft (``draft: true``, ``published: false``) is settled as "draft" and
not narrated. Nothing is written and no engine starts in this process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..clips import ClipStore
from ..errors import CoverError, ItemError, OutputError
from ..metadata import Metadata
from ..profiles import apply_profile
from ..settings import Settings, VoiceSettings
from .fingerprint import fingerprint, up_to_date
from .model import DRAFT, FAILED, BatchPlan, Entry, ItemResult, WorkItem
from .names import MAX_NAME_BYTES, PATHLIKE_TITLE, Names, check_output_name, shown, source_id

log = logging.getLogger(__name__)
# The engine's version with each voice, None for a voice it does not know.
Versions = Callable[[Sequence[VoiceSettings]], Sequence[str | None]]


def resolve_title(source: Path, settings: Settings) -> str:
    """The title ``load_document`` would give ``source``, without segmenting it.

    Raises ``InputError`` for an unreadable input.
    """
    return resolve_post(source, settings)[0]


def resolve_post(source: Path, settings: Settings) -> tuple[str, Metadata]:
    """The title ``load_document`` would give ``source``, and the post's own metadata."""
    from ..loading import load_text
    from ..segment import document_title

    loaded = load_text(source, settings.text)
    return document_title(loaded, settings)[0], loaded.metadata


def _item_settings(base: Settings, options: Mapping[str, Any]) -> Settings:
    tags = {k: options[k] for k in ("title", "author", "album", "date", "description", "cover")
            if k in options}  # fmt: skip
    voice = {k: options[k] for k in ("voice", "rate") if k in options}
    text = {"lexicon": options["lexicon"]} if "lexicon" in options else {}
    if "profile" in options:
        base = apply_profile(base, options["profile"])
    return base.with_overrides(tags=tags, voice=voice, text=text)


def _absolute(settings: Settings) -> Settings:
    """Paths made absolute, so an item means the same in any process or folder."""
    t, x = settings.tags, settings.text
    return replace(
        settings,
        tags=replace(t, cover=t.cover.absolute() if t.cover else None),
        text=replace(x, lexicon=x.lexicon.absolute() if x.lexicon else None,
                     site_root=x.site_root.absolute() if x.site_root else None),
        cache_dir=ClipStore(settings.cache_dir).root.absolute(),
    )


def entry_settings(settings: Settings, entry: Entry) -> Settings:
    """The settings ``entry`` is narrated with (before its title is set), as planned."""
    return _absolute(_item_settings(_absolute(settings), entry.options))


def order(entries: Sequence[Entry]) -> list[int]:
    """Entry indexes sorted by source path: the run's order, the same in every run."""
    return sorted(range(len(entries)), key=lambda i: (str(entries[i].source.absolute()), i))


@dataclass
class _Draft:
    index: int
    entry: Entry
    settings: Settings
    title: str
    wanted: str
    explicit: bool
    source_id: str
    name: str = ""


def _ask_soon(versions: Versions, voices: Sequence[VoiceSettings]
              ) -> Callable[[], dict[VoiceSettings, str | None]]:  # fmt: skip
    """Start ``versions(voices)`` in a thread; the returned call waits for its answer
    (or raises what it raised)."""
    distinct = list(dict.fromkeys(voices))
    box: dict[str, Any] = {}

    def ask() -> None:
        try:
            box["answer"] = dict(zip(distinct, versions(distinct), strict=True))
        except BaseException as exc:  # raised where the answer is wanted
            box["error"] = exc

    thread = threading.Thread(target=ask, name="narrate-engine-version", daemon=True)
    if distinct:
        thread.start()

    def answer() -> dict[VoiceSettings, str | None]:
        if not distinct:
            return {}
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["answer"]

    return answer


def plan_batch(
    entries: Sequence[Entry],
    settings: Settings,
    out_dir: Path,
    *,
    versions: Versions | None = None,
    lock_dir: Path | None = None,
) -> BatchPlan:
    """Decide, for every entry, its output and whether it must be narrated at all.

    Reads every input (to find its title) and the MP3s already in ``out_dir`` (to know
    whose they are), but starts no engine and writes nothing. Whatever is wrong with
    one entry fails that entry only. ``versions`` tells what the engine's adapter
    reports as its version with each item's voice, None for a voice it does not know
    (:func:`.probe.engine_versions` in a spawn process when not given). ``lock_dir``
    holds the outputs' lock files (default: ``LOCK_DIR`` in ``out_dir``).
    """
    from ..pipeline import check_output, output_name

    shown_dir = Path(out_dir)
    out_dir = shown_dir.absolute()
    base = _absolute(settings)
    # The engine is asked its version (a process start, a third of a no-op rerun) while
    # the inputs are read and the outputs named.
    if versions is None:
        from .probe import engine_versions as versions
    asked = _ask_soon(versions, [_absolute(_item_settings(base, e.options)).voice
                                 for e in entries if not e.error])  # fmt: skip
    settled: list[ItemResult] = []
    drafts: list[_Draft] = []

    def fail(index: int, entry: Entry, reason: str, title: str | None = None) -> None:
        log.debug("%s: %s", entry.label, reason)
        settled.append(ItemResult(entry.label, None, FAILED, reason, title=title, index=index))

    for index, i in enumerate(order(entries)):
        e = entries[i]
        if e.error:
            fail(index, e, e.error)
            continue
        s = entry_settings(base, e)
        try:
            title, meta = resolve_post(e.source, s)
        except ItemError as exc:
            fail(index, e, str(exc))
            continue
        if meta.draft:  # a post its author has not published is not an episode either
            log.info("%s: a draft, not narrated", e.label)
            settled.append(ItemResult(e.label, None, DRAFT, "draft: not published",
                                      title=title, index=index))  # fmt: skip
            continue
        if PATHLIKE_TITLE.search(title):
            fail(index, e, f"title {title!r} looks like a path; it cannot name an output file",
                 title)  # fmt: skip
            continue
        wanted = e.options.get("output")
        if wanted is not None:
            try:
                wanted = check_output_name(wanted, out_dir)
            except ValueError as exc:
                fail(index, e, str(exc), title)
                continue
        else:
            wanted = output_name(title)
        s = s.with_overrides(tags={"title": title})
        drafts.append(_Draft(index, e, s, title, wanted, e.options.get("output") is not None,
                             e.identity or source_id(e.source, out_dir)))  # fmt: skip

    names = Names(out_dir)
    named: list[_Draft] = []
    for d in sorted(drafts, key=lambda d: (not d.explicit, d.index)):
        try:
            if d.explicit:
                d.name = names.explicit(d.wanted, d.source_id)
            else:
                d.name = names.slug(d.wanted, d.source_id)
                if d.name != d.wanted:
                    log.info("%s: %s is taken, writing %s",
                             d.entry.label, d.wanted, d.name)  # fmt: skip
            if len(d.name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
                raise ValueError(f"output {shown(d.name)} is too long for a file name")
            check_output(out_dir / d.name, d.settings)
        except (ValueError, OutputError) as exc:
            fail(d.index, d.entry, str(exc), d.title)
            continue
        except OSError as exc:
            fail(d.index, d.entry, f"output {shown(d.name or d.wanted)} cannot be used: "
                 f"{exc.strerror or exc}", d.title)  # fmt: skip
            continue
        named.append(d)

    version_of = asked()
    work: list[WorkItem] = []
    for d in sorted(named, key=lambda d: d.index):
        version = version_of[d.settings.voice]
        try:
            # a voice its engine does not know: no print, so never up to date;
            # check_voices names it before anything is narrated
            fp = "" if version is None else fingerprint(d.entry.source, d.settings, d.title,
                                                        d.name, version)  # fmt: skip
        except CoverError as exc:
            fail(d.index, d.entry, str(exc), d.title)
            continue
        except OSError as exc:
            fail(d.index, d.entry, f"{exc.filename or d.entry.label}: cannot be read "
                 f"({exc.strerror or exc})", d.title)  # fmt: skip
            continue
        item = WorkItem(
            source=d.entry.source.absolute(),
            output=out_dir / d.name,
            settings=d.settings,
            title=d.title,
            fingerprint=fp,
            label=d.entry.label,
            output_label=str(shown_dir / d.name),
            index=d.index,
            source_id=d.source_id,
            lock_dir=lock_dir,
        )
        done = up_to_date(item)
        if done is not None:
            settled.append(done)
        else:
            work.append(item)
    return BatchPlan(tuple(work), tuple(sorted(settled, key=lambda r: r.index)))


