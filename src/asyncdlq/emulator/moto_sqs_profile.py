"""The ``aws`` profile's SQS: short polls that miss, a deleted queue's name held for a while
(docs/aws-behaviour.md, The aws emulator profile: SQS and IAM).

- ``short_poll_miss_rate``: a ReceiveMessage that does not wait (WaitTimeSeconds 0, from the
  request or the queue's ReceiveMessageWaitTimeSeconds) finds nothing with this probability,
  whatever is queued. AWS's short poll asks only a sample of its servers; a long poll asks all.
- ``queue_name_reuse_s``: CreateQueue of a name deleted less than this long ago answers AWS's
  QueueDeletedRecently.

SQS is moto's process-wide backend, so this is an ``SqsBehaviour`` of moto_sqs.py, installed
like moto_sqs.install: ``install(profile, time_scale)`` for each emulator, ``uninstall`` with its
result. Durations are AWS seconds scaled by the emulator's time scale, on moto's SQS clock; the
draws come from a generator seeded with the profile's seed.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from . import moto_sqs
from .profile import EmulatorProfile

# Where a backend keeps when each of its queues was deleted: on the backend, so moto's reset
# (which builds new backends) forgets them with the queues.
_DELETED_AT = "_asyncdlq_deleted_at"


class SqsProfile:
    """One emulator's SQS behaviours (moto_sqs.SqsBehaviour)."""

    def __init__(self, miss_rate: float, name_reuse_s: float, seed: int | None = None) -> None:
        self.miss_rate = miss_rate
        self.name_reuse_s = name_reuse_s  # real seconds
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def short_poll_misses(self) -> bool:
        if self.miss_rate <= 0:
            return False
        with self._lock:
            return self._random.random() < self.miss_rate

    def after_delete(self, backend: Any, name: str) -> None:
        if self.name_reuse_s > 0:
            backend.__dict__.setdefault(_DELETED_AT, {})[name] = moto_sqs._now_s()

    def before_create(self, backend: Any, name: str) -> None:
        deleted: dict[str, float] = backend.__dict__.get(_DELETED_AT, {})
        when = deleted.get(name)
        if when is None:
            return
        if moto_sqs._now_s() - when < self.name_reuse_s:
            raise moto_sqs.QueueDeletedRecently()
        deleted.pop(name, None)


def install(
    profile: EmulatorProfile, time_scale: float, seed: int | None = None
) -> SqsProfile | None:
    """The profile's SQS behaviours for an emulator at ``time_scale``; None (nothing installed)
    when both switches are 0. ``seed`` (the emulator's --seed) wins over the profile's. Pass the
    result to ``uninstall``."""
    miss_rate = min(1.0, profile.short_poll_miss_rate)
    name_reuse_s = profile.queue_name_reuse_s * time_scale
    if miss_rate <= 0 and name_reuse_s <= 0:
        return None
    behaviour = SqsProfile(miss_rate, name_reuse_s, profile.seed if seed is None else seed)
    moto_sqs.add_behaviour(behaviour)
    return behaviour


def uninstall(behaviour: SqsProfile | None) -> None:
    if behaviour is not None:
        moto_sqs.remove_behaviour(behaviour)
