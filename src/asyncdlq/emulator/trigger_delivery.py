"""A service (SNS, EventBridge, S3) invokes a function asynchronously, if its policy allows.

Lambda checks the function's resource-based policy on every invoke a service makes: the
service's principal, acting for its source ARN and account, needs a statement on the very ARN it
invokes (resource_policies.may_invoke; docs/aws-behaviour.md, Resource-based permissions for
triggers). Allowed, the event enters the same async pipeline as an ``Event`` invoke, carrying its
source; refused, nothing reaches the function or its log group and the refusal is kept for
introspection. What each service does after a refusal is the service's own (trigger_sns.py,
trigger_eventbridge.py, trigger_s3.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from ..aws.arn import Arn, ArnError
from . import moto_glue
from .lambda_backend import LambdaBackends
from .moto_glue import LambdaClientError, UnknownFunctionException
from .resource_policies import Decision, may_invoke, service_may
from .trigger_sources import Refusal, RefusalLog, TriggerSource

log = logging.getLogger(__name__)

SEND_MESSAGE = "sqs:SendMessage"

# (account id, region, namespace, metric name, dimensions) -> one count of the metric.
MetricSink = Callable[[str, str, str, str, "dict[str, str]"], None]


@dataclass(frozen=True)
class Delivered:
    request_id: str  # of the async invocation Lambda accepted


class TriggerDeliveries:
    """One emulator's entry point for service-made invokes, and the refusals it answered."""

    def __init__(
        self,
        lambdas: LambdaBackends,
        put_metric: MetricSink = moto_glue.put_metric,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._lambdas = lambdas
        self.put_metric = put_metric
        self.now = now
        self.refusals = RefusalLog()

    def holds(self, function_arn: str) -> bool:
        """Whether this emulator's Lambda holds the function (several may share one process)."""
        try:
            return self._lambdas.function_exists(Arn.parse(function_arn))
        except (ArnError, LambdaClientError):
            return False

    def decide(self, source: TriggerSource, function_arn: str) -> Decision:
        """What Lambda answers ``source``'s invoke of ``function_arn``, before running anything."""
        try:
            arn = Arn.parse(function_arn)
        except ArnError as exc:
            return Decision(False, f"{function_arn} is not a function ARN: {exc}")
        backend = self._lambdas.backend(arn.account, arn.region)
        try:
            fn = backend.find_function(arn.name, arn.qualifier)
            policy = moto_glue.lambda_resource_policy(backend, arn.name, arn.qualifier)
        except UnknownFunctionException:
            return Decision(False, f"function {function_arn} does not exist")
        decision = may_invoke(
            policy, source.principal, source.source_arn, source.source_account, function_arn
        )
        if decision.allowed:
            try:
                fn.lifecycle.check_invocable()
            except LambdaClientError as exc:
                return Decision(False, f"{function_arn} cannot be invoked now: {exc}")
        return decision

    def invoke(
        self, source: TriggerSource, function_arn: str, payload: bytes
    ) -> Delivered | Decision:
        """The service's async invoke: the event is queued, or Lambda's refusal is returned for
        the service to act on and then ``refuse`` (which records it)."""
        decision = self.decide(source, function_arn)
        if not decision.allowed:
            return decision
        arn = Arn.parse(function_arn)
        backend = self._lambdas.backend(arn.account, arn.region)
        fn = backend.find_function(arn.name, arn.qualifier)
        request_id = backend.invoke_async(fn, arn.qualifier, payload, function_arn, source=source)
        log.info("%s invoked %s: request id %s", source.describe(), function_arn, request_id)
        return Delivered(request_id)

    def refuse(
        self, source: TriggerSource, function_arn: str, reason: str, then: str = "dropped"
    ) -> Refusal:
        refusal = Refusal(source, function_arn, reason, self.now(), then)
        self.refusals.add(refusal)
        log.warning("%s not delivered to %s: %s", source.describe(), function_arn, reason)
        return refusal

    def send_to_own_dead_letter(
        self,
        source: TriggerSource,
        queue_arn: str,
        body: str,
        attributes: dict[str, dict[str, str]] | None,
    ) -> str | None:
        """Send to the SNS subscription's or EventBridge target's own SQS dead-letter queue, as
        the service does: only if the queue's policy lets it (docs/aws-behaviour.md, Triggers
        that invoke asynchronously: refusals). None when sent, else why not."""
        try:
            queue = Arn.parse(queue_arn)
            policy = moto_glue.sqs_queue_policy(queue.account, queue.region, queue.name)
        except Exception as exc:  # a malformed ARN, a missing queue
            return f"{queue_arn} cannot be read ({exc})"
        decision = service_may(
            policy,
            source.principal,
            SEND_MESSAGE,
            queue_arn,
            source.source_arn,
            source.source_account,
            doing=f"call {SEND_MESSAGE} on {queue_arn}",
            owner="the queue",
        )
        if not decision.allowed:
            return decision.reason
        try:
            moto_glue.sqs_send(queue.account, queue.region, queue.name, body, attributes)
        except Exception as exc:  # deleted meanwhile, too large
            return f"sending to {queue_arn} failed ({exc})"
        return None

    def reset(self) -> None:
        self.refusals.clear()
