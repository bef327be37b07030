"""Shared fixtures (append only: several test modules use this file)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from narrate.clips import ClipStore

# Short sentences, each passing clips.verify at the tone engine's 0.02 s per character.
TONE_REVIEW = (
    "A Quiet Test Review\n\n"
    "The first paragraph opens here. It has a second sentence too.\n\n"
    "Another paragraph speaks briefly.\n\n"
    "The closing paragraph arrives. Then it ends. Finally done.\n"
)


@pytest.fixture
def clip_store(tmp_path: Path) -> ClipStore:
    """A clip cache private to the test."""
    return ClipStore(tmp_path / "cache")


@pytest.fixture
def tone_review(tmp_path: Path) -> Path:
    """A small plain-text review: a title line, then 3 paragraphs of 2, 1 and 3 sentences."""
    path = tmp_path / "review.txt"
    path.write_text(TONE_REVIEW, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _restore_logging():
    """The CLI points the root logger at the runner's stderr: undo that after every test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No narrate.toml and no NARRATE_<option> variable of the developer's reaches a test."""
    from narrate.cli.config import configured_options
    from narrate.config import CONFIG_ENV

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    for _, option in configured_options():
        if isinstance(option.envvar, str):
            monkeypatch.delenv(option.envvar, raising=False)


@pytest.fixture(scope="session")
def _silent_mp3_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess

    path = tmp_path_factory.mktemp("silent") / "silent.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "1",
         "-b:a", "32k", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture
def silent_mp3(tmp_path: Path, _silent_mp3_once: Path) -> Path:
    """A fresh copy of a 1-second silent mono MP3 made by ffmpeg, with no tags, to tag."""
    import shutil

    path = tmp_path / "silent.mp3"
    shutil.copy(_silent_mp3_once, path)
    return path
