"""narrate.toml: flag > environment (NARRATE_*) > config file > built-in, and its errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from narrate.cli import cli
from narrate.config import CONFIG_NAME, user_config_path
from narrate.engines import ENGINES
from narrate.tags import read_tags

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def settings(*args: str | Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    result = run(*args, "config", "--json", env=env)
    assert result.exit_code == 0, result.output
    return {row["key"]: row for row in json.loads(result.stdout)["settings"]}


def _fails(result: Result, line: str) -> None:
    assert result.exit_code != 0
    assert result.stderr.rstrip("\n").splitlines()[-1] == line
    assert result.stdout == ""
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- precedence


def test_built_in_without_file_or_environment(home: Path) -> None:
    rows = settings()
    assert rows["rate"]["value"] == 175
    assert rows["rate"]["source"] == "built-in"
    assert rows["pause"]["value"] == 0.8
    assert rows["author"]["value"] is None
    assert rows["rate"]["commands"] == ["read", "batch", "plan", "publish"]
    assert rows["out-dir"]["commands"] == ["batch"]


def test_config_file_in_the_current_folder(home: Path) -> None:
    (home / CONFIG_NAME).write_text('rate = 150\nauthor = "Ann Reader"\n', encoding="utf-8")
    rows = settings()
    assert (rows["rate"]["value"], rows["rate"]["source"]) == (150, "config narrate.toml")
    assert rows["author"]["value"] == "Ann Reader"
    assert rows["album"]["source"] == "built-in"


def test_config_file_in_the_user_config_folder(home: Path) -> None:
    user = user_config_path()
    assert str(user).startswith(str(Path.home())) or "xdg-config" in str(user)
    user.parent.mkdir(parents=True)
    user.write_text("rate = 140\n", encoding="utf-8")
    rows = settings()
    assert (rows["rate"]["value"], rows["rate"]["source"]) == (140, f"config {user}")
    # The current folder's file wins over the user's.
    (home / CONFIG_NAME).write_text("rate = 150\n", encoding="utf-8")
    assert settings()["rate"]["value"] == 150


def test_config_option_and_environment_name_the_file(home: Path, tmp_path: Path) -> None:
    (home / CONFIG_NAME).write_text("rate = 150\n", encoding="utf-8")
    other = tmp_path / "show.toml"
    other.write_text("rate = 130\n", encoding="utf-8")
    assert settings("--config", other)["rate"]["value"] == 130
    assert settings(env={"NARRATE_CONFIG": str(other)})["rate"]["value"] == 130


def test_environment_beats_the_config_file(home: Path) -> None:
    (home / CONFIG_NAME).write_text("rate = 150\nchapters-json = false\n", encoding="utf-8")
    rows = settings(env={"NARRATE_RATE": "200", "NARRATE_CHAPTERS_JSON": "1"})
    assert (rows["rate"]["value"], rows["rate"]["source"]) == (200, "environment NARRATE_RATE")
    assert rows["chapters-json"]["value"] is True
    assert rows["sentence-pause"]["env"] == "NARRATE_SENTENCE_PAUSE"


def test_flag_beats_environment_and_config_file(home: Path, tone_review: Path) -> None:
    """Seen through ``plan``: its estimate is words / rate, so the rate in force shows."""
    (home / CONFIG_NAME).write_text("rate = 150\n", encoding="utf-8")

    def estimate(*args: str, env: dict[str, str] | None = None) -> float:
        result = run("plan", tone_review, "--json", *args, env=env)
        assert result.exit_code == 0, result.output
        return sum(r["est_seconds"] for r in json.loads(result.stdout)["segments"])

    from_file, from_env = estimate(), estimate(env={"NARRATE_RATE": "300"})
    from_flag = estimate("--rate", "100", env={"NARRATE_RATE": "300"})
    (home / CONFIG_NAME).unlink()
    built_in = estimate()
    assert from_flag > from_file > built_in > from_env  # 100, 150, 175 and 300 wpm


def test_relative_paths_are_resolved_against_the_config_file(home: Path, tmp_path: Path) -> None:
    show = tmp_path / "show"
    show.mkdir()
    (show / CONFIG_NAME).write_text('cover = "art/cover.png"\nlexicon = "/abs/x.toml"\n')
    rows = settings("--config", show / CONFIG_NAME)
    assert rows["cover"]["value"] == str(show / "art" / "cover.png")
    assert rows["lexicon"]["value"] == "/abs/x.toml"


def test_config_output_is_a_config_file_that_gives_the_same_settings(home: Path) -> None:
    (home / CONFIG_NAME).write_text(
        'rate = 150\ntranscript = ["srt", "vtt"]\nintro = "{title}. By \\"{author}\\"."\n'
        'author = "Ann"\nchapters-json = true\nid3-version = 4\npause = 1\n',
        encoding="utf-8",
    )
    result = run("config")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "# config file: narrate.toml"
    data = tomllib.loads(result.stdout)
    assert data["rate"] == 150 and data["transcript"] == ["srt", "vtt"]
    assert data["intro"] == '{title}. By "{author}".'
    assert data["pause"] == 1.0 and data["id3-version"] == "4"
    assert "author = \"Ann\"" in result.stdout
    (home / CONFIG_NAME).write_text(result.stdout, encoding="utf-8")
    again = run("config")
    assert tomllib.loads(again.stdout) == data


def test_the_config_file_reaches_the_mp3(home: Path, tone_review: Path, tmp_path: Path) -> None:
    (home / CONFIG_NAME).write_text(
        'engine = "tone"\nauthor = "Ann Reader"\nalbum = "Weekly"\n'
        f'cache-dir = "{tmp_path / "cache"}"\n'
        'intro = "{title}, read for {album}."\ntranscript = "vtt"\n',
        encoding="utf-8",
    )
    result = run("read", tone_review, "-o", tmp_path / "out.mp3")
    assert result.exit_code == 0, result.output
    tags = read_tags(tmp_path / "out.mp3")
    assert (tags.artist, tags.album) == ("Ann Reader", "Weekly")
    assert tags.chapters[0].title == "Introduction"
    assert (tmp_path / "out.vtt").read_text("utf-8").count("read for Weekly.") == 1


def test_batch_takes_its_own_options_from_the_file(home: Path, tone_review: Path) -> None:
    (home / CONFIG_NAME).write_text('out-dir = "episodes"\njobs = 1\n', encoding="utf-8")
    rows = settings()
    assert rows["out-dir"]["value"] == "episodes"
    assert rows["jobs"]["value"] == 1


def test_a_broken_config_file_does_not_touch_commands_that_do_not_use_it(home: Path) -> None:
    (home / CONFIG_NAME).write_text("rate = \n", encoding="utf-8")
    assert run("voices", "--engine", "tone").exit_code == 0
    _fails(run("config"), "Error: narrate.toml: invalid TOML: Invalid value (at line 1, column 8)")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rat = 150", "unknown key 'rat' (did you mean 'rate'?)"),
        ("sentence_pause = 0.3", "unknown key 'sentence_pause' (did you mean 'sentence-pause'?)"),
        ("output = 'x.mp3'", "unknown key 'output'"),
        ("[read]\nrate = 150", "unknown key 'read' (did you mean 'head'?)"),
        ('rate = "fast"', "key 'rate': must be an integer, not a string"),
        ("rate = 150.5", "key 'rate': must be an integer, not a number"),
        ("rate = true", "key 'rate': must be an integer, not true or false"),
        ("rate = 500", "key 'rate': 500 is not in the range 60<=x<=450."),
        ('pause = "long"', "key 'pause': must be a number, not a string"),
        ("pause = 31", "key 'pause': 31.0 is not in the range 0.0<=x<=30.0."),
        ("chapters-json = 1", "key 'chapters-json': must be true or false, not an integer"),
        ("author = 42", "key 'author': must be a string, not an integer"),
        ("author = ['a', 'b']", "key 'author': must be a string, not a list"),
        ("cover = 7", "key 'cover': must be a string (a path), not an integer"),
        ("cover = ''", "key 'cover': must not be empty"),
        ("transcript = 'mp4'", "key 'transcript': unknown transcript format 'mp4' "
                               "(use srt, vtt or srt,vtt)"),
        ("transcript = [1]", "key 'transcript': must be a string or a list of strings, "
                             "not a list"),
        ("engine = 'nope'", "key 'engine': 'nope' is not one of "
                            + ", ".join(repr(name) for name in sorted(ENGINES)) + "."),
        ("id3-version = 5", "key 'id3-version': 5 is not one of '3', '4'."),
        ("date = '2024-13-01'", "key 'date': date '2024-13-01' is not a real date "
                                "(for example 2024-05-31 or 2024)"),
        ("intro = '{autor}'", "key 'intro': unknown field {autor} (fields: title, author, "
                              "album, genre, date, year, rating)"),
        ("rate = ", "invalid TOML: Invalid value (at line 1, column 8)"),
    ],
)  # fmt: skip
def test_each_bad_config_is_one_error_line_naming_file_and_key(
    home: Path, text: str, message: str
) -> None:
    (home / CONFIG_NAME).write_text(text + "\n", encoding="utf-8")
    for command in (("config",), ("plan",), ("read",), ("batch", "x.txt")):
        _fails(run(*command), f"Error: narrate.toml: {message}")


def test_config_file_errors(home: Path, tmp_path: Path) -> None:
    _fails(run("--config", tmp_path / "none.toml", "config"),
           f"Error: {tmp_path / 'none.toml'}: config file not found")  # fmt: skip
    latin = tmp_path / "latin.toml"
    latin.write_bytes('author = "Mu\xf1oz"\n'.encode("latin-1"))
    _fails(run("--config", latin, "config"), f"Error: {latin}: invalid TOML: not UTF-8 text")
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    result = run("--config", folder, "config")
    assert result.exit_code == 2
    assert f"Invalid value for '--config': File '{folder}' is a directory." in result.stderr
    # A folder named narrate.toml in the current folder is no config file: it is passed over.
    (home / CONFIG_NAME).mkdir()
    assert settings()["rate"]["source"] == "built-in"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_config_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.toml"
    locked.write_text("rate = 150\n")
    locked.chmod(0)
    _fails(run("--config", locked, "config"), f"Error: {locked}: cannot read: Permission denied")


def test_a_bad_environment_value_names_its_variable(home: Path, tmp_path: Path) -> None:
    rate = ("Error: Invalid value for '--rate' (from the environment variable NARRATE_RATE): "
            "'fast' is not a valid integer range.")  # fmt: skip
    for command in (("plan",), ("read",), ("batch", "x.txt")):
        result = run(*command, env={"NARRATE_RATE": "fast"})
        assert result.exit_code == 2  # a usage error, as click reports it for the flag
        assert result.stderr.splitlines()[-1] == rate
        # the same value given as a flag: the option only
        flag = run(*command, "--rate", "fast")
        assert flag.stderr.splitlines()[-1] == (
            "Error: Invalid value for '--rate': 'fast' is not a valid integer range."
        )
    _fails(run("config", env={"NARRATE_RATE": "fast"}), rate)
    jobs = run("batch", "x.txt", env={"NARRATE_JOBS": "0"})
    assert jobs.stderr.splitlines()[-1] == (
        "Error: Invalid value for '-j' / '--jobs' (from the environment variable NARRATE_JOBS): "
        "0 is not in the range x>=1."
    )
    debug = run("plan", env={"NARRATE_DEBUG": "maybe"})
    assert debug.exit_code == 2
    assert debug.stderr.splitlines()[-1].startswith(
        "Error: Invalid value for '--debug' (from the environment variable NARRATE_DEBUG): "
        "'maybe' is not a valid boolean."
    )
    missing = tmp_path / "none.toml"
    _fails(run("config", env={"NARRATE_CONFIG": str(missing)}),
           f"Error: {missing}: config file not found (from the environment variable "
           "NARRATE_CONFIG)")  # fmt: skip
