"""``profile`` per manifest item: validated at load, rendered under, fingerprinted.

Levels are measured with ffmpeg's ebur128 filter directly (not through narrate).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import batch
from narrate.cli import cli
from narrate.profiles import apply_profile
from narrate.tags import read_tags
from test_batch import TONE, narrate_batch, report, review
from test_loudness import ebur128

KNOWN = "(known: podcast, mono-19, acx, draft)"


def profile_of(mp3: Path) -> str:
    return dict(read_tags(mp3).txxx)["NARRATE_PROFILE"]


def test_each_item_is_rendered_under_its_own_profile(tmp_path: Path) -> None:
    for name in "ab":
        (tmp_path / f"{name}.txt").write_text(review(f"prof{name}", 2, 2), encoding="utf-8")
    manifest = tmp_path / "batch.toml"
    manifest.write_text(
        '[defaults]\nprofile = "mono-19"\n\n'
        '[[item]]\npath = "a.txt"\nprofile = "podcast"\n\n'
        '[[item]]\npath = "b.txt"\n',
        encoding="utf-8",
    )
    args = ["--manifest", "batch.toml", "--engine", "tone", "--profile", "draft", "--jobs", "2",
            "--out-dir", "out", "--cache-dir", "cache", "--report", "r.json"]  # fmt: skip
    first = narrate_batch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    a, b = tmp_path / "out" / "profa-review.mp3", tmp_path / "out" / "profb-review.mp3"
    assert (profile_of(a), profile_of(b)) == ("podcast", "mono-19")  # item > [defaults] > CLI
    level_a, level_b = ebur128(a), ebur128(b)
    assert abs(level_a["I"] + 16.0) <= 0.5, level_a
    assert abs(level_b["I"] + 19.0) <= 0.5, level_b
    assert level_a["TP"] <= -1.0 and level_b["TP"] <= -1.0

    a_bytes = a.read_bytes()
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'path = "b.txt"\n', 'path = "b.txt"\nprofile = "podcast"\n'), encoding="utf-8")
    again = narrate_batch(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    statuses = {k: v["status"] for k, v in report(tmp_path / "r.json").items()}
    assert statuses == {"a.txt": "up to date", "b.txt": "ok"}
    assert a.read_bytes() == a_bytes
    assert profile_of(b) == "podcast"
    assert abs(ebur128(b)["I"] + 16.0) <= 0.5


def test_a_manifest_profile_keeps_explicit_command_line_options(tmp_path: Path) -> None:
    """As with ``--profile``: ``--bitrate`` given explicitly wins over the item's profile."""
    (tmp_path / "a.txt").write_text(review("keep"), encoding="utf-8")
    (tmp_path / "m.csv").write_text("path,profile,output\na.txt,acx,one\na.txt,,two\n",
                                    encoding="utf-8")  # fmt: skip
    one, two = batch.load_manifest(tmp_path / "m.csv")
    assert one.options == {"profile": "acx", "output": "one"} and "profile" not in two.options
    cli_settings = apply_profile(TONE.with_overrides(audio={"bitrate": "64k"}), "podcast",
                                 {"bitrate", "voice"})  # fmt: skip
    plan = batch.plan_batch([one, two], cli_settings, tmp_path / "out",
                            versions=lambda v: ["t"] * len(v))  # fmt: skip
    acx, podcast = (w.settings.audio for w in plan.work)
    assert (acx.profile, acx.bitrate, acx.head, acx.tail) == ("acx", "64k", 0.75, 2.0)
    assert (podcast.profile, podcast.bitrate, podcast.head) == ("podcast", "64k", 0.5)
    assert plan.work[0].fingerprint != plan.work[1].fingerprint


def test_the_fingerprint_follows_the_profile(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(review("fpp"), encoding="utf-8")
    podcast = batch.fingerprint(a, apply_profile(TONE, "podcast"), "T", "t.mp3", "v")
    assert batch.fingerprint(a, apply_profile(TONE, "mono-19"), "T", "t.mp3", "v") != podcast
    # which options were explicit is no part of the audio: the same values, the same print
    same = apply_profile(TONE, "podcast", {"bitrate"})
    assert batch.fingerprint(a, same, "T", "t.mp3", "v") == podcast


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("batch.toml", '[[item]]\npath = "a.txt"\n[[item]]\npath = "a.txt"\nprofile = "loud"\n',
         f"batch.toml: item 2: unknown profile 'loud' {KNOWN}"),
        ("batch.toml", '[defaults]\nprofile = "Podcast"\n[[item]]\npath = "a.txt"\n',
         f"batch.toml: [defaults]: unknown profile 'Podcast' {KNOWN}"),
        ("batch.toml", '[[item]]\npath = "a.txt"\nprofile = 16\n',
         "batch.toml: item 1: 'profile' must be a string, got 16"),
        ("batch.csv", "path,profile\na.txt,podcast\na.txt,acx2\n",
         f"batch.csv: line 3: unknown profile 'acx2' {KNOWN}"),
    ],
)  # fmt: skip
def test_an_unknown_profile_stops_the_run_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(review("badprof"), encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", "--manifest", name, "--engine", "tone",
                                      "--out-dir", "out", "--cache-dir", "cache"])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == f"Error: {error}\n"
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()
