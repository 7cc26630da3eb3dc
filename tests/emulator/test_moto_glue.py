"""Fails loudly when a moto upgrade moves an internal that moto_glue relies on."""

from __future__ import annotations

import inspect

import moto

from asyncdlq.emulator import moto_glue


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_moto_is_the_pinned_version() -> None:
    # The touch points below were read off this version; re-check them all before changing it.
    assert moto.__version__ == "5.2.1"


def test_lambda_internals_keep_their_shape() -> None:
    backend = moto_glue.LambdaBackend("us-east-1", "123456789012")
    assert hasattr(backend, "_lambdas") and hasattr(backend._lambdas, "put_function")
    assert _params(moto_glue.LambdaFunction.__init__)[:5] == [
        "self",
        "account_id",
        "spec",
        "region",
        "version",
    ]
    for name in ("get_configuration", "update_configuration"):
        assert callable(getattr(moto_glue.LambdaFunction, name))
    assert _params(moto_glue.EventInvokeConfig.__init__) == [
        "self",
        "arn",
        "last_modified",
        "config",
    ]
    for name in (
        "get_function",
        "publish_version",
        "put_function_event_invoke_config",
        "update_function_event_invoke_config",
        "get_function_event_invoke_config",
        "delete_function_event_invoke_config",
    ):
        assert callable(getattr(moto_glue.LambdaBackend, name)), name
    assert _params(moto_glue.LambdaResponse._enrich_response) == ["headers", "body"]
    assert hasattr(moto_glue.LambdaResponse, "invoke")


def test_other_service_internals_keep_their_shape() -> None:
    from moto.logs.models import LogsBackend
    from moto.sns.models import SNSBackend
    from moto.sqs.models import SQSBackend

    assert _params(SQSBackend.send_message)[:4] == [
        "self",
        "queue_name",
        "message_body",
        "message_attributes",
    ]
    assert _params(SNSBackend.publish)[:3] == ["self", "message", "arn"]
    assert "message_attributes" in _params(SNSBackend.publish)
    assert _params(LogsBackend.create_log_stream) == ["self", "log_group_name", "log_stream_name"]
    assert _params(LogsBackend.put_log_events) == [
        "self",
        "log_group_name",
        "log_stream_name",
        "log_events",
    ]


def test_the_dispatcher_names_lambda_as_the_glue_expects() -> None:
    dispatcher = moto_glue.DomainDispatcherApplication(lambda service: service)
    assert dispatcher.get_backend_for_host("lambda.us-east-1.amazonaws.com") == "awslambda"


def test_iam_and_destination_internals_keep_their_shape() -> None:
    from moto.iam.models import IAMBackend, ManagedPolicy, PolicyVersion, Role

    assert _params(IAMBackend.get_role_by_arn) == ["self", "arn"]
    role_init = _params(Role.__init__)
    assert "name" in role_init and "assume_role_policy_document" in role_init
    for attr in ("policies", "managed_policies"):
        assert attr in inspect.getsource(Role.__init__), attr
    assert "versions" in inspect.getsource(ManagedPolicy.__mro__[1].__init__)
    assert _params(PolicyVersion.__init__)[:4] == ["self", "policy_arn", "document", "is_default"]
    assert isinstance(PolicyVersion.is_default_version, property)
    assert (
        moto_glue.iam_role_policy_documents("123456789012", "arn:aws:iam::123456789012:role/x")
        is None
    )
    assert (
        moto_glue.sns_topic_exists("123456789012", "us-east-1", "arn:aws:sns:us-east-1:1:x")
        is False
    )
    backend = moto_glue.LambdaBackend("us-east-1", "123456789012")
    assert moto_glue.lambda_function_exists(backend, "nope", None) is False


def test_sqs_fast_send_internals_keep_their_shape() -> None:
    from moto.sqs.models import Message, Queue, SQSBackend

    assert _params(SQSBackend._validate_message)[:4] == [
        "self",
        "queue",
        "message_body",
        "delay_seconds",
    ]
    assert _params(Message.__init__)[:3] == ["self", "message_id", "body"]
    assert "delay_seconds" in _params(Message.mark_sent)
    assert callable(Queue.add_message)
    assert _params(moto_glue.DomainDispatcherApplication.get_backend_for_host) == ["self", "host"]


def test_a_burst_into_one_queue_stays_fast(emulator, aws) -> None:
    import time

    url = aws.client("sqs").create_queue(QueueName="burst")["QueueUrl"]
    started = time.perf_counter()
    for n in range(2000):
        moto_glue.sqs_send("123456789012", "us-east-1", "burst", f"m{n}", None)
    assert time.perf_counter() - started < 1.0  # moto's own send took 85 ms each at this depth
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2000"
