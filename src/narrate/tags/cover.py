"""Cover art: a JPEG or PNG file, checked by its bytes, read with a size cap."""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import CoverError
from ..files import TooLarge, read_capped, too_large_message

log = logging.getLogger(__name__)

COVER_MAX_BYTES = 16 * 1024 * 1024
_COVER_WARN_BYTES = 1024 * 1024

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_OTHER_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def load_cover(path: Path) -> tuple[bytes, str]:
    """Return ``(data, mime)`` of a JPEG or PNG cover, detected by magic bytes.

    Anything else raises ``CoverError`` naming the file.
    """
    path = Path(path)
    try:
        data = read_capped(path, COVER_MAX_BYTES)
    except TooLarge as exc:
        raise CoverError(too_large_message(str(path), "cover image", exc.limit)) from exc
    except FileNotFoundError as exc:
        raise CoverError(f"{path}: cover image not found") from exc
    except IsADirectoryError as exc:
        raise CoverError(f"{path}: cover image is a folder, not a file") from exc
    except OSError as exc:
        raise CoverError(f"{path}: cannot read cover image: {exc.strerror or exc}") from exc
    if not data:
        raise CoverError(f"{path}: cover image is empty")
    if data.startswith(_PNG_MAGIC):
        mime = "image/png"
        # Signature, then an IHDR chunk of 13 bytes; the last chunk is IEND.
        if len(data) < 33 or data[12:16] != b"IHDR" or data.rfind(b"IEND") < 33:
            raise CoverError(f"{path}: cover image is a truncated or damaged PNG")
    elif data.startswith(_JPEG_MAGIC):
        mime = "image/jpeg"
        # A JPEG ends with an EOI marker (some cameras append data after it).
        if len(data) < 4 or data.rfind(b"\xff\xd9") < 3:
            raise CoverError(f"{path}: cover image is a truncated or damaged JPEG")
    else:
        kind = next((name for magic, name in _OTHER_IMAGES if data.startswith(magic)), None)
        if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            kind = "WebP"
        what = f"a {kind} image" if kind else "not an image narrate can read"
        raise CoverError(f"{path}: cover image is {what}; use a JPEG or PNG file")
    if len(data) > _COVER_WARN_BYTES:
        log.warning("%s: cover image is %d bytes; podcast apps prefer < 1 MB", path, len(data))
    return data, mime
