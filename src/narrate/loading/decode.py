"""Finding a review's encoding: bytes -> text, or a one-line ``InputError``.

The order: an explicit ``--encoding`` wins. Then a byte-order mark, unless it lies
(a UTF-16/32 mark over bytes that are UTF-8, or a UTF-8 mark over bytes that are
not): a lying mark is dropped with a warning. Then BOM-less UTF-16 (by its NULs),
strict UTF-8, UTF-8 with a few stray bytes, an HTML ``<meta charset>``, and last
a guess among legacy code pages (:mod:`narrate.loading.guess`).

Never silent mojibake: UTF-8 with a few invalid bytes is read as UTF-8, the stray
bytes as cp1252 (where they almost always come from), and a warning names their
byte offsets; a stray byte inside a word that reads as no letter words are written
with (``naïv\\xffe``: "ÿ") is dropped instead, with its own warning. A legacy guess
that is not clearly right is refused::

    <name>: cannot tell the encoding (it reads as <a> or <b>); name it with --encoding
    <name>: not UTF-8, and no encoding narrate knows reads it cleanly; name it with --encoding
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from ..errors import InputError
from .guess import guess_legacy

GARBLED = 0.6  # a best legacy reading this bad (or none at all): not text

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
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


def _not_unicode_text(text: str) -> bool:
    """Private-use, unassigned or control characters: bytes read as UTF-16 that are not."""
    return any(
        unicodedata.category(ch) in ("Co", "Cn", "Cs") or (ch < " " and ch not in "\t\n\r\f")
        for ch in text[:100_000]
    )


def _strict_utf8(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _offsets(spans: list[tuple[int, int]], shift: int) -> str:
    shown = ", ".join(str(a + shift) for a, _ in spans[:10])
    return shown + (f" and {len(spans) - 10} more" if len(spans) > 10 else "")


#: The cp1252 letters a stray byte inside a word may stand for: the ones Western
#: European words are written with. A stray inside a word that reads as anything else
#: (``naïv\xffe`` -> "ÿ", a symbol, a control) is corruption, not a letter: dropped.
WORD_LETTERS = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüýœšžß" + "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒŠŽ")


Spans = list[tuple[int, int]]


def _utf8_with_strays(data: bytes) -> tuple[str, Spans, Spans] | None:
    """Mostly UTF-8 with a few invalid bytes: the text, the strays read as cp1252, and
    the strays dropped (inside a word, reading as no letter of :data:`WORD_LETTERS`).

    "Mostly" means at least as many valid multi-byte characters as invalid runs; a
    legacy file has almost none (its high bytes rarely form UTF-8 sequences).
    """
    spans: list[tuple[int, int]] = []
    dropped: list[tuple[int, int]] = []
    parts: list[str] = []
    pos = 0
    valid = 0
    view = memoryview(data)  # slices without copying: linear in the file's size
    while pos < len(data):
        try:
            chunk = codecs.utf_8_decode(view[pos:], "strict", True)[0]
        except UnicodeDecodeError as exc:
            good = codecs.utf_8_decode(view[pos : pos + exc.start], "strict", True)[0]
            bad = data[pos + exc.start : pos + exc.end]
            if pos + exc.end == len(data) and "end of data" in exc.reason and len(bad) > 1:
                bad = b""  # a character cut off at the end of the file: dropped
            read = bad.decode("cp1252", errors="replace").replace("\ufffd", "")
            before = good[-1:] or (parts[-1][-1:] if parts and parts[-1] else "")
            after = data[pos + exc.end : pos + exc.end + 4].decode("utf-8", "ignore")[:1]
            span = (pos + exc.start, pos + exc.end)
            if before.isalpha() and after.isalpha() and read not in WORD_LETTERS:
                read = ""  # inside a word, and no letter words are written with
                dropped.append(span)
            else:
                spans.append(span)
            parts += [good, read]
            valid += sum(1 for ch in good if ord(ch) > 0x7F)
            pos += exc.end
            if len(spans) + len(dropped) > valid + 1000:  # clearly not UTF-8: stop early
                return None
            continue
        parts.append(chunk)
        valid += sum(1 for ch in chunk if ord(ch) > 0x7F)
        break
    if not (spans or dropped) or valid < len(spans) + len(dropped):
        return None
    return "".join(parts), spans, dropped


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

    shift = 0
    for bom, codec in _BOMS:
        if not data.startswith(bom):
            continue
        rest = data[len(bom) :]
        as_utf8 = _strict_utf8(rest) if codec != "utf-8-sig" else None
        if as_utf8 is not None:  # a UTF-16/32 mark over UTF-8 text: the mark lies
            log.warning(
                "%s: starts with a %s byte-order mark, but the text is UTF-8: the mark is ignored",
                name,
                codec.upper(),
            )
            return as_utf8, "utf-8"
        try:
            text = data.decode(codec)
            if codec != "utf-8-sig" and _not_unicode_text(text):
                raise UnicodeDecodeError(codec, data, 0, len(data), "private or unassigned")
        except UnicodeDecodeError:
            log.warning(
                "%s: starts with a %s byte-order mark, but is not %s: the mark is ignored",
                name,
                "UTF-8" if codec == "utf-8-sig" else codec.upper(),
                "UTF-8" if codec == "utf-8-sig" else codec.upper(),
            )
            data, shift = rest, len(bom)
            break
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

    mostly = _utf8_with_strays(data)
    if mostly is not None:
        text, spans, dropped = mostly
        for found, done in ((spans, "read %s as cp1252"),
                            (dropped, "dropped %s (inside a word, it reads as no letter)")):
            if not found:
                continue
            count = sum(b - a for a, b in found)
            log.warning(
                "%s: not valid UTF-8 at byte%s %s: %s (name the encoding with --encoding "
                "if that is wrong)",
                name,
                "s" if len(found) > 1 else "",
                _offsets(found, shift),
                done % ("that byte" if count == 1 else "those bytes"),
            )
        return text, "utf-8"

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

    guess = guess_legacy(data)
    if guess.text is not None and guess.codec is not None:
        log.debug("%s: decoded as %s", name, guess.codec)
        return guess.text, guess.codec
    if guess.unsure:
        options = " or ".join(", ".join(guess.unsure).rsplit(", ", 1))
        raise InputError(
            f"{name}: cannot tell the encoding (it reads as {options}); name it with --encoding"
        )
    if guess.score is None or guess.score > GARBLED:
        raise _binary(name)
    raise InputError(
        f"{name}: not UTF-8, and no encoding narrate knows reads it cleanly; "
        "name it with --encoding"
    )
