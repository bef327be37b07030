"""Text for the ear, kept apart from the display text.

:func:`normalize_for_speech` turns display text into what the engine should read;
:func:`apply_lexicon` then swaps in respellings or engine phonemes from a TOML
pronunciation lexicon. Neither ever touches the display text.

Lexicon format (UTF-8 TOML)::

    [respell]                 # every engine: word = how to write it so it sounds right
    "Almodóvar" = "al-mo-doh-var"

    [phonemes.espeak]         # espeak-ng phoneme mnemonics, sent as [[...]]
    "Almodóvar" = ",alm@d'oUvA@"

Matching is whole-word (a letter, digit or ``_`` may not touch either end), so
"Banderas" matches in "Banderas", "Banderas'" and "Banderas's" but not in
"Banderasx". Case rules: an entry with any capital letter matches exactly that
spelling; an all-lowercase entry matches any capitalisation ("tequila" matches
"Tequila" and "TEQUILA"). An exact-case entry beats a lowercase one, and longer
entries (e.g. "Salvador Mallo") beat shorter ones. Keys and respellings are
normalized like speech text, so a key may use curly apostrophes.

Phoneme entries are used by engines that read espeak-ng phoneme input: "espeak"
and "espeak-ng" (see :func:`uses_espeak_phonemes`). The word becomes
``[[phonemes]]``; a following possessive ``'s`` is folded into the phonemes
(``[[... z]]``) because espeak-ng would otherwise spell the lone "s", and a space is
put before ``[[`` when punctuation such as ``(`` or ``"`` touches it (espeak-ng
silently skips ``([[...]]``). espeak-ng only honours ``[[...]]`` when the text is
synthesized with the ``espeakPHONEMES`` (0x100) flag: the ``espeak-ng`` command line
sets it, and narrate's pyttsx3 adapter adds it to the driver's ``espeak_Synth`` calls
(which pass only ``espeakCHARS_UTF8 | espeakENDPAUSE``), so "pyttsx3" on Linux, where
it runs espeak-ng, gets phonemes too (:data:`PYTTSX3_READS_PHONEMES`).
Other engines get the respellings only.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import LexiconError
from .files import LEXICON_MAX_BYTES, TooLarge, read_capped, too_large_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

log = logging.getLogger(__name__)

# ------------------------------------------------------------------- normalization

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a`\u00b4"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"
_DASHES = "\u2012\u2013\u2014\u2015\u2e3a\u2e3b\ufe58"


def _char_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for ch in _SINGLE_QUOTES:
        table[ord(ch)] = "'"
    for ch in _DOUBLE_QUOTES:
        table[ord(ch)] = '"'
    table[0x2026] = "..."  # horizontal ellipsis
    table[0x22EF] = "..."  # midline ellipsis
    table[0x2010] = "-"  # hyphen
    table[0x2011] = "-"  # non-breaking hyphen
    table[0x2212] = "-"  # minus sign
    # Variation selectors (emoji/text presentation) and the emoji keycap mark.
    for cp in range(0xFE00, 0xFE10):
        table[cp] = None
    for cp in range(0xE0100, 0xE01F0):
        table[cp] = None
    table[0x20E3] = None
    # Asterisks are decoration (* * *, *emphasis*, f***); engines say "asterisk".
    for ch in "*\u2217\u204e":
        table[ord(ch)] = None
    return table


# Ranges whose symbols (category So/Sk) are emoji or pictographs: engines would read
# their long Unicode names ("smiling face with heart-eyes"), so they are dropped.
_EMOJI_RANGES = (
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # miscellaneous technical (watch, hourglass ...)
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2600, 0x27BF),  # miscellaneous symbols, dingbats (stars, hearts, ticks)
    (0x2900, 0x297F),  # supplemental arrows-B
    (0x2B00, 0x2BFF),  # miscellaneous symbols and arrows (star, circle)
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),  # mahjong .. symbols and pictographs extended-A
)


def _is_dropped(ch: str) -> bool:
    """Invisible or pictographic characters that are not read aloud."""
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co"):
        return True
    if cat in ("So", "Sk", "Cn"):
        cp = ord(ch)
        return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)
    return False


class _SpeechChars(dict):  # type: ignore[type-arg]
    """A ``str.translate`` table that classifies each character once, on first sight."""

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        value: str | None
        if ch.isspace():
            value = " "
        elif _is_dropped(ch):
            value = None
        else:
            value = ch
        self[cp] = value
        return value


_CHARS = _SpeechChars(_char_table())


_DIGIT_RANGE = re.compile(r"(?<=\d)[\u2012\u2013](?=\d)")
# "1990-2000", "pages 10-20", "9-5": a lone hyphen between two short numbers.
_HYPHEN_RANGE = re.compile(r"(?<![\w.,-])(\d{1,4})-(\d{1,4})(?![\w-]|[.,]\d)")
_DIGIT_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")  # dates, phone numbers: no "dash"
_DASH = re.compile(
    rf"\s*(?:[{_DASHES}]+|-{{2,}})\s*"  # any typographic dash, or -- / ---
    r"|(?:^|\s+)-(?=\s|$)\s*"  # a lone hyphen between spaces: " - "
)
_BRACKETS_OPEN = re.compile(r"\[{2,}")
_BRACKETS_CLOSE = re.compile(r"\]{2,}")
_COMMA_RUN = re.compile(r"\s*,(?:\s*,)+")
_COMMA_BEFORE = re.compile(r"\s*,\s*(?=[.!?;:)\]}]|[\"'](?:[\s.!?,;:]|$))")
_SPACE_BEFORE = re.compile(r"\s+(?=[.!?,;:](?:\s|$))")
_COMMA_AFTER = re.compile(r"(?<=[.!?;:(\[{])\s*,")
_SPACE_COMMA = re.compile(r"\s+,")
_EDGE_COMMAS = re.compile(r"^[\s,]+|[\s,]+$")
_WS = re.compile(r"\s+")


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_CHARS)
    text = _BRACKETS_OPEN.sub("[", text)  # "[[" would switch espeak-ng to phoneme input
    text = _BRACKETS_CLOSE.sub("]", text)
    text = _DIGIT_RANGE.sub(" to ", text)  # 1990–2000: a range
    text = _HYPHEN_RANGE.sub(r"\1 to \2", text)
    text = _DIGIT_HYPHEN.sub(" ", text)
    text = _DASH.sub(", ", text)
    text = _COMMA_RUN.sub(",", text)
    text = _COMMA_BEFORE.sub("", text)
    text = _COMMA_AFTER.sub("", text)
    text = _SPACE_COMMA.sub(",", text)
    text = _SPACE_BEFORE.sub("", text)
    text = _WS.sub(" ", text)
    text = _EDGE_COMMAS.sub("", text)
    return unicodedata.normalize("NFC", text)


def has_speakable(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit."""
    return any(ch.isalnum() for ch in text)


def normalize_for_speech(text: str) -> str:
    """The form of ``text`` to send to a speech engine.

    * typographic quotes -> ``'`` and ``"``; backtick and acute accent -> ``'``;
    * dashes (figure, en, em, horizontal bar, ``--`` and a spaced ``" - "``) -> ``", "``,
      which engines read as a short pause; an en dash between digits, or a hyphen
      between two numbers of up to four digits (1990-2000, 9-5), -> ``" to "``; other
      hyphens between digits (2019-10-05) -> a space, so no engine says "dash";
    * asterisks removed (``* * *``, ``*emphasis*``);
    * ``…`` -> ``...``; hyphen/non-breaking hyphen/minus sign -> ``-``;
    * every kind of space -> a space; zero-width and format characters (ZWSP,
      ZWJ, soft hyphen, BOM, bidi marks), control characters, variation selectors
      and emoji/pictographs removed; ``[[``/``]]`` reduced to ``[``/``]``;
    * whitespace collapsed, NFC; numbers are left for the engine to read.

    Letters and digits are never removed or changed, so a text with one keeps it;
    a text with none (only emoji or symbols) becomes ``""``. Idempotent.
    """
    if not has_speakable(text):
        return ""
    for _ in range(8):  # a fixpoint; in practice the second pass changes nothing
        new = _normalize_once(text)
        if new == text:
            break
        text = new
    return text


# ------------------------------------------------------------------------- lexicon

# Piper phonemizes with espeak-ng; its adapter turns [[mnemonics]] into Piper's IPA.
ESPEAK_ENGINES = frozenset({"espeak", "espeak-ng", "espeakng", "piper"})
PHONEME_FAMILIES = frozenset({"espeak"})

# pyttsx3 runs libespeak-ng on Linux. Its driver calls espeak_Synth without the
# espeakPHONEMES flag (0x100), which would read "[[band'e@r@s]]" out as letters;
# engines/pyttsx3_engine.py adds the flag, so phonemes are sent to it.
PYTTSX3_READS_PHONEMES = True


def uses_espeak_phonemes(engine: str, platform: str | None = None) -> bool:
    """Whether ``engine`` is sent espeak-ng phonemes (``[phonemes.espeak]``).

    True for "espeak"/"espeak-ng"; for "pyttsx3" only on Linux (where it drives
    espeak-ng) and only while :data:`PYTTSX3_READS_PHONEMES` is set. Every other
    engine gets the respellings.
    """
    engine = engine.strip().lower()
    if engine in ESPEAK_ENGINES:
        return True
    if engine == "pyttsx3":
        platform = sys.platform if platform is None else platform
        return PYTTSX3_READS_PHONEMES and platform.startswith("linux")
    return False


@dataclass(frozen=True)
class _Table:
    pattern: re.Pattern[str] | None
    exact: dict[str, tuple[str, bool]]  # key -> (replacement, is_phonemes)
    folded: dict[str, tuple[str, bool]]  # lowercase key -> (replacement, is_phonemes)


@dataclass(frozen=True)
class Lexicon:
    """Word -> respelling, and per phoneme family word -> phonemes. Picklable."""

    respell: Mapping[str, str] = field(default_factory=dict)
    phonemes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: str = ""

    def __bool__(self) -> bool:
        return bool(self.respell) or any(self.phonemes.values())

    def table(self, family: str | None) -> _Table:
        """The compiled matcher for respellings plus ``family`` phonemes (or none)."""
        return self._tables[family]

    @cached_property
    def _tables(self) -> dict[str | None, _Table]:
        tables: dict[str | None, _Table] = {None: _compile(self.respell, {})}
        for family, entries in self.phonemes.items():
            tables[family] = _compile(self.respell, entries)
        return _Tables(tables)


class _Tables(dict):  # type: ignore[type-arg]
    """Falls back to the respell-only table for a family the lexicon does not have."""

    def __missing__(self, key: object) -> _Table:
        return self[None]


def _compile(respell: Mapping[str, str], phonemes: Mapping[str, str]) -> _Table:
    entries: dict[str, tuple[str, bool]] = {k: (v, False) for k, v in respell.items()}
    entries.update({k: (v, True) for k, v in phonemes.items()})
    if not entries:
        return _Table(None, {}, {})
    folded = {k: v for k, v in entries.items() if k == k.lower()}
    # Longest first; for equal length an exact-case alternative comes first.
    keys = sorted(entries, key=lambda k: (-len(k), k in folded))
    alternatives = [f"(?i:{re.escape(k)})" if k in folded else re.escape(k) for k in keys]
    pattern = re.compile(
        r"(?<!\w)(?P<key>" + "|".join(alternatives) + r")(?P<poss>'[sS](?!\w))?(?!\w)"
    )
    return _Table(pattern, entries, folded)


def _possessive(phonemes: str) -> str:
    last = phonemes.rstrip()[-1:]
    if last in ("s", "z", "S", "Z"):
        return "I2z"
    if last in ("p", "t", "k", "f", "T"):
        return "s"
    return "z"


def apply_lexicon(text: str, lexicon: Lexicon | None, engine: str) -> str:
    """Replace lexicon words in (already normalized) speech ``text`` for ``engine``."""
    if not text or not lexicon:
        return text
    table = lexicon.table("espeak" if uses_espeak_phonemes(engine) else None)
    if table.pattern is None:
        return text

    def replace(m: re.Match[str]) -> str:
        word, poss = m.group("key"), m.group("poss") or ""
        hit = table.exact.get(word) or table.folded.get(word.lower())
        if hit is None:  # a case-insensitive match .lower() cannot map back (rare)
            return m.group(0)
        value, is_phonemes = hit
        if is_phonemes:
            # espeak-ng drops "[[...]]" glued to a preceding "(" or '"': add a space.
            space = " " if m.start() > 0 and not text[m.start() - 1].isspace() else ""
            return f"{space}[[{value}{_possessive(value) if poss else ''}]]"
        return value + poss

    return table.pattern.sub(replace, text)


def _err(path: Path, message: str) -> LexiconError:
    return LexiconError(f"{path}: {message}")


def _entries(path: Path, section: str, raw: object, *, phonemes: bool) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _err(path, f'[{section}] must be a table of "word" = "..." entries')
    out: dict[str, str] = {}
    for key, value in raw.items():
        where = f"[{section}] {key!r}"
        if isinstance(value, dict):
            raise _err(path, f"unknown section [{section}.{key}]")
        if not isinstance(value, str):
            raise _err(path, f"{where}: value must be a string, not {type(value).__name__}")
        word = normalize_for_speech(key)
        if not word:
            raise _err(path, f"{where}: key must contain a letter or digit")
        if phonemes:
            spoken = " ".join(value.split())
            if not spoken:
                raise _err(path, f"{where}: phonemes are empty")
            if "[" in spoken or "]" in spoken:
                raise _err(path, f"{where}: phonemes must not contain '[' or ']'")
        else:
            spoken = normalize_for_speech(value)
            if not spoken:
                raise _err(path, f"{where}: respelling must contain a letter or digit")
        out[word] = spoken
    return out


def load_lexicon(path: Path) -> Lexicon:
    """Read a TOML lexicon; raise ``LexiconError`` (one line naming the file) if invalid.

    Messages::

        <path>: lexicon file not found
        <path>: cannot read lexicon (<OS reason>)
        <path>: invalid TOML: <parser message>
        <path>: invalid TOML: not UTF-8 text
        <path>: unknown section [<name>] (expected [respell] or [phonemes.espeak])
        <path>: unknown section [phonemes.<name>]
        <path>: [<section>] must be a table of "word" = "..." entries
        <path>: [<section>] '<key>': value must be a string, not <type>
        <path>: [<section>] '<key>': key must contain a letter or digit
        <path>: [<section>] '<key>': respelling must contain a letter or digit
        <path>: [<section>] '<key>': phonemes are empty
        <path>: [<section>] '<key>': phonemes must not contain '[' or ']'
    """
    path = Path(path)
    try:
        raw = read_capped(path, LEXICON_MAX_BYTES)
    except TooLarge as exc:
        raise LexiconError(too_large_message(str(path), "lexicon", exc.limit)) from exc
    except FileNotFoundError as exc:
        raise _err(path, "lexicon file not found") from exc
    except OSError as exc:
        raise _err(path, f"cannot read lexicon ({exc.strerror or exc})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _err(path, "invalid TOML: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _err(path, f"invalid TOML: {' '.join(str(exc).split())}") from exc

    respell: dict[str, str] = {}
    phonemes: dict[str, dict[str, str]] = {}
    for section, body in data.items():
        if section == "respell":
            respell = _entries(path, "respell", body, phonemes=False)
        elif section == "phonemes":
            if not isinstance(body, dict):
                raise _err(path, "[phonemes] must hold tables such as [phonemes.espeak]")
            for family, entries in body.items():
                if family not in PHONEME_FAMILIES or not isinstance(entries, dict):
                    raise _err(path, f"unknown section [phonemes.{family}]")
                phonemes[family] = _entries(path, f"phonemes.{family}", entries, phonemes=True)
        else:
            raise _err(
                path, f"unknown section [{section}] (expected [respell] or [phonemes.espeak])"
            )
    counts = {family: len(entries) for family, entries in phonemes.items()}
    log.debug("%s: %d respellings, phonemes %s", path, len(respell), counts)
    return Lexicon(respell=respell, phonemes=phonemes, source=str(path))
