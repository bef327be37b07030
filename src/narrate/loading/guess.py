"""Guessing a legacy (not UTF) encoding, or saying that it cannot be told.

Every candidate code page that decodes the bytes without error is read, and each
reading gets a *mojibake score*: the share of its non-ASCII characters that look
wrong. What looks wrong is written per script, from how mis-decoded text really
looks: symbols inside words (``Za¿ó³æ``), words made only of accented letters
(``Ïðèâåò``), case flips inside Cyrillic or Greek words (KOI8-R read as cp1251),
rare letters, and for the CJK code pages the characters outside the common core
of the code page (half-width katakana, JIS level 2 kanji, cp949's extension
syllables, GB18030's characters outside GB2312, Big5's second plane).

:func:`guess_legacy` returns the best reading when it is clean enough and clearly
better than every reading that differs from it; otherwise it says why it cannot
tell, and the caller refuses the file with a hint to use ``--encoding``.

Thin evidence (a title, a one-line review: at most :data:`THIN_CHARS` non-ASCII
characters) asks for more: an alphabetic reading and an East Asian one must be
:data:`THIN_MARGIN` apart, not :data:`MARGIN` (two or three ideographs are no
evidence against a Polish name), and a best reading in Cyrillic must have none of
:data:`SERBIAN_ONLY`
(a Serbian letter among nine is what cp1250's š, ť and ž read as). So ``'Łukasz Żółw'`` in
cp1250 is not read as two Big5 ideographs, nor ``'ěščřžýáíé'`` as Serbian Cyrillic:
both are refused with the ``--encoding`` hint.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# In order of preference: a tie goes to the earlier one.
CANDIDATES = (
    "cp1252",
    "cp1250",
    "iso8859_2",
    "cp1251",
    "koi8_r",
    "cp1253",
    "cp932",
    "euc_jp",
    "gb18030",
    "big5",
    "cp949",
)
_LATIN = ("cp1252", "cp1250", "iso8859_2")  # among these the best reading just wins
CLEAN_ENOUGH = 0.35  # the best reading's score must be at most this ...
MARGIN = 0.1  # ... and this much lower than any reading with other letters
SAMPLE_CHARS = 30_000  # how much of each reading is scored
THIN_CHARS = 12  # a reading with at most this many non-ASCII characters is thin evidence
THIN_MARGIN = 0.3  # ... then alphabetic and East Asian readings must be this far apart
#: Cyrillic letters Russian, Ukrainian and Belarusian do not use: in cp1251 they sit on
#: the bytes of cp1250's commonest accented letters (š ť ž ź ľ).
SERBIAN_ONLY = frozenset("ђјљњћџѓќѕЂЈЉЊЋЏЃЌЅ")

_WESTERN = frozenset(
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœßðþ" + "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœðþ".upper()
)
_COMMON_PUNCT = frozenset(
    "\u00a0\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u00ab\u00bb\u00b7\u2022"
    "\u20ac\u00a3\u00a9\u00ae\u00b0\u00bf\u00a1\u00a7\u2122\u00bd\u00bc\u00be\u00b2\u00b3"
    "\u3001\u3002\u300c\u300d\u300e\u300f\uff08\uff09\uff01\uff1f\u30fb\u30fc\uff0c\uff1a"
    "\u3000\u2116\u00d7"
)
_IN_WORD_OK = frozenset("\u2019\u2018\u02bc\u2010\u2011\u00b7")  # apostrophes, hyphens, l·l
_RU_COMMON = frozenset("оеаинтсрвлкмдпуяыьгзбчйхжш")
_GR_COMMON = frozenset("αοετινησρκπμυλωςγδ")


@dataclass(frozen=True)
class Guess:
    """The outcome: ``text`` and ``codec`` when sure, else ``unsure`` (the names of
    the close readings) or nothing; ``score`` is the best reading's (None: none)."""

    text: str | None
    codec: str | None
    unsure: tuple[str, ...] = ()
    score: float | None = None


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK", "HANGUL", "HIRAGANA", "KATAKANA", "CJK"):
        if name.startswith(script) or f" {script} " in name[:20]:
            return script
    return "OTHER"


def _encodes(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


@lru_cache(maxsize=16384)
def _cjk_penalty(ch: str, codec: str) -> float:
    """How unusual ``ch`` is for text really written in the CJK code page ``codec``."""
    if "\uff61" <= ch <= "\uff9f":  # half-width katakana: a classic mojibake sign
        return 1.0
    script = _script(ch)
    if codec == "cp949":
        if script == "HANGUL":
            return 0.0 if _encodes(ch, "euc_kr") else 1.0
        return 0.5  # Hanja, kana: rare in Korean prose
    if codec == "gb18030":
        if script in ("HANGUL", "HIRAGANA", "KATAKANA"):
            return 1.0
        return 0.0 if _encodes(ch, "gb2312") else 1.0
    if codec == "big5":
        if script in ("HANGUL", "HIRAGANA", "KATAKANA"):
            return 1.0
        raw = _encodes(ch, "big5")
        return 0.7 if raw is None or raw[0] >= 0xC9 else 0.0
    if codec in ("cp932", "euc_jp"):
        if script == "HANGUL":
            return 1.0
        raw = _encodes(ch, "shift_jis")
        if raw is None:
            return 1.0  # vendor extensions, JIS X 0212
        if script == "CJK" and len(raw) == 2 and (raw[0], raw[1]) >= (0x98, 0x73):
            return 0.4  # JIS level 2 kanji
        return 0.0
    return 0.0 if script in ("CJK", "HIRAGANA", "KATAKANA") else 1.0


def score(text: str, codec: str) -> float:
    """The share of ``text``'s non-ASCII characters that look mis-decoded (0 = clean)."""
    text = text[:SAMPLE_CHARS]
    bad = 0.0
    non_ascii = 0
    cjk = codec in ("cp932", "euc_jp", "gb18030", "big5", "cp949")
    greek = toned = 0
    for word in text.split():
        letters = [c for c in word if c.isalpha()]
        accented = sum(1 for c in letters if ord(c) > 0x7F and _script(c) == "LATIN")
        scripts = {_script(c) for c in letters}
        prev = ""
        for i, ch in enumerate(word):
            if ord(ch) <= 0x7F:
                prev = ch
                continue
            category = unicodedata.category(ch)
            inside = 0 < i < len(word) - 1 and prev.isalpha() and word[i + 1].isalpha()
            ordinary = ch in _COMMON_PUNCT or category in ("Nd", "Mn")
            if not ch.isalpha() and ordinary and not inside:
                prev = ch
                continue  # ordinary punctuation: neither good nor bad
            non_ascii += 1
            if category in ("Co", "Cn", "Cs", "Cc") or ch == "\ufffd":
                bad += 5
            elif not ch.isalpha():
                if 0 < i < len(word) - 1 and prev.isalpha() and word[i + 1].isalpha():
                    bad += 0.0 if ch in _IN_WORD_OK else 1.5  # inside a word: Za¿ó³æ
                else:
                    bad += 1
            elif cjk:
                bad += _cjk_penalty(ch, codec)
            else:
                script = _script(ch)
                if len(scripts) > 1:
                    bad += 1  # letters of two scripts in one word: cafй
                if script == "LATIN":
                    bad += 0.0 if ch in _WESTERN else 0.2
                    if len(letters) >= 3 and accented == len(letters):
                        bad += 1  # a word of accented letters only: Ïðèâåò
                elif script in ("CYRILLIC", "GREEK"):
                    common = _RU_COMMON if script == "CYRILLIC" else _GR_COMMON
                    base = unicodedata.normalize("NFD", ch.lower())[0]
                    bad += 0.0 if base in common else 0.4
                    if ch.isupper() and prev.isalpha():
                        bad += 1  # capitals inside a word: KOI8-R read as cp1251
                    if ch == "\u03c2" and i < len(word) - 1 and word[i + 1].isalpha():
                        bad += 1  # final sigma inside a word
                    if script == "GREEK":
                        greek += 1
                        toned += base != ch.lower()
                else:
                    bad += 1
            prev = ch
    if cjk:
        bad += _cjk_spacing(text, codec)
    if greek >= 20 and toned < 0.03 * greek:
        bad += 0.3 * greek  # Greek prose carries a tonos on most words
    return bad / max(1, non_ascii)


def _cjk_spacing(text: str, codec: str) -> float:
    """Korean puts spaces between words, Chinese and Japanese do not: long runs of
    Hangul, or spaces between ideographs, are a sign of the wrong CJK code page."""
    bad = 0.0
    run = 0
    for prev, ch, nxt in zip(" " + text[:-1], text, text[1:] + " ", strict=True):
        hangul = _script(ch) == "HANGUL"
        run = run + 1 if hangul else 0
        if hangul and run > 7:
            bad += 1 if run > 8 else 8  # the whole run, once it is too long
        if (
            codec != "cp949"
            and ch == " "
            and _script(prev) in ("CJK", "HIRAGANA", "KATAKANA")
            and _script(nxt) in ("CJK", "HIRAGANA", "KATAKANA")
        ):
            bad += 2
    return bad


def guess_legacy(data: bytes) -> Guess:
    """The best clean reading of ``data`` among :data:`CANDIDATES`, or why not."""
    readings: list[tuple[float, int, str, str]] = []
    for order, codec in enumerate(CANDIDATES):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        readings.append((score(text, codec), order, codec, text))
    if not readings:
        return Guess(None, None)
    readings.sort()
    best_score, _, best_codec, best_text = readings[0]
    family = _LATIN if best_codec in _LATIN else ()
    rivals = [
        r
        for r in readings[1:]
        if r[3] != best_text and r[0] - best_score < MARGIN and r[2] not in family
    ]
    if best_score > CLEAN_ENOUGH:
        return Guess(None, None, score=best_score)
    if sum(1 for ch in best_text if ord(ch) > 0x7F) <= THIN_CHARS:
        group = _group(best_text)
        east = group == "CJK"
        rivals += [r for r in readings[1:] if r not in rivals and r[0] - best_score < THIN_MARGIN
                   and r[2] not in family and (_group(r[3]) == "CJK") != east]  # fmt: skip
        if group == "CYRILLIC" and not rivals and SERBIAN_ONLY.intersection(best_text):
            rivals = [r for r in readings[1:] if r[3] != best_text][:1]
    if rivals:
        return Guess(None, None, (best_codec, *(r[2] for r in rivals[:2])), best_score)
    return Guess(best_text, best_codec, score=best_score)


def _group(text: str) -> str:
    """The script most of ``text``'s non-ASCII letters are in (CJK for any East Asian)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ord(ch) > 0x7F and ch.isalpha():
            script = _script(ch)
            script = "CJK" if script in ("HANGUL", "HIRAGANA", "KATAKANA") else script
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "OTHER"
