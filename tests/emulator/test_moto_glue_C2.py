"""The moto internals behind the aws profile's SQS and IAM behaviours (moto_glue.py, section "IAM
propagation"; moto_sqs.py's behaviours): a moto upgrade that moves them fails here, loudly."""

from __future__ import annotations

import gzip
import inspect
import json
from pathlib import Path
from typing import Any

from moto.iam.models import IAMBackend, Role
from moto.sqs import exceptions
from moto.sqs import models as sqs_models
from moto.sqs import responses as sqs_responses

from asyncdlq.emulator import moto_iam, moto_sqs


def _params(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_iam_role_methods_keep_their_shape() -> None:
    for name in moto_iam.IAM_ROLE_POLICY_CHANGES:
        method = IAMBackend.__dict__[name]  # defined on the class itself: patched there
        assert "role_name" in _params(method), name
    assert _params(IAMBackend.create_role)[1] == "role_name"
    assert "return role" in inspect.getsource(IAMBackend.create_role)
    assert isinstance(inspect.getattr_static(Role, "arn"), property)
    assert "self.get_role(role_name)" in inspect.getsource(IAMBackend.put_role_policy)


def test_iam_watch_roles_reports_and_undoes() -> None:
    from moto.iam.models import iam_backends

    originals = {n: IAMBackend.__dict__[n] for n in ("create_role", "put_role_policy")}
    seen: list[tuple[str, str, str]] = []
    undo = moto_iam.iam_watch_roles(
        lambda account, arn: seen.append(("created", account, arn)),
        lambda account, arn: seen.append(("changing", account, arn)),
    )
    try:
        account = "210987654321"
        backend = iam_backends[account]["aws"]
        role = backend.create_role("watched", "{}", "/", None, "", [], None)
        backend.put_role_policy("watched", "p", json.dumps(_ALLOW))
        assert seen == [("created", account, role.arn), ("changing", account, role.arn)]
    finally:
        undo()
        iam_backends[account]["aws"].delete_role_policy("watched", "p")
        iam_backends[account]["aws"].delete_role("watched")
    for name, method in originals.items():
        assert IAMBackend.__dict__[name] is method


_ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


def test_sqs_behaviour_hooks_keep_their_shape() -> None:
    backend = sqs_models.SQSBackend
    assert _params(backend.delete_queue) == ["self", "queue_name"]
    assert "del self.queues[queue_name]" in inspect.getsource(backend.delete_queue)
    assert _params(backend.receive_message)[:4] == [
        "self",
        "queue_name",
        "count",
        "wait_seconds_timeout",
    ]
    # moto's response resolves WaitTimeSeconds (request, else the queue's) before the backend.
    source = inspect.getsource(sqs_responses.SQSResponse.receive_message)
    assert "receive_message_wait_time_seconds" in source
    assert issubclass(moto_sqs.QueueDeletedRecently, exceptions.SQSException)


def test_moto_maps_the_query_code_to_aws_json_shape() -> None:
    """moto serializes an SQSException by its code, through its extras to botocore's model."""
    extras = Path(sqs_models.__file__).parent / "2012-11-05" / "service-2.moto-extras.json.gz"
    shapes = json.loads(gzip.decompress(extras.read_bytes()))["merge"]["shapes"]
    assert shapes["QueueDeletedRecently"]["error"] == {
        "code": "AWS.SimpleQueueService.QueueDeletedRecently",
        "httpStatusCode": 400,
        "senderFault": True,
    }
