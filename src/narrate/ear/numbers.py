"""Numbers in notations espeak-ng reads symbol by symbol.

* decades (English): "the '90s" -> "the nineties", "1990s" -> "nineteen nineties",
  "mid-80s" -> "mid-eighties" (espeak-ng says "the ninety z"); ranges of years
  ("1947–1950") are already read right and left alone;
* kitchen fractions (English) before a unit: "1/2 cup" -> "half a cup", "3/4 cup" ->
  "three quarters of a cup"; after an article ("a 1/4 mile") they are left alone;
* "24/7" -> "twenty-four seven"; time signatures ("2/4 time") -> "two four time";
* aspect ratios: "2.39:1" -> "two point three nine to one" (times such as 10:30 and
  scores such as 2:1 are left alone).
"""

from __future__ import annotations

import re

from .lang import Words
from .words import cardinal, number

_DECADE_WORDS = {
    "00": "two thousands", "10": "tens", "20": "twenties", "30": "thirties",
    "40": "forties", "50": "fifties", "60": "sixties", "70": "seventies",
    "80": "eighties", "90": "nineties",
}  # fmt: skip
_SHORT_DECADE = re.compile(r"(?<![\w'\u2019])['\u2019]?(?P<d>[1-9]0|00)['\u2019]?s(?!\w)")
_LONG_DECADE = re.compile(r"(?<![\w'\u2019])(?P<c>1[0-9]|20)(?P<d>[0-9]0)['\u2019]?s(?!\w)")
# "1960s–1970s", "'80s-'90s": a range, said with "to" as year ranges are.
_DECADE_RANGE = re.compile(
    r"(?<=\d0s)[ \u00a0]?[\u2012\u2013\u2014-][ \u00a0]?(?=['\u2019]?(?:1\d|20)?\d0s(?!\w))"
)
_UNITS = (
    "cup|cups|teaspoon|teaspoons|tsp|tablespoon|tablespoons|tbsp|pound|pounds|lb|lbs|"
    "ounce|ounces|oz|inch|inches|mile|miles|hour|hours|kilo|kilos|kg|liter|litre|liters|"
    "litres|gallon|gallons|pint|pints|stick|sticks|dozen|glass|bottle|can|slice|star|point"
)
_KITCHEN = re.compile(
    rf"(?<![\w/.,])(?P<n>[123])/(?P<d>[234])[ \u00a0]+(?P<unit>{_UNITS})(?!\w)", re.IGNORECASE
)
_ARTICLE = re.compile(r"(?<!\w)(?:a|an|the|A|An|The)[ \u00a0]+\Z")
_FRACTIONS = {
    ("1", "2"): "half {a} {unit}", ("1", "4"): "a quarter {unit}",
    ("3", "4"): "three quarters of {a} {unit}", ("1", "3"): "a third of {a} {unit}",
    ("2", "3"): "two thirds of {a} {unit}",
}  # fmt: skip
_ALWAYS = re.compile(r"(?<![\w/.,])24[ \u00a0]?/[ \u00a0]?7(?![\w/]|[.,]\d)")
_TIME_SIGNATURE = re.compile(
    r"(?<![\w/.,])(?P<n>\d{1,2})/(?P<d>2|4|8|16)"
    r"(?P<rest>[ \u00a0-]+(?:time|signature|meter|metre)\b)",
    re.IGNORECASE,
)
_ASPECT = re.compile(
    r"(?<![\w.,:])(?P<a>\d\.\d{1,2}|\d,\d{1,2})[ \u00a0]?:[ \u00a0]?1(?![\d:]|[.,]\d)"
)


def _plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def decade_said(century: str | None, decade: str, w: Words) -> str:
    """ "90" -> "nineties"; ("19", "90") -> "nineteen nineties"; ("20", "00") ->
    "two thousands"; ("19", "00") -> "nineteen hundreds"."""
    if century is None:
        return _DECADE_WORDS[decade]
    from .words import _num2words

    year = int(century + decade)
    said = _num2words(year, w.code, "year").replace(",", "")
    if decade == "00" and century == "20":
        return "two thousands"
    head, _, last = said.rpartition(" ")
    last = last.rpartition("-")
    tail = last[0] + last[1] + _plural(last[2])
    return f"{head} {tail}".strip()


def say_numbers(text: str, w: Words) -> str:
    """``text`` with decades, kitchen fractions, 24/7, time signatures and aspect ratios
    said (decades and fractions in English only)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ALWAYS.sub(lambda m: f"{cardinal(24, w)} {cardinal(7, w)}", text)
    text = _ASPECT.sub(lambda m: w.ratio.format(a=number(m.group("a"), w), b=cardinal(1, w)), text)
    if w.code != "en":
        return text
    text = _TIME_SIGNATURE.sub(
        lambda m: (
            f"{cardinal(int(m.group('n')), w)} {cardinal(int(m.group('d')), w)}"
            + m.group("rest").replace("-", " ")
        ),
        text,
    )

    def kitchen(m: re.Match[str]) -> str:
        if _ARTICLE.search(m.string[: m.start()]):
            return m.group(0)
        unit = m.group("unit")
        a = "an" if unit.lower().startswith(("hour", "ounce", "inch")) else "a"
        return _FRACTIONS[(m.group("n"), m.group("d"))].format(a=a, unit=unit)

    text = _KITCHEN.sub(kitchen, text)
    text = _DECADE_RANGE.sub(" to ", text)
    text = _LONG_DECADE.sub(lambda m: decade_said(m.group("c"), m.group("d"), w), text)
    return _SHORT_DECADE.sub(lambda m: decade_said(None, m.group("d"), w), text)
