"""Text for the ear: what a critic would say where a review writes a notation.

:func:`for_the_ear` turns one sentence of display text into the words to speak, in the
document's language (en, fr, de and es have tables; in any other language only links
and e-mail are rewritten, and the voice reads the rest in its own language, rather
than hearing English words). Each notation is one module; this one only orders them:

* :mod:`.links`: bare URLs said as their site ("justwatch dot com") or left out, e-mail
  ("ann at example dot org");
* :mod:`.ratings`: "★★★½" -> "three and a half stars", "8.5/10" -> "eight point five out
  of ten", "Note : 4/5" -> "quatre sur cinq", "Grade: B+" -> "B-plus";
* :mod:`.money`: "$63M" -> "sixty-three million dollars", "€1.2bn", "£5k";
* :mod:`.durations`: "2h 13min", "134 min", "1h34", ISO "PT1H43M";
* :mod:`.numbers`: decades ("the '90s"), "1/2 cup", "24/7", "2/4 time", "2.39:1";
* :mod:`.abbreviations`: "vs.", "feat.", "ft.", "dir.", "approx.", "No. 5", "Vol. 2",
  "60fps", "z. B.", "p. ej.";
* :mod:`.numerals`: "Rocky IV", "Henry V", "Louis XIV", "World War II".

Numbers inside these are said with num2words (:mod:`.words`).

What espeak-ng already reads right is left alone (ordinals, "Dr.", "St.", "Mr.",
year ranges, "4 out of 5", percentages, plain numbers), so the engine's own reading in
the voice's language stays. The display text never changes: only ``Sentence.speech``.
"""

from __future__ import annotations

from .abbreviations import say_abbreviations
from .durations import iso_duration_said, say_durations
from .lang import TABLES, primary, words_for
from .links import LINK_MODES, restore, say_links
from .money import say_money
from .numbers import say_numbers
from .numerals import say_numerals
from .ratings import say_ratings

__all__ = ["LINK_MODES", "for_the_ear", "iso_duration_said", "primary", "say_rating"]


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
    kept: list[str] = []  # the words said for links, kept from the rules below
    text = say_links(text, w, links, kept)
    if primary(language) not in TABLES:
        return restore(text, kept)  # no words for this language: its voice reads the rest
    context = heading or first or last or bold
    text = say_ratings(text, w, context=context, cue=rating)
    text = say_money(text, w)
    text = say_durations(text, w)
    text = say_numbers(text, w)
    text = say_abbreviations(text, w)
    return restore(say_numerals(text, w), kept)


def say_rating(raw: str, language: str | None) -> str:
    """A rating as written in metadata ("4/5", "★★★★☆", "B+") as words to speak."""
    from .ratings import say_rating as _say

    return _say(raw, words_for(language))
