"""``narrate batch``: many reviews, spawn workers, failure isolation, resumability.

Most runs use the tone engine in real ``python -m narrate batch`` subprocesses (so the
spawn pool, its pipes and its kills are the real ones). Engine calls are counted
across worker processes with the tone engine's ``NARRATE_TONE_LOG`` file; the
``[[hang]]`` and ``[[fail]]`` markers make it hang or fail (see narrate.engines.tone).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import batch
from narrate.atomic import TMP_PREFIX
from narrate.cli import cli
from narrate.segment import load_document
from narrate.settings import Settings, VoiceSettings
from narrate.tags import read_tags

TONE = Settings(voice=VoiceSettings(engine="tone"))
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00;"


def review(name: str, paragraphs: int = 3, sentences: int = 2, title: str | None = None) -> str:
    """A plain-text review whose sentences are unique to ``name`` and plausible for tone."""
    head = f"{title or name.title() + ' Review'}\n\n"
    body = "\n\n".join(
        " ".join(f"Review {name} paragraph {p} sentence {s} ends." for s in range(1, sentences + 1))
        for p in range(1, paragraphs + 1)
    )
    return head + body + "\n"


def narrate_batch(
    cwd: Path, *args: str, log: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(batch_log_env(), None)
    if log is not None:
        env[batch_log_env()] = str(log)
    return subprocess.run(
        [sys.executable, "-m", "narrate", "batch", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def batch_log_env() -> str:
    from narrate.engines.tone import LOG_ENV

    return LOG_ENV


def calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def report(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {item["source"]: item for item in data["items"]}


def chapters_of(path: Path, settings: Settings = TONE) -> int:
    return len(load_document(path, settings).segments)


def assert_valid_mp3(path: Path, chapters: int) -> None:
    tags = read_tags(path)
    assert tags.duration > 1.0
    assert len(tags.chapters) == chapters
    assert tags.fingerprint
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of", "csv=p=0",
         str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "mp3"


def finals(folder: Path) -> list[Path]:
    """The MP3s at final paths (temporaries being written are hidden ``.narrate-tmp-*``)."""
    return sorted(p for p in folder.glob("*.mp3") if not p.name.startswith(TMP_PREFIX))


def no_temporaries(folder: Path) -> bool:
    return not list(folder.rglob(TMP_PREFIX + "*"))


# ------------------------------------------------------------ the main batch


@pytest.fixture(scope="module")
def main_batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """9 inputs (7 from a folder, 2 from a manifest), 2 of them broken, run once."""
    root = tmp_path_factory.mktemp("batch")
    reviews = root / "reviews"
    (reviews / "nested").mkdir(parents=True)
    (reviews / "alpha.txt").write_text(review("alpha"), encoding="utf-8")
    (reviews / "beta.txt").write_text(review("beta", 2, 3), encoding="utf-8")
    (reviews / "nested" / "gamma.md").write_text(
        "# Gamma Notes\n\nReview gamma opens the notes here.\n\n"
        "## Second part\n\nReview gamma closes the notes here.\n",
        encoding="utf-8",
    )
    (reviews / "delta.html").write_text(
        "<html><head><title>Delta Page</title></head><body>"
        "<p>Review delta speaks in a paragraph.</p><p>Review delta ends it now.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    (reviews / "twin-a.txt").write_text(review("twina", title="Twin Title"), encoding="utf-8")
    (reviews / "twin-b.txt").write_text(review("twinb", title="Twin Title"), encoding="utf-8")
    (reviews / "broken.txt").write_bytes(bytes(range(256)) * 8)  # binary: fails
    (reviews / ".hidden.txt").write_text(review("hidden"), encoding="utf-8")  # skipped
    (reviews / "notes.rtf").write_text("not a supported type", encoding="utf-8")  # skipped
    extra = root / "extra"
    extra.mkdir()
    (extra / "epsilon.txt").write_text(review("epsilon"), encoding="utf-8")
    (extra / "zeta.txt").write_text(review("zeta"), encoding="utf-8")
    (extra / "bad.gif").write_bytes(GIF)
    (extra / "batch.toml").write_text(
        '[defaults]\nauthor = "Batch Tester"\n\n'
        '[[item]]\npath = "epsilon.txt"\ntitle = "Epsilon Custom"\ndate = 2024-05-31\n\n'
        '[[item]]\npath = "zeta.txt"\ncover = "bad.gif"\n',
        encoding="utf-8",
    )
    args = ["reviews", "--manifest", "extra/batch.toml", "--engine", "tone", "--jobs", "2",
            "--out-dir", "out", "--cache-dir", "cache", "--report", "report.json"]  # fmt: skip
    log = root / "calls.log"
    first = narrate_batch(root, *args, log=log)
    return {"root": root, "args": args, "log": log, "first": first}


def test_batch_narrates_the_good_and_reports_the_bad(main_batch: dict) -> None:
    root, first = main_batch["root"], main_batch["first"]
    assert first.returncode == 1, first.stderr
    items = report(root / "report.json")
    assert len(items) == 9
    failed = {s: i["reason"] for s, i in items.items() if i["status"] == "failed"}
    assert failed == {
        "reviews/broken.txt": "reviews/broken.txt: looks like a binary file, not text",
        "extra/zeta.txt": f"{root / 'extra' / 'bad.gif'}: cover image is a GIF image; "
        "use a JPEG or PNG file",
    }
    expected = {
        "reviews/alpha.txt": "out/alpha-review.mp3",
        "reviews/beta.txt": "out/beta-review.mp3",
        "reviews/nested/gamma.md": "out/gamma-notes.mp3",
        "reviews/delta.html": "out/delta-page.mp3",
        "reviews/twin-a.txt": "out/twin-title.mp3",  # sorted first: the plain name
        "reviews/twin-b.txt": "out/twin-title-2.mp3",
        "extra/epsilon.txt": "out/epsilon-custom.mp3",
    }
    for source, output in expected.items():
        item = items[source]
        assert item["status"] == "ok", item
        assert item["output"] == output
        assert item["clips_synthesized"] > 0 and item["clips_cached"] == 0
        assert_valid_mp3(root / output, chapters_of(root / source))
    assert sorted(p.name for p in finals(root / "out")) == sorted(
        Path(o).name for o in expected.values()
    )
    tags = read_tags(root / "out" / "epsilon-custom.mp3")
    assert (tags.title, tags.artist, tags.date) == ("Epsilon Custom", "Batch Tester", "2024-05-31")
    # stdout: the MP3s; stderr: the summary table with each failure's reason
    assert sorted(first.stdout.split()) == sorted(expected.values())
    assert "9 items: 7 ok, 0 up to date, 2 failed" in first.stderr
    assert "reviews/broken.txt: looks like a binary file, not text" in first.stderr
    assert "cover image is a GIF image" in first.stderr
    assert no_temporaries(root / "out")
    # every engine call was for one of the 7 good reviews' sentences
    assert len(calls(main_batch["log"])) == sum(i["clips_synthesized"] for i in items.values())


def test_rerun_synthesizes_nothing(main_batch: dict) -> None:
    root, log = main_batch["root"], main_batch["log"]
    before = calls(log)
    mtimes = {p: p.stat().st_mtime_ns for p in finals(root / "out")}
    again = narrate_batch(root, *main_batch["args"], log=log)
    assert again.returncode == 1  # the two broken items still fail
    assert calls(log) == before  # not one engine call
    items = report(root / "report.json")
    statuses = sorted(i["status"] for i in items.values())
    assert statuses == ["failed"] * 2 + ["up to date"] * 7
    assert all(i["clips_synthesized"] == 0 for i in items.values())
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing rewritten
    assert "9 items: 0 ok, 7 up to date, 2 failed" in again.stderr


def test_editing_one_sentence_resynthesizes_one_clip(main_batch: dict) -> None:
    root, log = main_batch["root"], main_batch["log"]
    source = root / "reviews" / "alpha.txt"
    old = "Review alpha paragraph 2 sentence 1 ends."
    new = "Review alpha paragraph 2 sentence 1 changed."
    source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    before = calls(log)
    again = narrate_batch(root, *main_batch["args"], log=log)
    assert again.returncode == 1
    assert calls(log)[len(before) :] == [new]
    items = report(root / "report.json")
    alpha = items["reviews/alpha.txt"]
    assert (alpha["status"], alpha["clips_synthesized"], alpha["clips_cached"]) == ("ok", 1, 5)
    assert alpha["output"] == "out/alpha-review.mp3"
    others = [i["status"] for s, i in items.items() if s != "reviews/alpha.txt"]
    assert sorted(others) == ["failed"] * 2 + ["up to date"] * 6
    tags = read_tags(root / "out" / "alpha-review.mp3")
    assert new in (tags.lyrics or "")


# ------------------------------------------------------- unsafe output names


def test_path_traversal_is_rejected(tmp_path: Path) -> None:
    for name in "abcde":
        (tmp_path / f"{name}.txt").write_text(review(f"trav{name}"), encoding="utf-8")
    absolute = (tmp_path / "abs" / "x").as_posix()
    (tmp_path / "batch.toml").write_text(
        '[[item]]\npath = "a.txt"\noutput = "../evil"\n\n'
        f'[[item]]\npath = "b.txt"\noutput = "{absolute}"\n\n'
        '[[item]]\npath = "c.txt"\noutput = "C:\\\\x"\n\n'
        '[[item]]\npath = "d.txt"\ntitle = "../evil"\n\n'
        '[[item]]\npath = "e.txt"\noutput = "fine"\n',
        encoding="utf-8",
    )
    run = narrate_batch(tmp_path, "--manifest", "batch.toml", "--engine", "tone", "--jobs", "1",
                        "--out-dir", "out/inner", "--cache-dir", "cache",
                        "--report", "r.json")  # fmt: skip
    assert run.returncode == 1, run.stderr
    items = report(tmp_path / "r.json")
    assert {s: (i["status"], i["reason"]) for s, i in items.items()} == {
        "a.txt": ("failed", "output '../evil' would be written outside the output folder"),
        "b.txt": ("failed", f"output {absolute!r} is an absolute path; it must stay inside "
                  "the output folder"),
        "c.txt": ("failed", "output 'C:\\\\x' has a drive letter; it must stay inside the "
                  "output folder"),
        "d.txt": ("failed", "title '../evil' looks like a path; it cannot name an output file"),
        "e.txt": ("ok", None),
    }  # fmt: skip
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.mp3"))
    assert written == ["out/inner/fine.mp3"]
    assert not (tmp_path / "abs").exists()
    assert not list(tmp_path.rglob("*evil*"))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("../evil", "would be written outside the output folder"),
        ("..\\evil", "would be written outside the output folder"),
        ("a/../../evil", "would be written outside the output folder"),
        ("/abs/x", "is an absolute path"),
        ("\\\\server\\share\\x", "is an absolute path"),
        ("C:\\x", "has a drive letter"),
        ("c:x.mp3", "has a drive letter"),
        ("sub/x.mp3", "must be a file name, not a path"),
        (".hidden", "must be a file name that does not start with a dot"),
        ("..", "would be written outside the output folder"),
        ("", "must be a file name"),
    ],
)
def test_check_output_name_rejects(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace(".", r"\.")):
        batch.check_output_name(value, tmp_path)


def test_check_output_name_accepts(tmp_path: Path) -> None:
    assert batch.check_output_name("episode 1", tmp_path) == "episode 1.mp3"
    assert batch.check_output_name("show.MP3", tmp_path) == "show.MP3"


# --------------------------------------------------------------- timeouts


def test_a_hanging_engine_times_out_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a-hang.txt").write_text(
        "Hanging Review\n\nReview hang opens fine here.\n\nReview hang [[hang]] stops here.\n",
        encoding="utf-8",
    )
    (tmp_path / "b-fail.txt").write_text(
        "Failing Review\n\nReview fail [[fail]] breaks here.\n", encoding="utf-8"
    )
    for name in ("c-ok", "d-ok"):
        (tmp_path / f"{name}.txt").write_text(review(name.replace("-", "")), encoding="utf-8")
    # One worker: after the stuck one is killed, a replacement must do the rest.
    run = narrate_batch(tmp_path, "a-hang.txt", "b-fail.txt", "c-ok.txt", "d-ok.txt",
                        "--engine", "tone", "--jobs", "1", "--timeout", "2",
                        "--out-dir", "out", "--cache-dir", "cache",
                        "--report", "r.json")  # fmt: skip
    assert run.returncode == 1, run.stderr
    items = report(tmp_path / "r.json")
    assert items["a-hang.txt"]["status"] == "failed"
    assert items["a-hang.txt"]["reason"] == "timed out after 2 s in paragraph 2"
    assert items["b-fail.txt"]["status"] == "failed"
    assert items["b-fail.txt"]["reason"].startswith("paragraph 1: no usable audio")
    assert "failure requested by the text" in items["b-fail.txt"]["reason"]
    assert [items[s]["status"] for s in ("c-ok.txt", "d-ok.txt")] == ["ok", "ok"]
    assert [p.name for p in finals(tmp_path / "out")] == [
        "cok-review.mp3",
        "dok-review.mp3",
    ]
    assert "timed out after 2 s in paragraph 2" in run.stderr


# ------------------------------------------------------ kills and concurrency


def test_sigkill_mid_batch_leaves_no_partial_mp3_and_the_rerun_finishes(tmp_path: Path) -> None:
    names = [f"kill{n}" for n in range(8)]
    for name in names:
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / f"{name}.txt").write_text(review(name, 5, 5), encoding="utf-8")
    out = tmp_path / "out"
    args = [sys.executable, "-m", "narrate", "batch", "in", "--engine", "tone", "--jobs", "1",
            "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json"]  # fmt: skip
    proc = subprocess.Popen(args, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not finals(out):
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    survivors = finals(out)
    assert 1 <= len(survivors) < len(names)
    for mp3 in survivors:  # each one whole: readable, every chapter there
        assert_valid_mp3(mp3, 5)
    assert not (tmp_path / "r.json").exists()

    rerun = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    items = report(tmp_path / "r.json")
    assert len(items) == len(names)
    assert {i["status"] for i in items.values()} <= {"ok", "up to date"}
    assert sum(i["status"] == "up to date" for i in items.values()) >= len(survivors)
    for name in names:
        assert_valid_mp3(out / f"{name}-review.mp3", 5)
    assert no_temporaries(out)


def test_ctrl_c_stops_the_workers_promptly(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("intok"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "Stuck Review\n\nReview stuck [[hang]] waits here.\n", encoding="utf-8"
    )
    args = [sys.executable, "-m", "narrate", "batch", "a.txt", "b.txt", "--engine", "tone",
            "--jobs", "2", "--timeout", "60", "--out-dir", "out",
            "--cache-dir", "cache"]  # fmt: skip
    proc = subprocess.Popen(args, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not finals(tmp_path / "out"):  # one item done, the other stuck in its engine
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    assert "Aborted!" in err
    deadline = time.monotonic() + 10
    while True:  # no worker outlives the run
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker process is still running"
        time.sleep(0.05)
    assert [p.name for p in finals(tmp_path / "out")] == ["intok-review.mp3"]
    assert no_temporaries(tmp_path / "out")


def test_two_runs_at_once_share_the_folder_safely(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for n in range(5):
        (tmp_path / "in" / f"same{n}.txt").write_text(review(f"same{n}", 3, 3), encoding="utf-8")
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "narrate",
                "batch",
                "in",
                "--engine",
                "tone",
                "--jobs",
                "1",
                "--out-dir",
                "out",
                "--cache-dir",
                "cache",
                "--report",
                f"r{k}.json",
            ],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for k in (1, 2)
    ]
    for p in runs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    first, second = report(tmp_path / "r1.json"), report(tmp_path / "r2.json")
    for source in first:
        # each MP3 was made by exactly one run; the other found it up to date
        assert sorted([first[source]["status"], second[source]["status"]]) == ["ok", "up to date"]
    for n in range(5):
        assert_valid_mp3(tmp_path / "out" / f"same{n}-review.mp3", 3)
    assert no_temporaries(tmp_path / "out")


def test_stale_temporaries_are_swept_unless_another_run_is_alive(tmp_path: Path) -> None:
    from filelock import FileLock

    out = tmp_path / "out"
    out.mkdir()
    old, fresh = out / (TMP_PREFIX + "old.mp3"), out / (TMP_PREFIX + "fresh.mp3")
    for p in (old, fresh):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    (out / batch.LOCK_DIR).mkdir()
    other = FileLock(str(out / batch.LOCK_DIR / "run-1-other.lock"))
    other.acquire()  # another live run
    try:
        lock = batch._run_lock(out)
        lock.release()
        assert not old.exists() and fresh.exists()
    finally:
        other.release()
    lock = batch._run_lock(out)  # no other run alive: every temporary goes
    lock.release()
    assert not fresh.exists()


# ------------------------------------------------------------ fatal errors


def test_unknown_voice_aborts_the_run(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("voice"), encoding="utf-8")
    run = narrate_batch(tmp_path, "a.txt", "--voice", "no-such-voice", "--out-dir", "out",
                        "--cache-dir", "cache")  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: unknown voice 'no-such-voice' for engine pyttsx3 (list voices with: narrate voices)"
    )
    assert not finals(tmp_path / "out")


# ------------------------------------------------------- the real engine


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_engine_in_spawned_workers(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "one.txt").write_text(
        "First Spoken Review\n\nThis film is good. I liked it.\n\nThe end is sad.\n",
        encoding="utf-8",
    )
    (tmp_path / "in" / "two.md").write_text(
        "# Second Spoken Review\n\nA short review here.\n\nIt works well.\n", encoding="utf-8"
    )
    (tmp_path / "in" / "three.html").write_text(
        "<title>Third Spoken Review</title><p>One more paragraph.</p>", encoding="utf-8"
    )
    run = narrate_batch(tmp_path, "in", "--jobs", "2", "--out-dir", "out", "--cache-dir",
                        "cache", "--report", "r.json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    items = report(tmp_path / "r.json")
    assert {i["status"] for i in items.values()} == {"ok"}
    real = Settings()
    for source, item in items.items():
        tags = read_tags(tmp_path / item["output"])
        assert tags.engine and tags.engine.startswith("pyttsx3")
        assert len(tags.chapters) == chapters_of(tmp_path / source, real)
        assert tags.duration > 1.5


# ------------------------------------------------------------ manifests


def invoke(*args: str):
    return CliRunner().invoke(cli, ["batch", *args])


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("batch.toml",
         '[[item]]\npath = "a.txt"\n[[item]]\npath = "a.txt"\n[[item]]\npath = "a.txt"\n'
         'titel = "Oops"\n',
         "batch.toml: item 3: unknown key 'titel'"),
        ("batch.toml", '[[item]]\npath = "a.txt"\nrate = "fast"\n',
         "batch.toml: item 1: 'rate' must be a whole number, got 'fast'"),
        ("batch.toml", '[[item]]\npath = "a.txt"\nrate = 1000\n',
         "batch.toml: item 1: 'rate' must be between 60 and 450, got 1000"),
        ("batch.toml", '[[item]]\npath = "a.txt"\ntitle = 12\n',
         "batch.toml: item 1: 'title' must be a string, got 12"),
        ("batch.toml", '[[item]]\npath = "a.txt"\n[[item]]\npath = "missing.txt"\n',
         "batch.toml: item 2: path 'missing.txt' does not exist"),
        ("batch.toml", '[[item]]\npath = "a.txt"\ncover = "nope.jpg"\n',
         "batch.toml: item 1: cover 'nope.jpg' does not exist"),
        ("batch.toml", '[[item]]\ntitle = "No Path"\n', "batch.toml: item 1: missing 'path'"),
        ("batch.toml", '[[item]]\npath = "a.txt"\ndate = "31/05/2024"\n',
         "batch.toml: item 1: 'date' must be a date like 2024-05-31 or 2024, got '31/05/2024'"),
        ("batch.toml", '[defaults]\nratee = 100\n[[item]]\npath = "a.txt"\n',
         "batch.toml: [defaults]: unknown key 'ratee'"),
        ("batch.toml", '[defaults]\noutput = "x"\n[[item]]\npath = "a.txt"\n',
         "batch.toml: [defaults]: 'output' belongs in an item, not in [defaults]"),
        ("batch.toml", '[[items]]\npath = "a.txt"\n',
         "batch.toml: unknown key 'items' (a manifest has [defaults] and [[item]] tables)"),
        ("batch.toml", '[item]\npath = "a.txt"\n',
         "batch.toml: 'item' must be an array of tables: write [[item]]"),
        ("batch.toml", "[[item]\n",
         "batch.toml: invalid TOML: Expected ']]' at the end of an array declaration "
         "(at line 1, column 7)"),
        ("batch.csv", "path,title\na.txt,One\nmissing.txt,Two\n",
         "batch.csv: line 3: path 'missing.txt' does not exist"),
        ("batch.csv", "path,titel\na.txt,One\n", "batch.csv: line 1: unknown column 'titel'"),
        ("batch.csv", "path,rate\na.txt,170\n\na.txt,fast\n",
         "batch.csv: line 4: 'rate' must be a whole number, got 'fast'"),
        ("batch.csv", "path,title\na.txt,One,extra\n",
         "batch.csv: line 2: 3 fields, but the header has 2"),
        ("batch.csv", 'path,title\na.txt,"One\n',
         "batch.csv: line 2: bad CSV: unexpected end of data"),
        ("batch.csv", "title\nOne\n", "batch.csv: line 1: no 'path' column in the header"),
        ("missing.toml", None, "missing.toml: no such manifest file"),
    ],
)  # fmt: skip
def test_manifest_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str | None, error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(review("manifest"), encoding="utf-8")
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = invoke("--manifest", name, "--engine", "tone", "--out-dir", "out")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {error}\n"
    assert not (tmp_path / "out").exists()  # nothing was started


def test_manifest_toml_and_csv(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(review("a"), encoding="utf-8")
    (tmp_path / "sub" / "lex.toml").write_text("[respell]\n", encoding="utf-8")
    (tmp_path / "sub" / "m.toml").write_text(
        '[defaults]\nauthor = "D"\nrate = 150\n\n'
        '[[item]]\npath = "a.txt"\nrate = 200\nlexicon = "lex.toml"\ndate = 2020-01-02\n\n'
        '[[item]]\npath = "a.txt"\noutput = "other"\nvoice = "v"\n',
        encoding="utf-8",
    )
    one, two = batch.load_manifest(tmp_path / "sub" / "m.toml")
    assert one.source == tmp_path / "sub" / "a.txt"
    assert one.options == {"author": "D", "rate": 200, "lexicon": tmp_path / "sub" / "lex.toml",
                           "date": "2020-01-02"}  # fmt: skip
    assert two.options == {"author": "D", "rate": 150, "output": "other", "voice": "v"}
    (tmp_path / "sub" / "m.csv").write_text(
        "path,title,rate,album\r\na.txt,First,170,\r\na.txt,,,Alb\r\n", encoding="utf-8"
    )
    first, second = batch.load_manifest(tmp_path / "sub" / "m.csv")
    assert first.options == {"title": "First", "rate": 170}
    assert second.options == {"album": "Alb"}


def test_the_example_manifest_is_valid(tmp_path: Path) -> None:
    with resources.as_file(resources.files("narrate") / "data" / "example-batch.toml") as path:
        entries = batch.load_manifest(path)
        plan = batch.plan_batch(entries, TONE, tmp_path / "out")
    assert [w.output.name for w in plan.work] == ["pain-and-glory.mp3", "pain-and-glory-slow.mp3"]
    assert [w.settings.voice.rate for w in plan.work] == [175, 140]
    assert plan.work[0].settings.tags.author == "The Reviewer"


# ------------------------------------------------------ inputs and planning


def test_collect_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.chdir(tmp_path)
    for rel in ("r/a.txt", "r/b.md", "r/deep/c.HTML", "r/deep/d.markdown", "r/e.htm",
                "r/.hidden/x.txt", "r/.y.txt", "r/z.pdf", "s/one.txt", "s/two.txt"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    entries = batch.collect_paths(
        ["r", "s/*.txt", "-", "nope.txt", "q/*.md", "r/a.txt"],
        stdin=io.StringIO("r/z.pdf\n\ns/one.txt\n"),
    )
    got = [(e.label, e.error) for e in entries]
    assert got == [
        ("r/a.txt", None),
        ("r/b.md", None),
        ("r/e.htm", None),
        ("r/deep/c.HTML", None),
        ("r/deep/d.markdown", None),
        ("s/one.txt", None),
        ("s/two.txt", None),
        ("r/z.pdf", None),  # named explicitly: taken whatever its extension
        ("nope.txt", "nope.txt: no such file"),
        ("q/*.md", "q/*.md: no files match"),
    ]


def test_fingerprint_follows_content_not_location(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(review("fp"), encoding="utf-8")
    base = batch.fingerprint(a, TONE, "T", "t.mp3")
    moved = tmp_path / "elsewhere" / "a.txt"
    moved.parent.mkdir()
    shutil.copy(a, moved)
    assert batch.fingerprint(moved, TONE, "T", "t.mp3") == base
    assert batch.fingerprint(a, TONE.with_overrides(voice={"rate": 150}), "T", "t.mp3") != base
    assert batch.fingerprint(a, TONE, "T2", "t.mp3") != base
    assert batch.fingerprint(a, TONE, "T", "u.mp3") != base
    assert batch.fingerprint(a, TONE.with_overrides(timeout=5.0), "T", "t.mp3") == base
    a.write_text(review("fp2"), encoding="utf-8")
    assert batch.fingerprint(a, TONE, "T", "t.mp3") != base


def test_no_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    result = invoke("empty", "--engine", "tone")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: nothing to narrate: no .txt, .md, .markdown, .html, .htm files in the given paths\n"
    )
    assert invoke("--engine", "tone").exit_code == 2  # neither PATHS nor --manifest


def test_progress_and_summary_text(tmp_path: Path) -> None:
    p = batch.Progress(done=3, total=10, audio_seconds=150, elapsed=65, eta=125)
    assert batch.format_progress(p) == (
        "narrating: 3/10 items, 2.5 min of audio, 1:05 elapsed, ETA 2:05"
    )
    result = batch.BatchResult(
        (
            batch.ItemResult("a.txt", "out/a.mp3", batch.OK, duration=61),
            batch.ItemResult("b.txt", None, batch.FAILED, "b.txt: file is empty"),
        ),
        elapsed=3,
        out_dir=tmp_path,
    )
    lines = batch.format_summary(result).splitlines()
    assert lines[1].split() == ["ok", "a.txt", "out/a.mp3", "(1:01)"]
    assert lines[2].split(None, 2) == ["failed", "b.txt", "b.txt: file is empty"]
    assert lines[-1] == "2 items: 1 ok, 0 up to date, 1 failed; 1.0 min of audio in 0:03"
    batch.write_report(tmp_path / "r.json", result)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["summary"]["failed"] == 1
    assert data["items"][1] == {
        "source": "b.txt", "output": None, "status": "failed", "reason": "b.txt: file is empty",
        "title": None, "duration": 0.0, "chapters": 0, "clips_synthesized": 0,
        "clips_cached": 0, "seconds": 0.0,
    }  # fmt: skip
