"""``narrate plan --speech`` and ``--json``: exactly what each engine call will get."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)
POST = (
    "---\n"
    'title: "Parasite &amp; Co"\n'
    "date: 2019-10-11T20:00:00+09:00\n"
    "author: [Ann Lee, Bo Chen]\n"
    "summary: A film about two families.\n"
    "rating: 4/5\n"
    "lang: en\n"
    "cover: cover.png\n"
    "tags: [thriller, comedy]\n"
    "---\n\n"
    "# Parasite & Co\n\n"
    "The film opens well. It is sharp and funny.\n\n"
    "## Cast\n\n"
    "- Song Kang-ho\n"
    "- Cho Yeo-jeong\n\n"
    "A closing line.\n"
)


def _plan(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    post = tmp_path / "parasite.md"
    post.write_text(POST, encoding="utf-8")
    (tmp_path / "cover.png").write_bytes(PNG)
    return subprocess.run([sys.executable, "-m", "narrate", "plan", str(post), *args],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_plan_speech_prints_every_engine_call(tmp_path: Path) -> None:
    run = _plan(tmp_path, "--speech", "--intro", "{title}, by {author}.")
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        "== 1. Introduction ==\n"
        "Parasite & Co, by Ann Lee, Bo Chen.\n"
        "\n"
        "== 2. The film opens well. It is… ==\n"
        "The film opens well.\n"
        "It is sharp and funny.\n"
        "\n"
        "== 3. Cast ==\n"
        "Cast\n"
        "Song Kang-ho.\n"
        "Cho Yeo-jeong.\n"
        "\n"
        "== 4. A closing line. ==\n"
        "A closing line.\n"
    )
    for token in ("---", "title", "2019", "4/5", "thriller", "cover", "&amp;"):
        assert token not in run.stdout.replace("Introduction", "")


def test_plan_json_has_the_speech_and_the_metadata(tmp_path: Path) -> None:
    run = _plan(tmp_path, "--json")
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["title"] == "Parasite & Co"
    assert plan["metadata"] == {
        "title": "Parasite & Co",
        "date": "2019-10-11T20:00:00+09:00",
        "author": "Ann Lee, Bo Chen",
        "description": "A film about two families.",
        "cover": str(tmp_path / "cover.png"),
        "language": "en",
        "rating": "4/5",
        "draft": False,
        "link": None,
        "chosen": {"language": "en", "voice": None},
    }
    assert [(s["title"], s["speech"]) for s in plan["segments"]] == [
        ("The film opens well. It is…", ["The film opens well.", "It is sharp and funny."]),
        ("Cast", ["Cast", "Song Kang-ho.", "Cho Yeo-jeong."]),
        ("A closing line.", ["A closing line."]),
    ]
    assert [s["chars"] for s in plan["segments"]] == [
        sum(len(x) for x in s["speech"]) for s in plan["segments"]]  # fmt: skip


def test_plan_speech_of_a_plain_text_review(tmp_path: Path) -> None:
    post = tmp_path / "r.txt"
    post.write_text("A Title Line\n\nOne. Two.\n\nThree.\n")
    run = subprocess.run([sys.executable, "-m", "narrate", "plan", str(post), "--speech"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert (run.returncode, run.stdout) == (0, "== 1. One. Two. ==\nOne.\nTwo.\n\n"
                                               "== 2. Three. ==\nThree.\n")  # fmt: skip
