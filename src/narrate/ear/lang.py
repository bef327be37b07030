"""The words each language says for the notations of :mod:`narrate.ear`: one table.

A language is a lowercase BCP 47 tag ("fr", "de-ch", "en-gb") or None (English); only
its primary subtag counts. Languages without a table get the English one (their
numbers are still read by the engine in the voice's own language).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Words:
    """What one language says."""

    code: str  # num2words' language code
    point: str  # the decimal separator, said
    out_of: str  # "{n} out of {d}"
    stars: str  # "{n} out of {d} stars" (a star rating with a total)
    stars_bare: tuple[str, str]  # (one star, N stars): "{n} star", "{n} stars"
    half: tuple[str, str, str]  # (half a star alone, "N and a half" stars, with total)
    one_fem: str  # "one" before a feminine noun (étoile, Stunde, estrella)
    one_masc: str  # "one" before a masculine noun (dollar, Dollar, minuto)
    dot: str  # "." in a site name or an e-mail address
    at: str  # "@" in an e-mail address
    minus: str
    plus: str
    per_second: str  # "{n} frames per second"
    ratio: str  # "{a} to {b}" for an aspect ratio
    number: str  # "No. 5"
    volume: str
    part: str
    versus: str = "versus"
    featuring: str = "featuring"
    directed_by: str = "directed by"
    approximately: str = "approximately"
    hours: tuple[str, str] = ("hour", "hours")
    minutes: tuple[str, str] = ("minute", "minutes")
    seconds: tuple[str, str] = ("second", "seconds")
    scales: dict[str, tuple[str, str]] = field(default_factory=dict)  # k/M/bn -> (1, many)
    currencies: dict[str, tuple[str, str]] = field(default_factory=dict)  # symbol -> (1, many)
    of_scale: str = ""  # between a scale word and the currency: "de" (fr, es)
    of_scale_vowel: str = ""  # the same before a vowel: "d'" (fr)
    fem_units: frozenset[str] = frozenset()  # units that take ``one_fem``


EN = Words(
    code="en",
    point="point",
    out_of="{n} out of {d}",
    stars="{n} out of {d} stars",
    stars_bare=("{n} star", "{n} stars"),
    half=("half a star", "{n} and a half stars", "{n} and a half out of {d} stars"),
    one_fem="one",
    one_masc="one",
    dot="dot",
    at="at",
    minus="minus",
    plus="plus",
    per_second="{n} frames per second",
    ratio="{a} to {b}",
    number="number",
    volume="volume",
    part="part",
    scales={"k": ("thousand", "thousand"), "m": ("million", "million"),
            "bn": ("billion", "billion"), "tn": ("trillion", "trillion")},
    currencies={"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("pound", "pounds"),
                "¥": ("yen", "yen")},
)  # fmt: skip

FR = Words(
    code="fr",
    point="virgule",
    out_of="{n} sur {d}",
    stars="{n} étoiles sur {d}",
    stars_bare=("{n} étoile", "{n} étoiles"),
    half=("une demi-étoile", "{n} étoiles et demie", "{n} étoiles et demie sur {d}"),
    one_fem="une",
    one_masc="un",
    dot="point",
    at="arobase",
    minus="moins",
    plus="plus",
    per_second="{n} images par seconde",
    ratio="{a} pour {b}",
    number="numéro",
    volume="volume",
    part="partie",
    directed_by="réalisé par",
    approximately="environ",
    hours=("heure", "heures"),
    minutes=("minute", "minutes"),
    seconds=("seconde", "secondes"),
    scales={"k": ("mille", "mille"), "m": ("million", "millions"),
            "bn": ("milliard", "milliards"), "tn": ("billion", "billions")},
    currencies={"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("livre", "livres"),
                "¥": ("yen", "yens")},
    of_scale="de",
    of_scale_vowel="d'",
    fem_units=frozenset({"heure", "minute", "seconde", "étoile", "livre"}),
)  # fmt: skip

DE = Words(
    code="de",
    point="Komma",
    out_of="{n} von {d}",
    stars="{n} von {d} Sternen",
    stars_bare=("{n} Stern", "{n} Sterne"),
    half=("ein halber Stern", "{n}einhalb Sterne", "{n}einhalb von {d} Sternen"),
    one_fem="eine",
    one_masc="ein",
    dot="Punkt",
    at="at",
    minus="minus",
    plus="plus",
    per_second="{n} Bilder pro Sekunde",
    ratio="{a} zu {b}",
    number="Nummer",
    volume="Band",
    part="Teil",
    directed_by="Regie",
    approximately="circa",
    hours=("Stunde", "Stunden"),
    minutes=("Minute", "Minuten"),
    seconds=("Sekunde", "Sekunden"),
    scales={"k": ("tausend", "tausend"), "m": ("Million", "Millionen"),
            "bn": ("Milliarde", "Milliarden"), "tn": ("Billion", "Billionen")},
    currencies={"$": ("Dollar", "Dollar"), "€": ("Euro", "Euro"), "£": ("Pfund", "Pfund"),
                "¥": ("Yen", "Yen")},
    fem_units=frozenset({"Stunde", "Minute", "Sekunde", "Million", "Milliarde", "Billion"}),
)  # fmt: skip

ES = Words(
    code="es",
    point="coma",
    out_of="{n} de {d}",
    stars="{n} de {d} estrellas",
    stars_bare=("{n} estrella", "{n} estrellas"),
    half=("media estrella", "{n} estrellas y media", "{n} estrellas y media de {d}"),
    one_fem="una",
    one_masc="un",
    dot="punto",
    at="arroba",
    minus="menos",
    plus="más",
    per_second="{n} fotogramas por segundo",
    ratio="{a} a {b}",
    number="número",
    volume="volumen",
    part="parte",
    directed_by="dirigida por",
    approximately="aproximadamente",
    hours=("hora", "horas"),
    minutes=("minuto", "minutos"),
    seconds=("segundo", "segundos"),
    scales={"k": ("mil", "mil"), "m": ("millón", "millones"),
            "bn": ("mil millones", "mil millones"), "tn": ("billón", "billones")},
    currencies={"$": ("dólar", "dólares"), "€": ("euro", "euros"), "£": ("libra", "libras"),
                "¥": ("yen", "yenes")},
    of_scale="de",
    fem_units=frozenset({"hora", "estrella", "libra"}),
)  # fmt: skip

TABLES = {"en": EN, "fr": FR, "de": DE, "es": ES}


def primary(language: str | None) -> str:
    """The primary subtag of ``language`` ("fr-ca" -> "fr"); "en" for None."""
    if not language:
        return "en"
    return language.strip().lower().replace("_", "-").split("-")[0] or "en"


def words_for(language: str | None) -> Words:
    """The table for ``language`` (English when there is none for it)."""
    return TABLES.get(primary(language), EN)
