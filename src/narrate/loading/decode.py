"""Finding a review's encoding: bytes -> text, or a one-line ``InputError``."""

from __future__ import annotations

import codecs
import logging
import re

from ..errors import InputError

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Detector answers that mean "some Latin-script single-byte code page": for these we
# decode as cp1252 whenever cp1252 accepts the bytes (as browsers do for latin-1).
_LATIN_FAMILY = frozenset(
    {
        "ascii",
        "latin_1",
        "iso8859_15",
        "cp1252",
        "cp1250",
        "cp1254",
        "cp1257",
        "cp1258",
        "cp437",
        "cp850",
        "cp852",
        "cp858",
        "cp775",
        "mac_roman",
        "mac_latin2",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_16",
    }
)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _binary(name: str) -> InputError:
    return InputError(f"{name}: looks like a binary file, not text")


def _codec_name(encoding: str) -> str | None:
    """The codec's name, or None if ``encoding`` names no *text* codec.

    ``codecs.lookup`` also knows bytes-to-bytes codecs (rot13, base64, hex, zlib ...)
    that ``bytes.decode`` refuses; those count as unknown here. A name with a NUL or a
    lone surrogate (from a badly encoded command line) raises ValueError: unknown too.
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _plausible_cp1252(text: str) -> bool:
    """Whether a cp1252 reading looks like Western text rather than mojibake.

    Western European prose has a small share of non-ASCII letters (é, ñ, ö ...);
    Cyrillic, Greek or Hebrew bytes read as cp1252 are nearly all accented letters.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    non_ascii = sum(1 for c in letters if ord(c) > 0x7F)
    return non_ascii / len(letters) <= 0.4


_IN_WORD_OK = "\u2019\u2018\u02bc\u2010\u2011\u00b7"  # apostrophes, hyphens, l·l


def _garbled(text: str) -> int:
    """How many non-ASCII symbols sit inside words (``Za¿ó³æ``): a mojibake sign."""
    text = text[:200_000]
    return sum(
        1
        for prev, ch, nxt in zip(text, text[1:], text[2:], strict=False)
        if ord(ch) > 0x7F
        and not ch.isalpha()
        and ch not in _IN_WORD_OK
        and prev.isalpha()
        and nxt.isalpha()
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """Decode BOM-less UTF-16 when the NUL bytes sit where ASCII's high bytes would."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd >= 0.6 * half and even < 0.1 * half:
        codec = "utf-16-le"
    elif even >= 0.6 * half and odd < 0.1 * half:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _detect(data: bytes) -> tuple[str, str] | None:
    """Guess a legacy encoding with charset-normalizer, preferring cp1252."""
    from charset_normalizer import from_bytes

    try:
        cp1252: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        cp1252 = None

    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        guess = _codec_name(best.encoding) or best.encoding
        text = str(best)
        log.debug("charset-normalizer guessed %s (alternatives: %s)", guess, matches)
        if cp1252 is None or text == cp1252:
            return text, ("cp1252" if text == cp1252 else guess)
        if guess in _LATIN_FAMILY:
            # Both readings are Latin text; keep cp1252 unless it garbles words more
            # (Polish "Zażółć" read as cp1252 is "Za¿ó³æ").
            if _plausible_cp1252(cp1252) and _garbled(cp1252) <= _garbled(text):
                return cp1252, "cp1252"
            return text, guess
        if _plausible_cp1252(cp1252):
            # Short texts make the detector pick odd code pages (cp1006, cp1125, ...).
            return cp1252, "cp1252"
        return text, guess
    if cp1252 is not None and _plausible_cp1252(cp1252):
        return cp1252, "cp1252"
    return None


def decode_bytes(
    data: bytes, name: str, *, encoding: str | None = None, fmt: str = "txt"
) -> tuple[str, str]:
    """Decode ``data``; return ``(text, codec)``. A leading BOM is never part of the text."""
    if encoding:
        codec = _codec_name(encoding)
        if codec is None:
            raise InputError(f"{name}: unknown encoding {encoding!r}")
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        try:
            text = data.decode(codec)
        except ValueError as exc:  # UnicodeError; idna, punycode and undefined raise it bare
            shown = " ".join(encoding.split())
            raise InputError(f"{name}: cannot be decoded as {shown}") from exc
        return text.removeprefix("\ufeff"), codec

    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                break  # a BOM-like start, but not that encoding: treat as unmarked
            if "\x00" in text:
                raise _binary(name)
            return text.removeprefix("\ufeff"), codec

    if b"\x00" in data:
        text16 = _utf16_without_bom(data)
        if text16 is not None:
            return text16, "utf-16"
        raise _binary(name)

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    if fmt == "html":
        found = _META_CHARSET.search(data[:4096])
        if found:
            codec = _codec_name(found.group(1).decode("ascii", "replace"))
            if codec in ("latin-1", "iso8859-1", "ascii"):
                codec = "cp1252"  # what browsers do
            if codec:
                try:
                    return data.decode(codec), codec
                except ValueError:  # UnicodeError, also the bare one of idna or undefined
                    log.debug("%s: declared charset %s does not fit", name, codec)

    detected = _detect(data)
    if detected is None:
        raise _binary(name)
    text, codec = detected
    log.debug("%s: decoded as %s", name, codec)
    return text, codec
