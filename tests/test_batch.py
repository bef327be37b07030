"""``narrate batch``: many reviews, spawn workers, failure isolation, resumability.

Most runs use the tone engine in real ``python -m narrate batch`` subprocesses (so the
spawn pool, its pipes and its kills are the real ones). Engine calls are counted
across worker processes with the tone engine's ``NARRATE_TONE_LOG`` file; the
``[[hang]]`` and ``[[fail]]`` markers make it hang or fail (see narrate.engines.tone).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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
    cwd: Path,
    *args: str,
    log: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
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


def wait_until(
    condition: Callable[[], object],
    what: str,
    proc: subprocess.Popen[str] | subprocess.Popen[bytes] | None = None,
    safety_net: float = 60.0,
) -> None:
    """Poll until ``condition()`` holds. The time limit is only a safety net against a
    hung test, far above any expected wait: nothing here asserts how long things take."""
    deadline = time.monotonic() + safety_net
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the batch ended (exit code {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {safety_net:g} s (safety net)")
        time.sleep(0.02)


def group_gone(pgid: int) -> bool:
    """True when no process of the process group ``pgid`` is left (workers included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@dataclass(frozen=True)
class Exec:
    """An ``--executor`` to run the suite's batches on; ``tone_log`` is the tone
    engine's call log of the Dask workers (their environment is the cluster's)."""

    spec: str
    tone_log: Path | None = None

    @property
    def dask(self) -> bool:
        return self.spec != "local"

    def batch(self, cwd: Path, *args: str, log: Path | None = None, **kw: Any):
        if self.tone_log is None or log is None:
            return narrate_batch(cwd, *args, "--executor", self.spec, log=log, **kw)
        before = len(calls(self.tone_log))
        run = narrate_batch(cwd, *args, "--executor", self.spec, **kw)
        with log.open("a", encoding="utf-8") as fh:  # the calls this run made
            fh.writelines(c + "\n" for c in calls(self.tone_log)[before:])
        return run


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real LocalCluster of 2 worker processes, started once for the module."""
    import dask
    import distributed

    from narrate.batch.executors.dask import LEASE

    tone_log = tmp_path_factory.mktemp("dask") / "tone-calls.log"
    with dask.config.set(LEASE):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            host="127.0.0.1", silence_logs=logging.ERROR, env={batch_log_env(): str(tone_log)},
        )  # fmt: skip
    client = distributed.Client(cluster)
    try:
        yield cluster, client, tone_log
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module", params=["local", "dask"])
def executor(request: pytest.FixtureRequest) -> Exec:
    """The suite runs on the local pool and on a real Dask LocalCluster alike."""
    if request.param == "local":
        return Exec("local")
    cluster, _, tone_log = request.getfixturevalue("dask_cluster")
    return Exec("dask://" + cluster.scheduler_address.removeprefix("tcp://"), tone_log)


# ------------------------------------------------------------ the main batch


@pytest.fixture(scope="module")
def main_batch(tmp_path_factory: pytest.TempPathFactory, executor: Exec) -> dict:
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
    first = executor.batch(root, *args, log=log)
    first_report = report(root / "report.json") if (root / "report.json").exists() else {}
    return {"root": root, "args": args, "log": log, "first": first, "first_report": first_report,
            "executor": executor}  # fmt: skip


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
    again = main_batch["executor"].batch(root, *main_batch["args"], log=log)
    assert again.returncode == 1  # the two broken items still fail
    assert calls(log) == before  # not one engine call
    items = report(root / "report.json")
    statuses = sorted(i["status"] for i in items.values())
    assert statuses == ["failed"] * 2 + ["up to date"] * 7
    assert all(i["clips_synthesized"] == 0 for i in items.values())
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing rewritten
    assert "9 items: 0 ok, 7 up to date, 2 failed" in again.stderr
    # "ok" and "up to date" give the same duration for the same MP3
    made = {s: i["duration"] for s, i in main_batch["first_report"].items() if i["status"] == "ok"}
    assert len(made) == 7
    assert {s: items[s]["duration"] for s in made} == made
    assert all(
        d == round(read_tags(root / items[s]["output"]).duration, 3) for s, d in made.items()
    )


def test_editing_one_sentence_resynthesizes_one_clip(main_batch: dict) -> None:
    root, log = main_batch["root"], main_batch["log"]
    source = root / "reviews" / "alpha.txt"
    old = "Review alpha paragraph 2 sentence 1 ends."
    new = "Review alpha paragraph 2 sentence 1 changed."
    source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    before = calls(log)
    again = main_batch["executor"].batch(root, *main_batch["args"], log=log)
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


def test_path_traversal_is_rejected(tmp_path: Path, executor: Exec) -> None:
    for name in "abcdef":
        (tmp_path / f"{name}.txt").write_text(review(f"trav{name}"), encoding="utf-8")
    absolute = (tmp_path / "abs" / "x").as_posix()
    (tmp_path / "batch.toml").write_text(
        '[[item]]\npath = "a.txt"\noutput = "../evil"\n\n'
        f'[[item]]\npath = "b.txt"\noutput = "{absolute}"\n\n'
        '[[item]]\npath = "c.txt"\noutput = "C:\\\\x"\n\n'
        '[[item]]\npath = "d.txt"\ntitle = "../evil"\n\n'
        '[[item]]\npath = "e.txt"\noutput = "fine"\n\n'
        '[[item]]\npath = "f.txt"\ntitle = "What ../ means"\n',
        encoding="utf-8",
    )
    run = executor.batch(tmp_path, "--manifest", "batch.toml", "--engine", "tone", "--jobs", "1",
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
        "f.txt": ("failed", "title 'What ../ means' looks like a path; it cannot name an output "
                  "file"),
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
        ("x" * 300, "is too long (304 bytes as a file name; at most 200)"),
        ("é" * 100, "is too long (204 bytes as a file name; at most 200)"),
    ],
)
def test_check_output_name_rejects(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        batch.check_output_name(value, tmp_path)


def test_check_output_name_accepts(tmp_path: Path) -> None:
    assert batch.check_output_name("episode 1", tmp_path) == "episode 1.mp3"
    assert batch.check_output_name("show.MP3", tmp_path) == "show.MP3"
    assert batch.check_output_name("é" * 98, tmp_path) == "é" * 98 + ".mp3"  # 200 bytes


@pytest.mark.parametrize(
    "title", ["What ../ means", "..\\x", "a/..", "..", "/abs", "\\abs", "C:\\x", "C:/x", "../x"]
)
def test_pathlike_titles_are_rejected_anywhere_in_the_title(tmp_path: Path, title: str) -> None:
    (tmp_path / "a.txt").write_text(review("pathlike"), encoding="utf-8")
    entry = batch.Entry(tmp_path / "a.txt", "a.txt", {"title": title})
    plan = batch.plan_batch([entry], TONE, tmp_path / "out")
    assert not plan.work
    assert (
        plan.settled[0].reason
        == f"title {title!r} looks like a path; it cannot name an output file"
    )


def test_titles_with_dots_that_are_not_paths_are_fine(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("dots"), encoding="utf-8")
    for title in ("Wait... what?", "AC/DC live", "1.2.3 release"):
        entry = batch.Entry(tmp_path / "a.txt", "a.txt", {"title": title})
        plan = batch.plan_batch([entry], TONE, tmp_path / "out")
        assert [w.title for w in plan.work] == [title]


def test_overlong_names_fail_their_item_and_the_run_goes_on(tmp_path: Path, executor: Exec) -> None:
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(review(f"long{name}"), encoding="utf-8")
    wide = "é" * 90  # 184 bytes: a fine MP3 name, but its old lock file name was too long
    (tmp_path / "batch.toml").write_text(
        f'[[item]]\npath = "a.txt"\noutput = "{"x" * 300}"\n\n'
        f'[[item]]\npath = "b.txt"\noutput = "{wide}"\n\n'
        f'[[item]]\npath = "c.txt"\ntitle = "{"Very long title " * 20}"\n',
        encoding="utf-8",
    )
    run = executor.batch(tmp_path, "--manifest", "batch.toml", "--engine", "tone", "--jobs", "1",
                        "--out-dir", "out", "--cache-dir", "cache",
                        "--report", "r.json")  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    items = report(tmp_path / "r.json")
    assert items["a.txt"]["status"] == "failed"
    assert items["a.txt"]["reason"] == (
        f"output {'x' * 117 + '...'!r} is too long (304 bytes as a file name; at most 200)"
    )
    assert (items["b.txt"]["status"], items["b.txt"]["output"]) == ("ok", f"out/{wide}.mp3")
    assert items["c.txt"]["status"] == "ok"
    assert len(Path(items["c.txt"]["output"]).name) <= 84  # the slug is cut at a word
    assert_valid_mp3(tmp_path / "out" / f"{wide}.mp3", chapters_of(tmp_path / "b.txt"))
    locks = tmp_path / "out" / batch.LOCK_DIR
    if executor.dask:  # the cluster's locks (distributed.Lock), no lock files at all
        assert not locks.exists()
    else:
        assert all(len(p.name) <= 64 for p in locks.iterdir())


# ------------------------------------------------- whose MP3 is whose


def tone_settings(tmp_path: Path) -> Settings:
    return Settings(voice=VoiceSettings(engine="tone"), cache_dir=tmp_path / "cache")


def plan_one(source: Path, out: Path, settings: Settings) -> batch.WorkItem:
    plan = batch.plan_batch([batch.Entry(source, source.name)], settings, out)
    assert not plan.settled, plan.settled
    (item,) = plan.work
    return item


def test_a_later_run_never_overwrites_another_reviews_audio(tmp_path: Path, executor: Exec) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    # "z-first" is narrated first, but sorts after "b-second" in a run of both
    (inp / "z-first.txt").write_text(review("zfirst", title="Same Title"), encoding="utf-8")
    args = ["--engine", "tone", "--jobs", "1", "--out-dir", "out", "--cache-dir", "cache",
            "--report", "r.json"]  # fmt: skip
    out = tmp_path / "out"
    first = executor.batch(tmp_path, "in/z-first.txt", *args)
    assert first.returncode == 0, first.stderr
    original = out / "same-title.mp3"
    assert read_tags(original).source == "../in/z-first.txt"
    stamp = original.stat().st_mtime_ns

    # the next night: a new review with the same title
    (inp / "b-second.txt").write_text(review("bsecond", title="Same Title"), encoding="utf-8")
    second = executor.batch(tmp_path, "in/b-second.txt", *args)
    assert second.returncode == 0, second.stderr
    assert report(tmp_path / "r.json")["in/b-second.txt"]["output"] == "out/same-title-2.mp3"
    assert original.stat().st_mtime_ns == stamp
    assert read_tags(original).source == "../in/z-first.txt"
    assert read_tags(out / "same-title-2.mp3").source == "../in/b-second.txt"

    # both together, in either order: each keeps its own name, nothing is made again
    for paths in (["in"], ["in/z-first.txt", "in/b-second.txt"]):
        again = executor.batch(tmp_path, *paths, *args)
        assert again.returncode == 0, again.stderr
        items = report(tmp_path / "r.json")
        assert {s: (i["status"], i["output"]) for s, i in items.items()} == {
            "in/z-first.txt": ("up to date", "out/same-title.mp3"),
            "in/b-second.txt": ("up to date", "out/same-title-2.mp3"),
        }
    assert original.stat().st_mtime_ns == stamp

    # an explicit output name that is another review's fails; it is not renamed either
    (inp / "c-third.txt").write_text(review("cthird"), encoding="utf-8")
    (tmp_path / "m.toml").write_text(
        '[[item]]\npath = "in/c-third.txt"\noutput = "same-title"\n', encoding="utf-8"
    )
    explicit = executor.batch(tmp_path, "--manifest", "m.toml", *args)
    assert explicit.returncode == 1
    (item,) = report(tmp_path / "r.json").values()
    assert item["status"] == "failed"
    assert item["reason"] == (
        "same-title.mp3 already holds the audio of another review (../in/z-first.txt); "
        "choose another output name"
    )
    assert original.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in finals(out)) == ["same-title-2.mp3", "same-title.mp3"]


def test_moving_reviews_and_audio_together_keeps_them_up_to_date(
    tmp_path: Path, executor: Exec
) -> None:
    site = tmp_path / "site"
    (site / "in").mkdir(parents=True)
    (site / "in" / "a.txt").write_text(review("moved"), encoding="utf-8")
    args = ["in", "--engine", "tone", "--out-dir", "out", "--cache-dir", "../cache"]
    assert executor.batch(site, *args).returncode == 0
    site.rename(tmp_path / "moved")
    again = executor.batch(tmp_path / "moved", *args, "--report", "r.json")
    assert again.returncode == 0, again.stderr
    assert report(tmp_path / "moved" / "r.json")["in/a.txt"]["status"] == "up to date"


def test_a_file_not_made_from_the_review_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("foreign"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "foreign-review.mp3").write_bytes(b"someone else's file")
    (out / "foreign-review-2.mp3").mkdir()  # a folder is not free either
    item = plan_one(tmp_path / "a.txt", out, tone_settings(tmp_path))
    assert item.output.name == "foreign-review-3.mp3"
    assert item.source_id == "../a.txt"


def test_the_worker_rechecks_whose_the_output_is_under_its_lock(tmp_path: Path) -> None:
    from narrate.engines.tone import ToneEngine

    settings = tone_settings(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(review(name, title="Same Title"), encoding="utf-8")
    out = tmp_path / "out"
    # two runs planned at once, before either wrote anything: both chose the same name
    mine = plan_one(tmp_path / "a.txt", out, settings)
    theirs = plan_one(tmp_path / "b.txt", out, settings)
    assert mine.output == theirs.output == out / "same-title.mp3"
    engine = ToneEngine(settings.voice)
    assert batch.narrate_item(mine, engine=engine).status == batch.OK
    stamp = mine.output.stat().st_mtime_ns
    result = batch.narrate_item(theirs, engine=engine)
    assert result.status == batch.FAILED
    assert result.reason == (
        "same-title.mp3 already holds the audio of another review (../a.txt) "
        "(another run just wrote it); not overwritten"
    )
    assert mine.output.stat().st_mtime_ns == stamp
    assert read_tags(mine.output).source == "../a.txt"
    assert no_temporaries(out)


# --------------------------------------------------- output path problems


def test_output_path_problems_fail_only_their_item(tmp_path: Path, executor: Exec) -> None:
    for name in "abcd":
        (tmp_path / f"{name}.txt").write_text(review(f"path{name}"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "pathb-review.srt").mkdir()  # a side file's path is a folder
    (out / "taken.mp3").mkdir()  # an explicit output's path is a folder
    (out / "pathd-review.mp3").mkdir()  # a slug's path is a folder: the next name is free
    (tmp_path / "m.toml").write_text(
        '[[item]]\npath = "a.txt"\n\n[[item]]\npath = "b.txt"\n\n'
        '[[item]]\npath = "c.txt"\noutput = "taken"\n\n[[item]]\npath = "d.txt"\n',
        encoding="utf-8",
    )
    run = executor.batch(tmp_path, "--manifest", "m.toml", "--engine", "tone", "--jobs", "1",
                        "--transcript", "srt", "--out-dir", "out", "--cache-dir", "cache",
                        "--report", "r.json")  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Error:" not in run.stderr
    items = report(tmp_path / "r.json")
    assert {s: (i["status"], i["output"], i["reason"]) for s, i in items.items()} == {
        "a.txt": ("ok", "out/patha-review.mp3", None),
        "b.txt": ("failed", None, f"cannot write {out / 'pathb-review.srt'}: it is a folder"),
        "c.txt": ("failed", None, "taken.mp3 is a folder; choose another output name"),
        "d.txt": ("ok", "out/pathd-review-2.mp3", None),
    }
    made = sorted(p.name for p in finals(out) if p.is_file())
    assert made == ["patha-review.mp3", "pathd-review-2.mp3"]


def test_an_output_path_gone_bad_after_planning_fails_its_item_only(tmp_path: Path) -> None:
    from narrate.engines.tone import ToneEngine

    settings = tone_settings(tmp_path).with_overrides(transcripts=("vtt",))
    (tmp_path / "a.txt").write_text(review("late"), encoding="utf-8")
    item = plan_one(tmp_path / "a.txt", tmp_path / "out", settings)
    item.output.with_suffix(".vtt").mkdir(parents=True)  # e.g. by another program
    result = batch.narrate_item(item, engine=ToneEngine(settings.voice))
    assert result.status == batch.FAILED
    assert result.reason == f"cannot write {item.output.with_suffix('.vtt')}: it is a folder"
    assert not item.output.exists()


def test_a_fatal_error_mid_run_still_writes_the_report(tmp_path: Path) -> None:
    for name in "ab":
        (tmp_path / f"{name}.txt").write_text(review(f"fatal{name}"), encoding="utf-8")
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    run = narrate_batch(tmp_path, "a.txt", "b.txt", "--engine", "tone", "--jobs", "1",
                        "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json",
                        env={"PATH": str(no_tools)})  # fmt: skip
    assert run.returncode == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ffmpeg not found; ")
    items = report(tmp_path / "r.json")
    assert {s: i["status"] for s, i in items.items()} == {"a.txt": "failed", "b.txt": "failed"}
    assert {i["reason"] for i in items.values()} == {
        "not narrated: the run stopped: " + error.removeprefix("Error: ")
    }
    assert not finals(tmp_path / "out")


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
    # the killed worker was encoding when it hung: its temporary went with it
    assert no_temporaries(tmp_path / "out")


def test_the_timeout_counts_from_the_last_progress_not_the_start(tmp_path: Path) -> None:
    """16 paragraphs of 0.25 s each (4 s in all) under --timeout 2: every clip is progress,
    so the item is never killed (measured from its start, it was, in paragraph 2)."""
    paragraphs = "\n\n".join(f"Slow paragraph {i} [[slow]] goes on." for i in range(16))
    (tmp_path / "slow.txt").write_text(f"Slow Review\n\n{paragraphs}\n", encoding="utf-8")
    run = narrate_batch(tmp_path, "slow.txt", "--engine", "tone", "--jobs", "1",
                        "--timeout", "2", "--out-dir", "out", "--cache-dir", "cache",
                        "--report", "r.json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    item = report(tmp_path / "r.json")["slow.txt"]
    assert (item["status"], item["chapters"]) == ("ok", 16)


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
        wait_until(lambda: finals(out), "the first MP3 was finished", proc)
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


def start_a_stuck_run(tmp_path: Path) -> subprocess.Popen[str]:
    """A run of two items: one finishes, the other hangs in its engine mid-MP3 (its
    temporary is being written). Returns once both have happened."""
    (tmp_path / "a.txt").write_text(review("intok"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "Stuck Review\n\nReview stuck opens fine.\n\nReview stuck [[hang]] waits here.\n",
        encoding="utf-8",
    )
    log = tmp_path / "calls.log"
    # --timeout far above the test's safety nets: only the signal can end this run
    args = [sys.executable, "-m", "narrate", "batch", "a.txt", "b.txt", "--engine", "tone",
            "--jobs", "2", "--timeout", "600", "--out-dir", "out",
            "--cache-dir", "cache"]  # fmt: skip
    proc = subprocess.Popen(args, cwd=tmp_path, start_new_session=True,
                            env={**os.environ, batch_log_env(): str(log)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        wait_until(lambda: finals(tmp_path / "out"), "the first item was finished", proc)
        wait_until(lambda: any("[hang]" in c for c in calls(log)), "the engine hung", proc)
        wait_until(lambda: not no_temporaries(tmp_path / "out"), "the MP3 was begun", proc)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc


def stop_and_check(tmp_path: Path, proc: subprocess.Popen[str], send: Callable[[], None]) -> None:
    try:
        send()
        _, err = proc.communicate(timeout=60)  # a safety net, not a measure of promptness
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130  # stopped by the signal, not by the (600 s) engine timeout
    assert err.endswith("Error: interrupted\n")
    wait_until(lambda: group_gone(proc.pid), "every worker has ended")  # none outlives the run
    assert [p.name for p in finals(tmp_path / "out")] == ["intok-review.mp3"]
    assert no_temporaries(tmp_path / "out")


def test_ctrl_c_stops_the_workers_promptly(tmp_path: Path) -> None:
    proc = start_a_stuck_run(tmp_path)
    # what Ctrl-C in a terminal does: SIGINT to the whole process group
    stop_and_check(tmp_path, proc, lambda: os.killpg(proc.pid, signal.SIGINT))


def test_sigterm_to_the_parent_alone_stops_the_workers_and_cleans_up(tmp_path: Path) -> None:
    proc = start_a_stuck_run(tmp_path)
    # `kill <pid>`: SIGTERM to the batch process only, not to its workers
    stop_and_check(tmp_path, proc, lambda: os.kill(proc.pid, signal.SIGTERM))


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


def test_start_up_sweep_removes_only_dead_processes_temporaries(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("sweep"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        dead_tmp = out / f"{TMP_PREFIX}{ended.pid}-abc.mp3"  # left by a killed run
        live_tmp = out / f"{TMP_PREFIX}{alive.pid}-def.mp3"  # another run, still writing
        for p in (dead_tmp, live_tmp):
            p.write_bytes(b"partial")
        run = narrate_batch(tmp_path, "a.txt", "--engine", "tone", "--out-dir", "out",
                            "--cache-dir", "cache")  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert not dead_tmp.exists()
        assert live_tmp.exists()
    finally:
        alive.kill()
        alive.wait()


# ------------------------------------------------------------ fatal errors


def test_unknown_voice_aborts_the_run(tmp_path: Path, executor: Exec) -> None:
    (tmp_path / "a.txt").write_text(review("voice"), encoding="utf-8")
    run = executor.batch(tmp_path, "a.txt", "--voice", "no-such-voice", "--out-dir", "out",
                        "--cache-dir", "cache")  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: unknown voice 'no-such-voice' for engine pyttsx3 (list voices with: narrate voices)"
    )
    assert not finals(tmp_path / "out")


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")


@needs_espeak
@pytest.mark.parametrize(
    ("manifest", "where"),
    [
        ('[[item]]\npath = "a.txt"\n\n[[item]]\npath = "b.txt"\nvoice = "no-such-voice"\n',
         "batch.toml: item 2"),
        ('[defaults]\nvoice = "no-such-voice"\n\n[[item]]\npath = "a.txt"\n\n'
         '[[item]]\npath = "b.txt"\n', "batch.toml: [defaults]"),
    ],
)  # fmt: skip
def test_an_unknown_manifest_voice_stops_the_run_before_any_work(
    tmp_path: Path, executor: Exec, manifest: str, where: str
) -> None:
    for name in "ab":
        (tmp_path / f"{name}.txt").write_text(review(f"voice{name}"), encoding="utf-8")
    (tmp_path / "batch.toml").write_text(manifest, encoding="utf-8")
    run = executor.batch(tmp_path, "--manifest", "batch.toml", "--jobs", "1", "--out-dir", "out",
                        "--cache-dir", "cache")  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == (
        f"Error: {where}: unknown voice 'no-such-voice' for engine pyttsx3 "
        "(list voices with: narrate voices)\n"
    )
    assert not (tmp_path / "out").exists()  # nothing was started
    assert not (tmp_path / "cache").exists()


@needs_espeak
def test_voices_are_checked_in_a_spawned_process_not_in_the_parent(tmp_path: Path) -> None:
    """espeak-ng can be initialised once per process and must not be before a fork: the
    parent asks a short-lived spawned process, so it never loads the engine itself."""
    voices = json.loads(
        subprocess.run([sys.executable, "-m", "narrate", "voices", "--json"],
                       capture_output=True, text=True, check=True).stdout
    )  # fmt: skip
    script = (
        "import sys\n"
        "from narrate import batch\n"
        "from narrate.errors import UnknownVoiceError\n"
        "from narrate.settings import VoiceSettings as V\n"
        f"batch.check_voices([(V(voice={voices[0]['id']!r}), 'm: item 1'),\n"
        "                     (V(engine='tone', voice='tone'), 'm: item 2')])\n"
        "try:\n"
        "    batch.check_voices([(V(voice='no-such-voice'), 'm: item 3')])\n"
        "except UnknownVoiceError as exc:\n"
        "    print(exc)\n"
        "print('pyttsx3' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "m: item 3: unknown voice 'no-such-voice' for engine pyttsx3 (list voices with: "
        "narrate voices)",
        "False",
    ]


# ------------------------------------------------------- the real engine


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_engine_in_spawned_workers(tmp_path: Path, executor: Exec) -> None:
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
    run = executor.batch(tmp_path, "in", "--jobs", "2", "--out-dir", "out", "--cache-dir",
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
        "Error: nothing to narrate: no .txt, .md, .markdown, .html, .htm, .rmd, .mdx files in "
        "the given paths\n"
    )
    assert invoke("--engine", "tone").exit_code == 2  # neither PATHS nor --manifest


def test_the_report_holds_every_item(tmp_path: Path) -> None:
    result = batch.BatchResult(
        (
            batch.ItemResult("a.txt", "out/a.mp3", batch.OK, duration=61),
            batch.ItemResult("b.txt", None, batch.FAILED, "b.txt: file is empty"),
        ),
        elapsed=3,
        out_dir=tmp_path,
    )
    batch.write_report(tmp_path / "r.json", result)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["summary"]["failed"] == 1
    assert data["items"][1] == {
        "source": "b.txt", "output": None, "status": "failed", "reason": "b.txt: file is empty",
        "title": None, "duration": 0.0, "chapters": 0, "clips_synthesized": 0,
        "clips_cached": 0, "seconds": 0.0,
    }  # fmt: skip


@needs_espeak
def test_up_to_date_does_not_depend_on_which_espeak_is_on_path(tmp_path: Path) -> None:
    """The fingerprint holds what the engine's adapter reports, not what an espeak-ng
    command on PATH says: another PATH re-narrates nothing."""
    (tmp_path / "a.txt").write_text("Path Review\n\nThis film is good.\n", encoding="utf-8")
    args = ["a.txt", "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json"]
    first = narrate_batch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert report(tmp_path / "r.json")["a.txt"]["status"] == "ok"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "espeak-ng").write_text("#!/bin/sh\necho 'eSpeak NG text-to-speech: 9.99'\n")
    (fake / "espeak-ng").chmod(0o755)
    path = f"{fake}{os.pathsep}{os.environ.get('PATH', '')}"
    again = narrate_batch(tmp_path, *args, env={"PATH": path})
    assert again.returncode == 0, again.stderr
    assert report(tmp_path / "r.json")["a.txt"]["status"] == "up to date"


def test_fingerprint_follows_the_engine_adapters_version(tmp_path: Path) -> None:
    from narrate.engines.tone import ToneEngine

    a = tmp_path / "a.txt"
    a.write_text(review("ver"), encoding="utf-8")
    reported = ToneEngine(TONE.voice).version()
    assert batch.engine_version(TONE.voice) == reported
    base = batch.fingerprint(a, TONE, "T", "t.mp3")
    assert batch.fingerprint(a, TONE, "T", "t.mp3", reported) == base
    assert batch.fingerprint(a, TONE, "T", "t.mp3", reported + "-new") != base


def test_the_probed_version_holds_the_renderer() -> None:
    """An MP3 made before espeak-ng clips came from a fresh instance each (issue 21) is
    not "up to date": the version the batch probes, and fingerprints, names the
    adapter's renderer with its version, so a changed renderer re-narrates the item."""
    from narrate.batch.probe import _version

    class Adapter:
        def __init__(self, renderer: str) -> None:
            self.made = renderer

        def version(self) -> str:
            return "pyttsx3-2.99/espeak/1.51"

        def renderer(self) -> str:
            return self.made

    assert _version(Adapter("")) == "pyttsx3-2.99/espeak/1.51"
    fresh = _version(Adapter("espeak-ng fresh instance per clip"))
    assert fresh == "pyttsx3-2.99/espeak/1.51 (espeak-ng fresh instance per clip)"
    assert batch.engine_version(Settings().voice).endswith("(espeak-ng fresh instance per clip)")


def test_a_changed_piper_voice_file_is_narrated_again(tmp_path: Path) -> None:
    """The fingerprint holds the version the adapter reports with the item's own voice
    (Piper's names the voice file's hash): a voice file changed in place re-narrates
    its items, and an item with the default voice stays up to date."""
    from narrate.engines.piper_engine import resolve_voice

    joe = resolve_voice(None).model
    mine = tmp_path / "voices" / "mine.onnx"
    mine.parent.mkdir()
    shutil.copy(joe, mine)
    shutil.copy(f"{joe}.json", f"{mine}.json")
    args = ["--manifest", "m.toml", "--engine", "piper", "--profile", "draft", "-j", "1",
            "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json"]  # fmt: skip
    items = {"a": 'voice = "voices/mine.onnx"\n', "b": ""}  # b: the default voice, joe
    for name, voice in items.items():
        (tmp_path / f"{name}.txt").write_text(f"Voice {name}\n\nHello.\n", encoding="utf-8")
        with open(tmp_path / "m.toml", "a", encoding="utf-8") as fh:
            fh.write(f'[[item]]\npath = "{name}.txt"\n{voice}')
    first = narrate_batch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    # the same model with one unknown protobuf field more: other bytes, the same voice
    with open(mine, "ab") as fh:
        fh.write(b"\xa2\x3e\x01x")
    again = narrate_batch(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    statuses = {s: (i["status"], i["output"]) for s, i in report(tmp_path / "r.json").items()}
    assert statuses == {
        "a.txt": ("ok", "out/voice-a.mp3"),
        "b.txt": ("up to date", "out/voice-b.mp3"),
    }


# ------------------------------------------------------------- Dask only


def without_time_tags(path: Path) -> bytes:
    """The MP3's bytes with its one time-holding tag (TDRC, the day it was made) removed."""
    from mutagen.id3 import ID3

    copy = path.with_name(".notime-" + path.name)
    shutil.copy(path, copy)
    tags = ID3(copy)
    tags.delall("TDRC")
    tags.save(copy, padding=lambda info: 0)
    data = copy.read_bytes()
    copy.unlink()
    return data


def test_local_and_dask_outputs_are_byte_identical(tmp_path: Path, dask_cluster) -> None:
    cluster, _, _ = dask_cluster
    (tmp_path / "in").mkdir()
    for name in ("one", "two", "three"):
        (tmp_path / "in" / f"{name}.txt").write_text(review(name), encoding="utf-8")
    made = {}
    for spec in ("local", "dask://" + cluster.scheduler_address.removeprefix("tcp://")):
        out = "out-dask" if spec != "local" else "out-local"
        run = narrate_batch(tmp_path, "in", "--engine", "tone", "--jobs", "2", "--executor", spec,
                            "--transcript", "vtt", "--out-dir", out,
                            "--cache-dir", f"cache-{out}")  # fmt: skip
        assert run.returncode == 0, run.stderr
        made[out] = sorted(p.name for p in (tmp_path / out).iterdir() if p.name[0] != ".")
    assert made["out-local"] == made["out-dask"] == [
        "one-review.mp3", "one-review.vtt", "three-review.mp3", "three-review.vtt",
        "two-review.mp3", "two-review.vtt",
    ]  # fmt: skip
    for name in made["out-local"]:
        local, dask = tmp_path / "out-local" / name, tmp_path / "out-dask" / name
        if name.endswith(".mp3"):
            assert without_time_tags(local) == without_time_tags(dask), name
        else:
            assert local.read_bytes() == dask.read_bytes(), name


def test_a_dask_worker_killed_mid_item_and_the_batch_completes(tmp_path: Path, dask_cluster):
    """SIGKILL the worker process writing an MP3: its item reruns on another worker,
    every MP3 is whole, and nothing partial is left."""
    from narrate.batch.executors.dask import DaskExecutor

    cluster, client, _ = dask_cluster
    (tmp_path / "in").mkdir()
    names = [f"lost{n}" for n in range(6)]
    for name in names:
        (tmp_path / "in" / f"{name}.txt").write_text(review(name, 5, 5), encoding="utf-8")
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_a_writer(p: batch.Progress) -> None:
        if killed:
            return
        for tmp in out.glob(TMP_PREFIX + "*.mp3"):  # a worker is mid-MP3
            pid = int(tmp.name[len(TMP_PREFIX) :].split("@")[0])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return

    entries = batch.collect_paths([str(tmp_path / "in")])
    runner = DaskExecutor(cluster.scheduler_address.removeprefix("tcp://"))
    result = batch.run_batch(entries, tone_settings(tmp_path), out, executor=runner,
                             on_progress=kill_a_writer)  # fmt: skip
    assert killed, "no worker was caught mid-MP3"
    assert [r.status for r in result.items] == ["ok"] * len(names), result.failed
    for name in names:
        assert_valid_mp3(out / f"{name}-review.mp3", 5)
    assert no_temporaries(out)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it for the next tests


def test_a_worker_that_cannot_see_the_output_folder_is_named(tmp_path: Path) -> None:
    """A worker whose output folder is its own local one (here: a tmpfs mounted over
    it in its own mount namespace) fails the run with one line naming it."""
    if shutil.which("unshare") is None or subprocess.run(
        ["unshare", "-m", "true"], capture_output=True
    ).returncode:
        pytest.skip("needs unshare -m (root) to give one worker its own view of a folder")
    import distributed

    shared = tmp_path / "shared"
    (shared / "in").mkdir(parents=True)
    (shared / "in" / "a.txt").write_text(review("blind"), encoding="utf-8")
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        dask_worker = Path(sys.executable).with_name("dask")
        blind = subprocess.Popen(
            ["unshare", "-m", "sh", "-c",
             f"mount -t tmpfs none '{shared}' && exec '{dask_worker}' worker {address} "
             "--nthreads 1 --no-dashboard --name blind"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            with distributed.Client(address) as client:
                client.wait_for_workers(1, timeout=60)
                (worker,) = client.scheduler_info()["workers"]
            run = narrate_batch(shared, "in", "--engine", "tone",
                                "--executor", "dask://" + address.removeprefix("tcp://"),
                                "--out-dir", "out", "--cache-dir", "cache")  # fmt: skip
        finally:
            os.killpg(blind.pid, signal.SIGTERM)
            blind.wait(30)
    assert run.returncode == 1
    assert run.stderr == (
        f"Error: Dask worker {worker} cannot see {shared / 'out'} (No such file or "
        "directory): outputs and the clip cache must be on storage that every worker shares\n"
    )
    assert not finals(shared / "out")


def test_without_the_dask_extra_the_executors_say_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(review("extra"), encoding="utf-8")
    for spec in ("dask://127.0.0.1:8786", "dask-local:2"):
        run = subprocess.run(
            [sys.executable, "-c",
             "import sys; sys.modules['distributed'] = None\n"
             "from narrate.cli import main; main()",
             "batch", "a.txt", "--engine", "tone", "--executor", spec, "--out-dir", "out"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 1
        assert run.stderr == (
            "Error: the Dask executors need the dask extra: pip install 'narrate-reviews[dask]'\n"
        )
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("dask-local:0", "dask-local:0: N must be a whole number of workers, 1 or more"),
        ("dask-local:x", "dask-local:x: N must be a whole number of workers, 1 or more"),
        ("dask://", "--executor dask://HOST:PORT needs the scheduler's address"),
        ("slurm", "unknown executor 'slurm' (choose from: local, dask://HOST:PORT, "
         "dask-local[:N])"),
        ("local:3", "unknown executor 'local:3' (local takes no address)"),
    ],
)  # fmt: skip
def test_bad_executor_values_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(review("spec"), encoding="utf-8")
    result = invoke("a.txt", "--engine", "tone", "--executor", spec, "--out-dir", "out")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {error}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", [".srt", ".vtt", ".chapters.json"])
def test_a_deleted_side_file_is_made_again(tmp_path: Path, suffix: str) -> None:
    """An MP3 whose side file is gone is not up to date: the rerun makes the item again and
    the side file comes back, the same as before."""
    (tmp_path / "a.txt").write_text(review("a"), encoding="utf-8")
    args = ("a.txt", "--engine", "tone", "--transcript", "srt,vtt", "--chapters-json",
            "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json")  # fmt: skip
    first = narrate_batch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    side = tmp_path / "out" / f"a-review{suffix}"
    made = side.read_bytes()
    side.unlink()
    again = narrate_batch(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert report(tmp_path / "r.json")["a.txt"]["status"] == "ok"
    assert side.read_bytes() == made
    third = narrate_batch(tmp_path, *args)
    assert report(tmp_path / "r.json")["a.txt"]["status"] == "up to date", third.stderr
