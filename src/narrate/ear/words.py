"""Numbers as words, in the document's language (num2words does the counting).

num2words is a maintained, pure-Python library (1.3 MB, ~20 ms to import) with number
words for some fifty languages; narrate uses it only for the numbers inside the
notations it rewrites. Plain numbers elsewhere are left to the engine, which reads them
right in every language it has a voice for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lang import Words

# A number as written: 8, 8.5, 9,2, 1,200 (en), 1.200 (de), 1 200 (fr, thin space too).
NUMBER = r"\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"


@lru_cache(maxsize=4096)
def _num2words(n: int, code: str, to: str) -> str:
    from num2words import num2words

    return str(num2words(n, lang=code, to=to))


def cardinal(n: int, w: Words, *, fem: bool = False, masc: bool = False) -> str:
    """``n`` in words ("sixty-three"); ``fem``/``masc``: one before a noun of that gender.

    num2words' commas ("two thousand, five hundred") are dropped: they are not pauses.
    """
    if n == 1 and (fem or masc):
        return w.one_fem if fem else w.one_masc
    return _num2words(n, w.code, "cardinal").replace(",", "")


def ordinal(n: int, w: Words) -> str:
    """``n`` as an ordinal word ("fifth", "cinquième", "fünfte", "quinto")."""
    return _num2words(n, w.code, "ordinal")


def parse(raw: str, w: Words) -> tuple[int, str | None, str]:
    """A written number as (whole part, decimal digits or None, separator written).

    ``1,200`` is twelve hundred in English and 1.2 elsewhere; ``1.200`` the reverse
    (but ``1.2`` and ``8.5`` are decimals everywhere, as Anglo notation often is).
    """
    raw = raw.strip()
    m = re.fullmatch(r"(\d{1,3}(?:([,.\u202f\u00a0 ])\d{3})+)", raw)
    if m:
        sep = m.group(2)
        grouping = {"en": ","}.get(w.code, ".")
        if sep in "\u202f\u00a0 " or sep == grouping:
            return int(re.sub(r"\D", "", raw)), None, ""
    m = re.fullmatch(r"(\d+)(?:([.,])(\d+))?", raw)
    if not m:
        raise ValueError(f"not a number: {raw!r}")
    return int(m.group(1)), m.group(3), m.group(2) or ""


def number(raw: str, w: Words, *, fem: bool = False, masc: bool = False) -> str:
    """A written number said: "8.5" -> "eight point five", "9,2" -> "neun Komma zwei".

    Decimal digits are said one by one, as written ("8.50": "eight point five zero").
    Spanish says the separator the author wrote ("punto" or "coma").
    """
    whole, decimals, sep = parse(raw, w)
    said = cardinal(whole, w, fem=fem and decimals is None, masc=masc and decimals is None)
    if decimals is None:
        return said
    point = w.point
    if w.code == "es":
        point = "punto" if sep == "." else "coma"
    digits = " ".join(cardinal(int(d), w) for d in decimals)
    return f"{said} {point} {digits}"


def value(raw: str, w: Words) -> float:
    """The value of a written number (for bounds checks)."""
    whole, decimals, _ = parse(raw, w)
    return whole + (int(decimals) / 10 ** len(decimals) if decimals else 0.0)
