"""Runtimes said in full: "2h 13min" -> "two hours thirteen minutes".

Handled: ``2h 13min``, ``2 h 13 min``, ``2h13``, ``1h34``, ``2 hrs 13 mins``,
``2 Std. 13 Min.``, ``134 min``, ``134 mins``, and ISO 8601 durations as metadata
carries them (``PT1H43M``, :func:`iso_duration_said`). "90 minutes" is left alone:
the engine reads it.
"""

from __future__ import annotations

import re

from .lang import Words, words_for
from .words import cardinal

_H = r"(?:h|hr|hrs|hours?|[sS]td(?:\.(?=[ \u00a0]?\d))?|Stunden?|heures?|horas?)"
_M = r"(?:min|mins|Min|minutes?|minutos?|Minuten?|mn|m)"
_HM = re.compile(
    rf"(?<![\w.,:/])(?P<h>\d{{1,2}})[ \u00a0]?(?P<hu>{_H})"
    rf"(?:[ \u00a0]?(?P<m>\d{{1,2}})(?:[ \u00a0]?{_M})?)?(?![\w])"
)
_MIN = re.compile(r"(?<![\w.,:/])(?P<m>\d{1,4})[ \u00a0]?(?:min|mins|Min|mn)(?![\w])")
_ISO = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)


def _unit(n: int, forms: tuple[str, str], w: Words, *, attributive: bool = False) -> str:
    one, many = forms
    fem = one in w.fem_units
    if attributive:  # "a 4h drive": a four-hour drive
        return f"{cardinal(n, w)}-{one}"
    return f"{cardinal(n, w, fem=fem, masc=not fem)} {one if n == 1 else many}"


# "à 20h30", "vers 8h15": a time of day, said "vingt heures trente".
_AT = re.compile(
    r"(?<!\w)(?:à|vers|dès|jusqu'à|at|um|ab|bis|a las|hacia|desde las)[ \u00a0]+\Z", re.IGNORECASE
)
_ATTRIBUTIVE = re.compile(r"(?<!\w)(?:a|an|A|An)[ \u00a0]+\Z")
_NOUN = re.compile(r"[ \u00a0]+[a-z]")


def duration_said(
    hours: int, minutes: int, w: Words, seconds: int = 0, *, attributive: bool = False
) -> str:
    """Hours, minutes and seconds in words ("two hours thirteen minutes")."""
    parts = []
    if attributive and bool(hours) != bool(minutes) and not seconds:
        return _unit(hours or minutes, w.hours if hours else w.minutes, w, attributive=True)
    if hours:
        parts.append(_unit(hours, w.hours, w))
    if minutes:
        parts.append(_unit(minutes, w.minutes, w))
    if seconds:
        parts.append(_unit(seconds, w.seconds, w))
    if not parts:
        return _unit(0, w.minutes, w)
    if len(parts) > 1 and w.code == "es":
        return " ".join(parts[:-1]) + " y " + parts[-1]
    return " ".join(parts)


def iso_duration_said(value: str, language: str | None) -> str | None:
    """An ISO 8601 duration (``PT1H43M``) in words, or None if it is not one."""
    m = _ISO.fullmatch(value.strip())
    if not m or not any(m.groups()):
        return None
    hours = int(m.group("d") or 0) * 24 + int(m.group("h") or 0)
    seconds = round(float(m.group("s") or 0))
    return duration_said(hours, int(m.group("m") or 0), words_for(language), seconds)


def say_durations(text: str, w: Words) -> str:
    """``text`` with runtimes said in full."""
    if not any(ch.isdigit() for ch in text):
        return text

    def attributive(m: re.Match[str]) -> bool:
        return (
            w.code == "en"
            and _ATTRIBUTIVE.search(m.string[: m.start()]) is not None
            and _NOUN.match(m.string, m.end()) is not None
        )

    def hm(m: re.Match[str]) -> str:
        minutes = int(m.group("m") or 0)
        if minutes > 59 or (m.group("m") is None and len(m.group("hu")) > 4):
            return m.group(0)  # "3 hours" alone: the engine reads it
        if minutes and _AT.search(m.string[: m.start()]):
            hours = _unit(int(m.group("h")), w.hours, w)
            if w.code == "en":  # at 8h15: eight fifteen
                hours = cardinal(int(m.group("h")), w)
            return f"{hours} {cardinal(minutes, w)}"
        return duration_said(int(m.group("h")), minutes, w, attributive=attributive(m))

    text = _HM.sub(hm, text)
    return _MIN.sub(
        lambda m: duration_said(0, int(m.group("m")), w, attributive=attributive(m)), text
    )
