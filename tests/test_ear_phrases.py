"""The phrase table (tests/data/ear_phrases.tsv): each phrase and its exact spoken text."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from narrate.ear import for_the_ear

TABLE = Path(__file__).parent / "data" / "ear_phrases.tsv"
FLAGS = ("first", "last", "heading", "bold", "rating")


def _rows() -> list[tuple[str, str | None, str, str, str]]:
    rows = []
    with TABLE.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row or row[0].startswith("#"):
                continue
            kind, language, context, text, spoken = row
            rows.append((kind, None if language == "-" else language, context, text, spoken))
    return rows


ROWS = _rows()


@pytest.mark.parametrize(
    ("kind", "language", "context", "text", "spoken"),
    ROWS,
    ids=[f"{r[0]}-{r[1]}-{r[3][:30]}" for r in ROWS],
)
def test_phrase_is_said_as_a_critic_says_it(
    kind: str, language: str | None, context: str, text: str, spoken: str
) -> None:
    flags = set(context.split(",")) - {"-"}
    kw = {flag: True for flag in FLAGS if flag in flags}
    links = "skip" if "skip" in flags else "say"
    assert for_the_ear(text, language, links=links, **kw) == spoken


def test_the_table_has_every_class_in_the_numbers_asked() -> None:
    counts = Counter(r[0] for r in ROWS)
    assert counts["rating"] >= 60
    assert counts["lookalike"] >= 40
    assert {r[1] for r in ROWS if r[0] == "rating"} >= {None, "en", "fr", "de", "es"}
    # Look-alikes stay exactly as written.
    assert all(r[3] == r[4] for r in ROWS if r[0] == "lookalike")
