"""The options ``read`` and ``batch`` share, and how they become one ``Settings``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

import click

from ..ear import LINK_MODES
from ..engines import ENGINES
from ..loading.footnotes import FOOTNOTE_CHOICES
from ..profiles import DEFAULT_PROFILE, PROFILES, apply_profile
from ..settings import (
    DEFAULT_ENGINE,
    AudioSettings,
    Settings,
    TagSettings,
    TextSettings,
    VoiceSettings,
)

SAMPLE = "pain-and-glory.txt"
DEFAULT_OUT_DIR = Path("audio")
TRANSCRIPT_KINDS = ("srt", "vtt")


def _transcripts(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in value.split(",") if k.strip()))
    bad = [k for k in kinds if k not in TRANSCRIPT_KINDS]
    if bad:
        raise click.BadParameter(f"unknown transcript format {bad[0]!r} (use srt, vtt or srt,vtt)")
    return kinds


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..tags import check_date

    if value is None:
        return None
    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (for example 2024-05-31 or 2024)") from None


def _template(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..segment.intro import check_template

    try:
        return check_template(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..segment.language import normalize_tag

    if value is None:
        return None
    tag = normalize_tag(value)
    if tag is None:
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise click.BadParameter(
            f"{shown!r} is not a language tag (an ISO 639 code, for example fr, de-DE or zh)"
        )
    return tag


def _quote_voice(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A voice name or id, ``auto``, or a Piper ``.onnx`` path: checked for shape here and
    against the engine's voices before any synthesis."""
    if value is None:
        return None
    if not value.strip() or len(value) > 300 or any(not ch.isprintable() for ch in value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise click.BadParameter(
            f"{shown!r} is not a voice (give a voice name or id from narrate voices, or auto)"
        )
    return value.strip()


NARRATION_OPTIONS: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
    click.option("--profile", type=click.Choice(list(PROFILES)), default=DEFAULT_PROFILE,
                 show_default=True,
                 help="Delivery profile: loudness, bitrate, head and tail (see: narrate "
                      "profiles). --bitrate, --head and --tail given explicitly win."),
    click.option("--engine", type=click.Choice(sorted(ENGINES)), default=DEFAULT_ENGINE,
                 show_default=True, help="Text-to-speech engine."),
    click.option("--voice", help="Voice id or name (see: narrate voices); piper: a name "
                                 "or the path of an .onnx voice."),
    click.option("--quote-voice", callback=_quote_voice, metavar="VOICE",
                 help="Read block quotes in this second voice of the same engine; auto: a "
                      "contrasting voice of the review's language [default: off]."),
    click.option("--language", callback=_language, metavar="TAG",
                 help="The review's language, e.g. fr or de-DE: picks the voice, the sentence "
                      "rules and the ID3 language [default: the post's own, else its file "
                      "name's suffix (review.fr.md), else detected]."),
    click.option("--speaker", type=click.IntRange(0), help="Speaker of a multi-speaker voice."),
    click.option("--rate", type=click.IntRange(60, 450), default=VoiceSettings.rate,
                 show_default=True, help="Speaking rate, words per minute."),
    click.option("--volume", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True),
    click.option("--pause", type=click.FloatRange(0.0, 30.0), default=AudioSettings.pause,
                 show_default=True, help="Seconds between paragraphs."),
    click.option("--sentence-pause", type=click.FloatRange(0.0, 10.0),
                 default=AudioSettings.sentence_pause, show_default=True,
                 help="Seconds between sentences."),
    click.option("--head", type=click.FloatRange(0.0, 30.0), default=AudioSettings.head,
                 show_default=True, help="Seconds of room tone before the first word."),
    click.option("--tail", type=click.FloatRange(0.0, 30.0), default=AudioSettings.tail,
                 show_default=True, help="Seconds of room tone after the last word."),
    click.option("--bitrate", type=click.Choice(["64k", "96k", "128k", "160k", "192k"]),
                 default=AudioSettings.bitrate, show_default=True, help="Constant MP3 bitrate."),
    click.option("--id3-version", type=click.Choice(["3", "4"]), default="3", show_default=True),
    click.option("--author", help="Artist tag."),
    click.option("--album", help="Album tag."),
    click.option("--genre", default=TagSettings.genre, show_default=True),
    click.option("--date", callback=_date, help="Date tag, YYYY-MM-DD or YYYY [default: today]."),
    click.option("--description", help="Description tag [default: the first paragraph]."),
    click.option("--cover", type=click.Path(path_type=Path, dir_okay=False),
                 help="Cover art, JPEG or PNG."),
    click.option("--format", "text_format", type=click.Choice(["txt", "md", "mdx", "html"]),
                 help="Input format [default: from the extension]."),
    click.option("--site-root", type=click.Path(path_type=Path, file_okay=False),
                 help="The site's folder, where a post header's cover (/images/x.jpg) is "
                      "found [default: beside the post, its bundle, its parent folders]."),
    click.option("--encoding", help="Input encoding [default: detected]."),
    click.option("--footnotes", type=click.Choice(FOOTNOTE_CHOICES), default="read",
                 show_default=True,
                 help='Footnotes: read at the end as one chapter, "Notes", or skip them.'),
    click.option("--alt-text", is_flag=True,
                 help="Read the alt text of images (images are not spoken otherwise)."),
    click.option("--lexicon", type=click.Path(path_type=Path, dir_okay=False),
                 help="Pronunciation lexicon (TOML)."),
    click.option("--max-sentence-chars", type=click.IntRange(40, 5000),
                 default=TextSettings.max_sentence_chars, show_default=True,
                 help="Longer sentences are split before they reach the engine."),
    click.option("--max-chars", type=click.IntRange(1), default=TextSettings.max_chars,
                 show_default=True, help="Refuse inputs longer than this many characters."),
    click.option("--intro", callback=_template, metavar="TEMPLATE",
                 help='Spoken first, as the chapter "Introduction", e.g. '
                      '"{title}. A review by {author}." Fields: title, author, album, genre, '
                      'date, year, rating.'),
    click.option("--outro", callback=_template, metavar="TEMPLATE",
                 help='Spoken last, as the chapter "Credits" (same fields as --intro).'),
    click.option("--links", type=click.Choice(LINK_MODES), default=TextSettings.links,
                 show_default=True,
                 help='A bare URL in the text: "say" its site ("justwatch dot com") or '
                      '"skip" it. A link\'s text is always read, its target never.'),
    click.option("--transcript", "transcripts", callback=_transcripts, metavar="srt,vtt",
                 help="Also write transcripts next to the MP3."),
    click.option("--chapters-json", is_flag=True,
                 help="Also write Podcasting 2.0 JSON chapters next to the MP3."),
    click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
                 help="Clip cache folder [default: the user cache folder]."),
    click.option("--timeout", type=click.FloatRange(1.0), default=Settings.timeout,
                 show_default=True,
                 help="Seconds one sentence may take in the engine before it fails "
                      "(batch: the stuck worker is stopped and replaced)."),
]  # fmt: skip


def narration_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``read`` and ``batch`` share; they arrive as one ``settings`` argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kw: Any) -> Any:
        ctx = click.get_current_context()
        profile = kw.pop("profile")
        explicit = {name for name in kw if ctx.get_parameter_source(name) not in
                    (None, click.core.ParameterSource.DEFAULT)}  # fmt: skip
        kw["settings"] = apply_profile(settings_from_options(kw), profile, explicit)
        return f(*args, **kw)

    for option in reversed(NARRATION_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def settings_from_options(kw: dict[str, Any]) -> Settings:
    """Pop the shared options out of ``kw`` and build the one Settings object."""
    p = kw.pop
    return Settings(
        voice=VoiceSettings(engine=p("engine"), voice=p("voice"), rate=p("rate"),
                            volume=p("volume"), speaker=p("speaker"),
                            quote_voice=p("quote_voice")),
        text=TextSettings(format=p("text_format"), encoding=p("encoding"), lexicon=p("lexicon"),
                          max_sentence_chars=p("max_sentence_chars"), max_chars=p("max_chars"),
                          intro=p("intro"), outro=p("outro"), footnotes=p("footnotes"),
                          alt_text=p("alt_text"), links=p("links"), language=p("language"),
                          site_root=p("site_root")),
        audio=AudioSettings(pause=p("pause"), sentence_pause=p("sentence_pause"),
                            head=p("head"), tail=p("tail"), bitrate=p("bitrate")),
        tags=TagSettings(author=p("author"), album=p("album"), genre=p("genre"), date=p("date"),
                         description=p("description"), cover=p("cover"),
                         id3_version=int(p("id3_version"))),
        transcripts=p("transcripts"),
        chapters_json=p("chapters_json"),
        cache_dir=p("cache_dir"),
        timeout=p("timeout"),
    )  # fmt: skip


def source_path(stack: ExitStack, value: str | None) -> Path | str:
    """The input path, ``-`` for stdin, or the embedded sample review."""
    if value is None:
        return stack.enter_context(resources.as_file(resources.files("narrate") / "data" / SAMPLE))
    return value if value == "-" else Path(value)
