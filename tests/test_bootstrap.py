"""scripts/bootstrap.sh's system step: what it says when it cannot install packages.

The script runs with a PATH of stand-ins only (``uname``, ``id``, ``sudo``, the tools it
looks for), so no package is ever installed; with no Python on that PATH, a system
step that passes stops at "Python 3.10 or newer is needed", before any ``.venv``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bootstrap.sh"
NO_PYTHON = "bootstrap: Python 3.10 or newer is needed (python3 -m venv must work)."


def stub(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def bootstrap(
    tmp_path: Path, system: str, have: tuple[str, ...], sudo: str | None, extra: Path | None = None
) -> list[str]:
    """The script's stderr lines as a non-root user of ``system`` with ``have`` installed;
    ``sudo``: None (no sudo) or the body of a sudo that refuses to run without a password;
    ``extra``: a folder of stand-ins searched first (e.g. an ``ldconfig``)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("grep", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    stub(bin_dir, "uname", f"echo {system}")
    stub(bin_dir, "id", "echo 1000")
    stub(bin_dir, "apt-get", "echo apt-get ran >&2; exit 3")
    if sudo is not None:
        stub(bin_dir, "sudo", sudo)
    for tool in have:
        stub(bin_dir, tool)
    run = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(SCRIPT)],
        env={"PATH": f"{extra}:{bin_dir}" if extra else str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    return run.stderr.splitlines()


linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")


@linux
def test_a_user_path_without_sbin_still_finds_the_espeak_library(tmp_path: Path) -> None:
    """Debian keeps ldconfig in /sbin, off a user's PATH: espeak-ng is not "missing"."""
    lines = bootstrap(tmp_path, "Linux", ("espeak-ng", "ffmpeg", "ffprobe"), sudo=None)
    assert lines == [NO_PYTHON]


@pytest.mark.parametrize(
    ("sudo", "expected"),
    [
        (None, ["bootstrap: not root and no sudo. As root, run:",
                "bootstrap:   apt-get update && apt-get install -y ffmpeg"]),
        ("exit 1", ["bootstrap: not root, and sudo needs a password. Please run:",
                    "bootstrap:   sudo apt-get update && sudo apt-get install -y ffmpeg"]),
    ],
)  # fmt: skip
@linux
def test_debian_without_root_prints_the_packages_and_the_command(
    tmp_path: Path, sudo: str | None, expected: list[str]
) -> None:
    lines = bootstrap(tmp_path, "Linux", ("espeak-ng",), sudo)
    assert lines == ["bootstrap: missing system packages: ffmpeg", *expected]


def test_macos_without_homebrew_prints_the_brew_command(tmp_path: Path) -> None:
    assert bootstrap(tmp_path, "Darwin", (), sudo=None) == [
        "bootstrap: missing system packages: espeak-ng ffmpeg",
        "bootstrap: Homebrew not found. Install it (https://brew.sh), then run: "
        "brew install espeak-ng ffmpeg",
    ]


@linux
@pytest.mark.parametrize("listed", [True, False])
def test_a_long_library_listing_is_read_whole(tmp_path: Path, listed: bool) -> None:
    """ldconfig's listing, far longer than a pipe holds, with espeak-ng's library first.

    Piped into ``grep -q`` under pipefail, the writer always died of SIGPIPE once grep
    stopped at the first line, and bootstrap called espeak-ng missing (the flaky 2 in 200
    with the real, shorter listing). The stub makes that race certain.
    """
    first = "\tlibespeak-ng.so.1 (libc6,x86-64) => /usr/lib/libespeak-ng.so.1" if listed else ""
    ldconfig = (
        f'printf "%s\\n" "{first}"\n'
        "i=0\n"
        "while [ $i -lt 20000 ]; do\n"
        '  printf "\\tlibfiller%d.so.1 (libc6,x86-64) => /usr/lib/libfiller%d.so.1\\n" $i $i\n'
        "  i=$((i+1))\n"
        "done"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "ldconfig", ldconfig)
    home = tmp_path / "home"
    home.mkdir()
    lines = bootstrap(home, "Linux", ("espeak-ng", "ffmpeg", "ffprobe"), sudo=None, extra=bin_dir)
    if listed:
        assert lines == [NO_PYTHON]
    else:
        assert lines == [
            "bootstrap: missing system packages: espeak-ng",
            "bootstrap: not root and no sudo. As root, run:",
            "bootstrap:   apt-get update && apt-get install -y espeak-ng libespeak-ng1",
        ]


def test_no_script_pipes_into_a_reader_that_stops_early() -> None:
    """The whole class: under pipefail, ``cmd | grep -q`` or ``| head`` fails by SIGPIPE."""
    early = re.compile(r"\|\s*(grep\s+(-\w*\s+)*-\w*[qlm]|head\b|sed\s+-n\s+\S*q)")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(SCRIPT.parent.glob("*.sh"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith("#") and early.search(line)
    ]
    assert offenders == []
