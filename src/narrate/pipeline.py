"""One review end to end: Document -> clips -> timeline -> MP3 (+ side files).

Data flows one way: segment -> clips -> assemble -> encode -> tags -> side files.
The MP3 is encoded and tagged in a temporary file beside the target and renamed
into place only when complete.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from slugify import slugify

from . import __version__
from .assemble import Rollout, lay_out, planned_timeline, sample_pieces, spread, timeline
from .atomic import TMP_PREFIX, atomic_path, write_text_atomic
from .casting import Cast, cast_voices
from .clips import Clip, ClipStore, render_clip
from .encode import expected_samples, ffmpeg_path
from .engines import Engine, create_engine
from .errors import InputError, OutputError
from .files import is_one_of
from .model import Document, Timeline
from .segment.language import id3_language
from .settings import Settings
from .tags import (
    TXXX_LRA,
    TXXX_LUFS,
    TXXX_PROFILE,
    TXXX_TRUE_PEAK,
    TagData,
    check_date,
    check_tag_data,
    guid_for_name,
    load_cover,
    write_tags,
)
from .tags.post import post_frames, post_tags
from .transcripts import (
    chapters_from_timeline,
    chapters_json,
    side_file_paths,
    to_srt,
    to_vtt,
)

if TYPE_CHECKING:  # delivery (numpy, the loudness meter) loads when a narration starts:
    from .delivery import Delivery  # a no-op batch rerun plans with this module only

log = logging.getLogger(__name__)

DESCRIPTION_CHARS = 4000  # Apple Podcasts' limit for an episode description

ClipCallback = Callable[[int, int, Clip], None]  # (done, total, clip)


@dataclass(frozen=True)
class NarrationResult:
    output: Path
    title: str
    duration: float
    timeline: Timeline
    clips_synthesized: int
    clips_cached: int
    side_files: tuple[Path, ...] = ()
    delivery: Delivery | None = None  # the loudness normalization, unless the profile has none

    @property
    def chapters(self) -> int:
        return len(self.timeline.chapters)


def output_name(title: str) -> str:
    """``<slug-of-title>.mp3``; a title with no letters at all gives ``review.mp3``."""
    return (slugify(title, max_length=80, word_boundary=True) or "review") + ".mp3"


def default_description(doc: Document) -> str:
    """The episode description: the first body paragraph, cut to ``DESCRIPTION_CHARS``.

    A heading is a chapter title, not a description, and text with no letter or digit
    (``* * *``) is no paragraph to describe an episode with; with nothing else, the
    first chapter's text is used. The spoken intro and outro are never the description.
    """
    first = ""
    body = [s for s in doc.segments if s.kind == "paragraph"]
    for seg in body:
        parts = [p.strip() for p in seg.display.split("\n\n")]
        if seg.heading is not None and seg.heading.strip() in parts:
            parts.remove(seg.heading.strip())
        first = next((p for p in parts if any(c.isalnum() for c in p)), "")
        if first:
            break
    else:
        chosen = body or doc.segments
        first = chosen[0].display.strip() if chosen else ""
    if len(first) <= DESCRIPTION_CHARS:
        return first
    return first[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def render_clips(
    doc: Document,
    engine: Engine,
    store: ClipStore,
    settings: Settings,
    on_clip: ClipCallback | None = None,
    cast: Cast | None = None,
    only: Collection[tuple[int, int]] | None = None,
) -> Iterator[tuple[int, int, Clip]]:
    """Yield (paragraph, sentence, clip) for every sentence (or those in ``only``), in
    order, as each is ready; each sentence in its voice (``cast``: the engine's current
    voice reads them all)."""
    total = sum(len(s.sentences) for s in doc.segments)
    done = 0
    for seg in doc.segments:
        for s, sentence in enumerate(seg.sentences):
            if only is not None and (seg.index, s) not in only:
                continue
            if cast is not None:
                engine.use_voice(cast.voice_of(sentence))  # a no-op when it is the same
            clip = render_clip(engine, sentence.speech, store, settings.audio, paragraph=seg.index)
            done += 1
            if on_clip:
                on_clip(done, total, clip)
            yield seg.index, s, clip


def _after(on_clip: ClipCallback | None, doc: Document,
           done: Collection[tuple[int, int]]) -> ClipCallback | None:  # fmt: skip
    """``on_clip`` for a pass over every sentence after those in ``done`` were made (and
    reported): it reports the others only, counting on from there."""
    if on_clip is None or not done:
        return on_clip
    count = {}
    n = len(done)
    flat = [(seg.index, s) for seg in doc.segments for s in range(len(seg.sentences))]
    for i, key in enumerate(flat, 1):
        if key not in done:
            n += 1
            count[i] = n

    def report(i: int, total: int, clip: Clip) -> None:
        if i in count:
            on_clip(count[i], total, clip)

    return report


def tag_data(
    doc: Document,
    output: Path,
    settings: Settings,
    tl: Timeline,
    engine: Engine | None,
    *,
    fingerprint: str | None = None,
    source: str | None = None,
) -> TagData:
    t = post_tags(settings.tags, doc.metadata)  # the flags win over the post's header
    return TagData(
        title=t.title or doc.title,
        artist=t.author,
        album=t.album,
        genre=t.genre,
        date=t.resolved_date(),
        description=t.description if t.description is not None else default_description(doc),
        lyrics=doc.display_text,
        cover=t.cover,
        encoder=f"narrate {__version__} (ffmpeg/LAME)",
        engine=f"{engine.name} {engine.version()}" if engine else None,
        voice=engine.voice_label() if engine else None,  # the narrator's: see narrate()
        guid=guid_for_name(output.name),
        language=id3_language(doc.language),
        chapters=chapters_from_timeline(tl),
        fingerprint=fingerprint,
        source=source,
        post=post_frames(doc.metadata),
    )


def narrate(
    doc: Document,
    output: Path,
    settings: Settings,
    *,
    engine: Engine | None = None,
    store: ClipStore | None = None,
    on_clip: ClipCallback | None = None,
    fingerprint: str | None = None,
    source: str | None = None,
) -> NarrationResult:
    """Narrate ``doc`` into the MP3 ``output`` (and its side files); return what was made.

    ``fingerprint`` and ``source`` (from ``narrate batch``: what the MP3 is made from,
    and which review) are stored in the MP3 as TXXX frames.
    """
    if not doc.segments or not any(s.sentences for s in doc.segments):
        raise InputError(f"{doc.source or doc.title}: nothing to narrate")
    # Fail before any synthesis: a bad target, an input as the target, a missing ffmpeg.
    check_output(output, settings, inputs=input_paths(doc, settings))
    ffmpeg_path()
    if settings.tags.date is not None:
        try:
            check_date(settings.tags.date)
        except ValueError as exc:
            raise InputError(f"{doc.source or doc.title}: {exc}") from None
    # A bad cover, and chapters, times or text no ID3 tag can hold, fail before any
    # synthesis too.
    cover_path = post_tags(settings.tags, doc.metadata).cover
    cover = load_cover(cover_path) if cover_path is not None else None
    check_tag_room(doc, output, settings, len(cover[0]) if cover else 0)
    store = store or ClipStore(settings.cache_dir)
    own_engine = engine is None
    engine = engine or create_engine(settings.voice)
    engine.timeout = settings.timeout
    sampled: list[tuple[int, int, Clip]] = []
    try:
        doc, cast = cast_voices(engine, doc, settings)  # before any synthesis
        if not any(seg.sentences for seg in doc.segments):
            raise InputError(f"{doc.source or doc.title}: nothing left to narrate: no voice "
                             f"of {engine.name} reads its script")  # fmt: skip
        with atomic_path(output) as tmp:  # begun as narration begins, sample and all
            picks: set[tuple[int, int]] = set()
            if settings.audio.loudness is not None:
                # The loudness sample, spread over the whole, is synthesized first: the
                # gain is tuned on it while the rest is still to come.
                picks = spread([(seg.index, len(seg.sentences), sum(len(x.speech.split())
                                for x in seg.sentences)) for seg in doc.segments],
                               settings.voice.rate)  # fmt: skip
                sampled = list(render_clips(doc, engine, store, settings, on_clip, cast, picks))
            clips = render_clips(doc, engine, store, settings, _after(on_clip, doc, picks),
                                 cast)  # fmt: skip
            first = next(clips)  # its rate is the stream's: all clips of one engine agree
            rate = first[2].sample_rate
            rollout = Rollout(lay_out(itertools.chain([first], clips), settings.audio, rate),
                              rate)  # fmt: skip
            sample = sample_pieces(sampled, doc, settings.audio, rate)
            from .delivery import encode_at_level

            delivery = encode_at_level(rollout, sample, tmp, settings.audio, output.name,
                                       expected_length(doc, settings, rate))  # fmt: skip
            tl = timeline(doc, rollout.pieces, rate,
                          cast.speaker_of if cast.quotes_apart else None)  # fmt: skip
            engine.use_voice(cast.narrator)  # the tags name the narrator's voice
            tags = tag_data(
                doc, output, settings, tl, engine, fingerprint=fingerprint, source=source
            )
            tags = replace(tags, measured=measured_tags(settings.audio.profile, delivery))
            try:
                write_tags(tmp, tags, settings.tags.id3_version)
            except ValueError as exc:  # the real times passed a limit the plan could not see
                raise InputError(f"{doc.source or doc.title}: {exc}") from None
            # Side files land before the MP3 does: a failure leaves no MP3 without them.
            side = write_side_files(output, tl, settings, tags.title)
    finally:
        if own_engine:
            engine.close()
    used = [p.clip for p in rollout.pieces if p.clip is not None]
    fresh = {clip.path for _, _, clip in sampled if not clip.cached}
    synthesized = sum(1 for c in used if not c.cached or c.path in fresh)
    log.info(
        "%s: %.1f s, %d chapters, %d clips synthesized, %d from cache",
        output,
        tl.duration,
        len(tl.chapters),
        synthesized,
        len(used) - synthesized,
    )
    return NarrationResult(
        output=output,
        title=tags.title,
        duration=tl.duration,
        timeline=tl,
        clips_synthesized=synthesized,
        clips_cached=len(used) - synthesized,
        side_files=side,
        delivery=delivery,
    )


def check_tag_room(doc: Document, output: Path, settings: Settings, cover_bytes: int) -> None:
    """Refuse, before synthesis, a document whose tag could not be written after it.

    The tag is planned on the silence-only timeline (every clip 0 s long): chapter
    count, titles, table of contents and text are final, and its times are lower
    bounds of the real ones.
    """
    planned = planned_timeline(doc, settings.audio)
    try:
        check_tag_data(tag_data(doc, output, settings, planned, None), cover_bytes)
    except ValueError as exc:
        raise InputError(f"{doc.source or doc.title}: {exc}") from None


def measured_tags(profile: str, delivery: Delivery | None) -> tuple[tuple[str, str], ...]:
    """The TXXX frames that say how loud the MP3 is (measured on it) and under which profile."""
    pairs = [(TXXX_PROFILE, profile)]
    if delivery is not None:
        m = delivery.measured
        pairs += [(desc, f"{value:.1f}") for desc, value in (
            (TXXX_LUFS, m.integrated), (TXXX_TRUE_PEAK, m.true_peak), (TXXX_LRA, m.lra))
            if value is not None]  # fmt: skip
    return tuple(pairs)


NAME_MAX = 255  # bytes in one file name: ext4, APFS, NTFS and tmpfs alike
PATH_MAX = 4096


def input_paths(doc: Document, settings: Settings) -> list[Path]:
    """The files a narration reads, which its outputs must never replace."""
    named = [doc.source if doc.source not in ("", "-", "<stdin>") else None,
             settings.text.lexicon, settings.tags.cover, doc.metadata.cover]  # fmt: skip
    return [Path(p) for p in named if p]


def expected_length(doc: Document, settings: Settings, rate: int) -> int:
    """About how many samples at ``rate`` narrating ``doc`` takes (sizes the encoder's parts)."""
    sentences = [s for seg in doc.segments for s in seg.sentences]
    return expected_samples(
        sum(len(s.speech.split()) for s in sentences),
        sum(1 for seg in doc.segments if seg.sentences),
        len(sentences),
        settings.voice.rate,
        rate,
        settings.audio,
    )


def check_output(output: Path, settings: Settings, inputs: Iterable[Path] = ()) -> None:
    """Refuse a target that cannot be written, whose side files would overwrite it, or
    that is one of the files being read (``inputs``: the review, lexicon, cover)."""
    if output.suffix.lower() != ".mp3":
        raise OutputError(f"{output}: the output file name must end in .mp3")
    targets = (output, *side_file_paths(output, settings).values())
    for path in targets:
        # The temporary beside a target has a longer name than the target itself.
        longest = len(os.fsencode(path.name)) + len(TMP_PREFIX) + 24
        if longest > NAME_MAX:
            raise OutputError(
                f"{output}: the file name is too long ({len(os.fsencode(output.name))} bytes; "
                f"at most {NAME_MAX - len(TMP_PREFIX) - 24 - (len(path.name) - len(output.name))}"
                " fit here)"
            )
        if len(os.fsencode(os.path.abspath(path))) >= PATH_MAX:
            raise OutputError(f"{output}: the path is too long (at most {PATH_MAX - 1} bytes)")
    folder = output.parent
    try:
        for parent in (folder, *folder.parents):
            if parent.exists():
                if not parent.is_dir():
                    raise OutputError(f"cannot write to {folder}: {parent} is not a folder")
                if not os.access(parent, os.W_OK | os.X_OK):
                    raise OutputError(f"cannot write to {folder}: permission denied")
                break
        inputs = list(inputs)
        for path in targets:
            if path.is_dir():
                raise OutputError(f"cannot write {path}: it is a folder")
            if is_one_of(path, inputs):
                raise OutputError(
                    f"{path}: is one of the input files; writing it would replace the input"
                )
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None


def write_side_files(
    output: Path, tl: Timeline, settings: Settings, title: str
) -> tuple[Path, ...]:
    written = []
    for kind, path in side_file_paths(output, settings).items():
        if kind == "srt":
            text = to_srt(tl.cues)
        elif kind == "vtt":
            text = to_vtt(tl.cues)
        else:
            text = chapters_json(tl.chapters, title=title)
        write_text_atomic(path, text)
        written.append(path)
    return tuple(written)
