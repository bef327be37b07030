"""``narrate check`` on good files and on files broken in one way each: the problem
must be named. Broken files are made with ffmpeg and mutagen from a good one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3

from conftest import TONE_REVIEW
from narrate.check import FAIL, INCONCLUSIVE, PASS, audit
from narrate.cli import cli
from narrate.clips import ClipStore
from narrate.pipeline import narrate
from narrate.profiles import apply_profile, get_profile
from narrate.segment import load_document
from narrate.settings import Settings, VoiceSettings

SAMPLE = resources.files("narrate") / "data" / "pain-and-glory.txt"
PODCAST = get_profile("podcast")


def _status(report, check: str) -> str:
    return next(f.status for f in report.findings if f.check == check)


def _detail(report, check: str) -> str:
    return next(f.detail for f in report.findings if f.check == check)


def _failed(report) -> set[str]:
    return {f.check for f in report.findings if f.status == FAIL}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short review, tone engine, podcast profile: meets every podcast number."""
    folder = tmp_path_factory.mktemp("check")
    base = Settings(voice=VoiceSettings(engine="tone"))
    review = folder / "review.txt"
    review.write_text(TONE_REVIEW, encoding="utf-8")
    doc = load_document(review, base)
    result = narrate(doc, folder / "good.mp3", apply_profile(base, "podcast"),
                     store=ClipStore(folder / "cache"))  # fmt: skip
    return result.output


def _remake(good: Path, out: Path, *ffmpeg_args: str, tags: bool = True) -> Path:
    """Re-encode ``good`` with ``ffmpeg_args`` (after its podcast defaults), then copy its tag."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(good), "-map_metadata", "-1",
         "-map_chapters", "-1", "-c:a", "libmp3lame", "-b:a", "96k", "-ar", "44100", "-ac", "1",
         *ffmpeg_args, str(out)],
        check=True,
    )  # fmt: skip
    if tags:
        ID3(good).save(out)
    return out


def test_a_good_file_passes(good: Path) -> None:
    report = audit(good, PODCAST)
    assert report.ok, [f for f in report.findings if f.status == FAIL]
    assert {f.check for f in report.findings if f.status == PASS} >= {
        "codec", "sample rate", "channels", "bitrate", "decodes cleanly", "duration",
        "integrated loudness", "true peak", "required tags", "chapters"}  # fmt: skip


@pytest.mark.parametrize(
    ("args", "tags", "named"),
    [
        (["-af", "volume=8dB"], True, {"integrated loudness"}),  # too loud
        (["-af", "volume=-10dB"], True, {"integrated loudness"}),  # too quiet
        (["-af", "volume=24dB,alimiter=limit=1:level=false"], True, {"integrated loudness",
                                                                     "true peak"}),  # clipped
        (["-ac", "2"], True, {"channels"}),  # stereo
        (["-b:a", "0", "-q:a", "2"], True, {"bitrate"}),  # VBR
        (["-ar", "22050"], True, {"sample rate"}),  # 22.05 kHz
        ([], False, {"required tags"}),  # no tags
    ],
    ids=["too-loud", "too-quiet", "clipped", "stereo", "vbr", "22k", "no-tags"],
)
def test_each_bad_file_is_named(good: Path, tmp_path: Path, args, tags, named) -> None:
    bad = _remake(good, tmp_path / "bad.mp3", *args, tags=tags)
    report = audit(bad, PODCAST)
    assert not report.ok
    assert named <= _failed(report), report.findings
    assert _failed(report) - named <= {"true peak", "integrated loudness", "bitrate"}


def test_clipped_reads_at_full_scale(good: Path, tmp_path: Path) -> None:
    bad = _remake(good, tmp_path / "clip.mp3", "-af", "volume=24dB")
    report = audit(bad, PODCAST)
    tp = next(f for f in report.findings if f.check == "true peak")
    assert tp.status == FAIL and float(tp.value.split()[0]) > -0.5


def test_vbr_is_told_by_its_frames(good: Path, tmp_path: Path) -> None:
    bad = _remake(good, tmp_path / "vbr.mp3", "-b:a", "0", "-q:a", "2")
    report = audit(bad, PODCAST)
    assert next(f.value for f in report.findings if f.check == "bitrate").startswith("VBR")


def test_overlapping_chapters_are_named(good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "overlap.mp3"
    bad.write_bytes(good.read_bytes())
    tags = ID3(bad)
    chaps = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    chaps[2].start_time = chaps[1].end_time - 500
    tags.save(bad)
    report = audit(bad, PODCAST)
    assert _failed(report) == {"chapters"}
    assert "chapters 2 and 3 overlap" in _detail(report, "chapters")


def test_a_chapter_after_the_end_is_named(good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "late.mp3"
    bad.write_bytes(good.read_bytes())
    tags = ID3(bad)
    last = max(tags.getall("CHAP"), key=lambda f: f.start_time)
    last.end_time += 5000
    tags.save(bad)
    report = audit(bad, PODCAST)
    assert _failed(report) == {"chapters"}
    assert f"({last.element_id}) ends at" in _detail(report, "chapters")


def test_a_ctoc_that_misses_a_chap_is_named(good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "ctoc.mp3"
    bad.write_bytes(good.read_bytes())
    tags = ID3(bad)
    toc = tags.getall("CTOC")[0]
    dropped = toc.child_element_ids[1]
    toc.child_element_ids = [c for c in toc.child_element_ids if c != dropped]
    tags.save(bad)
    report = audit(bad, PODCAST)
    assert _failed(report) == {"chapters"}
    assert _detail(report, "chapters") == f"no CTOC reaches CHAP {dropped!r}"


def test_nested_ctocs_reach_every_chap(good: Path, tmp_path: Path) -> None:
    """A hierarchy (as for > 255 chapters): a top CTOC of CTOCs that list the CHAPs."""
    from mutagen.id3 import CTOC, CTOCFlags

    ok = tmp_path / "nested.mp3"
    ok.write_bytes(good.read_bytes())
    tags = ID3(ok)
    toc = tags.getall("CTOC")[0]
    ids = list(toc.child_element_ids)
    tags.delall("CTOC")
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=["a", "b"], sub_frames=[]))  # fmt: skip
    tags.add(CTOC(element_id="a", flags=CTOCFlags.ORDERED, child_element_ids=ids[:1],
                  sub_frames=[]))  # fmt: skip
    tags.add(CTOC(element_id="b", flags=CTOCFlags.ORDERED, child_element_ids=ids[1:],
                  sub_frames=[]))  # fmt: skip
    tags.save(ok)
    assert audit(ok, PODCAST).ok
    toc_b = tags.getall("CTOC")
    next(t for t in toc_b if t.element_id == "b").child_element_ids = ids[2:]
    tags.save(ok)
    assert _detail(audit(ok, PODCAST), "chapters") == f"no CTOC reaches CHAP {ids[1]!r}"


def test_acx_checks_rms_peak_noise_and_silences(good: Path, tmp_path: Path) -> None:
    report = audit(good, get_profile("acx"))  # a podcast file is not an ACX file
    failed = _failed(report)
    assert {"bitrate", "RMS"} <= failed
    noisy = _remake(good, tmp_path / "noisy.mp3", "-b:a", "192k", "-af",
                    "volume=-5dB[a];anoisesrc=a=0.05:c=white:r=44100[n];[a][n]amix=duration=first",
                    )  # fmt: skip
    report = audit(noisy, get_profile("acx"))
    assert "noise floor" in _failed(report)
    assert _status(report, "head silence") == FAIL  # noise everywhere: sound from the start


def test_cli_table_and_exit_status(good: Path, tmp_path: Path) -> None:
    quiet = _remake(good, tmp_path / "quiet.mp3", "-af", "volume=-10dB", tags=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(quiet), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data[0]["ok"] is False
    rows = {f["check"]: f for f in data[0]["findings"]}
    assert rows["integrated loudness"]["status"] == "fail"
    assert rows["integrated loudness"]["limit"] == "-17 .. -15 LUFS"
    assert rows["required tags"]["value"] == "missing title, date, genre"
    text = runner.invoke(cli, ["check", str(quiet)]).output
    assert "integrated loudness" in text and "FAIL" in text and "=> " in text


def test_check_names_an_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 10)
    result = CliRunner().invoke(cli, ["check", str(junk)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {junk}: cannot read")


def test_without_the_extra_text_fails_with_one_line(good: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # import pocketsphinx fails
    review = tmp_path / "r.txt"
    review.write_text("T\n\nSome words.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(good), "--text", str(review)])
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: the content check needs pocketsphinx: pip install 'narrate-reviews[verify]'"
    )


# ------------------------------------------------------------------ content (pocketsphinx)

PARAS = [p for p in Path(str(SAMPLE)).read_text(encoding="utf-8").split("\n\n") if p.strip()]
PICK = (0, 3, 6)  # three of the sample's shorter paragraphs


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real espeak-ng narrations of three paragraphs, right and wrong, and the text."""
    folder = tmp_path_factory.mktemp("content")
    base = Settings(cache_dir=folder / "cache")
    files = {}
    for name, order in {"good": PICK, "swapped": (3, 0, 6), "duplicate": (0, 6, 6)}.items():
        review = folder / f"{name}.txt"
        review.write_text("Pain and Glory\n\n" + "\n\n".join(PARAS[i] for i in order),
                          encoding="utf-8")  # fmt: skip
        doc = load_document(review, base)
        files[name] = narrate(doc, folder / f"{name}.mp3", base).output
    files["text"] = folder / "good.txt"
    # the second chapter's audio replaced with silence, the tags kept
    good = files["good"]
    chap = sorted(ID3(good).getall("CHAP"), key=lambda f: f.start_time)[1]
    pcm = np.frombuffer(subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(good), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True).stdout, "<i2").copy()  # fmt: skip
    pcm[chap.start_time * 441 // 10 : chap.end_time * 441 // 10] = 0
    silent = folder / "silent.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", "44100", "-ac", "1",
                    "-i", "-", "-c:a", "libmp3lame", "-b:a", "96k", str(silent)],
                   input=pcm.tobytes(), check=True)  # fmt: skip
    ID3(good).save(silent)
    files["silent"] = silent
    return files


def _content(mp3: Path, text: Path) -> dict[str, dict]:
    result = CliRunner().invoke(cli, ["check", str(mp3), "--profile", "draft", "--text",
                                      str(text), "--json"])  # fmt: skip
    rows = {f["check"]: f for f in json.loads(result.output)[0]["findings"]}
    return {k: v for k, v in rows.items() if k.startswith("content")} | {
        "_exit": {"status": result.exit_code}}


def test_content_right_paragraphs_pass(spoken) -> None:
    rows = _content(spoken["good"], spoken["text"])
    assert rows.pop("_exit")["status"] == 0
    assert [r["status"] for r in rows.values()] == [PASS, PASS, PASS]


def test_content_without_text_uses_the_lyrics(spoken) -> None:
    result = CliRunner().invoke(cli, ["check", str(spoken["swapped"]), "--profile", "draft"])
    assert result.exit_code == 0  # its own lyrics are what it says
    assert "content: chapter 3" in result.output


def test_no_content_skips_the_transcription(spoken) -> None:
    """A book-length file can be audited without hours of transcription."""
    result = CliRunner().invoke(cli, ["check", str(spoken["swapped"]), "--profile", "draft",
                                      "--no-content"])  # fmt: skip
    assert result.exit_code == 0
    assert "content:" not in result.output and "chapters" in result.output
    both = CliRunner().invoke(cli, ["check", str(spoken["good"]), "--no-content", "--text",
                                    str(spoken["text"])])  # fmt: skip
    assert both.exit_code == 2
    assert "Error: --text is the text of the content check: not with --no-content" in both.output


def test_content_swapped_chapters_fail_and_are_named(spoken) -> None:
    rows = _content(spoken["swapped"], spoken["text"])
    assert rows.pop("_exit")["status"] == 1
    assert rows["content: chapter 1"]["detail"] == "chapters 1 and 2 are swapped"
    assert rows["content: chapter 2"]["detail"] == "chapters 2 and 1 are swapped"
    assert rows["content: chapter 3"]["status"] == PASS


def test_content_a_paragraph_spoken_twice_fails(spoken) -> None:
    rows = _content(spoken["duplicate"], spoken["text"])
    assert rows.pop("_exit")["status"] == 1
    assert rows["content: chapter 2"]["status"] == FAIL
    assert "paragraph 3's words" in rows["content: chapter 2"]["detail"]
    assert rows["content: chapter 1"]["status"] == PASS


def test_content_a_silenced_paragraph_fails(spoken) -> None:
    rows = _content(spoken["silent"], spoken["text"])
    assert rows.pop("_exit")["status"] == 1
    assert rows["content: chapter 2"]["status"] == FAIL
    assert "paragraph 2's words are missing" in rows["content: chapter 2"]["detail"]
    assert rows["content: chapter 1"]["status"] in (PASS, INCONCLUSIVE)


def test_content_with_intro_and_outro_passes_read_check_and_check_text(tmp_path: Path) -> None:
    """The spoken intro and outro are chapters of their own: with --text (which holds
    neither) they are matched to their own words, not counted as chapters too many."""
    review = tmp_path / "r.txt"
    review.write_text("Pain and Glory\n\n" + "\n\n".join(PARAS[i] for i in PICK[:2]),
                      encoding="utf-8")  # fmt: skip
    mp3 = tmp_path / "r.mp3"
    read = CliRunner().invoke(cli, ["read", str(review), "-o", str(mp3), "--author", "Ann Smith",
                                    "--intro", "{title}. A review by {author}.",
                                    "--outro", "Thanks for listening.", "--check",
                                    "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    assert read.exit_code == 0, read.output
    rows = _content(mp3, review)
    assert rows.pop("_exit")["status"] == 0
    assert {k: r["status"] for k, r in rows.items()} == {
        f"content: chapter {n}": PASS for n in (1, 2, 3, 4)}  # fmt: skip


@pytest.fixture(scope="module")
def misspoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Narrations whose chapter 2 says paragraph 1 again before its own words, or whose
    chapter 3 lost all but its first eight words (of forty)."""
    folder = tmp_path_factory.mktemp("misspoken")
    base = Settings(cache_dir=folder / "cache")
    first, second, third = (PARAS[i] for i in PICK)
    files = {}
    for name, paragraphs in {
        "again": (first, f"{first} {second}", third),
        "cut": (first, second, " ".join(third.split()[:8]) + "."),
    }.items():
        review = folder / f"{name}.txt"
        review.write_text("Pain and Glory\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
        files[name] = narrate(load_document(review, base), folder / f"{name}.mp3", base).output
    text = folder / "good.txt"
    text.write_text("Pain and Glory\n\n" + "\n\n".join((first, second, third)), encoding="utf-8")
    files["text"] = text
    return files


def test_content_a_chapter_that_also_says_another_paragraph_does_not_pass(misspoken) -> None:
    """Its own paragraph is all there, but so is paragraph 1: no clear margin, no pass."""
    rows = _content(misspoken["again"], misspoken["text"])
    chapter = rows["content: chapter 2"]
    assert chapter["status"] == INCONCLUSIVE, chapter
    assert chapter["detail"] == "no clear separation from the other paragraphs"
    assert rows["content: chapter 1"]["status"] == PASS


def test_content_a_chapter_that_lost_most_of_its_words_fails_as_missing(misspoken) -> None:
    """Six words of forty heard, recall 0.15 (above the 0.1 of silence): not
    "inconclusive", but missing words, and a failure."""
    rows = _content(misspoken["cut"], misspoken["text"])
    assert rows.pop("_exit")["status"] == 1
    chapter = rows["content: chapter 3"]
    assert chapter["status"] == FAIL, chapter
    assert re.fullmatch(r"paragraph 3's words are missing \(\d words heard of \d\d\)",
                        chapter["detail"]), chapter  # fmt: skip
