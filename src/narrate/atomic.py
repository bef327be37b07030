"""Atomic output: write to a temporary file in the target folder, then rename.

A reader of the target path sees the old file or the new one, never a part of one.

A temporary's name says who writes it: ``.narrate-tmp-<pid>@<host>-<random><suffix>``.
Output folders may be shared by several machines (a Dask cluster on a network
filesystem), so a sweep removes only temporaries of *this* host's dead processes;
another host's are left alone unless untouched for a day.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import OutputError

TMP_PREFIX = ".narrate-tmp-"
FOREIGN_STALE = 24 * 3600.0  # seconds untouched before another host's temporary is stale


def host_tag(name: str | None = None) -> str:
    """This host's name as it appears in temporaries: no ``-`` or ``@``, at most 40
    characters; a short digest of the real name is added whenever it had to be changed,
    so two hosts never share a tag."""
    name = socket.gethostname() if name is None else name
    safe = re.sub(r"[^A-Za-z0-9._]", "_", name)[:32] or "host"
    if safe != name:
        safe += "." + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return safe


def _tmp_prefix() -> str:
    return f"{TMP_PREFIX}{os.getpid()}@{host_tag()}-"


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``target`` is left as it was.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    tmp: Path | None = None
    try:  # one try from the moment the temporary exists: Ctrl-C anywhere removes it
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                prefix=_tmp_prefix(),
                suffix=suffix if suffix is not None else target.suffix,
                dir=folder,
            )
        except OSError as exc:
            raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
        tmp = Path(name)
        os.close(fd)
        yield tmp
        try:
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_bytes_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` atomically unless it already holds exactly that;
    whether it was written. An unchanged file keeps its mtime (a rerun that changed
    nothing rewrites nothing); an unreadable one is written anew."""
    try:
        current = target.read_bytes() if target.is_file() else None
    except OSError:
        current = None
    if current == data:
        return False
    write_bytes_atomic(target, data)
    return True


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def owner(tmp: Path) -> tuple[int, str | None] | None:
    """Who made a temporary, from its name: ``(pid, host tag)``; the host is ``None``
    in the names of older narrates (which meant this host). ``None``: it does not say."""
    head = tmp.name[len(TMP_PREFIX) :].split("-", 1)[0]
    pid, at, host = head.partition("@")
    if not pid.isdigit() or (at and not host):
        return None
    return int(pid), (host if at else None)


def owner_pid(tmp: Path) -> int | None:
    """The id of the process that made a temporary (it is in the name), if any."""
    found = owner(tmp)
    return found[0] if found else None


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs.

    A zombie (killed, not yet reaped by its parent) is not alive: ``kill(pid, 0)``
    succeeds on it, but it will never write another byte. Linux tells by the state
    letter in ``/proc/<pid>/stat``; elsewhere only ``kill(pid, 0)`` is asked.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return not Path("/proc/self/stat").exists()  # gone, where /proc exists
    except OSError:
        return True
    # "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ")"
    state = stat.rpartition(")")[2].split()[:1]
    return state not in (["Z"], ["X"], ["x"])


def remove_stale_temporaries(
    folder: Path, older_than: float = 0.0, *, pids: Iterable[int] | None = None
) -> int:
    """Delete temporaries left by killed processes (SIGKILL cannot clean up); return the count.

    A temporary of this host is stale when the process named in it is gone or a zombie
    (or is one of ``pids``, e.g. a worker just killed). Another host's is stale only
    when not modified for ``FOREIGN_STALE`` seconds: its process cannot be asked. One
    without a process id in its name is stale when not modified for ``older_than``
    seconds. A live ``narrate read`` or batch worker's temporaries are never touched.
    """
    count = 0
    if not folder.is_dir():
        return 0
    dead = set(pids or ())
    here = host_tag()
    now = time.time()
    for p in folder.glob(TMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            made_by = owner(p)
            if made_by is None:
                if older_than > 0 and now - p.stat().st_mtime < older_than:
                    continue
            elif made_by[1] not in (None, here):
                if now - p.stat().st_mtime < FOREIGN_STALE:
                    continue
            elif made_by[0] not in dead and alive(made_by[0]):
                continue
            p.unlink()
            count += 1
    return count
