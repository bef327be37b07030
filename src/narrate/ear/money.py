"""Money said with its currency and scale: "$63M" -> "sixty-three million dollars".

Handled: a currency sign before the amount (``$63M``, ``€1.2bn``, ``£5k``, ``$5``,
``$5.50``, ``US$2M``), which espeak-ng reads backwards ("dollar sixty-three em"), and
an amount with a scale before the sign or word (``63 M$``, ``1,2 Mrd. €``,
``5 Mio. Euro``). An amount with only a sign after it (``5 €``, ``12,50 €``) is left
to the engine, which reads it right in every language.
"""

from __future__ import annotations

import re

from .lang import Words
from .words import NUMBER, cardinal, number, parse

SIGNS = {"$": "$", "US$": "$", "€": "€", "£": "£", "¥": "¥"}
_SCALE_WORDS = {
    "k": "k", "K": "k", "thousand": "k",
    "m": "m", "M": "m", "mn": "m", "mln": "m", "MM": "m", "million": "m", "millions": "m",
    "Mio": "m", "Mio.": "m", "Million": "m", "Millionen": "m", "millón": "m",
    "millones": "m",
    "b": "bn", "B": "bn", "bn": "bn", "bln": "bn", "billion": "bn", "billions": "bn",
    "Mrd": "bn", "Mrd.": "bn", "Md": "bn", "Mds": "bn", "milliard": "bn", "milliards": "bn",
    "Milliarde": "bn", "Milliarden": "bn",
    "tn": "tn", "trillion": "tn",
}  # fmt: skip
_CURRENCY_WORDS = {
    "euro": "€", "euros": "€", "Euro": "€", "dollars": "$", "dollar": "$", "Dollar": "$",
    "dólares": "$", "USD": "$", "EUR": "€", "GBP": "£",
}  # fmt: skip
_SCALE = "|".join(sorted(map(re.escape, _SCALE_WORDS), key=len, reverse=True))
_SIGN = "|".join(sorted(map(re.escape, SIGNS), key=len, reverse=True))
_CURWORD = "|".join(sorted(map(re.escape, _CURRENCY_WORDS), key=len, reverse=True))
_BEFORE = re.compile(
    rf"(?<![\w$€£¥])(?P<sign>{_SIGN})[ \u00a0]?(?P<num>{NUMBER})"
    rf"(?:[ \u00a0]?(?P<scale>{_SCALE})(?![\w]))?(?![\w])"
)
_AFTER = re.compile(
    rf"(?<![\w.,])(?P<num>{NUMBER})[ \u00a0]?(?P<scale>{_SCALE})[ \u00a0]?"
    rf"(?:(?P<sign>[$€£¥])|(?P<word>{_CURWORD})(?!\w))"
)


_ATTRIBUTIVE = re.compile(r"(?<!\w)(?:a|an|A|An)[ \u00a0]+\Z")
_NOUN = re.compile(r"[ \u00a0]+[a-z]")


def money_said(raw: str, scale: str | None, sign: str, w: Words) -> str:
    """An amount in words with its scale and currency, in ``w``'s language."""
    one, many = w.currencies[sign]
    fem_cur = one in w.fem_units
    whole, decimals, _ = parse(raw, w)
    if scale is None:
        if decimals is not None and len(decimals) == 2:
            cur = one if whole == 1 else many
            amount = cardinal(whole, w, fem=fem_cur, masc=not fem_cur)
            cents = cardinal(int(decimals), w)
            return f"{amount} {cur} {cents}" if int(decimals) else f"{amount} {cur}"
        amount = number(raw, w, fem=fem_cur, masc=not fem_cur)
        return f"{amount} {one if whole == 1 and decimals is None else many}"
    if scale == "k" and decimals is None:
        return f"{cardinal(whole * 1000, w)} {many}"
    s_one, s_many = w.scales[scale]
    fem_scale = s_one in w.fem_units
    plural = not (whole == 1 and decimals is None)
    if w.code == "fr" and whole < 2:
        plural = False  # 1,2 milliard
    if w.code == "en":
        plural = False
    amount = number(raw, w, fem=fem_scale, masc=not fem_scale)
    scale_word = s_many if plural else s_one
    if w.code == "de" and decimals is None and whole == 1:
        amount = w.one_fem if fem_scale else w.one_masc
    if w.of_scale and scale != "k":
        of = w.of_scale_vowel if w.of_scale_vowel and many[0] in "aeiouéèAEIOU" else w.of_scale
        sep = "" if of.endswith("'") else " "
        return f"{amount} {scale_word} {of}{sep}{many}"
    return f"{amount} {scale_word} {many}"


def say_money(text: str, w: Words) -> str:
    """``text`` with amounts of money said in words."""
    if not any(ch.isdigit() for ch in text):
        return text

    def before(m: re.Match[str]) -> str:
        scale = _SCALE_WORDS[m.group("scale")] if m.group("scale") else None
        sign = SIGNS[m.group("sign")]
        try:
            said = money_said(m.group("num"), scale, sign, w)
        except ValueError:
            return m.group(0)
        if (
            w.code == "en" and _ATTRIBUTIVE.search(text[: m.start()]) and _NOUN.match(text, m.end())
        ):  # "a $20 ticket": a twenty dollar ticket
            one, many = w.currencies[sign]
            said = said[: -len(many)] + one if said.endswith(many) else said
        return said

    def after(m: re.Match[str]) -> str:
        sign = m.group("sign") or _CURRENCY_WORDS[m.group("word")]
        try:
            return money_said(m.group("num"), _SCALE_WORDS[m.group("scale")], sign, w)
        except ValueError:
            return m.group(0)

    text = _BEFORE.sub(before, text)
    return _AFTER.sub(after, text)
