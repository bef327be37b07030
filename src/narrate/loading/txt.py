"""Plain text: paragraphs separated by blank (or whitespace-only) lines."""

from __future__ import annotations

from .blocks import Block, clean_text, join_whitespace


def split_paragraphs(text: str) -> list[Block]:
    """Plain text: paragraphs are separated by blank (or whitespace-only) lines."""
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            joined = join_whitespace(" ".join(lines))
            if joined:
                blocks.append(Block(joined, lines=len(lines)))
            lines.clear()

    for line in clean_text(text).split("\n"):
        if line.strip():
            lines.append(line)
        else:
            flush()
    flush()
    return blocks
