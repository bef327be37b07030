"""Atomic output: write to a temporary file in the target folder, then rename.

A reader of the target path sees the old file or the new one, never a part of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import OutputError

TMP_PREFIX = ".narrate-tmp-"


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``target`` is left as it was.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f"{TMP_PREFIX}{os.getpid()}-",
            suffix=suffix if suffix is not None else target.suffix,
            dir=folder,
        )
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def owner_pid(tmp: Path) -> int | None:
    """The id of the process that made a temporary (it is in the name), if any."""
    head = tmp.name[len(TMP_PREFIX) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(
    folder: Path, older_than: float = 0.0, *, pids: Iterable[int] | None = None
) -> int:
    """Delete temporaries left by killed processes (SIGKILL cannot clean up); return the count.

    A temporary is stale when the process named in it is gone (or is one of ``pids``,
    e.g. a worker just killed). One without a process id in its name (an older narrate)
    is stale when not modified for ``older_than`` seconds. A live ``narrate read`` or
    batch worker's temporaries are never touched.
    """
    count = 0
    if not folder.is_dir():
        return 0
    dead = set(pids or ())
    now = time.time()
    for p in folder.glob(TMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            pid = owner_pid(p)
            if pid is None:
                if older_than > 0 and now - p.stat().st_mtime < older_than:
                    continue
            elif pid not in dead and _alive(pid):
                continue
            p.unlink()
            count += 1
    return count
