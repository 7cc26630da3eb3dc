"""A function's life cycle as Lambda reports it (docs/aws-behaviour.md, Function configuration and
states): Pending until it is ready after CreateFunction, Active after; LastUpdateStatus InProgress
after an update until it settles, Successful after; a new RevisionId with every change.

States are worked out when they are read, from the time each one ends: no thread, nothing to stop
or reset, and a copy (moto copies a function to publish a version) keeps the same deadlines.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from .moto_glue import LambdaClientError

# How long Lambda takes, in AWS seconds (scaled by the emulator's time_scale). AWS documents
# "a few seconds" in most cases and about a minute for a first VPC attachment; 1 s is the plain
# profile's choice, the aws profile's pending_s is longer (docs/aws-behaviour.md, Function
# configuration and states; The aws emulator profile: timing and logs).
PENDING_S = 1.0
UPDATING_S = 1.0

PENDING, ACTIVE = "Pending", "Active"
IN_PROGRESS, SUCCESSFUL = "InProgress", "Successful"
# AWS's texts, recorded (localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
# TestLambdaFunction::test_function_lifecycle): the update reason repeats the creation's words.
CREATING_REASON = "The function is being created."
CREATING_CODE = "Creating"


class ResourceConflict(LambdaClientError):
    """The function cannot take the operation in its current state (HTTP 409)."""

    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


def pending_conflict() -> ResourceConflict:
    # AWS's text for an Invoke of a Pending function (remotion-dev/remotion#1186).
    return ResourceConflict(
        "The operation cannot be performed at this time. "
        "The function is currently in the following state: Pending"
    )


@dataclass(frozen=True)
class StateView:
    """What one response shows of the life cycle."""

    state: str
    last_update_status: str | None  # None: the field is absent (create response, Pending)
    revision_id: str

    def fields(self) -> dict[str, Any]:
        """The configuration's state fields, exactly the keys AWS sends for this state."""
        out: dict[str, Any] = {"State": self.state, "RevisionId": self.revision_id}
        if self.state == PENDING:
            out["StateReason"] = CREATING_REASON
            out["StateReasonCode"] = CREATING_CODE
        if self.last_update_status is not None:
            out["LastUpdateStatus"] = self.last_update_status
        if self.last_update_status == IN_PROGRESS:
            out["LastUpdateStatusReason"] = CREATING_REASON
            out["LastUpdateStatusReasonCode"] = CREATING_CODE
        return out


class FunctionLifecycle:
    """The state of one function version; ``time_scale`` shrinks AWS's durations (0: instant);
    ``pending_s`` is how long it stays Pending after CreateFunction, in AWS seconds."""

    def __init__(
        self,
        time_scale: float,
        clock: Callable[[], float] = time.monotonic,
        pending_s: float = PENDING_S,
    ) -> None:
        self._scale = max(0.0, time_scale)
        self._clock = clock
        self._lock = threading.Lock()
        self._active_at = clock() + max(0.0, pending_s) * self._scale
        self._pending = True
        self._settles_at: float | None = None  # the end of the update in progress
        self._revision = str(uuid.uuid4())

    def __deepcopy__(self, memo: dict[int, Any]) -> FunctionLifecycle:
        return self._copy(self._revision)

    def __copy__(self) -> FunctionLifecycle:
        return self._copy(self._revision)

    def _copy(self, revision: str) -> FunctionLifecycle:
        with self._lock:
            other = FunctionLifecycle.__new__(FunctionLifecycle)
            other._scale, other._clock = self._scale, self._clock
            other._lock = threading.Lock()  # a lock cannot be copied, and must not be shared
            other._active_at, other._pending = self._active_at, self._pending
            other._settles_at, other._revision = self._settles_at, revision
            return other

    def _advance(self) -> None:
        # Under the lock. Each transition is a change of the function: a new revision.
        now = self._clock()
        if self._pending and now >= self._active_at:
            self._pending = False
            self._revision = str(uuid.uuid4())
        if self._settles_at is not None and now >= self._settles_at:
            self._settles_at = None
            self._revision = str(uuid.uuid4())

    def _view(self) -> StateView:
        if self._pending:
            return StateView(PENDING, None, self._revision)
        status = IN_PROGRESS if self._settles_at is not None else SUCCESSFUL
        return StateView(ACTIVE, status, self._revision)

    def view(self, advance: bool = True) -> StateView:
        """The state now; ``advance=False`` shows it as the last change left it (the response
        of that change itself)."""
        with self._lock:
            if advance:
                self._advance()
            return self._view()

    @property
    def pending(self) -> bool:
        return self.view().state == PENDING

    def updated(self) -> StateView:
        """UpdateFunctionCode or UpdateFunctionConfiguration: InProgress until it settles."""
        with self._lock:
            self._advance()
            if not self._pending:
                self._settles_at = self._clock() + UPDATING_S * self._scale
            self._revision = str(uuid.uuid4())
            return self._view()

    def revised(self) -> None:
        """A change that leaves the state as it is (publishing a version revises $LATEST)."""
        with self._lock:
            self._advance()
            self._revision = str(uuid.uuid4())

    def published(self) -> FunctionLifecycle:
        """The life cycle of a version published from this one: its own revision, the same
        deadlines (a version published at creation is Pending as long as $LATEST), and no update
        in progress (a version's code and configuration never change)."""
        with self._lock:
            self._advance()
        other = self._copy(str(uuid.uuid4()))
        other._settles_at = None
        return other

    def check_invocable(self) -> None:
        """Invoke fails while the function is Pending."""
        if self.pending:
            raise pending_conflict()
