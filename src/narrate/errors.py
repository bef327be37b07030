"""One small exception hierarchy for narrate.

Two families matter to callers:

* ``ItemError`` and its subclasses mean "this input cannot be narrated": a batch
  reports the item as failed and goes on with the rest.
* ``FatalError`` and its subclasses mean "nothing can be narrated on this machine
  or with these settings": a batch stops.

Third-party exceptions are turned into these at one gate per stage, carrying the
file or paragraph they concern, so the CLI can print one ``Error: ...`` line.
"""

from __future__ import annotations


class NarrateError(Exception):
    """Base class of every error narrate raises on purpose."""


class ItemError(NarrateError):
    """Skip-this-item: the input, its options or one of its clips is bad."""


class FatalError(NarrateError):
    """Abort-the-run: a missing tool, an unusable engine or output folder."""


class InputError(ItemError):
    """The review cannot be read or holds nothing to narrate."""


class LexiconError(ItemError):
    """The pronunciation lexicon is not valid."""


class CoverError(ItemError):
    """The cover image is missing or not a JPEG/PNG."""


class ClipError(ItemError):
    """The engine produced no usable audio for one sentence, even after a retry."""

    def __init__(self, message: str, *, paragraph: int | None = None) -> None:
        super().__init__(message)
        self.paragraph = paragraph


class UnknownVoiceError(FatalError):
    """The requested voice does not exist in the engine."""


class DependencyError(FatalError):
    """A system tool (espeak-ng, ffmpeg) or engine library is missing."""


class EngineError(FatalError):
    """The engine could not be started."""


class OutputError(FatalError):
    """The output folder or file cannot be written."""


class EncodeError(ItemError):
    """ffmpeg failed to encode one item."""


class ConfigError(FatalError):
    """A settings, manifest or feed configuration file is invalid."""


class FeedError(NarrateError):
    """A podcast feed cannot be built or updated."""


class SourceError(FatalError):
    """A source of ``narrate publish`` (a blog's feed, by URL or path) cannot be read."""
