"""Roman numerals in titles and names: "Rocky IV" -> "Rocky four", "Henry V" -> "Henry
the Fifth", "Louis XIV" -> "Louis quatorze", "Ludwig XIV." -> "Ludwig der Vierzehnte".

A numeral is read only where a person would read one (espeak-ng says "Rocky roman four",
"Henry vee"):

* after a sequence word (Part, Chapter, Volume, Act, Episode, Season, World War, Super
  Bowl, Teil, Kapitel, Partie, Chapitre, Parte, Capítulo ...): a cardinal, any numeral
  (``Part I`` too, when the word is capitalised);
* after a monarch's or pope's name (Henry, Elizabeth, Louis, Ludwig, Felipe ...): the
  regnal form of the language (ordinal in English and German, cardinal in French but
  "premier", ordinal up to ten in Spanish);
* after any other capitalised word, a numeral of two or more letters from I, V and X
  (``Rocky IV``, ``Final Fantasy VII``, ``Apollo XI``): a cardinal.

Never: a lone "I", "V" or "X" after an ordinary word ("V for Vendetta", "Malcolm X"),
numerals with C, D, L or M outside a sequence word ("CD", "MC", "DC", "Mix", "XL"), or
anything not a valid numeral.
"""

from __future__ import annotations

import re

from .lang import Words
from .words import cardinal, ordinal

_VALID = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}

SEQUENCE_WORDS = frozenset(
    [
        "part",
        "parts",
        "chapter",
        "volume",
        "vol.",
        "book",
        "act",
        "episode",
        "season",
        "phase",
        "round",
        "level",
        "war",
        "stage",
        "section",
        "article",
        "appendix",
        "bowl",
        "series",
        "track",
        "disc",
        "pt.",
        "no.",
        "partie",
        "chapitre",
        "tome",
        "livre",
        "acte",
        "épisode",
        "saison",
        "guerre",
        "mondiale",
        "teil",
        "kapitel",
        "band",
        "buch",
        "akt",
        "folge",
        "staffel",
        "weltkrieg",
        "parte",
        "capítulo",
        "capitulo",
        "tomo",
        "libro",
        "acto",
        "episodio",
        "temporada",
        "guerra",
        "mundial",
    ]
)
REGNAL = frozenset(
    [
        "henry",
        "elizabeth",
        "louis",
        "george",
        "edward",
        "charles",
        "james",
        "william",
        "richard",
        "john",
        "mary",
        "anne",
        "victoria",
        "pius",
        "benedict",
        "gregory",
        "leo",
        "innocent",
        "clement",
        "urban",
        "paul",
        "philip",
        "frederick",
        "peter",
        "catherine",
        "alexander",
        "nicholas",
        "ivan",
        "napoleon",
        "napoléon",
        "constantine",
        "alfonso",
        "henri",
        "françois",
        "philippe",
        "jean",
        "ludwig",
        "heinrich",
        "friedrich",
        "karl",
        "wilhelm",
        "otto",
        "maximilian",
        "elisabeth",
        "katharina",
        "felipe",
        "carlos",
        "juan",
        "fernando",
        "isabel",
        "enrique",
        "pedro",
        "sancho",
        "jaime",
        "ramiro",
    ]
)
FEMALE = frozenset(
    ["elizabeth", "mary", "anne", "victoria", "catherine", "elisabeth", "katharina", "isabel"]
)
_TOKEN = re.compile(
    r"(?P<prev>(?<!\w)[\w.]+)(?P<gap>[ \u00a0]+)(?P<r>[IVXLCDM]+)(?P<er>er|re)?"
    r"(?P<dot>\.)?(?P<poss>['\u2019]s)?(?![\w'\u2019-])"
)


def roman_value(numeral: str) -> int | None:
    """The value of a valid Roman numeral, or None."""
    if not numeral or not _VALID.fullmatch(numeral):
        return None
    total = 0
    for a, b in zip(numeral, numeral[1:] + " ", strict=False):
        v = _VALUES[a]
        total += -v if b != " " and _VALUES[b] > v else v
    return total


def regnal_said(n: int, w: Words, *, female: bool) -> str:
    """The regnal number after a monarch's name, as the language says it."""
    if w.code == "fr":
        if n == 1:
            return "première" if female else "premier"
        return cardinal(n, w)
    if w.code == "de":
        word = ordinal(n, w)
        return ("die " if female else "der ") + word[:1].upper() + word[1:]
    if w.code == "es":
        if n > 10:
            return cardinal(n, w)
        word = ordinal(n, w)
        return word[:-1] + "a" if female and word.endswith("o") else word
    return "the " + ordinal(n, w).title()


def say_numerals(text: str, w: Words) -> str:
    """``text`` with the Roman numerals of titles and names said."""
    if not re.search(r"[IVXLCDM]", text):
        return text

    def numeral(m: re.Match[str]) -> str:
        roman, prev = m.group("r"), m.group("prev")
        n = roman_value(roman)
        if n is None:
            return m.group(0)
        key = prev.lower()
        dot = m.group("dot") or ""
        dot += m.group("poss") or ""  # Elizabeth II's reign: the Second's
        head = prev + m.group("gap")
        if m.group("er"):  # François Ier, Isabelle Ire: French "premier"
            if n != 1 or key not in REGNAL:
                return m.group(0)
            return head + regnal_said(1, w, female=m.group("er") == "re") + dot
        if key in REGNAL and prev[:1].isupper():
            if w.code == "de" and dot and m.end() < len(m.string):
                dot = ""  # "Ludwig XIV. war": German writes the ordinal with a point
            return head + regnal_said(n, w, female=key in FEMALE) + dot
        if key in SEQUENCE_WORDS and (n > 1 or prev[:1].isupper()):
            return head + cardinal(n, w) + dot
        if (
            prev[:1].isupper()
            and not prev.isupper()
            and prev.isalpha()
            and len(roman) >= 2
            and set(roman) <= set("IVX")
        ):
            return head + cardinal(n, w) + dot
        return m.group(0)

    return _TOKEN.sub(numeral, text)
