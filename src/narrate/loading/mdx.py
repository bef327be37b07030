"""MDX: Markdown with ES module lines and JSX components, which are not prose.

Before the Markdown reader sees an ``.mdx`` body, outside fenced code:

* ``import``/``export`` statements at the start of a line are dropped up to the next
  blank line (MDX's own rule for where ESM ends);
* JSX component tags (``<YouTube id="x" />``, ``<Callout type="tip">``,
  ``</Callout>``: a capitalised or dotted name) are dropped, attributes and all, even
  across lines; the Markdown between an opening and a closing tag is prose and read;
* a block that is only a JSX expression (``{/* a comment */}``) is dropped.

Lower-case tags are HTML to the Markdown reader, which reads them as such.
"""

from __future__ import annotations

import re

from .blocks import PROSE_ONLY, Block, ReadOptions, clean_text
from .markdown import markdown_blocks

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_ESM = re.compile(r"(?:import|export)\b")
_TAG_START = re.compile(r"</?[A-Z][\w.:-]*|</?[a-z][\w-]*\.[\w.]*|<>|</>")


def strip_mdx(text: str) -> str:
    """``text`` without its ESM lines and JSX component tags (code fences untouched)."""
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    in_esm = False
    for line in clean_text(text).split("\n"):
        marker = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            out.append(_without_jsx("\n".join(prose)))
            prose = []
            fence = marker.group(1)
            out.append(line)
            continue
        if in_esm or (not line[:1].isspace() and _ESM.match(line)):
            in_esm = bool(line.strip())
            prose.append("")
            continue
        prose.append(line)
    out.append(_without_jsx("\n".join(prose)))
    return "\n".join(out)


def _without_jsx(text: str) -> str:
    """``text`` with every JSX component tag and block-level ``{…}`` expression removed."""
    parts: list[str] = []
    pos = 0
    while True:
        match = _TAG_START.search(text, pos)
        if match is None:
            break
        end = _tag_end(text, match.end())
        if end is None:
            break  # an unclosed tag: leave the rest as it is
        parts.append(text[pos : match.start()])
        # Keep the line count (blank lines still end paragraphs).
        parts.append("\n" * text.count("\n", match.start(), end))
        pos = end
    parts.append(text[pos:])
    lines = []
    for line in "".join(parts).split("\n"):
        bare = line.strip()
        lines.append("" if bare.startswith("{") and bare.endswith("}") else line)
    return "\n".join(lines)


def _tag_end(text: str, pos: int) -> int | None:
    """Where the tag whose name ends at ``pos`` ends (after its ``>``), quotes and braces
    in its attributes skipped; None when it never closes."""
    depth = 0
    quote: str | None = None
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == ">" and depth == 0:
            return pos + 1
        pos += 1
    return None


def mdx_blocks(
    text: str, options: ReadOptions = PROSE_ONLY, title: str | None = None
) -> tuple[str | None, list[Block]]:
    """An ``.mdx`` body: :func:`strip_mdx`, then the Markdown reader."""
    return markdown_blocks(strip_mdx(text), options, title)
