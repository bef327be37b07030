#!/usr/bin/env python3
"""Measure narrate on a folder of real review posts: what is refused, spoken wrong, mis-tagged.

Usage (the venv's python, which has mutagen)::

    python scripts/measure_posts.py CORPUS --src /path/to/narrate/src [--json out.json]
        [--engine pyttsx3] [--only SUBSTRING] [--cache-dir DIR]

CORPUS holds ``expected.toml`` (the hand-checked truth, one ``[[post]]`` table per post:
``path`` under ``CORPUS/posts``, ``title``, ``date`` (ISO day), ``author`` when the post or
its site names one, ``language`` (ISO 639-1), ``kind``, ``repo`` and ``source``) and the
posts under ``CORPUS/posts/<blog>/...``. Nothing of CORPUS belongs in this repository.

Each post is run in subprocesses with ``PYTHONPATH=<src>``, so one script measures the old
code and the new: ``python -m narrate read POST -o TMP.mp3 --profile draft --json`` for
real, and a small helper that calls ``narrate.segment.load_document(path, Settings())``
for the exact text each engine call gets. The MP3's tags are read with mutagen. A post
falls in any of these classes: **refused** (non-zero exit), **wrong language** (the ID3
language or the voice is not the post's language), **markup spoken** (the speech holds
markup: see ``markup_hits``), **metadata missing** (title, date or author differs from
the truth), else **clean**.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CLASSES = ("clean", "refused", "wrong language", "markup spoken", "metadata missing")

# Runs under the measured code's PYTHONPATH: the speech as load_document gives it.
SPEECH_HELPER = r"""
import json, sys
from pathlib import Path
from narrate.settings import Settings
from narrate.segment import load_document
try:
    doc = load_document(Path(sys.argv[1]), Settings())
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    raise SystemExit(0)
print(json.dumps({
    "title": doc.title,
    "language": getattr(doc, "language", None),
    "segments": [
        {"title": s.title, "kind": s.kind, "speech": [x.speech for x in s.sentences]}
        for s in doc.segments
    ],
}, ensure_ascii=False))
"""

_HTML_TAGS = (  # the element names that are markup when spoken ("<emoji>" is not one)
    "a|abbr|article|aside|audio|b|blockquote|br|button|caption|center|cite|code|col|dd|del"
    "|details|div|dl|dt|em|embed|figcaption|figure|font|footer|form|h[1-6]|header"
    "|hr|i|iframe|img|input|ins|kbd|label|li|link|main|mark|meta|nav|noscript|object|ol|p"
    "|picture|pre|q|s|script|section|small|source|span|strong|style|sub|summary|sup|svg"
    "|table|tbody|td|th|thead|time|tr|u|ul|video|wbr"
)
# WordPress-style [name]…[/name] shortcodes that blogs carry over (named, to spare "[sic]").
_BRACKET_CODES = "expand|caption|gallery|embed|audio|video|spoiler|toggle|more|youtube|tweet"
_TLDS = "com|org|net|io|de|fr|es|cn|co|uk|info|me|dev|app|tv|edu|gov|ly|be|at|ch|it|nl"

# (name, pattern) for markup that must never reach the engine. Checked per sentence.
DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("shortcode/liquid", r"\{\{|\}\}|\{%|%\}"),
        ("kramdown attributes", r"\{:"),
        ("footnote marker", r"\[\^"),
        ("link syntax", r"\]\("),
        ("wikilink", r"\[\[|\]\]"),
        ("image syntax", r"!\["),
        ("html tag", r"</?(?:" + _HTML_TAGS + r")(?=[\s>/])"),
        ("entity", r"&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,7});"),
        ("url", r"https?:|\bwww\."),
        ("bare domain", r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:" + _TLDS + r")\b(?!\.\w)"),
        ("fence", r"\+\+\+|---"),
        ("table pipe", r"\|"),
        ("backtick", r"`"),
        ("emphasis marker", r"\*|(?:^|[\s(\"'])_+\S|\S_+(?=[\s).,;:!?\"']|$)"),
        ("hashtag", r"(?:^|\s)#[^\s#]+"),
        ("bracket shortcode", r"\[/[a-z_-]+\]|\[(?:" + _BRACKET_CODES + r")\b[^\]]*\]"),
        ("latex", r"\\[()\[\]]|\\[a-zA-Z]+\{|_\{"),
    )
)

_HEADER_LINE = re.compile(r"^\s*:?([A-Za-z][\w-]*):?\s*[:=]\s*(.+?)\s*$")
# A footnote definition and its text: on the marker's line, or indented on the next one.
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:[ \t]*\n?[ \t]*(\S.*)$", re.M)
_LANG3 = {
    "en": {"eng"},
    "fr": {"fra", "fre"},
    "de": {"deu", "ger"},
    "es": {"spa"},
    "zh": {"zho", "chi", "cmn"},
    "it": {"ita"},
    "pt": {"por"},
    "nl": {"nld", "dut"},
    "ja": {"jpn"},
    "ru": {"rus"},
    "fa": {"fas", "per"},
}


def header_lines(source: str) -> list[tuple[str, str]]:
    """The ``(key, value)`` pairs of a post's metadata header: YAML ``---``, TOML ``+++``,
    or a Pelican/MultiMarkdown block of ``Key: value`` lines before the first blank line."""
    lines = source.lstrip("\ufeff").lstrip("\r\n").splitlines()
    if not lines:
        return []
    if lines[0].strip() in ("---", "+++"):
        fence = lines[0].strip()
        body: list[str] = []
        for line in lines[1:]:
            if line.strip() in (fence, "..."):
                break
            body.append(line)
    else:
        body = []
        for line in lines:
            if not line.strip():
                break
            body.append(line)
        if len(body) < 2 or not all(re.match(r"^[A-Za-z][\w -]*:\s", b) for b in body):
            return []
    pairs = []
    for line in body:
        match = _HEADER_LINE.match(line)
        if match and match.group(2).strip("'\"[]{}|>- "):
            pairs.append((match.group(1), match.group(2).strip("'\" ")))
    return pairs


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def markup_hits(segments: list[dict], source: str = "") -> list[dict[str, str]]:
    """Every piece of markup in the speech: ``{"kind", "chapter", "snippet"}``.

    ``segments`` are ``{"title", "speech": [sentence, ...]}`` as the helper dumps them;
    ``source`` is the post as written, used to spot its header and footnote definitions.
    """
    hits: list[dict[str, str]] = []
    for seg in segments:
        for sentence in seg["speech"]:
            for kind, pattern in DETECTORS:
                for match in pattern.finditer(sentence):
                    start = max(0, match.start() - 30)
                    snippet = sentence[start : match.end() + 30]
                    hits.append({"kind": kind, "chapter": seg["title"], "snippet": snippet})
                    break
    spoken = _squash(" ".join(" ".join(seg["speech"]) for seg in segments))
    for key, value in header_lines(source):
        first = re.escape(value.split()[0][:20])
        pattern = rf"(?i)\b{re.escape(key)}\s*[:=]\s*['\"]?{first}"
        match = re.search(pattern, spoken)
        if match:
            snippet = spoken[match.start() : match.end() + 40]
            hits.append({"kind": "header line", "chapter": "", "snippet": snippet})
    if "[[" in source:  # wikilinks that lost one pair of brackets: "[Danny Boyle|Boyle]"
        match = re.search(r"\[[^\[\]]+\]", spoken)
        if match:
            snippet = spoken[max(0, match.start() - 30) : match.end() + 30]
            hits.append({"kind": "wikilink", "chapter": "", "snippet": snippet})
    hits.extend(_footnote_chapters(segments, source))
    return hits


def _words(text: str, n: int = 5) -> str:
    return " ".join(re.findall(r"\w+", text.casefold())[:n])


def _footnote_chapters(segments: list[dict], source: str) -> list[dict[str, str]]:
    """A footnote definition that became a chapter of its own with prose after it."""
    openings = [_words(d) for d in _FOOTNOTE_DEF.findall(source)]
    openings = [o for o in openings if len(o.split()) >= 2]
    starts = [_words(re.sub(r"\[\^[^\]]*\]:?", " ", " ".join(seg["speech"]))) for seg in segments]
    is_note = [any(s and s.startswith(o) for o in openings) for s in starts]
    hits = []
    for i, note in enumerate(is_note):
        if note and not all(is_note[i:]):
            hits.append(
                {
                    "kind": "footnote chapter mid-text",
                    "chapter": segments[i]["title"],
                    "snippet": " ".join(segments[i]["speech"])[:70],
                }
            )
    return hits


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(str.maketrans("‘’‚‛“”„‟–—‑", "''''\"\"\"\"---"))
    return _squash(text).casefold()


@dataclass
class Outcome:
    """What one run of narrate on one post gave."""

    exit_code: int
    error: str = ""
    tags: dict[str, str] = field(default_factory=dict)  # title, date, artist, language, voice
    segments: list[dict] = field(default_factory=list)
    speech_error: str = ""
    # Whether `narrate plan --json` lists the same speech (None: that code has no such list).
    plan_matches: bool | None = None
    chapters: int = 0
    duration: float = 0.0


def language_of_voice(voice: str) -> str | None:
    """The ISO 639-1 language an engine voice id names ("roa/fr" -> "fr"), if any."""
    if not voice or voice.casefold() in ("default", "none"):
        return None
    tail = re.split(r"[/\\]", voice)[-1]
    code = re.split(r"[-_.+ ]", tail)[0].casefold()
    code = {"cmn": "zh", "yue": "zh", "zho": "zh", "eng": "en", "fra": "fr", "deu": "de"}.get(
        code, code
    )
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def classify(expected: dict, outcome: Outcome, source: str = "") -> dict:
    """The classes of one post and why: ``{"classes": [...], "markup": [...], ...}``."""
    classes: list[str] = []
    details: dict = {"metadata": {}, "markup": [], "language": {}}
    if outcome.exit_code != 0:
        classes.append("refused")
    else:
        want = expected["language"]
        tlan = outcome.tags.get("language", "")
        voice = outcome.tags.get("voice", "")
        voice_lang = language_of_voice(voice)
        ok = tlan.casefold() in _LANG3.get(want, {want}) and voice_lang in (None, want)
        details["language"] = {"expected": want, "tlan": tlan, "voice": voice}
        if not ok:
            classes.append("wrong language")
    hits = markup_hits(outcome.segments, source)
    details["markup"] = hits
    if hits:
        classes.append("markup spoken")
    if outcome.exit_code == 0:
        checks = {
            "title": (_norm(expected.get("title")), _norm(outcome.tags.get("title"))),
            "date": (str(expected.get("date", ""))[:10], outcome.tags.get("date", "")[:10]),
        }
        # An author the post does not name must not be made up either (TPE1 stays empty).
        checks["author"] = (_norm(expected.get("author")), _norm(outcome.tags.get("artist")))
        if not expected.get("date"):
            del checks["date"]
        for key, (want, got) in checks.items():
            if want != got:
                details["metadata"][key] = {
                    "expected": expected.get(key),
                    "got": outcome.tags.get({"author": "artist"}.get(key, key), ""),
                }
        if "author" in details["metadata"]:
            details["metadata"]["author"]["from"] = expected.get("author_from", "post")
        if details["metadata"]:
            classes.append("metadata missing")
    details["classes"] = classes or ["clean"]
    return details


def missing_post_metadata(result: dict) -> bool:
    """Metadata missing when an author named only by the site config is not asked for."""
    return any(
        key != "author" or diff.get("from") != "site" for key, diff in result["metadata"].items()
    )


def read_tags(path: Path) -> tuple[dict[str, str], int]:
    from mutagen.id3 import ID3

    id3 = ID3(path)

    def text(key: str) -> str:
        frame = id3.get(key)
        return str(frame.text[0]) if frame is not None and frame.text else ""

    tags = {
        "title": text("TIT2"),
        "date": text("TDRC"),
        "artist": text("TPE1"),
        "language": text("TLAN"),
        "voice": text("TXXX:NARRATE_VOICE"),
        # Not a class: whether a cover was embedded, for the posts whose cover is local.
        "cover": "yes" if id3.getall("APIC") else "",
    }
    return tags, len(id3.getall("CHAP"))


def plan_speech(post: Path, env: dict[str, str], work: Path) -> list[str] | None:
    """The sentences ``narrate plan --json`` says the engine gets; None if it does not say."""
    cmd = [sys.executable, "-m", "narrate", "plan", str(post), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=work)
    try:
        segments = json.loads(proc.stdout)["segments"]
        return [sentence for seg in segments for sentence in seg["speech"]]
    except (ValueError, KeyError, TypeError):
        return None


def run_post(post: Path, src: Path, engine: str, work: Path, cache: Path) -> Outcome:
    env = dict(os.environ, PYTHONPATH=str(src), NARRATE_CACHE_DIR=str(cache))
    speech = subprocess.run(
        [sys.executable, "-c", SPEECH_HELPER, str(post)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=work,
    )
    try:
        dumped = json.loads(speech.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        dumped = {"error": (speech.stderr.strip().splitlines() or ["no output"])[-1]}
    out = work / "out.mp3"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "narrate",
        "read",
        str(post),
        "-o",
        str(out),
        "--profile",
        "draft",
        "--json",
        "--engine",
        engine,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, cwd=work)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    outcome = Outcome(
        exit_code=proc.returncode,
        error=errors[-1] if errors else (proc.stderr.strip().splitlines() or [""])[-1],
        segments=dumped.get("segments", []),
        speech_error=dumped.get("error", ""),
    )
    planned = plan_speech(post, env, work)
    if planned is not None and not outcome.speech_error:
        outcome.plan_matches = planned == [x for seg in outcome.segments for x in seg["speech"]]
    if proc.returncode == 0:
        outcome.error = ""
        outcome.tags, outcome.chapters = read_tags(out)
        with contextlib.suppress(ValueError, KeyError, TypeError):
            outcome.duration = float(json.loads(proc.stdout)["duration"])
    return outcome


def load_expected(corpus: Path) -> list[dict]:
    with open(corpus / "expected.toml", "rb") as fh:
        return tomllib.load(fh)["post"]


def summarize(results: list[dict]) -> dict[str, int]:
    counts = Counter(c for r in results for c in r["classes"])
    return {name: counts.get(name, 0) for name in CLASSES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--src", type=Path, required=True, help="narrate's src folder")
    parser.add_argument("--json", type=Path, help="write the details here")
    parser.add_argument("--engine", default="pyttsx3")
    parser.add_argument("--only", default="", help="only posts whose path contains this")
    parser.add_argument("--cache-dir", type=Path, help="clip cache (default: a temp dir)")
    args = parser.parse_args(argv)
    posts = [p for p in load_expected(args.corpus) if args.only in p["path"]]
    commit = subprocess.run(  # the code measured, read before the run: main moves on
        ["git", "-C", str(args.src), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    results = []
    with tempfile.TemporaryDirectory(prefix="measure-posts-") as tmp:
        work = Path(tmp)
        cache = args.cache_dir or work / "cache"
        for i, expected in enumerate(posts, 1):
            path = args.corpus / "posts" / expected["path"]
            source = path.read_text(encoding="utf-8", errors="replace")
            outcome = run_post(path.resolve(), args.src.resolve(), args.engine, work, cache)
            details = classify(expected, outcome, source)
            results.append(
                {
                    "path": expected["path"],
                    "kind": expected.get("kind", ""),
                    "language": expected["language"],
                    **details,
                    "outcome": asdict(outcome),
                }
            )
            kinds = sorted({h["kind"] for h in details["markup"]})
            print(
                f"[{i}/{len(posts)}] {', '.join(details['classes']):<40} {expected['path']}"
                + (f"\n      error: {outcome.error}" if outcome.exit_code else "")
                + (f"\n      markup: {', '.join(kinds)}" if kinds else "")
                + "".join(
                    f"\n      {k}: expected {v['expected']!r}, got {v['got']!r}"
                    for k, v in details["metadata"].items()
                ),
                flush=True,
            )
    counts = summarize(results)
    print(f"\n{'class':<20} posts (of {len(results)})")
    for name, n in counts.items():
        print(f"{name:<20} {n}")
    post_only = sum(missing_post_metadata(r) for r in results)
    print(f"(metadata missing, not counting authors named only by the site config: {post_only})")
    planned = [r["outcome"]["plan_matches"] for r in results]
    if any(p is not None for p in planned):
        print(
            f"(narrate plan --json speech = load_document speech: {planned.count(True)} posts, "
            f"differs: {planned.count(False)})"
        )
    if args.json:
        report = {
            "src": str(args.src),
            "commit": commit,
            "engine": args.engine,
            "counts": counts,
            "metadata_missing_post_only": post_only,
            "posts": results,
        }
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
