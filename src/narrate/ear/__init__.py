"""Text for the ear: what a critic would say where a review writes a notation.

:func:`for_the_ear` turns one sentence of display text into the words to speak, in the
document's language (en, fr, de and es have tables; other languages get the English
words): ratings ("★★★½" -> "three and a half stars", "8.5/10" -> "eight point five out
of ten", "Note : 4/5" -> "quatre sur cinq"), links ("justwatch dot com") and e-mail
("ann at example dot org"). Each notation is one module; this one only orders them.

What espeak-ng already reads right is left alone (ordinals, "Dr.", "St.", "Mr.",
year ranges, "4 out of 5", percentages, plain numbers), so the engine's own reading in
the voice's language stays. The display text never changes: only ``Sentence.speech``.
"""

from __future__ import annotations

from .lang import primary, words_for
from .links import LINK_MODES, say_links
from .ratings import say_ratings

__all__ = ["LINK_MODES", "for_the_ear", "primary", "say_rating"]


def for_the_ear(
    text: str,
    language: str | None,
    *,
    links: str = "say",
    heading: bool = False,
    first: bool = False,
    last: bool = False,
    bold: bool = False,
    rating: bool = False,
) -> str:
    """The words to speak for one sentence of display ``text``.

    ``language`` is a lowercase BCP 47 tag (None: English). ``links`` is "say" or
    "skip" (bare URLs said as their site, or left out). The context flags say where the
    sentence stands: a ``heading``, the ``first`` or ``last`` sentence of its paragraph,
    ``bold``; ``rating`` says the text is a rating (a metadata value, a ``{rating}``
    field). They decide whether a bare fraction such as "9/10" is a rating.
    """
    if links not in LINK_MODES:
        raise ValueError(f"links must be one of {LINK_MODES}, not {links!r}")
    w = words_for(language)
    text = say_links(text, w, links)
    context = heading or first or last or bold
    return say_ratings(text, w, context=context, cue=rating)


def say_rating(raw: str, language: str | None) -> str:
    """A rating as written in metadata ("4/5", "★★★★☆", "B+") as words to speak."""
    from .ratings import say_rating as _say

    return _say(raw, words_for(language))
