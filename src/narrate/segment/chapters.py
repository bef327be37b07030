"""Chapters: blocks -> :class:`~narrate.model.Segment` s (one per paragraph or heading)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..loading import Block
from ..model import Segment, Sentence
from ..settings import Settings
from ..speech import Lexicon
from .sentences import block_sentences, make_speaker, paragraph_sentences
from .titles import heading_title, opening_words


@dataclass
class _Draft:
    title: str
    parts: list[str]
    sentences: list[Sentence]
    heading: str | None = None
    trailing: list[str] = field(default_factory=list)


def build_segments(
    blocks: Sequence[Block],
    settings: Settings,
    lexicon: Lexicon | None = None,
    language: str | None = None,
) -> list[Segment]:
    """Chapters from blocks (see the module docstring for the rules), read for the ear
    in ``language`` (a lowercase BCP 47 tag; None: English)."""
    bound = settings.text.max_sentence_chars
    speak = make_speaker(lexicon, settings.voice.engine, language, settings.text.links)
    drafts: list[_Draft] = []
    orphans: list[str] = []  # unspeakable text before the first chapter
    heading: Block | None = None

    def add(parts: list[str], sentences: list[Sentence], title: str, head: str | None) -> None:
        if not sentences:
            if drafts:
                drafts[-1].parts.extend(parts)
            else:
                orphans.extend(parts)
            return
        drafts.append(_Draft(title, [*orphans, *parts], sentences, head))
        orphans.clear()

    for block in blocks:
        if block.is_heading:
            if heading is not None:  # a heading with nothing under it: a chapter of its own
                add(
                    [heading.text],
                    paragraph_sentences(heading.text, bound, speak, language, heading=True),
                    heading_title(heading.text),
                    heading.text,
                )
            heading = block
            continue
        sentences = block_sentences(block, bound, speak, language)
        if block.kind == "quote":  # the quote voice reads it, when there is one
            sentences = [replace(s, voice="quote") for s in sentences]
        if heading is not None:
            head_sentences = paragraph_sentences(heading.text, bound, speak, language, heading=True)
            add(
                [heading.text, block.text],
                head_sentences + sentences,
                heading_title(heading.text),
                heading.text,
            )
            heading = None
        else:
            add([block.text], sentences, opening_words(block.text), None)
    if heading is not None:
        add(
            [heading.text],
            paragraph_sentences(heading.text, bound, speak, language, heading=True),
            heading_title(heading.text),
            heading.text,
        )

    return [
        Segment(
            index=i,
            title=d.title,
            display="\n\n".join(d.parts),
            sentences=tuple(d.sentences),
            heading=d.heading,
        )
        for i, d in enumerate(drafts)
    ]
