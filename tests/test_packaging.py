"""The distribution's name, its bounds, and click's shell completion of the narrate command."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import narrate

ROOT = Path(__file__).resolve().parents[1]
DIST = "narrate-reviews"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_the_import_narrate_comes_from_the_narrate_reviews_distribution() -> None:
    assert DIST in metadata.packages_distributions()["narrate"]
    assert metadata.version(DIST) == narrate.__version__
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")
               if e.dist is not None and e.dist.name == DIST}  # fmt: skip
    assert scripts == {"narrate": "narrate.cli:main"}


def test_bounds_on_the_libraries_narrate_reaches_into() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    deps = {d.split(">")[0].split("=")[0].split(";")[0].strip(): d
            for d in project["project"]["dependencies"]}  # fmt: skip
    assert deps["pyttsx3"] == "pyttsx3>=2.99,<2.100"
    assert deps["mutagen"] == "mutagen>=1.47,<1.49"
    dev = project["project"]["optional-dependencies"]["dev"]
    assert [d for d in dev if d.startswith("ruff")] == ["ruff==0.17.6"]
    assert all(not d.startswith("narrate[") for d in dev)  # own extras by the own name
    assert project["build-system"]["requires"][0] == "setuptools>=77"
    assert project["project"]["name"] == DIST


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "_narrate_completion()"), ("zsh", "#compdef narrate"),
     ("fish", "function _narrate_completion")],
)  # fmt: skip
def test_completion_scripts(shell: str, marker: str) -> None:
    env = {**os.environ, "_NARRATE_COMPLETE": f"{shell}_source"}
    out = subprocess.run([sys.executable, "-m", "narrate"], env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert marker in out


def test_bash_completes_commands_and_choices() -> None:
    def complete(words: str) -> list[str]:
        env = {**os.environ, "_NARRATE_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        out = subprocess.run([sys.executable, "-m", "narrate"], env=env, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return [line.split(",", 1)[1] for line in out.splitlines()]

    assert complete("narrate ins") == ["inspect"]
    assert "tone" in complete("narrate read --engine ")
