"""``narrate batch``: many reviews in one run, in parallel, resumable, never half-done.

One module per job, all plain data in and out (the CLI only parses, calls and prints):

* :mod:`.collect` finds the inputs (files, folders, globs, ``-``), :mod:`.manifest`
  reads TOML/CSV manifests; both give :class:`Entry` s.
* :mod:`.plan` gives each entry its settings, title, output name (:mod:`.names`) and
  fingerprint (:mod:`.fingerprint`); an up-to-date item never reaches an engine.
* :mod:`.item` narrates one :class:`WorkItem`, under its output's lock.
* :mod:`.executors` run the items: ``local`` (a pool of spawn processes) or Dask
  (``dask://HOST:PORT``, ``dask-local[:N]``), behind one interface and a registry.
* :mod:`.probe` asks the engines, where they run, for their versions and voices.
* :mod:`.run` ties it together and writes the JSON report.

Data crossing process boundaries are the frozen dataclasses of :mod:`.model`.
"""

from __future__ import annotations

from .collect import SUPPORTED_SUFFIXES, collect_paths
from .executors import EXECUTORS, Executor, create_executor
from .fingerprint import fingerprint, up_to_date
from .item import narrate_item
from .manifest import MANIFEST_KEYS, RATE_RANGE, load_manifest
from .model import (
    DRAFT,
    FAILED,
    LOCK_DIR,
    OK,
    UP_TO_DATE,
    BatchPlan,
    BatchResult,
    Entry,
    ErrorData,
    Heartbeat,
    ItemProgress,
    ItemResult,
    Progress,
    WorkItem,
)
from .names import MAX_NAME_BYTES, check_output_name, holder_of, source_id
from .plan import plan_batch, resolve_title
from .probe import check_voices, engine_version
from .run import BatchAborted, check_out_dir, check_report_path, run_batch, write_report
from .workers import close_engines, worker_engine

__all__ = [
    "DRAFT", "EXECUTORS", "FAILED", "LOCK_DIR", "MANIFEST_KEYS", "MAX_NAME_BYTES", "OK",
    "RATE_RANGE", "SUPPORTED_SUFFIXES", "UP_TO_DATE", "BatchAborted", "BatchPlan", "BatchResult",
    "Entry",
    "ErrorData", "Executor", "Heartbeat", "ItemProgress", "ItemResult", "Progress", "WorkItem",
    "check_out_dir", "check_output_name", "check_voices", "close_engines", "collect_paths",
    "create_executor", "engine_version", "fingerprint", "holder_of", "load_manifest",
    "narrate_item", "plan_batch", "resolve_title", "run_batch", "source_id", "up_to_date",
    "worker_engine", "write_report", "check_report_path",
]  # fmt: skip
