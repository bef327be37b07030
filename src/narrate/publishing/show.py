"""The show file of ``narrate publish``: the podcast TOML and narrate.toml, one or both.

One TOML file may hold both:

* the channel keys of today's podcast TOML (``title``, ``link``, ``owner_email`` ...),
  at the top level, or in a ``[podcast]`` table of a ``narrate.toml``;
* narration options as ``narrate.toml`` writes them (``rate = 150``, ``engine``,
  ``outro`` ...), at the top level of a ``narrate.toml``, or in a ``[narrate]`` table
  of a podcast TOML (where ``title``, ``author`` ... are the show's);
* ``disclosure``: the sentence spoken at the end of every episode to say that the voice
  is synthetic. Default :data:`DEFAULT_DISCLOSURE`; a show may reword it; only
  ``disclosure = false`` turns it off (an empty string is refused: not by accident).

The narration options are checked by the caller (the CLI knows the options' schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import read_toml
from ..errors import ConfigError
from ..feed.config import CHANNEL_KEYS, ChannelConfig, channel_config

DEFAULT_DISCLOSURE = "This review was read by a synthetic voice."
DISCLOSURE_KEY = "disclosure"
MAX_DISCLOSURE_CHARS = 300


@dataclass(frozen=True)
class Show:
    path: Path
    channel: ChannelConfig
    narration: dict[str, Any] = field(default_factory=dict)  # narrate.toml keys, unchecked
    disclosure: str | None = DEFAULT_DISCLOSURE  # None: turned off explicitly


def _disclosure(path: Path, value: Any) -> str | None:
    if value is False:
        return None
    if value is True:
        return DEFAULT_DISCLOSURE
    if not isinstance(value, str):
        raise ConfigError(f"{path}: key '{DISCLOSURE_KEY}' must be a sentence or false")
    text = " ".join(value.split())
    if not text:
        raise ConfigError(
            f"{path}: key '{DISCLOSURE_KEY}' is empty; to speak no disclosure, write "
            f"{DISCLOSURE_KEY} = false"
        )
    if len(text) > MAX_DISCLOSURE_CHARS:
        raise ConfigError(
            f"{path}: key '{DISCLOSURE_KEY}' is longer than {MAX_DISCLOSURE_CHARS} characters"
        )
    return text


def load_show(path: Path) -> Show:
    """Read a show file (see the module's doc); :class:`ConfigError` names what is wrong."""
    path = Path(path)
    data = read_toml(path)
    disclosure: Any = DEFAULT_DISCLOSURE
    if isinstance(data.get("podcast"), dict):  # a narrate.toml with a [podcast] table
        channel = dict(data["podcast"])
        narration = {k: v for k, v in data.items() if k != "podcast"}
        for where in (narration, channel):
            if DISCLOSURE_KEY in where:
                disclosure = where.pop(DISCLOSURE_KEY)
    else:  # a podcast TOML, maybe with a [narrate] table
        table = data.get("narrate", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'narrate' must be a table of narration options")
        channel = {k: v for k, v in data.items() if k in CHANNEL_KEYS}
        narration = {k: v for k, v in data.items()
                     if k not in CHANNEL_KEYS and k not in ("narrate", DISCLOSURE_KEY)}  # fmt: skip
        for key, value in table.items():
            if key in narration:
                raise ConfigError(f"{path}: key '{key}' is set twice (and in [narrate])")
            narration[key] = value
        if DISCLOSURE_KEY in narration:
            disclosure = narration.pop(DISCLOSURE_KEY)
        if DISCLOSURE_KEY in data:
            disclosure = data[DISCLOSURE_KEY]
        if not channel:
            raise ConfigError(
                f"{path}: no podcast settings (title, link, owner_email ...) at the top "
                "level or in a [podcast] table"
            )
    return Show(path, channel_config(path, channel), narration, _disclosure(path, disclosure))


def outro_with_disclosure(outro: str | None, disclosure: str | None) -> str | None:
    """The outro template with the disclosure spoken after it (braces kept literal)."""
    if disclosure is None:
        return outro
    spoken = disclosure.replace("{", "{{").replace("}", "}}")
    return f"{outro.rstrip()} {spoken}" if outro and outro.strip() else spoken
