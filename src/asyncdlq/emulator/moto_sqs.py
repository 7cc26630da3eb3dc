"""SQS at depth: moto's standard queues on an index, with moto's semantics (part of the seam).

moto 5.2.1 scans a queue's whole message list on every ReceiveMessage (several times per message
returned, through the retention check), DeleteMessage, ChangeMessageVisibility and attribute
read: 0.7 s a receive at depth 1,000, 7 s at depth 10,000. ``IndexedQueue`` keeps moto's
``Message`` objects, its attributes, lock and response rendering, and stores the messages in a
``QueueIndex`` (sqs_queue_index.py); ``IndexedSQSBackend`` serves the hot operations from it.
FIFO queues stay moto's own ``Queue`` on moto's own code path (groups, deduplication).

``install()`` makes moto build these classes (its backends, current and future, and their
standard queues); ``uninstall()`` turns them back into moto's, messages and all. Both are
counted, so nested emulators in one process share one installation. An ``SqsBehaviour``
(``add_behaviour``; moto_sqs_profile.py) makes the backend as unkind as AWS: short polls that
miss, names held after a delete.
``tests/emulator/test_moto_glue.py`` checks every moto name used here.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from moto.core.base_backend import backend_lock
from moto.moto_api._internal import mock_random
from moto.sqs import models as sqs_models
from moto.sqs import urls as sqs_urls
from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid, SQSException
from moto.sqs.models import Message, Queue, SQSBackend, sqs_backends

from .sqs_queue_index import DELAYED, IN_FLIGHT, READY, QueueIndex

# docs/aws-behaviour.md, SQS: the visibility timeout of a message ends at most 12 hours after
# moto's reference point (it measures from SentTimestamp).
_MAX_VISIBILITY_MS = 43200 * 1000
# Re-check at least this often while long polling: nothing notifies when a message in flight or
# delayed becomes receivable.
_POLL_SLICE_S = 1.0


# Each random byte names a letter (byte % 26): a receipt handle is opaque, so the slight bias
# toward a..v does not matter; its length and alphabet stay moto's.
_LETTER_OF_BYTE = bytes(ord("a") + b % 26 for b in range(256))


def fast_receipt_handle() -> str:
    """A receipt handle as moto makes them (185 lowercase letters from its seedable random).

    moto draws each letter with its own ``random.choice`` call: 75 us a handle, half of what a
    10-message receive costs in the server; this takes 2 us.
    """
    return mock_random.randbytes(185).translate(_LETTER_OF_BYTE).decode("ascii")


_MOTO_RECEIPT_HANDLE = sqs_models.generate_receipt_handle
# Queue.attributes converts the same ~20 names on every call (SendMessage reads it once, a
# GetQueueAttributes up to three times a name); the conversion is pure, so it is cached.
_MOTO_CAMELCASE = sqs_models.camelcase_to_underscores
_cached_camelcase = functools.lru_cache(maxsize=256)(_MOTO_CAMELCASE)


def _now_ms() -> float:
    # moto's own clock, looked up at call time, so anything that moves moto's time moves ours.
    return float(sqs_models.unix_time_millis())


def _now_s() -> float:
    return float(sqs_models.unix_time())


def _copy_untracked(message: Message) -> Message:
    """The copy moto renders a received message from (its attributes filtered in the copy).

    Shallow is enough: the filter assigns a new attribute dict. ``object.__new__``, because
    moto's ``BaseModel.__new__`` (and so copy.copy and moto's deepcopy) appends every instance
    to ``Message.instances_tracked`` until a reset: 10 copies kept per receive.
    """
    shown = object.__new__(type(message))
    shown.__dict__.update(message.__dict__)
    return shown


class _LiveMessages:
    """What moto's code finds in ``Queue._messages``: iteration in order, append, remove."""

    def __init__(self, queue: IndexedQueue) -> None:
        self._queue = queue

    def __iter__(self) -> Iterator[Message]:
        with self._queue._messages_lock:
            return self._queue._index.messages()

    def __len__(self) -> int:
        return len(self._queue._index)

    def append(self, message: Message) -> None:
        with self._queue._messages_lock:
            self._queue._index.add(message)

    def remove(self, message: Message) -> None:
        with self._queue._messages_lock:
            slot = self._queue._index.slot_of(message)
            if slot is None:
                raise ValueError("message not in queue")
            self._queue._index.remove(slot)


class IndexedQueue(Queue):
    """A standard queue whose messages live in a ``QueueIndex``."""

    _index: QueueIndex

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # moto's __init__ assigns _messages before it creates the lock the setter takes.
        self._index = QueueIndex()
        self._messages_lock = threading.Condition()
        super().__init__(*args, **kwargs)

    @classmethod
    def adopt(cls, queue: Queue) -> IndexedQueue:
        """Index moto's queue in place (its identity stays: a DLQ is referenced by object)."""
        messages = queue.__dict__.pop("_messages")
        queue.__class__ = cls
        indexed: IndexedQueue = queue  # type: ignore[assignment]
        indexed._index = QueueIndex()
        with indexed._messages_lock:
            for message in messages:
                indexed._index.add(message)
        return indexed

    def release(self) -> Queue:
        """Turn back into moto's own queue, holding the same messages in the same order."""
        with self._messages_lock:
            messages = list(self._index.messages())
            del self._index
            self.__class__ = Queue
            self._messages = messages
        return self

    # moto's code reads and assigns the list; the view and the setter keep the index whole.
    @property  # type: ignore[override]
    def _messages(self) -> _LiveMessages:
        return _LiveMessages(self)

    @_messages.setter
    def _messages(self, messages: Iterable[Message]) -> None:
        with self._messages_lock:
            self._index.clear()
            for message in messages:
                self._index.add(message)

    def _refresh(self) -> None:
        self._index.refresh(_now_ms(), float(self.message_retention_period))  # type: ignore[attr-defined]

    def _count(self, state: str) -> int:
        with self._messages_lock:
            self._refresh()
            return self._index.counts[state]

    @property
    def approximate_number_of_messages(self) -> int:
        return self._count(READY)

    @property
    def approximate_number_of_messages_not_visible(self) -> int:
        return self._count(IN_FLIGHT)

    @property
    def approximate_number_of_messages_delayed(self) -> int:
        return self._count(DELAYED)

    @property
    def messages(self) -> list[Message]:
        with self._messages_lock:
            self._refresh()
            return self._index.in_state(READY)

    def delete_message(self, receipt_handle: str) -> None:
        with self._messages_lock:
            if receipt_handle in self.deleted_messages:
                return  # moto: deleting again succeeds
            slot = self._index.find(receipt_handle)
            if slot is None:
                raise ReceiptHandleIsInvalid()
            self.pending_messages.discard(slot.message)
            self.deleted_messages.update(slot.message.all_receipt_handles)
            self._index.remove(slot)

    def change_visibility(self, receipt_handle: str, visibility_timeout: int) -> None:
        with self._messages_lock:
            slot = self._index.find(receipt_handle)
            if slot is None:
                raise ReceiptHandleIsInvalid
            message = slot.message
            deadline = _now_ms() + int(visibility_timeout) * 1000
            if deadline - message.sent_timestamp > _MAX_VISIBILITY_MS:
                raise InvalidParameterValue(
                    f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. "
                    "Reason: Total VisibilityTimeout for the message is beyond the limit "
                    "[43200 seconds]"
                )
            message.change_visibility(visibility_timeout)
            if message.visible:
                self.pending_messages.discard(message)
            self._index.changed(slot)

    def take(
        self, count: int, visibility_timeout: int, attribute_names: list[str]
    ) -> tuple[list[Message], list[Message]]:
        """One receive pass: up to ``count`` messages (copies, attributes filtered as asked)
        and the messages to move to the dead-letter queue (already out of this one)."""
        result: list[Message] = []
        to_dlq: list[Message] = []
        requeue = []
        with self._messages_lock:
            self._refresh()
            policy = self.redrive_policy if self.dead_letter_queue is not None else None  # type: ignore[attr-defined]
            while len(result) < count:
                slot = self._index.pop_ready()
                if slot is None:
                    break
                message = slot.message
                self.pending_messages.discard(message)  # visible again: its consumer timed out
                if policy and message.approximate_receive_count >= policy["maxReceiveCount"]:
                    self._index.remove(slot)
                    to_dlq.append(message)
                    continue
                self.pending_messages.add(message)
                message.mark_received(visibility_timeout=visibility_timeout)
                self._index.received(slot)
                requeue.append(slot)  # still receivable after this call if the timeout is 0
                shown = _copy_untracked(message)
                sqs_models._filter_message_attributes(shown, attribute_names)
                result.append(shown)
            for slot in requeue:
                self._index.requeue(slot)
        return result, to_dlq

    def wait_for_receivable(self, timeout: float) -> None:
        """Block until a message may be receivable, a send arrives, or ``timeout`` passes."""
        with self._messages_lock:
            due = self._index.next_due_ms()
            if due is not None:
                timeout = min(timeout, max(0.0, (due - _now_ms()) / 1000) + 0.001)
            self._messages_lock.wait_for(lambda: self._has_ready(), timeout=timeout)

    def wait_for_messages(self, timeout: int) -> None:
        self.wait_for_receivable(float(timeout))

    def _has_ready(self) -> bool:
        self._refresh()
        return self._index.counts[READY] > 0


# AWS's words, recorded (docs/aws-behaviour.md, The aws emulator profile: SQS and IAM); moto's
# SQS model maps the query code to the JSON shape QueueDeletedRecently, status 400, Sender.
QUEUE_DELETED_RECENTLY = (
    "You must wait 60 seconds after deleting a queue before you can create another with the "
    "same name."
)


class QueueDeletedRecently(SQSException):
    def __init__(self) -> None:
        super().__init__("AWS.SimpleQueueService.QueueDeletedRecently", QUEUE_DELETED_RECENTLY)


class SqsBehaviour(Protocol):
    """How AWS is less kind than moto (moto_sqs_profile.py: the aws emulator profile)."""

    def before_create(self, backend: SQSBackend, name: str) -> None:
        """CreateQueue of a name that has no queue now; raise to refuse it."""

    def after_delete(self, backend: SQSBackend, name: str) -> None:
        """DeleteQueue succeeded."""

    def short_poll_misses(self) -> bool:
        """Whether this short-poll ReceiveMessage finds nothing, whatever waits."""


# The behaviours installed (moto_sqs_profile.install); the latest applies.
_behaviours: list[SqsBehaviour] = []
_behaviour_lock = threading.Lock()


def add_behaviour(behaviour: SqsBehaviour) -> None:
    with _behaviour_lock:
        _behaviours.append(behaviour)


def remove_behaviour(behaviour: SqsBehaviour) -> None:
    with _behaviour_lock:
        if behaviour in _behaviours:
            _behaviours.remove(behaviour)


def _behaviour() -> SqsBehaviour | None:
    behaviours = _behaviours  # one read: a list append or remove is atomic
    return behaviours[-1] if behaviours else None


class IndexedSQSBackend(SQSBackend):
    """moto's SQS backend; standard queues are ``IndexedQueue``s and served from their index."""

    @property
    def _url_module(self) -> Any:
        # moto finds a service's routes from the backend class's module name.
        return sqs_urls

    def create_queue(self, name: str, tags: dict[str, str] | None = None, **kwargs: Any) -> Queue:
        behaviour = _behaviour()
        if behaviour is not None and name not in self.queues:
            behaviour.before_create(self, name)
        queue = super().create_queue(name, tags, **kwargs)
        if type(queue) is Queue and not queue.fifo_queue:
            IndexedQueue.adopt(queue)
        return queue

    def delete_queue(self, queue_name: str) -> None:
        super().delete_queue(queue_name)
        behaviour = _behaviour()
        if behaviour is not None:
            behaviour.after_delete(self, queue_name)

    def receive_message(
        self,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Message]:
        queue = self.get_queue(queue_name)
        behaviour = _behaviour()
        if wait_seconds_timeout == 0 and behaviour is not None and behaviour.short_poll_misses():
            return []
        if not isinstance(queue, IndexedQueue):
            return super().receive_message(
                queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names
            )
        polling_end = _now_s() + wait_seconds_timeout
        while True:
            result, to_dlq = queue.take(count, visibility_timeout, message_attribute_names or [])
            # Outside the source's lock: two queues may be each other's dead-letter queue.
            for message in to_dlq:
                queue.dead_letter_queue.add_message(message)  # type: ignore[union-attr]
            remaining = polling_end - _now_s()
            if result or remaining <= 0:
                return result
            queue.wait_for_receivable(min(remaining, _POLL_SLICE_S))

    def change_message_visibility(
        self, queue_name: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        queue = self.get_queue(queue_name)
        if not isinstance(queue, IndexedQueue):
            return super().change_message_visibility(queue_name, receipt_handle, visibility_timeout)
        queue.change_visibility(receipt_handle, visibility_timeout)


_installs = 0
_install_lock = threading.Lock()


def install() -> None:
    """Make moto's SQS backends indexed: those it has built and those it will build."""
    global _installs
    with _install_lock:
        _installs += 1
        if _installs > 1:
            return
        with backend_lock:
            _swap(IndexedSQSBackend)


def uninstall() -> None:
    """Undo ``install`` (the last of nested installs): moto's own classes and lists again."""
    global _installs
    with _install_lock:
        if _installs == 0:
            return
        _installs -= 1
        if _installs:
            return
        with backend_lock:
            _swap(SQSBackend)


def installed() -> bool:
    return _installs > 0


def _swap(backend_class: type[SQSBackend]) -> None:
    indexed = backend_class is IndexedSQSBackend
    # Message.mark_received calls the module's name.
    sqs_models.generate_receipt_handle = fast_receipt_handle if indexed else _MOTO_RECEIPT_HANDLE
    sqs_models.camelcase_to_underscores = _cached_camelcase if indexed else _MOTO_CAMELCASE
    sqs_backends.backend = backend_class
    for account in sqs_backends.values():
        account.backend = backend_class
        for backend in account.values():
            backend.__class__ = backend_class
            for queue in backend.queues.values():
                if indexed:
                    if type(queue) is Queue and not queue.fifo_queue:
                        IndexedQueue.adopt(queue)
                elif isinstance(queue, IndexedQueue):
                    queue.release()
