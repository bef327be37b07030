"""Encoding stage: PCM stream in, constant-bitrate mono MP3 out, through ffmpeg."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import DependencyError, EncodeError
from .settings import AudioSettings

log = logging.getLogger(__name__)

FFMPEG_HINT = (
    "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) "
    "or run scripts/bootstrap.sh"
)


def ffmpeg_path() -> str:
    path = shutil.which("ffmpeg")
    if not path:
        raise DependencyError(f"ffmpeg not found; {FFMPEG_HINT}")
    return path


def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg_path(), "-version"], capture_output=True, text=True).stdout
    return out.split("\n", 1)[0].replace("ffmpeg version ", "").split(" ")[0]


def mp3_command(rate: int, out: Path, audio: AudioSettings) -> list[str]:
    return [
        ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-map_metadata", "-1", "-ac", "1", "-ar", str(audio.sample_rate),
        "-c:a", "libmp3lame", "-b:a", audio.bitrate,
        "-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "1",
        "-f", "mp3", str(out),
    ]  # fmt: skip


def encode_mp3(
    pcm: Iterable[bytes], rate: int, out: Path, audio: AudioSettings, *, name: str | None = None
) -> None:
    """Feed ``pcm`` (mono s16le at ``rate``) to ffmpeg, writing a CBR MP3 to ``out``.

    ``name`` is what error messages call the file (the target, not a temporary).
    """
    cmd = mp3_command(rate, out, audio)
    log.debug("encoding: %s", " ".join(cmd))
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=errors)
        assert proc.stdin is not None
        try:
            for block in pcm:
                proc.stdin.write(block)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        if code != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()
            last = detail[-1] if detail else f"exit code {code}"
            raise EncodeError(f"ffmpeg could not encode {name or out.name}: {last}")
