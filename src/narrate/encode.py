"""Encoding stage: PCM stream in, constant-bitrate mono MP3 out, through ffmpeg.

The MP3 encoder is the slowest stage by far (about 150x real time per core, where
espeak-ng speaks at over 1000x), so a narration is encoded as several parts at once,
one ffmpeg per part, cut inside pauses: wherever the stream has been silent (digital
zero) for ``CUT_SILENCE`` seconds and the current part is long enough. Each part's
encoder delay and padding would add ``mp3join.junction_samples`` of silence inside
that pause, so exactly that many zero samples are left out there: the joined file
decodes to exactly the samples of the stream, gapless, and the chapter times hold.

The stream stays a stream: each part is fed by its own thread from a queue to its own
ffmpeg, which starts as soon as a core is free (one ffmpeg per core at most); all
queues together hold at most ``QUEUE_BYTES``, so memory stays flat whatever the length.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .errors import DependencyError, EncodeError
from .mp3join import MPEG1_FRAME, Part, join_parts, junction_samples, read_part
from .settings import AudioSettings

log = logging.getLogger(__name__)

FFMPEG_HINT = (
    "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) "
    "or run scripts/bootstrap.sh"
)
CUT_SILENCE = 0.3  # seconds of digital silence a cut needs (a paragraph pause has 0.8)
MIN_PART = 20.0  # seconds: shorter parts cost more in ffmpeg start-up than they save
MAX_PART = 300.0  # seconds: longer parts leave one core idle at the end
QUEUE_BYTES = 8 << 20  # PCM waiting for the encoders, all parts together (3 min)
# LAME's algorithm quality (0 best .. 9 fastest; its default is 3). 7 skips noise shaping,
# which halves the encoder's time; on speech at 96 kbit/s it measures as good as 3
# (PESQ-WB 4.57 against 4.49, SNR +0.8 dB, log-spectral distance +0.24 dB):
# docs/benchmarks.md, and scripts/bench.py --cases quality to measure it again.
LAME_QUALITY = 7


def ffmpeg_path() -> str:
    path = shutil.which("ffmpeg")
    if not path:
        raise DependencyError(f"ffmpeg not found; {FFMPEG_HINT}")
    return path


def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg_path(), "-version"], capture_output=True, text=True).stdout
    return out.split("\n", 1)[0].replace("ffmpeg version ", "").split(" ")[0]


def last_error(log_text: str) -> str:
    """The last error in an ffmpeg log (lines marked by ``-loglevel level+...``), or its
    last line."""
    lines = [line for line in log_text.strip().splitlines() if line.strip()]
    marked = [line for line in lines if "[error]" in line or "[fatal]" in line]
    return (marked or lines or [""])[-1].split("] ", 2)[-1].strip()


def mp3_command(rate: int, out: Path, audio: AudioSettings, filters: str | None = None
                ) -> list[str]:  # fmt: skip
    """ffmpeg encoding mono s16le at ``rate`` from its stdin into the MP3 ``out``.

    ``filters``: an ffmpeg filter chain the PCM goes through first (gain and limiter),
    at the input's rate. Nothing is measured here: what the encoders are given is
    measured on its way to them (``meter``).
    """
    chain = ["-af", filters] if filters else []
    return [
        ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", *chain,
        "-map_metadata", "-1", "-ac", "1", "-ar", str(audio.sample_rate),
        "-c:a", "libmp3lame", "-b:a", audio.bitrate, "-compression_level", str(LAME_QUALITY),
        "-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "1",
        "-f", "mp3", str(out),
    ]  # fmt: skip


def encoders() -> int:
    """How many parts to encode at once: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def upsampling(rate: int, audio: AudioSettings) -> int | None:
    """The whole factor from ``rate`` to the MP3's rate, when parts can be cut exactly.

    Cuts are exact when every output sample count is a whole multiple of input samples
    and a frame's worth of output samples is too; otherwise None (one encoder).
    """
    out = audio.sample_rate
    if out not in (32000, 44100, 48000) or out % rate or MPEG1_FRAME % (out // rate):
        return None
    return out // rate


class _Budget:
    """Bytes queued for all encoders; ``take`` waits while the queues are full."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0
        self.cond = threading.Condition()

    def take(self, n: int) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.used == 0 or self.used + n <= self.limit)
            self.used += n

    def give(self, n: int) -> None:
        with self.cond:
            self.used -= n
            self.cond.notify_all()


class _Encoder:
    """One ffmpeg encoding one part, fed from a queue by its own thread.

    The thread starts ffmpeg when one of ``slots`` is free (at most one encoder per
    core is alive), and frees it when ffmpeg has finished; until then the stream may
    run ahead into the queue, as far as the budget allows.
    """

    def __init__(self, cmd: list[str], budget: _Budget, slots: threading.Semaphore,
                 name: str) -> None:  # fmt: skip
        self.cmd, self.budget, self.slots, self.name = cmd, budget, slots, name
        self.proc: subprocess.Popen[bytes] | None = None
        self.failure: OSError | None = None
        self.broken = False
        self.cancelled = False
        self.errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in wait()
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.samples = 0  # input samples given
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.slots:
            if not self.cancelled:
                try:
                    self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                                 stderr=self.errors)  # fmt: skip
                except OSError as exc:
                    self.failure, self.broken = exc, True
            self._feed()
            if self.proc is not None:
                self.proc.wait()

    def _feed(self) -> None:
        stdin = self.proc.stdin if self.proc is not None else None
        while (block := self.queue.get()) is not None:
            if stdin is not None and not self.broken:
                try:
                    stdin.write(block)
                except OSError:
                    self.broken = True  # ffmpeg died: its exit code and message tell why
            self.budget.give(len(block))
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()

    def put(self, block: bytes) -> None:
        if self.broken:  # fail now, not after synthesizing the rest of the book
            self.close()
            self.wait()
            raise EncodeError(f"ffmpeg could not encode {self.name}: it stopped reading")
        if block:
            self.budget.take(len(block))
            self.queue.put(block)
            self.samples += len(block) // 2

    def close(self) -> None:
        self.queue.put(None)

    def wait(self) -> None:
        self.thread.join()
        try:
            if self.failure is not None:
                raise EncodeError(f"cannot start ffmpeg for {self.name}: {self.failure}")
            code = self.proc.wait() if self.proc is not None else -1
            self.errors.seek(0)
            if code != 0:
                logged = self.errors.read().decode("utf-8", "replace")
                last = last_error(logged) or f"exit code {code}"
                raise EncodeError(f"ffmpeg could not encode {self.name}: {last}")
        finally:
            self.errors.close()

    def kill(self) -> None:
        self.cancelled = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.close()
        self.thread.join()
        self.errors.close()


def _zeros_at_start(block: bytes) -> int:
    return (len(block) - len(block.lstrip(b"\x00"))) // 2


def _zeros_at_end(block: bytes) -> int:
    return (len(block) - len(block.rstrip(b"\x00"))) // 2


_ZERO_BLOCK = bytes(16384)


class _Splitter:
    """Feeds the stream to part encoders, cutting inside long enough silences.

    Zero samples are held back as a count until the next sound (or the end) shows how
    long the silence is: only then is it known whether a cut fits in it.
    """

    def __init__(self, rate: int, out: Path, audio: AudioSettings, factor: int | None,
                 expected_samples: int | None, jobs: int, name: str,
                 filters: str | None = None) -> None:  # fmt: skip
        self.rate, self.out, self.audio, self.factor = rate, out, audio, factor
        self.filters = filters
        self.name = name
        self.budget = _Budget(QUEUE_BYTES)
        self.slots = threading.Semaphore(jobs)
        self.parts: list[tuple[_Encoder, Path]] = []
        seconds = (expected_samples or 0) / rate
        target = min(MAX_PART, max(MIN_PART, seconds / (jobs + 1)))
        self.target = round(target * rate)
        self.need = round(CUT_SILENCE * rate)
        self.split = factor is not None and jobs > 1
        self.pending = 0  # zero samples held back
        self.tmp: Path | None = None
        if self.split:  # the first part is written to ``out``, the others beside each other
            self.tmp = Path(tempfile.mkdtemp(prefix="narrate-parts-"))
        self.current = self._start()

    def _start(self) -> _Encoder:
        n = len(self.parts)
        path = self.out if n == 0 or self.tmp is None else self.tmp / f"part{n:05d}.mp3"
        enc = _Encoder(mp3_command(self.rate, path, self.audio, self.filters), self.budget,
                       self.slots, self.name)  # fmt: skip
        self.parts.append((enc, path))
        return enc

    def _zeros(self, n: int) -> None:
        while n > 0:
            k = min(n, len(_ZERO_BLOCK) // 2)
            self.current.put(_ZERO_BLOCK[: k * 2])
            n -= k

    def _silence_before_sound(self) -> None:
        """Place the held-back silence: cut inside it if it is long and the part too."""
        n, self.pending = self.pending, 0
        if not (self.split and n >= self.need and self.current.samples >= self.target):
            self._zeros(n)
            return
        assert self.factor is not None
        keep = (n - self.need) // 2 + self.need // 4  # silence ending this part
        self._zeros(keep)
        gap = junction_samples(self.current.samples * self.factor) // self.factor
        self.current.close()
        self.current = self._start()
        self._zeros(n - keep - gap)

    def feed(self, block: bytes) -> None:
        if len(block) % 2:
            raise EncodeError("the PCM stream is not whole 16-bit samples")
        lead = _zeros_at_start(block)
        if lead * 2 == len(block):
            self.pending += lead
            return
        self.pending += lead
        self._silence_before_sound()
        trail = _zeros_at_end(block)
        self.current.put(block[lead * 2 : len(block) - trail * 2])
        self.pending = trail

    def finish(self) -> None:
        """Wait for every part, join them."""
        self._zeros(self.pending)
        self.pending = 0
        self.current.close()
        for enc, _ in self.parts:
            enc.wait()
        if self.factor is not None:  # also one part: its header gets the exact padding
            parts: list[Part] = [
                read_part(path, enc.samples * self.factor) for enc, path in self.parts
            ]
            join_parts(parts, self.out)
            if len(parts) > 1:
                log.debug("encoded %d parts at once into %s", len(parts), self.out)

    def abort(self) -> None:
        for enc, _ in self.parts:
            enc.kill()

    def cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def encode_mp3(
    pcm: Iterable[bytes],
    rate: int,
    out: Path,
    audio: AudioSettings,
    *,
    name: str | None = None,
    expected_samples: int | None = None,
    jobs: int | None = None,
    filters: str | None = None,
) -> None:
    """Feed ``pcm`` (mono s16le at ``rate``) to ffmpeg, writing a CBR MP3 to ``out``.

    ``name`` is what error messages call the file (the target, not a temporary).
    ``expected_samples`` (about how long the stream will be) sizes the parts that are
    encoded at once, ``jobs`` at a time (default: the CPUs this process may use; 1 means
    one encoder for the whole stream). ``filters``: the ffmpeg filter chain each part's
    ffmpeg puts the PCM through (see ``mp3_command``).
    """
    jobs = encoders() if jobs is None else jobs
    splitter = _Splitter(rate, out, audio, upsampling(rate, audio), expected_samples, jobs,
                         name or out.name, filters)  # fmt: skip
    try:
        for block in pcm:
            splitter.feed(block)
        splitter.finish()
    except BaseException:
        splitter.abort()
        raise
    finally:
        splitter.cleanup()


def expected_samples(words: int, paragraphs: int, sentences: int, wpm: int, rate: int,
                     audio: AudioSettings) -> int:  # fmt: skip
    """About how many samples narrating ``words`` at ``wpm`` will take (to size parts)."""
    seconds = (
        words * 60 / max(1, wpm)
        + paragraphs * audio.pause
        + max(0, sentences - paragraphs) * audio.sentence_pause
        + audio.head
        + audio.tail
    )
    return math.ceil(seconds * rate)
