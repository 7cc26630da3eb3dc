"""Sending a finished event on: its dead-letter queue (docs/aws-behaviour.md, Dead-letter queues)
and destinations (docs/aws-behaviour.md, Destinations and dead-letter targets).

A delivery that fails at run time drops the record and counts it in DeadLetterErrors or
DestinationDeliveryFailures, as AWS does; whatever goes wrong, including an error of the emulator's
own, ends as such a counted failure and never escapes to lose the event's outcome.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from .async_events import AsyncEvent, AsyncSettings
from .delivery import DeliveryError, invocation_record
from .engine_services import EngineServices
from .runtime.spec import FunctionSpec

log = logging.getLogger(__name__)

DEAD_LETTER_ERRORS = "DeadLetterErrors"
DESTINATION_DELIVERY_FAILURES = "DestinationDeliveryFailures"
THROTTLES = "Throttles"


class OutcomeDelivery:
    def __init__(self, services: EngineServices) -> None:
        self._services = services
        self._lock = threading.Lock()
        self.counters: Counter[str] = Counter()

    def count(self, function_name: str, metric: str) -> None:
        with self._lock:
            self.counters[f"{function_name}:{metric}"] += 1

    def on_success(self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings) -> None:
        if settings.on_success_arn:
            self._record(event, spec, settings, settings.on_success_arn, "Success", True)

    def on_failure(
        self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings, condition: str
    ) -> None:
        # With both a DLQ and an on-failure destination, both receive the event
        # (docs/aws-behaviour.md, Dead-letter queues).
        if settings.dead_letter_arn:
            self._dead_letter(event, spec, settings, settings.dead_letter_arn)
        if settings.on_failure_arn:
            self._record(event, spec, settings, settings.on_failure_arn, condition, False)

    def _check_role(self, spec: FunctionSpec, settings: AsyncSettings, target: str) -> None:
        # The permission was checked at configuration time; it may have been removed since.
        if settings.role_arn and not self._services.may_deliver(
            spec.account_id, settings.role_arn, target
        ):
            raise DeliveryError(f"the execution role may no longer deliver to {target}")

    def _dead_letter(
        self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings, target: str
    ) -> None:
        last = event.attempts[-1] if event.attempts else None
        entry: dict[str, Any] = {"kind": "dead-letter", "target": target}
        try:
            self._check_role(spec, settings, target)
            entry["message_id"] = self._services.send_dead_letter(
                target, event.payload, event.request_id, last.error_message if last else None
            )
            entry["delivered"] = True
        except Exception as exc:
            self._failed(event, spec, entry, DEAD_LETTER_ERRORS, exc)
        event.deliveries.append(entry)

    def _record(
        self,
        event: AsyncEvent,
        spec: FunctionSpec,
        settings: AsyncSettings,
        target: str,
        condition: str,
        success: bool,
    ) -> None:
        entry: dict[str, Any] = {
            "kind": "on-success" if success else "on-failure",
            "target": target,
        }
        try:
            self._check_role(spec, settings, target)
            last = event.attempts[-1] if event.attempts else None
            record = invocation_record(
                request_id=event.request_id,
                function_arn=f"{spec.function_arn}:{event.qualifier}",
                condition=condition,
                attempts=len(event.attempts),
                payload=event.payload,
                response=last.payload if last else None,
                function_error=None if last is None or last.ok else "Unhandled",
                executed_version=spec.version,
                at=self._services.now(),
            )
            entry["id"] = self._services.send_destination(target, record, success)
            entry["delivered"] = True
        except Exception as exc:
            self._failed(event, spec, entry, DESTINATION_DELIVERY_FAILURES, exc)
        event.deliveries.append(entry)

    def _failed(
        self,
        event: AsyncEvent,
        spec: FunctionSpec,
        entry: dict[str, Any],
        metric: str,
        exc: Exception,
    ) -> None:
        entry.update(delivered=False, error=f"{exc}"[:1024])
        target, rid = entry["target"], event.request_id
        if isinstance(exc, DeliveryError):
            log.warning("%s: %s of %s to %s: %s", metric, spec.function_name, rid, target, exc)
        else:  # an error of the emulator's own: the record is dropped and counted, loudly
            log.error(
                "%s: delivery of %s to %s failed inside the emulator",
                metric,
                rid,
                target,
                exc_info=exc,
            )
        self.count(spec.function_name, metric)
        try:
            self._services.put_metric(spec.account_id, spec.region, spec.function_name, metric)
        except Exception:  # the count in self.counters stands even if CloudWatch refuses it
            log.exception("could not record %s in CloudWatch", metric)
