"""IAM's eventual consistency, as Lambda's checks meet it (the ``aws`` profile's
``iam_propagation_s``; docs/aws-behaviour.md, The aws emulator profile: SQS and IAM).

IAM answers a new role or a policy change at once, but Lambda sees it only some seconds later.
So, while installed, this records when each role was created and, before each change of its
policies, the documents it had; Lambda's checks then ask for the role "as of now minus the
window": a role created within the window cannot be assumed, and its permission checks use
the policies it had before the changes of the window.

IAM is one of moto's process-wide backends, so this is installed like moto_sqs: ``install``
(with the emulator's profile and time scale) wraps moto's IAM methods once; every install
records, the latest is the one Lambda consults; ``uninstall`` of the last puts moto back.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from . import moto_iam
from .profile import EmulatorProfile

Documents = list[str]


class IamHistory:
    """When roles were created and what their policies were before each recent change."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s  # real seconds: the profile's AWS seconds times the time scale
        self._clock = clock
        self._lock = threading.Lock()
        self._created: dict[tuple[str, str], float] = {}
        # Per role: (when, the role's documents just before that change), oldest first.
        self._changes: dict[tuple[str, str], list[tuple[float, Documents | None]]] = {}

    def role_created(self, account_id: str, role_arn: str) -> None:
        with self._lock:
            key = (account_id, role_arn)
            self._created[key] = self._clock()
            self._changes.pop(key, None)  # a role made again under an old name starts afresh

    def policies_changing(self, account_id: str, role_arn: str) -> None:
        """Call before the change: keeps the documents the role has now."""
        before = moto_iam.iam_role_policy_documents(account_id, role_arn)
        with self._lock:
            now = self._clock()
            changes = self._changes.setdefault((account_id, role_arn), [])
            changes[:] = [c for c in changes if c[0] > now - self.window_s]  # settled: forgotten
            changes.append((now, before))

    def created_recently(self, account_id: str, role_arn: str) -> bool:
        """Whether the role is too new for Lambda to see (it cannot be assumed yet)."""
        with self._lock:
            created = self._created.get((account_id, role_arn))
            return created is not None and created > self._clock() - self.window_s

    def documents_seen(
        self, account_id: str, role_arn: str, current: Documents | None
    ) -> Documents | None:
        """The role's documents as Lambda sees them: as they were one window ago (None: the
        role did not exist yet); ``current`` is what IAM holds now."""
        if self.created_recently(account_id, role_arn):
            return None
        with self._lock:
            cutoff = self._clock() - self.window_s
            for when, before in self._changes.get((account_id, role_arn), []):
                if when > cutoff:  # the first change Lambda has not seen yet
                    return before
        return current


_histories: list[IamHistory] = []
_undo: Callable[[], None] | None = None
_lock = threading.Lock()


def install(profile: EmulatorProfile, time_scale: float) -> IamHistory | None:
    """Start recording for an emulator with this profile; None (nothing installed) when its
    ``iam_propagation_s`` is 0. Pass the result to ``uninstall``."""
    window_s = profile.iam_propagation_s * time_scale
    if window_s <= 0:
        return None
    global _undo
    history = IamHistory(window_s)
    with _lock:
        if not _histories:
            _undo = moto_iam.iam_watch_roles(_on_created, _on_changing)
        _histories.append(history)
    return history


def uninstall(history: IamHistory | None) -> None:
    """Undo one ``install``; the last one puts moto's IAM methods back."""
    global _undo
    if history is None:
        return
    with _lock:
        if history in _histories:
            _histories.remove(history)
        if not _histories and _undo is not None:
            _undo()
            _undo = None


def active() -> IamHistory | None:
    with _lock:
        return _histories[-1] if _histories else None


def _on_created(account_id: str, role_arn: str) -> None:
    # Every installed history records, so each emulator keeps a whole one when another stops.
    with _lock:
        histories = list(_histories)
    for history in histories:
        history.role_created(account_id, role_arn)


def _on_changing(account_id: str, role_arn: str) -> None:
    with _lock:
        histories = list(_histories)
    for history in histories:
        history.policies_changing(account_id, role_arn)


def role_documents(account_id: str, role_arn: str) -> Documents | None:
    """The role's policy documents as Lambda's checks see them now (IAM's own without an
    installed history); None if the role does not exist (yet, for Lambda)."""
    current = moto_iam.iam_role_policy_documents(account_id, role_arn)
    history = active()
    return current if history is None else history.documents_seen(account_id, role_arn, current)


def role_assumable(account_id: str, role_arn: str) -> bool:
    """False for a role created within the window (moto checks that it exists at all)."""
    history = active()
    return history is None or not history.created_recently(account_id, role_arn)
