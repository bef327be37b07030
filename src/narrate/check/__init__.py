"""``narrate check``: audit finished MP3s against a delivery profile.

Format (codec, rate, channels, bitrate mode), levels (loudness, true peak, RMS,
noise floor, head and tail), tags and chapters, and optionally the content: that
each chapter speaks its own paragraph (``content``, behind ``narrate[verify]``).
"""

from .audit import audit
from .model import FAIL, INCONCLUSIVE, INFO, PASS, FileReport, Finding

__all__ = ["FAIL", "INCONCLUSIVE", "INFO", "PASS", "FileReport", "Finding", "audit"]
