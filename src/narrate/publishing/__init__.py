"""``narrate publish``: from a blog to a podcast in one command, kept in step.

One module per job, plain data in and out (the CLI only parses, calls and prints):
:mod:`.posts` (a folder's posts, drafts and list pages told apart, selection),
:mod:`.feeds` (posts from a blog's RSS/Atom feed, read by feedparser), :mod:`.fetch`
(one conditional GET of a feed URL), :mod:`.show` (the show file), :mod:`.state` (what
the output folder already holds, read cheaply) and :mod:`.run` (the whole run: plan
with no engine, narrate what changed, write the feed).
"""

from __future__ import annotations

from .posts import Post, Selection, folder_posts, select
from .run import PublishResult, publish
from .show import DEFAULT_DISCLOSURE, Show, load_show, outro_with_disclosure

__all__ = [
    "DEFAULT_DISCLOSURE",
    "Post",
    "PublishResult",
    "Selection",
    "Show",
    "folder_posts",
    "load_show",
    "outro_with_disclosure",
    "publish",
    "select",
]
