"""Spoken intro and outro: a templated sentence before the first paragraph and after the last.

A template is plain text with ``{field}`` names, e.g. ``"{title}. A review by
{author}."``. The fields are :data:`FIELDS`; anything else (a misspelt name, ``{}``,
``{title.upper}``, a format spec) is refused by :func:`check_template` when the option
is read, and a field with no value for this review (no ``--author``) is refused by
:func:`add_intro_outro` when the document is made: both before any synthesis.

The intro becomes the first chapter ("Introduction"), the outro the last ("Credits").
Chapters are renumbered so that ``Segment.index`` stays the chapter's position.
"""

from __future__ import annotations

import string
from dataclasses import replace

from ..errors import InputError
from ..model import Document, Segment
from ..settings import Settings
from ..speech import load_lexicon
from ..tags.post import post_tags
from .sentences import make_speaker, paragraph_sentences

INTRO_TITLE = "Introduction"
OUTRO_TITLE = "Credits"
INTRO, OUTRO, PARAGRAPH = "intro", "outro", "paragraph"  # Segment.kind values

#: The fields a template may use, with what each one is.
FIELDS = {
    "title": "the review's title",
    "author": "--author",
    "album": "--album",
    "genre": "--genre",
    "date": "--date (default: the post's date, else today)",
    "year": "the year of --date",
    "rating": "the post's rating (its header's rating/score/stars/grade)",
}


def template_fields(template: str) -> tuple[str, ...]:
    """The field names ``template`` uses, in order; ``ValueError`` for a bad template."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:  # "Single '}' encountered", "unexpected '{' in field name"
        raise ValueError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            shown = "{" + name + "}"
            raise ValueError(f"unknown field {shown} (fields: {', '.join(FIELDS)})")
        if spec or conversion:
            raise ValueError(f"write the field as {{{name}}}, without ! or :")
        names.append(name)
    return tuple(names)


def check_template(template: str | None) -> str | None:
    """``template`` if it is valid (an empty one means: none), else ``ValueError``."""
    if template is None or not template.strip():
        return None
    template_fields(template)
    return template


def template_values(doc: Document, settings: Settings) -> dict[str, str | None]:
    t = post_tags(settings.tags, doc.metadata)
    # The day as the post says it (its own zone), not the UTC instant ID3 is given.
    date = (settings.tags.date or doc.metadata.date or t.resolved_date())[:10]
    return {
        "title": t.title or doc.title,
        "author": t.author,
        "album": t.album,
        "genre": t.genre,
        "date": date,
        "year": date[:4],
        "rating": doc.metadata.rating,
    }


def fill(template: str, values: dict[str, str | None], *, option: str, where: str) -> str:
    """``template`` with ``values`` put in; ``InputError`` when a field it uses is unset."""
    try:
        names = template_fields(template)
    except ValueError as exc:
        raise InputError(f"{where}: {option}: {exc}") from None
    for name in names:
        value = values.get(name)
        if value is None or not str(value).strip():
            raise InputError(
                f"{where}: {option} uses {{{name}}}, but {FIELDS[name]} is not set"
            )
    return template.format(**{k: str(v).strip() for k, v in values.items() if v is not None})


def _segment(
    text: str, title: str, kind: str, settings: Settings, language: str | None
) -> Segment | None:
    lexicon = load_lexicon(settings.text.lexicon) if settings.text.lexicon else None
    # Read for the ear in the document's language, as its paragraphs are ("Rocky IV").
    speak = make_speaker(lexicon, settings.voice.engine, language, settings.text.links)
    sentences = paragraph_sentences(text, settings.text.max_sentence_chars, speak, language)
    if not sentences:
        return None  # nothing speakable (e.g. only punctuation): no chapter
    return Segment(index=0, title=title, display=text, sentences=tuple(sentences), kind=kind)


def add_intro_outro(doc: Document, settings: Settings) -> Document:
    """``doc`` with the intro and outro of ``settings.text`` as chapters of their own."""
    intro, outro = settings.text.intro, settings.text.outro
    if not (intro and intro.strip()) and not (outro and outro.strip()):
        return doc
    values = template_values(doc, settings)
    where = doc.source or doc.title
    first = last = None
    if intro and intro.strip():
        first = _segment(fill(intro, values, option="--intro", where=where), INTRO_TITLE,
                         INTRO, settings, doc.language)  # fmt: skip
    if outro and outro.strip():
        last = _segment(fill(outro, values, option="--outro", where=where), OUTRO_TITLE,
                        OUTRO, settings, doc.language)  # fmt: skip
    segments = [s for s in (first, *doc.segments, last) if s is not None]
    return replace(
        doc, segments=tuple(replace(s, index=i) for i, s in enumerate(segments))
    )
