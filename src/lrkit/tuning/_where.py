"""``Storage``: where a study lives, under which name, and which worker is writing to it.

``tune``'s storage options in one record (``tune(storage=Storage(...))``, or just the URL as a
string). Each field is checked when the record is built; the URL itself is opened, and checked
for reachability, by :func:`lrkit.tuning.open_storage` before any study is written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lrkit.errors import LRKitError, check_int

__all__ = ["Storage"]


@dataclasses.dataclass(frozen=True)
class Storage:
    """Where a study lives and who writes to it.

    Attributes:
        url: ``None`` (an SQLite file under ``out``), ``sqlite:///F.db``, ``journal:///F.log``
            (several processes on one host) or ``postgresql://...`` (several hosts); see
            ``docs/tune.md``.
        out: the folder of the default SQLite file (default ``./lrkit-out``).
        study_name: the study's name (default ``lrkit-<task>``); the same name resumes or joins it.
        worker_id: this worker's id; default 0 for the embedded SQLite file, else
            ``$LRKIT_WORKER_ID`` or a hash of host name and pid (it seeds the worker's sampler).
        heartbeat_interval: seconds between a running trial's heartbeats (shared storages).
        grace_period: seconds without a heartbeat before a trial counts as dead and is re-queued
            (default: Optuna's, twice the interval).

    Raises:
        LRKitError: for a bad field (the message names ``Storage``).

    Example:
        >>> Storage("postgresql://db/lrkit", study_name="mlp").study_name
        'mlp'
    """

    url: str | None = None
    out: str | Path = "lrkit-out"
    study_name: str | None = None
    worker_id: int | None = None
    heartbeat_interval: int = 10
    grace_period: int | None = None

    def __post_init__(self) -> None:
        if self.url is not None and not isinstance(self.url, str):
            raise LRKitError(f"`url` of Storage must be a storage URL string or None; got {self.url!r}.")
        if not isinstance(self.out, (str, Path)):
            raise LRKitError(f"`out` of Storage must be a folder path; got {self.out!r}.")
        if self.study_name is not None and (not isinstance(self.study_name, str) or not self.study_name):
            raise LRKitError(f"`study_name` of Storage must be a non-empty string or None; "
                             f"got {self.study_name!r}.")
        if self.worker_id is not None:
            object.__setattr__(self, "worker_id", check_int("worker_id", self.worker_id, "Storage", low=0))
        object.__setattr__(self, "heartbeat_interval",
                           check_int("heartbeat_interval", self.heartbeat_interval, "Storage"))
        if self.grace_period is not None:
            object.__setattr__(self, "grace_period", check_int("grace_period", self.grace_period, "Storage"))
