"""Publish a folder of narrated MP3s as a podcast RSS feed (Apple Podcasts + Podcasting 2.0).

Three entry points, all plain data in and out (one module per job: ``config``,
``episode``, ``items``, ``build``, ``add``, ``publish``, ``check``; ``rss`` holds the
shared XML vocabulary):

* :func:`build_feed` scans ``folder/*.mp3`` and writes a complete ``feed.xml``;
* :func:`add_episode` adds or refreshes one episode in an existing feed and leaves
  every other item alone, including items and namespaces narrate did not write;
* :func:`check_feed` lists what Apple Podcasts or a Podcasting 2.0 index would reject.

Choices made here (documented for users of the feed):

* Items are written **newest first** (publication date, then file name, both descending),
  the usual order for RSS; for a ``serial`` show clients order by ``itunes:episode``.
* A date-only tag (``YYYY-MM-DD``) is published at **12:00 UTC** that day, so the calendar
  date is the same for listeners from UTC-11 to UTC+11. An MP3 without a date tag is
  published at its file modification time.
* ``itunes:episode`` is written only when the MP3 has a track number (TRCK): numbering
  by position would renumber old episodes whenever an older-dated one is added.
* The episode GUID is the MP3's own ``PODCAST_GUID`` tag, else a UUID5 of its full
  enclosure URL (never of a bare file name, which another host may use too), so it never
  changes when the feed is rebuilt or another file is added. Items are matched by GUID,
  then by full enclosure URL. Two MP3s with one GUID (a copy) get one each.
* A feed is written under a lock for the whole read-modify-write (its lock file is in
  narrate's user cache folder, never in the published folder), and only after
  :func:`check_feed` finds no (new) error in it.
* A damaged MP3 (cut short: fewer frames or bytes than its Xing/Info header promises, or
  a partial last frame) is never published: ``build_feed`` skips it with a warning.
* ``podcast:guid`` is written by default: uuid5 of the feed URL, as Podcasting 2.0 says.
* An episode cover embedded in the MP3 is extracted to ``<stem>.jpg``/``<stem>.png``
  beside it and published as ``itunes:image``.
* Side files beside the MP3 are published as ``podcast:transcript`` (``<stem>.srt``,
  ``<stem>.vtt``) and ``podcast:chapters`` (``<stem>.chapters.json``); the MP3's ID3
  chapters are also written inline as Podlove Simple Chapters (``psc:chapters``), with
  the same millisecond times, for clients that read no JSON chapters.
* The Podcasting 2.0 namespace is written under its GitHub URI (see ``PODCAST_NS``).
* :func:`build_feed` regenerates the whole feed from the folder; use :func:`add_episode`
  to keep hand-written items.
"""

from __future__ import annotations

from .add import add_episode, count_items
from .build import build_feed
from .check import Finding, check_feed
from .config import APPLE_CATEGORIES, ChannelConfig, default_podcast_guid, load_channel_config
from .episode import episode_guid
from .rss import FEED_NAME

__all__ = [
    "APPLE_CATEGORIES",
    "FEED_NAME",
    "ChannelConfig",
    "Finding",
    "add_episode",
    "build_feed",
    "check_feed",
    "count_items",
    "default_podcast_guid",
    "episode_guid",
    "load_channel_config",
]
