"""Progress bars on stderr, drawn with rich, only when stderr is a terminal.

``read``: one bar of sentences done/total, the minutes of audio made, the elapsed time
and the ETA. ``batch``: an overall bar of items (audio minutes, elapsed, the ETA the
batch core estimates) plus one line per running worker saying which review it is on,
its phase and its sentences. Nothing is drawn when stderr is not a terminal or with
``--quiet``: then the log lines are all there is. Log lines written while a bar is up
are printed above it, so the two never tangle.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .format import minutes

if TYPE_CHECKING:
    from ..batch import Progress as BatchProgress

_PHASES = {"load": "reading", "synth": "speaking", "encode": "encoding", "wait": "waiting"}


def wanted(quiet: bool, stream: Any = None) -> bool:
    """Draw bars? Only for a person: stderr is a terminal and ``--quiet`` is off."""
    stream = stream if stream is not None else sys.stderr
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


def _console() -> Console:
    return Console(file=sys.stderr, force_terminal=True, highlight=False)


class _AudioColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        if "audio" not in task.fields:  # a worker's line: the overall bar says it
            return Text("")
        return Text(f"{task.fields['audio'] / 60:.1f} min audio")


class _EtaColumn(ProgressColumn):
    """The elapsed time and ETA the batch core measures (it knows the running items)."""

    def render(self, task: Task) -> Text:
        if "eta" not in task.fields:
            return Text("")
        eta = task.fields["eta"]
        elapsed = minutes(task.fields.get("elapsed", 0.0))
        return Text(f"{elapsed} elapsed, ETA " + ("-:--" if eta is None else minutes(eta)))


class _LogWriter:
    """A stream for the log handlers while a bar is up: each line goes above the bar."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.buffer = ""

    def write(self, text: str) -> int:
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.console.print(Text(line))
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def _logs_above(console: Console) -> Iterator[None]:
    handlers = [
        h for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.stream is sys.stderr
    ]  # fmt: skip
    writer = _LogWriter(console)
    for h in handlers:
        h.setStream(writer)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for h in handlers:
            h.setStream(sys.stderr)


@contextlib.contextmanager
def read_progress(quiet: bool) -> Iterator[Callable[[int, int, Any], None] | None]:
    """``on_clip`` for ``narrate()``, drawing a bar; None when nothing is to be drawn."""
    if not wanted(quiet):
        yield None
        return
    console = _console()
    bar = Progress(
        TextColumn("narrating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sentences"),
        _AudioColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task = bar.add_task("read", total=None, audio=0.0)
    made = [0.0]

    def on_clip(done: int, total: int, clip: Any) -> None:
        made[0] += clip.frames / clip.sample_rate if clip.sample_rate else 0.0
        bar.update(task, completed=done, total=total, audio=made[0])

    with bar, _logs_above(console):
        yield on_clip


class _Workers:
    """One task per running batch item, added and removed as the items come and go."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[int, Any] = {}

    def update(self, p: BatchProgress) -> None:
        live = {w.index for w in p.workers}
        for index in [i for i in self.tasks if i not in live]:
            self.bar.remove_task(self.tasks.pop(index))
        for w in p.workers:
            phase = _PHASES.get(w.phase, w.phase)
            where = f"{phase} paragraph {w.paragraph}" if w.phase == "synth" else phase
            label = f"  {w.title[:40]}: {where}"
            if w.index not in self.tasks:
                self.tasks[w.index] = self.bar.add_task(label, total=w.total or None)
            self.bar.update(self.tasks[w.index], description=label, completed=w.done,
                            total=w.total or None)  # fmt: skip


@contextlib.contextmanager
def batch_progress(quiet: bool) -> Iterator[Callable[[BatchProgress], None] | None]:
    """``on_progress`` for ``run_batch()``: overall bar plus a line per worker."""
    if not wanted(quiet):
        yield None
        return
    console = _console()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        _AudioColumn(),
        _EtaColumn(),
        console=console,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    overall = bar.add_task("narrating", total=None, audio=0.0, eta=None, elapsed=0.0)
    workers = _Workers(bar)

    def on_progress(p: BatchProgress) -> None:
        bar.update(overall, completed=p.done, total=p.total, audio=p.audio_seconds, eta=p.eta,
                   elapsed=p.elapsed)  # fmt: skip
        workers.update(p)

    with bar, _logs_above(console):
        yield on_progress
