"""The moto internals the emulator touches, but for those with a module of their own: SQS's index
(moto_sqs.py, moto_sqs_profile.py), the triggers' seam (moto_triggers.py) and IAM (moto_iam.py).

moto is pinned; ``tests/emulator/test_moto_glue.py`` checks each name and signature used here, so
an upgrade that moves them fails loudly there instead of misbehaving at run time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
import uuid
from typing import Any, Callable

from flask import Flask
from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    UnknownEventConfig,
    UnknownFunctionException,
    ValidationException,
)
from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.core.base_backend import BackendDict
from moto.core.utils import convert_to_flask_response
from moto.logs.exceptions import ResourceAlreadyExistsException
from moto.logs.models import logs_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sns.models import sns_backends
from moto.sqs.models import Message as SqsMessage
from moto.sqs.models import sqs_backends

from .moto_sqs import install as install_sqs_index
from .moto_sqs import uninstall as uninstall_sqs_index

log = logging.getLogger(__name__)

__all__ = [
    "BackendDict",
    "DomainDispatcherApplication",
    "EventInvokeConfig",
    "InvalidParameterValueException",
    "LambdaBackend",
    "LambdaClientError",
    "LambdaFunction",
    "LambdaResponse",
    "UnknownEventConfig",
    "UnknownFunctionException",
    "ValidationException",
    "install_sqs_index",
    "uninstall_sqs_index",
]


class CachedDispatcher(DomainDispatcherApplication):
    """moto's dispatcher with its host -> service lookup memoized.

    moto resolves the service of every request under one global lock, and the lookup lists
    moto's package directory (``os.listdir`` plus an ``isdir`` per entry, about 200 system calls)
    and then tries up to ~250 URL regexes in order. That was half the server's time and
    serialized every request behind the lock. The answer depends only on the host string (the
    module list and the patterns are fixed for the process), so it is cached.
    """

    def __init__(self, create_app: Callable[[str], Any]) -> None:
        super().__init__(create_app)
        self.get_backend_for_host = functools.lru_cache(maxsize=1024)(self.get_backend_for_host)  # type: ignore[method-assign]


def store_function(backend: LambdaBackend, fn: LambdaFunction) -> None:
    """Register a function object the way moto's own create_function does (role checks included)."""
    backend._lambdas.put_function(fn)


def app_factory(lambda_response: type[LambdaResponse]) -> Any:
    """moto's per-service Flask app factory, with Lambda's routes served by ``lambda_response``."""

    def create_app(service: str) -> Flask:
        app = create_backend_app(service)  # type: ignore[arg-type]
        if service == "awslambda":  # the dispatcher names services by moto module
            # Every Lambda route of moto maps to LambdaResponse.dispatch; rebind them all.
            view = convert_to_flask_response(lambda_response.dispatch)
            for endpoint in list(app.view_functions):
                app.view_functions[endpoint] = view
            route_every_lambda_path(app, view)
        return app

    return create_app


def sqs_send(
    account_id: str,
    region: str,
    queue_name: str,
    body: str,
    attributes: dict[str, dict[str, str]] | None,
    trace_header: str | None = None,
) -> str:
    """SendMessage on moto's queue; returns the message id. Raises if the queue is gone.
    ``trace_header``: the AWSTraceHeader system attribute, which moto keeps in
    ``Message.system_attributes`` and returns on ReceiveMessage with AttributeNames.

    moto's send_message reads queue.attributes, which counts every queued message: O(depth) per
    send, so a burst into one queue goes quadratic (122 ms a send at depth 3,000). Standard
    queues take the same steps directly; FIFO queues (dedup, groups) still go through moto.
    """
    system = (
        {"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}}
        if trace_header
        else {}
    )
    backend = sqs_backends[account_id][region]
    queue = backend.get_queue(queue_name)
    if queue.fifo_queue:
        return backend.send_message(
            queue_name, body, message_attributes=attributes or {}, system_attributes=system
        ).id
    backend._validate_message(queue, message_body=body, delay_seconds=0)  # the size limit
    message = SqsMessage(str(uuid.uuid4()), body, system)
    if attributes:
        message.message_attributes = attributes
    message.mark_sent(delay_seconds=int(queue.delay_seconds or 0))
    queue.add_message(message)
    return message.id


def sqs_queue_exists(account_id: str, region: str, queue_name: str) -> bool:
    return queue_name in sqs_backends[account_id][region].queues


def sns_publish(
    account_id: str,
    region: str,
    topic_arn: str,
    message: str,
    attributes: dict[str, dict[str, str]] | None,
) -> str:
    return sns_backends[account_id][region].publish(
        message, arn=topic_arn, message_attributes=attributes or {}
    )


def create_log_stream(account_id: str, region: str, group: str, stream: str) -> None:
    """Create the stream, and its group if missing (Lambda creates the group on first write)."""
    backend = logs_backends[account_id][region]
    if group not in backend.groups:
        with contextlib.suppress(ResourceAlreadyExistsException):
            backend.create_log_group(group, tags={})
    backend.create_log_stream(group, stream)


def put_log_events(
    account_id: str, region: str, group: str, stream: str, messages: list[str]
) -> bool:
    """Write the events; False (nothing written) when the group or stream is gone, e.g. deleted
    by terraform destroy while the function still ran."""
    backend = logs_backends[account_id][region]
    if group not in backend.groups or stream not in backend.groups[group].streams:
        return False
    now = int(time.time() * 1000)
    backend.put_log_events(group, stream, [{"timestamp": now, "message": m} for m in messages])
    return True


def events_put(
    account_id: str,
    region: str,
    bus_arn: str,
    source: str,
    detail_type: str,
    detail: str,
    resources: list[str] | None = None,
) -> None:
    """PutEvents on moto's bus; raises if the bus refused the entry."""
    from moto.events.models import events_backends

    entry = {"Source": source, "DetailType": detail_type, "Detail": detail, "EventBusName": bus_arn}
    if resources:
        entry["Resources"] = resources
    entries = events_backends[account_id][region].put_events([entry])
    if entries and "ErrorCode" in entries[0]:
        raise RuntimeError(f"{entries[0]['ErrorCode']}: {entries[0].get('ErrorMessage')}")


def put_metric(
    account_id: str, region: str, namespace: str, metric: str, dimensions: dict[str, str]
) -> None:
    """Count one occurrence of a metric, where the service reports it too."""
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch_backends[account_id][region].put_metric_data(
        namespace,
        [
            {
                "MetricName": metric,
                "Value": 1,
                "Unit": "Count",
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            }
        ],
    )


def put_lambda_metric(account_id: str, region: str, function_name: str, metric: str) -> None:
    """Count one occurrence of an AWS/Lambda metric of the function."""
    put_metric(account_id, region, "AWS/Lambda", metric, {"FunctionName": function_name})


# -- Destination look-ups (validation.py) -----------------------------------------------------


def sns_topic_exists(account_id: str, region: str, topic_arn: str) -> bool:
    return topic_arn in sns_backends[account_id][region].topics


def lambda_function_exists(backend: LambdaBackend, name: str, qualifier: str | None) -> bool:
    try:
        return backend.get_function(name, qualifier) is not None
    except UnknownFunctionException:
        return False


# -- S3 (an on-failure destination: targets.py) -------------------------------------------------


def s3_put_object(bucket: str, key: str, body: bytes) -> None:
    """PutObject into the bucket, wherever moto keeps it (bucket names are global, so the
    bucket is found by name); raises if it does not exist."""
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    located = s3_backends.bucket_accounts.get(bucket)
    if located is None:
        raise MissingBucket(bucket=bucket)
    partition, account_id = located
    s3_backends[account_id][partition].put_object(bucket, key, body)


# -- Lambda routes beyond moto's: every operation answers JSON --------------------------


def lambda_storage_usage(backend: LambdaBackend) -> tuple[int, int]:
    """(functions, bytes of code stored): every version's package, $LATEST included, and every
    layer version's, as GetAccountSettings counts them (account_settings.py)."""
    count, total = 0, 0
    for group in backend._lambdas._functions.values():
        count += 1
        total += sum(int(fn.code_size or 0) for fn in [group["latest"], *group["versions"]])
    for layer in backend._layers._layers.values():
        total += sum(int(v.code_size or 0) for v in layer.layer_versions.values())
    return count, total


def lambda_reserved_concurrency(backend: LambdaBackend) -> dict[str, int]:
    """Each function's reserved concurrency, by name, for those that have one."""
    return {
        name: int(group["latest"].reserved_concurrency)
        for name, group in backend._lambdas._functions.items()
        if group["latest"].reserved_concurrency is not None
    }


UNKNOWN_OPERATION = "UnknownOperationException"


class UnknownOperationGuard:
    """An operation the emulator has no method for answers as a Smithy server answers a request
    it cannot route: 404 UnknownOperationException, in Lambda's JSON (docs/aws-behaviour.md,
    Event invoke config, regions and names); moto would raise NotImplementedError (a 500)."""

    def call_action(self) -> tuple[int, dict[str, str], str]:
        from moto.core.utils import camelcase_to_underscores, method_names_from_class

        action = camelcase_to_underscores(self._get_action() or "")  # type: ignore[attr-defined]
        if not action or action not in method_names_from_class(type(self)):
            body = json.dumps({"__type": UNKNOWN_OPERATION, "message": "Unknown operation"})
            return 404, {"Content-Type": "application/json"}, body
        return super().call_action()  # type: ignore[misc]


def route_every_lambda_path(app: Flask, view: Any) -> None:
    """Every path reaches the Lambda view (moto's url map leaves out, e.g., account-settings,
    which Flask would answer with an HTML 404); the view finds the operation in botocore's
    model, as for moto's own routes."""
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
    app.add_url_rule("/", "asyncdlq_lambda_root", view, methods=methods)
    app.add_url_rule("/<path:_any>", "asyncdlq_lambda_any", view, methods=methods)


# -- Function configuration and states (function_shape.py, function_state.py) ----------


def moto_function_configuration(fn: LambdaFunction, on_create: bool) -> dict[str, Any]:
    """moto's own FunctionConfiguration dict of ``fn`` (function_shape reshapes it to AWS's)."""
    return LambdaFunction.get_configuration(fn, on_create)


def moto_publishes_by_copy() -> bool:
    """Whether moto publishes a version as a shallow copy of $LATEST followed by ``set_version``
    on the copy: EmulatedFunction.set_version gives the copy its own life cycle there."""
    import inspect

    from moto.awslambda.models import LambdaStorage

    source = inspect.getsource(LambdaStorage.publish_version)
    return "copy.copy(" in source and ".set_version(" in source


# -- Resource-based policies (resource_policies.py) ------------------------------------------


def lambda_resource_policy(
    backend: LambdaBackend, function_name: str, qualifier: str | None
) -> dict[str, Any] | None:
    """The AddPermission statements moto keeps for the function (``fn.policy.statements``), as a
    policy document; None when there are none. Raises UnknownFunctionException if it is gone.

    moto publishes a version as a shallow copy of $LATEST, so every version shares $LATEST's
    statements (on AWS a new version starts with no policy): callers must match each statement's
    Resource against the ARN invoked, as resource_policies.may_invoke does.
    """
    import copy

    fn = backend.get_function(function_name, qualifier)
    statements = copy.deepcopy(list(fn.policy.statements))
    if not statements:
        return None
    return {"Version": "2012-10-17", "Id": "default", "Statement": statements}


def sqs_queue_policy(account_id: str, region: str, queue_name: str) -> str | None:
    """The queue's Policy attribute (JSON), None without one; raises if the queue is gone."""
    policy = sqs_backends[account_id][region].get_queue(queue_name).policy
    return str(policy) if policy else None


# -- The aws profile: log timestamps and FilterLogEvents throttling (logs_visibility.py,
# logs_throttle.py) ----------------------------------------------------------------------


def put_log_events_at(
    account_id: str, region: str, group: str, stream: str, messages: list[str], timestamp_ms: int
) -> bool:
    """``put_log_events`` with every event stamped ``timestamp_ms`` (the service clock when the
    lines were written, which may be earlier than this call); False when the group or stream is
    gone."""
    backend = logs_backends[account_id][region]
    if group not in backend.groups or stream not in backend.groups[group].streams:
        return False
    events = [{"timestamp": timestamp_ms, "message": m} for m in messages]
    backend.put_log_events(group, stream, events)
    return True


def request_account(access_key: str, account_header: str | None) -> str:
    """The account moto serves a request from, as moto's BaseResponse.get_current_account
    decides it: MOTO_ACCOUNT_ID, else the x-moto-account-id header, else the account whose IAM
    user holds ``access_key``, else moto's default account."""
    import os

    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if account_header:
        return account_header
    return get_account_id_from(access_key)
