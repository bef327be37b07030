"""Abbreviations common in reviews, said in full where espeak-ng gets them wrong.

espeak-ng says "vs." as "vee ess", "feat." as "feet", "ft." as "eff tee", "No. 5" as
"no five", "Vol. 2" as "vol two", "approx." as "aprox", "60fps" as "sixty eff pee ess",
German "z. B." as "zet be" and Spanish "p. ej." as "pe ex". It already reads "Dr.",
"Mr.", "St.", "e.g.", "etc." and ordinals right, and "4K" as "four K" (as people say
it): those are left alone.
"""

from __future__ import annotations

import re

from .lang import Words
from .words import NUMBER, number

# (pattern, what to say): {x} is the language's word from Words.
_COMMON: list[tuple[str, str]] = [
    (r"\bvs\.?(?=[ \u00a0])", "{versus}"),
    (r"\bv\.(?=[ \u00a0][A-Z])", "{versus}"),
    (r"\b(?:feat|Feat|FEAT)\.?(?=[ \u00a0])", "{featuring}"),
    (r"(?<!\d)(?<!\d[ \u00a0])\b(?:ft|Ft)\.(?=[ \u00a0])", "{featuring}"),
    (r"\b(?:dir|Dir)\.(?=[ \u00a0])", "{directed_by}"),
    (r"\b(?:approx|Approx)\.(?=[ \u00a0])", "{approximately}"),
    (r"\b(?:No|no|Nº|N°|n°|nº|Nr|nr|núm|Núm|n\.º)\.?(?=[ \u00a0]?\d)", "{number}"),
    (r"\b(?:Vol|vol)\.(?=[ \u00a0]?(?:\d|[IVX]+\b))", "{volume}"),
    (r"\b(?:Pt|pt)\.(?=[ \u00a0]?(?:\d|[IVX]+\b))", "{part}"),
]
_BY_LANGUAGE: dict[str, list[tuple[str, str]]] = {
    "en": [(r"(?<=\d)[ \u00a0]?ft\.?(?![\w])", " feet")],
    "fr": [
        (r"\b(?:réal|Réal)\.(?=[ \u00a0])", "réalisé par"),
        (r"\b(?:env|Env)\.(?=[ \u00a0])", "environ"),
    ],
    "de": [
        (r"\b[zZ]\.[ \u00a0]?B\.", "zum Beispiel"),
        (r"\b[dD]\.[ \u00a0]?h\.", "das heißt"),
        (r"\b[uU]\.[ \u00a0]?a\.", "unter anderem"),
        (r"\bbzw\.", "beziehungsweise"),
        (r"\busw\.", "und so weiter"),
        (r"\b(?:ca|Ca)\.(?=[ \u00a0])", "circa"),
        (r"\bBd\.(?=[ \u00a0]?\d)", "Band"),
    ],
    "es": [
        (r"\b[pP]\.[ \u00a0]?ej\.", "por ejemplo"),
        (r"\b(?:aprox|Aprox)\.(?=[ \u00a0])", "aproximadamente"),
    ],
}
_FPS = re.compile(rf"(?<![\w.,])(?P<n>{NUMBER})[ \u00a0]?(?:fps|FPS|i/s|ips)(?!\w)")


def _compiled(code: str) -> tuple[re.Pattern[str], list[str]]:
    """One pattern for the language (each abbreviation a group) and what each says."""
    table = [*_BY_LANGUAGE.get(code, []), *_COMMON]
    pattern = "|".join(f"(?P<a{i}>{p})" for i, (p, _) in enumerate(table))
    return re.compile(pattern), [say for _, say in table]


_TABLES = {code: _compiled(code) for code in ("en", "fr", "de", "es")}
# A word one of the patterns starts with: without one, no pattern can match.
_TRIGGERS = frozenset(
    [
        "vs",
        "v",
        "feat",
        "ft",
        "dir",
        "approx",
        "aprox",
        "no",
        "nº",
        "n",
        "núm",
        "nr",
        "vol",
        "pt",
        "réal",
        "env",
        "z",
        "d",
        "u",
        "bzw",
        "usw",
        "ca",
        "bd",
        "p",
    ]
)
_WORD = re.compile(r"[^\W\d_]+")  # letters only: "6ft" has the word "ft"


def say_abbreviations(text: str, w: Words) -> str:
    """``text`` with the review abbreviations said in full."""
    names = {
        "versus": w.versus, "featuring": w.featuring, "directed_by": w.directed_by,
        "approximately": w.approximately, "number": w.number, "volume": w.volume,
        "part": w.part,
    }  # fmt: skip
    pattern, says = _TABLES.get(w.code, _TABLES["en"])
    if _TRIGGERS.isdisjoint(_WORD.findall(text.lower())):
        return _say_fps(text, w)
    text = pattern.sub(lambda m: _spaced(m, says[int(str(m.lastgroup)[1:])].format(**names)), text)
    return _say_fps(text, w)


def _say_fps(text: str, w: Words) -> str:
    if "fps" not in text.lower() and "i/s" not in text and "ips" not in text:
        return text
    return _FPS.sub(lambda m: w.per_second.format(n=number(m.group("n"), w)), text)


def _spaced(m: re.Match[str], said: str) -> str:
    """``said`` in place of the match, with a space before a digit glued to it."""
    end = m.end()
    glue = end < len(m.string) and m.string[end].isdigit()
    return said + (" " if glue else "")
