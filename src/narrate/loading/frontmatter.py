"""The header a post carries before its prose: found, parsed by a real parser, cut off.

Kinds, at the very start of the text (blank lines before the opening fence and a
byte-order mark are allowed):

* YAML between ``---`` lines (closed by ``---`` or ``...``), parsed by PyYAML's safe
  loader; blank lines inside or right after the opening fence are fine, and Ruby-style
  symbol keys (``:title: …``, as Middleman and old Jekyll write them) lose their colon.
* TOML between ``+++`` lines (Hugo, Zola), parsed by ``tomllib`` (``tomli`` before
  Python 3.11): dotted keys, arrays, tables and dates.
* JSON: a text that opens with ``{`` whose first JSON object (Hugo's JSON front
  matter) is the header; the JSON decoder itself says where it ends. Eleventy's
  ``---json`` / ``---yaml`` / ``---toml`` fences name their language.
* The MultiMarkdown / Pelican header: a first block of ``Key: value`` lines before
  the first blank line (a line indented under a key continues its value). It counts
  only when every line is such a line and at least one key is one narrate reads
  (see :data:`HEADER_KEYS`), so a first paragraph that merely starts "Note: …" stays
  prose.

What is never a header, so it stays text and every word of it is read:

* a fence that is never closed;
* a fenced block that is no set of keys and values (a scalar, JSON its parser
  refuses, nesting deeper than the parser's recursion) or that is longer than
  :data:`MAX_HEADER_CHARS`: a warning names the file and the reason.

A YAML or TOML block that its parser refuses as a whole but whose lines are keys and
values (``title: Amour: la fin``, Hugo's ``date = 2020-10-31T1:00:00``) is still the
header: it is read line by line (a line with the lines indented under it), each by the
parser, and a line the parser refuses keeps its value as written, for the field's own
parser to read or leave. A warning names the file and the parser's reason.

A header that is the whole file leaves no body: the reader then refuses the file as
``no readable text``, the one ``Error:`` line for a post with nothing to narrate.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import yaml

log = logging.getLogger(__name__)

#: A header longer than this is no header: real ones are a few kilobytes.
MAX_HEADER_CHARS = 64 * 1024

#: Keys that make a ``Key: value`` first block a Pelican/MultiMarkdown header.
HEADER_KEYS = frozenset(
    {"title", "date", "author", "authors", "summary", "description", "tags", "category"}
    | {"categories", "slug", "lang", "language", "status", "modified", "subtitle", "keywords"}
    | {"rating", "score", "stars", "grade", "image", "cover", "published", "excerpt"}
    | {"base header level", "css", "layout", "save as", "url", "template", "draft"}
)

_FENCES = {"---": "yaml", "+++": "toml"}
_NAMED_FENCE = re.compile(r"---(yaml|toml|json)[ \t]*\Z")
_PELICAN_LINE = re.compile(r"([A-Za-z][A-Za-z0-9 _-]{0,39}):(?:[ \t]+(.*)|[ \t]*)\Z")


@dataclass(frozen=True)
class Header:
    """A post's header: its kind, its fields (as the parser gave them) and the body."""

    kind: str  # "yaml", "toml", "json", "pelican" or "" (no header)
    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""  # the text after the header (the whole text when there is none)
    lines: int = 0  # how many lines of the text the header took (for line numbers)


class _NotAHeader(ValueError):
    """The block looked like a header but its parser refused it (the reason)."""

    def __init__(self, reason: str, *, salvage: bool = False) -> None:
        super().__init__(reason)
        self.salvage = salvage  # its lines may still be keys and values


def split_header(text: str, name: str = "") -> Header:
    """The header at the start of ``text`` and the body after it; never raises.

    ``name`` is the file name used in warnings. With no header (or one that does not
    parse), ``Header("", {}, text)``.
    """
    start = _skip_blank_lines(text)
    try:
        found = _fenced(text, start, name) or _json(text, start) or _pelican(text, start)
    except _NotAHeader as exc:
        log.warning("%s: %s; it is read as text", name or "input", exc)
        return Header("", {}, text)
    return found or Header("", {}, text)


def _skip_blank_lines(text: str) -> int:
    pos = 1 if text.startswith("\ufeff") else 0
    while True:
        end = text.find("\n", pos)
        if end < 0 or text[pos:end].strip():
            return pos
        pos = end + 1


def _line_at(text: str, pos: int) -> tuple[str, int]:
    """The line starting at ``pos`` (without its newline) and where the next one starts."""
    end = text.find("\n", pos)
    if end < 0:
        return text[pos:].rstrip("\r"), len(text)
    return text[pos:end].rstrip("\r"), end + 1


def _fenced(text: str, start: int, name: str = "") -> Header | None:
    first, pos = _line_at(text, start)
    fence = first.rstrip()
    named = _NAMED_FENCE.match(fence)
    if named:
        kind, closers = named.group(1), ("---",)
    elif fence in _FENCES:
        kind = _FENCES[fence]
        closers = (fence, "...") if fence == "---" else (fence,)
    else:
        return None
    body_start = pos
    while pos < len(text):
        line, after = _line_at(text, pos)
        if line.rstrip() in closers:
            raw = text[body_start:pos]
            if len(raw) > MAX_HEADER_CHARS:
                raise _NotAHeader(
                    f"the {fence} header is longer than {MAX_HEADER_CHARS:,} characters"
                )
            try:
                fields = _parse(kind, raw, fence, text.count("\n", 0, body_start))
            except _NotAHeader as exc:
                fields = _salvage(kind, raw) if exc.salvage else {}
                if not fields:
                    raise
                log.warning("%s: %s; its lines are read one by one", name or "input", exc)
            return Header(kind, fields, text[after:], text.count("\n", 0, after))
        pos = after
    return None  # never closed: not a header


def _parse(kind: str, raw: str, fence: str, offset: int) -> dict[str, Any]:
    """The mapping in ``raw`` (which starts on line ``offset + 1`` of the file)."""
    what = {"yaml": "YAML", "toml": "TOML", "json": "JSON"}[kind]
    try:
        if kind == "yaml":
            value = yaml.safe_load(raw) if raw.strip() else {}
        elif kind == "toml":
            value = tomllib.loads(raw)
        else:
            value = json.loads(raw)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 + offset if exc.problem_mark else None
        reason = f"{exc.problem} at line {line}" if line else str(exc.problem)
        raise _NotAHeader(f"the {fence} header is not valid {what} ({reason})",
                          salvage=kind != "json") from None  # fmt: skip
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise _NotAHeader(f"the {fence} header is not valid {what} ({reason[:200]})",
                          salvage=kind != "json") from None  # fmt: skip
    except RecursionError:
        raise _NotAHeader(f"the {fence} header is nested too deeply") from None
    if not isinstance(value, dict):
        raise _NotAHeader(f"the {fence} header is not a set of keys and values")
    return _plain_keys(value)


_KEY = re.compile(r":?[A-Za-z_][\w.-]{0,60}")
_TOML_TABLE = re.compile(r"\[\[?\s*([A-Za-z_][\w.-]*)\s*\]\]?\s*(?:#.*)?")


def _salvage(kind: str, raw: str) -> dict[str, Any]:
    """The keys and values of a header its parser refused as a whole, line by line."""
    fields: dict[str, Any] = {}
    table = fields
    chunks: list[str] = []
    for line in raw.split("\n"):
        if chunks and line[:1] in (" ", "\t") and kind == "yaml":
            chunks[-1] += "\n" + line  # indented under the key above
        else:
            chunks.append(line)
    for chunk in chunks:
        first = chunk.strip()
        if not first or first.startswith("#"):
            continue
        if kind == "toml" and (tab := _TOML_TABLE.fullmatch(first)):
            inner = fields.setdefault(tab.group(1), {})
            table = inner if isinstance(inner, dict) else {}
            continue
        try:
            value = yaml.safe_load(chunk) if kind == "yaml" else tomllib.loads(chunk)
        except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, RecursionError):
            value = None
        if isinstance(value, dict) and len(value) == 1:
            for key, val in _plain_keys(value).items():
                table.setdefault(key, val)
            continue
        key, found, rest = first.partition(":" if kind == "yaml" else "=")
        if found and _KEY.fullmatch(key.strip()):
            written = rest.strip()
            if len(written) >= 2 and written[0] == written[-1] and written[0] in "\"'":
                written = written[1:-1]
            table.setdefault(key.strip().lstrip(":"), written)
    return fields


def _plain_keys(fields: dict[Any, Any]) -> dict[str, Any]:
    """Keys as strings, Ruby symbol keys (``:title``) without their colon."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        name = str(key).strip()
        if name.startswith(":"):
            name = name[1:]
        out.setdefault(name, value)
    return out


def _json(text: str, start: int) -> Header | None:
    if not text.startswith("{", start):
        return None
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None  # a body that opens with a brace, not a JSON header
    except RecursionError:
        raise _NotAHeader("the JSON header is nested too deeply") from None
    if not isinstance(value, dict):
        return None
    if end - start > MAX_HEADER_CHARS:
        raise _NotAHeader(f"the JSON header is longer than {MAX_HEADER_CHARS:,} characters")
    rest, after = _line_at(text, end)
    if rest.strip():
        return None  # more on the header's last line: not a header
    return Header("json", _plain_keys(value), text[after:], text.count("\n", 0, after))


def _pelican(text: str, start: int) -> Header | None:
    fields: dict[str, Any] = {}
    key: str | None = None
    pos = start
    while pos < len(text):
        line, after = _line_at(text, pos)
        if not line.strip():
            break
        if key is not None and line[:1] in " \t":  # a continuation of the value
            fields[key] = f"{fields[key]} {line.strip()}".strip()
        else:
            match = _PELICAN_LINE.match(line)
            if match is None:
                return None
            key = match.group(1).strip().lower()
            if key in fields:
                return None  # "Note: a" then "Note: b" is prose, not a header
            fields[key] = (match.group(2) or "").strip()
        pos = after
        if pos - start > MAX_HEADER_CHARS:
            return None
    if not fields or not any(k in HEADER_KEYS for k in fields):
        return None
    return Header("pelican", fields, text[pos:], text.count("\n", 0, pos))
