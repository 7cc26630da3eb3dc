"""The moto internals behind deliveries and logs (moto_glue.py, sections "Deliveries from moto's
other services to Lambda" and "Async records and logs"): the SNS guard, the AWSTraceHeader of a
queued message, the look-up of a log group and stream. A moto upgrade that moves them fails here."""

from __future__ import annotations

import inspect
import uuid

from moto.logs.models import logs_backends
from moto.sns.models import Subscription
from moto.sqs.models import Message, sqs_backends
from moto.sqs.responses import SQSResponse

from asyncdlq.emulator import moto_glue


def test_sns_subscriptions_publish_with_the_signature_the_guard_wraps() -> None:
    moto_publish = moto_glue._MOTO_SUBSCRIPTION_PUBLISH or Subscription.publish
    parameters = list(inspect.signature(moto_publish).parameters)
    assert parameters[:3] == ["self", "message", "message_id"]
    source = inspect.getsource(moto_publish)
    # The branch the guard replaces: moto's Lambda backend looked up from SNS.
    assert 'self.protocol == "lambda"' in source and "get_backend" in source


def test_the_guard_installs_counted_and_uninstalls() -> None:
    before = Subscription.publish
    moto_glue.install_lambda_delivery_guard()
    moto_glue.install_lambda_delivery_guard()
    assert moto_glue.lambda_delivery_guard_installed()
    moto_glue.uninstall_lambda_delivery_guard()
    assert moto_glue.lambda_delivery_guard_installed()
    moto_glue.uninstall_lambda_delivery_guard()
    assert Subscription.publish is before or moto_glue.lambda_delivery_guard_installed()


def test_a_guarded_lambda_subscription_is_not_delivered_through_moto() -> None:
    class FakeSubscription:
        protocol = "lambda"
        endpoint = "arn:aws:lambda:us-east-1:123456789012:function:f"

    moto_glue.install_lambda_delivery_guard()
    try:
        assert Subscription.publish(FakeSubscription(), "m", "id") is None  # type: ignore[arg-type]
    finally:
        moto_glue.uninstall_lambda_delivery_guard()


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
