"""Temporaries: who made them (process and host), and which a sweep may remove."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narrate import atomic
from narrate.atomic import TMP_PREFIX, atomic_path, host_tag, remove_stale_temporaries

linux_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc")


def state_of(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


@linux_proc
def test_a_zombies_temporary_is_stale(tmp_path: Path) -> None:
    """A killed worker stays a zombie until its parent reaps it; kill(pid, 0) still
    succeeds on it, but it will never finish its file."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # never waited for: a zombie
    try:
        deadline = time.monotonic() + 60  # a safety net only
        while state_of(child.pid) != "Z":
            assert time.monotonic() < deadline, "the child never ended"
            time.sleep(0.01)
        os.kill(child.pid, 0)  # the trap: the zombie "exists"
        assert not atomic.alive(child.pid)
        assert atomic.alive(os.getpid())
        folder = tmp_path
        left = folder / f"{TMP_PREFIX}{child.pid}@{host_tag()}-abc.mp3"
        legacy = folder / f"{TMP_PREFIX}{child.pid}-def.mp3"  # an older narrate's name
        mine = folder / f"{TMP_PREFIX}{os.getpid()}@{host_tag()}-ghi.mp3"
        for p in (left, legacy, mine):
            p.write_bytes(b"")
        assert remove_stale_temporaries(folder) == 2
        assert sorted(p.name for p in folder.iterdir()) == [mine.name]
    finally:
        child.wait()


def test_temporaries_carry_pid_and_host(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "a.mp3") as tmp:
        assert tmp.name.startswith(f"{TMP_PREFIX}{os.getpid()}@{host_tag()}-")
        assert tmp.suffix == ".mp3"
        assert atomic.owner(tmp) == (os.getpid(), host_tag())
    assert (tmp_path / "a.mp3").exists() and not tmp.exists()


def test_another_hosts_temporary_is_left_alone_until_it_is_a_day_old(tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # a pid with no process on this host
    other = "other-host" if host_tag() != host_tag("other-host") else "elsewhere"
    fresh = tmp_path / f"{TMP_PREFIX}{ended.pid}@{host_tag(other)}-a.mp3"
    old = tmp_path / f"{TMP_PREFIX}{ended.pid}@{host_tag(other)}-b.mp3"
    here = tmp_path / f"{TMP_PREFIX}{ended.pid}@{host_tag()}-c.mp3"
    for p in (fresh, old, here):
        p.write_bytes(b"partial")
    day = time.time() - atomic.FOREIGN_STALE - 60
    os.utime(old, (day, day))
    assert remove_stale_temporaries(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == [fresh.name]


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("web01", "web01"),
        ("node.example.org", "node.example.org"),
        ("node-1", "node_1."),
        ("node_1", "node_1"),
        ("x" * 40, "x" * 32 + "."),
        ("", "host."),
        ("h\u00f6st@lab", "h_st_lab."),
    ],
)
def test_host_tags_never_hold_the_separators_and_never_collide(name: str, tag: str) -> None:
    got = host_tag(name)
    assert got.startswith(tag)
    assert "-" not in got and "@" not in got and len(got) <= 40
    assert (got == tag) == (not tag.endswith("."))  # a digest only when the name changed


def test_host_tags_of_names_that_clean_up_alike_differ() -> None:
    names = ["node-1", "node_1", "node 1", "node@1", "x" * 33, "x" * 34]
    assert len({host_tag(n) for n in names}) == len(names)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        (f"{TMP_PREFIX}123@web01-abc.mp3", (123, "web01")),
        (f"{TMP_PREFIX}123-abc.mp3", (123, None)),
        (f"{TMP_PREFIX}123@-abc.mp3", None),
        (f"{TMP_PREFIX}abc.mp3", None),
        (f"{TMP_PREFIX}x@web01-abc.mp3", None),
    ],
)
def test_owner_of_a_temporary(name: str, who: tuple[int, str | None] | None) -> None:
    assert atomic.owner(Path(name)) == who
