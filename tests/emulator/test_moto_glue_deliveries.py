"""The moto internals behind deliveries and logs (moto_glue.sqs_send and put_log_events): the
AWSTraceHeader of a queued message, the look-up of a log group and stream. A moto upgrade that
moves them fails here."""

from __future__ import annotations

import inspect
import uuid

from moto.logs.models import logs_backends
from moto.sqs.models import Message, sqs_backends
from moto.sqs.responses import SQSResponse

from asyncdlq.emulator import moto_glue

ACCOUNT, REGION = "123456789012", "eu-west-3"
TRACE = "Root=1-65250495-30b227ef4ea882e709192510;Parent=6b522ce06cfce549;Sampled=0"


def test_a_message_keeps_its_system_attributes_where_receive_reads_them() -> None:
    assert list(inspect.signature(Message.__init__).parameters) == [
        "self",
        "message_id",
        "body",
        "system_attributes",
    ]
    send = sqs_backends[ACCOUNT][REGION].send_message
    assert "system_attributes" in inspect.signature(send).parameters  # the FIFO branch
    source = inspect.getsource(SQSResponse.receive_message)  # ReceiveMessage reads it there
    assert '"AWSTraceHeader"' in source and "message.system_attributes" in source


def test_sqs_send_with_a_trace_header_stores_the_header_as_a_system_attribute() -> None:
    backend = sqs_backends[ACCOUNT][REGION]
    name = f"q-{uuid.uuid4().hex[:8]}"
    backend.create_queue(name)
    try:
        message_id = moto_glue.sqs_send(ACCOUNT, REGION, name, "{}", None, TRACE)
        (message,) = backend.get_queue(name).messages
        assert message.id == message_id and message.body == "{}"
        assert message.system_attributes == {
            "AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}
        }
    finally:
        backend.delete_queue(name)


def test_put_log_events_says_when_the_group_is_gone() -> None:
    backend = logs_backends[ACCOUNT][REGION]
    group, stream = f"/aws/lambda/g-{uuid.uuid4().hex[:8]}", "2024/01/01/[$LATEST]abc"
    assert moto_glue.put_log_events(ACCOUNT, REGION, group, stream, ["x"]) is False
    moto_glue.create_log_stream(ACCOUNT, REGION, group, stream)
    assert moto_glue.put_log_events(ACCOUNT, REGION, group, stream, ["x"]) is True
    assert [e.message for e in backend.groups[group].streams[stream].events] == ["x"]
    backend.delete_log_group(group)
    assert moto_glue.put_log_events(ACCOUNT, REGION, group, stream, ["y"]) is False
