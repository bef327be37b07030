"""Property: whatever header a post carries, none of it is spoken and no body word is lost."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.segment import load_document
from narrate.settings import Settings

# Header tokens and body words share no letter, so a header token cannot hide in speech.
HEADER_ALPHABET = "qxzjkvwy"
BODY_ALPHABET = "abcdefgh"
KEYS = ["title", "date", "author", "authors", "summary", "tags", "rating", "lang", "draft",
        "layout", "slug", "custom_key", "image"]  # fmt: skip

token = st.text(HEADER_ALPHABET, min_size=1, max_size=8)
phrase = st.lists(token, min_size=1, max_size=4).map(" ".join)
value = st.one_of(
    phrase,
    st.lists(phrase, min_size=1, max_size=3),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(1, 10),
)
header_fields = st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=6)
word = st.text(BODY_ALPHABET, min_size=2, max_size=7)
body = st.lists(st.lists(word, min_size=1, max_size=9), min_size=1, max_size=4)


def _yaml(fields: dict[str, object]) -> str:
    lines = []
    for key, val in fields.items():  # JSON scalars and lists are YAML flow values
        lines.append(f"{key}: {json.dumps(val)}")
    return "---\n" + "\n".join(lines) + "\n---\n"


def _toml(fields: dict[str, object]) -> str:
    return "+++\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in fields.items()) + "\n+++\n"


def _json(fields: dict[str, object]) -> str:
    return json.dumps(fields, indent=2) + "\n"


def _pelican(fields: dict[str, object]) -> str:
    fields = {"title": "qq", **fields}  # a key narrate reads makes it a header
    lines = []
    for key, val in fields.items():
        shown = ", ".join(map(str, val)) if isinstance(val, list) else str(val)
        lines.append(f"{key.capitalize()}: {shown}")
    return "\n".join(lines) + "\n\n"


KINDS = {"yaml": _yaml, "toml": _toml, "json": _json, "pelican": _pelican}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(kind=st.sampled_from(sorted(KINDS)), fields=header_fields, paragraphs=body,
       suffix=st.sampled_from([".md", ".txt", ".mdx"]))  # fmt: skip
def test_no_header_token_is_spoken_and_no_body_word_is_lost(
    tmp_path_factory: pytest.TempPathFactory, kind: str, fields: dict[str, object],
    paragraphs: list[list[str]], suffix: str,
) -> None:  # fmt: skip
    text = "\n\n".join(" ".join(p) + "." for p in paragraphs)
    post = tmp_path_factory.mktemp("post") / f"post{suffix}"
    post.write_text(KINDS[kind](fields) + text + "\n", encoding="utf-8")
    doc = load_document(post, Settings())
    spoken = [w for seg in doc.segments for s in seg.sentences
              for w in re.findall(r"\w+", s.speech)]  # fmt: skip
    shown = [w for seg in doc.segments for w in re.findall(r"\w+", seg.display)]
    expected = [w for p in paragraphs for w in p]
    assert shown == expected
    assert spoken == expected
    assert not any(ch in HEADER_ALPHABET for w in spoken for ch in w)
