"""Ratings said as a critic says them: "four out of five stars", "quatre sur cinq".

Notations (see :func:`say_ratings`):

* stars: a run of filled (★ ⭐ ✪ ✭ 🌟), empty (☆ ✩) and half (½ ⯨) stars, optionally
  followed by ``/5``. Two or more star signs, a half, a ``/N`` or a cue make a rating;
  a lone ★ is decoration (and dropped as a pictograph);
* a fraction over 5, 10, 20 or 100 (``4/5``, ``4 / 5``, ``8.5/10``, ``9,2/10``, ``17/20``)
  whose numerator is not over its denominator, when the context says rating: a cue word
  before it in the sentence (Rating, Note, Bewertung, Calificación, Verdict, Score ...),
  or the fraction ending its clause (``I'd give it 4/5.``), or the sentence being a
  heading, bold, or a paragraph's first or last line with the fraction at its start.
  A fraction followed by "of" (``2/5 of voters``), one after a date word (``on 6/10``),
  and dates (``06/13/2026``) are never ratings;
* a letter grade after a cue (``Grade: B+`` -> "B-plus"); a percentage after a cue is
  left to the engine, which says "ninety-four percent" in every language.

"4 out of 5" (and "4 sur 5", "4 von 5", "4 de 5") is left alone: espeak-ng reads it.
"""

from __future__ import annotations

import re

from .lang import Words
from .words import NUMBER, cardinal, number, value

FILLED = "\u2605\u2b50\u272a\u272d\u272e\U0001f31f"  # ★ ⭐ ✪ ✭ ✮ 🌟
EMPTY = "\u2606\u2729"  # ☆ ✩
HALF = "\u00bd\u2be8\u2bea"  # ½ ⯨ ⯪
_STAR_SIGNS = frozenset(FILLED + EMPTY + HALF)
_SIGN = f"[{FILLED}{EMPTY}{HALF}]\ufe0f?"
_STARS = re.compile(
    rf"(?<!\d)(?P<run>{_SIGN}(?:[ \u00a0]?{_SIGN})*)"
    r"(?:[ \u00a0]?(?:/|\bout of\b|\bsur\b|\bvon\b|\bde\b)[ \u00a0]?(?P<total>\d{1,2})(?!\d))?"
)

CUES = (
    r"rating|rated|score|scored|grade|verdict|my verdict|overall|stars|"
    r"note|notre note|ma note|verdict|appréciation|"
    r"bewertung|wertung|gesamtwertung|fazit|note|urteil|"
    r"calificación|calificacion|puntuación|puntuacion|nota|valoración|valoracion|veredicto"
)
_CUE = re.compile(rf"(?<!\w)(?:{CUES})(?!\w)", re.IGNORECASE)
DENOMINATORS = frozenset({5, 10, 20, 100})
_FRACTION = re.compile(
    rf"(?<![\w/.,-])(?<!\d:)(?P<n>{NUMBER})[ \u00a0]?/[ \u00a0]?(?P<d>\d{{1,3}})(?![\w/]|[.,]\d)"
)
# After these a fraction is a date or a fraction of something, not a rating.
_OF = re.compile(
    r"[ \u00a0]+(?:of|des?|du|d'|der|die|das|vom|von|del|la|las|los|cups?|tasses?|tazas?)"
    r"(?!\w)",
    re.IGNORECASE,
)
_DATE_WORD = re.compile(
    r"(?:\b(?:on|since|until|till|by|from|le|du|depuis|au|am|vom|seit|bis|el|desde|hasta)"
    r"[ \u00a0]+)\Z",
    re.IGNORECASE,
)
_PAGE = re.compile(
    r"(?<!\w)(?:pages?|pp?\.|seite|s\.|página|pág\.|chapters?|episodes?|ep\.|tracks?|"
    r"disc|disque|cd|vol\.|volume|issue|numéro|no\.|nr\.|n°)[ \u00a0]*\Z",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[ \u00a0]*(?:[.!?,;:)\]\u2026\"'\u2019\u201d\u00bb]|[\u2013\u2014-]|\Z)")
_GRADE = re.compile(
    rf"(?P<cue>(?<!\w)(?:{CUES})(?!\w)[ \u00a0]*[:\uff1a]?[ \u00a0]*)"
    r"(?P<g>[A-F])(?P<mod>\+|-|\u2212|\u2013)?(?![\w+\-])",
    re.IGNORECASE,
)


def _count(run: str) -> tuple[int, int, int]:
    filled = sum(ch in FILLED for ch in run)
    empty = sum(ch in EMPTY for ch in run)
    half = sum(ch in HALF for ch in run)
    return filled, half, empty


def stars_said(filled: int, half: bool, total: int | None, w: Words) -> str:
    """``filled`` stars (and a half) out of ``total`` (None: no total), in words."""
    if filled == 0 and half:
        return w.half[0]
    if half:
        n = _one_before_half(w) if filled == 1 else cardinal(filled, w, fem=True)
        said = w.half[2 if total else 1].format(n=n, d=cardinal(total or 0, w))
    elif total:
        if filled == 1:
            said = _STARS_ONE.get(w.code, w.stars).format(n=cardinal(1, w), d=cardinal(total, w))
        else:
            said = w.stars.format(n=cardinal(filled, w, fem=True), d=cardinal(total, w))
    else:
        form = w.stars_bare[0 if filled == 1 else 1]
        said = form.format(n=cardinal(filled, w, fem=True))
    if half and filled == 1 and w.code in ("fr", "es"):
        said = said.replace(w.stars_bare[1].split()[-1], w.stars_bare[0].split()[-1], 1)
    return said


_STARS_ONE = {
    "fr": "une étoile sur {d}",
    "de": "einer von {d} Sternen",
    "es": "una de {d} estrellas",
}


def _one_before_half(w: Words) -> str:
    return {"de": "ein"}.get(w.code, cardinal(1, w, fem=True))


def _say_stars(m: re.Match[str], w: Words, cue: bool) -> str:
    filled, half, empty = _count(m.group("run"))
    total = int(m.group("total")) if m.group("total") else None
    signs = filled + half + empty
    if half > 1 or (signs < 2 and total is None and not cue):
        return m.group(0)  # a lone star is decoration, a lone ½ a half; two halves no rating
    if total is None and empty:
        total = signs
    if total is not None and filled + (0.5 if half else 0) > total:
        return m.group(0)
    return stars_said(filled, bool(half), total, w)


def fraction_said(n: str, d: int, w: Words) -> str:
    """``n/d`` as a rating: "eight point five out of ten"."""
    return w.out_of.format(n=number(n, w), d=cardinal(d, w))


def _is_rating(text: str, m: re.Match[str], w: Words, *, context: bool, cue: bool) -> bool:
    d = int(m.group("d"))
    try:
        n = value(m.group("n"), w)
    except ValueError:
        return False
    if d not in DENOMINATORS or n > d:
        return False
    before, after = text[: m.start()], text[m.end() :]
    if _OF.match(after) or _DATE_WORD.search(before):
        return False
    if cue or _CUE.search(before):
        return True
    if not m.group("n").isdigit() and d in (5, 10):
        return True  # 8.5/10, 9,2/10: no fraction of anything is written so
    if _CLAUSE_END.match(after) is not None and not _PAGE.search(before):
        return True
    at_start = not before.strip(" \u00a0(\"'[*_")
    return context and at_start


def say_ratings(text: str, w: Words, *, context: bool = False, cue: bool = False) -> str:
    """``text`` with every rating in it said in words (``context``: a heading, bold, or a
    paragraph's first or last line; ``cue``: the text is known to be a rating)."""
    if any(ch in _STAR_SIGNS for ch in text):
        text = _STARS.sub(lambda m: _say_stars(m, w, cue), text)
    if "/" not in text and not any(ch in "+-\u2212\u2013" for ch in text) and not cue:
        return text

    def fraction(m: re.Match[str]) -> str:
        if not _is_rating(text, m, w, context=context, cue=cue):
            return m.group(0)
        return fraction_said(m.group("n"), int(m.group("d")), w)

    text = _FRACTION.sub(fraction, text)
    lone = _LONE_GRADE.fullmatch(text) if cue else None
    if lone:
        return grade_said(lone.group("g"), lone.group("mod"), w)
    return _GRADE.sub(lambda m: m.group("cue") + grade_said(m.group("g"), m.group("mod"), w), text)


def grade_said(letter: str, mod: str | None, w: Words) -> str:
    """A letter grade: "B+" -> "B-plus" (the hyphen keeps espeak-ng from saying "a")."""
    letter = letter.upper()
    if not mod:
        return letter
    said = w.plus if mod == "+" else w.minus
    return f"{letter}-{said}" if w.code == "en" else f"{letter} {said}"


_LONE_GRADE = re.compile(r"[ \u00a0]*(?P<g>[A-F])(?P<mod>\+|-|\u2212|\u2013)?[ \u00a0.]*")


def say_rating(raw: str, w: Words) -> str:
    """A rating as written in metadata (``4/5``, ``★★★★☆``, ``B+``, ``8.5``) in words."""
    return say_ratings(raw.strip(), w, context=True, cue=True)
