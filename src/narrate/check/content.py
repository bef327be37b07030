"""The content check: does each chapter speak its own paragraph?

Each chapter's audio is transcribed offline by pocketsphinx (the ``narrate[verify]``
extra; its wheel ships the US English model) with a language model built from the
review itself, all paragraphs alike, so no paragraph is favoured. Then the word
recall of the transcript against every paragraph is compared: a chapter passes
when its own paragraph scores clearly above every other one, fails when another
paragraph clearly fits better (swapped or duplicated) or nothing was said (missing),
and is "inconclusive" in between: never a pass it has not earned.
"""

from __future__ import annotations

import functools
import logging
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..encode import ffmpeg_path
from ..errors import DependencyError, InputError
from .model import FAIL, INCONCLUSIVE, PASS, Finding

VERIFY_HINT = "the content check needs pocketsphinx: pip install 'narrate-reviews[verify]'"
RATE = 16000  # what the acoustic model was trained on
MIN_RECALL = 0.35  # of a paragraph's words, for the transcript to be that paragraph's
MIN_MARGIN = 0.15  # between the best paragraph and the next
LONG_AUDIO = 1800.0  # seconds: past this, say that transcribing takes a while
log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def verify_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


def require_verify() -> None:
    if not verify_available():
        raise DependencyError(VERIFY_HINT)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


@dataclass(frozen=True)
class Scores:
    """Chapter ``i`` of the MP3 against every paragraph of the text."""

    transcripts: tuple[str, ...]
    recall: tuple[tuple[float, ...], ...]  # recall[i][j]: chapter i vs paragraph j
    expected_words: tuple[int, ...]  # per paragraph, the words the recognizer knows


class Recognizer:
    """pocketsphinx with a language model of one text's words and word sequences."""

    def __init__(self, paragraphs: tuple[str, ...]) -> None:
        from pocketsphinx import Decoder
        from pocketsphinx.lm import ArpaBoLM

        self.decoder = Decoder(samprate=RATE, lm=None, loglevel="FATAL")
        known = {w for p in paragraphs for w in words(p) if self.decoder.lookup_word(w)}
        self.known = frozenset(known)
        sentences = [
            " ".join(w for w in words(s) if w in known)
            for p in paragraphs
            for s in re.split(r"[.!?;:]+", p)
        ]
        corpus = "\n".join(s for s in sentences if s)
        if not corpus:
            raise InputError("the text holds no English words the recognizer knows")
        lm = ArpaBoLM(text=corpus, add_start=True)
        lm.compute()
        with tempfile.NamedTemporaryFile("w", suffix=".arpa", encoding="utf-8") as fh:
            lm.write(fh)
            fh.flush()
            self.decoder.add_lm_file("review", fh.name)
        self.decoder.activate_search("review")

    def transcribe(self, pcm: bytes) -> str:
        d = self.decoder
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        return hyp.hypstr if hyp is not None else ""


@functools.lru_cache(maxsize=4)
def recognizer(paragraphs: tuple[str, ...]) -> Recognizer:
    return Recognizer(paragraphs)  # an n-gram model: the order of the paragraphs is moot


def chapter_pcm(mp3: Path, start: float, end: float) -> bytes:
    cmd = [ffmpeg_path(), "-v", "error", "-nostdin", "-ss", f"{start:.3f}", "-to", f"{end:.3f}",
           "-i", str(mp3), "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True)
    if out.returncode != 0:
        raise InputError(f"{mp3}: cannot decode {start:.3f}-{end:.3f} s")
    return out.stdout


def score(mp3: Path, spans: list[tuple[float, float]], paragraphs: tuple[str, ...]) -> Scores:
    rec = recognizer(tuple(sorted(paragraphs)))
    wanted = [Counter(w for w in words(p) if w in rec.known) for p in paragraphs]
    transcripts, rows = [], []
    for start, end in spans:
        heard = Counter(words(rec.transcribe(chapter_pcm(mp3, start, end))))
        transcripts.append(" ".join(heard.elements()))
        rows.append(tuple(sum((w & heard).values()) / max(1, sum(w.values())) for w in wanted))
    return Scores(tuple(transcripts), tuple(rows), tuple(sum(w.values()) for w in wanted))


def judge(scores: Scores) -> list[tuple[str, str, str]]:
    """Per chapter (status, value, detail), from the recall matrix alone."""
    n = len(scores.recall)
    best = [max(range(len(r)), key=r.__getitem__) for r in scores.recall]
    out = []
    for i, row in enumerate(scores.recall):
        own = row[i] if i < len(row) else 0.0
        others = [(r, j) for j, r in enumerate(row) if j != i]
        other, j = max(others) if others else (0.0, -1)
        value = f"recall {own:.2f}, best other {other:.2f}" + (f" (paragraph {j + 1})"
                                                                 if j >= 0 else "")  # fmt: skip
        heard = len(scores.transcripts[i].split())
        expected = scores.expected_words[i] if i < len(scores.expected_words) else 0
        if own >= MIN_RECALL and own - other >= MIN_MARGIN:
            out.append((PASS, value, ""))
        elif other >= MIN_RECALL and other - own >= MIN_MARGIN:
            if j < n and best[j] == i:
                why = f"chapters {i + 1} and {j + 1} are swapped"
            elif j < n and best[j] == j:
                why = f"speaks paragraph {j + 1}'s words, a duplicate of chapter {j + 1}"
            else:
                why = f"speaks paragraph {j + 1}'s words, not its own"
            out.append((FAIL, value, why))
        elif heard < 0.25 * expected or (own < 0.1 and other < 0.1):
            out.append((FAIL, value, f"paragraph {i + 1}'s words are missing "
                                     f"({heard} words heard of {expected})"))  # fmt: skip
        else:
            out.append((INCONCLUSIVE, value, "no clear separation from the other paragraphs"))
    return out


def paragraphs_of(mp3: Path, text: Path | None) -> tuple[str, ...]:
    """The paragraphs the chapters should speak: the MP3's own lyrics, or ``text``'s.

    With ``text``, each paragraph is its speech, the words narrate sends the engine
    (narrate.ear says "★★★½" as "three and a half stars" and "$63M" as "sixty-three
    million dollars"), so the check hears exactly those. Narrate's spoken intro and outro
    (their own chapters, titled as narrate.segment.intro titles them, beyond the text's
    paragraphs) are taken from the lyrics.
    """
    from ..tags import read_tags

    tags = read_tags(mp3)
    lyrics = tuple(p.strip() for p in (tags.lyrics or "").split("\n\n") if p.strip())
    if text is None:
        return lyrics
    from ..segment import load_document
    from ..segment.intro import INTRO_TITLE, OUTRO_TITLE
    from ..settings import Settings

    own = tuple(s.speech for s in load_document(text, Settings()).segments)
    titles = [c.title for c in tags.chapters]
    intro = outro = ()
    if lyrics and len(titles) > len(own) and titles[0] == INTRO_TITLE:
        intro = lyrics[:1]
    if lyrics and len(titles) > len(own) + len(intro) and titles[-1] == OUTRO_TITLE:
        outro = lyrics[-1:]
    return intro + own + outro


def content_findings(mp3: Path, text: Path | None) -> tuple[Finding, ...]:
    """One finding per chapter, plus one when the counts of chapters and paragraphs differ."""
    require_verify()
    from ..tags import read_tags

    paragraphs = paragraphs_of(mp3, text)
    chapters = read_tags(mp3).chapters
    findings: list[Finding] = []
    if not paragraphs or not chapters:
        what = "no text to compare with" if not paragraphs else "no chapters to compare"
        return (Finding("content", what, "each chapter speaks its paragraph", INCONCLUSIVE),)
    if len(chapters) != len(paragraphs):
        findings.append(Finding("content: chapters", f"{len(chapters)} chapters",
                                f"{len(paragraphs)} paragraphs", FAIL,
                                "a chapter is missing" if len(chapters) < len(paragraphs)
                                else "there are chapters beyond the text"))  # fmt: skip
    audio = chapters[-1].end - chapters[0].start
    if audio > LONG_AUDIO:
        log.warning("%s: the content check transcribes %d chapters, %.1f h of audio: this "
                    "takes a while (--no-content skips it)", mp3, len(chapters), audio / 3600)
    scores = score(mp3, [(c.start, c.end) for c in chapters], paragraphs)
    for i, (status, value, detail) in enumerate(judge(scores)):
        findings.append(Finding(f"content: chapter {i + 1}", value,
                                f">= {MIN_RECALL:g}, +{MIN_MARGIN:g} over others", status,
                                detail))  # fmt: skip
    return tuple(findings)


def scores_as_dict(scores: Scores) -> dict[str, Any]:
    return {"recall": [list(r) for r in scores.recall], "transcripts": list(scores.transcripts)}
