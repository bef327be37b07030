"""Links and e-mail addresses said as people say them, never spelled out.

A bare URL (``https://www.justwatch.com/us/movie/x``, ``www.imdb.com``, or a site name
with a common ending such as ``letterboxd.com``) is said as its site: "justwatch dot
com" (``links="say"``), or left out (``links="skip"``). Its path and query are never
said. An e-mail address is said "ann at example dot org" in either mode.
"""

from __future__ import annotations

import re

from .lang import Words

LINK_MODES = ("say", "skip")

_TLDS = (
    "com|org|net|io|co|uk|fr|de|es|it|nl|be|ch|at|eu|ca|us|au|tv|fm|me|app|dev|blog|info|"
    "film|movie|review|news|edu|gov|ly|gg|xyz|online|site|club|mx|ar|cl|br|jp|se|no|dk|fi|pl"
)
_TAIL = r"(?:[/?#][^\s<>\"'\u201d\u00bb]*)?"
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://(?P<host>[^\s/?#<>\"'@]+)" + _TAIL + ")"
    r"|(?:(?<![\w@.-])(?P<www>www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+)" + _TAIL + ")"
    r"|(?:(?<![\w@.-])(?P<bare>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:" + _TLDS + r"))"
    r"(?![\w-]|\.[a-z0-9])" + _TAIL + ")",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?:mailto:)?(?P<local>[\w+-]+(?:\.[\w+-]+)*)@(?P<domain>[\w-]+(?:\.[\w-]+)+)",
)
_DOTTED = re.compile(r"\w\.[a-zA-Z]")  # a dot inside a word: a site name may be there
_TRAILING = ".,;:!?)]}'\"\u2019\u201d\u00bb"


def _site(host: str, w: Words) -> str:
    host = host.split(":")[0].strip(".")
    if host.lower().startswith("www."):
        host = host[4:]
    return f" {w.dot} ".join(part for part in host.split(".") if part)


_KEPT_OPEN, _KEPT_CLOSE = "\ue010", "\ue011"
_KEPT = re.compile(f"{_KEPT_OPEN}(\\d+){_KEPT_CLOSE}")


def restore(text: str, kept: list[str]) -> str:
    """``text`` with the placeholders of :func:`say_links` back as their words."""
    return _KEPT.sub(lambda m: kept[int(m.group(1))], text) if kept else text


def say_links(text: str, w: Words, links: str = "say", kept: list[str] | None = None) -> str:
    """``text`` with its URLs said as their site (or left out) and e-mail said.

    With ``kept``, each said address is put there and stands in the text as a
    placeholder (:func:`restore`), so that later rules never rewrite its words (the
    site "vs.com" is not "versus dot com")."""

    def keep(words: str) -> str:
        if kept is None:
            return words
        kept.append(words)
        return f"{_KEPT_OPEN}{len(kept) - 1}{_KEPT_CLOSE}"

    if "@" in text:
        text = _EMAIL.sub(
            lambda m: keep(
                f" {w.dot} ".join(m.group("local").split("."))
                + f" {w.at} "
                + _site(m.group("domain"), w)
            ),
            text,
        )
    if "://" not in text and not _DOTTED.search(text):
        return text

    def url(m: re.Match[str]) -> str:
        whole = m.group(0)
        kept = whole.rstrip(_TRAILING)  # sentence punctuation after a URL is not part of it
        rest = whole[len(kept) :]
        if links == "skip":
            return "\x00" + rest
        host = m.group("host") or m.group("www") or m.group("bare")
        return keep(_site(host.rstrip(_TRAILING), w)) + rest

    text = _URL.sub(url, text)
    if "\x00" in text:  # a skipped link: its room and any bracket left empty go too
        text = re.sub(r"[ \u00a0]*[(\[]\x00[)\]]?|[ \u00a0]*\x00", "", text)
    return text
